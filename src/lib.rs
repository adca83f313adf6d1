//! Typed client for the Sendmux Management API.
//!
//! Every operation of the API is a method of [`Client`], generated at build time from the
//! OpenAPI document shipped with the crate (`openapi.yaml`). Each method takes the operation's
//! required parameters (`client.get_mailbox("mbx_1")`) and returns its request, a type of the
//! [`requests`] module: set optional parameters and options on it in any order, then `.await`
//! it for a [`Response`] holding the unwrapped `data` of the envelope, or an [`Error`]. Requests
//! own a handle to the client: they, their futures and their streams are `Send + 'static`.
//!
//! ```no_run
//! # async fn run() -> Result<(), sendmux_management::Error> {
//! use sendmux_management::Client;
//!
//! let client = Client::from_env()?; // SENDMUX_API_KEY, optional SENDMUX_BASE_URL
//! let domains = client.list_domains().limit(10).await?;
//! for domain in domains.iter() {
//!     println!("{} is {}", domain.domain, domain.verification_status);
//! }
//! println!("{:?} requests left", domains.rate_limit.map(|r| r.remaining));
//! # Ok(())
//! # }
//! ```
//!
//! # Authentication
//!
//! [`Client::new`] takes a root API key (`smx_root_…`); [`ClientBuilder::oauth_token`] an OAuth
//! access token of a connected app, and [`ClientBuilder::token_provider`] a closure called before
//! every attempt, for tokens that expire. Keys are checked when the client is built (empty,
//! wrong prefix, characters a header cannot carry) and never appear in `Debug` output, errors or
//! traces, not even when a server or proxy echoes the request's headers back: the credential a
//! request was sent with is replaced by `<redacted>` in every text taken from its answer (error
//! messages, body excerpts, request ids, `ETag` and `Location`). Plain `http` is refused except
//! on loopback, and so is a base URL carrying a user name or password. No redirect is followed:
//! the API never sends one, so a 3xx answer other than 304 ends the request with
//! [`Error::Redirect`] (status and `Location`) rather than sending the request, key and body
//! included, where it points.
//!
//! # Secrets
//!
//! Fields holding a secret, such as the secret of a new mailbox credential, a webhook's signing
//! secret or an SMTP password in a request body, are [`Secret`]s: `Debug` and `Display` show
//! `<redacted>`, [`Secret::expose_secret`] returns the value, and on the wire they are plain
//! strings. Build one from a `&str` or a `String`, as requests do.
//!
//! ```no_run
//! # async fn run(client: sendmux_management::Client) -> Result<(), sendmux_management::Error> {
//! let webhook = client.rotate_webhook_secret("whk_123").await?;
//! println!("{webhook:?}"); // secret: Secret(<redacted>)
//! let signing_secret: &str = webhook.secret.expose_secret();
//! # let _ = signing_secret;
//! # Ok(())
//! # }
//! ```
//!
//! # Responses and errors
//!
//! A [`Response`] dereferences to its data and carries the HTTP status (`http_status`), the
//! request id, the rate-limit state, and the `ETag` and `Location` headers when sent. Lists carry
//! their [`Pagination`].
//!
//! Every failure is an [`Error`]: [`Error::Api`] for an error answer (status, [`ErrorCode`],
//! message, `retryable`, per-field issues, request id, `Retry-After`), even when the body is not
//! the API's envelope; [`Error::Transport`], [`Error::Decode`], [`Error::Redirect`],
//! [`Error::InvalidRequest`], [`Error::Config`] and [`Error::ResponseTooLarge`] for the rest.
//! Enumerations, [`ErrorCode`] included, are open: a value this version does not know decodes
//! as `Unknown(String)`. Errors keep the server's text as sent, but `Display` escapes line
//! breaks and other control characters in it (`\n` shows as the two characters `\` and `n`),
//! so that a logged error stays one line whatever the server says.
//!
//! ```no_run
//! # async fn run(client: sendmux_management::Client) -> Result<(), sendmux_management::Error> {
//! use sendmux_management::ErrorCode;
//!
//! match client.get_mailbox("mbx_123").await {
//!     Ok(mailbox) => println!("{} is {}", mailbox.email, mailbox.status),
//!     Err(error) if error.code() == Some(&ErrorCode::NotFound) => println!("gone"),
//!     Err(error) => eprintln!("{error} (retryable: {})", error.is_retryable()),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Request bodies
//!
//! Every request body has a `new` taking the fields the API requires, and a method per other
//! field. Fields with constraints (lengths, patterns, bounds) take plain text and numbers
//! ([`IntoChecked`]) and check them as they are set: a value that does not fit keeps the chain
//! going, and the request carrying the body fails with [`Error::InvalidRequest`] naming each
//! such field (`body field send_scope.group_public_ids[1] is invalid: …`) before anything is
//! sent.
//!
//! In an update, a field left unset keeps its value. Fields the API lets you remove take a
//! [`Clearable`]: a value (or `Clearable::Set(value)`) changes it and `Clearable::Clear` sends
//! `null` to remove it.
//!
//! ```no_run
//! # async fn run(client: sendmux_management::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use sendmux_management::{types, Clearable};
//!
//! let body = types::CreateMailboxBody::new("support@mail.example.com")
//!     .display_name("Support")
//!     .quota_bytes(5_368_709_120);
//! let created = client.create_mailbox(body).await?;
//!
//! let body = types::WebhookUpdateBody::new()
//!     .name(Clearable::Clear)
//!     .enabled(true);
//! client.update_webhook("whk_123", body).await?;
//! # let _ = created;
//! # Ok(())
//! # }
//! ```
//!
//! # Models that can grow
//!
//! Models are `#[non_exhaustive]`, so a field added to the API in a later version of this crate
//! breaks no code: read their fields, build request bodies with `new`. Fields that may be
//! `null` are `Option`s, `None` also when the server leaves them out. Timestamps accept the
//! ISO 8601 forms servers write besides RFC 3339 (an offset without its colon, a space for the
//! `T`); they are sent as RFC 3339. An answer that does not fit fails with [`Error::Decode`],
//! whose [`DecodeError::path`] names the value at fault, such as `data[3].created_at`.
//!
//! So a model cannot be written as a struct literal outside this crate:
//!
//! ```compile_fail,E0639
//! let deleted = sendmux_management::types::Deleted {
//!     deleted: true,
//!     id: "mbx_123".to_owned(),
//! };
//! ```
//!
//! # Pagination
//!
//! The request of every cursor-paginated list has `items()` and `pages()`, streams that follow
//! the cursors, keep the filters, page size and retry policy set on the request, and request the next page
//! while the current one is consumed (never more than one page ahead; `prefetch(false)` turns
//! this off). On a current-thread runtime, when the consumer is already waiting, the next
//! request leaves as soon as the current page's body is in, while that page is being decoded. A cursor set on the
//! request resumes a walk; `max_items` caps it. A server that repeats a cursor, or promises more
//! without a cursor, ends the stream with an error rather than a loop.
//!
//! ```no_run
//! # async fn run(client: sendmux_management::Client) -> Result<(), sendmux_management::Error> {
//! use futures::TryStreamExt;
//!
//! let mut logs = client.list_inbox_logs().mailbox_id("mbx_123").items().max_items(1_000);
//! while let Some(log) = logs.try_next().await? {
//!     println!("{} from {:?}", log.received_at, log.from_email);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Retries and idempotency
//!
//! Requests are retried by the [`RetryPolicy`] of the client (or the one set on a request with
//! `retry_policy`): connection failures, timeouts, broken connections, 429 and 5xx, with full
//! jitter backoff, `Retry-After` as a floor and a total deadline; never redirects or answers
//! that are not valid HTTP. GET, PUT and DELETE are retried; PATCH only when the policy allows
//! it; POST only with an `Idempotency-Key`, which every create documenting one receives
//! automatically and keeps across attempts, so a retried create is never performed twice. Set
//! your own with `.idempotency_key(…)` to make a create safe across restarts of your program.
//! When every attempt fails, the create may still have happened: [`Error::idempotency_key`]
//! gives the key it carried, to send it again safely. A server's `Retry-After` is honoured up
//! to [`RetryPolicy::max_retry_after`]; no number a server sends makes the client wait without
//! bound.
//!
//! # Conditional requests
//!
//! Single-resource fetches have `if_changed(etag)`, resolving to [`Conditional::NotModified`]
//! when the server answers 304; the other settings of the request (its retry policy among
//! them) apply. Writes documenting `If-Match` take `.if_match(etag)`; a stale one fails with a
//! 409 for which [`ApiError::is_conflict`] is true.
//!
//! # Rate limits
//!
//! Every response reports the key's window ([`RateLimit`]); [`Client::rate_limit`] keeps the
//! latest. [`ClientBuilder::pace_requests`] spaces requests to stay under a [`RateBudget`]
//! (by default the API's 600 per minute), shared by the client's clones and adjusted to what the
//! server reports is left.
//!
//! # Several runtimes
//!
//! A pooled connection belongs to the tokio runtime that opened it. A client shared by several
//! runtimes should be built with [`ClientBuilder::pool_max_idle_per_host`]`(0)`: see [`Client`].
//!
//! # Webhooks
//!
//! [`webhooks::Verifier`] checks `X-Sendmux-Signature` over the raw body with one or more
//! secrets, refuses headers that contradict the signed body and events too old to be anything
//! but a replay, and returns the typed event; [`webhooks::sign`] produces signatures for tests.
//!
//! # Features
//!
//! - `rustls-ring` (default), `rustls-aws-lc-rs`, `native-tls`: the TLS backend (see below).
//! - `http2`: HTTP/2 with servers that offer it. Off by default: the API serves one request
//!   per exchange, HTTP/1.1 connections are kept alive and reused, and the HTTP/2 stack adds
//!   noticeably to the build.
//! - `testing`: the mock API and example models described next.
//! - `json-schema`: `schemars::JsonSchema` for every model, for comparing models or answers
//!   with JSON Schemas. Off by default: the derive is a large share of the crate's build time.
//! - `dynamic`: [`dynamic`], every operation described as data and sent by its id with
//!   parameters given as JSON, for tools driven by the spec (the `sendmux-mgmt` command line is
//!   built on it).
//! - `contract` (implies `testing`): the [contract tools](crate::contract) for tests: answers
//!   checked against `openapi.yaml`, drift reports, stubs that cannot break the contract, and
//!   record and replay. Off by default: it pulls in a JSON Schema validator.
//!
//! # Testing
//!
//! The `testing` feature adds `testing::MockApi`, a typed mock of the whole API on loopback,
//! with scripted faults (429, 503, dropped connections) for testing code that uses the client.
//! Every model has a ready-made value to answer with, `example()` (as in
//! `types::Domain::example()`), taken from the examples of the spec or composed from those of
//! its fields, and `MockApi::answer_with_examples` answers every operation with them at once.
//! The `contract` feature checks what the API (or a mock) answers against the spec,
//! reports what the API added that the spec does not know yet, and records and replays
//! exchanges; see the `contract` module.
//!
//! # TLS
//!
//! Each client carries its own TLS configuration; building one installs nothing process-wide,
//! so an application keeps its own choice of rustls crypto provider. Features choose the
//! backend: `rustls-ring` (the default), `rustls-aws-lc-rs`, or `native-tls` (with
//! `default-features = false`). With `rustls-ring`, reqwest is built without a provider of its
//! own: an application that also builds plain `reqwest` clients and enables no TLS feature of
//! reqwest itself installs a provider first ([`install_crypto_provider`] does) or uses
//! `rustls-aws-lc-rs`.
//!
//! # Tracing
//!
//! Each request runs in a `sendmux.request` span of the `tracing` crate with the operation id,
//! method, path template, attempt, status and request id; each retry emits an event saying why
//! and how long it waits.
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod call;
mod clearable;
mod client;
#[cfg(feature = "dynamic")]
#[cfg_attr(docsrs, doc(cfg(feature = "dynamic")))]
pub mod dynamic;
mod envelope;
mod error;
mod field;
mod generated;
mod hooks;
mod json_path;
mod lookahead;
mod operation;
mod pacer;
mod pagination;
mod path_segment;
pub mod requests;
mod response;
mod retry;
mod secret;
mod send;
mod server_text;
mod timestamp;
mod tls;
pub mod webhooks;

#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;

#[cfg(feature = "contract")]
#[cfg_attr(docsrs, doc(cfg(feature = "contract")))]
pub mod contract;

pub use call::{CallFuture, ConditionalFuture};
pub use clearable::Clearable;
pub use client::{
    install_crypto_provider, Client, ClientBuilder, TokenProvider, DEFAULT_BASE_URL,
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_REQUEST_TIMEOUT,
};
pub use error::{
    ApiError, ConfigError, DecodeError, Error, FieldIssue, RedirectError, TransportError,
    TransportErrorKind,
};
pub use field::IntoChecked;
pub use generated::types;
pub use pacer::RateBudget;
pub use pagination::{Items, Pages};
pub use response::{Conditional, NotModified, Pagination, RateLimit, Response};
pub use retry::RetryPolicy;
pub use secret::Secret;
pub use types::ErrorCode;

/// Compiles the README's examples as doc tests so they cannot rot (they use every feature).
#[cfg(all(doctest, feature = "contract"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
