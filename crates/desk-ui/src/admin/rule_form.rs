//! The routing rule form, and the choices rule forms offer (groups, skills, companies, staff,
//! roles), each read only as far as the reader's role may list them.

use desk_core::{AI_CATEGORIES, Configured, CoreResult, Desk, SkillSpec};
use desk_domain::permissions as perm;
use desk_domain::routing::RoutingRuleSpec;
use desk_domain::{Priority, TicketType};
use desk_store::{CompanyRecord, GroupRecord, Principal, RoleRecord, UserRecord};
use maud::{Markup, html};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::forms::{Fields, Invalid, id};
use super::{all_companies, all_users};
use crate::layout::csrf;
use crate::session::Ctx;

/// The channels a ticket comes in by (as `desk-core` accepts them).
const CHANNELS: [&str; 6] = ["web", "portal", "email", "api", "phone", "chat"];

/// What rule forms offer to choose from.
pub(super) struct Choices {
    pub groups: Vec<GroupRecord>,
    pub skills: Vec<Configured<SkillSpec>>,
    pub companies: Vec<CompanyRecord>,
    /// Active staff, for assignees and people to notify.
    pub staff: Vec<UserRecord>,
    /// `None` when the reader may not list roles (the form then takes a role's name).
    pub roles: Option<Vec<RoleRecord>>,
}

impl Choices {
    pub async fn load(desk: &Desk, p: &Principal) -> CoreResult<Self> {
        Ok(Self {
            groups: if p.can(perm::GROUPS_READ) { desk.list_groups(p).await? } else { Vec::new() },
            skills: desk.list_docs::<SkillSpec>(p).await?,
            companies: all_companies(desk, p).await?,
            staff: all_users(desk, p).await?.into_iter().filter(|u| u.staff && u.active).collect(),
            roles: if p.can(perm::ROLES_READ) { Some(desk.list_roles(p).await?) } else { None },
        })
    }

    pub fn group(&self, id: Uuid) -> Option<&str> {
        self.groups.iter().find(|g| g.id == id).map(|g| g.name.as_str())
    }

    pub fn skill(&self, id: Uuid) -> Option<&str> {
        self.skills.iter().find(|k| k.id == id).map(|k| k.spec.name.as_str())
    }

    pub fn company(&self, id: Uuid) -> Option<&str> {
        self.companies.iter().find(|c| c.id == id).map(|c| c.name.as_str())
    }

    pub fn user(&self, id: Uuid) -> Option<&str> {
        self.staff.iter().find(|u| u.id == id).map(|u| u.name.as_str())
    }
}

/// The label of a channel.
pub(super) fn channel_label(ctx: &Ctx, channel: &str) -> &'static str {
    let (a, l) = (ctx.t.agent, ctx.t.sla);
    match channel {
        "web" => a.ch_web,
        "portal" => l.ch_portal,
        "email" => a.ch_email,
        "api" => l.ch_api,
        "phone" => a.ch_phone,
        "chat" => a.ch_chat,
        _ => ctx.t.c.unknown,
    }
}

/// The label of a ticket type.
pub(super) fn type_label(ctx: &Ctx, ticket_type: &str) -> &'static str {
    let l = ctx.t.sla;
    match ticket_type {
        "problem" => l.type_problem,
        "question" => l.type_question,
        "incident" => l.type_incident,
        "feature_request" => l.type_feature_request,
        "training" => l.type_training,
        "maintenance" => l.type_maintenance,
        "other" => l.type_other,
        _ => ctx.t.c.unknown,
    }
}

/// A routing rule as the form shows it.
#[derive(Debug, Default)]
pub(super) struct RuleDraft {
    name: String,
    ticket_type: String,
    channel: String,
    priority: String,
    company_id: String,
    category: String,
    /// Comma-separated.
    keywords: String,
    group_id: String,
    skills: Vec<String>,
    set_priority: String,
}

impl RuleDraft {
    pub fn from_spec(spec: &RoutingRuleSpec) -> Self {
        let c = &spec.conditions;
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        Self {
            name: spec.name.clone(),
            ticket_type: text(&c.ticket_type),
            channel: text(&c.channel),
            priority: text(&c.priority),
            company_id: c.company_id.map(|id| id.to_string()).unwrap_or_default(),
            category: text(&c.category),
            keywords: c.keywords.join(", "),
            group_id: spec.group_id.to_string(),
            skills: spec.required_skill_ids.iter().map(Uuid::to_string).collect(),
            set_priority: text(&spec.set_priority),
        }
    }

    pub fn from_form(f: &Fields) -> Self {
        Self {
            name: f.get("name").to_owned(),
            ticket_type: f.get("type").to_owned(),
            channel: f.get("channel").to_owned(),
            priority: f.get("priority").to_owned(),
            company_id: f.get("company_id").to_owned(),
            category: f.get("category").to_owned(),
            keywords: f.get("keywords").to_owned(),
            group_id: f.get("group_id").to_owned(),
            skills: f.all("skill").into_iter().map(str::to_owned).collect(),
            set_priority: f.get("set_priority").to_owned(),
        }
    }

    /// The document's fields (without `position`), or the problems found reading the form.
    pub fn to_json(&self) -> Result<Value, Invalid> {
        let mut inv = Invalid::default();
        let mut conditions = Map::new();
        for (key, value) in
            [("type", &self.ticket_type), ("channel", &self.channel), ("priority", &self.priority), ("category", &self.category)]
        {
            if !value.is_empty() {
                conditions.insert(key.into(), json!(value));
            }
        }
        if let Some(company) = id(&self.company_id, "conditions.company_id", &mut inv) {
            conditions.insert("company_id".into(), json!(company));
        }
        let keywords: Vec<&str> = self.keywords.split(',').map(str::trim).filter(|k| !k.is_empty()).collect();
        if !keywords.is_empty() {
            conditions.insert("keywords".into(), json!(keywords));
        }
        let group = id(&self.group_id, "group_id", &mut inv);
        if self.group_id.is_empty() {
            inv.add("group_id", "choose a group");
        }
        let skills: Vec<Option<Uuid>> =
            self.skills.iter().enumerate().map(|(i, s)| id(s, &format!("required_skill_ids[{i}]"), &mut inv)).collect();
        if !inv.is_empty() {
            return Err(inv);
        }
        Ok(json!({
            "name": self.name,
            "conditions": conditions,
            "group_id": group,
            "required_skill_ids": skills.into_iter().flatten().collect::<Vec<_>>(),
            "set_priority": (!self.set_priority.is_empty()).then_some(&self.set_priority),
        }))
    }
}

/// A select with an "any" (or "none") first option.
fn select(id: &str, name: &str, empty: &str, current: &str, options: &[(String, &str)], inv: &Invalid, field: &str) -> Markup {
    html! {
        select id=(id) name=(name) aria-invalid=[inv.flag(field)] aria-describedby=[inv.described(field, id, None)] {
            option value="" { (empty) }
            @for (value, label) in options { option value=(value) selected[*value == current] { (label) } }
            @if !current.is_empty() && !options.iter().any(|(v, _)| v == current) { option value=(current) selected { (current) } }
        }
        (inv.note(field, id))
    }
}

/// The rule form; `editable` false shows it read-only (no `sla:manage`).
pub(super) fn rule_form(
    ctx: &Ctx,
    ch: &Choices,
    d: &RuleDraft,
    inv: &Invalid,
    action: &str,
    submit: &str,
    editable: bool,
) -> Markup {
    let (t, a, l) = (ctx.t, ctx.t.admin, ctx.t.sla);
    let types: Vec<(String, &str)> =
        TicketType::ALL.iter().map(|x| (x.as_str().to_owned(), type_label(ctx, x.as_str()))).collect();
    let channels: Vec<(String, &str)> = CHANNELS.iter().map(|c| ((*c).to_owned(), channel_label(ctx, c))).collect();
    let priorities: Vec<(String, &str)> =
        Priority::ALL.iter().map(|x| (x.as_str().to_owned(), t.c.priority(x.as_str()))).collect();
    let companies: Vec<(String, &str)> = ch.companies.iter().map(|c| (c.id.to_string(), c.name.as_str())).collect();
    let categories: Vec<(String, &str)> =
        AI_CATEGORIES.iter().map(|c| ((*c).to_owned(), crate::agent::category_label(ctx, c))).collect();
    let groups: Vec<(String, &str)> = ch.groups.iter().map(|g| (g.id.to_string(), g.name.as_str())).collect();
    html! {
        form method="post" action=(action) {
            (csrf(ctx))
            input type="hidden" name="action" value="save";
            (inv.summary(ctx))
            fieldset.plain disabled[!editable] {
                legend.visually-hidden { (l.routing_rule) }
                label for="rr-name" { (a.name) }
                input #rr-name name="name" required maxlength="200" autocomplete="off" value=(d.name)
                    aria-invalid=[inv.flag("name")] aria-describedby=[inv.described("name", "rr-name", None)];
                (inv.note("name", "rr-name"))
                fieldset {
                    legend { (l.conditions) }
                    p.hint { (l.conditions_hint) }
                    div.two {
                        div { label for="rr-type" { (l.ticket_type) } (select("rr-type", "type", l.any, &d.ticket_type, &types, inv, "conditions.type")) }
                        div { label for="rr-channel" { (l.channel) } (select("rr-channel", "channel", l.any, &d.channel, &channels, inv, "conditions.channel")) }
                        div { label for="rr-priority" { (t.c.priority) } (select("rr-priority", "priority", l.any, &d.priority, &priorities, inv, "conditions.priority")) }
                        div { label for="rr-company" { (a.company) } (select("rr-company", "company_id", l.any, &d.company_id, &companies, inv, "conditions.company_id")) }
                        div { label for="rr-category" { (t.agent.category) } (select("rr-category", "category", l.any, &d.category, &categories, inv, "conditions.category")) }
                    }
                    label for="rr-keywords" { (l.keywords) }
                    input #rr-keywords name="keywords" maxlength="5000" autocomplete="off" value=(d.keywords)
                        aria-invalid=[inv.flag("conditions.keywords")] aria-describedby=[inv.described("conditions.keywords", "rr-keywords", Some("rr-keywords-hint"))];
                    small #rr-keywords-hint.hint { (l.keywords_hint) }
                    (inv.note("conditions.keywords", "rr-keywords"))
                }
                label for="rr-group" { (l.send_to_group) }
                (select("rr-group", "group_id", a.choose, &d.group_id, &groups, inv, "group_id"))
                @if !ch.skills.is_empty() {
                    fieldset.perm-grid {
                        legend { (l.required_skills) }
                        @for k in &ch.skills {
                            @let id = format!("rr-skill-{}", k.id);
                            div {
                                input type="checkbox" id=(id) name="skill" value=(k.id) checked[d.skills.contains(&k.id.to_string())];
                                label for=(id) { (k.spec.name) }
                            }
                        }
                    }
                }
                (inv.note("required_skill_ids", "rr-skills"))
                label for="rr-set-priority" { (l.set_priority) }
                (select("rr-set-priority", "set_priority", l.keep_priority, &d.set_priority, &priorities, inv, "set_priority"))
            }
            @if editable { button.primary type="submit" { (submit) } }
        }
    }
}

/// A rule's conditions in words, for the list.
pub(super) fn conditions_summary(ctx: &Ctx, ch: &Choices, spec: &RoutingRuleSpec) -> Vec<String> {
    let (t, l) = (ctx.t, ctx.t.sla);
    let c = &spec.conditions;
    let mut out = Vec::new();
    if let Some(v) = &c.ticket_type {
        out.push(format!("{}: {}", l.ticket_type, type_label(ctx, v)));
    }
    if let Some(v) = &c.channel {
        out.push(format!("{}: {}", l.channel, channel_label(ctx, v)));
    }
    if let Some(v) = &c.priority {
        out.push(format!("{}: {}", t.c.priority, t.c.priority(v)));
    }
    if let Some(v) = c.company_id {
        out.push(format!("{}: {}", t.admin.company, ch.company(v).unwrap_or(t.c.unknown)));
    }
    if let Some(v) = &c.category {
        out.push(format!("{}: {}", t.agent.category, crate::agent::category_label(ctx, v)));
    }
    if !c.keywords.is_empty() {
        out.push(format!("{}: {}", l.keywords, c.keywords.join(", ")));
    }
    out
}
