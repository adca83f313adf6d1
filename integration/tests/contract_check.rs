//! The contract check on a live client, its drift report, and stubs that cannot break the
//! contract (feature `contract`).

use sendmux_management::contract::{inspect_answer, ContractCheck, DriftItem, REFRESH_COMMAND};
use sendmux_management::testing::{error, MockApi, MockServerExt};
use sendmux_management::types::{Domain, DomainEnvelope, DomainPage, ErrorCode};
use sendmux_management::{Client, Error};
use serde_json::{json, Value};

fn client(api: &MockApi, check: &ContractCheck) -> Client {
    Client::builder()
        .api_key("smx_root_contract_5e1d")
        .base_url(api.base_url())
        .retry_policy(sendmux_management::RetryPolicy::none())
        .contract_check(check.clone())
        .build()
        .unwrap()
}

fn domain_body() -> Value {
    serde_json::to_value(DomainEnvelope::of(Domain::example())).unwrap()
}

/// A mock answering `get_domain` with `body`, as is: no check on the way in.
fn serve(api: &MockApi, status: u16, body: Value) {
    api.get_domain(|_, then| {
        then.into_inner()
            .status(status)
            .header("content-type", "application/json")
            .json_body(body);
    });
}

fn contract_error(error: Error) -> sendmux_management::contract::ContractViolation {
    match error {
        Error::Contract(violation) => *violation,
        other => panic!("expected a contract error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_valid_answer_passes_and_leaves_nothing_to_report() {
    let api = MockApi::start().await;
    serve(&api, 200, domain_body());
    let check = ContractCheck::strict();
    let domain = client(&api, &check).get_domain("mdom_1").await.unwrap();
    assert_eq!(*domain, Domain::example());
    let summary = check.summary();
    assert!(summary.is_empty(), "{summary}");
    assert_eq!(summary.to_string(), "every answer matched openapi.yaml");
}

#[tokio::test]
async fn strict_mode_fails_a_call_whose_answer_lacks_a_required_field() {
    let api = MockApi::start().await;
    let mut body = domain_body();
    body["data"].as_object_mut().unwrap().remove("domain");
    serve(&api, 200, body);
    let check = ContractCheck::strict();
    let error = client(&api, &check).get_domain("mdom_1").await.unwrap_err();
    let text = error.to_string();
    let violation = contract_error(error);
    assert_eq!(violation.operation, "get_domain");
    assert_eq!(violation.status, 200);
    let missing = &violation.violations[0];
    assert_eq!(missing.pointer, "/data");
    assert!(missing.rule.ends_with("/required"), "{}", missing.rule);
    assert!(text.contains("get_domain answered 200"), "{text}");
    assert!(text.contains("/data: "), "{text}");
    assert_eq!(check.violations(), vec![violation]);
}

#[tokio::test]
async fn strict_mode_fails_a_call_whose_answer_has_a_field_of_another_type() {
    let api = MockApi::start().await;
    let mut body = domain_body();
    body["data"]["mailbox_count"] = json!("four");
    serve(&api, 200, body);
    let check = ContractCheck::strict();
    let error = client(&api, &check).get_domain("mdom_1").await.unwrap_err();
    let violation = contract_error(error);
    assert_eq!(violation.violations.len(), 1, "{violation}");
    assert_eq!(violation.violations[0].pointer, "/data/mailbox_count");
    assert!(violation.violations[0].rule.ends_with("/type"));
    // The offending value is masked: it could be a secret.
    assert!(!violation.to_string().contains("four"), "{violation}");
}

#[tokio::test]
async fn without_the_check_the_same_answers_go_unnoticed() {
    // The negative control of the tests above: the decoder alone is lenient.
    let api = MockApi::start().await;
    let mut body = domain_body();
    body["data"]["mode"] = json!("receive_only");
    body["data"]["shiny"] = json!(true);
    serve(&api, 200, body);
    let domain = api.client().get_domain("mdom_1").await.unwrap();
    assert_eq!(domain.mode.to_string(), "receive_only");
}

#[tokio::test]
async fn report_mode_returns_the_answer_and_keeps_violations_and_drift() {
    let api = MockApi::start().await;
    let mut body = domain_body();
    body["data"]["mode"] = json!("receive_only");
    body["data"]["shiny"] = json!(true);
    body["data"]["dns_records"]["dkim"][0]["ttl"] = json!(300);
    serve(&api, 200, body);
    let check = ContractCheck::report();
    let domain = client(&api, &check).get_domain("mdom_1").await.unwrap();
    assert_eq!(domain.mode.to_string(), "receive_only");

    let violations = check.violations();
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0].violations[0].pointer, "/data/mode");
    assert!(violations[0].violations[0].rule.ends_with("/enum"));

    let drift = check.drift();
    let seen: Vec<String> = drift
        .of("get_domain")
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        seen,
        [
            "unknown field data.dns_records.dkim[].ttl",
            "unknown field data.shiny",
            "new value \"receive_only\" for Domain.mode",
        ]
    );
    let summary = check.summary().to_string();
    assert!(
        summary.contains("get_domain: the API has moved on"),
        "{summary}"
    );
    assert!(summary.contains(REFRESH_COMMAND), "{summary}");
    check.clear();
    assert!(check.summary().is_empty());
}

#[tokio::test]
async fn drift_is_reported_for_a_valid_answer_and_for_the_items_of_a_list() {
    let api = MockApi::start().await;
    let mut page = serde_json::to_value(DomainPage::of(vec![Domain::example()])).unwrap();
    page["data"][0]["shiny"] = json!("new");
    api.list_domains(|_, then| {
        then.into_inner()
            .status(200)
            .header("content-type", "application/json")
            .json_body(page);
    });
    let check = ContractCheck::strict();
    let domains = client(&api, &check).list_domains().await.unwrap();
    assert_eq!(domains.len(), 1);
    assert!(check.violations().is_empty());
    assert_eq!(
        check.drift().of("list_domains"),
        [&DriftItem::UnknownField {
            path: "data[].shiny".into()
        }]
    );
    assert!(!check.summary().is_empty());
}

#[tokio::test]
async fn error_answers_are_checked_too() {
    let api = MockApi::start().await;
    api.get_domain(|when, then| {
        when.public_id("mdom_valid");
        then.not_found(&error(ErrorCode::NotFound, "No such domain."));
    });
    let mut broken = serde_json::to_value(error(ErrorCode::NotFound, "No such domain.")).unwrap();
    broken["error"].as_object_mut().unwrap().remove("code");
    api.get_domain(|when, then| {
        when.public_id("mdom_broken");
        then.into_inner()
            .status(404)
            .header("content-type", "application/json")
            .json_body(broken);
    });
    let check = ContractCheck::strict();
    let client = client(&api, &check);
    let valid = client.get_domain("mdom_valid").await.unwrap_err();
    assert_eq!(valid.status(), Some(404), "{valid}");
    let violation = contract_error(client.get_domain("mdom_broken").await.unwrap_err());
    assert_eq!(violation.status, 404);
    assert_eq!(violation.violations[0].pointer, "/error");
}

#[tokio::test]
async fn a_body_that_is_not_json_breaks_the_contract() {
    let api = MockApi::start().await;
    api.get_domain(|_, then| {
        then.into_inner()
            .status(200)
            .header("content-type", "application/json")
            .body("<html>oops</html>");
    });
    let check = ContractCheck::report();
    let outcome = client(&api, &check).get_domain("mdom_1").await;
    assert!(matches!(outcome, Err(Error::Decode(_))), "{outcome:?}");
    assert_eq!(check.violations()[0].violations[0].rule, "json");
}

#[test]
fn the_checker_names_unknown_operations_and_undocumented_statuses() {
    let unknown = inspect_answer("no_such_operation", 200, &json!({}));
    assert!(unknown.violations[0]
        .message
        .contains("no operation no_such_operation"));
    // get_me documents 200, 429, 4XX and 5XX: a 302 is none of them.
    let undocumented = inspect_answer("get_me", 302, &json!({}));
    assert!(undocumented.violations[0]
        .message
        .contains("does not document status 302"));
    // A range stands for every status in it.
    let ranged = inspect_answer(
        "get_me",
        418,
        &serde_json::to_value(error(ErrorCode::NotFound, "x")).unwrap(),
    );
    assert!(ranged.is_valid(), "{:?}", ranged.violations);
}

#[tokio::test]
async fn a_raw_stub_is_checked_when_it_is_made() {
    let api = MockApi::start().await;
    api.stub_json("get_domain", 200, &domain_body());
    let domain = api.client().get_domain("mdom_1").await.unwrap();
    assert_eq!(*domain, Domain::example());

    let mut broken = domain_body();
    broken["data"]["verification_status"] = json!(17);
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        api.stub_json("get_domain", 200, &broken);
    }))
    .expect_err("a stub that breaks the contract is refused");
    let message = panic.downcast_ref::<String>().unwrap();
    assert!(
        message.contains("this stub breaks the contract"),
        "{message}"
    );
    assert!(message.contains("get_domain answered 200"), "{message}");
    assert!(message.contains("/data/verification_status"), "{message}");

    let unknown = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        api.stub_json("get_domian", 200, &domain_body());
    }));
    assert!(unknown.is_err(), "a misspelt operation is refused");
}

#[test]
fn every_model_has_an_example_that_keeps_the_contract() {
    use sendmux_management::contract::inspect_model;
    use sendmux_management::types;

    let mut checked = 0;
    let mut broken = Vec::new();
    macro_rules! examples {
        ($($model:ident,)*) => {{
            $(
                let value = serde_json::to_value(types::$model::example()).unwrap();
                let inspection = inspect_model(stringify!($model), &value);
                if !inspection.violations.is_empty() || !inspection.drift.is_empty() {
                    broken.push((stringify!($model), inspection));
                }
                let _: types::$model = serde_json::from_value(value).unwrap();
                checked += 1;
            )*
        }};
    }
    include!(concat!(env!("OUT_DIR"), "/examples.rs"));
    assert!(broken.is_empty(), "{broken:#?}");
    assert!(checked >= 90, "{checked} examples");

    // The negative control: the model check does reject what breaks a schema.
    let mut domain = serde_json::to_value(Domain::example()).unwrap();
    domain["mailbox_count"] = json!("four");
    assert!(!inspect_model("Domain", &domain).is_valid());
    assert!(!inspect_model("NoSuchModel", &json!({})).is_valid());
}
