//! Ticket vocabulary and the status state machine, declared once as data.

use serde::{Deserialize, Serialize};

/// Where a ticket stands. On the wire: snake_case (`waiting_on_customer`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    New,
    Open,
    InProgress,
    WaitingOnCustomer,
    Escalated,
    Resolved,
    Closed,
    Duplicate,
}

/// How urgent a ticket is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    Medium,
    High,
    Critical,
}

/// What kind of request a ticket is (seed 003's case types).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TicketType {
    Problem,
    Question,
    Incident,
    FeatureRequest,
    Training,
    Maintenance,
    Other,
}

/// How a ticket was resolved (seed 003's resolution categories).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResolutionCategory {
    TechnicalSupport,
    ProductGuidance,
    ConfigurationChange,
    BugFix,
    ProductUpdate,
    Training,
    NoFixNeeded,
    Other,
}

/// The named lists of tickets (SPEC §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum View {
    All,
    Mine,
    Unassigned,
    Open,
    HighPriority,
    Escalated,
    Waiting,
    RecentlyClosed,
    SlaBreached,
    AtRisk,
}

/// Orders of ticket lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    Newest,
    Oldest,
    Updated,
    Priority,
    Due,
}

/// Gives an enum `ALL`, `as_str`, `parse` and `Display` over its snake_case wire names.
macro_rules! wire_names {
    ($ty:ident { $($variant:ident => $name:literal),* $(,)? }) => {
        impl $ty {
            /// Every value, in declaration order.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),*];

            /// The snake_case name used on the wire and in the database.
            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $name),* }
            }

            /// Parses the snake_case name; `None` for anything else.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($name => Some($ty::$variant),)* _ => None }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use wire_names;

wire_names!(Status {
    New => "new",
    Open => "open",
    InProgress => "in_progress",
    WaitingOnCustomer => "waiting_on_customer",
    Escalated => "escalated",
    Resolved => "resolved",
    Closed => "closed",
    Duplicate => "duplicate",
});

wire_names!(Priority { Low => "low", Medium => "medium", High => "high", Critical => "critical" });

wire_names!(TicketType {
    Problem => "problem",
    Question => "question",
    Incident => "incident",
    FeatureRequest => "feature_request",
    Training => "training",
    Maintenance => "maintenance",
    Other => "other",
});

wire_names!(ResolutionCategory {
    TechnicalSupport => "technical_support",
    ProductGuidance => "product_guidance",
    ConfigurationChange => "configuration_change",
    BugFix => "bug_fix",
    ProductUpdate => "product_update",
    Training => "training",
    NoFixNeeded => "no_fix_needed",
    Other => "other",
});

wire_names!(View {
    All => "all",
    Mine => "mine",
    Unassigned => "unassigned",
    Open => "open",
    HighPriority => "high_priority",
    Escalated => "escalated",
    Waiting => "waiting",
    RecentlyClosed => "recently_closed",
    SlaBreached => "sla_breached",
    AtRisk => "at_risk",
});

wire_names!(Sort { Newest => "newest", Oldest => "oldest", Updated => "updated", Priority => "priority", Due => "due" });

impl Priority {
    /// Rank for sorting: critical highest.
    pub fn rank(self) -> i64 {
        match self {
            Priority::Low => 1,
            Priority::Medium => 2,
            Priority::High => 3,
            Priority::Critical => 4,
        }
    }
}

/// Normalises a tag: trimmed, lowercase, inner spaces as dashes; `None` if empty, too long, or
/// holding anything but letters, digits, `-`, `_`, `.`.
pub fn normalize_tag(raw: &str) -> Option<String> {
    let tag: String = raw.trim().to_lowercase().split_whitespace().collect::<Vec<_>>().join("-");
    let ok =
        !tag.is_empty() && tag.chars().count() <= 40 && tag.chars().all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
    ok.then_some(tag)
}

/// Who is moving a ticket: staff (agents, supervisors, admins), the ticket's customer side, or the system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    Staff,
    Customer,
    System,
}

/// One allowed move and who may make it.
#[derive(Debug, Clone, Copy)]
pub struct Transition {
    /// The status before.
    pub from: Status,
    /// The status after.
    pub to: Status,
    /// Who may take it.
    pub by: &'static [Actor],
}

const STAFF: &[Actor] = &[Actor::Staff];
const STAFF_SYSTEM: &[Actor] = &[Actor::Staff, Actor::System];
const ANYONE: &[Actor] = &[Actor::Staff, Actor::Customer, Actor::System];
const STAFF_CUSTOMER: &[Actor] = &[Actor::Staff, Actor::Customer];

macro_rules! transitions {
    ($($from:ident -> $to:ident by $by:ident),* $(,)?) => {
        &[$(Transition { from: Status::$from, to: Status::$to, by: $by }),*]
    };
}

/// The whole state machine (SPEC §3). Anything not listed is illegal.
pub const TRANSITIONS: &[Transition] = transitions![
    New -> Open by STAFF_SYSTEM,
    New -> InProgress by STAFF_SYSTEM,
    New -> WaitingOnCustomer by STAFF,
    New -> Escalated by STAFF_SYSTEM,
    New -> Resolved by STAFF_CUSTOMER,
    New -> Duplicate by STAFF,
    Open -> InProgress by STAFF_SYSTEM,
    Open -> WaitingOnCustomer by STAFF,
    Open -> Escalated by STAFF_SYSTEM,
    Open -> Resolved by STAFF_CUSTOMER,
    Open -> Duplicate by STAFF,
    InProgress -> Open by STAFF,
    InProgress -> WaitingOnCustomer by STAFF,
    InProgress -> Escalated by STAFF_SYSTEM,
    InProgress -> Resolved by STAFF_CUSTOMER,
    InProgress -> Duplicate by STAFF,
    WaitingOnCustomer -> Open by ANYONE,
    WaitingOnCustomer -> InProgress by STAFF,
    WaitingOnCustomer -> Escalated by STAFF_SYSTEM,
    WaitingOnCustomer -> Resolved by STAFF_CUSTOMER,
    WaitingOnCustomer -> Duplicate by STAFF,
    Escalated -> Open by STAFF,
    Escalated -> InProgress by STAFF,
    Escalated -> WaitingOnCustomer by STAFF,
    Escalated -> Resolved by STAFF_CUSTOMER,
    Escalated -> Duplicate by STAFF,
    Resolved -> Open by STAFF_CUSTOMER,
    Resolved -> Closed by STAFF_SYSTEM,
];

/// Why a status change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot move a ticket from {from} to {to}; allowed: {}", allowed_list(.allowed))]
pub struct TransitionError {
    /// The current status.
    pub from: Status,
    /// The requested status.
    pub to: Status,
    /// What this actor may move to from `from`.
    pub allowed: Vec<Status>,
}

fn allowed_list(allowed: &[Status]) -> String {
    if allowed.is_empty() {
        return "none".to_owned();
    }
    allowed.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
}

impl Status {
    /// The statuses `actor` may move a ticket to from `self`.
    pub fn next(self, actor: Actor) -> Vec<Status> {
        TRANSITIONS.iter().filter(|t| t.from == self && t.by.contains(&actor)).map(|t| t.to).collect()
    }

    /// Checks a move; a move to the same status is not a move and is refused too.
    pub fn check(self, to: Status, actor: Actor) -> Result<(), TransitionError> {
        let allowed = self.next(actor);
        if allowed.contains(&to) { Ok(()) } else { Err(TransitionError { from: self, to, allowed }) }
    }

    /// Still being worked on (counts towards backlog and SLA).
    pub fn is_active(self) -> bool {
        !matches!(self, Status::Resolved | Status::Closed | Status::Duplicate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Actor::{Customer, Staff, System};
    use Status::*;

    /// Every (from, to, actor) triple: exactly the listed ones pass.
    #[test]
    fn every_pair_for_every_actor() {
        let allowed: &[(Status, Status, &[Actor])] = &[
            (New, Open, &[Staff, System]),
            (New, InProgress, &[Staff, System]),
            (New, WaitingOnCustomer, &[Staff]),
            (New, Escalated, &[Staff, System]),
            (New, Resolved, &[Staff, Customer]),
            (New, Duplicate, &[Staff]),
            (Open, InProgress, &[Staff, System]),
            (Open, WaitingOnCustomer, &[Staff]),
            (Open, Escalated, &[Staff, System]),
            (Open, Resolved, &[Staff, Customer]),
            (Open, Duplicate, &[Staff]),
            (InProgress, Open, &[Staff]),
            (InProgress, WaitingOnCustomer, &[Staff]),
            (InProgress, Escalated, &[Staff, System]),
            (InProgress, Resolved, &[Staff, Customer]),
            (InProgress, Duplicate, &[Staff]),
            (WaitingOnCustomer, Open, &[Staff, Customer, System]),
            (WaitingOnCustomer, InProgress, &[Staff]),
            (WaitingOnCustomer, Escalated, &[Staff, System]),
            (WaitingOnCustomer, Resolved, &[Staff, Customer]),
            (WaitingOnCustomer, Duplicate, &[Staff]),
            (Escalated, Open, &[Staff]),
            (Escalated, InProgress, &[Staff]),
            (Escalated, WaitingOnCustomer, &[Staff]),
            (Escalated, Resolved, &[Staff, Customer]),
            (Escalated, Duplicate, &[Staff]),
            (Resolved, Open, &[Staff, Customer]),
            (Resolved, Closed, &[Staff, System]),
        ];
        let mut checked = 0;
        for &from in Status::ALL {
            for &to in Status::ALL {
                for actor in [Staff, Customer, System] {
                    let expect = allowed.iter().any(|(f, t, by)| *f == from && *t == to && by.contains(&actor));
                    assert_eq!(from.check(to, actor).is_ok(), expect, "{from} -> {to} by {actor:?}");
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 8 * 8 * 3);
    }

    #[test]
    fn refusal_names_the_allowed_moves() {
        let e = Resolved.check(New, Staff).unwrap_err();
        assert_eq!(e.allowed, vec![Open, Closed]);
        assert_eq!(e.to_string(), "cannot move a ticket from resolved to new; allowed: open, closed");
        assert_eq!(
            Closed.check(Open, Customer).unwrap_err().to_string(),
            "cannot move a ticket from closed to open; allowed: none"
        );
    }

    #[test]
    fn tags_normalise() {
        for (raw, want) in [
            ("VPN", Some("vpn")),
            ("  Printer Jam ", Some("printer-jam")),
            ("a,b", None),
            ("", None),
            ("x".repeat(41).as_str(), None),
        ] {
            assert_eq!(normalize_tag(raw).as_deref(), want, "{raw}");
        }
    }

    #[test]
    fn wire_names_round_trip() {
        for &s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{s}\""));
        }
        for &p in Priority::ALL {
            assert_eq!(Priority::parse(p.as_str()), Some(p));
        }
        assert_eq!(Status::parse("Open"), None);
    }
}
