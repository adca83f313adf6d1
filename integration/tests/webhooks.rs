//! Webhook signatures against vectors computed outside the crate, typed events, and the checks
//! that keep a captured delivery from being replayed: headers against the signed body, and the
//! event's age. Time is always passed in, never waited for.

use std::time::{Duration, SystemTime};

use sendmux_management::types::{BounceType, WebhookEventType};
use sendmux_management::webhooks::{
    sign, EmptySecret, Verifier, WebhookError, DEFAULT_CLOCK_SKEW, DEFAULT_MAX_AGE,
    EVENT_ID_HEADER, EVENT_TYPE_HEADER,
};
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

/// The instant `rfc3339` names.
fn at(rfc3339: &str) -> SystemTime {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .into()
}

/// Shortly after the vectors' events occurred.
fn received() -> SystemTime {
    at("2026-11-02T10:05:00Z")
}

/// The first vector's body with another `occurred_at`, and its signature.
fn dated(occurred_at: &str) -> (String, String) {
    let v = &vectors()[0];
    let body = v.body.replace("2026-11-02T09:30:00Z", occurred_at);
    let signature = sign(&v.secret, body.as_bytes());
    (body, signature)
}

fn verifier() -> Verifier {
    Verifier::new(&vectors()[0].secret).unwrap()
}

/// The first vector as a delivery with every header the service sends.
fn delivery_headers() -> http::HeaderMap {
    let v = &vectors()[0];
    let mut headers = http::HeaderMap::new();
    headers.insert("X-Sendmux-Signature", v.signature.parse().unwrap());
    headers.insert("X-Sendmux-Event-Id", "evt_cm3k8q2x9v".parse().unwrap());
    headers.insert("X-Sendmux-Event-Type", "message.delivered".parse().unwrap());
    headers.insert("X-Sendmux-Delivery-Attempt", "3".parse().unwrap());
    headers
}

#[test]
fn known_answers_verify_and_signing_reproduces_them() {
    for v in vectors() {
        assert_eq!(sign(&v.secret, v.body.as_bytes()), v.signature);
        Verifier::new(&v.secret)
            .unwrap()
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
            .unwrap()
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
        .unwrap()
        .verify(&reserialised, Some(&v.signature))
        .is_err());
}

#[test]
fn a_wrong_secret_is_a_mismatch() {
    let v = &vectors()[0];
    let error = Verifier::new("whsec_other")
        .unwrap()
        .verify(v.body.as_bytes(), Some(&v.signature));
    assert!(matches!(error, Err(WebhookError::SignatureMismatch)));
}

#[test]
fn header_case_and_whitespace_are_tolerated() {
    let v = &vectors()[0];
    let hex = &v.signature["sha256=".len()..];
    let verifier = Verifier::new(&v.secret).unwrap();
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
    let verifier = Verifier::new(&v.secret).unwrap();
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
    let verifier = Verifier::new(&old.secret)
        .unwrap()
        .with_secret(&new.secret)
        .unwrap();
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
            .unwrap()
            .event_at(body, Some(&sign(secret, body)), received())
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
        .unwrap()
        .event_at(v.body.as_bytes(), Some(&v.signature), received())
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
        .unwrap()
        .event_at(
            body.as_bytes(),
            Some(&sign(secret, body.as_bytes())),
            received(),
        )
        .unwrap();
    assert_eq!(
        event.type_,
        WebhookEventType::Unknown("message.opened".into())
    );
}

#[test]
fn a_delivery_reads_its_headers() {
    let v = &vectors()[0];
    let mut headers = delivery_headers();
    let delivery = verifier()
        .delivery_at(&headers, v.body.as_bytes(), received())
        .unwrap();
    assert_eq!(delivery.event.id, "evt_cm3k8q2x9v");
    assert_eq!(delivery.event.type_, WebhookEventType::MessageDelivered);
    assert_eq!(delivery.attempt, Some(3));

    // The body is what is signed, so the headers repeating it may be left out.
    headers.remove("X-Sendmux-Event-Id");
    headers.remove("X-Sendmux-Event-Type");
    let delivery = verifier()
        .delivery_at(&headers, v.body.as_bytes(), received())
        .unwrap();
    assert_eq!(delivery.event.id, "evt_cm3k8q2x9v");

    headers.remove("X-Sendmux-Signature");
    assert!(matches!(
        verifier().delivery_at(&headers, v.body.as_bytes(), received()),
        Err(WebhookError::MissingSignature)
    ));
}

#[test]
fn an_event_id_header_other_than_the_signed_id_is_refused() {
    // A captured delivery re-sent under a fresh id would otherwise pass deduplication.
    let v = &vectors()[0];
    let forged = [
        &["evt_fresh_forgery"][..],
        &["evt_cm3k8q2x9v", "evt_fresh_forgery"],
        &["evt_fresh_forgery", "evt_cm3k8q2x9v"],
    ];
    for values in forged {
        let mut headers = delivery_headers();
        headers.remove("X-Sendmux-Event-Id");
        for value in values {
            headers.append("X-Sendmux-Event-Id", value.parse().unwrap());
        }
        let error = verifier()
            .delivery_at(&headers, v.body.as_bytes(), received())
            .unwrap_err();
        assert!(
            matches!(error, WebhookError::HeaderMismatch { header } if header == EVENT_ID_HEADER),
            "{values:?}: {error:?}"
        );
    }
    let mut headers = delivery_headers();
    headers.insert(
        "X-Sendmux-Event-Id",
        http::HeaderValue::from_bytes(b"evt_\xff").unwrap(),
    );
    assert!(matches!(
        verifier().delivery_at(&headers, v.body.as_bytes(), received()),
        Err(WebhookError::HeaderMismatch { .. })
    ));
}

#[test]
fn an_event_type_header_other_than_the_signed_type_is_refused() {
    let v = &vectors()[0];
    let mut headers = delivery_headers();
    headers.insert("X-Sendmux-Event-Type", "message.bounced".parse().unwrap());
    let error = verifier()
        .delivery_at(&headers, v.body.as_bytes(), received())
        .unwrap_err();
    assert!(
        matches!(error, WebhookError::HeaderMismatch { header } if header == EVENT_TYPE_HEADER),
        "{error:?}"
    );
}

#[test]
fn an_event_from_2020_is_stale() {
    let (body, signature) = dated("2020-01-01T00:00:00Z");
    for result in [
        verifier().event(body.as_bytes(), Some(&signature)),
        verifier().event_at(body.as_bytes(), Some(&signature), received()),
    ] {
        assert!(
            matches!(result, Err(WebhookError::Stale { max_age, .. }) if max_age == DEFAULT_MAX_AGE),
            "{result:?}"
        );
    }
    let mut headers = delivery_headers();
    headers.insert("X-Sendmux-Signature", signature.parse().unwrap());
    assert!(matches!(
        verifier().delivery(&headers, body.as_bytes()),
        Err(WebhookError::Stale { .. })
    ));
}

#[test]
fn the_default_age_limit_admits_the_whole_retry_window() {
    let (body, signature) = dated("2026-11-02T09:30:00Z");
    let check = |now| verifier().event_at(body.as_bytes(), Some(&signature), now);
    // The service retries for 24 hours; the limit leaves room beyond.
    check(at("2026-11-03T09:30:00Z")).unwrap();
    check(at("2026-11-04T09:30:00Z")).unwrap();
    let error = check(at("2026-11-04T09:30:01Z")).unwrap_err();
    assert!(
        matches!(error, WebhookError::Stale { age, max_age }
            if age == DEFAULT_MAX_AGE + Duration::from_secs(1) && max_age == DEFAULT_MAX_AGE),
        "{error:?}"
    );
    assert!(error.to_string().contains("172801s ago"), "{error}");
}

#[test]
fn events_dated_in_the_future_are_refused_beyond_the_clock_skew() {
    let (body, signature) = dated("2026-11-02T10:09:00Z");
    let check =
        |verifier: Verifier| verifier.event_at(body.as_bytes(), Some(&signature), received());
    check(verifier()).unwrap(); // 4 minutes ahead
    let error = check(verifier().clock_skew(Duration::from_secs(60))).unwrap_err();
    assert!(
        matches!(error, WebhookError::DatedInTheFuture { ahead, clock_skew }
            if ahead == Duration::from_secs(240) && clock_skew == Duration::from_secs(60)),
        "{error:?}"
    );

    let (body, signature) = dated("2099-01-01T00:00:00Z");
    let error = verifier()
        .event(body.as_bytes(), Some(&signature))
        .unwrap_err();
    assert!(
        matches!(error, WebhookError::DatedInTheFuture { clock_skew, .. } if clock_skew == DEFAULT_CLOCK_SKEW),
        "{error:?}"
    );
}

#[test]
fn the_age_limit_can_be_changed_or_turned_off() {
    let (body, signature) = dated("2026-11-02T08:05:00Z"); // two hours before receipt
    let check =
        |verifier: Verifier| verifier.event_at(body.as_bytes(), Some(&signature), received());
    assert!(matches!(
        check(verifier().max_age(Some(Duration::from_secs(3600)))),
        Err(WebhookError::Stale { .. })
    ));
    check(verifier().max_age(Some(Duration::from_secs(3 * 3600)))).unwrap();

    let (body, signature) = dated("2020-01-01T00:00:00Z");
    verifier()
        .max_age(None)
        .event(body.as_bytes(), Some(&signature))
        .unwrap();
}

#[test]
fn extreme_dates_and_clocks_are_refused_without_panicking() {
    let far_future = SystemTime::UNIX_EPOCH
        .checked_add(Duration::from_secs(1 << 40))
        .unwrap();
    let far_past = SystemTime::UNIX_EPOCH
        .checked_sub(Duration::from_secs(1 << 40))
        .unwrap();
    for occurred_at in ["0001-01-01T00:00:00Z", "9999-12-31T23:59:60.999999999Z"] {
        let (body, signature) = dated(occurred_at);
        for now in [far_past, SystemTime::UNIX_EPOCH, received(), far_future] {
            let result = verifier().event_at(body.as_bytes(), Some(&signature), now);
            assert!(
                matches!(
                    result,
                    Err(WebhookError::Stale { .. } | WebhookError::DatedInTheFuture { .. })
                ),
                "{occurred_at} at {now:?}: {result:?}"
            );
        }
    }
}

#[test]
fn empty_secrets_are_refused() {
    assert_eq!(Verifier::new("").unwrap_err(), EmptySecret);
    assert_eq!(Verifier::new(b"").unwrap_err(), EmptySecret);
    assert_eq!(verifier().with_secret("").unwrap_err(), EmptySecret);
    // A signature anyone can make, since the key is empty, passes no verifier.
    let v = &vectors()[0];
    assert!(matches!(
        verifier().verify(v.body.as_bytes(), Some(&sign("", v.body.as_bytes()))),
        Err(WebhookError::SignatureMismatch)
    ));
}

#[test]
fn the_secret_never_shows_in_debug() {
    let verifier = Verifier::new("whsec_4f9a1c7e2b8d").unwrap();
    assert!(!format!("{verifier:?}").contains("4f9a1c7e2b8d"));
}
