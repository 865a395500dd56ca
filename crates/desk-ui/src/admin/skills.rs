//! Skills: the list (rename, delete, new), and per agent their skills with levels 1–5 and
//! whether automatic assignment may give them tickets.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use desk_core::{Configured, CoreError, SkillSpec, UserPatchInput};
use desk_domain::permissions as perm;
use desk_store::{UserRecord, UserSkill};
use maud::html;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::forms::{Fields, Invalid, split, with_status};
use super::{Section, all_users, back_to, frame};
use crate::UiState;
use crate::i18n::fill;
use crate::layout::csrf;
use crate::session::{Ctx, Failure, PageResult};

/// Levels an agent can hold a skill at.
const LEVELS: std::ops::RangeInclusive<i64> = 1..=5;

/// What a re-shown page marks: the errors of the new-skill form (`None`) or of one skill's
/// rename form, or why a delete was refused.
#[derive(Default)]
struct Marks {
    form: Option<Uuid>,
    invalid: Invalid,
    refused: Option<String>,
}

/// The skills, and every active agent with their skills and availability.
pub async fn skills(State(s): State<UiState>, ctx: Ctx) -> PageResult {
    render(&s, &ctx, &Marks::default()).await
}

async fn render(s: &UiState, ctx: &Ctx, marks: &Marks) -> PageResult {
    let p = ctx.principal()?;
    let skills = s.desk.list_docs::<SkillSpec>(p).await?;
    let agents: Option<Vec<(UserRecord, Vec<UserSkill>)>> = if p.can(perm::USERS_READ) {
        let mut out = Vec::new();
        for u in all_users(&s.desk, p).await?.into_iter().filter(|u| u.staff && u.active) {
            let held = s.desk.user_skills(p, u.id).await?;
            out.push((u, held));
        }
        Some(out)
    } else {
        None
    };
    Ok(page(ctx, &skills, agents.as_deref(), marks))
}

fn page(ctx: &Ctx, skills: &[Configured<SkillSpec>], agents: Option<&[(UserRecord, Vec<UserSkill>)]>, m: &Marks) -> Response {
    let (t, a, l) = (ctx.t, ctx.t.admin, ctx.t.sla);
    let base = Section::Skills.path();
    let manage = ctx.can(perm::SLA_MANAGE);
    let no_errors = Invalid::default();
    let errors_of = |form: Option<Uuid>| if m.form == form { &m.invalid } else { &no_errors };
    let content = html! {
        @if let Some(why) = &m.refused {
            div.alert role="alert" { p { strong { (l.delete_refused) } } p { (why) } }
        }
        section.card aria-labelledby="skills-list" {
            h2 #skills-list { (l.all_skills) }
            p.hint { (l.skills_intro) }
            @if skills.is_empty() {
                p.muted { (l.no_skills) }
            } @else {
                table.data aria-labelledby="skills-list" {
                    thead { tr { th scope="col" { (a.name) } @if manage { th scope="col" { (l.rename) } th scope="col" { (l.delete) } } } }
                    tbody {
                        @for k in skills {
                            @let inv = errors_of(Some(k.id));
                            @let field = format!("k-{}-name", k.id);
                            tr {
                                th scope="row" { (k.spec.name) }
                                @if manage {
                                    td data-label=(l.rename) {
                                        form.inline method="post" action={ (base) "/" (k.id) } {
                                            (csrf(ctx))
                                            input type="hidden" name="action" value="rename";
                                            label.visually-hidden for=(field) { (fill(l.rename_skill, &[("name", &k.spec.name)])) }
                                            input id=(field) name="name" required maxlength="100" autocomplete="off" value=(k.spec.name)
                                                aria-invalid=[inv.flag("name")] aria-describedby=[inv.described("name", &field, None)];
                                            button type="submit" { (l.rename) }
                                            (inv.note("name", &field))
                                        }
                                    }
                                    td data-label=(l.delete) {
                                        form.inline method="post" action={ (base) "/" (k.id) } {
                                            (csrf(ctx))
                                            input type="hidden" name="action" value="delete";
                                            button type="submit" { (l.delete) span.visually-hidden { ": " (k.spec.name) } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if manage {
                @let inv = errors_of(None);
                h3 { (l.new_skill) }
                form.inline method="post" action=(base) {
                    (csrf(ctx))
                    label for="k-new" { (a.name) }
                    input #k-new name="name" required maxlength="100" autocomplete="off"
                        aria-invalid=[inv.flag("name")] aria-describedby=[inv.described("name", "k-new", None)];
                    button.primary type="submit" { (l.create_skill) }
                    (inv.note("name", "k-new"))
                }
            }
        }
        section.card aria-labelledby="agents-list" {
            h2 #agents-list { (l.agents) }
            p.hint { (l.agents_intro) }
            @match agents {
                None => p.muted { (a.list_hidden) },
                Some([]) => p.muted { (l.no_agents) },
                Some(agents) => table.data aria-labelledby="agents-list" {
                    thead { tr { th scope="col" { (l.agent) } th scope="col" { (l.skill_levels) } th scope="col" { (l.assignment) } } }
                    tbody {
                        @for (u, held) in agents {
                            tr {
                                th scope="row" { (u.name) }
                                td data-label=(l.skill_levels) {
                                    @if skills.is_empty() { span.muted { (l.no_skills) } }
                                    @else {
                                        form.inline method="post" action={ "/admin/users/" (u.id) "/skills" } {
                                            (csrf(ctx))
                                            fieldset.plain.levels disabled[!manage] {
                                                legend.visually-hidden { (fill(l.skills_of, &[("name", &u.name)])) }
                                                @for k in skills {
                                                    @let id = format!("as-{}-{}", u.id, k.id);
                                                    @let level = held.iter().find(|h| h.skill_id == k.id).map(|h| h.level);
                                                    label for=(id) {
                                                        span { (k.spec.name) }
                                                        select id=(id) name={ "skill_" (k.id) } {
                                                            option value="" { "—" }
                                                            @for n in LEVELS { option value=(n) selected[level == Some(n)] { (n) } }
                                                        }
                                                    }
                                                }
                                            }
                                            @if manage { button type="submit" { (t.c.save) span.visually-hidden { ": " (u.name) } } }
                                        }
                                    }
                                }
                                td data-label=(l.assignment) {
                                    @if u.available { (l.available) } @else { strong { (l.unavailable) } }
                                    @if ctx.can(perm::USERS_MANAGE) {
                                        form.inline method="post" action={ "/admin/users/" (u.id) "/availability" } {
                                            (csrf(ctx))
                                            input type="hidden" name="available" value=(if u.available { "no" } else { "yes" });
                                            button type="submit" {
                                                @if u.available { (l.take_out) } @else { (l.put_back) }
                                                span.visually-hidden { ": " (u.name) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                },
            }
        }
    };
    frame(ctx, Section::Skills, &content)
}

/// The new-skill and rename forms.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SkillForm {
    action: String,
    name: String,
}

/// Creates a skill.
pub async fn create_skill(State(s): State<UiState>, ctx: Ctx, Form(f): Form<SkillForm>) -> PageResult {
    let p = ctx.principal()?;
    match split(s.desk.create_doc::<SkillSpec>(p, json!({"name": f.name.trim()})).await)? {
        Ok(_) => Ok(back_to(Section::Skills.path())),
        Err(invalid) => {
            let marks = Marks { form: None, invalid, refused: None };
            Ok(with_status(render(&s, &ctx, &marks).await?, StatusCode::UNPROCESSABLE_ENTITY))
        }
    }
}

/// Renames a skill, or deletes it (`action=delete`; refused while agents or rules use it).
pub async fn save_skill(State(s): State<UiState>, ctx: Ctx, Path(id): Path<Uuid>, Form(f): Form<SkillForm>) -> PageResult {
    let p = ctx.principal()?;
    if f.action == "delete" {
        return match s.desk.delete_doc::<SkillSpec>(p, id).await {
            Ok(()) => Ok(back_to(Section::Skills.path())),
            Err(CoreError::Conflict(why)) => {
                let marks = Marks { refused: Some(why), ..Marks::default() };
                Ok(with_status(render(&s, &ctx, &marks).await?, StatusCode::CONFLICT))
            }
            Err(e) => Err(e.into()),
        };
    }
    match split(s.desk.patch_doc::<SkillSpec>(p, id, json!({"name": f.name.trim()})).await)? {
        Ok(_) => Ok(back_to(Section::Skills.path())),
        Err(invalid) => {
            let marks = Marks { form: Some(id), invalid, refused: None };
            Ok(with_status(render(&s, &ctx, &marks).await?, StatusCode::UNPROCESSABLE_ENTITY))
        }
    }
}

/// Replaces an agent's skills with the levels chosen (`skill_{id}` = 1–5, empty for none).
pub async fn set_user_skills(
    State(s): State<UiState>,
    ctx: Ctx,
    Path(id): Path<Uuid>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let p = ctx.principal()?;
    let mut levels = Vec::new();
    for (key, value) in Fields(fields).0 {
        let Some(skill) = key.strip_prefix("skill_") else { continue };
        if value.trim().is_empty() {
            continue;
        }
        let skill = Uuid::try_parse(skill).map_err(|_| Failure(CoreError::field("skill", "is not a skill id")))?;
        let level = value.trim().parse::<i64>().map_err(|_| Failure(CoreError::field("level", "must be 1 to 5")))?;
        levels.push((skill, level));
    }
    s.desk.set_user_skills(p, id, levels).await?;
    Ok(back_to(&format!("{}#agents-list", Section::Skills.path())))
}

/// The availability form: `available` is `yes` or `no`.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AvailabilityForm {
    available: String,
}

/// Takes an agent out of automatic assignment, or puts them back.
pub async fn set_availability(
    State(s): State<UiState>,
    ctx: Ctx,
    Path(id): Path<Uuid>,
    Form(f): Form<AvailabilityForm>,
) -> PageResult {
    let p = ctx.principal()?;
    let available = match f.available.as_str() {
        "yes" => true,
        "no" => false,
        _ => return Err(Failure(CoreError::field("available", "must be yes or no"))),
    };
    s.desk.update_user(p, id, UserPatchInput { available: Some(available), ..UserPatchInput::default() }).await?;
    Ok(back_to(&format!("{}#agents-list", Section::Skills.path())))
}
