//! No number a server sends can panic the client or hold it indefinitely: `Retry-After` and the
//! `X-RateLimit-*` headers meet durations and instants only through checked arithmetic, the
//! pacer believes a reset no further away than its window, and its waits count against the
//! request's timeout and deadline.

mod common;

use std::future::IntoFuture;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::{fixture, TOKEN};
use futures::future::join_all;
use proptest::prelude::*;
use sendmux_management::{Client, Error, RateBudget, RetryPolicy};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One scripted answer: how long to think, the status and extra header lines.
#[derive(Clone, Debug)]
struct Answer {
    delay: Duration,
    status: u16,
    headers: Vec<(String, String)>,
}

impl Answer {
    fn ok() -> Self {
        Self {
            delay: Duration::ZERO,
            status: 200,
            headers: Vec::new(),
        }
    }

    fn header(mut self, name: &str, value: impl ToString) -> Self {
        self.headers.push((name.to_owned(), value.to_string()));
        self
    }
}

/// Answers GET /me with `script` in order, then with its last answer forever.
async fn scripted_server(script: Vec<Answer>) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let served = Arc::new(AtomicUsize::new(0));
    let count = served.clone();
    let me = fixture("get_me").to_string();
    let script = Arc::new(script);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (count, script, me) = (count.clone(), script.clone(), me.clone());
            tokio::spawn(async move {
                let mut stream = BufReader::new(stream);
                loop {
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if stream.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        if line == "\r\n" {
                            break;
                        }
                    }
                    let n = count.fetch_add(1, Ordering::SeqCst);
                    let answer = script[n.min(script.len() - 1)].clone();
                    tokio::time::sleep(answer.delay).await;
                    let body = if answer.status == 200 {
                        me.as_str()
                    } else {
                        "{}"
                    };
                    let mut head = format!(
                        "HTTP/1.1 {} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
                        answer.status,
                        body.len()
                    );
                    for (name, value) in &answer.headers {
                        head.push_str(&format!("{name}: {value}\r\n"));
                    }
                    head.push_str("\r\n");
                    if stream.get_mut().write_all(head.as_bytes()).await.is_err()
                        || stream.get_mut().write_all(body.as_bytes()).await.is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    (url, served)
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

#[tokio::test]
async fn an_enormous_retry_after_after_a_slow_answer_ends_the_retries() {
    let slow_unavailable = Answer {
        delay: Duration::from_millis(1_100),
        status: 503,
        headers: vec![("retry-after".into(), u64::MAX.to_string())],
    };
    let (url, served) = scripted_server(vec![slow_unavailable, Answer::ok()]).await;
    for policy in [
        RetryPolicy::default(),
        RetryPolicy::default().deadline(None),
    ] {
        served.store(0, Ordering::SeqCst);
        let client = Client::builder()
            .api_key(TOKEN)
            .base_url(&url)
            .retry_policy(policy)
            .build()
            .unwrap();
        let outcome = tokio::time::timeout(Duration::from_secs(20), client.get_me().into_future())
            .await
            .expect("the client gave up instead of waiting for ever");
        let error = outcome.expect_err("the 503 is returned");
        assert_eq!(error.status(), Some(503));
        let asked = error.as_api().and_then(|api| api.retry_after);
        assert_eq!(asked, Some(Duration::from_secs(u64::MAX)));
        assert_eq!(served.load(Ordering::SeqCst), 1, "no retry was attempted");
    }
}

#[tokio::test]
async fn a_retry_after_within_the_policy_is_still_honoured() {
    let unavailable = Answer {
        delay: Duration::ZERO,
        status: 503,
        headers: vec![("retry-after".into(), "1".into())],
    };
    let (url, served) = scripted_server(vec![unavailable, Answer::ok()]).await;
    let client = Client::builder()
        .api_key(TOKEN)
        .base_url(&url)
        .build()
        .unwrap();
    let started = Instant::now();
    client.get_me().await.expect("retried after the wait");
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(served.load(Ordering::SeqCst), 2);
}

fn paced_client(url: &str, budget: RateBudget, timeout: Duration) -> Client {
    Client::builder()
        .api_key(TOKEN)
        .base_url(url)
        .retry_policy(RetryPolicy::none())
        .request_timeout(timeout)
        .pace_requests(budget)
        .build()
        .unwrap()
}

#[tokio::test]
async fn an_enormous_reset_with_requests_left_does_not_panic_the_pacer() {
    let first = Answer::ok()
        .header("x-ratelimit-limit", 10)
        .header("x-ratelimit-remaining", 1)
        .header("x-ratelimit-reset", i64::MAX);
    let (url, served) = scripted_server(vec![first, Answer::ok()]).await;
    let window = Duration::from_millis(500);
    let client = paced_client(&url, RateBudget::new(10, window), Duration::from_secs(5));
    for _ in 0..3 {
        tokio::time::timeout(Duration::from_secs(10), client.get_me().into_future())
            .await
            .expect("bounded wait")
            .expect("answered");
    }
    assert_eq!(served.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_reset_in_milliseconds_holds_requests_one_window_at_most() {
    let now_ms = now_secs() * 1_000;
    let exhausted = Answer::ok()
        .header("x-ratelimit-limit", 10)
        .header("x-ratelimit-remaining", 0)
        .header("x-ratelimit-reset", now_ms);
    let (url, served) = scripted_server(vec![exhausted, Answer::ok()]).await;
    let window = Duration::from_secs(1);
    let client = paced_client(&url, RateBudget::new(10, window), Duration::from_secs(5));
    client.get_me().await.unwrap();
    let clone = client.clone();
    let started = Instant::now();
    tokio::time::timeout(Duration::from_secs(10), clone.get_me().into_future())
        .await
        .expect("a clone is not frozen")
        .expect("answered");
    assert!(started.elapsed() >= window / 2, "it waited for the window");
    assert_eq!(served.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_turn_beyond_the_timeout_fails_at_once_without_sending() {
    let (url, served) = scripted_server(vec![Answer::ok()]).await;
    // One request per 10 s; each attempt may take 1 s.
    let budget = RateBudget::new(1, Duration::from_secs(10));
    let client = paced_client(&url, budget, Duration::from_secs(1));
    client.get_me().await.unwrap();
    let error = tokio::time::timeout(Duration::from_secs(5), client.get_me().into_future())
        .await
        .expect("failed at once instead of waiting for its turn")
        .expect_err("no turn within the timeout");
    assert!(
        matches!(error, Error::RateBudgetExhausted { wait, .. } if wait > Duration::from_secs(8)),
        "{error:?}"
    );
    assert!(error.is_retryable());
    assert_eq!(served.load(Ordering::SeqCst), 1, "nothing more was sent");

    // The retry deadline bounds the wait as well, with a client that sets no timeout of its own.
    sendmux_management::install_crypto_provider();
    let client = Client::builder()
        .api_key(TOKEN)
        .base_url(&url)
        .http_client(reqwest::Client::new())
        .retry_policy(RetryPolicy::none().deadline(Some(Duration::from_secs(1))))
        .pace_requests(budget)
        .build()
        .unwrap();
    client.get_me().await.unwrap();
    let error = tokio::time::timeout(Duration::from_secs(5), client.get_me().into_future())
        .await
        .expect("failed at once")
        .expect_err("no turn within the deadline");
    assert!(
        matches!(error, Error::RateBudgetExhausted { .. }),
        "{error:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_abandoned_while_waiting_give_their_turns_back() {
    let (url, served) = scripted_server(vec![Answer::ok()]).await;
    let budget = RateBudget::new(10, Duration::from_secs(1));
    let client = paced_client(&url, budget, Duration::from_secs(30));
    let abandoned = (0..100).map(|_| {
        let client = client.clone();
        let call = async move { client.get_me().await };
        tokio::time::timeout(Duration::from_millis(300), call)
    });
    let finished = join_all(abandoned).await.into_iter().filter(Result::is_ok);
    let sent_before = finished.count();
    assert!(sent_before < 10, "{sent_before} finished within 300 ms");

    let started = Instant::now();
    tokio::time::timeout(Duration::from_secs(5), client.get_me().into_future())
        .await
        .expect("a lone request is not held behind abandoned ones")
        .expect("answered");
    // Its turn follows the few that left; 100 abandoned turns would put it 10 s away.
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(served.load(Ordering::SeqCst) <= sent_before + 2);
}

/// A header value a broken or hostile server might send for a number.
fn hostile_number() -> impl Strategy<Value = String> {
    let now = now_secs();
    prop_oneof![
        any::<u64>().prop_map(|n| n.to_string()),
        "[0-9]{1,40}",
        Just(u64::MAX.to_string()),
        Just(i64::MAX.to_string()),
        Just((now * 1_000).to_string()),
        (0u64..5).prop_map(move |n| (now + n).to_string()),
        Just("-1".to_owned()),
        Just("1e30".to_owned()),
        Just("Fri, 31 Dec 9999 23:59:59 GMT".to_owned()),
        Just("Thu, 01 Jan 1970 00:00:00 GMT".to_owned()),
        "[ -~]{0,12}",
    ]
}

#[derive(Clone, Debug)]
struct Case {
    slow_first: bool,
    paced: bool,
    status: u16,
    retry_after: Option<String>,
    limit: Option<String>,
    remaining: Option<String>,
    reset: Option<String>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::bool::weighted(0.1),
        any::<bool>(),
        prop::sample::select(vec![200u16, 429, 500, 503]),
        prop::option::of(hostile_number()),
        prop::option::weighted(0.8, hostile_number()),
        prop::option::weighted(0.8, hostile_number()),
        prop::option::weighted(0.8, hostile_number()),
    )
        .prop_map(
            |(slow_first, paced, status, retry_after, limit, remaining, reset)| Case {
                slow_first,
                paced,
                status,
                retry_after,
                limit,
                remaining,
                reset,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn no_number_panics_the_client_or_holds_it_unbounded(case in case()) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let outcome = runtime.block_on(async {
            let mut answer = Answer {
                delay: if case.slow_first { Duration::from_millis(1_050) } else { Duration::ZERO },
                status: case.status,
                headers: Vec::new(),
            };
            for (name, value) in [
                ("retry-after", &case.retry_after),
                ("x-ratelimit-limit", &case.limit),
                ("x-ratelimit-remaining", &case.remaining),
                ("x-ratelimit-reset", &case.reset),
            ] {
                if let Some(value) = value {
                    answer = answer.header(name, value);
                }
            }
            // Every answer carries the hostile numbers, so each retry and each paced turn meets
            // them again.
            let (url, _) = scripted_server(vec![answer]).await;
            let policy = RetryPolicy::default()
                .max_attempts(3)
                .base_delay(Duration::from_millis(5))
                .max_delay(Duration::from_millis(20))
                .max_retry_after(Duration::from_millis(300))
                .deadline(None);
            let mut builder = Client::builder()
                .api_key(TOKEN)
                .base_url(url)
                .request_timeout(Duration::from_secs(3))
                .retry_policy(policy);
            if case.paced {
                builder = builder.pace_requests(RateBudget::new(20, Duration::from_millis(100)));
            }
            let client = builder.build().unwrap();
            // Two calls, attempts and waits included: slow first answer (1 s), up to three
            // attempts each with waits of at most 300 ms, turns at most one window away.
            let calls = async {
                for _ in 0..2 {
                    let _ = client.get_me().await;
                }
            };
            tokio::time::timeout(Duration::from_secs(30), calls).await
        });
        prop_assert!(outcome.is_ok(), "the calls did not end within the bound: {case:?}");
    }
}
