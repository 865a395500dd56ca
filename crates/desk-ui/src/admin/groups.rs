//! Agent groups: their members, a form per group to add a staff member, how each group hands
//! out its tickets (assignment mode, open-ticket limit), and a new group.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, State};
use desk_core::{CoreError, GroupAssignmentInput};
use desk_domain::permissions as perm;
use desk_domain::routing::AssignmentMode;
use maud::html;
use serde::Deserialize;
use uuid::Uuid;

use super::{Section, all_users, back_to, frame, required_id};
use crate::UiState;
use crate::layout::csrf;
use crate::session::{Ctx, Failure, PageResult};

/// The label of an assignment mode.
fn mode_label(ctx: &Ctx, mode: &str) -> &'static str {
    let l = ctx.t.sla;
    match mode {
        "manual" => l.mode_manual,
        "round_robin" => l.mode_round_robin,
        "least_loaded" => l.mode_least_loaded,
        "skills" => l.mode_skills,
        _ => ctx.t.c.unknown,
    }
}

/// The groups with their members.
pub async fn groups(State(s): State<UiState>, ctx: Ctx) -> PageResult {
    let p = ctx.principal()?;
    let (t, a, sla) = (ctx.t, ctx.t.admin, ctx.t.sla);
    let groups = if p.can(perm::GROUPS_READ) { Some(s.desk.list_groups(p).await?) } else { None };
    let users = all_users(&s.desk, p).await?;
    let names: HashMap<Uuid, &str> = users.iter().map(|u| (u.id, u.name.as_str())).collect();
    let staff: Vec<_> = users.iter().filter(|u| u.staff && u.active).collect();
    let base = Section::Groups.path();
    let content = html! {
        section.card aria-labelledby="groups-list" {
            h2 #groups-list { (a.all_groups) }
            @match groups.as_deref() {
                None => p.muted { (a.list_hidden) },
                Some([]) => p.muted { (a.no_groups) },
                Some(groups) => table.data aria-labelledby="groups-list" {
                    thead { tr {
                        th scope="col" { (a.group) }
                        th scope="col" { (a.members) }
                        th scope="col" { (a.add_member) }
                        th scope="col" { (sla.assignment) }
                    } }
                    tbody {
                        @for g in groups {
                            @let candidates: Vec<_> = staff.iter().filter(|u| !g.member_ids.contains(&u.id)).collect();
                            @let select = format!("g-{}-user", g.id);
                            tr {
                                th scope="row" { (g.name) }
                                td data-label=(a.members) {
                                    @if g.member_ids.is_empty() {
                                        span.muted { (t.c.none) }
                                    } @else {
                                        ul {
                                            @for m in &g.member_ids { li { (names.get(m).copied().unwrap_or(t.c.unknown)) } }
                                        }
                                    }
                                }
                                td data-label=(a.add_member) {
                                    @if candidates.is_empty() {
                                        span.muted { (a.no_candidates) }
                                    } @else {
                                        form.inline method="post" action={ (base) "/" (g.id) "/members" } {
                                            (csrf(&ctx))
                                            label for=(select) { (a.add_member) }
                                            " "
                                            select #(select) name="user_id" required {
                                                option value="" { (a.choose) }
                                                @for u in &candidates { option value=(u.id) { (u.name) " (" (u.email) ")" } }
                                            }
                                            " "
                                            button type="submit" { (a.add) }
                                        }
                                    }
                                }
                                td data-label=(sla.assignment) {
                                    form.inline method="post" action={ (base) "/" (g.id) } {
                                        (csrf(&ctx))
                                        label for={ "g-" (g.id) "-mode" } { (sla.assignment_mode) }
                                        select id={ "g-" (g.id) "-mode" } name="assignment" {
                                            @for m in AssignmentMode::ALL {
                                                option value=(m.as_str()) selected[m.as_str() == g.assignment] { (mode_label(&ctx, m.as_str())) }
                                            }
                                        }
                                        label for={ "g-" (g.id) "-max" } { (sla.max_open) }
                                        input id={ "g-" (g.id) "-max" } type="number" name="max_open" min="1" max="10000" step="1"
                                            value=[g.max_open] aria-describedby="max-open-hint";
                                        button type="submit" { (t.c.save) span.visually-hidden { ": " (g.name) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if groups.as_ref().is_some_and(|g| !g.is_empty()) { p #max-open-hint.hint { (sla.modes_hint) " " (sla.max_open_hint) } }
        }
        section.card aria-labelledby="new-group" {
            h2 #new-group { (a.new_group) }
            form method="post" action=(base) {
                (csrf(&ctx))
                label for="g-name" { (a.name) }
                input #g-name name="name" required maxlength="100" autocomplete="off";
                button.primary type="submit" { (a.create_group) }
            }
        }
    };
    Ok(frame(&ctx, Section::Groups, &content))
}

/// The new-group form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewGroupForm {
    name: String,
}

/// Creates a group.
pub async fn create_group(State(s): State<UiState>, ctx: Ctx, Form(f): Form<NewGroupForm>) -> PageResult {
    let p = ctx.principal()?;
    s.desk.create_group(p, &f.name).await?;
    Ok(back_to(Section::Groups.path()))
}

/// The add-member form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MemberForm {
    user_id: String,
}

/// Adds a staff member to a group.
pub async fn add_member(State(s): State<UiState>, ctx: Ctx, Path(id): Path<Uuid>, Form(f): Form<MemberForm>) -> PageResult {
    let p = ctx.principal()?;
    s.desk.add_group_member(p, id, required_id(&f.user_id, "user_id")?).await?;
    Ok(back_to(Section::Groups.path()))
}

/// The assignment form of a group.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AssignmentForm {
    assignment: String,
    max_open: String,
}

/// Sets how a group hands out its tickets; an empty limit means none.
pub async fn update_group(State(s): State<UiState>, ctx: Ctx, Path(id): Path<Uuid>, Form(f): Form<AssignmentForm>) -> PageResult {
    let p = ctx.principal()?;
    if f.assignment.trim().is_empty() {
        return Err(Failure(CoreError::field("assignment", "choose how the group assigns its tickets")));
    }
    let max_open = match f.max_open.trim() {
        "" => None,
        n => Some(n.parse::<i64>().map_err(|_| Failure(CoreError::field("max_open", "must be a whole number")))?),
    };
    let input = GroupAssignmentInput { assignment: Some(f.assignment.trim().to_owned()), max_open: Some(max_open) };
    s.desk.update_group(p, id, input).await?;
    Ok(back_to(Section::Groups.path()))
}
