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
use argon2::password_hash::{self, Output, ParamsString, Salt, SaltString};
use argon2::{ARGON2ID_IDENT, Algorithm, Argon2, Block, Params, PasswordHash, Version};
use rand::RngCore;
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;
use zxcvbn::Score;

/// An Argon2id hash of a random password, checked when the email is unknown.
pub(crate) const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2VWFbT1YoYT0bTl8RSDiUX0fP6vXTEDVXvpWjYyeE4A";

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The longest (Argon2 takes any length; this bounds the work of checking one).
pub const MAX_PASSWORD_CHARS: usize = 200;

/// Hashes a password with Argon2id (the crate's defaults: 19 MiB, 2 passes, OWASP's minimum).
/// CPU-bound: call it from a blocking thread (the store does, through [`Hashing`]).
pub fn password_hash(password: &str) -> Result<String> {
    hash_with(password, &mut Vec::new())
}

/// Whether `password` matches a stored hash. CPU-bound, like [`password_hash`].
pub fn password_matches(password: &str, hash: &str) -> bool {
    matches_with(password, hash, &mut Vec::new())
}

fn hash_with(password: &str, memory: &mut Vec<Block>) -> Result<String> {
    let fail = |e: password_hash::Error| StoreError::Config(format!("password hashing: {e}"));
    let mut raw = [0u8; 16];
    rand::rng().fill_bytes(&mut raw);
    let salt = SaltString::encode_b64(&raw).map_err(fail)?;
    let params = Params::default();
    let version = Version::V0x13;
    let out = argon2id(
        password.as_bytes(),
        version,
        params.clone(),
        salt.as_salt(),
        Params::DEFAULT_OUTPUT_LEN,
        memory,
    )
    .map_err(fail)?;
    Ok(PasswordHash {
        algorithm: ARGON2ID_IDENT,
        version: Some(version.into()),
        params: ParamsString::try_from(&params).map_err(fail)?,
        salt: Some(salt.as_salt()),
        hash: Some(out),
    }
    .to_string())
}

fn matches_with(password: &str, hash: &str, memory: &mut Vec<Block>) -> bool {
    let Ok(h) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (h.salt, h.hash) else {
        return false;
    };
    if h.algorithm != ARGON2ID_IDENT {
        return false;
    }
    let version = h.version.map_or(Ok(Version::V0x13), Version::try_from);
    let (Ok(version), Ok(params)) = (version, Params::try_from(&h)) else {
        return false;
    };
    // `Output`'s equality is constant-time.
    argon2id(
        password.as_bytes(),
        version,
        params,
        salt,
        expected.len(),
        memory,
    )
    .is_ok_and(|out| out == expected)
}

/// Argon2id of `password` into an output of `len` bytes, working in `memory` (grown to the
/// parameters' size once, then reused: see [`Hashing`]).
fn argon2id(
    password: &[u8],
    version: Version,
    params: Params,
    salt: Salt<'_>,
    len: usize,
    memory: &mut Vec<Block>,
) -> password_hash::Result<Output> {
    let blocks = params.block_count();
    let argon = Argon2::new(Algorithm::Argon2id, version, params);
    let mut salt_bytes = [0u8; Salt::MAX_LENGTH];
    let salt = salt.decode_b64(&mut salt_bytes)?;
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    let mut out = vec![0u8; len];
    argon.hash_password_into_with_memory(password, salt, &mut out, &mut memory[..])?;
    Output::new(&out)
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
    /// Argon2's working memory, one buffer per job running (so at most one per permit).
    memory: Arc<Mutex<Vec<Vec<Block>>>>,
}

impl Hashing {
    pub fn new() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        Self {
            permits: Arc::new(Semaphore::new(cores)),
            memory: Arc::default(),
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

    /// Runs `work` as [`Hashing::run`] does, with a working-memory buffer for Argon2.
    async fn run_with_memory<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    ) -> Result<T> {
        let pool = self.memory.clone();
        self.run(move || {
            let mut memory = pool
                .lock()
                .map(|mut p| p.pop())
                .ok()
                .flatten()
                .unwrap_or_default();
            let result = work(&mut memory);
            if let Ok(mut p) = pool.lock() {
                p.push(memory);
            }
            result
        })
        .await
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
        self.run_with_memory(move |memory| {
            let problem = password_problem(&password, &email, &name);
            let hash = match problem {
                None if hash => Some(hash_with(&password, memory)?),
                _ => None,
            };
            Ok(Checked { problem, hash })
        })
        .await?
    }

    /// Whether `password` matches `hash`.
    pub async fn matches(&self, password: &str, hash: &str) -> Result<bool> {
        let (password, hash) = (password.to_string(), hash.to_string());
        self.run_with_memory(move |memory| matches_with(&password, &hash, memory))
            .await
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

    #[test]
    fn hashes_are_standard_argon2id_strings() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let ours = password_hash("violet harbour lantern 42").unwrap();
        assert!(
            ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{ours}"
        );
        let h = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"violet harbour lantern 42", &h)
                .is_ok()
        );
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let theirs = Argon2::default()
            .hash_password(b"violet harbour lantern 42", &salt)
            .unwrap()
            .to_string();
        let mut memory = Vec::new();
        assert!(matches_with(
            "violet harbour lantern 42",
            &theirs,
            &mut memory
        ));
        assert!(!matches_with(
            "violet harbour lantern 43",
            &theirs,
            &mut memory
        ));
        assert!(!password_matches("x", "not a hash"));
        // The stand-in for unknown accounts must be worked through like a real hash, or
        // unknown accounts would answer faster than known ones.
        let dummy = PasswordHash::new(DUMMY_HASH).unwrap();
        assert_eq!(dummy.algorithm, ARGON2ID_IDENT);
        assert_eq!(
            Params::try_from(&dummy).unwrap().m_cost(),
            Params::default().m_cost()
        );
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
