//! Attempts counted per key in fixed windows: sign-ins per account and per client, so a
//! password cannot be guessed at speed, and anonymous votes per client. Kept in memory: each
//! server process counts on its own.

use std::collections::HashMap;
use std::sync::Mutex;

/// How long failures are remembered.
pub const WINDOW_MS: i64 = 15 * 60 * 1000;
/// Failures allowed per account (tenant and email) from one client in a window.
pub const ACCOUNT_MAX: u32 = 10;
/// Failures allowed per account in a window, from all clients together (a guesser spread
/// over many addresses).
pub const ACCOUNT_TOTAL_MAX: u32 = 100;
/// Failures allowed per client address in a window, whatever the account.
pub const CLIENT_MAX: u32 = 50;
/// Anonymous votes per client address in a window.
pub const VOTES_MAX: u32 = 60;
/// Entries kept before expired ones are swept.
const SWEEP_AT: usize = 10_000;

/// Attempt counts by key, each in its own fixed window.
#[derive(Default)]
pub struct RateLimiter {
    failures: Mutex<HashMap<String, (i64, u32)>>,
}

impl RateLimiter {
    /// Counts an attempt against every key, or, when any key has used up its attempts,
    /// answers `Err(seconds to wait)` and counts nothing. Checking and counting under one lock
    /// means a burst of parallel attempts cannot all slip past the limit.
    pub fn attempt(&self, keys: &[(&str, u32)], now: i64) -> Result<(), u64> {
        let mut map = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for (key, max) in keys {
            if let Some(&(start, count)) = map.get(*key)
                && now - start < WINDOW_MS
                && count >= *max
            {
                return Err(u64::try_from((start + WINDOW_MS - now) / 1000).unwrap_or(1).max(1));
            }
        }
        if map.len() > SWEEP_AT {
            map.retain(|_, (start, _)| now - *start < WINDOW_MS);
        }
        for (key, _) in keys {
            let entry = map.entry((*key).to_owned()).or_insert((now, 0));
            if now - entry.0 >= WINDOW_MS {
                *entry = (now, 0);
            }
            entry.1 += 1;
        }
        Ok(())
    }

    /// Takes back the attempt counted against `keys` (a successful sign-in is no failure).
    pub fn release(&self, keys: &[&str]) {
        let mut map = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for key in keys {
            if let Some(entry) = map.get_mut(*key) {
                entry.1 = entry.1.saturating_sub(1);
            }
        }
    }

    /// Forgets an account's failures after it signs in.
    pub fn clear(&self, key: &str) {
        self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_max_attempts_and_reopens_after_the_window() {
        let l = RateLimiter::default();
        let keys = [("acct", 3), ("client", 100)];
        for _ in 0..3 {
            assert!(l.attempt(&keys, 0).is_ok());
        }
        assert_eq!(l.attempt(&keys, 1000), Err(899));
        assert!(l.attempt(&keys, WINDOW_MS).is_ok(), "a new window starts from zero");
    }

    #[test]
    fn parallel_attempts_cannot_pass_the_limit() {
        let l = std::sync::Arc::new(RateLimiter::default());
        let passed: usize = (0..8)
            .map(|_| {
                let l = l.clone();
                std::thread::spawn(move || (0..50).filter(|_| l.attempt(&[("acct", 10)], 0).is_ok()).count())
            })
            .map(|h| h.join().expect("thread"))
            .sum();
        assert_eq!(passed, 10);
    }

    #[test]
    fn a_success_releases_its_attempt_and_clears_the_account() {
        let l = RateLimiter::default();
        let keys = [("acct", 2), ("client", 2)];
        l.attempt(&keys, 0).expect("first");
        l.release(&["client"]);
        l.clear("acct");
        l.attempt(&keys, 1).expect("second");
        l.attempt(&keys, 2).expect("third: the success did not count against the client");
        assert!(l.attempt(&keys, 3).is_err(), "the client is now limited");
    }
}
