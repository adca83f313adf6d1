//! The shape of the public surface: requests, their futures and streams own what they need
//! (`Send + 'static`), and the options of a request compose in any order, walks included.

mod common;

use std::future::{Future, IntoFuture};
use std::time::Duration;

use common::{client, expect, fixture};
use futures::TryStreamExt;
use httpmock::Method::{GET, POST};
use httpmock::MockServer;
use sendmux_management::{types, Client, Error, RetryPolicy};
use serde_json::json;

/// Compiles only for values that can be spawned, stored and returned.
fn send_static<T: Send + 'static>(_: &T) {}

fn webhook_body() -> types::WebhookCreateBody {
    types::WebhookCreateBody::new(
        "https://hooks.example.com/sendmux",
        [types::WebhookEventType::MessageDelivered],
    )
}

/// A request made from a borrowed client outlives the borrow.
fn detached(client: &Client, id: &str) -> impl Future<Output = Result<(), Error>> + Send + 'static {
    let request = client.get_mailbox(id);
    async move { request.await.map(|_| ()) }
}

#[test]
fn requests_futures_and_streams_are_send_and_static() {
    let client = Client::new("smx_root_test").unwrap();
    let get = client.get_mailbox("mbx_1");
    send_static(&get);
    send_static(&get.clone().into_future());
    send_static(&get.clone().send());
    send_static(&get.if_changed("W/\"1\""));
    send_static(&client.delete_mailbox_key("mbx_1", "mbk_1").into_future());
    send_static(&client.create_webhook(webhook_body()).into_future());
    send_static(&client.get_domain_zone_file("mdom_1").into_future());
    send_static(&client.list_email_logs().items());
    send_static(&client.list_email_logs().pages());
    send_static(&client.list_webhook_deliveries("whk_1").items());
    send_static(&detached(&client, "mbx_1"));
}

#[tokio::test]
async fn a_request_and_a_walk_run_in_spawned_tasks() {
    let server = MockServer::start_async().await;
    let me = server
        .mock_async(|when, then| {
            expect(when, GET, "/me");
            then.status(200).json_body(fixture("get_me"));
        })
        .await;
    let mut last_page = fixture("list_email_logs");
    last_page["pagination"] = json!({"has_more": false});
    let list = server
        .mock_async(|when, then| {
            expect(when, GET, "/emails/logs");
            then.status(200).json_body(last_page);
        })
        .await;
    let request = client(&server).get_me();
    let me_task = tokio::spawn(request.send());
    let items = client(&server).list_email_logs().items();
    let walk = tokio::spawn(items.try_collect::<Vec<_>>());
    me_task.await.unwrap().expect("me");
    assert!(!walk.await.unwrap().expect("items").is_empty());
    me.assert_async().await;
    list.assert_async().await;
}

fn quick(attempts: u32) -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(attempts)
        .base_delay(Duration::from_millis(1))
        .max_delay(Duration::from_millis(2))
}

#[tokio::test]
async fn the_retry_policy_and_idempotency_key_are_set_in_either_order() {
    let server = MockServer::start_async().await;
    let failing = server
        .mock_async(|when, then| {
            expect(when, POST, "/webhooks").header("idempotency-key", "hook-7");
            then.status(503).json_body(
                json!({"ok": false, "error": {"code": "service_unavailable", "message": "busy"}}),
            );
        })
        .await;
    // The shared test client never retries; each request brings its own policy.
    let first = client(&server)
        .create_webhook(webhook_body())
        .retry_policy(quick(3))
        .idempotency_key("hook-7")
        .await
        .expect_err("always 503");
    assert_eq!(failing.calls_async().await, 3);
    let second = client(&server)
        .create_webhook(webhook_body())
        .idempotency_key("hook-7")
        .retry_policy(quick(2))
        .await
        .expect_err("always 503");
    assert_eq!(failing.calls_async().await, 5);
    for error in [first, second] {
        assert_eq!(error.idempotency_key(), Some("hook-7"), "{error:?}");
    }
}

#[tokio::test]
async fn a_walk_carries_its_own_retry_policy_to_every_page() {
    let server = MockServer::start_async().await;
    let mut first = fixture("list_email_logs");
    first["pagination"] = json!({"has_more": true, "next_cursor": "cur_2"});
    let first_page = server
        .mock_async(|when, then| {
            expect(when, GET, "/emails/logs").query_param_missing("cursor");
            then.status(200).json_body(first);
        })
        .await;
    let second_page = server
        .mock_async(|when, then| {
            expect(when, GET, "/emails/logs").query_param("cursor", "cur_2");
            then.status(503).json_body(
                json!({"ok": false, "error": {"code": "service_unavailable", "message": "busy"}}),
            );
        })
        .await;
    // Options and parameters in any order before the walk starts.
    let items = client(&server)
        .list_email_logs()
        .retry_policy(quick(3))
        .limit(10)
        .items()
        .try_collect::<Vec<_>>()
        .await;
    assert!(items.is_err());
    assert_eq!(first_page.calls_async().await, 1);
    assert_eq!(second_page.calls_async().await, 3);

    let pages = client(&server)
        .list_email_logs()
        .limit(10)
        .retry_policy(quick(2))
        .pages()
        .try_collect::<Vec<_>>()
        .await;
    assert!(pages.is_err());
    assert_eq!(second_page.calls_async().await, 5);
}

#[tokio::test]
async fn a_conditional_fetch_keeps_the_other_settings() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            expect(when, GET, "/mailboxes/mbx_1").header("if-none-match", "W/\"1\"");
            then.status(503).json_body(
                json!({"ok": false, "error": {"code": "service_unavailable", "message": "busy"}}),
            );
        })
        .await;
    let result = client(&server)
        .get_mailbox("mbx_1")
        .retry_policy(quick(2))
        .if_changed("W/\"1\"")
        .await;
    assert!(result.is_err());
    assert_eq!(mock.calls_async().await, 2);
}
