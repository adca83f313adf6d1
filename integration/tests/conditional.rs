//! Conditional requests and the metadata every response carries.

mod common;

use common::{client, expect, fixture};
use httpmock::Method::{GET, PATCH, POST};
use httpmock::MockServer;
use sendmux_management::{types, Conditional, Error, RetryPolicy};
use serde_json::json;

const ETAG: &str = "W/\"d41d8c\"";

#[tokio::test]
async fn an_unchanged_resource_is_a_value_not_an_error() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            expect(when, GET, "/domains/mdom_1").header("if-none-match", ETAG);
            then.status(304)
                .header("etag", ETAG)
                .header("x-request-id", "req_304");
        })
        .await;
    let outcome = client(&server)
        .get_domain("mdom_1")
        .if_changed(ETAG)
        .await
        .expect("not an error");
    mock.assert_async().await;
    let Conditional::NotModified(not_modified) = outcome else {
        panic!("expected NotModified");
    };
    assert_eq!(not_modified.etag.as_deref(), Some(ETAG));
    assert_eq!(not_modified.request_id.as_deref(), Some("req_304"));
}

#[tokio::test]
async fn a_conditional_fetch_follows_its_own_retry_policy() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            expect(when, GET, "/domains/mdom_1").header("if-none-match", ETAG);
            then.status(503)
                .header("content-type", "application/json")
                .header("retry-after", "0")
                .json_body(json!({
                    "ok": false,
                    "error": {"code": "unavailable", "message": "try again", "retryable": true},
                    "meta": {"request_id": "req_503"}
                }));
        })
        .await;
    // The test client does not retry; this request asks for three attempts.
    let policy = RetryPolicy::default()
        .max_attempts(3)
        .base_delay(std::time::Duration::from_millis(1));
    let outcome = client(&server)
        .get_domain("mdom_1")
        .retry_policy(policy)
        .if_changed(ETAG)
        .await;
    let Err(Error::Api(error)) = outcome else {
        panic!("expected the 503, got {outcome:?}");
    };
    assert_eq!(error.status, 503);
    assert_eq!(mock.calls_async().await, 3);
}

#[tokio::test]
async fn a_changed_resource_comes_back_with_its_new_etag() {
    let server = MockServer::start_async().await;
    let body = fixture("get_mailbox");
    let served = body.clone();
    server
        .mock_async(|when, then| {
            expect(when, GET, "/mailboxes/mbx_1").header("if-none-match", ETAG);
            then.status(200)
                .header("etag", "W/\"new\"")
                .json_body(served);
        })
        .await;
    let outcome = client(&server)
        .get_mailbox("mbx_1")
        .if_changed(ETAG)
        .await
        .expect("fetched");
    let response = outcome.modified().expect("modified");
    assert_eq!(response.etag.as_deref(), Some("W/\"new\""));
    assert_eq!(response.email, body["data"]["email"]);
}

#[tokio::test]
async fn a_304_without_if_changed_is_reported_as_not_modified() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            expect(when, GET, "/webhooks/whk_1");
            then.status(304).header("etag", ETAG);
        })
        .await;
    let error = client(&server)
        .get_webhook("whk_1")
        .if_none_match(ETAG)
        .await
        .expect_err("304 on a plain fetch");
    assert!(matches!(error, Error::NotModified(_)), "{error:?}");
    assert_eq!(error.status(), Some(304));
}

#[tokio::test]
async fn a_stale_if_match_is_a_typed_conflict() {
    let server = MockServer::start_async().await;
    let answer = json!({
        "ok": false,
        "error": {"code": "conflict", "message": "The webhook changed.", "retryable": false},
        "meta": {"request_id": "req_409"}
    });
    common::contract::check("update_webhook", 409, &answer);
    let mock = server
        .mock_async(|when, then| {
            expect(when, PATCH, "/webhooks/whk_1").header("if-match", ETAG);
            then.status(409)
                .header("etag", "W/\"current\"")
                .json_body(answer);
        })
        .await;
    let error = client(&server)
        .update_webhook("whk_1", types::WebhookUpdateBody::new().enabled(false))
        .if_match(ETAG)
        .await
        .expect_err("conflict");
    mock.assert_async().await;
    assert!(error.as_api().is_some_and(|api| api.is_conflict()));
    assert!(!error.is_retryable());
}

#[tokio::test]
async fn responses_expose_request_id_rate_limit_etag_and_location() {
    let server = MockServer::start_async().await;
    let body = fixture("create_webhook");
    server
        .mock_async(|when, then| {
            expect(when, POST, "/webhooks");
            then.status(201)
                .header("etag", ETAG)
                .header("location", "/api/v1/webhooks/whk_9")
                .header("x-request-id", "req_hdr")
                .header("x-ratelimit-limit", "600")
                .header("x-ratelimit-remaining", "17")
                .header("x-ratelimit-reset", "1795000000")
                .json_body(body);
        })
        .await;
    let client = client(&server);
    let clone = client.clone();
    assert_eq!(clone.rate_limit(), None);
    let created = client
        .create_webhook(types::WebhookCreateBody::new(
            "https://hooks.example.com/in",
            [types::WebhookEventType::SendmuxTest],
        ))
        .await
        .expect("created");
    assert_eq!(created.http_status, 201);
    assert_eq!(created.etag.as_deref(), Some(ETAG));
    assert_eq!(created.location.as_deref(), Some("/api/v1/webhooks/whk_9"));
    let rate = created.rate_limit.expect("rate limit");
    assert_eq!((rate.limit, rate.remaining), (600, 17));
    assert_eq!(
        rate.reset,
        std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_795_000_000)
    );
    // The envelope's request id wins over the header: they are the same on the real API.
    assert_eq!(
        created.request_id.as_deref(),
        Some("req_cm7h2k9x4q1v8r3t6n5w0z2y")
    );
    // Shared by clones.
    assert_eq!(clone.rate_limit(), Some(rate));
}
