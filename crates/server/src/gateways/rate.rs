//! Pacing to a provider's rate: requests a second at most, spread evenly, shared by every task
//! of this instance (each instance keeps to its share of the account's limit).
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

/// The longest a request waits for its turn.
pub const MAX_WAIT: Duration = Duration::from_secs(5);

pub struct Pace {
    every: Duration,
    max_wait: Duration,
    next: Mutex<Instant>,
}

impl Pace {
    pub fn per_second(count: u32) -> Self {
        Self::with_wait(count, MAX_WAIT)
    }

    /// `count` a second, refusing turns more than `max_wait` away.
    pub fn with_wait(count: u32, max_wait: Duration) -> Self {
        Self { every: Duration::from_secs(1) / count.max(1), max_wait, next: Mutex::new(Instant::now()) }
    }

    /// Waits for this request's turn; false, without taking a turn, when it is more than
    /// `MAX_WAIT` away (a burst beyond the rate is refused, not queued without end).
    pub async fn wait(&self) -> bool {
        let turn = {
            let mut next = self.next.lock().await;
            let now = Instant::now();
            let turn = (*next).max(now);
            if turn.duration_since(now) > self.max_wait {
                return false;
            }
            *next = turn + self.every;
            turn
        };
        tokio::time::sleep_until(turn.into()).await;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_burst_never_goes_faster_than_the_rate() {
        let pace = std::sync::Arc::new(Pace::per_second(100));
        let started = Instant::now();
        let tasks: Vec<_> = (0..21)
            .map(|_| {
                let pace = pace.clone();
                tokio::spawn(async move { assert!(pace.wait().await) })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        // 21 turns 10 ms apart: the last no sooner than 200 ms after the first.
        assert!(started.elapsed() >= Duration::from_millis(200), "{:?}", started.elapsed());
    }

    #[tokio::test]
    async fn a_burst_beyond_the_wait_is_refused_at_once() {
        let pace = std::sync::Arc::new(Pace::with_wait(10, Duration::from_millis(250)));
        let tasks: Vec<_> = (0..12)
            .map(|_| {
                let pace = pace.clone();
                tokio::spawn(async move { pace.wait().await })
            })
            .collect();
        let mut taken = 0;
        for t in tasks {
            taken += usize::from(t.await.unwrap());
        }
        // Turns 0, 100 and 200 ms away are taken; those 300 ms and more away are refused (one
        // more may fit if the burst itself took tens of milliseconds).
        assert!((3..=5).contains(&taken), "{taken}");
    }
}
