//! A fixed number of sequential GETs of one resource, for counting instructions per request
//! with callgrind rather than timing them: `scripts/instructions.sh` runs it twice with
//! different counts and prints the difference per request, which leaves out start-up.
//!
//! `REQUESTS` sets the count (default 2,000); `CLIENT=plain` runs plain reqwest + serde
//! instead of this crate's client, and `CLIENT=official` the vendor's `sendmux` crate, on the
//! same loopback server and runtime.

mod support;

use std::future::IntoFuture;

use sendmux_management::types::MeEnvelope;
use sendmux_management::{Client, RetryPolicy};

fn main() {
    let requests: u64 = std::env::var("REQUESTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2_000);
    let contender = std::env::var("CLIENT").unwrap_or_default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (url, _) = support::start_limited(u32::MAX);
    sendmux_management::install_crypto_provider();
    let http = reqwest::Client::new();
    let client = Client::builder()
        .api_key("smx_root_bench")
        .base_url(url.clone())
        .http_client(http.clone())
        .retry_policy(RetryPolicy::default())
        .build()
        .expect("client");
    let me_url = format!("{url}/me");
    let official = sendmux::ManagementClient::new("smx_root_bench")
        .and_then(|official| official.with_base_url(&url))
        .expect("official client");
    runtime.block_on(async {
        for _ in 0..requests {
            if contender == "official" {
                let me = official.get_connection().await.expect("official me");
                std::hint::black_box(me);
            } else if contender == "plain" {
                let me: MeEnvelope = http
                    .get(&me_url)
                    .bearer_auth("smx_root_bench")
                    .send()
                    .await
                    .expect("send")
                    .json()
                    .await
                    .expect("json");
                std::hint::black_box(me);
            } else {
                let me = client.get_me().into_future().await.expect("me");
                std::hint::black_box(me);
            }
        }
    });
}
