//! Exactly-once creates through faults: a loopback server that deduplicates creates by
//! `Idempotency-Key`, and either answers 503, answers 429, or commits the create and then drops
//! the connection without answering. A thousand creates must leave a thousand resources, with no
//! duplicate: with one fault per key no error reaches the caller; with faults falling at random
//! on any attempt, a caller that re-submits a failed create with the key its error reports still
//! makes exactly one resource.

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{fixture, TOKEN};
use futures::StreamExt;
use sendmux_management::{types, Client, RetryPolicy};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

const CREATES: usize = 1_000;

#[derive(Default)]
struct Store {
    /// Idempotency key → id of the webhook it created.
    by_key: Mutex<HashMap<String, String>>,
    /// Keys seen at least once: each key meets at most one fault, as a real outage passes.
    seen: Mutex<std::collections::HashSet<String>>,
    requests: AtomicUsize,
    faults: AtomicUsize,
    /// Faults fall at random on every attempt, a key's first or not, from this seed.
    random: Option<Mutex<fastrand::Rng>>,
}

/// 10 % dropped after commit, 5 % 503, 5 % 429.
fn random_fault(rng: &mut fastrand::Rng) -> Option<Fault> {
    match rng.u32(0..100) {
        0..10 => Some(Fault::DropAfterCommit),
        10..15 => Some(Fault::Unavailable),
        15..20 => Some(Fault::RateLimited),
        _ => None,
    }
}

enum Fault {
    Unavailable,
    RateLimited,
    DropAfterCommit,
}

fn fault_for(sighting: usize) -> Option<Fault> {
    match sighting % 10 {
        1 => Some(Fault::Unavailable),
        4 => Some(Fault::RateLimited),
        7 => Some(Fault::DropAfterCommit),
        _ => None,
    }
}

async fn serve(listener: TcpListener, store: Arc<Store>) {
    let template = fixture("create_webhook");
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            return;
        };
        let store = store.clone();
        let template = template.clone();
        tokio::spawn(async move {
            let _ = connection(stream, store, template).await;
        });
    }
}

async fn connection(
    stream: TcpStream,
    store: Arc<Store>,
    template: serde_json::Value,
) -> std::io::Result<()> {
    let mut stream = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if stream.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let mut key = None;
        let mut length = 0;
        loop {
            let mut header = String::new();
            stream.read_line(&mut header).await?;
            if header == "\r\n" || header.is_empty() {
                break;
            }
            let (name, value) = header.split_once(':').unwrap_or((&header, ""));
            match name.to_ascii_lowercase().as_str() {
                "idempotency-key" => key = Some(value.trim().to_owned()),
                "content-length" => length = value.trim().parse().unwrap_or(0),
                _ => {}
            }
        }
        let mut body = vec![0; length];
        stream.read_exact(&mut body).await?;
        let sighting = store.requests.fetch_add(1, Ordering::SeqCst) + 1;

        let Some(key) = key else {
            respond(&mut stream, 400, "", "{}").await?;
            continue;
        };
        let first_sighting = store.seen.lock().unwrap().insert(key.clone());
        let fault = match &store.random {
            Some(rng) => random_fault(&mut rng.lock().unwrap()),
            None if first_sighting => fault_for(sighting),
            None => None,
        };
        let id = {
            let mut by_key = store.by_key.lock().unwrap();
            match (by_key.get(&key), &fault) {
                (Some(id), _) => id.clone(),
                (None, Some(Fault::Unavailable | Fault::RateLimited)) => String::new(),
                (None, _) => {
                    let id = format!("whk_{}", by_key.len() + 1);
                    by_key.insert(key.clone(), id.clone());
                    id
                }
            }
        };
        match fault {
            Some(Fault::Unavailable) => {
                store.faults.fetch_add(1, Ordering::SeqCst);
                respond(&mut stream, 503, "retry-after: 0\r\n", "{}").await?;
                continue;
            }
            Some(Fault::RateLimited) => {
                store.faults.fetch_add(1, Ordering::SeqCst);
                respond(&mut stream, 429, "retry-after: 0\r\n", "{}").await?;
                continue;
            }
            Some(Fault::DropAfterCommit) => {
                store.faults.fetch_add(1, Ordering::SeqCst);
                return Ok(());
            }
            None => {}
        }
        let mut envelope = template.clone();
        envelope["data"]["id"] = serde_json::json!(id);
        respond(&mut stream, 201, "", &envelope.to_string()).await?;
    }
}

async fn respond(
    stream: &mut BufReader<TcpStream>,
    status: u16,
    extra: &str,
    body: &str,
) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n{extra}\r\n",
        body.len()
    );
    stream.get_mut().write_all(head.as_bytes()).await?;
    stream.get_mut().write_all(body.as_bytes()).await
}

fn webhook(n: usize) -> types::WebhookCreateBody {
    types::WebhookCreateBody::new(
        format!("https://hooks.example.com/{n}"),
        [types::WebhookEventType::MessageDelivered],
    )
}

async fn start(random: Option<u64>) -> (String, Arc<Store>, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let store = Arc::new(Store {
        random: random.map(|seed| Mutex::new(fastrand::Rng::with_seed(seed))),
        ..Store::default()
    });
    let server = tokio::spawn(serve(listener, store.clone()));
    (url, store, server)
}

/// Every caller got a distinct resource and the server holds exactly one per intended create.
fn assert_exactly_once(ids: Vec<String>, store: &Store) {
    let mut ids = ids;
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), CREATES, "every caller got a distinct resource");
    assert_eq!(
        store.by_key.lock().unwrap().len(),
        CREATES,
        "no duplicate was created"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_creates_through_faults_make_a_thousand_resources() {
    let (url, store, server) = start(None).await;
    let client = Client::builder()
        .api_key(TOKEN)
        .base_url(url)
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(6)
                .base_delay(Duration::from_millis(1))
                .max_delay(Duration::from_millis(10)),
        )
        .build()
        .unwrap();

    let run = futures::stream::iter(0..CREATES)
        .map(|n| {
            let client = client.clone();
            async move {
                client
                    .create_webhook(webhook(n))
                    .await
                    .map(|created| created.data.id)
            }
        })
        .buffer_unordered(32)
        .collect::<Vec<_>>();
    let results = tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("bounded run time");
    server.abort();

    let errors: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(
        errors.is_empty(),
        "{} errors, first: {}",
        errors.len(),
        errors[0]
    );
    assert_exactly_once(results.into_iter().map(Result::unwrap).collect(), &store);
    assert!(
        store.faults.load(Ordering::SeqCst) >= CREATES / 5,
        "faults were injected"
    );
}

/// Creates webhook `n` until it succeeds, re-submitting a failed attempt with the key its error
/// reports, as a caller would. Returns the id and how many errors the caller saw.
async fn create_until_done(client: Client, n: usize) -> (String, usize) {
    let mut key: Option<String> = None;
    for seen in 0..50 {
        let mut request = client.create_webhook(webhook(n));
        if let Some(key) = &key {
            request = request.idempotency_key(key.clone());
        }
        match request.await {
            Ok(created) => return (created.data.id.clone(), seen),
            Err(error) => {
                let reported = error
                    .idempotency_key()
                    .unwrap_or_else(|| panic!("the error carries no key: {error}"));
                if let Some(key) = &key {
                    assert_eq!(reported, key, "a re-submission keeps its key");
                }
                assert!(error.is_retryable(), "{error}");
                key = Some(reported.to_owned());
            }
        }
    }
    panic!("create {n} kept failing");
}

async fn random_faults(seed: u64, policy: RetryPolicy) -> usize {
    let (url, store, server) = start(Some(seed)).await;
    let client = Client::builder()
        .api_key(TOKEN)
        .base_url(url)
        .retry_policy(policy)
        .build()
        .unwrap();
    let run = futures::stream::iter(0..CREATES)
        .map(|n| create_until_done(client.clone(), n))
        .buffer_unordered(32)
        .collect::<Vec<_>>();
    let results = tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .expect("bounded run time");
    server.abort();
    let errors = results.iter().map(|(_, seen)| seen).sum();
    assert_exactly_once(results.into_iter().map(|(id, _)| id).collect(), &store);
    errors
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_faults_with_default_retries_and_resubmission_make_exactly_one_each() {
    let seed = fastrand::u64(..);
    let errors = random_faults(seed, RetryPolicy::default()).await;
    println!("seed {seed}: {errors} errors reached callers");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_reaching_the_caller_is_resolved_by_resubmitting_with_its_key() {
    let seed = fastrand::u64(..);
    let errors = random_faults(seed, RetryPolicy::none()).await;
    assert!(errors >= CREATES / 10, "seed {seed}: only {errors} errors");
}
