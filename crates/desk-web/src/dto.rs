//! The JSON shapes of the API. Ids are UUIDs, times RFC 3339 in UTC.

use desk_store::{CommentRecord, CompanyRecord, EventRecord, GroupRecord, RoleRecord, TicketRecord, UserRecord};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::extract::double_option;

/// Formats Unix milliseconds as RFC 3339.
pub fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).map(|t| t.to_string()).unwrap_or_default()
}

fn rfc3339_opt(ms: Option<i64>) -> Option<String> {
    ms.map(rfc3339)
}

/// `POST /api/v1/auth/login`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct LoginRequest {
    /// The tenant's slug.
    pub tenant: String,
    pub email: String,
    pub password: String,
}

/// A new bearer token.
#[derive(Debug, Serialize, JsonSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub expires_at: String,
    pub user: User,
    pub tenant: String,
}

/// The caller, with what they may do.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Me {
    pub user: User,
    pub tenant: String,
    pub permissions: Vec<String>,
}

/// `POST /api/v1/me/password`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ChangePassword {
    pub current_password: String,
    pub new_password: String,
}

/// A user.
#[derive(Debug, Serialize, JsonSchema)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: String,
    /// Staff (agent, supervisor, admin) rather than a customer contact.
    pub staff: bool,
    pub company_id: Option<Uuid>,
    pub active: bool,
    pub created_at: String,
}

impl From<UserRecord> for User {
    fn from(u: UserRecord) -> Self {
        Self {
            id: u.id,
            email: u.email,
            name: u.name,
            role: u.role,
            staff: u.staff,
            company_id: u.company_id,
            active: u.active,
            created_at: rfc3339(u.created_at),
        }
    }
}

/// `POST /api/v1/users`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CreateUser {
    pub email: String,
    /// Defaults to the part of the email before `@`.
    pub name: Option<String>,
    /// A role name of the tenant: admin, supervisor, agent, company_admin, customer…
    pub role: String,
    pub password: String,
    /// For customer contacts: their company.
    pub company_id: Option<Uuid>,
}

/// A role and its permissions.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Role {
    pub id: Uuid,
    pub name: String,
    pub staff: bool,
    pub permissions: Vec<String>,
}

impl From<RoleRecord> for Role {
    fn from(r: RoleRecord) -> Self {
        Self { id: r.id, name: r.name, staff: r.staff, permissions: r.permissions }
    }
}

/// `PATCH /api/v1/roles/{id}`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateRole {
    /// The complete new set of permissions.
    pub permissions: Vec<String>,
}

/// A customer company.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Company {
    pub id: Uuid,
    pub name: String,
    pub domain: Option<String>,
    pub created_at: String,
}

impl From<CompanyRecord> for Company {
    fn from(c: CompanyRecord) -> Self {
        Self { id: c.id, name: c.name, domain: c.domain, created_at: rfc3339(c.created_at) }
    }
}

/// `POST /api/v1/companies`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CreateCompany {
    pub name: String,
    /// Email domain of its contacts, e.g. `acme.example`.
    pub domain: Option<String>,
}

/// A group of agents.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Group {
    pub id: Uuid,
    pub name: String,
    pub member_ids: Vec<Uuid>,
    pub created_at: String,
}

impl From<GroupRecord> for Group {
    fn from(g: GroupRecord) -> Self {
        Self { id: g.id, name: g.name, member_ids: g.member_ids, created_at: rfc3339(g.created_at) }
    }
}

/// `POST /api/v1/groups`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CreateGroup {
    pub name: String,
}

/// `POST /api/v1/groups/{id}/members`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct AddMember {
    pub user_id: Uuid,
}

/// A ticket.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Ticket {
    pub id: Uuid,
    /// Sequential per tenant.
    pub number: i64,
    /// The number with the tenant's prefix, e.g. `ACME-1042`.
    pub key: String,
    pub subject: String,
    pub description: String,
    /// new, open, in_progress, waiting_on_customer, escalated, resolved, closed, duplicate.
    pub status: String,
    /// low, medium, high, critical.
    pub priority: String,
    pub requester_id: Uuid,
    pub company_id: Option<Uuid>,
    pub group_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    /// web, portal, email, api, phone, chat.
    pub channel: String,
    pub created_by: Uuid,
    pub created_at: String,
    pub updated_at: String,
    pub first_response_at: Option<String>,
    pub resolved_at: Option<String>,
    pub closed_at: Option<String>,
}

impl Ticket {
    /// The wire shape of a ticket of a tenant with this prefix.
    pub fn new(t: TicketRecord, prefix: &str) -> Self {
        Self {
            id: t.id,
            number: t.number,
            key: format!("{prefix}-{}", t.number),
            subject: t.subject,
            description: t.description,
            status: t.status,
            priority: t.priority,
            requester_id: t.requester_id,
            company_id: t.company_id,
            group_id: t.group_id,
            assignee_id: t.assignee_id,
            channel: t.channel,
            created_by: t.created_by,
            created_at: rfc3339(t.created_at),
            updated_at: rfc3339(t.updated_at),
            first_response_at: rfc3339_opt(t.first_response_at),
            resolved_at: rfc3339_opt(t.resolved_at),
            closed_at: rfc3339_opt(t.closed_at),
        }
    }
}

/// A page of tickets.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TicketPage {
    pub items: Vec<Ticket>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// `POST /api/v1/tickets`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CreateTicket {
    pub subject: String,
    #[serde(default)]
    pub description: String,
    /// low, medium (default), high, critical.
    pub priority: Option<String>,
    /// web, portal, email, api, phone, chat. Default: api for staff, portal for customers.
    pub channel: Option<String>,
    /// Staff only: the customer contact the ticket is for.
    pub requester_id: Option<Uuid>,
    /// Staff only.
    pub group_id: Option<Uuid>,
    /// Staff only.
    pub assignee_id: Option<Uuid>,
}

/// `PATCH /api/v1/tickets/{id}`: only the fields sent change. Customers may send only `status`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchTicket {
    pub subject: Option<String>,
    pub priority: Option<String>,
    pub status: Option<String>,
    /// `null` removes the group.
    #[serde(default, deserialize_with = "double_option")]
    pub group_id: Option<Option<Uuid>>,
    /// `null` unassigns.
    #[serde(default, deserialize_with = "double_option")]
    pub assignee_id: Option<Option<Uuid>>,
}

/// Query of `GET /api/v1/tickets`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketListQuery {
    /// all (default), mine, unassigned, requested.
    pub view: Option<String>,
    pub status: Option<String>,
    pub priority: Option<String>,
    pub assignee_id: Option<Uuid>,
    pub group_id: Option<Uuid>,
    pub company_id: Option<Uuid>,
    /// Words that must appear in the subject or description.
    pub q: Option<String>,
    pub cursor: Option<String>,
    /// 1–200, default 50.
    pub limit: Option<i64>,
}

/// Query of short lists.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// 1–500, default 100.
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

impl PageQuery {
    /// As a store page.
    pub fn page(&self) -> desk_store::Page {
        desk_store::Page { limit: self.limit.unwrap_or(100).clamp(1, 500), offset: self.offset.unwrap_or(0).max(0) }
    }
}

/// A reply or internal note.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Comment {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub author_id: Uuid,
    pub body: String,
    /// An internal note: never shown to customers.
    pub internal: bool,
    pub created_at: String,
}

impl From<CommentRecord> for Comment {
    fn from(c: CommentRecord) -> Self {
        Self {
            id: c.id,
            ticket_id: c.ticket_id,
            author_id: c.author_id,
            body: c.body,
            internal: c.internal,
            created_at: rfc3339(c.created_at),
        }
    }
}

/// `POST /api/v1/tickets/{id}/comments`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CreateComment {
    pub body: String,
    /// An internal note (staff only). Default false: a public reply.
    #[serde(default)]
    pub internal: bool,
}

/// One entry of a ticket's history.
#[derive(Debug, Serialize, JsonSchema)]
pub struct HistoryEntry {
    pub id: Uuid,
    pub at: String,
    pub actor_id: Option<Uuid>,
    /// created, field, reply, note.
    pub kind: String,
    pub field: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

impl From<EventRecord> for HistoryEntry {
    fn from(e: EventRecord) -> Self {
        Self {
            id: e.id,
            at: rfc3339(e.at),
            actor_id: e.actor_id,
            kind: e.kind,
            field: e.field,
            old_value: e.old_value,
            new_value: e.new_value,
        }
    }
}

/// A list.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Items<T> {
    pub items: Vec<T>,
}

impl<T> Items<T> {
    /// Wraps converted records.
    pub fn of<R: Into<T>>(records: Vec<R>) -> Self {
        Self { items: records.into_iter().map(Into::into).collect() }
    }
}
