//! Writing the knowledge base: the articles by status, a new article, the editor with the
//! review workflow (writers submit, publishers approve, publish, archive), and a draft made
//! from a resolved ticket.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use desk_core::{ArticleInput, ArticlePatch, one_line, unix_lines};
use desk_domain::kb::{ArticleStatus, Editor, Visibility};
use desk_domain::permissions as perm;
use desk_store::{ArticleRecord, CategoryRecord};
use maud::{Markup, html};
use serde::Deserialize;
use uuid::Uuid;

use crate::UiState;
use crate::i18n::T;
use crate::layout::{Area, csrf, page, sanitised, time};
use crate::session::{Ctx, PageResult};

/// The label of an article status.
fn status_label(t: &T, s: &str) -> &'static str {
    match s {
        "draft" => t.kb.st_draft,
        "in_review" => t.kb.st_in_review,
        "published" => t.kb.st_published,
        "archived" => t.kb.st_archived,
        _ => t.c.unknown,
    }
}

/// The label of a visibility.
fn visibility_label(t: &T, v: &str) -> &'static str {
    match v {
        "public" => t.kb.vis_public,
        "customers" => t.kb.vis_customers,
        "internal" => t.kb.vis_internal,
        _ => t.c.unknown,
    }
}

/// The label of the button that moves an article to `to`.
fn move_label(t: &T, from: ArticleStatus, to: ArticleStatus) -> &'static str {
    match (from, to) {
        (_, ArticleStatus::InReview) => t.kb.submit_review,
        (ArticleStatus::Published, ArticleStatus::Draft) => t.kb.unpublish,
        (ArticleStatus::Archived, ArticleStatus::Draft) => t.kb.revive,
        (_, ArticleStatus::Published) => t.kb.publish,
        (_, ArticleStatus::Archived) => t.kb.archive,
        (_, ArticleStatus::Draft) => t.kb.back_to_draft,
    }
}

/// `?status=` of the list.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    status: Option<String>,
}

/// The articles, by status.
pub async fn list(State(s): State<UiState>, ctx: Ctx, Query(q): Query<ListQuery>) -> PageResult {
    let p = ctx.principal()?;
    let t = ctx.t;
    let status = q.status.as_deref().filter(|s| ArticleStatus::parse(s).is_some());
    let articles = s.desk.list_articles(p, status, None, 200, 0).await?;
    let body = html! {
        div.head-row {
            h1 { (t.kb.articles) }
            a.button.primary href="/agent/kb/new" { (t.kb.new_article) }
        }
        nav.tabs aria-label=(t.kb.by_status) {
            a href="/agent/kb" aria-current=[status.is_none().then_some("page")] { (t.kb.all_articles) }
            @for st in ArticleStatus::ALL {
                a href={ "/agent/kb?status=" (st.as_str()) } aria-current=[(status == Some(st.as_str())).then_some("page")] { (status_label(t, st.as_str())) }
            }
        }
        @if articles.is_empty() {
            p.empty { (t.kb.no_articles) }
        } @else {
            table.data {
                thead { tr { th scope="col" { (t.kb.title) } th scope="col" { (t.c.status) } th scope="col" { (t.kb.visibility) } th scope="col" { (t.kb.helpful) } th scope="col" { (t.c.updated) } } }
                tbody {
                    @for a in &articles {
                        tr {
                            th scope="row" { a href={ "/agent/kb/" (a.id) } { (a.title) } br; small.muted { (a.key) } }
                            td data-label=(t.c.status) { span class={ "badge a-" (a.status) } { (status_label(t, &a.status)) } }
                            td data-label=(t.kb.visibility) { (visibility_label(t, &a.visibility)) }
                            td data-label=(t.kb.helpful) { (a.helpful_count) " / " (a.helpful_count + a.not_helpful_count) }
                            td data-label=(t.c.updated) { (time(a.updated_at)) }
                        }
                    }
                }
            }
        }
    };
    Ok(page(&ctx, Area::Articles, t.kb.articles, &body))
}

fn editor_fields(ctx: &Ctx, a: Option<&ArticleRecord>, categories: &[CategoryRecord]) -> Markup {
    let t = ctx.t;
    let visibility = a.map_or("customers", |a| a.visibility.as_str());
    html! {
        label for="a-title" { (t.kb.title) }
        input #a-title name="title" required maxlength="200" value=(a.map_or("", |a| a.title.as_str()));
        label for="a-summary" { (t.kb.summary) }
        input #a-summary name="summary" maxlength="500" value=(a.map_or("", |a| a.summary.as_str())) aria-describedby="a-summary-hint";
        small #a-summary-hint.hint { (t.kb.summary_hint) }
        label for="a-body" { (t.kb.body) }
        textarea #a-body name="body" rows="16" required aria-describedby="a-body-hint" { (a.map_or("", |a| a.body.as_str())) }
        small #a-body-hint.hint { (t.kb.body_hint) }
        div.two {
            div {
                label for="a-category" { (t.kb.category) }
                select #a-category name="category" {
                    option value="" { (t.c.none) }
                    @for c in categories { option value=(c.slug) selected[a.and_then(|a| a.category_id) == Some(c.id)] { (c.name) } }
                }
            }
            div {
                label for="a-visibility" { (t.kb.visibility) }
                select #a-visibility name="visibility" {
                    @for v in Visibility::ALL { option value=(v.as_str()) selected[v.as_str() == visibility] { (visibility_label(t, v.as_str())) } }
                }
            }
        }
        label for="a-tags" { (t.kb.tags) }
        input #a-tags name="tags" value=(a.map(|a| a.tags.split_whitespace().collect::<Vec<_>>().join(", ")).unwrap_or_default());
    }
}

/// The form for a new article.
pub async fn new_form(State(s): State<UiState>, ctx: Ctx) -> PageResult {
    let p = ctx.principal()?;
    let t = ctx.t;
    let categories = s.desk.kb_categories(p).await?;
    let body = html! {
        p.crumbs { a href="/agent/kb" { "← " (t.kb.articles) } }
        h1 { (t.kb.new_article) }
        form.card method="post" action="/agent/kb" {
            (csrf(&ctx))
            (editor_fields(&ctx, None, &categories))
            button.primary type="submit" { (t.kb.save_draft) }
        }
    };
    Ok(page(&ctx, Area::Articles, t.kb.new_article, &body))
}

/// The editor's fields; `status` comes from the workflow button pressed, if any.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ArticleForm {
    title: String,
    summary: String,
    body: String,
    category: String,
    visibility: String,
    tags: String,
    status: String,
    notes: String,
}

fn tags_of(raw: &str) -> Vec<String> {
    raw.split([',', ' ']).map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned).collect()
}

/// Writes a new draft.
pub async fn create(State(s): State<UiState>, ctx: Ctx, Form(f): Form<ArticleForm>) -> PageResult {
    let p = ctx.principal()?;
    let input = ArticleInput {
        title: f.title,
        summary: f.summary,
        body: f.body,
        category: Some(f.category).filter(|c| !c.is_empty()),
        tags: tags_of(&f.tags),
        product: None,
        visibility: Some(f.visibility).filter(|v| !v.is_empty()),
    };
    let a = s.desk.create_article(p, input).await?;
    Ok(Redirect::to(&format!("/agent/kb/{}", a.id)).into_response())
}

/// The editor: content, preview and the moves the reader's role allows.
pub async fn edit(State(s): State<UiState>, ctx: Ctx, Path(id): Path<Uuid>) -> PageResult {
    let p = ctx.principal()?;
    let t = ctx.t;
    let a = s.desk.article_for_edit(p, id).await?;
    let categories = s.desk.kb_categories(p).await?;
    let status = ArticleStatus::parse(&a.status).unwrap_or(ArticleStatus::Draft);
    let editor = if p.can(perm::KB_PUBLISH) { Editor::Publisher } else { Editor::Writer };
    let may_edit = editor == Editor::Publisher || status.writer_may_edit();
    let moves = status.next(editor);
    let base = format!("/agent/kb/{id}");
    let body = html! {
        p.crumbs { a href="/agent/kb" { "← " (t.kb.articles) } }
        h1 { (a.title) }
        p.meta { span class={ "badge a-" (a.status) } { (status_label(t, &a.status)) } " " (visibility_label(t, &a.visibility)) " · " (a.key) " · " (t.c.updated) " " (time(a.updated_at)) }
        @if a.status == "published" {
            p { a href={ "/portal/kb/" (a.id) } { (t.kb.view_as_reader) } }
        }
        div.ticket-grid {
            section aria-label=(t.kb.editor) {
                @if may_edit {
                    form #article-form.card method="post" action=(base) {
                        (csrf(&ctx))
                        (editor_fields(&ctx, Some(&a), &categories))
                        @if editor == Editor::Publisher && status == ArticleStatus::Published {
                            label for="a-notes" { (t.kb.notes) }
                            input #a-notes name="notes" maxlength="500";
                        }
                        div.quick {
                            button.primary type="submit" { (t.c.save) }
                            @for to in &moves {
                                button type="submit" name="status" value=(to.as_str()) { (move_label(t, status, *to)) }
                            }
                        }
                    }
                } @else {
                    p.card { (t.kb.locked) }
                    @if !moves.is_empty() {
                        form.quick method="post" action=(base) {
                            (csrf(&ctx))
                            @for to in &moves { button type="submit" name="status" value=(to.as_str()) { (move_label(t, status, *to)) } }
                        }
                    }
                }
            }
            aside.side {
                section.panel aria-labelledby="preview-title" {
                    h2 #preview-title { (t.kb.preview) }
                    div.article-body { (sanitised(&a.body_html)) }
                }
            }
        }
    };
    Ok(page(&ctx, Area::Articles, &a.title, &body))
}

/// Saves the content (when it changed) and/or moves the article through the workflow.
pub async fn save(State(s): State<UiState>, ctx: Ctx, Path(id): Path<Uuid>, Form(f): Form<ArticleForm>) -> PageResult {
    let p = ctx.principal()?;
    let cur = s.desk.article_for_edit(p, id).await?;
    let tags = tags_of(&f.tags);
    let cur_category = match cur.category_id {
        Some(cid) => s.desk.kb_categories(p).await?.into_iter().find(|c| c.id == cid).map(|c| c.slug),
        None => None,
    };
    let category = Some(f.category.clone()).filter(|c| !c.is_empty());
    let content_sent = !f.title.is_empty();
    let patch = ArticlePatch {
        title: (content_sent && one_line(&f.title) != one_line(&cur.title)).then(|| f.title.clone()),
        summary: (content_sent && one_line(&f.summary) != one_line(&cur.summary)).then(|| f.summary.clone()),
        // A textarea drops one leading line break and sends `\r\n`: compare what it means.
        body: (content_sent && unix_lines(&f.body).trim() != unix_lines(&cur.body).trim()).then(|| f.body.clone()),
        category: (content_sent && category != cur_category).then_some(category),
        tags: (content_sent && tags != cur.tags.split_whitespace().map(str::to_owned).collect::<Vec<_>>()).then_some(tags),
        visibility: (content_sent && !f.visibility.is_empty() && f.visibility != cur.visibility).then(|| f.visibility.clone()),
        status: Some(f.status).filter(|s| !s.is_empty()),
        notes: Some(f.notes).filter(|n| !n.trim().is_empty()),
        ..ArticlePatch::default()
    };
    if patch.title.is_some()
        || patch.summary.is_some()
        || patch.body.is_some()
        || patch.category.is_some()
        || patch.tags.is_some()
        || patch.visibility.is_some()
        || patch.status.is_some()
    {
        s.desk.update_article(p, id, patch).await?;
    }
    Ok(Redirect::to(&format!("/agent/kb/{id}")).into_response())
}

/// Drafts an article from a resolved ticket (its problem, cause, resolution and replies).
pub async fn from_ticket(State(s): State<UiState>, ctx: Ctx, Path(id): Path<Uuid>) -> PageResult {
    let p = ctx.principal()?;
    let a = s.desk.draft_article_from_ticket(p, id).await?;
    Ok(Redirect::to(&format!("/agent/kb/{}", a.id)).into_response())
}
