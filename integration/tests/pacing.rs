//! Client-side pacing against a server that enforces its budget with 429s.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{fixture, TOKEN};
use httpmock::{HttpMockResponse, MockServer};
use sendmux_management::{Client, RateBudget, RetryPolicy};

const LIMIT: u32 = 20;
const REQUESTS: usize = 60;

/// Counts requests per wall-clock second, like a fixed-window limiter, and refuses the excess.
#[derive(Default)]
struct Window {
    second: u64,
    used: u32,
    refused: u32,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paced_client_stays_within_the_servers_budget() {
    let server = MockServer::start_async().await;
    let window = Arc::new(Mutex::new(Window::default()));
    let state = window.clone();
    let body = fixture("get_me").to_string();
    server
        .mock_async(|when, then| {
            when.path("/me");
            then.respond_with(move |_| {
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap()
                    .as_secs();
                let mut window = state.lock().unwrap();
                if window.second != now {
                    window.second = now;
                    window.used = 0;
                }
                let allowed = window.used < LIMIT;
                if allowed {
                    window.used += 1;
                } else {
                    window.refused += 1;
                }
                let builder = HttpMockResponse::builder()
                    .header("x-ratelimit-limit", LIMIT.to_string())
                    .header("x-ratelimit-remaining", (LIMIT - window.used).to_string())
                    .header("x-ratelimit-reset", (now + 1).to_string());
                if allowed {
                    builder.status(200).body(body.clone()).build()
                } else {
                    builder.status(429).header("retry-after", "1").build()
                }
            });
        })
        .await;

    let client = Client::builder()
        .api_key(TOKEN)
        .base_url(server.base_url())
        .retry_policy(RetryPolicy::none())
        .pace_requests(RateBudget::new(LIMIT, Duration::from_secs(1)))
        .build()
        .unwrap();
    let calls = (0..REQUESTS).map(|_| {
        let client = client.clone();
        async move { client.get_me().await }
    });
    let results = futures::future::join_all(calls).await;

    let failures: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(
        failures.is_empty(),
        "{} failed, first: {}",
        failures.len(),
        failures[0]
    );
    assert_eq!(window.lock().unwrap().refused, 0);
}

#[tokio::test]
async fn an_exhausted_window_holds_requests_until_it_resets() {
    let server = MockServer::start_async().await;
    let reset = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 2;
    let first = server
        .mock_async(|when, then| {
            when.path("/me");
            then.status(200)
                .header("x-ratelimit-limit", "600")
                .header("x-ratelimit-remaining", "0")
                .header("x-ratelimit-reset", reset.to_string())
                .json_body(fixture("get_me"))
                .up_to_n_times(1);
        })
        .await;
    let later = server
        .mock_async(|when, then| {
            when.path("/me");
            then.status(200).json_body(fixture("get_me"));
        })
        .await;
    let client = Client::builder()
        .api_key(TOKEN)
        .base_url(server.base_url())
        .pace_requests(RateBudget::default())
        .build()
        .unwrap();
    client.get_me().await.unwrap();
    client.get_me().await.unwrap();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(now >= reset - 1, "the second request waited for the reset");
    first.assert_calls_async(1).await;
    later.assert_calls_async(1).await;
}
