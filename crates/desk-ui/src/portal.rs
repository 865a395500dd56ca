//! The customer portal: my tickets (and my company's, for company admins), a new ticket with
//! knowledge-base suggestions as the subject is typed, the ticket page with reply, resolve,
//! reopen and rating.

mod kb;

pub use kb::{ask, kb_article, kb_home, kb_question, kb_vote, suggest};

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use desk_core::{CommentInput, TicketInput, TicketListInput, TicketPatchInput};
use desk_domain::permissions as perm;
use desk_domain::{Actor, Status};
use maud::html;
use serde::Deserialize;
use uuid::Uuid;

use crate::UiState;
use crate::agent::attach;
use crate::agent::ticket_key;
use crate::form::FilesForm;
use crate::layout::{Area, csrf, page, status_badge, time};
use crate::session::{Ctx, PageResult};

/// `?scope=company` shows the company's tickets to a company admin.
#[derive(Deserialize, Default)]
pub struct HomeQuery {
    scope: Option<String>,
}

/// My tickets, newest activity first.
pub async fn home(State(s): State<UiState>, ctx: Ctx, Query(q): Query<HomeQuery>) -> PageResult {
    let p = ctx.principal()?;
    let t = ctx.t;
    let company = q.scope.as_deref() == Some("company") && p.can(perm::TICKETS_SCOPE_COMPANY);
    let input = TicketListInput {
        requester_id: (!company).then_some(p.user.id),
        sort: Some("updated".into()),
        limit: Some(100),
        ..TicketListInput::default()
    };
    let list = s.desk.list_tickets(p, input).await?;
    let body = html! {
        section.portal {
            div.head-row {
                h1 { @if company { (t.portal.company_tickets) } @else { (t.portal.my_tickets) } }
                @if p.can(perm::TICKETS_CREATE) { a.button.primary href="/portal/tickets/new" { (t.portal.new_ticket) } }
            }
            @if p.can(perm::TICKETS_SCOPE_COMPANY) {
                nav.tabs aria-label=(t.portal.whose_tickets) {
                    a href="/portal" aria-current=[(!company).then_some("page")] { (t.portal.my_tickets) }
                    a href="/portal?scope=company" aria-current=[company.then_some("page")] { (t.portal.company_tickets) }
                }
            }
            @if list.items.is_empty() {
                p.empty { (t.portal.no_tickets) }
            } @else {
                ul.ticket-cards {
                    @for (tk, _) in &list.items {
                        li {
                            a href={ "/portal/tickets/" (tk.id) } {
                                span.key { (ticket_key(&ctx, tk.number)) }
                                span.subject { (tk.subject) }
                            }
                            span.meta { (status_badge(&ctx, &tk.status)) " " (t.c.updated) " " (time(tk.updated_at)) }
                        }
                    }
                }
            }
            p { a href="/portal/kb" { (t.portal.browse_kb) } " · " a href="/portal/ask" { (t.portal.ask_kb) } }
        }
    };
    Ok(page(&ctx, Area::Portal, t.portal.my_tickets, &body))
}

/// The new-ticket form; the script shows matching articles under the subject as it is typed.
pub async fn new_form(ctx: Ctx) -> PageResult {
    let p = ctx.principal()?;
    let t = ctx.t;
    let body = html! {
        section.narrow.card {
            h1 { (t.portal.new_ticket) }
            p.muted { (t.portal.new_ticket_intro) }
            form #new-ticket-form method="post" enctype="multipart/form-data" action="/portal/tickets" {
                (csrf(&ctx))
                label for="subject" { (t.portal.subject) }
                input #subject name="subject" required maxlength="200" autocomplete="off" aria-describedby="suggestions-title" data-suggest="/portal/suggest";
                div #suggestions.suggestions aria-live="polite" {
                    p #suggestions-title.hint hidden { (t.portal.suggestions_title) }
                    ul {}
                }
                label for="description" { (t.portal.description) }
                textarea #description name="description" rows="8" required {}
                @if p.can(perm::ATTACHMENTS_WRITE) {
                    label for="new-files" { (t.portal.attach_files) }
                    input #new-files type="file" name="file" multiple;
                }
                button #create-ticket.primary type="submit" { (t.portal.submit_ticket) }
            }
        }
    };
    Ok(page(&ctx, Area::Portal, t.portal.new_ticket, &body))
}

/// Opens a ticket from the portal.
pub async fn create(State(s): State<UiState>, ctx: Ctx, f: FilesForm) -> PageResult {
    let p = ctx.principal()?;
    f.check_files(p)?;
    let input = TicketInput {
        subject: f.text("subject").to_owned(),
        description: f.text("description").to_owned(),
        channel: Some("portal".into()),
        ..TicketInput::default()
    };
    let ticket = s.desk.create_ticket(p, input).await?;
    attach(&s, p, ticket.id, None, false, f.files).await?;
    Ok(Redirect::to(&format!("/portal/tickets/{}", ticket.id)).into_response())
}

/// One of my tickets (or my company's): the conversation, reply, resolve or reopen, rate.
pub async fn ticket(State(s): State<UiState>, ctx: Ctx, Path(id): Path<Uuid>) -> PageResult {
    let p = ctx.principal()?;
    let t = ctx.t;
    let tk = s.desk.get_ticket(p, id).await?;
    // The portal shows what the customer sees: staff opening it do not see their internal notes here.
    let comments: Vec<_> = s.desk.list_comments(p, id).await?.into_iter().filter(|c| !c.internal).collect();
    let files: Vec<_> = if p.can(perm::ATTACHMENTS_WRITE) {
        s.desk.list_attachments(p, id).await?.into_iter().filter(|f| !f.internal).collect()
    } else {
        Vec::new()
    };
    let mut ids = vec![tk.requester_id];
    ids.extend(comments.iter().map(|c| c.author_id));
    let names = s.desk.display_names(p, &ids).await?;
    let name = |id: Uuid| names.get(&id).map_or(t.c.someone, |(n, _)| n.as_str());
    let staff = |id: Uuid| names.get(&id).is_some_and(|(_, staff)| *staff);
    let status = Status::parse(&tk.status).unwrap_or(Status::Open);
    let moves = status.next(Actor::Customer);
    let reopen_to = moves.iter().copied().find(|s| s.is_active());
    let base = format!("/portal/tickets/{id}");
    let can_rate =
        matches!(status, Status::Resolved | Status::Closed) && tk.requester_id == p.user.id && p.can(perm::TICKETS_RATE);
    let body = html! {
        section.portal-ticket {
            p.crumbs { a href="/portal" { "← " (t.portal.my_tickets) } }
            h1 { span.key { (ticket_key(&ctx, tk.number)) } " " (tk.subject) }
            p.meta { (status_badge(&ctx, &tk.status)) " " (t.c.created) " " (time(tk.created_at)) }
            ol.thread {
                li.message.public {
                    p.who { strong { (name(tk.requester_id)) } " · " (time(tk.created_at)) }
                    div.text { (tk.description) }
                }
                @for c in &comments {
                    li class={ "message public" @if staff(c.author_id) { " from-staff" } } {
                        p.who { strong { (name(c.author_id)) } @if staff(c.author_id) { " " span.tag-staff { (t.portal.support_team) } } " · " (time(c.created_at)) }
                        div.text { (c.body) }
                    }
                }
            }
            @if !files.is_empty() {
                h2 { (t.portal.attachments) }
                ul.files { @for f in &files { li { a href={ "/attachments/" (f.id) } download=(f.filename) { "📎 " (f.filename) } } } }
            }
            @if p.can(perm::TICKETS_COMMENT) && tk.status != "closed" {
                form #reply-form.editor method="post" enctype="multipart/form-data" action={ (base) "/reply" } {
                    (csrf(&ctx))
                    h2 { label for="reply-body" { (t.portal.add_reply) } }
                    textarea #reply-body name="body" rows="5" required {}
                    @if p.can(perm::ATTACHMENTS_WRITE) {
                        label for="reply-files" { (t.portal.attach_files) }
                        input #reply-files type="file" name="file" multiple;
                    }
                    button #send.primary type="submit" { (t.portal.send_reply) }
                }
            }
            @if p.can(perm::TICKETS_UPDATE) {
                div.quick {
                    @if moves.contains(&Status::Resolved) {
                        form #resolve-form method="post" action={ (base) "/status" } {
                            (csrf(&ctx)) input type="hidden" name="status" value="resolved";
                            button #resolve-button type="submit" { (t.portal.mark_resolved) }
                        }
                    }
                    @if let Some(to) = reopen_to {
                        form #reopen-form method="post" action={ (base) "/status" } {
                            (csrf(&ctx)) input type="hidden" name="status" value=(to.as_str());
                            button #reopen-button type="submit" { (t.portal.reopen) }
                        }
                    }
                }
            }
            @if let Some(score) = tk.satisfaction_score {
                p #rated.card role="status" { (crate::i18n::fill(t.portal.rated, &[("score", &score)])) }
            } @else if can_rate {
                form #rate-form.card method="post" action={ (base) "/rate" } {
                    (csrf(&ctx))
                    fieldset {
                        legend { (t.portal.rate_question) }
                        div.stars {
                            @for n in 1..=5 {
                                input type="radio" name="score" value=(n) id={ "score-" (n) } required;
                                label for={ "score-" (n) } { (n) " ★" }
                            }
                        }
                    }
                    label for="rate-comment" { (t.portal.rate_comment) }
                    textarea #rate-comment name="comment" rows="3" maxlength="5000" {}
                    button #rate-submit.primary type="submit" { (t.portal.rate_submit) }
                }
            }
        }
    };
    Ok(page(&ctx, Area::Portal, &tk.subject, &body))
}

/// Adds a reply of the customer.
pub async fn reply(State(s): State<UiState>, ctx: Ctx, Path(id): Path<Uuid>, f: FilesForm) -> PageResult {
    let p = ctx.principal()?;
    f.check_files(p)?;
    let comment = s.desk.add_comment(p, id, CommentInput { body: f.text("body").to_owned(), internal: false }).await?;
    attach(&s, p, id, Some(comment.id), false, f.files).await?;
    Ok(Redirect::to(&format!("/portal/tickets/{id}")).into_response())
}

/// The resolve / reopen form.
#[derive(Deserialize)]
pub struct StatusForm {
    status: String,
}

/// Marks the ticket resolved, or reopens it, as far as the state machine lets a customer.
pub async fn set_status(State(s): State<UiState>, ctx: Ctx, Path(id): Path<Uuid>, Form(f): Form<StatusForm>) -> PageResult {
    let p = ctx.principal()?;
    s.desk.update_ticket(p, id, TicketPatchInput { status: Some(f.status), ..TicketPatchInput::default() }).await?;
    Ok(Redirect::to(&format!("/portal/tickets/{id}")).into_response())
}

/// The rating form.
#[derive(Deserialize)]
pub struct RateForm {
    score: i64,
    #[serde(default)]
    comment: String,
}

/// Rates the service on a resolved ticket.
pub async fn rate(State(s): State<UiState>, ctx: Ctx, Path(id): Path<Uuid>, Form(f): Form<RateForm>) -> PageResult {
    let p = ctx.principal()?;
    let comment = Some(f.comment.trim().to_owned()).filter(|c| !c.is_empty());
    s.desk.rate_ticket(p, id, f.score, comment).await?;
    Ok(Redirect::to(&format!("/portal/tickets/{id}")).into_response())
}
