//! CustomerDesk's domain: typed ids, entities, the ticket state machine and permissions.
//! Pure: no I/O, no clock, no database.

pub mod ids;
pub mod kb;
pub mod permissions;
pub mod ticket;
pub mod validate;

pub use ids::{CommentId, CompanyId, GroupId, RoleId, TenantId, TicketId, UserId};
pub use permissions::Permission;
pub use ticket::{Actor, Priority, ResolutionCategory, Sort, Status, TicketType, TransitionError, View, normalize_tag};
