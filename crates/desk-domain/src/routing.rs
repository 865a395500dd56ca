//! Routing rules (which group a new ticket goes to), assignment inside a group (who gets it),
//! and escalation rules (what happens when a ticket breaches, turns critical, angry or old).
//! Pure: the store loads the rules and candidates, these functions decide.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ticket::{Priority, TicketType, wire_names};
use crate::validate::Errors;

/// Conditions of a routing rule; all that are set must match.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Conditions {
    /// The ticket type.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub ticket_type: Option<String>,
    /// The channel it came in by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// Its priority at creation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// The requester's company.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_id: Option<Uuid>,
    /// The AI's category (technical, product, billing, feature, complaint, other).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Any of these words in the subject or description (case-insensitive).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
}

/// A routing rule as an admin writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RoutingRuleSpec {
    /// Shown to admins.
    pub name: String,
    /// Lower runs first; the first match wins.
    #[serde(default)]
    pub position: i64,
    /// What a ticket must look like.
    #[serde(default)]
    pub conditions: Conditions,
    /// The group the ticket goes to.
    pub group_id: Uuid,
    /// Only agents holding all of these skills qualify for the ticket.
    #[serde(default)]
    pub required_skill_ids: Vec<Uuid>,
    /// Sets the ticket's priority as well.
    #[serde(default)]
    pub set_priority: Option<String>,
}

impl RoutingRuleSpec {
    /// Records every problem in `e`, naming the field; `categories` and `channels` are the valid names.
    pub fn check(&self, e: &mut Errors, categories: &[&str], channels: &[&str]) {
        e.text("name", &self.name, 200);
        let c = &self.conditions;
        if c.ticket_type.as_deref().is_some_and(|t| TicketType::parse(t).is_none()) {
            e.add("conditions.type", format!("must be one of: {}", names(TicketType::ALL)));
        }
        if c.channel.as_deref().is_some_and(|ch| !channels.contains(&ch)) {
            e.add("conditions.channel", format!("must be one of: {}", channels.join(", ")));
        }
        if c.priority.as_deref().is_some_and(|p| Priority::parse(p).is_none()) {
            e.add("conditions.priority", format!("must be one of: {}", names(Priority::ALL)));
        }
        if c.category.as_deref().is_some_and(|x| !categories.contains(&x)) {
            e.add("conditions.category", format!("must be one of: {}", categories.join(", ")));
        }
        if c.keywords.len() > 50 || c.keywords.iter().any(|k| k.trim().is_empty() || k.chars().count() > 100) {
            e.add("conditions.keywords", "up to 50 keywords of 1 to 100 characters");
        }
        if self.set_priority.as_deref().is_some_and(|p| Priority::parse(p).is_none()) {
            e.add("set_priority", format!("must be one of: {}", names(Priority::ALL)));
        }
        if self.required_skill_ids.len() > 20 {
            e.add("required_skill_ids", "at most 20 skills");
        }
        if !(-1_000_000..=1_000_000).contains(&self.position) {
            e.add("position", "must be between -1000000 and 1000000");
        }
    }

    /// Whether a new ticket matches every condition set.
    pub fn matches(&self, t: &TicketFacts<'_>) -> bool {
        let c = &self.conditions;
        let eq = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w == have);
        eq(&c.ticket_type, t.ticket_type)
            && eq(&c.channel, t.channel)
            && eq(&c.priority, t.priority)
            && c.company_id.is_none_or(|id| t.company_id == Some(id))
            && c.category.as_deref().is_none_or(|w| t.category == Some(w))
            && (c.keywords.is_empty() || {
                let text = format!("{} {}", t.subject, t.description).to_lowercase();
                c.keywords.iter().any(|k| text.contains(&k.trim().to_lowercase()))
            })
    }
}

/// What routing looks at on a new ticket.
#[derive(Debug, Clone, Copy)]
pub struct TicketFacts<'a> {
    pub subject: &'a str,
    pub description: &'a str,
    pub ticket_type: &'a str,
    pub channel: &'a str,
    pub priority: &'a str,
    pub company_id: Option<Uuid>,
    pub category: Option<&'a str>,
}

/// The first rule (lowest position, then oldest) a ticket matches.
pub fn route<'r, T>(rules: &'r [(T, RoutingRuleSpec)], facts: &TicketFacts<'_>) -> Option<&'r (T, RoutingRuleSpec)> {
    let mut ordered: Vec<&(T, RoutingRuleSpec)> = rules.iter().collect();
    ordered.sort_by_key(|(_, r)| r.position);
    ordered.into_iter().find(|(_, r)| r.matches(facts))
}

/// How a group hands its tickets to its agents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssignmentMode {
    /// Nobody is assigned automatically.
    Manual,
    /// In turn, in a stable order.
    RoundRobin,
    /// To whoever has the fewest open tickets.
    LeastLoaded,
    /// To the least loaded agent holding the required skills, ties to the higher level.
    Skills,
}

wire_names!(AssignmentMode {
    Manual => "manual",
    RoundRobin => "round_robin",
    LeastLoaded => "least_loaded",
    Skills => "skills",
});

/// An agent who could take a ticket: a member of the group, active and available.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub user_id: Uuid,
    /// Open tickets assigned to them now.
    pub load: i64,
    /// Their skills and levels (1–5).
    pub skills: Vec<(Uuid, i64)>,
}

/// Why nobody was assigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NoAgent {
    #[error("the group assigns manually")]
    Manual,
    #[error("no available agent in the group")]
    NobodyAvailable,
    #[error("no available agent holds the required skills")]
    NoSkills,
    #[error("every qualified agent has reached the group's limit of open tickets")]
    AllFull,
}

/// Chooses the agent for one ticket. `candidates` are the group's available agents; `last` is
/// who got the group's previous ticket (the rotation continues after them, in id order).
pub fn choose(
    mode: AssignmentMode,
    candidates: &[Candidate],
    last: Option<Uuid>,
    required_skills: &[Uuid],
    max_open: Option<i64>,
) -> Result<Uuid, NoAgent> {
    if mode == AssignmentMode::Manual {
        return Err(NoAgent::Manual);
    }
    if candidates.is_empty() {
        return Err(NoAgent::NobodyAvailable);
    }
    let level = |c: &Candidate| -> Option<i64> {
        required_skills.iter().map(|s| c.skills.iter().find(|(id, _)| id == s).map(|(_, l)| *l)).sum()
    };
    let skilled: Vec<&Candidate> = candidates.iter().filter(|c| level(c).is_some()).collect();
    if skilled.is_empty() {
        return Err(NoAgent::NoSkills);
    }
    let mut open: Vec<&Candidate> = skilled.into_iter().filter(|c| max_open.is_none_or(|m| c.load < m)).collect();
    if open.is_empty() {
        return Err(NoAgent::AllFull);
    }
    // The rotation: ids in order, starting after `last`.
    open.sort_by_key(|c| c.user_id);
    let start = last.map_or(0, |l| open.iter().position(|c| c.user_id > l).unwrap_or(0));
    open.rotate_left(start);
    let pick = match mode {
        AssignmentMode::RoundRobin => open.first().copied(),
        AssignmentMode::LeastLoaded => open.iter().min_by_key(|c| c.load).copied(),
        AssignmentMode::Skills | AssignmentMode::Manual => {
            open.iter().min_by_key(|c| (c.load, std::cmp::Reverse(level(c).unwrap_or(0)))).copied()
        }
    };
    pick.map(|c| c.user_id).ok_or(NoAgent::NobodyAvailable)
}

/// What makes an escalation rule fire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    FirstResponseBreach,
    ResolutionBreach,
    PriorityCritical,
    SentimentAngry,
    Age,
}

wire_names!(Trigger {
    FirstResponseBreach => "first_response_breach",
    ResolutionBreach => "resolution_breach",
    PriorityCritical => "priority_critical",
    SentimentAngry => "sentiment_angry",
    Age => "age",
});

/// What an escalation rule does; every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Actions {
    /// Raise (or set) the priority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// Only `escalated`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Move the ticket to this group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<Uuid>,
    /// Give the ticket to this staff user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee_id: Option<Uuid>,
    /// Tell these users.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notify_user_ids: Vec<Uuid>,
    /// Tell every active user with this role (e.g. `supervisor`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_role: Option<String>,
}

/// An escalation rule as an admin writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EscalationRuleSpec {
    /// Shown to admins and in the ticket's history.
    pub name: String,
    /// `first_response_breach`, `resolution_breach`, `priority_critical`, `sentiment_angry` or `age`.
    pub trigger: String,
    /// For `age`: minutes since creation while the ticket is still open.
    #[serde(default)]
    pub age_minutes: Option<i64>,
    /// What happens.
    #[serde(default)]
    pub actions: Actions,
}

impl EscalationRuleSpec {
    /// Records every problem in `e`, naming the field.
    pub fn check(&self, e: &mut Errors) {
        e.text("name", &self.name, 200);
        match Trigger::parse(&self.trigger) {
            None => e.add("trigger", format!("must be one of: {}", names(Trigger::ALL))),
            Some(Trigger::Age) if self.age_minutes.is_none_or(|m| m <= 0 || m > 5_256_000) => {
                e.add("age_minutes", "an age rule needs 1 to 5256000 minutes");
            }
            Some(_) => {}
        }
        let a = &self.actions;
        if a.priority.as_deref().is_some_and(|p| Priority::parse(p).is_none()) {
            e.add("actions.priority", format!("must be one of: {}", names(Priority::ALL)));
        }
        if a.status.as_deref().is_some_and(|s| s != "escalated") {
            e.add("actions.status", "can only be escalated");
        }
        if a.notify_user_ids.len() > 50 {
            e.add("actions.notify_user_ids", "at most 50 users");
        }
    }

    /// The trigger, once checked.
    pub fn trigger(&self) -> Option<Trigger> {
        Trigger::parse(&self.trigger)
    }
}

fn names<T: std::fmt::Display>(all: &[T]) -> String {
    all.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests;
