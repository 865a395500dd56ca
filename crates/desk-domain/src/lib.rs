//! CustomerDesk's domain: typed ids, entities, the ticket state machine, permissions, business-hours
//! calendars, SLA clocks, routing, assignment and escalation rules.
//! Pure: no I/O, no clock, no database.

pub mod calendar;
pub mod ids;
pub mod kb;
pub mod permissions;
pub mod routing;
pub mod sla;
pub mod ticket;
pub mod validate;

pub use ids::{CommentId, CompanyId, GroupId, RoleId, TenantId, TicketId, UserId};
pub use permissions::Permission;
pub use ticket::{Actor, Priority, ResolutionCategory, Sort, Status, TicketType, TransitionError, View, normalize_tag};
