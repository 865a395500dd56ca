//! Day numbers (days since 1970-01-01 in the proleptic Gregorian calendar) and the holiday set.
//!
//! The walk works on plain day numbers rather than `jiff::civil::Date` so that stepping a day,
//! finding a weekday or testing a holiday is a few integer operations.

use jiff::civil::{Date, Weekday};

/// Milliseconds in a civil day.
pub(super) const DAY: i64 = 86_400_000;

/// The day number of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
pub(super) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The (year, month, day) of a day number; the inverse of [`days_from_civil`].
pub(super) fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The day number of a `jiff` date.
pub(super) fn day_number(date: Date) -> i64 {
    days_from_civil(i64::from(date.year()), i64::from(date.month()), i64::from(date.day()))
}

/// Monday = 0 … Sunday = 6 for a day number (1970-01-01 was a Thursday).
pub(super) fn weekday_of(days: i64) -> usize {
    // rem_euclid(7) is always in 0..7, so the conversion cannot fail.
    usize::try_from((days + 3).rem_euclid(7)).unwrap_or(0)
}

/// Monday = 0 … Sunday = 6.
pub(super) fn weekday_index(day: Weekday) -> usize {
    match day {
        Weekday::Monday => 0,
        Weekday::Tuesday => 1,
        Weekday::Wednesday => 2,
        Weekday::Thursday => 3,
        Weekday::Friday => 4,
        Weekday::Saturday => 5,
        Weekday::Sunday => 6,
    }
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// Bit position of a month/day pair in [`Holidays::yearly_bits`].
fn month_day_bit(month: i64, day: i64) -> usize {
    usize::try_from(month * 32 + day).unwrap_or(0)
}

/// Days off: dated ones (one calendar day) and yearly ones (the same month/day every year;
/// a yearly 29 February only matches leap years).
#[derive(Debug, Clone, Default)]
pub(super) struct Holidays {
    /// Sorted, distinct day numbers.
    dated: Vec<i64>,
    /// Sorted, distinct (month, day) pairs.
    yearly: Vec<(i64, i64)>,
    /// `month * 32 + day` set for each yearly pair, for a branch-free membership test.
    yearly_bits: [u64; 7],
    /// For each day of a common year (index 0 = 1 January), how many yearly holidays follow
    /// in a row from it up to the end of the year; 0 when it is not one.
    runs_common: Vec<u16>,
    /// The same for a leap year.
    runs_leap: Vec<u16>,
}

impl Holidays {
    /// Builds the set from (date, yearly) pairs.
    pub(super) fn new(entries: impl IntoIterator<Item = (Date, bool)>) -> Holidays {
        let mut set = Holidays::default();
        for (date, yearly) in entries {
            if yearly {
                let (m, d) = (i64::from(date.month()), i64::from(date.day()));
                set.yearly.push((m, d));
                let bit = month_day_bit(m, d);
                set.yearly_bits[bit / 64] |= 1 << (bit % 64);
            } else {
                set.dated.push(day_number(date));
            }
        }
        set.dated.sort_unstable();
        set.dated.dedup();
        set.yearly.sort_unstable();
        set.yearly.dedup();
        if !set.yearly.is_empty() {
            set.runs_common = set.year_runs(2023);
            set.runs_leap = set.year_runs(2024);
        }
        set
    }

    fn year_runs(&self, year: i64) -> Vec<u16> {
        let first = days_from_civil(year, 1, 1);
        let len = days_from_civil(year + 1, 1, 1) - first;
        let mut runs = vec![0u16; usize::try_from(len).unwrap_or(0)];
        let mut run = 0u16;
        let mut days = first + len;
        for slot in runs.iter_mut().rev() {
            days -= 1;
            run = if self.is_yearly(days) { run + 1 } else { 0 };
            *slot = run;
        }
        runs
    }

    fn is_yearly(&self, days: i64) -> bool {
        let (_, m, d) = civil_from_days(days);
        let bit = month_day_bit(m, d);
        self.yearly_bits[bit / 64] & (1 << (bit % 64)) != 0
    }

    /// True when there are no holidays at all.
    pub(super) fn is_empty(&self) -> bool {
        self.dated.is_empty() && self.yearly.is_empty()
    }

    /// Number of distinct month/day pairs covered by yearly holidays.
    pub(super) fn yearly_count(&self) -> usize {
        self.yearly.len()
    }

    /// Whether day number `days` is a day off.
    pub(super) fn contains(&self, days: i64) -> bool {
        (!self.yearly.is_empty() && self.is_yearly(days)) || self.dated.binary_search(&days).is_ok()
    }

    /// The first day off on or after `days`, or `i64::MAX` when there is none.
    pub(super) fn next_from(&self, days: i64) -> i64 {
        let i = self.dated.partition_point(|&h| h < days);
        let dated = self.dated.get(i).copied().unwrap_or(i64::MAX);
        dated.min(self.next_yearly_from(days))
    }

    /// The first day on or after `days` that is not a day off, in a few steps however long the
    /// run of holidays; gives up (returning a day past `limit`) rather than pass `limit`.
    pub(super) fn free_from(&self, mut days: i64, limit: i64) -> i64 {
        loop {
            let before = days;
            if !self.yearly.is_empty() {
                // A run can only cross new year a few times: validation leaves a month/day free.
                while days <= limit {
                    let (year, _, _) = civil_from_days(days);
                    let jan1 = days_from_civil(year, 1, 1);
                    let runs = if is_leap(year) { &self.runs_leap } else { &self.runs_common };
                    let run = usize::try_from(days - jan1).ok().and_then(|i| runs.get(i)).copied().unwrap_or(0);
                    days += i64::from(run);
                    if run == 0 || days < days_from_civil(year + 1, 1, 1) {
                        break;
                    }
                }
            }
            let mut i = self.dated.partition_point(|&h| h < days);
            while self.dated.get(i) == Some(&days) {
                days += 1;
                i += 1;
            }
            if days == before || days > limit {
                return days;
            }
        }
    }

    fn next_yearly_from(&self, days: i64) -> i64 {
        if self.yearly.is_empty() {
            return i64::MAX;
        }
        let (year, m, d) = civil_from_days(days);
        let first = self.yearly.partition_point(|&md| md < (m, d));
        // A lone yearly 29 February can be eight years from the next one (e.g. 2096 → 2104).
        for y in year..=year + 8 {
            let from = if y == year { first } else { 0 };
            for &(hm, hd) in &self.yearly[from..] {
                if hm != 2 || hd != 29 || is_leap(y) {
                    return days_from_civil(y, hm, hd);
                }
            }
        }
        i64::MAX
    }
}
