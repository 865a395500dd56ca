//! `/kb/{tenant}` (list and search) and `/kb/{tenant}/{slug}` (an article): a tenant's public
//! articles as plain HTML. Every text is escaped; article bodies are sanitised when saved.

use std::fmt::Write;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use desk_core::CoreError;
use serde::Deserialize;

use crate::AppState;
use crate::api::kb::visitor;
use crate::dto::escape_html as e;

const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:0 auto;padding:1rem;color:#1a1a1a}\
a{color:#0b57d0}mark{background:#ffe58a}input{font:inherit;padding:.4rem;width:70%}button{font:inherit;padding:.4rem .8rem}\
li{margin:.6rem 0}.muted{color:#555}@media(max-width:480px){input{width:100%}}";

fn page(title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body><main>{body}</main></body></html>",
        e(title)
    );
    (
        [
            (header::CONTENT_SECURITY_POLICY, "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        Html(html),
    )
        .into_response()
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, page("Not found", "<h1>Not found</h1><p>There is no such page.</p>")).into_response()
}

/// `?q=` of the list page.
#[derive(Deserialize)]
pub struct Search {
    q: Option<String>,
}

/// The tenant's public articles, or search results for `q`.
pub async fn index(State(s): State<AppState>, Path(tenant): Path<String>, Query(search): Query<Search>) -> Response {
    let q = search.q.unwrap_or_default();
    let form = format!(
        "<form method=\"get\" role=\"search\"><label for=\"q\">Search the help center</label><br>\
         <input id=\"q\" name=\"q\" value=\"{}\"> <button type=\"submit\">Search</button></form>",
        e(&q)
    );
    let list = if q.trim().is_empty() {
        match s.desk.public_articles(&tenant, 100, 0).await {
            Ok(articles) => articles.iter().fold(String::new(), |mut out, a| {
                let _ = write!(
                    out,
                    "<li><a href=\"/kb/{}/{}\">{}</a><br><span class=\"muted\">{}</span></li>",
                    e(&tenant),
                    e(&a.slug),
                    e(&a.title),
                    e(&a.summary)
                );
                out
            }),
            Err(CoreError::NotFound) => return not_found(),
            Err(_) => return (StatusCode::INTERNAL_SERVER_ERROR, page("Error", "<p>Something went wrong.</p>")).into_response(),
        }
    } else {
        match s.desk.public_search(&tenant, &q, None, 20).await {
            Ok(hits) => hits.iter().fold(String::new(), |mut out, h| {
                let snippet = crate::dto::render_snippet(&h.snippet).1;
                let _ = write!(
                    out,
                    "<li><a href=\"/kb/{}/{}\">{}</a><br><span class=\"muted\">{snippet}</span></li>",
                    e(&tenant),
                    e(&h.slug),
                    e(&h.title)
                );
                out
            }),
            Err(CoreError::NotFound) => return not_found(),
            Err(_) => return (StatusCode::INTERNAL_SERVER_ERROR, page("Error", "<p>Something went wrong.</p>")).into_response(),
        }
    };
    let list = if list.is_empty() { "<p>No articles found.</p>".to_owned() } else { format!("<ul>{list}</ul>") };
    page("Help center", &format!("<h1>Help center</h1>{form}{list}"))
}

/// One public article.
pub async fn article(State(s): State<AppState>, Path((tenant, slug)): Path<(String, String)>, headers: HeaderMap) -> Response {
    match s.desk.public_article(&tenant, &slug, &visitor(&headers)).await {
        Ok(a) => page(
            &a.title,
            &format!(
                "<p><a href=\"/kb/{}\">← Help center</a></p><article><h1>{}</h1><p class=\"muted\">{} · updated {}</p>{}</article>",
                e(&tenant),
                e(&a.title),
                e(&a.key),
                e(crate::dto::rfc3339(a.updated_at).get(..10).unwrap_or_default()),
                a.body_html
            ),
        ),
        Err(_) => not_found(),
    }
}
