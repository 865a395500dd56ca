//! Escalation rules firing on a ticket: each at most once (the store's `escalation_fired` key
//! decides, in the same transaction as the ticket change), with its actions, history entry
//! and notifications.

use desk_domain::Status;
use desk_domain::routing::{EscalationRuleSpec, Trigger};
use desk_store::{ConfigKind, EscalationMark, NewNotification, Page, Store, StoreError, TenantCtx, TicketChange, TicketScope};
use uuid::Uuid;

use crate::sla::SlaMetrics;
use crate::{CoreError, CoreResult};

/// Fires every rule of the tenant with this trigger on the ticket; returns how many fired now.
pub(crate) async fn on_trigger(
    store: &dyn Store,
    metrics: &SlaMetrics,
    ctx: &TenantCtx,
    ticket_id: Uuid,
    trigger: Trigger,
    now: i64,
) -> CoreResult<usize> {
    let mut fired = 0;
    for rule in store.list_config(ctx, ConfigKind::EscalationRule).await? {
        if rule.variant.as_deref() != Some(trigger.as_str()) {
            continue;
        }
        let Ok(spec) = serde_json::from_str::<EscalationRuleSpec>(&rule.body) else { continue };
        if fire(store, metrics, ctx, ticket_id, rule.id, &spec, now).await? {
            fired += 1;
        }
    }
    Ok(fired)
}

/// Fires one rule on one ticket, unless it already has; `true` if it fired now.
pub(crate) async fn fire(
    store: &dyn Store,
    metrics: &SlaMetrics,
    ctx: &TenantCtx,
    ticket_id: Uuid,
    rule_id: Uuid,
    rule: &EscalationRuleSpec,
    now: i64,
) -> CoreResult<bool> {
    let cur = store.get_ticket(ctx, &TicketScope::All, ticket_id).await?;
    let a = &rule.actions;
    let trigger = rule.trigger().map_or("rule", Trigger::as_str);
    let mut change = TicketChange {
        ticket_id,
        actor_id: None,
        now,
        expect_status: Some(cur.status.clone()),
        escalation_rule: Some(rule_id),
        ..TicketChange::default()
    };
    let from = Status::parse(&cur.status).ok_or_else(|| CoreError::Internal(format!("stored status {}", cur.status)))?;
    if a.status.is_some() && from.check(Status::Escalated, desk_domain::Actor::System).is_ok() {
        change.status = Some(Status::Escalated.as_str().into());
    }
    change.priority.clone_from(&a.priority);
    if let Some(group) = a.group_id {
        change.group_id = Some(Some(group));
        if a.assignee_id.is_none() && cur.group_id != Some(group) {
            change.assignee_id = Some(None);
        }
    }
    if let Some(user) = a.assignee_id {
        change.assignee_id = Some(Some(user));
    }
    let mut notify: Vec<Uuid> = a.notify_user_ids.clone();
    if let Some(role) = &a.notify_role {
        let users = store.list_users(ctx, Page { limit: 1000, offset: 0 }).await?;
        notify.extend(users.iter().filter(|u| u.active && u.role == *role).map(|u| u.id));
    }
    notify.sort_unstable();
    notify.dedup();
    let reason = format!("{} ({trigger})", rule.name);
    change.notify = notify
        .iter()
        .map(|u| NewNotification {
            user_id: *u,
            kind: "escalation".into(),
            body: format!("Ticket {} escalated: {reason}", cur.number),
        })
        .collect();
    change.escalation = Some(EscalationMark { to_id: a.assignee_id.or_else(|| notify.first().copied()), reason });
    let raised_to_critical = a.priority.as_deref() == Some("critical") && cur.priority != "critical";
    match store.change_ticket(ctx, &TicketScope::All, change).await {
        Ok(_) => {
            SlaMetrics::count(&metrics.escalations);
            tracing::info!(tenant.id = %ctx.tenant_id(), ticket = %ticket_id, rule = %rule_id, trigger, "escalation rule fired");
            if raised_to_critical && trigger != Trigger::PriorityCritical.as_str() {
                Box::pin(on_trigger(store, metrics, ctx, ticket_id, Trigger::PriorityCritical, now)).await?;
            }
            Ok(true)
        }
        // Fired already (by this or another process), or the ticket moved meanwhile: the next scan decides again.
        Err(StoreError::Conflict(_)) => Ok(false),
        Err(e) => Err(e.into()),
    }
}
