//! How old a signed event may be when it arrives. Nothing in a delivery dates the signature
//! itself, so the signed `occurred_at` is what stops a captured delivery from being replayed
//! indefinitely.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Utc};

use super::WebhookError;

const NANOS_PER_SEC: u32 = 1_000_000_000;

/// The limits on an event's `occurred_at`, relative to the time of receipt.
#[derive(Clone, Debug)]
pub(super) struct Freshness {
    pub(super) max_age: Option<Duration>,
    pub(super) clock_skew: Duration,
}

impl Freshness {
    pub(super) fn check(
        &self,
        occurred_at: &DateTime<Utc>,
        now: SystemTime,
    ) -> Result<(), WebhookError> {
        // Signed nanoseconds hold both instants over their whole ranges, whereas converting
        // between chrono and `SystemTime` panics at the edges of either.
        let occurred = i128::from(occurred_at.timestamp()) * i128::from(NANOS_PER_SEC)
            + i128::from(occurred_at.timestamp_subsec_nanos());
        let age = since_epoch(now).saturating_sub(occurred);
        if age < 0 {
            let ahead = duration(age.unsigned_abs());
            if ahead > self.clock_skew {
                return Err(WebhookError::DatedInTheFuture {
                    ahead,
                    clock_skew: self.clock_skew,
                });
            }
        } else if let Some(max_age) = self.max_age {
            let age = duration(age.unsigned_abs());
            if age > max_age {
                return Err(WebhookError::Stale { age, max_age });
            }
        }
        Ok(())
    }
}

fn since_epoch(time: SystemTime) -> i128 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i128::try_from(after.as_nanos()).unwrap_or(i128::MAX),
        Err(before) => -i128::try_from(before.duration().as_nanos()).unwrap_or(i128::MAX),
    }
}

/// Saturates past the range of `Duration`, which no real age reaches.
fn duration(nanos: u128) -> Duration {
    let secs = u64::try_from(nanos / u128::from(NANOS_PER_SEC)).unwrap_or(u64::MAX);
    let subsec = u32::try_from(nanos % u128::from(NANOS_PER_SEC)).unwrap_or(0);
    Duration::new(secs, subsec)
}
