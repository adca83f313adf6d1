//! The client users hold: configuration, authentication and the state shared by its clones.

use std::fmt;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::HeaderValue;

use crate::error::{ConfigError, Error};
use crate::generated;
use crate::pacer::{Pacer, RateBudget};
use crate::response::RateLimit;
use crate::retry::RetryPolicy;

/// The production API.
pub const DEFAULT_BASE_URL: &str = "https://app.sendmux.ai/api/v1";
/// Default time allowed to open a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time allowed for one attempt of a request, body included.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Default limit on the size of a response body: far above any page the API sends.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;

const ROOT_KEY_PREFIX: &str = "smx_root_";
const USER_AGENT: &str = concat!("sendmux-management-rust/", env!("CARGO_PKG_VERSION"));

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A client of the Sendmux Management API.
///
/// Cheap to clone (one reference count): clones share the connection pool, the credentials and
/// the rate-limit state. Every operation of the API is a method taking the operation's required
/// parameters and returning its request (see [`requests`](crate::requests), grouped by resource):
/// set optional parameters on it, then `.await` it. Requests own a clone of the client, so they
/// can be spawned, stored and returned.
///
/// ```no_run
/// # async fn run() -> Result<(), sendmux_management::Error> {
/// let client = sendmux_management::Client::from_env()?;
/// let me = client.get_me().await?;
/// println!("connected to team {}", me.data.team.name);
/// # Ok(())
/// # }
/// ```
///
/// # Several runtimes
///
/// A client can be shared by tasks of several tokio runtimes, with one caveat. A pooled
/// connection is driven by a task of the runtime that opened it, so a request from another
/// runtime that picks it up makes progress only while that runtime runs. When the first runtime
/// is alive but idle, e.g. a current-thread runtime whose thread is busy outside `block_on`,
/// the request stalls until its timeout. Programs that use one client from several runtimes
/// should turn connection reuse off with [`ClientBuilder::pool_max_idle_per_host`]`(0)`, or
/// build one client per runtime; programs with a single runtime need neither.
#[derive(Clone)]
pub struct Client {
    /// Shared so that a clone, which every request makes, costs one reference count.
    raw: Arc<generated::Client>,
}

impl Client {
    /// A client for the production API authenticating with a root API key (`smx_root_…`).
    pub fn new(api_key: impl Into<String>) -> Result<Self, Error> {
        Self::builder().api_key(api_key).build()
    }

    /// A client configured from the environment: `SENDMUX_API_KEY` (required) and
    /// `SENDMUX_BASE_URL` (optional).
    pub fn from_env() -> Result<Self, Error> {
        let key = std::env::var("SENDMUX_API_KEY").map_err(|_| ConfigError::MissingKey)?;
        let mut builder = Self::builder().api_key(key);
        if let Ok(url) = std::env::var("SENDMUX_BASE_URL") {
            builder = builder.base_url(url);
        }
        builder.build()
    }

    /// Starts a configuration.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.raw.baseurl
    }

    /// The rate-limit state reported by the latest response seen by this client or its clones.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        *self
            .shared()
            .rate_limit
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn raw(&self) -> &generated::Client {
        &self.raw
    }

    /// What every clone of this client shares: its configuration and state.
    pub(crate) fn shared(&self) -> &State {
        &self.raw.inner.0
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url())
            .field("auth", &self.raw.inner.0.auth)
            .finish()
    }
}

/// Configuration of a [`Client`].
#[derive(Default)]
#[must_use]
pub struct ClientBuilder {
    auth: Option<Result<Auth, ConfigError>>,
    base_url: Option<String>,
    connect_timeout: Option<Duration>,
    request_timeout: Option<Duration>,
    user_agent_suffix: Option<String>,
    http_client: Option<reqwest::Client>,
    pool_max_idle_per_host: Option<usize>,
    retry: Option<RetryPolicy>,
    rate_budget: Option<RateBudget>,
    max_response_bytes: Option<usize>,
    #[cfg(feature = "contract")]
    contract: Option<crate::contract::ContractCheck>,
}

impl ClientBuilder {
    /// Authenticate with a root API key (`smx_root_…`).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        let key = key.into();
        self.auth = Some(if key.is_empty() {
            Err(ConfigError::EmptyKey)
        } else if !key.starts_with(ROOT_KEY_PREFIX) {
            Err(ConfigError::NotARootKey)
        } else {
            bearer(&key).map(Auth::Static)
        });
        self
    }

    /// Authenticate with an OAuth access token of a connected app.
    pub fn oauth_token(mut self, token: impl Into<String>) -> Self {
        self.auth = Some(bearer(&token.into()).map(Auth::Static));
        self
    }

    /// Authenticate with a token obtained anew for every request, e.g. a refreshed OAuth access
    /// token. The provider is called before each attempt.
    pub fn token_provider(mut self, provider: impl TokenProvider) -> Self {
        self.auth = Some(Ok(Auth::Provider(Arc::new(provider))));
        self
    }

    /// The API's base URL (default [`DEFAULT_BASE_URL`]). Must be https, except on loopback, and
    /// carry no user name or password.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Time allowed to open a connection (default [`DEFAULT_CONNECT_TIMEOUT`]).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Time allowed for one attempt of a request (default [`DEFAULT_REQUEST_TIMEOUT`]).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = Some(timeout);
        self
    }

    /// Appended to the `User-Agent` header, to identify your application.
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// Keeps at most `max` idle connections per host for reuse (default: no limit). `0` turns
    /// reuse off: every request opens its own connection, on the runtime that sends it, which a
    /// client shared by several runtimes needs (see [`Client`]). Reuse saves a TCP and TLS
    /// handshake per request, so leave it on otherwise.
    pub fn pool_max_idle_per_host(mut self, max: usize) -> Self {
        self.pool_max_idle_per_host = Some(max);
        self
    }

    /// Send requests through this HTTP client instead of one built here. Its own timeouts, TLS,
    /// pool and user agent then apply; the timeout, pool and user-agent settings of this builder
    /// are ignored. See [`install_crypto_provider`] if building it panics for want of a TLS
    /// provider.
    ///
    /// Build it with `.redirect(reqwest::redirect::Policy::none())`, as the client built here
    /// is. reqwest follows redirects by default, before this crate sees the answer, so the
    /// request would already have gone where the redirect pointed: its body and
    /// `Idempotency-Key` always, its API key too on the same host (reqwest drops it only for
    /// another origin). The crate still refuses an answer that comes from another URL than the
    /// request's ([`Error::Redirect`]), but cannot call back what was sent, nor notice a
    /// redirect back to the request's own URL.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// How failed requests are retried (default: [`RetryPolicy::default`]); a request can
    /// override it with its own `retry_policy`.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Paces requests to stay within `budget`, shared by this client and its clones. Off by
    /// default; [`RateBudget::default`] is the API's 600 requests per minute.
    pub fn pace_requests(mut self, budget: RateBudget) -> Self {
        self.rate_budget = Some(budget);
        self
    }

    /// Largest response body accepted (default [`DEFAULT_MAX_RESPONSE_BYTES`]); a larger one
    /// ends the request with [`Error::ResponseTooLarge`] without being read further.
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = Some(limit);
        self
    }

    /// Checks every answer body against the operation's response schema in `openapi.yaml`
    /// before it is decoded, and collects drift; for tests (see [`crate::contract`]).
    #[cfg(feature = "contract")]
    #[cfg_attr(docsrs, doc(cfg(feature = "contract")))]
    pub fn contract_check(mut self, check: crate::contract::ContractCheck) -> Self {
        self.contract = Some(check);
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let auth = self.auth.ok_or(ConfigError::MissingKey)??;
        let base_url = checked_base_url(self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL))?;
        // A client of the caller's applies timeouts of its own, unknown here.
        let request_timeout = self
            .http_client
            .is_none()
            .then(|| self.request_timeout.unwrap_or(DEFAULT_REQUEST_TIMEOUT));
        let may_redirect = self.http_client.is_some();
        let http = match self.http_client {
            Some(client) => client,
            None => {
                let user_agent = match &self.user_agent_suffix {
                    Some(suffix) => format!("{USER_AGENT} {suffix}"),
                    None => USER_AGENT.to_owned(),
                };
                let mut builder = reqwest::Client::builder()
                    .connect_timeout(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
                    .timeout(self.request_timeout.unwrap_or(DEFAULT_REQUEST_TIMEOUT))
                    .user_agent(user_agent)
                    // The API never redirects; following one would send the request elsewhere.
                    .redirect(reqwest::redirect::Policy::none());
                if let Some(max) = self.pool_max_idle_per_host {
                    builder = builder.pool_max_idle_per_host(max);
                }
                crate::tls::configure(builder)?
                    .build()
                    .map_err(|e| ConfigError::HttpClient(Box::new(e)))?
            }
        };
        let shared = Shared(Arc::new(State {
            auth,
            base_path: base_url.path().trim_end_matches('/').to_owned(),
            rate_limit: Mutex::new(None),
            retry: self.retry.unwrap_or_default(),
            pacer: self.rate_budget.map(Pacer::new),
            request_timeout,
            may_redirect,
            max_response_bytes: self
                .max_response_bytes
                .unwrap_or(DEFAULT_MAX_RESPONSE_BYTES),
            #[cfg(feature = "contract")]
            contract: self.contract,
        }));
        let base = base_url.as_str().trim_end_matches('/');
        Ok(Client {
            raw: Arc::new(generated::Client::new_with_client(base, http, shared)),
        })
    }
}

/// Supplies a bearer token for each request.
pub trait TokenProvider: Send + Sync + 'static {
    /// A currently valid token.
    fn token(&self) -> Pin<Box<dyn Future<Output = Result<String, BoxError>> + Send + '_>>;
}

impl<F, Fut> TokenProvider for F
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<String, BoxError>> + Send + 'static,
{
    fn token(&self) -> Pin<Box<dyn Future<Output = Result<String, BoxError>> + Send + '_>> {
        Box::pin(self())
    }
}

/// State shared by a client and its clones; the generated client carries it. Public only because
/// the generated client's constructors name it; the module keeps it out of reach.
#[derive(Clone, Debug)]
pub struct Shared(pub(crate) Arc<State>);

#[derive(Debug)]
pub(crate) struct State {
    pub auth: Auth,
    /// Path of the base URL, without trailing slash; request paths are checked below it.
    pub base_path: String,
    pub rate_limit: Mutex<Option<RateLimit>>,
    pub retry: RetryPolicy,
    pub pacer: Option<Pacer>,
    /// Time allowed for one attempt, when the client set it; a pacer's wait counts against it.
    pub request_timeout: Option<Duration>,
    /// Whether the HTTP client is the caller's, which may follow redirects: its answers may come
    /// from elsewhere than the request's URL.
    pub may_redirect: bool,
    pub max_response_bytes: usize,
    /// Checks answers against the spec, when a test asked for it.
    #[cfg(feature = "contract")]
    pub contract: Option<crate::contract::ContractCheck>,
}

impl State {
    pub(crate) fn record_rate_limit(&self, rate_limit: RateLimit) {
        *self.rate_limit.lock().unwrap_or_else(|e| e.into_inner()) = Some(rate_limit);
    }
}

pub(crate) enum Auth {
    /// A ready `Authorization` value, marked sensitive so that it is never printed.
    Static(HeaderValue),
    Provider(Arc<dyn TokenProvider>),
}

impl Auth {
    /// The header value, when it is at hand without asking a provider.
    pub(crate) fn at_hand(&self) -> Option<HeaderValue> {
        match self {
            Self::Static(value) => Some(value.clone()),
            Self::Provider(_) => None,
        }
    }

    pub(crate) async fn header(&self) -> Result<HeaderValue, ConfigError> {
        match self {
            Self::Static(value) => Ok(value.clone()),
            Self::Provider(provider) => {
                let token = provider.token().await.map_err(ConfigError::TokenProvider)?;
                bearer(&token)
            }
        }
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Static(_) => "Bearer(<redacted>)",
            Self::Provider(_) => "TokenProvider",
        })
    }
}

fn bearer(token: &str) -> Result<HeaderValue, ConfigError> {
    if token.is_empty() {
        return Err(ConfigError::EmptyKey);
    }
    if token.chars().any(|c| c.is_control() || c == ' ') {
        return Err(ConfigError::MalformedKey);
    }
    let mut value =
        HeaderValue::try_from(format!("Bearer {token}")).map_err(|_| ConfigError::MalformedKey)?;
    value.set_sensitive(true);
    Ok(value)
}

fn checked_base_url(url: &str) -> Result<reqwest::Url, ConfigError> {
    let parsed =
        reqwest::Url::parse(url).map_err(|e| ConfigError::InvalidBaseUrl(e.to_string()))?;
    if parsed.cannot_be_a_base() || parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(ConfigError::InvalidBaseUrl(
            "must be an absolute URL without query or fragment".into(),
        ));
    }
    // A password there would be sent to the server in clear beside the key and shown wherever
    // the URL is; the message does not repeat the URL.
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(ConfigError::InvalidBaseUrl(
            "must not carry a user name or password; authenticate with the API key".into(),
        ));
    }
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" if is_loopback(&parsed) => Ok(parsed),
        "http" => Err(ConfigError::InsecureBaseUrl),
        other => Err(ConfigError::InvalidBaseUrl(format!(
            "unsupported scheme {other:?}"
        ))),
    }
}

fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// Makes the crypto provider of the crate's rustls backend (`ring` by default) the
/// process-wide one, unless the program already chose one.
///
/// Clients built by [`ClientBuilder`] do not need it: each carries its own TLS configuration
/// and installs nothing. Call it only before building your own `reqwest::Client` for
/// [`ClientBuilder::http_client`] when your build of reqwest brings no provider (its
/// `rustls-no-provider` feature), as reqwest panics without one. With the `native-tls` backend
/// alone it does nothing.
pub fn install_crypto_provider() {
    #[cfg(any(feature = "rustls-ring", feature = "rustls-aws-lc-rs"))]
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing a race to another thread installing a provider is fine: one is installed.
        let _ = crate::tls::provider().install_default();
    }
}
