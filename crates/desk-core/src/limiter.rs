//! Failed sign-ins counted per account and per client, so a password cannot be guessed at
//! speed. Kept in memory: each server process counts on its own.

use std::collections::HashMap;
use std::sync::Mutex;

/// How long failures are remembered.
pub const WINDOW_MS: i64 = 15 * 60 * 1000;
/// Failures allowed per account (tenant and email) from one client in a window.
pub const ACCOUNT_MAX: u32 = 10;
/// Failures allowed per client address in a window, whatever the account.
pub const CLIENT_MAX: u32 = 50;
/// Entries kept before expired ones are swept.
const SWEEP_AT: usize = 10_000;

/// Failure counts by key, each in its own fixed window.
#[derive(Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, (i64, u32)>>,
}

impl LoginLimiter {
    /// `Err(seconds to wait)` when any key has used up its failures.
    pub fn check(&self, keys: &[(&str, u32)], now: i64) -> Result<(), u64> {
        let map = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for (key, max) in keys {
            if let Some(&(start, count)) = map.get(*key)
                && now - start < WINDOW_MS
                && count >= *max
            {
                return Err(u64::try_from((start + WINDOW_MS - now) / 1000).unwrap_or(1).max(1));
            }
        }
        Ok(())
    }

    /// Counts a failure against every key.
    pub fn fail(&self, keys: &[(&str, u32)], now: i64) {
        let mut map = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
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
    fn locks_after_max_failures_and_reopens_after_the_window() {
        let l = LoginLimiter::default();
        let keys = [("acct", 3), ("client", 100)];
        for _ in 0..3 {
            assert!(l.check(&keys, 0).is_ok());
            l.fail(&keys, 0);
        }
        assert_eq!(l.check(&keys, 1000), Err(899));
        assert!(l.check(&keys, WINDOW_MS).is_ok());
        l.fail(&keys, WINDOW_MS);
        assert!(l.check(&keys, WINDOW_MS).is_ok(), "a new window starts from zero");
    }

    #[test]
    fn clearing_an_account_keeps_the_client_count() {
        let l = LoginLimiter::default();
        let keys = [("acct", 2), ("client", 2)];
        l.fail(&keys, 0);
        l.fail(&keys, 0);
        l.clear("acct");
        assert!(l.check(&[("acct", 2)], 1).is_ok());
        assert!(l.check(&keys, 1).is_err(), "the client is still limited");
    }
}
