//! The embedded SQLite backend: WAL, foreign keys on, `synchronous = FULL` so a commit that
//! returned has reached the disk. One writer connection (SQLite allows one writer at a time;
//! queueing in the pool is cheaper than busy-retry) and a pool of readers.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use crate::shared::{migrator, portable_store};

const MIGRATIONS: &[(i64, &str, &str)] = &[(1, "foundation", include_str!("../../migrations/sqlite/0001_foundation.sql"))];

/// SQLite store.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    writer: SqlitePool,
    reader: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) `customerdesk.db` in `dir` and migrates it.
    pub async fn open_dir(dir: &Path) -> StoreResult<Self> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
        Self::open(SqliteConnectOptions::new().filename(dir.join("customerdesk.db"))).await
    }

    /// Opens a `sqlite:` URL and migrates it.
    pub async fn open_url(url: &str) -> StoreResult<Self> {
        Self::open(SqliteConnectOptions::from_str(url)?).await
    }

    async fn open(options: SqliteConnectOptions) -> StoreResult<Self> {
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30));
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_mins(1))
            .connect_with(options.clone())
            .await?;
        let store = Self {
            writer,
            reader: SqlitePoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_mins(1))
                .connect_with(options.read_only(true))
                .await?,
        };
        store.run_migrations().await?;
        Ok(store)
    }

    async fn run_migrations(&self) -> StoreResult<()> {
        migrator(MIGRATIONS).run(&self.writer).await?;
        Ok(())
    }

    async fn read_tx(&self, _ctx: &TenantCtx) -> StoreResult<Tx> {
        Ok(self.reader.begin().await?)
    }

    async fn write_tx(&self, _ctx: &TenantCtx) -> StoreResult<Tx> {
        Ok(self.writer.begin().await?)
    }

    async fn global_tx(&self) -> StoreResult<Tx> {
        Ok(self.reader.begin().await?)
    }
}

// SQLite has one writer, so a read-modify-write inside a write transaction needs no row lock.
portable_store!(SqliteStore, sqlx::Sqlite, Backend::Sqlite, "");
