//! SLA, routing and escalation persistence: the [`SlaStore`] trait, its rows, and its portable
//! SQL compiled for both backends by `sla_store!`. Settings documents (calendars, policies,
//! rules, skills) live in `config_items`; the decisions are made in `desk_domain`.

use async_trait::async_trait;
use uuid::Uuid;

use crate::{CompanyRecord, GroupRecord, StoreResult, TenantCtx};

/// The kinds of settings document in `config_items`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConfigKind {
    Calendar,
    SlaPolicy,
    RoutingRule,
    EscalationRule,
    Skill,
}

impl ConfigKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ConfigKind::Calendar => "calendar",
            ConfigKind::SlaPolicy => "sla_policy",
            ConfigKind::RoutingRule => "routing_rule",
            ConfigKind::EscalationRule => "escalation_rule",
            ConfigKind::Skill => "skill",
        }
    }
}

/// A settings document.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ConfigRecord {
    pub id: Uuid,
    pub kind: String,
    pub name: String,
    pub position: i64,
    /// A policy's tier or a rule's trigger.
    pub variant: Option<String>,
    /// The document (JSON).
    pub body: String,
    pub calendar_id: Option<Uuid>,
    pub group_id: Option<Uuid>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What to write into a settings document.
#[derive(Debug, Clone, Default)]
pub struct ConfigWrite {
    pub name: String,
    pub position: i64,
    pub variant: Option<String>,
    pub body: String,
    pub calendar_id: Option<Uuid>,
    pub group_id: Option<Uuid>,
}

/// What refers to a settings document or group, for a 409 that says so.
#[derive(Debug, Clone, Default)]
pub struct Usage {
    /// Names of documents (policies, rules) that refer to it.
    pub documents: Vec<String>,
    /// Tickets that refer to it.
    pub tickets: i64,
    /// Users holding it (a skill) or members (a group).
    pub users: i64,
}

/// A tenant's own settings.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TenantSettings {
    /// IANA time zone for reports and the UI.
    pub time_zone: String,
    /// Resolved tickets close by themselves after this many days (0: never).
    pub auto_close_days: i64,
    /// Where tickets no routing rule matched go.
    pub default_group_id: Option<Uuid>,
}

impl Default for TenantSettings {
    fn default() -> Self {
        Self { time_zone: "UTC".into(), auto_close_days: 3, default_group_id: None }
    }
}

/// A change to a company: only the fields set change.
#[derive(Debug, Clone, Default)]
pub struct CompanyChange {
    pub name: Option<String>,
    pub domain: Option<Option<String>>,
    pub sla_tier: Option<String>,
}

/// A skill an agent holds.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UserSkill {
    pub skill_id: Uuid,
    pub level: i64,
}

/// A ticket whose target fell due and has not been recorded as breached.
#[derive(Debug, Clone)]
pub struct DueTicket {
    pub ctx: TenantCtx,
    pub ticket_id: Uuid,
    /// `first_response` or `resolution`.
    pub target: &'static str,
}

/// A ticket (with its tenant) found by a background scan.
#[derive(Debug, Clone)]
pub struct ScannedTicket {
    pub ctx: TenantCtx,
    pub ticket_id: Uuid,
    /// The rule the ticket matched, for rule scans.
    pub rule_id: Option<Uuid>,
}

/// A notification recorded for a user.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NotificationRecord {
    pub id: Uuid,
    pub user_id: Uuid,
    pub ticket_id: Option<Uuid>,
    pub kind: String,
    pub body: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

/// How long one resolved ticket of the tenant took, for breach prediction.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct ResolutionSample {
    pub created_at: i64,
    pub resolved_at: i64,
}

/// SLA, routing and escalation persistence.
#[async_trait]
pub trait SlaStore: Send + Sync {
    /// The tenant's documents of one kind, by position then name.
    async fn list_config(&self, ctx: &TenantCtx, kind: ConfigKind) -> StoreResult<Vec<ConfigRecord>>;
    /// One document.
    async fn get_config(&self, ctx: &TenantCtx, kind: ConfigKind, id: Uuid) -> StoreResult<ConfigRecord>;
    /// Creates (`id` None) or replaces a document.
    async fn put_config(
        &self,
        ctx: &TenantCtx,
        kind: ConfigKind,
        id: Option<Uuid>,
        write: ConfigWrite,
        now: i64,
    ) -> StoreResult<ConfigRecord>;
    /// Deletes a document; `Conflict` if something still refers to it.
    async fn delete_config(&self, ctx: &TenantCtx, kind: ConfigKind, id: Uuid) -> StoreResult<()>;
    /// What refers to a document or group (by id).
    async fn usage(&self, ctx: &TenantCtx, id: Uuid) -> StoreResult<Usage>;
    /// The tenant's settings (defaults if never saved).
    async fn tenant_settings(&self, ctx: &TenantCtx) -> StoreResult<TenantSettings>;
    /// Saves the tenant's settings.
    async fn set_tenant_settings(&self, ctx: &TenantCtx, settings: &TenantSettings) -> StoreResult<TenantSettings>;
    /// Changes a company's name, domain or SLA tier; open tickets of a changed tier get the new policy.
    async fn change_company(&self, ctx: &TenantCtx, id: Uuid, change: CompanyChange, now: i64) -> StoreResult<CompanyRecord>;
    /// Sets how a group assigns its tickets.
    async fn set_group_assignment(
        &self,
        ctx: &TenantCtx,
        id: Uuid,
        mode: &str,
        max_open: Option<Option<i64>>,
    ) -> StoreResult<GroupRecord>;
    /// Replaces a user's skills.
    async fn set_user_skills(&self, ctx: &TenantCtx, user_id: Uuid, skills: &[(Uuid, i64)]) -> StoreResult<Vec<UserSkill>>;
    /// A user's skills.
    async fn user_skills(&self, ctx: &TenantCtx, user_id: Uuid) -> StoreResult<Vec<UserSkill>>;
    /// Notifications of a user, newest first.
    async fn list_notifications(&self, ctx: &TenantCtx, user_id: Uuid, limit: i64) -> StoreResult<Vec<NotificationRecord>>;
    /// Resolved tickets of one priority (and AI category, if given) since `since`, for breach prediction.
    async fn resolution_samples(
        &self,
        ctx: &TenantCtx,
        priority: &str,
        category: Option<&str>,
        since: i64,
    ) -> StoreResult<Vec<ResolutionSample>>;
    /// Stores a ticket's breach prediction (percent) and its basis.
    async fn set_breach_risk(&self, ctx: &TenantCtx, ticket_id: Uuid, risk: Option<i64>, basis: Option<&str>) -> StoreResult<()>;

    /// Background scans across tenants (the job runner's): targets due by `now` and not yet
    /// recorded as breached, oldest first, through the partial indexes on the due times.
    async fn scan_due(&self, now: i64, limit: i64) -> StoreResult<Vec<DueTicket>>;
    /// Open tickets older than an age rule's minutes that the rule has not fired on.
    async fn scan_aged(&self, now: i64, limit: i64) -> StoreResult<Vec<ScannedTicket>>;
    /// Resolved tickets whose tenant's auto-close delay has passed.
    async fn scan_auto_close(&self, now: i64, limit: i64) -> StoreResult<Vec<ScannedTicket>>;
    /// Open tickets whose resolution target is still ahead, soonest due first, for breach prediction.
    async fn scan_due_soon(&self, now: i64, limit: i64) -> StoreResult<Vec<ScannedTicket>>;
    /// Breached open tickets that a breach rule of their tenant has not fired on (a process that
    /// stopped between recording a breach and firing its rules leaves these).
    async fn scan_unescalated(&self, limit: i64) -> StoreResult<Vec<ScannedTicket>>;
}
