//! Routing rules: the list in the order they are tried, with buttons that move a rule up or
//! down (plain forms, so ordering needs no script), a new rule, and a rule's page (edit, delete).

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use desk_core::{Configured, CoreError};
use desk_domain::permissions as perm;
use desk_domain::routing::RoutingRuleSpec;
use maud::html;
use serde_json::json;
use uuid::Uuid;

use super::forms::{Fields, Invalid, split, with_status};
use super::rule_form::{Choices, RuleDraft, conditions_summary, rule_form};
use super::{Section, back_to, frame};
use crate::UiState;
use crate::layout::csrf;
use crate::session::{Ctx, Failure, PageResult};

/// The rules in the order routing tries them (lowest position first, then by name).
async fn ordered(s: &UiState, ctx: &Ctx) -> Result<Vec<Configured<RoutingRuleSpec>>, Failure> {
    let mut rules = s.desk.list_docs::<RoutingRuleSpec>(ctx.principal()?).await?;
    rules.sort_by(|a, b| (a.spec.position, &a.spec.name).cmp(&(b.spec.position, &b.spec.name)));
    Ok(rules)
}

/// The rules in order and the form for a new one.
pub async fn routing_rules(State(s): State<UiState>, ctx: Ctx) -> PageResult {
    let rules = ordered(&s, &ctx).await?;
    let choices = Choices::load(&s.desk, ctx.principal()?).await?;
    Ok(list_page(&ctx, &rules, &choices, &RuleDraft::default(), &Invalid::default()))
}

fn list_page(ctx: &Ctx, rules: &[Configured<RoutingRuleSpec>], ch: &Choices, draft: &RuleDraft, inv: &Invalid) -> Response {
    let (t, l) = (ctx.t, ctx.t.sla);
    let base = Section::Routing.path();
    let manage = ctx.can(perm::SLA_MANAGE);
    let content = html! {
        section.card aria-labelledby="rules-list" {
            h2 #rules-list { (l.rules_in_order) }
            p.hint { (l.routing_intro) }
            @if rules.is_empty() {
                p.muted { (l.no_routing_rules) }
            } @else {
                table.data aria-labelledby="rules-list" {
                    thead { tr {
                        th scope="col" { "#" }
                        th scope="col" { (t.admin.name) }
                        th scope="col" { (l.conditions) }
                        th scope="col" { (l.send_to_group) }
                        th scope="col" { (l.required_skills) }
                        th scope="col" { (l.set_priority) }
                        @if manage { th scope="col" { (l.order) } }
                    } }
                    tbody {
                        @for (i, r) in rules.iter().enumerate() {
                            @let conditions = conditions_summary(ctx, ch, &r.spec);
                            tr {
                                td data-label="#" { (i + 1) }
                                th scope="row" { a href={ (base) "/" (r.id) } { (r.spec.name) } }
                                td data-label=(l.conditions) {
                                    @if conditions.is_empty() { span.muted { (l.every_ticket) } }
                                    @else { ul.compact { @for c in &conditions { li { (c) } } } }
                                }
                                td data-label=(l.send_to_group) { (ch.group(r.spec.group_id).unwrap_or(t.c.unknown)) }
                                td data-label=(l.required_skills) {
                                    @if r.spec.required_skill_ids.is_empty() { span.muted { (t.c.none) } }
                                    @else { (r.spec.required_skill_ids.iter().map(|k| ch.skill(*k).unwrap_or(t.c.unknown)).collect::<Vec<_>>().join(", ")) }
                                }
                                td data-label=(l.set_priority) {
                                    @match &r.spec.set_priority { Some(pr) => (t.c.priority(pr)), None => span.muted { (l.keep_priority) } }
                                }
                                @if manage {
                                    td data-label=(l.order) {
                                        div.quick {
                                            @for (dir, arrow, label, shown) in [("up", "↑", l.move_up, i > 0), ("down", "↓", l.move_down, i + 1 < rules.len())] {
                                                @if shown {
                                                    form method="post" action={ (base) "/" (r.id) "/move" } {
                                                        (csrf(ctx))
                                                        input type="hidden" name="direction" value=(dir);
                                                        button type="submit" {
                                                            span aria-hidden="true" { (arrow) " " } (label) span.visually-hidden { ": " (r.spec.name) }
                                                        }
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if manage {
            section.card aria-labelledby="new-rule" {
                h2 #new-rule { (l.new_routing_rule) }
                (rule_form(ctx, ch, draft, inv, base, l.create_rule, true))
            }
        }
    };
    frame(ctx, Section::Routing, &content)
}

/// Creates a rule, tried after every existing one.
pub async fn create_routing_rule(State(s): State<UiState>, ctx: Ctx, Form(fields): Form<Vec<(String, String)>>) -> PageResult {
    let p = ctx.principal()?;
    let draft = RuleDraft::from_form(&Fields(fields));
    let rules = ordered(&s, &ctx).await?;
    let inv = match draft.to_json() {
        Ok(mut doc) => {
            doc["position"] = json!(rules.last().map_or(1, |r| r.spec.position.saturating_add(1)));
            match split(s.desk.create_doc::<RoutingRuleSpec>(p, doc).await)? {
                Ok(_) => return Ok(back_to(Section::Routing.path())),
                Err(inv) => inv,
            }
        }
        Err(inv) => inv,
    };
    let choices = Choices::load(&s.desk, p).await?;
    Ok(with_status(list_page(&ctx, &rules, &choices, &draft, &inv), StatusCode::UNPROCESSABLE_ENTITY))
}

/// One rule's page.
pub async fn routing_rule(State(s): State<UiState>, ctx: Ctx, Path(id): Path<Uuid>) -> PageResult {
    let p = ctx.principal()?;
    let rule = s.desk.get_doc::<RoutingRuleSpec>(p, id).await?;
    let choices = Choices::load(&s.desk, p).await?;
    Ok(rule_page(&ctx, &rule, &choices, &RuleDraft::from_spec(&rule.spec), &Invalid::default()))
}

fn rule_page(ctx: &Ctx, rule: &Configured<RoutingRuleSpec>, ch: &Choices, draft: &RuleDraft, inv: &Invalid) -> Response {
    let (t, l) = (ctx.t, ctx.t.sla);
    let base = format!("{}/{}", Section::Routing.path(), rule.id);
    let manage = ctx.can(perm::SLA_MANAGE);
    let content = html! {
        p.crumbs { a href=(Section::Routing.path()) { "← " (l.routing_rules) } }
        section.card aria-labelledby="rule-edit" {
            h2 #rule-edit { (rule.spec.name) }
            (rule_form(ctx, ch, draft, inv, &base, t.c.save, manage))
        }
        @if manage {
            section.card aria-labelledby="rule-delete" {
                h2 #rule-delete { (l.delete_rule) }
                form method="post" action=(base) {
                    (csrf(ctx))
                    input type="hidden" name="action" value="delete";
                    button type="submit" { (l.delete_rule) }
                }
            }
        }
    };
    frame(ctx, Section::Routing, &content)
}

/// Saves a rule (its position stays), or deletes it (`action=delete`).
pub async fn save_routing_rule(
    State(s): State<UiState>,
    ctx: Ctx,
    Path(id): Path<Uuid>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let p = ctx.principal()?;
    let f = Fields(fields);
    if f.get("action") == "delete" {
        s.desk.delete_doc::<RoutingRuleSpec>(p, id).await?;
        return Ok(back_to(Section::Routing.path()));
    }
    let draft = RuleDraft::from_form(&f);
    let inv = match draft.to_json() {
        Ok(patch) => match split(s.desk.patch_doc::<RoutingRuleSpec>(p, id, patch).await)? {
            Ok(_) => return Ok(back_to(Section::Routing.path())),
            Err(inv) => inv,
        },
        Err(inv) => inv,
    };
    let rule = s.desk.get_doc::<RoutingRuleSpec>(p, id).await?;
    let choices = Choices::load(&s.desk, p).await?;
    Ok(with_status(rule_page(&ctx, &rule, &choices, &draft, &inv), StatusCode::UNPROCESSABLE_ENTITY))
}

/// The move form: `direction` is `up` or `down`.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct MoveForm {
    direction: String,
}

/// Swaps a rule with its neighbour and numbers the rules 1, 2, 3… in the new order, so equal
/// positions (rules written through the API) cannot keep the move from showing.
pub async fn move_routing_rule(State(s): State<UiState>, ctx: Ctx, Path(id): Path<Uuid>, Form(f): Form<MoveForm>) -> PageResult {
    let p = ctx.principal()?;
    let up = match f.direction.as_str() {
        "up" => true,
        "down" => false,
        _ => return Err(Failure(CoreError::field("direction", "must be up or down"))),
    };
    let mut rules = ordered(&s, &ctx).await?;
    let from = rules.iter().position(|r| r.id == id).ok_or(Failure(CoreError::NotFound))?;
    let to = if up { from.checked_sub(1) } else { Some(from + 1).filter(|to| *to < rules.len()) };
    if let Some(to) = to {
        rules.swap(from, to);
    }
    for (n, r) in rules.iter().enumerate() {
        let position = i64::try_from(n).unwrap_or(i64::MAX - 1) + 1;
        if r.spec.position != position {
            s.desk.patch_doc::<RoutingRuleSpec>(p, r.id, json!({"position": position})).await?;
        }
    }
    Ok(Redirect::to(&format!("{}#rules-list", Section::Routing.path())).into_response())
}
