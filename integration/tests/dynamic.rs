//! Operations chosen at run time (feature `dynamic`): described as the spec describes them,
//! checked before sending, answered as JSON through the typed requests.

use futures::TryStreamExt;
use sendmux_management::dynamic::{self, AnswerKind, Arguments, Location, Request};
use sendmux_management::testing::{MockApi, MockServerExt};
use sendmux_management::types::{Domain, DomainPage};
use sendmux_management::Error;
use serde_json::{json, Value};

#[test]
fn every_operation_of_the_spec_is_described() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml")).unwrap();
    let spec: serde_norway::Value = serde_norway::from_str(&text).unwrap();
    let mut expected = Vec::new();
    for (path, item) in spec["paths"].as_mapping().unwrap() {
        for (method, operation) in item.as_mapping().unwrap() {
            expected.push((
                operation["operationId"].as_str().unwrap().to_owned(),
                method.as_str().unwrap().to_uppercase(),
                path.as_str().unwrap().to_owned(),
            ));
        }
    }
    expected.sort();
    let described: Vec<(String, String, String)> = dynamic::operations()
        .iter()
        .map(|op| (op.id.to_owned(), op.method.to_owned(), op.path.to_owned()))
        .collect();
    assert_eq!(described, expected);

    let list = dynamic::operation("list_email_logs").unwrap();
    assert_eq!(
        list.answer,
        AnswerKind::Json {
            list: true,
            cursor_list: true
        }
    );
    let status = list.params.iter().find(|p| p.name == "status").unwrap();
    assert_eq!(status.location, Location::Query);
    assert!(matches!(status.value, dynamic::ValueKind::Enum(values) if values.contains(&"failed")));
    let body = dynamic::operation("create_provider")
        .unwrap()
        .body
        .as_ref()
        .unwrap();
    assert!(body.fields.iter().any(|f| f.name == "smtp_host"));
    // Secrets are left to the JSON body.
    assert!(!body.fields.iter().any(|f| f.name == "smtp_password"));
}

fn refused(result: Result<Request, Error>) -> String {
    match result {
        Err(Error::InvalidRequest(message)) => message,
        other => panic!("expected InvalidRequest, got {other:?}"),
    }
}

#[tokio::test]
async fn arguments_are_checked_before_anything_is_sent() {
    // Nothing is stubbed: a request that went out would fail with a 404, not InvalidRequest.
    let api = MockApi::start().await;
    let client = api.client();
    let body = json!({"url": "https://hooks.example.com", "event_types": [], "name": 5});
    let message = refused(Request::new(
        &client,
        "create_webhook",
        Arguments::new().body(body),
    ));
    assert!(message.starts_with("body at /"), "{message}");
    let message = refused(Request::new(
        &client,
        "create_mailbox",
        Arguments::new().body(json!({"email": 5})),
    ));
    assert!(message.starts_with("body at /email:"), "{message}");
    // The position would be in the text the body was turned into, which the caller never saw.
    assert!(!message.contains("line"), "{message}");
    let message = refused(Request::new(&client, "create_mailbox", Arguments::new()));
    assert!(message.contains("body"), "{message}");
    let message = refused(Request::new(
        &client,
        "list_domains",
        Arguments::new().param("limit", "ten"),
    ));
    assert!(message.contains("`limit`"), "{message}");
    let message = refused(Request::new(
        &client,
        "list_domains",
        Arguments::new().param("colour", "red"),
    ));
    assert!(message.contains("`colour`"), "{message}");
    let message = refused(Request::new(&client, "get_domain", Arguments::new()));
    assert!(message.contains("`public_id`"), "{message}");
    refused(Request::new(&client, "no_such_operation", Arguments::new()));

    // The control: the same requests with fitting arguments are accepted.
    Request::new(
        &client,
        "create_mailbox",
        Arguments::new().body(json!({"email": "ops@example.com"})),
    )
    .unwrap();
    Request::new(&client, "list_domains", Arguments::new().param("limit", 10)).unwrap();
}

#[tokio::test]
async fn answers_are_json_and_lists_walk_every_page() {
    let api = MockApi::start().await;
    let mut second = Domain::example();
    second.id = "mdom_2".to_owned();
    api.list_domains(|when, then| {
        when.cursor("c2");
        then.ok(&DomainPage::of(vec![second]));
    });
    api.list_domains(|_, then| {
        then.ok(&DomainPage::of(vec![Domain::example()]).followed_by("c2"));
    });
    api.answer_with_examples().await;
    let client = api.client();

    let domain = Request::new(
        &client,
        "get_domain",
        Arguments::new().param("public_id", "mdom_1"),
    )
    .unwrap()
    .await
    .unwrap();
    assert_eq!(
        domain.data,
        serde_json::to_value(Domain::example()).unwrap()
    );
    assert_eq!(domain.request_id.as_deref(), Some("req_mock"));

    let items: Vec<Value> = Request::new(&client, "list_domains", Arguments::new())
        .unwrap()
        .items(None)
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<&str> = items.iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [Domain::example().id.as_str(), "mdom_2"]);

    let first: Vec<Value> = Request::new(&client, "list_domains", Arguments::new())
        .unwrap()
        .items(Some(1))
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(first.len(), 1);

    let not_a_list = Request::new(&client, "get_me", Arguments::new()).unwrap();
    assert!(matches!(
        not_a_list.items(None),
        Err(Error::InvalidRequest(_))
    ));

    // Text answers are JSON strings.
    let zone = Request::new(
        &client,
        "get_domain_zone_file",
        Arguments::new().param("public_id", "mdom_1"),
    )
    .unwrap()
    .await
    .unwrap();
    assert!(zone.data.is_string());
}

#[tokio::test]
async fn every_operation_answers_with_its_example() {
    let api = MockApi::start().await;
    api.answer_with_examples().await;
    assert_eq!(
        MockApi::example_operations().count(),
        dynamic::operations().len()
    );
    let client = api.client();
    let answer = Request::new(&client, "get_provider_limits", Arguments::new())
        .unwrap()
        .await
        .unwrap();
    // `/providers/limits` is not answered as `/providers/{public_id}`.
    assert_eq!(
        answer.data,
        serde_json::to_value(sendmux_management::types::ProviderLimits::example()).unwrap()
    );
}
