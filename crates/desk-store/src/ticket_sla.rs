//! What a ticket write does to SLA, routing and escalation columns, as plain functions the
//! backends' transactions call: the decisions come from `desk_domain`, this turns them into
//! columns and history entries.

use desk_domain::calendar::Calendar;
use desk_domain::routing::NoAgent;
use desk_domain::sla::{Clock, PolicySpec};
use uuid::Uuid;

use crate::shared::NewEvent;
use crate::{NewTicket, TicketRecord, TicketSla};

/// A new ticket's status, assignee and routing note after automatic assignment.
#[derive(Debug, Clone)]
pub(crate) struct Routed {
    pub status: String,
    pub assignee_id: Option<Uuid>,
    /// Assigned by the group's rotation (not by the caller).
    pub auto: bool,
    pub note: Option<String>,
}

/// Applies an assignment outcome (`None`: none was asked for) to a new ticket.
pub(crate) fn route_new(outcome: Option<Result<Uuid, NoAgent>>, new: &NewTicket) -> Routed {
    let mut routed =
        Routed { status: new.status.clone(), assignee_id: new.assignee_id, auto: false, note: new.routing_note.clone() };
    match outcome {
        Some(Ok(user)) => {
            routed.assignee_id = Some(user);
            routed.auto = true;
            if routed.status == "new" {
                routed.status = "open".into();
            }
        }
        Some(Err(NoAgent::Manual)) | None => {}
        Some(Err(why)) => {
            let why = format!("not assigned: {why}");
            routed.note = Some(match routed.note.take() {
                Some(note) => format!("{note}; {why}"),
                None => why,
            });
        }
    }
    routed
}

/// The SLA columns of a ticket created at `now` under a policy.
pub(crate) fn start_sla(policy_id: Uuid, spec: &PolicySpec, calendar: &Calendar, priority: &str, now: i64) -> TicketSla {
    let clock = Clock::start(calendar, now, spec.target(priority), 0);
    TicketSla {
        sla_policy_id: Some(policy_id),
        first_response_due_at: clock.first_response_due_at,
        resolution_due_at: clock.resolution_due_at,
        ..TicketSla::default()
    }
}

/// The history of a creation: created, and assigned by the rotation if it was.
pub(crate) fn creation_events<'a>(id: Uuid, new: &'a NewTicket, routed: &Routed, now: i64) -> Vec<NewEvent<'a>> {
    let mut events = vec![NewEvent {
        ticket_id: id,
        actor_id: Some(new.created_by),
        at: now,
        kind: "created",
        field: Some("status"),
        old_value: None,
        new_value: Some(routed.status.clone()),
        internal: false,
    }];
    if routed.auto {
        events.push(NewEvent {
            ticket_id: id,
            actor_id: None,
            at: now,
            kind: "field",
            field: Some("assignee_id"),
            old_value: None,
            new_value: routed.assignee_id.map(|u| u.to_string()),
            internal: false,
        });
    }
    events
}

/// The clock of a ticket as stored.
pub(crate) fn clock_of(sla: &TicketSla) -> Clock {
    Clock {
        first_response_due_at: sla.first_response_due_at,
        resolution_due_at: sla.resolution_due_at,
        paused_at: sla.sla_paused_at,
        paused_ms: sla.sla_paused_ms,
    }
}

/// Statuses in which the clock stands still: waiting on the customer, and resolved (a reopened
/// ticket is not charged for the time it spent resolved).
const STOPPED: &[&str] = &["waiting_on_customer", "resolved"];

/// Whether `target` (`first_response` or `resolution`) of the ticket as it stands is breached at
/// `at`: due by then, not met, not yet recorded, the clock running and the ticket not finished.
pub(crate) fn is_breached(cur: &TicketRecord, target: &str, at: i64) -> bool {
    let (due, met, recorded) = match target {
        "first_response" => (cur.sla.first_response_due_at, cur.first_response_at, cur.sla.first_response_breached),
        _ => (cur.sla.resolution_due_at, cur.resolved_at, cur.sla.resolution_breached),
    };
    let finished =
        matches!(cur.status.as_str(), "closed" | "duplicate") || (target == "first_response" && cur.status == "resolved");
    !recorded && met.is_none() && !cur.sla.sla_paused && !finished && due.is_some_and(|d| d <= at)
}

/// What a status or priority change does to the clock: a stopping status (waiting on the
/// customer, resolved) stops it, leaving it starts it again with the due times moved out by the
/// working time stopped, a new priority brings its own targets. `policy` is the ticket's policy
/// and calendar, if it has one.
pub(crate) fn next_clock(
    cur: &TicketRecord,
    new_status: Option<&str>,
    new_priority: Option<&str>,
    policy: Option<&(PolicySpec, Calendar)>,
    now: i64,
) -> Clock {
    let mut clock = clock_of(&cur.sla);
    if new_status.is_some_and(|s| matches!(s, "closed" | "duplicate")) {
        // Finished: the due times stay as they were, and nothing is paused any more.
        clock.paused_at = None;
        return clock;
    }
    let was = STOPPED.contains(&cur.status.as_str());
    let will = new_status.map_or(was, |s| STOPPED.contains(&s));
    let Some((spec, calendar)) = policy else {
        // No policy: nothing falls due, but the ticket still shows that it waits.
        clock.paused_at = if will { clock.paused_at.or(Some(now)) } else { None };
        return clock;
    };
    let target = spec.target(new_priority.unwrap_or(&cur.priority));
    if new_priority.is_some() {
        clock = clock.retarget(calendar, cur.created_at, target);
    }
    if !was && will {
        clock = clock.pause(now);
    } else if was && !will {
        clock = clock.resume(calendar, cur.created_at, target, now);
    }
    clock
}
