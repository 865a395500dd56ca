//! The workspace's settings: its time zone (reports, due times on ticket pages, new calendars),
//! how many days resolved tickets wait before closing by themselves, and the group tickets go
//! to when no routing rule matches.

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use desk_core::SettingsInput;
use desk_domain::permissions as perm;
use desk_store::GroupRecord;
use maud::html;
use serde::Deserialize;

use super::forms::{Invalid, id, number, split, with_status};
use super::{Section, back_to, frame};
use crate::UiState;
use crate::layout::csrf;
use crate::session::{Ctx, PageResult};

/// The settings form as typed.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SettingsForm {
    time_zone: String,
    auto_close_days: String,
    default_group_id: String,
}

/// The settings and their form.
pub async fn settings(State(s): State<UiState>, ctx: Ctx) -> PageResult {
    let p = ctx.principal()?;
    let cur = s.desk.settings(p).await?;
    let groups = if p.can(perm::GROUPS_READ) { s.desk.list_groups(p).await? } else { Vec::new() };
    let form = SettingsForm {
        time_zone: cur.time_zone,
        auto_close_days: cur.auto_close_days.to_string(),
        default_group_id: cur.default_group_id.map(|g| g.to_string()).unwrap_or_default(),
    };
    Ok(settings_page(&ctx, &form, &groups, &Invalid::default()))
}

fn settings_page(ctx: &Ctx, f: &SettingsForm, groups: &[GroupRecord], inv: &Invalid) -> Response {
    let (t, l) = (ctx.t, ctx.t.sla);
    let editable = ctx.can(perm::SLA_MANAGE);
    let content = html! {
        section.card aria-labelledby="settings-edit" {
            h2 #settings-edit { (l.workspace_settings) }
            form method="post" action=(Section::Settings.path()) {
                (csrf(ctx))
                (inv.summary(ctx))
                fieldset.plain disabled[!editable] {
                    legend.visually-hidden { (l.workspace_settings) }
                    label for="st-tz" { (l.time_zone) }
                    input #st-tz name="time_zone" required maxlength="64" autocomplete="off" value=(f.time_zone)
                        aria-invalid=[inv.flag("time_zone")] aria-describedby=[inv.described("time_zone", "st-tz", Some("st-tz-hint"))];
                    small #st-tz-hint.hint { (l.workspace_zone_hint) }
                    (inv.note("time_zone", "st-tz"))
                    label for="st-close" { (l.auto_close_days) }
                    input #st-close type="number" name="auto_close_days" required min="0" max="365" step="1" value=(f.auto_close_days)
                        aria-invalid=[inv.flag("auto_close_days")] aria-describedby=[inv.described("auto_close_days", "st-close", Some("st-close-hint"))];
                    small #st-close-hint.hint { (l.auto_close_hint) }
                    (inv.note("auto_close_days", "st-close"))
                    label for="st-group" { (l.default_group) }
                    select #st-group name="default_group_id" aria-invalid=[inv.flag("default_group_id")]
                        aria-describedby=[inv.described("default_group_id", "st-group", Some("st-group-hint"))] {
                        option value="" { (t.c.none) }
                        @for g in groups { option value=(g.id) selected[g.id.to_string() == f.default_group_id] { (g.name) } }
                    }
                    small #st-group-hint.hint { (l.default_group_hint) }
                    (inv.note("default_group_id", "st-group"))
                }
                @if editable { button.primary type="submit" { (t.c.save) } }
            }
        }
    };
    frame(ctx, Section::Settings, &content)
}

/// Saves every field of the form.
pub async fn save_settings(State(s): State<UiState>, ctx: Ctx, Form(f): Form<SettingsForm>) -> PageResult {
    let p = ctx.principal()?;
    let mut inv = Invalid::default();
    let days = number(f.auto_close_days.trim(), "auto_close_days", &mut inv);
    if f.auto_close_days.trim().is_empty() {
        inv.add("auto_close_days", "must not be empty");
    }
    let group = id(f.default_group_id.trim(), "default_group_id", &mut inv);
    if inv.is_empty() {
        let input = SettingsInput {
            time_zone: Some(f.time_zone.trim().to_owned()),
            auto_close_days: days,
            default_group_id: Some(group),
        };
        match split(s.desk.update_settings(p, input).await)? {
            Ok(_) => return Ok(back_to(Section::Settings.path())),
            Err(errors) => inv = errors,
        }
    }
    let groups = if p.can(perm::GROUPS_READ) { s.desk.list_groups(p).await? } else { Vec::new() };
    Ok(with_status(settings_page(&ctx, &f, &groups, &inv), StatusCode::UNPROCESSABLE_ENTITY))
}
