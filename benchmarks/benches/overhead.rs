//! Per-request overhead: 10,000 sequential GETs of one resource through every layer of the
//! client (hooks, retry policy armed but never triggered, envelope unwrap, metadata) against
//! plain reqwest + serde on the same connection pool, and against the vendor's own crate
//! (`sendmux`, with the reqwest client it builds for itself), in the same run.
//!
//! On a shared machine the time per request drifts by more than the difference being measured
//! while criterion runs one function after the other, so the bench also reports paired ratios:
//! short blocks of each client in alternation (ABCCBA), the median of the per-round ratios of
//! ours to each baseline.

mod support;

use std::future::IntoFuture;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sendmux_management::types::MeEnvelope;
use sendmux_management::{Client, RetryPolicy};

const REQUESTS: u64 = 10_000;

fn overhead(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
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

    let mut group = c.benchmark_group("sequential_gets_10000");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(30));
    group.throughput(Throughput::Elements(REQUESTS));
    group.bench_function("sendmux_client", |b| {
        b.to_async(&runtime).iter(|| async {
            for _ in 0..REQUESTS {
                let me = client.get_me().into_future().await.expect("me");
                std::hint::black_box(me);
            }
        })
    });
    group.bench_function("plain_reqwest_serde", |b| {
        b.to_async(&runtime).iter(|| async {
            for _ in 0..REQUESTS {
                std::hint::black_box(plain_get(&http, &me_url).await);
            }
        })
    });
    group.bench_function("official_sendmux_crate", |b| {
        b.to_async(&runtime).iter(|| async {
            for _ in 0..REQUESTS {
                std::hint::black_box(official_get(&official).await);
            }
        })
    });
    group.finish();

    let clients = Clients {
        ours: &client,
        http: &http,
        me_url: &me_url,
        official: &official,
    };
    let (plain, official) = paired_ratios(&runtime, &clients);
    for (baseline, ratios) in [("plain", plain), ("official", official)] {
        let quartile = |q: usize| ratios[(ratios.len() - 1) * q / 4];
        println!(
            "sequential_gets paired ratio (ours / {baseline}, {ROUNDS} rounds of 2 x {BLOCK} \
             requests each): median {:.3}, quartiles {:.3} .. {:.3}",
            quartile(2),
            quartile(1),
            quartile(3)
        );
    }
}

const ROUNDS: usize = 40;
const BLOCK: u32 = 500;

/// The three contenders: ours, plain reqwest + serde on our pool, and the vendor's crate.
struct Clients<'a> {
    ours: &'a Client,
    http: &'a reqwest::Client,
    me_url: &'a str,
    official: &'a sendmux::ManagementClient,
}

/// Ratios of our time to each baseline's over the same number of requests, one per round, each
/// list sorted: ours to plain reqwest, then ours to the vendor's crate. Each round runs
/// A B C C B A so that a drift within the round cancels out for both ratios.
fn paired_ratios(runtime: &tokio::runtime::Runtime, clients: &Clients<'_>) -> (Vec<f64>, Vec<f64>) {
    let ours = || async {
        let started = std::time::Instant::now();
        for _ in 0..BLOCK {
            let me = clients.ours.get_me().into_future().await.expect("me");
            std::hint::black_box(me);
        }
        started.elapsed().as_secs_f64()
    };
    let plain = || async {
        let started = std::time::Instant::now();
        for _ in 0..BLOCK {
            std::hint::black_box(plain_get(clients.http, clients.me_url).await);
        }
        started.elapsed().as_secs_f64()
    };
    let official = || async {
        let started = std::time::Instant::now();
        for _ in 0..BLOCK {
            std::hint::black_box(official_get(clients.official).await);
        }
        started.elapsed().as_secs_f64()
    };
    let (mut to_plain, mut to_official): (Vec<f64>, Vec<f64>) = (0..ROUNDS)
        .map(|_| {
            runtime.block_on(async {
                let (a1, b1, c1) = (ours().await, plain().await, official().await);
                let (c2, b2, a2) = (official().await, plain().await, ours().await);
                ((a1 + a2) / (b1 + b2), (a1 + a2) / (c1 + c2))
            })
        })
        .unzip();
    to_plain.sort_by(f64::total_cmp);
    to_official.sort_by(f64::total_cmp);
    (to_plain, to_official)
}

async fn plain_get(http: &reqwest::Client, me_url: &str) -> MeEnvelope {
    http.get(me_url)
        .bearer_auth("smx_root_bench")
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json")
}

async fn official_get(
    official: &sendmux::ManagementClient,
) -> sendmux::Response<sendmux::Connection> {
    official.get_connection().await.expect("official me")
}

criterion_group!(benches, overhead);
criterion_main!(benches);
