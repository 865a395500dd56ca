//! The one loop behind `add_ms` and `between_ms`.
//!
//! Time is cut into *segments* in which the zone's UTC offset is constant (from an instant to the
//! zone's next transition). Inside a segment local time is UTC plus a constant, so each local day
//! is one slice of UTC time and its working intervals map to UTC by subtracting the offset. A run
//! of whole local days with no holiday inside one segment is summed in O(1) from per-weekday
//! totals, so the loop only slows down to day steps around holidays, transitions and the target.

use jiff::Timestamp;

use super::Calendar;
use super::days::{DAY, weekday_of};

/// How a walk ended.
pub(super) enum Outcome {
    /// The budget was used up at this instant.
    Reached(i64),
    /// `until` came first; this much working time lay on the way.
    Exhausted(i64),
}

impl Calendar {
    /// The zone's offset at `t` (ms) and the instant of its next transition after `t`
    /// (`i64::MAX` when there is none).
    fn segment(&self, t: i64) -> (i64, i64) {
        // Callers clamp `t` into Timestamp's range, so the fallback is never taken.
        let ts = Timestamp::from_millisecond(t).unwrap_or(Timestamp::MAX);
        let offset = i64::from(self.tz.to_offset(ts).seconds()) * 1000;
        let next = self.tz.following(ts).next().map_or(i64::MAX, |tr| tr.timestamp().as_millisecond());
        (offset, next)
    }

    /// Working time (ms) in `n` whole local days starting at day number `first`, none a holiday,
    /// all at one offset.
    fn run_total(&self, first: i64, n: i64) -> i64 {
        let wd = weekday_of(first);
        let rest = usize::try_from(n % 7).unwrap_or(0);
        (n / 7) * self.week_total + self.cumulative[wd + rest] - self.cumulative[wd]
    }

    /// Walks forward from `from` (inside Timestamp's range) through working time until `budget`
    /// ms have been used, or until the instant `until`, whichever comes first.
    ///
    /// Terminates: every pass of either loop moves `local` forward by at least one interval end,
    /// day end or segment end, and segments end at the next transition or `until`.
    pub(super) fn walk(&self, from: i64, until: i64, budget: i64) -> Outcome {
        let mut rem = budget;
        let mut t = from;
        while t < until {
            let (offset, next_transition) = self.segment(t);
            let seg_end = next_transition.min(until);
            let local_end = seg_end.saturating_add(offset);
            let mut local = t + offset;
            // Day numbers in [.., free_until) are known to be whole inside this segment and not holidays.
            let mut free_until = i64::MIN;
            while local < local_end {
                let day = local.div_euclid(DAY);
                let day_start = day * DAY;
                let minute_ms = local - day_start;
                if minute_ms == 0 && day >= free_until {
                    let whole_days = (local_end - day_start) / DAY;
                    let next_holiday = self.holidays.next_from(day);
                    if next_holiday == day && whole_days > 0 {
                        // Step over the whole run of days off at once.
                        let last = day + whole_days;
                        local = self.holidays.free_from(day, last).min(last) * DAY;
                        continue;
                    }
                    free_until = day + whole_days.min(next_holiday.saturating_sub(day));
                    let n = free_until - day;
                    if n > 0 {
                        let total = self.run_total(day, n);
                        if total < rem {
                            rem -= total;
                            local = day_start + n * DAY;
                            continue;
                        }
                        // The target lies in this run: jump the whole weeks that end before it.
                        let weeks = (rem - 1).checked_div(self.week_total).unwrap_or(0);
                        if weeks > 0 {
                            rem -= weeks * self.week_total;
                            local = day_start + weeks * 7 * DAY;
                            continue;
                        }
                    }
                }
                let limit = (local_end - day_start).min(DAY);
                if day < free_until || !self.holidays.contains(day) {
                    for &(start, end) in &self.week[weekday_of(day)] {
                        let a = start.max(minute_ms);
                        let b = end.min(limit);
                        if a < b {
                            if rem <= b - a {
                                return Outcome::Reached(day_start + a + rem - offset);
                            }
                            rem -= b - a;
                        }
                    }
                }
                local = day_start + limit;
            }
            t = seg_end;
        }
        Outcome::Exhausted(budget - rem)
    }
}
