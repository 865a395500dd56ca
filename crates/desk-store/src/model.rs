//! Rows as the store reads them and inputs as it takes them. Ids are raw UUIDs and times are
//! Unix milliseconds here; the web layer turns them into typed ids and RFC 3339.

use uuid::Uuid;

/// A tenant (organisation).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TenantRecord {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub ticket_prefix: String,
    pub suspended: bool,
    pub created_at: i64,
}

/// Input for a new tenant.
#[derive(Debug, Clone)]
pub struct NewTenant {
    pub slug: String,
    pub name: String,
    pub ticket_prefix: String,
}

/// A role and its permissions.
#[derive(Debug, Clone)]
pub struct RoleRecord {
    pub id: Uuid,
    pub name: String,
    pub staff: bool,
    pub permissions: Vec<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct RoleRow {
    pub id: Uuid,
    pub name: String,
    pub staff: bool,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct RolePermRow {
    pub role_id: Uuid,
    pub permission: String,
}

/// A user (staff or customer contact), without the password hash.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRecord {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: String,
    pub staff: bool,
    pub company_id: Option<Uuid>,
    pub active: bool,
    pub created_at: i64,
    /// Whether automatic assignment may give them tickets.
    pub available: bool,
}

/// A user with their tenant's name and state, as authentication loads them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct PrincipalRow {
    #[sqlx(flatten)]
    pub user: UserRecord,
    pub tenant_slug: String,
    pub ticket_prefix: String,
    pub tenant_suspended: bool,
}

/// Input for a new user.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: String,
    pub password_hash: String,
    pub company_id: Option<Uuid>,
}

/// A change to a user: only the fields set change.
#[derive(Debug, Clone, Default)]
pub struct UserChange {
    pub name: Option<String>,
    /// A role name of the tenant.
    pub role: Option<String>,
    pub active: Option<bool>,
    pub available: Option<bool>,
}

/// A customer company.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CompanyRecord {
    pub id: Uuid,
    pub name: String,
    pub domain: Option<String>,
    /// The SLA tier its tickets get: platinum, gold, silver, bronze or standard.
    pub sla_tier: String,
    pub created_at: i64,
}

/// Input for a new company.
#[derive(Debug, Clone)]
pub struct NewCompany {
    pub name: String,
    pub domain: Option<String>,
}

/// A group of agents.
#[derive(Debug, Clone)]
pub struct GroupRecord {
    pub id: Uuid,
    pub name: String,
    pub created_at: i64,
    pub member_ids: Vec<Uuid>,
    /// manual, round_robin, least_loaded or skills.
    pub assignment: String,
    /// Automatic assignment skips agents with this many open tickets.
    pub max_open: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct GroupRow {
    pub id: Uuid,
    pub name: String,
    pub created_at: i64,
    pub assignment: String,
    pub max_open: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct MemberRow {
    pub group_id: Uuid,
    pub user_id: Uuid,
}

/// A ticket.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TicketRecord {
    pub id: Uuid,
    pub number: i64,
    pub subject: String,
    pub description: String,
    pub status: String,
    pub priority: String,
    pub requester_id: Uuid,
    pub company_id: Option<Uuid>,
    pub group_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    pub channel: String,
    pub created_by: Uuid,
    pub created_at: i64,
    pub updated_at: i64,
    pub first_response_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub ticket_type: String,
    /// Space-separated normalised tags, with a space at each end.
    pub tags: String,
    pub resolution: Option<String>,
    pub root_cause: Option<String>,
    pub resolution_category: Option<String>,
    pub duplicate_of: Option<Uuid>,
    pub satisfaction_score: Option<i64>,
    pub satisfaction_comment: Option<String>,
    pub rated_at: Option<i64>,
    #[sqlx(flatten)]
    pub sla: TicketSla,
}

/// A ticket's SLA, routing and escalation state.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct TicketSla {
    pub sla_policy_id: Option<Uuid>,
    pub first_response_due_at: Option<i64>,
    pub resolution_due_at: Option<i64>,
    /// Waiting on the customer: the clock stands still.
    pub sla_paused: bool,
    pub sla_paused_at: Option<i64>,
    /// Working time spent waiting before the current pause (ms).
    pub sla_paused_ms: i64,
    pub first_response_breached: bool,
    pub resolution_breached: bool,
    pub escalated_at: Option<i64>,
    pub escalated_to_id: Option<Uuid>,
    pub escalation_reason: Option<String>,
    /// How routing and assignment went, e.g. why nobody was assigned.
    pub routing_note: Option<String>,
    /// Predicted chance (percent) of missing the resolution target.
    pub breach_risk: Option<i64>,
    pub breach_risk_basis: Option<String>,
}

impl TicketRecord {
    /// The tags as a list.
    pub fn tag_list(&self) -> Vec<String> {
        self.tags.split_whitespace().map(str::to_owned).collect()
    }
}

/// Stores tags as ` a b c `, so `like '% a %'` finds exactly one tag.
pub fn tags_column(tags: &[String]) -> String {
    if tags.is_empty() { " ".to_owned() } else { format!(" {} ", tags.join(" ")) }
}

/// A ticket found by full-text search.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SearchHit {
    #[sqlx(flatten)]
    pub ticket: TicketRecord,
    /// A passage with matches between U+E000 and U+E001.
    pub snippet: String,
    /// Higher is better.
    pub score: f64,
}

/// Opens a highlighted match in a snippet.
pub const MARK_START: char = '\u{e000}';
/// Closes a highlighted match in a snippet.
pub const MARK_END: char = '\u{e001}';

/// Input for a new ticket.
#[derive(Debug, Clone)]
pub struct NewTicket {
    pub subject: String,
    pub description: String,
    pub status: String,
    pub priority: String,
    pub requester_id: Uuid,
    pub company_id: Option<Uuid>,
    pub group_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    pub channel: String,
    pub created_by: Uuid,
    pub ticket_type: String,
    pub tags: Vec<String>,
    /// Route inside `group_id` by the group's assignment mode (when no assignee is given).
    pub auto_assign: bool,
    /// Only agents with all these skills qualify for automatic assignment.
    pub required_skill_ids: Vec<Uuid>,
    /// Which routing rule sent it where.
    pub routing_note: Option<String>,
}

/// Which tickets a caller may see, applied inside every ticket query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketScope {
    /// Every ticket of the tenant (staff).
    All,
    /// Tickets of one customer company, plus the caller's own (company admins).
    Company { company_id: Uuid, user_id: Uuid },
    /// Only tickets the caller requested (customer contacts).
    Requester(Uuid),
    /// Tickets of the caller's groups, ungrouped ones, and any assigned to them (agents limited to their groups).
    Groups(Uuid),
}

/// Orders of ticket lists; each has a keyset cursor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TicketOrder {
    /// Highest number first.
    #[default]
    Newest,
    /// Lowest number first.
    Oldest,
    /// Most recently updated first.
    Updated,
    /// Highest priority first, then newest.
    Priority,
    /// Soonest resolution due time first; tickets without one last.
    Due,
}

/// Where the previous page ended: the sort value (unused for number orders) and the number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketCursor {
    pub value: i64,
    pub number: i64,
}

/// Filters, order and keyset cursor for ticket lists. Empty lists mean "any".
#[derive(Debug, Clone, Default)]
pub struct TicketQuery {
    pub statuses: Vec<String>,
    pub priorities: Vec<String>,
    pub ticket_type: Option<String>,
    pub channel: Option<String>,
    pub tag: Option<String>,
    pub assignee_id: Option<Uuid>,
    pub unassigned: bool,
    pub group_id: Option<Uuid>,
    pub company_id: Option<Uuid>,
    pub requester_id: Option<Uuid>,
    pub updated_since: Option<i64>,
    pub created_after: Option<i64>,
    pub created_before: Option<i64>,
    pub resolution_category: Option<String>,
    pub duplicate_of: Option<Uuid>,
    pub satisfaction_score: Option<i64>,
    pub order: TicketOrder,
    pub after: Option<TicketCursor>,
    pub limit: i64,
    /// Only tickets with a breached target.
    pub sla_breached: bool,
    /// Only tickets without a breached target.
    pub sla_not_breached: bool,
    pub sla_policy_id: Option<Uuid>,
    /// Only tickets whose next unmet target falls due before this instant (and are not paused).
    pub due_before: Option<i64>,
    /// Only tickets whose predicted breach risk is at least this percent.
    pub min_breach_risk: Option<i64>,
}

/// Ticket search: the words, the filters of a list, and an offset into the ranking.
#[derive(Debug, Clone, Default)]
pub struct TicketSearch {
    pub words: Vec<String>,
    pub filter: TicketQuery,
    pub offset: i64,
}

/// Offset-free paging for short lists (users, companies).
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub limit: i64,
    pub offset: i64,
}

/// One atomic change to a ticket: field updates and/or a comment, by one actor.
#[derive(Debug, Clone, Default)]
pub struct TicketChange {
    pub ticket_id: Uuid,
    pub actor_id: Option<Uuid>,
    pub now: i64,
    /// The status the caller validated against; the write is refused if it moved meanwhile.
    pub expect_status: Option<String>,
    pub subject: Option<String>,
    pub priority: Option<String>,
    pub status: Option<String>,
    pub group_id: Option<Option<Uuid>>,
    pub assignee_id: Option<Option<Uuid>>,
    pub first_response_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub closed_at: Option<i64>,
    /// Reopening clears the resolution and closing times.
    pub clear_resolved: bool,
    pub ticket_type: Option<String>,
    pub tags: Option<Vec<String>>,
    pub resolution: Option<Option<String>>,
    pub root_cause: Option<Option<String>>,
    pub resolution_category: Option<Option<String>>,
    pub duplicate_of: Option<Option<Uuid>>,
    /// A satisfaction rating: refused with `Conflict` if the ticket was already rated.
    pub rating: Option<(i64, Option<String>)>,
    pub comment: Option<NewComment>,
    /// Records a breach of `first_response` or `resolution`; `Conflict` if already recorded.
    pub breach: Option<&'static str>,
    /// Marks the escalation rule fired on this ticket; `Conflict` if it already has.
    pub escalation_rule: Option<Uuid>,
    /// Sets the escalation fields.
    pub escalation: Option<EscalationMark>,
    /// Notifications to record with the change.
    pub notify: Vec<NewNotification>,
}

/// The escalation fields a rule sets.
#[derive(Debug, Clone)]
pub struct EscalationMark {
    pub to_id: Option<Uuid>,
    pub reason: String,
}

/// A notification to record for a user.
#[derive(Debug, Clone)]
pub struct NewNotification {
    pub user_id: Uuid,
    pub kind: String,
    pub body: String,
}

/// A reply or internal note to add.
#[derive(Debug, Clone)]
pub struct NewComment {
    pub author_id: Uuid,
    pub body: String,
    pub internal: bool,
}

/// A reply or internal note.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CommentRecord {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub author_id: Uuid,
    pub body: String,
    pub internal: bool,
    pub created_at: i64,
}

/// One entry of a ticket's history: a creation, a field change or a comment.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRecord {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub actor_id: Option<Uuid>,
    pub at: i64,
    pub kind: String,
    pub field: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub internal: bool,
}

/// A file attached to a ticket (and possibly to one of its comments).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttachmentRecord {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub comment_id: Option<Uuid>,
    pub uploader_id: Uuid,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub internal: bool,
    pub created_at: i64,
}

/// A file to attach.
#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub ticket_id: Uuid,
    pub comment_id: Option<Uuid>,
    pub uploader_id: Uuid,
    pub filename: String,
    pub content_type: String,
    pub sha256: String,
    pub internal: bool,
    pub data: Vec<u8>,
}

/// An article category.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CategoryRecord {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub position: i64,
}

/// A knowledge-base article.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ArticleRecord {
    pub id: Uuid,
    pub key: String,
    pub title: String,
    pub slug: String,
    pub summary: String,
    pub body: String,
    pub body_html: String,
    pub category_id: Option<Uuid>,
    pub tags: String,
    pub product: Option<String>,
    pub visibility: String,
    pub status: String,
    pub author_id: Uuid,
    pub reviewer_id: Option<Uuid>,
    pub version: i64,
    pub source_ticket_id: Option<Uuid>,
    pub view_count: i64,
    pub helpful_count: i64,
    pub not_helpful_count: i64,
    pub rating_sum: i64,
    pub rating_count: i64,
    pub resolved_count: i64,
    pub published_at: Option<i64>,
    pub last_reviewed_at: Option<i64>,
    pub next_review_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Who is reading the knowledge base; applied inside every article query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KbAudience {
    /// Agents and above: every article in every status.
    Staff,
    /// Signed-in customers: published public and customers-only articles.
    Customer,
    /// Anyone: published public articles.
    Anonymous,
}

/// Input for a new article (always a draft).
#[derive(Debug, Clone)]
pub struct NewArticle {
    pub title: String,
    pub slug: String,
    pub summary: String,
    pub body: String,
    pub body_html: String,
    pub category_id: Option<Uuid>,
    pub tags: Vec<String>,
    pub product: Option<String>,
    pub visibility: String,
    pub author_id: Uuid,
    pub source_ticket_id: Option<Uuid>,
}

/// A change to an article; `publish` stores a new immutable version.
#[derive(Debug, Clone, Default)]
pub struct ArticleChange {
    pub id: Uuid,
    pub now: i64,
    pub expect_status: Option<String>,
    pub title: Option<String>,
    pub slug: Option<String>,
    pub summary: Option<String>,
    pub body: Option<String>,
    pub body_html: Option<String>,
    pub category_id: Option<Option<Uuid>>,
    pub tags: Option<Vec<String>>,
    pub product: Option<Option<String>>,
    pub visibility: Option<String>,
    pub status: Option<String>,
    pub reviewer_id: Option<Uuid>,
    pub next_review_at: Option<Option<i64>>,
    /// Store a version: (notes, who published).
    pub publish: Option<(Option<String>, Uuid)>,
}

/// Filters of an article list.
#[derive(Debug, Clone, Default)]
pub struct ArticleQuery {
    pub status: Option<String>,
    pub category_id: Option<Uuid>,
    pub visibility: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// A published version of an article.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VersionRecord {
    pub article_id: Uuid,
    pub version: i64,
    pub title: String,
    pub summary: String,
    pub body: String,
    pub notes: Option<String>,
    pub author_id: Uuid,
    pub created_at: i64,
}

/// An article found by search.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ArticleHit {
    pub id: Uuid,
    pub key: String,
    pub title: String,
    pub slug: String,
    pub summary: String,
    pub visibility: String,
    /// A passage with matches between U+E000 and U+E001.
    pub snippet: String,
    pub score: f64,
}

/// A question on an article.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct QuestionRecord {
    pub id: Uuid,
    pub article_id: Uuid,
    pub author_id: Uuid,
    pub body: String,
    pub hidden: bool,
    pub created_at: i64,
}

/// An answer to a question.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AnswerRecord {
    pub id: Uuid,
    pub question_id: Uuid,
    pub author_id: Uuid,
    pub body: String,
    pub created_at: i64,
}
