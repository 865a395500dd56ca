//! Users: the list and the form for a new one.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use desk_core::{NewUserInput, UserPatchInput};
use desk_domain::permissions as perm;
use maud::html;
use serde::Deserialize;
use uuid::Uuid;

use super::{PAGE_SIZE, PageQuery, Section, all_companies, back_to, frame, nonempty, optional_id, pager};
use crate::UiState;
use crate::layout::csrf;
use crate::session::{Ctx, PageResult};

/// The users, newest first, and the form for a new user.
pub async fn users(State(s): State<UiState>, ctx: Ctx, Query(query): Query<PageQuery>) -> PageResult {
    let p = ctx.principal()?;
    let (t, a) = (ctx.t, ctx.t.admin);
    let mut list = if p.can(perm::USERS_READ) { Some(s.desk.list_users(p, query.page()).await?) } else { None };
    let more = list.as_ref().is_some_and(|rows| i64::try_from(rows.len()).unwrap_or(i64::MAX) > PAGE_SIZE);
    if let Some(rows) = &mut list {
        rows.truncate(usize::try_from(PAGE_SIZE).unwrap_or(usize::MAX));
    }
    let roles = if p.can(perm::ROLES_READ) { Some(s.desk.list_roles(p).await?) } else { None };
    let companies = all_companies(&s.desk, p).await?;
    let company_names: HashMap<_, _> = companies.iter().map(|c| (c.id, c.name.as_str())).collect();
    let content = html! {
        section.card aria-labelledby="users-list" {
            h2 #users-list { (a.all_users) }
            @match &list {
                None => p.muted { (a.list_hidden) },
                Some(rows) if rows.is_empty() => p.muted { (a.no_users) },
                Some(rows) => {
                    table.data aria-labelledby="users-list" {
                        thead { tr {
                            th scope="col" { (a.name) }
                            th scope="col" { (t.c.email) }
                            th scope="col" { (a.role) }
                            th scope="col" { (a.company) }
                            th scope="col" { (a.active) }
                        } }
                        tbody {
                            @for u in rows {
                                tr {
                                    th scope="row" { (u.name) }
                                    td data-label=(t.c.email) { (u.email) }
                                    td data-label=(a.role) {
                                        @if let Some(roles) = &roles {
                                            form.inline method="post" action={ (Section::Users.path()) "/" (u.id) } {
                                                (csrf(&ctx))
                                                label.visually-hidden for={ "role-" (u.id) } { (a.role) }
                                                select id={ "role-" (u.id) } name="role" {
                                                    @for r in roles.iter().filter(|r| r.staff == u.staff || u.company_id.is_none()) {
                                                        option value=(r.name) selected[r.name == u.role] { (r.name) }
                                                    }
                                                }
                                                label.visually-hidden for={ "status-" (u.id) } { (a.active) }
                                                select id={ "status-" (u.id) } name="status" {
                                                    option value="active" selected[u.active] { (a.active) }
                                                    option value="inactive" selected[!u.active] { (a.inactive) }
                                                }
                                                button type="submit" { (t.c.save) }
                                            }
                                        } @else {
                                            (u.role)
                                        }
                                    }
                                    td data-label=(a.company) {
                                        @match u.company_id {
                                            None => span.muted { (t.c.none) },
                                            Some(id) => (company_names.get(&id).copied().unwrap_or(t.c.unknown)),
                                        }
                                    }
                                    td data-label=(a.active) { @if u.active { (t.c.yes) } @else { span.muted { (t.c.no) } } }
                                }
                            }
                        }
                    }
                    (pager(&ctx, Section::Users.path(), query.offset(), more))
                }
            }
        }
        section.card aria-labelledby="new-user" {
            h2 #new-user { (a.new_user) }
            form method="post" action=(Section::Users.path()) {
                (csrf(&ctx))
                label for="u-email" { (t.c.email) }
                input #u-email name="email" type="email" required maxlength="254" autocomplete="off";
                label for="u-name" { (a.name) }
                input #u-name name="name" maxlength="200" autocomplete="off" aria-describedby="u-name-hint";
                small #u-name-hint.hint { (a.name_hint) }
                label for="u-role" { (a.role) }
                @if let Some(roles) = &roles {
                    select #u-role name="role" required {
                        option value="" { (a.choose) }
                        @for (label, staff) in [(a.staff_roles, true), (a.customer_roles, false)] {
                            @if roles.iter().any(|r| r.staff == staff) {
                                optgroup label=(label) {
                                    @for r in roles.iter().filter(|r| r.staff == staff) { option value=(r.name) { (r.name) } }
                                }
                            }
                        }
                    }
                } @else {
                    input #u-role name="role" required aria-describedby="u-role-hint";
                    small #u-role-hint.hint { (a.role_hint) }
                }
                @if !companies.is_empty() {
                    label for="u-company" { (a.company) }
                    select #u-company name="company_id" aria-describedby="u-company-hint" {
                        option value="" { (t.c.none) }
                        @for c in &companies { option value=(c.id) { (c.name) } }
                    }
                    small #u-company-hint.hint { (a.company_hint) }
                }
                label for="u-password" { (t.c.password) }
                input #u-password name="password" type="password" required minlength="10" autocomplete="new-password" aria-describedby="u-password-hint";
                small #u-password-hint.hint { (a.initial_password_hint) }
                button.primary type="submit" { (a.create_user) }
            }
        }
    };
    Ok(frame(&ctx, Section::Users, &content))
}

/// The new-user form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewUserForm {
    email: String,
    name: String,
    role: String,
    company_id: String,
    password: String,
}

/// Creates a user, then shows the list again.
pub async fn create_user(State(s): State<UiState>, ctx: Ctx, Form(f): Form<NewUserForm>) -> PageResult {
    let p = ctx.principal()?;
    let input = NewUserInput {
        email: f.email.trim().to_owned(),
        name: nonempty(&f.name),
        role: f.role.trim().to_owned(),
        password: f.password,
        company_id: optional_id(&f.company_id, "company_id")?,
    };
    s.desk.create_user(p, input).await?;
    Ok(back_to(Section::Users.path()))
}

/// A user row's form: role and status; empty fields change nothing.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct UserRowForm {
    role: String,
    status: String,
}

/// Changes a user's role or (de)activates them; deactivating signs them out everywhere.
pub async fn update_user(State(s): State<UiState>, ctx: Ctx, Path(id): Path<Uuid>, Form(f): Form<UserRowForm>) -> PageResult {
    let p = ctx.principal()?;
    let active = match f.status.as_str() {
        "active" => Some(true),
        "inactive" => Some(false),
        _ => None,
    };
    let input = UserPatchInput { name: None, role: nonempty(&f.role), active, available: None };
    s.desk.update_user(p, id, input).await?;
    Ok(back_to(Section::Users.path()))
}
