//! Typed ids, so a ticket id can never be passed where a user id is expected.
//! Ids are UUIDv7: unique across tenants (a guessed id of another tenant finds nothing),
//! and time-ordered, which keeps B-tree inserts local.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! typed_id {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh, time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    )*};
}

typed_id!(
    /// An organisation using the installation.
    TenantId,
    /// A person who signs in: staff or customer contact.
    UserId,
    /// A named set of permissions.
    RoleId,
    /// A customer company of a tenant.
    CompanyId,
    /// A group (queue) of agents that owns tickets.
    GroupId,
    /// A support ticket.
    TicketId,
    /// A public reply or internal note on a ticket.
    CommentId,
);
