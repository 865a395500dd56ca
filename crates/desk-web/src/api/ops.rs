//! Health, metrics and the API description.

use std::fmt::Write as _;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use schemars::JsonSchema;
use serde::Serialize;

use crate::AppState;

/// `GET /healthz`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Health {
    /// ok, or degraded when the database does not answer.
    pub status: &'static str,
    /// sqlite or postgres.
    pub database: &'static str,
    pub database_ok: bool,
    pub version: &'static str,
    /// The embedding model: ready, loading, off or unavailable. Without it search is keyword-only.
    pub ai: &'static str,
    /// Why the model is unavailable, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ai_detail: Option<String>,
    /// What runs without the model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ai_warning: Option<&'static str>,
}

/// Whether the server and its database answer.
pub async fn health(State(s): State<AppState>) -> impl IntoResponse {
    let database_ok = s.desk.store().ping().await.is_ok();
    let database = match s.desk.store().backend() {
        desk_store::Backend::Sqlite => "sqlite",
        desk_store::Backend::Postgres => "postgres",
    };
    let state = s.desk.ai().state();
    let ai_warning = (state != desk_core::ModelState::Ready)
        .then_some("no embedding model: search is keyword-only and AI features answer 503 until it is ready");
    let body = Health {
        status: if database_ok { "ok" } else { "degraded" },
        database,
        database_ok,
        version: env!("CARGO_PKG_VERSION"),
        ai: state.name(),
        ai_detail: match state {
            desk_core::ModelState::Failed(why) => Some(why),
            _ => None,
        },
        ai_warning,
    };
    (if database_ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE }, Json(body))
}

/// Prometheus text exposition.
pub async fn metrics(State(s): State<AppState>) -> impl IntoResponse {
    let mut text = s.metrics.render();
    let sla = s.desk.sla_metrics();
    for (name, help, counter) in [
        ("customerdesk_sla_breaches_total", "SLA targets recorded as breached by this process.", &sla.breaches),
        ("customerdesk_escalations_total", "Escalation rules fired by this process.", &sla.escalations),
        ("customerdesk_auto_closed_total", "Resolved tickets closed automatically by this process.", &sla.auto_closed),
    ] {
        let n = counter.load(std::sync::atomic::Ordering::Relaxed);
        let _ = write!(text, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {n}\n");
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text)
}

/// The OpenAPI 3 document, generated from the route table at start-up.
pub async fn openapi(State(s): State<AppState>) -> impl IntoResponse {
    Json(s.openapi.as_ref().clone())
}
