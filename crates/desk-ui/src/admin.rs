//! Admin settings (being written).
use axum::response::IntoResponse;
macro_rules! stub { ($($n:ident),*) => { $(pub async fn $n() -> axum::response::Response { axum::http::StatusCode::NOT_IMPLEMENTED.into_response() })* } }
stub!(
    home,
    users,
    create_user,
    roles,
    update_role,
    groups,
    create_group,
    add_member,
    companies,
    create_company,
    categories,
    create_category,
    ai,
    save_ai
);
