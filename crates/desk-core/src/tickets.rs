//! Tickets: who sees which, who may change what, and what a reply does to the status.

use desk_domain::permissions as perm;
use desk_domain::routing::Trigger;
use desk_domain::validate::Errors;
use desk_domain::{Actor, Priority, ResolutionCategory, Sort, Status, TicketType, View, normalize_tag};
use desk_store::{
    CommentRecord, EventRecord, NewComment, NewTicket, Principal, SearchHit, StoreError, TicketChange, TicketCursor, TicketOrder,
    TicketQuery, TicketRecord, TicketScope, TicketSearch,
};
use uuid::Uuid;

use crate::{CoreError, CoreResult, Desk, require};

/// Channels a ticket can come in by.
pub const CHANNELS: &[&str] = &["web", "portal", "email", "api", "phone", "chat"];

/// Input for a new ticket.
#[derive(Debug, Clone, Default)]
pub struct TicketInput {
    pub subject: String,
    pub description: String,
    pub priority: Option<String>,
    pub channel: Option<String>,
    /// Staff only: the customer the ticket is for (default: the caller).
    pub requester_id: Option<Uuid>,
    pub group_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    pub ticket_type: Option<String>,
    pub tags: Vec<String>,
}

/// A change requested through `PATCH` (or bulk update): only the fields set change.
#[derive(Debug, Clone, Default)]
pub struct TicketPatchInput {
    pub subject: Option<String>,
    pub priority: Option<String>,
    pub status: Option<String>,
    pub group_id: Option<Option<Uuid>>,
    pub assignee_id: Option<Option<Uuid>>,
    pub ticket_type: Option<String>,
    pub tags: Option<Vec<String>>,
    pub resolution: Option<Option<String>>,
    pub root_cause: Option<Option<String>>,
    pub resolution_category: Option<Option<String>>,
}

impl TicketPatchInput {
    /// Whether anything beyond the status would change (staff-only fields).
    fn touches_staff_fields(&self) -> bool {
        self.subject.is_some()
            || self.priority.is_some()
            || self.group_id.is_some()
            || self.assignee_id.is_some()
            || self.ticket_type.is_some()
            || self.tags.is_some()
            || self.resolution.is_some()
            || self.root_cause.is_some()
            || self.resolution_category.is_some()
    }

    /// Whether nothing at all would change.
    pub fn is_empty(&self) -> bool {
        self.status.is_none() && !self.touches_staff_fields()
    }
}

/// A reply or internal note.
#[derive(Debug, Clone)]
pub struct CommentInput {
    pub body: String,
    pub internal: bool,
}

/// Filters of a ticket list, as the client named them.
#[derive(Debug, Clone, Default)]
pub struct TicketListInput {
    pub view: Option<String>,
    /// One status or several, comma-separated.
    pub status: Option<String>,
    /// One priority or several, comma-separated.
    pub priority: Option<String>,
    pub ticket_type: Option<String>,
    pub channel: Option<String>,
    pub tag: Option<String>,
    pub assignee_id: Option<Uuid>,
    pub group_id: Option<Uuid>,
    pub company_id: Option<Uuid>,
    pub requester_id: Option<Uuid>,
    pub resolution_category: Option<String>,
    pub duplicate_of: Option<Uuid>,
    pub satisfaction_score: Option<i64>,
    /// RFC 3339 instants bounding the creation time.
    pub created_after: Option<String>,
    pub created_before: Option<String>,
    /// Only tickets whose next unmet SLA target falls due within this many minutes.
    pub due_within: Option<i64>,
    /// Only tickets with (true) or without (false) a breached SLA target.
    pub sla_breached: Option<bool>,
    pub sla_policy_id: Option<Uuid>,
    pub sort: Option<String>,
    /// Words that must all appear in the subject, description or public replies.
    pub text: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// A page of tickets; search results carry a highlighted snippet and a score.
#[derive(Debug, Clone)]
pub struct TicketList {
    pub items: Vec<(TicketRecord, Option<(String, f64)>)>,
    pub next_cursor: Option<String>,
}

/// How long a closed ticket counts as "recently closed".
const RECENT_MS: i64 = 7 * 24 * 3600 * 1000;
/// A ticket is "at risk" from this predicted chance (percent) of missing its resolution target.
pub const AT_RISK_PERCENT: i64 = 50;
/// At most this many tickets in one bulk update.
pub const BULK_MAX: usize = 100;

/// Which tickets the principal may see, from their permissions.
pub fn scope_of(p: &Principal) -> TicketScope {
    if p.can(perm::TICKETS_SCOPE_ALL) {
        TicketScope::All
    } else if p.can(perm::TICKETS_SCOPE_GROUP) {
        TicketScope::Groups(p.user.id)
    } else if let (true, Some(company_id)) = (p.can(perm::TICKETS_SCOPE_COMPANY), p.user.company_id) {
        TicketScope::Company { company_id, user_id: p.user.id }
    } else {
        TicketScope::Requester(p.user.id)
    }
}

/// Narrows a query to a named view (the statuses, assignee and order it stands for).
fn view_filter(p: &Principal, view: View, q: &mut TicketQuery, now: i64) {
    match view {
        View::All => {}
        View::Mine => {
            q.assignee_id = Some(p.user.id);
            q.statuses = active_statuses();
        }
        View::Unassigned => {
            q.unassigned = true;
            q.statuses = active_statuses();
        }
        View::Open => q.statuses = active_statuses(),
        View::HighPriority => {
            q.priorities = vec!["high".into(), "critical".into()];
            q.statuses = active_statuses();
        }
        View::Escalated => q.statuses = vec![Status::Escalated.as_str().into()],
        View::Waiting => q.statuses = vec![Status::WaitingOnCustomer.as_str().into()],
        View::RecentlyClosed => {
            q.statuses = vec![Status::Resolved.as_str().into(), Status::Closed.as_str().into()];
            q.updated_since = Some(now - RECENT_MS);
            q.order = TicketOrder::Updated;
        }
        View::SlaBreached => {
            q.sla_breached = true;
            q.statuses = active_statuses();
        }
        View::AtRisk => {
            q.min_breach_risk = Some(AT_RISK_PERCENT);
            q.statuses = active_statuses();
            q.order = TicketOrder::Due;
        }
    }
}

fn actor_of(p: &Principal) -> Actor {
    if p.staff { Actor::Staff } else { Actor::Customer }
}

fn parse_status(s: &str) -> CoreResult<Status> {
    Status::parse(s).ok_or_else(|| CoreError::field("status", &format!("must be one of: {}", names(Status::ALL))))
}

/// Parses an RFC 3339 instant into Unix milliseconds.
fn parse_instant(field: &str, raw: &str) -> CoreResult<i64> {
    raw.parse::<jiff::Timestamp>()
        .map(jiff::Timestamp::as_millisecond)
        .map_err(|_| CoreError::field(field, "must be an RFC 3339 time such as 2026-01-31T09:00:00Z"))
}

fn stored_status(t: &TicketRecord) -> CoreResult<Status> {
    Status::parse(&t.status).ok_or_else(|| CoreError::Internal(format!("stored status {}", t.status)))
}

fn parse_priority(s: &str) -> CoreResult<Priority> {
    Priority::parse(s).ok_or_else(|| CoreError::field("priority", &format!("must be one of: {}", names(Priority::ALL))))
}

fn parse_list<T: Copy + std::fmt::Display>(
    field: &str,
    raw: &str,
    parse: fn(&str) -> Option<T>,
    all: &[T],
) -> CoreResult<Vec<String>> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            parse(s).map(|v| v.to_string()).ok_or_else(|| CoreError::field(field, &format!("must be one of: {}", names(all))))
        })
        .collect()
}

/// Normalises and de-duplicates tags (at most 20).
pub(crate) fn parse_tags(raw: &[String]) -> CoreResult<Vec<String>> {
    let mut tags = Vec::new();
    for t in raw {
        let tag =
            normalize_tag(t).ok_or_else(|| CoreError::field("tags", "tags are up to 40 letters, digits, '-', '_' or '.'"))?;
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    if tags.len() > 20 {
        return Err(CoreError::field("tags", "at most 20 tags"));
    }
    Ok(tags)
}

fn active_statuses() -> Vec<String> {
    Status::ALL.iter().filter(|s| s.is_active()).map(|s| s.as_str().to_owned()).collect()
}

/// The words of a search: control characters dropped, and only words holding a letter or digit,
/// so no query reaches the index as bare punctuation.
pub(crate) fn search_words(text: &str, max: usize) -> Vec<String> {
    text.split_whitespace()
        .map(|w| w.chars().filter(|c| !c.is_control()).collect::<String>())
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .take(max)
        .collect()
}

/// Cursors are opaque to clients: `k<value>_<number>` for keyset lists, `o<offset>` for search.
fn parse_cursor(raw: &str) -> Option<(Option<TicketCursor>, i64)> {
    if let Some(rest) = raw.strip_prefix('o') {
        return rest.parse::<i64>().ok().filter(|o| *o >= 0).map(|o| (None, o));
    }
    let (value, number) = raw.strip_prefix('k')?.split_once('_')?;
    Some((Some(TicketCursor { value: value.parse().ok()?, number: number.parse().ok()? }), 0))
}

fn keyset_cursor(t: &TicketRecord, order: TicketOrder) -> String {
    let value = match order {
        TicketOrder::Newest | TicketOrder::Oldest => 0,
        TicketOrder::Updated => t.updated_at,
        TicketOrder::Priority => Priority::parse(&t.priority).map_or(1, Priority::rank),
        TicketOrder::Due => t.sla.resolution_due_at.unwrap_or(i64::MAX),
    };
    format!("k{value}_{}", t.number)
}

fn names<T: std::fmt::Display>(all: &[T]) -> String {
    all.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

/// Timestamps that entering `to` sets.
fn stamp_status(change: &mut TicketChange, cur: &TicketRecord, to: Status, now: i64) {
    match to {
        Status::Resolved => change.resolved_at = Some(now),
        Status::Closed => {
            change.closed_at = Some(now);
            if cur.resolved_at.is_none() {
                change.resolved_at = Some(now);
            }
        }
        _ if cur.resolved_at.is_some() => change.clear_resolved = true,
        _ => {}
    }
}

impl Desk {
    /// Records in `e` why `id` cannot be an assignee, if it cannot.
    async fn check_assignee(&self, p: &Principal, id: Option<Uuid>, e: &mut Errors) -> CoreResult<()> {
        let Some(id) = id else { return Ok(()) };
        match self.store.get_user(&p.ctx, id).await {
            Ok(u) if u.staff && u.active => {}
            Ok(_) => e.add("assignee_id", "must be an active staff user"),
            Err(StoreError::NotFound) => e.add("assignee_id", "no such user"),
            Err(err) => return Err(err.into()),
        }
        Ok(())
    }

    /// Records in `e` that `id` names no group, if it does not.
    async fn check_group(&self, p: &Principal, id: Option<Uuid>, e: &mut Errors) -> CoreResult<()> {
        let Some(id) = id else { return Ok(()) };
        match self.store.get_group(&p.ctx, id).await {
            Ok(_) => {}
            Err(StoreError::NotFound) => e.add("group_id", "no such group"),
            Err(err) => return Err(err.into()),
        }
        Ok(())
    }

    /// Opens a ticket. Customers open it for themselves; staff may name the customer.
    pub async fn create_ticket(&self, p: &Principal, input: TicketInput) -> CoreResult<TicketRecord> {
        require(p, perm::TICKETS_CREATE)?;
        let mut e = Errors::default();
        e.text("subject", &input.subject, 200);
        if input.description.chars().count() > 100_000 {
            e.add("description", "must be at most 100000 characters");
        }
        let priority = input.priority.as_deref().map_or(Some(Priority::Medium), Priority::parse).unwrap_or_else(|| {
            e.add("priority", format!("must be one of: {}", names(Priority::ALL)));
            Priority::Medium
        });
        let channel = input.channel.clone().unwrap_or_else(|| if p.staff { "api".into() } else { "portal".into() });
        if !CHANNELS.contains(&channel.as_str()) {
            e.add("channel", format!("must be one of: {}", CHANNELS.join(", ")));
        }
        let ticket_type =
            input.ticket_type.as_deref().map_or(Some(TicketType::Question), TicketType::parse).unwrap_or_else(|| {
                e.add("ticket_type", format!("must be one of: {}", names(TicketType::ALL)));
                TicketType::Question
            });
        let tags = match parse_tags(&input.tags) {
            Ok(t) => t,
            Err(CoreError::Validation(v)) => {
                e.0.extend(v);
                Vec::new()
            }
            Err(other) => return Err(other),
        };
        let staff_only = input.requester_id.is_some() || input.group_id.is_some() || input.assignee_id.is_some();
        if staff_only && !p.can(perm::TICKETS_MANAGE) {
            return Err(CoreError::Forbidden("setting requester, group or assignee needs tickets:manage".into()));
        }
        let requester = match input.requester_id {
            Some(id) => match self.store.get_user(&p.ctx, id).await {
                Ok(u) if u.staff || !u.active => {
                    e.add("requester_id", "must be an active customer");
                    None
                }
                Ok(u) => Some(u),
                Err(StoreError::NotFound) => {
                    e.add("requester_id", "no such user");
                    None
                }
                Err(err) => return Err(err.into()),
            },
            None => Some(p.user.clone()),
        };
        self.check_group(p, input.group_id, &mut e).await?;
        self.check_assignee(p, input.assignee_id, &mut e).await?;
        e.finish()?;
        let requester = requester.ok_or(CoreError::NotFound)?;
        let mut new = NewTicket {
            subject: input.subject.trim().to_owned(),
            description: input.description,
            status: if input.assignee_id.is_some() { Status::Open } else { Status::New }.as_str().to_owned(),
            priority: priority.as_str().to_owned(),
            requester_id: requester.id,
            company_id: requester.company_id,
            group_id: input.group_id,
            assignee_id: input.assignee_id,
            channel,
            created_by: p.user.id,
            ticket_type: ticket_type.as_str().to_owned(),
            tags,
            auto_assign: input.assignee_id.is_none(),
            required_skill_ids: Vec::new(),
            routing_note: None,
        };
        if new.group_id.is_none() {
            self.route(&p.ctx, &mut new, input.priority.is_some()).await?;
        }
        let ticket = self.tickets.create(p.ctx, new).await?;
        if ticket.priority == Priority::Critical.as_str() {
            self.after_trigger(&p.ctx, ticket.id, Trigger::PriorityCritical).await;
        }
        Ok(ticket)
    }

    /// One ticket the caller may see.
    pub async fn get_ticket(&self, p: &Principal, id: Uuid) -> CoreResult<TicketRecord> {
        require(p, perm::TICKETS_READ)?;
        Ok(self.store.get_ticket(&p.ctx, &scope_of(p), id).await?)
    }

    /// A page of tickets the caller may see: a named view, filters, an order and a keyset
    /// cursor; with `text`, a ranked full-text search over the same filters.
    pub async fn list_tickets(&self, p: &Principal, input: TicketListInput) -> CoreResult<TicketList> {
        require(p, perm::TICKETS_READ)?;
        let limit = input.limit.unwrap_or(50).clamp(1, 200);
        let mut q = TicketQuery { limit, ..TicketQuery::default() };
        let view = match input.view.as_deref() {
            None => View::All,
            Some(v) => {
                View::parse(v).ok_or_else(|| CoreError::field("view", &format!("must be one of: {}", names(View::ALL))))?
            }
        };
        view_filter(p, view, &mut q, self.now());
        if let Some(s) = &input.status {
            q.statuses = parse_list("status", s, Status::parse, Status::ALL)?;
        }
        if let Some(s) = &input.priority {
            q.priorities = parse_list("priority", s, Priority::parse, Priority::ALL)?;
        }
        if let Some(s) = &input.ticket_type {
            q.ticket_type = Some(
                TicketType::parse(s)
                    .ok_or_else(|| CoreError::field("type", &format!("must be one of: {}", names(TicketType::ALL))))?
                    .to_string(),
            );
        }
        if let Some(c) = &input.channel {
            if !CHANNELS.contains(&c.as_str()) {
                return Err(CoreError::field("channel", &format!("must be one of: {}", CHANNELS.join(", "))));
            }
            q.channel = Some(c.clone());
        }
        if let Some(t) = &input.tag {
            q.tag = Some(normalize_tag(t).ok_or_else(|| CoreError::field("tag", "is not a tag"))?);
        }
        q.assignee_id = input.assignee_id.or(q.assignee_id);
        q.group_id = input.group_id;
        q.company_id = input.company_id;
        q.requester_id = input.requester_id;
        if let Some(c) = &input.resolution_category {
            let c = ResolutionCategory::parse(c).ok_or_else(|| {
                CoreError::field("resolution_category", &format!("must be one of: {}", names(ResolutionCategory::ALL)))
            })?;
            q.resolution_category = Some(c.to_string());
        }
        q.duplicate_of = input.duplicate_of;
        if let Some(score) = input.satisfaction_score {
            if !(1..=5).contains(&score) {
                return Err(CoreError::field("satisfaction_score", "must be 1 to 5"));
            }
            q.satisfaction_score = Some(score);
        }
        q.created_after = input.created_after.as_deref().map(|v| parse_instant("created_after", v)).transpose()?;
        q.created_before = input.created_before.as_deref().map(|v| parse_instant("created_before", v)).transpose()?;
        if let Some(minutes) = input.due_within {
            if !(0..=525_600).contains(&minutes) {
                return Err(CoreError::field("due_within", "must be 0 to 525600 minutes"));
            }
            q.due_before = Some(self.now() + minutes * 60_000);
        }
        if let Some(b) = input.sla_breached {
            q.sla_breached = b;
            q.sla_not_breached = !b;
        }
        q.sla_policy_id = input.sla_policy_id;
        if let Some(s) = &input.sort {
            q.order =
                match Sort::parse(s).ok_or_else(|| CoreError::field("sort", &format!("must be one of: {}", names(Sort::ALL))))? {
                    Sort::Newest => TicketOrder::Newest,
                    Sort::Oldest => TicketOrder::Oldest,
                    Sort::Updated => TicketOrder::Updated,
                    Sort::Priority => TicketOrder::Priority,
                    Sort::Due => TicketOrder::Due,
                };
        }
        let (after, offset) = match &input.cursor {
            Some(c) => parse_cursor(c).ok_or_else(|| CoreError::field("cursor", "is not a cursor this API returned"))?,
            None => (None, 0),
        };
        let words = search_words(input.text.as_deref().unwrap_or_default(), 12);
        let scope = scope_of(p);
        if words.is_empty() {
            q.after = after;
            let order = q.order;
            let tickets = self.store.list_tickets(&p.ctx, &scope, &q).await?;
            let full = i64::try_from(tickets.len()).unwrap_or(i64::MAX) == limit;
            let next_cursor = tickets.last().filter(|_| full).map(|t| keyset_cursor(t, order));
            return Ok(TicketList { items: tickets.into_iter().map(|t| (t, None)).collect(), next_cursor });
        }
        let hits: Vec<SearchHit> = self.store.search_tickets(&p.ctx, &scope, &TicketSearch { words, filter: q, offset }).await?;
        let full = i64::try_from(hits.len()).unwrap_or(i64::MAX) == limit;
        let next_cursor = full.then(|| format!("o{}", offset.saturating_add(limit)));
        Ok(TicketList { items: hits.into_iter().map(|h| (h.ticket, Some((h.snippet, h.score)))).collect(), next_cursor })
    }

    /// How many tickets the caller may see in each named view, each counted up to `cap`.
    pub async fn view_counts(&self, p: &Principal, cap: i64) -> CoreResult<Vec<(View, i64)>> {
        require(p, perm::TICKETS_READ)?;
        let now = self.now();
        let queries: Vec<TicketQuery> = View::ALL
            .iter()
            .map(|&v| {
                let mut q = TicketQuery::default();
                view_filter(p, v, &mut q, now);
                q
            })
            .collect();
        let counts = self.store.count_tickets(&p.ctx, &scope_of(p), &queries, cap).await?;
        Ok(View::ALL.iter().copied().zip(counts).collect())
    }

    /// Display names (and whether staff) of users the caller meets on tickets they can read:
    /// comment authors, requesters, assignees. Unknown ids are left out.
    pub async fn display_names(
        &self,
        p: &Principal,
        ids: &[Uuid],
    ) -> CoreResult<std::collections::HashMap<Uuid, (String, bool)>> {
        require(p, perm::TICKETS_READ)?;
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let users = self.store.users_by_ids(&p.ctx, &ids).await?;
        Ok(users.into_iter().map(|u| (u.id, (u.name, u.staff))).collect())
    }

    /// Applies a change. Customers may only move the status, as far as the state machine lets them.
    pub async fn update_ticket(&self, p: &Principal, id: Uuid, patch: TicketPatchInput) -> CoreResult<TicketRecord> {
        require(p, perm::TICKETS_UPDATE)?;
        let scope = scope_of(p);
        let cur = self.store.get_ticket(&p.ctx, &scope, id).await?;
        if patch.touches_staff_fields() && !p.can(perm::TICKETS_MANAGE) {
            return Err(CoreError::Forbidden("changing anything but the status needs tickets:manage".into()));
        }
        let now = self.now();
        let mut change = TicketChange {
            ticket_id: id,
            actor_id: Some(p.user.id),
            now,
            expect_status: Some(cur.status.clone()),
            ..TicketChange::default()
        };
        let mut e = Errors::default();
        if let Some(s) = &patch.subject {
            e.text("subject", s, 200);
            change.subject = Some(s.trim().to_owned());
        }
        if let Some(s) = &patch.priority {
            change.priority = Some(parse_priority(s)?.as_str().to_owned());
        }
        if let Some(s) = &patch.ticket_type {
            match TicketType::parse(s) {
                Some(t) => change.ticket_type = Some(t.as_str().to_owned()),
                None => e.add("ticket_type", format!("must be one of: {}", names(TicketType::ALL))),
            }
        }
        if let Some(tags) = &patch.tags {
            change.tags = Some(parse_tags(tags)?);
        }
        for (field, value, max) in [("resolution", &patch.resolution, 20_000), ("root_cause", &patch.root_cause, 5_000)] {
            if let Some(Some(text)) = value
                && text.chars().count() > max
            {
                e.add(field, format!("must be at most {max} characters"));
            }
        }
        change.resolution = patch.resolution.clone().map(|v| v.filter(|t| !t.trim().is_empty()));
        change.root_cause = patch.root_cause.clone().map(|v| v.filter(|t| !t.trim().is_empty()));
        if let Some(Some(c)) = &patch.resolution_category
            && ResolutionCategory::parse(c).is_none()
        {
            e.add("resolution_category", format!("must be one of: {}", names(ResolutionCategory::ALL)));
        }
        change.resolution_category = patch.resolution_category.clone();
        self.check_group(p, patch.group_id.flatten(), &mut e).await?;
        self.check_assignee(p, patch.assignee_id.flatten(), &mut e).await?;
        e.finish()?;
        change.group_id = patch.group_id;
        change.assignee_id = patch.assignee_id;
        self.fit_assignee_to_group(p, &cur, &patch, &mut change).await?;
        if let Some(s) = &patch.status {
            let to = parse_status(s)?;
            let from = stored_status(&cur)?;
            if to != from {
                if to == Status::Duplicate {
                    return Err(CoreError::field("status", "use POST /api/v1/tickets/{id}/merge to mark a duplicate"));
                }
                from.check(to, actor_of(p))?;
                change.status = Some(to.as_str().to_owned());
                stamp_status(&mut change, &cur, to, now);
            }
        }
        let raised =
            change.priority.as_deref() == Some(Priority::Critical.as_str()) && cur.priority != Priority::Critical.as_str();
        let ticket = self.store.change_ticket(&p.ctx, &scope, change).await?.0;
        if raised {
            self.after_trigger(&p.ctx, id, Trigger::PriorityCritical).await;
        }
        Ok(ticket)
    }

    /// Keeps the assignee a member of the ticket's group: an explicit assignee must belong to
    /// the (new) group; moving the ticket to a group its assignee is not in unassigns it.
    async fn fit_assignee_to_group(
        &self,
        p: &Principal,
        cur: &TicketRecord,
        patch: &TicketPatchInput,
        change: &mut TicketChange,
    ) -> CoreResult<()> {
        let group = patch.group_id.unwrap_or(cur.group_id);
        let assignee = patch.assignee_id.unwrap_or(cur.assignee_id);
        let (Some(group), Some(assignee)) = (group, assignee) else { return Ok(()) };
        let members = self.store.get_group(&p.ctx, group).await?.member_ids;
        if members.contains(&assignee) {
            return Ok(());
        }
        if patch.assignee_id.is_some() {
            return Err(CoreError::field("assignee_id", "must be a member of the ticket's group"));
        }
        change.assignee_id = Some(None);
        Ok(())
    }

    /// Records a satisfaction rating: only by the ticket's requester, once, after resolution.
    pub async fn rate_ticket(&self, p: &Principal, id: Uuid, score: i64, comment: Option<String>) -> CoreResult<TicketRecord> {
        require(p, perm::TICKETS_RATE)?;
        let scope = scope_of(p);
        let cur = self.store.get_ticket(&p.ctx, &scope, id).await?;
        if cur.requester_id != p.user.id {
            return Err(CoreError::NotAllowed("only the customer who opened the ticket can rate it".into()));
        }
        let mut e = Errors::default();
        if !(1..=5).contains(&score) {
            e.add("score", "must be 1 to 5");
        }
        if comment.as_ref().is_some_and(|c| c.chars().count() > 5_000) {
            e.add("comment", "must be at most 5000 characters");
        }
        e.finish()?;
        if !matches!(stored_status(&cur)?, Status::Resolved | Status::Closed) {
            return Err(CoreError::field("status", "a ticket can be rated once it is resolved or closed"));
        }
        let change = TicketChange {
            ticket_id: id,
            actor_id: Some(p.user.id),
            now: self.now(),
            expect_status: Some(cur.status.clone()),
            rating: Some((score, comment.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty()))),
            ..TicketChange::default()
        };
        Ok(self.store.change_ticket(&p.ctx, &scope, change).await?.0)
    }

    /// Marks `id` a duplicate of `into` and leaves a note on `into`.
    pub async fn merge_ticket(&self, p: &Principal, id: Uuid, into: Uuid) -> CoreResult<TicketRecord> {
        require(p, perm::TICKETS_MANAGE)?;
        let scope = scope_of(p);
        let source = self.store.get_ticket(&p.ctx, &scope, id).await?;
        let target = match self.store.get_ticket(&p.ctx, &scope, into).await {
            Ok(t) => t,
            Err(StoreError::NotFound) => return Err(CoreError::field("into", "no such ticket")),
            Err(e) => return Err(e.into()),
        };
        if source.id == target.id {
            return Err(CoreError::field("into", "a ticket cannot be merged into itself"));
        }
        if target.status == Status::Duplicate.as_str() {
            return Err(CoreError::field("into", "the target is itself a duplicate; merge into its original"));
        }
        stored_status(&source)?.check(Status::Duplicate, actor_of(p))?;
        let now = self.now();
        let change = TicketChange {
            ticket_id: source.id,
            actor_id: Some(p.user.id),
            now,
            expect_status: Some(source.status.clone()),
            status: Some(Status::Duplicate.as_str().into()),
            duplicate_of: Some(Some(target.id)),
            closed_at: Some(now),
            ..TicketChange::default()
        };
        let note = TicketChange {
            ticket_id: target.id,
            actor_id: Some(p.user.id),
            now,
            comment: Some(NewComment {
                author_id: p.user.id,
                body: format!("Merged {}-{} into this ticket: {}", p.ticket_prefix, source.number, source.subject),
                internal: true,
            }),
            ..TicketChange::default()
        };
        Ok(self.store.merge_tickets(&p.ctx, &scope, change, note).await?)
    }

    /// Applies one change to many tickets; each succeeds or fails on its own.
    pub async fn bulk_update(
        &self,
        p: &Principal,
        ids: &[Uuid],
        patch: &TicketPatchInput,
    ) -> CoreResult<Vec<(Uuid, CoreResult<TicketRecord>)>> {
        require(p, perm::TICKETS_MANAGE)?;
        if ids.is_empty() || ids.len() > BULK_MAX {
            return Err(CoreError::field("ids", &format!("send 1 to {BULK_MAX} ticket ids")));
        }
        if patch.is_empty() {
            return Err(CoreError::field("body", "nothing to change"));
        }
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push((*id, self.update_ticket(p, *id, patch.clone()).await));
        }
        Ok(out)
    }

    /// Adds a reply or internal note. A staff member's first public reply records the first
    /// response and starts work on a new or open ticket; a customer's reply to a ticket waiting
    /// on them puts it back to open.
    pub async fn add_comment(&self, p: &Principal, ticket_id: Uuid, input: CommentInput) -> CoreResult<CommentRecord> {
        require(p, perm::TICKETS_COMMENT)?;
        if input.internal && !p.can(perm::NOTES_INTERNAL) {
            return Err(CoreError::Forbidden("internal notes need notes:internal".into()));
        }
        let mut e = Errors::default();
        e.text("body", &input.body, 100_000);
        e.finish()?;
        let scope = scope_of(p);
        let cur = self.store.get_ticket(&p.ctx, &scope, ticket_id).await?;
        let from = stored_status(&cur)?;
        let now = self.now();
        let mut change = TicketChange {
            ticket_id,
            actor_id: Some(p.user.id),
            now,
            comment: Some(NewComment { author_id: p.user.id, body: input.body, internal: input.internal }),
            ..TicketChange::default()
        };
        if !input.internal {
            let to = match actor_of(p) {
                Actor::Staff => {
                    if cur.first_response_at.is_none() && cur.requester_id != p.user.id {
                        change.first_response_at = Some(now);
                    }
                    matches!(from, Status::New | Status::Open).then_some(Status::InProgress)
                }
                Actor::Customer => (from == Status::WaitingOnCustomer).then_some(Status::Open),
                Actor::System => None,
            };
            if let Some(to) = to {
                from.check(to, Actor::System)?;
                change.status = Some(to.as_str().to_owned());
                // Only a status move needs the status it was decided on; a plain reply never conflicts.
                change.expect_status = Some(cur.status.clone());
            }
        }
        let (_, comment) = self.store.change_ticket(&p.ctx, &scope, change).await?;
        comment.ok_or_else(|| CoreError::Internal("comment was not stored".into()))
    }

    /// The conversation; internal notes only for those who may see them.
    pub async fn list_comments(&self, p: &Principal, ticket_id: Uuid) -> CoreResult<Vec<CommentRecord>> {
        require(p, perm::TICKETS_READ)?;
        Ok(self.store.list_comments(&p.ctx, &scope_of(p), ticket_id, p.can(perm::NOTES_INTERNAL)).await?)
    }

    /// The ticket's history; internal notes only for those who may see them.
    pub async fn ticket_history(&self, p: &Principal, ticket_id: Uuid) -> CoreResult<Vec<EventRecord>> {
        require(p, perm::TICKETS_READ)?;
        Ok(self.store.list_events(&p.ctx, &scope_of(p), ticket_id, p.can(perm::NOTES_INTERNAL)).await?)
    }
}
