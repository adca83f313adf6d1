//! Walking 1,000 pages against a loopback server that answers each request after 5 ms, compared
//! in the same run with the floor (pages × latency) and with two hand-written reqwest loops: one
//! decoding each page as `serde_json::Value`, and the fastest any client could be, which decodes
//! nothing and finds the next cursor by searching the bytes. Between that one and the floor is
//! the cost of the transport itself.
//! A second group adds 2 ms of work per page on the consumer's side, where prefetching the next
//! page hides that work behind the server's latency.

mod support;

use std::num::NonZeroU64;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use futures::{StreamExt, TryStreamExt};
use sendmux_management::Client;

const PAGES: usize = 1_000;
const PER_PAGE: usize = 50;
const LATENCY: Duration = Duration::from_millis(5);
const WORK: Duration = Duration::from_millis(2);

fn walk(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let base_url = support::start(PAGES, PER_PAGE, LATENCY);
    let client = Client::builder()
        .api_key("smx_root_bench")
        .base_url(base_url.clone())
        .build()
        .expect("client");
    let page_size = NonZeroU64::new(PER_PAGE as u64).unwrap();

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
    let http = reqwest::Client::new();
    group.bench_function("raw_reqwest_loop", |b| {
        b.to_async(&runtime).iter(|| async {
            let mut cursor: Option<String> = None;
            let mut count = 0;
            loop {
                let mut url = format!("{base_url}/emails/logs?limit={PER_PAGE}");
                if let Some(cursor) = &cursor {
                    url.push_str("&cursor=");
                    url.push_str(cursor);
                }
                let page: serde_json::Value =
                    http.get(url).send().await.unwrap().json().await.unwrap();
                count += page["data"].as_array().unwrap().len();
                match page["pagination"]["next_cursor"].as_str() {
                    Some(next) => cursor = Some(next.to_owned()),
                    None => break,
                }
            }
            assert_eq!(count, PAGES * PER_PAGE);
        })
    });
    group.bench_function("bytes_only_reqwest_loop", |b| {
        b.to_async(&runtime).iter(|| async {
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
        })
    });
    for prefetch in [true, false] {
        let name = if prefetch {
            "items_prefetch"
        } else {
            "items_no_prefetch"
        };
        group.bench_function(name, |b| {
            b.to_async(&runtime).iter(|| async {
                let count = client
                    .list_email_logs()
                    .limit(page_size)
                    .items()
                    .prefetch(prefetch)
                    .try_fold(0usize, |n, _| async move { Ok(n + 1) })
                    .await
                    .expect("walk");
                assert_eq!(count, PAGES * PER_PAGE);
            })
        });
    }
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
            b.to_async(&runtime).iter(|| async {
                let mut pages = client
                    .list_email_logs()
                    .limit(page_size)
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

/// The value of `"next_cursor"` in a page, found without parsing the JSON.
fn next_cursor(body: &[u8]) -> Option<&str> {
    const KEY: &[u8] = b"\"next_cursor\":\"";
    let start = body.windows(KEY.len()).rposition(|w| w == KEY)? + KEY.len();
    let length = body[start..].iter().position(|&b| b == b'"')?;
    std::str::from_utf8(&body[start..start + length]).ok()
}

criterion_group!(benches, walk);
criterion_main!(benches);
