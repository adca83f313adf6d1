//! Walking cursor-paginated lists: pages, items, filters, caps, resumption and the guards.

mod common;

use std::time::Duration;

use common::{client, expect, fixture, page_size};
use futures::{StreamExt, TryStreamExt};
use httpmock::Method::GET;
use httpmock::{Mock, MockServer, When};
use sendmux_management::{types, Error};
use serde_json::{json, Value};

/// A page of `/emails/logs` holding the given ids.
fn page(ids: &[&str], next: Option<&str>) -> Value {
    let template = fixture("list_email_logs")["data"][0].clone();
    let data: Vec<Value> = ids
        .iter()
        .map(|id| {
            let mut item = template.clone();
            item["id"] = json!(id);
            item
        })
        .collect();
    let mut body = json!({
        "ok": true,
        "data": data,
        "pagination": {"has_more": next.is_some()},
        "meta": {"request_id": "req_page"}
    });
    if let Some(next) = next {
        body["pagination"]["next_cursor"] = json!(next);
    }
    common::contract::check("list_email_logs", 200, &body);
    body
}

/// Serves `body` for the page at `cursor` (`None`: the first page), when `refine` matches too.
async fn serve<'a>(
    server: &'a MockServer,
    cursor: Option<&str>,
    body: Value,
    refine: impl FnOnce(When) -> When,
) -> Mock<'a> {
    server
        .mock_async(|when, then| {
            let when = expect(when, GET, "/emails/logs");
            let when = match cursor {
                Some(cursor) => when.query_param("cursor", cursor),
                None => when.query_param_missing("cursor"),
            };
            refine(when);
            then.status(200).json_body(body);
        })
        .await
}

fn ids(items: &[types::DeliveryLogItem]) -> Vec<&str> {
    items.iter().map(|item| item.id.as_str()).collect()
}

#[tokio::test]
async fn items_walk_every_page_in_order_keeping_filters_and_page_size() {
    let server = MockServer::start_async().await;
    let filters = |w: When| w.query_param("status", "failed").query_param("limit", "2");
    let p1 = serve(&server, None, page(&["a", "b"], Some("c2")), filters).await;
    let p2 = serve(&server, Some("c2"), page(&["c", "d"], Some("c3")), filters).await;
    let p3 = serve(&server, Some("c3"), page(&["e"], None), filters).await;

    let items: Vec<_> = client(&server)
        .list_email_logs()
        .status(types::DeliveryStatus::Failed)
        .limit(page_size(2))
        .items()
        .try_collect()
        .await
        .expect("walk");
    assert_eq!(ids(&items), ["a", "b", "c", "d", "e"]);
    for mock in [p1, p2, p3] {
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn pages_carry_their_metadata_and_the_cursor_to_resume_from() {
    let server = MockServer::start_async().await;
    serve(&server, None, page(&["a"], Some("c2")), |w| w).await;
    serve(&server, Some("c2"), page(&["b"], None), |w| w).await;

    let pages: Vec<_> = client(&server)
        .list_email_logs()
        .pages()
        .try_collect()
        .await
        .expect("walk");
    assert_eq!(pages.len(), 2);
    let first = pages[0].pagination.as_ref().unwrap();
    assert_eq!(first.next_cursor.as_deref(), Some("c2"));
    assert!(!pages[1].pagination.as_ref().unwrap().has_more);
    assert_eq!(pages[0].request_id.as_deref(), Some("req_page"));
}

#[tokio::test]
async fn a_walk_resumes_from_a_saved_cursor() {
    let server = MockServer::start_async().await;
    let first = serve(&server, None, page(&["a"], Some("c2")), |w| w).await;
    serve(&server, Some("c2"), page(&["b"], Some("c3")), |w| w).await;
    serve(&server, Some("c3"), page(&["c"], None), |w| w).await;

    let items: Vec<_> = client(&server)
        .list_email_logs()
        .cursor("c2")
        .items()
        .try_collect()
        .await
        .expect("walk");
    assert_eq!(ids(&items), ["b", "c"]);
    first.assert_calls_async(0).await;
}

#[tokio::test]
async fn a_cap_stops_the_walk_without_fetching_beyond_it() {
    let server = MockServer::start_async().await;
    serve(&server, None, page(&["a", "b"], Some("c2")), |w| w).await;
    let second = serve(&server, Some("c2"), page(&["c", "d"], Some("c3")), |w| w).await;
    let third = serve(&server, Some("c3"), page(&["e", "f"], None), |w| w).await;

    let items: Vec<_> = client(&server)
        .list_email_logs()
        .items()
        .max_items(3)
        .try_collect()
        .await
        .expect("walk");
    assert_eq!(ids(&items), ["a", "b", "c"]);
    second.assert_calls_async(1).await;
    third.assert_calls_async(0).await;
}

#[tokio::test]
async fn a_repeated_cursor_ends_the_walk_with_an_error() {
    let server = MockServer::start_async().await;
    serve(&server, None, page(&["a"], Some("c2")), |w| w).await;
    let looping = serve(&server, Some("c2"), page(&["b"], Some("c2")), |w| w).await;

    let results: Vec<_> = client(&server).list_email_logs().items().collect().await;
    assert_eq!(results.len(), 3, "two items then the error");
    assert_eq!(results[1].as_ref().unwrap().id, "b");
    let error = results[2].as_ref().unwrap_err();
    assert!(matches!(error, Error::Decode(_)), "{error:?}");
    assert!(error.to_string().contains("repeated a cursor"), "{error}");
    looping.assert_calls_async(1).await;
}

#[tokio::test]
async fn has_more_without_a_cursor_ends_the_walk_with_an_error() {
    let server = MockServer::start_async().await;
    let mut body = page(&["a"], None);
    body["pagination"]["has_more"] = json!(true);
    serve(&server, None, body, |w| w).await;

    let results: Vec<_> = client(&server).list_email_logs().items().collect().await;
    assert_eq!(results.len(), 2);
    assert!(results[1]
        .as_ref()
        .unwrap_err()
        .to_string()
        .contains("no next_cursor"));
}

#[tokio::test]
async fn an_error_mid_walk_is_yielded_then_the_stream_ends() {
    let server = MockServer::start_async().await;
    serve(&server, None, page(&["a", "b"], Some("c2")), |w| w).await;
    let answer = json!({
        "ok": false,
        "error": {"code": "insufficient_permissions", "message": "Needs logs.read.", "retryable": false},
        "meta": {"request_id": "req_403"}
    });
    common::contract::check("list_email_logs", 403, &answer);
    server
        .mock_async(|when, then| {
            expect(when, GET, "/emails/logs").query_param("cursor", "c2");
            then.status(403).json_body(answer);
        })
        .await;

    let results: Vec<_> = client(&server).list_email_logs().items().collect().await;
    assert_eq!(results.len(), 3);
    assert!(results[0].is_ok() && results[1].is_ok());
    let error = results[2].as_ref().unwrap_err();
    assert_eq!(error.status(), Some(403));
    assert_eq!(error.request_id(), Some("req_403"));
}

async fn wait_for_calls(mock: &Mock<'_>, calls: usize) {
    for _ in 0..200 {
        if mock.calls_async().await >= calls {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("expected {calls} calls, saw {}", mock.calls_async().await);
}

#[tokio::test]
async fn the_next_page_is_requested_ahead_but_never_two() {
    let server = MockServer::start_async().await;
    serve(&server, None, page(&["a"], Some("c2")), |w| w).await;
    let second = serve(&server, Some("c2"), page(&["b"], Some("c3")), |w| w).await;
    let third = serve(&server, Some("c3"), page(&["c"], None), |w| w).await;

    let client = client(&server);
    let mut pages = client.list_email_logs().pages();
    let first = pages.next().await.unwrap().unwrap();
    assert_eq!(first.data[0].id, "a");
    // While the first page is being used, the second is already on its way...
    wait_for_calls(&second, 1).await;
    // ...and nothing further is asked for until the second is taken.
    tokio::time::sleep(Duration::from_millis(50)).await;
    third.assert_calls_async(0).await;

    assert_eq!(pages.next().await.unwrap().unwrap().data[0].id, "b");
    wait_for_calls(&third, 1).await;
    assert_eq!(pages.next().await.unwrap().unwrap().data[0].id, "c");
    assert!(pages.next().await.is_none());
}

#[tokio::test]
async fn without_prefetch_pages_are_requested_on_demand() {
    let server = MockServer::start_async().await;
    serve(&server, None, page(&["a"], Some("c2")), |w| w).await;
    let second = serve(&server, Some("c2"), page(&["b"], None), |w| w).await;

    let client = client(&server);
    let mut pages = client.list_email_logs().pages().prefetch(false);
    pages.next().await.unwrap().unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    second.assert_calls_async(0).await;
    pages.next().await.unwrap().unwrap();
    second.assert_calls_async(1).await;
}

#[tokio::test]
async fn dropping_a_walk_cancels_it() {
    let server = MockServer::start_async().await;
    serve(&server, None, page(&["a"], Some("c2")), |w| w).await;
    let slow = server
        .mock_async(|when, then| {
            expect(when, GET, "/emails/logs").query_param("cursor", "c2");
            then.status(200)
                .delay(Duration::from_millis(300))
                .json_body(page(&["b"], Some("c3")));
        })
        .await;
    let third = serve(&server, Some("c3"), page(&["c"], None), |w| w).await;

    let client = client(&server);
    let mut items = client.list_email_logs().items();
    assert_eq!(items.next().await.unwrap().unwrap().id, "a");
    wait_for_calls(&slow, 1).await;
    drop(items);
    // The slow answer arrives to no one, and nothing follows it.
    tokio::time::sleep(Duration::from_millis(500)).await;
    slow.assert_calls_async(1).await;
    third.assert_calls_async(0).await;
}
