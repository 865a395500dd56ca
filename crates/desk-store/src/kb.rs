//! Knowledge-base persistence: the [`KbStore`] trait and its portable SQL, compiled for both
//! backends by `kb_store!`. Who may read what ([`KbAudience`]) is applied in every query.

use async_trait::async_trait;
use uuid::Uuid;

use crate::{
    AnswerRecord, ArticleChange, ArticleHit, ArticleQuery, ArticleRecord, CategoryRecord, KbAudience, NewArticle, QuestionRecord,
    StoreResult, TenantCtx, VersionRecord,
};

/// The default article categories of a new tenant (seed 003); tenants edit them afterwards.
pub const DEFAULT_CATEGORIES: &[(&str, &str)] = &[
    ("product_guide", "Product Guide"),
    ("faq", "FAQ"),
    ("troubleshooting", "Troubleshooting"),
    ("tutorial", "Tutorial"),
    ("best_practices", "Best Practices"),
    ("new_features", "New Features"),
    ("api_documentation", "API Documentation"),
    ("other", "Other"),
];

/// Knowledge-base persistence.
#[async_trait]
pub trait KbStore: Send + Sync {
    /// A tenant context for anonymous readers of a tenant's public pages; only
    /// [`KbAudience::Anonymous`] reads may be made with it.
    async fn public_ctx(&self, slug: &str) -> StoreResult<Option<TenantCtx>>;
    /// The tenant's categories, in order.
    async fn list_categories(&self, ctx: &TenantCtx) -> StoreResult<Vec<CategoryRecord>>;
    /// Adds a category.
    async fn create_category(&self, ctx: &TenantCtx, slug: &str, name: &str) -> StoreResult<CategoryRecord>;
    /// Renames a category (its slug stays, so links keep working).
    async fn rename_category(&self, ctx: &TenantCtx, id: Uuid, name: &str) -> StoreResult<CategoryRecord>;
    /// Creates a draft with the next `KB-<year>-<n>` key.
    async fn create_article(&self, ctx: &TenantCtx, new: NewArticle, year: i32, now: i64) -> StoreResult<ArticleRecord>;
    /// One article the audience may read.
    async fn get_article(&self, ctx: &TenantCtx, audience: KbAudience, id: Uuid) -> StoreResult<ArticleRecord>;
    /// One article by slug.
    async fn get_article_by_slug(&self, ctx: &TenantCtx, audience: KbAudience, slug: &str) -> StoreResult<ArticleRecord>;
    /// Articles the audience may read, most recently updated first.
    async fn list_articles(&self, ctx: &TenantCtx, audience: KbAudience, query: &ArticleQuery)
    -> StoreResult<Vec<ArticleRecord>>;
    /// Applies a change; `Conflict` if the status moved meanwhile or the slug is taken.
    async fn change_article(&self, ctx: &TenantCtx, change: ArticleChange) -> StoreResult<ArticleRecord>;
    /// Published versions, newest first.
    async fn list_versions(&self, ctx: &TenantCtx, article_id: Uuid) -> StoreResult<Vec<VersionRecord>>;
    /// One published version.
    async fn get_version(&self, ctx: &TenantCtx, article_id: Uuid, version: i64) -> StoreResult<VersionRecord>;
    /// The articles among `ids` that the audience may read and that are published (any order).
    async fn published_articles_by_ids(
        &self,
        ctx: &TenantCtx,
        audience: KbAudience,
        ids: &[Uuid],
    ) -> StoreResult<Vec<ArticleRecord>>;
    /// Ranked keyword search over the articles the audience may read (published only).
    async fn search_articles(
        &self,
        ctx: &TenantCtx,
        audience: KbAudience,
        words: &[String],
        limit: i64,
    ) -> StoreResult<Vec<ArticleHit>>;
    /// Counts a view once per visitor and day.
    async fn record_view(&self, ctx: &TenantCtx, article_id: Uuid, visitor: &str, day: i64) -> StoreResult<()>;
    /// Records (or changes) a user's helpful vote and/or rating, and recounts the article.
    async fn vote(
        &self,
        ctx: &TenantCtx,
        article_id: Uuid,
        user_id: Uuid,
        helpful: Option<bool>,
        rating: Option<i64>,
        now: i64,
    ) -> StoreResult<ArticleRecord>;
    /// Records an anonymous reader's helpful / not helpful vote on a public article (one per
    /// visitor, a changed vote replaces the earlier one).
    async fn public_vote(
        &self,
        ctx: &TenantCtx,
        article_id: Uuid,
        visitor: &str,
        helpful: bool,
        now: i64,
    ) -> StoreResult<ArticleRecord>;
    /// Adds a question on an article.
    async fn add_question(
        &self,
        ctx: &TenantCtx,
        article_id: Uuid,
        author_id: Uuid,
        body: &str,
        now: i64,
    ) -> StoreResult<QuestionRecord>;
    /// One question.
    async fn get_question(&self, ctx: &TenantCtx, id: Uuid) -> StoreResult<QuestionRecord>;
    /// An article's questions (hidden ones only if asked) with their answers.
    async fn list_questions(
        &self,
        ctx: &TenantCtx,
        article_id: Uuid,
        include_hidden: bool,
    ) -> StoreResult<Vec<(QuestionRecord, Vec<AnswerRecord>)>>;
    /// Hides or shows a question.
    async fn set_question_hidden(&self, ctx: &TenantCtx, id: Uuid, hidden: bool) -> StoreResult<QuestionRecord>;
    /// Answers a question.
    async fn add_answer(
        &self,
        ctx: &TenantCtx,
        question_id: Uuid,
        author_id: Uuid,
        body: &str,
        now: i64,
    ) -> StoreResult<AnswerRecord>;
    /// Records that an article resolved a ticket (idempotent).
    async fn link_ticket(
        &self,
        ctx: &TenantCtx,
        article_id: Uuid,
        ticket_id: Uuid,
        by: Uuid,
        now: i64,
    ) -> StoreResult<ArticleRecord>;
}

macro_rules! article_select {
    () => {
        "select a.id, a.key, a.title, a.slug, a.summary, a.body, a.body_html, a.category_id, a.tags, a.product, a.visibility, \
         a.status, a.author_id, a.reviewer_id, a.version, a.source_ticket_id, a.view_count, a.helpful_count, a.not_helpful_count, \
         a.rating_sum, a.rating_count, (select count(*) from kb_article_tickets l where l.tenant_id = a.tenant_id and l.article_id = a.id) \
         as resolved_count, a.published_at, a.last_reviewed_at, a.next_review_at, a.created_at, a.updated_at from kb_articles a "
    };
}

pub(crate) use article_select;

/// Implements [`KbStore`] for a backend over its driver.
macro_rules! kb_store {
    ($store:ty, $db:ty, $lock:literal) => {
        mod kb_impl {
            use sqlx::QueryBuilder;
            use uuid::Uuid;

            use super::*;
            use crate::kb::{DEFAULT_CATEGORIES, KbStore, article_select};
            use crate::*;

            type Tx = sqlx::Transaction<'static, $db>;

            fn push_audience(qb: &mut QueryBuilder<'_, $db>, audience: KbAudience) {
                match audience {
                    KbAudience::Staff => {}
                    KbAudience::Customer => {
                        qb.push(" and a.status = 'published' and a.visibility in ('public', 'customers')");
                    }
                    KbAudience::Anonymous => {
                        qb.push(" and a.status = 'published' and a.visibility = 'public'");
                    }
                }
            }

            async fn select_article(tx: &mut Tx, ctx: &TenantCtx, audience: KbAudience, id: Option<Uuid>, slug: Option<&str>) -> StoreResult<ArticleRecord> {
                select_article_locked(tx, ctx, audience, id, slug, false).await
            }

            async fn select_article_locked(
                tx: &mut Tx,
                ctx: &TenantCtx,
                audience: KbAudience,
                id: Option<Uuid>,
                slug: Option<&str>,
                lock: bool,
            ) -> StoreResult<ArticleRecord> {
                let mut qb = QueryBuilder::<$db>::new(concat!(article_select!(), "where a.tenant_id = "));
                qb.push_bind(ctx.tenant_id());
                if let Some(id) = id {
                    qb.push(" and a.id = ").push_bind(id);
                }
                if let Some(slug) = slug {
                    qb.push(" and a.slug = ").push_bind(slug.to_owned());
                }
                push_audience(&mut qb, audience);
                if lock {
                    qb.push($lock);
                }
                qb.build_query_as::<ArticleRecord>().fetch_optional(&mut **tx).await?.ok_or(StoreError::NotFound)
            }

            /// Recounts an article's votes from members' and anonymous readers' votes, so a changed
            /// vote never counts twice.
            async fn recount_votes(tx: &mut Tx, ctx: &TenantCtx, article_id: Uuid) -> StoreResult<()> {
                sqlx::query(
                    "update kb_articles set \
                     helpful_count = (select count(*) from kb_votes v where v.tenant_id = $1 and v.article_id = $2 and v.helpful = $3) \
                       + (select count(*) from kb_public_votes v where v.tenant_id = $1 and v.article_id = $2 and v.helpful = $3), \
                     not_helpful_count = (select count(*) from kb_votes v where v.tenant_id = $1 and v.article_id = $2 and v.helpful = $4) \
                       + (select count(*) from kb_public_votes v where v.tenant_id = $1 and v.article_id = $2 and v.helpful = $4), \
                     rating_sum = (select coalesce(sum(v.rating), 0) from kb_votes v where v.tenant_id = $1 and v.article_id = $2), \
                     rating_count = (select count(v.rating) from kb_votes v where v.tenant_id = $1 and v.article_id = $2) \
                     where tenant_id = $1 and id = $2",
                )
                .bind(ctx.tenant_id())
                .bind(article_id)
                .bind(true)
                .bind(false)
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

            pub(super) async fn seed_categories(tx: &mut Tx, ctx: &TenantCtx) -> StoreResult<()> {
                for (i, (slug, name)) in DEFAULT_CATEGORIES.iter().enumerate() {
                    sqlx::query("insert into kb_categories (tenant_id, id, slug, name, position) values ($1, $2, $3, $4, $5)")
                        .bind(ctx.tenant_id())
                        .bind(Uuid::now_v7())
                        .bind(*slug)
                        .bind(*name)
                        .bind(i64::try_from(i).unwrap_or_default())
                        .execute(&mut **tx)
                        .await?;
                }
                Ok(())
            }

            #[async_trait::async_trait]
            impl KbStore for $store {
                async fn public_ctx(&self, slug: &str) -> StoreResult<Option<TenantCtx>> {
                    Ok(self.tenant_by_slug(slug).await?.filter(|t| !t.suspended).map(|t| TenantCtx::new(t.id)))
                }

                async fn list_categories(&self, ctx: &TenantCtx) -> StoreResult<Vec<CategoryRecord>> {
                    let mut tx = self.read_tx(ctx).await?;
                    // Seeded with the tenant (see `create_tenant`), so never empty to begin with.
                    Ok(sqlx::query_as("select id, slug, name, position from kb_categories where tenant_id = $1 order by position, name")
                        .bind(ctx.tenant_id())
                        .fetch_all(&mut *tx)
                        .await?)
                }

                async fn create_category(&self, ctx: &TenantCtx, slug: &str, name: &str) -> StoreResult<CategoryRecord> {
                    let existing = self.list_categories(ctx).await?;
                    let mut tx = self.write_tx(ctx).await?;
                    let record = CategoryRecord { id: Uuid::now_v7(), slug: slug.to_owned(), name: name.to_owned(), position: i64::try_from(existing.len()).unwrap_or(0) };
                    sqlx::query("insert into kb_categories (tenant_id, id, slug, name, position) values ($1, $2, $3, $4, $5)")
                        .bind(ctx.tenant_id())
                        .bind(record.id)
                        .bind(&record.slug)
                        .bind(&record.name)
                        .bind(record.position)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(record)
                }

                async fn rename_category(&self, ctx: &TenantCtx, id: Uuid, name: &str) -> StoreResult<CategoryRecord> {
                    let mut tx = self.write_tx(ctx).await?;
                    let n = sqlx::query("update kb_categories set name = $1 where tenant_id = $2 and id = $3")
                        .bind(name)
                        .bind(ctx.tenant_id())
                        .bind(id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    if n == 0 {
                        return Err(StoreError::NotFound);
                    }
                    let c = sqlx::query_as("select id, slug, name, position from kb_categories where tenant_id = $1 and id = $2")
                        .bind(ctx.tenant_id())
                        .bind(id)
                        .fetch_one(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(c)
                }

                async fn create_article(&self, ctx: &TenantCtx, new: NewArticle, year: i32, now: i64) -> StoreResult<ArticleRecord> {
                    let mut tx = self.write_tx(ctx).await?;
                    let (n,): (i64,) =
                        sqlx::query_as(crate::shared::NEXT_COUNTER).bind(ctx.tenant_id()).bind(format!("kb-{year}")).fetch_one(&mut *tx).await?;
                    let id = Uuid::now_v7();
                    sqlx::query(
                        "insert into kb_articles (tenant_id, id, key, title, slug, summary, body, body_html, category_id, tags, product, \
                         visibility, status, author_id, source_ticket_id, created_at, updated_at) \
                         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'draft', $13, $14, $15, $15)",
                    )
                    .bind(ctx.tenant_id())
                    .bind(id)
                    .bind(format!("KB-{year}-{n:04}"))
                    .bind(&new.title)
                    .bind(&new.slug)
                    .bind(&new.summary)
                    .bind(&new.body)
                    .bind(&new.body_html)
                    .bind(new.category_id)
                    .bind(crate::tags_column(&new.tags))
                    .bind(&new.product)
                    .bind(&new.visibility)
                    .bind(new.author_id)
                    .bind(new.source_ticket_id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    <$store>::index_article(&mut tx, ctx, id, &new.title, &new.summary, &new.body).await?;
                    let a = select_article(&mut tx, ctx, KbAudience::Staff, Some(id), None).await?;
                    tx.commit().await?;
                    Ok(a)
                }

                async fn get_article(&self, ctx: &TenantCtx, audience: KbAudience, id: Uuid) -> StoreResult<ArticleRecord> {
                    let mut tx = self.read_tx(ctx).await?;
                    select_article(&mut tx, ctx, audience, Some(id), None).await
                }

                async fn get_article_by_slug(&self, ctx: &TenantCtx, audience: KbAudience, slug: &str) -> StoreResult<ArticleRecord> {
                    let mut tx = self.read_tx(ctx).await?;
                    select_article(&mut tx, ctx, audience, None, Some(slug)).await
                }

                async fn published_articles_by_ids(&self, ctx: &TenantCtx, audience: KbAudience, ids: &[Uuid]) -> StoreResult<Vec<ArticleRecord>> {
                    if ids.is_empty() {
                        return Ok(Vec::new());
                    }
                    let mut tx = self.read_tx(ctx).await?;
                    let mut qb = QueryBuilder::<$db>::new(concat!(article_select!(), "where a.tenant_id = "));
                    qb.push_bind(ctx.tenant_id()).push(" and a.status = 'published' and a.id in ");
                    push_id_list(&mut qb, ids);
                    push_audience(&mut qb, audience);
                    Ok(qb.build_query_as::<ArticleRecord>().fetch_all(&mut *tx).await?)
                }

                async fn list_articles(&self, ctx: &TenantCtx, audience: KbAudience, q: &ArticleQuery) -> StoreResult<Vec<ArticleRecord>> {
                    let mut tx = self.read_tx(ctx).await?;
                    let mut qb = QueryBuilder::<$db>::new(concat!(article_select!(), "where a.tenant_id = "));
                    qb.push_bind(ctx.tenant_id());
                    push_audience(&mut qb, audience);
                    if let Some(s) = &q.status {
                        qb.push(" and a.status = ").push_bind(s.clone());
                    }
                    if let Some(c) = q.category_id {
                        qb.push(" and a.category_id = ").push_bind(c);
                    }
                    if let Some(v) = &q.visibility {
                        qb.push(" and a.visibility = ").push_bind(v.clone());
                    }
                    qb.push(" order by a.updated_at desc, a.id desc limit ").push_bind(q.limit).push(" offset ").push_bind(q.offset);
                    Ok(qb.build_query_as().fetch_all(&mut *tx).await?)
                }

                async fn change_article(&self, ctx: &TenantCtx, c: ArticleChange) -> StoreResult<ArticleRecord> {
                    let mut tx = self.write_tx(ctx).await?;
                    // Locked until commit, so concurrent publishes cannot both take the same version.
                    let cur = select_article_locked(&mut tx, ctx, KbAudience::Staff, Some(c.id), None, true).await?;
                    if c.expect_status.as_ref().is_some_and(|s| *s != cur.status) {
                        return Err(StoreError::Conflict("the article changed meanwhile; reload it and try again".into()));
                    }
                    let mut qb = QueryBuilder::<$db>::new("update kb_articles set updated_at = ");
                    qb.push_bind(c.now);
                    let tags = c.tags.as_ref().map(|t| crate::tags_column(t));
                    for (field, value) in [
                        ("title", &c.title),
                        ("slug", &c.slug),
                        ("summary", &c.summary),
                        ("body", &c.body),
                        ("body_html", &c.body_html),
                        ("tags", &tags),
                        ("visibility", &c.visibility),
                        ("status", &c.status),
                    ] {
                        if let Some(v) = value {
                            qb.push(format!(", {field} = ")).push_bind(v.clone());
                        }
                    }
                    if let Some(v) = c.category_id {
                        qb.push(", category_id = ").push_bind(v);
                    }
                    if let Some(v) = &c.product {
                        qb.push(", product = ").push_bind(v.clone());
                    }
                    if let Some(v) = c.reviewer_id {
                        qb.push(", reviewer_id = ").push_bind(v);
                    }
                    if let Some(v) = c.next_review_at {
                        qb.push(", next_review_at = ").push_bind(v);
                    }
                    let version = cur.version + 1;
                    if c.publish.is_some() {
                        qb.push(", version = ").push_bind(version);
                        qb.push(", published_at = ").push_bind(c.now);
                        qb.push(", last_reviewed_at = ").push_bind(c.now);
                    }
                    qb.push(" where tenant_id = ").push_bind(ctx.tenant_id()).push(" and id = ").push_bind(c.id);
                    qb.build().execute(&mut *tx).await?;
                    let a = select_article(&mut tx, ctx, KbAudience::Staff, Some(c.id), None).await?;
                    if let Some((notes, author)) = &c.publish {
                        sqlx::query(
                            "insert into kb_versions (tenant_id, article_id, version, title, summary, body, notes, author_id, created_at) \
                             values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                        )
                        .bind(ctx.tenant_id())
                        .bind(a.id)
                        .bind(version)
                        .bind(&a.title)
                        .bind(&a.summary)
                        .bind(&a.body)
                        .bind(notes)
                        .bind(*author)
                        .bind(c.now)
                        .execute(&mut *tx)
                        .await?;
                    }
                    if c.title.is_some() || c.summary.is_some() || c.body.is_some() {
                        <$store>::reindex_article(&mut tx, ctx, a.id, &a.title, &a.summary, &a.body).await?;
                    }
                    tx.commit().await?;
                    Ok(a)
                }

                async fn list_versions(&self, ctx: &TenantCtx, article_id: Uuid) -> StoreResult<Vec<VersionRecord>> {
                    let mut tx = self.read_tx(ctx).await?;
                    select_article(&mut tx, ctx, KbAudience::Staff, Some(article_id), None).await?;
                    Ok(sqlx::query_as(
                        "select article_id, version, title, summary, body, notes, author_id, created_at from kb_versions \
                         where tenant_id = $1 and article_id = $2 order by version desc",
                    )
                    .bind(ctx.tenant_id())
                    .bind(article_id)
                    .fetch_all(&mut *tx)
                    .await?)
                }

                async fn get_version(&self, ctx: &TenantCtx, article_id: Uuid, version: i64) -> StoreResult<VersionRecord> {
                    let mut tx = self.read_tx(ctx).await?;
                    sqlx::query_as(
                        "select article_id, version, title, summary, body, notes, author_id, created_at from kb_versions \
                         where tenant_id = $1 and article_id = $2 and version = $3",
                    )
                    .bind(ctx.tenant_id())
                    .bind(article_id)
                    .bind(version)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(StoreError::NotFound)
                }

                async fn search_articles(&self, ctx: &TenantCtx, audience: KbAudience, words: &[String], limit: i64) -> StoreResult<Vec<ArticleHit>> {
                    let mut tx = self.read_tx(ctx).await?;
                    let mut qb = <$store>::article_search_query(ctx, words);
                    // Search serves readers: published articles only, whoever asks.
                    qb.push(" and a.status = 'published'");
                    push_audience(&mut qb, audience);
                    qb.push(" order by score desc, a.id limit ").push_bind(limit);
                    Ok(qb.build_query_as().fetch_all(&mut *tx).await?)
                }

                async fn record_view(&self, ctx: &TenantCtx, article_id: Uuid, visitor: &str, day: i64) -> StoreResult<()> {
                    let mut tx = self.write_tx(ctx).await?;
                    let n = sqlx::query(
                        "insert into kb_views (tenant_id, article_id, visitor, day) values ($1, $2, $3, $4) \
                         on conflict (tenant_id, article_id, visitor, day) do nothing",
                    )
                    .bind(ctx.tenant_id())
                    .bind(article_id)
                    .bind(visitor)
                    .bind(day)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    if n > 0 {
                        sqlx::query("update kb_articles set view_count = view_count + 1 where tenant_id = $1 and id = $2")
                            .bind(ctx.tenant_id())
                            .bind(article_id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    tx.commit().await?;
                    Ok(())
                }

                async fn vote(&self, ctx: &TenantCtx, article_id: Uuid, user_id: Uuid, helpful: Option<bool>, rating: Option<i64>, now: i64) -> StoreResult<ArticleRecord> {
                    let mut tx = self.write_tx(ctx).await?;
                    sqlx::query(
                        "insert into kb_votes (tenant_id, article_id, user_id, helpful, rating, created_at) values ($1, $2, $3, $4, $5, $6) \
                         on conflict (tenant_id, article_id, user_id) do update set \
                         helpful = coalesce(excluded.helpful, kb_votes.helpful), rating = coalesce(excluded.rating, kb_votes.rating)",
                    )
                    .bind(ctx.tenant_id())
                    .bind(article_id)
                    .bind(user_id)
                    .bind(helpful)
                    .bind(rating)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    recount_votes(&mut tx, ctx, article_id).await?;
                    let a = select_article(&mut tx, ctx, KbAudience::Staff, Some(article_id), None).await?;
                    tx.commit().await?;
                    Ok(a)
                }

                async fn public_vote(&self, ctx: &TenantCtx, article_id: Uuid, visitor: &str, helpful: bool, now: i64) -> StoreResult<ArticleRecord> {
                    let mut tx = self.write_tx(ctx).await?;
                    select_article(&mut tx, ctx, KbAudience::Anonymous, Some(article_id), None).await?;
                    sqlx::query(
                        "insert into kb_public_votes (tenant_id, article_id, visitor, helpful, created_at) values ($1, $2, $3, $4, $5) \
                         on conflict (tenant_id, article_id, visitor) do update set helpful = excluded.helpful",
                    )
                    .bind(ctx.tenant_id())
                    .bind(article_id)
                    .bind(visitor)
                    .bind(helpful)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    recount_votes(&mut tx, ctx, article_id).await?;
                    let a = select_article(&mut tx, ctx, KbAudience::Anonymous, Some(article_id), None).await?;
                    tx.commit().await?;
                    Ok(a)
                }

                async fn add_question(&self, ctx: &TenantCtx, article_id: Uuid, author_id: Uuid, body: &str, now: i64) -> StoreResult<QuestionRecord> {
                    let mut tx = self.write_tx(ctx).await?;
                    let q = QuestionRecord { id: Uuid::now_v7(), article_id, author_id, body: body.to_owned(), hidden: false, created_at: now };
                    sqlx::query("insert into kb_questions (tenant_id, id, article_id, author_id, body, hidden, created_at) values ($1, $2, $3, $4, $5, $6, $7)")
                        .bind(ctx.tenant_id())
                        .bind(q.id)
                        .bind(article_id)
                        .bind(author_id)
                        .bind(&q.body)
                        .bind(false)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(q)
                }

                async fn get_question(&self, ctx: &TenantCtx, id: Uuid) -> StoreResult<QuestionRecord> {
                    let mut tx = self.read_tx(ctx).await?;
                    sqlx::query_as("select id, article_id, author_id, body, hidden, created_at from kb_questions where tenant_id = $1 and id = $2")
                        .bind(ctx.tenant_id())
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?
                        .ok_or(StoreError::NotFound)
                }

                async fn list_questions(&self, ctx: &TenantCtx, article_id: Uuid, include_hidden: bool) -> StoreResult<Vec<(QuestionRecord, Vec<AnswerRecord>)>> {
                    let mut tx = self.read_tx(ctx).await?;
                    let mut qb = QueryBuilder::<$db>::new("select id, article_id, author_id, body, hidden, created_at from kb_questions where tenant_id = ");
                    qb.push_bind(ctx.tenant_id()).push(" and article_id = ").push_bind(article_id);
                    if !include_hidden {
                        qb.push(" and hidden = ").push_bind(false);
                    }
                    qb.push(" order by created_at, id");
                    let questions: Vec<QuestionRecord> = qb.build_query_as().fetch_all(&mut *tx).await?;
                    let answers: Vec<AnswerRecord> = sqlx::query_as(
                        "select n.id, n.question_id, n.author_id, n.body, n.created_at from kb_answers n \
                         join kb_questions q on q.tenant_id = n.tenant_id and q.id = n.question_id \
                         where n.tenant_id = $1 and q.article_id = $2 order by n.created_at, n.id",
                    )
                    .bind(ctx.tenant_id())
                    .bind(article_id)
                    .fetch_all(&mut *tx)
                    .await?;
                    Ok(questions
                        .into_iter()
                        .map(|q| {
                            let mine = answers.iter().filter(|a| a.question_id == q.id).cloned().collect();
                            (q, mine)
                        })
                        .collect())
                }

                async fn set_question_hidden(&self, ctx: &TenantCtx, id: Uuid, hidden: bool) -> StoreResult<QuestionRecord> {
                    let mut tx = self.write_tx(ctx).await?;
                    let n = sqlx::query("update kb_questions set hidden = $1 where tenant_id = $2 and id = $3")
                        .bind(hidden)
                        .bind(ctx.tenant_id())
                        .bind(id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    if n == 0 {
                        return Err(StoreError::NotFound);
                    }
                    tx.commit().await?;
                    self.get_question(ctx, id).await
                }

                async fn add_answer(&self, ctx: &TenantCtx, question_id: Uuid, author_id: Uuid, body: &str, now: i64) -> StoreResult<AnswerRecord> {
                    let mut tx = self.write_tx(ctx).await?;
                    let a = AnswerRecord { id: Uuid::now_v7(), question_id, author_id, body: body.to_owned(), created_at: now };
                    sqlx::query("insert into kb_answers (tenant_id, id, question_id, author_id, body, created_at) values ($1, $2, $3, $4, $5, $6)")
                        .bind(ctx.tenant_id())
                        .bind(a.id)
                        .bind(question_id)
                        .bind(author_id)
                        .bind(&a.body)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(a)
                }

                async fn link_ticket(&self, ctx: &TenantCtx, article_id: Uuid, ticket_id: Uuid, by: Uuid, now: i64) -> StoreResult<ArticleRecord> {
                    let mut tx = self.write_tx(ctx).await?;
                    sqlx::query(
                        "insert into kb_article_tickets (tenant_id, article_id, ticket_id, linked_by, created_at) values ($1, $2, $3, $4, $5) \
                         on conflict (tenant_id, article_id, ticket_id) do nothing",
                    )
                    .bind(ctx.tenant_id())
                    .bind(article_id)
                    .bind(ticket_id)
                    .bind(by)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    let a = select_article(&mut tx, ctx, KbAudience::Staff, Some(article_id), None).await?;
                    tx.commit().await?;
                    Ok(a)
                }
            }
        }
    };
}

pub(crate) use kb_store;
