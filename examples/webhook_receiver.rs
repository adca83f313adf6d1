//! A webhook receiver: verifies every delivery, drops repeats of an event already accepted, and
//! answers at once, leaving the work to a background task.
//!
//! ```sh
//! SENDMUX_WEBHOOK_SECRETS=whsec_current,whsec_previous cargo run --example webhook_receiver
//! ```
//!
//! Several comma-separated secrets are accepted while a rotation takes effect. Listens on
//! 127.0.0.1:8787 (or `PORT`) at `POST /webhooks/sendmux`.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use sendmux_management::webhooks::{Delivery, Verifier, WebhookError};
use tokio::sync::mpsc;

/// How many recent event ids are remembered to drop repeats.
const REMEMBERED: usize = 10_000;

struct Receiver {
    verifier: Verifier,
    seen: Mutex<Seen>,
    work: mpsc::Sender<Delivery>,
}

/// The most recent event ids, oldest first out.
#[derive(Default)]
struct Seen {
    ids: HashSet<String>,
    order: VecDeque<String>,
}

impl Seen {
    /// Remembers `id`; false when it was already there.
    fn insert(&mut self, id: &str) -> bool {
        if !self.ids.insert(id.to_owned()) {
            return false;
        }
        self.order.push_back(id.to_owned());
        if self.order.len() > REMEMBERED {
            if let Some(oldest) = self.order.pop_front() {
                self.ids.remove(&oldest);
            }
        }
        true
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
    let id = delivery
        .event_id
        .clone()
        .unwrap_or_else(|| delivery.event.id.clone());
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
                .ids
                .remove(&id);
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
    let verifier = secrets.fold(Verifier::new(first), Verifier::with_secret);

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
