//! Users, roles, companies, groups.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use desk_core::{NewCompanyInput, NewUserInput, UserPatchInput};

use crate::AppState;
use crate::dto::{
    AddMember, Company, CreateCompany, CreateGroup, CreateUser, Group, Items, PageQuery, Role, UpdateRole, UpdateUser, User,
};
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiQuery, Auth, IdPath};

/// Creates a user.
pub async fn create_user(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiJson(r): ApiJson<CreateUser>,
) -> ApiResult<(StatusCode, Json<User>)> {
    let input = NewUserInput { email: r.email, name: r.name, role: r.role, password: r.password, company_id: r.company_id };
    Ok((StatusCode::CREATED, Json(s.desk.create_user(&p, input).await?.into())))
}

/// Lists users.
pub async fn list_users(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<Items<User>>> {
    Ok(Json(Items::of(s.desk.list_users(&p, q.page()).await?)))
}

/// One user.
pub async fn get_user(State(s): State<AppState>, Auth(p): Auth, IdPath(id): IdPath) -> ApiResult<Json<User>> {
    Ok(Json(s.desk.get_user(&p, id).await?.into()))
}

/// Changes a user's name, role or active flag.
pub async fn update_user(
    State(s): State<AppState>,
    Auth(p): Auth,
    IdPath(id): IdPath,
    ApiJson(r): ApiJson<UpdateUser>,
) -> ApiResult<Json<User>> {
    let input = UserPatchInput { name: r.name, role: r.role, active: r.active, available: r.available };
    Ok(Json(s.desk.update_user(&p, id, input).await?.into()))
}

/// Lists roles.
pub async fn list_roles(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Items<Role>>> {
    Ok(Json(Items::of(s.desk.list_roles(&p).await?)))
}

/// Replaces a role's permissions.
pub async fn update_role(
    State(s): State<AppState>,
    Auth(p): Auth,
    IdPath(id): IdPath,
    ApiJson(r): ApiJson<UpdateRole>,
) -> ApiResult<Json<Role>> {
    Ok(Json(s.desk.set_role_permissions(&p, id, r.permissions).await?.into()))
}

/// Creates a company.
pub async fn create_company(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiJson(r): ApiJson<CreateCompany>,
) -> ApiResult<(StatusCode, Json<Company>)> {
    let input = NewCompanyInput { name: r.name, domain: r.domain };
    Ok((StatusCode::CREATED, Json(s.desk.create_company(&p, input).await?.into())))
}

/// Lists companies.
pub async fn list_companies(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<Items<Company>>> {
    Ok(Json(Items::of(s.desk.list_companies(&p, q.page()).await?)))
}

/// One company.
pub async fn get_company(State(s): State<AppState>, Auth(p): Auth, IdPath(id): IdPath) -> ApiResult<Json<Company>> {
    Ok(Json(s.desk.get_company(&p, id).await?.into()))
}

/// Creates a group.
pub async fn create_group(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiJson(r): ApiJson<CreateGroup>,
) -> ApiResult<(StatusCode, Json<Group>)> {
    Ok((StatusCode::CREATED, Json(s.desk.create_group(&p, &r.name).await?.into())))
}

/// Lists groups.
pub async fn list_groups(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Items<Group>>> {
    Ok(Json(Items::of(s.desk.list_groups(&p).await?)))
}

/// One group.
pub async fn get_group(State(s): State<AppState>, Auth(p): Auth, IdPath(id): IdPath) -> ApiResult<Json<Group>> {
    Ok(Json(s.desk.get_group(&p, id).await?.into()))
}

/// Adds an agent to a group.
pub async fn add_member(
    State(s): State<AppState>,
    Auth(p): Auth,
    IdPath(id): IdPath,
    ApiJson(r): ApiJson<AddMember>,
) -> ApiResult<Json<Group>> {
    Ok(Json(s.desk.add_group_member(&p, id, r.user_id).await?.into()))
}
