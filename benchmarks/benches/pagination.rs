//! Walking 1,000 pages against a loopback server that answers each request after 5 ms, compared
//! in the same run with the floor (pages × latency) and with two hand-written reqwest loops: one
//! decoding each page as `serde_json::Value`, and the fastest any client could be, which decodes
//! nothing and finds the next cursor by searching the bytes. Between that one and the floor is
//! the cost of the transport itself.
//!
//! The main group runs on a current-thread runtime. A second group repeats the fastest loop and
//! ours on the multi-thread runtime, where every request also crosses between threads: that cost
//! belongs to the runtime and is paid by any client alike. A third group adds 2 ms of work per
//! page on the consumer's side, where prefetching hides that work behind the server's latency.

mod support;

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use futures::{StreamExt, TryStreamExt};
use sendmux_management::Client;
use tokio::runtime::{Builder, Runtime};

const PAGES: usize = 1_000;
const PER_PAGE: usize = 50;
const LATENCY: Duration = Duration::from_millis(5);
const WORK: Duration = Duration::from_millis(2);

fn walk(c: &mut Criterion) {
    let current_thread = Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let multi_thread = Runtime::new().expect("runtime");
    let base_url = support::start(PAGES, PER_PAGE, LATENCY);
    let client = Client::builder()
        .api_key("smx_root_bench")
        .base_url(base_url.clone())
        .build()
        .expect("client");
    sendmux_management::install_crypto_provider();
    let http = reqwest::Client::new();

    let mut group = c.benchmark_group("walk_1000_pages_5ms");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(60));
    group.bench_function("floor_pages_x_latency", |b| {
        b.iter(|| {
            for _ in 0..PAGES {
                support::wait(LATENCY);
            }
        })
    });
    group.bench_function("bytes_only_reqwest_loop", |b| {
        b.to_async(&current_thread)
            .iter(|| bytes_only_walk(&http, &base_url))
    });
    group.bench_function("value_reqwest_loop", |b| {
        b.to_async(&current_thread)
            .iter(|| value_walk(&http, &base_url))
    });
    group.bench_function("items_prefetch", |b| {
        b.to_async(&current_thread)
            .iter(|| items_walk(&client, true))
    });
    group.bench_function("items_no_prefetch", |b| {
        b.to_async(&current_thread)
            .iter(|| items_walk(&client, false))
    });
    group.finish();

    let mut group = c.benchmark_group("walk_1000_pages_5ms_multi_thread_runtime");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(60));
    group.bench_function("bytes_only_reqwest_loop", |b| {
        b.to_async(&multi_thread)
            .iter(|| bytes_only_walk(&http, &base_url))
    });
    group.bench_function("items_prefetch", |b| {
        b.to_async(&multi_thread).iter(|| items_walk(&client, true))
    });
    group.finish();

    let mut group = c.benchmark_group("walk_1000_pages_5ms_with_2ms_work_per_page");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(80));
    for prefetch in [true, false] {
        let name = if prefetch {
            "pages_prefetch"
        } else {
            "pages_no_prefetch"
        };
        group.bench_function(name, |b| {
            b.to_async(&current_thread).iter(|| async {
                let mut pages = client
                    .list_email_logs()
                    .limit(page_size())
                    .pages()
                    .prefetch(prefetch);
                while let Some(page) = pages.next().await {
                    page.expect("page");
                    tokio::time::sleep(WORK).await;
                }
            })
        });
    }
    group.finish();
}

fn page_size() -> u64 {
    PER_PAGE as u64
}

/// Every item through the client's stream.
async fn items_walk(client: &Client, prefetch: bool) {
    let count = client
        .list_email_logs()
        .limit(page_size())
        .items()
        .prefetch(prefetch)
        .try_fold(0usize, |n, _| async move { Ok(n + 1) })
        .await
        .expect("walk");
    assert_eq!(count, PAGES * PER_PAGE);
}

/// The fastest walk there can be: no decoding, the cursor found by searching the bytes.
async fn bytes_only_walk(http: &reqwest::Client, base_url: &str) {
    let mut url = format!("{base_url}/emails/logs?limit={PER_PAGE}");
    let mut pages = 0;
    loop {
        let body = http.get(&url).send().await.unwrap().bytes().await.unwrap();
        pages += 1;
        match next_cursor(&body) {
            Some(cursor) => {
                url = format!("{base_url}/emails/logs?limit={PER_PAGE}&cursor={cursor}")
            }
            None => break,
        }
    }
    assert_eq!(pages, PAGES);
}

/// A hand-written walk decoding each page as `serde_json::Value`.
async fn value_walk(http: &reqwest::Client, base_url: &str) {
    let mut url = format!("{base_url}/emails/logs?limit={PER_PAGE}");
    let mut count = 0;
    loop {
        let page: serde_json::Value = http.get(&url).send().await.unwrap().json().await.unwrap();
        count += page["data"].as_array().unwrap().len();
        match page["pagination"]["next_cursor"].as_str() {
            Some(cursor) => {
                url = format!("{base_url}/emails/logs?limit={PER_PAGE}&cursor={cursor}")
            }
            None => break,
        }
    }
    assert_eq!(count, PAGES * PER_PAGE);
}

/// The value of `"next_cursor"` in a page, found without parsing the JSON.
fn next_cursor(body: &[u8]) -> Option<&str> {
    const KEY: &[u8] = b"\"next_cursor\":\"";
    let start = body.windows(KEY.len()).rposition(|w| w == KEY)? + KEY.len();
    let length = body[start..].iter().position(|&b| b == b'"')?;
    std::str::from_utf8(&body[start..start + length]).ok()
}

criterion_group!(benches, walk);
criterion_main!(benches);
