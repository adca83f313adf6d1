//! Retries: what is retried, how long the client waits, and that writes are never duplicated.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use common::{expect, fixture, TOKEN};
use httpmock::Method::{GET, PATCH, POST};
use httpmock::MockServer;
use sendmux_management::{types, Client, Error, RetryPolicy};
use serde_json::json;

/// Quick retries, so that only server-imposed waits take real time.
fn fast() -> RetryPolicy {
    RetryPolicy::default()
        .base_delay(Duration::from_millis(1))
        .max_delay(Duration::from_millis(5))
}

fn client_for(url: String, policy: RetryPolicy) -> Client {
    Client::builder()
        .api_key(TOKEN)
        .base_url(url)
        .retry_policy(policy)
        .request_timeout(Duration::from_millis(500))
        .build()
        .expect("client")
}

/// Answers every `GET /me` with `status` and `Retry-After: retry_after`.
async fn failing_me<'a>(
    server: &'a MockServer,
    status: u16,
    retry_after: &str,
) -> httpmock::Mock<'a> {
    server
        .mock_async(|when, then| {
            expect(when, GET, "/me");
            then.status(status).header("retry-after", retry_after);
        })
        .await
}

/// Answers `GET /me` successfully, once the faults stubbed before it are used up.
async fn answer_me(server: &MockServer) -> httpmock::Mock<'_> {
    server
        .mock_async(|when, then| {
            expect(when, GET, "/me");
            then.status(200).json_body(fixture("get_me"));
        })
        .await
}

fn error_body(code: &str, retryable: bool) -> serde_json::Value {
    let body = json!({
        "ok": false,
        "error": {"code": code, "message": "Try again.", "retryable": retryable},
        "meta": {"request_id": "req_retry"}
    });
    common::contract::check("get_me", 503, &body);
    body
}

#[tokio::test]
async fn a_503_is_retried_no_sooner_than_retry_after() {
    let server = MockServer::start_async().await;
    let failing = server
        .mock_async(|when, then| {
            expect(when, GET, "/me");
            then.status(503)
                .header("retry-after", "1")
                .json_body(error_body("service_unavailable", true))
                .up_to_n_times(1);
        })
        .await;
    let healthy = answer_me(&server).await;
    let started = Instant::now();
    client_for(server.base_url(), fast())
        .get_me()
        .await
        .expect("succeeds on the second attempt");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After is a floor"
    );
    failing.assert_calls_async(1).await;
    healthy.assert_calls_async(1).await;
}

#[tokio::test]
async fn a_429_with_an_http_date_waits_until_that_date() {
    let server = MockServer::start_async().await;
    let at = SystemTime::now() + Duration::from_secs(2);
    let failing = server
        .mock_async(|when, then| {
            expect(when, GET, "/me");
            then.status(429)
                .header("retry-after", httpdate::fmt_http_date(at))
                .json_body(error_body("rate_limit_exceeded", true))
                .up_to_n_times(1);
        })
        .await;
    answer_me(&server).await;
    client_for(server.base_url(), fast())
        .get_me()
        .await
        .expect("succeeds");
    // HTTP dates have whole seconds: the wait ends within the second before `at`.
    assert!(SystemTime::now() + Duration::from_secs(1) >= at);
    failing.assert_calls_async(1).await;
}

#[tokio::test]
async fn a_429_without_retry_after_waits_for_the_window_reset() {
    let server = MockServer::start_async().await;
    let reset = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 2;
    server
        .mock_async(|when, then| {
            expect(when, GET, "/me");
            then.status(429)
                .header("x-ratelimit-limit", "600")
                .header("x-ratelimit-remaining", "0")
                .header("x-ratelimit-reset", reset.to_string())
                .json_body(error_body("rate_limit_exceeded", true))
                .up_to_n_times(1);
        })
        .await;
    answer_me(&server).await;
    client_for(server.base_url(), fast())
        .get_me()
        .await
        .expect("succeeds");
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap();
    assert!(now.as_secs() >= reset - 1, "waited for the reset");
}

#[tokio::test]
async fn retryable_false_in_the_body_is_respected() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            expect(when, GET, "/me");
            then.status(500)
                .json_body(error_body("internal_error", false));
        })
        .await;
    let error = client_for(server.base_url(), fast())
        .get_me()
        .await
        .expect_err("fails");
    assert_eq!(error.status(), Some(500));
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn each_retryable_status_is_retried_up_to_max_attempts() {
    for status in [429, 500, 502, 503, 504] {
        let server = MockServer::start_async().await;
        let mock = failing_me(&server, status, "0").await;
        let error = client_for(server.base_url(), fast().max_attempts(3))
            .get_me()
            .await
            .expect_err("keeps failing");
        assert_eq!(error.status(), Some(status));
        mock.assert_calls_async(3).await;
    }
}

#[tokio::test]
async fn a_timeout_is_retried() {
    let server = MockServer::start_async().await;
    let slow = server
        .mock_async(|when, then| {
            expect(when, GET, "/me");
            then.status(200)
                .delay(Duration::from_secs(3))
                .json_body(fixture("get_me"))
                .up_to_n_times(1);
        })
        .await;
    answer_me(&server).await;
    client_for(server.base_url(), fast())
        .get_me()
        .await
        .expect("second attempt");
    slow.assert_calls_async(1).await;
}

/// A server whose first connection sends half a response and hangs up; later ones answer.
fn half_then_whole(body: String) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().enumerate() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
                line.clear();
            }
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let cut = if n == 0 { body.len() / 2 } else { body.len() };
            let _ = stream.write_all(&body.as_bytes()[..cut]);
            let _ = stream.flush();
        }
    });
    url
}

#[tokio::test]
async fn a_connection_reset_mid_response_is_retried() {
    let url = half_then_whole(fixture("get_me").to_string());
    let me = client_for(url, fast())
        .get_me()
        .await
        .expect("second attempt");
    assert_eq!(me.http_status, 200);
}

#[tokio::test]
async fn a_post_without_an_idempotency_key_is_never_retried() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            expect(when, POST, "/domains/mdom_1/verify");
            then.status(503).header("retry-after", "0");
        })
        .await;
    let error = client_for(server.base_url(), fast())
        .verify_domain("mdom_1")
        .await
        .expect_err("fails");
    assert_eq!(error.status(), Some(503));
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn a_create_gets_one_generated_key_for_all_its_attempts() {
    let server = MockServer::start_async().await;
    let keys = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen = keys.clone();
    let body = fixture("create_webhook").to_string();
    server
        .mock_async(|when, then| {
            expect(when, POST, "/webhooks");
            then.respond_with(move |request| {
                let key = request
                    .headers()
                    .get("idempotency-key")
                    .map(|v| v.to_str().unwrap().to_owned())
                    .unwrap_or_default();
                let mut seen = seen.lock().unwrap();
                seen.push(key);
                let builder = httpmock::HttpMockResponse::builder();
                if seen.len() == 1 {
                    builder.status(502).build()
                } else {
                    builder.status(201).body(body.clone()).build()
                }
            });
        })
        .await;
    client_for(server.base_url(), fast())
        .create_webhook(types::WebhookCreateBody::new(
            "https://hooks.example.com/in",
            [types::WebhookEventType::MessageBounced],
        ))
        .await
        .expect("created on the second attempt");
    let keys = keys.lock().unwrap();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0], keys[1], "the same key on every attempt");
    assert!(uuid::Uuid::parse_str(&keys[0]).is_ok_and(|u| u.get_version_num() == 4));
}

#[tokio::test]
async fn a_key_set_by_the_caller_is_kept_and_checked() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            expect(when, POST, "/mailboxes/mbx_1/suspend").header("idempotency-key", "suspend-42");
            then.status(200).json_body(fixture("suspend_mailbox"));
        })
        .await;
    let client = client_for(server.base_url(), fast());
    client
        .suspend_mailbox("mbx_1")
        .idempotency_key("suspend-42")
        .await
        .expect("suspended");
    mock.assert_async().await;
    for bad in [String::new(), "k".repeat(256)] {
        let error = client
            .suspend_mailbox("mbx_1")
            .idempotency_key(bad.as_str())
            .await
            .expect_err("refused");
        assert!(matches!(error, Error::InvalidRequest(_)), "{error:?}");
    }
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn patch_is_retried_only_when_asked() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            expect(when, PATCH, "/webhooks/whk_1");
            then.status(503).header("retry-after", "0");
        })
        .await;
    let client = client_for(server.base_url(), fast().max_attempts(2));
    let update = || client.update_webhook("whk_1", types::WebhookUpdateBody::new().enabled(true));
    update().await.expect_err("fails");
    mock.assert_calls_async(1).await;
    update()
        .retry_policy(fast().max_attempts(2).retry_patch(true))
        .await
        .expect_err("fails twice");
    mock.assert_calls_async(3).await;
}

#[tokio::test]
async fn a_request_can_turn_retries_off() {
    let server = MockServer::start_async().await;
    let mock = failing_me(&server, 503, "0").await;
    client_for(server.base_url(), fast())
        .get_me()
        .retry_policy(RetryPolicy::none())
        .await
        .expect_err("fails");
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn no_attempt_starts_after_the_deadline() {
    let server = MockServer::start_async().await;
    let mock = failing_me(&server, 503, "30").await;
    let error = client_for(
        server.base_url(),
        fast().deadline(Some(Duration::from_millis(300))),
    )
    .get_me()
    .await
    .expect_err("gives up instead of waiting past the deadline");
    assert_eq!(error.status(), Some(503));
    mock.assert_calls_async(1).await;
}
