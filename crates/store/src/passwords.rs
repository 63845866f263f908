//! Passwords: the strength rule and Argon2id, off the async workers.
//!
//! NIST SP 800-63B asks for a minimum length and a check against common, breached-style and
//! context-specific passwords, and no composition rules: a password must have 12 characters
//! or more and a zxcvbn score of at least 3 (about 10^10 guesses), counting the person's name
//! and email and the platform's own words as guessable.
//!
//! Argon2id deliberately costs ~19 MiB and tens of milliseconds of one core per hash. Run on
//! the async workers, a burst of sign-ins stalls every other request and memory grows with
//! the burst; so hashing and verifying run on blocking threads, at most one per core at a
//! time, and the others wait their turn without holding a thread.

use crate::{Result, StoreError};
use argon2::password_hash::{PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Argon2, PasswordHash};
use rand::RngCore;
use std::sync::Arc;
use tokio::sync::Semaphore;
use zxcvbn::Score;

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The longest (Argon2 takes any length; this bounds the work of checking one).
pub const MAX_PASSWORD_CHARS: usize = 200;

/// Hashes a password with Argon2id (the crate's defaults: 19 MiB, 2 passes, OWASP's minimum).
/// CPU-bound: call it from a blocking thread (the store does, through [`Hashing`]).
pub fn password_hash(password: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt)
        .map_err(|e| StoreError::Config(format!("password salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Config(format!("password hashing: {e}")))
}

/// Whether `password` matches a stored hash. CPU-bound, like [`password_hash`].
pub fn password_matches(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// What is wrong with `password` for the person with this email and name, to show next to
/// the field; `None` if it may be used.
pub fn password_problem(password: &str, email: &str, name: &str) -> Option<String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Some(format!("Use at least {MIN_PASSWORD_CHARS} characters."));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Some(format!("Use at most {MAX_PASSWORD_CHARS} characters."));
    }
    let inputs = guessable_words(email, name);
    let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
    let strength = zxcvbn::zxcvbn(password, &inputs);
    if strength.score() >= Score::Three {
        return None;
    }
    let advice = strength
        .feedback()
        .map(|f| f.to_string().trim().to_string())
        .filter(|f| !f.is_empty())
        .unwrap_or_else(|| "Use a few words that do not belong together.".to_string());
    Some(format!("This password is too easy to guess. {advice}"))
}

/// What a guesser tries first for this person: the email, its parts, the name and its parts,
/// and the platform's own words.
fn guessable_words(email: &str, name: &str) -> Vec<String> {
    let mut words: Vec<String> = ["rise", "coalition", "health", "equity"]
        .iter()
        .map(|w| w.to_string())
        .collect();
    for whole in [email, name] {
        let whole = whole.trim().to_lowercase();
        words.extend(
            whole
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| w.chars().count() >= 3)
                .map(str::to_string),
        );
        words.push(whole.chars().filter(|c| c.is_alphanumeric()).collect());
        words.push(whole);
    }
    if let Some((local, _)) = email.trim().split_once('@') {
        words.push(local.to_lowercase());
    }
    words.retain(|w| !w.is_empty());
    words.sort();
    words.dedup();
    words
}

/// A new password, checked: what is wrong with it, or its hash.
#[derive(Debug)]
pub(crate) struct Checked {
    pub problem: Option<String>,
    pub hash: Option<String>,
}

/// Runs password work on blocking threads, at most one job per core at a time.
#[derive(Debug, Clone)]
pub(crate) struct Hashing {
    permits: Arc<Semaphore>,
}

impl Hashing {
    pub fn new() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        Self {
            permits: Arc::new(Semaphore::new(cores)),
        }
    }

    /// Runs `work` on a blocking thread once a permit is free. The permit goes into the
    /// thread: a caller that gives up (a closed connection) cannot free it early and let more
    /// hashes run than there are cores.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T> {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| StoreError::Worker(e.to_string()))?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await
        .map_err(|e| StoreError::Worker(e.to_string()))
    }

    /// Checks a new password's strength and, if it may be used and `hash` is set, hashes it.
    pub async fn new_password(
        &self,
        password: &str,
        email: &str,
        name: &str,
        hash: bool,
    ) -> Result<Checked> {
        let (password, email, name) = (password.to_string(), email.to_string(), name.to_string());
        self.run(move || {
            let problem = password_problem(&password, &email, &name);
            let hash = match problem {
                None if hash => Some(password_hash(&password)?),
                _ => None,
            };
            Ok(Checked { problem, hash })
        })
        .await?
    }

    /// Whether `password` matches `hash`.
    pub async fn matches(&self, password: &str, hash: &str) -> Result<bool> {
        let (password, hash) = (password.to_string(), hash.to_string());
        self.run(move || password_matches(&password, &hash)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guessable_passwords_are_refused_with_advice() {
        for weak in [
            "            ",
            "123456789012",
            "passwordpassword",
            "qwertyuiopasdf",
            "Password123!",
            "aaaaaaaaaaaaaaaa",
        ] {
            let problem = password_problem(weak, "a@b.org", "A").unwrap_or_default();
            assert!(problem.starts_with("This password is too easy"), "{weak:?}");
            assert!(problem.len() > "This password is too easy to guess. ".len());
        }
        // The person's own name and email are the first guesses.
        assert!(
            password_problem(
                "frankoduya1234",
                "frank.oduya@east.example.org",
                "Frank Oduya"
            )
            .is_some()
        );
        assert!(password_problem("frankoduya1234", "ana@west.example.org", "Ana West").is_none());
        assert_eq!(
            password_problem("short pass", "a@b.org", "A").as_deref(),
            Some("Use at least 12 characters.")
        );
        assert!(password_problem(&"violet harbour ".repeat(14), "a@b.org", "A").is_some());
        for good in [
            "violet harbour lantern 42",
            "a long test password",
            "correct horse battery",
        ] {
            assert_eq!(password_problem(good, "a@b.org", "A"), None, "{good:?}");
        }
    }

    #[test]
    fn guessable_words_include_the_parts_of_email_and_name() {
        let words = guessable_words("Frank.Oduya@East-Clinic.example.org", "Frank Oduya");
        for w in [
            "frank",
            "oduya",
            "east",
            "clinic",
            "frank.oduya",
            "frankoduya",
            "rise",
        ] {
            assert!(words.iter().any(|x| x == w), "{w} missing from {words:?}");
        }
    }

    #[tokio::test]
    async fn hashing_runs_off_the_async_workers_one_per_core() {
        let h = Hashing::new();
        let hash = h
            .run(|| password_hash("violet harbour lantern 42"))
            .await
            .unwrap()
            .unwrap();
        assert!(h.matches("violet harbour lantern 42", &hash).await.unwrap());
        assert!(!h.matches("violet harbour lantern 43", &hash).await.unwrap());
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        let busy = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let most = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut jobs = tokio::task::JoinSet::new();
        for _ in 0..(4 * cores) {
            let (h, busy, most) = (h.clone(), busy.clone(), most.clone());
            jobs.spawn(async move {
                h.run(move || {
                    use std::sync::atomic::Ordering::SeqCst;
                    let now = busy.fetch_add(1, SeqCst) + 1;
                    most.fetch_max(now, SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    busy.fetch_sub(1, SeqCst);
                })
                .await
            });
        }
        while let Some(r) = jobs.join_next().await {
            r.unwrap().unwrap();
        }
        assert_eq!(most.load(std::sync::atomic::Ordering::SeqCst), cores);
    }
}
