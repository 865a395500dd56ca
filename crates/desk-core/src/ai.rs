//! AI services: semantic and hybrid knowledge-base search, similar tickets, related articles,
//! grounded summaries and drafts, classification, suggested assignees, KB questions answered from
//! articles, and knowledge gaps. Every output is a suggestion with its sources; nothing here
//! sends anything to a customer.

use std::collections::HashMap;
use std::fmt::Write;

use desk_ai::classify::{self, CATEGORIES, PRIORITIES, SENTIMENTS};
use desk_ai::index::{Hit, Key, Kind, dot};
use desk_ai::summary::{ThreadMessage, summarize};
use desk_ai::text;
use desk_domain::Status;
use desk_domain::permissions as perm;
use desk_store::{ArticleHit, ArticleRecord, KbAudience, Principal, TenantCtx, TicketAiRecord, TicketRecord, TicketScope};
use serde::Serialize;
use uuid::Uuid;

use crate::ai_engine::ModelState;
use crate::kb::audience_of;
use crate::tickets::scope_of;
use crate::{CoreError, CoreResult, Desk, now_ms, require};

/// Reciprocal-rank-fusion constant (the usual 60).
const RRF_K: f32 = 60.0;
/// Below this cosine, a passage does not answer a question.
pub const ANSWER_THRESHOLD: f32 = 0.45;
/// Below this cosine to every article, a ticket or search is a knowledge gap.
pub const GAP_THRESHOLD: f32 = 0.5;
/// What the KB Q&A says when no article answers.
pub const DONT_KNOW: &str = "I don't know — no article answers this yet. Please open a ticket and our team will help.";

const SUMMARY_SYSTEM: &str = "You summarise customer-support tickets for agents. Write at most five short lines: Issue, Tried, \
Current state, Next step (who owes it), Key details. Use only facts from the thread; copy order numbers, error codes, amounts \
and versions exactly; never add any that the thread does not contain.";
const REPLY_SYSTEM: &str = "You draft replies for a support agent to review. Answer the customer's latest message using only \
the sources given, quoting their steps as a numbered list and naming the article you used. Do not promise anything the sources \
do not say, and never invent order numbers, codes, amounts or links. Greet the customer by name and sign with the agent's name.";
const ANSWER_SYSTEM: &str = "Answer the question using only the passages given, in two to five sentences or a short numbered \
list. If the passages do not answer it, say you don't know and suggest opening a ticket.";

/// A source an AI output is grounded in.
#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct Source {
    /// "article" or "ticket".
    pub kind: &'static str,
    pub id: Uuid,
    /// Article title or ticket subject.
    pub title: String,
    /// Article slug or ticket number.
    pub reference: String,
    pub score: f32,
}

/// A similar ticket.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SimilarTicket {
    pub id: Uuid,
    pub number: i64,
    pub subject: String,
    pub status: String,
    pub score: f32,
}

/// A related article.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct RelatedArticle {
    pub id: Uuid,
    pub key: String,
    pub title: String,
    pub slug: String,
    pub summary: String,
    pub score: f32,
}

/// A ticket summary.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Summary {
    pub summary: String,
    /// "extractive" (the thread's own sentences).
    pub method: &'static str,
}

/// A reply draft for an agent to edit.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ReplyDraft {
    pub draft: String,
    pub sources: Vec<Source>,
    pub method: &'static str,
}

/// An article draft from a resolved ticket (not saved).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ArticleDraft {
    pub title: String,
    pub summary: String,
    pub body: String,
    pub sources: Vec<Source>,
}

/// A classification.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Classification {
    pub category: String,
    pub sentiment: String,
    pub priority: String,
    pub confidence: f32,
    /// Angry customers are flagged for escalation.
    pub escalate: bool,
}

/// A ticket's stored classification with any correction.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct TicketClassification {
    pub ticket_id: Uuid,
    pub category: String,
    pub sentiment: String,
    pub priority: String,
    pub confidence: f64,
    pub escalate: bool,
    pub corrected_category: Option<String>,
    pub corrected_sentiment: Option<String>,
    pub corrected_priority: Option<String>,
}

impl From<TicketAiRecord> for TicketClassification {
    fn from(r: TicketAiRecord) -> Self {
        Self {
            ticket_id: r.ticket_id,
            category: r.category,
            sentiment: r.sentiment,
            priority: r.priority,
            confidence: r.confidence,
            escalate: r.escalate,
            corrected_category: r.corrected_category,
            corrected_sentiment: r.corrected_sentiment,
            corrected_priority: r.corrected_priority,
        }
    }
}

/// An agent suggested for a ticket.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SuggestedAssignee {
    pub user_id: Uuid,
    pub name: String,
    /// Similar tickets this agent resolved.
    pub similar_resolved: usize,
    /// Unresolved tickets assigned to them now.
    pub open_tickets: i64,
    pub score: f32,
}

/// An answer from the knowledge base.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Answer {
    pub answer: String,
    pub answered: bool,
    pub confidence: f32,
    pub sources: Vec<Source>,
}

/// A cluster of tickets and searches no article answers well.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct KnowledgeGap {
    /// The most central ticket subject or search, as a suggested article title.
    pub suggested_title: String,
    pub ticket_count: usize,
    pub search_count: usize,
    pub tickets: Vec<SimilarTicket>,
    pub searches: Vec<String>,
    /// How close the best existing article comes (cosine).
    pub best_article_score: f32,
}

/// The AI state for a tenant.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct AiStatus {
    pub model: &'static str,
    pub state: &'static str,
    pub detail: Option<String>,
    pub queued: i64,
    pub vectors: usize,
}

/// Ranks to fused scores: Σ 1/(k + rank) over the lists an item appears in.
pub fn reciprocal_rank_fusion(lists: &[Vec<Uuid>]) -> Vec<(Uuid, f32)> {
    let mut scores: HashMap<Uuid, f32> = HashMap::new();
    let mut order = Vec::new();
    for list in lists {
        for (rank, id) in list.iter().enumerate() {
            #[allow(clippy::cast_precision_loss)]
            let add = 1.0 / (RRF_K + rank as f32 + 1.0);
            let entry = scores.entry(*id).or_insert_with(|| {
                order.push(*id);
                0.0
            });
            *entry += add;
        }
    }
    let mut out: Vec<(Uuid, f32)> = order.into_iter().map(|id| (id, scores[&id])).collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1));
    out
}

/// Best hit per source, best first.
fn best_per_source(hits: Vec<Hit>) -> Vec<(Uuid, f32, Key)> {
    let mut best: Vec<(Uuid, f32, Key)> = Vec::new();
    for h in hits {
        if !best.iter().any(|(id, _, _)| *id == h.key.id) {
            best.push((h.key.id, h.score, h.key));
        }
    }
    best
}

fn snippet_of(content: &str) -> String {
    let body = content.split_once(": ").map_or(content, |(_, b)| b);
    let mut s: String = body.chars().take(240).collect();
    if body.chars().count() > 240 {
        s.push('…');
    }
    s
}

impl Desk {
    /// The AI state, with the tenant's queue and index sizes.
    pub async fn ai_status(&self, p: &Principal) -> CoreResult<AiStatus> {
        require(p, perm::AI_USE)?;
        let state = self.ai.state();
        Ok(AiStatus {
            model: crate::ai_engine::MODEL_ID,
            state: state.name(),
            detail: match state {
                ModelState::Failed(why) => Some(why),
                _ => None,
            },
            queued: self.store.ai_queue_len(&p.ctx).await?,
            vectors: self.ai.index().len(p.ctx.tenant_id()),
        })
    }

    /// Published articles the audience may read, ranked by their best chunk's similarity to
    /// `query`: (article, cosine, best chunk's text). Visibility is checked in the store's SQL,
    /// so the index can never surface an article the reader may not see.
    pub(crate) async fn semantic_articles(
        &self,
        ctx: &TenantCtx,
        audience: KbAudience,
        query: &[f32],
        limit: usize,
    ) -> CoreResult<Vec<(ArticleRecord, f32, String)>> {
        let tenant = ctx.tenant_id();
        let hits = self.ai.index().search(tenant, Kind::Article, query, (limit * 8).max(64));
        let best = best_per_source(hits);
        let ids: Vec<Uuid> = best.iter().map(|(id, _, _)| *id).collect();
        let visible = self.store.published_articles_by_ids(ctx, audience, &ids).await?;
        let mut out = Vec::new();
        for (id, score, key) in best {
            if let Some(a) = visible.iter().find(|a| a.id == id) {
                let content = self.ai.index().content(tenant, key).unwrap_or_default();
                out.push((a.clone(), score, content));
                if out.len() == limit {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// Knowledge-base search in a mode; hybrid fuses the keyword and semantic rankings. Without
    /// the model, hybrid answers keyword-only and semantic is refused.
    pub(crate) async fn ranked_search(
        &self,
        ctx: &TenantCtx,
        audience: KbAudience,
        q: &str,
        mode: &str,
        limit: i64,
    ) -> CoreResult<Vec<ArticleHit>> {
        let limit = limit.clamp(1, 50);
        let words = crate::tickets::search_words(q, 16);
        let want_vectors = mode != "keyword" && !q.trim().is_empty();
        if mode == "semantic" {
            self.ai.require_model()?;
        }
        let vectors_ready = want_vectors && self.ai.embedder().is_some();
        let keyword = if mode == "semantic" || words.is_empty() {
            Vec::new()
        } else {
            self.store.search_articles(ctx, audience, &words, if vectors_ready { 50 } else { limit }).await?
        };
        let semantic = if vectors_ready {
            let v = self.ai.embed_one(q).await?;
            self.semantic_articles(ctx, audience, &v, usize::try_from(if mode == "semantic" { limit } else { 50 }).unwrap_or(50))
                .await?
        } else {
            Vec::new()
        };
        let top_semantic = semantic.first().map(|(_, s, _)| f64::from(*s));
        let hits: Vec<ArticleHit> = if mode == "semantic" {
            semantic.into_iter().map(|(a, score, content)| hit_of(&a, f64::from(score), snippet_of(&content))).collect()
        } else if semantic.is_empty() {
            keyword.into_iter().take(usize::try_from(limit).unwrap_or(50)).collect()
        } else {
            let fused = reciprocal_rank_fusion(&[
                keyword.iter().map(|h| h.id).collect(),
                semantic.iter().map(|(a, _, _)| a.id).collect(),
            ]);
            fused
                .into_iter()
                .take(usize::try_from(limit).unwrap_or(50))
                .filter_map(|(id, score)| {
                    if let Some(k) = keyword.iter().find(|h| h.id == id) {
                        Some(ArticleHit { score: f64::from(score), ..k.clone() })
                    } else {
                        semantic.iter().find(|(a, _, _)| a.id == id).map(|(a, _, c)| hit_of(a, f64::from(score), snippet_of(c)))
                    }
                })
                .collect()
        };
        let count = i32::try_from(hits.len()).unwrap_or(i32::MAX);
        let logged: String = q.chars().take(500).collect();
        if let Err(e) = self.store.ai_log_search(ctx, &logged, mode, count, top_semantic, now_ms()).await {
            tracing::warn!(error = %e, "logging a search failed");
        }
        Ok(hits)
    }

    async fn ticket_vector(&self, ctx: &TenantCtx, t: &TicketRecord) -> CoreResult<Vec<f32>> {
        let stored = self.ai.index().vectors_of(ctx.tenant_id(), Kind::Ticket, t.id);
        if let Some((_, v)) = stored.into_iter().find(|(c, _)| *c == 0) {
            self.ai.require_model()?;
            return Ok(v);
        }
        self.ai.embed_one(&classify::ticket_text(&t.subject, &t.description)).await
    }

    /// Tickets like `v` that the scope lets the caller see (merged duplicates left out).
    async fn similar_to(
        &self,
        ctx: &TenantCtx,
        scope: &TicketScope,
        exclude: Option<Uuid>,
        v: &[f32],
        limit: usize,
    ) -> CoreResult<Vec<SimilarTicket>> {
        let hits = self.ai.index().search(ctx.tenant_id(), Kind::Ticket, v, limit * 3 + 2);
        let best: Vec<(Uuid, f32, Key)> = best_per_source(hits).into_iter().filter(|(id, _, _)| Some(*id) != exclude).collect();
        let briefs = self.store.ai_ticket_briefs(ctx, &best.iter().map(|(id, _, _)| *id).collect::<Vec<_>>()).await?;
        let mut out = Vec::new();
        for (id, score, _) in best {
            let Some(b) = briefs.iter().find(|b| b.id == id && b.status != "duplicate") else { continue };
            if *scope != TicketScope::All && self.store.get_ticket(ctx, scope, id).await.is_err() {
                continue;
            }
            out.push(SimilarTicket { id, number: b.number, subject: b.subject.clone(), status: b.status.clone(), score });
            if out.len() == limit {
                break;
            }
        }
        Ok(out)
    }

    /// Tickets most like this one (staff).
    pub async fn similar_tickets(&self, p: &Principal, id: Uuid, limit: usize) -> CoreResult<Vec<SimilarTicket>> {
        require(p, perm::AI_USE)?;
        require(p, perm::TICKETS_READ)?;
        let t = self.store.get_ticket(&p.ctx, &scope_of(p), id).await?;
        let v = self.ticket_vector(&p.ctx, &t).await?;
        self.similar_to(&p.ctx, &scope_of(p), Some(id), &v, limit.clamp(1, 50)).await
    }

    /// Published articles most related to a ticket.
    pub async fn related_articles_for_ticket(&self, p: &Principal, id: Uuid, limit: usize) -> CoreResult<Vec<RelatedArticle>> {
        require(p, perm::AI_USE)?;
        let t = self.store.get_ticket(&p.ctx, &scope_of(p), id).await?;
        let v = self.ticket_vector(&p.ctx, &t).await?;
        Ok(self
            .semantic_articles(&p.ctx, audience_of(p), &v, limit.clamp(1, 20))
            .await?
            .into_iter()
            .map(|(a, s, _)| related(&a, s))
            .collect())
    }

    /// Published articles most related to an article the caller may read.
    pub async fn related_articles_for_article(&self, p: &Principal, id: Uuid, limit: usize) -> CoreResult<Vec<RelatedArticle>> {
        require(p, perm::KB_READ)?;
        let audience = audience_of(p);
        let a = self.store.get_article(&p.ctx, audience, id).await?;
        let vectors = self.ai.index().vectors_of(p.ctx.tenant_id(), Kind::Article, a.id);
        let v = match vectors.into_iter().find(|(c, _)| *c == 0) {
            Some((_, v)) => v,
            None => self.ai.embed_one(&format!("{}. {}", a.title, a.summary)).await?,
        };
        self.ai.require_model()?;
        let mut out: Vec<RelatedArticle> = self
            .semantic_articles(&p.ctx, audience, &v, limit.clamp(1, 20) + 1)
            .await?
            .into_iter()
            .map(|(r, s, _)| related(&r, s))
            .collect();
        out.retain(|r| r.id != a.id);
        out.truncate(limit.clamp(1, 20));
        Ok(out)
    }

    /// The thread: description, then comments; internal notes only if asked for and allowed.
    async fn thread(&self, p: &Principal, t: &TicketRecord, internal: bool) -> CoreResult<Vec<ThreadMessage>> {
        let comments = self.store.list_comments(&p.ctx, &scope_of(p), t.id, internal && p.can(perm::NOTES_INTERNAL)).await?;
        let mut messages = vec![ThreadMessage { from_customer: t.created_by == t.requester_id, body: t.description.clone() }];
        messages
            .extend(comments.into_iter().map(|c| ThreadMessage { from_customer: c.author_id == t.requester_id, body: c.body }));
        Ok(messages)
    }

    /// A grounded extractive summary: issue, what was tried, the latest message, the state and
    /// who owes the next step, and key identifiers — all taken from the thread.
    pub async fn summarize_ticket(&self, p: &Principal, id: Uuid) -> CoreResult<Summary> {
        require(p, perm::AI_USE)?;
        let t = self.store.get_ticket(&p.ctx, &scope_of(p), id).await?;
        let messages = self.thread(p, &t, true).await?;
        let thread_text = transcript(&messages);
        let prompt = format!("Subject: {}\nStatus: {}\n\n{thread_text}", t.subject, t.status);
        if let Some(generated) = self.generate(&p.ctx, SUMMARY_SYSTEM, &prompt).await {
            let invented = text::invented_identifiers(&generated, &prompt);
            if invented.is_empty() {
                return Ok(Summary { summary: generated, method: "generated" });
            }
            tracing::info!(?invented, "generated summary rejected: identifiers not in the thread");
        }
        let model = self.ai.embedder();
        let subject = t.subject.clone();
        let status = t.status.clone();
        let _permit = self.ai.permit().await?;
        let summary = tokio::task::spawn_blocking(move || match model {
            Some(m) => {
                let embed = |texts: &[&str]| m.embed(texts);
                summarize(&subject, &messages, &status, Some(&embed))
            }
            None => summarize(&subject, &messages, &status, None),
        })
        .await
        .map_err(|e| CoreError::Internal(e.to_string()))?
        .map_err(|e| CoreError::Internal(e.to_string()))?;
        Ok(Summary { summary, method: "extractive" })
    }

    /// A reply draft grounded in the best-matching articles the requester may read and in
    /// similar resolved tickets, quoting their steps and naming them.
    pub async fn draft_reply(&self, p: &Principal, id: Uuid) -> CoreResult<ReplyDraft> {
        require(p, perm::AI_USE)?;
        let t = self.store.get_ticket(&p.ctx, &scope_of(p), id).await?;
        // The reply goes to the customer: internal notes stay out of it and of any prompt.
        let messages = self.thread(p, &t, false).await?;
        let last_customer = messages.iter().rev().find(|m| m.from_customer).map_or("", |m| m.body.as_str());
        let query =
            format!("{}\n{}\n{}", t.subject, text::strip_boilerplate(&t.description), text::strip_boilerplate(last_customer));
        let v = self.ai.embed_one(&query).await?;
        // The reply goes to the requester: only articles a customer may read.
        let articles: Vec<(ArticleRecord, f32, String)> = self
            .semantic_articles(&p.ctx, KbAudience::Customer, &v, 3)
            .await?
            .into_iter()
            .filter(|(_, s, _)| *s >= ANSWER_THRESHOLD)
            .collect();
        let similar = self.similar_to(&p.ctx, &scope_of(p), Some(t.id), &v, 8).await?;
        let resolved_ids: Vec<Uuid> = similar
            .iter()
            .filter(|s| matches!(s.status.as_str(), "resolved" | "closed") && s.score >= 0.6)
            .map(|s| s.id)
            .take(2)
            .collect();
        let mut resolved = Vec::new();
        for sid in resolved_ids {
            let r = self.store.get_ticket(&p.ctx, &scope_of(p), sid).await?;
            if r.resolution.as_deref().is_some_and(|x| !x.trim().is_empty()) {
                let score = similar.iter().find(|s| s.id == sid).map_or(0.0, |s| s.score);
                resolved.push((r, score));
            }
        }
        let requester = self.store.get_user(&p.ctx, t.requester_id).await.ok();
        let first_name = requester
            .as_ref()
            .and_then(|u| u.name.split_whitespace().next().map(str::to_owned))
            .unwrap_or_else(|| "there".into());
        let mut draft = format!("Hi {first_name},\n\nThank you for getting in touch about \"{}\".\n", t.subject.trim());
        let mut sources = Vec::new();
        if let Some((a, score, _)) = articles.first() {
            let steps = text::steps(&a.body);
            let _ = write!(draft, "\nOur article \"{}\" covers this", a.title);
            if steps.is_empty() {
                let _ = writeln!(draft, ": {}", a.summary.trim());
            } else {
                draft.push_str(":\n\n");
                for (i, s) in steps.iter().take(8).enumerate() {
                    let _ = writeln!(draft, "{}. {}", i + 1, s);
                }
            }
            sources.push(Source { kind: "article", id: a.id, title: a.title.clone(), reference: a.slug.clone(), score: *score });
        }
        for (a, score, _) in articles.iter().skip(1) {
            if sources.is_empty() {
                break;
            }
            let _ = writeln!(draft, "\nYou may also find \"{}\" useful: {}", a.title, a.summary.trim());
            sources.push(Source { kind: "article", id: a.id, title: a.title.clone(), reference: a.slug.clone(), score: *score });
        }
        for (r, score) in &resolved {
            if let Some(res) = r.resolution.as_deref() {
                // Another customer's case: its identifiers (order numbers, amounts) stay out.
                let _ = writeln!(draft, "\nIn a similar case this was resolved as follows: {}", redact_identifiers(res.trim()));
                sources.push(Source {
                    kind: "ticket",
                    id: r.id,
                    title: r.subject.clone(),
                    reference: r.number.to_string(),
                    score: *score,
                });
            }
        }
        if sources.is_empty() {
            draft.push_str("\nI am looking into this now and will get back to you shortly with next steps.\n");
        } else {
            draft.push_str("\nPlease let me know whether this solves it, or if anything behaves differently than described.\n");
        }
        let _ = write!(draft, "\nBest regards,\n{}", p.user.name);
        if !sources.is_empty() {
            let mut grounds = String::new();
            for (a, _, _) in &articles {
                let _ = write!(grounds, "Article \"{}\":\n{}\n\n", a.title, a.body);
            }
            for (r, _) in &resolved {
                let _ =
                    write!(grounds, "Resolved ticket: {}\n\n", redact_identifiers(r.resolution.as_deref().unwrap_or_default()));
            }
            let thread = transcript(&messages);
            let prompt =
                format!("Customer's name: {first_name}\nAgent's name: {}\n\nThread:\n{thread}\nSources:\n{grounds}", p.user.name);
            if let Some(generated) = self.generate(&p.ctx, REPLY_SYSTEM, &prompt).await {
                let invented = text::invented_identifiers(&generated, &prompt);
                if invented.is_empty() {
                    return Ok(ReplyDraft { draft: generated, sources, method: "generated" });
                }
                tracing::info!(?invented, "generated reply rejected: identifiers not in the thread or sources");
            }
        }
        Ok(ReplyDraft { draft, sources, method: "grounded" })
    }

    /// An article draft from a resolved ticket: problem, cause and steps, from the thread's own
    /// words without greetings, signatures or internal notes. Not saved; an editor saves it.
    pub async fn draft_article_suggestion(&self, p: &Principal, id: Uuid) -> CoreResult<ArticleDraft> {
        require(p, perm::AI_USE)?;
        require(p, perm::KB_WRITE)?;
        let t = self.store.get_ticket(&p.ctx, &scope_of(p), id).await?;
        if !matches!(Status::parse(&t.status), Some(Status::Resolved | Status::Closed)) {
            return Err(CoreError::field("status", "only a resolved or closed ticket can become an article"));
        }
        let comments = self.store.list_comments(&p.ctx, &scope_of(p), t.id, false).await?;
        let problem: Vec<String> = text::sentences(&text::strip_boilerplate(&t.description))
            .into_iter()
            .filter(|s| !text::is_pleasantry(s))
            .take(4)
            .collect();
        let mut steps: Vec<String> = Vec::new();
        for c in comments.iter().filter(|c| c.author_id != t.requester_id) {
            let body = text::strip_boilerplate(&c.body);
            let listed = text::steps(&body);
            if listed.is_empty() {
                steps.extend(text::sentences(&body).into_iter().filter(|s| !text::is_pleasantry(s)));
            } else {
                steps.extend(listed);
            }
        }
        let mut body = format!("## Problem\n\n{}\n", problem.join(" "));
        if let Some(cause) = t.root_cause.as_deref().filter(|c| !c.trim().is_empty()) {
            let _ = write!(body, "\n## Cause\n\n{}\n", cause.trim());
        }
        if let Some(res) = t.resolution.as_deref().filter(|c| !c.trim().is_empty()) {
            let _ = write!(body, "\n## Resolution\n\n{}\n", res.trim());
        }
        if !steps.is_empty() {
            body.push_str("\n## Steps\n\n");
            for (i, s) in steps.iter().take(12).enumerate() {
                let _ = writeln!(body, "{}. {}", i + 1, s);
            }
        }
        let summary: String =
            t.resolution.clone().unwrap_or_else(|| problem.first().cloned().unwrap_or_default()).chars().take(300).collect();
        Ok(ArticleDraft {
            title: t.subject.trim().to_owned(),
            summary,
            body,
            sources: vec![Source {
                kind: "ticket",
                id: t.id,
                title: t.subject.clone(),
                reference: t.number.to_string(),
                score: 1.0,
            }],
        })
    }

    /// Classifies a subject and description with the tenant's classifier.
    pub async fn classify(&self, p: &Principal, subject: &str, description: &str) -> CoreResult<Classification> {
        require(p, perm::AI_USE)?;
        let mut e = desk_domain::validate::Errors::default();
        e.text("subject", subject, 500);
        if !description.is_empty() {
            e.text("description", description, 100_000);
        }
        e.finish()?;
        let text = classify::ticket_text(subject, description);
        let v = self.ai.embed_one(&text).await?;
        let model = self
            .ai
            .classifier_for(&p.ctx)
            .await?
            .ok_or_else(|| CoreError::Unavailable("the classifier is still training".into()))?;
        let pr = model.predict(&classify::features(&v, &text));
        Ok(Classification {
            category: pr.category.into(),
            sentiment: pr.sentiment.into(),
            priority: pr.priority.into(),
            confidence: pr.confidence,
            escalate: pr.sentiment == "angry",
        })
    }

    /// A ticket's stored classification.
    pub async fn ticket_classification(&self, p: &Principal, id: Uuid) -> CoreResult<TicketClassification> {
        require(p, perm::AI_USE)?;
        self.store.get_ticket(&p.ctx, &scope_of(p), id).await?;
        self.store.ai_classification(&p.ctx, id).await?.map(Into::into).ok_or(CoreError::NotFound)
    }

    /// An agent's correction, which the tenant's classifier learns from.
    pub async fn correct_classification(
        &self,
        p: &Principal,
        id: Uuid,
        category: Option<&str>,
        sentiment: Option<&str>,
        priority: Option<&str>,
    ) -> CoreResult<TicketClassification> {
        require(p, perm::AI_USE)?;
        let mut errors = Vec::new();
        for (field, value, allowed) in
            [("category", category, CATEGORIES), ("sentiment", sentiment, SENTIMENTS), ("priority", priority, PRIORITIES)]
        {
            if value.is_some_and(|v| !allowed.contains(&v)) {
                errors.push(desk_domain::validate::FieldError {
                    field: field.into(),
                    message: format!("must be one of: {}", allowed.join(", ")),
                });
            }
        }
        if !errors.is_empty() {
            return Err(CoreError::Validation(errors));
        }
        if category.is_none() && sentiment.is_none() && priority.is_none() {
            return Err(CoreError::field("category", "give category, sentiment or priority"));
        }
        self.store.get_ticket(&p.ctx, &scope_of(p), id).await?;
        self.store
            .ai_correct_classification(&p.ctx, id, category, sentiment, priority, now_ms())
            .await?
            .map(Into::into)
            .ok_or(CoreError::NotFound)
    }

    /// Agents of the ticket's group (or all staff in groups when it has none), ranked by how many
    /// similar tickets they resolved, then by lighter load.
    pub async fn suggest_assignees(&self, p: &Principal, id: Uuid) -> CoreResult<Vec<SuggestedAssignee>> {
        require(p, perm::AI_USE)?;
        require(p, perm::USERS_READ)?;
        let t = self.store.get_ticket(&p.ctx, &scope_of(p), id).await?;
        let members: Vec<Uuid> = if let Some(g) = t.group_id {
            self.store.get_group(&p.ctx, g).await?.member_ids
        } else {
            let mut all: Vec<Uuid> = self.store.list_groups(&p.ctx).await?.into_iter().flat_map(|g| g.member_ids).collect();
            all.sort_unstable();
            all.dedup();
            all
        };
        if members.is_empty() {
            return Ok(Vec::new());
        }
        let v = self.ticket_vector(&p.ctx, &t).await?;
        let similar = self.similar_to(&p.ctx, &scope_of(p), Some(t.id), &v, 30).await?;
        let resolved: Vec<&SimilarTicket> =
            similar.iter().filter(|s| matches!(s.status.as_str(), "resolved" | "closed")).collect();
        let briefs = self.store.ai_ticket_briefs(&p.ctx, &resolved.iter().map(|s| s.id).collect::<Vec<_>>()).await?;
        let load: HashMap<Uuid, i64> = self.store.ai_open_load(&p.ctx, &members).await?.into_iter().collect();
        let mut out = Vec::new();
        for m in members {
            let Ok(user) = self.store.get_user(&p.ctx, m).await else { continue };
            if !user.active || !user.staff {
                continue;
            }
            let mine: Vec<f32> = resolved
                .iter()
                .filter(|s| briefs.iter().any(|b| b.id == s.id && b.assignee_id == Some(m)))
                .map(|s| s.score)
                .collect();
            let open = load.get(&m).copied().unwrap_or(0);
            #[allow(clippy::cast_precision_loss)]
            let score = mine.iter().sum::<f32>() - 0.1 * open as f32;
            out.push(SuggestedAssignee { user_id: m, name: user.name, similar_resolved: mine.len(), open_tickets: open, score });
        }
        out.sort_by(|a, b| b.score.total_cmp(&a.score));
        Ok(out)
    }

    /// Answers a question from the articles the audience may read: the best passage, with its
    /// sources, or "I don't know" below the confidence threshold.
    pub(crate) async fn answer(&self, ctx: &TenantCtx, audience: KbAudience, question: &str) -> CoreResult<Answer> {
        let mut e = desk_domain::validate::Errors::default();
        e.text("question", question, 2000);
        e.finish()?;
        let v = self.ai.embed_one(question).await?;
        let found = self.semantic_articles(ctx, audience, &v, 3).await?;
        let top = found.first().map_or(0.0, |(_, s, _)| *s);
        let _ = self
            .store
            .ai_log_search(ctx, question, "ask", i32::try_from(found.len()).unwrap_or(0), Some(f64::from(top)), now_ms())
            .await;
        if top < ANSWER_THRESHOLD {
            return Ok(Answer { answer: DONT_KNOW.into(), answered: false, confidence: top, sources: Vec::new() });
        }
        let (best, score, passage) = &found[0];
        let passage = passage.split_once(": ").map_or(passage.as_str(), |(_, b)| b).trim();
        let mut answer = passage.to_owned();
        if passage.split_whitespace().count() < 12 {
            answer = format!("{} {}", best.summary.trim(), passage);
        }
        let mut prompt = format!("Question: {question}\n\nPassages:\n");
        for (a, _, c) in found.iter().filter(|(_, s, _)| *s >= ANSWER_THRESHOLD) {
            let _ = write!(prompt, "Article \"{}\": {c}\n\n", a.title);
        }
        if let Some(generated) = self.generate(ctx, ANSWER_SYSTEM, &prompt).await
            && text::invented_identifiers(&generated, &prompt).is_empty()
        {
            answer = generated;
        }
        let _ = write!(answer, "\n\n(From \"{}\".)", best.title);
        let sources = found
            .iter()
            .filter(|(_, s, _)| *s >= ANSWER_THRESHOLD && *s >= score - 0.1)
            .map(|(a, s, _)| Source { kind: "article", id: a.id, title: a.title.clone(), reference: a.slug.clone(), score: *s })
            .collect();
        Ok(Answer { answer, answered: true, confidence: *score, sources })
    }

    /// KB Q&A for a signed-in reader.
    pub async fn ask(&self, p: &Principal, question: &str) -> CoreResult<Answer> {
        require(p, perm::KB_READ)?;
        self.answer(&p.ctx, audience_of(p), question).await
    }

    /// KB Q&A for anonymous readers of a tenant's public articles.
    pub async fn public_ask(&self, tenant: &str, question: &str) -> CoreResult<Answer> {
        let ctx = self.store.public_ctx(tenant).await?.ok_or(CoreError::NotFound)?;
        self.answer(&ctx, KbAudience::Anonymous, question).await
    }

    /// Clusters of recent tickets and searches that no published article answers well.
    pub async fn knowledge_gaps(&self, p: &Principal, days: i64) -> CoreResult<Vec<KnowledgeGap>> {
        require(p, perm::AI_USE)?;
        // Gaps draw on every ticket and search of the tenant: not for agents limited to their groups.
        if !p.can(perm::TICKETS_SCOPE_ALL) {
            return Err(CoreError::NotAllowed("knowledge gaps draw on every ticket; they need tickets:scope_all".into()));
        }
        self.ai.require_model()?;
        let since = now_ms() - days.clamp(1, 365) * 86_400_000;
        let tenant = p.ctx.tenant_id();
        let tickets = self.store.ai_recent_tickets(&p.ctx, since, 500).await?;
        let searches = self.store.ai_recent_searches(&p.ctx, since, 500).await?;
        let best_article = |v: &[f32]| self.ai.index().search(tenant, Kind::Article, v, 1).first().map_or(0.0, |h| h.score);
        // (vector, label, ticket or search, best article score)
        let mut items: Vec<GapItem> = Vec::new();
        for t in &tickets {
            let Some((_, v)) = self.ai.index().vectors_of(tenant, Kind::Ticket, t.id).into_iter().find(|(c, _)| *c == 0) else {
                continue;
            };
            let best = best_article(&v);
            if best < GAP_THRESHOLD {
                let st = SimilarTicket {
                    id: t.id,
                    number: t.number,
                    subject: t.subject.clone(),
                    status: t.status.clone(),
                    score: best,
                };
                items.push((v, t.subject.clone(), Some(st), best));
            }
        }
        let mut queries: Vec<String> = searches
            .iter()
            .filter(|s| s.result_count == 0 || s.top_score.is_some_and(|x| x < f64::from(GAP_THRESHOLD)))
            .map(|s| s.query.trim().to_owned())
            .filter(|q| !q.is_empty())
            .collect();
        queries.sort();
        queries.dedup();
        queries.truncate(200);
        if !queries.is_empty() {
            let vectors = self.ai.embed(queries.clone()).await?;
            for (q, v) in queries.into_iter().zip(vectors) {
                let best = best_article(&v);
                if best < GAP_THRESHOLD {
                    items.push((v, q, None, best));
                }
            }
        }
        Ok(cluster_gaps(&items))
    }
}

/// A gap candidate: its vector, its text, the ticket (none for a search), and how close the best
/// article comes.
type GapItem = (Vec<f32>, String, Option<SimilarTicket>, f32);

/// Text with every word that holds a digit (order numbers, amounts, codes) replaced.
fn redact_identifiers(text: &str) -> String {
    text.split(' ').map(|w| if w.chars().any(|c| c.is_ascii_digit()) { "[…]" } else { w }).collect::<Vec<_>>().join(" ")
}

/// A transcript of the thread for a generation prompt.
fn transcript(messages: &[ThreadMessage]) -> String {
    messages.iter().fold(String::new(), |mut s, m| {
        let _ = write!(s, "{}: {}\n\n", if m.from_customer { "Customer" } else { "Agent" }, m.body);
        s
    })
}

/// Greedy clustering: each item joins the first cluster whose centroid it is close to.
fn cluster_gaps(items: &[GapItem]) -> Vec<KnowledgeGap> {
    struct Cluster {
        sum: Vec<f32>,
        members: Vec<usize>,
    }
    let mut clusters: Vec<Cluster> = Vec::new();
    for (i, (v, _, _, _)) in items.iter().enumerate() {
        let target = clusters.iter_mut().find(|c| {
            let n = c.sum.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-9);
            dot(&c.sum, v) / n >= 0.6
        });
        match target {
            Some(c) => {
                c.sum.iter_mut().zip(v).for_each(|(s, x)| *s += x);
                c.members.push(i);
            }
            None => clusters.push(Cluster { sum: v.clone(), members: vec![i] }),
        }
    }
    let mut gaps: Vec<KnowledgeGap> = clusters
        .into_iter()
        .map(|c| {
            let central = c
                .members
                .iter()
                .copied()
                .max_by(|a, b| dot(&c.sum, &items[*a].0).total_cmp(&dot(&c.sum, &items[*b].0)))
                .unwrap_or(0);
            let tickets: Vec<SimilarTicket> = c.members.iter().filter_map(|i| items[*i].2.clone()).collect();
            let searches: Vec<String> =
                c.members.iter().filter(|i| items[**i].2.is_none()).map(|i| items[*i].1.clone()).collect();
            let best = c.members.iter().map(|i| items[*i].3).fold(0.0f32, f32::max);
            KnowledgeGap {
                suggested_title: items[central].1.clone(),
                ticket_count: tickets.len(),
                search_count: searches.len(),
                tickets,
                searches,
                best_article_score: best,
            }
        })
        .collect();
    gaps.sort_by_key(|g| std::cmp::Reverse(g.ticket_count + g.search_count));
    gaps.truncate(50);
    gaps
}

fn related(a: &ArticleRecord, score: f32) -> RelatedArticle {
    RelatedArticle {
        id: a.id,
        key: a.key.clone(),
        title: a.title.clone(),
        slug: a.slug.clone(),
        summary: a.summary.clone(),
        score,
    }
}

fn hit_of(a: &ArticleRecord, score: f64, snippet: String) -> ArticleHit {
    ArticleHit {
        id: a.id,
        key: a.key.clone(),
        title: a.title.clone(),
        slug: a.slug.clone(),
        summary: a.summary.clone(),
        visibility: a.visibility.clone(),
        snippet,
        score,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fusion_rewards_agreement() {
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let fused = reciprocal_rank_fusion(&[vec![a, b], vec![b, c]]);
        assert_eq!(fused[0].0, b);
        assert_eq!(fused.len(), 3);
    }
}
