//! Tickets and their conversation.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use desk_core::{CommentInput, TicketInput, TicketListInput, TicketPatchInput};

use crate::AppState;
use crate::dto::{
    BulkResult, BulkResults, BulkUpdate, Comment, CreateComment, CreateTicket, HistoryEntry, Items, Merge, PatchTicket, Rate,
    Ticket, TicketListQuery, TicketPage,
};
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
        ticket_type: r.ticket_type,
        tags: r.tags,
    };
    let t = s.desk.create_ticket(&p, input).await?;
    Ok((StatusCode::CREATED, Json(Ticket::new(t, &p.ticket_prefix))))
}

/// Lists the tickets the caller may see, or searches them with `q`.
pub async fn list(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiQuery(q): ApiQuery<TicketListQuery>,
) -> ApiResult<Json<TicketPage>> {
    let input = TicketListInput {
        view: q.view,
        status: q.status,
        priority: q.priority,
        ticket_type: q.ticket_type,
        channel: q.channel,
        tag: q.tag,
        assignee_id: q.assignee_id,
        group_id: q.group_id,
        company_id: q.company_id,
        requester_id: q.requester_id,
        resolution_category: q.resolution_category,
        duplicate_of: q.duplicate_of,
        satisfaction_score: q.satisfaction_score,
        created_after: q.created_after,
        created_before: q.created_before,
        due_within: q.due_within,
        sla_breached: q.sla_breached,
        sla_policy_id: q.sla_policy_id,
        sort: q.sort,
        text: q.q,
        cursor: q.cursor,
        limit: q.limit,
    };
    let list = s.desk.list_tickets(&p, input).await?;
    let items = list
        .items
        .into_iter()
        .map(|(t, hit)| match hit {
            Some((snippet, score)) => Ticket::hit(t, &p.ticket_prefix, &snippet, score),
            None => Ticket::new(t, &p.ticket_prefix),
        })
        .collect();
    Ok(Json(TicketPage { items, next_cursor: list.next_cursor }))
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
    let patch = TicketPatchInput::from(r);
    if patch.is_empty() {
        // Still 404 for a ticket the caller cannot see, before complaining about the body.
        s.desk.get_ticket(&p, id).await?;
        return Err(AppError::field("body", "send at least one field to change"));
    }
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

/// Rates a resolved ticket (its customer, once).
pub async fn rate(
    State(s): State<AppState>,
    Auth(p): Auth,
    IdPath(id): IdPath,
    ApiJson(r): ApiJson<Rate>,
) -> ApiResult<Json<Ticket>> {
    Ok(Json(Ticket::new(s.desk.rate_ticket(&p, id, r.score, r.comment).await?, &p.ticket_prefix)))
}

/// Marks the ticket a duplicate of another.
pub async fn merge(
    State(s): State<AppState>,
    Auth(p): Auth,
    IdPath(id): IdPath,
    ApiJson(r): ApiJson<Merge>,
) -> ApiResult<Json<Ticket>> {
    Ok(Json(Ticket::new(s.desk.merge_ticket(&p, id, r.into).await?, &p.ticket_prefix)))
}

/// Applies one change to many tickets; each result stands alone.
pub async fn bulk(State(s): State<AppState>, Auth(p): Auth, ApiJson(r): ApiJson<BulkUpdate>) -> ApiResult<Json<BulkResults>> {
    let outcomes = s.desk.bulk_update(&p, &r.ids, &TicketPatchInput::from(r.changes)).await?;
    let mut results = Vec::with_capacity(outcomes.len());
    for (id, outcome) in outcomes {
        results.push(match outcome {
            Ok(t) => BulkResult { id, status: 200, ticket: Some(Ticket::new(t, &p.ticket_prefix)), error: None },
            Err(e) => {
                let e = AppError::from(e);
                BulkResult { id, status: e.status().as_u16(), ticket: None, error: Some(e.inner()) }
            }
        });
    }
    let updated = results.iter().filter(|r| r.status == 200).count();
    Ok(Json(BulkResults { failed: results.len() - updated, updated, results }))
}
