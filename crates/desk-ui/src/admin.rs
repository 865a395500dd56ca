//! Admin settings: users, roles and their permissions, agent groups, customer companies,
//! knowledge-base categories, the SLA settings (calendars, policies, routing and escalation
//! rules, skills, the workspace's settings) and the AI endpoint. Every section shows the same
//! sub-navigation, listing only the sections the reader's role may open; every form redirects
//! back to its section after saving, or shows the form again with its field errors.

mod ai;
mod calendar_form;
mod calendars;
mod directory;
mod escalation;
mod forms;
mod groups;
mod policies;
mod roles;
mod routing;
mod rule_form;
mod settings;
mod skills;
mod users;

pub use ai::{ai, save_ai};
pub use calendars::{calendar, calendars, create_calendar, save_calendar};
pub use directory::{categories, companies, create_category, create_company, update_company};
pub use escalation::{create_escalation_rule, escalation_rule, escalation_rules, save_escalation_rule};
pub use groups::{add_member, create_group, groups, update_group};
pub use policies::{policies, policy, save_policy};
pub use roles::{roles, update_role};
pub use routing::{create_routing_rule, move_routing_rule, routing_rule, routing_rules, save_routing_rule};
pub use settings::{save_settings, settings};
pub use skills::{create_skill, save_skill, set_availability, set_user_skills, skills};
pub use users::{create_user, update_user, users};

use axum::response::{IntoResponse, Redirect, Response};
use desk_core::{CoreError, CoreResult, Desk};
use desk_domain::permissions::{self as perm, Permission};
use desk_store::{CompanyRecord, Page, Principal, UserRecord};
use maud::{Markup, html};
use serde::Deserialize;
use uuid::Uuid;

use crate::i18n::{T, fill};
use crate::layout::{Area, page};
use crate::session::{Ctx, Failure, PageResult};

/// Rows per page of the long lists (users, companies).
const PAGE_SIZE: i64 = 50;
/// Rows fetched per call when a whole list is needed (selects, names).
const BATCH: i64 = 500;
/// At most this many batches are read for a select, so a huge tenant cannot stall a page.
const MAX_BATCHES: i64 = 20;

/// The permissions of the admin sections: any one of them opens `/admin`.
pub const SECTION_PERMISSIONS: &[Permission] = &[
    perm::USERS_MANAGE,
    perm::ROLES_MANAGE,
    perm::GROUPS_MANAGE,
    perm::COMPANIES_MANAGE,
    perm::KB_MANAGE,
    // Agents read SLA settings (by URL, from the ticket page) without an Admin link of their own.
    perm::SLA_MANAGE,
    perm::AI_CONFIGURE,
];

/// Whether the principal may open any admin section (and so sees the Admin link).
pub fn any_section(p: &Principal) -> bool {
    SECTION_PERMISSIONS.iter().any(|x| p.can(x))
}

/// One part of the admin area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Users,
    Roles,
    Groups,
    Companies,
    Categories,
    Calendars,
    Policies,
    Routing,
    Escalation,
    Skills,
    Settings,
    Ai,
}

impl Section {
    /// In the order of the sub-navigation.
    const ALL: [Section; 12] = [
        Section::Users,
        Section::Roles,
        Section::Groups,
        Section::Companies,
        Section::Categories,
        Section::Calendars,
        Section::Policies,
        Section::Routing,
        Section::Escalation,
        Section::Skills,
        Section::Settings,
        Section::Ai,
    ];

    fn path(self) -> &'static str {
        match self {
            Section::Users => "/admin/users",
            Section::Roles => "/admin/roles",
            Section::Groups => "/admin/groups",
            Section::Companies => "/admin/companies",
            Section::Categories => "/admin/categories",
            Section::Calendars => "/admin/calendars",
            Section::Policies => "/admin/sla-policies",
            Section::Routing => "/admin/routing-rules",
            Section::Escalation => "/admin/escalation-rules",
            Section::Skills => "/admin/skills",
            Section::Settings => "/admin/settings",
            Section::Ai => "/admin/ai",
        }
    }

    /// The permission its pages need (as in the page table).
    fn permission(self) -> Permission {
        match self {
            Section::Users => perm::USERS_MANAGE,
            Section::Roles => perm::ROLES_MANAGE,
            Section::Groups => perm::GROUPS_MANAGE,
            Section::Companies => perm::COMPANIES_MANAGE,
            Section::Categories => perm::KB_MANAGE,
            Section::Calendars
            | Section::Policies
            | Section::Routing
            | Section::Escalation
            | Section::Skills
            | Section::Settings => perm::SLA_READ,
            Section::Ai => perm::AI_CONFIGURE,
        }
    }

    fn label(self, t: &T) -> &'static str {
        let (t, sla) = (t.admin, t.sla);
        match self {
            Section::Users => t.users,
            Section::Roles => t.roles,
            Section::Groups => t.groups,
            Section::Companies => t.companies,
            Section::Categories => t.categories,
            Section::Calendars => sla.calendars,
            Section::Policies => sla.policies,
            Section::Routing => sla.routing_rules,
            Section::Escalation => sla.escalation_rules,
            Section::Skills => sla.skills,
            Section::Settings => sla.settings,
            Section::Ai => t.ai,
        }
    }
}

/// `/admin`: the first section the reader may manage.
pub async fn home(ctx: Ctx) -> PageResult {
    ctx.principal()?;
    let first =
        Section::ALL.into_iter().find(|s| ctx.can(s.permission())).ok_or_else(|| Failure(CoreError::Forbidden(String::new())))?;
    Ok(Redirect::to(first.path()).into_response())
}

/// A section's page: the sub-navigation beside the section's heading and content.
fn frame(ctx: &Ctx, section: Section, content: &Markup) -> Response {
    let t = ctx.t.admin;
    let heading = section.label(ctx.t);
    let body = html! {
        div.admin {
            nav.subnav aria-label=(t.sections) {
                ul {
                    @for s in Section::ALL {
                        @if ctx.can(s.permission()) {
                            li { a href=(s.path()) aria-current=[(s == section).then_some("page")] { (s.label(ctx.t)) } }
                        }
                    }
                }
            }
            section aria-labelledby="admin-title" {
                h1 #admin-title { (heading) }
                (content)
            }
        }
    };
    page(ctx, Area::Admin, &fill(t.page_title, &[("section", &heading)]), &body)
}

/// The 303 back to a section after a successful form.
fn back_to(target: &str) -> Response {
    Redirect::to(target).into_response()
}

/// `?offset=` of the paged lists.
#[derive(Deserialize, Default)]
pub struct PageQuery {
    offset: Option<i64>,
}

impl PageQuery {
    fn offset(&self) -> i64 {
        self.offset.unwrap_or(0).max(0)
    }

    /// One more row than shown, to know whether a next page exists.
    fn page(&self) -> Page {
        Page { limit: PAGE_SIZE + 1, offset: self.offset() }
    }
}

/// Previous / next links of a paged list; `more` when the fetch returned an extra row.
fn pager(ctx: &Ctx, base: &str, offset: i64, more: bool) -> Markup {
    let t = ctx.t;
    html! {
        @if offset > 0 || more {
            nav aria-label=(t.admin.pages) {
                ul {
                    @if offset > 0 { li { a href={ (base) "?offset=" ((offset - PAGE_SIZE).max(0)) } rel="prev" { (t.c.previous) } } }
                    @if more { li { a href={ (base) "?offset=" (offset + PAGE_SIZE) } rel="next" { (t.c.next) } } }
                }
            }
        }
    }
}

/// A form's optional id field: empty means none.
fn optional_id(raw: &str, field: &str) -> Result<Option<Uuid>, Failure> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    Uuid::try_parse(raw).map(Some).map_err(|_| Failure(CoreError::field(field, "is not an id")))
}

/// A form's required id field.
fn required_id(raw: &str, field: &str) -> Result<Uuid, Failure> {
    optional_id(raw, field)?.ok_or_else(|| Failure(CoreError::field(field, "must not be empty")))
}

/// Every user of the tenant (up to a bound), for selects and names; none without `users:read`.
pub(crate) async fn all_users(desk: &Desk, p: &Principal) -> CoreResult<Vec<UserRecord>> {
    if !p.can(perm::USERS_READ) {
        return Ok(Vec::new());
    }
    read_all(|page| desk.list_users(p, page)).await
}

/// Every company of the tenant (up to a bound), for selects and names; none without
/// `companies:read`.
async fn all_companies(desk: &Desk, p: &Principal) -> CoreResult<Vec<CompanyRecord>> {
    if !p.can(perm::COMPANIES_READ) {
        return Ok(Vec::new());
    }
    read_all(|page| desk.list_companies(p, page)).await
}

/// Reads a paged list to its end, at most [`MAX_BATCHES`] pages of [`BATCH`].
async fn read_all<T, F: Future<Output = CoreResult<Vec<T>>>>(mut fetch: impl FnMut(Page) -> F) -> CoreResult<Vec<T>> {
    let mut out = Vec::new();
    for n in 0..MAX_BATCHES {
        let batch = fetch(Page { limit: BATCH, offset: n * BATCH }).await?;
        let last = i64::try_from(batch.len()).unwrap_or(BATCH) < BATCH;
        out.extend(batch);
        if last {
            break;
        }
    }
    Ok(out)
}

/// Trims a form field; empty means none.
fn nonempty(raw: &str) -> Option<String> {
    let v = raw.trim();
    (!v.is_empty()).then(|| v.to_owned())
}
