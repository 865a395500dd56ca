//! Tickets and their conversation.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use desk_core::{CommentInput, TicketInput, TicketListInput, TicketPatchInput};

use crate::AppState;
use crate::dto::{Comment, CreateComment, CreateTicket, HistoryEntry, Items, PatchTicket, Ticket, TicketListQuery, TicketPage};
use crate::error::{ApiResult, AppError};
use crate::extract::{ApiJson, ApiQuery, Auth, IdPath};

/// Opens a ticket.
pub async fn create(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiJson(r): ApiJson<CreateTicket>,
) -> ApiResult<(StatusCode, Json<Ticket>)> {
    let input = TicketInput {
        subject: r.subject,
        description: r.description,
        priority: r.priority,
        channel: r.channel,
        requester_id: r.requester_id,
        group_id: r.group_id,
        assignee_id: r.assignee_id,
    };
    let t = s.desk.create_ticket(&p, input).await?;
    Ok((StatusCode::CREATED, Json(Ticket::new(t, &p.ticket_prefix))))
}

/// Lists the tickets the caller may see.
pub async fn list(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiQuery(q): ApiQuery<TicketListQuery>,
) -> ApiResult<Json<TicketPage>> {
    let limit = q.limit.unwrap_or(50).clamp(1, 200);
    let input = TicketListInput {
        view: q.view,
        status: q.status,
        priority: q.priority,
        assignee_id: q.assignee_id,
        group_id: q.group_id,
        company_id: q.company_id,
        text: q.q,
        cursor: q.cursor,
        limit: Some(limit),
    };
    let tickets = s.desk.list_tickets(&p, input).await?;
    let next_cursor = (i64::try_from(tickets.len()).unwrap_or(i64::MAX) == limit)
        .then(|| tickets.last().map(|t| t.number.to_string()))
        .flatten();
    Ok(Json(TicketPage { items: tickets.into_iter().map(|t| Ticket::new(t, &p.ticket_prefix)).collect(), next_cursor }))
}

/// One ticket.
pub async fn get(State(s): State<AppState>, Auth(p): Auth, IdPath(id): IdPath) -> ApiResult<Json<Ticket>> {
    Ok(Json(Ticket::new(s.desk.get_ticket(&p, id).await?, &p.ticket_prefix)))
}

/// Changes fields or the status.
pub async fn update(
    State(s): State<AppState>,
    Auth(p): Auth,
    IdPath(id): IdPath,
    ApiJson(r): ApiJson<PatchTicket>,
) -> ApiResult<Json<Ticket>> {
    if r.subject.is_none() && r.priority.is_none() && r.status.is_none() && r.group_id.is_none() && r.assignee_id.is_none() {
        // Still 404 for a ticket the caller cannot see, before complaining about the body.
        s.desk.get_ticket(&p, id).await?;
        return Err(AppError::field("body", "send at least one of: subject, priority, status, group_id, assignee_id"));
    }
    let patch = TicketPatchInput {
        subject: r.subject,
        priority: r.priority,
        status: r.status,
        group_id: r.group_id,
        assignee_id: r.assignee_id,
    };
    Ok(Json(Ticket::new(s.desk.update_ticket(&p, id, patch).await?, &p.ticket_prefix)))
}

/// Adds a public reply or an internal note.
pub async fn comment(
    State(s): State<AppState>,
    Auth(p): Auth,
    IdPath(id): IdPath,
    ApiJson(r): ApiJson<CreateComment>,
) -> ApiResult<(StatusCode, Json<Comment>)> {
    let c = s.desk.add_comment(&p, id, CommentInput { body: r.body, internal: r.internal }).await?;
    Ok((StatusCode::CREATED, Json(c.into())))
}

/// The conversation.
pub async fn comments(State(s): State<AppState>, Auth(p): Auth, IdPath(id): IdPath) -> ApiResult<Json<Items<Comment>>> {
    Ok(Json(Items::of(s.desk.list_comments(&p, id).await?)))
}

/// The history, oldest first.
pub async fn history(State(s): State<AppState>, Auth(p): Auth, IdPath(id): IdPath) -> ApiResult<Json<Items<HistoryEntry>>> {
    Ok(Json(Items::of(s.desk.ticket_history(&p, id).await?)))
}
