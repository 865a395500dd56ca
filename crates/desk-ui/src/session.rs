//! Sessions, CSRF and per-page access, applied by one middleware in front of every page.
//!
//! - The session cookie holds the same kind of token as an API bearer token (`HttpOnly`,
//!   `SameSite=Lax`, `Secure` behind TLS). The JSON API never reads cookies, so it cannot be
//!   driven cross-site.
//! - Every non-GET request must carry `_csrf` (form field) or `X-CSRF-Token` (script) equal to
//!   a hash of the session token, or, before sign-in, of a random per-browser cookie. A foreign
//!   `Origin` is refused as well.

use std::net::SocketAddr;

use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use desk_core::{CoreError, Principal};
use desk_domain::permissions::Permission;
use sha2::{Digest, Sha256};

use crate::UiState;
use crate::i18n::{Lang, T};
use crate::layout;

/// The session token.
pub const SESSION_COOKIE: &str = "cd_session";
/// A random id per browser: the CSRF secret before sign-in, and the voter of anonymous votes.
pub const BROWSER_COOKIE: &str = "cd_browser";
/// The chosen language.
pub const LANG_COOKIE: &str = "cd_lang";
/// Largest form accepted where no files are taken.
pub const FORM_LIMIT: usize = 1 << 20;

/// Who may open a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in user (their own account, signing out).
    SignedIn,
    /// Signed-in users whose role has this permission.
    Perm(Permission),
    /// Signed-in users whose role has any of these permissions.
    AnyOf(&'static [Permission]),
}

impl Access {
    /// Whether a signed-in principal passes.
    pub fn allows(self, p: &Principal) -> bool {
        match self {
            Access::Public | Access::SignedIn => true,
            Access::Perm(permission) => p.can(permission),
            Access::AnyOf(permissions) => permissions.iter().any(|x| p.can(x)),
        }
    }
}

/// What every page knows about its request, put in place by [`guard`].
#[derive(Clone)]
pub struct Ctx {
    /// The reader's language and its texts.
    pub lang: Lang,
    pub t: &'static T,
    /// The signed-in user, if any.
    pub user: Option<Principal>,
    /// The token every form of this page must send back.
    pub csrf: String,
    /// The path and query of this page, for the language switch.
    pub here: String,
    /// Opaque per-browser id (a hash of the browser cookie).
    pub visitor: String,
    /// The request came over TLS (through a proxy that says so).
    pub secure: bool,
    /// The client's address, for rate limits.
    pub client: String,
}

impl Ctx {
    /// The signed-in user; pages behind [`Access::Perm`] always have one.
    pub fn principal(&self) -> Result<&Principal, Failure> {
        self.user.as_ref().ok_or(Failure(CoreError::Unauthorized))
    }

    /// Whether the signed-in user's role has a permission.
    pub fn can(&self, permission: &str) -> bool {
        self.user.as_ref().is_some_and(|p| p.can(permission))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Ctx>().cloned().ok_or(Failure(CoreError::Internal("page without its guard".into())))
    }
}

/// A failed page: the guard turns it into a translated error page.
#[derive(Debug)]
pub struct Failure(pub CoreError);

impl From<CoreError> for Failure {
    fn from(e: CoreError) -> Self {
        Self(e)
    }
}

/// What kind of error page to show, carried from a handler to the guard.
#[derive(Debug, Clone)]
pub struct ErrorPage {
    pub status: StatusCode,
    /// Detail safe to show (validation messages); never internals.
    pub detail: Vec<String>,
    /// Refused for a missing or wrong CSRF token.
    pub csrf: bool,
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let (status, detail) = match self.0 {
            CoreError::Unauthorized => (StatusCode::UNAUTHORIZED, vec![]),
            CoreError::Forbidden(_) => (StatusCode::FORBIDDEN, vec![]),
            CoreError::NotAllowed(m) | CoreError::InvalidTransition(m) => (StatusCode::FORBIDDEN, vec![m]),
            CoreError::NotFound => (StatusCode::NOT_FOUND, vec![]),
            CoreError::Validation(fields) => {
                (StatusCode::UNPROCESSABLE_ENTITY, fields.into_iter().map(|f| format!("{}: {}", f.field, f.message)).collect())
            }
            CoreError::Conflict(m) => (StatusCode::CONFLICT, vec![m]),
            CoreError::Transition(t) => (StatusCode::UNPROCESSABLE_ENTITY, vec![t.to_string()]),
            CoreError::TooLarge(m) => (StatusCode::PAYLOAD_TOO_LARGE, vec![m]),
            CoreError::Unavailable(m) => (StatusCode::SERVICE_UNAVAILABLE, vec![m]),
            CoreError::RateLimited(s) => (StatusCode::TOO_MANY_REQUESTS, vec![s.to_string()]),
            CoreError::Internal(detail) => {
                tracing::error!(%detail, "internal error on a page");
                (StatusCode::INTERNAL_SERVER_ERROR, vec![])
            }
        };
        let mut res = status.into_response();
        res.extensions_mut().insert(ErrorPage { status, detail, csrf: false });
        res
    }
}

/// Result of page handlers.
pub type PageResult = Result<Response, Failure>;

/// The value of a cookie.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value; `max_age` of 0 deletes it.
pub fn set_cookie(name: &str, value: &str, max_age_s: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_s}{secure}"))
        .unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

/// The CSRF token for a secret (the session token or the browser id).
pub fn csrf_token(secret: &str) -> String {
    hex(&Sha256::digest(format!("customerdesk csrf\0{secret}").as_bytes())[..16])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        use std::fmt::Write;
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn new_browser_id() -> String {
    let mut bytes = [0u8; 16];
    // An OS without randomness cannot serve anyone; fall back to the clock rather than panic.
    if getrandom::getrandom(&mut bytes).is_err() {
        bytes = uuid::Uuid::now_v7().into_bytes();
    }
    hex(&bytes)
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The client's address as the connection saw it.
pub fn client_addr(extensions: &axum::http::Extensions) -> String {
    extensions.get::<ConnectInfo<SocketAddr>>().map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string())
}

/// A local path safe to redirect to after sign-in (never another host): it starts with one
/// `/` and holds only URL characters, so no control character or backslash can turn it into
/// `//host` in a browser.
pub fn safe_next(next: Option<&str>) -> Option<String> {
    let next = next?.trim();
    let allowed = |c: char| c.is_ascii_alphanumeric() || "/._~?&=%+-#:,@!$'()*;[]{}|^".contains(c);
    (next.starts_with('/') && !next.starts_with("//") && next.chars().all(allowed)).then(|| next.to_owned())
}

/// Loads the session, enforces the page's access rule and, on anything but GET, the CSRF
/// token; renders failures as translated pages; sets security headers.
pub async fn guard(State((state, access, limit)): State<(UiState, Access, usize)>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let headers = &parts.headers;
    let lang = cookie(headers, LANG_COOKIE)
        .and_then(Lang::parse)
        .unwrap_or_else(|| Lang::from_accept(headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("")));
    let secure = headers.get("x-forwarded-proto").is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"));
    let session = cookie(headers, SESSION_COOKIE).map(str::to_owned);
    let mut set_cookies = Vec::new();
    let mut unavailable = false;
    let user = match &session {
        Some(token) => match state.desk.authenticate(token).await {
            Ok(p) => Some(p),
            Err(CoreError::Unauthorized) => {
                set_cookies.push(set_cookie(SESSION_COOKIE, "", 0, secure));
                None
            }
            // The store failing is not a sign-out: keep the cookie and say so.
            Err(e) => {
                tracing::error!(error = %e, "session lookup failed");
                unavailable = true;
                None
            }
        },
        None => None,
    };
    let existing = cookie(headers, BROWSER_COOKIE).filter(|v| v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()));
    let browser = existing.map_or_else(new_browser_id, str::to_owned);
    if existing.is_none() {
        set_cookies.push(set_cookie(BROWSER_COOKIE, &browser, 400 * 24 * 3600, secure));
    }
    let csrf = csrf_token(if user.is_some() { session.as_deref().unwrap_or_default() } else { &browser });
    let here = parts.uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
    let ctx = Ctx {
        lang,
        t: lang.texts(),
        user,
        csrf,
        here,
        visitor: csrf_token(&format!("visitor\0{browser}")),
        secure,
        client: client_addr(&parts.extensions),
    };
    let safe = parts.method == Method::GET || parts.method == Method::HEAD;
    let mut res = 'res: {
        if unavailable {
            break 'res Failure(CoreError::Unavailable(String::new())).into_response();
        }
        if access != Access::Public {
            let Some(user) = &ctx.user else {
                let next = if safe { ctx.here.clone() } else { String::new() };
                let target = if next.is_empty() { "/login".to_owned() } else { format!("/login?next={}", encode(&next)) };
                break 'res Redirect::to(&target).into_response();
            };
            if !access.allows(user) {
                break 'res Failure(CoreError::Forbidden(String::new())).into_response();
            }
        }
        let body = if safe {
            body
        } else {
            let Ok(bytes) = to_bytes(body, limit).await else {
                break 'res Failure(CoreError::TooLarge(String::new())).into_response();
            };
            if !csrf_ok(&parts.headers, &bytes, &ctx.csrf) {
                break 'res csrf_refused();
            }
            Body::from(bytes)
        };
        parts.extensions.insert(ctx.clone());
        next.run(Request::from_parts(parts, body)).await
    };
    // axum's own rejections (a form that does not parse) are plain text: give them our page.
    let plain = res.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/plain"));
    if res.status().is_client_error() && plain && res.extensions().get::<ErrorPage>().is_none() {
        let status = res.status();
        res.extensions_mut().insert(ErrorPage { status, detail: vec![], csrf: false });
    }
    if let Some(page) = res.extensions().get::<ErrorPage>().cloned() {
        res = layout::error_page(&ctx, &page);
    }
    let h = res.headers_mut();
    for c in set_cookies {
        h.append(header::SET_COOKIE, c);
    }
    security_headers(h);
    res
}

fn csrf_ok(headers: &HeaderMap, body: &[u8], expected: &str) -> bool {
    // Behind a proxy that rewrites Host, the browser's host is the forwarded one.
    let host = headers.get("x-forwarded-host").or_else(|| headers.get(header::HOST));
    if let (Some(origin), Some(host)) = (headers.get(header::ORIGIN), host) {
        let origin = origin.to_str().unwrap_or_default();
        let origin_host = origin.split_once("://").map_or(origin, |(_, h)| h);
        if origin != "null" && origin_host.as_bytes() != host.as_bytes() {
            return false;
        }
    }
    if let Some(sent) = headers.get("x-csrf-token").and_then(|v| v.to_str().ok()) {
        return constant_time_eq(sent, expected);
    }
    let ct = content_type(headers);
    if ct.starts_with("multipart/form-data") {
        return multipart_field(ct, body, "_csrf").is_some_and(|v| constant_time_eq(v, expected));
    }
    ct.starts_with("application/x-www-form-urlencoded")
        && serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
            .ok()
            .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "_csrf"))
            .is_some_and(|(_, v)| constant_time_eq(&v, expected))
}

fn content_type(headers: &HeaderMap) -> &str {
    headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default()
}

/// The value of a short text part of a multipart body (the CSRF token), read without parsing
/// the files: the part whose headers name it, up to the next boundary.
fn multipart_field<'a>(content_type: &str, body: &'a [u8], name: &str) -> Option<&'a str> {
    let boundary = content_type.split(';').find_map(|p| p.trim().strip_prefix("boundary="))?.trim_matches('"');
    let delimiter = format!("--{boundary}");
    let wanted = format!("name=\"{name}\"");
    let text = body.split(|&b| b == b'\n').map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let mut lines = text.peekable();
    while let Some(line) = lines.next() {
        if line != delimiter.as_bytes() {
            continue;
        }
        let mut named = false;
        for header in lines.by_ref() {
            if header.is_empty() {
                break;
            }
            let header = std::str::from_utf8(header).ok()?;
            named |= header.to_ascii_lowercase().starts_with("content-disposition:")
                && header.contains(&wanted)
                && !header.contains("filename=");
        }
        if named {
            return lines.next().and_then(|v| std::str::from_utf8(v).ok());
        }
    }
    None
}

fn csrf_refused() -> Response {
    let mut res = StatusCode::FORBIDDEN.into_response();
    res.extensions_mut().insert(ErrorPage { status: StatusCode::FORBIDDEN, detail: vec![], csrf: true });
    res
}

fn security_headers(h: &mut HeaderMap) {
    h.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; connect-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Every page carries a CSRF token tied to one browser or session: no shared cache may keep it.
    h.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("private, no-store"));
}

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    serde_urlencoded::to_string([("v", value)]).map(|s| s[2..].to_owned()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_must_stay_on_this_site() {
        assert_eq!(safe_next(Some("/agent/tickets?view=mine")).as_deref(), Some("/agent/tickets?view=mine"));
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "javascript:alert(1)",
            "/a\r\nSet-Cookie: x",
            "/\t/evil.example",
            "/\u{1}",
        ] {
            assert_eq!(safe_next(Some(bad)), None, "{bad}");
        }
    }

    #[test]
    fn csrf_needs_the_token_and_a_same_origin() {
        let token = csrf_token("secret");
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/x-www-form-urlencoded"));
        h.insert(header::HOST, HeaderValue::from_static("desk.example"));
        assert!(csrf_ok(&h, format!("a=1&_csrf={token}").as_bytes(), &token));
        assert!(!csrf_ok(&h, b"a=1", &token));
        assert!(!csrf_ok(&h, b"a=1&_csrf=00", &token));
        h.insert(header::ORIGIN, HeaderValue::from_static("https://evil.example"));
        assert!(!csrf_ok(&h, format!("_csrf={token}").as_bytes(), &token));
    }

    #[test]
    fn csrf_is_read_from_a_multipart_form() {
        let token = csrf_token("secret");
        let body = format!(
            "--XyZ\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\nhello\r\n--XyZ\r\n\
             Content-Disposition: form-data; name=\"_csrf\"\r\n\r\n{token}\r\n--XyZ\r\n\
             Content-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nx\r\n--XyZ--\r\n"
        );
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("multipart/form-data; boundary=XyZ"));
        assert!(csrf_ok(&h, body.as_bytes(), &token));
        assert!(!csrf_ok(&h, body.replace(&token, "0000").as_bytes(), &token));
        let forged = "--XyZ\r\nContent-Disposition: form-data; name=\"_csrf\"; filename=\"t\"\r\n\r\nabc\r\n--XyZ--\r\n";
        assert!(!csrf_ok(&h, forged.as_bytes(), "abc"), "a file part is not the token");
    }

    #[test]
    fn cookies_are_found_by_name() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("a=1; cd_session=tok; b=2"));
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("tok"));
        assert_eq!(cookie(&h, "c"), None);
    }
}
