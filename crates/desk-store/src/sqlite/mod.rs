//! The embedded SQLite backend: WAL, foreign keys on, `synchronous = FULL` so a commit that
//! returned has reached the disk. One writer connection (SQLite allows one writer at a time;
//! queueing in the pool is cheaper than busy-retry) and a pool of readers.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use crate::shared::{migrator, portable_store};

const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "foundation", include_str!("../../migrations/sqlite/0001_foundation.sql")),
    (2, "knowledge_base", include_str!("../../migrations/sqlite/0002_knowledge_base.sql")),
    (3, "ai", include_str!("../../migrations/sqlite/0003_ai.sql")),
    (4, "public_votes", include_str!("../../migrations/sqlite/0004_public_votes.sql")),
    (5, "sla", include_str!("../../migrations/sqlite/0005_sla.sql")),
];

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
            .busy_timeout(Duration::from_secs(30))
            // SQLite's default page cache is 2 MB; a million tickets is gigabytes of B-tree.
            .pragma("cache_size", "-65536")
            .pragma("mmap_size", "1073741824")
            .pragma("temp_store", "memory");
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

    /// The background jobs' scans across tenants (SQLite has no row-level security to lift).
    async fn scan_tx(&self) -> StoreResult<Tx> {
        Ok(self.reader.begin().await?)
    }

    /// The job table is written through the single writer, which makes each claim atomic.
    async fn jobs_tx(&self) -> StoreResult<Tx> {
        Ok(self.writer.begin().await?)
    }
}

/// The FTS5 token standing for a tenant in every document of that tenant.
fn tenant_token(ctx: &TenantCtx) -> String {
    format!("t{}", ctx.tenant_id().simple())
}

/// An FTS5 query from user words: each word a quoted phrase (so no operator or column syntax
/// gets through), joined by `joiner` (" " for all, " OR " for any), over `columns`, inside the
/// tenant's documents.
fn fts_query(ctx: &TenantCtx, columns: &str, words: &[String], joiner: &str) -> String {
    let phrases: Vec<String> =
        words.iter().map(|w| w.replace('"', " ")).filter(|w| !w.trim().is_empty()).map(|w| format!("\"{}\"", w.trim())).collect();
    format!("tenant : \"{}\" AND {{{columns}}} : ({})", tenant_token(ctx), phrases.join(joiner))
}

impl SqliteStore {
    /// SQLite has no row-level security: queries filter by tenant themselves.
    #[allow(clippy::unused_async)]
    async fn switch_tenant(_tx: &mut Tx, _ctx: &TenantCtx) -> StoreResult<()> {
        Ok(())
    }

    async fn index_new_ticket(tx: &mut Tx, ctx: &TenantCtx, id: Uuid, subject: &str, description: &str) -> StoreResult<()> {
        let (rowid,): (i64,) =
            sqlx::query_as("insert into ticket_search_ids (tenant_id, ticket_id) values ($1, $2) returning id")
                .bind(ctx.tenant_id())
                .bind(id)
                .fetch_one(&mut **tx)
                .await?;
        sqlx::query("insert into tickets_fts (rowid, tenant, subject, body) values ($1, $2, $3, $4)")
            .bind(rowid)
            .bind(tenant_token(ctx))
            .bind(subject)
            .bind(description)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    async fn index_subject(tx: &mut Tx, ctx: &TenantCtx, id: Uuid, subject: &str) -> StoreResult<()> {
        sqlx::query("update tickets_fts set subject = $1 where rowid = (select id from ticket_search_ids where tenant_id = $2 and ticket_id = $3)")
            .bind(subject)
            .bind(ctx.tenant_id())
            .bind(id)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    async fn index_reply(tx: &mut Tx, ctx: &TenantCtx, id: Uuid, body: &str) -> StoreResult<()> {
        sqlx::query(
            "update tickets_fts set body = body || char(10) || $1 \
             where rowid = (select id from ticket_search_ids where tenant_id = $2 and ticket_id = $3)",
        )
        .bind(body)
        .bind(ctx.tenant_id())
        .bind(id)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    fn search_query(ctx: &TenantCtx, words: &[String]) -> QueryBuilder<'static, sqlx::Sqlite> {
        let mut qb = QueryBuilder::new(concat!(
            ticket_select!(),
            ", case when instr(snippet(tickets_fts, 2, char(57344), char(57345), '…', 16), char(57344)) > 0 \
               then snippet(tickets_fts, 2, char(57344), char(57345), '…', 16) \
               else highlight(tickets_fts, 1, char(57344), char(57345)) end as snippet, \
             -bm25(tickets_fts, 0.0, 4.0, 1.0) as score \
             from tickets_fts join ticket_search_ids s on s.id = tickets_fts.rowid \
             join tickets t on t.tenant_id = s.tenant_id and t.id = s.ticket_id \
             where tickets_fts match "
        ));
        qb.push_bind(fts_query(ctx, "subject body", words, " ")).push(" and t.tenant_id = ").push_bind(ctx.tenant_id());
        qb
    }
}

impl SqliteStore {
    async fn index_article(tx: &mut Tx, ctx: &TenantCtx, id: Uuid, title: &str, summary: &str, body: &str) -> StoreResult<()> {
        let (rowid,): (i64,) = sqlx::query_as("insert into kb_search_ids (tenant_id, article_id) values ($1, $2) returning id")
            .bind(ctx.tenant_id())
            .bind(id)
            .fetch_one(&mut **tx)
            .await?;
        sqlx::query("insert into kb_fts (rowid, tenant, title, summary, body) values ($1, $2, $3, $4, $5)")
            .bind(rowid)
            .bind(tenant_token(ctx))
            .bind(title)
            .bind(summary)
            .bind(body)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    async fn reindex_article(tx: &mut Tx, ctx: &TenantCtx, id: Uuid, title: &str, summary: &str, body: &str) -> StoreResult<()> {
        sqlx::query(
            "update kb_fts set title = $1, summary = $2, body = $3 \
             where rowid = (select id from kb_search_ids where tenant_id = $4 and article_id = $5)",
        )
        .bind(title)
        .bind(summary)
        .bind(body)
        .bind(ctx.tenant_id())
        .bind(id)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Any word may match (readers phrase questions, not keyword lists); BM25 ranks.
    fn article_search_query(ctx: &TenantCtx, words: &[String]) -> QueryBuilder<'static, sqlx::Sqlite> {
        let mut qb = QueryBuilder::new(
            "select a.id, a.key, a.title, a.slug, a.summary, a.visibility, \
             case when instr(snippet(kb_fts, 3, char(57344), char(57345), '…', 20), char(57344)) > 0 \
               then snippet(kb_fts, 3, char(57344), char(57345), '…', 20) \
               else snippet(kb_fts, -1, char(57344), char(57345), '…', 20) end as snippet, \
             -bm25(kb_fts, 0.0, 8.0, 3.0, 1.0) as score \
             from kb_fts join kb_search_ids s on s.id = kb_fts.rowid \
             join kb_articles a on a.tenant_id = s.tenant_id and a.id = s.article_id \
             where kb_fts match ",
        );
        qb.push_bind(fts_query(ctx, "title summary body", words, " OR ")).push(" and a.tenant_id = ").push_bind(ctx.tenant_id());
        qb
    }
}

crate::ai::ai_store!(SqliteStore, sqlx::Sqlite);
crate::kb::kb_store!(SqliteStore, sqlx::Sqlite, "");
crate::sla_sql::sla_store!(SqliteStore, sqlx::Sqlite, "");
crate::jobs::job_store!(SqliteStore, sqlx::Sqlite, "");

// SQLite has one writer, so a read-modify-write inside a write transaction needs no row lock.
portable_store!(SqliteStore, sqlx::Sqlite, Backend::Sqlite, "");
