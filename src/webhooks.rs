//! Receiving webhooks: signature verification over the raw body and typed events.
//!
//! Sendmux signs every delivery with HMAC-SHA256 of the raw request body, keyed with the
//! subscription's signing secret, and sends it as `X-Sendmux-Signature: sha256=<hex>`.
//!
//! Only the body is signed. The headers that repeat its id and type are therefore checked
//! against it, and its `occurred_at` is what bounds how long a captured delivery stays usable:
//! events older than [`DEFAULT_MAX_AGE`] (or dated more than [`DEFAULT_CLOCK_SKEW`] ahead) are
//! refused unless the [`Verifier`] is told otherwise.
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use sendmux_management::webhooks::{sign, Verifier, WebhookError};
//! use sendmux_management::types::WebhookEventType;
//!
//! let secret = "whsec_4f9a1c7e2b8d";
//! let body = br#"{"id":"evt_1","type":"sendmux.test","team_public_id":"team_1",
//!   "occurred_at":"2026-11-02T09:30:00Z","data":{"message_id":null,"message_id_kind":null,
//!   "sendmux_message_id":null,"sender":null,"recipients":[],"mailbox_id":null,
//!   "bounce_type":null,"bounce_subtype":null,"complaint_type":null,"complaint_subtype":null,
//!   "reject_reason":null,"delay_type":null,"delay_expires_at":null,"is_spam":null,
//!   "webhook_id":"whk_1"}}"#;
//! let signature = sign(secret, body); // what the service sends
//!
//! let verifier = Verifier::new(secret)?;
//! // `event` reads the system clock; `event_at` takes the time of receipt, here a minute after
//! // the event occurred.
//! let received = SystemTime::UNIX_EPOCH + Duration::from_secs(1_793_611_800 + 60);
//! let event = verifier.event_at(body, Some(&signature), received)?;
//! assert_eq!(event.type_, WebhookEventType::SendmuxTest);
//! assert!(verifier.event_at(b"{}", Some(&signature), received).is_err());
//!
//! // A week later the same delivery is a replay.
//! let week_later = received + Duration::from_secs(7 * 24 * 3600);
//! let stale = verifier.event_at(body, Some(&signature), week_later);
//! assert!(matches!(stale, Err(WebhookError::Stale { .. })));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::time::{Duration, SystemTime};

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::types::WebhookEventPayload;

mod freshness;

use freshness::Freshness;

/// Header carrying the signature.
pub const SIGNATURE_HEADER: &str = "x-sendmux-signature";
/// Header repeating the event id; a delivery whose header disagrees with the body is refused.
pub const EVENT_ID_HEADER: &str = "x-sendmux-event-id";
/// Header repeating the event type; a delivery whose header disagrees with the body is refused.
pub const EVENT_TYPE_HEADER: &str = "x-sendmux-event-type";
/// Header carrying the delivery attempt number, from 1.
pub const DELIVERY_ATTEMPT_HEADER: &str = "x-sendmux-delivery-attempt";

/// The oldest event a [`Verifier`] accepts by default: 48 hours.
///
/// The service retries a failing delivery for 24 hours. The other 24 hours are margin for an
/// event that waits before its first attempt and for a receiver whose clock lags, because
/// refusing the last retries of a genuine event loses it and marks the webhook as failing.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(48 * 60 * 60);

/// How far in the future an event may be dated by default: 5 minutes, for clocks that disagree.
pub const DEFAULT_CLOCK_SKEW: Duration = Duration::from_secs(5 * 60);

const SCHEME: &str = "sha256=";

/// A webhook event, as delivered in the request body.
pub type Event = WebhookEventPayload;

/// Why a delivery was rejected.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The request has no `X-Sendmux-Signature` header.
    #[error("the request carries no X-Sendmux-Signature header")]
    MissingSignature,
    /// The header is not `sha256=` followed by 64 hex digits.
    #[error("the X-Sendmux-Signature header is not of the form sha256=<hex>")]
    MalformedSignature,
    /// No secret produces the signature: the body was altered, or the secret is wrong.
    #[error("the signature does not match the body with any of the secrets")]
    SignatureMismatch,
    /// The signature is valid but the body is not a webhook event.
    #[error("the signed body is not a valid webhook event: {0}")]
    InvalidPayload(#[source] serde_json::Error),
    /// An unsigned header contradicts the signed body, as when a captured delivery is re-sent
    /// under a new event id to get past deduplication.
    #[error("the {header} header disagrees with the signed body")]
    HeaderMismatch {
        /// The header's name, one of [`EVENT_ID_HEADER`] and [`EVENT_TYPE_HEADER`].
        header: &'static str,
    },
    /// The event occurred longer ago than the verifier accepts.
    #[error(
        "the event occurred {}s ago, more than the {}s accepted",
        .age.as_secs(),
        .max_age.as_secs()
    )]
    Stale {
        /// How long ago the event occurred.
        age: Duration,
        /// The most the verifier accepts.
        max_age: Duration,
    },
    /// The event is dated further in the future than clock skew explains.
    #[error(
        "the event is dated {}s in the future, more than the {}s allowed for clock skew",
        .ahead.as_secs(),
        .clock_skew.as_secs()
    )]
    DatedInTheFuture {
        /// How far ahead of the receiver's clock the event is dated.
        ahead: Duration,
        /// The most the verifier allows.
        clock_skew: Duration,
    },
}

/// A signing secret was empty. Anyone can compute a signature under an empty key, so a verifier
/// holding one would accept forged deliveries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a webhook signing secret must not be empty")]
pub struct EmptySecret;

/// Checks signatures with one or more secrets, and how old the signed events are. Several
/// secrets let a receiver accept deliveries signed with the old and the new secret while a
/// rotation takes effect.
#[derive(Clone)]
pub struct Verifier {
    keys: Vec<Hmac<Sha256>>,
    freshness: Freshness,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("secrets", &self.keys.len())
            .field("max_age", &self.freshness.max_age)
            .field("clock_skew", &self.freshness.clock_skew)
            .finish()
    }
}

impl Verifier {
    /// A verifier accepting signatures made with `secret`, over events at most
    /// [`DEFAULT_MAX_AGE`] old and dated at most [`DEFAULT_CLOCK_SKEW`] ahead.
    pub fn new(secret: impl AsRef<[u8]>) -> Result<Self, EmptySecret> {
        let verifier = Self {
            keys: Vec::new(),
            freshness: Freshness {
                max_age: Some(DEFAULT_MAX_AGE),
                clock_skew: DEFAULT_CLOCK_SKEW,
            },
        };
        verifier.with_secret(secret)
    }

    /// Also accepts signatures made with `secret`.
    pub fn with_secret(mut self, secret: impl AsRef<[u8]>) -> Result<Self, EmptySecret> {
        let secret = secret.as_ref();
        if secret.is_empty() {
            return Err(EmptySecret);
        }
        self.keys.push(key(secret));
        Ok(self)
    }

    /// Refuses events that occurred more than `max_age` before they are received; `None`
    /// accepts events of any age, leaving replays of old deliveries to the receiver.
    pub fn max_age(mut self, max_age: Option<Duration>) -> Self {
        self.freshness.max_age = max_age;
        self
    }

    /// Refuses events dated more than `clock_skew` after they are received.
    pub fn clock_skew(mut self, clock_skew: Duration) -> Self {
        self.freshness.clock_skew = clock_skew;
        self
    }

    /// Checks `signature` (the value of `X-Sendmux-Signature`, `None` when absent) against the
    /// raw `body` exactly as received. The comparison takes the same time wherever the
    /// signatures differ. Only the signature is checked: the event's age is not, since that
    /// needs the body decoded, which [`event`](Self::event) does.
    pub fn verify(&self, body: &[u8], signature: Option<&str>) -> Result<(), WebhookError> {
        let digest = parse(signature.ok_or(WebhookError::MissingSignature)?)?;
        let authentic = self.keys.iter().any(|key| {
            let mut mac = key.clone();
            mac.update(body);
            mac.verify_slice(&digest).is_ok()
        });
        if authentic {
            Ok(())
        } else {
            Err(WebhookError::SignatureMismatch)
        }
    }

    /// Verifies the body, decodes the event and checks its age against the system clock.
    pub fn event(&self, body: &[u8], signature: Option<&str>) -> Result<Event, WebhookError> {
        self.event_at(body, signature, SystemTime::now())
    }

    /// [`event`](Self::event) for a body received at `now`.
    pub fn event_at(
        &self,
        body: &[u8],
        signature: Option<&str>,
        now: SystemTime,
    ) -> Result<Event, WebhookError> {
        self.verify(body, signature)?;
        let event: Event = serde_json::from_slice(body).map_err(WebhookError::InvalidPayload)?;
        self.freshness.check(&event.occurred_at, now)?;
        Ok(event)
    }

    /// Verifies a delivery from its headers and raw body: as [`event`](Self::event), and the
    /// event id and type headers, when present, must repeat the body's.
    pub fn delivery(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Result<Delivery, WebhookError> {
        self.delivery_at(headers, body, SystemTime::now())
    }

    /// [`delivery`](Self::delivery) for a request received at `now`.
    pub fn delivery_at(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<Delivery, WebhookError> {
        let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let event = self.event_at(body, text(SIGNATURE_HEADER), now)?;
        repeats(headers, EVENT_ID_HEADER, &event.id)?;
        repeats(headers, EVENT_TYPE_HEADER, event.type_.as_str())?;
        Ok(Delivery {
            attempt: text(DELIVERY_ATTEMPT_HEADER).and_then(|v| v.trim().parse().ok()),
            event,
        })
    }
}

/// A verified delivery. Deduplicate on `event.id`: it is signed, and the `X-Sendmux-Event-Id`
/// header was checked to agree with it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Delivery {
    /// The event.
    pub event: Event,
    /// `X-Sendmux-Delivery-Attempt`, from 1. Nothing signs it: good for logs, not for decisions.
    pub attempt: Option<u32>,
}

/// The `X-Sendmux-Signature` value the service would send for `body` signed with `secret`; for
/// testing receivers. An empty `secret` still yields a signature, one that no [`Verifier`]
/// accepts, for testing that such forgeries are refused.
pub fn sign(secret: impl AsRef<[u8]>, body: &[u8]) -> String {
    let mut mac = key(secret.as_ref());
    mac.update(body);
    format!("{SCHEME}{}", hex::encode(mac.finalize().into_bytes()))
}

fn key(secret: &[u8]) -> Hmac<Sha256> {
    // HMAC accepts keys of any length; this cannot fail.
    <Hmac<Sha256> as Mac>::new_from_slice(secret).unwrap_or_else(|_| unreachable!())
}

/// Every `name` header must carry `signed`, so that a repeated header cannot smuggle in a
/// second value; an absent header is fine, since the body is what counts.
fn repeats(
    headers: &http::HeaderMap,
    name: &'static str,
    signed: &str,
) -> Result<(), WebhookError> {
    let agrees = |value: &http::HeaderValue| value.to_str().is_ok_and(|v| v.trim() == signed);
    if headers.get_all(name).iter().all(agrees) {
        Ok(())
    } else {
        Err(WebhookError::HeaderMismatch { header: name })
    }
}

/// The digest in a header value, tolerating surrounding whitespace and any letter case.
fn parse(header: &str) -> Result<[u8; 32], WebhookError> {
    let header = header.trim();
    let (scheme, hex_digest) = header
        .split_at_checked(SCHEME.len())
        .ok_or(WebhookError::MalformedSignature)?;
    if !scheme.eq_ignore_ascii_case(SCHEME) {
        return Err(WebhookError::MalformedSignature);
    }
    let mut digest = [0u8; 32];
    hex::decode_to_slice(hex_digest.trim(), &mut digest)
        .map_err(|_| WebhookError::MalformedSignature)?;
    Ok(digest)
}
