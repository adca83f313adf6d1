//! Whatever the server answers, the caller gets a typed error with what matters kept.

mod common;

use std::error::Error as _;

use common::{client, expect};
use httpmock::Method::{GET, PATCH};
use httpmock::MockServer;
use sendmux_management::{types, Error, ErrorCode};
use serde_json::json;

#[tokio::test]
async fn an_html_page_from_a_proxy_is_still_an_api_error_with_its_status() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            expect(when, GET, "/domains");
            then.status(502)
                .header("content-type", "text/html")
                .body("<html><body><h1>502 Bad Gateway</h1></body></html>");
        })
        .await;
    let error = client(&server).list_domains().await.expect_err("fails");
    let api = error.as_api().expect("API error");
    assert_eq!(api.status, 502);
    assert_eq!(api.code, None);
    assert!(api.message.contains("502 Bad Gateway"), "{}", api.message);
    assert!(api.retryable, "5xx without a body defaults to retryable");
    assert_eq!(error.status(), Some(502));
}

#[tokio::test]
async fn an_empty_error_body_is_still_an_api_error() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            expect(when, GET, "/domains");
            then.status(404).header("x-request-id", "req_empty");
        })
        .await;
    let error = client(&server).list_domains().await.expect_err("fails");
    let api = error.as_api().expect("API error");
    assert_eq!(api.status, 404);
    assert!(!api.retryable);
    assert_eq!(error.request_id(), Some("req_empty"));
}

#[tokio::test]
async fn a_malformed_success_body_is_a_decode_error_with_an_excerpt() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            expect(when, GET, "/billing/balance");
            then.status(200)
                .body("{\"ok\": true, \"data\": {\"balance\": 12}");
        })
        .await;
    let error = client(&server).get_balance().await.expect_err("fails");
    let Error::Decode(decode) = &error else {
        panic!("expected a decode error, got {error:?}");
    };
    assert_eq!(decode.status, 200);
    assert!(decode.excerpt.starts_with("{\"ok\": true"));
    assert_eq!(decode.line, 1);
    assert!(decode.column > 0);
    assert!(error.source().is_some());
    assert!(!error.is_retryable());
}

#[tokio::test]
async fn a_huge_malformed_body_is_cut_in_the_error() {
    let server = MockServer::start_async().await;
    let huge = format!("[{}]", "\"é\",".repeat(5000));
    server
        .mock_async(|when, then| {
            expect(when, GET, "/billing/balance");
            then.status(200).body(huge);
        })
        .await;
    let error = client(&server).get_balance().await.expect_err("fails");
    let Error::Decode(decode) = &error else {
        panic!("expected a decode error, got {error:?}");
    };
    assert!(decode.excerpt.len() <= 512 + '…'.len_utf8());
    assert!(decode.excerpt.ends_with('…'));
}

#[tokio::test]
async fn a_validation_error_keeps_every_field_issue() {
    let server = MockServer::start_async().await;
    let body = json!({
        "ok": false,
        "error": {
            "code": "validation_error",
            "message": "Invalid mailbox update.",
            "param": "quota_bytes",
            "retryable": false,
            "errors": [
                {"field": "quota_bytes", "code": "invalid_tier", "message": "Unsupported tier."},
                {"field": "send_scope.type", "code": "invalid_enum_value", "message": "Unknown type."}
            ]
        },
        "meta": {"request_id": "req_422"}
    });
    common::contract::check("update_mailbox", 422, &body);
    server
        .mock_async(|when, then| {
            expect(when, PATCH, "/mailboxes/mbx_1");
            then.status(422)
                .header("x-ratelimit-limit", "600")
                .header("x-ratelimit-remaining", "598")
                .header("x-ratelimit-reset", "1795000000")
                .json_body(body);
        })
        .await;
    let error = client(&server)
        .update_mailbox(
            "mbx_1",
            types::UpdateMailboxBody::new().quota_bytes(std::num::NonZeroU64::new(12345).unwrap()),
        )
        .await
        .expect_err("fails");
    assert_eq!(error.code(), Some(&ErrorCode::ValidationError));
    let api = error.as_api().unwrap();
    assert_eq!(api.issues.len(), 2);
    assert_eq!(api.issues[1].field, "send_scope.type");
    assert_eq!(api.rate_limit.map(|r| r.remaining), Some(598));
    let line = error.to_string();
    assert!(!line.contains('\n'));
    assert_eq!(
        line,
        "API error 422 validation_error: Invalid mailbox update. (param quota_bytes) [request req_422]"
    );
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_understood() {
    let server = MockServer::start_async().await;
    let at = std::time::SystemTime::now() + std::time::Duration::from_secs(120);
    let date = httpdate::fmt_http_date(at);
    let answer = json!({
        "ok": false,
        "error": {"code": "service_unavailable", "message": "Try later.", "retryable": true},
        "meta": {"request_id": "req_503"}
    });
    common::contract::check("list_domains", 503, &answer);
    server
        .mock_async(|when, then| {
            expect(when, GET, "/domains");
            then.status(503)
                .header("retry-after", date)
                .json_body(answer);
        })
        .await;
    let error = client(&server).list_domains().await.expect_err("fails");
    let wait = error.as_api().unwrap().retry_after.expect("retry-after");
    assert!(
        wait > std::time::Duration::from_secs(100) && wait <= std::time::Duration::from_secs(120)
    );
}

#[tokio::test]
async fn a_bad_parameter_value_is_refused_before_sending_and_named() {
    // A forgotten required parameter does not compile (see the `requests` module); a value
    // outside its schema is refused when the request is sent.
    let server = MockServer::start_async().await;
    let mock = common::any_request(&server).await;
    let error = client(&server)
        .list_domains()
        .limit(0)
        .await
        .expect_err("out of bounds");
    assert!(
        matches!(&error, Error::InvalidRequest(m) if m == "limit must be at least 1, not 0"),
        "{error:?}"
    );
    let error = client(&server)
        .list_domains()
        .limit(101_u32)
        .await
        .expect_err("out of bounds");
    assert!(
        matches!(&error, Error::InvalidRequest(m) if m == "limit must be at most 100, not 101"),
        "{error:?}"
    );
    let error = client(&server)
        .list_domains()
        .limit(-3)
        .await
        .expect_err("negative");
    assert!(
        matches!(&error, Error::InvalidRequest(m) if m == "limit must be from 1 to 100"),
        "{error:?}"
    );
    let body = sendmux_management::types::CreateDomainBody::new("example.com");
    let error = client(&server)
        .create_domain(body)
        .idempotency_key("")
        .await
        .expect_err("empty key");
    assert!(
        matches!(&error, Error::InvalidRequest(m) if m.starts_with("idempotency_key is invalid")),
        "{error:?}"
    );
    // A later valid value replaces a bad one.
    let fixed = client(&server).list_domains().limit(0).limit(5);
    let other = client(&server).list_domains().limit(5).limit(500);
    let (fixed, other) = (fixed.await, other.await);
    assert!(!matches!(fixed, Err(Error::InvalidRequest(_))), "{fixed:?}");
    assert!(matches!(other, Err(Error::InvalidRequest(_))), "{other:?}");
    mock.assert_calls_async(1).await;
}
