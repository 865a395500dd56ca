//! JSON handlers. Each one extracts, calls one service method, and maps the result.

pub mod ai;
pub mod attachments;
pub mod auth;
pub mod directory;
pub mod kb;
pub mod ops;
pub mod sla;
pub mod tickets;
