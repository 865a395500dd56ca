//! Public help center (being written).
use axum::response::IntoResponse;
macro_rules! stub { ($($n:ident),*) => { $(pub async fn $n() -> axum::response::Response { axum::http::StatusCode::NOT_IMPLEMENTED.into_response() })* } }
stub!(index, ask, article, vote);
