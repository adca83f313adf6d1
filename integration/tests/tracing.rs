//! Tracing: one span per request naming the operation, one event per retry, and the key never
//! in any output.
//!
//! Alone in its test binary: tracing caches per call site whether anyone listens, and a test
//! running in parallel without a subscriber could make the span look unwanted.

mod common;

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use common::{client, expect, fixture, TOKEN};
use httpmock::Method::GET;
use httpmock::MockServer;
use sendmux_management::RetryPolicy;
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

/// Everything any span or event says, as text.
#[derive(Clone, Default)]
struct Transcript(Arc<Mutex<String>>);

struct Writer<'a>(&'a mut String);

impl Visit for Writer<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={:?}", field.name(), value);
    }
}

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Transcript {
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        _: &tracing::span::Id,
        _: Context<'_, S>,
    ) {
        let mut text = self.0.lock().unwrap();
        let _ = write!(text, "\nnew {}", attrs.metadata().name());
        attrs.record(&mut Writer(&mut text));
    }
    fn on_record(
        &self,
        _: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        _: Context<'_, S>,
    ) {
        let mut text = self.0.lock().unwrap();
        text.push_str("\nrecord");
        values.record(&mut Writer(&mut text));
    }
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let mut text = self.0.lock().unwrap();
        let _ = write!(text, "\nevent {}", event.metadata().target());
        event.record(&mut Writer(&mut text));
    }
}

#[tokio::test]
async fn one_span_per_request_with_what_identifies_it_and_never_the_key() {
    let transcript = Transcript::default();
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(transcript.clone()));
    let server = MockServer::start_async().await;
    let body = fixture("get_domain");
    server
        .mock_async(|when, then| {
            expect(when, GET, "/domains/mdom_1");
            then.status(200)
                .header("x-request-id", "req_span_1")
                .json_body(body);
        })
        .await;
    let answer = serde_json::json!({
        "ok": false,
        "error": {"code": "not_found", "message": "No such domain.", "retryable": false},
        "meta": {"request_id": "req_span_2"}
    });
    common::contract::check("get_domain", 404, &answer);
    server
        .mock_async(|when, then| {
            expect(when, GET, "/domains/mdom_missing");
            then.status(404)
                .header("x-request-id", "req_span_2")
                .json_body(answer);
        })
        .await;
    // A proxy that echoes the request's headers into the request id.
    server
        .mock_async(|when, then| {
            expect(when, GET, "/domains/mdom_echo");
            then.status(404)
                .header("x-request-id", format!("req_echo Bearer {TOKEN}"));
        })
        .await;
    let flaky = server
        .mock_async(|when, then| {
            expect(when, GET, "/me");
            then.status(503).header("retry-after", "0").up_to_n_times(1);
        })
        .await;
    server
        .mock_async(|when, then| {
            expect(when, GET, "/me");
            then.status(200).json_body(fixture("get_me"));
        })
        .await;
    let client = client(&server);
    let retrying = sendmux_management::Client::builder()
        .api_key(TOKEN)
        .base_url(server.base_url())
        .retry_policy(RetryPolicy::default().base_delay(std::time::Duration::from_millis(1)))
        .build()
        .unwrap();
    retrying.get_me().await.expect("second attempt");
    flaky.assert_calls_async(1).await;
    let found = client.get_domain("mdom_1").await.expect("found");
    let missing = client
        .get_domain("mdom_missing")
        .await
        .expect_err("missing");
    let echoed = client.get_domain("mdom_echo").await.expect_err("missing");

    let text = transcript.0.lock().unwrap().clone();
    assert!(text.contains(
        "new sendmux.request operation=\"get_domain\" method=\"GET\" path=\"/domains/{public_id}\""
    ), "{text}");
    assert!(text.contains("attempt=1"), "{text}");
    // The retry: an event naming the attempt that failed, why, and the wait; then attempt 2.
    assert!(
        text.contains("message=retrying request attempt=1 reason=HTTP 503 delay_ms="),
        "{text}"
    );
    assert!(text.contains("attempt=2"), "{text}");
    assert!(text.contains("status=200"), "{text}");
    assert!(text.contains("status=404"), "{text}");
    assert!(text.contains("request_id=\"req_span_1\""), "{text}");
    assert!(text.contains("request_id=\"req_span_2\""), "{text}");
    assert!(
        text.contains("request_id=\"req_echo Bearer <redacted>\""),
        "{text}"
    );

    let everything = format!(
        "{text}\n{client:?}\n{found:?}\n{missing}\n{missing:?}\n{echoed}\n{echoed:?}\n{:?}",
        sendmux_management::Client::new(TOKEN).unwrap()
    );
    let secret = &TOKEN["smx_root_".len()..];
    assert!(
        !everything.contains(secret),
        "the key leaked:\n{everything}"
    );
}
