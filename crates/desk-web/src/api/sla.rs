//! SLA settings, routing, assignment and escalation. The settings documents (calendars,
//! policies, rules, skills) share five generic handlers, instantiated per kind in the route table.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use desk_core::{CompanyPatchInput, Doc, GroupAssignmentInput, SettingsInput};
use serde::Serialize;
use serde_json::Value;

use crate::AppState;
use crate::dto::{Company, Group, Items};
use crate::dto_sla::{
    AgentSkill, Document, DueRequest, DueResponse, Notification, Settings, TicketSla, UpdateCompany, UpdateGroup, UpdateSettings,
};
use crate::error::ApiResult;
use crate::extract::{ApiJson, Auth, IdPath};

/// Lists the documents of one kind.
pub async fn list<T: Doc + Serialize>(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Items<Document<T>>>> {
    let docs = s.desk.list_docs::<T>(&p).await?;
    Ok(Json(Items { items: docs.into_iter().map(Document::from).collect() }))
}

/// One document.
pub async fn get<T: Doc + Serialize>(
    State(s): State<AppState>,
    Auth(p): Auth,
    IdPath(id): IdPath,
) -> ApiResult<Json<Document<T>>> {
    Ok(Json(s.desk.get_doc::<T>(&p, id).await?.into()))
}

/// Creates a document.
pub async fn create<T: Doc + Serialize>(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<(StatusCode, Json<Document<T>>)> {
    Ok((StatusCode::CREATED, Json(s.desk.create_doc::<T>(&p, body).await?.into())))
}

/// Changes the fields of a document the body names.
pub async fn patch<T: Doc + Serialize>(
    State(s): State<AppState>,
    Auth(p): Auth,
    IdPath(id): IdPath,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Json<Document<T>>> {
    Ok(Json(s.desk.patch_doc::<T>(&p, id, body).await?.into()))
}

/// Deletes a document (409 while something uses it).
pub async fn delete<T: Doc + Serialize>(State(s): State<AppState>, Auth(p): Auth, IdPath(id): IdPath) -> ApiResult<StatusCode> {
    s.desk.delete_doc::<T>(&p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The due time `minutes` of working time after `start` in a calendar.
pub async fn due(
    State(s): State<AppState>,
    Auth(p): Auth,
    IdPath(id): IdPath,
    ApiJson(r): ApiJson<DueRequest>,
) -> ApiResult<Json<DueResponse>> {
    let at = s.desk.calendar_due(&p, id, &r.start, r.minutes).await?;
    Ok(Json(DueResponse { due_at: crate::dto::rfc3339(at) }))
}

/// The tenant's settings.
pub async fn settings(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Settings>> {
    Ok(Json(s.desk.settings(&p).await?.into()))
}

/// Changes the tenant's settings.
pub async fn update_settings(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiJson(r): ApiJson<UpdateSettings>,
) -> ApiResult<Json<Settings>> {
    let input =
        SettingsInput { time_zone: r.time_zone, auto_close_days: r.auto_close_days, default_group_id: r.default_group_id };
    Ok(Json(s.desk.update_settings(&p, input).await?.into()))
}

/// Changes a company's name, domain or SLA tier.
pub async fn update_company(
    State(s): State<AppState>,
    Auth(p): Auth,
    IdPath(id): IdPath,
    ApiJson(r): ApiJson<UpdateCompany>,
) -> ApiResult<Json<Company>> {
    let input = CompanyPatchInput { name: r.name, domain: r.domain, sla_tier: r.sla_tier };
    Ok(Json(s.desk.update_company(&p, id, input).await?.into()))
}

/// Sets how a group assigns its tickets.
pub async fn update_group(
    State(s): State<AppState>,
    Auth(p): Auth,
    IdPath(id): IdPath,
    ApiJson(r): ApiJson<UpdateGroup>,
) -> ApiResult<Json<Group>> {
    let input = GroupAssignmentInput { assignment: r.assignment, max_open: r.max_open };
    Ok(Json(s.desk.update_group(&p, id, input).await?.into()))
}

/// Replaces an agent's skills.
pub async fn set_user_skills(
    State(s): State<AppState>,
    Auth(p): Auth,
    IdPath(id): IdPath,
    ApiJson(r): ApiJson<Vec<AgentSkill>>,
) -> ApiResult<Json<Items<AgentSkill>>> {
    let skills = r.into_iter().map(|k| (k.skill_id, k.level)).collect();
    Ok(Json(Items::of(s.desk.set_user_skills(&p, id, skills).await?)))
}

/// An agent's skills.
pub async fn user_skills(State(s): State<AppState>, Auth(p): Auth, IdPath(id): IdPath) -> ApiResult<Json<Items<AgentSkill>>> {
    Ok(Json(Items::of(s.desk.user_skills(&p, id).await?)))
}

/// A ticket's SLA with the working time left and the breach prediction.
pub async fn ticket_sla(State(s): State<AppState>, Auth(p): Auth, IdPath(id): IdPath) -> ApiResult<Json<TicketSla>> {
    Ok(Json(s.desk.ticket_sla(&p, id).await?.into()))
}

/// The caller's notifications, newest first.
pub async fn notifications(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Items<Notification>>> {
    Ok(Json(Items::of(s.desk.notifications(&p, 100).await?)))
}
