//! The route table of SLA, routing, assignment and escalation: calendars, policies, routing and
//! escalation rules and skills (each the same five operations), and the endpoints around them.

use axum::http::Method;
use axum::routing::{delete, get, patch, post, put};
use desk_core::SkillSpec;
use desk_domain::calendar::CalendarSpec;
use desk_domain::permissions as perm;
use desk_domain::routing::{EscalationRuleSpec, RoutingRuleSpec};
use desk_domain::sla::PolicySpec;
use serde_json::{Value, json};

use super::RouteDef;
use crate::api::sla as api;
use crate::dto::{Company, Group, Items};
use crate::dto_sla::{
    AgentSkill, Document, DueRequest, DueResponse, Notification, Settings, TicketSla, UpdateCompany, UpdateGroup, UpdateSettings,
};

/// The five operations on one kind of settings document under `base`.
fn documents<T: desk_core::Doc + serde::Serialize + schemars::JsonSchema + Send + Sync + 'static>(
    base: &'static str,
    item: &'static str,
    tag: &'static str,
    what: &'static str,
    example: Value,
    patch_example: Value,
) -> Vec<RouteDef> {
    vec![
        RouteDef::new(Method::POST, base, post(api::create::<T>), what, tag)
            .perm(perm::SLA_MANAGE)
            .req::<T>(example)
            .res::<Document<T>>(201),
        RouteDef::new(Method::GET, base, get(api::list::<T>), what, tag).perm(perm::SLA_READ).res::<Items<Document<T>>>(200),
        RouteDef::new(Method::GET, item, get(api::get::<T>), what, tag).perm(perm::SLA_READ).res::<Document<T>>(200),
        RouteDef::new(Method::PATCH, item, patch(api::patch::<T>), "Change the fields the body names", tag)
            .perm(perm::SLA_MANAGE)
            .req::<T>(patch_example)
            .res::<Document<T>>(200),
        RouteDef::new(Method::DELETE, item, delete(api::delete::<T>), "Delete (409 while something uses it)", tag)
            .perm(perm::SLA_MANAGE)
            .no_content(),
    ]
}

/// Every SLA endpoint.
pub(super) fn routes() -> Vec<RouteDef> {
    use Method as M;
    let week: Vec<Value> =
        ["mon", "tue", "wed", "thu", "fri"].iter().map(|d| json!({"day": d, "start": "09:00", "end": "17:00"})).collect();
    let mut all = Vec::new();
    all.extend(documents::<CalendarSpec>(
        "/api/v1/calendars",
        "/api/v1/calendars/{id}",
        "calendars",
        "Business-hours calendars: time zone, weekly hours, holidays",
        json!({"name": "Berlin office", "time_zone": "Europe/Berlin", "hours": week,
               "holidays": [{"date": "2026-12-25", "name": "Christmas"}]}),
        json!({"name": "Berlin office (winter)"}),
    ));
    all.push(
        RouteDef::new(
            M::POST,
            "/api/v1/calendars/{id}/due",
            post(api::due),
            "The due time N working minutes after a start",
            "calendars",
        )
        .perm(perm::SLA_READ)
        .req::<DueRequest>(json!({"start": "2026-12-18T15:30:00+01:00", "minutes": 120}))
        .res::<DueResponse>(200),
    );
    all.extend(documents::<PolicySpec>(
        "/api/v1/sla-policies",
        "/api/v1/sla-policies/{id}",
        "sla-policies",
        "SLA policies: first-response and resolution targets per priority, one per tier",
        json!({"name": "Custom", "tier": "platinum", "calendar_id": null,
               "targets": [{"priority": "high", "first_response_minutes": 30, "resolution_minutes": 240}]}),
        json!({"name": "Renamed policy"}),
    ));
    all.extend(documents::<RoutingRuleSpec>(
        "/api/v1/routing-rules",
        "/api/v1/routing-rules/{id}",
        "routing-rules",
        "Routing rules: the first match (lowest position) sends a new ticket to a group",
        json!({"name": "Invoices", "position": 1, "conditions": {"keywords": ["invoice"]}, "group_id": "{group_id}",
               "required_skill_ids": [], "set_priority": null}),
        json!({"position": 5}),
    ));
    all.extend(documents::<EscalationRuleSpec>(
        "/api/v1/escalation-rules",
        "/api/v1/escalation-rules/{id}",
        "escalation-rules",
        "Escalation rules: on a breach, critical priority, an angry customer or age",
        json!({"name": "Late first answer", "trigger": "first_response_breach", "actions": {"priority": "critical", "status": "escalated"}}),
        json!({"name": "Late first answer (renamed)"}),
    ));
    all.extend(documents::<SkillSpec>(
        "/api/v1/skills",
        "/api/v1/skills/{id}",
        "skills",
        "Skills agents hold (levels 1-5) and rules require",
        json!({"name": "Klingon"}),
        json!({"name": "Vulcan"}),
    ));
    all.extend([
        RouteDef::new(M::PUT, "/api/v1/users/{id}/skills", put(api::set_user_skills), "Replace an agent's skills", "users")
            .perm(perm::SLA_MANAGE)
            .req::<Vec<AgentSkill>>(json!([]))
            .res::<Items<AgentSkill>>(200),
        RouteDef::new(M::GET, "/api/v1/users/{id}/skills", get(api::user_skills), "An agent's skills", "users")
            .perm(perm::USERS_READ)
            .res::<Items<AgentSkill>>(200),
        RouteDef::new(
            M::PATCH,
            "/api/v1/companies/{id}",
            patch(api::update_company),
            "Change a company's name, domain or SLA tier",
            "companies",
        )
        .perm(perm::COMPANIES_MANAGE)
        .req::<UpdateCompany>(json!({"sla_tier": "gold"}))
        .res::<Company>(200),
        RouteDef::new(
            M::PATCH,
            "/api/v1/groups/{id}",
            patch(api::update_group),
            "Set a group's assignment mode and open-ticket limit",
            "groups",
        )
        .perm(perm::GROUPS_MANAGE)
        .req::<UpdateGroup>(json!({"assignment": "round_robin"}))
        .res::<Group>(200),
        RouteDef::new(
            M::GET,
            "/api/v1/settings",
            get(api::settings),
            "The tenant's time zone, auto-close delay and default group",
            "settings",
        )
        .perm(perm::SLA_READ)
        .res::<Settings>(200),
        RouteDef::new(M::PATCH, "/api/v1/settings", patch(api::update_settings), "Change the tenant's settings", "settings")
            .perm(perm::SLA_MANAGE)
            .req::<UpdateSettings>(json!({"auto_close_days": 3}))
            .res::<Settings>(200),
        RouteDef::new(
            M::GET,
            "/api/v1/tickets/{id}/sla",
            get(api::ticket_sla),
            "The ticket's SLA: due times, working time left, breach prediction",
            "tickets",
        )
        .perm(perm::TICKETS_READ)
        .res::<TicketSla>(200),
        RouteDef::new(
            M::GET,
            "/api/v1/notifications",
            get(api::notifications),
            "The caller's notifications, newest first",
            "notifications",
        )
        .perm(perm::PROFILE_READ)
        .res::<Items<Notification>>(200),
    ]);
    all
}
