//! A ticket's SLA as the agent sees it: its policy, the due times with the working time left,
//! and the predicted chance of missing the resolution target with what that rests on.

use desk_domain::permissions as perm;
use desk_domain::sla::{MIN_SAMPLES, breach_risk};
use std::collections::HashMap;

use desk_store::{ConfigKind, Principal, TenantCtx, TicketRecord};
use uuid::Uuid;

use crate::tickets::scope_of;
use crate::{CoreResult, Desk, require};

/// How far back breach prediction looks for resolved tickets.
const HISTORY_MS: i64 = 180 * 24 * 3_600_000;

/// The predicted chance of missing the resolution target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreachPrediction {
    /// Percent; `None` when there is too little history to say.
    pub risk_percent: Option<i64>,
    /// What the estimate rests on, in words.
    pub basis: String,
}

/// A ticket's SLA state for its page and `GET /api/v1/tickets/{id}/sla`.
#[derive(Debug, Clone)]
pub struct TicketSlaView {
    pub ticket: TicketRecord,
    pub policy_name: Option<String>,
    /// Working minutes left until each target (negative once overdue); `None` when met or absent.
    pub first_response_minutes_left: Option<i64>,
    pub resolution_minutes_left: Option<i64>,
    pub prediction: BreachPrediction,
}

impl Desk {
    /// The ticket's SLA state, with a fresh breach prediction.
    pub async fn ticket_sla(&self, p: &Principal, id: Uuid) -> CoreResult<TicketSlaView> {
        require(p, perm::TICKETS_READ)?;
        let ticket = self.store.get_ticket(&p.ctx, &scope_of(p), id).await?;
        let now = self.now();
        let (policy_name, calendar) = match ticket.sla.sla_policy_id {
            Some(pid) => match self.store.get_config(&p.ctx, ConfigKind::SlaPolicy, pid).await {
                Ok(r) => {
                    let cal = match r.calendar_id {
                        Some(c) => self.store.get_config(&p.ctx, ConfigKind::Calendar, c).await.ok().map(|c| c.body),
                        None => None,
                    };
                    (Some(r.name.clone()), desk_store_parse(&r.body, cal.as_deref()))
                }
                Err(_) => (None, None),
            },
            None => (None, None),
        };
        let left = |due: Option<i64>, met: bool| -> Option<i64> {
            let (due, cal) = (due?, calendar.as_ref()?);
            if met {
                return None;
            }
            let at = ticket.sla.sla_paused_at.unwrap_or(now);
            Some(if due >= at { cal.between_ms(at, due) / 60_000 } else { -(cal.between_ms(due, at) / 60_000) })
        };
        let first_response_minutes_left = left(ticket.sla.first_response_due_at, ticket.first_response_at.is_some());
        let resolution_minutes_left = left(ticket.sla.resolution_due_at, ticket.resolved_at.is_some());
        let prediction = self.predict_breach(&p.ctx, &ticket, now).await?;
        Ok(TicketSlaView { ticket, policy_name, first_response_minutes_left, resolution_minutes_left, prediction })
    }

    /// The caller's notifications, newest first.
    pub async fn notifications(&self, p: &Principal, limit: i64) -> CoreResult<Vec<desk_store::NotificationRecord>> {
        require(p, perm::PROFILE_READ)?;
        Ok(self.store.list_notifications(&p.ctx, p.user.id, limit.clamp(1, 500)).await?)
    }

    /// Estimates the chance that `ticket` misses its resolution target (see [`Self::predict_with`]).
    pub(crate) async fn predict_breach(&self, ctx: &TenantCtx, ticket: &TicketRecord, now: i64) -> CoreResult<BreachPrediction> {
        self.predict_with(ctx, ticket, now, &mut History::default()).await
    }

    /// Estimates the chance that `ticket` misses its resolution target from the tenant's own
    /// resolved tickets of the same priority (and AI category, when there are enough of those);
    /// `history` keeps what was read for the next ticket of the same kind.
    pub(crate) async fn predict_with(
        &self,
        ctx: &TenantCtx,
        ticket: &TicketRecord,
        now: i64,
        history: &mut History,
    ) -> CoreResult<BreachPrediction> {
        let Some(due) = ticket.sla.resolution_due_at else {
            return Ok(BreachPrediction { risk_percent: None, basis: "no resolution target".into() });
        };
        if ticket.resolved_at.is_some() {
            let met = ticket.resolved_at.is_some_and(|r| r <= due);
            return Ok(BreachPrediction {
                risk_percent: Some(if met { 0 } else { 100 }),
                basis: if met { "resolved in time" } else { "resolved after the target" }.into(),
            });
        }
        let category = self.store.ai_classification(ctx, ticket.id).await?.map(|c| c.corrected_category.unwrap_or(c.category));
        let elapsed = now - ticket.created_at;
        let allowed = due - ticket.created_at;
        let mut scopes = Vec::new();
        if let Some(c) = category {
            scopes.push((Some(c.clone()), format!("{} priority, category {c}", ticket.priority)));
        }
        scopes.push((None, format!("{} priority", ticket.priority)));
        let mut counted = 0;
        for (category, label) in scopes {
            let key = (ctx.tenant_id(), ticket.priority.clone(), category.clone());
            if !history.0.contains_key(&key) {
                let samples = self.store.resolution_samples(ctx, &ticket.priority, category.as_deref(), now - HISTORY_MS).await?;
                history.0.insert(key.clone(), samples.iter().map(|s| s.resolved_at - s.created_at).collect());
            }
            let durations = history.0.get(&key).map_or(&[][..], Vec::as_slice);
            counted = counted.max(durations.len());
            if let Some((percent, late, comparable)) = breach_risk(durations, elapsed, allowed) {
                let basis = if comparable == 0 {
                    "the target has passed".to_owned()
                } else {
                    format!(
                        "{late} of the {comparable} resolved tickets ({label}, last 180 days) still open at this age took longer than the target allows"
                    )
                };
                return Ok(BreachPrediction { risk_percent: Some(percent), basis });
            }
        }
        Ok(BreachPrediction {
            risk_percent: None,
            basis: format!(
                "too little history: fewer than {MIN_SAMPLES} resolved {} tickets ({counted} in 180 days) were still open at this age",
                ticket.priority
            ),
        })
    }
}

/// Resolution times read for breach prediction, by (tenant, priority, category).
#[derive(Debug, Default)]
pub(crate) struct History(HashMap<(Uuid, String, Option<String>), Vec<i64>>);

fn desk_store_parse(policy: &str, calendar: Option<&str>) -> Option<desk_domain::calendar::Calendar> {
    let _: desk_domain::sla::PolicySpec = serde_json::from_str(policy).ok()?;
    match calendar {
        Some(c) => serde_json::from_str::<desk_domain::calendar::CalendarSpec>(c).ok()?.validate().ok(),
        None => Some(desk_domain::calendar::Calendar::always()),
    }
}
