//! Issue 4 over HTTP on both backends: the review workflow per role, visibility for every kind
//! of reader through list, get, search and the public pages, hostile markdown, versions,
//! feedback, questions, and articles drafted from tickets.

mod common;

use common::{Backend, TestServer, seed};
use serde_json::{Value, json};

fn ids(v: &Value) -> Vec<String> {
    v["items"].as_array().expect("items").iter().map(|x| x["id"].as_str().expect("id").to_owned()).collect()
}

async fn article(s: &TestServer, token: &str, title: &str, visibility: &str) -> String {
    let (status, a) = s
        .post(
            "/api/v1/kb/articles",
            token,
            json!({"title": title, "summary": "s", "body": format!("{title} body"), "category": "FAQ", "visibility": visibility}),
        )
        .await;
    assert_eq!(status, 201, "{a}");
    assert_eq!(a["status"], "draft");
    a["id"].as_str().expect("id").to_owned()
}

/// Must-show 1: the workflow per role.
async fn workflow_per_role(backend: Backend) {
    let s = TestServer::start(backend).await;
    let a = seed(&s, "acme").await;
    let agent = a.token(&s, "agent").await;
    let sup = a.token(&s, "supervisor").await;
    let customer = a.token(&s, "customer").await;
    let path = |id: &str| format!("/api/v1/kb/articles/{id}");

    assert_eq!(
        s.post("/api/v1/kb/articles", &customer, json!({"title": "x", "body": "y"})).await.0,
        403,
        "customers do not write"
    );
    let id = article(&s, &agent, "Agent draft", "public").await;
    let (status, err) = s.patch(&path(&id), &agent, json!({"status": "published"})).await;
    assert_eq!((status, err["error"]["code"].as_str()), (422, Some("invalid_transition")), "writers cannot publish: {err}");
    assert_eq!(s.patch(&path(&id), &agent, json!({"status": "in_review"})).await.0, 200, "writers submit");
    assert_eq!(s.patch(&path(&id), &agent, json!({"body": "fixed typo"})).await.0, 200, "writers edit in review");
    assert_eq!(s.patch(&path(&id), &sup, json!({"status": "draft"})).await.1["status"], "draft", "publishers reject");
    s.patch(&path(&id), &agent, json!({"status": "in_review"})).await;
    let (status, published) = s.patch(&path(&id), &sup, json!({"status": "published", "notes": "approved"})).await;
    assert_eq!(status, 200);
    assert_eq!((published["version"].as_i64(), published["reviewer_id"].is_string()), (Some(1), true));
    let (status, err) = s.patch(&path(&id), &agent, json!({"body": "sneaky edit"})).await;
    assert_eq!((status, err["error"]["code"].as_str()), (403, Some("not_allowed")), "writers do not edit live articles");
    assert_eq!(s.patch(&path(&id), &agent, json!({"status": "archived"})).await.0, 422);
    assert_eq!(s.patch(&path(&id), &sup, json!({"status": "archived"})).await.1["status"], "archived");
    assert_eq!(s.patch(&path(&id), &sup, json!({"status": "published"})).await.0, 422, "archived goes back through draft");
    // Admins and supervisors publish their own drafts directly.
    let own = article(&s, &a.admin_token, "Admin article", "internal").await;
    assert_eq!(s.patch(&path(&own), &a.admin_token, json!({"status": "published"})).await.1["status"], "published");
    assert_eq!(s.patch(&path(&own), &a.admin_token, json!({"status": "bogus"})).await.0, 422);
}

/// Must-show 2: anonymous, customer, agent and another tenant each see exactly what they may.
async fn visibility(backend: Backend) {
    let s = TestServer::start(backend).await;
    let a = seed(&s, "acme").await;
    let other = s.tenant("globex").await;
    let agent = a.token(&s, "agent").await;
    let customer = a.token(&s, "customer").await;
    let mut made = std::collections::HashMap::new();
    for vis in ["public", "customers", "internal"] {
        let id = article(&s, &a.admin_token, &format!("Quasar {vis} guide"), vis).await;
        assert_eq!(s.patch(&format!("/api/v1/kb/articles/{id}"), &a.admin_token, json!({"status": "published"})).await.0, 200);
        made.insert(vis, id);
    }
    let draft = article(&s, &a.admin_token, "Quasar draft", "public").await;
    let set = |v: &[&str]| -> std::collections::BTreeSet<String> { v.iter().map(|x| (*x).to_owned()).collect() };
    let got = |v: &Value| -> std::collections::BTreeSet<String> { ids(v).into_iter().collect() };
    let (pu, cu, int) = (made["public"].as_str(), made["customers"].as_str(), made["internal"].as_str());

    // Search.
    assert_eq!(got(&s.call("GET", "/api/v1/public/acme/kb/search?q=quasar&mode=keyword", None, None).await.1), set(&[pu]));
    assert_eq!(got(&s.get("/api/v1/kb/search?q=quasar&mode=keyword", &customer).await.1), set(&[pu, cu]));
    assert_eq!(got(&s.get("/api/v1/kb/search?q=quasar&mode=keyword", &agent).await.1), set(&[pu, cu, int]));
    assert_eq!(got(&s.get("/api/v1/kb/search?q=quasar&mode=keyword", &other).await.1), set(&[]));
    assert_eq!(got(&s.call("GET", "/api/v1/public/globex/kb/search?q=quasar&mode=keyword", None, None).await.1), set(&[]));
    // Lists.
    let listed = |v: &Value| -> std::collections::BTreeSet<String> {
        got(v).into_iter().filter(|i| made.values().any(|m| m == i) || *i == draft).collect()
    };
    assert_eq!(listed(&s.call("GET", "/api/v1/public/acme/kb/articles", None, None).await.1), set(&[pu]));
    assert_eq!(listed(&s.get("/api/v1/kb/articles", &customer).await.1), set(&[pu, cu]));
    assert_eq!(listed(&s.get("/api/v1/kb/articles", &agent).await.1), set(&[pu, cu, int, &draft]));
    assert_eq!(listed(&s.get("/api/v1/kb/articles", &other).await.1), set(&[]));
    // Gets.
    for (id, customer_sees) in [(pu, true), (cu, true), (int, false), (draft.as_str(), false)] {
        assert_eq!(s.get(&format!("/api/v1/kb/articles/{id}"), &customer).await.0, if customer_sees { 200 } else { 404 }, "{id}");
        assert_eq!(s.get(&format!("/api/v1/kb/articles/{id}"), &agent).await.0, 200);
        assert_eq!(s.get(&format!("/api/v1/kb/articles/{id}"), &other).await.0, 404);
    }
    assert_eq!(s.call("GET", "/api/v1/public/acme/kb/articles/quasar-public-guide", None, None).await.0, 200);
    for slug in ["quasar-customers-guide", "quasar-internal-guide", "quasar-draft"] {
        assert_eq!(s.call("GET", &format!("/api/v1/public/acme/kb/articles/{slug}"), None, None).await.0, 404, "{slug}");
        assert_eq!(s.call("GET", &format!("/api/v1/public/globex/kb/articles/{slug}"), None, None).await.0, 404);
    }
    assert_eq!(s.call("GET", "/api/v1/public/nosuchtenant/kb/search?q=quasar", None, None).await.0, 404);
    // The HTML pages.
    let page = |path: &str| {
        let url = format!("{}{path}", s.base);
        let http = s.http.clone();
        async move {
            let res = http.get(url).send().await.expect("page");
            (res.status().as_u16(), res.text().await.expect("text"))
        }
    };
    let (status, html) = page("/kb/acme?q=quasar").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Quasar public guide")
            && !html.contains("Quasar customers guide")
            && !html.contains("Quasar internal guide"),
        "{html}"
    );
    assert_eq!(page("/kb/acme/quasar-public-guide").await.0, 200);
    assert_eq!(page("/kb/acme/quasar-internal-guide").await.0, 404);
    // Semantic and hybrid search: see tests/ai.rs.
    // Categories are the tenant's own: renaming one touches no other tenant.
    let (_, cats) = s.get("/api/v1/kb/categories", &a.admin_token).await;
    let faq = cats["items"].as_array().expect("items").iter().find(|c| c["slug"] == "faq").expect("faq")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(
        s.patch(&format!("/api/v1/kb/categories/{faq}"), &a.admin_token, json!({"name": "Questions"})).await.1["name"],
        "Questions"
    );
    assert_eq!(s.patch(&format!("/api/v1/kb/categories/{faq}"), &other, json!({"name": "Mine now"})).await.0, 404);
    let (_, theirs) = s.get("/api/v1/kb/categories", &other).await;
    assert!(theirs["items"].as_array().expect("items").iter().any(|c| c["name"] == "FAQ"));
}

/// Must-show 3 through the API: hostile markdown is stored as written and served inert.
async fn hostile_markdown_renders_inert(backend: Backend) {
    let s = TestServer::start(backend).await;
    let admin = s.tenant("acme").await;
    let body = "quasar <script>alert(1)</script> [x](javascript:alert(2)) <img src=x onerror=alert(3)> \
                <svg onload=alert(4)><script>alert(5)</script></svg> ![y](data:text/html;base64,PHNjcmlwdD4=) <a href=\"JAVASCRIPT:alert(6)\">z</a>";
    let (status, a) =
        s.post("/api/v1/kb/articles", &admin, json!({"title": "Hostile", "body": body, "visibility": "public"})).await;
    assert_eq!(status, 201);
    assert_eq!(a["body"], body, "the source is kept as written");
    let html = a["body_html"].as_str().expect("html").to_lowercase();
    assert!(html.contains("quasar"));
    for bad in ["<script", "javascript:", "onerror", "onload", "<svg", "data:text/html"] {
        assert!(!html.contains(bad), "{bad} survived: {html}");
    }
    s.patch(&format!("/api/v1/kb/articles/{}", a["id"].as_str().expect("id")), &admin, json!({"status": "published"})).await;
    let page =
        s.http.get(format!("{}/kb/acme/hostile", s.base)).send().await.expect("page").text().await.expect("text").to_lowercase();
    assert!(page.contains("quasar") && !page.contains("<script") && !page.contains("onerror"), "{page}");
}

/// Must-show 4: publish, edit, publish, read v1, restore v1 as draft.
async fn version_round_trip(backend: Backend) {
    let s = TestServer::start(backend).await;
    let a = seed(&s, "acme").await;
    let sup = a.token(&s, "supervisor").await;
    let id = article(&s, &sup, "Reset a router", "public").await;
    let path = format!("/api/v1/kb/articles/{id}");
    s.patch(&path, &sup, json!({"body": "Step one\nStep two"})).await;
    assert_eq!(s.patch(&path, &sup, json!({"status": "published", "notes": "v1"})).await.1["version"], 1);
    assert_eq!(s.patch(&path, &sup, json!({"status": "draft"})).await.0, 200);
    s.patch(&path, &sup, json!({"body": "Step one\nStep 2, clarified\nStep three"})).await;
    assert_eq!(s.patch(&path, &sup, json!({"status": "published", "notes": "v2"})).await.1["version"], 2);
    // A publisher's edit of a live article is a version of its own.
    let (_, v3) = s.patch(&path, &sup, json!({"summary": "Now with pictures", "notes": "v3"})).await;
    assert_eq!((v3["version"].as_i64(), v3["status"].as_str()), (Some(3), Some("published")));

    let (_, versions) = s.get(&format!("{path}/versions"), &sup).await;
    let list = versions["items"].as_array().expect("items");
    assert_eq!(list.iter().map(|v| v["version"].as_i64().expect("v")).collect::<Vec<_>>(), [3, 2, 1]);
    let v1 = list.iter().find(|v| v["version"] == 1).expect("v1");
    assert_eq!((v1["body"].as_str(), v1["notes"].as_str()), (Some("Step one\nStep two"), Some("v1")));
    let (_, diff) = s.get(&format!("{path}/diff?from=1&to=2"), &sup).await;
    let ops: Vec<String> = diff["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| format!("{}:{}", l["op"].as_str().expect("op"), l["text"].as_str().expect("t")))
        .collect();
    assert_eq!(ops, ["same:Step one", "removed:Step two", "added:Step 2, clarified", "added:Step three"]);
    let (status, restored) = s.post(&format!("{path}/restore"), &sup, json!({"version": 1})).await;
    assert_eq!(status, 200, "{restored}");
    assert_eq!((restored["status"].as_str(), restored["body"].as_str()), (Some("draft"), Some("Step one\nStep two")));
    assert_eq!(s.post(&format!("{path}/restore"), &sup, json!({"version": 9})).await.0, 422);
    let customer = a.token(&s, "customer").await;
    assert_eq!(s.get(&format!("{path}/versions"), &customer).await.0, 403);
}

/// Views once per reader and day, one vote per user, ratings, resolved tickets, questions.
async fn feedback_and_questions(backend: Backend) {
    let s = TestServer::start(backend).await;
    let a = seed(&s, "acme").await;
    let customer = a.token(&s, "customer").await;
    let other = a.token(&s, "other_customer").await;
    let agent = a.token(&s, "agent").await;
    let id = &a.ids["article"];
    let path = format!("/api/v1/kb/articles/{id}");
    let (_, before) = s.get(&path, &agent).await;
    let views = before["view_count"].as_i64().expect("views");
    s.get(&path, &customer).await;
    s.get(&path, &customer).await;
    s.get(&path, &other).await;
    // A read answers the count before itself. New readers today: the agent (first read above)
    // and the other customer; the seed's customer had read it already.
    assert_eq!(s.get(&path, &agent).await.1["view_count"].as_i64(), Some(views + 2));
    s.call("GET", &format!("/api/v1/public/acme/kb/articles/{}", a.article_slug), None, None).await;
    s.call("GET", &format!("/api/v1/public/acme/kb/articles/{}", a.article_slug), None, None).await;
    assert_eq!(s.get(&path, &agent).await.1["view_count"].as_i64(), Some(views + 3), "an anonymous visitor counts once a day");

    // The seed's customer voted helpful with 4 (and an anonymous reader helpful in the help
    // center); changing the customer's vote does not double count.
    let (_, v) = s.post(&format!("{path}/vote"), &customer, json!({"helpful": false, "rating": 2})).await;
    assert_eq!(
        (v["helpful_count"].as_i64(), v["not_helpful_count"].as_i64(), v["rating_count"].as_i64()),
        (Some(1), Some(1), Some(1))
    );
    let (_, v) = s.post(&format!("{path}/vote"), &other, json!({"helpful": true, "rating": 5})).await;
    assert_eq!(
        (v["helpful_score"].as_i64(), v["rating_average"].as_f64()),
        (Some(66), Some(3.5)),
        "2 of 3 found it helpful (rounded down)"
    );
    assert_eq!(s.post(&format!("{path}/vote"), &other, json!({"rating": 9})).await.0, 422);
    assert_eq!(v["resolved_count"].as_i64(), Some(1), "the seed linked one ticket");

    let (_, qs) = s.get(&format!("{path}/questions"), &other).await;
    let q = &qs["items"][0];
    assert_eq!(q["answers"][0]["body"], "Yes.");
    let qid = q["id"].as_str().expect("id");
    assert_eq!(
        s.patch(&format!("/api/v1/kb/questions/{qid}"), &customer, json!({"hidden": true})).await.0,
        403,
        "customers do not moderate"
    );
    let public_questions = format!("/api/v1/public/acme/kb/articles/{}/questions", a.article_slug);
    let (_, anon) = s.call("GET", &public_questions, None, None).await;
    assert_eq!(anon["items"][0]["answers"][0]["body"], "Yes.", "anonymous readers of a public article see its thread");
    assert_eq!(s.patch(&format!("/api/v1/kb/questions/{qid}"), &agent, json!({"hidden": true})).await.0, 200);
    assert!(
        s.get(&format!("{path}/questions"), &other).await.1["items"].as_array().expect("items").is_empty(),
        "hidden from readers"
    );
    let (_, anon) = s.call("GET", &public_questions, None, None).await;
    assert!(anon["items"].as_array().expect("items").is_empty(), "hidden from anonymous readers");
    assert_eq!(
        s.get(&format!("{path}/questions"), &agent).await.1["items"].as_array().expect("items").len(),
        1,
        "agents still see it"
    );
    assert_eq!(s.post(&format!("/api/v1/kb/questions/{qid}/answers"), &customer, json!({"body": "me too"})).await.0, 403);
}

/// A resolved ticket becomes a draft article holding its problem, cause, resolution and steps.
async fn ticket_to_draft_article(backend: Backend) {
    let s = TestServer::start(backend).await;
    let a = seed(&s, "acme").await;
    let agent = a.token(&s, "agent").await;
    let t = &a.customer_ticket;
    assert_eq!(s.post(&format!("/api/v1/tickets/{t}/draft-article"), &agent, json!({})).await.0, 422, "not before resolution");
    s.patch(
        &format!("/api/v1/tickets/{t}"),
        &agent,
        json!({"status": "resolved", "resolution": "Replaced the tray 2 roller.", "root_cause": "Worn roller"}),
    )
    .await;
    let (status, draft) = s.post(&format!("/api/v1/tickets/{t}/draft-article"), &agent, json!({})).await;
    assert_eq!(status, 201, "{draft}");
    let body = draft["body"].as_str().expect("body");
    for part in [
        "## Problem",
        "Tray 2 jams",
        "## Cause",
        "Worn roller",
        "## Resolution",
        "Replaced the tray 2 roller.",
        "## Steps",
        "1. Which tray?",
    ] {
        assert!(body.contains(part), "{part} missing from {body}");
    }
    assert!(!body.contains(&a.internal_note), "internal notes stay out of articles");
    assert_eq!((draft["status"].as_str(), draft["visibility"].as_str()), (Some("draft"), Some("internal")));
    assert_eq!(draft["source_ticket_id"].as_str(), Some(t.as_str()));
    assert!(draft["key"].as_str().expect("key").starts_with("KB-20"));
}

on_both_backends!(
    workflow_per_role,
    visibility,
    hostile_markdown_renders_inert,
    version_round_trip,
    feedback_and_questions,
    ticket_to_draft_article
);
