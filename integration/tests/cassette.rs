//! Record and replay (feature `contract`): what a recorder keeps and leaves out, and a replay
//! that answers what was recorded and nothing else.

use sendmux_management::contract::{Cassette, Recorder, REDACTED};
use sendmux_management::testing::{MockApi, MockServerExt};
use sendmux_management::types::{
    CreateDomainBody, Domain, DomainEnvelope, DomainPage, WebhookCreateBody,
    WebhookSubscriptionWithSecretEnvelope,
};
use sendmux_management::{Client, Error, RetryPolicy};
use serde_json::json;

const KEY: &str = "smx_root_recorded_7f3a";

fn client(base_url: &str) -> Client {
    Client::builder()
        .api_key(KEY)
        .base_url(base_url)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

/// The mock standing for the real API, with the answers the recorded session gets.
async fn upstream() -> MockApi {
    let api = MockApi::start().await;
    api.get_domain(|when, then| {
        when.public_id("mdom_1");
        then.ok(&DomainEnvelope::of(Domain::example()));
    });
    api.list_domains(|when, then| {
        when.limit(std::num::NonZeroU64::new(2).unwrap());
        then.ok(&DomainPage::of(vec![Domain::example()]));
    });
    api.create_domain(|_, then| {
        then.created(&DomainEnvelope::of(Domain::example()));
    });
    api.create_webhook(|_, then| {
        then.created(&WebhookSubscriptionWithSecretEnvelope::example());
    });
    api
}

/// Records a short session against `upstream`.
async fn record(upstream: &MockApi) -> (Recorder, Cassette) {
    let recorder = Recorder::start(upstream.base_url()).await.unwrap();
    let client = client(recorder.base_url());
    client.get_domain("mdom_1").await.unwrap();
    client.list_domains().limit(2).await.unwrap();
    client
        .create_domain(CreateDomainBody::new("notify.example.com"))
        .await
        .unwrap();
    let body = serde_json::from_value::<WebhookCreateBody>(json!({
        "url": "https://hooks.example.com/sendmux",
        "event_types": ["message.delivered"],
    }))
    .unwrap();
    let webhook = client.create_webhook(body).await.unwrap();
    assert_ne!(
        webhook.secret.expose_secret(),
        REDACTED,
        "the client gets the real answer"
    );
    let cassette = recorder.cassette();
    (recorder, cassette)
}

#[tokio::test]
async fn a_recording_keeps_each_exchange_and_no_secret() {
    let api = upstream().await;
    let (recorder, cassette) = record(&api).await;
    let operations: Vec<&str> = cassette
        .exchanges
        .iter()
        .map(|e| e.operation.as_str())
        .collect();
    assert_eq!(
        operations,
        [
            "get_domain",
            "list_domains",
            "create_domain",
            "create_webhook"
        ]
    );
    let list = &cassette.exchanges[1];
    assert_eq!(
        (
            list.method.as_str(),
            list.path.as_str(),
            list.query.as_str()
        ),
        ("GET", "/domains", "limit=2")
    );
    let create = &cassette.exchanges[2];
    assert!(create.idempotency_key);
    assert_eq!(create.status, 201);
    assert_eq!(
        create.request_body.as_ref().unwrap()["domain"],
        "notify.example.com"
    );
    assert!(create
        .headers
        .iter()
        .any(|(name, value)| name == "content-type" && value.contains("json")));

    let webhook = &cassette.exchanges[3];
    assert_eq!(webhook.body["data"]["secret"], REDACTED);
    let text = cassette.to_json();
    let real_secret = WebhookSubscriptionWithSecretEnvelope::example()
        .data
        .secret
        .expose_secret()
        .to_owned();
    assert!(
        !text.contains(&real_secret),
        "the webhook secret was recorded"
    );
    assert!(!text.contains(KEY), "the credential was recorded");
    assert!(!text.to_ascii_lowercase().contains("authorization"));
    // Every recorded answer was checked against the spec.
    let summary = recorder.check().summary();
    assert!(summary.is_empty(), "{summary}");
}

#[tokio::test]
async fn a_recorded_answer_that_breaks_the_spec_is_reported() {
    let api = MockApi::start().await;
    let mut body = serde_json::to_value(DomainEnvelope::of(Domain::example())).unwrap();
    body["data"]["mailbox_count"] = json!("four");
    body["data"]["shiny"] = json!(1);
    api.get_domain(|_, then| {
        then.into_inner()
            .status(200)
            .header("content-type", "application/json")
            .json_body(body);
    });
    let recorder = Recorder::start(api.base_url()).await.unwrap();
    client(recorder.base_url())
        .get_domain("mdom_1")
        .await
        .unwrap_err();
    let violations = recorder.check().violations();
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0].violations[0].pointer, "/data/mailbox_count");
    assert_eq!(recorder.check().drift().of("get_domain").len(), 1);
    assert_eq!(recorder.cassette().exchanges.len(), 1);
}

#[tokio::test]
async fn a_replay_answers_what_was_recorded_offline() {
    let (_recorder, cassette) = record(&upstream().await).await;
    let file = std::env::temp_dir().join(format!("sendmux-cassette-{}.json", std::process::id()));
    cassette.save(&file).unwrap();
    let cassette = Cassette::load(&file).unwrap();
    std::fs::remove_file(&file).unwrap();

    let replay = MockApi::start().await;
    let mocks = replay.replay(&cassette);
    let client = client(replay.base_url());
    let domain = client.get_domain("mdom_1").await.unwrap();
    assert_eq!(*domain, Domain::example());
    assert_eq!(domain.http_status, 200);
    assert_eq!(client.list_domains().limit(2).await.unwrap().len(), 1);
    let created = client
        .create_domain(CreateDomainBody::new("notify.example.com"))
        .await
        .unwrap();
    assert_eq!(created.http_status, 201);
    for mock in &mocks[..3] {
        mock.assert();
    }
}

#[tokio::test]
async fn a_replay_refuses_a_request_it_did_not_record() {
    let (_recorder, cassette) = record(&upstream().await).await;
    let replay = MockApi::start().await;
    replay.replay(&cassette);
    let client = client(replay.base_url());
    // Another id, another query, another body: none was recorded.
    let other_id = client.get_domain("mdom_2").await.unwrap_err();
    assert_eq!(other_id.status(), Some(404), "{other_id}");
    let other_query = client.list_domains().limit(3).await.unwrap_err();
    assert_eq!(other_query.status(), Some(404), "{other_query}");
    let other_body = client
        .create_domain(CreateDomainBody::new("other.example.com"))
        .await
        .unwrap_err();
    assert!(matches!(other_body, Error::Api(_)), "{other_body}");
    // The control: what was recorded is answered.
    client.get_domain("mdom_1").await.unwrap();
}

#[tokio::test]
async fn repeated_requests_get_their_recorded_answers_in_turn() {
    let api = MockApi::start().await;
    let mut first = Domain::example();
    first.mailbox_count = 1;
    let mut second = Domain::example();
    second.mailbox_count = 2;
    let recorder = Recorder::start(api.base_url()).await.unwrap();
    let recording = client(recorder.base_url());
    let mut mock = api.get_domain(|_, then| {
        then.ok(&DomainEnvelope::of(first.clone()));
    });
    recording.get_domain("mdom_1").await.unwrap();
    mock.delete();
    api.get_domain(|_, then| {
        then.ok(&DomainEnvelope::of(second.clone()));
    });
    recording.get_domain("mdom_1").await.unwrap();

    let replay = MockApi::start().await;
    replay.replay(&recorder.cassette());
    let client = client(replay.base_url());
    let mut seen = Vec::new();
    for _ in 0..3 {
        seen.push(client.get_domain("mdom_1").await.unwrap().mailbox_count);
    }
    assert_eq!(seen, [1, 2, 2]);
}
