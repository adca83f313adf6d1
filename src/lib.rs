//! Typed client for the Sendmux Management API.
//!
//! Every operation of the API is a method of [`Client`], generated at build time from the
//! OpenAPI document shipped with the crate (`openapi.yaml`). Each method returns a request
//! builder: set its parameters, then `.await` it for a [`Response`] holding the unwrapped `data`
//! of the envelope, or an [`Error`].
//!
//! ```no_run
//! # async fn run() -> Result<(), sendmux_management::Error> {
//! use sendmux_management::Client;
//!
//! let client = Client::new("smx_root_…")?;
//! let page_size = std::num::NonZeroU64::new(10).unwrap();
//! let domains = client.list_domains().limit(page_size).await?;
//! for domain in domains.iter() {
//!     println!("{} is {}", domain.domain, domain.verification_status);
//! }
//! println!("{:?} requests left", domains.rate_limit.map(|r| r.remaining));
//! # Ok(())
//! # }
//! ```
//!
//! Enumerations are open: a value the service adds later decodes as `Unknown(String)` instead of
//! failing the response. Any error answer becomes [`Error::Api`] with its status, even when its
//! body is not the API's error envelope.
#![warn(missing_docs)]

mod call;
mod client;
mod envelope;
mod error;
mod generated;
mod hooks;
mod operation;
mod pacer;
mod pagination;
mod response;
mod retry;
mod send;
pub mod webhooks;

#[cfg(feature = "testing")]
pub mod testing;

pub use call::{CallFuture, ConditionalFuture, WithOptions};
pub use client::{
    install_crypto_provider, Client, ClientBuilder, TokenProvider, DEFAULT_BASE_URL,
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_REQUEST_TIMEOUT,
};
pub use error::{
    ApiError, ConfigError, DecodeError, Error, FieldIssue, TransportError, TransportErrorKind,
};
pub use generated::{builder, types};
pub use pacer::RateBudget;
pub use pagination::{Items, Pages};
pub use response::{Conditional, NotModified, Pagination, RateLimit, Response};
pub use retry::RetryPolicy;
pub use types::ErrorCode;

/// Compiles the README's examples as doc tests so they cannot rot (they use every feature).
#[cfg(all(doctest, feature = "testing"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
