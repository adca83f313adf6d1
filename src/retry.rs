//! Retries that cannot duplicate a write: which failures are retried, on which methods, and how
//! long to wait between attempts.

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};

use crate::error::breaks_protocol;
use crate::response::{retry_after, RateLimit};

/// When and how often a failed request is sent again.
///
/// Retried: connection failures, timeouts, a connection broken mid-exchange, and the statuses
/// 429, 500, 502, 503 and 504, unless the error body says `retryable: false`. Never retried: a
/// redirect, and an answer that is not valid HTTP, since the same server would send them again.
/// GET, PUT and DELETE are retried; PATCH only with [`RetryPolicy::retry_patch`]; POST only when
/// it carries an `Idempotency-Key`, which the client adds to every create that documents one, so
/// the server recognises a repeat and answers it with the first result instead of acting twice.
///
/// A 409 `idempotency_conflict` is never retried: it means the same key is still being processed
/// or was used for a different body, and sending it again cannot change that by itself.
///
/// Between attempts the client waits a random time between zero and an exponentially growing
/// ceiling ("full jitter"), but never less than the server's `Retry-After` and, for a 429 without
/// it, never less than the time until the rate-limit window resets. A server asking for a longer
/// wait than [`RetryPolicy::max_retry_after`] allows, or one that would carry the retry past the
/// deadline, gets no further attempt: the error is returned at once, its `retry_after` saying
/// what the server asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    deadline: Option<Duration>,
    max_retry_after: Duration,
    retry_patch: bool,
}

impl Default for RetryPolicy {
    /// Four attempts, backoff from 250 ms up to 20 s, at most 60 s in all, server-requested
    /// waits up to 60 s; PATCH not retried.
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(20),
            deadline: Some(Duration::from_secs(60)),
            max_retry_after: Duration::from_secs(60),
            retry_patch: false,
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Attempts in all, the first included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Ceiling of the first backoff; it doubles with each retry.
    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// Largest backoff ceiling. A longer `Retry-After` still wins.
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// Time after which no further attempt starts, counted from the first; `None` for no limit.
    pub fn deadline(mut self, deadline: Option<Duration>) -> Self {
        self.deadline = deadline;
        self
    }

    /// Longest wait the server may ask for (`Retry-After`, or a 429's rate-limit reset) and still
    /// get another attempt; a longer one ends the retries. Bounds every wait between attempts,
    /// whatever the server sends, also without a deadline.
    pub fn max_retry_after(mut self, wait: Duration) -> Self {
        self.max_retry_after = wait;
        self
    }

    /// Also retry PATCH requests. Only safe when sending the same change twice has the effect of
    /// sending it once, as with the API's field-replacing updates guarded by `If-Match`.
    pub fn retry_patch(mut self, retry: bool) -> Self {
        self.retry_patch = retry;
        self
    }

    pub(crate) fn attempts(&self) -> u32 {
        self.max_attempts
    }

    pub(crate) fn deadline_after(&self) -> Option<Duration> {
        self.deadline
    }

    /// Whether the server's requested wait is one this policy sits out.
    pub(crate) fn accepts_server_wait(&self, wait: Option<Duration>) -> bool {
        wait.is_none_or(|wait| wait <= self.max_retry_after)
    }

    /// Whether a request of this method may be sent twice.
    pub(crate) fn may_repeat(&self, method: &Method, has_idempotency_key: bool) -> bool {
        match *method {
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS => true,
            Method::PATCH => self.retry_patch,
            Method::POST => has_idempotency_key,
            _ => false,
        }
    }

    /// The wait before attempt `next` (2 for the first retry).
    pub(crate) fn delay(&self, next: u32, floor: Option<Duration>) -> Duration {
        let exponent = next.saturating_sub(2).min(31);
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << exponent)
            .min(self.max_delay);
        let jitter = ceiling.mul_f64(fastrand::f64());
        jitter.max(floor.unwrap_or(Duration::ZERO))
    }
}

/// Why an attempt is worth repeating.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reason {
    Status(u16),
    Connect,
    Timeout,
    Interrupted,
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Status(status) => write!(f, "HTTP {status}"),
            Self::Connect => f.write_str("connection failed"),
            Self::Timeout => f.write_str("timed out"),
            Self::Interrupted => f.write_str("connection broken"),
        }
    }
}

/// Whether an answer calls for another attempt, and the least wait the server asked for.
pub(crate) fn assess_answer(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> Option<(Reason, Option<Duration>)> {
    if !matches!(status.as_u16(), 429 | 500 | 502 | 503 | 504) || says_not_retryable(body) {
        return None;
    }
    let floor = retry_after(headers).or_else(|| {
        (status == StatusCode::TOO_MANY_REQUESTS)
            .then(|| RateLimit::from_headers(headers))
            .flatten()
            .map(|limit| {
                limit
                    .reset
                    .duration_since(SystemTime::now())
                    .unwrap_or(Duration::ZERO)
            })
    });
    Some((Reason::Status(status.as_u16()), floor))
}

/// Whether a failed exchange is worth another attempt.
pub(crate) fn assess_failure(error: &reqwest::Error) -> Option<Reason> {
    if error.is_timeout() {
        Some(Reason::Timeout)
    } else if error.is_connect() {
        Some(Reason::Connect)
    } else if breaks_protocol(error) {
        None
    } else if error.is_request() || error.is_body() || error.is_decode() {
        // Reading a body whose connection broke surfaces as a decode error.
        Some(Reason::Interrupted)
    } else {
        None
    }
}

/// `retryable: false` in an error envelope overrides the status.
fn says_not_retryable(body: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Envelope {
        error: Flag,
    }
    #[derive(serde::Deserialize)]
    struct Flag {
        retryable: Option<bool>,
    }
    serde_json::from_slice::<Envelope>(body)
        .ok()
        .and_then(|e| e.error.retryable)
        == Some(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_within_the_growing_ceiling() {
        let policy = RetryPolicy::default()
            .base_delay(Duration::from_millis(100))
            .max_delay(Duration::from_millis(700));
        for next in 2..8 {
            let ceiling =
                Duration::from_millis(100 * (1 << (next - 2))).min(Duration::from_millis(700));
            let delays: Vec<_> = (0..500).map(|_| policy.delay(next, None)).collect();
            assert!(delays.iter().all(|d| *d <= ceiling), "attempt {next}");
            // Full jitter spreads over the whole range, not a narrow band.
            assert!(delays.iter().any(|d| *d < ceiling / 4));
            assert!(delays.iter().any(|d| *d > ceiling * 3 / 4));
        }
    }

    #[test]
    fn the_server_floor_wins_over_jitter() {
        let policy = RetryPolicy::default().max_delay(Duration::from_millis(10));
        let floor = Duration::from_secs(3);
        assert!((0..100).all(|_| policy.delay(2, Some(floor)) == floor));
    }

    #[test]
    fn methods_that_may_repeat() {
        let policy = RetryPolicy::default();
        assert!(policy.may_repeat(&Method::GET, false));
        assert!(policy.may_repeat(&Method::PUT, false));
        assert!(policy.may_repeat(&Method::DELETE, false));
        assert!(!policy.may_repeat(&Method::PATCH, false));
        assert!(policy
            .clone()
            .retry_patch(true)
            .may_repeat(&Method::PATCH, false));
        assert!(!policy.may_repeat(&Method::POST, false));
        assert!(policy.may_repeat(&Method::POST, true));
    }

    #[test]
    fn statuses_worth_retrying() {
        let headers = HeaderMap::new();
        for status in [429, 500, 502, 503, 504] {
            let status = StatusCode::from_u16(status).unwrap();
            assert!(assess_answer(status, &headers, b"").is_some());
        }
        for status in [200, 400, 401, 404, 409, 422, 501] {
            let status = StatusCode::from_u16(status).unwrap();
            assert!(assess_answer(status, &headers, b"").is_none());
        }
        let refused =
            br#"{"ok":false,"error":{"code":"internal_error","message":"x","retryable":false}}"#;
        assert!(assess_answer(StatusCode::INTERNAL_SERVER_ERROR, &headers, refused).is_none());
    }
}
