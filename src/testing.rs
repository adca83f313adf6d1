//! A typed mock of the Management API for testing code that uses this crate (feature
//! `testing`).
//!
//! [`MockApi`] runs an [httpmock](https://docs.rs/httpmock) server on loopback. Stub operations
//! with the typed helpers of [`MockServerExt`] (one method per operation, with typed parameters
//! and answers), point a [`Client`] at it, and script faults to test your own error handling.
//! Answer with the ready-made models of the spec's examples, such as
//! [`Domain::example`](crate::types::Domain::example), changing what a test needs.
//!
//! ```
//! use sendmux_management::testing::{MockApi, MockServerExt};
//! use sendmux_management::types::{DomainPage, WebhookEventType};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let api = MockApi::start().await;
//! let mock = api.list_webhooks(|when, then| {
//!     when.limit(std::num::NonZeroU64::new(10).unwrap());
//!     then.ok(&sendmux_management::types::WebhookSubscriptionPage::of(vec![]));
//! });
//! let page = api.client().list_webhooks().limit(10).await.unwrap();
//! assert!(page.data.is_empty());
//! mock.assert();
//! # }
//! ```

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::types::{ErrorBody, ErrorCode, ErrorEnvelope, ResponseMeta};
use crate::{Client, RetryPolicy};

pub use crate::generated::mock::{operations, MockServerExt};
pub use httpmock::{Method, Mock, MockServer};

mod examples;

/// Decodes the example of a model, written in the spec. Each is checked against its schema by
/// `cargo xtask lint` and decoded by the crate's tests, so the failure below cannot happen in a
/// released crate.
pub(crate) fn example<T: serde::de::DeserializeOwned>(json: &str) -> T {
    match serde_json::from_str(json) {
        Ok(value) => value,
        Err(error) => panic!("an example in openapi.yaml does not fit its model: {error}"),
    }
}

/// The request id the envelopes built by `of` carry.
pub const REQUEST_ID: &str = "req_mock";

/// The key the clients of a [`MockApi`] send.
pub const API_KEY: &str = "smx_root_mock";

/// A mock of the API on loopback, with a fault-injecting front for dropped connections.
pub struct MockApi {
    server: MockServer,
    front: String,
    drops: Arc<AtomicUsize>,
}

impl MockApi {
    /// Starts the mock.
    pub async fn start() -> Self {
        let server = MockServer::start_async().await;
        let drops = Arc::new(AtomicUsize::new(0));
        let front = start_front(server.address().to_string(), drops.clone()).await;
        Self {
            server,
            front,
            drops,
        }
    }

    /// The base URL to give a client.
    pub fn base_url(&self) -> &str {
        &self.front
    }

    /// A client of the mock. It retries quickly (1 ms backoff, at most 4 attempts) so that tests
    /// of retried failures stay fast, and opens a new connection per request so that
    /// [`MockApi::drop_connections`] applies request by request.
    pub fn client(&self) -> Client {
        Client::builder()
            .api_key(API_KEY)
            .base_url(self.base_url())
            .pool_max_idle_per_host(0)
            .request_timeout(Duration::from_secs(10))
            .retry_policy(
                RetryPolicy::default()
                    .base_delay(Duration::from_millis(1))
                    .max_delay(Duration::from_millis(10)),
            )
            .build()
            .unwrap_or_else(|e| unreachable!("the mock's own configuration is valid: {e}"))
    }

    /// Answers the next `times` requests to `method path` with 429 `rate_limit_exceeded` and
    /// `Retry-After: retry_after` (whole seconds).
    pub async fn rate_limited(
        &self,
        method: Method,
        path: &str,
        retry_after: Duration,
        times: usize,
    ) -> Mock<'_> {
        self.fail(
            method,
            path,
            429,
            ErrorCode::RateLimitExceeded,
            Some(retry_after),
            times,
        )
        .await
    }

    /// Answers the next `times` requests to `method path` with 503 `service_unavailable`.
    pub async fn unavailable(&self, method: Method, path: &str, times: usize) -> Mock<'_> {
        self.fail(
            method,
            path,
            503,
            ErrorCode::ServiceUnavailable,
            None,
            times,
        )
        .await
    }

    /// Closes the next `times` connections as soon as they open, before any answer: the client
    /// sees a dropped connection.
    pub fn drop_connections(&self, times: usize) {
        self.drops.store(times, Ordering::SeqCst);
    }

    async fn fail(
        &self,
        method: Method,
        path: &str,
        status: u16,
        code: ErrorCode,
        retry_after: Option<Duration>,
        times: usize,
    ) -> Mock<'_> {
        let body = serde_json::to_value(error(code, "Injected by the mock.")).unwrap_or_default();
        self.server
            .mock_async(|when, then| {
                when.method(method).path(path);
                let then = then.status(status).json_body(body).up_to_n_times(times);
                if let Some(wait) = retry_after {
                    then.header("retry-after", wait.as_secs().to_string());
                }
            })
            .await
    }
}

impl std::ops::Deref for MockApi {
    type Target = MockServer;
    fn deref(&self) -> &MockServer {
        &self.server
    }
}

/// An error answer as the service would send it.
pub fn error(code: ErrorCode, message: &str) -> ErrorEnvelope {
    let retryable = matches!(
        code,
        ErrorCode::RateLimitExceeded | ErrorCode::InternalError | ErrorCode::ServiceUnavailable
    );
    ErrorEnvelope {
        ok: false,
        error: ErrorBody {
            code,
            message: message.to_owned(),
            param: None,
            doc_url: None,
            retryable,
            errors: Vec::new(),
        },
        meta: ResponseMeta {
            request_id: REQUEST_ID.to_owned(),
        },
    }
}

/// A loopback front that forwards connections to the mock, or closes them while drops are due.
async fn start_front(target: String, drops: Arc<AtomicUsize>) -> String {
    let Ok(listener) = TcpListener::bind("127.0.0.1:0").await else {
        return format!("http://{target}");
    };
    let Ok(address) = listener.local_addr() else {
        return format!("http://{target}");
    };
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            let due = drops
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
            if due {
                drop(inbound);
                continue;
            }
            let target = target.clone();
            tokio::spawn(async move {
                if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
    format!("http://{address}")
}
