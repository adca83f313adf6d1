//! The maintainer's drill as a test: realistic changes applied to a copy of the vendor's
//! document, then a refresh. The report must say what breaks users and what does not, every
//! Rust name that survives upstream must survive the refresh, and the refreshed spec must lint
//! clean apart from the words and permissions a maintainer still has to write.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use xtask::impact::Impact;
use xtask::intentional::Differences;
use xtask::refresh::{compare_texts, Outcome, EXIT_ADDITIVE, EXIT_BREAKING};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

/// Appends `extra` to every string enum whose values are exactly `set`; returns how many.
fn extend_enums(value: &mut Value, set: &[&str], extra: &str) -> usize {
    let mut count = 0;
    match value {
        Value::Object(m) => {
            if let Some(Value::Array(values)) = m.get_mut("enum") {
                let mut current: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
                current.sort_unstable();
                let mut wanted = set.to_vec();
                wanted.sort_unstable();
                if current == wanted {
                    values.push(json!(extra));
                    count += 1;
                }
            }
            for child in m.values_mut() {
                count += extend_enums(child, set, extra);
            }
        }
        Value::Array(items) => {
            for child in items {
                count += extend_enums(child, set, extra);
            }
        }
        _ => {}
    }
    count
}

const NEW_PATHS: &[&str] = &[
    "/domains/{public_id}/events",
    "/providers/{public_id}/rotate-secret",
];

const DELIVERY: &[&str] = &["pending", "sent", "failed", "rejected"];
const EVENTS: &[&str] = &[
    "message.delivered",
    "message.bounced",
    "message.complained",
    "message.rejected",
    "message.delivery_delayed",
    "message.received",
    "message.received.spam",
    "sendmux.test",
];
const SES_REQUEST: &[&str] = &["pending", "approved", "denied", "cancelled"];

/// The drill's changes, applied to the vendor's document.
fn drill(upstream: &mut Value) {
    assert!(extend_enums(upstream, DELIVERY, "deferred") >= 2);
    assert!(extend_enums(upstream, EVENTS, "message.opened") >= 2);
    assert!(extend_enums(upstream, SES_REQUEST, "expired") >= 1);
    // One use of the domain verification status gains a value the others do not have.
    let domain_status = upstream
        .pointer_mut("/components/schemas/MailboxDomain/properties/verification_status/enum")
        .and_then(Value::as_array_mut)
        .expect("domain status enum");
    domain_status.push(json!("suspended"));

    let paths = upstream["paths"].as_object_mut().expect("paths");
    // A new list, beside the other domain paths.
    let mut list = paths["/webhooks/{public_id}/deliveries"].clone();
    list["get"]["operationId"] = json!("managementListDomainEvents");
    list["get"]["tags"] = paths["/domains/{public_id}"]["get"]["tags"].clone();
    paths.insert("/domains/{public_id}/events".to_owned(), list);
    // A new keyed POST.
    let mut keyed = paths["/webhooks/{public_id}/rotate-secret"].clone();
    keyed["post"]["operationId"] = json!("managementRotateProviderSecret");
    keyed["post"]["tags"] = paths["/providers/{public_id}"]["get"]["tags"].clone();
    paths.insert("/providers/{public_id}/rotate-secret".to_owned(), keyed);
    // A removed operation.
    paths.remove("/providers/usage");

    let provider = &mut upstream["components"]["schemas"]["ProviderItem"]["properties"];
    // A changed field type.
    provider["smtp_port"]["type"] = json!(["string", "null"]);
    // A new optional field.
    provider["region"] = json!({"type": ["string", "null"]});
}

fn outcome() -> Option<(serde_norway::Value, Outcome)> {
    outcome_of(drill)
}

fn outcome_of(change: fn(&mut Value)) -> Option<(serde_norway::Value, Outcome)> {
    let reference = read(&repo().join("../shared/reference/sendmux/openapi-app.json"))?;
    let mut upstream: Value = serde_json::from_str(&reference).expect("reference is JSON");
    change(&mut upstream);
    // The vendor's generator appends new paths at the end of `paths`.
    let mut upstream: serde_norway::Value = serde_norway::to_value(&upstream).expect("tree");
    if let Some(paths) = upstream
        .get_mut("paths")
        .and_then(serde_norway::Value::as_mapping_mut)
    {
        for new in NEW_PATHS {
            if let Some(item) = paths.shift_remove(*new) {
                paths.insert((*new).into(), item);
            }
        }
    }
    let upstream = serde_json::to_string(&upstream).expect("json");
    let ours = read(&repo().join("openapi.yaml")).expect("openapi.yaml");
    let differences =
        Differences::load(&repo().join("xtask/intentional-differences.txt")).expect("list");
    let outcome = compare_texts(&ours, &upstream, &differences).expect("refresh");
    Some((serde_norway::from_str(&ours).expect("yaml"), outcome))
}

fn schema_names(doc: &serde_norway::Value) -> Vec<String> {
    doc["components"]["schemas"]
        .as_mapping()
        .into_iter()
        .flatten()
        .filter_map(|(k, _)| k.as_str().map(str::to_owned))
        .collect()
}

#[test]
fn drill_keeps_every_surviving_name() {
    let Some((ours, outcome)) = outcome() else {
        println!("skipped: the reference document is not present");
        return;
    };
    println!("{}", outcome.report);
    let after = schema_names(&outcome.document);
    // Types reached only from the removed operation go with it; everything else stays.
    let gone_with_usage = [
        "ProviderUsage",
        "ProviderUsageEnvelope",
        "ProviderUsageItem",
    ];
    let lost: Vec<String> = schema_names(&ours)
        .into_iter()
        .filter(|n| !after.contains(n) && !gone_with_usage.contains(&n.as_str()))
        .collect();
    assert!(lost.is_empty(), "names lost: {lost:?}\n{}", outcome.report);
    // Every client method but the removed one keeps its name.
    let ids = |doc: &serde_norway::Value| -> Vec<String> {
        xtask::fixtures::json_operations(doc)
            .into_iter()
            .map(|(id, _)| id)
            .collect()
    };
    let methods_after = ids(&outcome.document);
    let lost_methods: Vec<String> = ids(&ours)
        .into_iter()
        .filter(|id| !methods_after.contains(id) && id != "get_provider_usage")
        .collect();
    assert!(lost_methods.is_empty(), "methods lost: {lost_methods:?}");
    // The webhook event types of the new list are the existing enum, not a new one.
    let new_enums: Vec<&String> = after
        .iter()
        .filter(|n| !schema_names(&ours).contains(n))
        .filter(|n| outcome.document["components"]["schemas"][n.as_str()]["enum"].is_sequence())
        .collect();
    assert!(new_enums.is_empty(), "new enums: {new_enums:?}");
    for (name, value) in [
        ("DeliveryStatus", "deferred"),
        ("WebhookEventType", "message.opened"),
        ("SesLimitRequestStatus", "expired"),
        ("DomainVerificationStatus", "suspended"),
    ] {
        let values = &outcome.document["components"]["schemas"][name]["enum"];
        assert!(
            values
                .as_sequence()
                .is_some_and(|v| v.iter().any(|v| v.as_str() == Some(value))),
            "{name} lacks {value}"
        );
        let description = &outcome.document["components"]["schemas"][name]["description"];
        assert_eq!(
            description, &ours["components"]["schemas"][name]["description"],
            "{name} lost its description"
        );
    }
}

fn effects(outcome: &Outcome, impact: Impact) -> Vec<String> {
    outcome
        .report
        .effects_of(impact)
        .map(ToString::to_string)
        .collect()
}

#[test]
fn drill_report_says_what_breaks_and_what_only_adds() {
    let Some((_, outcome)) = outcome() else {
        println!("skipped: the reference document is not present");
        return;
    };
    let report = &outcome.report;
    let breaking = effects(&outcome, Impact::Breaking);
    let additive = effects(&outcome, Impact::Additive);
    for expected in [
        "Client::get_provider_usage removed (GET /providers/usage)",
        "types::Provider::smtp_port: Option<i64> → Option<String>",
        "types::ProviderUsage removed",
    ] {
        assert!(
            breaking.iter().any(|e| e == expected),
            "no breaking {expected:?} in\n{report}"
        );
    }
    for expected in [
        "Client::list_domain_events added (GET /domains/{public_id}/events)",
        "Client::rotate_provider_secret added (POST /providers/{public_id}/rotate-secret)",
        "types::DeliveryStatus: + deferred",
        "types::WebhookEventType: + message.opened",
        "types::SesLimitRequestStatus: + expired",
        "types::DomainVerificationStatus: + suspended",
        "types::Provider::region added: Option<String>",
    ] {
        assert!(
            additive.iter().any(|e| e == expected),
            "no additive {expected:?} in\n{report}"
        );
    }
    // Nothing harmless hides among the breaking changes, nothing breaking among the rest.
    assert_eq!(breaking.len(), 5, "{report}");
    assert_eq!(additive.len(), 7, "{report}");
    let text = report.to_string();
    assert!(
        text.contains("path /providers/usage (GET get_provider_usage)"),
        "{text}"
    );
    assert_eq!(outcome.exit_code(true), EXIT_BREAKING);
}

#[test]
fn drift_that_only_adds_has_its_own_exit_status() {
    let Some((_, outcome)) = outcome_of(|upstream| {
        extend_enums(upstream, DELIVERY, "deferred");
        upstream["components"]["schemas"]["ProviderItem"]["properties"]["region"] =
            json!({"type": "string"});
    }) else {
        println!("skipped: the reference document is not present");
        return;
    };
    assert!(!outcome.report.is_breaking(), "{}", outcome.report);
    assert_eq!(outcome.exit_code(true), EXIT_ADDITIVE);
    assert_eq!(outcome.exit_code(false), 0);
}

#[test]
fn drill_refresh_lints_clean_once_the_words_are_written() {
    let Some((_, outcome)) = outcome() else {
        println!("skipped: the reference document is not present");
        return;
    };
    let text = serde_norway::to_string(&outcome.document).expect("yaml");
    let findings = xtask::lint::lint(&text);
    // What is left is the maintainer's writing, each item named: descriptions and permissions.
    let other: Vec<String> = findings
        .iter()
        .map(ToString::to_string)
        .filter(|f| !f.contains("TODO: describe") && !f.contains("x-sendmux-permission"))
        .collect();
    assert!(other.is_empty(), "{other:#?}");
    // Each new operation's permission is proposed from its neighbours.
    let permissions: Vec<String> = findings
        .iter()
        .map(ToString::to_string)
        .filter(|f| f.contains("x-sendmux-permission"))
        .collect();
    assert_eq!(permissions.len(), 2, "{permissions:#?}");
    for (path, proposal) in [
        ("events/get", "proposed: `domain.read`"),
        ("rotate-secret/post", "proposed: `provider.update`"),
    ] {
        assert!(
            permissions
                .iter()
                .any(|f| f.contains(path) && f.contains(proposal)),
            "no {proposal} for {path} in {permissions:#?}"
        );
    }
}

#[test]
fn drill_puts_new_paths_beside_their_siblings() {
    let Some((_, outcome)) = outcome() else {
        println!("skipped: the reference document is not present");
        return;
    };
    let paths: Vec<&str> = outcome.document["paths"]
        .as_mapping()
        .expect("paths")
        .keys()
        .filter_map(serde_norway::Value::as_str)
        .collect();
    let after = |path: &str| {
        let i = paths.iter().position(|p| *p == path).expect("path present");
        paths[i - 1]
    };
    assert_eq!(after("/domains/{public_id}/events"), "/domains/{public_id}");
    assert_eq!(
        after("/providers/{public_id}/rotate-secret"),
        "/providers/{public_id}/deactivate"
    );
}

#[test]
fn drill_fixtures_are_derived_for_new_operations_and_orphans_reported() {
    let Some((_, outcome)) = outcome() else {
        println!("skipped: the reference document is not present");
        return;
    };
    let survey = xtask::fixtures::survey(
        &outcome.document,
        &repo().join("integration/tests/fixtures"),
    )
    .expect("fixtures readable");
    assert_eq!(
        survey.missing,
        ["list_domain_events", "rotate_provider_secret"],
        "{survey:?}"
    );
    assert_eq!(survey.orphaned, ["get_provider_usage"], "{survey:?}");
    let checker = xtask::examples::ExampleChecker::new(&outcome.document);
    for (id, schema) in xtask::fixtures::json_operations(&outcome.document) {
        let body = xtask::fixtures::derive(&outcome.document, &schema);
        let body: serde_norway::Value = serde_norway::to_value(&body).expect("tree");
        let problems = checker.problems(&schema, &body);
        assert!(problems.is_empty(), "{id}: {problems:#?}");
    }
}

/// Removes `value` from every string enum that holds exactly `set`.
fn narrow_enums(value: &mut Value, set: &[&str], gone: &str) {
    match value {
        Value::Object(m) => {
            if let Some(Value::Array(values)) = m.get_mut("enum") {
                let mut current: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
                current.sort_unstable();
                let mut wanted = set.to_vec();
                wanted.sort_unstable();
                if current == wanted {
                    values.retain(|v| v.as_str() != Some(gone));
                }
            }
            m.values_mut().for_each(|c| narrow_enums(c, set, gone));
        }
        Value::Array(items) => items.iter_mut().for_each(|c| narrow_enums(c, set, gone)),
        _ => {}
    }
}

#[test]
fn what_code_must_now_supply_or_can_no_longer_match_is_breaking() {
    let Some((_, outcome)) = outcome_of(|upstream| {
        narrow_enums(upstream, DELIVERY, "rejected");
        let op = &mut upstream["paths"]["/emails/logs"]["get"];
        op["parameters"]
            .as_array_mut()
            .expect("parameters")
            .push(json!({"in": "query", "name": "region", "required": true, "schema": {"type": "string"}}));
        let provider = &mut upstream["components"]["schemas"]["ProviderItem"];
        provider["properties"]["region"] = json!({"type": "string"});
        provider["required"]
            .as_array_mut()
            .expect("required")
            .push(json!("region"));
    }) else {
        println!("skipped: the reference document is not present");
        return;
    };
    let breaking = effects(&outcome, Impact::Breaking);
    for expected in [
        "types::DeliveryStatus: − rejected",
        "Client::list_email_logs: new required parameter `region`",
        "types::Provider::region added, required: String",
    ] {
        assert!(
            breaking.iter().any(|e| e == expected),
            "no breaking {expected:?} in\n{}",
            outcome.report
        );
    }
    assert_eq!(outcome.exit_code(true), EXIT_BREAKING);
}

#[test]
fn fixtures_take_the_examples_the_spec_gives() {
    let doc: serde_norway::Value = serde_norway::from_str(
        r##"
components:
  schemas:
    Domain:
      type: object
      properties:
        id: {type: string}
        domain: {type: string}
      example: {id: mdom_example, domain: mail.example.org}
    DomainPage:
      type: object
      properties:
        ok: {type: boolean}
        data:
          type: array
          items: {$ref: "#/components/schemas/Domain"}
"##,
    )
    .expect("yaml");
    let schema = doc["components"]["schemas"]["DomainPage"].clone();
    let body = xtask::fixtures::derive(&doc, &schema);
    assert_eq!(body["data"][0]["id"], "mdom_example");
    assert_eq!(body["data"][0]["domain"], "mail.example.org");
    assert_eq!(body["ok"], true);
}
