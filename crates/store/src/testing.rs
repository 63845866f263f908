//! For other crates' tests (feature `testing`): a fresh PostgreSQL database per test, so that
//! what runs on SQLite can run on PostgreSQL too.

use crate::{Result, Store, StoreError};
use sqlx::Connection;

/// A new, empty database named `rise_test_{name}_{pid}` on the server of `url` (any database
/// on it), migrated, and its name (for [`drop_postgres`]).
pub async fn fresh_postgres(url: &str, name: &str) -> Result<(Store, String)> {
    let db = format!("rise_test_{}_{}", name, std::process::id());
    drop_postgres(url, &db).await?;
    admin(url, &format!("CREATE DATABASE {db}")).await?;
    let base = url.rsplit_once('/').map_or(url, |(b, _)| b);
    Ok((Store::open(&format!("{base}/{db}")).await?, db))
}

/// Drops a database that [`fresh_postgres`] made.
pub async fn drop_postgres(url: &str, db: &str) -> Result<()> {
    if !db.starts_with("rise_test_") || !db.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(StoreError::Config(format!("{db} is not a test database")));
    }
    admin(url, &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")).await
}

async fn admin(url: &str, sql: &str) -> Result<()> {
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url).await?;
    sqlx::query(sql).execute(&mut conn).await?;
    conn.close().await?;
    Ok(())
}
