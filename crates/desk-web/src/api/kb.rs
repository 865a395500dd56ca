//! Knowledge-base endpoints: articles, workflow, versions, feedback, questions, search, and
//! the anonymous public API of a tenant's public articles.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use desk_core::{ArticleInput, ArticlePatch};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::AppState;
use crate::dto::{Items, render_snippet, rfc3339};
use crate::error::{ApiResult, AppError};
use crate::extract::{ApiJson, ApiQuery, Auth, IdPath, double_option};

/// A knowledge-base article.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Article {
    pub id: Uuid,
    /// e.g. `KB-2026-0015`.
    pub key: String,
    pub title: String,
    pub slug: String,
    pub summary: String,
    /// Markdown, as written.
    pub body: String,
    /// The body rendered to sanitised HTML.
    pub body_html: String,
    pub category_id: Option<Uuid>,
    pub tags: Vec<String>,
    pub product: Option<String>,
    /// public, customers, internal.
    pub visibility: String,
    /// draft, in_review, published, archived.
    pub status: String,
    pub author_id: Uuid,
    pub reviewer_id: Option<Uuid>,
    /// The latest published version (0 before the first publish).
    pub version: i64,
    pub source_ticket_id: Option<Uuid>,
    pub view_count: i64,
    pub helpful_count: i64,
    pub not_helpful_count: i64,
    /// Helpful votes as a share of all votes, 0–100; absent without votes.
    pub helpful_score: Option<i64>,
    pub rating_average: Option<f64>,
    pub rating_count: i64,
    /// Tickets this article resolved.
    pub resolved_count: i64,
    pub published_at: Option<String>,
    pub last_reviewed_at: Option<String>,
    pub next_review_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<desk_store::ArticleRecord> for Article {
    fn from(a: desk_store::ArticleRecord) -> Self {
        let votes = a.helpful_count + a.not_helpful_count;
        #[allow(clippy::cast_precision_loss)]
        let rating_average = (a.rating_count > 0).then(|| a.rating_sum as f64 / a.rating_count as f64);
        Self {
            id: a.id,
            key: a.key,
            title: a.title,
            slug: a.slug,
            summary: a.summary,
            body: a.body,
            body_html: a.body_html,
            category_id: a.category_id,
            tags: a.tags.split_whitespace().map(str::to_owned).collect(),
            product: a.product,
            visibility: a.visibility,
            status: a.status,
            author_id: a.author_id,
            reviewer_id: a.reviewer_id,
            version: a.version,
            source_ticket_id: a.source_ticket_id,
            view_count: a.view_count,
            helpful_count: a.helpful_count,
            not_helpful_count: a.not_helpful_count,
            helpful_score: (votes > 0).then(|| a.helpful_count * 100 / votes),
            rating_average,
            rating_count: a.rating_count,
            resolved_count: a.resolved_count,
            published_at: a.published_at.map(rfc3339),
            last_reviewed_at: a.last_reviewed_at.map(rfc3339),
            next_review_at: a.next_review_at.map(rfc3339),
            created_at: rfc3339(a.created_at),
            updated_at: rfc3339(a.updated_at),
        }
    }
}

/// `POST /api/v1/kb/articles`: always a draft.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CreateArticle {
    pub title: String,
    #[serde(default)]
    pub summary: String,
    /// Markdown.
    pub body: String,
    /// A category slug or name (see `GET /api/v1/kb/categories`).
    pub category: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub product: Option<String>,
    /// public, customers, internal (default).
    pub visibility: Option<String>,
}

/// `PATCH /api/v1/kb/articles/{id}`: content and/or status; only what is sent changes.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateArticle {
    pub title: Option<String>,
    pub summary: Option<String>,
    pub body: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    pub category: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub product: Option<Option<String>>,
    pub visibility: Option<String>,
    pub slug: Option<String>,
    /// draft, in_review, published, archived — as the workflow allows the caller.
    pub status: Option<String>,
    /// Notes for the version a publish stores.
    pub notes: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    pub next_review_at: Option<Option<String>>,
}

/// Query of `GET /api/v1/kb/articles`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticleListQuery {
    pub status: Option<String>,
    pub category: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// A category.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Category {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
}

/// `POST /api/v1/kb/categories`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CreateCategory {
    pub name: String,
}

/// A published version.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Version {
    pub version: i64,
    pub title: String,
    pub summary: String,
    pub body: String,
    pub notes: Option<String>,
    pub author_id: Uuid,
    pub created_at: String,
}

/// Query of `GET /api/v1/kb/articles/{id}/diff`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DiffQuery {
    /// Default: the version before `to` (or before the current text).
    pub from: Option<i64>,
    /// Default: the current text.
    pub to: Option<i64>,
}

/// A line diff.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Diff {
    pub lines: Vec<desk_core::DiffLine>,
}

/// `POST /api/v1/kb/articles/{id}/restore`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Restore {
    pub version: i64,
}

/// `POST /api/v1/kb/articles/{id}/vote`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Vote {
    pub helpful: Option<bool>,
    /// 1 to 5.
    pub rating: Option<i64>,
}

/// A question with its answers.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Question {
    pub id: Uuid,
    pub article_id: Uuid,
    pub author_id: Uuid,
    pub body: String,
    pub hidden: bool,
    pub created_at: String,
    pub answers: Vec<Answer>,
}

/// An answer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Answer {
    pub id: Uuid,
    pub question_id: Uuid,
    pub author_id: Uuid,
    pub body: String,
    pub created_at: String,
}

impl From<desk_store::AnswerRecord> for Answer {
    fn from(a: desk_store::AnswerRecord) -> Self {
        Self { id: a.id, question_id: a.question_id, author_id: a.author_id, body: a.body, created_at: rfc3339(a.created_at) }
    }
}

fn question(q: desk_store::QuestionRecord, answers: Vec<desk_store::AnswerRecord>) -> Question {
    Question {
        id: q.id,
        article_id: q.article_id,
        author_id: q.author_id,
        body: q.body,
        hidden: q.hidden,
        created_at: rfc3339(q.created_at),
        answers: answers.into_iter().map(Into::into).collect(),
    }
}

/// `POST /api/v1/kb/articles/{id}/questions` and answers.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct TextBody {
    pub body: String,
}

/// `PATCH /api/v1/kb/questions/{id}`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModerateQuestion {
    pub hidden: bool,
}

/// `POST /api/v1/tickets/{id}/articles`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct LinkArticle {
    pub article_id: Uuid,
}

/// Query of the search endpoints.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    pub q: String,
    /// hybrid (default: full-text and vector rankings fused), keyword or semantic.
    pub mode: Option<String>,
    /// 1–50, default 10.
    pub limit: Option<i64>,
}

/// One search result.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SearchHit {
    pub id: Uuid,
    pub key: String,
    pub title: String,
    pub slug: String,
    pub summary: String,
    pub score: f64,
    /// The best passage, plain text.
    pub snippet: String,
    /// The passage as safe HTML, matches in `<mark>`.
    pub snippet_html: String,
}

fn hits(found: Vec<desk_store::ArticleHit>) -> Items<SearchHit> {
    let items = found
        .into_iter()
        .map(|h| {
            let (plain, html) = render_snippet(&h.snippet);
            SearchHit {
                id: h.id,
                key: h.key,
                title: h.title,
                slug: h.slug,
                summary: h.summary,
                score: h.score,
                snippet: plain,
                snippet_html: html,
            }
        })
        .collect();
    Items { items }
}

/// Lists categories.
pub async fn categories(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Items<Category>>> {
    let cats = s.desk.kb_categories(&p).await?;
    Ok(Json(Items { items: cats.into_iter().map(|c| Category { id: c.id, slug: c.slug, name: c.name }).collect() }))
}

/// Adds a category.
pub async fn create_category(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiJson(r): ApiJson<CreateCategory>,
) -> ApiResult<(StatusCode, Json<Category>)> {
    let c = s.desk.create_kb_category(&p, &r.name).await?;
    Ok((StatusCode::CREATED, Json(Category { id: c.id, slug: c.slug, name: c.name })))
}

/// Renames a category.
pub async fn rename_category(
    State(s): State<AppState>,
    Auth(p): Auth,
    IdPath(id): IdPath,
    ApiJson(r): ApiJson<CreateCategory>,
) -> ApiResult<Json<Category>> {
    let c = s.desk.rename_kb_category(&p, id, &r.name).await?;
    Ok(Json(Category { id: c.id, slug: c.slug, name: c.name }))
}

/// Writes a draft.
pub async fn create(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiJson(r): ApiJson<CreateArticle>,
) -> ApiResult<(StatusCode, Json<Article>)> {
    let input = ArticleInput {
        title: r.title,
        summary: r.summary,
        body: r.body,
        category: r.category,
        tags: r.tags,
        product: r.product,
        visibility: r.visibility,
    };
    Ok((StatusCode::CREATED, Json(s.desk.create_article(&p, input).await?.into())))
}

/// Lists articles the caller may read.
pub async fn list(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiQuery(q): ApiQuery<ArticleListQuery>,
) -> ApiResult<Json<Items<Article>>> {
    let found = s
        .desk
        .list_articles(&p, q.status.as_deref(), q.category.as_deref(), q.limit.unwrap_or(50), q.offset.unwrap_or(0))
        .await?;
    Ok(Json(Items::of(found)))
}

/// One article.
pub async fn get(State(s): State<AppState>, Auth(p): Auth, IdPath(id): IdPath) -> ApiResult<Json<Article>> {
    Ok(Json(s.desk.get_article(&p, id).await?.into()))
}

/// Edits or moves an article.
pub async fn update(
    State(s): State<AppState>,
    Auth(p): Auth,
    IdPath(id): IdPath,
    ApiJson(r): ApiJson<UpdateArticle>,
) -> ApiResult<Json<Article>> {
    let patch = ArticlePatch {
        title: r.title,
        summary: r.summary,
        body: r.body,
        category: r.category,
        tags: r.tags,
        product: r.product,
        visibility: r.visibility,
        slug: r.slug,
        status: r.status,
        notes: r.notes,
        next_review_at: r.next_review_at,
    };
    if patch.is_empty() {
        s.desk.get_article(&p, id).await?;
        return Err(AppError::field("body", "send at least one field to change"));
    }
    Ok(Json(s.desk.update_article(&p, id, patch).await?.into()))
}

/// The published versions.
pub async fn versions(State(s): State<AppState>, Auth(p): Auth, IdPath(id): IdPath) -> ApiResult<Json<Items<Version>>> {
    let found = s.desk.article_versions(&p, id).await?;
    let items = found
        .into_iter()
        .map(|v| Version {
            version: v.version,
            title: v.title,
            summary: v.summary,
            body: v.body,
            notes: v.notes,
            author_id: v.author_id,
            created_at: rfc3339(v.created_at),
        })
        .collect();
    Ok(Json(Items { items }))
}

/// A line diff between versions.
pub async fn diff(
    State(s): State<AppState>,
    Auth(p): Auth,
    IdPath(id): IdPath,
    ApiQuery(q): ApiQuery<DiffQuery>,
) -> ApiResult<Json<Diff>> {
    Ok(Json(Diff { lines: s.desk.article_diff(&p, id, q.from, q.to).await? }))
}

/// Restores a version as the working draft.
pub async fn restore(
    State(s): State<AppState>,
    Auth(p): Auth,
    IdPath(id): IdPath,
    ApiJson(r): ApiJson<Restore>,
) -> ApiResult<Json<Article>> {
    Ok(Json(s.desk.restore_version(&p, id, r.version).await?.into()))
}

/// Votes helpful / not helpful and/or rates.
pub async fn vote(
    State(s): State<AppState>,
    Auth(p): Auth,
    IdPath(id): IdPath,
    ApiJson(r): ApiJson<Vote>,
) -> ApiResult<Json<Article>> {
    Ok(Json(s.desk.vote_article(&p, id, r.helpful, r.rating).await?.into()))
}

/// Asks a question on an article.
pub async fn ask(
    State(s): State<AppState>,
    Auth(p): Auth,
    IdPath(id): IdPath,
    ApiJson(r): ApiJson<TextBody>,
) -> ApiResult<(StatusCode, Json<Question>)> {
    Ok((StatusCode::CREATED, Json(question(s.desk.ask_question(&p, id, &r.body).await?, Vec::new()))))
}

/// The questions on an article.
pub async fn questions(State(s): State<AppState>, Auth(p): Auth, IdPath(id): IdPath) -> ApiResult<Json<Items<Question>>> {
    let found = s.desk.article_questions(&p, id).await?;
    Ok(Json(Items { items: found.into_iter().map(|(q, a)| question(q, a)).collect() }))
}

/// Answers a question.
pub async fn answer(
    State(s): State<AppState>,
    Auth(p): Auth,
    IdPath(id): IdPath,
    ApiJson(r): ApiJson<TextBody>,
) -> ApiResult<(StatusCode, Json<Answer>)> {
    Ok((StatusCode::CREATED, Json(s.desk.answer_question(&p, id, &r.body).await?.into())))
}

/// Hides or shows a question.
pub async fn moderate(
    State(s): State<AppState>,
    Auth(p): Auth,
    IdPath(id): IdPath,
    ApiJson(r): ApiJson<ModerateQuestion>,
) -> ApiResult<Json<Question>> {
    Ok(Json(question(s.desk.hide_question(&p, id, r.hidden).await?, Vec::new())))
}

/// Records that an article resolved the ticket.
pub async fn link(
    State(s): State<AppState>,
    Auth(p): Auth,
    IdPath(id): IdPath,
    ApiJson(r): ApiJson<LinkArticle>,
) -> ApiResult<Json<Article>> {
    Ok(Json(s.desk.link_article(&p, id, r.article_id).await?.into()))
}

/// Drafts an article from a resolved ticket.
pub async fn draft_from_ticket(
    State(s): State<AppState>,
    Auth(p): Auth,
    IdPath(id): IdPath,
) -> ApiResult<(StatusCode, Json<Article>)> {
    Ok((StatusCode::CREATED, Json(s.desk.draft_article_from_ticket(&p, id).await?.into())))
}

/// Searches the articles the caller may read.
pub async fn search(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> ApiResult<Json<Items<SearchHit>>> {
    Ok(Json(hits(s.desk.search_articles(&p, &q.q, q.mode.as_deref(), q.limit.unwrap_or(10)).await?)))
}

/// Public (anonymous) query.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicSearchQuery {
    pub q: String,
    /// hybrid (default), keyword or semantic.
    pub mode: Option<String>,
    pub limit: Option<i64>,
}

/// Anonymous search of a tenant's public articles.
pub async fn public_search(
    State(s): State<AppState>,
    Path(tenant): Path<String>,
    ApiQuery(q): ApiQuery<PublicSearchQuery>,
) -> ApiResult<Json<Items<SearchHit>>> {
    Ok(Json(hits(s.desk.public_search(&tenant, &q.q, q.mode.as_deref(), q.limit.unwrap_or(10)).await?)))
}

/// Anonymous list of a tenant's public articles.
pub async fn public_list(
    State(s): State<AppState>,
    Path(tenant): Path<String>,
    ApiQuery(q): ApiQuery<crate::dto::PageQuery>,
) -> ApiResult<Json<Items<Article>>> {
    let page = q.page();
    Ok(Json(Items::of(s.desk.public_articles(&tenant, None, page.limit, page.offset).await?)))
}

/// Anonymous read of one public article by slug.
pub async fn public_article(
    State(s): State<AppState>,
    Path((tenant, slug)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Json<Article>> {
    Ok(Json(s.desk.public_article(&tenant, &slug, &visitor(&headers)).await?.into()))
}

/// Anonymous read of the visible questions on one public article.
pub async fn public_questions(
    State(s): State<AppState>,
    Path((tenant, slug)): Path<(String, String)>,
) -> ApiResult<Json<Items<Question>>> {
    let found = s.desk.public_questions(&tenant, &slug).await?;
    Ok(Json(Items { items: found.into_iter().map(|(q, a)| question(q, a)).collect() }))
}

/// An opaque per-visitor key for "one view per visitor per day": a hash of the client's
/// address (as the proxy reports it) and user agent, never stored in clear.
pub fn visitor(headers: &HeaderMap) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for name in ["x-forwarded-for", "x-real-ip", "user-agent"] {
        headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().hash(&mut h);
    }
    format!("anon-{:016x}", h.finish())
}
