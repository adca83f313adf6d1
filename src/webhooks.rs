//! Receiving webhooks: signature verification over the raw body and typed events.
//!
//! Sendmux signs every delivery with HMAC-SHA256 of the raw request body, keyed with the
//! subscription's signing secret, and sends it as `X-Sendmux-Signature: sha256=<hex>`.
//!
//! ```
//! use sendmux_management::webhooks::{sign, Verifier};
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
//! let verifier = Verifier::new(secret);
//! let event = verifier.event(body, Some(&signature)).expect("authentic");
//! assert_eq!(event.type_, WebhookEventType::SendmuxTest);
//! assert!(verifier.event(b"{}", Some(&signature)).is_err());
//! //! ```

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::types::{WebhookEventPayload, WebhookEventType};

/// Header carrying the signature.
pub const SIGNATURE_HEADER: &str = "x-sendmux-signature";
/// Header carrying the event id, the same for every delivery attempt of an event.
pub const EVENT_ID_HEADER: &str = "x-sendmux-event-id";
/// Header carrying the event type.
pub const EVENT_TYPE_HEADER: &str = "x-sendmux-event-type";
/// Header carrying the delivery attempt number, from 1.
pub const DELIVERY_ATTEMPT_HEADER: &str = "x-sendmux-delivery-attempt";

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
}

/// Checks signatures with one or more secrets. Several secrets let a receiver accept deliveries
/// signed with the old and the new secret while a rotation takes effect.
#[derive(Clone)]
pub struct Verifier {
    keys: Vec<Hmac<Sha256>>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("secrets", &self.keys.len())
            .finish()
    }
}

impl Verifier {
    /// A verifier accepting signatures made with `secret`.
    pub fn new(secret: impl AsRef<[u8]>) -> Self {
        Self { keys: Vec::new() }.with_secret(secret)
    }

    /// Also accepts signatures made with `secret`.
    pub fn with_secret(mut self, secret: impl AsRef<[u8]>) -> Self {
        self.keys.push(key(secret.as_ref()));
        self
    }

    /// Checks `signature` (the value of `X-Sendmux-Signature`, `None` when absent) against the
    /// raw `body` exactly as received. The comparison takes the same time wherever the
    /// signatures differ.
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

    /// Verifies the body, then decodes the event.
    pub fn event(&self, body: &[u8], signature: Option<&str>) -> Result<Event, WebhookError> {
        self.verify(body, signature)?;
        serde_json::from_slice(body).map_err(WebhookError::InvalidPayload)
    }

    /// Verifies a delivery from its headers and raw body, and decodes the event along with the
    /// delivery headers.
    pub fn delivery(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Result<Delivery, WebhookError> {
        let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let event = self.event(body, text(SIGNATURE_HEADER))?;
        Ok(Delivery {
            event_id: text(EVENT_ID_HEADER).map(str::to_owned),
            event_type: text(EVENT_TYPE_HEADER).map(WebhookEventType::from),
            attempt: text(DELIVERY_ATTEMPT_HEADER).and_then(|v| v.trim().parse().ok()),
            event,
        })
    }
}

/// A verified delivery: the event and what the delivery headers said.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Delivery {
    /// The event.
    pub event: Event,
    /// `X-Sendmux-Event-Id`: the same on every attempt; deduplicate on it.
    pub event_id: Option<String>,
    /// `X-Sendmux-Event-Type`.
    pub event_type: Option<WebhookEventType>,
    /// `X-Sendmux-Delivery-Attempt`, from 1.
    pub attempt: Option<u32>,
}

/// The `X-Sendmux-Signature` value the service would send for `body` signed with `secret`; for
/// testing receivers.
pub fn sign(secret: impl AsRef<[u8]>, body: &[u8]) -> String {
    let mut mac = key(secret.as_ref());
    mac.update(body);
    format!("{SCHEME}{}", hex::encode(mac.finalize().into_bytes()))
}

fn key(secret: &[u8]) -> Hmac<Sha256> {
    // HMAC accepts keys of any length; this cannot fail.
    <Hmac<Sha256> as Mac>::new_from_slice(secret).unwrap_or_else(|_| unreachable!())
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
