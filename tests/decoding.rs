//! Forward compatibility: what the service may add later never breaks decoding, and errors keep
//! their status and body whatever their code.

mod common;

use common::{client, expect, fixture};
use httpmock::Method::GET;
use httpmock::MockServer;
use sendmux_management::{types, Error, ErrorCode};
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
        .get_domain("mdom_1")
        .await
        .expect("decodes despite unknown fields");
    assert_eq!(domain.data.id, body["data"]["id"]);
    assert_eq!(
        domain.request_id.as_deref(),
        body["meta"]["request_id"].as_str()
    );
}

#[tokio::test]
async fn unknown_enum_values_decode_and_are_kept() {
    let server = MockServer::start_async().await;
    let mut body = fixture("get_domain");
    body["data"]["mode"] = json!("receive_only");
    body["data"]["verification_status"] = json!("quarantined");
    server
        .mock_async(|when, then| {
            expect(when, GET, "/domains/mdom_1");
            then.status(200).json_body(body);
        })
        .await;

    let domain = client(&server)
        .get_domain("mdom_1")
        .await
        .expect("decodes despite unknown enum values")
        .into_data();
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
    server
        .mock_async(|when, then| {
            expect(when, GET, "/webhooks");
            then.status(200).json_body(body);
        })
        .await;

    let page = client(&server).list_webhooks().await.expect("decodes");
    assert_eq!(
        page.data[0].event_types,
        vec![
            types::WebhookEventType::MessageBounced,
            types::WebhookEventType::Unknown("message.opened".into())
        ]
    );
}

#[tokio::test]
async fn a_null_reference_decodes_as_none() {
    let server = MockServer::start_async().await;
    let mut body = fixture("get_shared_ses_limit_request");
    body["data"]["pending_request"] = serde_json::Value::Null;
    common::contract::check("get_shared_ses_limit_request", 200, &body);
    server
        .mock_async(|when, then| {
            expect(when, GET, "/providers/shared-amazon-ses-limit-request");
            then.status(200).json_body(body);
        })
        .await;
    let state = client(&server)
        .get_shared_ses_limit_request()
        .await
        .expect("decodes");
    assert!(state.pending_request.is_none());
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

    let error = client(&server).list_domains().await.expect_err("fails");
    assert_eq!(error.status(), Some(418));
    assert_eq!(
        error.code(),
        Some(&ErrorCode::Unknown("teapot_overheated".into()))
    );
    assert_eq!(error.request_id(), Some("req_err_1"));
    let api = error.as_api().expect("API error");
    assert_eq!(api.issues[0].field, "limit");
    assert_eq!(api.param.as_deref(), Some("limit"));
    assert!(!error.is_retryable());
}

#[tokio::test]
async fn rate_limits_and_server_errors_decode_on_any_operation() {
    for (status, code, known) in [
        (429, "rate_limit_exceeded", ErrorCode::RateLimitExceeded),
        (500, "internal_error", ErrorCode::InternalError),
        (503, "service_unavailable", ErrorCode::ServiceUnavailable),
    ] {
        let server = MockServer::start_async().await;
        common::contract::check("get_balance", status, &error_body(code, true));
        server
            .mock_async(|when, then| {
                expect(when, GET, "/billing/balance");
                then.status(status)
                    .header("retry-after", "7")
                    .json_body(error_body(code, true));
            })
            .await;

        let error = client(&server).get_balance().await.expect_err("fails");
        let Error::Api(api) = &error else {
            panic!("{status}: expected the API error, got {error:?}");
        };
        assert_eq!(api.status, status);
        assert_eq!(api.code, Some(known));
        assert_eq!(api.retry_after, Some(std::time::Duration::from_secs(7)));
        assert!(error.is_retryable());
    }
}
