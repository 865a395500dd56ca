//! Permissions are data: a role is a named set of these strings, editable by a tenant admin.
//! The constants below are the vocabulary the code checks; the default roles are only seeds.

/// A permission string such as `tickets:read`.
pub type Permission = &'static str;

/// Read tickets (further narrowed by the `tickets:scope_*` permissions).
pub const TICKETS_READ: Permission = "tickets:read";
/// Create tickets.
pub const TICKETS_CREATE: Permission = "tickets:create";
/// Change the status of tickets one can read, as far as the state machine lets one's side.
pub const TICKETS_UPDATE: Permission = "tickets:update";
/// Change any ticket field as staff: subject, priority, group, assignee, requester.
pub const TICKETS_MANAGE: Permission = "tickets:manage";
/// Rate one's own resolved ticket.
pub const TICKETS_RATE: Permission = "tickets:rate";
/// Upload and download attachments on tickets one can read.
pub const ATTACHMENTS_WRITE: Permission = "attachments:write";
/// Reply on tickets one can read.
pub const TICKETS_COMMENT: Permission = "tickets:comment";
/// See every ticket of the tenant.
pub const TICKETS_SCOPE_ALL: Permission = "tickets:scope_all";
/// See the tickets of one's own groups, ungrouped ones and those assigned to oneself (agents).
pub const TICKETS_SCOPE_GROUP: Permission = "tickets:scope_group";
/// See every ticket of one's own customer company.
pub const TICKETS_SCOPE_COMPANY: Permission = "tickets:scope_company";
/// Read and write internal notes.
pub const NOTES_INTERNAL: Permission = "notes:internal";
/// List users.
pub const USERS_READ: Permission = "users:read";
/// Create and change users.
pub const USERS_MANAGE: Permission = "users:manage";
/// List roles.
pub const ROLES_READ: Permission = "roles:read";
/// Change the permissions of roles.
pub const ROLES_MANAGE: Permission = "roles:manage";
/// List customer companies.
pub const COMPANIES_READ: Permission = "companies:read";
/// Create and change customer companies.
pub const COMPANIES_MANAGE: Permission = "companies:manage";
/// List groups.
pub const GROUPS_READ: Permission = "groups:read";
/// Create groups and change their members.
pub const GROUPS_MANAGE: Permission = "groups:manage";
/// Read one's own profile; every signed-in user has it.
pub const PROFILE_READ: Permission = "profile:read";

/// Read knowledge-base articles the role may see (published ones for customers).
pub const KB_READ: Permission = "kb:read";
/// Write article drafts and submit them for review.
pub const KB_WRITE: Permission = "kb:write";
/// Approve, reject, publish, archive and edit published articles.
pub const KB_PUBLISH: Permission = "kb:publish";
/// Ask questions on articles and vote on them.
pub const KB_FEEDBACK: Permission = "kb:feedback";
/// Answer questions on articles and hide them.
pub const KB_ANSWER: Permission = "kb:answer";
/// Manage article categories.
pub const KB_MANAGE: Permission = "kb:manage";

/// Read business-hours calendars, SLA policies, routing and escalation rules and skills.
pub const SLA_READ: Permission = "sla:read";
/// Change calendars, SLA policies, routing and escalation rules, skills and the tenant's settings.
pub const SLA_MANAGE: Permission = "sla:manage";

/// Use the AI assistant on tickets: summaries, drafts, similar tickets, classification, knowledge gaps.
pub const AI_USE: Permission = "ai:use";
/// Configure the tenant's AI settings (the optional OpenAI-compatible endpoint).
pub const AI_CONFIGURE: Permission = "ai:configure";

/// Every permission the code knows, for validation of role edits.
pub const ALL: &[Permission] = &[
    SLA_READ,
    SLA_MANAGE,
    AI_USE,
    AI_CONFIGURE,
    KB_READ,
    KB_WRITE,
    KB_PUBLISH,
    KB_FEEDBACK,
    KB_ANSWER,
    KB_MANAGE,
    TICKETS_RATE,
    ATTACHMENTS_WRITE,
    TICKETS_READ,
    TICKETS_CREATE,
    TICKETS_UPDATE,
    TICKETS_MANAGE,
    TICKETS_COMMENT,
    TICKETS_SCOPE_ALL,
    TICKETS_SCOPE_GROUP,
    TICKETS_SCOPE_COMPANY,
    NOTES_INTERNAL,
    USERS_READ,
    USERS_MANAGE,
    ROLES_READ,
    ROLES_MANAGE,
    COMPANIES_READ,
    COMPANIES_MANAGE,
    GROUPS_READ,
    GROUPS_MANAGE,
    PROFILE_READ,
];

/// Whether `p` is a permission the code knows.
pub fn is_known(p: &str) -> bool {
    ALL.contains(&p)
}

/// A role seeded into every new tenant.
#[derive(Debug, Clone, Copy)]
pub struct DefaultRole {
    /// Its name, unique per tenant.
    pub name: &'static str,
    /// Whether holders are staff (agents, supervisors, admins) rather than customer contacts.
    pub staff: bool,
    /// Its initial permissions.
    pub permissions: &'static [Permission],
}

const AGENT: &[Permission] = &[
    AI_USE,
    KB_READ,
    KB_WRITE,
    KB_FEEDBACK,
    KB_ANSWER,
    ATTACHMENTS_WRITE,
    TICKETS_READ,
    TICKETS_CREATE,
    TICKETS_UPDATE,
    TICKETS_MANAGE,
    TICKETS_COMMENT,
    TICKETS_SCOPE_GROUP,
    NOTES_INTERNAL,
    USERS_READ,
    COMPANIES_READ,
    GROUPS_READ,
    SLA_READ,
    PROFILE_READ,
];

const CUSTOMER: &[Permission] = &[
    KB_READ,
    KB_FEEDBACK,
    TICKETS_RATE,
    ATTACHMENTS_WRITE,
    TICKETS_READ,
    TICKETS_CREATE,
    TICKETS_UPDATE,
    TICKETS_COMMENT,
    PROFILE_READ,
];

/// The roles of SPEC §1, seeded per tenant; tenant admins may edit them afterwards.
pub const DEFAULT_ROLES: &[DefaultRole] = &[
    DefaultRole { name: "admin", staff: true, permissions: ALL },
    DefaultRole {
        name: "supervisor",
        staff: true,
        permissions: &[
            AI_USE,
            KB_READ,
            KB_WRITE,
            KB_PUBLISH,
            KB_FEEDBACK,
            KB_ANSWER,
            KB_MANAGE,
            ATTACHMENTS_WRITE,
            TICKETS_READ,
            TICKETS_CREATE,
            TICKETS_UPDATE,
            TICKETS_MANAGE,
            TICKETS_COMMENT,
            TICKETS_SCOPE_ALL,
            NOTES_INTERNAL,
            USERS_READ,
            ROLES_READ,
            COMPANIES_READ,
            COMPANIES_MANAGE,
            GROUPS_READ,
            GROUPS_MANAGE,
            SLA_READ,
            PROFILE_READ,
        ],
    },
    DefaultRole { name: "agent", staff: true, permissions: AGENT },
    DefaultRole {
        name: "company_admin",
        staff: false,
        permissions: &[
            KB_READ,
            KB_FEEDBACK,
            TICKETS_RATE,
            ATTACHMENTS_WRITE,
            TICKETS_READ,
            TICKETS_CREATE,
            TICKETS_UPDATE,
            TICKETS_COMMENT,
            TICKETS_SCOPE_COMPANY,
            PROFILE_READ,
        ],
    },
    DefaultRole { name: "customer", staff: false, permissions: CUSTOMER },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_roles_use_only_known_permissions() {
        for role in DEFAULT_ROLES {
            for p in role.permissions {
                assert!(is_known(p), "{} has unknown permission {p}", role.name);
            }
        }
    }

    #[test]
    fn customers_cannot_see_internal_notes_or_all_tickets() {
        for role in DEFAULT_ROLES.iter().filter(|r| !r.staff) {
            assert!(!role.permissions.contains(&NOTES_INTERNAL), "{}", role.name);
            assert!(!role.permissions.contains(&TICKETS_SCOPE_ALL), "{}", role.name);
            assert!(!role.permissions.contains(&TICKETS_MANAGE), "{}", role.name);
        }
    }
}
