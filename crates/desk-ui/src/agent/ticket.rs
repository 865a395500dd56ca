//! One ticket in the agent workspace.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use desk_core::{CommentInput, CoreError, ReplyDraft, Summary, TicketListInput, TicketPatchInput};
use desk_domain::permissions as perm;
use desk_domain::{Actor, Priority, Status};
use desk_store::{AttachmentRecord, CommentRecord, EventRecord, GroupRecord, Page, TicketRecord, UserRecord};
use maud::{Markup, html};
use serde::Deserialize;
use uuid::Uuid;

use super::ai::{ai_panel, source_link};
use super::sla::{SlaPanel, sla_panel};
use super::ticket_key;
use crate::UiState;
use crate::form::FilesForm;
use crate::i18n::fill;
use crate::layout::{Area, csrf, page, priority_badge, status_badge, time};
use crate::session::{Ctx, Failure, PageResult, encode};

/// `?view=` the agent came from, so "next ticket" walks the same list.
#[derive(Deserialize, Default)]
pub struct From {
    view: Option<String>,
}

/// Everything the ticket page shows.
pub(super) struct TicketData {
    pub ticket: TicketRecord,
    comments: Vec<CommentRecord>,
    history: Vec<EventRecord>,
    attachments: Vec<AttachmentRecord>,
    names: HashMap<Uuid, (String, bool)>,
    staff: Vec<UserRecord>,
    groups: Vec<GroupRecord>,
    pub ai: AiPanel,
    sla: Option<SlaPanel>,
}

/// The AI panel's contents; each part may be missing (no model yet, no permission).
#[derive(Default)]
pub(super) struct AiPanel {
    pub classification: Option<desk_core::TicketClassification>,
    pub similar: Vec<desk_core::SimilarTicket>,
    pub related: Vec<desk_core::RelatedArticle>,
    pub unavailable: bool,
}

/// What a button asked for, shown on the re-rendered page when scripts are off.
#[derive(Default)]
pub(super) struct Extras {
    pub summary: Option<Summary>,
    pub draft: Option<ReplyDraft>,
}

pub(super) async fn load(s: &UiState, ctx: &Ctx, id: Uuid) -> Result<TicketData, Failure> {
    let p = ctx.principal()?;
    let desk = &s.desk;
    let ticket = desk.get_ticket(p, id).await?;
    let comments = desk.list_comments(p, id).await?;
    let history = desk.ticket_history(p, id).await?;
    let attachments = if p.can(perm::ATTACHMENTS_WRITE) { desk.list_attachments(p, id).await? } else { Vec::new() };
    let staff = match desk.list_users(p, Page { limit: 500, offset: 0 }).await {
        Ok(users) => users.into_iter().filter(|u| u.staff && u.active).collect(),
        Err(CoreError::Forbidden(_)) => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    let groups = match desk.list_groups(p).await {
        Ok(g) => g,
        Err(CoreError::Forbidden(_)) => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    let mut ids = vec![ticket.requester_id];
    ids.extend(ticket.assignee_id);
    ids.extend(comments.iter().map(|c| c.author_id));
    ids.extend(history.iter().filter_map(|e| e.actor_id));
    ids.extend(attachments.iter().map(|a| a.uploader_id));
    let names = desk.display_names(p, &ids).await?;
    let mut ai = AiPanel::default();
    if p.can(perm::AI_USE) {
        // The panel is a help, not the page: an AI failure (model still loading) shows as a note.
        match desk.ticket_classification(p, id).await {
            Ok(c) => ai.classification = Some(c),
            Err(CoreError::NotFound) => {}
            Err(_) => ai.unavailable = true,
        }
        match desk.similar_tickets(p, id, 5).await {
            Ok(v) => ai.similar = v,
            Err(_) => ai.unavailable = true,
        }
        match desk.related_articles_for_ticket(p, id, 3).await {
            Ok(v) => ai.related = v,
            Err(_) => ai.unavailable = true,
        }
    }
    let sla = match desk.ticket_sla(p, id).await {
        Ok(view) => Some(SlaPanel::new(desk, p, view).await?),
        Err(CoreError::Forbidden(_)) => None,
        Err(e) => return Err(e.into()),
    };
    Ok(TicketData { ticket, comments, history, attachments, names, staff, groups, ai, sla })
}

/// The ticket page.
pub async fn ticket(State(s): State<UiState>, ctx: Ctx, Path(id): Path<Uuid>, Query(from): Query<From>) -> PageResult {
    let data = load(&s, &ctx, id).await?;
    Ok(render(&ctx, &data, &Extras::default(), from.view.as_deref()))
}

pub(super) fn render(ctx: &Ctx, d: &TicketData, extras: &Extras, view: Option<&str>) -> Response {
    let t = ctx.t;
    let a = t.agent;
    let tk = &d.ticket;
    let name = |id: Uuid| d.names.get(&id).map_or(t.c.someone, |(n, _)| n.as_str());
    let base = format!("/agent/tickets/{}", tk.id);
    let view_q = view.map(|v| format!("?view={}", encode(v))).unwrap_or_default();
    let draft_text = extras.draft.as_ref().map(|d| d.draft.clone()).unwrap_or_default();
    let status = Status::parse(&tk.status).unwrap_or(Status::Open);
    let moves = status.next(Actor::Staff);
    let after_reply = status_after_reply(status, false);
    let reply_moves: Vec<Status> = after_reply
        .next(Actor::Staff)
        .into_iter()
        .filter(|s| matches!(s, Status::WaitingOnCustomer | Status::InProgress | Status::Resolved))
        .collect();
    let body = html! {
        div.ticket-page data-next=(format!("{base}/next{view_q}")) {
            header.ticket-head {
                p.crumbs { a href={ "/agent/tickets" (view_q) } { "← " (a.back_to_list) } }
                h1 { span.key { (ticket_key(ctx, tk.number)) } " " (tk.subject) }
                @if let Some(target) = tk.duplicate_of {
                    p.card role="note" { (a.duplicate_of) " " a href={ "/agent/tickets/" (target) } { (a.open_original) } }
                }
                p.meta {
                    (status_badge(ctx, &tk.status)) " " (priority_badge(ctx, &tk.priority)) " "
                    (fill(a.opened_by, &[("name", &name(tk.requester_id))])) " · " (time(tk.created_at))
                }
            }
            div.ticket-grid {
                section.conversation aria-label=(a.conversation) {
                    ol.thread {
                        li.message.public {
                            p.who { strong { (name(tk.requester_id)) } " · " (time(tk.created_at)) }
                            div.text { (tk.description) }
                        }
                        @for c in &d.comments {
                            li class={ "message " @if c.internal { "internal" } @else { "public" } } {
                                p.who {
                                    strong { (name(c.author_id)) } " · " (time(c.created_at))
                                    @if c.internal { " " span.tag-internal { (a.internal_note) } }
                                }
                                div.text { (c.body) }
                                @for f in d.attachments.iter().filter(|f| f.comment_id == Some(c.id)) { (attachment_link(f)) }
                            }
                        }
                    }
                    @let loose: Vec<_> = d.attachments.iter().filter(|f| f.comment_id.is_none()).collect();
                    @if !loose.is_empty() {
                        h2 { (a.attachments) }
                        ul.files { @for f in loose { li { (attachment_link(f)) } } }
                    }
                    form #reply-form.editor method="post" enctype="multipart/form-data" action={ (base) "/reply" } {
                        (csrf(ctx))
                        h2 { label for="reply-body" { (a.reply) } }
                        @if let Some(draft) = &extras.draft {
                            @if !draft.sources.is_empty() {
                                div #draft-sources.sources { p { (a.draft_sources) } ul { @for src in &draft.sources { li { (source_link(src)) } } } }
                            }
                        }
                        div #draft-sources-js.sources hidden data-label=(a.draft_sources) {}
                        textarea #reply-body name="body" rows="8" required { (draft_text) }
                        @if ctx.can(perm::ATTACHMENTS_WRITE) {
                            label.files-label for="reply-files" { (a.attach_files) }
                            input #reply-files type="file" name="file" multiple;
                        }
                        div.editor-row {
                            label.check { input #internal type="checkbox" name="internal" value="on"; " " (a.internal_note) }
                            label { span { (a.then_set_status) } " "
                                select name="status" {
                                    option value="" { (a.keep_status) }
                                    @for st in &reply_moves {
                                        option value=(st.as_str()) { (t.c.status(st.as_str())) }
                                    }
                                }
                            }
                            button.primary #send type="submit" { (a.send) }
                        }
                    }
                    div #shortcuts.hint {
                        label.check { input #shortcuts-on type="checkbox" checked; " " (a.shortcuts_on) }
                        " " (a.shortcuts_hint)
                    }
                    details.history {
                        summary.h2 { (a.history) }
                        ol { @for e in &d.history { li { (time(e.at)) " · " (e.actor_id.map_or(t.c.someone, name)) " · " (event_text(ctx, e)) } } }
                    }
                }
                aside.side {
                    section.panel aria-labelledby="props-title" {
                        h2 #props-title { (a.properties) }
                        div.quick {
                            form #assign-me-form method="post" action={ (base) "/assign-me" } { (csrf(ctx)) button type="submit" { (a.assign_to_me) } }
                            @if moves.contains(&Status::Resolved) {
                                form #resolve-form method="post" action={ (base) "/resolve" } { (csrf(ctx)) button type="submit" { (a.resolve) } }
                            }
                        }
                        form method="post" action={ (base) "/properties" } {
                            (csrf(ctx))
                            label for="p-status" { (t.c.status) }
                            select #p-status name="status" {
                                option value=(status.as_str()) selected { (t.c.status(status.as_str())) }
                                @for st in &moves { option value=(st.as_str()) { (t.c.status(st.as_str())) } }
                            }
                            label for="p-priority" { (t.c.priority) }
                            select #p-priority name="priority" { @for pr in Priority::ALL { option value=(pr.as_str()) selected[pr.as_str() == tk.priority] { (t.c.priority(pr.as_str())) } } }
                            label for="p-group" { (a.group) }
                            select #p-group name="group_id" {
                                option value="" { (t.c.none) }
                                @for g in &d.groups { option value=(g.id) selected[Some(g.id) == tk.group_id] { (g.name) } }
                                @if let Some(gid) = tk.group_id { @if !d.groups.iter().any(|g| g.id == gid) { option value=(gid) selected { (a.current_group) } } }
                            }
                            label for="p-assignee" { (a.assignee) }
                            select #p-assignee name="assignee_id" {
                                option value="" { (t.c.none) }
                                @for u in &d.staff { option value=(u.id) selected[Some(u.id) == tk.assignee_id] { (u.name) } }
                                @if let Some(aid) = tk.assignee_id { @if !d.staff.iter().any(|u| u.id == aid) { option value=(aid) selected { (name(aid)) } } }
                            }
                            label for="p-tags" { (a.tags) }
                            input #p-tags name="tags" value=(tk.tag_list().join(", ")) aria-describedby="tags-hint";
                            small #tags-hint.hint { (a.tags_hint) }
                            button type="submit" { (t.c.save) }
                        }
                    }
                    @if let Some(sla) = &d.sla { (sla_panel(ctx, sla)) }
                    @if ctx.can(perm::AI_USE) { (ai_panel(ctx, d, extras, &base)) }
                }
            }
        }
    };
    page(ctx, Area::Agent, &format!("{} {}", ticket_key(ctx, tk.number), tk.subject), &body)
}

fn attachment_link(f: &AttachmentRecord) -> Markup {
    html! { a.file href={ "/attachments/" (f.id) } download=(f.filename) { "📎 " (f.filename) } " " small.muted { (human_size(f.size)) } }
}

fn human_size(bytes: i64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{} KB", b / 1024),
        b => format!("{} MB", b / (1024 * 1024)),
    }
}

fn event_text(ctx: &Ctx, e: &EventRecord) -> String {
    let a = ctx.t.agent;
    let label = |field: &str, v: Option<&str>| -> String {
        let v = v.unwrap_or_default();
        match field {
            "status" => ctx.t.c.status(v).to_owned(),
            "priority" => ctx.t.c.priority(v).to_owned(),
            _ if v.is_empty() => ctx.t.c.none.to_owned(),
            _ => v.to_owned(),
        }
    };
    match (e.kind.as_str(), e.field.as_deref()) {
        ("created", _) => a.ev_created.to_owned(),
        ("attachment", _) => fill(a.ev_attachment, &[("name", &e.new_value.as_deref().unwrap_or_default())]),
        ("comment" | "commented", _) => {
            if e.internal {
                a.ev_note.to_owned()
            } else {
                a.ev_reply.to_owned()
            }
        }
        (_, Some(field)) => fill(
            a.ev_changed,
            &[("field", &field), ("from", &label(field, e.old_value.as_deref())), ("to", &label(field, e.new_value.as_deref()))],
        ),
        (kind, None) => kind.to_owned(),
    }
}

/// The status a staff reply leaves a ticket in: a public reply starts work on a new or open
/// ticket (as `desk-core` decides it).
fn status_after_reply(status: Status, internal: bool) -> Status {
    if !internal && matches!(status, Status::New | Status::Open) { Status::InProgress } else { status }
}

/// Adds a public reply or an internal note, then sets the chosen status.
pub async fn reply(State(s): State<UiState>, ctx: Ctx, Path(id): Path<Uuid>, f: FilesForm) -> PageResult {
    let p = ctx.principal()?;
    let internal = f.has("internal");
    let status = f.text("status");
    f.check_files(p)?;
    // Check the status move first, so a refused move never leaves a sent reply behind it.
    let target = if status.is_empty() {
        None
    } else {
        let cur = s.desk.get_ticket(p, id).await?;
        let after = status_after_reply(Status::parse(&cur.status).unwrap_or(Status::Open), internal);
        let to = Status::parse(status).ok_or_else(|| Failure(CoreError::field("status", "is not a status")))?;
        if to == after {
            None
        } else {
            after.check(to, Actor::Staff).map_err(|e| Failure(e.into()))?;
            Some(to)
        }
    };
    let comment = s.desk.add_comment(p, id, CommentInput { body: f.text("body").to_owned(), internal }).await?;
    attach(&s, p, id, Some(comment.id), internal, f.files).await?;
    if let Some(to) = target {
        s.desk.update_ticket(p, id, TicketPatchInput { status: Some(to.as_str().into()), ..TicketPatchInput::default() }).await?;
    }
    Ok(Redirect::to(&format!("/agent/tickets/{id}")).into_response())
}

/// Stores the files sent with a form on the ticket (and its new comment).
pub async fn attach(
    s: &UiState,
    p: &desk_core::Principal,
    ticket: Uuid,
    comment_id: Option<Uuid>,
    internal: bool,
    files: Vec<crate::form::FormFile>,
) -> Result<(), Failure> {
    for f in files {
        let upload = desk_core::Upload { filename: f.filename, content_type: f.content_type, data: f.data, comment_id, internal };
        s.desk.add_attachment(p, ticket, upload).await?;
    }
    Ok(())
}

/// The merge form.
#[derive(Deserialize)]
pub struct MergeForm {
    into: Uuid,
}

/// Marks this ticket a duplicate of another and opens the other.
pub async fn merge(State(s): State<UiState>, ctx: Ctx, Path(id): Path<Uuid>, Form(f): Form<MergeForm>) -> PageResult {
    let p = ctx.principal()?;
    s.desk.merge_ticket(p, id, f.into).await?;
    Ok(Redirect::to(&format!("/agent/tickets/{}", f.into)).into_response())
}

/// The properties form.
#[derive(Deserialize)]
pub struct PropertiesForm {
    status: String,
    priority: String,
    #[serde(default)]
    group_id: String,
    #[serde(default)]
    assignee_id: String,
    #[serde(default)]
    tags: String,
}

fn optional_id(raw: &str, field: &str) -> Result<Option<Uuid>, Failure> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    Uuid::try_parse(raw.trim()).map(Some).map_err(|_| Failure(CoreError::field(field, "is not an id")))
}

/// Saves the properties that changed.
pub async fn properties(State(s): State<UiState>, ctx: Ctx, Path(id): Path<Uuid>, Form(f): Form<PropertiesForm>) -> PageResult {
    let p = ctx.principal()?;
    let cur = s.desk.get_ticket(p, id).await?;
    let group = optional_id(&f.group_id, "group_id")?;
    let assignee = optional_id(&f.assignee_id, "assignee_id")?;
    let tags: Vec<String> = f.tags.split([',', ' ']).map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned).collect();
    let patch = TicketPatchInput {
        status: (f.status != cur.status).then_some(f.status),
        priority: (f.priority != cur.priority).then_some(f.priority),
        group_id: (group != cur.group_id).then_some(group),
        assignee_id: (assignee != cur.assignee_id).then_some(assignee),
        tags: (tags != cur.tag_list()).then_some(tags),
        ..TicketPatchInput::default()
    };
    if !patch.is_empty() {
        s.desk.update_ticket(p, id, patch).await?;
    }
    Ok(Redirect::to(&format!("/agent/tickets/{id}")).into_response())
}

/// Assigns the ticket to the signed-in agent.
pub async fn assign_me(State(s): State<UiState>, ctx: Ctx, Path(id): Path<Uuid>) -> PageResult {
    let p = ctx.principal()?;
    s.desk.update_ticket(p, id, TicketPatchInput { assignee_id: Some(Some(p.user.id)), ..TicketPatchInput::default() }).await?;
    Ok(Redirect::to(&format!("/agent/tickets/{id}")).into_response())
}

/// Marks the ticket resolved.
pub async fn resolve(State(s): State<UiState>, ctx: Ctx, Path(id): Path<Uuid>) -> PageResult {
    let p = ctx.principal()?;
    s.desk.update_ticket(p, id, TicketPatchInput { status: Some("resolved".into()), ..TicketPatchInput::default() }).await?;
    Ok(Redirect::to(&format!("/agent/tickets/{id}")).into_response())
}

/// The ticket after this one in the view the agent came from.
pub async fn next(State(s): State<UiState>, ctx: Ctx, Path(id): Path<Uuid>, Query(from): Query<From>) -> PageResult {
    let p = ctx.principal()?;
    s.desk.get_ticket(p, id).await?;
    let view = from.view.unwrap_or_else(|| "open".into());
    let list = s
        .desk
        .list_tickets(p, TicketListInput { view: Some(view.clone()), limit: Some(200), ..TicketListInput::default() })
        .await?;
    let ids: Vec<Uuid> = list.items.iter().map(|(t, _)| t.id).collect();
    let next = match ids.iter().position(|&x| x == id) {
        Some(i) => ids.get(i + 1).copied(),
        None => ids.first().copied(),
    };
    let target = next.map_or_else(
        || format!("/agent/tickets?view={}", encode(&view)),
        |n| format!("/agent/tickets/{n}?view={}", encode(&view)),
    );
    Ok(Redirect::to(&target).into_response())
}

/// Downloads an attachment; always as a download, in a sandbox, so a file cannot run as a page.
pub async fn attachment(State(s): State<UiState>, ctx: Ctx, Path(id): Path<Uuid>) -> PageResult {
    let p = ctx.principal()?;
    let (record, data) = s.desk.get_attachment(p, id).await?;
    let mut res = data.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&record.content_type).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    let ascii: String =
        record.filename.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_".contains(c) { c } else { '_' }).collect();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{ascii}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox"));
    Ok(res)
}
