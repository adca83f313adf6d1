//! Forward compatibility: what the service may add later never breaks decoding, and errors keep
//! their status and body whatever their code.

mod common;

use common::{client, expect, fixture};
use httpmock::Method::GET;
use httpmock::MockServer;
use sendmux_management::{types, Error};
use serde_json::json;

#[tokio::test]
async fn unknown_fields_are_ignored_at_every_level() {
    let server = MockServer::start_async().await;
    let mut body = fixture("get_domain");
    body["added_to_envelope"] = json!(true);
    body["meta"]["region"] = json!("eu-west-1");
    body["data"]["added_field"] = json!({"nested": [1, 2, 3]});
    body["data"]["dns_records"]["dkim"][0]["ttl"] = json!(300);
    let served = body.clone();
    server
        .mock_async(|when, then| {
            expect(when, GET, "/domains/mdom_1");
            then.status(200).json_body(served);
        })
        .await;

    let domain = client(&server)
        .get_domain()
        .public_id("mdom_1")
        .send()
        .await
        .expect("decodes despite unknown fields")
        .into_inner();
    assert_eq!(domain.data.id, body["data"]["id"]);
    assert_eq!(domain.meta.request_id, body["meta"]["request_id"]);
}

#[tokio::test]
async fn unknown_enum_values_decode_and_are_kept() {
    let server = MockServer::start_async().await;
    let mut body = fixture("get_domain");
    body["data"]["mode"] = json!("receive_only");
    body["data"]["verification_status"] = json!("quarantined");
    let served = body.clone();
    server
        .mock_async(|when, then| {
            expect(when, GET, "/domains/mdom_1");
            then.status(200).json_body(served);
        })
        .await;

    let domain = client(&server)
        .get_domain()
        .public_id("mdom_1")
        .send()
        .await
        .expect("decodes despite unknown enum values")
        .into_inner()
        .data;
    assert_eq!(
        domain.mode,
        types::DomainMode::Unknown("receive_only".into())
    );
    assert!(domain.verification_status.is_unknown());
    assert_eq!(domain.verification_status.as_str(), "quarantined");
    // Kept verbatim, so it goes back out unchanged.
    assert_eq!(
        serde_json::to_value(&domain.mode).unwrap(),
        json!("receive_only")
    );
}

#[tokio::test]
async fn unknown_values_inside_lists_are_kept() {
    let server = MockServer::start_async().await;
    let mut body = fixture("list_webhooks");
    body["data"][0]["event_types"] = json!(["message.bounced", "message.opened"]);
    let served = body.clone();
    server
        .mock_async(|when, then| {
            expect(when, GET, "/webhooks");
            then.status(200).json_body(served);
        })
        .await;

    let page = client(&server)
        .list_webhooks()
        .send()
        .await
        .expect("decodes")
        .into_inner();
    assert_eq!(
        page.data[0].event_types,
        vec![
            types::WebhookEventType::MessageBounced,
            types::WebhookEventType::Unknown("message.opened".into())
        ]
    );
}

fn error_body(code: &str, retryable: bool) -> serde_json::Value {
    json!({
        "ok": false,
        "error": {
            "code": code,
            "message": "Something is not right.",
            "param": "limit",
            "doc_url": "https://sendmux.ai/docs/api/errors",
            "retryable": retryable,
            "errors": [{"field": "limit", "code": "too_big", "message": "At most 100."}]
        },
        "meta": {"request_id": "req_err_1"}
    })
}

#[tokio::test]
async fn an_unknown_error_code_still_yields_the_api_error_and_its_status() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            expect(when, GET, "/domains");
            then.status(418)
                .json_body(error_body("teapot_overheated", false));
        })
        .await;

    let error = client(&server)
        .list_domains()
        .send()
        .await
        .expect_err("fails");
    let Error::ErrorResponse(response) = error else {
        panic!("expected the API error, got {error:?}");
    };
    assert_eq!(response.status().as_u16(), 418);
    let envelope = response.into_inner();
    assert_eq!(
        envelope.error.code,
        types::ErrorCode::Unknown("teapot_overheated".into())
    );
    assert_eq!(envelope.error.errors[0].field, "limit");
    assert_eq!(envelope.meta.request_id, "req_err_1");
}

#[tokio::test]
async fn rate_limits_and_server_errors_decode_on_any_operation() {
    for (status, code, known) in [
        (
            429,
            "rate_limit_exceeded",
            types::ErrorCode::RateLimitExceeded,
        ),
        (500, "internal_error", types::ErrorCode::InternalError),
        (
            503,
            "service_unavailable",
            types::ErrorCode::ServiceUnavailable,
        ),
    ] {
        let server = MockServer::start_async().await;
        server
            .mock_async(|when, then| {
                expect(when, GET, "/billing/balance");
                then.status(status)
                    .header("retry-after", "7")
                    .json_body(error_body(code, true));
            })
            .await;

        let error = client(&server)
            .get_balance()
            .send()
            .await
            .expect_err("fails");
        let Error::ErrorResponse(response) = error else {
            panic!("{status}: expected the API error, got {error:?}");
        };
        assert_eq!(response.status().as_u16(), status);
        assert_eq!(response.headers()["retry-after"], "7");
        let body = response.into_inner();
        assert_eq!(body.error.code, known);
        assert!(body.error.retryable);
    }
}
