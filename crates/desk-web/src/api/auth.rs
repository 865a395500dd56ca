//! Login, logout, the caller's own profile.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use desk_core::CoreError;

use crate::AppState;
use crate::dto::{ChangePassword, LoginRequest, LoginResponse, Me, rfc3339};
use crate::error::ApiResult;
use crate::extract::{ApiJson, Auth, ClientAddr, bearer};

/// Exchanges tenant, email and password for a bearer token.
pub async fn login(
    State(s): State<AppState>,
    client: ClientAddr,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<Json<LoginResponse>> {
    let login = s.desk.login_from(&req.tenant, &req.email, &req.password, &client.0).await?;
    Ok(Json(LoginResponse {
        token: login.token,
        expires_at: rfc3339(login.expires_at),
        tenant: login.principal.tenant_slug,
        user: login.principal.user.into(),
    }))
}

/// Revokes the token this request carries.
pub async fn logout(State(s): State<AppState>, Auth(p): Auth, headers: HeaderMap) -> ApiResult<StatusCode> {
    let token = bearer(&headers).ok_or(CoreError::Unauthorized)?;
    s.desk.logout(&p, token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller and their permissions.
pub async fn me(Auth(p): Auth) -> Json<Me> {
    Json(Me { tenant: p.tenant_slug, permissions: p.permissions, user: p.user.into() })
}

/// Changes the caller's password; every token of theirs is revoked.
pub async fn change_password(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiJson(req): ApiJson<ChangePassword>,
) -> ApiResult<StatusCode> {
    s.desk.change_password(&p, &req.current_password, &req.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}
