//! Routing a new ticket to a group by the tenant's rules, and firing escalation triggers
//! after a change has committed.

use desk_domain::routing::{RoutingRuleSpec, TicketFacts, Trigger, route};
use desk_store::{ConfigKind, NewTicket, TenantCtx};
use uuid::Uuid;

use crate::{CoreResult, Desk, escalation};

impl Desk {
    /// Routing: the first matching rule picks the group (and may set the priority and the
    /// skills assignment needs); the tenant's default group catches the rest.
    pub(crate) async fn route(&self, ctx: &TenantCtx, new: &mut NewTicket, priority_given: bool) -> CoreResult<()> {
        let rules: Vec<(Uuid, RoutingRuleSpec)> = self
            .store
            .list_config(ctx, ConfigKind::RoutingRule)
            .await?
            .into_iter()
            .filter_map(|r| serde_json::from_str(&r.body).ok().map(|spec| (r.id, spec)))
            .collect();
        let category = if rules.iter().any(|(_, r)| r.conditions.category.is_some()) {
            self.category_of(ctx, &new.subject, &new.description).await
        } else {
            None
        };
        let facts = TicketFacts {
            subject: &new.subject,
            description: &new.description,
            ticket_type: &new.ticket_type,
            channel: &new.channel,
            priority: &new.priority,
            company_id: new.company_id,
            category: category.as_deref(),
        };
        if let Some((_, rule)) = route(&rules, &facts) {
            new.group_id = Some(rule.group_id);
            new.required_skill_ids.clone_from(&rule.required_skill_ids);
            if let Some(p) = rule.set_priority.as_ref().filter(|_| !priority_given) {
                new.priority.clone_from(p);
            }
            new.routing_note = Some(format!("routed by rule \"{}\"", rule.name));
        } else if let Some(group) = self.store.tenant_settings(ctx).await?.default_group_id {
            new.group_id = Some(group);
            new.routing_note = Some("no routing rule matched: the default group".into());
        }
        Ok(())
    }

    /// The AI's category for a new ticket's text, when the classifier is ready (routing on
    /// category waits for nobody: without a model the condition simply does not match).
    async fn category_of(&self, ctx: &TenantCtx, subject: &str, description: &str) -> Option<String> {
        let text = desk_ai::classify::ticket_text(subject, description);
        let v = self.ai.embed_one(&text).await.ok()?;
        let model = self.ai.classifier_for(ctx).await.ok()??;
        Some(model.predict(&desk_ai::classify::features(&v, &text)).category.to_owned())
    }

    /// Fires the escalation rules of a trigger; a failure is logged, never the caller's error
    /// (the change it follows has committed).
    pub(crate) async fn after_trigger(&self, ctx: &TenantCtx, ticket_id: Uuid, trigger: Trigger) {
        if let Err(e) = escalation::on_trigger(&*self.store, &self.sla_metrics, ctx, ticket_id, trigger, self.now()).await {
            tracing::warn!(ticket = %ticket_id, error = %e, "escalation rules failed");
        }
    }
}
