//! Client-side pacing that keeps a bulk job under the key's rate limit instead of running into
//! 429s.

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use crate::response::RateLimit;

/// The request budget to pace to: `limit` requests per `window` (the API allows 600 per 60 s per
/// key). Requests through a client with a pacer, and its clones, leave evenly spaced at slightly
/// under that rate; when the `X-RateLimit-*` headers show the budget is being shared with another
/// user of the key, the spacing widens to fit what remains, and when nothing remains, requests
/// wait for the window to reset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateBudget {
    limit: u32,
    window: Duration,
}

impl Default for RateBudget {
    /// The API's budget: 600 requests per 60 seconds.
    fn default() -> Self {
        Self::new(600, Duration::from_secs(60))
    }
}

impl RateBudget {
    /// `limit` requests per `window` (a limit of 0 is taken as 1).
    pub fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit: limit.max(1),
            window,
        }
    }
}

/// Keeps a margin so that small delays on the way cannot push one request too many into a window.
const MARGIN: f64 = 1.01;

#[derive(Debug)]
pub(crate) struct Pacer {
    spacing: Duration,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// When the next request may leave.
    next: Instant,
    /// Current spacing, at least `Pacer::spacing`.
    spacing: Duration,
}

impl Pacer {
    pub(crate) fn new(budget: RateBudget) -> Self {
        let spacing = budget
            .window
            .div_f64(f64::from(budget.limit))
            .mul_f64(MARGIN);
        Self {
            spacing,
            state: Mutex::new(State {
                next: Instant::now(),
                spacing,
            }),
        }
    }

    /// Waits for this request's turn.
    pub(crate) async fn acquire(&self) {
        let turn = {
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            let turn = state.next.max(Instant::now());
            state.next = turn + state.spacing;
            turn
        };
        tokio::time::sleep_until(turn.into()).await;
    }

    /// Adjusts to what the server reports is left of the window.
    pub(crate) fn observe(&self, rate: &RateLimit) {
        let until_reset = rate
            .reset
            .duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO);
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if rate.remaining == 0 {
            state.next = state.next.max(Instant::now() + until_reset);
            state.spacing = self.spacing;
        } else {
            state.spacing = self
                .spacing
                .max(until_reset.div_f64(f64::from(rate.remaining)));
        }
    }
}
