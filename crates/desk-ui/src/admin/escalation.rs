//! Escalation rules: what happens when a ticket breaches a target, turns critical, has an angry
//! customer or grows old. The list, a new rule, and a rule's page (edit, delete).

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use desk_core::Configured;
use desk_domain::permissions as perm;
use desk_domain::routing::{EscalationRuleSpec, Trigger};
use desk_domain::{Priority, Status};
use maud::{Markup, html};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::forms::{Fields, Invalid, id, number, split, with_status};
use super::rule_form::Choices;
use super::{Section, back_to, frame};
use crate::UiState;
use crate::i18n::fill;
use crate::layout::csrf;
use crate::session::{Ctx, PageResult};

/// The label of a trigger.
fn trigger_label(ctx: &Ctx, trigger: &str) -> &'static str {
    let l = ctx.t.sla;
    match trigger {
        "first_response_breach" => l.trigger_first_response_breach,
        "resolution_breach" => l.trigger_resolution_breach,
        "priority_critical" => l.trigger_priority_critical,
        "sentiment_angry" => l.trigger_sentiment_angry,
        "age" => l.trigger_age,
        _ => ctx.t.c.unknown,
    }
}

/// An escalation rule as the form shows it.
#[derive(Debug, Default)]
struct EscalationDraft {
    name: String,
    trigger: String,
    age_minutes: String,
    priority: String,
    escalate: bool,
    group_id: String,
    assignee_id: String,
    notify_role: String,
    notify_users: Vec<String>,
}

impl EscalationDraft {
    fn from_spec(spec: &EscalationRuleSpec) -> Self {
        let a = &spec.actions;
        let id_text = |v: Option<Uuid>| v.map(|v| v.to_string()).unwrap_or_default();
        Self {
            name: spec.name.clone(),
            trigger: spec.trigger.clone(),
            age_minutes: spec.age_minutes.map(|m| m.to_string()).unwrap_or_default(),
            priority: a.priority.clone().unwrap_or_default(),
            escalate: a.status.is_some(),
            group_id: id_text(a.group_id),
            assignee_id: id_text(a.assignee_id),
            notify_role: a.notify_role.clone().unwrap_or_default(),
            notify_users: a.notify_user_ids.iter().map(Uuid::to_string).collect(),
        }
    }

    fn from_form(f: &Fields) -> Self {
        Self {
            name: f.get("name").to_owned(),
            trigger: f.get("trigger").to_owned(),
            age_minutes: f.get("age_minutes").to_owned(),
            priority: f.get("priority").to_owned(),
            escalate: f.has("escalate"),
            group_id: f.get("group_id").to_owned(),
            assignee_id: f.get("assignee_id").to_owned(),
            notify_role: f.get("notify_role").to_owned(),
            notify_users: f.all("notify_user").into_iter().map(str::to_owned).collect(),
        }
    }

    /// The whole document, or the problems found reading the form.
    fn to_json(&self) -> Result<Value, Invalid> {
        let mut inv = Invalid::default();
        let age = number(&self.age_minutes, "age_minutes", &mut inv);
        let mut actions = Map::new();
        if !self.priority.is_empty() {
            actions.insert("priority".into(), json!(self.priority));
        }
        if self.escalate {
            actions.insert("status".into(), json!(Status::Escalated.as_str()));
        }
        if let Some(g) = id(&self.group_id, "actions.group_id", &mut inv) {
            actions.insert("group_id".into(), json!(g));
        }
        if let Some(u) = id(&self.assignee_id, "actions.assignee_id", &mut inv) {
            actions.insert("assignee_id".into(), json!(u));
        }
        if !self.notify_role.is_empty() {
            actions.insert("notify_role".into(), json!(self.notify_role));
        }
        let users: Vec<Uuid> = self
            .notify_users
            .iter()
            .enumerate()
            .filter_map(|(i, u)| id(u, &format!("actions.notify_user_ids[{i}]"), &mut inv))
            .collect();
        if !users.is_empty() {
            actions.insert("notify_user_ids".into(), json!(users));
        }
        if !inv.is_empty() {
            return Err(inv);
        }
        Ok(json!({"name": self.name, "trigger": self.trigger, "age_minutes": age, "actions": actions}))
    }
}

/// The rules and the form for a new one.
pub async fn escalation_rules(State(s): State<UiState>, ctx: Ctx) -> PageResult {
    let p = ctx.principal()?;
    let rules = s.desk.list_docs::<EscalationRuleSpec>(p).await?;
    let choices = Choices::load(&s.desk, p).await?;
    Ok(list_page(&ctx, &rules, &choices, &EscalationDraft::default(), &Invalid::default()))
}

/// What a rule does, in words.
fn actions_summary(ctx: &Ctx, ch: &Choices, spec: &EscalationRuleSpec) -> Vec<String> {
    let (t, l) = (ctx.t, ctx.t.sla);
    let a = &spec.actions;
    let mut out = Vec::new();
    if let Some(pr) = &a.priority {
        out.push(format!("{}: {}", l.set_priority, t.c.priority(pr)));
    }
    if a.status.is_some() {
        out.push(l.mark_escalated.to_owned());
    }
    if let Some(g) = a.group_id {
        out.push(format!("{}: {}", l.move_to_group, ch.group(g).unwrap_or(t.c.unknown)));
    }
    if let Some(u) = a.assignee_id {
        out.push(format!("{}: {}", l.assign_to, ch.user(u).unwrap_or(t.c.unknown)));
    }
    if let Some(r) = &a.notify_role {
        out.push(fill(l.notify_role_summary, &[("role", r)]));
    }
    if !a.notify_user_ids.is_empty() {
        let names: Vec<&str> = a.notify_user_ids.iter().map(|u| ch.user(*u).unwrap_or(t.c.unknown)).collect();
        out.push(format!("{}: {}", l.notify_users, names.join(", ")));
    }
    out
}

fn list_page(
    ctx: &Ctx,
    rules: &[Configured<EscalationRuleSpec>],
    ch: &Choices,
    draft: &EscalationDraft,
    inv: &Invalid,
) -> Response {
    let (t, l) = (ctx.t, ctx.t.sla);
    let base = Section::Escalation.path();
    let manage = ctx.can(perm::SLA_MANAGE);
    let content = html! {
        section.card aria-labelledby="esc-list" {
            h2 #esc-list { (l.all_escalation_rules) }
            p.hint { (l.escalation_intro) }
            @if rules.is_empty() {
                p.muted { (l.no_escalation_rules) }
            } @else {
                table.data aria-labelledby="esc-list" {
                    thead { tr { th scope="col" { (t.admin.name) } th scope="col" { (l.trigger) } th scope="col" { (l.actions) } } }
                    tbody {
                        @for r in rules {
                            @let actions = actions_summary(ctx, ch, &r.spec);
                            tr {
                                th scope="row" { a href={ (base) "/" (r.id) } { (r.spec.name) } }
                                td data-label=(l.trigger) {
                                    (trigger_label(ctx, &r.spec.trigger))
                                    @if let Some(m) = r.spec.age_minutes.filter(|_| r.spec.trigger == "age") { " (" (l.duration(m)) ")" }
                                }
                                td data-label=(l.actions) {
                                    @if actions.is_empty() { span.muted { (t.c.none) } }
                                    @else { ul.compact { @for x in &actions { li { (x) } } } }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if manage {
            section.card aria-labelledby="new-esc" {
                h2 #new-esc { (l.new_escalation_rule) }
                (escalation_form(ctx, ch, draft, inv, base, l.create_rule, true))
            }
        }
    };
    frame(ctx, Section::Escalation, &content)
}

fn escalation_form(
    ctx: &Ctx,
    ch: &Choices,
    d: &EscalationDraft,
    inv: &Invalid,
    action: &str,
    submit: &str,
    editable: bool,
) -> Markup {
    let (t, a, l) = (ctx.t, ctx.t.admin, ctx.t.sla);
    let sel = |current: &str, value: &str| current == value;
    html! {
        form method="post" action=(action) {
            (csrf(ctx))
            input type="hidden" name="action" value="save";
            (inv.summary(ctx))
            fieldset.plain disabled[!editable] {
                legend.visually-hidden { (l.escalation_rule) }
                label for="er-name" { (a.name) }
                input #er-name name="name" required maxlength="200" autocomplete="off" value=(d.name)
                    aria-invalid=[inv.flag("name")] aria-describedby=[inv.described("name", "er-name", None)];
                (inv.note("name", "er-name"))
                div.two {
                    div {
                        label for="er-trigger" { (l.trigger) }
                        select #er-trigger name="trigger" required aria-invalid=[inv.flag("trigger")] aria-describedby=[inv.described("trigger", "er-trigger", None)] {
                            option value="" { (a.choose) }
                            @for tr in Trigger::ALL { option value=(tr.as_str()) selected[sel(&d.trigger, tr.as_str())] { (trigger_label(ctx, tr.as_str())) } }
                        }
                        (inv.note("trigger", "er-trigger"))
                    }
                    div {
                        label for="er-age" { (l.age_minutes) }
                        input #er-age type="number" name="age_minutes" min="1" step="1" value=(d.age_minutes)
                            aria-invalid=[inv.flag("age_minutes")] aria-describedby=[inv.described("age_minutes", "er-age", Some("er-age-hint"))];
                        small #er-age-hint.hint { (l.age_minutes_hint) }
                        (inv.note("age_minutes", "er-age"))
                    }
                }
                fieldset {
                    legend { (l.actions) }
                    div.two {
                        div {
                            label for="er-priority" { (l.set_priority) }
                            select #er-priority name="priority" aria-invalid=[inv.flag("actions.priority")] aria-describedby=[inv.described("actions.priority", "er-priority", None)] {
                                option value="" { (l.keep_priority) }
                                @for pr in Priority::ALL { option value=(pr.as_str()) selected[sel(&d.priority, pr.as_str())] { (t.c.priority(pr.as_str())) } }
                            }
                            (inv.note("actions.priority", "er-priority"))
                        }
                        div {
                            label for="er-group" { (l.move_to_group) }
                            select #er-group name="group_id" aria-invalid=[inv.flag("actions.group_id")] aria-describedby=[inv.described("actions.group_id", "er-group", None)] {
                                option value="" { (l.keep_group) }
                                @for g in &ch.groups { option value=(g.id) selected[sel(&d.group_id, &g.id.to_string())] { (g.name) } }
                            }
                            (inv.note("actions.group_id", "er-group"))
                        }
                        div {
                            label for="er-assignee" { (l.assign_to) }
                            select #er-assignee name="assignee_id" aria-invalid=[inv.flag("actions.assignee_id")] aria-describedby=[inv.described("actions.assignee_id", "er-assignee", None)] {
                                option value="" { (l.keep_assignee) }
                                @for u in &ch.staff { option value=(u.id) selected[sel(&d.assignee_id, &u.id.to_string())] { (u.name) } }
                            }
                            (inv.note("actions.assignee_id", "er-assignee"))
                        }
                        div {
                            label for="er-role" { (l.notify_role) }
                            @match &ch.roles {
                                Some(roles) => {
                                    select #er-role name="notify_role" {
                                        option value="" { (t.c.none) }
                                        @for r in roles.iter().filter(|r| r.staff) { option value=(r.name) selected[sel(&d.notify_role, &r.name)] { (r.name) } }
                                    }
                                }
                                None => {
                                    input #er-role name="notify_role" maxlength="100" autocomplete="off" value=(d.notify_role);
                                }
                            }
                        }
                    }
                    label.check { input type="checkbox" name="escalate" value="on" checked[d.escalate]; " " (l.mark_escalated) }
                    @if !ch.staff.is_empty() {
                        fieldset.perm-grid {
                            legend { (l.notify_users) }
                            @for u in &ch.staff {
                                @let id = format!("er-user-{}", u.id);
                                div {
                                    input type="checkbox" id=(id) name="notify_user" value=(u.id) checked[d.notify_users.contains(&u.id.to_string())];
                                    label for=(id) { (u.name) }
                                }
                            }
                        }
                    }
                    (inv.note("actions.notify_user_ids", "er-users"))
                }
            }
            @if editable { button.primary type="submit" { (submit) } }
        }
    }
}

/// Creates a rule.
pub async fn create_escalation_rule(State(s): State<UiState>, ctx: Ctx, Form(fields): Form<Vec<(String, String)>>) -> PageResult {
    let p = ctx.principal()?;
    let draft = EscalationDraft::from_form(&Fields(fields));
    let inv = match draft.to_json() {
        Ok(doc) => match split(s.desk.create_doc::<EscalationRuleSpec>(p, doc).await)? {
            Ok(_) => return Ok(back_to(Section::Escalation.path())),
            Err(inv) => inv,
        },
        Err(inv) => inv,
    };
    let rules = s.desk.list_docs::<EscalationRuleSpec>(p).await?;
    let choices = Choices::load(&s.desk, p).await?;
    Ok(with_status(list_page(&ctx, &rules, &choices, &draft, &inv), StatusCode::UNPROCESSABLE_ENTITY))
}

/// One rule's page.
pub async fn escalation_rule(State(s): State<UiState>, ctx: Ctx, Path(id): Path<Uuid>) -> PageResult {
    let p = ctx.principal()?;
    let rule = s.desk.get_doc::<EscalationRuleSpec>(p, id).await?;
    let choices = Choices::load(&s.desk, p).await?;
    Ok(rule_page(&ctx, &rule, &choices, &EscalationDraft::from_spec(&rule.spec), &Invalid::default()))
}

fn rule_page(ctx: &Ctx, rule: &Configured<EscalationRuleSpec>, ch: &Choices, d: &EscalationDraft, inv: &Invalid) -> Response {
    let (t, l) = (ctx.t, ctx.t.sla);
    let base = format!("{}/{}", Section::Escalation.path(), rule.id);
    let manage = ctx.can(perm::SLA_MANAGE);
    let content = html! {
        p.crumbs { a href=(Section::Escalation.path()) { "← " (l.escalation_rules) } }
        section.card aria-labelledby="esc-edit" {
            h2 #esc-edit { (rule.spec.name) }
            (escalation_form(ctx, ch, d, inv, &base, t.c.save, manage))
        }
        @if manage {
            section.card aria-labelledby="esc-delete" {
                h2 #esc-delete { (l.delete_rule) }
                form method="post" action=(base) {
                    (csrf(ctx))
                    input type="hidden" name="action" value="delete";
                    button type="submit" { (l.delete_rule) }
                }
            }
        }
    };
    frame(ctx, Section::Escalation, &content)
}

/// Saves a rule (the whole form), or deletes it (`action=delete`).
pub async fn save_escalation_rule(
    State(s): State<UiState>,
    ctx: Ctx,
    Path(id): Path<Uuid>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let p = ctx.principal()?;
    let f = Fields(fields);
    if f.get("action") == "delete" {
        s.desk.delete_doc::<EscalationRuleSpec>(p, id).await?;
        return Ok(back_to(Section::Escalation.path()));
    }
    let draft = EscalationDraft::from_form(&f);
    let inv = match draft.to_json() {
        Ok(doc) => match split(s.desk.patch_doc::<EscalationRuleSpec>(p, id, doc).await)? {
            Ok(_) => return Ok(back_to(Section::Escalation.path())),
            Err(inv) => inv,
        },
        Err(inv) => inv,
    };
    let rule = s.desk.get_doc::<EscalationRuleSpec>(p, id).await?;
    let choices = Choices::load(&s.desk, p).await?;
    Ok(with_status(rule_page(&ctx, &rule, &choices, &draft, &inv), StatusCode::UNPROCESSABLE_ENTITY))
}
