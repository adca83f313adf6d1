//! Conversions users expect: iterating a list answer by reference, constrained values whose
//! refusal converts into the crate's error with `?`, and body fields that take plain text and
//! numbers, checked before anything is sent.

mod common;

use common::{any_request, client, stub};
use httpmock::Method::GET;
use httpmock::MockServer;
use sendmux_management::types::SendScopeType;
use sendmux_management::{types, Error};
use serde_json::json;

#[tokio::test]
async fn a_list_answer_iterates_by_reference_and_by_value() {
    let server = MockServer::start_async().await;
    let (_mock, body) = stub(&server, GET, "/domains", 200, "list_domains", |w| w).await;
    let page = client(&server).list_domains().await.expect("listed");
    let mut names = Vec::new();
    for domain in &page {
        names.push(domain.domain.clone());
    }
    let expected: Vec<&str> = body["data"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|d| d["domain"].as_str().expect("a name"))
        .collect();
    assert_eq!(names, expected);
    assert!(page.request_id.is_some(), "the response is still whole");
    let owned: Vec<types::Domain> = page.into_iter().collect();
    assert_eq!(owned.len(), expected.len());
}

fn display_name(text: &str) -> Result<types::CreateMailboxBodyDisplayName, Error> {
    Ok(text.parse()?)
}

#[test]
fn a_value_refused_by_its_constraints_is_an_invalid_request() {
    assert_eq!(
        display_name("Support").expect("fits").to_string(),
        "Support"
    );
    let error = display_name("").expect_err("too short");
    assert!(
        matches!(&error, Error::InvalidRequest(m) if m.contains("shorter than 1")),
        "{error}"
    );
    let error = display_name(&"x".repeat(300)).expect_err("too long");
    assert!(matches!(error, Error::InvalidRequest(_)));
}

#[test]
fn body_fields_take_plain_text_and_numbers() {
    let name = String::from("Ada");
    let body = types::CreateMailboxBody::new("ada@notify.example.com")
        .display_name(&name)
        .quota_bytes(5_368_709_120)
        .send_scope(
            types::CreateMailboxBodySendScope::new(SendScopeType::Group)
                .group_public_ids(["grp_1", "grp_2"]),
        );
    assert_eq!(
        serde_json::to_value(&body).unwrap(),
        json!({
            "email": "ada@notify.example.com",
            "display_name": "Ada",
            "quota_bytes": 5_368_709_120_u64,
            "send_scope": {"type": "group", "group_public_ids": ["grp_1", "grp_2"]}
        })
    );
    let checked: types::CreateMailboxBodyDisplayName = "Ada".parse().unwrap();
    let same = types::CreateMailboxBody::new(String::from("ada@notify.example.com"))
        .display_name(checked)
        .quota_bytes(std::num::NonZeroU64::new(5_368_709_120).unwrap())
        .send_scope(
            types::CreateMailboxBodySendScope::new(SendScopeType::Group)
                .group_public_ids(vec![String::from("grp_1"), String::from("grp_2")]),
        );
    assert_eq!(same, body);
}

/// Sends `request`, which must fail before sending, and returns its message.
async fn refused<T: std::fmt::Debug>(
    server: &MockServer,
    request: impl std::future::IntoFuture<Output = Result<T, Error>>,
) -> String {
    let anything = any_request(server).await;
    let error = request.await.expect_err("refused");
    assert_eq!(anything.calls_async().await, 0, "nothing is sent");
    anything.delete_async().await;
    match error {
        Error::InvalidRequest(message) => message,
        other => panic!("not an invalid request: {other:?}"),
    }
}

#[tokio::test]
async fn a_body_value_that_does_not_fit_fails_the_request_before_sending() {
    let server = MockServer::start_async().await;
    let client = client(&server);
    let body = types::CreateMailboxBody::new("ada@notify.example.com")
        .display_name("")
        .send_scope(
            types::CreateMailboxBodySendScope::new(SendScopeType::Group)
                .group_public_ids(["grp_1".to_owned(), "g".repeat(300)]),
        );
    let message = refused(&server, client.create_mailbox(body)).await;
    assert!(
        message.contains("body field display_name is invalid: shorter than 1"),
        "{message}"
    );
    assert!(
        message.contains("body field send_scope.group_public_ids[1] is invalid: longer than"),
        "{message}"
    );
    assert!(!message.contains("group_public_ids[0]"), "{message}");

    let rules = vec![
        types::FilterRule::new(types::FilterRuleType::Allow, "example.com").note("fine"),
        types::FilterRule::new(types::FilterRuleType::Deny, "spam.example")
            .note("n".repeat(10_000)),
    ];
    let body = types::SetFilterStateBody::new(types::FilterMode::Allowlist, rules);
    let message = refused(&server, client.set_mailbox_filters("mbx_1", body)).await;
    assert!(
        message.starts_with("body field rules[1].note is invalid: longer than"),
        "{message}"
    );
}

#[tokio::test]
async fn numbers_in_a_body_are_checked_against_the_bounds_of_the_spec() {
    let server = MockServer::start_async().await;
    let client = client(&server);
    let body = types::ProviderUpdateBody::new()
        .percentage(101)
        .smtp_port(65_536);
    let message = refused(&server, client.update_provider("prv_1", body)).await;
    assert_eq!(
        message,
        "body field percentage must be at most 100, not 101; \
         body field smtp_port must be at most 65535, not 65536"
    );
    let body = types::UpdateMailboxBody::new().quota_bytes(0);
    let message = refused(&server, client.update_mailbox("mbx_1", body)).await;
    assert_eq!(
        message,
        "body field quota_bytes is invalid: must be at least 1, not 0"
    );
}

#[tokio::test]
async fn a_value_set_again_withdraws_its_refusal_and_only_its_own() {
    let server = MockServer::start_async().await;
    let client = client(&server);
    let body = types::ProviderUpdateBody::new()
        .name("")
        .percentage(500)
        .name("Primary");
    let message = refused(&server, client.update_provider("prv_1", body.clone())).await;
    assert_eq!(
        message,
        "body field percentage must be at most 100, not 500"
    );

    let fixed = body.percentage(50);
    let (mock, _) = stub(
        &server,
        httpmock::Method::PATCH,
        "/providers/prv_1",
        200,
        "update_provider",
        |when| when.json_body(json!({"name": "Primary", "percentage": 50})),
    )
    .await;
    client.update_provider("prv_1", fixed).await.expect("sent");
    mock.assert_async().await;
}

#[tokio::test]
async fn every_invalid_value_is_named_and_fixing_one_keeps_the_others() {
    let server = MockServer::start_async().await;
    let client = client(&server);
    let body = || types::CreateMailboxBody::new("ada@notify.example.com").display_name("");
    let message = refused(&server, client.create_mailbox(body()).idempotency_key("")).await;
    assert_eq!(
        message,
        "body field display_name is invalid: shorter than 1 characters; \
         idempotency_key is invalid: shorter than 1 characters"
    );
    let request = client
        .create_mailbox(body())
        .idempotency_key("")
        .idempotency_key("k".repeat(300))
        .idempotency_key("key-1");
    let message = refused(&server, request).await;
    assert_eq!(
        message,
        "body field display_name is invalid: shorter than 1 characters"
    );
}
