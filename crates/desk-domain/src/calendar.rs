//! Business-hours calendars: which instants are working time, and arithmetic over them.
//!
//! # Definition
//! An instant `t` (Unix milliseconds) is *working time* iff, with `L` the civil date-time of `t`
//! in the calendar's time zone, `L`'s date is not a holiday and `L`'s time of day lies in
//! `[start, end)` of one of the intervals given for `L`'s weekday. A yearly holiday matches the
//! same month and day in every year (a yearly 29 February only in leap years); a dated one only
//! its date.
//!
//! Nothing else is special-cased, and DST follows from the definition: on a spring-forward day
//! local times that do not exist are simply absent (a 00:00–24:00 day lasts 23 hours; a 09:00–17:00
//! day is untouched by a 02:00 gap), and on a fall-back day the repeated local hour counts twice
//! (a 00:00–24:00 day lasts 25 hours). Interval boundaries inside a gap or a fold obey the same rule.
//!
//! [`Calendar::add_ms`] returns the first instant at which the requested working time since the
//! start has elapsed, so a target met exactly at the end of an interval is that end, not the next
//! opening; [`Calendar::between_ms`] measures working time in `[a, b)`. For any `s` and `d >= 0`
//! (results inside the supported range): `between_ms(s, add_ms(s, d)) == d`, and for `d > 0`
//! `between_ms(s, add_ms(s, d) - 1) == d - 1` (the earliest such instant), and
//! `add_ms(add_ms(s, d1), d2) == add_ms(s, d1 + d2)`.
//!
//! # Range and termination
//! Instants are supported within `jiff::Timestamp`'s range (years -9999 to 9999); inputs outside
//! are clamped to it, and `add_ms` returns `i64::MAX` ("never") when the target lies beyond its end.
//! Every computation therefore terminates, even for a calendar whose holidays swallow its working
//! days for years. Validation rejects calendars with no weekly working time, more than
//! [`MAX_HOLIDAYS`] holidays, or yearly holidays on all 366 month/days; any month/day left free
//! falls on every weekday within a 400-year cycle, so working time keeps recurring.
//!
//! # Speed
//! No minute walk: the zone is asked for its offset and next transition once per DST segment,
//! holiday-free runs of whole days are summed in O(1) from per-weekday totals, runs of holidays are
//! jumped in one step, and only the days around holidays, transitions and the target are stepped
//! through (see `walk.rs`). The worst case, holidays on every other day, is one step per day walked.

mod days;
mod spec;
mod walk;

#[cfg(test)]
mod tests;

use std::time::{Duration, Instant};

use jiff::Timestamp;
use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;

pub use spec::{CalendarError, CalendarSpec, HolidaySpec, HoursSpec, parse_weekday, weekday_name};

use days::{DAY, Holidays};
use walk::Outcome;

/// Minutes in a civil day: the largest allowed `end_minute`.
pub const MINUTES_PER_DAY: u16 = 1440;

/// Most holidays one calendar may list.
pub const MAX_HOLIDAYS: usize = 1000;

/// One working interval on a weekday, local wall-clock minutes from midnight: start < end <= 1440.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkInterval {
    /// The weekday the interval belongs to.
    pub day: Weekday,
    /// First working minute after local midnight.
    pub start_minute: u16,
    /// First minute after the interval (exclusive); 1440 is the end of the day.
    pub end_minute: u16,
}

/// A day off: only `date`, or its month and day in every year when `yearly`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holiday {
    /// The date (its year is ignored when `yearly`).
    pub date: Date,
    /// Shown to people; not used in the arithmetic.
    pub name: String,
    /// Whether the holiday repeats on the same month/day every year.
    pub yearly: bool,
}

/// Validated, ready-to-compute calendar.
#[derive(Debug, Clone)]
pub struct Calendar {
    tz: TimeZone,
    zone_name: String,
    /// Working intervals per weekday (Monday = 0), local ms after midnight, sorted, touching ones merged.
    week: [Vec<(i64, i64)>; 7],
    /// `cumulative[i]` = working ms in weekdays `0..i` of a doubled week (Monday = 0).
    cumulative: [i64; 15],
    /// Working ms in a week without holidays or transitions.
    week_total: i64,
    holidays: Holidays,
    /// Every instant is working time: add and between are plain arithmetic.
    round_the_clock: bool,
}

fn min_ms() -> i64 {
    Timestamp::MIN.as_millisecond()
}

fn max_ms() -> i64 {
    Timestamp::MAX.as_millisecond()
}

impl Calendar {
    /// Builds from parts; errors name the offending field.
    pub fn new(time_zone: &str, hours: &[WorkInterval], holidays: &[Holiday]) -> Result<Calendar, CalendarError> {
        let tz = spec::lookup_zone(time_zone)?;
        let week = spec::check_hours(hours)?;
        spec::check_holidays(holidays)?;
        let holidays = Holidays::new(holidays.iter().map(|h| (h.date, h.yearly)));
        if holidays.yearly_count() >= 366 {
            return Err(CalendarError::new("holidays", "yearly holidays must leave at least one day of the year free"));
        }
        let zone_name = tz.iana_name().unwrap_or(time_zone).to_owned();
        Ok(Calendar::assemble(tz, zone_name, week, holidays))
    }

    /// Round the clock, every day (what a policy without a calendar uses): add/between are plain arithmetic.
    pub fn always() -> Calendar {
        let week = std::array::from_fn(|_| vec![(0, DAY)]);
        Calendar::assemble(TimeZone::UTC, "UTC".to_owned(), week, Holidays::default())
    }

    fn assemble(tz: TimeZone, zone_name: String, week: [Vec<(i64, i64)>; 7], holidays: Holidays) -> Calendar {
        let mut cumulative = [0; 15];
        for i in 0..14 {
            cumulative[i + 1] = cumulative[i] + week[i % 7].iter().map(|(s, e)| e - s).sum::<i64>();
        }
        let week_total = cumulative[7];
        let round_the_clock = holidays.is_empty() && week_total == 7 * DAY;
        Calendar { tz, zone_name, week, cumulative, week_total, holidays, round_the_clock }
    }

    /// The instant (ms) at which `business_ms` of working time after `start_ms` have elapsed.
    /// business_ms <= 0 returns start_ms. If start is outside working time, counting starts at the next opening.
    /// When the target is reached exactly at the end of an interval, return that end instant (not the next opening).
    pub fn add_ms(&self, start_ms: i64, business_ms: i64) -> i64 {
        if business_ms <= 0 {
            return start_ms;
        }
        let (lo, hi) = (min_ms(), max_ms());
        let start = start_ms.clamp(lo, hi);
        if self.round_the_clock {
            let end = start.saturating_add(business_ms);
            return if end > hi { i64::MAX } else { end };
        }
        match self.walk(start, hi, business_ms) {
            Outcome::Reached(t) => t,
            Outcome::Exhausted(_) => i64::MAX,
        }
    }

    /// Working time (ms) in [a_ms, b_ms); 0 when b <= a.
    pub fn between_ms(&self, a_ms: i64, b_ms: i64) -> i64 {
        let (lo, hi) = (min_ms(), max_ms());
        let (a, b) = (a_ms.clamp(lo, hi), b_ms.clamp(lo, hi));
        if b <= a {
            return 0;
        }
        if self.round_the_clock {
            return b - a;
        }
        match self.walk(a, b, i64::MAX) {
            Outcome::Exhausted(used) => used,
            Outcome::Reached(_) => i64::MAX,
        }
    }

    /// Convenience: add N business minutes.
    pub fn add_minutes(&self, start_ms: i64, minutes: i64) -> i64 {
        self.add_ms(start_ms, minutes.saturating_mul(60_000))
    }

    /// The IANA name of the calendar's time zone, e.g. `Europe/Berlin`.
    pub fn time_zone_name(&self) -> &str {
        &self.zone_name
    }

    /// Working time (ms) in a week with no holiday and no offset change.
    pub fn week_ms(&self) -> i64 {
        self.week_total
    }
}

/// Times `n` [`Calendar::add_ms`] calls over varied starts (two years from 2026-01-01, any minute)
/// and targets (30 minutes to 40 hours of working time); for the CLI's bench command.
pub fn bench_add(calendar: &Calendar, n: usize) -> Duration {
    const JAN_2026_MS: i64 = 1_767_225_600_000;
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        // xorshift64*: deterministic and cheap, so runs are comparable.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        i64::try_from(state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33).unwrap_or(0)
    };
    let inputs: Vec<(i64, i64)> = (0..n.clamp(1, 4096))
        .map(|_| {
            let start = JAN_2026_MS + (next() % (2 * 365 * 1440)) * 60_000;
            let minutes = 30 + next() % (40 * 60 - 30 + 1);
            (start, minutes * 60_000)
        })
        .collect();
    let began = Instant::now();
    let mut sink = 0i64;
    for &(start, business) in inputs.iter().cycle().take(n) {
        sink = sink.wrapping_add(calendar.add_ms(std::hint::black_box(start), std::hint::black_box(business)));
    }
    std::hint::black_box(sink);
    began.elapsed()
}
