//! Models that can grow: request bodies built from their required fields, nullable fields a
//! server leaves out, and what a field added later must not break.

mod common;

use common::{client, expect, fixture};
use httpmock::Method::GET;
use httpmock::MockServer;
use sendmux_management::types::{self, SendScopeType, WebhookEventType};
use sendmux_management::Clearable;
use serde_json::{json, Value};

#[test]
fn a_body_is_built_from_its_required_fields_alone() {
    let body = types::WebhookCreateBody::new(
        "https://hooks.example.com/in",
        [WebhookEventType::MessageBounced],
    );
    assert_eq!(
        serde_json::to_value(&body).unwrap(),
        json!({"url": "https://hooks.example.com/in", "event_types": ["message.bounced"]})
    );
    let domain = types::CreateDomainBody::new("notify.example.com");
    assert_eq!(
        serde_json::to_value(&domain).unwrap(),
        json!({"domain": "notify.example.com"})
    );
}

#[test]
fn setters_fill_the_other_fields_and_nested_objects_have_constructors_too() {
    let body = types::CreateMailboxBody::new("ada@notify.example.com")
        .display_name("Ada")
        .quota_bytes(5_368_709_120)
        .send_scope(
            types::CreateMailboxBodySendScope::new(SendScopeType::Providers)
                .provider_public_ids(["dprov_1"]),
        );
    assert_eq!(
        serde_json::to_value(&body).unwrap(),
        json!({
            "email": "ada@notify.example.com",
            "display_name": "Ada",
            "quota_bytes": 5_368_709_120_u64,
            "send_scope": {"type": "providers", "provider_public_ids": ["dprov_1"]}
        })
    );
    let webhook =
        types::WebhookCreateBody::new("https://h.example.com", [WebhookEventType::SendmuxTest])
            .enabled(false)
            .filters(types::WebhookFilters::new(["mbx_1".to_owned()]));
    assert_eq!(webhook.enabled, Some(false));
    assert_eq!(webhook.filters.unwrap().mailbox_ids, ["mbx_1"]);
}

#[test]
fn an_update_starts_empty_and_clears_what_it_is_told_to() {
    assert_eq!(
        serde_json::to_value(types::WebhookUpdateBody::new()).unwrap(),
        json!({})
    );
    let update = types::ProviderUpdateBody::new()
        .from_name("Billing")
        .tracking_domain(Clearable::Clear)
        .percentage(25)
        .quotas(types::ProviderUpdateBodyQuotas::new().per_day(Clearable::Clear));
    assert_eq!(
        serde_json::to_value(&update).unwrap(),
        json!({
            "from_name": "Billing",
            "tracking_domain": null,
            "percentage": 25,
            "quotas": {"per_day": null}
        })
    );
}

#[test]
fn a_value_breaking_a_constraint_is_refused_before_any_body_exists() {
    let too_long = "x".repeat(256);
    assert!(too_long.parse::<types::ProviderCreateBodyName>().is_err());
    assert!("".parse::<types::CreateMailboxKeyBodyAppName>().is_err());
}

#[tokio::test]
async fn a_nullable_field_the_server_leaves_out_is_none() {
    let server = MockServer::start_async().await;
    let mut body = fixture("list_domains");
    let domain = body["data"][0].as_object_mut().unwrap();
    for field in ["verified_at", "ses_dkim_status", "ses_mail_from_status"] {
        assert!(domain.remove(field).is_some(), "{field}");
    }
    server
        .mock_async(|when, then| {
            expect(when, GET, "/domains");
            then.status(200).json_body(body);
        })
        .await;
    let page = client(&server)
        .list_domains()
        .await
        .expect("decodes without them");
    assert_eq!(page.data[0].verified_at, None);
    assert_eq!(page.data[0].ses_dkim_status, None);
}

#[test]
fn a_nullable_field_under_another_name_decodes_from_its_wire_name() {
    let decode = |recipient: Value| {
        serde_json::from_value::<types::DeliveryLogRecipient>(recipient).expect("decodes")
    };
    let given = decode(
        json!({"email": "ada@example.com", "status": "accepted", "reason": null, "type": "cc"}),
    );
    assert_eq!(given.type_, Some(types::RecipientType::Cc));
    assert_eq!(given.reason, None);
    let null = decode(
        json!({"email": "ada@example.com", "status": "accepted", "reason": "ok", "type": null}),
    );
    assert_eq!(null.type_, None);
    assert_eq!(null.reason.as_deref(), Some("ok"));
    let absent = decode(json!({"email": "ada@example.com", "status": "accepted"}));
    assert_eq!((absent.type_, absent.reason), (None, None));
    // The wire name is the only name: the Rust field's name is not read as the same field.
    let misnamed = decode(json!({"email": "ada@example.com", "status": "accepted", "type_": "cc"}));
    assert_eq!(misnamed.type_, None);
}

#[test]
fn a_webhook_event_without_its_nullable_fields_decodes() {
    let vectors = fixture("webhooks/vectors");
    let text = vectors["vectors"][0]["body"].as_str().unwrap();
    let mut event: Value = serde_json::from_str(text).unwrap();
    let data = event["data"].as_object_mut().unwrap();
    data.retain(|_, value| !value.is_null());
    assert!(!data.contains_key("bounce_subtype"));
    let event: types::WebhookEventPayload = serde_json::from_value(event).expect("decodes");
    assert_eq!(event.data.bounce_subtype, None);
}

#[test]
fn a_response_model_for_a_test_starts_from_its_example() {
    let mut mailbox = types::Mailbox::example();
    mailbox.id = "mbx_1".to_owned();
    mailbox.display_name = None;
    let sent = serde_json::to_value(&mailbox).unwrap();
    assert_eq!(sent["id"], "mbx_1");
    let back: types::Mailbox = serde_json::from_value(sent).expect("decodes");
    assert_eq!(back, mailbox);
}

#[test]
fn every_example_of_the_spec_is_a_ready_made_model() {
    let spec: Value = serde_norway::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml")).unwrap(),
    )
    .unwrap();
    let mut checked = 0;
    macro_rules! examples {
        ($($model:ident,)*) => {{
            $(
                let written = &spec["components"]["schemas"][stringify!($model)]["example"];
                // The others are composed from their fields' examples, and checked against
                // their schema in tests/contract_check.rs.
                if !written.is_null() {
                    common::assert_same_json(&types::$model::example(), written);
                    checked += 1;
                }
            )*
        }};
    }
    include!(concat!(env!("OUT_DIR"), "/examples.rs"));
    assert!(checked >= 30, "{checked} examples");
}

#[tokio::test]
async fn examples_stand_in_for_answers_in_tests() {
    use sendmux_management::testing::{MockApi, MockServerExt};

    let api = MockApi::start().await;
    let mock = api.get_domain(|when, then| {
        when.public_id("mdom_1");
        then.ok(&types::DomainEnvelope::of(types::Domain::example()));
    });
    let domain = api
        .client()
        .get_domain("mdom_1")
        .await
        .expect("the example decodes");
    assert_eq!(*domain, types::Domain::example());
    mock.assert();
}
