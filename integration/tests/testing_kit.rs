//! The `testing` feature: a typed mock of the API and scripted faults.

use std::num::NonZeroU64;
use std::time::Duration;

use sendmux_management::testing::{error, Method, MockApi, MockServerExt};
use sendmux_management::types::{self, Domain, DomainPage, ErrorCode, MailboxEnvelope};
use sendmux_management::{Error, RetryPolicy, TransportErrorKind};

/// The answer body of `operation` in `tests/fixtures`, typed.
fn fixture<T: serde::de::DeserializeOwned>(operation: &str) -> T {
    let path = format!(
        "{}/tests/fixtures/{operation}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn domain(id: &str) -> Domain {
    let mut domain = fixture::<types::DomainEnvelope>("get_domain").data;
    domain.id = id.to_owned();
    domain
}

#[tokio::test]
async fn operations_are_stubbed_with_typed_parameters_and_answers() {
    let api = MockApi::start().await;
    let first = api.list_domains(|when, then| {
        when.limit(NonZeroU64::new(2).unwrap());
        then.ok(&DomainPage::of(vec![domain("mdom_1"), domain("mdom_2")]).followed_by("c2"));
    });
    let second = api.list_domains(|when, then| {
        when.cursor("c2");
        then.ok(&DomainPage::of(vec![domain("mdom_3")]));
    });
    let client = api.client();
    let page = client.list_domains().limit(2).await.unwrap();
    assert_eq!(page.len(), 2);
    assert_eq!(
        page.pagination.as_ref().unwrap().next_cursor.as_deref(),
        Some("c2")
    );
    let rest = client.list_domains().cursor("c2").await.unwrap();
    assert_eq!(rest[0].id, "mdom_3");
    first.assert();
    second.assert();
}

#[tokio::test]
async fn typed_error_answers() {
    let api = MockApi::start().await;
    api.get_mailbox(|when, then| {
        when.public_id("mbx_gone");
        then.not_found(&error(ErrorCode::NotFound, "No such mailbox."));
    });
    let failure = api.client().get_mailbox("mbx_gone").await.unwrap_err();
    assert_eq!(failure.code(), Some(&ErrorCode::NotFound));
    assert_eq!(failure.status(), Some(404));
}

#[tokio::test]
async fn scripted_rate_limits_and_outages_are_retried_through() {
    let api = MockApi::start().await;
    let limited = api
        .rate_limited(Method::GET, "/mailboxes/mbx_1", Duration::ZERO, 1)
        .await;
    let down = api.unavailable(Method::GET, "/mailboxes/mbx_1", 1).await;
    let mailbox: MailboxEnvelope = fixture("get_mailbox");
    api.get_mailbox(|when, then| {
        when.public_id("mbx_1");
        then.ok(&mailbox);
    });
    let got = api.client().get_mailbox("mbx_1").await.unwrap();
    assert_eq!(got.email, mailbox.data.email);
    limited.assert_calls(1);
    down.assert_calls(1);
}

#[tokio::test]
async fn a_scripted_rate_limit_reaches_a_caller_that_does_not_retry() {
    let api = MockApi::start().await;
    api.rate_limited(Method::GET, "/me", Duration::from_secs(7), 1)
        .await;
    let failure = api
        .client()
        .get_me()
        .retry_policy(RetryPolicy::none())
        .await
        .unwrap_err();
    let api_error = failure.as_api().unwrap();
    assert_eq!(api_error.code, Some(ErrorCode::RateLimitExceeded));
    assert_eq!(api_error.retry_after, Some(Duration::from_secs(7)));
}

#[tokio::test]
async fn dropped_connections_are_retried_or_reported() {
    let api = MockApi::start().await;
    let me: types::MeEnvelope = fixture("get_me");
    api.get_me(|_, then| {
        then.ok(&me);
    });
    api.drop_connections(2);
    api.client()
        .get_me()
        .await
        .expect("third attempt gets through");

    api.drop_connections(1);
    let failure = api
        .client()
        .get_me()
        .retry_policy(RetryPolicy::none())
        .await
        .unwrap_err();
    let Error::Transport(transport) = &failure else {
        panic!("expected a transport error, got {failure:?}");
    };
    assert_ne!(transport.kind, TransportErrorKind::Other, "{failure}");
}
