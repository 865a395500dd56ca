//! Tickets: who sees which, who may change what, and what a reply does to the status.

use desk_domain::permissions as perm;
use desk_domain::validate::Errors;
use desk_domain::{Actor, Priority, Status};
use desk_store::{
    CommentRecord, EventRecord, NewComment, NewTicket, Principal, StoreError, TicketChange, TicketQuery, TicketRecord,
    TicketScope,
};
use uuid::Uuid;

use crate::{CoreError, CoreResult, Desk, now_ms, require};

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
}

/// A change requested through `PATCH`.
#[derive(Debug, Clone, Default)]
pub struct TicketPatchInput {
    pub subject: Option<String>,
    pub priority: Option<String>,
    pub status: Option<String>,
    pub group_id: Option<Option<Uuid>>,
    pub assignee_id: Option<Option<Uuid>>,
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
    pub status: Option<String>,
    pub priority: Option<String>,
    pub assignee_id: Option<Uuid>,
    pub group_id: Option<Uuid>,
    pub company_id: Option<Uuid>,
    /// Words that must all appear in the subject or description.
    pub text: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// Which tickets the principal may see, from their permissions.
pub fn scope_of(p: &Principal) -> TicketScope {
    if p.can(perm::TICKETS_SCOPE_ALL) {
        TicketScope::All
    } else if let (true, Some(company_id)) = (p.can(perm::TICKETS_SCOPE_COMPANY), p.user.company_id) {
        TicketScope::Company { company_id, user_id: p.user.id }
    } else {
        TicketScope::Requester(p.user.id)
    }
}

fn actor_of(p: &Principal) -> Actor {
    if p.staff { Actor::Staff } else { Actor::Customer }
}

fn parse_status(s: &str) -> CoreResult<Status> {
    Status::parse(s).ok_or_else(|| CoreError::field("status", &format!("must be one of: {}", names(Status::ALL))))
}

fn parse_priority(s: &str) -> CoreResult<Priority> {
    Priority::parse(s).ok_or_else(|| CoreError::field("priority", &format!("must be one of: {}", names(Priority::ALL))))
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
        let staff_only = input.requester_id.is_some() || input.group_id.is_some() || input.assignee_id.is_some();
        if staff_only && !p.can(perm::TICKETS_MANAGE) {
            return Err(CoreError::Forbidden("setting requester, group or assignee needs tickets:manage".into()));
        }
        let requester = match input.requester_id {
            Some(id) => match self.store.get_user(&p.ctx, id).await {
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
        let new = NewTicket {
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
        };
        Ok(self.store.create_ticket(&p.ctx, new, now_ms()).await?)
    }

    /// One ticket the caller may see.
    pub async fn get_ticket(&self, p: &Principal, id: Uuid) -> CoreResult<TicketRecord> {
        require(p, perm::TICKETS_READ)?;
        Ok(self.store.get_ticket(&p.ctx, &scope_of(p), id).await?)
    }

    /// A page of tickets the caller may see; the cursor is the last number of the previous page.
    pub async fn list_tickets(&self, p: &Principal, input: TicketListInput) -> CoreResult<Vec<TicketRecord>> {
        require(p, perm::TICKETS_READ)?;
        let mut q = TicketQuery { limit: input.limit.unwrap_or(50).clamp(1, 200), ..TicketQuery::default() };
        if let Some(s) = &input.status {
            q.status = Some(parse_status(s)?.as_str().to_owned());
        }
        if let Some(s) = &input.priority {
            q.priority = Some(parse_priority(s)?.as_str().to_owned());
        }
        q.assignee_id = input.assignee_id;
        q.group_id = input.group_id;
        q.company_id = input.company_id;
        q.words = input.text.as_deref().unwrap_or_default().split_whitespace().take(8).map(str::to_owned).collect();
        match input.view.as_deref() {
            None | Some("all") => {}
            Some("mine") => q.assignee_id = Some(p.user.id),
            Some("unassigned") => q.unassigned = true,
            Some("requested") => q.requester_id = Some(p.user.id),
            Some(_) => {
                return Err(CoreError::field("view", "must be one of: all, mine, unassigned, requested"));
            }
        }
        if let Some(c) = &input.cursor {
            q.before_number =
                Some(c.parse::<i64>().map_err(|_| CoreError::field("cursor", "is not a cursor this API returned"))?);
        }
        Ok(self.store.list_tickets(&p.ctx, &scope_of(p), &q).await?)
    }

    /// Applies a change. Customers may only move the status, as far as the state machine lets them.
    pub async fn update_ticket(&self, p: &Principal, id: Uuid, patch: TicketPatchInput) -> CoreResult<TicketRecord> {
        require(p, perm::TICKETS_UPDATE)?;
        let scope = scope_of(p);
        let cur = self.store.get_ticket(&p.ctx, &scope, id).await?;
        let staff_fields =
            patch.subject.is_some() || patch.priority.is_some() || patch.group_id.is_some() || patch.assignee_id.is_some();
        if staff_fields && !p.can(perm::TICKETS_MANAGE) {
            return Err(CoreError::Forbidden("changing subject, priority, group or assignee needs tickets:manage".into()));
        }
        let now = now_ms();
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
        self.check_group(p, patch.group_id.flatten(), &mut e).await?;
        self.check_assignee(p, patch.assignee_id.flatten(), &mut e).await?;
        e.finish()?;
        change.group_id = patch.group_id;
        change.assignee_id = patch.assignee_id;
        if let Some(s) = &patch.status {
            let to = parse_status(s)?;
            let from = parse_status(&cur.status).map_err(|_| CoreError::Internal(format!("stored status {}", cur.status)))?;
            if to != from {
                from.check(to, actor_of(p))?;
                change.status = Some(to.as_str().to_owned());
                stamp_status(&mut change, &cur, to, now);
            }
        }
        Ok(self.store.change_ticket(&p.ctx, &scope, change).await?.0)
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
        let from = parse_status(&cur.status).map_err(|_| CoreError::Internal(format!("stored status {}", cur.status)))?;
        let now = now_ms();
        let mut change = TicketChange {
            ticket_id,
            actor_id: Some(p.user.id),
            now,
            expect_status: Some(cur.status.clone()),
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
