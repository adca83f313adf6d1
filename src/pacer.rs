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
///
/// The server's numbers are trusted only as far as the budget: a reset further away than one
/// window counts as one window. A request never waits for its turn longer than its timeout or
/// what is left of its retry deadline; when its turn is further away, it fails at once with
/// [`Error::RateBudgetExhausted`](crate::Error::RateBudgetExhausted) and sends nothing. A request
/// dropped before it leaves (cancelled, timed out by the caller) gives its turn back.
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
    /// The budget's even spacing, with the margin.
    spacing: Duration,
    /// The longest the server can make requests hold back: one window of the budget.
    window: Duration,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// When the next turn starts.
    next: Instant,
    /// Current spacing, at least `Pacer::spacing`.
    spacing: Duration,
    /// No turn starts before this: the reset of a window the server reported exhausted.
    hold_until: Instant,
}

/// A place in the pacer's schedule. Dropped before it is used, it is given back, so that
/// requests abandoned while waiting do not hold back those that follow.
pub(crate) struct Turn<'a> {
    pacer: &'a Pacer,
    at: Instant,
    spacing: Duration,
    used: bool,
}

/// Further than any wait a caller sits out: what a longer one stands for.
const FAR: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);

/// `instant + duration`, a duration beyond [`FAR`] counting as `FAR`, so that a server-given
/// number can never overflow the sum.
fn later(instant: Instant, duration: Duration) -> Instant {
    instant.checked_add(duration.min(FAR)).unwrap_or(instant)
}

impl Pacer {
    pub(crate) fn new(budget: RateBudget) -> Self {
        let even = budget.window.as_secs_f64() / f64::from(budget.limit) * MARGIN;
        let spacing = Duration::try_from_secs_f64(even).unwrap_or(budget.window);
        let now = Instant::now();
        Self {
            spacing,
            window: budget.window,
            state: Mutex::new(State {
                next: now,
                spacing,
                hold_until: now,
            }),
        }
    }

    /// Takes the next turn in the schedule.
    pub(crate) fn take_turn(&self) -> Turn<'_> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let at = state.next.max(Instant::now());
        state.next = later(at, state.spacing);
        Turn {
            pacer: self,
            at,
            spacing: state.spacing,
            used: false,
        }
    }

    /// Adjusts to what the server reports is left of the window.
    pub(crate) fn observe(&self, rate: &RateLimit) {
        let until_reset = rate
            .reset
            .duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO)
            .min(self.window);
        let now = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if rate.remaining == 0 {
            let reset = later(now, until_reset);
            state.hold_until = state.hold_until.max(reset);
            state.next = state.next.max(reset);
            state.spacing = self.spacing;
        } else {
            state.spacing = self
                .spacing
                .max(until_reset / rate.remaining)
                .min(self.window);
        }
    }

    /// Moves the schedule back by one turn, never before now or an exhausted window's reset.
    fn give_back(&self, spacing: Duration) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let floor = state.hold_until.max(Instant::now());
        state.next = state.next.checked_sub(spacing).unwrap_or(floor).max(floor);
    }
}

impl Turn<'_> {
    /// How long until this turn starts.
    pub(crate) fn wait_time(&self) -> Duration {
        self.at.saturating_duration_since(Instant::now())
    }

    /// Spends a turn that has already started.
    pub(crate) fn spend(mut self) {
        self.used = true;
    }

    /// Waits for this turn; the turn is spent once the wait is over.
    pub(crate) async fn wait(mut self) {
        tokio::time::sleep_until(self.at.into()).await;
        self.used = true;
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        if !self.used {
            self.pacer.give_back(self.spacing);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

    use super::*;

    fn rate(remaining: u32, reset_secs: u64) -> RateLimit {
        RateLimit {
            limit: 10,
            remaining,
            reset: UNIX_EPOCH + Duration::from_secs(reset_secs),
        }
    }

    #[test]
    fn a_reset_beyond_the_window_counts_as_one_window() {
        let window = Duration::from_secs(2);
        let pacer = Pacer::new(RateBudget::new(10, window));
        // Milliseconds since the epoch where seconds belong: about 54,000 years away.
        pacer.observe(&rate(0, 1_764_000_000_000));
        let wait = pacer.take_turn().wait_time();
        assert!(wait <= window && wait > window / 2, "{wait:?}");

        let pacer = Pacer::new(RateBudget::new(10, window));
        pacer.observe(&rate(1, i64::MAX as u64));
        drop(pacer.take_turn());
        assert!(pacer.take_turn().wait_time() <= window);
    }

    #[test]
    fn a_turn_dropped_unused_is_given_back() {
        let pacer = Pacer::new(RateBudget::new(10, Duration::from_secs(1)));
        let first = pacer.take_turn();
        let abandoned: Vec<_> = (0..50).map(|_| pacer.take_turn()).collect();
        drop(abandoned);
        let next = pacer.take_turn();
        assert!(
            next.wait_time() <= Duration::from_millis(102),
            "{:?}",
            next.wait_time()
        );
        drop(first);
    }

    #[test]
    fn giving_back_never_moves_before_an_exhausted_windows_reset() {
        let pacer = Pacer::new(RateBudget::new(1000, Duration::from_secs(60)));
        let reset = SystemTime::now() + Duration::from_secs(30);
        let reset_secs = reset.duration_since(UNIX_EPOCH).unwrap().as_secs();
        pacer.observe(&rate(0, reset_secs));
        drop((0..10).map(|_| pacer.take_turn()).collect::<Vec<_>>());
        assert!(pacer.take_turn().wait_time() > Duration::from_secs(25));
    }

    #[test]
    fn extreme_budgets_do_not_panic() {
        for budget in [
            RateBudget::new(1, Duration::MAX),
            RateBudget::new(u32::MAX, Duration::ZERO),
            RateBudget::new(0, Duration::from_nanos(1)),
        ] {
            let pacer = Pacer::new(budget);
            pacer.observe(&rate(0, u64::MAX / 2));
            pacer.observe(&rate(1, u64::MAX / 2));
            for _ in 0..3 {
                let _ = pacer.take_turn().wait_time();
            }
        }
    }
}
