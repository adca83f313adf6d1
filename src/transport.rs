//! The HTTP client behind the generated operations: TLS, timeouts, identification and auth.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION};

use crate::generated::Client;

/// Default time allowed to open a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time allowed for a whole request, body included.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a client could not be set up.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConnectError {
    /// The token cannot be sent in an HTTP header (empty, or containing control characters).
    /// The token itself is never part of the message.
    InvalidToken,
    /// The underlying HTTP client could not be built.
    Http(reqwest::Error),
}

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::InvalidToken => f.write_str("the API token is empty or not a valid header value"),
            Self::Http(_) => f.write_str("the HTTP client could not be built"),
        }
    }
}

impl std::error::Error for ConnectError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::InvalidToken => None,
            Self::Http(e) => Some(e),
        }
    }
}

impl Client {
    /// A client for the API at `base_url` (for example `https://app.sendmux.ai/api/v1`) that
    /// authenticates every request with `token`: a root API key or an OAuth access token.
    pub fn connect(base_url: &str, token: &str) -> Result<Self, ConnectError> {
        let mut auth = HeaderValue::try_from(format!("Bearer {token}"))
            .map_err(|_| ConnectError::InvalidToken)?;
        if token.is_empty() {
            return Err(ConnectError::InvalidToken);
        }
        auth.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, auth);
        let http = http_client_builder()
            .default_headers(headers)
            .build()
            .map_err(ConnectError::Http)?;
        Ok(Self::new_with_client(base_url.trim_end_matches('/'), http))
    }
}

/// A reqwest builder with TLS ready and the crate's defaults applied.
pub(crate) fn http_client_builder() -> reqwest::ClientBuilder {
    install_crypto_provider();
    reqwest::Client::builder()
        .connect_timeout(DEFAULT_CONNECT_TIMEOUT)
        .timeout(DEFAULT_REQUEST_TIMEOUT)
        .user_agent(concat!(
            "sendmux-management-rust/",
            env!("CARGO_PKG_VERSION")
        ))
}

/// rustls needs one process-wide crypto provider. The crate brings `ring`; when another crate in
/// the program enables a second provider, rustls cannot pick one by itself, so choose ours unless
/// the program already chose.
fn install_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing a race to another thread installing a provider is fine: one is installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}
