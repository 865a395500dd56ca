//! Sign-in, sign-out, the account page (password change) and the language switch.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use desk_core::{CoreError, TOKEN_TTL_MS};
use desk_domain::permissions as perm;
use maud::html;
use serde::Deserialize;

use crate::UiState;
use crate::i18n::{Lang, fill};
use crate::layout::{Area, csrf, page, page_with};
use crate::session::{Ctx, LANG_COOKIE, PageResult, SESSION_COOKIE, safe_next, set_cookie};

/// Where a signed-in user starts: agents in their ticket views, customers in the portal.
fn start_page(ctx: &Ctx) -> &'static str {
    match &ctx.user {
        Some(p) if p.can(perm::TICKETS_MANAGE) => "/agent/tickets",
        Some(p) if p.can(perm::TICKETS_READ) => "/portal",
        Some(p) if crate::admin::any_section(p) => "/admin",
        Some(_) => "/account",
        None => "/login",
    }
}

/// `/`: the start page of whoever is signed in, or the sign-in form.
pub async fn home(ctx: Ctx) -> Redirect {
    Redirect::to(start_page(&ctx))
}

/// `?tenant=&next=` of the sign-in form.
#[derive(Deserialize, Default)]
pub struct LoginQuery {
    tenant: Option<String>,
    next: Option<String>,
}

/// The sign-in form.
pub async fn login_form(ctx: Ctx, Query(q): Query<LoginQuery>) -> Response {
    if ctx.user.is_some() {
        return Redirect::to(&safe_next(q.next.as_deref()).unwrap_or_else(|| start_page(&ctx).to_owned())).into_response();
    }
    login_page(&ctx, q.tenant.as_deref().unwrap_or_default(), "", q.next.as_deref().unwrap_or_default(), None)
}

fn login_page(ctx: &Ctx, tenant: &str, email: &str, next: &str, error: Option<&(StatusCode, String)>) -> Response {
    let t = ctx.t;
    let body = html! {
        section.narrow.card {
            h1 { (t.c.sign_in_title) }
            @if let Some((_, message)) = &error { p.alert role="alert" { (message) } }
            form method="post" action="/login" {
                (csrf(ctx))
                input type="hidden" name="next" value=(next);
                label for="tenant" { (t.c.workspace) }
                input #tenant name="tenant" required autocomplete="organization" value=(tenant) aria-describedby="tenant-hint";
                small #tenant-hint.hint { (t.c.workspace_hint) }
                label for="email" { (t.c.email) }
                input #email name="email" type="email" required autocomplete="username" value=(email) autofocus[!tenant.is_empty()];
                label for="password" { (t.c.password) }
                input #password name="password" type="password" required autocomplete="current-password";
                button.primary type="submit" { (t.c.sign_in) }
            }
        }
    };
    match error {
        Some((status, _)) => page_with(ctx, *status, t.c.sign_in, &body),
        None => page(ctx, Area::Account, t.c.sign_in, &body),
    }
}

/// The sign-in form's fields.
#[derive(Deserialize)]
pub struct LoginForm {
    tenant: String,
    email: String,
    password: String,
    #[serde(default)]
    next: String,
}

/// Checks the password (rate-limited per account and client) and sets the session cookie.
pub async fn login(State(s): State<UiState>, ctx: Ctx, Form(f): Form<LoginForm>) -> Response {
    let t = ctx.t;
    match s.desk.login_from(f.tenant.trim(), &f.email, &f.password, &ctx.client).await {
        Ok(login) => {
            let target = safe_next(Some(&f.next)).unwrap_or_else(|| {
                let as_user = Ctx { user: Some(login.principal.clone()), ..ctx.clone() };
                start_page(&as_user).to_owned()
            });
            let mut res = Redirect::to(&target).into_response();
            res.headers_mut()
                .append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, &login.token, TOKEN_TTL_MS / 1000, ctx.secure));
            res
        }
        Err(CoreError::RateLimited(seconds)) => login_page(
            &ctx,
            &f.tenant,
            &f.email,
            &f.next,
            Some(&(StatusCode::TOO_MANY_REQUESTS, fill(t.c.rate_limited, &[("s", &seconds)]))),
        ),
        Err(CoreError::Unauthorized | CoreError::Validation(_)) => {
            login_page(&ctx, &f.tenant, &f.email, &f.next, Some(&(StatusCode::UNAUTHORIZED, t.c.bad_login.to_owned())))
        }
        Err(e) => crate::session::Failure(e).into_response(),
    }
}

/// Revokes the session and clears its cookie.
pub async fn logout(State(s): State<UiState>, ctx: Ctx, headers: axum::http::HeaderMap) -> PageResult {
    let p = ctx.principal()?;
    if let Some(token) = crate::session::cookie(&headers, SESSION_COOKIE) {
        s.desk.logout(p, token).await?;
    }
    let mut res = Redirect::to("/login").into_response();
    res.headers_mut().append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, "", 0, ctx.secure));
    Ok(res)
}

/// The caller's account: who they are, and the password form.
pub async fn account(ctx: Ctx) -> PageResult {
    let p = ctx.principal()?;
    let t = ctx.t;
    let body = html! {
        section.narrow.card {
            h1 { (t.c.account) }
            dl.props {
                dt { (t.c.email) } dd { (p.user.email) }
                dt { (t.c.workspace) } dd { (p.tenant_slug) }
            }
            h2 { (t.c.change_password) }
            form method="post" action="/account/password" {
                (csrf(&ctx))
                label for="current" { (t.c.current_password) }
                input #current name="current_password" type="password" required autocomplete="current-password";
                label for="new" { (t.c.new_password) }
                input #new name="new_password" type="password" required minlength="10" autocomplete="new-password" aria-describedby="pw-hint";
                small #pw-hint.hint { (t.c.password_rules) }
                button.primary type="submit" { (t.c.change_password) }
            }
        }
    };
    Ok(page(&ctx, Area::Account, t.c.account, &body))
}

/// The password form's fields.
#[derive(Deserialize)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
}

/// Changes the password; every session of the user ends, so they sign in again.
pub async fn change_password(State(s): State<UiState>, ctx: Ctx, Form(f): Form<PasswordForm>) -> PageResult {
    let p = ctx.principal()?;
    s.desk.change_password(p, &f.current_password, &f.new_password).await?;
    let t = ctx.t;
    let body = html! { section.narrow.card { h1 { (t.c.change_password) } p role="status" { (t.c.password_changed) } p { a href="/login" { (t.c.sign_in) } } } };
    let mut res = page(&ctx, Area::Account, t.c.change_password, &body);
    res.headers_mut().append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, "", 0, ctx.secure));
    Ok(res)
}

/// `?lang=&back=` of the language switch.
#[derive(Deserialize)]
pub struct LanguageQuery {
    lang: String,
    back: Option<String>,
}

/// Remembers a language in a cookie and goes back to the page.
pub async fn language(ctx: Ctx, Query(q): Query<LanguageQuery>) -> Response {
    let lang = Lang::parse(&q.lang).unwrap_or(ctx.lang);
    let mut res = Redirect::to(&safe_next(q.back.as_deref()).unwrap_or_else(|| "/".into())).into_response();
    res.headers_mut().append(header::SET_COOKIE, set_cookie(LANG_COOKIE, lang.code(), 400 * 24 * 3600, ctx.secure));
    res
}
