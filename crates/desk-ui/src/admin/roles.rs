//! Roles: one form per role with a checkbox per permission the code knows.

use axum::Form;
use axum::extract::{Path, State};
use desk_domain::permissions as perm;
use maud::html;
use uuid::Uuid;

use super::{Section, back_to, frame};
use crate::UiState;
use crate::i18n::fill;
use crate::layout::csrf;
use crate::session::{Ctx, PageResult};

/// The form field each checked permission is sent as.
const FIELD: &str = "permission";

/// Every role with its permissions as checkboxes.
pub async fn roles(State(s): State<UiState>, ctx: Ctx) -> PageResult {
    let p = ctx.principal()?;
    let a = ctx.t.admin;
    let roles = s.desk.list_roles(p).await?;
    let content = html! {
        @if roles.is_empty() { p.muted { (a.no_roles) } }
        @for r in &roles {
            @let heading = format!("role-{}", r.id);
            section.card #(heading) aria-labelledby={ (heading) "-title" } {
                h2 #{ (heading) "-title" } { (r.name) }
                p.muted { @if r.staff { (a.staff_role) } @else { (a.customer_role) } }
                form method="post" action={ (Section::Roles.path()) "/" (r.id) } {
                    (csrf(&ctx))
                    fieldset.perm-grid {
                        legend { (fill(a.permissions_of, &[("role", &r.name)])) }
                        @for (i, name) in perm::ALL.iter().enumerate() {
                            @let id = format!("r-{}-{i}", r.id);
                            div {
                                input type="checkbox" id=(id) name=(FIELD) value=(name)
                                    checked[r.permissions.iter().any(|x| x == name)] aria-describedby={ (id) "-d" };
                                label for=(id) { code { (name) } }
                                small.hint id={ (id) "-d" } { (a.permission(name)) }
                            }
                        }
                    }
                    @if r.name == p.user.role { p.hint { (a.own_role_hint) } }
                    button.primary type="submit" { (a.save_permissions) }
                }
            }
        }
    };
    Ok(frame(&ctx, Section::Roles, &content))
}

/// Saves a role's permissions: exactly the checked boxes.
pub async fn update_role(
    State(s): State<UiState>,
    ctx: Ctx,
    Path(id): Path<Uuid>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let p = ctx.principal()?;
    let permissions = fields.into_iter().filter(|(k, _)| k == FIELD).map(|(_, v)| v).collect();
    s.desk.set_role_permissions(p, id, permissions).await?;
    Ok(back_to(&format!("{}#role-{id}", Section::Roles.path())))
}
