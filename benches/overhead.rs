//! Per-request overhead: 10,000 sequential GETs of one resource through every layer of the
//! client (hooks, retry policy armed but never triggered, envelope unwrap, metadata) against
//! plain reqwest + serde on the same connection pool, in the same run.

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
            }
        })
    });
    group.finish();
}

criterion_group!(benches, overhead);
criterion_main!(benches);
