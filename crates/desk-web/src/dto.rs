//! The JSON shapes of the API. Ids are UUIDs, times RFC 3339 in UTC.

use desk_store::{
    AttachmentRecord, CommentRecord, CompanyRecord, EventRecord, GroupRecord, MARK_END, MARK_START, RoleRecord, TicketRecord,
    UserRecord,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::extract::double_option;

/// Formats Unix milliseconds as RFC 3339.
pub fn rfc3339(ms: i64) -> String {
    // Fixed millisecond precision, so the strings also sort in time order.
    jiff::Timestamp::from_millisecond(ms).map(|t| t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()).unwrap_or_default()
}

pub(crate) fn rfc3339_opt(ms: Option<i64>) -> Option<String> {
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
    /// Whether automatic assignment may give them tickets.
    pub available: bool,
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
            available: u.available,
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

/// `PATCH /api/v1/users/{id}`: only the fields sent change. Deactivating signs the user out.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    pub name: Option<String>,
    /// A role name of the tenant.
    pub role: Option<String>,
    pub active: Option<bool>,
    /// `false` takes an agent out of automatic assignment.
    pub available: Option<bool>,
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
    /// platinum, gold, silver, bronze or standard: picks the SLA policy of its tickets.
    pub sla_tier: String,
    pub created_at: String,
}

impl From<CompanyRecord> for Company {
    fn from(c: CompanyRecord) -> Self {
        Self { id: c.id, name: c.name, domain: c.domain, sla_tier: c.sla_tier, created_at: rfc3339(c.created_at) }
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
    /// manual, round_robin, least_loaded or skills.
    pub assignment: String,
    /// Automatic assignment skips agents with this many open tickets.
    pub max_open: Option<i64>,
    pub created_at: String,
}

impl From<GroupRecord> for Group {
    fn from(g: GroupRecord) -> Self {
        Self {
            id: g.id,
            name: g.name,
            member_ids: g.member_ids,
            assignment: g.assignment,
            max_open: g.max_open,
            created_at: rfc3339(g.created_at),
        }
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
    /// problem, question, incident, feature_request, training, maintenance, other.
    #[serde(rename = "type")]
    pub ticket_type: String,
    pub tags: Vec<String>,
    pub resolution: Option<String>,
    pub root_cause: Option<String>,
    /// technical_support, product_guidance, configuration_change, bug_fix, product_update, training, no_fix_needed, other.
    pub resolution_category: Option<String>,
    /// The ticket this one was merged into.
    pub duplicate_of: Option<Uuid>,
    pub satisfaction: Option<Satisfaction>,
    /// The SLA policy the ticket runs under (its company's tier's, else `standard`).
    pub sla_policy_id: Option<Uuid>,
    /// When the first public reply is due.
    pub first_response_due_at: Option<String>,
    /// When the ticket must be resolved.
    pub resolution_due_at: Option<String>,
    /// True while it waits on the customer (or stays resolved): the clock stands still, and when it
    /// runs again the due times move out by the working time it stood.
    pub sla_paused: bool,
    pub first_response_breached: bool,
    pub resolution_breached: bool,
    pub escalated_at: Option<String>,
    pub escalated_to_id: Option<Uuid>,
    pub escalation_reason: Option<String>,
    /// How routing and assignment went, e.g. which rule matched or why nobody was assigned.
    pub routing_note: Option<String>,
    /// Predicted chance (percent) of missing the resolution target, when there is history enough.
    pub breach_risk: Option<i64>,
    /// What the prediction rests on.
    pub breach_risk_basis: Option<String>,
    /// Search results only: the best passage, plain text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snippet: Option<String>,
    /// Search results only: the passage as safe HTML, matches in `<mark>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snippet_html: Option<String>,
    /// Search results only: relevance, higher is better.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
}

/// The customer's rating of a resolved ticket.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Satisfaction {
    /// 1 (very dissatisfied) to 5 (very satisfied).
    pub score: i64,
    pub comment: Option<String>,
    pub rated_at: Option<String>,
}

#[cfg(test)]
mod tests {
    #[test]
    fn timestamps_have_fixed_width() {
        assert_eq!(super::rfc3339(1_764_069_633_240), "2025-11-25T11:20:33.240Z");
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn snippets_escape_user_text_and_mark_matches() {
        let (plain, html) = super::render_snippet("a <b>\u{e000}printer\u{e001}</b> & 'x'");
        assert_eq!(plain, "a <b>printer</b> & 'x'");
        assert_eq!(html, "a &lt;b&gt;<mark>printer</mark>&lt;/b&gt; &amp; &#39;x&#39;");
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A snippet with match markers, as plain text and as escaped HTML with `<mark>`.
pub fn render_snippet(raw: &str) -> (String, String) {
    let plain: String = raw.chars().filter(|c| *c != MARK_START && *c != MARK_END).collect();
    let html = escape_html(raw).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>");
    (plain, html)
}

impl Ticket {
    /// The wire shape of a search hit.
    pub fn hit(t: TicketRecord, prefix: &str, snippet: &str, score: f64) -> Self {
        let (plain, html) = render_snippet(snippet);
        Self { snippet: Some(plain), snippet_html: Some(html), score: Some(score), ..Self::new(t, prefix) }
    }

    /// The wire shape of a ticket of a tenant with this prefix.
    pub fn new(t: TicketRecord, prefix: &str) -> Self {
        let tags = t.tag_list();
        Self {
            ticket_type: t.ticket_type,
            tags,
            resolution: t.resolution,
            root_cause: t.root_cause,
            resolution_category: t.resolution_category,
            duplicate_of: t.duplicate_of,
            satisfaction: t.satisfaction_score.map(|score| Satisfaction {
                score,
                comment: t.satisfaction_comment,
                rated_at: t.rated_at.map(rfc3339),
            }),
            sla_policy_id: t.sla.sla_policy_id,
            first_response_due_at: rfc3339_opt(t.sla.first_response_due_at),
            resolution_due_at: rfc3339_opt(t.sla.resolution_due_at),
            sla_paused: t.sla.sla_paused,
            first_response_breached: t.sla.first_response_breached,
            resolution_breached: t.sla.resolution_breached,
            escalated_at: rfc3339_opt(t.sla.escalated_at),
            escalated_to_id: t.sla.escalated_to_id,
            escalation_reason: t.sla.escalation_reason,
            routing_note: t.sla.routing_note,
            breach_risk: t.sla.breach_risk,
            breach_risk_basis: t.sla.breach_risk_basis,
            snippet: None,
            snippet_html: None,
            score: None,
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
    /// problem, question (default), incident, feature_request, training, maintenance, other.
    #[serde(rename = "type")]
    pub ticket_type: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// `PATCH /api/v1/tickets/{id}`: only the fields sent change. Customers may send only `status`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchTicket {
    pub subject: Option<String>,
    pub priority: Option<String>,
    pub status: Option<String>,
    #[serde(rename = "type")]
    pub ticket_type: Option<String>,
    /// The complete new list of tags.
    pub tags: Option<Vec<String>>,
    /// `null` clears.
    #[serde(default, deserialize_with = "double_option")]
    pub resolution: Option<Option<String>>,
    /// `null` clears.
    #[serde(default, deserialize_with = "double_option")]
    pub root_cause: Option<Option<String>>,
    /// `null` clears.
    #[serde(default, deserialize_with = "double_option")]
    pub resolution_category: Option<Option<String>>,
    /// `null` removes the group.
    #[serde(default, deserialize_with = "double_option")]
    pub group_id: Option<Option<Uuid>>,
    /// `null` unassigns.
    #[serde(default, deserialize_with = "double_option")]
    pub assignee_id: Option<Option<Uuid>>,
}

impl From<PatchTicket> for desk_core::TicketPatchInput {
    fn from(r: PatchTicket) -> Self {
        Self {
            subject: r.subject,
            priority: r.priority,
            status: r.status,
            group_id: r.group_id,
            assignee_id: r.assignee_id,
            ticket_type: r.ticket_type,
            tags: r.tags,
            resolution: r.resolution,
            root_cause: r.root_cause,
            resolution_category: r.resolution_category,
        }
    }
}

/// `POST /api/v1/tickets/{id}/rating`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Rate {
    /// 1 to 5.
    pub score: i64,
    pub comment: Option<String>,
}

/// `POST /api/v1/tickets/{id}/merge`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Merge {
    /// The ticket this one duplicates.
    pub into: Uuid,
}

/// `POST /api/v1/tickets/bulk`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct BulkUpdate {
    /// Up to 100 ticket ids.
    pub ids: Vec<Uuid>,
    /// The change to apply to each, as in `PATCH /api/v1/tickets/{id}`.
    pub changes: PatchTicket,
}

/// The outcome for one ticket of a bulk update.
#[derive(Debug, Serialize, JsonSchema)]
pub struct BulkResult {
    pub id: Uuid,
    /// The HTTP status this ticket's change would have had alone.
    pub status: u16,
    pub ticket: Option<Ticket>,
    pub error: Option<crate::error::ErrorInner>,
}

/// The outcomes of a bulk update, in the order of `ids`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct BulkResults {
    pub results: Vec<BulkResult>,
    pub updated: usize,
    pub failed: usize,
}

/// Query of `GET /api/v1/tickets`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketListQuery {
    /// all (default), mine, unassigned, open, high_priority, escalated, waiting, recently_closed, sla_breached, at_risk.
    pub view: Option<String>,
    /// One or more statuses, comma-separated.
    pub status: Option<String>,
    /// One or more priorities, comma-separated.
    pub priority: Option<String>,
    #[serde(rename = "type")]
    pub ticket_type: Option<String>,
    pub channel: Option<String>,
    pub tag: Option<String>,
    pub assignee_id: Option<Uuid>,
    pub group_id: Option<Uuid>,
    pub company_id: Option<Uuid>,
    pub requester_id: Option<Uuid>,
    pub resolution_category: Option<String>,
    pub duplicate_of: Option<Uuid>,
    /// 1–5: tickets rated exactly this.
    pub satisfaction_score: Option<i64>,
    /// RFC 3339: created at or after.
    pub created_after: Option<String>,
    /// RFC 3339: created before.
    pub created_before: Option<String>,
    /// Only tickets whose next unmet SLA target falls due within this many minutes.
    pub due_within: Option<i64>,
    /// true: only tickets with a breached SLA target; false: only those without.
    pub sla_breached: Option<bool>,
    pub sla_policy_id: Option<Uuid>,
    /// newest (default), oldest, updated, priority, due (soonest resolution due time first). Search results are ranked by relevance.
    pub sort: Option<String>,
    /// Full-text search over subject, description and public replies (all words must match).
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

/// A file on a ticket.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Attachment {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub comment_id: Option<Uuid>,
    pub uploader_id: Uuid,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    /// Hidden from customers.
    pub internal: bool,
    pub created_at: String,
    /// Where to download it.
    pub url: String,
}

impl From<AttachmentRecord> for Attachment {
    fn from(a: AttachmentRecord) -> Self {
        Self {
            url: format!("/api/v1/attachments/{}", a.id),
            id: a.id,
            ticket_id: a.ticket_id,
            comment_id: a.comment_id,
            uploader_id: a.uploader_id,
            filename: a.filename,
            content_type: a.content_type,
            size: a.size,
            sha256: a.sha256,
            internal: a.internal,
            created_at: rfc3339(a.created_at),
        }
    }
}

/// The multipart form of `POST /api/v1/tickets/{id}/attachments` (documentation only).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct UploadForm {
    /// The file (required).
    pub file: String,
    /// Attach to this comment of the ticket.
    pub comment_id: Option<Uuid>,
    /// "true" to hide it from customers (staff only).
    pub internal: Option<String>,
}
