//! Business-hours calendars: the list, a new calendar, one calendar's page (edit, delete, and
//! the due-time preview: when a target of N working minutes from a start falls due).

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use desk_core::{Configured, CoreError};
use desk_domain::calendar::CalendarSpec;
use desk_domain::permissions as perm;
use maud::html;
use serde::Deserialize;
use uuid::Uuid;

use super::calendar_form::{CalendarDraft, calendar_form, hours_summary};
use super::forms::{Fields, Invalid, split, with_status};
use super::{Section, back_to, frame};
use crate::UiState;
use crate::i18n::fill;
use crate::layout::{csrf, zone, zoned_time};
use crate::session::{Ctx, Failure, PageResult};

/// The workspace's time zone, the one a new calendar starts with.
async fn home_zone(s: &UiState, ctx: &Ctx) -> Result<String, Failure> {
    Ok(s.desk.settings(ctx.principal()?).await.map(|st| st.time_zone)?)
}

/// The calendars and the form for a new one.
pub async fn calendars(State(s): State<UiState>, ctx: Ctx) -> PageResult {
    let p = ctx.principal()?;
    let list = s.desk.list_docs::<CalendarSpec>(p).await?;
    let draft = CalendarDraft::blank(&home_zone(&s, &ctx).await?);
    Ok(list_page(&ctx, &list, &draft, &Invalid::default()))
}

fn list_page(ctx: &Ctx, list: &[Configured<CalendarSpec>], draft: &CalendarDraft, inv: &Invalid) -> Response {
    let (a, l) = (ctx.t.admin, ctx.t.sla);
    let base = Section::Calendars.path();
    let content = html! {
        section.card aria-labelledby="calendars-list" {
            h2 #calendars-list { (l.all_calendars) }
            p.hint { (l.calendars_intro) }
            @if list.is_empty() {
                p.muted { (l.no_calendars) }
            } @else {
                table.data aria-labelledby="calendars-list" {
                    thead { tr {
                        th scope="col" { (a.name) }
                        th scope="col" { (l.time_zone) }
                        th scope="col" { (l.weekly_hours) }
                        th scope="col" { (l.holidays) }
                    } }
                    tbody {
                        @for c in list {
                            tr {
                                th scope="row" { a href={ (base) "/" (c.id) } { (c.spec.name) } }
                                td data-label=(l.time_zone) { (c.spec.time_zone) }
                                td data-label=(l.weekly_hours) { (hours_summary(ctx, &c.spec)) }
                                td data-label=(l.holidays) { (c.spec.holidays.len()) }
                            }
                        }
                    }
                }
            }
        }
        @if ctx.can(perm::SLA_MANAGE) {
            section.card aria-labelledby="new-calendar" {
                h2 #new-calendar { (l.new_calendar) }
                (calendar_form(ctx, draft, inv, base, l.create_calendar, true))
            }
        }
    };
    frame(ctx, Section::Calendars, &content)
}

/// Creates a calendar and opens it (for the preview); a bad form comes back with its errors.
pub async fn create_calendar(State(s): State<UiState>, ctx: Ctx, Form(fields): Form<Vec<(String, String)>>) -> PageResult {
    let p = ctx.principal()?;
    let draft = CalendarDraft::from_form(&Fields(fields));
    match split(s.desk.create_doc::<CalendarSpec>(p, draft.to_json()).await)? {
        Ok(c) => Ok(Redirect::to(&format!("{}/{}", Section::Calendars.path(), c.id)).into_response()),
        Err(inv) => {
            let list = s.desk.list_docs::<CalendarSpec>(p).await?;
            Ok(with_status(list_page(&ctx, &list, &draft, &inv), StatusCode::UNPROCESSABLE_ENTITY))
        }
    }
}

/// `?start=` (local date and time in the calendar's zone) and `?minutes=` of the preview.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PreviewQuery {
    start: String,
    minutes: String,
}

/// The preview's answer: the due instant, or what is wrong with the question.
enum Preview {
    None,
    Due(i64),
    Invalid(Invalid),
}

/// What the calendar page shows besides the form.
struct Extras<'a> {
    query: &'a PreviewQuery,
    preview: Preview,
    /// Why a delete was refused (what still uses the calendar).
    refused: Option<String>,
}

/// One calendar: its form, the delete button and the due-time preview.
pub async fn calendar(State(s): State<UiState>, ctx: Ctx, Path(id): Path<Uuid>, Query(q): Query<PreviewQuery>) -> PageResult {
    let p = ctx.principal()?;
    let cal = s.desk.get_doc::<CalendarSpec>(p, id).await?;
    let preview = if q.start.trim().is_empty() && q.minutes.trim().is_empty() {
        Preview::None
    } else {
        preview(&s, &ctx, &cal, &q).await?
    };
    let status = if matches!(preview, Preview::Invalid(_)) { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let extras = Extras { query: &q, preview, refused: None };
    Ok(with_status(calendar_page(&ctx, &cal, &CalendarDraft::from_spec(&cal.spec), &Invalid::default(), &extras), status))
}

/// Reads the local start in the calendar's zone and asks the services for the due time.
async fn preview(s: &UiState, ctx: &Ctx, cal: &Configured<CalendarSpec>, q: &PreviewQuery) -> Result<Preview, Failure> {
    let mut inv = Invalid::default();
    let minutes = super::forms::number(q.minutes.trim(), "minutes", &mut inv);
    if minutes.is_none() && inv.is_empty() {
        inv.add("minutes", "must not be empty");
    }
    let start = match q.start.trim().parse::<jiff::civil::DateTime>() {
        Ok(local) => local.to_zoned(zone(&cal.spec.time_zone)).ok().map(|z| z.timestamp().to_string()),
        Err(_) => None,
    };
    if start.is_none() {
        inv.add("start", "must be a date and time");
    }
    let (Some(start), Some(minutes)) = (start, minutes) else { return Ok(Preview::Invalid(inv)) };
    Ok(match split(s.desk.calendar_due(ctx.principal()?, cal.id, &start, minutes).await)? {
        Ok(at) => Preview::Due(at),
        Err(inv) => Preview::Invalid(inv),
    })
}

fn calendar_page(ctx: &Ctx, cal: &Configured<CalendarSpec>, draft: &CalendarDraft, inv: &Invalid, x: &Extras<'_>) -> Response {
    let (t, l) = (ctx.t, ctx.t.sla);
    let base = format!("{}/{}", Section::Calendars.path(), cal.id);
    let manage = ctx.can(perm::SLA_MANAGE);
    let tz = zone(&cal.spec.time_zone);
    let no_errors = Invalid::default();
    let pv = match &x.preview {
        Preview::Invalid(inv) => inv,
        _ => &no_errors,
    };
    let content = html! {
        p.crumbs { a href=(Section::Calendars.path()) { "← " (l.all_calendars) } }
        @if let Some(why) = &x.refused {
            div.alert role="alert" { p { strong { (l.delete_refused) } } p { (why) } }
        }
        section.card aria-labelledby="calendar-edit" {
            h2 #calendar-edit { (cal.spec.name) }
            (calendar_form(ctx, draft, inv, &base, t.c.save, manage))
        }
        section.card aria-labelledby="preview-title" {
            h2 #preview-title { (l.preview) }
            p.hint { (fill(l.preview_intro, &[("zone", &cal.spec.time_zone)])) }
            form method="get" action=(base) {
                label for="pv-start" { (fill(l.preview_start, &[("zone", &cal.spec.time_zone)])) }
                input #pv-start type="datetime-local" name="start" value=(x.query.start) required
                    aria-invalid=[pv.flag("start")] aria-describedby=[pv.described("start", "pv-start", None)];
                (pv.note("start", "pv-start"))
                label for="pv-minutes" { (l.preview_minutes) }
                input #pv-minutes type="number" name="minutes" min="0" max="1000000" step="1" value=(x.query.minutes) required
                    aria-invalid=[pv.flag("minutes")] aria-describedby=[pv.described("minutes", "pv-minutes", None)];
                (pv.note("minutes", "pv-minutes"))
                button type="submit" { (l.preview_button) }
            }
            @if let Preview::Due(at) = x.preview {
                p #pv-result role="status" {
                    strong { (l.due_at) } " " (zoned_time(ctx, at, &tz)) " · " (zoned_time(ctx, at, &jiff::tz::TimeZone::UTC))
                }
            }
        }
        @if manage {
            section.card aria-labelledby="calendar-delete" {
                h2 #calendar-delete { (l.delete_calendar) }
                form method="post" action=(base) {
                    (csrf(ctx))
                    input type="hidden" name="action" value="delete";
                    p.hint #cal-delete-hint { (l.delete_calendar_hint) }
                    button type="submit" aria-describedby="cal-delete-hint" { (l.delete_calendar) }
                }
            }
        }
    };
    frame(ctx, Section::Calendars, &content)
}

/// Saves the calendar (the whole form), or deletes it (`action=delete`); a refused delete says
/// what still uses the calendar.
pub async fn save_calendar(
    State(s): State<UiState>,
    ctx: Ctx,
    Path(id): Path<Uuid>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let p = ctx.principal()?;
    let f = Fields(fields);
    let none = PreviewQuery::default();
    if f.get("action") == "delete" {
        return match s.desk.delete_doc::<CalendarSpec>(p, id).await {
            Ok(()) => Ok(back_to(Section::Calendars.path())),
            Err(CoreError::Conflict(why)) => {
                let cal = s.desk.get_doc::<CalendarSpec>(p, id).await?;
                let extras = Extras { query: &none, preview: Preview::None, refused: Some(why) };
                let page = calendar_page(&ctx, &cal, &CalendarDraft::from_spec(&cal.spec), &Invalid::default(), &extras);
                Ok(with_status(page, StatusCode::CONFLICT))
            }
            Err(e) => Err(e.into()),
        };
    }
    let draft = CalendarDraft::from_form(&f);
    match split(s.desk.patch_doc::<CalendarSpec>(p, id, draft.to_json()).await)? {
        Ok(_) => Ok(back_to(&format!("{}/{id}", Section::Calendars.path()))),
        Err(inv) => {
            let cal = s.desk.get_doc::<CalendarSpec>(p, id).await?;
            let extras = Extras { query: &none, preview: Preview::None, refused: None };
            Ok(with_status(calendar_page(&ctx, &cal, &draft, &inv, &extras), StatusCode::UNPROCESSABLE_ENTITY))
        }
    }
}
