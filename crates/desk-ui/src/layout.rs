//! The frame every page shares: header with navigation by permission, language switch,
//! landmarks, and the error pages.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use desk_domain::permissions as perm;
use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::i18n::Lang;
use crate::session::{Ctx, ErrorPage};

/// Which part of the product a page belongs to, for the highlighted navigation entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    Agent,
    Portal,
    HelpCenter,
    Articles,
    Admin,
    Account,
}

/// A whole page.
pub fn page(ctx: &Ctx, area: Area, title: &str, body: &Markup) -> Response {
    render(ctx, area, title, body).into_response()
}

/// A whole page with a status other than 200.
pub fn page_with(ctx: &Ctx, status: StatusCode, title: &str, body: &Markup) -> Response {
    (status, render(ctx, Area::Account, title, body)).into_response()
}

fn render(ctx: &Ctx, area: Area, title: &str, body: &Markup) -> Html<String> {
    let t = ctx.t;
    let markup = html! {
        (DOCTYPE)
        html lang=(ctx.lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width,initial-scale=1";
                title { (title) " · " (t.c.product) }
                link rel="stylesheet" href="/static/app.css";
                // Only signed-in pages have something to enhance; public pages carry no script.
                @if ctx.user.is_some() { script src="/static/app.js" defer {} }
            }
            body {
                a.skip href="#main" { (t.c.skip_to_content) }
                header.top {
                    a.brand href="/" { (ctx.user.as_ref().map_or(t.c.product, |p| p.tenant_slug.as_str())) }
                    nav aria-label=(t.c.main_nav) { ul { (nav_links(ctx, area)) } }
                    (account_menu(ctx))
                }
                main #main tabindex="-1" { (body) }
                footer.foot {
                    form method="get" action="/language" {
                        input type="hidden" name="back" value=(ctx.here);
                        label for="lang-select" { (t.c.language) }
                        " "
                        select #lang-select name="lang" {
                            @for l in Lang::ALL {
                                option value=(l.code()) selected[*l == ctx.lang] { (l.native_name()) }
                            }
                        }
                        " "
                        button.link type="submit" { (t.c.change_language) }
                    }
                }
            }
        }
    };
    Html(markup.into_string())
}

fn nav_links(ctx: &Ctx, area: Area) -> Markup {
    let t = ctx.t;
    let current = |a: Area| if a == area { Some("page") } else { None };
    let Some(p) = &ctx.user else {
        return html! {};
    };
    html! {
        @if p.can(perm::TICKETS_MANAGE) {
            li { a href="/agent/tickets" aria-current=[current(Area::Agent)] { (t.c.tickets) } }
        } @else if p.can(perm::TICKETS_READ) {
            li { a href="/portal" aria-current=[current(Area::Portal)] { (t.portal.my_tickets) } }
        }
        @if !p.staff && p.can(perm::TICKETS_CREATE) {
            li { a href="/portal/tickets/new" { (t.portal.new_ticket) } }
        }
        @if p.can(perm::KB_WRITE) {
            li { a href="/agent/kb" aria-current=[current(Area::Articles)] { (t.kb.articles) } }
        }
        @if p.can(perm::KB_READ) {
            li { a href="/portal/kb" aria-current=[current(Area::HelpCenter)] { (t.c.help_center) } }
        }
        @if crate::admin::any_section(p) {
            li { a href="/admin" aria-current=[current(Area::Admin)] { (t.c.admin) } }
        }
    }
}

#[allow(clippy::single_match_else)] // two shapes of one menu read best side by side
fn account_menu(ctx: &Ctx) -> Markup {
    let t = ctx.t;
    match &ctx.user {
        Some(p) => html! {
            div.account {
                a href="/account" title=(crate::i18n::fill(t.c.signed_in_as, &[("name", &p.user.name)])) { (p.user.name) }
                form method="post" action="/logout" {
                    (csrf(ctx))
                    button.link type="submit" { (t.c.sign_out) }
                }
            }
        },
        None => html! { div.account { a href={ "/login?next=" (crate::session::encode(&ctx.here)) } { (t.c.sign_in) } } },
    }
}

/// The hidden CSRF field every form carries.
pub fn csrf(ctx: &Ctx) -> Markup {
    html! { input type="hidden" name="_csrf" value=(ctx.csrf); }
}

/// The 404 page of a path no page claims (no session is read for it).
pub fn bare_not_found() -> String {
    let t = Lang::En.texts();
    html! {
        (DOCTYPE)
        html lang="en" {
            head { meta charset="utf-8"; meta name="viewport" content="width=device-width,initial-scale=1"; title { (t.c.not_found_title) } link rel="stylesheet" href="/static/app.css"; }
            body { main #main { section.narrow { h1 { (t.c.not_found_title) } p { (t.c.not_found_body) } p { a href="/" { (t.c.product) } } } } }
        }
    }
    .into_string()
}

/// A translated error page for a failure the guard caught.
pub fn error_page(ctx: &Ctx, e: &ErrorPage) -> Response {
    let t = ctx.t;
    let (title, body) = match e.status {
        StatusCode::NOT_FOUND => (t.c.not_found_title, t.c.not_found_body),
        _ if e.csrf => (t.c.csrf_title, t.c.csrf_body),
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => (t.c.forbidden_title, t.c.forbidden_body),
        StatusCode::UNPROCESSABLE_ENTITY | StatusCode::PAYLOAD_TOO_LARGE => (t.c.invalid_title, ""),
        StatusCode::CONFLICT => (t.c.conflict_title, ""),
        StatusCode::SERVICE_UNAVAILABLE => (t.c.unavailable_title, ""),
        StatusCode::TOO_MANY_REQUESTS => (t.c.error_title, t.c.rate_limited),
        _ => (t.c.error_title, t.c.error_body),
    };
    let markup = html! {
        section.narrow {
            h1 { (title) }
            @if !body.is_empty() { p { (crate::i18n::fill(body, &[("s", &e.detail.first().map_or("", String::as_str))])) } }
            @if e.status != StatusCode::TOO_MANY_REQUESTS {
                @if !e.detail.is_empty() { ul.errors { @for d in &e.detail { li { (d) } } } }
            }
            p { a href="/" { (t.c.start_page) } }
        }
    };
    page_with(ctx, e.status, title, &markup)
}

/// A timestamp (ms) as `2026-12-01 14:05 UTC`.
pub fn when(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).map_or_else(|_| String::new(), |ts| ts.strftime("%Y-%m-%d %H:%M UTC").to_string())
}

/// A `<time>` element for a timestamp.
pub fn time(ms: i64) -> Markup {
    let iso = jiff::Timestamp::from_millisecond(ms).map(|t| t.to_string()).unwrap_or_default();
    html! { time datetime=(iso) { (when(ms)) } }
}

/// A time zone by its IANA name; UTC for a name the database does not know.
pub fn zone(name: &str) -> jiff::tz::TimeZone {
    jiff::tz::db().get(name).unwrap_or(jiff::tz::TimeZone::UTC)
}

/// A timestamp (ms) in a time zone, with its weekday: `Mon 2026-12-21 09:30 CET`; "never"
/// for an instant beyond the calendar (a target that never falls due).
pub fn zoned_time(ctx: &Ctx, ms: i64, tz: &jiff::tz::TimeZone) -> Markup {
    let Ok(ts) = jiff::Timestamp::from_millisecond(ms) else {
        return html! { (ctx.t.c.never) };
    };
    let z = ts.to_zoned(tz.clone());
    html! { time datetime=(ts.to_string()) { (ctx.t.c.weekday(z.weekday())) " " (z.strftime("%Y-%m-%d %H:%M %Z")) } }
}

/// A coloured status badge.
pub fn status_badge(ctx: &Ctx, status: &str) -> Markup {
    html! { span class={ "badge s-" (status) } { (ctx.t.c.status(status)) } }
}

/// A priority badge.
pub fn priority_badge(ctx: &Ctx, priority: &str) -> Markup {
    html! { span class={ "badge p-" (priority) } { (ctx.t.c.priority(priority)) } }
}

/// A search snippet, whose matches the store wraps in private-use markers, with the matches
/// in `<mark>` and everything else escaped.
pub fn snippet(raw: &str) -> Markup {
    let mut parts = Vec::new();
    let mut marked = false;
    let mut cur = String::new();
    for c in raw.chars() {
        if c == desk_store::MARK_START || c == desk_store::MARK_END {
            parts.push((marked, std::mem::take(&mut cur)));
            marked = c == desk_store::MARK_START;
        } else {
            cur.push(c);
        }
    }
    parts.push((marked, cur));
    html! { @for (marked, text) in &parts { @if *marked { mark { (text) } } @else { (text) } } }
}

/// Article bodies were sanitised when saved; they are the only HTML shown as-is.
pub fn sanitised(html: &str) -> Markup {
    PreEscaped(html.to_owned())
}

/// The stylesheet.
pub async fn stylesheet() -> Response {
    asset("text/css; charset=utf-8", include_str!("../static/app.css"))
}

/// The script.
pub async fn script() -> Response {
    asset("text/javascript; charset=utf-8", include_str!("../static/app.js"))
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    res
}
