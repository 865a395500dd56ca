//! The API's JSON shape of a calendar, and the validation shared with [`Calendar::new`].

use std::collections::HashMap;

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use super::days::{DAY, weekday_index};
use super::{Calendar, Holiday, MAX_HOLIDAYS, MINUTES_PER_DAY, WorkInterval};
use crate::validate::{Errors, FieldError};

/// A calendar that failed validation: the field at fault (`time_zone`, `hours[2].end`, …) and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{field}: {message}")]
pub struct CalendarError {
    /// The offending field, as the client named it.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl CalendarError {
    pub(super) fn new(field: impl Into<String>, message: impl Into<String>) -> CalendarError {
        CalendarError { field: field.into(), message: message.into() }
    }
}

impl From<CalendarError> for FieldError {
    fn from(e: CalendarError) -> FieldError {
        FieldError { field: e.field, message: e.message }
    }
}

/// A business-hours calendar as the API receives and returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarSpec {
    /// Display name, 1–200 characters.
    #[schemars(length(min = 1, max = 200))]
    pub name: String,
    /// IANA time zone, e.g. `Europe/Berlin`.
    pub time_zone: String,
    /// Weekly working intervals in local wall-clock time; intervals on one day must not overlap.
    pub hours: Vec<HoursSpec>,
    /// Days off.
    #[serde(default)]
    pub holidays: Vec<HolidaySpec>,
}

/// One weekly working interval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HoursSpec {
    /// `mon`, `tue`, `wed`, `thu`, `fri`, `sat` or `sun`.
    #[schemars(regex(pattern = r"^(mon|tue|wed|thu|fri|sat|sun)$"))]
    pub day: String,
    /// Local start time, `HH:MM` (00:00–23:59).
    #[schemars(regex(pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"))]
    pub start: String,
    /// Local end time, `HH:MM` after `start`; `24:00` is the end of the day.
    #[schemars(regex(pattern = r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"))]
    pub end: String,
}

/// One day off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HolidaySpec {
    /// `YYYY-MM-DD`; with `yearly`, only its month and day matter.
    #[schemars(regex(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))]
    pub date: String,
    /// Shown to people, at most 200 characters.
    #[schemars(length(max = 200))]
    pub name: String,
    /// Repeats on the same month/day every year (29 February: leap years only).
    #[serde(default)]
    pub yearly: bool,
}

impl CalendarSpec {
    /// Checks every field and builds the calendar; the error names the first field at fault.
    pub fn validate(&self) -> Result<Calendar, CalendarError> {
        let mut errors = Errors::default();
        errors.text("name", &self.name, 200);
        if let Err(e) = errors.finish() {
            return Err(e.into_iter().next().map_or_else(|| CalendarError::new("name", "is invalid"), CalendarError::from));
        }
        lookup_zone(&self.time_zone)?;
        let hours = self.hours.iter().enumerate().map(|(i, h)| h.parse(i)).collect::<Result<Vec<_>, _>>()?;
        let holidays = self.holidays.iter().enumerate().map(|(i, h)| h.parse(i)).collect::<Result<Vec<_>, _>>()?;
        Calendar::new(&self.time_zone, &hours, &holidays)
    }
}

impl From<FieldError> for CalendarError {
    fn from(e: FieldError) -> CalendarError {
        CalendarError { field: e.field, message: e.message }
    }
}

impl HoursSpec {
    fn parse(&self, i: usize) -> Result<WorkInterval, CalendarError> {
        let day = parse_weekday(&self.day)
            .ok_or_else(|| CalendarError::new(format!("hours[{i}].day"), "must be one of mon, tue, wed, thu, fri, sat, sun"))?;
        let start = parse_hhmm(&self.start)
            .filter(|&m| m < MINUTES_PER_DAY)
            .ok_or_else(|| CalendarError::new(format!("hours[{i}].start"), "must be a time HH:MM from 00:00 to 23:59"))?;
        let end = parse_hhmm(&self.end)
            .ok_or_else(|| CalendarError::new(format!("hours[{i}].end"), "must be a time HH:MM from 00:00 to 24:00"))?;
        Ok(WorkInterval { day, start_minute: start, end_minute: end })
    }
}

impl From<WorkInterval> for HoursSpec {
    fn from(w: WorkInterval) -> HoursSpec {
        let hhmm = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
        HoursSpec { day: weekday_name(w.day).to_owned(), start: hhmm(w.start_minute), end: hhmm(w.end_minute) }
    }
}

impl HolidaySpec {
    fn parse(&self, i: usize) -> Result<Holiday, CalendarError> {
        let date = parse_date(&self.date)
            .ok_or_else(|| CalendarError::new(format!("holidays[{i}].date"), "must be an existing date YYYY-MM-DD"))?;
        Ok(Holiday { date, name: self.name.clone(), yearly: self.yearly })
    }
}

/// The wire name of a weekday: `mon` … `sun`.
pub fn weekday_name(day: Weekday) -> &'static str {
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][weekday_index(day)]
}

/// Parses a wire weekday name (`mon` … `sun`, lowercase).
pub fn parse_weekday(name: &str) -> Option<Weekday> {
    Some(match name {
        "mon" => Weekday::Monday,
        "tue" => Weekday::Tuesday,
        "wed" => Weekday::Wednesday,
        "thu" => Weekday::Thursday,
        "fri" => Weekday::Friday,
        "sat" => Weekday::Saturday,
        "sun" => Weekday::Sunday,
        _ => return None,
    })
}

/// Digits of a fixed-width number, `None` if any byte is not an ASCII digit.
fn digits(s: &[u8]) -> Option<u16> {
    s.iter().try_fold(0u16, |n, &c| c.is_ascii_digit().then(|| n * 10 + u16::from(c - b'0')))
}

/// `HH:MM` → minutes after midnight, `00:00` to `24:00`.
fn parse_hhmm(s: &str) -> Option<u16> {
    let b = s.as_bytes();
    if b.len() != 5 || b[2] != b':' {
        return None;
    }
    let (hours, minutes) = (digits(&b[..2])?, digits(&b[3..])?);
    let total = hours * 60 + minutes;
    (minutes < 60 && total <= MINUTES_PER_DAY).then_some(total)
}

/// Strict `YYYY-MM-DD` of an existing date.
fn parse_date(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = i16::try_from(digits(&b[..4])?).ok()?;
    let month = i8::try_from(digits(&b[5..7])?).ok()?;
    let day = i8::try_from(digits(&b[8..])?).ok()?;
    Date::new(year, month, day).ok()
}

/// Finds an IANA zone in the bundled database.
pub(super) fn lookup_zone(name: &str) -> Result<TimeZone, CalendarError> {
    match jiff::tz::db().get(name) {
        Ok(tz) if !tz.is_unknown() => Ok(tz),
        _ => Err(CalendarError::new("time_zone", format!("unknown time zone {name:?}; use an IANA name such as Europe/Berlin"))),
    }
}

/// Checks the intervals and returns them per weekday (Monday = 0) as sorted local ms ranges,
/// touching intervals merged.
pub(super) fn check_hours(hours: &[WorkInterval]) -> Result<[Vec<(i64, i64)>; 7], CalendarError> {
    if hours.is_empty() {
        return Err(CalendarError::new("hours", "must contain at least one working interval"));
    }
    for (i, h) in hours.iter().enumerate() {
        if h.start_minute >= MINUTES_PER_DAY {
            return Err(CalendarError::new(format!("hours[{i}].start"), "must be before 24:00"));
        }
        if h.end_minute > MINUTES_PER_DAY {
            return Err(CalendarError::new(format!("hours[{i}].end"), "must be at most 24:00"));
        }
        if h.end_minute <= h.start_minute {
            return Err(CalendarError::new(format!("hours[{i}].end"), "must be after start"));
        }
    }
    let mut order: Vec<usize> = (0..hours.len()).collect();
    order.sort_by_key(|&i| (weekday_index(hours[i].day), hours[i].start_minute, i));
    let mut week: [Vec<(i64, i64)>; 7] = Default::default();
    // Sorted by start, a day's intervals are disjoint iff each starts at or after its predecessor's end.
    let mut previous: Option<usize> = None;
    for &i in &order {
        let h = hours[i];
        let wd = weekday_index(h.day);
        if let Some(p) = previous.filter(|&p| hours[p].day == h.day && h.start_minute < hours[p].end_minute) {
            let (first, second) = (p.min(i), p.max(i));
            let f = hours[first];
            let what = format!(
                "overlaps hours[{first}] ({} {:02}:{:02}-{:02}:{:02})",
                weekday_name(f.day),
                f.start_minute / 60,
                f.start_minute % 60,
                f.end_minute / 60,
                f.end_minute % 60
            );
            return Err(CalendarError::new(format!("hours[{second}]"), what));
        }
        previous = Some(i);
        let (start, end) = (i64::from(h.start_minute) * 60_000, i64::from(h.end_minute) * 60_000);
        match week[wd].last_mut() {
            Some(last) if last.1 == start => last.1 = end,
            _ => week[wd].push((start, end)),
        }
    }
    debug_assert!(week.iter().flatten().all(|&(s, e)| 0 <= s && s < e && e <= DAY));
    Ok(week)
}

/// Checks the holiday list: its length, each name, and no date listed twice (a yearly holiday
/// also clashes with another yearly one on the same month/day).
pub(super) fn check_holidays(holidays: &[Holiday]) -> Result<(), CalendarError> {
    if holidays.len() > MAX_HOLIDAYS {
        return Err(CalendarError::new("holidays", format!("must list at most {MAX_HOLIDAYS} holidays")));
    }
    let mut dates: HashMap<Date, usize> = HashMap::new();
    let mut yearly: HashMap<(i8, i8), usize> = HashMap::new();
    for (i, h) in holidays.iter().enumerate() {
        if h.name.chars().count() > 200 || h.name.contains('\0') {
            return Err(CalendarError::new(format!("holidays[{i}].name"), "must be at most 200 characters, without NUL"));
        }
        let earlier =
            dates.insert(h.date, i).or_else(|| if h.yearly { yearly.insert((h.date.month(), h.date.day()), i) } else { None });
        if let Some(first) = earlier {
            return Err(CalendarError::new(format!("holidays[{i}].date"), format!("duplicates holidays[{first}]")));
        }
    }
    Ok(())
}
