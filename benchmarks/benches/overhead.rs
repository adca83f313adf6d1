//! Per-request overhead: 10,000 sequential GETs of one resource through every layer of the
//! client (hooks, retry policy armed but never triggered, envelope unwrap, metadata) against
//! plain reqwest + serde on the same connection pool, in the same run.
//!
//! On a shared machine the time per request drifts by more than the difference being measured
//! while criterion runs one function after the other, so the bench also reports a paired ratio:
//! short blocks of each client in alternation (ABBA), the median of the per-round ratios.

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
    group.finish();

    let ratios = paired_ratios(&runtime, &client, &http, &me_url);
    let quartile = |q: usize| ratios[(ratios.len() - 1) * q / 4];
    println!(
        "sequential_gets paired ratio (ours / plain, {ROUNDS} rounds of 2 x {BLOCK} requests each): \
         median {:.3}, quartiles {:.3} .. {:.3}",
        quartile(2),
        quartile(1),
        quartile(3)
    );
}

const ROUNDS: usize = 40;
const BLOCK: u32 = 500;

/// Ratios of our time to plain reqwest's over the same number of requests, one per round,
/// sorted. Each round runs A B B A so that a drift within the round cancels out.
fn paired_ratios(
    runtime: &tokio::runtime::Runtime,
    client: &Client,
    http: &reqwest::Client,
    me_url: &str,
) -> Vec<f64> {
    let ours = || async {
        let started = std::time::Instant::now();
        for _ in 0..BLOCK {
            let me = client.get_me().into_future().await.expect("me");
            std::hint::black_box(me);
        }
        started.elapsed().as_secs_f64()
    };
    let plain = || async {
        let started = std::time::Instant::now();
        for _ in 0..BLOCK {
            std::hint::black_box(plain_get(http, me_url).await);
        }
        started.elapsed().as_secs_f64()
    };
    let mut ratios: Vec<f64> = (0..ROUNDS)
        .map(|_| {
            runtime.block_on(async {
                let (a1, b1, b2, a2) = (ours().await, plain().await, plain().await, ours().await);
                (a1 + a2) / (b1 + b2)
            })
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    ratios
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

criterion_group!(benches, overhead);
criterion_main!(benches);
