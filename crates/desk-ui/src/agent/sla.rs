//! The ticket's service level as the agent sees it: the policy, each target as met, breached,
//! paused or the working time left until it falls due, the escalation and its reason, the
//! predicted risk of a breach with what it rests on, and how routing went. Also the list's
//! due column.

use desk_core::{CoreResult, Desk, Principal, TicketSlaView};
use desk_domain::permissions as perm;
use desk_store::TicketRecord;
use jiff::tz::TimeZone;
use maud::{Markup, html};

use crate::i18n::fill;
use crate::layout::{time, zone, zoned_time};
use crate::session::Ctx;

/// The workspace's time zone, in which due times are shown; UTC for a reader who may not see
/// the workspace's settings.
pub async fn home_zone(desk: &Desk, p: &Principal) -> CoreResult<TimeZone> {
    if !p.can(perm::SLA_READ) {
        return Ok(TimeZone::UTC);
    }
    Ok(zone(&desk.settings(p).await?.time_zone))
}

/// What the panel shows.
pub(super) struct SlaPanel {
    view: TicketSlaView,
    tz: TimeZone,
}

impl SlaPanel {
    pub async fn new(desk: &Desk, p: &Principal, view: TicketSlaView) -> CoreResult<Self> {
        Ok(Self { view, tz: home_zone(desk, p).await? })
    }
}

/// Where one target stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// The policy sets no such target for the ticket's priority (or no policy applies).
    None,
    Met,
    /// Met, but after it fell due.
    MetLate,
    /// Recorded as breached; still open and overdue by this many working minutes.
    Breached {
        overdue: Option<i64>,
    },
    /// Waiting on the customer: the clock stands, with this much working time left.
    Paused {
        left: Option<i64>,
    },
    /// Due at `at`, with this much working time left.
    Due {
        at: i64,
        left: Option<i64>,
    },
    /// Past due, not yet recorded as breached.
    Overdue {
        by: i64,
    },
}

impl Target {
    /// `left` is the working minutes left (negative once overdue), as the services count them.
    fn of(due: Option<i64>, met: bool, breached: bool, paused: bool, left: Option<i64>) -> Target {
        let Some(at) = due else { return Target::None };
        match (met, breached) {
            (true, false) => Target::Met,
            (true, true) => Target::MetLate,
            (false, true) => Target::Breached { overdue: left.filter(|l| *l < 0).map(|l| -l) },
            (false, false) if paused => Target::Paused { left: left.map(|l| l.max(0)) },
            (false, false) => match left {
                Some(l) if l < 0 => Target::Overdue { by: -l },
                left => Target::Due { at, left },
            },
        }
    }
}

fn target_text(ctx: &Ctx, target: Target, tz: &TimeZone) -> Markup {
    let l = ctx.t.sla;
    html! {
        @match target {
            Target::None => span.muted { (l.no_target) },
            Target::Met => span.sla-ok { (l.met) },
            Target::MetLate => span.sla-bad { (l.met_late) },
            Target::Breached { overdue } => {
                strong.sla-bad { (l.breached) }
                @if let Some(by) = overdue { " · " (fill(l.overdue_by, &[("left", &l.duration(by))])) }
            }
            Target::Paused { left } => {
                span.sla-wait { (l.paused) }
                @if let Some(left) = left { " · " (fill(l.left_paused, &[("left", &l.duration(left))])) }
            }
            Target::Due { at, left } => {
                @if let Some(left) = left { (fill(l.due_in, &[("left", &l.duration(left))])) " (" (zoned_time(ctx, at, tz)) ")" }
                @else { (l.due_at) " " (zoned_time(ctx, at, tz)) }
            }
            Target::Overdue { by } => strong.sla-bad { (fill(l.overdue_by, &[("left", &l.duration(by))])) },
        }
    }
}

/// The panel beside the conversation.
pub(super) fn sla_panel(ctx: &Ctx, panel: &SlaPanel) -> Markup {
    let l = ctx.t.sla;
    let v = &panel.view;
    let tk = &v.ticket;
    let sla = &tk.sla;
    let first = Target::of(
        sla.first_response_due_at,
        tk.first_response_at.is_some(),
        sla.first_response_breached,
        sla.sla_paused,
        v.first_response_minutes_left,
    );
    let resolution = Target::of(
        sla.resolution_due_at,
        tk.resolved_at.is_some(),
        sla.resolution_breached,
        sla.sla_paused,
        v.resolution_minutes_left,
    );
    html! {
        section.panel.sla aria-labelledby="sla-title" {
            h2 #sla-title { (l.service_level) }
            dl.props {
                dt { (l.policy) }
                dd { @match &v.policy_name { Some(name) => (name), None => span.muted { (l.no_policy) } } }
                dt { (l.first_response) } dd #sla-first-response { (target_text(ctx, first, &panel.tz)) }
                dt { (l.resolution) } dd #sla-resolution { (target_text(ctx, resolution, &panel.tz)) }
                @if let Some(at) = sla.escalated_at {
                    dt { (l.escalated) }
                    dd { (time(at)) @if let Some(reason) = &sla.escalation_reason { br; (reason) } }
                }
                @if sla.resolution_due_at.is_some() && tk.resolved_at.is_none() {
                    dt { (l.breach_risk) }
                    dd {
                        @match v.prediction.risk_percent {
                            Some(n) => strong class=[(n >= 50).then_some("sla-bad")] { (n) " %" },
                            None => span.muted { (l.risk_unknown) },
                        }
                        br; small.hint { (v.prediction.basis) }
                    }
                }
                @if let Some(note) = &sla.routing_note {
                    dt { (l.routing) } dd { (note) }
                }
            }
            @if tk.sla.sla_paused { p.hint { (l.paused_hint) } }
        }
    }
}

/// The list's due column: breached, paused, or when the resolution target falls due.
pub fn due_cell(ctx: &Ctx, tk: &TicketRecord, tz: &TimeZone) -> Markup {
    let l = ctx.t.sla;
    let sla = &tk.sla;
    html! {
        @if sla.first_response_breached || sla.resolution_breached {
            span.badge.sla-bad { (l.breached) }
        } @else if tk.resolved_at.is_some() {
            span.muted { (l.met) }
        } @else if sla.sla_paused {
            span.sla-wait { (l.paused_short) }
        } @else {
            @match sla.resolution_due_at { Some(at) => (zoned_time(ctx, at, tz)), None => span.muted { "—" } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Target;

    #[test]
    fn targets_are_met_breached_paused_or_due() {
        assert_eq!(Target::of(None, false, false, false, None), Target::None);
        assert_eq!(Target::of(Some(5), true, false, false, None), Target::Met);
        assert_eq!(Target::of(Some(5), true, true, false, None), Target::MetLate);
        assert_eq!(Target::of(Some(5), false, true, false, Some(-30)), Target::Breached { overdue: Some(30) });
        assert_eq!(Target::of(Some(5), false, false, true, Some(200)), Target::Paused { left: Some(200) });
        assert_eq!(Target::of(Some(5), false, false, false, Some(200)), Target::Due { at: 5, left: Some(200) });
        assert_eq!(Target::of(Some(5), false, false, false, Some(-1)), Target::Overdue { by: 1 });
    }
}
