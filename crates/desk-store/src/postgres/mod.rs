//! The PostgreSQL backend. Every transaction first sets `app.tenant_id`, on which the
//! row-level security policies of every tenant table depend; the server's queries run as a
//! role those policies apply to.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Executor, PgConnection};

use crate::shared::{migrator, portable_store};

const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "foundation", include_str!("../../migrations/postgres/0001_foundation.sql")),
    (2, "knowledge_base", include_str!("../../migrations/postgres/0002_knowledge_base.sql")),
    (3, "ai", include_str!("../../migrations/postgres/0003_ai.sql")),
    (4, "public_votes", include_str!("../../migrations/postgres/0004_public_votes.sql")),
    (5, "sla", include_str!("../../migrations/postgres/0005_sla.sql")),
];

/// The role the server switches to when `DATABASE_URL` names a superuser or a BYPASSRLS role.
pub const APP_ROLE: &str = "customerdesk_app";

/// PostgreSQL store.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    options: PgConnectOptions,
    app_role: Option<&'static str>,
}

impl PgStore {
    /// Connects, migrates as the connecting user, then pools connections that run as a role
    /// row-level security applies to.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let options: PgConnectOptions = url.parse()?;
        let app_role = migrate_as_owner(&options).await?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_mins(1))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if let Some(role) = app_role {
                        conn.execute(format!("set role {role}").as_str()).await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options.clone())
            .await?;
        Ok(Self { pool, options, app_role })
    }

    /// The role queries run as: the app role, or the connecting user when it is already subject to RLS.
    pub fn query_role(&self) -> Option<&'static str> {
        self.app_role
    }

    async fn run_migrations(&self) -> StoreResult<()> {
        migrate_as_owner(&self.options).await?;
        Ok(())
    }

    async fn read_tx(&self, ctx: &TenantCtx) -> StoreResult<Tx> {
        let mut tx = self.pool.begin().await?;
        Self::switch_tenant(&mut tx, ctx).await?;
        Ok(tx)
    }

    async fn write_tx(&self, ctx: &TenantCtx) -> StoreResult<Tx> {
        self.read_tx(ctx).await
    }

    async fn global_tx(&self) -> StoreResult<Tx> {
        Ok(self.pool.begin().await?)
    }

    /// The background jobs' scans across tenants: `app.scan` opens the read-only `system_scan`
    /// policies on tickets and settings for this transaction only.
    async fn scan_tx(&self) -> StoreResult<Tx> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("select set_config('app.scan', 'on', true)").execute(&mut *tx).await?;
        Ok(tx)
    }

    /// The job table is not tenant data.
    async fn jobs_tx(&self) -> StoreResult<Tx> {
        Ok(self.pool.begin().await?)
    }
}

/// Migrates as the connecting user (the tables' owner) and sets up the query role.
async fn migrate_as_owner(options: &PgConnectOptions) -> StoreResult<Option<&'static str>> {
    let admin = PgPoolOptions::new().max_connections(1).connect_with(options.clone()).await?;
    migrator(MIGRATIONS).run(&admin).await?;
    let mut conn = admin.acquire().await?;
    let role = ensure_app_role(&mut conn).await?;
    drop(conn);
    admin.close().await;
    Ok(role)
}

/// When the connecting user bypasses row-level security, creates (once per cluster) a plain
/// role that does not, grants it the tables, and returns its name for `set role`.
async fn ensure_app_role(conn: &mut PgConnection) -> StoreResult<Option<&'static str>> {
    let (superuser, bypass): (bool, bool) =
        sqlx::query_as("select rolsuper, rolbypassrls from pg_roles where rolname = current_user").fetch_one(&mut *conn).await?;
    if !superuser && !bypass {
        return Ok(None);
    }
    let exists: Option<(i32,)> =
        sqlx::query_as("select 1 from pg_roles where rolname = $1").bind(APP_ROLE).fetch_optional(&mut *conn).await?;
    if exists.is_none() {
        // Two servers starting at once may race here; the loser's error is harmless.
        if let Err(e) = conn.execute(format!("create role {APP_ROLE} nologin nosuperuser nobypassrls noinherit").as_str()).await {
            let raced: Option<(i32,)> =
                sqlx::query_as("select 1 from pg_roles where rolname = $1").bind(APP_ROLE).fetch_optional(&mut *conn).await?;
            if raced.is_none() {
                return Err(e.into());
            }
        }
    }
    if !superuser {
        conn.execute(format!("grant {APP_ROLE} to current_user").as_str()).await?;
    }
    conn.execute(
        format!(
            "grant usage on schema public to {APP_ROLE}; \
             grant select, insert, update, delete on all tables in schema public to {APP_ROLE}; \
             grant usage, select on all sequences in schema public to {APP_ROLE}; \
             revoke all on _sqlx_migrations from {APP_ROLE};"
        )
        .as_str(),
    )
    .await?;
    Ok(Some(APP_ROLE))
}

/// Options of `ts_headline`: matches between U+E000 and U+E001, like SQLite's snippets.
const HEADLINE: &str = "StartSel=\u{e000}, StopSel=\u{e001}, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=\" … \"";

impl PgStore {
    /// Points row-level security at another tenant for the rest of the transaction.
    async fn switch_tenant(tx: &mut Tx, ctx: &TenantCtx) -> StoreResult<()> {
        sqlx::query("select set_config('app.tenant_id', $1, true)").bind(ctx.tenant_id().to_string()).execute(&mut **tx).await?;
        Ok(())
    }

    /// The insert trigger `tickets_search_on_insert` computes a new ticket's document.
    #[allow(clippy::unused_async)]
    async fn index_new_ticket(_tx: &mut Tx, _ctx: &TenantCtx, _id: Uuid, _subject: &str, _description: &str) -> StoreResult<()> {
        Ok(())
    }

    /// Rebuilds the document: subject, description and every public reply.
    async fn index_subject(tx: &mut Tx, ctx: &TenantCtx, id: Uuid, _subject: &str) -> StoreResult<()> {
        sqlx::query(
            "update tickets t set search = setweight(to_tsvector('english', t.subject), 'A') || setweight(to_tsvector('english', \
               t.description || ' ' || coalesce((select string_agg(c.body, ' ' order by c.created_at) from ticket_comments c \
               where c.tenant_id = t.tenant_id and c.ticket_id = t.id and not c.internal), '')), 'B') \
             where t.tenant_id = $1 and t.id = $2",
        )
        .bind(ctx.tenant_id())
        .bind(id)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    async fn index_reply(tx: &mut Tx, ctx: &TenantCtx, id: Uuid, body: &str) -> StoreResult<()> {
        // tsvectors are limited to 1 MB: a very long thread stops growing its document well before.
        sqlx::query(
            "update tickets set search = search || setweight(to_tsvector('english', left($1, 20000)), 'B') \
             where tenant_id = $2 and id = $3 and pg_column_size(search) < 262144",
        )
        .bind(body)
        .bind(ctx.tenant_id())
        .bind(id)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    fn search_query(ctx: &TenantCtx, words: &[String]) -> QueryBuilder<'static, sqlx::Postgres> {
        let mut qb =
            QueryBuilder::new(concat!(ticket_select!(), ", ts_headline('english', t.subject || E'\\n' || t.description, q, "));
        qb.push_bind(HEADLINE);
        qb.push(") as snippet, ts_rank(t.search, q)::float8 as score from tickets t, plainto_tsquery('english', ");
        qb.push_bind(words.join(" "));
        qb.push(") q where t.search @@ q and t.tenant_id = ").push_bind(ctx.tenant_id());
        qb
    }
}

const ARTICLE_VECTOR: &str = "setweight(to_tsvector('english', $1), 'A') || setweight(to_tsvector('english', $2), 'B') \
     || setweight(to_tsvector('english', $3), 'C')";

impl PgStore {
    async fn index_article(tx: &mut Tx, ctx: &TenantCtx, id: Uuid, title: &str, summary: &str, body: &str) -> StoreResult<()> {
        Self::reindex_article(tx, ctx, id, title, summary, body).await
    }

    async fn reindex_article(tx: &mut Tx, ctx: &TenantCtx, id: Uuid, title: &str, summary: &str, body: &str) -> StoreResult<()> {
        sqlx::query(&format!("update kb_articles set search = {ARTICLE_VECTOR} where tenant_id = $4 and id = $5"))
            .bind(title)
            .bind(summary)
            .bind(body)
            .bind(ctx.tenant_id())
            .bind(id)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// Any word may match; `websearch_to_tsquery` never fails on user syntax.
    fn article_search_query(ctx: &TenantCtx, words: &[String]) -> QueryBuilder<'static, sqlx::Postgres> {
        let cleaned: Vec<String> = words
            .iter()
            .map(|w| w.chars().filter(|c| c.is_alphanumeric()).collect::<String>())
            .filter(|w| !w.is_empty())
            .collect();
        let mut qb = QueryBuilder::new(
            "select a.id, a.key, a.title, a.slug, a.summary, a.visibility, ts_headline('english', a.summary || E'\\n' || a.body, q, ",
        );
        qb.push_bind(HEADLINE);
        qb.push(") as snippet, ts_rank(a.search, q)::float8 as score from kb_articles a, websearch_to_tsquery('english', ");
        qb.push_bind(cleaned.join(" or "));
        qb.push(") q where a.search @@ q and a.tenant_id = ").push_bind(ctx.tenant_id());
        qb
    }
}

crate::ai::ai_store!(PgStore, sqlx::Postgres);
crate::kb::kb_store!(PgStore, sqlx::Postgres, " for update of a");
// `no key update`: the group and company rows stay lockable by the foreign-key checks of
// concurrent ticket inserts.
crate::sla_sql::sla_store!(PgStore, sqlx::Postgres, " for no key update");
crate::jobs::job_store!(PgStore, sqlx::Postgres, " for update skip locked");

portable_store!(PgStore, sqlx::Postgres, Backend::Postgres, " for update of t");
