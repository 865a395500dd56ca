//! The AI panel of the ticket page and its forms: label corrections, the summary and the
//! reply draft (as JSON for the script, or the page again when scripts are off).

use axum::Form;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect};
use desk_core::{AI_CATEGORIES, AI_SENTIMENTS};
use desk_domain::permissions as perm;
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::ticket::{Extras, TicketData, load, render};
use super::ticket_key;
use crate::UiState;
use crate::i18n::fill;
use crate::layout::{csrf, status_badge};
use crate::session::{Ctx, PageResult};

/// The AI panel: labels with their correction form, summary and draft buttons, similar
/// tickets (with "duplicate of this") and related articles.
pub(super) fn ai_panel(ctx: &Ctx, d: &TicketData, extras: &Extras, base: &str) -> Markup {
    let a = ctx.t.agent;
    html! {
        section.panel.ai aria-labelledby="ai-title" {
            h2 #ai-title { (a.ai_assistant) }
            @if d.ai.unavailable { p.muted role="status" { (a.ai_unavailable) } }
            @if let Some(c) = &d.ai.classification {
                @let category = c.corrected_category.as_deref().unwrap_or(&c.category);
                @let sentiment = c.corrected_sentiment.as_deref().unwrap_or(&c.sentiment);
                dl.props {
                    dt { (a.category) } dd { (ai_label(ctx, category)) }
                    dt { (a.sentiment) } dd { (ai_label(ctx, sentiment)) }
                    @if c.escalate { dt { (a.escalate) } dd { strong { (ctx.t.c.yes) } } }
                }
                details.correct {
                    summary { (a.correct_labels) }
                    form method="post" action={ (base) "/ai/classification" } {
                        (csrf(ctx))
                        label for="c-category" { (a.category) }
                        select #c-category name="category" { @for v in AI_CATEGORIES { option value=(v) selected[*v == category] { (ai_label(ctx, v)) } } }
                        label for="c-sentiment" { (a.sentiment) }
                        select #c-sentiment name="sentiment" { @for v in AI_SENTIMENTS { option value=(v) selected[*v == sentiment] { (ai_label(ctx, v)) } } }
                        button type="submit" { (ctx.t.c.save) }
                    }
                }
            }
            div.quick {
                form #summary-form method="post" action={ (base) "/ai/summary" } data-ai="summary" { (csrf(ctx)) button type="submit" { (a.summarise) } }
                form #draft-form method="post" action={ (base) "/ai/draft" } data-ai="draft" { (csrf(ctx)) button type="submit" { (a.draft_reply) } }
            }
            @if ctx.can(perm::KB_WRITE) && matches!(d.ticket.status.as_str(), "resolved" | "closed") {
                form #article-form method="post" action={ (base) "/article" } { (csrf(ctx)) button type="submit" { (a.draft_article) } }
            }
            div #ai-summary role="status" {
                @if let Some(sm) = &extras.summary { h3 { (a.summary) } p { (sm.summary) } }
            }
            h3 { (a.similar_tickets) }
            @if d.ai.similar.is_empty() { p.muted { (ctx.t.c.none) } }
            ul.compact {
                @for st in &d.ai.similar {
                    li {
                        a href={ "/agent/tickets/" (st.id) } { (ticket_key(ctx, st.number)) " " (st.subject) } " " (status_badge(ctx, &st.status))
                        @if d.ticket.status != "duplicate" && st.status != "duplicate" {
                            form.inline method="post" action={ (base) "/merge" } data-confirm=(a.merge_confirm) {
                                (csrf(ctx))
                                input type="hidden" name="into" value=(st.id);
                                button.link type="submit" {
                                    (a.merge_into) span.visually-hidden { " (" (fill(a.merge_into_label, &[("key", &ticket_key(ctx, st.number))])) ")" }
                                }
                            }
                        }
                    }
                }
            }
            h3 { (a.related_articles) }
            @if d.ai.related.is_empty() { p.muted { (ctx.t.c.none) } }
            ul.compact { @for r in &d.ai.related { li { a href={ "/portal/kb/" (r.id) } { (r.title) } } } }
        }
    }
}

/// A link to a draft's source: a ticket or an article.
pub(super) fn source_link(src: &desk_core::Source) -> Markup {
    let href = if src.kind == "ticket" { format!("/agent/tickets/{}", src.id) } else { format!("/portal/kb/{}", src.id) };
    html! { a href=(href) { (src.title) } }
}

/// The label of a classifier category or sentiment.
pub fn ai_label(ctx: &Ctx, value: &str) -> &'static str {
    let a = ctx.t.agent;
    match value {
        "technical" => a.cat_technical,
        "product" => a.cat_product,
        "billing" => a.cat_billing,
        "feature" => a.cat_feature,
        "complaint" => a.cat_complaint,
        "other" => a.cat_other,
        "positive" => a.sent_positive,
        "neutral" => a.sent_neutral,
        "negative" => a.sent_negative,
        "angry" => a.sent_angry,
        _ => ctx.t.c.unknown,
    }
}

/// The correction form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CorrectionForm {
    category: String,
    sentiment: String,
}

/// Corrects the classifier's labels; corrections train the tenant's classifier.
pub async fn correct_classification(
    State(s): State<UiState>,
    ctx: Ctx,
    Path(id): Path<Uuid>,
    Form(f): Form<CorrectionForm>,
) -> PageResult {
    let p = ctx.principal()?;
    let some = |v: &str| Some(v.to_owned()).filter(|v| !v.is_empty());
    let (category, sentiment) = (some(&f.category), some(&f.sentiment));
    s.desk.correct_classification(p, id, category.as_deref(), sentiment.as_deref(), None).await?;
    Ok(Redirect::to(&format!("/agent/tickets/{id}")).into_response())
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("application/json"))
}

/// Summarises the conversation: JSON for the script, else the page with the summary.
pub async fn ai_summary(State(s): State<UiState>, ctx: Ctx, Path(id): Path<Uuid>, headers: HeaderMap) -> PageResult {
    let p = ctx.principal()?;
    let summary = s.desk.summarize_ticket(p, id).await?;
    if wants_json(&headers) {
        return Ok(Json(json!({ "summary": summary.summary, "method": summary.method })).into_response());
    }
    let data = load(&s, &ctx, id).await?;
    Ok(render(&ctx, &data, &Extras { summary: Some(summary), draft: None }, None))
}

/// Drafts a reply from the conversation and the knowledge base: JSON for the script (which
/// puts it in the editor), else the page with the draft in the editor.
pub async fn ai_draft(State(s): State<UiState>, ctx: Ctx, Path(id): Path<Uuid>, headers: HeaderMap) -> PageResult {
    let p = ctx.principal()?;
    let draft = s.desk.draft_reply(p, id).await?;
    if wants_json(&headers) {
        let sources: Vec<_> = draft
            .sources
            .iter()
            .map(|src| {
                let href =
                    if src.kind == "ticket" { format!("/agent/tickets/{}", src.id) } else { format!("/portal/kb/{}", src.id) };
                json!({ "title": src.title, "href": href })
            })
            .collect();
        return Ok(Json(json!({ "draft": draft.draft, "sources": sources, "method": draft.method })).into_response());
    }
    let data = load(&s, &ctx, id).await?;
    Ok(render(&ctx, &data, &Extras { summary: None, draft: Some(draft) }, None))
}
