//! Pacing to a provider's rate: requests a second at most, spread evenly, shared by every task
//! of this instance (each instance keeps to its share of the account's limit).
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

pub struct Pace {
    every: Duration,
    next: Mutex<Instant>,
}

impl Pace {
    pub fn per_second(count: u32) -> Self {
        Self { every: Duration::from_secs(1) / count.max(1), next: Mutex::new(Instant::now()) }
    }

    /// Waits for this request's turn.
    pub async fn wait(&self) {
        let turn = {
            let mut next = self.next.lock().await;
            let now = Instant::now();
            let turn = (*next).max(now);
            *next = turn + self.every;
            turn
        };
        tokio::time::sleep_until(turn.into()).await;
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
                tokio::spawn(async move { pace.wait().await })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        // 21 turns 10 ms apart: the last no sooner than 200 ms after the first.
        assert!(started.elapsed() >= Duration::from_millis(200), "{:?}", started.elapsed());
    }
}
