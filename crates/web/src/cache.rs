//! A value recomputed at most about once per period, for pages everyone reads (the public
//! home page), so a crowd of visitors costs a few database queries a second instead of a dozen
//! per visit. Hand-written: a dozen lines over a std mutex; no cache crate is needed for one
//! value.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One cached value, fresh for `ttl`.
pub struct Ttl<T> {
    ttl: Duration,
    slot: Mutex<Slot<T>>,
}

struct Slot<T> {
    value: Option<(Instant, Arc<T>)>,
    /// One request is recomputing an expired value; the others serve the old one meanwhile,
    /// so an expiry under load costs one computation, not one per waiting request.
    refreshing: bool,
}

impl<T> Ttl<T> {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            slot: Mutex::new(Slot {
                value: None,
                refreshing: false,
            }),
        }
    }

    /// The cached value if still fresh (or being refreshed by another request), else
    /// `compute`'s. The lock is never held across the computation.
    pub async fn get_or_try<E, F, Fut>(&self, compute: F) -> Result<Arc<T>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if let Ok(mut slot) = self.slot.lock()
            && let Some((at, v)) = slot.value.as_ref()
        {
            if at.elapsed() < self.ttl || slot.refreshing {
                return Ok(v.clone());
            }
            slot.refreshing = true;
        }
        let result = compute().await.map(Arc::new);
        if let Ok(mut slot) = self.slot.lock() {
            slot.refreshing = false;
            if let Ok(v) = &result {
                slot.value = Some((Instant::now(), v.clone()));
            }
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_value_is_reused_until_it_expires() {
        let c = Ttl::new(Duration::from_millis(50));
        let one: Result<_, ()> = c.get_or_try(|| async { Ok(1) }).await;
        assert_eq!(*one.unwrap(), 1);
        let still: Result<_, ()> = c.get_or_try(|| async { Ok(2) }).await;
        assert_eq!(*still.unwrap(), 1);
        let failed: Result<Arc<i32>, &str> = Ttl::new(Duration::ZERO)
            .get_or_try(|| async { Err("db down") })
            .await;
        assert_eq!(failed.unwrap_err(), "db down");
        // A failed refresh is not cached: the next call tries again.
        let flaky = Ttl::new(Duration::ZERO);
        let _: Result<Arc<i32>, &str> = flaky.get_or_try(|| async { Ok(7) }).await;
        let e: Result<Arc<i32>, &str> = flaky.get_or_try(|| async { Err("down") }).await;
        assert!(e.is_err());
        let again: Result<Arc<i32>, &str> = flaky.get_or_try(|| async { Ok(8) }).await;
        assert_eq!(*again.unwrap(), 8);
        std::thread::sleep(Duration::from_millis(60));
        let fresh: Result<_, ()> = c.get_or_try(|| async { Ok(3) }).await;
        assert_eq!(*fresh.unwrap(), 3);
    }
}
