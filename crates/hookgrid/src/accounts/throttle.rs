//! Slowing down password guessing. Failed sign-ins are counted per name and per client
//! address; each failure makes the next answer wait a little longer, and past
//! [`FREE_FAILURES`] further attempts are refused outright (429 with `Retry-After`) until the
//! lockout passes, doubling with each failure after that. A success clears the name's count.
//! Kept in memory: a restart forgives, which an attacker cannot cause.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures before sign-ins are refused.
pub const FREE_FAILURES: u32 = 5;
/// The first lockout; each further failure doubles it, up to [`MAX_LOCKOUT`].
const FIRST_LOCKOUT: Duration = Duration::from_secs(30);
const MAX_LOCKOUT: Duration = Duration::from_secs(15 * 60);
/// The delay added to a failed answer per failure so far, up to [`MAX_DELAY`].
const DELAY_STEP: Duration = Duration::from_millis(250);
const MAX_DELAY: Duration = Duration::from_secs(2);
/// A count with no new failure for this long is forgotten.
const FORGET_AFTER: Duration = Duration::from_secs(60 * 60);

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
    locked_until: Option<Instant>,
}

/// Failed sign-ins, by name and by address.
#[derive(Debug, Default)]
pub struct SignInThrottle {
    failures: Mutex<HashMap<String, Failures>>,
}

fn keys(name: &str, address: &str) -> [String; 2] {
    [
        format!("name:{}", name.trim().to_lowercase()),
        format!("addr:{address}"),
    ]
}

impl SignInThrottle {
    /// `Err(wait)` when sign-ins for `name` or from `address` are refused for `wait` more.
    pub fn check(&self, name: &str, address: &str, now: Instant) -> Result<(), Duration> {
        let failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let wait = keys(name, address)
            .iter()
            .filter_map(|k| failures.get(k)?.locked_until)
            .filter(|until| *until > now)
            .map(|until| until - now)
            .max();
        match wait {
            Some(wait) => Err(wait.max(Duration::from_secs(1))),
            None => Ok(()),
        }
    }

    /// Counts a failed sign-in; returns how long its answer should wait.
    pub fn failed(&self, name: &str, address: &str, now: Instant) -> Duration {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        failures.retain(|_, f| now.duration_since(f.last) < FORGET_AFTER);
        let mut most = 0;
        for key in keys(name, address) {
            let f = failures.entry(key).or_insert(Failures {
                count: 0,
                last: now,
                locked_until: None,
            });
            f.count += 1;
            f.last = now;
            if f.count >= FREE_FAILURES {
                let doublings = (f.count - FREE_FAILURES).min(10);
                let lockout = (FIRST_LOCKOUT * 2u32.pow(doublings)).min(MAX_LOCKOUT);
                f.locked_until = Some(now + lockout);
            }
            most = most.max(f.count);
        }
        (DELAY_STEP * most).min(MAX_DELAY)
    }

    /// A successful sign-in clears the name's failures (not the address's: one good password
    /// does not forgive guessing at others).
    pub fn succeeded(&self, name: &str) {
        let [by_name, _] = keys(name, "");
        self.failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&by_name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_slow_the_answer_then_lock_the_name_and_the_address_out() {
        let t = SignInThrottle::default();
        let now = Instant::now();
        let mut delays = Vec::new();
        for _ in 0..FREE_FAILURES - 1 {
            assert!(t.check("ana", "10.0.0.1", now).is_ok());
            delays.push(t.failed("ana", "10.0.0.1", now));
        }
        assert!(delays.windows(2).all(|w| w[0] < w[1]), "{delays:?}");
        assert!(t.check("ana", "10.0.0.1", now).is_ok(), "not locked yet");
        t.failed("ana", "10.0.0.1", now);
        let wait = t.check("ana", "10.0.0.1", now).expect_err("locked");
        assert_eq!(wait, FIRST_LOCKOUT);
        // The name is locked from any address, and the address for any name.
        assert!(t.check("ANA", "10.0.0.2", now).is_err());
        assert!(t.check("ben", "10.0.0.1", now).is_err());
        assert!(t.check("ben", "10.0.0.2", now).is_ok());
        // It passes, and the next failure locks for twice as long.
        let later = now + FIRST_LOCKOUT + Duration::from_secs(1);
        assert!(t.check("ana", "10.0.0.2", later).is_ok());
        t.failed("ana", "10.0.0.2", later);
        assert_eq!(
            t.check("ana", "10.0.0.3", later).expect_err("locked"),
            FIRST_LOCKOUT * 2
        );
        t.succeeded("ana");
        assert!(t.check("ana", "10.0.0.3", later).is_ok());
        assert!(
            t.check("x", "10.0.0.1", now).is_err(),
            "the address still waits"
        );
    }
}
