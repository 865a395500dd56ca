//! The knowledge base for signed-in readers: browse by category, search, read an article,
//! vote, ask a question on it, and ask the knowledge base a question.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::{Form, Json};
use desk_domain::permissions as perm;
use maud::html;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::UiState;
use crate::layout::{Area, csrf, page, sanitised, snippet, time};
use crate::session::{Ctx, PageResult};

/// `?q=` of a search.
#[derive(Deserialize, Default)]
pub struct SearchQuery {
    q: Option<String>,
    category: Option<String>,
}

/// Articles matching what a customer types as a ticket subject, for deflection (JSON).
pub async fn suggest(State(s): State<UiState>, ctx: Ctx, Query(q): Query<SearchQuery>) -> PageResult {
    let p = ctx.principal()?;
    let text = q.q.unwrap_or_default();
    if text.trim().chars().count() < 3 {
        return Ok(Json(json!({ "items": [] })).into_response());
    }
    let hits = s.desk.search_articles(p, &text, None, 5).await?;
    let items: Vec<_> =
        hits.iter().map(|h| json!({ "title": h.title, "summary": h.summary, "href": format!("/portal/kb/{}", h.id) })).collect();
    Ok(Json(json!({ "items": items })).into_response())
}

/// Categories and articles, or search results.
pub async fn kb_home(State(s): State<UiState>, ctx: Ctx, Query(q): Query<SearchQuery>) -> PageResult {
    let p = ctx.principal()?;
    let t = ctx.t;
    let text = q.q.clone().unwrap_or_default();
    let categories = s.desk.kb_categories(p).await?;
    let category = q.category.as_deref().filter(|c| !c.is_empty());
    let body = html! {
        section.kb {
            h1 { (t.c.help_center) }
            form.searchbar method="get" action="/portal/kb" role="search" {
                label for="kb-q" { (t.kb.search_label) }
                div.row { input #kb-q type="search" name="q" value=(text); button type="submit" { (t.c.search) } }
            }
            p { a href="/portal/ask" { (t.portal.ask_kb) } }
            @if !text.trim().is_empty() {
                @let hits = s.desk.search_articles(p, &text, None, 20).await?;
                h2 { (t.kb.results) }
                @if hits.is_empty() { p.empty { (t.kb.no_results) } }
                ul.articles { @for h in &hits { li { a href={ "/portal/kb/" (h.id) } { (h.title) } br; small.snippet { (snippet(&h.snippet)) } } } }
            } @else {
                nav.categories aria-label=(t.kb.categories) {
                    a href="/portal/kb" aria-current=[category.is_none().then_some("page")] { (t.kb.all_articles) }
                    @for c in &categories { a href={ "/portal/kb?category=" (c.slug) } aria-current=[(category == Some(c.slug.as_str())).then_some("page")] { (c.name) } }
                }
                @let articles = s.desk.list_articles(p, Some("published"), category, 100, 0).await?;
                @if articles.is_empty() { p.empty { (t.kb.no_articles) } }
                ul.articles { @for a in &articles { li { a href={ "/portal/kb/" (a.id) } { (a.title) } br; small.muted { (a.summary) } } } }
            }
        }
    };
    Ok(page(&ctx, Area::HelpCenter, t.c.help_center, &body))
}

/// One article with its votes and questions.
pub async fn kb_article(State(s): State<UiState>, ctx: Ctx, Path(id): Path<Uuid>) -> PageResult {
    let p = ctx.principal()?;
    let t = ctx.t;
    let a = s.desk.get_article(p, id).await?;
    let questions = s.desk.article_questions(p, id).await?;
    let base = format!("/portal/kb/{id}");
    let body = html! {
        article.kb-article {
            p.crumbs { a href="/portal/kb" { "← " (t.c.help_center) } }
            h1 { (a.title) }
            p.muted { (a.key) " · " (t.c.updated) " " (time(a.updated_at)) }
            div.article-body { (sanitised(&a.body_html)) }
        }
        @if p.can(perm::KB_FEEDBACK) && a.status == "published" {
            form #vote-form.vote method="post" action={ (base) "/vote" } {
                (csrf(&ctx))
                fieldset {
                    legend { (t.kb.was_helpful) }
                    button name="helpful" value="true" type="submit" { (t.c.yes) } " "
                    button name="helpful" value="false" type="submit" { (t.c.no) }
                }
                " " small.muted { (crate::i18n::fill(t.kb.helpful_count, &[("n", &a.helpful_count)])) }
            }
        }
        section.questions aria-labelledby="q-title" {
            h2 #q-title { (t.kb.questions) }
            @if questions.is_empty() { p.muted { (t.kb.no_questions) } }
            ul { @for (q, answers) in &questions { li { p { (q.body) } @for ans in answers { blockquote { (ans.body) } } } } }
            @if p.can(perm::KB_FEEDBACK) {
                form #question-form method="post" action={ (base) "/questions" } {
                    (csrf(&ctx))
                    label for="question" { (t.kb.ask_on_article) }
                    textarea #question name="body" rows="3" required maxlength="5000" {}
                    button type="submit" { (t.kb.send_question) }
                }
            }
        }
    };
    Ok(page(&ctx, Area::HelpCenter, &a.title, &body))
}

/// A question's text.
#[derive(Deserialize)]
pub struct QuestionForm {
    body: String,
}

/// Asks a question on an article.
pub async fn kb_question(State(s): State<UiState>, ctx: Ctx, Path(id): Path<Uuid>, Form(f): Form<QuestionForm>) -> PageResult {
    let p = ctx.principal()?;
    s.desk.ask_question(p, id, &f.body).await?;
    Ok(Redirect::to(&format!("/portal/kb/{id}#q-title")).into_response())
}

/// A helpful / not helpful vote.
#[derive(Deserialize)]
pub struct VoteForm {
    helpful: bool,
}

/// Votes on an article.
pub async fn kb_vote(State(s): State<UiState>, ctx: Ctx, Path(id): Path<Uuid>, Form(f): Form<VoteForm>) -> PageResult {
    let p = ctx.principal()?;
    s.desk.vote_article(p, id, Some(f.helpful), None).await?;
    Ok(Redirect::to(&format!("/portal/kb/{id}")).into_response())
}

/// `?q=` of the Q&A.
#[derive(Deserialize, Default)]
pub struct AskQuery {
    q: Option<String>,
}

/// Asks the knowledge base: the best passage with its sources, or "I don't know".
pub async fn ask(State(s): State<UiState>, ctx: Ctx, Query(q): Query<AskQuery>) -> PageResult {
    let p = ctx.principal()?;
    let t = ctx.t;
    let question = q.q.unwrap_or_default();
    let answer = if question.trim().is_empty() { None } else { Some(s.desk.ask(p, &question).await?) };
    let body = html! {
        section.narrow {
            h1 { (t.portal.ask_kb) }
            form method="get" action="/portal/ask" role="search" {
                label for="ask-q" { (t.kb.ask_label) }
                div.row { input #ask-q type="search" name="q" value=(question) required; button.primary type="submit" { (t.kb.ask_button) } }
            }
            @if let Some(ans) = &answer {
                div #answer.card role="status" {
                    @if ans.answered { p { (ans.answer) } } @else { p { (t.kb.dont_know) } p { a href="/portal/tickets/new" { (t.portal.new_ticket) } } }
                    @if ans.answered && !ans.sources.is_empty() {
                        p.muted { (t.kb.sources) }
                        ul { @for src in &ans.sources { li { a href={ "/portal/kb/" (src.id) } { (src.title) } } } }
                    }
                }
            }
        }
    };
    Ok(page(&ctx, Area::HelpCenter, t.portal.ask_kb, &body))
}
