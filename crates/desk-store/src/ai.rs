//! AI persistence: the durable embedding queue (filled by triggers), stored vectors, ticket
//! classifications, the KB search log and per-tenant AI settings. Compiled for both backends by
//! `ai_store!`.

use async_trait::async_trait;
use uuid::Uuid;

use crate::{StoreResult, TenantCtx};

/// What an embedding describes.
pub const KIND_TICKET: &str = "ticket";
/// An article's chunks.
pub const KIND_ARTICLE: &str = "article";

/// One entry of the embedding queue.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct QueueItem {
    pub kind: String,
    pub source_id: Uuid,
    /// When it was (re)queued; a newer change while it is being embedded keeps it queued.
    pub queued_at: i64,
    pub attempts: i32,
}

/// One stored vector.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VectorRecord {
    pub kind: String,
    pub source_id: Uuid,
    pub chunk: i32,
    pub content: String,
    /// Little-endian f32.
    pub vector: Vec<u8>,
}

/// A model's classification of a ticket, with an agent's corrections.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TicketAiRecord {
    pub ticket_id: Uuid,
    pub category: String,
    pub sentiment: String,
    pub priority: String,
    pub confidence: f64,
    pub escalate: bool,
    pub corrected_category: Option<String>,
    pub corrected_sentiment: Option<String>,
    pub corrected_priority: Option<String>,
    pub updated_at: i64,
}

/// A logged knowledge-base search.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SearchLogRecord {
    pub query: String,
    pub mode: String,
    pub result_count: i32,
    pub top_score: Option<f64>,
    pub created_at: i64,
}

/// A tenant's generation endpoint; the key stays sealed here.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AiSettingsRecord {
    pub base_url: String,
    pub model: String,
    pub api_key_sealed: Option<Vec<u8>>,
    pub updated_at: i64,
}

/// A short view of a ticket for AI lists.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TicketBrief {
    pub id: Uuid,
    pub number: i64,
    pub subject: String,
    pub status: String,
    pub assignee_id: Option<Uuid>,
    pub group_id: Option<Uuid>,
    pub created_at: i64,
}

/// AI persistence.
#[async_trait]
pub trait AiStore: Send + Sync {
    /// The oldest queued items (that have not failed too often).
    async fn ai_queue_take(&self, ctx: &TenantCtx, limit: i64) -> StoreResult<Vec<QueueItem>>;
    /// Queue length.
    async fn ai_queue_len(&self, ctx: &TenantCtx) -> StoreResult<i64>;
    /// Replaces the vectors of one source and removes its queue item unless it was requeued since.
    async fn ai_store_vectors(
        &self,
        ctx: &TenantCtx,
        item: &QueueItem,
        rows: &[VectorRecord],
        model: &str,
        now: i64,
    ) -> StoreResult<()>;
    /// Counts a failed attempt.
    async fn ai_queue_failed(&self, ctx: &TenantCtx, item: &QueueItem) -> StoreResult<()>;
    /// Queues every ticket and article of the tenant again (`customerdesk reindex`).
    async fn ai_queue_everything(&self, ctx: &TenantCtx, now: i64) -> StoreResult<i64>;
    /// Every stored vector of the tenant, to rebuild the in-memory index.
    async fn ai_load_vectors(&self, ctx: &TenantCtx) -> StoreResult<Vec<VectorRecord>>;
    /// Stores the model's classification, keeping any correction.
    async fn ai_set_classification(&self, ctx: &TenantCtx, record: &TicketAiRecord) -> StoreResult<()>;
    /// A ticket's classification.
    async fn ai_classification(&self, ctx: &TenantCtx, ticket_id: Uuid) -> StoreResult<Option<TicketAiRecord>>;
    /// Records an agent's correction (a `None` keeps the previous one).
    async fn ai_correct_classification(
        &self,
        ctx: &TenantCtx,
        ticket_id: Uuid,
        category: Option<&str>,
        sentiment: Option<&str>,
        priority: Option<&str>,
        now: i64,
    ) -> StoreResult<Option<TicketAiRecord>>;
    /// Embedded tickets that have no classification yet (embedded before the classifier was ready).
    async fn ai_unclassified_tickets(&self, ctx: &TenantCtx, limit: i64) -> StoreResult<Vec<Uuid>>;
    /// Classifications an agent corrected, for the tenant's own classifier.
    async fn ai_corrections(&self, ctx: &TenantCtx) -> StoreResult<Vec<TicketAiRecord>>;
    /// Logs a knowledge-base search.
    async fn ai_log_search(
        &self,
        ctx: &TenantCtx,
        query: &str,
        mode: &str,
        result_count: i32,
        top_score: Option<f64>,
        now: i64,
    ) -> StoreResult<()>;
    /// Searches since `since`, newest first.
    async fn ai_recent_searches(&self, ctx: &TenantCtx, since: i64, limit: i64) -> StoreResult<Vec<SearchLogRecord>>;
    /// Tickets created since `since`, newest first.
    async fn ai_recent_tickets(&self, ctx: &TenantCtx, since: i64, limit: i64) -> StoreResult<Vec<TicketBrief>>;
    /// Short views of the given tickets (any order; missing ids are left out).
    async fn ai_ticket_briefs(&self, ctx: &TenantCtx, ids: &[Uuid]) -> StoreResult<Vec<TicketBrief>>;
    /// Open (unresolved) tickets assigned to each of `users`.
    async fn ai_open_load(&self, ctx: &TenantCtx, users: &[Uuid]) -> StoreResult<Vec<(Uuid, i64)>>;
    /// The tenant's AI settings.
    async fn ai_settings(&self, ctx: &TenantCtx) -> StoreResult<Option<AiSettingsRecord>>;
    /// Replaces the tenant's AI settings; `None` removes them.
    async fn ai_put_settings(&self, ctx: &TenantCtx, settings: Option<&AiSettingsRecord>) -> StoreResult<()>;
}

macro_rules! ticket_ai_select {
    () => {
        "select ticket_id, category, sentiment, priority, confidence, escalate, corrected_category, corrected_sentiment, \
         corrected_priority, updated_at from ticket_ai "
    };
}

macro_rules! ticket_brief_select {
    () => {
        "select id, number, subject, status, assignee_id, group_id, created_at from tickets "
    };
}

pub(crate) use {ticket_ai_select, ticket_brief_select};

/// Implements [`AiStore`] for a backend over its driver.
macro_rules! ai_store {
    ($store:ty, $db:ty) => {
        mod ai_impl {
            use sqlx::QueryBuilder;
            use uuid::Uuid;

            use super::*;
            use crate::ai::*;
            use crate::*;

            const OPEN: &str = "('new', 'open', 'in_progress', 'waiting_on_customer', 'escalated')";

            #[async_trait::async_trait]
            impl AiStore for $store {
                async fn ai_queue_take(&self, ctx: &TenantCtx, limit: i64) -> StoreResult<Vec<QueueItem>> {
                    let mut tx = self.read_tx(ctx).await?;
                    Ok(sqlx::query_as(
                        "select kind, source_id, queued_at, attempts from ai_queue where tenant_id = $1 and attempts < 5 \
                         order by queued_at limit $2",
                    )
                    .bind(ctx.tenant_id())
                    .bind(limit)
                    .fetch_all(&mut *tx)
                    .await?)
                }

                async fn ai_queue_len(&self, ctx: &TenantCtx) -> StoreResult<i64> {
                    let mut tx = self.read_tx(ctx).await?;
                    let (n,): (i64,) = sqlx::query_as("select count(*) from ai_queue where tenant_id = $1 and attempts < 5")
                        .bind(ctx.tenant_id())
                        .fetch_one(&mut *tx)
                        .await?;
                    Ok(n)
                }

                async fn ai_store_vectors(
                    &self,
                    ctx: &TenantCtx,
                    item: &QueueItem,
                    rows: &[VectorRecord],
                    model: &str,
                    now: i64,
                ) -> StoreResult<()> {
                    let mut tx = self.write_tx(ctx).await?;
                    sqlx::query("delete from ai_vectors where tenant_id = $1 and kind = $2 and source_id = $3")
                        .bind(ctx.tenant_id())
                        .bind(&item.kind)
                        .bind(item.source_id)
                        .execute(&mut *tx)
                        .await?;
                    for row in rows {
                        sqlx::query(
                            "insert into ai_vectors (tenant_id, kind, source_id, chunk, content, vector, model, updated_at) \
                             values ($1, $2, $3, $4, $5, $6, $7, $8)",
                        )
                        .bind(ctx.tenant_id())
                        .bind(&row.kind)
                        .bind(row.source_id)
                        .bind(row.chunk)
                        .bind(&row.content)
                        .bind(&row.vector)
                        .bind(model)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    }
                    sqlx::query("delete from ai_queue where tenant_id = $1 and kind = $2 and source_id = $3 and queued_at = $4")
                        .bind(ctx.tenant_id())
                        .bind(&item.kind)
                        .bind(item.source_id)
                        .bind(item.queued_at)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn ai_queue_failed(&self, ctx: &TenantCtx, item: &QueueItem) -> StoreResult<()> {
                    let mut tx = self.write_tx(ctx).await?;
                    sqlx::query("update ai_queue set attempts = attempts + 1 where tenant_id = $1 and kind = $2 and source_id = $3")
                        .bind(ctx.tenant_id())
                        .bind(&item.kind)
                        .bind(item.source_id)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn ai_queue_everything(&self, ctx: &TenantCtx, now: i64) -> StoreResult<i64> {
                    let mut tx = self.write_tx(ctx).await?;
                    let mut total = 0;
                    for (kind, table) in [(KIND_TICKET, "tickets"), (KIND_ARTICLE, "kb_articles")] {
                        let sql = format!(
                            "insert into ai_queue (tenant_id, kind, source_id, queued_at) select tenant_id, '{kind}', id, $2 \
                             from {table} where tenant_id = $1 \
                             on conflict (tenant_id, kind, source_id) do update set queued_at = excluded.queued_at, attempts = 0"
                        );
                        let done = sqlx::query(&sql).bind(ctx.tenant_id()).bind(now).execute(&mut *tx).await?;
                        total += i64::try_from(done.rows_affected()).unwrap_or(i64::MAX);
                    }
                    tx.commit().await?;
                    Ok(total)
                }

                async fn ai_load_vectors(&self, ctx: &TenantCtx) -> StoreResult<Vec<VectorRecord>> {
                    let mut tx = self.read_tx(ctx).await?;
                    Ok(sqlx::query_as(
                        "select kind, source_id, chunk, content, vector from ai_vectors where tenant_id = $1 order by kind, source_id, chunk",
                    )
                    .bind(ctx.tenant_id())
                    .fetch_all(&mut *tx)
                    .await?)
                }

                async fn ai_set_classification(&self, ctx: &TenantCtx, r: &TicketAiRecord) -> StoreResult<()> {
                    let mut tx = self.write_tx(ctx).await?;
                    sqlx::query(
                        "insert into ticket_ai (tenant_id, ticket_id, category, sentiment, priority, confidence, escalate, updated_at) \
                         values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict (tenant_id, ticket_id) do update set \
                         category = excluded.category, sentiment = excluded.sentiment, priority = excluded.priority, \
                         confidence = excluded.confidence, escalate = excluded.escalate, updated_at = excluded.updated_at",
                    )
                    .bind(ctx.tenant_id())
                    .bind(r.ticket_id)
                    .bind(&r.category)
                    .bind(&r.sentiment)
                    .bind(&r.priority)
                    .bind(r.confidence)
                    .bind(r.escalate)
                    .bind(r.updated_at)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn ai_classification(&self, ctx: &TenantCtx, ticket_id: Uuid) -> StoreResult<Option<TicketAiRecord>> {
                    let mut tx = self.read_tx(ctx).await?;
                    Ok(sqlx::query_as(concat!(ticket_ai_select!(), "where tenant_id = $1 and ticket_id = $2"))
                    .bind(ctx.tenant_id())
                    .bind(ticket_id)
                    .fetch_optional(&mut *tx)
                    .await?)
                }

                async fn ai_correct_classification(
                    &self,
                    ctx: &TenantCtx,
                    ticket_id: Uuid,
                    category: Option<&str>,
                    sentiment: Option<&str>,
                    priority: Option<&str>,
                    now: i64,
                ) -> StoreResult<Option<TicketAiRecord>> {
                    let mut tx = self.write_tx(ctx).await?;
                    sqlx::query(
                        "update ticket_ai set corrected_category = coalesce($3, corrected_category), \
                         corrected_sentiment = coalesce($4, corrected_sentiment), corrected_priority = coalesce($5, corrected_priority), \
                         updated_at = $6 where tenant_id = $1 and ticket_id = $2",
                    )
                    .bind(ctx.tenant_id())
                    .bind(ticket_id)
                    .bind(category)
                    .bind(sentiment)
                    .bind(priority)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    self.ai_classification(ctx, ticket_id).await
                }

                async fn ai_unclassified_tickets(&self, ctx: &TenantCtx, limit: i64) -> StoreResult<Vec<Uuid>> {
                    let mut tx = self.read_tx(ctx).await?;
                    Ok(sqlx::query_scalar(
                        "select v.source_id from ai_vectors v where v.tenant_id = $1 and v.kind = 'ticket' and v.chunk = 0 \
                         and not exists (select 1 from ticket_ai a where a.tenant_id = v.tenant_id and a.ticket_id = v.source_id) \
                         limit $2",
                    )
                    .bind(ctx.tenant_id())
                    .bind(limit)
                    .fetch_all(&mut *tx)
                    .await?)
                }

                async fn ai_corrections(&self, ctx: &TenantCtx) -> StoreResult<Vec<TicketAiRecord>> {
                    let mut tx = self.read_tx(ctx).await?;
                    Ok(sqlx::query_as(concat!(
                        ticket_ai_select!(),
                        "where tenant_id = $1 and \
                         (corrected_category is not null or corrected_sentiment is not null or corrected_priority is not null) \
                         order by updated_at desc limit 5000"
                    ))
                    .bind(ctx.tenant_id())
                    .fetch_all(&mut *tx)
                    .await?)
                }

                async fn ai_log_search(
                    &self,
                    ctx: &TenantCtx,
                    query: &str,
                    mode: &str,
                    result_count: i32,
                    top_score: Option<f64>,
                    now: i64,
                ) -> StoreResult<()> {
                    let mut tx = self.write_tx(ctx).await?;
                    sqlx::query(
                        "insert into kb_search_log (tenant_id, id, query, mode, result_count, top_score, created_at) \
                         values ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(ctx.tenant_id())
                    .bind(Uuid::now_v7())
                    .bind(query)
                    .bind(mode)
                    .bind(result_count)
                    .bind(top_score)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn ai_recent_searches(&self, ctx: &TenantCtx, since: i64, limit: i64) -> StoreResult<Vec<SearchLogRecord>> {
                    let mut tx = self.read_tx(ctx).await?;
                    Ok(sqlx::query_as(
                        "select query, mode, result_count, top_score, created_at from kb_search_log \
                         where tenant_id = $1 and created_at >= $2 order by created_at desc limit $3",
                    )
                    .bind(ctx.tenant_id())
                    .bind(since)
                    .bind(limit)
                    .fetch_all(&mut *tx)
                    .await?)
                }

                async fn ai_recent_tickets(&self, ctx: &TenantCtx, since: i64, limit: i64) -> StoreResult<Vec<TicketBrief>> {
                    let mut tx = self.read_tx(ctx).await?;
                    Ok(sqlx::query_as(concat!(
                        ticket_brief_select!(),
                        "where tenant_id = $1 and created_at >= $2 order by created_at desc limit $3"
                    ))
                    .bind(ctx.tenant_id())
                    .bind(since)
                    .bind(limit)
                    .fetch_all(&mut *tx)
                    .await?)
                }

                async fn ai_ticket_briefs(&self, ctx: &TenantCtx, ids: &[Uuid]) -> StoreResult<Vec<TicketBrief>> {
                    if ids.is_empty() {
                        return Ok(Vec::new());
                    }
                    let mut tx = self.read_tx(ctx).await?;
                    let mut qb = QueryBuilder::<$db>::new(concat!(ticket_brief_select!(), "where tenant_id = "));
                    qb.push_bind(ctx.tenant_id()).push(" and id in ");
                    push_id_list(&mut qb, ids);
                    Ok(qb.build_query_as().fetch_all(&mut *tx).await?)
                }

                async fn ai_open_load(&self, ctx: &TenantCtx, users: &[Uuid]) -> StoreResult<Vec<(Uuid, i64)>> {
                    if users.is_empty() {
                        return Ok(Vec::new());
                    }
                    let mut tx = self.read_tx(ctx).await?;
                    let mut qb = QueryBuilder::<$db>::new("select assignee_id, count(*) from tickets where tenant_id = ");
                    qb.push_bind(ctx.tenant_id()).push(" and status in ").push(OPEN).push(" and assignee_id in ");
                    push_id_list(&mut qb, users);
                    qb.push(" group by assignee_id");
                    Ok(qb.build_query_as().fetch_all(&mut *tx).await?)
                }

                async fn ai_settings(&self, ctx: &TenantCtx) -> StoreResult<Option<AiSettingsRecord>> {
                    let mut tx = self.read_tx(ctx).await?;
                    Ok(sqlx::query_as("select base_url, model, api_key_sealed, updated_at from ai_settings where tenant_id = $1")
                        .bind(ctx.tenant_id())
                        .fetch_optional(&mut *tx)
                        .await?)
                }

                async fn ai_put_settings(&self, ctx: &TenantCtx, settings: Option<&AiSettingsRecord>) -> StoreResult<()> {
                    let mut tx = self.write_tx(ctx).await?;
                    sqlx::query("delete from ai_settings where tenant_id = $1").bind(ctx.tenant_id()).execute(&mut *tx).await?;
                    if let Some(s) = settings {
                        sqlx::query(
                            "insert into ai_settings (tenant_id, base_url, model, api_key_sealed, updated_at) values ($1, $2, $3, $4, $5)",
                        )
                        .bind(ctx.tenant_id())
                        .bind(&s.base_url)
                        .bind(&s.model)
                        .bind(&s.api_key_sealed)
                        .bind(s.updated_at)
                        .execute(&mut *tx)
                        .await?;
                    }
                    tx.commit().await?;
                    Ok(())
                }
            }
        }
    };
}

pub(crate) use ai_store;
