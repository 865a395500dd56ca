//! CustomerDesk services: the rules applied over the store. Handlers call one method here;
//! every method takes the caller's [`Principal`] and decides what they may see and do.

mod ai;
mod ai_engine;
mod attachments;
mod auth;
mod batch;
mod clock;
mod directory;
mod error;
mod escalation;
mod generate;
mod jobs;
mod kb;
mod limiter;
mod routing;
mod sla;
mod sla_view;
mod tickets;

use std::sync::Arc;

pub use ai::{
    ANSWER_THRESHOLD, AiStatus, Answer, ArticleDraft, Classification, DONT_KNOW, KnowledgeGap, RelatedArticle, ReplyDraft,
    SimilarTicket, Source, SuggestedAssignee, Summary, TicketClassification, reciprocal_rank_fusion,
};
pub use ai_engine::{AiEngine, AiOptions, MODEL_ID, ModelState};
pub use attachments::{MAX_ATTACHMENT_BYTES, Upload};
pub use auth::{Login, NewTenantInput, TOKEN_TTL_MS, hash_password};
pub use clock::{Clock, OffsetClock, SystemClock};
/// The labels the classifier gives tickets.
pub use desk_ai::classify::{CATEGORIES as AI_CATEGORIES, SENTIMENTS as AI_SENTIMENTS};
pub use desk_store::{Principal, Store};
pub use directory::{NewCompanyInput, NewUserInput, UserPatchInput};
pub use error::{CoreError, CoreResult};
pub use generate::{AiSettings, AiSettingsInput};
pub use jobs::{JobOptions, JobSummary, new_worker_name};
pub use kb::{ArticleInput, ArticlePatch, DiffLine, SEARCH_MODES, one_line, render_markdown, unix_lines};
pub use sla::{
    BreachPrediction, CompanyPatchInput, Configured, Doc, GroupAssignmentInput, SettingsInput, SkillSpec, SlaMetrics,
    TicketSlaView,
};
pub use tickets::{BULK_MAX, CommentInput, TicketInput, TicketList, TicketListInput, TicketPatchInput};

/// The services, sharing one store.
#[derive(Clone)]
pub struct Desk {
    store: Arc<dyn Store>,
    tickets: batch::TicketWriter,
    ai: Arc<AiEngine>,
    http: reqwest::Client,
    login_limiter: Arc<limiter::RateLimiter>,
    vote_limiter: Arc<limiter::RateLimiter>,
    clock: Arc<dyn Clock>,
    sla_metrics: Arc<SlaMetrics>,
}

impl Desk {
    /// Services over `store`; starts the ticket writer and, with AI enabled, the model loader
    /// and embedding worker on the current tokio runtime.
    pub fn new(store: Arc<dyn Store>, ai: AiOptions) -> Self {
        Self::with_clock(store, ai, Arc::new(SystemClock))
    }

    /// Services whose notion of "now" comes from `clock` (tests move it forward).
    pub fn with_clock(store: Arc<dyn Store>, ai: AiOptions, clock: Arc<dyn Clock>) -> Self {
        let sla_metrics = Arc::new(SlaMetrics::default());
        Self {
            tickets: batch::TicketWriter::start(store.clone(), clock.clone()),
            clock,
            ai: AiEngine::start(store.clone(), ai, sla_metrics.clone()),
            sla_metrics,
            http: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap_or_default(),
            login_limiter: Arc::default(),
            vote_limiter: Arc::default(),
            store,
        }
    }

    /// The AI engine (model state, index, worker), for wiring and the CLI.
    pub fn ai(&self) -> &Arc<AiEngine> {
        &self.ai
    }

    /// Now, by the services' clock.
    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Counters of the SLA jobs, for `/metrics`.
    pub fn sla_metrics(&self) -> &SlaMetrics {
        &self.sla_metrics
    }

    /// The store, for wiring (health checks, the operator CLI).
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Fails with `Forbidden` unless the principal's role grants `permission`.
pub fn require(p: &Principal, permission: &str) -> CoreResult<()> {
    if p.can(permission) { Ok(()) } else { Err(CoreError::Forbidden(format!("this needs the permission {permission}"))) }
}
