//! CustomerDesk over HTTP: the JSON API under `/api/v1`, its OpenAPI document, health and
//! metrics. Handlers are thin; the rules live in `desk-core`.

pub mod api;
pub mod dto;
pub mod dto_sla;
pub mod error;
pub mod extract;
pub mod metrics;
pub mod openapi;
pub mod routes;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use desk_core::Desk;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

use crate::error::AppError;
use crate::metrics::Metrics;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The services.
    pub desk: Desk,
    /// Request counters.
    pub metrics: Arc<Metrics>,
    /// The OpenAPI document, built once.
    pub openapi: Arc<serde_json::Value>,
}

/// Largest request body accepted (JSON): 1 MiB.
pub const BODY_LIMIT: usize = 1 << 20;

/// The whole HTTP application.
pub fn app(desk: Desk) -> Router {
    let state = AppState { desk, metrics: Arc::new(Metrics::default()), openapi: Arc::new(openapi::document(&routes::routes())) };
    let mut router = Router::new();
    for def in routes::routes() {
        let path = def.path;
        router = router.route(path, def.into_method_router(&state));
    }
    router
        .with_state(state.clone())
        .merge(desk_ui::router(state.desk.clone()))
        .fallback(not_found)
        .layer(axum::middleware::map_response(json_for_bare_errors))
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(CatchPanicLayer::custom(|_| {
            AppError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "something went wrong on our side; it has been logged").into_response()
        }))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), tenant.id = tracing::field::Empty, user.id = tracing::field::Empty)
        }))
}

/// An unknown path: our JSON error under the API, the UI's page elsewhere.
async fn not_found(uri: axum::http::Uri) -> Response {
    if desk_ui::is_ui_path(uri.path()) {
        (StatusCode::NOT_FOUND, axum::response::Html(desk_ui::layout::bare_not_found())).into_response()
    } else {
        AppError::not_found().into_response()
    }
}

/// axum answers a wrong method with an empty 405; give it our error body.
async fn json_for_bare_errors(res: Response) -> Response {
    if res.status() == StatusCode::METHOD_NOT_ALLOWED && !res.headers().contains_key(axum::http::header::CONTENT_TYPE) {
        return AppError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "this path does not take that method")
            .into_response();
    }
    res
}

/// Serves the application on a bound listener until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    desk: Desk,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(desk).into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}
