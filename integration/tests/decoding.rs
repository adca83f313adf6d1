//! Forward compatibility: what the service may add later never breaks decoding, and errors keep
//! their status and body whatever their code.

mod common;

use common::{client, expect, fixture};
use httpmock::Method::{GET, POST};
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

/// Serves `body` as the answer to `GET /domains` and returns what the client makes of it.
async fn list_domains_answering(
    body: serde_json::Value,
) -> Result<sendmux_management::Response<Vec<types::Domain>>, Error> {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            expect(when, GET, "/domains");
            then.status(200).json_body(body);
        })
        .await;
    client(&server).list_domains().await
}

#[tokio::test]
async fn timestamps_decode_in_the_iso_8601_forms_servers_write() {
    let forms = [
        "2026-11-02T09:30:00Z",
        "2026-11-02T09:30:00.000Z",
        "2026-11-02T09:30:00.000000+00:00",
        "2026-11-02T09:30:00+0000",
        "2026-11-02 09:30:00Z",
        "2026-11-02 11:30:00+02:00",
        "2026-11-02T04:30:00-0500",
        "2026-11-02T09:30Z",
        "2026-11-02T09:30:00+00",
        "2026-11-02T10:30+01",
    ];
    let mut body = fixture("list_domains");
    let first = body["data"][0].clone();
    body["data"] = forms
        .iter()
        .map(|form| {
            let mut domain = first.clone();
            domain["created_at"] = json!(form);
            domain["verified_at"] = json!(form);
            domain
        })
        .collect();
    let page = list_domains_answering(body)
        .await
        .expect("every form decodes");
    let instant = chrono::DateTime::parse_from_rfc3339("2026-11-02T09:30:00Z").unwrap();
    for (domain, form) in page.data.iter().zip(forms) {
        assert_eq!(domain.created_at, instant, "{form}");
        assert_eq!(domain.verified_at, Some(instant.into()), "{form}");
    }
    // Sent back as RFC 3339, whatever form it came in.
    let sent = serde_json::to_value(&page.data[4]).unwrap();
    assert_eq!(sent["created_at"], "2026-11-02T09:30:00Z");
    assert_eq!(sent["verified_at"], "2026-11-02T09:30:00Z");
}

#[tokio::test]
async fn a_decode_error_names_the_path_and_the_type_expected() {
    let mut body = fixture("list_domains");
    let first = body["data"][0].clone();
    body["data"] = json!([first.clone(), first.clone(), first.clone(), first]);
    body["data"][3]["created_at"] = json!("yesterday");
    let error = list_domains_answering(body.clone())
        .await
        .expect_err("a timestamp that is not one");
    let Error::Decode(decode) = &error else {
        panic!("expected a decode error, got {error:?}");
    };
    assert_eq!(decode.status, 200);
    assert_eq!(decode.path.as_deref(), Some("data[3].created_at"));
    assert!(decode.reason.contains("ISO 8601"), "{}", decode.reason);
    assert!(decode.reason.contains("yesterday"), "{}", decode.reason);
    let shown = error.to_string();
    assert!(shown.contains("data[3].created_at"), "{shown}");

    body["data"][3]["created_at"] = json!("2026-11-02T09:30:00Z");
    body["data"][1]["mailbox_count"] = json!("four");
    let error = list_domains_answering(body.clone())
        .await
        .expect_err("a string");
    let Error::Decode(decode) = &error else {
        panic!("expected a decode error, got {error:?}");
    };
    assert_eq!(decode.path.as_deref(), Some("data[1].mailbox_count"));
    assert!(decode.reason.contains("expected"), "{}", decode.reason);

    body["data"][1]["mailbox_count"] = json!(4);
    body["data"][2]["dns_records"]["mx"][1]["priority"] = json!("ten");
    let error = list_domains_answering(body).await.expect_err("negative");
    let Error::Decode(decode) = &error else {
        panic!("expected a decode error, got {error:?}");
    };
    assert_eq!(
        decode.path.as_deref(),
        Some("data[2].dns_records.mx[1].priority")
    );
}

#[tokio::test]
async fn a_body_that_is_not_json_has_no_path() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            expect(when, GET, "/domains");
            then.status(200)
                .header("content-type", "application/json")
                .body("<html>Service temporarily unavailable</html>");
        })
        .await;
    let error = client(&server).list_domains().await.expect_err("not JSON");
    let Error::Decode(decode) = &error else {
        panic!("expected a decode error, got {error:?}");
    };
    assert_eq!(decode.path, None);
    assert_eq!((decode.line, decode.column), (1, 1));
}

#[tokio::test]
async fn a_success_status_the_operation_does_not_document_is_not_decoded() {
    let server = MockServer::start_async().await;
    // `create_domain` documents 201 and `get_domain` 200: each answers with the other's status
    // and a body that would otherwise decode.
    let created = fixture("create_domain");
    server
        .mock_async(|when, then| {
            expect(when, POST, "/domains");
            then.status(200).json_body(created);
        })
        .await;
    let fetched = fixture("get_domain");
    server
        .mock_async(|when, then| {
            expect(when, GET, "/domains/mdom_1");
            then.status(201).json_body(fetched);
        })
        .await;
    let client = client(&server);

    let error = client
        .create_domain(types::CreateDomainBody::new("notify.example.com"))
        .await
        .expect_err("200 is not what a create answers with");
    let Error::Decode(decode) = &error else {
        panic!("expected a decode error, got {error:?}");
    };
    assert_eq!(decode.status, 200);
    assert!(
        decode.reason.contains("not documented"),
        "{}",
        decode.reason
    );

    let error = client
        .get_domain("mdom_1")
        .await
        .expect_err("201 is not what a fetch answers with");
    let Error::Decode(decode) = &error else {
        panic!("expected a decode error, got {error:?}");
    };
    assert_eq!(decode.status, 201);
    assert!(
        decode.excerpt.starts_with(r#"{"data":"#),
        "{}",
        decode.excerpt
    );
}
