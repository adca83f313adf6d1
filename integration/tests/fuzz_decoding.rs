//! Bad responses never panic: arbitrary bytes, truncated and mutated JSON, huge numbers, deep
//! nesting and wrong content types, under any status, all end in a value or a typed error.
//!
//! CI runs a few hundred cases. For a long run (the case count sets the duration):
//!
//! ```sh
//! PROPTEST_CASES=500000 cargo test --release -p sendmux-management-integration --test fuzz_decoding \
//!     -- --nocapture
//! ```

mod common;

use std::io::{BufRead, BufReader, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use common::{fixture, TOKEN};
use proptest::prelude::*;
use sendmux_management::{Client, Error, RetryPolicy};

/// What the server answers next.
#[derive(Clone, Debug)]
struct Answer {
    status: u16,
    content_type: Option<&'static str>,
    body: Vec<u8>,
}

struct Harness {
    runtime: tokio::runtime::Runtime,
    client: Client,
    next: Arc<Mutex<Answer>>,
    runs: AtomicU64,
    started: Instant,
}

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        let next = Arc::new(Mutex::new(Answer {
            status: 200,
            content_type: None,
            body: Vec::new(),
        }));
        let url = serve(next.clone());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let client = runtime.block_on(async {
            Client::builder()
                .api_key(TOKEN)
                .base_url(url)
                .retry_policy(RetryPolicy::none())
                .max_response_bytes(256 * 1024)
                .build()
                .unwrap()
        });
        Harness {
            runtime,
            client,
            next,
            runs: AtomicU64::new(0),
            started: Instant::now(),
        }
    })
}

/// Answers every request with the scripted answer, closing the connection after it.
fn serve(next: Arc<Mutex<Answer>>) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
                line.clear();
            }
            let answer = next.lock().unwrap().clone();
            let bodiless = matches!(answer.status, 204 | 304);
            let mut head = format!("HTTP/1.1 {} X\r\nconnection: close\r\n", answer.status);
            if let Some(content_type) = answer.content_type {
                head.push_str(&format!("content-type: {content_type}\r\n"));
            }
            let body: &[u8] = if bodiless { &[] } else { &answer.body };
            head.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body);
        }
    });
    url
}

fn statuses() -> impl Strategy<Value = u16> {
    prop_oneof![
        3 => Just(200u16),
        1 => Just(201u16),
        1 => Just(204u16),
        1 => Just(304u16),
        1 => prop::sample::select(vec![301u16, 302, 400, 401, 404, 409, 413, 422, 429, 500, 502, 503]),
        1 => 200u16..600,
    ]
}

fn content_types() -> impl Strategy<Value = Option<&'static str>> {
    prop::sample::select(vec![
        Some("application/json"),
        Some("application/json; charset=utf-8"),
        Some("text/html"),
        Some("text/plain"),
        Some("application/xml"),
        None,
    ])
}

const FIXTURES: [&str; 4] = ["get_domain", "list_email_logs", "get_me", "create_webhook"];

/// A fixture with one value, somewhere in it, replaced.
fn mutate(mut value: serde_json::Value, pick: usize, replacement: serde_json::Value) -> Vec<u8> {
    fn pointers(value: &serde_json::Value, at: String, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, child) in map {
                    let key = key.replace('~', "~0").replace('/', "~1");
                    pointers(child, format!("{at}/{key}"), out);
                }
            }
            serde_json::Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    pointers(child, format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
        out.push(at);
    }
    let mut all = Vec::new();
    pointers(&value, String::new(), &mut all);
    if let Some(slot) = value.pointer_mut(&all[pick % all.len()]) {
        *slot = replacement;
    }
    serde_json::to_vec(&value).unwrap()
}

fn odd_values() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::json;
    prop_oneof![
        Just(json!(null)),
        Just(json!(-1)),
        Just(json!(u64::MAX)),
        Just(json!(1e308)),
        Just(json!("18446744073709551616")),
        Just(json!("2026-13-45T99:99:99Z")),
        Just(json!([])),
        Just(json!({})),
        Just(json!(true)),
        ".{0,40}".prop_map(serde_json::Value::from),
    ]
}

fn bodies() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..2048),
        (0..FIXTURES.len(), any::<prop::sample::Index>()).prop_map(|(f, cut)| {
            let text = serde_json::to_vec(&fixture(FIXTURES[f])).unwrap();
            text[..cut.index(text.len() + 1)].to_vec()
        }),
        (0..FIXTURES.len(), any::<usize>(), odd_values()).prop_map(|(f, pick, value)| mutate(
            fixture(FIXTURES[f]),
            pick,
            value
        )),
        (1usize..200_000, prop::bool::ANY).prop_map(|(depth, objects)| {
            let (open, close) = if objects {
                ("{\"a\":", "}")
            } else {
                ("[", "]")
            };
            let mut text = open.repeat(depth);
            text.push('1');
            text.push_str(&close.repeat(depth));
            text.into_bytes()
        }),
        Just(b"1e999999".to_vec()),
        Just(br#"{"ok":true,"data":{"balance":1e999999}}"#.to_vec()),
    ]
}

/// Sends one request of the kind `which` and classifies the outcome.
async fn exercise(client: &Client, which: usize) -> Result<(), Error> {
    match which % 4 {
        0 => client.get_domain("mdom_1").await.map(drop),
        1 => client.list_email_logs().await.map(drop),
        2 => client.get_domain_zone_file("mdom_1").await.map(drop),
        _ => client
            .get_webhook("whk_1")
            .if_changed("W/\"x\"")
            .await
            .map(drop),
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(300),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn any_response_ends_in_a_value_or_a_typed_error(
        status in statuses(),
        content_type in content_types(),
        body in bodies(),
        which in 0usize..4,
    ) {
        let harness = harness();
        *harness.next.lock().unwrap() = Answer { status, content_type, body };
        let outcome = harness.runtime.block_on(async {
            tokio::time::timeout(Duration::from_secs(10), exercise(&harness.client, which)).await
        });
        prop_assert!(outcome.is_ok(), "the call hung");
        if let Ok(Err(error)) = &outcome {
            // Every error renders, and says which status it came from when there was one.
            prop_assert!(!error.to_string().is_empty());
        }
        let runs = harness.runs.fetch_add(1, Ordering::Relaxed) + 1;
        if runs.is_multiple_of(50_000) {
            eprintln!("{runs} responses decoded in {:?}", harness.started.elapsed());
        }
    }
}
