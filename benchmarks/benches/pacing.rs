//! A bulk job through a paced client against a server enforcing 200 requests per second:
//! 2,000 requests, 64 at a time. The floor is 2,000 / 200 = 10 s; any 429 fails the run.

mod support;

use std::future::IntoFuture;
use std::sync::atomic::Ordering;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use futures::StreamExt;
use sendmux_management::{Client, RateBudget, RetryPolicy};

const LIMIT: u32 = 200;
const REQUESTS: usize = 2_000;

fn bulk(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (url, refused) = support::start_limited(LIMIT);
    let client = Client::builder()
        .api_key("smx_root_bench")
        .base_url(url)
        .retry_policy(RetryPolicy::none())
        .pace_requests(RateBudget::new(LIMIT, Duration::from_secs(1)))
        .build()
        .expect("client");

    let mut group = c.benchmark_group("paced_bulk_2000_requests_at_200_per_s");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(110));
    group.bench_function("paced", |b| {
        b.to_async(&runtime).iter(|| async {
            let failed = futures::stream::iter(0..REQUESTS)
                .map(|_| client.get_me().into_future())
                .buffer_unordered(64)
                .filter(|r| std::future::ready(r.is_err()))
                .count()
                .await;
            assert_eq!(failed, 0);
            assert_eq!(
                refused.load(Ordering::SeqCst),
                0,
                "the server refused requests"
            );
        })
    });
    group.finish();
}

criterion_group!(benches, bulk);
criterion_main!(benches);
