#[path = "../benches/support/mod.rs"]
mod support;
use std::future::IntoFuture;
#[tokio::main(flavor = "current_thread")]
async fn main() {
    let which = std::env::args().nth(1).unwrap();
    let n: usize = std::env::args().nth(2).unwrap().parse().unwrap();
    let (url, _) = support::start_limited(u32::MAX);
    sendmux_management::install_crypto_provider();
    let http = reqwest::Client::new();
    let client = sendmux_management::Client::builder()
        .api_key("smx_root_x")
        .base_url(url.clone())
        .http_client(http.clone())
        .build()
        .unwrap();
    let me_url = format!("{url}/me");
    for _ in 0..n {
        if which == "ours" {
            std::hint::black_box(client.get_me().into_future().await.unwrap());
        } else {
            let me: sendmux_management::types::MeEnvelope = http
                .get(&me_url)
                .bearer_auth("smx_root_x")
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            std::hint::black_box(me);
        }
    }
}
