//! Shared helpers: a client pointed at a loopback mock, fixtures and JSON comparison.
#![allow(dead_code)]

pub mod contract;

use httpmock::{Method, Mock, MockServer, When};
use sendmux_management::{Client, Error, Response, RetryPolicy};
use serde::Serialize;
use serde_json::Value;

pub const TOKEN: &str = "smx_root_test_9c1f7a";

/// A client for `server` that does not retry, so that every answer the mock gives is the one
/// the test sees. Retries have tests of their own.
pub fn client(server: &MockServer) -> Client {
    Client::builder()
        .api_key(TOKEN)
        .base_url(server.base_url())
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client")
}

/// A response body from `tests/fixtures/<name>.json`.
pub fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// What every request must carry: the method and path, the bearer token, and no stray header.
pub fn expect(when: When, method: Method, path: &str) -> When {
    when.method(method)
        .path(path)
        .header("authorization", format!("Bearer {TOKEN}"))
        .header_missing("api-version")
}

/// Stubs one operation answering `status` with the fixture named after it, once `refine` also
/// matches the request. Returns the mock, to check it was hit, and the body it serves.
pub async fn stub<'a>(
    server: &'a MockServer,
    method: Method,
    path: &str,
    status: u16,
    operation: &str,
    refine: impl FnOnce(When) -> When,
) -> (Mock<'a>, Value) {
    let body = fixture(operation);
    contract::check(operation, status, &body);
    let served = body.clone();
    let mock = server
        .mock_async(|when, then| {
            refine(expect(when, method, path));
            then.status(status)
                .header("content-type", "application/json")
                .header("x-request-id", "req_cm7h2k9x4q1v8r3t6n5w0z2y")
                .json_body(served);
        })
        .await;
    (mock, body)
}

/// The request matched exactly once, and the response holds everything the body held: the
/// typed `data`, the request id and, on lists, the pagination.
pub async fn finish<T: Serialize>(
    mock: Mock<'_>,
    result: Result<Response<T>, Error>,
    body: &Value,
    status: u16,
) -> Response<T> {
    mock.assert_async().await;
    let response = result.unwrap_or_else(|e| panic!("operation failed: {e}"));
    assert_eq!(response.http_status, status);
    assert_same_json(&response.data, &body["data"]);
    assert_eq!(
        response.request_id.as_deref(),
        body["meta"]["request_id"].as_str()
    );
    match body.get("pagination") {
        Some(pagination) => {
            let got = response.pagination.as_ref().expect("pagination");
            assert_eq!(got.has_more, pagination["has_more"]);
            assert_eq!(
                got.next_cursor.as_deref(),
                pagination["next_cursor"].as_str()
            );
        }
        None => assert!(response.pagination.is_none()),
    }
    response
}

/// `actual`, serialised again, equals `expected`; numbers compare by value (`3` equals `3.0`).
pub fn assert_same_json(actual: &impl Serialize, expected: &Value) {
    let actual = serde_json::to_value(actual).expect("serialise");
    if let Err(at) = same(&actual, expected, String::new()) {
        panic!("decoded value differs at {at}\n  decoded:  {actual}\n  expected: {expected}");
    }
}

fn same(a: &Value, b: &Value, at: String) -> Result<(), String> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.as_f64() == y.as_f64() => Ok(()),
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<_> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                match (x.get(k), y.get(k)) {
                    (Some(p), Some(q)) => same(p, q, format!("{at}/{k}"))?,
                    _ => return Err(format!("{at}/{k} (present on one side only)")),
                }
            }
            Ok(())
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .try_for_each(|(i, (p, q))| same(p, q, format!("{at}/{i}"))),
        _ if a == b => Ok(()),
        _ => Err(if at.is_empty() { "/".into() } else { at }),
    }
}

/// A mock matching any request, for tests asserting that nothing was sent (`calls == 0`).
pub async fn any_request(server: &MockServer) -> Mock<'_> {
    server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200);
        })
        .await
}

pub fn page_size(n: u64) -> std::num::NonZeroU64 {
    std::num::NonZeroU64::new(n).expect("non-zero")
}
