//! AI endpoints: each returns a suggestion with its sources; none sends anything to a customer.

use axum::Json;
use axum::extract::{Path, State};
use desk_core::{
    AiSettings, AiSettingsInput, AiStatus, Answer, ArticleDraft, Classification, KnowledgeGap, RelatedArticle, ReplyDraft,
    SimilarTicket, SuggestedAssignee, Summary, TicketClassification,
};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::AppState;
use crate::dto::Items;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiQuery, Auth, IdPath};

/// `?limit=` of the AI lists.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitQuery {
    /// 1–50, default 5.
    pub limit: Option<usize>,
}

/// `?days=` of the knowledge gaps.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DaysQuery {
    /// How far back to look, 1–365 days; default 30.
    pub days: Option<i64>,
}

/// Text to classify.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClassifyRequest {
    pub subject: String,
    #[serde(default)]
    pub description: String,
}

/// An agent's correction of a ticket's classification.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectClassification {
    pub category: Option<String>,
    pub sentiment: Option<String>,
    pub priority: Option<String>,
}

/// A question for the knowledge base.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AskRequest {
    pub question: String,
}

fn items<T>(items: Vec<T>) -> Json<Items<T>> {
    Json(Items { items })
}

/// The model's state and this tenant's queue and index.
pub async fn status(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<AiStatus>> {
    Ok(Json(s.desk.ai_status(&p).await?))
}

/// Tickets like this one.
pub async fn similar(
    State(s): State<AppState>,
    Auth(p): Auth,
    IdPath(id): IdPath,
    ApiQuery(q): ApiQuery<LimitQuery>,
) -> ApiResult<Json<Items<SimilarTicket>>> {
    Ok(items(s.desk.similar_tickets(&p, id, q.limit.unwrap_or(5)).await?))
}

/// Articles related to a ticket.
pub async fn ticket_articles(
    State(s): State<AppState>,
    Auth(p): Auth,
    IdPath(id): IdPath,
    ApiQuery(q): ApiQuery<LimitQuery>,
) -> ApiResult<Json<Items<RelatedArticle>>> {
    Ok(items(s.desk.related_articles_for_ticket(&p, id, q.limit.unwrap_or(5)).await?))
}

/// Articles related to an article.
pub async fn article_related(
    State(s): State<AppState>,
    Auth(p): Auth,
    IdPath(id): IdPath,
    ApiQuery(q): ApiQuery<LimitQuery>,
) -> ApiResult<Json<Items<RelatedArticle>>> {
    Ok(items(s.desk.related_articles_for_article(&p, id, q.limit.unwrap_or(5)).await?))
}

/// A grounded summary of the ticket.
pub async fn summary(State(s): State<AppState>, Auth(p): Auth, IdPath(id): IdPath) -> ApiResult<Json<Summary>> {
    Ok(Json(s.desk.summarize_ticket(&p, id).await?))
}

/// A reply draft with its sources.
pub async fn draft_reply(State(s): State<AppState>, Auth(p): Auth, IdPath(id): IdPath) -> ApiResult<Json<ReplyDraft>> {
    Ok(Json(s.desk.draft_reply(&p, id).await?))
}

/// An article draft from a resolved ticket (not saved).
pub async fn draft_article(State(s): State<AppState>, Auth(p): Auth, IdPath(id): IdPath) -> ApiResult<Json<ArticleDraft>> {
    Ok(Json(s.desk.draft_article_suggestion(&p, id).await?))
}

/// The ticket's stored classification.
pub async fn classification(
    State(s): State<AppState>,
    Auth(p): Auth,
    IdPath(id): IdPath,
) -> ApiResult<Json<TicketClassification>> {
    Ok(Json(s.desk.ticket_classification(&p, id).await?))
}

/// Corrects the ticket's classification; the tenant's classifier learns from it.
pub async fn correct(
    State(s): State<AppState>,
    Auth(p): Auth,
    IdPath(id): IdPath,
    ApiJson(body): ApiJson<CorrectClassification>,
) -> ApiResult<Json<TicketClassification>> {
    Ok(Json(
        s.desk
            .correct_classification(&p, id, body.category.as_deref(), body.sentiment.as_deref(), body.priority.as_deref())
            .await?,
    ))
}

/// Agents suggested for the ticket.
pub async fn assignees(
    State(s): State<AppState>,
    Auth(p): Auth,
    IdPath(id): IdPath,
) -> ApiResult<Json<Items<SuggestedAssignee>>> {
    Ok(items(s.desk.suggest_assignees(&p, id).await?))
}

/// Classifies a subject and description.
pub async fn classify(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiJson(body): ApiJson<ClassifyRequest>,
) -> ApiResult<Json<Classification>> {
    Ok(Json(s.desk.classify(&p, &body.subject, &body.description).await?))
}

/// Answers a question from the articles the caller may read.
pub async fn ask(State(s): State<AppState>, Auth(p): Auth, ApiJson(body): ApiJson<AskRequest>) -> ApiResult<Json<Answer>> {
    Ok(Json(s.desk.ask(&p, &body.question).await?))
}

/// Answers a question from a tenant's public articles (no login).
pub async fn public_ask(
    State(s): State<AppState>,
    Path(tenant): Path<String>,
    ApiJson(body): ApiJson<AskRequest>,
) -> ApiResult<Json<Answer>> {
    Ok(Json(s.desk.public_ask(&tenant, &body.question).await?))
}

/// Clusters of recent tickets and searches that no article answers.
pub async fn knowledge_gaps(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiQuery(q): ApiQuery<DaysQuery>,
) -> ApiResult<Json<Items<KnowledgeGap>>> {
    Ok(items(s.desk.knowledge_gaps(&p, q.days.unwrap_or(30)).await?))
}

/// The tenant's generation endpoint.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PutAiSettings {
    /// An OpenAI-compatible API root, such as `https://api.example.com/v1`.
    pub base_url: String,
    pub model: String,
    /// Stored sealed; never returned.
    pub api_key: Option<String>,
}

/// The tenant's generation endpoint (never its key).
pub async fn settings(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<AiSettings>> {
    Ok(Json(s.desk.ai_settings(&p).await?))
}

/// Sets the tenant's generation endpoint.
pub async fn put_settings(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiJson(body): ApiJson<PutAiSettings>,
) -> ApiResult<Json<AiSettings>> {
    let input = AiSettingsInput { base_url: body.base_url, model: body.model, api_key: body.api_key, keep_api_key: false };
    Ok(Json(s.desk.put_ai_settings(&p, input).await?))
}

/// Removes the tenant's generation endpoint.
pub async fn delete_settings(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<AiSettings>> {
    Ok(Json(s.desk.delete_ai_settings(&p).await?))
}
