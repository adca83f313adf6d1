//! Record and replay: a [`Recorder`] stands between a client and the API on loopback and writes
//! each exchange to a [`Cassette`], a JSON file to commit and review in a diff;
//! [`MockApi::replay`](crate::testing::MockApi::replay) serves it, so that a test recorded once
//! against the real API runs offline.
//!
//! What never reaches a cassette: the request's credential (no request header is kept), the
//! value of an `Idempotency-Key` (only whether one was sent), and the fields the spec marks
//! `x-sendmux-secret`, in requests and answers alike.

use std::collections::BTreeSet;
use std::convert::Infallible;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::net::TcpListener;

use super::{Contract, ContractCheck};
use crate::error::{ConfigError, TransportError, TransportErrorKind};
use crate::response::IDEMPOTENCY_KEY;
use crate::testing::{Mock, MockApi};

/// What replaces a secret in a cassette.
pub const REDACTED: &str = "<redacted>";

/// Answer headers worth keeping: those the client reads.
const KEPT_HEADERS: &[&str] = &[
    "content-type",
    "etag",
    "location",
    "retry-after",
    "x-request-id",
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
];

/// Recorded exchanges, in the order they happened.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Cassette {
    /// The exchanges.
    pub exchanges: Vec<Exchange>,
}

/// One request and its answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Exchange {
    /// The operation id, or empty when the request matches no operation of the spec.
    pub operation: String,
    /// The HTTP method.
    pub method: String,
    /// The path below the base URL (`/domains/mdom_1`).
    pub path: String,
    /// The query string as sent, without `?`; empty when there was none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub query: String,
    /// Whether the request carried an `Idempotency-Key` (its value is not kept).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub idempotency_key: bool,
    /// The JSON request body, secrets redacted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_body: Option<Value>,
    /// The HTTP status of the answer.
    pub status: u16,
    /// The answer's headers that the client reads, by lower-case name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<(String, String)>,
    /// The answer body: JSON as a value with secrets redacted, any other body as a string.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub body: Value,
}

/// A cassette that cannot be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CassetteError {
    /// The file could not be read or written.
    #[error("cassette {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a cassette.
    #[error("cassette {path} is not valid: {source}")]
    Format {
        /// The file.
        path: String,
        /// Why.
        source: serde_json::Error,
    },
}

impl Cassette {
    /// Reads a cassette written by [`Cassette::save`].
    pub fn load(path: impl AsRef<Path>) -> Result<Self, CassetteError> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| CassetteError::Io {
            path: name.clone(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|source| CassetteError::Format { path: name, source })
    }

    /// Writes the cassette as indented JSON.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), CassetteError> {
        let path = path.as_ref();
        let io = |source| CassetteError::Io {
            path: path.display().to_string(),
            source,
        };
        let text = serde_json::to_string_pretty(self).map_err(|e| io(e.into()))?;
        std::fs::write(path, text + "\n").map_err(io)
    }

    /// The cassette as indented JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// A loopback proxy that records what a client exchanges with the API into a [`Cassette`], for
/// [`MockApi::replay`] to serve offline; every recorded answer goes through a
/// [`ContractCheck`] in report mode ([`Recorder::check`]).
///
/// What never reaches a cassette: the request's credential (no request header is kept), the
/// value of an `Idempotency-Key` (only whether one was sent), and the fields the spec marks
/// `x-sendmux-secret`, in requests and answers alike (replaced by [`REDACTED`]).
///
/// ```no_run
/// use sendmux_management::contract::Recorder;
/// use sendmux_management::Client;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let recorder = Recorder::start("https://app.sendmux.ai/api/v1").await?;
/// let client = Client::builder()
///     .api_key(std::env::var("SENDMUX_API_KEY")?)
///     .base_url(recorder.base_url())
///     .build()?;
/// client.list_domains().await?;
/// recorder.cassette().save("tests/cassettes/domains.json")?;
/// assert!(recorder.check().summary().is_empty());
/// # Ok(()) }
/// ```
pub struct Recorder {
    base_url: String,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

struct Shared {
    upstream: String,
    http: reqwest::Client,
    exchanges: Mutex<Vec<Exchange>>,
    check: ContractCheck,
}

impl Recorder {
    /// Starts recording, forwarding every request to `upstream`, the base URL the client would
    /// otherwise use.
    pub async fn start(upstream: &str) -> Result<Self, crate::Error> {
        let builder = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
        let http = crate::tls::configure(builder)?
            .build()
            .map_err(|e| ConfigError::HttpClient(Box::new(e)))?;
        let local = |error| TransportError::new(TransportErrorKind::Other, error);
        let listener = TcpListener::bind("127.0.0.1:0").await.map_err(local)?;
        let address = listener.local_addr().map_err(local)?;
        let shared = Arc::new(Shared {
            upstream: upstream.trim_end_matches('/').to_owned(),
            http,
            exchanges: Mutex::default(),
            check: ContractCheck::report(),
        });
        let serving = shared.clone();
        let server = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let shared = serving.clone();
                let service = service_fn(move |request| {
                    let shared = shared.clone();
                    async move { Ok::<_, Infallible>(shared.forward(request).await) }
                });
                tokio::spawn(async move {
                    let io = hyper_util::rt::TokioIo::new(stream);
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(io, service)
                        .await;
                });
            }
        });
        Ok(Self {
            base_url: format!("http://{address}"),
            shared,
            server,
        })
    }

    /// The base URL to give the client.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// What was recorded so far.
    pub fn cassette(&self) -> Cassette {
        Cassette {
            exchanges: self
                .shared
                .exchanges
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
        }
    }

    /// The check every recorded answer went through: violations and drift.
    pub fn check(&self) -> &ContractCheck {
        &self.shared.check
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.server.abort();
    }
}

type Answer = hyper::Response<Full<Bytes>>;

impl Shared {
    async fn forward(&self, request: hyper::Request<Incoming>) -> Answer {
        let (parts, body) = request.into_parts();
        let body = match body.collect().await {
            Ok(body) => body.to_bytes(),
            Err(_) => return plain(400, "the request body could not be read"),
        };
        let path = parts.uri.path().to_owned();
        let query = parts.uri.query().unwrap_or_default().to_owned();
        let mut url = format!("{}{path}", self.upstream);
        if !query.is_empty() {
            url.push('?');
            url.push_str(&query);
        }
        let mut outbound = self.http.request(parts.method.clone(), &url);
        for (name, value) in &parts.headers {
            if !matches!(name.as_str(), "host" | "content-length" | "connection") {
                outbound = outbound.header(name, value);
            }
        }
        let answer = match outbound.body(body.clone()).send().await {
            Ok(answer) => answer,
            Err(_) => return plain(502, "the recorder could not reach the API"),
        };
        let status = answer.status();
        let headers = answer.headers().clone();
        let Ok(answer_body) = answer.bytes().await else {
            return plain(502, "the API's answer broke off");
        };

        let method = parts.method.as_str().to_owned();
        let operation = operation_of(&method, &path).unwrap_or_default();
        let credential = parts
            .headers
            .get(http::header::AUTHORIZATION)
            .map(crate::server_text::Credential::new);
        let scrub = |bytes: &[u8]| -> Value {
            let bytes = match &credential {
                Some(credential) => credential.remove_from(bytes).into_owned(),
                None => bytes.to_vec(),
            };
            match serde_json::from_slice::<Value>(&bytes) {
                Ok(mut value) => {
                    redact_secrets(&mut value);
                    value
                }
                Err(_) if bytes.is_empty() => Value::Null,
                Err(_) => Value::String(String::from_utf8_lossy(&bytes).into_owned()),
            }
        };
        if !operation.is_empty() {
            // The check reads the answer as received: a redacted secret is still a string.
            self.check
                .check_body(&operation, status.as_u16(), &answer_body);
        }
        let exchange = Exchange {
            operation,
            method,
            path,
            query,
            idempotency_key: parts.headers.contains_key(&IDEMPOTENCY_KEY),
            request_body: (!body.is_empty()).then(|| scrub(&body)),
            status: status.as_u16(),
            headers: KEPT_HEADERS
                .iter()
                .filter_map(|name| {
                    let value = headers.get(*name)?.to_str().ok()?;
                    Some(((*name).to_owned(), value.to_owned()))
                })
                .collect(),
            body: scrub(&answer_body),
        };
        self.exchanges
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(exchange);

        let mut reply = hyper::Response::new(Full::new(answer_body));
        *reply.status_mut() = status;
        for (name, value) in &headers {
            if !matches!(
                name.as_str(),
                "content-length" | "transfer-encoding" | "connection"
            ) {
                reply.headers_mut().append(name, value.clone());
            }
        }
        reply
    }
}

fn plain(status: u16, text: &'static str) -> Answer {
    let mut reply = hyper::Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *reply.status_mut() =
        http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::BAD_GATEWAY);
    reply
}

/// The operation a request is for: its method and a path of the template's shape. A literal
/// segment beats a parameter (`/providers/limits` is not `/providers/{public_id}`).
pub(super) fn operation_of(method: &str, path: &str) -> Option<String> {
    let sent: Vec<&str> = path.split('/').collect();
    super::operations()
        .into_iter()
        .filter(|(_, m, _)| m.eq_ignore_ascii_case(method))
        .filter_map(|(id, _, template)| {
            let expected: Vec<&str> = template.split('/').collect();
            if expected.len() != sent.len() {
                return None;
            }
            let mut literals = 0;
            for (s, e) in sent.iter().zip(&expected) {
                if e.starts_with('{') {
                    if s.is_empty() {
                        return None;
                    }
                } else if s == e {
                    literals += 1;
                } else {
                    return None;
                }
            }
            Some((literals, id))
        })
        .max_by_key(|(literals, _)| *literals)
        .map(|(_, id)| id.to_owned())
}

/// The names of the fields the spec marks `x-sendmux-secret`, wherever they appear.
fn secret_fields() -> &'static BTreeSet<String> {
    static FIELDS: OnceLock<BTreeSet<String>> = OnceLock::new();
    FIELDS.get_or_init(|| {
        let mut found = BTreeSet::new();
        collect_secret_fields(&Contract::get().document["components"], &mut found);
        found
    })
}

fn collect_secret_fields(schema: &Value, found: &mut BTreeSet<String>) {
    match schema {
        Value::Object(object) => {
            if let Some(Value::Object(properties)) = object.get("properties") {
                for (name, property) in properties {
                    if marked_secret(property) {
                        found.insert(name.clone());
                    }
                }
            }
            object
                .values()
                .for_each(|value| collect_secret_fields(value, found));
        }
        Value::Array(items) => items
            .iter()
            .for_each(|value| collect_secret_fields(value, found)),
        _ => {}
    }
}

/// Whether a property schema is marked, directly or (when nullable) in its first alternative.
fn marked_secret(property: &Value) -> bool {
    property.get(super::SECRET_MARK) == Some(&Value::Bool(true))
        || property
            .get("anyOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .any(marked_secret)
}

/// Replaces the value of every secret field in `value` with [`REDACTED`]. A field is redacted by
/// name wherever it appears: a name the spec uses for a secret once is treated as one
/// everywhere.
pub fn redact_secrets(value: &mut Value) {
    match value {
        Value::Object(object) => {
            for (name, member) in object.iter_mut() {
                if member.is_string() && secret_fields().contains(name) {
                    *member = Value::String(REDACTED.to_owned());
                } else {
                    redact_secrets(member);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_secrets),
        _ => {}
    }
}

impl MockApi {
    /// Serves `cassette`: each exchange answers a request with the same method, path, query
    /// (in any order) and JSON body (key order aside). Repeated requests get their recorded
    /// answers in turn, the last one for any further repeat; a request the cassette does not
    /// hold gets the mock's 404.
    pub fn replay(&self, cassette: &Cassette) -> Vec<Mock<'_>> {
        let exchanges = &cassette.exchanges;
        exchanges
            .iter()
            .enumerate()
            .map(|(index, exchange)| {
                let repeated_later = exchanges[index + 1..].iter().any(|later| {
                    later.method == exchange.method
                        && later.path == exchange.path
                        && same_query(&later.query, &exchange.query)
                        && later.request_body == exchange.request_body
                });
                let wanted = exchange.clone();
                self.mock(|when, then| {
                    let when = when
                        .method(wanted.method.as_str())
                        .path(wanted.path.as_str())
                        .is_true(move |request| {
                            let query = request.uri().query().unwrap_or_default().to_owned();
                            let body = request.body_ref();
                            let body = (!body.is_empty())
                                .then(|| serde_json::from_slice::<Value>(body).ok())
                                .flatten()
                                .map(|mut body| {
                                    redact_secrets(&mut body);
                                    body
                                });
                            same_query(&query, &wanted.query) && body == wanted.request_body
                        });
                    let _ = when;
                    let mut then = then.status(exchange.status);
                    for (name, value) in &exchange.headers {
                        then = then.header(name.as_str(), value.as_str());
                    }
                    then = match &exchange.body {
                        Value::Null => then,
                        Value::String(text) if !is_json(&exchange.headers) => {
                            then.body(text.as_str())
                        }
                        json => then.body(json.to_string()),
                    };
                    if repeated_later {
                        then.up_to_n_times(1);
                    }
                })
            })
            .collect()
    }
}

fn is_json(headers: &[(String, String)]) -> bool {
    headers
        .iter()
        .any(|(name, value)| name == "content-type" && value.contains("json"))
}

fn same_query(a: &str, b: &str) -> bool {
    let pairs = |query: &str| {
        let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        pairs.sort();
        pairs
    };
    pairs(a) == pairs(b)
}
