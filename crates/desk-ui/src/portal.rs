//! Customer portal (being written).
use axum::response::IntoResponse;
macro_rules! stub { ($($n:ident),*) => { $(pub async fn $n() -> axum::response::Response { axum::http::StatusCode::NOT_IMPLEMENTED.into_response() })* } }
stub!(home, new_form, create, suggest, ticket, reply, set_status, rate, kb_home, kb_article, kb_question, kb_vote, ask);
