//! The CustomerDesk web UI, server-rendered from the same binary: the agent workspace, the
//! customer portal, the public help center and the admin settings. Pages are listed once in
//! [`pages`] with who may open them; the router and the access tests are built from that list.

pub mod admin;
pub mod agent;
pub mod auth;
pub mod form;
pub mod help_center;
pub mod i18n;
pub mod layout;
pub mod portal;
pub mod session;

use axum::Router;
use axum::http::Method;
use axum::routing::{MethodRouter, get, post};
use desk_core::Desk;
use desk_domain::permissions::{self as perm, Permission};

use crate::session::{Access, guard};

/// What every page handler shares.
#[derive(Clone)]
pub struct UiState {
    /// The services.
    pub desk: Desk,
}

/// One page or form target.
pub struct PageDef {
    /// GET for pages, POST for forms.
    pub method: Method,
    /// Path template (`{id}` is a UUID, `{tenant}` and `{slug}` are names).
    pub path: &'static str,
    /// Who may open it.
    pub access: Access,
    /// Takes files (multipart forms up to [`UPLOAD_LIMIT`]).
    pub uploads: bool,
    handler: MethodRouter<UiState>,
}

fn page(method: Method, path: &'static str, access: Access, handler: MethodRouter<UiState>) -> PageDef {
    PageDef { method, path, access, uploads: false, handler }
}

/// A form target that takes files.
fn upload(path: &'static str, access: Access, handler: MethodRouter<UiState>) -> PageDef {
    let handler = handler.layer(axum::extract::DefaultBodyLimit::max(UPLOAD_LIMIT));
    PageDef { method: Method::POST, path, access, uploads: true, handler }
}

/// Largest form with files: one attachment's limit plus room for the fields.
pub const UPLOAD_LIMIT: usize = desk_core::MAX_ATTACHMENT_BYTES + (64 << 10);

const fn need(permission: Permission) -> Access {
    Access::Perm(permission)
}

/// Every page of the UI, with its access rule.
pub fn pages() -> Vec<PageDef> {
    use Access::Public;
    use Method as M;
    vec![
        page(M::GET, "/", Public, get(auth::home)),
        page(M::GET, "/login", Public, get(auth::login_form)),
        page(M::POST, "/login", Public, post(auth::login)),
        page(M::POST, "/logout", Access::SignedIn, post(auth::logout)),
        page(M::GET, "/account", Access::SignedIn, get(auth::account)),
        page(M::POST, "/account/password", Access::SignedIn, post(auth::change_password)),
        page(M::GET, "/language", Public, get(auth::language)),
        // Agent workspace.
        page(M::GET, "/agent", need(perm::TICKETS_MANAGE), get(agent::home)),
        page(M::GET, "/agent/tickets", need(perm::TICKETS_MANAGE), get(agent::list)),
        page(M::GET, "/agent/tickets/new", need(perm::TICKETS_MANAGE), get(agent::new_form)),
        page(M::POST, "/agent/tickets", need(perm::TICKETS_MANAGE), post(agent::create)),
        page(M::GET, "/agent/tickets/{id}", need(perm::TICKETS_MANAGE), get(agent::ticket)),
        page(M::GET, "/agent/tickets/{id}/next", need(perm::TICKETS_MANAGE), get(agent::next)),
        upload("/agent/tickets/{id}/reply", need(perm::TICKETS_MANAGE), post(agent::reply)),
        page(M::POST, "/agent/tickets/{id}/properties", need(perm::TICKETS_MANAGE), post(agent::properties)),
        page(M::POST, "/agent/tickets/{id}/assign-me", need(perm::TICKETS_MANAGE), post(agent::assign_me)),
        page(M::POST, "/agent/tickets/{id}/resolve", need(perm::TICKETS_MANAGE), post(agent::resolve)),
        page(M::POST, "/agent/tickets/{id}/ai/summary", need(perm::TICKETS_MANAGE), post(agent::ai_summary)),
        page(M::POST, "/agent/tickets/{id}/ai/classification", need(perm::TICKETS_MANAGE), post(agent::correct_classification)),
        page(M::POST, "/agent/tickets/{id}/merge", need(perm::TICKETS_MANAGE), post(agent::merge)),
        page(M::POST, "/agent/tickets/bulk", need(perm::TICKETS_MANAGE), post(agent::bulk)),
        page(M::POST, "/agent/tickets/{id}/ai/draft", need(perm::TICKETS_MANAGE), post(agent::ai_draft)),
        page(M::GET, "/agent/kb", need(perm::KB_WRITE), get(agent::kb::list)),
        page(M::GET, "/agent/kb/new", need(perm::KB_WRITE), get(agent::kb::new_form)),
        page(M::POST, "/agent/kb", need(perm::KB_WRITE), post(agent::kb::create)),
        page(M::GET, "/agent/kb/{id}", need(perm::KB_WRITE), get(agent::kb::edit)),
        page(M::POST, "/agent/kb/{id}", need(perm::KB_WRITE), post(agent::kb::save)),
        page(M::POST, "/agent/tickets/{id}/article", need(perm::KB_WRITE), post(agent::kb::from_ticket)),
        page(M::GET, "/attachments/{id}", need(perm::ATTACHMENTS_WRITE), get(agent::attachment)),
        // Customer portal.
        page(M::GET, "/portal", need(perm::TICKETS_READ), get(portal::home)),
        page(M::GET, "/portal/tickets/new", need(perm::TICKETS_CREATE), get(portal::new_form)),
        upload("/portal/tickets", need(perm::TICKETS_CREATE), post(portal::create)),
        page(M::GET, "/portal/suggest", need(perm::KB_READ), get(portal::suggest)),
        page(M::GET, "/portal/tickets/{id}", need(perm::TICKETS_READ), get(portal::ticket)),
        upload("/portal/tickets/{id}/reply", need(perm::TICKETS_COMMENT), post(portal::reply)),
        page(M::POST, "/portal/tickets/{id}/status", need(perm::TICKETS_UPDATE), post(portal::set_status)),
        page(M::POST, "/portal/tickets/{id}/rate", need(perm::TICKETS_RATE), post(portal::rate)),
        page(M::GET, "/portal/kb", need(perm::KB_READ), get(portal::kb_home)),
        page(M::GET, "/portal/kb/{id}", need(perm::KB_READ), get(portal::kb_article)),
        page(M::POST, "/portal/kb/{id}/questions", need(perm::KB_FEEDBACK), post(portal::kb_question)),
        page(M::POST, "/portal/kb/{id}/vote", need(perm::KB_FEEDBACK), post(portal::kb_vote)),
        page(M::GET, "/portal/ask", need(perm::KB_READ), get(portal::ask)),
        // Public help center (no sign-in).
        page(M::GET, "/kb/{tenant}", Public, get(help_center::index)),
        page(M::GET, "/kb/{tenant}/ask", Public, get(help_center::ask)),
        page(M::GET, "/kb/{tenant}/{slug}", Public, get(help_center::article)),
        page(M::POST, "/kb/{tenant}/{slug}/vote", Public, post(help_center::vote)),
        // Admin.
        page(M::GET, "/admin", Access::AnyOf(admin::SECTION_PERMISSIONS), get(admin::home)),
        page(M::GET, "/admin/users", need(perm::USERS_MANAGE), get(admin::users)),
        page(M::POST, "/admin/users", need(perm::USERS_MANAGE), post(admin::create_user)),
        page(M::POST, "/admin/users/{id}", need(perm::USERS_MANAGE), post(admin::update_user)),
        page(M::GET, "/admin/roles", need(perm::ROLES_MANAGE), get(admin::roles)),
        page(M::POST, "/admin/roles/{id}", need(perm::ROLES_MANAGE), post(admin::update_role)),
        page(M::GET, "/admin/groups", need(perm::GROUPS_MANAGE), get(admin::groups)),
        page(M::POST, "/admin/groups", need(perm::GROUPS_MANAGE), post(admin::create_group)),
        page(M::POST, "/admin/groups/{id}", need(perm::GROUPS_MANAGE), post(admin::update_group)),
        page(M::POST, "/admin/groups/{id}/members", need(perm::GROUPS_MANAGE), post(admin::add_member)),
        page(M::GET, "/admin/companies", need(perm::COMPANIES_MANAGE), get(admin::companies)),
        page(M::POST, "/admin/companies", need(perm::COMPANIES_MANAGE), post(admin::create_company)),
        page(M::POST, "/admin/companies/{id}", need(perm::COMPANIES_MANAGE), post(admin::update_company)),
        page(M::GET, "/admin/categories", need(perm::KB_MANAGE), get(admin::categories)),
        page(M::POST, "/admin/categories", need(perm::KB_MANAGE), post(admin::create_category)),
        // SLA settings: anyone with sla:read sees them, sla:manage changes them.
        page(M::GET, "/admin/calendars", need(perm::SLA_READ), get(admin::calendars)),
        page(M::POST, "/admin/calendars", need(perm::SLA_MANAGE), post(admin::create_calendar)),
        page(M::GET, "/admin/calendars/{id}", need(perm::SLA_READ), get(admin::calendar)),
        page(M::POST, "/admin/calendars/{id}", need(perm::SLA_MANAGE), post(admin::save_calendar)),
        page(M::GET, "/admin/sla-policies", need(perm::SLA_READ), get(admin::policies)),
        page(M::GET, "/admin/sla-policies/{id}", need(perm::SLA_READ), get(admin::policy)),
        page(M::POST, "/admin/sla-policies/{id}", need(perm::SLA_MANAGE), post(admin::save_policy)),
        page(M::GET, "/admin/routing-rules", need(perm::SLA_READ), get(admin::routing_rules)),
        page(M::POST, "/admin/routing-rules", need(perm::SLA_MANAGE), post(admin::create_routing_rule)),
        page(M::GET, "/admin/routing-rules/{id}", need(perm::SLA_READ), get(admin::routing_rule)),
        page(M::POST, "/admin/routing-rules/{id}", need(perm::SLA_MANAGE), post(admin::save_routing_rule)),
        page(M::POST, "/admin/routing-rules/{id}/move", need(perm::SLA_MANAGE), post(admin::move_routing_rule)),
        page(M::GET, "/admin/escalation-rules", need(perm::SLA_READ), get(admin::escalation_rules)),
        page(M::POST, "/admin/escalation-rules", need(perm::SLA_MANAGE), post(admin::create_escalation_rule)),
        page(M::GET, "/admin/escalation-rules/{id}", need(perm::SLA_READ), get(admin::escalation_rule)),
        page(M::POST, "/admin/escalation-rules/{id}", need(perm::SLA_MANAGE), post(admin::save_escalation_rule)),
        page(M::GET, "/admin/skills", need(perm::SLA_READ), get(admin::skills)),
        page(M::POST, "/admin/skills", need(perm::SLA_MANAGE), post(admin::create_skill)),
        page(M::POST, "/admin/skills/{id}", need(perm::SLA_MANAGE), post(admin::save_skill)),
        page(M::POST, "/admin/users/{id}/skills", need(perm::SLA_MANAGE), post(admin::set_user_skills)),
        page(M::POST, "/admin/users/{id}/availability", need(perm::USERS_MANAGE), post(admin::set_availability)),
        page(M::GET, "/admin/settings", need(perm::SLA_READ), get(admin::settings)),
        page(M::POST, "/admin/settings", need(perm::SLA_MANAGE), post(admin::save_settings)),
        page(M::GET, "/admin/ai", need(perm::AI_CONFIGURE), get(admin::ai)),
        page(M::POST, "/admin/ai", need(perm::AI_CONFIGURE), post(admin::save_ai)),
    ]
}

/// The UI's router: every page behind the guard, plus the static assets.
pub fn router(desk: Desk) -> Router {
    let state = UiState { desk };
    let mut router = Router::new();
    for def in pages() {
        let limit = if def.uploads { UPLOAD_LIMIT } else { session::FORM_LIMIT };
        let layer = axum::middleware::from_fn_with_state((state.clone(), def.access, limit), guard);
        router = router.route(def.path, def.handler.layer(layer));
    }
    router.route("/static/app.css", get(layout::stylesheet)).route("/static/app.js", get(layout::script)).with_state(state)
}

/// Whether a path belongs to the UI (for the HTML 404 of unknown pages).
pub fn is_ui_path(path: &str) -> bool {
    !path.starts_with("/api/") && path != "/healthz" && path != "/metrics"
}
