//! The one error type of the crate.
//!
//! Text an error takes from the server keeps its content, minus the request's credential should
//! the server echo it (see `server_text`); `Display` escapes its control characters, so that an
//! error logged as a line stays one line.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};

use crate::response::{header, retry_after, RateLimit, X_REQUEST_ID};
use crate::server_text::{Credential, Escaped};
use crate::types::{ErrorCode, ErrorEnvelope};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Longest part of an unexpected body kept in an error, in bytes.
const EXCERPT_LIMIT: usize = 512;

/// Everything that can go wrong with a request.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The API answered with an error status.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// The request did not reach the API or its answer did not arrive whole.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The API answered with a success status and a body that does not match the spec.
    #[error(transparent)]
    Decode(Box<DecodeError>),
    /// The API answered 304 to a request sent with `If-None-Match` by hand; use `if_changed`
    /// to get this as a value instead.
    #[error("not modified since the ETag sent")]
    NotModified(Box<crate::NotModified>),
    /// The answer was a redirect, which the client does not follow; see [`RedirectError`].
    #[error(transparent)]
    Redirect(Box<RedirectError>),
    /// The response body exceeded the client's limit (`ClientBuilder::max_response_bytes`); the
    /// rest of it was not read.
    #[error("HTTP {status} response larger than the {limit}-byte limit")]
    #[non_exhaustive]
    ResponseTooLarge {
        /// HTTP status of the response.
        status: u16,
        /// The limit in force, in bytes.
        limit: usize,
        /// The `Idempotency-Key` the request carried; see [`Error::idempotency_key`].
        idempotency_key: Option<String>,
    },
    /// The client's pacing ([`ClientBuilder::pace_requests`](crate::ClientBuilder::pace_requests))
    /// had no turn for this request before its timeout or retry deadline ran out; nothing was
    /// sent. Trying later, or with fewer requests at once, succeeds.
    #[error("no turn in the client's rate budget for {wait:?}, longer than the request may wait; nothing was sent")]
    #[non_exhaustive]
    RateBudgetExhausted {
        /// How long the request would have had to wait for its turn.
        wait: Duration,
        /// The `Idempotency-Key` the request carried; see [`Error::idempotency_key`].
        idempotency_key: Option<String>,
    },
    /// The request was refused before it was sent: a parameter is missing or out of range, or an
    /// id would change the path.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// The client is misconfigured.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The answer breaks the operation's contract in `openapi.yaml`, and the client checks it
    /// strictly ([`ContractCheck::strict`](crate::contract::ContractCheck::strict)).
    #[cfg(feature = "contract")]
    #[cfg_attr(docsrs, doc(cfg(feature = "contract")))]
    #[error(transparent)]
    Contract(Box<crate::contract::ContractViolation>),
}

impl Error {
    /// Whether sending the same request again may succeed: the API said so (`retryable`), or the
    /// connection failed, broke or timed out.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Api(api) => api.retryable,
            Self::Transport(transport) => !matches!(
                transport.kind,
                TransportErrorKind::Other | TransportErrorKind::Protocol
            ),
            Self::RateBudgetExhausted { .. } => true,
            _ => false,
        }
    }

    /// The `Idempotency-Key` of the failed request, when it carried one: the key the client
    /// generated for a create, or the one set with `.idempotency_key(…)`.
    ///
    /// A create that failed may still have been performed: the connection can break after the
    /// server committed it, or every attempt can fail after the first succeeded. Sending the
    /// same create again with this key is safe: the server performs it at most once and answers
    /// a repeat with the first result.
    ///
    /// ```no_run
    /// # async fn run(client: sendmux_management::Client) -> Result<(), sendmux_management::Error> {
    /// use sendmux_management::types;
    ///
    /// let body = types::WebhookCreateBody::new(
    ///     "https://hooks.example.com/sendmux",
    ///     [types::WebhookEventType::MessageDelivered],
    /// );
    /// let created = match client.create_webhook(body.clone()).await {
    ///     Ok(created) => created,
    ///     Err(error) => match error.idempotency_key() {
    ///         // Later, or after a restart if the key was stored: at most one webhook results.
    ///         Some(key) if error.is_retryable() => {
    ///             let key = key.to_owned();
    ///             client.create_webhook(body).idempotency_key(key).await?
    ///         }
    ///         _ => return Err(error),
    ///     },
    /// };
    /// println!("webhook {}", created.id);
    /// # Ok(())
    /// # }
    /// ```
    pub fn idempotency_key(&self) -> Option<&str> {
        match self {
            Self::Api(api) => api.idempotency_key.as_deref(),
            Self::Transport(transport) => transport.idempotency_key.as_deref(),
            Self::Decode(decode) => decode.idempotency_key.as_deref(),
            Self::Redirect(redirect) => redirect.idempotency_key.as_deref(),
            Self::ResponseTooLarge {
                idempotency_key, ..
            }
            | Self::RateBudgetExhausted {
                idempotency_key, ..
            } => idempotency_key.as_deref(),
            _ => None,
        }
    }

    /// Records the key of the request this error ended.
    pub(crate) fn with_idempotency_key(mut self, key: Option<String>) -> Self {
        if key.is_none() {
            return self;
        }
        match &mut self {
            Self::Api(api) => api.idempotency_key = key,
            Self::Transport(transport) => transport.idempotency_key = key,
            Self::Decode(decode) => decode.idempotency_key = key,
            Self::Redirect(redirect) => redirect.idempotency_key = key,
            Self::ResponseTooLarge {
                idempotency_key, ..
            }
            | Self::RateBudgetExhausted {
                idempotency_key, ..
            } => *idempotency_key = key,
            _ => {}
        }
        self
    }

    /// The HTTP status, when the API answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api(api) => Some(api.status),
            Self::Decode(decode) => Some(decode.status),
            Self::NotModified(_) => Some(304),
            Self::Redirect(redirect) => redirect.status,
            Self::ResponseTooLarge { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The server's id for the request, when it answered.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::Api(api) => api.request_id.as_deref(),
            Self::NotModified(not_modified) => not_modified.request_id.as_deref(),
            _ => None,
        }
    }

    /// The API's error code, when the body carried one.
    pub fn code(&self) -> Option<&ErrorCode> {
        match self {
            Self::Api(api) => api.code.as_ref(),
            _ => None,
        }
    }

    /// The API error, if this is one.
    pub fn as_api(&self) -> Option<&ApiError> {
        match self {
            Self::Api(api) => Some(api),
            _ => None,
        }
    }

    /// The error with the credential taken out of every text the server supplied.
    pub(crate) fn without(mut self, credential: &Credential) -> Self {
        match &mut self {
            Self::Api(api) => {
                if let Some(ErrorCode::Unknown(code)) = &mut api.code {
                    credential.clean(code);
                }
                credential.clean(&mut api.message);
                credential.clean_option(&mut api.param);
                credential.clean_option(&mut api.doc_url);
                credential.clean_option(&mut api.request_id);
                for issue in &mut api.issues {
                    credential.clean(&mut issue.field);
                    credential.clean(&mut issue.code);
                    credential.clean(&mut issue.message);
                }
            }
            #[cfg(feature = "contract")]
            Self::Contract(contract) => {
                for violation in &mut contract.violations {
                    credential.clean(&mut violation.pointer);
                    credential.clean(&mut violation.message);
                }
            }
            Self::Decode(decode) => {
                credential.clean(&mut decode.excerpt);
                credential.clean_option(&mut decode.path);
                if credential.is_in(decode.reason.as_bytes()) {
                    credential.clean(&mut decode.reason);
                    // The source says what the reason says, credential included.
                    decode.source = None;
                }
            }
            Self::NotModified(not_modified) => {
                credential.clean_option(&mut not_modified.etag);
                credential.clean_option(&mut not_modified.request_id);
            }
            Self::Redirect(redirect) => credential.clean_option(&mut redirect.location),
            _ => {}
        }
        self
    }
}

/// A value refused by a model's constraints (`"…".parse()` or `try_into()` on a constrained
/// type, such as a name longer than the API allows) is a request that cannot be sent.
impl From<crate::types::error::ConversionError> for Error {
    fn from(error: crate::types::error::ConversionError) -> Self {
        Self::InvalidRequest(format!("invalid value: {error}"))
    }
}

/// An error answer from the API.
///
/// Its texts are the server's, except that the credential the request carried is replaced by
/// `<redacted>` wherever the server echoed it; `Display` escapes their control characters.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ApiError {
    /// HTTP status code.
    pub status: u16,
    /// Machine-readable code; `None` when the body was not the API's error envelope (a proxy's
    /// HTML page, an empty body).
    pub code: Option<ErrorCode>,
    /// Human-readable explanation, or an excerpt of the body when it was not an error envelope.
    pub message: String,
    /// The request field at fault, when there is one.
    pub param: Option<String>,
    /// Link to the documentation of the code.
    pub doc_url: Option<String>,
    /// Whether the same request may succeed later. Taken from the body; without one, true for
    /// 429 and 5xx, as the API's own default.
    pub retryable: bool,
    /// Every field issue, on validation failures.
    pub issues: Vec<FieldIssue>,
    /// The server's id for the request.
    pub request_id: Option<String>,
    /// How long the server asked to wait before retrying.
    pub retry_after: Option<Duration>,
    /// Rate-limit state after this request.
    pub rate_limit: Option<RateLimit>,
    /// The `Idempotency-Key` the request carried; see [`Error::idempotency_key`].
    pub idempotency_key: Option<String>,
}

/// One problem with one field of the request.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FieldIssue {
    /// Dotted path of the field, e.g. `rules.0.pattern`.
    pub field: String,
    /// Validator code of the issue.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
}

impl ApiError {
    /// Whether this is a 409 `conflict`, e.g. an `If-Match` that no longer matches.
    pub fn is_conflict(&self) -> bool {
        self.code == Some(ErrorCode::Conflict)
    }

    pub(crate) fn from_envelope(status: u16, headers: &HeaderMap, envelope: ErrorEnvelope) -> Self {
        let body = envelope.error;
        Self {
            status,
            code: Some(body.code),
            message: body.message,
            param: body.param,
            doc_url: body.doc_url,
            retryable: body.retryable,
            issues: body
                .errors
                .into_iter()
                .map(|issue| FieldIssue {
                    field: issue.field,
                    code: issue.code,
                    message: issue.message,
                })
                .collect(),
            request_id: Some(envelope.meta.request_id),
            retry_after: retry_after(headers),
            rate_limit: RateLimit::from_headers(headers),
            idempotency_key: None,
        }
    }

    /// An error answer whose body may or may not be the API's envelope.
    pub(crate) fn from_body(status: u16, headers: &HeaderMap, body: &[u8]) -> Self {
        if let Ok(envelope) = serde_json::from_slice::<ErrorEnvelope>(body) {
            return Self::from_envelope(status, headers, envelope);
        }
        let message = if body.iter().all(u8::is_ascii_whitespace) {
            format!("HTTP {status} with no error body")
        } else {
            format!("HTTP {status}: {}", excerpt(body))
        };
        Self {
            status,
            code: None,
            message,
            param: None,
            doc_url: None,
            retryable: status == 429 || status >= 500,
            issues: Vec::new(),
            request_id: header(headers, &X_REQUEST_ID),
            retry_after: retry_after(headers),
            rate_limit: RateLimit::from_headers(headers),
            idempotency_key: None,
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "API error {}", self.status)?;
        if let Some(code) = &self.code {
            write!(f, " {}", Escaped(code))?;
        }
        write!(f, ": {}", Escaped(&self.message))?;
        if let Some(param) = &self.param {
            write!(f, " (param {})", Escaped(param))?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request {}]", Escaped(id))?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// A failure to exchange the request and response.
#[derive(Debug, thiserror::Error)]
#[error("{kind}: {source}")]
#[non_exhaustive]
pub struct TransportError {
    /// What failed.
    pub kind: TransportErrorKind,
    #[source]
    source: BoxError,
    idempotency_key: Option<String>,
}

impl TransportError {
    pub(crate) fn new(kind: TransportErrorKind, source: impl Into<BoxError>) -> Self {
        Self {
            kind,
            source: source.into(),
            idempotency_key: None,
        }
    }

    pub(crate) fn from_reqwest(error: reqwest::Error) -> Self {
        let kind = if error.is_timeout() {
            TransportErrorKind::Timeout
        } else if error.is_connect() {
            TransportErrorKind::Connect
        } else if breaks_protocol(&error) {
            TransportErrorKind::Protocol
        } else if error.is_body() || error.is_decode() || error.is_request() {
            TransportErrorKind::Interrupted
        } else {
            TransportErrorKind::Other
        };
        Self::new(kind, error.without_url())
    }
}

/// Whether the answer was refused as malformed HTTP (a head too large, too many headers, no
/// status line). reqwest reports it like a connection broken mid-exchange; only its cause, an
/// error of hyper, tells them apart.
pub(crate) fn breaks_protocol(error: &reqwest::Error) -> bool {
    let mut cause = std::error::Error::source(error);
    while let Some(error) = cause {
        if let Some(hyper) = error.downcast_ref::<hyper::Error>() {
            return hyper.is_parse();
        }
        cause = error.source();
    }
    false
}

/// What part of the exchange failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// No connection could be opened.
    Connect,
    /// The connect or request timeout elapsed.
    Timeout,
    /// The connection broke while the request or response was in flight.
    Interrupted,
    /// The server's answer is not valid HTTP. Not retryable: the server that sent it would
    /// answer the same way again.
    Protocol,
    /// Anything else.
    Other,
}

impl std::fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Connect => "could not connect to the API",
            Self::Timeout => "the request timed out",
            Self::Interrupted => "the connection broke mid-exchange",
            Self::Protocol => "the answer is not valid HTTP",
            Self::Other => "the request failed",
        })
    }
}

/// A redirect the client refused. The API never redirects, so a redirect comes from something
/// else on the way (a proxy, a captive portal, a wrong base URL), and following it would hand
/// the request, its key and body included, to wherever it points. Not retryable.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RedirectError {
    /// The redirect's status (301, 302, 303, 307, 308 or another 3xx but 304). `None` when the
    /// HTTP client given to `ClientBuilder::http_client` followed the redirect by itself.
    pub status: Option<u16>,
    /// Where the redirect pointed: its `Location` header as sent, if any; when the HTTP client
    /// followed it, the URL the discarded answer came from.
    pub location: Option<String>,
    /// The `Idempotency-Key` the request carried; see [`Error::idempotency_key`].
    pub idempotency_key: Option<String>,
}

impl RedirectError {
    /// A redirect answer, refused as it came.
    pub(crate) fn answered(status: u16, location: Option<&HeaderValue>) -> Error {
        Error::Redirect(Box::new(Self {
            status: Some(status),
            location: location.map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned()),
            idempotency_key: None,
        }))
    }

    /// An answer from `url`, where the HTTP client went after a redirect it followed.
    pub(crate) fn followed(url: &reqwest::Url) -> Error {
        Error::Redirect(Box::new(Self {
            status: None,
            location: Some(url.as_str().to_owned()),
            idempotency_key: None,
        }))
    }
}

impl std::fmt::Display for RedirectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let location = self.location.as_deref().map(Escaped);
        let to: &dyn std::fmt::Display = match &location {
            Some(location) => location,
            None => &"nowhere (no Location)",
        };
        match self.status {
            Some(status) => write!(f, "HTTP {status} redirect to {to} not followed"),
            None => write!(
                f,
                "the HTTP client followed a redirect to {to}; its answer was discarded"
            ),
        }
    }
}

impl std::error::Error for RedirectError {}

/// A success answer whose body does not fit the spec. The credential the request carried is
/// replaced by `<redacted>` in the excerpt and the reason, should the body hold it.
#[derive(Debug, thiserror::Error)]
#[error(
    "HTTP {status} body does not match the spec at {}: {}",
    DecodeError::location(.path, *.line, *.column),
    Escaped(.reason)
)]
#[non_exhaustive]
pub struct DecodeError {
    /// HTTP status code.
    pub status: u16,
    /// The start of the body, at most 512 bytes.
    pub excerpt: String,
    /// Line of the body where decoding failed (1-based; 0 when not applicable).
    pub line: usize,
    /// Column of the body where decoding failed (1-based; 0 when not applicable).
    pub column: usize,
    /// What was wrong there, with the type expected.
    pub reason: String,
    /// Where in the body the value that failed sits, as a JSON path such as
    /// `data[3].created_at`; for a missing field, the path of the object that lacks it.
    /// `None` when the body is not well-formed JSON (not JSON at all, or cut short), or when
    /// the failure concerns the document as a whole.
    pub path: Option<String>,
    /// The `Idempotency-Key` the request carried; see [`Error::idempotency_key`].
    pub idempotency_key: Option<String>,
    #[source]
    source: Option<BoxError>,
}

impl DecodeError {
    /// The path, when known, is what a reader looks for; line and column locate it in a body
    /// seen whole.
    fn location(path: &Option<String>, line: usize, column: usize) -> String {
        match path {
            Some(path) => format!("`{}` (line {line}, column {column})", Escaped(path)),
            None => format!("line {line}, column {column}"),
        }
    }

    pub(crate) fn from_json(status: u16, body: &[u8], error: serde_json::Error) -> Self {
        Self {
            status,
            excerpt: excerpt(body),
            line: error.line(),
            column: error.column(),
            reason: error.to_string(),
            path: None,
            idempotency_key: None,
            source: Some(Box::new(error)),
        }
    }

    pub(crate) fn other(status: u16, body: &[u8], reason: impl Into<String>) -> Self {
        Self {
            status,
            excerpt: excerpt(body),
            line: 0,
            column: 0,
            reason: reason.into(),
            path: None,
            idempotency_key: None,
            source: None,
        }
    }
}

/// Why a client cannot be built or authenticate. Never includes the key or token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No key was given (for `from_env`: `SENDMUX_API_KEY` is unset).
    #[error("no API key: pass one or set SENDMUX_API_KEY")]
    MissingKey,
    /// The key or token is empty.
    #[error("the API key or token is empty")]
    EmptyKey,
    /// The key is not a Management API key.
    #[error("not a Management API key: root keys start with `smx_root_`")]
    NotARootKey,
    /// The key or token contains control characters or other bytes a header cannot carry.
    #[error("the API key or token contains characters an HTTP header cannot carry")]
    MalformedKey,
    /// The base URL does not parse or cannot serve as a base.
    #[error("invalid base URL: {0}")]
    InvalidBaseUrl(String),
    /// The base URL is plain `http` on a host that is not loopback: the key would travel in clear.
    #[error("refusing plain http to a non-loopback host: use https")]
    InsecureBaseUrl,
    /// The token provider failed.
    #[error("the token provider failed: {0}")]
    TokenProvider(#[source] BoxError),
    /// The HTTP client could not be built.
    #[error("the HTTP client could not be built: {0}")]
    HttpClient(#[source] BoxError),
}

/// The start of `body` as text, cut at a character boundary.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(EXCERPT_LIMIT)]);
    let mut text = text.trim().to_owned();
    if body.len() > EXCERPT_LIMIT {
        text.push('…');
    }
    text
}
