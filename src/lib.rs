//! Typed client for the Sendmux Management API.
//!
//! Every operation of the API is a method of [`Client`], generated at build time from the
//! OpenAPI document shipped with the crate (`openapi.yaml`). Each method returns a request
//! builder: set its parameters, then `send()` it.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use std::num::NonZeroU64;
//! use sendmux_management::Client;
//!
//! let key = std::env::var("SENDMUX_API_KEY")?;
//! let client = Client::connect("https://app.sendmux.ai/api/v1", &key)?;
//! let page = client.list_domains().limit(NonZeroU64::new(10).unwrap()).send().await?.into_inner();
//! for domain in page.data {
//!     println!("{} is {}", domain.domain, domain.verification_status);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Enumerations are open: a value the service adds later decodes as `Unknown(String)` instead of
//! failing the response, and error responses decode into [`types::ErrorEnvelope`] whatever their
//! code.
#![warn(missing_docs)]

mod generated;
mod hooks;
mod transport;

pub use generated::{builder, types, ByteStream, Client, Error, ResponseValue};
pub use transport::{ConnectError, DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT};

/// Compiles the README's examples as doc tests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
