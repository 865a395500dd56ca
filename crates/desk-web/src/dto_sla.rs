//! Wire shapes of the SLA, routing and escalation endpoints. Calendars, policies and rules are
//! the domain's own documents (`desk_domain::{calendar, sla, routing}`), returned with their id.

use desk_core::{Configured, TicketSlaView};
use desk_store::{NotificationRecord, TenantSettings, UserSkill};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::dto::{rfc3339, rfc3339_opt};
use crate::extract::double_option;

/// A stored settings document: its fields, with its id and times.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Document<T> {
    pub id: Uuid,
    #[serde(flatten)]
    pub spec: T,
    pub created_at: String,
    pub updated_at: String,
}

impl<T> From<Configured<T>> for Document<T> {
    fn from(c: Configured<T>) -> Self {
        Self { id: c.id, spec: c.spec, created_at: rfc3339(c.created_at), updated_at: rfc3339(c.updated_at) }
    }
}

/// `POST /api/v1/calendars/{id}/due`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DueRequest {
    /// RFC 3339, with any offset.
    pub start: String,
    /// Working minutes to add.
    pub minutes: i64,
}

/// The due time of a preview.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DueResponse {
    /// RFC 3339 in UTC.
    pub due_at: String,
}

/// The tenant's settings.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Settings {
    /// IANA time zone for reports and the UI.
    pub time_zone: String,
    /// Resolved tickets close by themselves after this many days (0: never).
    pub auto_close_days: i64,
    /// Where tickets go that no routing rule matched.
    pub default_group_id: Option<Uuid>,
}

impl From<TenantSettings> for Settings {
    fn from(s: TenantSettings) -> Self {
        Self { time_zone: s.time_zone, auto_close_days: s.auto_close_days, default_group_id: s.default_group_id }
    }
}

/// `PATCH /api/v1/settings`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSettings {
    pub time_zone: Option<String>,
    pub auto_close_days: Option<i64>,
    /// `null` removes it.
    #[serde(default, deserialize_with = "double_option")]
    pub default_group_id: Option<Option<Uuid>>,
}

/// `PATCH /api/v1/companies/{id}`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCompany {
    pub name: Option<String>,
    /// `null` removes it.
    #[serde(default, deserialize_with = "double_option")]
    pub domain: Option<Option<String>>,
    /// platinum, gold, silver, bronze or standard.
    pub sla_tier: Option<String>,
}

/// `PATCH /api/v1/groups/{id}`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateGroup {
    /// manual, round_robin, least_loaded or skills.
    pub assignment: Option<String>,
    /// Skip agents with this many open tickets; `null` for no limit.
    #[serde(default, deserialize_with = "double_option")]
    pub max_open: Option<Option<i64>>,
}

/// A skill an agent holds, at a level from 1 to 5.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentSkill {
    pub skill_id: Uuid,
    pub level: i64,
}

impl From<UserSkill> for AgentSkill {
    fn from(s: UserSkill) -> Self {
        Self { skill_id: s.skill_id, level: s.level }
    }
}

/// A ticket's SLA: the ticket's own fields plus the policy, the working time left and the prediction.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TicketSla {
    pub ticket_id: Uuid,
    pub sla_policy_id: Option<Uuid>,
    pub policy_name: Option<String>,
    pub first_response_due_at: Option<String>,
    pub resolution_due_at: Option<String>,
    pub sla_paused: bool,
    pub first_response_breached: bool,
    pub resolution_breached: bool,
    /// Working minutes left (negative: overdue); absent when met or without a target.
    pub first_response_minutes_left: Option<i64>,
    pub resolution_minutes_left: Option<i64>,
    /// Predicted chance (percent) of missing the resolution target; absent without history enough.
    pub breach_risk: Option<i64>,
    /// What the prediction rests on.
    pub breach_risk_basis: String,
    pub escalated_at: Option<String>,
    pub escalation_reason: Option<String>,
}

impl From<TicketSlaView> for TicketSla {
    fn from(v: TicketSlaView) -> Self {
        let s = v.ticket.sla;
        Self {
            ticket_id: v.ticket.id,
            sla_policy_id: s.sla_policy_id,
            policy_name: v.policy_name,
            first_response_due_at: rfc3339_opt(s.first_response_due_at),
            resolution_due_at: rfc3339_opt(s.resolution_due_at),
            sla_paused: s.sla_paused,
            first_response_breached: s.first_response_breached,
            resolution_breached: s.resolution_breached,
            first_response_minutes_left: v.first_response_minutes_left,
            resolution_minutes_left: v.resolution_minutes_left,
            breach_risk: v.prediction.risk_percent,
            breach_risk_basis: v.prediction.basis,
            escalated_at: rfc3339_opt(s.escalated_at),
            escalation_reason: s.escalation_reason,
        }
    }
}

/// A notification for the caller.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Notification {
    pub id: Uuid,
    /// escalation, …
    pub kind: String,
    pub ticket_id: Option<Uuid>,
    pub body: String,
    pub created_at: String,
    pub read_at: Option<String>,
}

impl From<NotificationRecord> for Notification {
    fn from(n: NotificationRecord) -> Self {
        Self {
            id: n.id,
            kind: n.kind,
            ticket_id: n.ticket_id,
            body: n.body,
            created_at: rfc3339(n.created_at),
            read_at: rfc3339_opt(n.read_at),
        }
    }
}
