//! `-v`: the retries the client makes, as it makes them, and the request id and rate-limit
//! state of the answer, on stderr.

use std::fmt::Write as _;
use std::time::SystemTime;

use sendmux_management::RateLimit;
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// Prints the client's retry events.
struct Retries;

#[derive(Default)]
struct Fields {
    message: String,
    attempt: String,
    reason: String,
    delay_ms: String,
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let slot = match field.name() {
            "message" => &mut self.message,
            "attempt" => &mut self.attempt,
            "reason" => &mut self.reason,
            "delay_ms" => &mut self.delay_ms,
            _ => return,
        };
        let _ = write!(slot, "{value:?}");
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "reason" {
            self.reason = value.to_owned();
        } else {
            self.record_debug(field, &value);
        }
    }
}

impl<S: Subscriber> Layer<S> for Retries {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        if !event.metadata().target().starts_with("sendmux_management") {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        if fields.message == "retrying request" {
            eprintln!(
                "retry: attempt {} failed ({}); trying again in {} ms",
                fields.attempt, fields.reason, fields.delay_ms
            );
        }
    }
}

/// Starts printing retries.
pub fn install() {
    let subscriber = tracing_subscriber::registry().with(Retries);
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// The request id and rate-limit state of an answer.
pub fn report(status: Option<u16>, request_id: Option<&str>, rate_limit: Option<RateLimit>) {
    if let Some(status) = status {
        eprintln!("status: {status}");
    }
    if let Some(id) = request_id {
        eprintln!("request id: {id}");
    }
    if let Some(limit) = rate_limit {
        let reset = limit
            .reset
            .duration_since(SystemTime::now())
            .map_or(0, |d| d.as_secs());
        eprintln!(
            "rate limit: {} of {} left, window resets in {reset} s",
            limit.remaining, limit.limit
        );
    }
}
