//! Caches for the pages read most: the public home page (recomputed at most once a second)
//! and each member's home page (kept until the next write). A crowd of visitors then costs a
//! few database queries a second instead of a dozen per visit. Hand-written: a few dozen lines
//! over std mutexes; the invalidation rule is the platform's own, which no cache crate knows.

use crate::Shared;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
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
        let mut refreshing = None;
        if let Ok(mut slot) = self.slot.lock()
            && let Some((at, v)) = slot.value.as_ref()
        {
            if at.elapsed() < self.ttl || slot.refreshing {
                return Ok(v.clone());
            }
            slot.refreshing = true;
            refreshing = Some(OnDrop(|| {
                if let Ok(mut slot) = self.slot.lock() {
                    slot.refreshing = false;
                }
            }));
        }
        let result = compute().await.map(Arc::new);
        drop(refreshing);
        if let Ok(mut slot) = self.slot.lock() {
            slot.refreshing = false;
            if let Ok(v) = &result {
                slot.value = Some((Instant::now(), v.clone()));
            }
        }
        result
    }
}

/// Values that stay valid until the next write: every request that may write (any method but
/// GET and HEAD) moves the generation on once it has answered, so after its transaction
/// committed. A value computed from a generation is used only while that generation is
/// current; one computed while a write was under way carries the older generation and is
/// dropped. Writes made outside this process (a second server on the same PostgreSQL) are
/// caught by `MAX_AGE`.
pub struct Generations<K, V> {
    generation: AtomicU64,
    values: Mutex<HashMap<K, Entry<V>>>,
    max_age: Duration,
}

/// The longest a value is kept even without a write seen here.
const MAX_AGE: Duration = Duration::from_secs(2);

impl<K, V> Default for Generations<K, V> {
    fn default() -> Self {
        Self {
            generation: AtomicU64::new(0),
            values: Mutex::new(HashMap::new()),
            max_age: MAX_AGE,
        }
    }
}

/// Runs its closure when dropped. A request's future is dropped, not finished, when its client
/// goes away mid-way; a "refreshing" mark cleared only after the computation would then stay
/// set for good, and every later request would be served the stale value.
struct OnDrop<F: FnMut()>(F);

impl<F: FnMut()> Drop for OnDrop<F> {
    fn drop(&mut self) {
        (self.0)();
    }
}

impl<K: Hash + Eq + Clone, V> Generations<K, V> {
    #[cfg(test)]
    fn with_max_age(max_age: Duration) -> Self {
        Self {
            max_age,
            ..Self::default()
        }
    }

    /// A write has been answered.
    pub fn bump(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// The value for `key` if computed at the current generation, else `compute`'s. A value
    /// past its maximum age but of the current generation is still served to others while one
    /// request refreshes it, so its expiry under load costs one computation.
    pub async fn get_or_try<E, F, Fut>(&self, key: &K, compute: F) -> Result<Arc<V>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        let now = self.generation.load(Ordering::SeqCst);
        let mut refreshing = None;
        if let Ok(mut values) = self.values.lock()
            && let Some(e) = values.get_mut(key)
            && e.generation == now
        {
            if e.at.elapsed() < self.max_age || e.refreshing {
                return Ok(e.value.clone());
            }
            e.refreshing = true;
            refreshing = Some(OnDrop(|| {
                if let Ok(mut values) = self.values.lock()
                    && let Some(e) = values.get_mut(key)
                {
                    e.refreshing = false;
                }
            }));
        }
        let result = compute().await.map(Arc::new);
        drop(refreshing);
        if let Ok(mut values) = self.values.lock() {
            match &result {
                Ok(v) => {
                    values.insert(
                        key.clone(),
                        Entry {
                            generation: now,
                            at: Instant::now(),
                            value: v.clone(),
                            refreshing: false,
                        },
                    );
                }
                Err(_) => {
                    values.remove(key);
                }
            }
        }
        result
    }
}

struct Entry<V> {
    generation: u64,
    at: Instant,
    value: Arc<V>,
    refreshing: bool,
}

/// Middleware: after a request that may have written, moves every generation-keyed cache on and
/// wakes the mailer (the write may have queued mail).
pub async fn count_writes(State(state): State<Shared>, req: Request, next: Next) -> Response {
    let writes = !matches!(*req.method(), Method::GET | Method::HEAD);
    let res = next.run(req).await;
    if writes {
        state.org_pages.bump();
        if let Some(m) = &state.mailer {
            m.wake();
        }
    }
    res
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

    /// A computation that never finishes, abandoned as a disconnected client abandons it.
    async fn abandoned<T>(get: impl Future<Output = T>) {
        let r = tokio::time::timeout(Duration::from_millis(20), get).await;
        assert!(r.is_err(), "the computation was meant to be cut off");
    }

    #[tokio::test]
    async fn a_refresh_cut_off_midway_does_not_freeze_the_value() {
        let c = Ttl::new(Duration::from_millis(10));
        let _: Result<_, ()> = c.get_or_try(|| async { Ok(1) }).await;
        tokio::time::sleep(Duration::from_millis(15)).await;
        abandoned(c.get_or_try(std::future::pending::<Result<i32, ()>>)).await;
        let next: Result<_, ()> = c.get_or_try(|| async { Ok(2) }).await;
        assert_eq!(*next.unwrap(), 2, "the next request refreshes");

        let g: Generations<i64, i32> = Generations::with_max_age(Duration::from_millis(10));
        let _: Result<_, ()> = g.get_or_try(&1, || async { Ok(10) }).await;
        tokio::time::sleep(Duration::from_millis(15)).await;
        abandoned(g.get_or_try(&1, std::future::pending::<Result<i32, ()>>)).await;
        let next: Result<_, ()> = g.get_or_try(&1, || async { Ok(11) }).await;
        assert_eq!(*next.unwrap(), 11, "the next request refreshes");
    }

    #[tokio::test]
    async fn a_write_makes_every_value_stale() {
        let g: Generations<i64, i32> = Generations::default();
        let v: Result<_, ()> = g.get_or_try(&1, || async { Ok(10) }).await;
        assert_eq!(*v.unwrap(), 10);
        let same: Result<_, ()> = g.get_or_try(&1, || async { Ok(11) }).await;
        assert_eq!(*same.unwrap(), 10);
        let other: Result<_, ()> = g.get_or_try(&2, || async { Ok(20) }).await;
        assert_eq!(*other.unwrap(), 20, "keys are apart");
        g.bump();
        let after: Result<_, ()> = g.get_or_try(&1, || async { Ok(12) }).await;
        assert_eq!(*after.unwrap(), 12);
        // A value computed while a write was answered belongs to the older generation.
        let racing: Result<_, ()> = g
            .get_or_try(&3, || async {
                g.bump();
                Ok(30)
            })
            .await;
        assert_eq!(*racing.unwrap(), 30);
        let next: Result<_, ()> = g.get_or_try(&3, || async { Ok(31) }).await;
        assert_eq!(*next.unwrap(), 31);
    }
}
