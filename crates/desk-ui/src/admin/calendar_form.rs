//! The calendar form: name, time zone, weekly hours as rows (day, start, end; several rows per
//! day) and holidays as rows (date, name, yearly). Without scripts there is no "add a row"
//! button, so the form always offers blank rows beyond the filled ones; blank rows are ignored.

use std::collections::BTreeMap;

use desk_domain::calendar::CalendarSpec;
use maud::{Markup, html};
use serde_json::{Value, json};

use super::forms::{Fields, Invalid};
use crate::i18n::fill;
use crate::layout::csrf;
use crate::session::Ctx;

/// Blank hour rows a new calendar starts with, and at least this many rows are shown.
const HOUR_ROWS: usize = 14;
/// Blank holiday rows a new calendar starts with.
const HOLIDAY_ROWS: usize = 10;
/// Blank rows offered below the filled ones of a stored calendar.
const SPARE_ROWS: usize = 4;
/// Row numbers beyond this are ignored (a calendar holds at most 1000 holidays).
const MAX_ROWS: usize = 1100;

/// The wire names of the weekdays, in the order the select lists them.
pub(super) const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// One weekly working interval as typed.
#[derive(Debug, Clone, Default)]
pub(super) struct HourRow {
    day: String,
    start: String,
    end: String,
}

/// One holiday as typed.
#[derive(Debug, Clone, Default)]
pub(super) struct HolidayRow {
    date: String,
    name: String,
    yearly: bool,
}

/// A calendar as the form shows it: only the rows with something in them, in order, so row
/// `k` is the API's `hours[k]` / `holidays[k]` and its errors land beside it.
#[derive(Debug, Clone, Default)]
pub(super) struct CalendarDraft {
    pub name: String,
    pub time_zone: String,
    hours: Vec<HourRow>,
    holidays: Vec<HolidayRow>,
}

impl CalendarDraft {
    /// A new calendar in the workspace's time zone.
    pub fn blank(time_zone: &str) -> Self {
        Self { time_zone: time_zone.to_owned(), ..Self::default() }
    }

    /// A stored calendar.
    pub fn from_spec(spec: &CalendarSpec) -> Self {
        Self {
            name: spec.name.clone(),
            time_zone: spec.time_zone.clone(),
            hours: spec
                .hours
                .iter()
                .map(|h| HourRow { day: h.day.clone(), start: h.start.clone(), end: h.end.clone() })
                .collect(),
            holidays: spec
                .holidays
                .iter()
                .map(|h| HolidayRow { date: h.date.clone(), name: h.name.clone(), yearly: h.yearly })
                .collect(),
        }
    }

    /// The form as sent: fields `h{i}_day|start|end` and `o{i}_date|name|yearly`.
    pub fn from_form(f: &Fields) -> Self {
        let mut hours: BTreeMap<usize, HourRow> = BTreeMap::new();
        let mut holidays: BTreeMap<usize, HolidayRow> = BTreeMap::new();
        for (key, value) in &f.0 {
            let Some((row, part)) = key.get(1..).and_then(|rest| rest.split_once('_')) else { continue };
            let Some(i) = row.parse::<usize>().ok().filter(|i| *i < MAX_ROWS) else { continue };
            let value = value.trim().to_owned();
            match (key.as_bytes()[0], part) {
                (b'h', "day") => hours.entry(i).or_default().day = value,
                (b'h', "start") => hours.entry(i).or_default().start = value,
                (b'h', "end") => hours.entry(i).or_default().end = value,
                (b'o', "date") => holidays.entry(i).or_default().date = value,
                (b'o', "name") => holidays.entry(i).or_default().name = value,
                (b'o', "yearly") => holidays.entry(i).or_default().yearly = true,
                _ => {}
            }
        }
        Self {
            name: f.get("name").to_owned(),
            time_zone: f.get("time_zone").to_owned(),
            hours: hours.into_values().filter(|h| !(h.day.is_empty() && h.start.is_empty() && h.end.is_empty())).collect(),
            // A ticked "yearly" alone is not a holiday.
            holidays: holidays.into_values().filter(|h| !(h.date.is_empty() && h.name.is_empty())).collect(),
        }
    }

    /// The API's document.
    pub fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "time_zone": self.time_zone,
            "hours": self.hours.iter().map(|h| json!({"day": h.day, "start": h.start, "end": h.end})).collect::<Vec<_>>(),
            "holidays": self.holidays.iter().map(|h| json!({"date": h.date, "name": h.name, "yearly": h.yearly})).collect::<Vec<_>>(),
        })
    }
}

/// The weekly hours in one line: `Mon 09:00–17:00, Tue 09:00–12:00, Tue 13:00–17:00`.
pub(super) fn hours_summary(ctx: &Ctx, spec: &CalendarSpec) -> String {
    spec.hours.iter().map(|h| format!("{} {}–{}", day_short(ctx, &h.day), h.start, h.end)).collect::<Vec<_>>().join(", ")
}

fn day_short(ctx: &Ctx, day: &str) -> &'static str {
    desk_domain::calendar::parse_weekday(day).map_or(ctx.t.c.unknown, |d| ctx.t.c.weekday(d))
}

fn day_long(ctx: &Ctx, day: &str) -> &'static str {
    let l = ctx.t.sla;
    match day {
        "mon" => l.monday,
        "tue" => l.tuesday,
        "wed" => l.wednesday,
        "thu" => l.thursday,
        "fri" => l.friday,
        "sat" => l.saturday,
        "sun" => l.sunday,
        _ => ctx.t.c.unknown,
    }
}

/// The form; `editable` false shows it read-only (no `sla:manage`).
pub(super) fn calendar_form(
    ctx: &Ctx,
    draft: &CalendarDraft,
    inv: &Invalid,
    action: &str,
    submit: &str,
    editable: bool,
) -> Markup {
    let l = ctx.t.sla;
    let hour_rows = HOUR_ROWS.max(draft.hours.len() + SPARE_ROWS);
    let holiday_rows = HOLIDAY_ROWS.max(draft.holidays.len() + SPARE_ROWS);
    let blank_hour = HourRow::default();
    let blank_holiday = HolidayRow::default();
    html! {
        form method="post" action=(action) {
            (csrf(ctx))
            input type="hidden" name="action" value="save";
            (inv.summary(ctx))
            fieldset.plain disabled[!editable] {
                legend.visually-hidden { (l.calendar) }
                label for="cal-name" { (ctx.t.admin.name) }
                input #cal-name name="name" required maxlength="200" autocomplete="off" value=(draft.name)
                    aria-invalid=[inv.flag("name")] aria-describedby=[inv.described("name", "cal-name", None)];
                (inv.note("name", "cal-name"))
                label for="cal-tz" { (l.time_zone) }
                input #cal-tz name="time_zone" required maxlength="64" autocomplete="off" value=(draft.time_zone)
                    aria-invalid=[inv.flag("time_zone")] aria-describedby=[inv.described("time_zone", "cal-tz", Some("cal-tz-hint"))];
                small #cal-tz-hint.hint { (l.time_zone_hint) }
                (inv.note("time_zone", "cal-tz"))
                fieldset.rows {
                    legend { (l.weekly_hours) }
                    p #hours-hint.hint { (l.weekly_hours_hint) }
                    (inv.note("hours", "hours"))
                    table.data.rows {
                        thead { tr { th scope="col" { (l.day) } th scope="col" { (l.start) } th scope="col" { (l.end) } } }
                        tbody {
                            @for i in 0..hour_rows {
                                @let hour = draft.hours.get(i).unwrap_or(&blank_hour);
                                @let field = |part: &str| if i < draft.hours.len() { format!("hours[{i}].{part}") } else { String::new() };
                                @let row_field = if i < draft.hours.len() { format!("hours[{i}]") } else { String::new() };
                                @let num = i + 1;
                                @let end_described = [Some("hours-hint".to_owned()), inv.flag(&field("end")).map(|_| format!("h{i}-end-err")), inv.flag(&row_field).map(|_| format!("h{i}-row-err"))]
                                    .into_iter().flatten().collect::<Vec<_>>().join(" ");
                                tr {
                                    td data-label=(l.day) {
                                        label.visually-hidden for={ "h" (i) "-day" } { (fill(l.row_day, &[("n", &num)])) }
                                        select id={ "h" (i) "-day" } name={ "h" (i) "_day" } aria-invalid=[inv.flag(&field("day"))]
                                            aria-describedby=[inv.described(&field("day"), &format!("h{i}-day"), None)] {
                                            option value="" { "—" }
                                            @for day in DAYS { option value=(day) selected[hour.day == day] { (day_long(ctx, day)) } }
                                        }
                                        (inv.note(&field("day"), &format!("h{i}-day")))
                                    }
                                    td data-label=(l.start) {
                                        label.visually-hidden for={ "h" (i) "-start" } { (fill(l.row_start, &[("n", &num)])) }
                                        input id={ "h" (i) "-start" } name={ "h" (i) "_start" } value=(hour.start) placeholder="09:00"
                                            inputmode="numeric" maxlength="5" autocomplete="off" aria-invalid=[inv.flag(&field("start"))]
                                            aria-describedby=[inv.described(&field("start"), &format!("h{i}-start"), Some("hours-hint"))];
                                        (inv.note(&field("start"), &format!("h{i}-start")))
                                    }
                                    td data-label=(l.end) {
                                        label.visually-hidden for={ "h" (i) "-end" } { (fill(l.row_end, &[("n", &num)])) }
                                        input id={ "h" (i) "-end" } name={ "h" (i) "_end" } value=(hour.end) placeholder="17:00"
                                            inputmode="numeric" maxlength="5" autocomplete="off" aria-invalid=[inv.flag(&field("end")).or(inv.flag(&row_field))]
                                            aria-describedby=(end_described);
                                        (inv.note(&field("end"), &format!("h{i}-end")))
                                        (inv.note(&row_field, &format!("h{i}-row")))
                                    }
                                }
                            }
                        }
                    }
                }
                fieldset.rows {
                    legend { (l.holidays) }
                    p #holidays-hint.hint { (l.holidays_hint) }
                    (inv.note("holidays", "holidays"))
                    table.data.rows {
                        thead { tr { th scope="col" { (l.date) } th scope="col" { (ctx.t.admin.name) } th scope="col" { (l.yearly) } } }
                        tbody {
                            @for i in 0..holiday_rows {
                                @let holiday = draft.holidays.get(i).unwrap_or(&blank_holiday);
                                @let field = |part: &str| if i < draft.holidays.len() { format!("holidays[{i}].{part}") } else { String::new() };
                                @let num = i + 1;
                                tr {
                                    td data-label=(l.date) {
                                        label.visually-hidden for={ "o" (i) "-date" } { (fill(l.row_date, &[("n", &num)])) }
                                        input id={ "o" (i) "-date" } type="date" name={ "o" (i) "_date" } value=(holiday.date)
                                            aria-invalid=[inv.flag(&field("date"))] aria-describedby=[inv.described(&field("date"), &format!("o{i}-date"), None)];
                                        (inv.note(&field("date"), &format!("o{i}-date")))
                                    }
                                    td data-label=(ctx.t.admin.name) {
                                        label.visually-hidden for={ "o" (i) "-name" } { (fill(l.row_name, &[("n", &num)])) }
                                        input id={ "o" (i) "-name" } name={ "o" (i) "_name" } value=(holiday.name) maxlength="200" autocomplete="off"
                                            aria-invalid=[inv.flag(&field("name"))] aria-describedby=[inv.described(&field("name"), &format!("o{i}-name"), None)];
                                        (inv.note(&field("name"), &format!("o{i}-name")))
                                    }
                                    td data-label=(l.yearly) {
                                        label.check {
                                            input type="checkbox" name={ "o" (i) "_yearly" } value="on" checked[holiday.yearly];
                                            " " span.visually-hidden { (fill(l.row_yearly, &[("n", &num)])) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if editable { button.primary type="submit" { (submit) } }
        }
    }
}
