//! The knowledge base: who may read, write, review and publish articles, versions, feedback,
//! questions, and articles drafted from resolved tickets.

use std::fmt::Write;

use desk_domain::Status;
use desk_domain::kb::{ArticleStatus, Editor, Visibility, diff_lines, slugify};
use desk_domain::permissions as perm;
use desk_domain::validate::Errors;
use desk_store::{
    AnswerRecord, ArticleChange, ArticleHit, ArticleQuery, ArticleRecord, CategoryRecord, KbAudience, NewArticle, Principal,
    QuestionRecord, StoreError, TenantCtx, VersionRecord,
};
use uuid::Uuid;

use crate::tickets::{parse_tags, scope_of};
use crate::{CoreError, CoreResult, Desk, now_ms, require};

pub use desk_domain::kb::DiffLine;

/// Renders article markdown to HTML that is safe to embed: no scripts, no event handlers, no
/// `javascript:`/`data:` URLs, no SVG; links get `rel="noopener noreferrer nofollow"`.
pub fn render_markdown(markdown: &str) -> String {
    use pulldown_cmark::{Options, Parser, html};
    let mut raw = String::with_capacity(markdown.len() * 2);
    html::push_html(
        &mut raw,
        Parser::new_ext(markdown, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS),
    );
    ammonia::Builder::default()
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&raw)
        .to_string()
}

/// Input for a new article.
#[derive(Debug, Clone, Default)]
pub struct ArticleInput {
    pub title: String,
    pub summary: String,
    pub body: String,
    pub category: Option<String>,
    pub tags: Vec<String>,
    pub product: Option<String>,
    pub visibility: Option<String>,
}

/// A change to an article: content and/or status.
#[derive(Debug, Clone, Default)]
pub struct ArticlePatch {
    pub title: Option<String>,
    pub summary: Option<String>,
    pub body: Option<String>,
    pub category: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    pub product: Option<Option<String>>,
    pub visibility: Option<String>,
    pub slug: Option<String>,
    pub status: Option<String>,
    /// Notes stored with the version a publish creates.
    pub notes: Option<String>,
    /// RFC 3339 date of the next review; `Some(None)` clears it.
    pub next_review_at: Option<Option<String>>,
}

impl ArticlePatch {
    fn touches_content(&self) -> bool {
        self.title.is_some()
            || self.summary.is_some()
            || self.body.is_some()
            || self.category.is_some()
            || self.tags.is_some()
            || self.product.is_some()
            || self.visibility.is_some()
            || self.slug.is_some()
            || self.next_review_at.is_some()
    }

    /// Whether nothing would change.
    pub fn is_empty(&self) -> bool {
        !self.touches_content() && self.status.is_none()
    }
}

/// Search modes of `GET /api/v1/kb/search`.
pub const SEARCH_MODES: &[&str] = &["keyword", "semantic", "hybrid"];

pub(crate) fn audience_of(p: &Principal) -> KbAudience {
    if p.staff { KbAudience::Staff } else { KbAudience::Customer }
}

fn editor_of(p: &Principal) -> Editor {
    if p.can(perm::KB_PUBLISH) { Editor::Publisher } else { Editor::Writer }
}

fn today() -> i64 {
    now_ms() / 86_400_000
}

fn stored_status(a: &ArticleRecord) -> CoreResult<ArticleStatus> {
    ArticleStatus::parse(&a.status).ok_or_else(|| CoreError::Internal(format!("stored article status {}", a.status)))
}

/// Text with `\n` line ends only (browsers send `\r\n`), so the same text never differs by
/// its line ends and an unchanged save never makes a new version.
pub fn unix_lines(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// A title or summary on one line: line breaks become spaces.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn validate_content(e: &mut Errors, title: Option<&str>, summary: Option<&str>, body: Option<&str>) {
    if let Some(t) = title {
        e.text("title", t, 200);
    }
    if let Some(s) = summary
        && s.chars().count() > 1000
    {
        e.add("summary", "must be at most 1000 characters");
    }
    if let Some(b) = body {
        e.text("body", b, 200_000);
    }
}

impl Desk {
    async fn category_id(&self, ctx: &TenantCtx, raw: Option<&str>, e: &mut Errors) -> CoreResult<Option<Uuid>> {
        let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else { return Ok(None) };
        let cats = self.store.list_categories(ctx).await?;
        let wanted = raw.to_lowercase();
        let found = cats.iter().find(|c| c.slug == wanted || c.name.to_lowercase() == wanted || c.id.to_string() == wanted);
        if found.is_none() {
            e.add("category", format!("must be one of: {}", cats.iter().map(|c| c.slug.as_str()).collect::<Vec<_>>().join(", ")));
        }
        Ok(found.map(|c| c.id))
    }

    /// The tenant's article categories.
    pub async fn kb_categories(&self, p: &Principal) -> CoreResult<Vec<CategoryRecord>> {
        require(p, perm::KB_READ)?;
        Ok(self.store.list_categories(&p.ctx).await?)
    }

    /// Adds a category.
    pub async fn create_kb_category(&self, p: &Principal, name: &str) -> CoreResult<CategoryRecord> {
        require(p, perm::KB_MANAGE)?;
        let mut e = Errors::default();
        e.text("name", name, 80);
        e.finish()?;
        let slug = slugify(name).replace('-', "_");
        Ok(self.store.create_category(&p.ctx, &slug, name.trim()).await?)
    }

    /// Renames a category.
    pub async fn rename_kb_category(&self, p: &Principal, id: Uuid, name: &str) -> CoreResult<CategoryRecord> {
        require(p, perm::KB_MANAGE)?;
        let mut e = Errors::default();
        e.text("name", name, 80);
        e.finish()?;
        Ok(self.store.rename_category(&p.ctx, id, name.trim()).await?)
    }

    /// Writes a new draft.
    pub async fn create_article(&self, p: &Principal, mut input: ArticleInput) -> CoreResult<ArticleRecord> {
        require(p, perm::KB_WRITE)?;
        input.title = one_line(&input.title);
        input.summary = one_line(&input.summary);
        input.body = unix_lines(&input.body);
        self.insert_article(p, input, None).await
    }

    async fn insert_article(
        &self,
        p: &Principal,
        input: ArticleInput,
        source_ticket_id: Option<Uuid>,
    ) -> CoreResult<ArticleRecord> {
        let mut e = Errors::default();
        validate_content(&mut e, Some(&input.title), Some(&input.summary), Some(&input.body));
        let visibility = input.visibility.as_deref().unwrap_or("internal");
        if Visibility::parse(visibility).is_none() {
            e.add("visibility", "must be one of: public, customers, internal");
        }
        let category_id = self.category_id(&p.ctx, input.category.as_deref(), &mut e).await?;
        let tags = match parse_tags(&input.tags) {
            Ok(t) => t,
            Err(CoreError::Validation(v)) => {
                e.0.extend(v);
                Vec::new()
            }
            Err(other) => return Err(other),
        };
        e.finish()?;
        let base = slugify(&input.title);
        let year = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).year();
        for attempt in 1..=50 {
            let slug = if attempt == 1 { base.clone() } else { format!("{base}-{attempt}") };
            let new = NewArticle {
                title: input.title.trim().to_owned(),
                slug,
                summary: input.summary.trim().to_owned(),
                body: input.body.clone(),
                body_html: render_markdown(&input.body),
                category_id,
                tags: tags.clone(),
                product: input.product.clone().filter(|x| !x.trim().is_empty()),
                visibility: visibility.to_owned(),
                author_id: p.user.id,
                source_ticket_id,
            };
            match self.store.create_article(&p.ctx, new, i32::from(year), now_ms()).await {
                Err(StoreError::Conflict(_)) => {}
                other => return Ok(other?),
            }
        }
        Err(CoreError::Conflict("no free slug for this title".into()))
    }

    /// One article the caller may read; counts the view once per reader and day.
    pub async fn get_article(&self, p: &Principal, id: Uuid) -> CoreResult<ArticleRecord> {
        require(p, perm::KB_READ)?;
        let a = self.store.get_article(&p.ctx, audience_of(p), id).await?;
        if a.status == ArticleStatus::Published.as_str() {
            self.store.record_view(&p.ctx, a.id, &p.user.id.to_string(), today()).await?;
        }
        Ok(a)
    }

    /// One article for its editors (drafts included); reading it to edit is not a view.
    pub async fn article_for_edit(&self, p: &Principal, id: Uuid) -> CoreResult<ArticleRecord> {
        require(p, perm::KB_WRITE)?;
        Ok(self.store.get_article(&p.ctx, audience_of(p), id).await?)
    }

    /// Articles the caller may read.
    pub async fn list_articles(
        &self,
        p: &Principal,
        status: Option<&str>,
        category: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> CoreResult<Vec<ArticleRecord>> {
        require(p, perm::KB_READ)?;
        let mut e = Errors::default();
        if let Some(s) = status
            && ArticleStatus::parse(s).is_none()
        {
            e.add("status", "must be one of: draft, in_review, published, archived");
        }
        let category_id = self.category_id(&p.ctx, category, &mut e).await?;
        e.finish()?;
        let q = ArticleQuery {
            status: status.map(str::to_owned),
            category_id,
            visibility: None,
            limit: limit.clamp(1, 200),
            offset: offset.max(0),
        };
        Ok(self.store.list_articles(&p.ctx, audience_of(p), &q).await?)
    }

    /// Edits and/or moves an article through the workflow. Writers edit drafts and articles in
    /// review; publishers also edit published ones, each such edit becoming a new version.
    pub async fn update_article(&self, p: &Principal, id: Uuid, mut patch: ArticlePatch) -> CoreResult<ArticleRecord> {
        require(p, perm::KB_WRITE)?;
        patch.title = patch.title.as_deref().map(one_line);
        patch.summary = patch.summary.as_deref().map(one_line);
        patch.body = patch.body.as_deref().map(unix_lines);
        let cur = self.store.get_article(&p.ctx, audience_of(p), id).await?;
        let from = stored_status(&cur)?;
        let editor = editor_of(p);
        if patch.touches_content() && !from.writer_may_edit() && editor == Editor::Writer {
            return Err(CoreError::NotAllowed(format!("a {from} article is edited by a publisher (kb:publish)")));
        }
        let mut e = Errors::default();
        validate_content(&mut e, patch.title.as_deref(), patch.summary.as_deref(), patch.body.as_deref());
        if let Some(v) = &patch.visibility
            && Visibility::parse(v).is_none()
        {
            e.add("visibility", "must be one of: public, customers, internal");
        }
        if let Some(s) = &patch.slug
            && slugify(s) != *s
        {
            e.add("slug", "must be lowercase letters and digits separated by dashes");
        }
        let category_id = match &patch.category {
            Some(Some(c)) => Some(self.category_id(&p.ctx, Some(c), &mut e).await?),
            Some(None) => Some(None),
            None => None,
        };
        let next_review_at = match &patch.next_review_at {
            Some(Some(raw)) => {
                if let Ok(t) = raw.parse::<jiff::Timestamp>() {
                    Some(Some(t.as_millisecond()))
                } else {
                    e.add("next_review_at", "must be an RFC 3339 time");
                    None
                }
            }
            Some(None) => Some(None),
            None => None,
        };
        let tags = patch.tags.as_deref().map(parse_tags).transpose()?;
        let to = match &patch.status {
            Some(s) => Some(
                ArticleStatus::parse(s)
                    .ok_or_else(|| CoreError::field("status", "must be one of: draft, in_review, published, archived"))?,
            ),
            None => None,
        };
        e.finish()?;
        let mut change = ArticleChange {
            id,
            now: now_ms(),
            expect_status: Some(cur.status.clone()),
            title: patch.title.map(|t| t.trim().to_owned()),
            slug: patch.slug,
            summary: patch.summary.map(|s| s.trim().to_owned()),
            body_html: patch.body.as_deref().map(render_markdown),
            body: patch.body,
            category_id,
            tags,
            product: patch.product,
            visibility: patch.visibility,
            next_review_at,
            ..ArticleChange::default()
        };
        let content = change.title.is_some() || change.summary.is_some() || change.body.is_some();
        match to.filter(|t| *t != from) {
            Some(to) => {
                from.check(to, editor).map_err(CoreError::InvalidTransition)?;
                change.status = Some(to.as_str().to_owned());
                if to == ArticleStatus::Published {
                    change.publish = Some((patch.notes.clone(), p.user.id));
                    change.reviewer_id = Some(p.user.id);
                }
            }
            // A publisher's content edit of a live article is itself a publish.
            None if from == ArticleStatus::Published && content => change.publish = Some((patch.notes.clone(), p.user.id)),
            None => {}
        }
        Ok(self.store.change_article(&p.ctx, change).await?)
    }

    /// The published versions of an article, newest first (staff).
    pub async fn article_versions(&self, p: &Principal, id: Uuid) -> CoreResult<Vec<VersionRecord>> {
        require(p, perm::KB_WRITE)?;
        self.store.get_article(&p.ctx, audience_of(p), id).await?;
        Ok(self.store.list_versions(&p.ctx, id).await?)
    }

    /// A line diff between two versions, or a version and the current text (`to = None`).
    pub async fn article_diff(&self, p: &Principal, id: Uuid, from: Option<i64>, to: Option<i64>) -> CoreResult<Vec<DiffLine>> {
        require(p, perm::KB_WRITE)?;
        let current = self.store.get_article(&p.ctx, audience_of(p), id).await?;
        let from = from.unwrap_or_else(|| to.map_or(current.version, |t| t.saturating_sub(1))).max(1);
        let old = self.version(p, id, from, "from").await?.body;
        let new = match to {
            Some(v) => self.version(p, id, v, "to").await?.body,
            None => current.body,
        };
        Ok(diff_lines(&old, &new))
    }

    async fn version(&self, p: &Principal, id: Uuid, v: i64, field: &str) -> CoreResult<VersionRecord> {
        match self.store.get_version(&p.ctx, id, v).await {
            Err(StoreError::NotFound) => Err(CoreError::field(field, "no such version")),
            other => Ok(other?),
        }
    }

    /// Puts a version's text back as the article's working draft.
    pub async fn restore_version(&self, p: &Principal, id: Uuid, version: i64) -> CoreResult<ArticleRecord> {
        require(p, perm::KB_WRITE)?;
        let cur = self.store.get_article(&p.ctx, audience_of(p), id).await?;
        let v = self.version(p, id, version, "version").await?;
        let from = stored_status(&cur)?;
        if from != ArticleStatus::Draft {
            from.check(ArticleStatus::Draft, editor_of(p)).map_err(CoreError::InvalidTransition)?;
        }
        let change = ArticleChange {
            id,
            now: now_ms(),
            expect_status: Some(cur.status),
            title: Some(v.title),
            summary: Some(v.summary),
            body_html: Some(render_markdown(&v.body)),
            body: Some(v.body),
            status: Some(ArticleStatus::Draft.as_str().to_owned()),
            ..ArticleChange::default()
        };
        Ok(self.store.change_article(&p.ctx, change).await?)
    }

    /// Records the caller's helpful vote and/or 1–5 rating (one per user, changeable).
    pub async fn vote_article(
        &self,
        p: &Principal,
        id: Uuid,
        helpful: Option<bool>,
        rating: Option<i64>,
    ) -> CoreResult<ArticleRecord> {
        require(p, perm::KB_FEEDBACK)?;
        if helpful.is_none() && rating.is_none() {
            return Err(CoreError::field("helpful", "send helpful and/or rating"));
        }
        if rating.is_some_and(|r| !(1..=5).contains(&r)) {
            return Err(CoreError::field("rating", "must be 1 to 5"));
        }
        let a = self.store.get_article(&p.ctx, audience_of(p), id).await?;
        if a.status != ArticleStatus::Published.as_str() {
            return Err(CoreError::NotAllowed("only published articles take votes".into()));
        }
        Ok(self.store.vote(&p.ctx, id, p.user.id, helpful, rating, now_ms()).await?)
    }

    /// Asks a question on an article the caller may read.
    pub async fn ask_question(&self, p: &Principal, article_id: Uuid, body: &str) -> CoreResult<QuestionRecord> {
        require(p, perm::KB_FEEDBACK)?;
        let mut e = Errors::default();
        e.text("body", body, 5000);
        e.finish()?;
        self.store.get_article(&p.ctx, audience_of(p), article_id).await?;
        Ok(self.store.add_question(&p.ctx, article_id, p.user.id, body.trim(), now_ms()).await?)
    }

    /// The questions (and answers) on an article the caller may read; hidden ones for staff who answer.
    pub async fn article_questions(
        &self,
        p: &Principal,
        article_id: Uuid,
    ) -> CoreResult<Vec<(QuestionRecord, Vec<AnswerRecord>)>> {
        require(p, perm::KB_READ)?;
        self.store.get_article(&p.ctx, audience_of(p), article_id).await?;
        Ok(self.store.list_questions(&p.ctx, article_id, p.can(perm::KB_ANSWER)).await?)
    }

    /// Answers a question.
    pub async fn answer_question(&self, p: &Principal, question_id: Uuid, body: &str) -> CoreResult<AnswerRecord> {
        require(p, perm::KB_ANSWER)?;
        let mut e = Errors::default();
        e.text("body", body, 20_000);
        e.finish()?;
        let q = self.store.get_question(&p.ctx, question_id).await?;
        self.store.get_article(&p.ctx, audience_of(p), q.article_id).await?;
        Ok(self.store.add_answer(&p.ctx, question_id, p.user.id, body.trim(), now_ms()).await?)
    }

    /// Hides or shows a question.
    pub async fn hide_question(&self, p: &Principal, question_id: Uuid, hidden: bool) -> CoreResult<QuestionRecord> {
        require(p, perm::KB_ANSWER)?;
        let q = self.store.get_question(&p.ctx, question_id).await?;
        self.store.get_article(&p.ctx, audience_of(p), q.article_id).await?;
        Ok(self.store.set_question_hidden(&p.ctx, question_id, hidden).await?)
    }

    /// Records that an article resolved a ticket.
    pub async fn link_article(&self, p: &Principal, ticket_id: Uuid, article_id: Uuid) -> CoreResult<ArticleRecord> {
        require(p, perm::TICKETS_MANAGE)?;
        self.store.get_ticket(&p.ctx, &scope_of(p), ticket_id).await?;
        match self.store.get_article(&p.ctx, audience_of(p), article_id).await {
            Err(StoreError::NotFound) => return Err(CoreError::field("article_id", "no such article")),
            other => other?,
        };
        Ok(self.store.link_ticket(&p.ctx, article_id, ticket_id, p.user.id, now_ms()).await?)
    }

    /// Drafts an article from a resolved ticket: its problem, cause, resolution and the steps
    /// staff gave in public replies. The agent edits it before review.
    pub async fn draft_article_from_ticket(&self, p: &Principal, ticket_id: Uuid) -> CoreResult<ArticleRecord> {
        require(p, perm::KB_WRITE)?;
        let scope = scope_of(p);
        let t = self.store.get_ticket(&p.ctx, &scope, ticket_id).await?;
        if !matches!(Status::parse(&t.status), Some(Status::Resolved | Status::Closed)) {
            return Err(CoreError::field("status", "only a resolved or closed ticket can become an article"));
        }
        let comments = self.store.list_comments(&p.ctx, &scope, ticket_id, false).await?;
        let mut body = format!("## Problem\n\n{}\n", t.description.trim());
        if let Some(cause) = t.root_cause.as_deref().filter(|c| !c.trim().is_empty()) {
            let _ = write!(body, "\n## Cause\n\n{}\n", cause.trim());
        }
        if let Some(resolution) = t.resolution.as_deref().filter(|c| !c.trim().is_empty()) {
            let _ = write!(body, "\n## Resolution\n\n{}\n", resolution.trim());
        }
        let steps: Vec<&str> =
            comments.iter().filter(|c| c.author_id != t.requester_id).map(|c| c.body.trim()).filter(|b| !b.is_empty()).collect();
        if !steps.is_empty() {
            body.push_str("\n## Steps\n\n");
            for (i, step) in steps.iter().enumerate() {
                let _ = writeln!(body, "{}. {}", i + 1, one_line(step));
            }
        }
        let summary: String = one_line(t.resolution.as_deref().unwrap_or(&t.subject)).chars().take(300).collect();
        let input = ArticleInput {
            title: one_line(&t.subject),
            summary,
            body: unix_lines(&body),
            visibility: Some("internal".into()),
            ..ArticleInput::default()
        };
        self.insert_article(p, input, Some(t.id)).await
    }

    /// Keyword search over the published articles the caller may read.
    pub async fn search_articles(&self, p: &Principal, q: &str, mode: Option<&str>, limit: i64) -> CoreResult<Vec<ArticleHit>> {
        require(p, perm::KB_READ)?;
        self.kb_search(&p.ctx, audience_of(p), q, mode, limit).await
    }

    async fn kb_search(
        &self,
        ctx: &TenantCtx,
        audience: KbAudience,
        q: &str,
        mode: Option<&str>,
        limit: i64,
    ) -> CoreResult<Vec<ArticleHit>> {
        let mode = mode.unwrap_or("hybrid");
        if !SEARCH_MODES.contains(&mode) {
            return Err(CoreError::field("mode", &format!("must be one of: {}", SEARCH_MODES.join(", "))));
        }
        self.ranked_search(ctx, audience, q, mode, limit).await
    }

    /// Anonymous search of a tenant's public articles.
    pub async fn public_search(&self, tenant: &str, q: &str, mode: Option<&str>, limit: i64) -> CoreResult<Vec<ArticleHit>> {
        let ctx = self.store.public_ctx(tenant).await?.ok_or(CoreError::NotFound)?;
        self.kb_search(&ctx, KbAudience::Anonymous, q, mode, limit).await
    }

    /// Anonymous list of a tenant's public articles.
    pub async fn public_articles(
        &self,
        tenant: &str,
        category_id: Option<Uuid>,
        limit: i64,
        offset: i64,
    ) -> CoreResult<Vec<ArticleRecord>> {
        let ctx = self.store.public_ctx(tenant).await?.ok_or(CoreError::NotFound)?;
        let q = ArticleQuery { category_id, limit: limit.clamp(1, 200), offset: offset.max(0), ..ArticleQuery::default() };
        Ok(self.store.list_articles(&ctx, KbAudience::Anonymous, &q).await?)
    }

    /// A tenant's article categories, for anonymous readers.
    pub async fn public_categories(&self, tenant: &str) -> CoreResult<Vec<CategoryRecord>> {
        let ctx = self.store.public_ctx(tenant).await?.ok_or(CoreError::NotFound)?;
        Ok(self.store.list_categories(&ctx).await?)
    }

    /// An anonymous reader's helpful / not helpful vote on a public article; `visitor` is an
    /// opaque per-browser hash, so a changed vote replaces the earlier one; votes are limited
    /// per client address.
    pub async fn public_vote(
        &self,
        tenant: &str,
        slug: &str,
        visitor: &str,
        client: &str,
        helpful: bool,
    ) -> CoreResult<ArticleRecord> {
        self.vote_limiter
            .attempt(&[(&format!("v\0{client}"), crate::limiter::VOTES_MAX)], now_ms())
            .map_err(CoreError::RateLimited)?;
        let ctx = self.store.public_ctx(tenant).await?.ok_or(CoreError::NotFound)?;
        let a = self.store.get_article_by_slug(&ctx, KbAudience::Anonymous, slug).await?;
        Ok(self.store.public_vote(&ctx, a.id, visitor, helpful, now_ms()).await?)
    }

    /// The visible questions and answers on a public article, for anonymous readers.
    pub async fn public_questions(&self, tenant: &str, slug: &str) -> CoreResult<Vec<(QuestionRecord, Vec<AnswerRecord>)>> {
        let ctx = self.store.public_ctx(tenant).await?.ok_or(CoreError::NotFound)?;
        let a = self.store.get_article_by_slug(&ctx, KbAudience::Anonymous, slug).await?;
        Ok(self.store.list_questions(&ctx, a.id, false).await?)
    }

    /// One public article by slug; `visitor` (an opaque hash) counts the view once a day.
    pub async fn public_article(&self, tenant: &str, slug: &str, visitor: &str) -> CoreResult<ArticleRecord> {
        let ctx = self.store.public_ctx(tenant).await?.ok_or(CoreError::NotFound)?;
        let a = self.store.get_article_by_slug(&ctx, KbAudience::Anonymous, slug).await?;
        self.store.record_view(&ctx, a.id, visitor, today()).await?;
        Ok(a)
    }
}

#[cfg(test)]
mod tests {
    use super::render_markdown;

    /// Hostile markdown renders inert: nothing in the output could run in a browser.
    #[test]
    fn hostile_markdown_is_inert() {
        let corpus = [
            "<script>alert(1)</script>",
            "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
            "<img src=x onerror=alert(1)>",
            "<a href=\"javascript:alert(1)\">x</a>",
            "[click](javascript:alert(1))",
            "[click](JaVaScRiPt:alert(1))",
            "[click](&#106;avascript:alert(1))",
            "![x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
            "[x](data:text/html,<script>alert(1)</script>)",
            "<svg><script>alert(1)</script></svg>",
            "<svg onload=alert(1)><circle r=1 /></svg>",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<div style=\"background:url(javascript:alert(1))\">x</div>",
            "<body onload=alert(1)>",
            "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
            "<object data=\"x.swf\"></object><embed src=\"x.swf\">",
            "<form action=\"javascript:alert(1)\"><input type=submit></form>",
            "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
            "<details open ontoggle=alert(1)>",
            "<a href=\"vbscript:msgbox(1)\">x</a>",
        ];
        for md in corpus {
            let html = render_markdown(md).to_lowercase();
            for bad in [
                "<script",
                "javascript:",
                "vbscript:",
                "data:text/html",
                "onerror",
                "onload",
                "ontoggle",
                "<iframe",
                "<svg",
                "<object",
                "<embed",
                "<form",
                "<meta",
                "style=",
            ] {
                assert!(!html.contains(bad), "{md:?} rendered {html:?}, which contains {bad:?}");
            }
        }
    }

    #[test]
    fn ordinary_markdown_survives() {
        let html = render_markdown("## Steps\n\n1. Open **Settings**\n2. Click [Reset](https://example.com/reset)\n\n`code`");
        assert!(html.contains("<h2>Steps</h2>"));
        assert!(html.contains("<strong>Settings</strong>"));
        assert!(html.contains("href=\"https://example.com/reset\""));
        assert!(html.contains("rel=\"noopener noreferrer nofollow\""));
        assert!(html.contains("<code>code</code>"));
    }
}
