//! The TLS set-up each client carries. The crypto backend is chosen by the crate's features and
//! handed to the client's own configuration, so that building a client installs nothing
//! process-wide: an application keeps its own choice of rustls provider, and its other HTTP
//! clients are unaffected.
//!
//! Features, in order of precedence when several are enabled: `rustls-aws-lc-rs`,
//! `rustls-ring` (the default), `native-tls` (the platform's TLS library; enable it with
//! `default-features = false`).

#[cfg(not(any(
    feature = "rustls-ring",
    feature = "rustls-aws-lc-rs",
    feature = "native-tls"
)))]
compile_error!(
    "sendmux-management needs a TLS backend: enable one of the features `rustls-ring` (the \
     default), `rustls-aws-lc-rs` or `native-tls`"
);

use crate::error::ConfigError;

/// The crypto provider of the enabled rustls backend.
#[cfg(any(feature = "rustls-ring", feature = "rustls-aws-lc-rs"))]
pub(crate) fn provider() -> rustls::crypto::CryptoProvider {
    #[cfg(feature = "rustls-aws-lc-rs")]
    return rustls::crypto::aws_lc_rs::default_provider();
    #[cfg(not(feature = "rustls-aws-lc-rs"))]
    return rustls::crypto::ring::default_provider();
}

/// Gives `builder` the TLS configuration of the enabled backend.
pub(crate) fn configure(
    builder: reqwest::ClientBuilder,
) -> Result<reqwest::ClientBuilder, ConfigError> {
    #[cfg(any(feature = "rustls-ring", feature = "rustls-aws-lc-rs"))]
    {
        Ok(builder.tls_backend_preconfigured(rustls_config()?))
    }
    #[cfg(not(any(feature = "rustls-ring", feature = "rustls-aws-lc-rs")))]
    {
        Ok(builder.tls_backend_native())
    }
}

/// A rustls configuration with an explicit provider, verifying servers against the platform's
/// trust store as reqwest does by default, and offering HTTP/2 (feature `http2`) and HTTP/1.1.
#[cfg(any(feature = "rustls-ring", feature = "rustls-aws-lc-rs"))]
fn rustls_config() -> Result<rustls::ClientConfig, ConfigError> {
    use std::sync::Arc;

    let failed = |error: rustls::Error| ConfigError::HttpClient(Box::new(error));
    let provider = Arc::new(provider());
    let verifier = rustls_platform_verifier::Verifier::new(provider.clone()).map_err(failed)?;
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(failed)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = Vec::new();
    #[cfg(feature = "http2")]
    config.alpn_protocols.push(b"h2".to_vec());
    config.alpn_protocols.push(b"http/1.1".to_vec());
    Ok(config)
}
