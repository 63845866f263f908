//! # rise-store
//!
//! The coalition's database: one repository API over SQLite (the embedded default: one file,
//! WAL) and PostgreSQL (production), chosen by the URL. Migrations run when the store opens,
//! and every write records who, when, what, and the record before and after in `audit_log`,
//! in the same transaction as the write.
//!
//! Only aggregates are stored, never patient-level data. Whether a number may be shown to
//! someone (small-cell suppression for other organizations and the public) is decided above
//! this crate, by `web`; the store keeps what the member uploaded.
//!
//! One implementation serves both databases through sqlx's `Any` driver with portable SQL:
//! `$1, $2, …` placeholders (always in order of appearance, never repeated: SQLite numbers them
//! by first appearance), `RETURNING`, integers as 64-bit, flags as 0/1, times as ISO 8601 text.
//! Each backend has its own migrations (`migrations/sqlite`, `migrations/postgres`).

#![cfg_attr(test, allow(clippy::unwrap_used))]

mod adoption;
mod audit;
mod commitments;
mod datasets;
mod email;
mod error;
mod evidence;
mod framework;
mod orgs;
mod outbox;
mod passwords;
mod plans;
mod resets;
mod secrets;
mod tokens;
mod users;

pub mod model;
#[cfg(feature = "testing")]
pub mod testing;

pub use adoption::{Adopter, AdoptionStatus};
pub use datasets::MAX_DATASET_ROWS;
pub use error::{FieldError, Result, StoreError};
pub use evidence::{Review, Submission};
pub use framework::FrameworkFile;
pub use outbox::{MAX_ATTEMPTS, Mail, OutboxEntry};
pub use passwords::{
    MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, password_hash, password_matches, password_problem,
};
pub use resets::RESET_MINUTES;
pub use tokens::ApiToken;
pub use users::{SESSION_SECONDS, Session};

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};
use std::path::Path;
use std::sync::Arc;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The coalition database.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite has one writer at a time; writers of this process queue here instead of racing
    /// for the file lock (which, lost, is a "database is locked" error, not a wait).
    writers: Arc<Mutex<()>>,
    /// Argon2 on blocking threads, one job per core at a time.
    hashing: passwords::Hashing,
}

/// A place in the writers' queue, held until the write transaction has ended.
pub(crate) type WriteTurn = Option<OwnedMutexGuard<()>>;

impl std::fmt::Debug for Store {
    // The URL may hold a password: never print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish()
    }
}

impl Store {
    /// Opens (creating if needed) the database at `url` — `sqlite://PATH` or
    /// `postgres://…` — and brings its schema up to date.
    pub async fn open(url: &str) -> Result<Self> {
        install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::Config(
                "the database URL must start with sqlite:// or postgres://".into(),
            ));
        };
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rwc")
            }
            _ => url.to_string(),
        };
        let mut options = AnyPoolOptions::new().max_connections(8);
        if backend == Backend::Sqlite {
            options = options.after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute("PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 30000;")
                        .await?;
                    Ok(())
                })
            });
        }
        let pool = options.connect(&url).await?;
        if backend == Backend::Sqlite {
            // WAL lets readers go on while one writer writes; it persists in the file.
            pool.execute("PRAGMA journal_mode = WAL;").await?;
            sqlx::migrate!("migrations/sqlite").run(&pool).await?;
        } else {
            sqlx::migrate!("migrations/postgres").run(&pool).await?;
        }
        Ok(Self {
            pool,
            backend,
            writers: Arc::new(Mutex::new(())),
            hashing: passwords::Hashing::new(),
        })
    }

    /// Begins a write transaction. On SQLite it waits its turn behind this process's other
    /// writers and takes the write lock at once (`BEGIN IMMEDIATE`), so a busy database is
    /// waited on (another process's writer up to the 30 s busy timeout) rather than failing
    /// half-way; PostgreSQL's row locks need neither. Keep the turn until the commit.
    pub(crate) async fn begin_write(
        &self,
    ) -> Result<(WriteTurn, sqlx::Transaction<'static, sqlx::Any>)> {
        match self.backend {
            Backend::Sqlite => {
                let turn = self.writers.clone().lock_owned().await;
                let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
                Ok((Some(turn), tx))
            }
            Backend::Postgres => Ok((None, self.pool.begin().await?)),
        }
    }

    /// A `SELECT` of a record about to be changed, locking it until the commit: PostgreSQL
    /// needs `FOR UPDATE`; SQLite's `BEGIN IMMEDIATE` already holds the whole database.
    pub(crate) fn for_update(&self, select: &str) -> String {
        match self.backend {
            Backend::Sqlite => select.to_string(),
            Backend::Postgres => format!("{select} FOR UPDATE"),
        }
    }

    /// The `SELECT` of one record of an organization (`$1` the organization, `$2` the id),
    /// locking it for an update in the running transaction ([`Store::for_update`]).
    pub(crate) fn owned_for_update(&self, table: &str, columns: &str) -> String {
        self.for_update(&format!(
            "SELECT {columns} FROM {table} WHERE organization_id = $1 AND id = $2"
        ))
    }

    /// The row a live one-time secret finds (`$1` its hash, `$2` now, for its expiry); not
    /// found when the token is unknown, used or expired.
    pub(crate) async fn by_live_token(&self, sql: &str, token: &str) -> Result<sqlx::any::AnyRow> {
        sqlx::query(sql)
            .bind(secrets::digest(token))
            .bind(now())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// One record of an organization from `table`; not found when it is missing or another
    /// organization's (every read of member data names the organization).
    pub(crate) async fn owned<T>(&self, table: &str, columns: &str, org: i64, id: i64) -> Result<T>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    {
        let row = sqlx::query(&format!(
            "SELECT {columns} FROM {table} WHERE organization_id = $1 AND id = $2"
        ))
        .bind(org)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        from_row(&row)
    }

    /// Every record of an organization from `table`, in `order`.
    pub(crate) async fn all_owned<T>(
        &self,
        table: &str,
        columns: &str,
        org: i64,
        order: &str,
    ) -> Result<Vec<T>>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    {
        sqlx::query(&format!(
            "SELECT {columns} FROM {table} WHERE organization_id = $1 ORDER BY {order}"
        ))
        .bind(org)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(from_row)
        .collect()
    }

    /// Waits for this process's turn to write outside a transaction (one statement).
    pub(crate) async fn write_turn(&self) -> WriteTurn {
        match self.backend {
            Backend::Sqlite => Some(self.writers.clone().lock_owned().await),
            Backend::Postgres => None,
        }
    }

    /// Opens a SQLite file.
    pub async fn open_sqlite(path: &Path) -> Result<Self> {
        Self::open(&format!("sqlite://{}", path.display())).await
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes the pool (waits for connections to be returned).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// A record read from a row by its `FromRow` derive (sqlx's errors become the store's).
pub(crate) fn from_row<T>(row: &sqlx::any::AnyRow) -> Result<T>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
{
    Ok(T::from_row(row)?)
}

/// The current time as stored: ISO 8601 UTC, whole seconds.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
