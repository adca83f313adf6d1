//! A webhook receiver: verifies every delivery, drops repeats of an event already accepted, and
//! answers at once, leaving the work to a background task. Repeats are recognised by the signed
//! event id, and remembered for as long as the verifier's age limit would let one through.
//!
//! ```sh
//! SENDMUX_WEBHOOK_SECRETS=whsec_current,whsec_previous cargo run --example webhook_receiver
//! ```
//!
//! Several comma-separated secrets are accepted while a rotation takes effect. Listens on
//! 127.0.0.1:8787 (or `PORT`) at `POST /webhooks/sendmux`.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use sendmux_management::webhooks::{
    Delivery, Verifier, WebhookError, DEFAULT_CLOCK_SKEW, DEFAULT_MAX_AGE,
};
use tokio::sync::mpsc;

/// How long an accepted event id is remembered. An event accepted now was dated at most the
/// clock skew ahead, so once this has passed the verifier refuses any replay of it as stale and
/// the id is no longer needed. A count limit instead would let a busy stream push ids out while
/// their replays still pass.
const REMEMBER_FOR: Duration = DEFAULT_MAX_AGE.saturating_add(DEFAULT_CLOCK_SKEW);

struct Receiver {
    verifier: Verifier,
    seen: Mutex<Seen>,
    work: mpsc::Sender<Delivery>,
}

/// Ids of accepted events, with when they were accepted. Only the service can sign a new id,
/// so what this holds grows with the real event rate, not with what a sender makes up.
#[derive(Default)]
struct Seen {
    accepted: HashMap<String, Instant>,
    order: VecDeque<(Instant, String)>,
}

impl Seen {
    /// Remembers `id`; false when it was already there.
    fn insert(&mut self, id: &str) -> bool {
        while self
            .order
            .front()
            .is_some_and(|(at, _)| at.elapsed() >= REMEMBER_FOR)
        {
            if let Some((at, old)) = self.order.pop_front() {
                // An id forgotten and accepted again since then is kept.
                if self.accepted.get(&old) == Some(&at) {
                    self.accepted.remove(&old);
                }
            }
        }
        if self.accepted.contains_key(id) {
            return false;
        }
        let now = Instant::now();
        self.accepted.insert(id.to_owned(), now);
        self.order.push_back((now, id.to_owned()));
        true
    }

    /// Forgets `id`, so that the service's next attempt is taken.
    fn forget(&mut self, id: &str) {
        self.accepted.remove(id);
    }
}

async fn receive(
    State(receiver): State<Arc<Receiver>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let delivery = match receiver.verifier.delivery(&headers, &body) {
        Ok(delivery) => delivery,
        Err(WebhookError::InvalidPayload(error)) => {
            eprintln!("authentic delivery with an unreadable body: {error}");
            return StatusCode::UNPROCESSABLE_ENTITY;
        }
        Err(error) => {
            eprintln!("rejected delivery: {error}");
            return StatusCode::UNAUTHORIZED;
        }
    };
    // The signed id: the verifier has refused any delivery whose id header says otherwise.
    let id = delivery.event.id.clone();
    if !receiver
        .seen
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(&id)
    {
        // Already accepted: answer 2xx so the service stops retrying.
        return StatusCode::OK;
    }
    match receiver.work.try_send(delivery) {
        Ok(()) => StatusCode::NO_CONTENT,
        // Full queue: a non-2xx answer makes the service deliver the event again later.
        Err(_) => {
            receiver
                .seen
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .forget(&id);
            StatusCode::SERVICE_UNAVAILABLE
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let secrets = std::env::var("SENDMUX_WEBHOOK_SECRETS")
        .map_err(|_| "set SENDMUX_WEBHOOK_SECRETS to the subscription's signing secret")?;
    let mut secrets = secrets.split(',').map(str::trim).filter(|s| !s.is_empty());
    let first = secrets.next().ok_or("SENDMUX_WEBHOOK_SECRETS is empty")?;
    let verifier = secrets.try_fold(Verifier::new(first)?, Verifier::with_secret)?;

    let (work, mut queue) = mpsc::channel::<Delivery>(1_024);
    tokio::spawn(async move {
        while let Some(delivery) = queue.recv().await {
            let event = &delivery.event;
            println!(
                "{} {} at {} (attempt {}), recipients: {:?}",
                event.id,
                event.type_,
                event.occurred_at,
                delivery.attempt.unwrap_or(1),
                event.data.recipients
            );
        }
    });

    let receiver = Arc::new(Receiver {
        verifier,
        seen: Mutex::default(),
        work,
    });
    let app = Router::new()
        .route("/webhooks/sendmux", post(receive))
        .with_state(receiver);
    let port = std::env::var("PORT").unwrap_or_else(|_| "8787".into());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    println!(
        "listening on http://{}/webhooks/sendmux",
        listener.local_addr()?
    );
    axum::serve(listener, app).await?;
    Ok(())
}
