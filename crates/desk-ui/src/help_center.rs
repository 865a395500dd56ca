//! The public help center of a tenant: categories, search, article pages with helpful votes,
//! and questions answered from the articles. Readable without scripts or sign-in; the URLs
//! are the tenant's and the article's slugs.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use desk_core::CoreError;
use maud::{Markup, html};
use serde::Deserialize;

use crate::UiState;
use crate::i18n::fill;
use crate::layout::{Area, csrf, page, sanitised, snippet, time};
use crate::session::{Ctx, PageResult, encode};

/// `?q=&category=` of the index.
#[derive(Deserialize, Default)]
pub struct IndexQuery {
    q: Option<String>,
    category: Option<String>,
}

fn search_form(ctx: &Ctx, tenant: &str, q: &str) -> Markup {
    html! {
        form.searchbar method="get" action={ "/kb/" (tenant) } role="search" {
            label for="q" { (ctx.t.kb.search_label) }
            div.row { input #q type="search" name="q" value=(q); button type="submit" { (ctx.t.c.search) } }
        }
    }
}

/// Categories and their public articles, or search results for `q`.
pub async fn index(State(s): State<UiState>, ctx: Ctx, Path(tenant): Path<String>, Query(q): Query<IndexQuery>) -> PageResult {
    let t = ctx.t;
    let text = q.q.clone().unwrap_or_default();
    let categories = s.desk.public_categories(&tenant).await?;
    let current = q.category.as_deref().and_then(|slug| categories.iter().find(|c| c.slug == slug));
    let body = html! {
        section.kb {
            h1 { (t.c.help_center) }
            (search_form(&ctx, &tenant, &text))
            p { a href={ "/kb/" (tenant) "/ask" } { (t.portal.ask_kb) } }
            @if !text.trim().is_empty() {
                @let hits = s.desk.public_search(&tenant, &text, None, 20).await?;
                h2 { (t.kb.results) }
                @if hits.is_empty() { p.empty { (t.kb.no_results) } }
                ul.articles { @for h in &hits { li { a href={ "/kb/" (tenant) "/" (h.slug) } { (h.title) } br; small.snippet { (snippet(&h.snippet)) } } } }
            } @else {
                nav.categories aria-label=(t.kb.categories) {
                    a href={ "/kb/" (tenant) } aria-current=[current.is_none().then_some("page")] { (t.kb.all_articles) }
                    @for c in &categories {
                        a href={ "/kb/" (tenant) "?category=" (encode(&c.slug)) } aria-current=[current.is_some_and(|x| x.id == c.id).then_some("page")] { (c.name) }
                    }
                }
                @let articles = s.desk.public_articles(&tenant, current.map(|c| c.id), 100, 0).await?;
                @if articles.is_empty() { p.empty { (t.kb.no_articles) } }
                ul.articles { @for a in &articles { li { a href={ "/kb/" (tenant) "/" (a.slug) } { (a.title) } br; small.muted { (a.summary) } } } }
            }
            @if ctx.user.is_none() { p.muted { (t.kb.sign_in_for_more) " " a href={ "/login?tenant=" (encode(&tenant)) } { (t.c.sign_in) } } }
        }
    };
    Ok(page(&ctx, Area::HelpCenter, t.c.help_center, &body))
}

/// `?voted=1` after a vote.
#[derive(Deserialize, Default)]
pub struct ArticleQuery {
    voted: Option<String>,
}

/// One public article, its vote buttons and its answered questions.
pub async fn article(
    State(s): State<UiState>,
    ctx: Ctx,
    Path((tenant, slug)): Path<(String, String)>,
    Query(q): Query<ArticleQuery>,
) -> PageResult {
    let t = ctx.t;
    let a = s.desk.public_article(&tenant, &slug, &ctx.visitor).await?;
    let questions = s.desk.public_questions(&tenant, &slug).await?;
    let date = crate::layout::when(a.updated_at);
    let body = html! {
        article.kb-article {
            p.crumbs { a href={ "/kb/" (tenant) } { "← " (t.c.help_center) } }
            h1 { (a.title) }
            p.muted { (a.key) " · " (fill(t.kb.updated_on, &[("date", &date.get(..10).unwrap_or_default())])) }
            div.article-body { (sanitised(&a.body_html)) }
        }
        @if q.voted.is_some() {
            p.card role="status" { (t.kb.thanks_vote) }
        } @else {
            form #vote-form.vote method="post" action={ "/kb/" (tenant) "/" (a.slug) "/vote" } {
                (csrf(&ctx))
                fieldset {
                    legend { (t.kb.was_helpful) }
                    button name="helpful" value="true" type="submit" { (t.c.yes) } " "
                    button name="helpful" value="false" type="submit" { (t.c.no) }
                }
            }
        }
        p.muted { (fill(t.kb.helpful_count, &[("n", &a.helpful_count)])) }
        @if !questions.is_empty() {
            section.questions aria-labelledby="q-title" {
                h2 #q-title { (t.kb.questions) }
                ul { @for (q, answers) in &questions { li { p { (q.body) " " small.muted { (time(q.created_at)) } } @for ans in answers { blockquote { (ans.body) } } } } }
            }
        }
    };
    Ok(page(&ctx, Area::HelpCenter, &a.title, &body))
}

/// A helpful / not helpful vote.
#[derive(Deserialize)]
pub struct VoteForm {
    helpful: bool,
}

/// Counts an anonymous vote, one per browser per article.
pub async fn vote(
    State(s): State<UiState>,
    ctx: Ctx,
    Path((tenant, slug)): Path<(String, String)>,
    Form(f): Form<VoteForm>,
) -> PageResult {
    s.desk.public_vote(&tenant, &slug, &ctx.visitor, &ctx.client, f.helpful).await?;
    Ok(Redirect::to(&format!("/kb/{}/{}?voted=1", encode(&tenant), encode(&slug))).into_response())
}

/// `?q=` of the Q&A.
#[derive(Deserialize, Default)]
pub struct AskQuery {
    q: Option<String>,
}

/// Answers a question from the tenant's public articles, with sources, or says it does not know.
pub async fn ask(State(s): State<UiState>, ctx: Ctx, Path(tenant): Path<String>, Query(q): Query<AskQuery>) -> PageResult {
    let t = ctx.t;
    let question = q.q.unwrap_or_default();
    let answer = if question.trim().is_empty() {
        // An unknown tenant is a 404 even before a question is asked.
        s.desk.public_categories(&tenant).await?;
        None
    } else {
        match s.desk.public_ask(&tenant, &question).await {
            Ok(a) => Some(a),
            Err(CoreError::Unavailable(_)) => None,
            Err(e) => return Err(e.into()),
        }
    };
    let body = html! {
        section.narrow {
            p.crumbs { a href={ "/kb/" (tenant) } { "← " (t.c.help_center) } }
            h1 { (t.portal.ask_kb) }
            form method="get" action={ "/kb/" (tenant) "/ask" } role="search" {
                label for="ask-q" { (t.kb.ask_label) }
                div.row { input #ask-q type="search" name="q" value=(question) required; button.primary type="submit" { (t.kb.ask_button) } }
            }
            @if let Some(ans) = &answer {
                div #answer.card role="status" {
                    @if ans.answered { p { (ans.answer) } } @else { p { (t.kb.dont_know) } }
                    @if ans.answered && !ans.sources.is_empty() {
                        p.muted { (t.kb.sources) }
                        ul { @for src in &ans.sources { li { a href={ "/kb/" (tenant) "/" (src.reference) } { (src.title) } } } }
                    }
                }
            }
        }
    };
    Ok(page(&ctx, Area::HelpCenter, t.portal.ask_kb, &body))
}
