//! Property tests of the business-hours calendar against a brute-force minute walk of its definition.
//!
//! The oracle decides every UTC minute of a 35-day window on its own: the zone's offset comes from
//! jiff's transition list (and is spot-checked against `TimeZone::to_datetime`), the local date and
//! weekday from jiff's civil dates, and working time from a per-weekday table of minutes. It shares
//! no code with the calendar, which skips whole days and weeks.

use std::collections::HashSet;

use desk_domain::calendar::{Calendar, Holiday, WorkInterval};
use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};
use proptest::prelude::*;
use proptest::test_runner::Config;

const MIN: i64 = 60_000;
const WINDOW_MIN: usize = 35 * 1440;
/// 2024-01-01T00:00Z in minutes.
const FROM_MIN: i64 = 28_401_120;
/// Five years of minutes: starts fall in 2024–2028.
const SPAN_MIN: i64 = 5 * 365 * 1440;

const ZONES: &[&str] =
    &["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC", "America/Sao_Paulo", "Pacific/Chatham"];
const DAYS: [Weekday; 7] = [
    Weekday::Monday,
    Weekday::Tuesday,
    Weekday::Wednesday,
    Weekday::Thursday,
    Weekday::Friday,
    Weekday::Saturday,
    Weekday::Sunday,
];

/// A random calendar before validation, with holidays placed relative to the start so they land in the window.
#[derive(Debug, Clone)]
struct Case {
    zone: &'static str,
    hours: Vec<WorkInterval>,
    /// (days after the start's UTC date, yearly, years to shift a yearly holiday's stated year by)
    holidays: Vec<(i64, bool, i16)>,
    /// Uniform start (minute index into 2024–2028), or a DST transition (index) plus minutes.
    start: (bool, i64, usize, i64),
}

fn boundary() -> impl Strategy<Value = u16> {
    prop_oneof![
        3 => prop::sample::select(vec![0u16, 30, 60, 90, 120, 150, 180, 240, 540, 720, 780, 1020, 1380, 1410, 1439, 1440]),
        2 => 0u16..=1440,
    ]
}

fn day_intervals() -> impl Strategy<Value = Vec<(u16, u16)>> {
    prop::collection::vec(boundary(), 2..=6).prop_map(|mut b| {
        b.sort_unstable();
        b.chunks_exact(2).filter(|p| p[0] < p[1]).map(|p| (p[0], p[1])).collect()
    })
}

fn case() -> impl Strategy<Value = Case> {
    let hours = prop::collection::vec(prop::option::weighted(0.6, day_intervals()), 7).prop_map(|days| {
        let mut hours = Vec::new();
        for (i, day) in days.into_iter().enumerate() {
            for (s, e) in day.unwrap_or_default() {
                hours.push(WorkInterval { day: DAYS[i], start_minute: s, end_minute: e });
            }
        }
        hours
    });
    let holidays = prop::collection::vec((-3i64..40, prop::bool::weighted(0.3), -2i16..=2), 0..5);
    let start = (any::<bool>(), 0..SPAN_MIN, any::<usize>(), -3 * 1440i64..=3 * 1440);
    (prop::sample::select(ZONES), hours, holidays, start)
        .prop_filter("needs working time", |(_, h, _, _)| !h.is_empty())
        .prop_map(|(zone, hours, holidays, start)| Case { zone, hours, holidays, start })
}

fn ts(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).expect("in range")
}

/// The DST transitions of a zone in 2024–2028, in UTC minutes.
fn transitions(tz: &TimeZone) -> Vec<i64> {
    let end = ts((FROM_MIN + SPAN_MIN) * MIN);
    tz.following(ts(FROM_MIN * MIN)).take_while(|t| t.timestamp() < end).map(|t| t.timestamp().as_second() / 60).collect()
}

fn start_minute(case: &Case, tz: &TimeZone) -> i64 {
    let (near_transition, uniform, which, delta) = case.start;
    let list = transitions(tz);
    if near_transition && !list.is_empty() { list[which % list.len()] + delta } else { FROM_MIN + uniform }
}

/// Builds the holidays; duplicates (which validation rejects) are dropped.
fn holidays(case: &Case, start_min: i64) -> Vec<Holiday> {
    let start_date = ts(start_min * MIN).to_zoned(TimeZone::UTC).date();
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for &(after, yearly, shift) in &case.holidays {
        let date = start_date.checked_add(Span::new().days(after)).expect("date");
        let date = if yearly { date.with().year(date.year() + shift).build().unwrap_or(date) } else { date };
        let full = (date.year(), date.month(), date.day());
        let fresh = if yearly { seen.insert((0, date.month(), date.day())) && seen.insert(full) } else { seen.insert(full) };
        if fresh {
            out.push(Holiday { date, name: String::new(), yearly });
        }
    }
    out
}

/// Whether each UTC minute of `[start_min, start_min + len)` is working time, straight from the definition.
fn oracle(case: &Case, hol: &[Holiday], tz: &TimeZone, start_min: i64, len: usize) -> Vec<bool> {
    let mut table = vec![[false; 1440]; 7];
    for h in &case.hours {
        let day = DAYS.iter().position(|&d| d == h.day).expect("weekday");
        table[day][usize::from(h.start_minute)..usize::from(h.end_minute)].fill(true);
    }
    let is_holiday =
        |d: Date| hol.iter().any(|h| h.date == d || (h.yearly && (h.date.month(), h.date.day()) == (d.month(), d.day())));
    let epoch = jiff::civil::date(1970, 1, 1);
    let mut changes: Vec<(i64, i64)> = tz
        .following(ts(start_min * MIN))
        .take_while(|t| t.timestamp().as_second() / 60 < start_min + 1440 * 40)
        .map(|t| {
            assert_eq!(t.timestamp().as_second() % 60, 0, "oracle assumes whole-minute transitions");
            (t.timestamp().as_second() / 60, i64::from(t.offset().seconds()))
        })
        .collect();
    changes.reverse();
    let mut offset_s = i64::from(tz.to_offset(ts(start_min * MIN)).seconds());
    assert_eq!(offset_s % 60, 0, "oracle assumes whole-minute offsets");
    let mut day_cache: Option<(i64, usize, bool)> = None;
    let mut bits = Vec::with_capacity(len);
    for i in 0..len {
        let utc = start_min + i64::try_from(i).expect("small");
        while changes.last().is_some_and(|&(at, _)| at <= utc) {
            offset_s = changes.pop().expect("checked").1;
        }
        let local = utc + offset_s / 60;
        let (day, minute) = (local.div_euclid(1440), local.rem_euclid(1440));
        let (weekday, off) = match day_cache {
            Some((d, w, o)) if d == day => (w, o),
            _ => {
                let date = epoch.checked_add(Span::new().days(day)).expect("date");
                let w = DAYS.iter().position(|&d| d == date.weekday()).expect("weekday");
                day_cache = Some((day, w, is_holiday(date)));
                (w, is_holiday(date))
            }
        };
        if i % 997 == 0 {
            let dt = tz.to_datetime(ts(utc * MIN));
            let want = i64::from(dt.hour()) * 60 + i64::from(dt.minute());
            assert_eq!((minute, DAYS[weekday]), (want, dt.date().weekday()), "oracle's local time at minute {utc}");
        }
        bits.push(!off && table[weekday][usize::try_from(minute).expect("minute")]);
    }
    bits
}

fn calendar(case: &Case, hol: &[Holiday]) -> Calendar {
    Calendar::new(case.zone, &case.hours, hol).unwrap_or_else(|e| panic!("{e}"))
}

proptest! {
    #![proptest_config(Config { cases: 1500, failure_persistence: None, ..Config::default() })]

    /// `add_minutes` and `between_ms` agree exactly with the minute walk.
    #[test]
    fn agrees_with_minute_walk(
        case in case(),
        offsets in prop::collection::vec(0usize..WINDOW_MIN / 3, 4),
        fractions in prop::collection::vec(0.0f64..=1.0, 4),
        small in 0i64..=120,
        pairs in prop::collection::vec((0usize..=WINDOW_MIN, 0usize..=WINDOW_MIN), 6),
    ) {
        let tz = jiff::tz::db().get(case.zone).expect("zone");
        let start_min = start_minute(&case, &tz);
        let hol = holidays(&case, start_min);
        let cal = calendar(&case, &hol);
        let bits = oracle(&case, &hol, &tz, start_min, WINDOW_MIN);
        // prefix[i] = working minutes in the first i minutes of the window.
        let prefix: Vec<i64> = std::iter::once(0).chain(bits.iter().scan(0, |n, &b| { *n += i64::from(b); Some(*n) })).collect();
        let at = |i: usize| (start_min + i64::try_from(i).expect("small")) * MIN;
        let week_min = cal.week_ms() / MIN;
        #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
        let durations: Vec<i64> = std::iter::once(0).chain(std::iter::once(small))
            .chain(fractions.iter().map(|f| (f * (3 * week_min) as f64).round() as i64)).collect();
        for &off in &offsets {
            for &d in &durations {
                let got = cal.add_minutes(at(off), d);
                // The window index at which d working minutes from `off` are complete, if it holds them.
                let end = off + prefix[off..].partition_point(|&n| n - prefix[off] < d);
                if end < prefix.len() {
                    prop_assert_eq!(got, at(end), "add_minutes(+{}min, {})", off, d);
                } else {
                    prop_assert!(got > at(WINDOW_MIN), "add_minutes(+{}min, {}) = {} inside the window", off, d, got);
                }
            }
        }
        for &(i, j) in &pairs {
            let want = if j > i { (prefix[j] - prefix[i]) * MIN } else { 0 };
            prop_assert_eq!(cal.between_ms(at(i), at(j)), want, "between(+{}min, +{}min)", i, j);
        }
    }

    /// Round trips and composition hold at millisecond precision, for working and non-working starts alike.
    #[test]
    fn round_trips_and_composes(
        case in case(),
        jitter in 0i64..MIN,
        d1 in 0i64..=40 * 3_600_000,
        d2 in 0i64..=40 * 3_600_000,
        later in 0i64..=30 * 86_400_000,
    ) {
        let tz = jiff::tz::db().get(case.zone).expect("zone");
        let start_min = start_minute(&case, &tz);
        let hol = holidays(&case, start_min);
        let cal = calendar(&case, &hol);
        let s = start_min * MIN + jitter;
        let r = cal.add_ms(s, d1);
        // The result is the first instant with exactly d1 of working time behind it.
        prop_assert_eq!(cal.between_ms(s, r), d1);
        if d1 > 0 {
            prop_assert!(r > s);
            prop_assert_eq!(cal.between_ms(s, r - 1), d1 - 1);
        } else {
            prop_assert_eq!(r, s);
        }
        prop_assert_eq!(cal.add_ms(r, d2), cal.add_ms(s, d1 + d2));
        // Going back from an end: the working time up to b is first complete at or before b.
        let b = s + later;
        let w = cal.between_ms(s, b);
        let back = cal.add_ms(s, w);
        prop_assert!(back <= b);
        prop_assert_eq!(cal.between_ms(back, b), 0);
        prop_assert!(w <= later);
    }

    /// add is monotone in start and duration; between is additive and monotone.
    #[test]
    fn monotone_and_additive(
        case in case(),
        gap in 0i64..=3 * 86_400_000,
        d1 in 0i64..=40 * 3_600_000,
        d2 in 0i64..=40 * 3_600_000,
        cuts in (0i64..=20 * 86_400_000, 0i64..=20 * 86_400_000),
    ) {
        let tz = jiff::tz::db().get(case.zone).expect("zone");
        let start_min = start_minute(&case, &tz);
        let hol = holidays(&case, start_min);
        let cal = calendar(&case, &hol);
        let s = start_min * MIN;
        let (lo, hi) = (d1.min(d2), d1.max(d2));
        prop_assert!(cal.add_ms(s, lo) <= cal.add_ms(s, hi));
        prop_assert!(cal.add_ms(s, d1) <= cal.add_ms(s + gap, d1));
        let (x, y) = (s + cuts.0.min(cuts.1), s + cuts.0.max(cuts.1));
        prop_assert_eq!(cal.between_ms(s, y), cal.between_ms(s, x) + cal.between_ms(x, y));
        prop_assert!(cal.between_ms(s, x) <= cal.between_ms(s, y));
        prop_assert_eq!(cal.between_ms(y, x), 0);
    }
}
