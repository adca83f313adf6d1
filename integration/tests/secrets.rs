//! Secret fields, in answers and in request bodies: never shown by `Debug` or `Display`, sent and
//! received as the plain strings the API exchanges.

mod common;

use common::{client, contract, expect, fixture};
use httpmock::Method::POST;
use httpmock::MockServer;
use sendmux_management::{types, webhooks, Client, Secret};
use serde_json::{json, Value};

const MAILBOX_SECRET: &str = "mbxsecret_Q7v2LwX9pK4d";
const SIGNING_SECRET: &str = "whsec_Zr8mT1cN5yB3";
const SMTP_PASSWORD: &str = "smtp-pw-Hq6!vR2x";

/// Serves the fixture of `operation` with `edit` applied, after checking it still fits the spec.
async fn serve(
    server: &MockServer,
    path: &str,
    status: u16,
    operation: &str,
    edit: impl FnOnce(&mut Value),
) {
    let mut body = fixture(operation);
    edit(&mut body);
    contract::check(operation, status, &body);
    server
        .mock_async(|when, then| {
            expect(when, POST, path);
            then.status(status)
                .header("content-type", "application/json")
                .json_body(body);
        })
        .await;
}

/// Every way the crate lets a value be printed.
fn printed(value: &impl std::fmt::Debug) -> String {
    format!("{value:?}\n{value:#?}")
}

#[tokio::test]
async fn a_created_mailbox_does_not_print_its_credential_secret() {
    let server = MockServer::start_async().await;
    serve(&server, "/mailboxes", 201, "create_mailbox", |body| {
        body["data"]["credential"]["secret"] = json!(MAILBOX_SECRET);
    })
    .await;
    let request = json!({"email": "agent@notify.example.com"});
    let created = client(&server)
        .create_mailbox(serde_json::from_value::<types::CreateMailboxBody>(request).unwrap())
        .await
        .expect("created");
    let shown = printed(&created);
    assert!(!shown.contains(MAILBOX_SECRET), "{shown}");
    assert!(shown.contains("<redacted>"), "{shown}");
    // Asked for, it is the string the server sent, and serialised again too.
    let credential = created
        .data
        .credential
        .as_ref()
        .expect("a first credential");
    assert_eq!(credential.secret.expose_secret(), MAILBOX_SECRET);
    let data = serde_json::to_value(&created.data).unwrap();
    assert_eq!(data["credential"]["secret"], MAILBOX_SECRET);
}

#[tokio::test]
async fn a_new_mailbox_key_does_not_print_its_secret() {
    let server = MockServer::start_async().await;
    serve(
        &server,
        "/mailboxes/mbx_1/keys",
        201,
        "create_mailbox_key",
        |body| body["data"]["credential"]["secret"] = json!(MAILBOX_SECRET),
    )
    .await;
    let key = client(&server)
        .create_mailbox_key("mbx_1", types::CreateMailboxKeyBody::new("Mail client"))
        .await
        .expect("created");
    let shown = printed(&key);
    assert!(!shown.contains(MAILBOX_SECRET), "{shown}");
}

#[tokio::test]
async fn a_created_or_rotated_webhook_does_not_print_its_signing_secret() {
    let server = MockServer::start_async().await;
    let with_secret = |body: &mut Value| body["data"]["secret"] = json!(SIGNING_SECRET);
    serve(&server, "/webhooks", 201, "create_webhook", with_secret).await;
    serve(
        &server,
        "/webhooks/whk_1/rotate-secret",
        200,
        "rotate_webhook_secret",
        with_secret,
    )
    .await;
    let client = client(&server);
    let request = json!({
        "url": "https://hooks.example.com/sendmux",
        "event_types": ["message.bounced"]
    });
    let created = client
        .create_webhook(serde_json::from_value::<types::WebhookCreateBody>(request).unwrap())
        .await
        .expect("created");
    let rotated = client
        .rotate_webhook_secret("whk_1")
        .await
        .expect("rotated");
    for shown in [printed(&created), printed(&rotated)] {
        assert!(!shown.contains(SIGNING_SECRET), "{shown}");
    }
    assert_eq!(created.data.secret.expose_secret(), SIGNING_SECRET);
    assert_eq!(
        serde_json::to_value(&rotated.data).unwrap()["secret"],
        SIGNING_SECRET
    );
    // What a receiver needs the secret for.
    let body = b"{}";
    let signature = webhooks::sign(rotated.data.secret.expose_secret(), body);
    assert!(webhooks::Verifier::new(rotated.data.secret.expose_secret())
        .expect("a signing secret")
        .event(body, Some(&signature))
        .is_err_and(|e| matches!(e, webhooks::WebhookError::InvalidPayload(_))));
}

fn provider_body() -> types::ProviderCreateBody {
    provider_body_with(SMTP_PASSWORD)
}

fn provider_body_with(password: impl Into<Secret>) -> types::ProviderCreateBody {
    types::ProviderCreateBody::new(
        "Transactional SMTP",
        "smtp.example.net",
        587,
        types::SmtpProtocol::Starttls,
        "relay",
        password,
    )
}

#[test]
fn a_request_body_does_not_print_its_password() {
    let body = provider_body();
    let update = types::ProviderUpdateBody::new()
        .smtp_password(SMTP_PASSWORD)
        .percentage(10);
    for shown in [
        printed(&body),
        printed(&update),
        // A request holding the body.
        printed(
            &Client::new("smx_root_unit")
                .unwrap()
                .create_provider(body.clone()),
        ),
    ] {
        assert!(!shown.contains(SMTP_PASSWORD), "{shown}");
    }
    // On the wire it is the plain string, both ways.
    let sent = serde_json::to_value(&body).unwrap();
    assert_eq!(sent["smtp_password"], SMTP_PASSWORD);
    let back: types::ProviderCreateBody = serde_json::from_value(sent).unwrap();
    assert_eq!(back, body);
    assert_eq!(
        serde_json::to_value(&update).unwrap(),
        json!({"smtp_password": SMTP_PASSWORD, "percentage": 10})
    );
    // Built from a `String` or a `Secret` as well.
    let from_string = provider_body_with(SMTP_PASSWORD.to_owned());
    let from_secret = provider_body_with(Secret::new(SMTP_PASSWORD));
    for built in [from_string, from_secret] {
        assert_eq!(built, body);
    }
    assert_eq!(body.smtp_password.expose_secret(), SMTP_PASSWORD);
}

#[tokio::test]
async fn a_request_carrying_a_password_does_not_print_it_and_sends_it_whole() {
    let server = MockServer::start_async().await;
    let mut answer = fixture("create_provider");
    answer["data"]["has_smtp_password"] = json!(true);
    contract::check("create_provider", 201, &answer);
    let mock = server
        .mock_async(|when, then| {
            expect(when, POST, "/providers").json_body_includes(
                json!({"smtp_username": "relay", "smtp_password": SMTP_PASSWORD}).to_string(),
            );
            then.status(201).json_body(answer);
        })
        .await;
    let client = client(&server);
    let request = client.create_provider(provider_body());
    let shown = printed(&request);
    assert!(!shown.contains(SMTP_PASSWORD), "{shown}");
    request.await.expect("created");
    mock.assert_async().await;
}
