//! Whatever string is passed as an id reaches the server as exactly that one segment of exactly
//! its operation's path, or the call fails with `InvalidRequest` before anything is sent. A raw
//! loopback server records the request line as it arrived on the wire, for every operation with
//! a path parameter.

mod common;

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use common::TOKEN;
use percent_encoding::percent_decode_str;
use proptest::prelude::*;
use sendmux_management::{types, Client, Error, RetryPolicy};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

type Call = Pin<Box<dyn Future<Output = Result<(), Error>> + Send>>;

fn body<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> T {
    serde_json::from_value(value).expect("a valid request body")
}

/// Sends operation `id` with `ids` as its path parameters, in template order.
fn call(client: &Client, operation: &str, ids: &[String]) -> Call {
    let client = client.clone();
    let ids = ids.to_vec();
    let filters = || body::<types::SetFilterStateBody>(json!({"mode": "denylist", "rules": []}));
    let operation = operation.to_owned();
    Box::pin(async move {
        let a = ids[0].as_str();
        let b = ids.get(1).map_or("", String::as_str);
        let c = &client;
        match operation.as_str() {
            "delete_domain" => c.delete_domain(a).await.map(drop),
            "get_domain" => c.get_domain(a).await.map(drop),
            "update_domain" => c
                .update_domain(
                    a,
                    body::<types::UpdateDomainBody>(json!({"mode": "send_receive"})),
                )
                .await
                .map(drop),
            "get_domain_filters" => c.get_domain_filters(a).await.map(drop),
            "set_domain_filters" => c.set_domain_filters(a, filters()).await.map(drop),
            "verify_domain" => c.verify_domain(a).await.map(drop),
            "get_domain_zone_file" => c.get_domain_zone_file(a).await.map(drop),
            "get_email_log" => c.get_email_log(a).await.map(drop),
            "get_inbox_log" => c.get_inbox_log(a).await.map(drop),
            "delete_mailbox" => c.delete_mailbox(a).await.map(drop),
            "get_mailbox" => c.get_mailbox(a).await.map(drop),
            "update_mailbox" => c
                .update_mailbox(a, body::<types::UpdateMailboxBody>(json!({})))
                .await
                .map(drop),
            "get_mailbox_filters" => c.get_mailbox_filters(a).await.map(drop),
            "set_mailbox_filters" => c.set_mailbox_filters(a, filters()).await.map(drop),
            "create_mailbox_key" => c
                .create_mailbox_key(
                    a,
                    body::<types::CreateMailboxKeyBody>(json!({"app_name": "x"})),
                )
                .await
                .map(drop),
            "delete_mailbox_key" => c.delete_mailbox_key(a, b).await.map(drop),
            "resume_mailbox" => c.resume_mailbox(a).await.map(drop),
            "suspend_mailbox" => c.suspend_mailbox(a).await.map(drop),
            "delete_provider" => c.delete_provider(a).await.map(drop),
            "get_provider" => c.get_provider(a).await.map(drop),
            "update_provider" => c
                .update_provider(a, body::<types::ProviderUpdateBody>(json!({})))
                .await
                .map(drop),
            "activate_provider" => c.activate_provider(a).await.map(drop),
            "deactivate_provider" => c.deactivate_provider(a).await.map(drop),
            "test_provider" => c.test_provider(a).await.map(drop),
            "cancel_shared_ses_limit_request" => {
                c.cancel_shared_ses_limit_request(a).await.map(drop)
            }
            "delete_webhook" => c.delete_webhook(a).await.map(drop),
            "get_webhook" => c.get_webhook(a).await.map(drop),
            "update_webhook" => c
                .update_webhook(a, body::<types::WebhookUpdateBody>(json!({})))
                .await
                .map(drop),
            "list_webhook_deliveries" => c.list_webhook_deliveries(a).await.map(drop),
            "get_webhook_delivery_payload" => c.get_webhook_delivery_payload(a, b).await.map(drop),
            "rotate_webhook_secret" => c.rotate_webhook_secret(a).await.map(drop),
            "test_webhook" => c.test_webhook(a).await.map(drop),
            other => panic!("no call for {other}: add one to this table"),
        }
    })
}

/// An operation of the spec with path parameters.
#[derive(Clone, Debug)]
struct Templated {
    id: String,
    method: String,
    path: String,
    parameters: usize,
}

fn templated_operations() -> Vec<Templated> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml");
    let spec: serde_json::Value =
        serde_norway::from_str(&std::fs::read_to_string(path).expect("spec")).expect("yaml");
    let mut found = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        if !path.contains('{') {
            continue;
        }
        for (method, operation) in item.as_object().expect("path item") {
            let Some(id) = operation["operationId"].as_str() else {
                continue;
            };
            found.push(Templated {
                id: id.to_owned(),
                method: method.to_uppercase(),
                path: path.clone(),
                parameters: path.matches('{').count(),
            });
        }
    }
    found
}

/// Records the request line of every request, answers 404 and closes the connection.
async fn recording_server() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}/api/v1", listener.local_addr().expect("addr"));
    let lines = Arc::new(Mutex::new(Vec::new()));
    let recorded = lines.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let lines = recorded.clone();
            tokio::spawn(async move {
                let mut stream = BufReader::new(stream);
                let mut line = String::new();
                if stream.read_line(&mut line).await.unwrap_or(0) == 0 {
                    return;
                }
                lines.lock().unwrap().push(line.trim_end().to_owned());
                let mut length = 0usize;
                loop {
                    let mut header = String::new();
                    if stream.read_line(&mut header).await.unwrap_or(0) == 0 || header == "\r\n" {
                        break;
                    }
                    let lower = header.to_ascii_lowercase();
                    if let Some(value) = lower.strip_prefix("content-length:") {
                        length = value.trim().parse().unwrap_or(0);
                    }
                }
                let mut sent = vec![0; length];
                let _ = stream.read_exact(&mut sent).await;
                let answer = r#"{"ok":false,"error":{"code":"not_found","message":"no such resource","retryable":false,"param":null,"doc_url":null,"errors":[]},"meta":{"request_id":"req_1"}}"#;
                let response = format!(
                    "HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\n\
                     content-length: {}\r\nconnection: close\r\n\r\n{answer}",
                    answer.len()
                );
                let _ = stream.get_mut().write_all(response.as_bytes()).await;
                let _ = stream.get_mut().shutdown().await;
            });
        }
    });
    (base, lines)
}

/// Checks a request line against the template filled with `ids`.
fn check_line(line: &str, operation: &Templated, ids: &[String]) -> Result<(), String> {
    let mut words = line.split(' ');
    let (method, target, version) = (words.next(), words.next(), words.next());
    if method != Some(operation.method.as_str()) || version != Some("HTTP/1.1") {
        return Err(format!("unexpected request line {line:?}"));
    }
    let target = target.unwrap_or_default();
    if target.contains('?') || target.contains('#') {
        return Err(format!("{target:?} carries a query or fragment"));
    }
    if let Some(bad) = target
        .bytes()
        .find(|b| !(b.is_ascii_alphanumeric() || b"-._~%/{}".contains(b)))
    {
        return Err(format!("{target:?} carries {:?} unencoded", bad as char));
    }
    let rest = target
        .strip_prefix("/api/v1")
        .ok_or_else(|| format!("{target:?} left the base path"))?;
    let sent: Vec<&str> = rest.split('/').collect();
    let expected: Vec<&str> = operation.path.split('/').collect();
    if sent.len() != expected.len() {
        return Err(format!(
            "{target:?} does not have the shape of {}",
            operation.path
        ));
    }
    let mut ids = ids.iter();
    for (got, want) in sent.iter().zip(&expected) {
        if want.starts_with('{') {
            let id = ids.next().expect("an id per parameter");
            if percent_decode_str(got).collect::<Vec<u8>>() != id.as_bytes() {
                return Err(format!("segment {got:?} is not the id {id:?}"));
            }
        } else if got != want {
            return Err(format!("segment {got:?} where {want:?} belongs"));
        }
    }
    Ok(())
}

/// Strings built to move a request elsewhere, mixed with plain and arbitrary ones.
fn hostile_id() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just(".".to_owned()),
        Just("..".to_owned()),
        Just("\\".to_owned()),
        Just("/".to_owned()),
        Just("?".to_owned()),
        Just("#".to_owned()),
        Just("%".to_owned()),
        Just("%2e".to_owned()),
        Just("%2E".to_owned()),
        Just(".%2e".to_owned()),
        Just("%5c".to_owned()),
        Just("%2F".to_owned()),
        Just(";".to_owned()),
        Just("\0".to_owned()),
        Just("\r\n".to_owned()),
        Just("\t".to_owned()),
        Just(" ".to_owned()),
        Just("mbx_victim".to_owned()),
        Just("keys".to_owned()),
        Just("\u{FF0F}".to_owned()),
        Just("\u{FF0E}".to_owned()),
        Just("é".to_owned()),
        "[a-z_0-9]{1,4}",
    ];
    prop_oneof![
        3 => proptest::collection::vec(piece, 0..8).prop_map(|p| p.concat()),
        1 => any::<String>(),
        1 => "[a-z]{2,4}_[a-zA-Z0-9]{1,12}",
    ]
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

fn client(base: &str) -> Client {
    Client::builder()
        .api_key(TOKEN)
        .base_url(base)
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client")
}

/// Sends one call and returns what reached the server.
fn exchange(
    runtime: &tokio::runtime::Runtime,
    client: &Client,
    lines: &Mutex<Vec<String>>,
    operation: &Templated,
    ids: &[String],
) -> (Result<(), Error>, Vec<String>) {
    lines.lock().unwrap().clear();
    let result = runtime.block_on(call(client, &operation.id, ids));
    (result, std::mem::take(&mut *lines.lock().unwrap()))
}

#[test]
fn every_operation_with_path_parameters_has_a_call() {
    let operations = templated_operations();
    assert!(operations.len() >= 30, "{} operations", operations.len());
    let runtime = runtime();
    let (base, lines) = runtime.block_on(recording_server());
    let client = client(&base);
    for operation in &operations {
        let ids: Vec<String> = (0..operation.parameters)
            .map(|i| format!("id_{i}"))
            .collect();
        let (result, sent) = exchange(&runtime, &client, &lines, operation, &ids);
        assert_eq!(sent.len(), 1, "{}: {result:?}", operation.id);
        check_line(&sent[0], operation, &ids).unwrap_or_else(|e| panic!("{}: {e}", operation.id));
    }
}

#[test]
fn the_reported_retargetings_stay_in_their_segment() {
    let operations = templated_operations();
    let runtime = runtime();
    let (base, lines) = runtime.block_on(recording_server());
    let client = client(&base);
    for (id, ids) in [
        (
            "delete_mailbox_key",
            &["mbx_own", r"..\..\mbx_victim\keys\key_v"][..],
        ),
        ("get_mailbox", &[r"mbx_own\..\mbx_victim"][..]),
        ("rotate_webhook_secret", &[r"whk_own\..\whk_victim"][..]),
        (
            "get_webhook_delivery_payload",
            &["whk_own", r"..\..\whk_victim\deliveries\d"][..],
        ),
    ] {
        let operation = operations.iter().find(|o| o.id == id).expect("in the spec");
        let ids: Vec<String> = ids.iter().map(|s| (*s).to_owned()).collect();
        let (result, sent) = exchange(&runtime, &client, &lines, operation, &ids);
        assert_eq!(sent.len(), 1, "{id}: {result:?}");
        check_line(&sent[0], operation, &ids).unwrap_or_else(|e| panic!("{id}: {e}"));
    }
}

#[test]
fn an_id_too_long_for_a_url_is_an_invalid_request() {
    let operations = templated_operations();
    let operation = operations
        .iter()
        .find(|o| o.id == "get_mailbox")
        .expect("in the spec");
    let runtime = runtime();
    let (base, lines) = runtime.block_on(recording_server());
    let client = client(&base);
    for id in ["a".repeat(70_000), r"\".repeat(30_000), "é".repeat(20_000)] {
        let (result, sent) = exchange(&runtime, &client, &lines, operation, &[id]);
        assert!(
            matches!(result, Err(Error::InvalidRequest(_))),
            "{result:?}"
        );
        assert!(sent.is_empty());
    }
}

type Setup = (
    tokio::runtime::Runtime,
    Client,
    Arc<Mutex<Vec<String>>>,
    Vec<Templated>,
);

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_id_arrives_as_exactly_its_segment(
        pick in any::<prop::sample::Index>(),
        first in hostile_id(),
        second in hostile_id(),
    ) {
        thread_local! {
            static SETUP: Setup = {
                let runtime = runtime();
                let (base, lines) = runtime.block_on(recording_server());
                let client = client(&base);
                (runtime, client, lines, templated_operations())
            };
        }
        let operation = SETUP.with(|setup| pick.get(&setup.3).clone());
        let ids: Vec<String> = [first, second].into_iter().take(operation.parameters).collect();
        let (result, sent) = SETUP.with(|(runtime, client, lines, _)| {
            exchange(runtime, client, lines, &operation, &ids)
        });
        let dot_or_empty = ids.iter().any(|id| matches!(id.as_str(), "" | "." | ".."));
        match result {
            Err(Error::InvalidRequest(_)) => {
                prop_assert!(sent.is_empty(), "refused, yet sent {sent:?}");
                prop_assert!(dot_or_empty, "{} refused {ids:?}", operation.id);
            }
            other => {
                prop_assert!(!dot_or_empty, "{} sent {ids:?}: {other:?} {sent:?}", operation.id);
                prop_assert_eq!(sent.len(), 1, "{}: {:?}", operation.id, other);
                if let Err(e) = check_line(&sent[0], &operation, &ids) {
                    return Err(TestCaseError::fail(format!("{}: {e}", operation.id)));
                }
            }
        }
    }
}
