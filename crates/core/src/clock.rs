//! The engine's notion of now.
//!
//! Deadlines are computed in UTC and slept on with tokio timers. The tokio
//! clock keeps both views consistent: under tokio's paused time, advancing
//! the timer also advances the UTC instant the engine sees, so tests control
//! windows, reminders and retries without sleeping.

use chrono::{DateTime, Utc};
use std::time::Duration;

#[derive(Clone, Debug)]
pub enum Clock {
    /// The system's wall clock.
    System,
    /// UTC derived from tokio's clock: `origin_utc` plus the time elapsed on
    /// the tokio clock since `origin`.
    Tokio {
        origin_utc: DateTime<Utc>,
        origin: tokio::time::Instant,
    },
}

impl Clock {
    /// A clock that starts at `now` and moves with tokio's (possibly paused)
    /// timer.
    pub fn starting_at(now: DateTime<Utc>) -> Self {
        Clock::Tokio {
            origin_utc: now,
            origin: tokio::time::Instant::now(),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Tokio { origin_utc, origin } => {
                let elapsed =
                    chrono::Duration::from_std(origin.elapsed()).unwrap_or(chrono::Duration::MAX);
                *origin_utc + elapsed
            }
        }
    }

    /// Time left until `deadline`, zero when it has passed.
    pub fn until(&self, deadline: DateTime<Utc>) -> Duration {
        (deadline - self.now()).to_std().unwrap_or(Duration::ZERO)
    }
}
