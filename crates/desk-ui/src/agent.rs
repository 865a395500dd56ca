//! The agent workspace: ticket views with counts, filters and search; the ticket page with
//! the conversation, properties, history, attachments and the AI panel.

mod ai;
pub mod kb;
mod sla;
mod ticket;

pub use ai::{ai_draft, ai_label as category_label, ai_summary, correct_classification};
pub use ticket::{assign_me, attach, attachment, merge, next, properties, reply, resolve, ticket};

use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use desk_core::{CoreError, TicketListInput, TicketPatchInput};
use desk_domain::{Priority, Sort, Status, View};
use maud::{Markup, html};
use serde::Deserialize;

use crate::UiState;
use crate::i18n::fill;
use crate::layout::csrf;
use crate::layout::{Area, page, priority_badge, snippet, status_badge, time};
use crate::session::{Ctx, Failure, PageResult, encode, safe_next};

/// `/agent`: the default view.
pub async fn home() -> Redirect {
    Redirect::to("/agent/tickets?view=open")
}

/// Filters of the ticket list; empty values mean "any".
#[derive(Deserialize, Default, Clone)]
pub struct ListQuery {
    view: Option<String>,
    status: Option<String>,
    priority: Option<String>,
    sort: Option<String>,
    q: Option<String>,
    cursor: Option<String>,
    /// After a bulk change: how many tickets changed and how many refused.
    changed: Option<usize>,
    refused: Option<usize>,
}

fn nonempty(v: Option<&String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// The label of a named view.
pub fn view_label(ctx: &Ctx, view: View) -> &'static str {
    let a = ctx.t.agent;
    match view {
        View::All => a.view_all,
        View::Mine => a.view_mine,
        View::Unassigned => a.view_unassigned,
        View::Open => a.view_open,
        View::HighPriority => a.view_high_priority,
        View::Escalated => a.view_escalated,
        View::Waiting => a.view_waiting,
        View::RecentlyClosed => a.view_recently_closed,
        View::SlaBreached => a.view_sla_breached,
        View::AtRisk => a.view_at_risk,
    }
}

/// The label of a list order.
fn sort_label(ctx: &Ctx, sort: Sort) -> &'static str {
    let l = ctx.t.sla;
    match sort {
        Sort::Newest => l.sort_newest,
        Sort::Oldest => l.sort_oldest,
        Sort::Updated => l.sort_updated,
        Sort::Priority => l.sort_priority,
        Sort::Due => l.sort_due,
    }
}

/// A ticket's key, such as `DEMO-12`.
pub fn ticket_key(ctx: &Ctx, number: i64) -> String {
    let prefix = ctx.user.as_ref().map_or("", |p| p.ticket_prefix.as_str());
    format!("{prefix}-{number}")
}

/// The ticket list of a view, with the views and their counts beside it.
pub async fn list(State(s): State<UiState>, ctx: Ctx, Query(q): Query<ListQuery>) -> PageResult {
    let p = ctx.principal()?;
    let t = ctx.t;
    let view = nonempty(q.view.as_ref()).unwrap_or_else(|| "open".into());
    let input = TicketListInput {
        view: Some(view.clone()),
        status: nonempty(q.status.as_ref()),
        priority: nonempty(q.priority.as_ref()),
        sort: nonempty(q.sort.as_ref()),
        text: nonempty(q.q.as_ref()),
        cursor: nonempty(q.cursor.as_ref()),
        limit: Some(50),
        ..TicketListInput::default()
    };
    let tickets = s.desk.list_tickets(p, input).await?;
    let counts = s.desk.view_counts(p, 1000).await?;
    let tz = sla::home_zone(&s.desk, p).await?;
    let ids: Vec<_> = tickets.items.iter().flat_map(|(t, _)| [Some(t.requester_id), t.assignee_id]).flatten().collect();
    let names = s.desk.display_names(p, &ids).await?;
    let name = |id: Option<uuid::Uuid>| id.and_then(|id| names.get(&id)).map_or(t.c.none, |(n, _)| n.as_str());
    let current_view = View::parse(&view).unwrap_or(View::Open);
    let filter_query = |cursor: Option<&str>| {
        let mut parts = vec![format!("view={}", encode(&view))];
        for (k, v) in [("status", &q.status), ("priority", &q.priority), ("sort", &q.sort), ("q", &q.q)] {
            if let Some(v) = nonempty(v.as_ref()) {
                parts.push(format!("{k}={}", encode(&v)));
            }
        }
        if let Some(c) = cursor {
            parts.push(format!("cursor={}", encode(c)));
        }
        format!("/agent/tickets?{}", parts.join("&"))
    };
    let body = html! {
        h1 #list-title { (view_label(&ctx, current_view)) }
        div.workspace {
            nav.views aria-label=(t.agent.views) {
                h2.visually-hidden { (t.agent.views) }
                ul {
                    @for (v, n) in &counts {
                        li {
                            a href={ "/agent/tickets?view=" (v.as_str()) } aria-current=[(*v == current_view).then_some("page")] {
                                span { (view_label(&ctx, *v)) }
                                span.count { @if *n >= 1000 { "999+" } @else { (n) } }
                            }
                        }
                    }
                }
            }
            section.list aria-labelledby="list-title" {
                p.actions { a.button.primary href="/agent/tickets/new" { (t.agent.new_ticket) } }
                form.filters method="get" action="/agent/tickets" role="search" {
                    input type="hidden" name="view" value=(view);
                    label { span { (t.c.search) } input type="search" name="q" value=(q.q.clone().unwrap_or_default()) placeholder=(t.agent.search_placeholder); }
                    label { span { (t.c.status) } (select_of("status", ctx.t.agent.any, q.status.as_deref(), Status::ALL.iter().map(|s| (s.as_str(), t.c.status(s.as_str()))))) }
                    label { span { (t.c.priority) } (select_of("priority", ctx.t.agent.any, q.priority.as_deref(), Priority::ALL.iter().map(|s| (s.as_str(), t.c.priority(s.as_str()))))) }
                    label { span { (t.sla.sort) } (select_of("sort", t.sla.sort_default, q.sort.as_deref(), Sort::ALL.iter().map(|s| (s.as_str(), sort_label(&ctx, *s))))) }
                    button type="submit" { (t.agent.apply) }
                }
                @if let (Some(n), Some(m)) = (q.changed, q.refused) {
                    p.card role="status" { (fill(t.agent.bulk_done, &[("n", &n), ("m", &m)])) }
                }
                @if tickets.items.is_empty() {
                    p.empty { (t.agent.no_tickets) }
                } @else {
                    form #bulk-form.bulk method="post" action="/agent/tickets/bulk" aria-label=(t.agent.bulk_title) {
                        (csrf(&ctx))
                        input type="hidden" name="back" value=(ctx.here);
                        label { span { (t.agent.set_status) }
                            select name="status" { option value="" { (t.agent.no_change) } @for st in [Status::Open, Status::InProgress, Status::WaitingOnCustomer, Status::Resolved, Status::Closed] { option value=(st.as_str()) { (t.c.status(st.as_str())) } } }
                        }
                        label { span { (t.agent.set_priority) }
                            select name="priority" { option value="" { (t.agent.no_change) } @for pr in Priority::ALL { option value=(pr.as_str()) { (t.c.priority(pr.as_str())) } } }
                        }
                        label.check { input type="checkbox" name="assign_me" value="on"; " " (t.agent.assign_to_me) }
                        button type="submit" { (t.agent.bulk_apply) }
                    }
                    table.tickets {
                        caption.visually-hidden { (view_label(&ctx, current_view)) }
                        thead { tr { th scope="col" { span.visually-hidden { (t.agent.bulk_title) } } th scope="col" { "#" } th scope="col" { (t.agent.subject) } th scope="col" { (t.agent.requester) } th scope="col" { (t.c.status) } th scope="col" { (t.c.priority) } th scope="col" { (t.sla.due) } th scope="col" { (t.agent.assignee) } th scope="col" { (t.c.updated) } } }
                        tbody {
                            @for (ticket, hit) in &tickets.items {
                                tr {
                                    td.pick {
                                        input type="checkbox" name="ids" value=(ticket.id) form="bulk-form" id={ "pick-" (ticket.id) }
                                            aria-label=(fill(t.agent.select_ticket, &[("key", &ticket_key(&ctx, ticket.number))]));
                                    }
                                    td.key { (ticket_key(&ctx, ticket.number)) }
                                    td.subject {
                                        a href={ "/agent/tickets/" (ticket.id) "?view=" (encode(&view)) } { (ticket.subject) }
                                        @if let Some((snip, _)) = hit { br; small.snippet { (snippet(snip)) } }
                                    }
                                    td data-label=(t.agent.requester) { (name(Some(ticket.requester_id))) }
                                    td data-label=(t.c.status) { (status_badge(&ctx, &ticket.status)) }
                                    td data-label=(t.c.priority) { (priority_badge(&ctx, &ticket.priority)) }
                                    td data-label=(t.sla.due) { (sla::due_cell(&ctx, ticket, &tz)) }
                                    td data-label=(t.agent.assignee) { (name(ticket.assignee_id)) }
                                    td data-label=(t.c.updated) { (time(ticket.updated_at)) }
                                }
                            }
                        }
                    }
                    @if let Some(c) = &tickets.next_cursor { p.pager { a href=(filter_query(Some(c))) rel="next" { (t.c.next) " →" } } }
                }
            }
        }
    };
    let title = fill(t.agent.list_title, &[("view", &view_label(&ctx, current_view))]);
    Ok(page(&ctx, Area::Agent, &title, &body))
}

/// A `<select>` with "any" first; `values` are (wire name, label).
pub fn select_of<'a>(name: &str, any: &str, current: Option<&str>, values: impl Iterator<Item = (&'a str, &'a str)>) -> Markup {
    let current = current.unwrap_or_default();
    html! {
        select name=(name) {
            option value="" { (any) }
            @for (value, label) in values { option value=(value) selected[value == current] { (label) } }
        }
    }
}

/// The bulk form: the ticket ids ticked and the changes to make.
#[derive(Default)]
struct BulkForm {
    ids: Vec<uuid::Uuid>,
    status: Option<String>,
    priority: Option<String>,
    assign_me: bool,
    back: Option<String>,
}

/// Applies one change to every ticked ticket, each on its own (one refused move does not stop
/// the others), and goes back to the list with how many changed.
pub async fn bulk(State(s): State<UiState>, ctx: Ctx, Form(fields): Form<Vec<(String, String)>>) -> PageResult {
    let p = ctx.principal()?;
    let mut f = BulkForm::default();
    for (k, v) in fields {
        match k.as_str() {
            "ids" => f.ids.push(uuid::Uuid::try_parse(&v).map_err(|_| Failure(CoreError::field("ids", "is not a ticket id")))?),
            "status" if !v.is_empty() => f.status = Some(v),
            "priority" if !v.is_empty() => f.priority = Some(v),
            "assign_me" => f.assign_me = true,
            "back" => f.back = safe_next(Some(&v)),
            _ => {}
        }
    }
    let patch = TicketPatchInput {
        status: f.status,
        priority: f.priority,
        assignee_id: f.assign_me.then_some(Some(p.user.id)),
        ..TicketPatchInput::default()
    };
    // The list the form came from, without the counts of an earlier bulk change.
    let back = f.back.map_or_else(
        || "/agent/tickets".to_owned(),
        |b| match b.split_once('?') {
            Some((path, query)) => {
                let kept: Vec<&str> =
                    query.split('&').filter(|kv| !kv.starts_with("changed=") && !kv.starts_with("refused=")).collect();
                if kept.is_empty() { path.to_owned() } else { format!("{path}?{}", kept.join("&")) }
            }
            None => b,
        },
    );
    if patch.is_empty() || f.ids.is_empty() {
        return Ok(Redirect::to(&back).into_response());
    }
    let results = s.desk.bulk_update(p, &f.ids, &patch).await?;
    let changed = results.iter().filter(|(_, r)| r.is_ok()).count();
    let sep = if back.contains('?') { '&' } else { '?' };
    let target = format!("{back}{sep}changed={changed}&refused={}", results.len() - changed);
    Ok(Redirect::to(&target).into_response())
}

/// A ticket opened by an agent for a customer (a phone call, a chat, an email forwarded by hand).
pub async fn new_form(State(s): State<UiState>, ctx: Ctx, Query(query): Query<PickerQuery>) -> PageResult {
    let p = ctx.principal()?;
    let t = ctx.t;
    let wanted = query.customer.unwrap_or_default().trim().to_lowercase();
    let matching: Vec<_> = crate::admin::all_users(&s.desk, p)
        .await?
        .into_iter()
        .filter(|u| !u.staff && u.active)
        .filter(|u| wanted.is_empty() || u.name.to_lowercase().contains(&wanted) || u.email.to_lowercase().contains(&wanted))
        .collect();
    let more = matching.len() > PICK_SHOWN;
    let customers = &matching[..matching.len().min(PICK_SHOWN)];
    let body = html! {
        p.crumbs { a href="/agent/tickets" { "← " (t.agent.back_to_list) } }
        h1 { (t.agent.new_ticket) }
        form.searchbar.narrow-form method="get" action="/agent/tickets/new" role="search" {
            label for="t-find" { (t.agent.find_customer) }
            div.row { input #t-find type="search" name="customer" value=(wanted); button type="submit" { (t.c.search) } }
            @if more { small.hint { (fill(t.agent.more_customers, &[("n", &PICK_SHOWN)])) } }
            @if customers.is_empty() { small.hint { (t.agent.no_customers) } }
        }
        form.card.narrow-form method="post" action="/agent/tickets" {
            (csrf(&ctx))
            label for="t-requester" { (t.agent.requester) }
            select #t-requester name="requester_id" required {
                option value="" { (t.agent.choose_customer) }
                @for u in customers { option value=(u.id) { (u.name) " <" (u.email) ">" } }
            }
            div.two {
                div {
                    label for="t-channel" { (t.agent.channel) }
                    select #t-channel name="channel" {
                        @for (value, label) in [("phone", t.agent.ch_phone), ("email", t.agent.ch_email), ("chat", t.agent.ch_chat), ("web", t.agent.ch_web)] {
                            option value=(value) { (label) }
                        }
                    }
                }
                div {
                    label for="t-priority" { (t.c.priority) }
                    select #t-priority name="priority" { @for pr in Priority::ALL { option value=(pr.as_str()) selected[*pr == Priority::Medium] { (t.c.priority(pr.as_str())) } } }
                }
            }
            label for="t-subject" { (t.agent.subject) }
            input #t-subject name="subject" required maxlength="200";
            label for="t-description" { (t.agent.description) }
            textarea #t-description name="description" rows="8" required {}
            label.check { input type="checkbox" name="assign_me" value="on" checked; " " (t.agent.assign_to_me) }
            button.primary type="submit" { (t.agent.create_ticket) }
        }
    };
    Ok(page(&ctx, Area::Agent, t.agent.new_ticket, &body))
}

/// How many matching customers the new-ticket page lists.
const PICK_SHOWN: usize = 200;

/// `?customer=` narrows the customers to choose from.
#[derive(serde::Deserialize, Default)]
pub struct PickerQuery {
    customer: Option<String>,
}

/// The new ticket's fields.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct NewTicketForm {
    requester_id: String,
    channel: String,
    priority: String,
    subject: String,
    description: String,
    assign_me: String,
}

/// Opens the ticket for the customer and shows it.
pub async fn create(State(s): State<UiState>, ctx: Ctx, Form(f): Form<NewTicketForm>) -> PageResult {
    let p = ctx.principal()?;
    let requester = uuid::Uuid::try_parse(f.requester_id.trim())
        .map_err(|_| Failure(CoreError::field("requester_id", "choose a customer")))?;
    let input = desk_core::TicketInput {
        subject: f.subject,
        description: f.description,
        priority: Some(f.priority).filter(|v| !v.is_empty()),
        channel: Some(f.channel).filter(|v| !v.is_empty()),
        requester_id: Some(requester),
        assignee_id: (!f.assign_me.is_empty()).then_some(p.user.id),
        ..desk_core::TicketInput::default()
    };
    let ticket = s.desk.create_ticket(p, input).await?;
    Ok(Redirect::to(&format!("/agent/tickets/{}", ticket.id)).into_response())
}
