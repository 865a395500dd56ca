//! SLA policies, one per customer tier: the list with each priority's targets, and a policy's
//! form (name, calendar or round the clock, first-response and resolution minutes per priority).

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use desk_core::Configured;
use desk_domain::Priority;
use desk_domain::calendar::CalendarSpec;
use desk_domain::permissions as perm;
use desk_domain::sla::PolicySpec;
use maud::{Markup, html};
use serde_json::{Value, json};
use uuid::Uuid;

use super::forms::{Fields, Invalid, id, number, split, with_status};
use super::{Section, back_to, frame};
use crate::UiState;
use crate::layout::csrf;
use crate::session::{Ctx, PageResult};

/// The label of a customer tier.
pub(super) fn tier_label(ctx: &Ctx, tier: &str) -> &'static str {
    let l = ctx.t.sla;
    match tier {
        "platinum" => l.tier_platinum,
        "gold" => l.tier_gold,
        "silver" => l.tier_silver,
        "bronze" => l.tier_bronze,
        "standard" => l.tier_standard,
        _ => ctx.t.c.unknown,
    }
}

/// The policies in tier order, each with its targets.
pub async fn policies(State(s): State<UiState>, ctx: Ctx) -> PageResult {
    let p = ctx.principal()?;
    let (t, l) = (ctx.t, ctx.t.sla);
    let list = s.desk.list_docs::<PolicySpec>(p).await?;
    let calendars: HashMap<Uuid, String> =
        s.desk.list_docs::<CalendarSpec>(p).await?.into_iter().map(|c| (c.id, c.spec.name)).collect();
    let base = Section::Policies.path();
    let content = html! {
        p.hint { (l.policies_intro) }
        @if list.is_empty() { p.muted { (l.no_policies) } }
        @for pol in &list {
            @let heading = format!("policy-{}", pol.id);
            section.card aria-labelledby=(heading) {
                h2 #(heading) { (pol.spec.name) }
                p {
                    (l.tier) ": " (tier_label(&ctx, &pol.spec.tier)) " · " (l.calendar) ": "
                    @match pol.spec.calendar_id {
                        None => (l.round_the_clock),
                        Some(cal) => (calendars.get(&cal).map_or(t.c.unknown, String::as_str)),
                    }
                }
                (targets_table(&ctx, &pol.spec, &heading))
                p { a href={ (base) "/" (pol.id) } {
                    @if ctx.can(perm::SLA_MANAGE) { (l.edit) } @else { (l.details) }
                    span.visually-hidden { " " (pol.spec.name) }
                } }
            }
        }
    };
    Ok(frame(&ctx, Section::Policies, &content))
}

fn targets_table(ctx: &Ctx, spec: &PolicySpec, labelled_by: &str) -> Markup {
    let (t, l) = (ctx.t, ctx.t.sla);
    html! {
        table.data aria-labelledby=(labelled_by) {
            thead { tr {
                th scope="col" { (t.c.priority) }
                th scope="col" { (l.first_response) }
                th scope="col" { (l.resolution) }
            } }
            tbody {
                @for pr in Priority::ALL.iter().rev() {
                    tr {
                        th scope="row" { (t.c.priority(pr.as_str())) }
                        @match spec.target(pr.as_str()) {
                            Some(x) => {
                                td data-label=(l.first_response) { (l.duration(x.first_response_minutes)) }
                                td data-label=(l.resolution) { (l.duration(x.resolution_minutes)) }
                            }
                            None => {
                                td data-label=(l.first_response) { span.muted { (l.no_target) } }
                                td data-label=(l.resolution) { span.muted { (l.no_target) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A policy as the form shows it: per priority the two minute fields as typed.
struct PolicyDraft {
    name: String,
    calendar_id: String,
    /// (priority, first response, resolution).
    targets: Vec<(&'static str, String, String)>,
}

impl PolicyDraft {
    fn from_spec(spec: &PolicySpec) -> Self {
        let targets = Priority::ALL
            .iter()
            .map(|pr| {
                let x = spec.target(pr.as_str());
                let show = |m: Option<i64>| m.map(|m| m.to_string()).unwrap_or_default();
                (pr.as_str(), show(x.map(|x| x.first_response_minutes)), show(x.map(|x| x.resolution_minutes)))
            })
            .collect();
        Self { name: spec.name.clone(), calendar_id: spec.calendar_id.map(|c| c.to_string()).unwrap_or_default(), targets }
    }

    fn from_form(f: &Fields) -> Self {
        Self {
            name: f.get("name").to_owned(),
            calendar_id: f.get("calendar_id").to_owned(),
            targets: Priority::ALL
                .iter()
                .map(|pr| (pr.as_str(), f.get(&format!("fr_{pr}")).to_owned(), f.get(&format!("res_{pr}")).to_owned()))
                .collect(),
        }
    }

    /// The API's index of each priority's target: priorities left empty are not sent.
    fn index(&self, priority: &str) -> Option<usize> {
        self.targets.iter().filter(|(_, fr, res)| !(fr.is_empty() && res.is_empty())).position(|(pr, _, _)| *pr == priority)
    }

    /// The patch, or the problems found reading the form.
    fn to_json(&self) -> Result<Value, Invalid> {
        let mut inv = Invalid::default();
        let calendar = id(&self.calendar_id, "calendar_id", &mut inv);
        let mut targets = Vec::new();
        for (pr, fr, res) in &self.targets {
            let Some(k) = self.index(pr) else { continue };
            let mut minutes = |raw: &str, field: &str| {
                let name = format!("targets[{k}].{field}");
                let n = number(raw, &name, &mut inv);
                if raw.is_empty() {
                    inv.add(&name, "must not be empty when the other target is set");
                }
                n.unwrap_or(0)
            };
            let (fr, res) = (minutes(fr, "first_response_minutes"), minutes(res, "resolution_minutes"));
            targets.push(json!({"priority": pr, "first_response_minutes": fr, "resolution_minutes": res}));
        }
        if inv.is_empty() { Ok(json!({"name": self.name, "calendar_id": calendar, "targets": targets})) } else { Err(inv) }
    }
}

/// One policy's form.
pub async fn policy(State(s): State<UiState>, ctx: Ctx, Path(id): Path<Uuid>) -> PageResult {
    let p = ctx.principal()?;
    let pol = s.desk.get_doc::<PolicySpec>(p, id).await?;
    let calendars = s.desk.list_docs::<CalendarSpec>(p).await?;
    Ok(policy_page(&ctx, &pol, &calendars, &PolicyDraft::from_spec(&pol.spec), &Invalid::default()))
}

fn policy_page(
    ctx: &Ctx,
    pol: &Configured<PolicySpec>,
    calendars: &[Configured<CalendarSpec>],
    draft: &PolicyDraft,
    inv: &Invalid,
) -> Response {
    let (t, a, l) = (ctx.t, ctx.t.admin, ctx.t.sla);
    let base = format!("{}/{}", Section::Policies.path(), pol.id);
    let editable = ctx.can(perm::SLA_MANAGE);
    let content = html! {
        p.crumbs { a href=(Section::Policies.path()) { "← " (l.policies) } }
        section.card aria-labelledby="policy-edit" {
            h2 #policy-edit { (pol.spec.name) }
            p { (l.tier) ": " (tier_label(ctx, &pol.spec.tier)) }
            p.hint { (l.policy_tier_hint) }
            form method="post" action=(base) {
                (csrf(ctx))
                (inv.summary(ctx))
                fieldset.plain disabled[!editable] {
                    legend.visually-hidden { (pol.spec.name) }
                    label for="pol-name" { (a.name) }
                    input #pol-name name="name" required maxlength="200" autocomplete="off" value=(draft.name)
                        aria-invalid=[inv.flag("name")] aria-describedby=[inv.described("name", "pol-name", None)];
                    (inv.note("name", "pol-name"))
                    label for="pol-calendar" { (l.calendar) }
                    select #pol-calendar name="calendar_id" aria-describedby="pol-calendar-hint" aria-invalid=[inv.flag("calendar_id")] {
                        option value="" { (l.round_the_clock) }
                        @for c in calendars { option value=(c.id) selected[c.id.to_string() == draft.calendar_id] { (c.spec.name) } }
                    }
                    small #pol-calendar-hint.hint { (l.policy_calendar_hint) }
                    (inv.note("calendar_id", "pol-calendar"))
                    fieldset.rows {
                        legend { (l.targets) }
                        p #targets-hint.hint { (l.targets_hint) }
                        (inv.note("targets", "targets"))
                        table.data {
                            thead { tr { th scope="col" { (t.c.priority) } th scope="col" { (l.first_response_minutes) } th scope="col" { (l.resolution_minutes) } } }
                            tbody {
                                @for (pr, fr, res) in draft.targets.iter().rev() {
                                    @let index = draft.index(pr);
                                    @let field = |f: &str| index.map(|k| format!("targets[{k}].{f}")).unwrap_or_default();
                                    @let (fr_id, res_id) = (format!("fr-{pr}"), format!("res-{pr}"));
                                    tr {
                                        th scope="row" { (t.c.priority(pr)) (inv.note(&field("priority"), &format!("pr-{pr}"))) }
                                        td data-label=(l.first_response_minutes) {
                                            label.visually-hidden for=(fr_id) { (l.first_response_minutes) " · " (t.c.priority(pr)) }
                                            input id=(fr_id) type="number" name={ "fr_" (pr) } min="1" step="1" value=(fr)
                                                aria-invalid=[inv.flag(&field("first_response_minutes"))]
                                                aria-describedby=[inv.described(&field("first_response_minutes"), &fr_id, Some("targets-hint"))];
                                            (inv.note(&field("first_response_minutes"), &fr_id))
                                        }
                                        td data-label=(l.resolution_minutes) {
                                            label.visually-hidden for=(res_id) { (l.resolution_minutes) " · " (t.c.priority(pr)) }
                                            input id=(res_id) type="number" name={ "res_" (pr) } min="1" step="1" value=(res)
                                                aria-invalid=[inv.flag(&field("resolution_minutes"))]
                                                aria-describedby=[inv.described(&field("resolution_minutes"), &res_id, Some("targets-hint"))];
                                            (inv.note(&field("resolution_minutes"), &res_id))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                @if editable { button.primary type="submit" { (l.save_policy) } }
            }
        }
    };
    frame(ctx, Section::Policies, &content)
}

/// Saves a policy's name, calendar and targets.
pub async fn save_policy(
    State(s): State<UiState>,
    ctx: Ctx,
    Path(id): Path<Uuid>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let p = ctx.principal()?;
    let draft = PolicyDraft::from_form(&Fields(fields));
    let inv = match draft.to_json() {
        Ok(patch) => match split(s.desk.patch_doc::<PolicySpec>(p, id, patch).await)? {
            Ok(_) => return Ok(back_to(Section::Policies.path())),
            Err(inv) => inv,
        },
        Err(inv) => inv,
    };
    let pol = s.desk.get_doc::<PolicySpec>(p, id).await?;
    let calendars = s.desk.list_docs::<CalendarSpec>(p).await?;
    Ok(with_status(policy_page(&ctx, &pol, &calendars, &draft, &inv), StatusCode::UNPROCESSABLE_ENTITY))
}
