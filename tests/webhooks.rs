//! Webhook signatures against vectors computed outside the crate, and typed events.

use sendmux_management::types::{BounceType, WebhookEventType};
use sendmux_management::webhooks::{sign, Verifier, WebhookError};
use serde_json::Value;

struct Vector {
    secret: String,
    body: String,
    signature: String,
}

/// `tests/fixtures/webhooks/vectors.json`: bodies, secrets and the signatures Python's `hmac`
/// module computed for them (the file says how).
fn vectors() -> Vec<Vector> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/webhooks/vectors.json"
    );
    let file: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    file["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| Vector {
            secret: v["secret"].as_str().unwrap().to_owned(),
            body: v["body"].as_str().unwrap().to_owned(),
            signature: v["signature"].as_str().unwrap().to_owned(),
        })
        .collect()
}

#[test]
fn known_answers_verify_and_signing_reproduces_them() {
    for v in vectors() {
        assert_eq!(sign(&v.secret, v.body.as_bytes()), v.signature);
        Verifier::new(&v.secret)
            .verify(v.body.as_bytes(), Some(&v.signature))
            .unwrap_or_else(|e| panic!("{}: {e}", v.body));
    }
}

#[test]
fn a_tampered_body_is_a_mismatch() {
    for v in vectors() {
        let mut body = v.body.into_bytes();
        let last = body.len() - 2;
        body[last] ^= 1;
        let error = Verifier::new(&v.secret)
            .verify(&body, Some(&v.signature))
            .unwrap_err();
        assert!(
            matches!(error, WebhookError::SignatureMismatch),
            "{error:?}"
        );
    }
}

#[test]
fn re_serialised_json_is_not_the_signed_body() {
    let v = &vectors()[1];
    let reserialised =
        serde_json::to_vec(&serde_json::from_str::<Value>(&v.body).unwrap()).unwrap();
    assert!(Verifier::new(&v.secret)
        .verify(&reserialised, Some(&v.signature))
        .is_err());
}

#[test]
fn a_wrong_secret_is_a_mismatch() {
    let v = &vectors()[0];
    let error = Verifier::new("whsec_other").verify(v.body.as_bytes(), Some(&v.signature));
    assert!(matches!(error, Err(WebhookError::SignatureMismatch)));
}

#[test]
fn header_case_and_whitespace_are_tolerated() {
    let v = &vectors()[0];
    let hex = &v.signature["sha256=".len()..];
    let verifier = Verifier::new(&v.secret);
    for header in [
        format!("  {}\t", v.signature),
        format!("SHA256={}", hex.to_uppercase()),
        format!("Sha256={hex}\r\n"),
    ] {
        verifier
            .verify(v.body.as_bytes(), Some(&header))
            .unwrap_or_else(|e| panic!("{header:?}: {e}"));
    }
}

#[test]
fn missing_and_malformed_headers_are_told_apart() {
    let v = &vectors()[0];
    let verifier = Verifier::new(&v.secret);
    assert!(matches!(
        verifier.verify(v.body.as_bytes(), None),
        Err(WebhookError::MissingSignature)
    ));
    let hex = &v.signature["sha256=".len()..];
    for header in [
        String::new(),
        hex.to_owned(),
        format!("sha1={hex}"),
        format!("sha256={}", &hex[..62]),
        format!("sha256={hex}00"),
        format!("sha256={}zz", &hex[..62]),
        "sha256=".to_owned(),
    ] {
        assert!(
            matches!(
                verifier.verify(v.body.as_bytes(), Some(&header)),
                Err(WebhookError::MalformedSignature)
            ),
            "{header:?}"
        );
    }
}

#[test]
fn during_a_rotation_both_secrets_are_accepted() {
    let [old, new, _] = <[Vector; 3]>::try_from(vectors()).ok().unwrap();
    let verifier = Verifier::new(&old.secret).with_secret(&new.secret);
    verifier
        .verify(old.body.as_bytes(), Some(&old.signature))
        .unwrap();
    verifier
        .verify(new.body.as_bytes(), Some(&new.signature))
        .unwrap();
    // A signature from one secret over the other's body still fails.
    assert!(verifier
        .verify(old.body.as_bytes(), Some(&new.signature))
        .is_err());
}

#[test]
fn a_valid_signature_over_invalid_json_is_its_own_error() {
    let secret = "whsec_4f9a1c7e2b8d";
    for body in [&b"not json"[..], br#"{"id":"evt_1"}"#] {
        let error = Verifier::new(secret)
            .event(body, Some(&sign(secret, body)))
            .unwrap_err();
        assert!(
            matches!(error, WebhookError::InvalidPayload(_)),
            "{error:?}"
        );
    }
}

#[test]
fn events_are_typed() {
    let v = &vectors()[1];
    let event = Verifier::new(&v.secret)
        .event(v.body.as_bytes(), Some(&v.signature))
        .unwrap();
    assert_eq!(event.id, "evt_cm3k8q2xa0");
    assert_eq!(event.type_, WebhookEventType::MessageBounced);
    assert_eq!(event.occurred_at.to_rfc3339(), "2026-11-02T09:31:12+00:00");
    assert_eq!(event.data.bounce_type, Some(BounceType::Permanent));
    assert_eq!(event.data.recipients, ["gone@example.org"]);
}

#[test]
fn an_unknown_event_type_is_kept() {
    let secret = "whsec_4f9a1c7e2b8d";
    let v = &vectors()[0];
    let body = v.body.replace("message.delivered", "message.opened");
    let event = Verifier::new(secret)
        .event(body.as_bytes(), Some(&sign(secret, body.as_bytes())))
        .unwrap();
    assert_eq!(
        event.type_,
        WebhookEventType::Unknown("message.opened".into())
    );
}

#[test]
fn a_delivery_reads_its_headers() {
    let v = &vectors()[0];
    let mut headers = http::HeaderMap::new();
    headers.insert("X-Sendmux-Signature", v.signature.parse().unwrap());
    headers.insert("X-Sendmux-Event-Id", "evt_cm3k8q2x9v".parse().unwrap());
    headers.insert("X-Sendmux-Event-Type", "message.delivered".parse().unwrap());
    headers.insert("X-Sendmux-Delivery-Attempt", "3".parse().unwrap());
    let delivery = Verifier::new(&v.secret)
        .delivery(&headers, v.body.as_bytes())
        .unwrap();
    assert_eq!(delivery.event_id.as_deref(), Some("evt_cm3k8q2x9v"));
    assert_eq!(
        delivery.event_type,
        Some(WebhookEventType::MessageDelivered)
    );
    assert_eq!(delivery.attempt, Some(3));
    assert_eq!(delivery.event.id, "evt_cm3k8q2x9v");

    headers.remove("X-Sendmux-Signature");
    assert!(matches!(
        Verifier::new(&v.secret).delivery(&headers, v.body.as_bytes()),
        Err(WebhookError::MissingSignature)
    ));
}

#[test]
fn the_secret_never_shows_in_debug() {
    let verifier = Verifier::new("whsec_4f9a1c7e2b8d");
    assert!(!format!("{verifier:?}").contains("4f9a1c7e2b8d"));
}
