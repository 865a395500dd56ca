//! SLA policies and the ticket's SLA clock: which targets apply, when they fall due, and how
//! waiting on the customer moves them out. Pure: the caller passes the calendar and the time.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::calendar::Calendar;
use crate::ticket::{Priority, wire_names};
use crate::validate::Errors;

/// A customer tier (seed 003): a company's tier picks the SLA policy of its tickets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Platinum,
    Gold,
    Silver,
    Bronze,
    Standard,
}

wire_names!(Tier { Platinum => "platinum", Gold => "gold", Silver => "silver", Bronze => "bronze", Standard => "standard" });

/// The targets of one priority, in minutes of the policy's calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// `low`, `medium`, `high` or `critical`.
    pub priority: String,
    /// Minutes until the first public reply is due.
    pub first_response_minutes: i64,
    /// Minutes until the ticket must be resolved.
    pub resolution_minutes: i64,
}

/// An SLA policy as an admin writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicySpec {
    /// Shown to admins.
    pub name: String,
    /// The tier whose companies' tickets get this policy (one policy per tier).
    pub tier: String,
    /// The business-hours calendar the minutes count in; `null` counts round the clock.
    pub calendar_id: Option<Uuid>,
    /// One target per priority; a priority without one gets no due times.
    pub targets: Vec<Target>,
}

/// The longest target accepted: a year.
const MAX_TARGET_MINUTES: i64 = 366 * 24 * 60;

impl PolicySpec {
    /// Records every problem in `e`, naming the field.
    pub fn check(&self, e: &mut Errors) {
        e.text("name", &self.name, 200);
        if Tier::parse(&self.tier).is_none() {
            e.add("tier", format!("must be one of: {}", names(Tier::ALL)));
        }
        let mut seen = Vec::new();
        for (i, t) in self.targets.iter().enumerate() {
            match Priority::parse(&t.priority) {
                None => e.add(&format!("targets[{i}].priority"), format!("must be one of: {}", names(Priority::ALL))),
                Some(p) if seen.contains(&p) => e.add(&format!("targets[{i}].priority"), "appears twice"),
                Some(p) => seen.push(p),
            }
            for (field, v) in [("first_response_minutes", t.first_response_minutes), ("resolution_minutes", t.resolution_minutes)]
            {
                if v <= 0 {
                    e.add(&format!("targets[{i}].{field}"), "must be a positive number of minutes");
                } else if v > MAX_TARGET_MINUTES {
                    e.add(&format!("targets[{i}].{field}"), format!("must be at most {MAX_TARGET_MINUTES} minutes"));
                }
            }
        }
        if self.targets.is_empty() {
            e.add("targets", "name at least one priority's targets");
        }
    }

    /// The targets of `priority`, if the policy has them.
    pub fn target(&self, priority: &str) -> Option<&Target> {
        self.targets.iter().find(|t| t.priority == priority)
    }
}

/// A policy every new tenant starts with: seed 003's tier table.
#[derive(Debug, Clone, Copy)]
pub struct DefaultPolicy {
    /// Its name.
    pub name: &'static str,
    /// Its tier.
    pub tier: Tier,
    /// Whether it counts in the tenant's business hours (else round the clock).
    pub business_hours: bool,
    /// First response and resolution for medium and low priority, in minutes.
    pub first_response: i64,
    /// See `first_response`.
    pub resolution: i64,
}

/// Seed 003: platinum 1 h / 4 h and gold 2 h / 8 h round the clock; silver 4 h / 1 business
/// day, bronze 8 h / 2 business days, standard 1 / 5 business days (of 8 hours) in business hours.
pub const DEFAULT_POLICIES: &[DefaultPolicy] = &[
    DefaultPolicy { name: "Platinum", tier: Tier::Platinum, business_hours: false, first_response: 60, resolution: 240 },
    DefaultPolicy { name: "Gold", tier: Tier::Gold, business_hours: false, first_response: 120, resolution: 480 },
    DefaultPolicy { name: "Silver", tier: Tier::Silver, business_hours: true, first_response: 240, resolution: 480 },
    DefaultPolicy { name: "Bronze", tier: Tier::Bronze, business_hours: true, first_response: 480, resolution: 960 },
    DefaultPolicy { name: "Standard", tier: Tier::Standard, business_hours: true, first_response: 480, resolution: 2400 },
];

impl DefaultPolicy {
    /// The tier's targets for each priority: high gets half, critical a quarter (at least 15 minutes).
    pub fn targets(&self) -> Vec<Target> {
        Priority::ALL
            .iter()
            .map(|p| {
                let divisor = match p {
                    Priority::Critical => 4,
                    Priority::High => 2,
                    Priority::Medium | Priority::Low => 1,
                };
                Target {
                    priority: p.as_str().to_owned(),
                    first_response_minutes: (self.first_response / divisor).max(15),
                    resolution_minutes: (self.resolution / divisor).max(15),
                }
            })
            .collect()
    }
}

/// A ticket's SLA clock as stored on the ticket.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Clock {
    /// When the first public reply is due (`None`: no target).
    pub first_response_due_at: Option<i64>,
    /// When the ticket must be resolved.
    pub resolution_due_at: Option<i64>,
    /// Since when the ticket waits on the customer, if it does.
    pub paused_at: Option<i64>,
    /// Working time (ms) spent waiting on the customer before the current pause.
    pub paused_ms: i64,
}

const MINUTE_MS: i64 = 60_000;

impl Clock {
    /// The clock of a ticket created at `created_at` under `target`, with `paused_ms` of
    /// working time already spent waiting: each due time is the target plus the waiting,
    /// counted in the calendar from creation.
    pub fn start(calendar: &Calendar, created_at: i64, target: Option<&Target>, paused_ms: i64) -> Self {
        let due = |minutes: i64| calendar.add_ms(created_at, minutes.saturating_mul(MINUTE_MS).saturating_add(paused_ms));
        Self {
            first_response_due_at: target.map(|t| due(t.first_response_minutes)),
            resolution_due_at: target.map(|t| due(t.resolution_minutes)),
            paused_at: None,
            paused_ms,
        }
    }

    /// The clock stops while the ticket waits on the customer.
    #[must_use]
    pub fn pause(self, now: i64) -> Self {
        if self.paused_at.is_some() { self } else { Self { paused_at: Some(now), ..self } }
    }

    /// The clock runs again: the working time spent waiting is added, and the due times are
    /// recomputed from creation under `target` (which may have changed with the priority).
    #[must_use]
    pub fn resume(self, calendar: &Calendar, created_at: i64, target: Option<&Target>, now: i64) -> Self {
        let waited = self.paused_at.map_or(0, |at| calendar.between_ms(at, now));
        Self::start(calendar, created_at, target, self.paused_ms.saturating_add(waited))
    }

    /// New targets (a priority or policy change) keep the waiting already counted; a paused
    /// clock stays paused.
    #[must_use]
    pub fn retarget(self, calendar: &Calendar, created_at: i64, target: Option<&Target>) -> Self {
        Self { paused_at: self.paused_at, ..Self::start(calendar, created_at, target, self.paused_ms) }
    }
}

/// The fewest comparable resolved tickets a prediction rests on.
pub const MIN_SAMPLES: usize = 10;

/// The chance that an open ticket misses its resolution target, from how long the tenant's
/// resolved tickets took: among those still unresolved at this ticket's age (`elapsed_ms`),
/// the share that took longer than the target allows (`allowed_ms`). `None` with fewer than
/// [`MIN_SAMPLES`] such tickets. Returns (percent, late, comparable).
pub fn breach_risk(durations_ms: &[i64], elapsed_ms: i64, allowed_ms: i64) -> Option<(i64, usize, usize)> {
    if elapsed_ms >= allowed_ms {
        return Some((100, 0, 0));
    }
    let comparable: Vec<i64> = durations_ms.iter().copied().filter(|d| *d > elapsed_ms).collect();
    if comparable.len() < MIN_SAMPLES {
        return None;
    }
    let late = comparable.iter().filter(|d| **d > allowed_ms).count();
    let percent = i64::try_from((late * 100 + comparable.len() / 2) / comparable.len()).unwrap_or(100);
    Some((percent, late, comparable.len()))
}

fn names<T: std::fmt::Display>(all: &[T]) -> String {
    all.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(fr: i64, res: i64) -> Target {
        Target { priority: "medium".into(), first_response_minutes: fr, resolution_minutes: res }
    }

    #[test]
    fn round_the_clock_due_times_are_plain_arithmetic() {
        let c = Clock::start(&Calendar::always(), 1_000, Some(&target(1, 600)), 0);
        assert_eq!(c.first_response_due_at, Some(1_000 + 60_000));
        assert_eq!(c.resolution_due_at, Some(1_000 + 600 * 60_000));
        assert_eq!(Clock::start(&Calendar::always(), 1_000, None, 0).resolution_due_at, None);
    }

    #[test]
    fn waiting_moves_the_due_times_out_by_the_time_waited() {
        let cal = Calendar::always();
        let c = Clock::start(&cal, 0, Some(&target(60, 600)), 0).pause(10 * MINUTE_MS);
        assert_eq!(c.paused_at, Some(10 * MINUTE_MS));
        // Pausing twice keeps the first pause.
        assert_eq!(c.pause(20 * MINUTE_MS).paused_at, Some(10 * MINUTE_MS));
        let r = c.resume(&cal, 0, Some(&target(60, 600)), 25 * MINUTE_MS);
        assert_eq!(r.paused_at, None);
        assert_eq!(r.paused_ms, 15 * MINUTE_MS);
        assert_eq!(r.resolution_due_at, Some(615 * MINUTE_MS));
        // A later priority change keeps the waiting.
        let t = r.retarget(&cal, 0, Some(&target(30, 120)));
        assert_eq!(t.resolution_due_at, Some(135 * MINUTE_MS));
    }

    #[test]
    fn policies_name_their_bad_fields() {
        let spec = PolicySpec {
            name: String::new(),
            tier: "diamond".into(),
            calendar_id: None,
            targets: vec![target(0, 10), Target { priority: "urgent".into(), ..target(5, -1) }],
        };
        let mut e = Errors::default();
        spec.check(&mut e);
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            ["name", "tier", "targets[0].first_response_minutes", "targets[1].priority", "targets[1].resolution_minutes"]
        );
    }

    #[test]
    fn breach_risk_conditions_on_the_age_already_reached() {
        let hour = 3_600_000;
        // Ten tickets took 1..=10 hours.
        let d: Vec<i64> = (1..=10).map(|h| h * hour).collect();
        // A fresh ticket with a 5-hour target: 5 of 10 took longer.
        assert_eq!(breach_risk(&d, 0, 5 * hour), Some((50, 5, 10)));
        // Too few comparable tickets once it is older.
        assert_eq!(breach_risk(&d, 3 * hour, 5 * hour), None);
        let many: Vec<i64> = (1..=40).map(|h| h * hour / 4).collect();
        // 3 hours in (12 of 40 done), 7 hours allowed: 12 of the 28 still open then took longer.
        assert_eq!(breach_risk(&many, 3 * hour, 7 * hour), Some((43, 12, 28)));
        assert_eq!(breach_risk(&d, 6 * hour, 5 * hour), Some((100, 0, 0)));
    }

    #[test]
    fn default_policies_follow_seed_003() {
        let gold = DEFAULT_POLICIES.iter().find(|p| p.tier == Tier::Gold).expect("gold");
        let t = gold.targets();
        assert_eq!(t.iter().find(|t| t.priority == "medium").map(|t| t.first_response_minutes), Some(120));
        assert_eq!(t.iter().find(|t| t.priority == "critical").map(|t| t.resolution_minutes), Some(120));
        assert_eq!(DEFAULT_POLICIES.len(), Tier::ALL.len());
    }
}
