//! The store's conformance suite. Every check runs on SQLite (a temporary file) and, when
//! `RISE_TEST_POSTGRES_URL` names a server (as `.ci/run` sets it), on a fresh PostgreSQL
//! database too; without it the PostgreSQL run says it was skipped.

#![allow(clippy::unwrap_used)]

mod suite;

use rise_store::Store;
use std::future::Future;

/// Runs `check` on a fresh store of each available backend.
pub fn on_every_backend<F, Fut>(name: &str, check: F)
where
    F: Fn(Store) -> Fut,
    Fut: Future<Output = ()>,
{
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_sqlite(&dir.path().join("rise.db"))
            .await
            .unwrap();
        check(store.clone()).await;
        store.close().await;
        match std::env::var("RISE_TEST_POSTGRES_URL") {
            Ok(url) if !url.is_empty() => {
                let (store, db) = fresh_postgres(&url, name).await;
                check(store.clone()).await;
                store.close().await;
                drop_database(&url, &db).await;
            }
            _ => eprintln!("{name}: PostgreSQL skipped (set RISE_TEST_POSTGRES_URL to run it)"),
        }
    });
}

/// A new, empty database on the server at `url` (named after the test), migrated.
async fn fresh_postgres(url: &str, name: &str) -> (Store, String) {
    let db = format!("rise_test_{}_{}", name, std::process::id());
    drop_database(url, &db).await;
    admin(url, &format!("CREATE DATABASE {db}")).await;
    let base = url.rsplit_once('/').map_or(url, |(b, _)| b);
    (Store::open(&format!("{base}/{db}")).await.unwrap(), db)
}

async fn drop_database(url: &str, db: &str) {
    admin(url, &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")).await;
}

async fn admin(url: &str, sql: &str) {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url).await.unwrap();
    sqlx::query(sql).execute(&mut conn).await.unwrap();
    conn.close().await.unwrap();
}
