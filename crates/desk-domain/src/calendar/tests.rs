use std::time::Instant;

use jiff::civil::{Date, Weekday};

use super::days::{civil_from_days, day_number, days_from_civil, weekday_index, weekday_of};
use super::*;

const H: i64 = 3_600_000;
const MIN: i64 = 60_000;

fn ms(s: &str) -> i64 {
    s.parse::<Timestamp>().unwrap_or_else(|e| panic!("{s}: {e}")).as_millisecond()
}

fn show(t: i64) -> String {
    Timestamp::from_millisecond(t).map_or_else(|_| t.to_string(), |ts| ts.to_string())
}

fn hours(spec: &[(&str, &str, &str)]) -> Vec<HoursSpec> {
    spec.iter().map(|&(d, s, e)| HoursSpec { day: d.into(), start: s.into(), end: e.into() }).collect()
}

fn weekdays(start: &str, end: &str) -> Vec<HoursSpec> {
    ["mon", "tue", "wed", "thu", "fri"]
        .iter()
        .map(|&d| HoursSpec { day: d.into(), start: start.into(), end: end.into() })
        .collect()
}

fn holiday(date: &str, yearly: bool) -> HolidaySpec {
    HolidaySpec { date: date.into(), name: format!("h {date}"), yearly }
}

fn spec(tz: &str, hours: Vec<HoursSpec>, holidays: Vec<HolidaySpec>) -> CalendarSpec {
    CalendarSpec { name: "Support".into(), time_zone: tz.into(), hours, holidays }
}

fn cal(tz: &str, hours: Vec<HoursSpec>, holidays: Vec<HolidaySpec>) -> Calendar {
    spec(tz, hours, holidays).validate().unwrap_or_else(|e| panic!("{e}"))
}

fn split_day(tz: &str) -> Calendar {
    let mut h = weekdays("09:00", "12:00");
    h.extend(weekdays("13:00", "17:00"));
    cal(tz, h, vec![])
}

/// The realistic calendar of the speed requirement.
fn berlin_realistic() -> Calendar {
    let mut h = weekdays("09:00", "12:00");
    h.extend(weekdays("13:00", "17:00"));
    let holidays = [
        ("2026-01-01", true),
        ("2026-05-01", true),
        ("2026-10-03", true),
        ("2026-12-24", true),
        ("2026-12-25", true),
        ("2026-12-26", true),
        ("2026-12-31", true),
        ("2026-04-03", false),
        ("2026-04-06", false),
        ("2026-05-14", false),
        ("2026-05-25", false),
        ("2027-03-26", false),
        ("2027-03-29", false),
    ];
    cal("Europe/Berlin", h, holidays.iter().map(|&(d, y)| holiday(d, y)).collect())
}

#[test]
fn contract_berlin() {
    let c = cal("Europe/Berlin", weekdays("09:00", "17:00"), vec![holiday("2026-12-25", false), holiday("2026-12-26", false)]);
    for (start, minutes, want) in [
        ("2026-12-18T15:30+01:00", 120, "2026-12-21T09:30+01:00"),
        ("2026-12-24T16:00+01:00", 120, "2026-12-28T10:00+01:00"),
        ("2026-12-19T11:00+01:00", 30, "2026-12-21T09:30+01:00"),
        ("2026-12-21T07:00Z", 479, "2026-12-21T16:59+01:00"),
    ] {
        assert_eq!(show(c.add_minutes(ms(start), minutes)), show(ms(want)), "{start} + {minutes}");
    }
}

#[test]
fn contract_new_york() {
    let c = split_day("America/New_York");
    for (start, minutes, want) in [
        ("2026-03-06T16:00-05:00", 120, "2026-03-09T10:00-04:00"),
        ("2026-10-30T16:30-04:00", 60, "2026-11-02T09:30-05:00"),
        ("2026-11-04T11:30-05:00", 60, "2026-11-04T13:30-05:00"),
    ] {
        assert_eq!(show(c.add_minutes(ms(start), minutes)), show(ms(want)), "{start} + {minutes}");
    }
}

#[test]
fn add_edges() {
    let c = split_day("Europe/Berlin");
    let mon9 = ms("2026-06-01T09:00+02:00");
    // Non-positive durations return the start as given, even outside working time.
    assert_eq!(c.add_ms(mon9 - H, 0), mon9 - H);
    assert_eq!(c.add_ms(mon9 - H, -5), mon9 - H);
    // Reaching the target exactly at an interval's end returns that end, not the next opening.
    assert_eq!(c.add_minutes(mon9, 180), ms("2026-06-01T12:00+02:00"));
    assert_eq!(c.add_minutes(mon9, 181), ms("2026-06-01T13:01+02:00"));
    assert_eq!(c.add_minutes(mon9, 7 * 60), ms("2026-06-01T17:00+02:00"));
    assert_eq!(c.add_minutes(mon9, 5 * 7 * 60), ms("2026-06-05T17:00+02:00"));
    assert_eq!(c.add_minutes(mon9, 5 * 7 * 60 + 1), ms("2026-06-08T09:01+02:00"));
    // Milliseconds are honoured, not rounded to minutes.
    assert_eq!(c.add_ms(mon9 + 1234, 1), mon9 + 1235);
    assert_eq!(c.between_ms(mon9 - 1, mon9 + 1), 1);
    assert_eq!(c.between_ms(mon9 + 5, mon9), 0);
    assert_eq!(c.between_ms(mon9, ms("2026-06-08T09:00+02:00")), 5 * 7 * H);
}

#[test]
fn always_is_plain_arithmetic() {
    let c = Calendar::always();
    assert_eq!(c.time_zone_name(), "UTC");
    assert_eq!(c.add_ms(1_000, 59_999), 60_999);
    assert_eq!(c.between_ms(-5_000, 7_000), 12_000);
    assert_eq!(c.add_ms(0, i64::MAX), i64::MAX);
    assert_eq!(c.add_ms(ms("2026-01-01T00:00Z"), 3 * 365 * 24 * H), ms("2029-01-01T00:00Z") - 24 * H);
}

#[test]
fn dst_days_follow_the_definition() {
    let all_day: Vec<HoursSpec> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .map(|&d| HoursSpec { day: d.into(), start: "00:00".into(), end: "24:00".into() })
        .collect();
    // A holiday keeps it from collapsing into plain arithmetic.
    let berlin = cal("Europe/Berlin", all_day.clone(), vec![holiday("2020-01-01", false)]);
    // Spring forward (29 March 2026): 23 working hours; fall back (25 October 2026): 25.
    assert_eq!(berlin.between_ms(ms("2026-03-29T00:00+01:00"), ms("2026-03-30T00:00+02:00")), 23 * H);
    assert_eq!(berlin.between_ms(ms("2026-10-25T00:00+02:00"), ms("2026-10-26T00:00+01:00")), 25 * H);
    // 02:00–03:00 every day: absent on the spring day, twice on the fall day.
    let night: Vec<HoursSpec> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .map(|&d| HoursSpec { day: d.into(), start: "02:00".into(), end: "03:00".into() })
        .collect();
    let night = cal("Europe/Berlin", night, vec![]);
    assert_eq!(night.between_ms(ms("2026-03-29T00:00+01:00"), ms("2026-03-30T00:00+02:00")), 0);
    assert_eq!(night.between_ms(ms("2026-10-25T00:00+02:00"), ms("2026-10-26T00:00+01:00")), 2 * H);
    assert_eq!(night.add_minutes(ms("2026-10-25T00:00+02:00"), 90), ms("2026-10-25T02:30+01:00"));
    assert_eq!(night.add_minutes(ms("2026-03-28T02:30+01:00"), 60), ms("2026-03-30T02:30+02:00"));
    // 09:00–17:00 is untouched by a 02:00 gap.
    let office = cal("Europe/Berlin", weekdays("09:00", "17:00"), vec![]);
    assert_eq!(office.between_ms(ms("2026-03-23T00:00+01:00"), ms("2026-03-31T00:00+02:00")), 6 * 8 * H);
    // Lord Howe moves by 30 minutes: 02:00 → 02:30 on 2026-10-04, 02:00 → 01:30 on 2026-04-05.
    let lh = cal("Australia/Lord_Howe", all_day, vec![holiday("2020-01-01", false)]);
    assert_eq!(lh.between_ms(ms("2026-10-04T00:00+10:30"), ms("2026-10-05T00:00+11:00")), 23 * H + 30 * MIN);
    assert_eq!(lh.between_ms(ms("2026-04-05T00:00+11:00"), ms("2026-04-06T00:00+10:30")), 24 * H + 30 * MIN);
}

#[test]
fn validation_names_the_field() {
    let ok = || spec("Europe/Berlin", weekdays("09:00", "17:00"), vec![holiday("2026-12-25", false)]);
    let cases: Vec<(CalendarSpec, &str)> = vec![
        (CalendarSpec { time_zone: "Mars/Olympus_Mons".into(), ..ok() }, "time_zone"),
        (CalendarSpec { time_zone: String::new(), ..ok() }, "time_zone"),
        (CalendarSpec { name: String::new(), ..ok() }, "name"),
        (CalendarSpec { name: "x".repeat(201), ..ok() }, "name"),
        (CalendarSpec { hours: hours(&[("mon", "09:00", "12:00"), ("tue", "9:00", "12:00")]), ..ok() }, "hours[1].start"),
        (CalendarSpec { hours: hours(&[("mon", "09:00", "12:00"), ("tue", "09:00", "12:60")]), ..ok() }, "hours[1].end"),
        (CalendarSpec { hours: hours(&[("mon", "24:00", "24:00")]), ..ok() }, "hours[0].start"),
        (CalendarSpec { hours: hours(&[("mon", "09:00", "24:01")]), ..ok() }, "hours[0].end"),
        (CalendarSpec { hours: hours(&[("mon", "09:00", "x")]), ..ok() }, "hours[0].end"),
        (
            CalendarSpec {
                hours: hours(&[("mon", "09:00", "12:00"), ("mon", "13:00", "14:00"), ("mon", "17:00", "17:00")]),
                ..ok()
            },
            "hours[2].end",
        ),
        (CalendarSpec { hours: hours(&[("mon", "10:00", "09:00")]), ..ok() }, "hours[0].end"),
        (
            CalendarSpec {
                hours: hours(&[
                    ("mon", "09:00", "12:00"),
                    ("mon", "13:00", "17:00"),
                    ("tue", "09:00", "17:00"),
                    ("mon", "11:00", "14:00"),
                ]),
                ..ok()
            },
            "hours[3]",
        ),
        (CalendarSpec { hours: hours(&[("mon", "11:00", "14:00"), ("mon", "09:00", "17:00")]), ..ok() }, "hours[1]"),
        (CalendarSpec { hours: vec![], ..ok() }, "hours"),
        (CalendarSpec { hours: hours(&[("Monday", "09:00", "17:00")]), ..ok() }, "hours[0].day"),
        (CalendarSpec { hours: hours(&[("MON", "09:00", "17:00")]), ..ok() }, "hours[0].day"),
        (CalendarSpec { holidays: vec![holiday("2026-02-30", false)], ..ok() }, "holidays[0].date"),
        (CalendarSpec { holidays: vec![holiday("26-12-25", false)], ..ok() }, "holidays[0].date"),
        (CalendarSpec { holidays: vec![holiday("2026-12-25", false), holiday("2026-12-25", true)], ..ok() }, "holidays[1].date"),
        (CalendarSpec { holidays: vec![holiday("2025-12-25", true), holiday("2026-12-25", true)], ..ok() }, "holidays[1].date"),
    ];
    for (bad, field) in cases {
        let err = bad.validate().expect_err(field);
        assert_eq!(err.field, field, "{bad:?} → {err}");
        assert!(!err.message.is_empty());
    }
    // Touching intervals, 24:00 ends and a dated + yearly pair on different years are fine.
    let fine = CalendarSpec {
        hours: hours(&[
            ("mon", "09:00", "12:00"),
            ("mon", "12:00", "13:00"),
            ("sun", "22:00", "24:00"),
            ("mon", "00:00", "01:00"),
        ]),
        holidays: vec![holiday("2025-12-25", false), holiday("2026-12-25", true)],
        ..ok()
    };
    let c = fine.validate().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.week_ms(), 7 * H);
    assert_eq!(
        spec("america/new_york", weekdays("09:00", "17:00"), vec![]).validate().map(|c| c.time_zone_name().to_owned()),
        Ok("America/New_York".to_owned())
    );
}

#[test]
fn new_rejects_bad_parts() {
    let iv = |day, s, e| WorkInterval { day, start_minute: s, end_minute: e };
    let h = |d: Date| Holiday { date: d, name: "x".into(), yearly: true };
    assert_eq!(Calendar::new("UTC", &[iv(Weekday::Monday, 600, 1441)], &[]).map(|_| ()).unwrap_err().field, "hours[0].end");
    let all_year: Vec<Holiday> = (0..366).map(|i| h(Date::constant(2024, 1, 1) + jiff::Span::new().days(i))).collect();
    assert_eq!(Calendar::new("UTC", &[iv(Weekday::Monday, 0, 60)], &all_year).map(|_| ()).unwrap_err().field, "holidays");
    let too_many: Vec<Holiday> =
        (0..1001).map(|i| Holiday { yearly: false, ..h(Date::constant(2024, 1, 1) + jiff::Span::new().days(i)) }).collect();
    assert_eq!(Calendar::new("UTC", &[iv(Weekday::Monday, 0, 60)], &too_many).map(|_| ()).unwrap_err().field, "holidays");
}

#[test]
fn work_always_resumes_and_huge_inputs_are_fast() {
    // Yearly holidays on every day but 29 February: only leap days on a Monday are working time.
    let iv = [WorkInterval { day: Weekday::Monday, start_minute: 540, end_minute: 600 }];
    let holidays: Vec<Holiday> = (0..366)
        .map(|i| Holiday { date: Date::constant(2024, 1, 1) + jiff::Span::new().days(i), name: String::new(), yearly: true })
        .filter(|h| !(h.date.month() == 2 && h.date.day() == 29))
        .collect();
    let c = Calendar::new("Europe/Berlin", &iv, &holidays).unwrap_or_else(|e| panic!("{e}"));
    let began = Instant::now();
    // 29 February is a Monday in 2044.
    assert_eq!(c.add_minutes(ms("2026-01-01T00:00Z"), 30), ms("2044-02-29T09:30+01:00"));
    assert_eq!(c.add_minutes(ms("2026-01-01T00:00Z"), 61), ms("2072-02-29T09:01+01:00"));
    let far = c.add_minutes(ms("2026-01-01T00:00Z"), i64::MAX);
    assert_eq!(far, i64::MAX);
    assert!(c.between_ms(i64::MIN, i64::MAX) > 0);
    assert!(began.elapsed().as_secs() < 5, "took {:?}", began.elapsed());

    let berlin = berlin_realistic();
    let began = Instant::now();
    let ten_years = 10 * 365 * 24 * 60;
    let due = berlin.add_minutes(ms("2026-01-01T00:00Z"), ten_years);
    assert_eq!(berlin.between_ms(ms("2026-01-01T00:00Z"), due), ten_years * MIN);
    assert_eq!(berlin.add_ms(ms("2026-01-01T00:00Z"), i64::MAX), i64::MAX);
    assert_eq!(berlin.add_ms(i64::MAX, 1), i64::MAX);
    assert!(berlin.between_ms(i64::MIN, i64::MAX) > 0);
    assert!(began.elapsed().as_secs() < 5, "took {:?}", began.elapsed());
}

#[test]
fn day_numbers_match_jiff() {
    let mut date = Date::constant(1599, 12, 25);
    for _ in 0..400 * 366 {
        let n = day_number(date);
        let (y, m, d) = civil_from_days(n);
        assert_eq!((y, m, d), (i64::from(date.year()), i64::from(date.month()), i64::from(date.day())));
        assert_eq!(weekday_of(n), weekday_index(date.weekday()));
        date = date.tomorrow().unwrap_or(date);
    }
    assert_eq!(days_from_civil(1970, 1, 1), 0);
    assert_eq!(days_from_civil(-9999, 1, 1), day_number(Date::constant(-9999, 1, 1)));
    assert_eq!(days_from_civil(9999, 12, 31), day_number(Date::constant(9999, 12, 31)));
}

#[test]
fn wire_names_round_trip() {
    for (i, name) in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].iter().enumerate() {
        let day = parse_weekday(name).unwrap_or_else(|| panic!("{name}"));
        assert_eq!(weekday_index(day), i);
        assert_eq!(weekday_name(day), *name);
    }
    let back = HoursSpec::from(WorkInterval { day: Weekday::Sunday, start_minute: 570, end_minute: 1440 });
    assert_eq!((back.day.as_str(), back.start.as_str(), back.end.as_str()), ("sun", "09:30", "24:00"));
    let json = r#"{"name":"EU","time_zone":"Europe/Berlin","hours":[{"day":"mon","start":"09:00","end":"17:00"}],
                   "holidays":[{"date":"2026-12-25","name":"Christmas"}]}"#;
    let parsed: CalendarSpec = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}"));
    assert!(!parsed.holidays[0].yearly);
    assert_eq!(parsed.validate().map(|c| c.week_ms()), Ok(8 * H));
}
