//! Tickets over HTTP on both backends: who sees what, numbering under concurrency, the
//! status rules of a reply, and the error contract.

mod common;

use common::{Backend, TestServer, seed};
use serde_json::{Value, json};

fn ids(list: &Value) -> Vec<String> {
    list["items"].as_array().expect("items").iter().map(|t| t["id"].as_str().expect("id").to_owned()).collect()
}

/// Must-show 3: customers see their own tickets, company admins their company's, nobody on the
/// customer side sees internal notes — in lists, gets, comments and history.
async fn customers_see_only_their_own(backend: Backend) {
    let s = TestServer::start(backend).await;
    let a = seed(&s, "acme").await;
    let customer = a.token(&s, "customer").await;
    let other = a.token(&s, "other_customer").await;
    let cadmin = a.token(&s, "company_admin").await;
    let agent = a.token(&s, "agent").await;

    let mine = ids(&s.get("/api/v1/tickets", &customer).await.1);
    assert_eq!(mine, vec![a.customer_ticket.clone()]);
    let theirs = ids(&s.get("/api/v1/tickets", &other).await.1);
    assert_eq!(theirs, vec![a.other_company_ticket.clone()]);
    let mut company = ids(&s.get("/api/v1/tickets", &cadmin).await.1);
    company.sort();
    let mut expected = vec![a.customer_ticket.clone(), a.company_admin_ticket.clone()];
    expected.sort();
    assert_eq!(company, expected, "company admin sees the company's tickets, not Globex's");
    assert_eq!(ids(&s.get("/api/v1/tickets", &agent).await.1).len(), 3);

    for (token, foreign) in [
        (&customer, &a.other_company_ticket),
        (&customer, &a.company_admin_ticket),
        (&other, &a.customer_ticket),
        (&cadmin, &a.other_company_ticket),
    ] {
        for path in [
            format!("/api/v1/tickets/{foreign}"),
            format!("/api/v1/tickets/{foreign}/comments"),
            format!("/api/v1/tickets/{foreign}/history"),
        ] {
            let (status, body) = s.get(&path, token).await;
            assert_eq!(status, 404, "{path}: {body}");
        }
        let (status, _) = s.post(&format!("/api/v1/tickets/{foreign}/comments"), token, json!({"body": "hello?"})).await;
        assert_eq!(status, 404);
        let (status, _) = s.patch(&format!("/api/v1/tickets/{foreign}"), token, json!({"status": "resolved"})).await;
        assert_eq!(status, 404);
        let (_, found) = s.get("/api/v1/tickets?q=vpn", token).await;
        assert!(!ids(&found).contains(foreign), "search leaks");
    }

    let t = &a.customer_ticket;
    for token in [&customer, &cadmin] {
        for path in [
            format!("/api/v1/tickets/{t}"),
            format!("/api/v1/tickets/{t}/comments"),
            format!("/api/v1/tickets/{t}/history"),
            "/api/v1/tickets".into(),
        ] {
            let (status, body) = s.get(&path, token).await;
            assert_eq!(status, 200, "{path}");
            assert!(!body.to_string().contains(&a.internal_note), "{path} shows the internal note to a customer");
        }
    }
    let (_, comments) = s.get(&format!("/api/v1/tickets/{t}/comments"), &customer).await;
    assert_eq!(comments["items"].as_array().expect("items").len(), 1, "the public reply only");
    let (_, comments) = s.get(&format!("/api/v1/tickets/{t}/comments"), &agent).await;
    assert!(comments.to_string().contains(&a.internal_note), "agents do see the note");
    let (status, err) =
        s.post(&format!("/api/v1/tickets/{t}/comments"), &customer, json!({"body": "psst", "internal": true})).await;
    assert_eq!(status, 403, "{err}");
    let (status, _) = s.patch(&format!("/api/v1/tickets/{t}"), &customer, json!({"priority": "critical"})).await;
    assert_eq!(status, 403, "customers cannot change priority");
}

/// Must-show 5: 32 concurrent creations in one tenant get 32 distinct consecutive numbers.
async fn concurrent_creations_get_consecutive_numbers(backend: Backend) {
    let s = TestServer::start(backend).await;
    let admin = s.tenant("busy").await;
    let (_, first) = s.post("/api/v1/tickets", &admin, json!({"subject": "first"})).await;
    let base = first["number"].as_i64().expect("number");
    let calls = (0..32).map(|i| {
        let (s, admin) = (&s, &admin);
        async move { s.post("/api/v1/tickets", admin, json!({"subject": format!("parallel {i}"), "description": "x"})).await }
    });
    let results = futures_util::future::join_all(calls).await;
    let mut numbers: Vec<i64> = results
        .iter()
        .map(|(status, t)| {
            assert_eq!(*status, 201, "{t}");
            assert_eq!(t["key"], format!("BUSY-{}", t["number"]));
            t["number"].as_i64().expect("number")
        })
        .collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (base + 1..=base + 32).collect::<Vec<_>>());
    // Another tenant's numbering is its own, also when both create at once (one batch may hold
    // both tenants, interleaved).
    let other = s.tenant("quiet").await;
    let both = (0..32).map(|i| {
        let (s, token) = (&s, if i % 2 == 0 { &admin } else { &other });
        async move { s.post("/api/v1/tickets", token, json!({"subject": format!("mixed {i}")})).await }
    });
    let results = futures_util::future::join_all(both).await;
    let mut quiet: Vec<i64> = Vec::new();
    for (status, t) in &results {
        assert_eq!(*status, 201, "{t}");
        if t["key"].as_str().expect("key").starts_with("QUIET-") {
            quiet.push(t["number"].as_i64().expect("n"));
        }
    }
    quiet.sort_unstable();
    assert_eq!(quiet, (1..=16).collect::<Vec<i64>>());
}

/// A staff reply records the first response and starts work; a customer reply to a ticket
/// waiting on them reopens it; illegal moves are 422 naming the allowed ones; history records all.
async fn replies_drive_the_status(backend: Backend) {
    let s = TestServer::start(backend).await;
    let a = seed(&s, "acme").await;
    let customer = a.token(&s, "customer").await;
    let agent = a.token(&s, "agent").await;
    let (status, t) =
        s.post("/api/v1/tickets", &customer, json!({"subject": "Label printer blank", "description": "Since the update."})).await;
    assert_eq!(status, 201);
    assert_eq!(t["status"], "new");
    assert_eq!(t["channel"], "portal");
    let id = t["id"].as_str().expect("id");
    let path = format!("/api/v1/tickets/{id}");
    s.post(&format!("{path}/comments"), &agent, json!({"body": "Which model?"})).await;
    let (_, t) = s.get(&path, &agent).await;
    assert_eq!(t["status"], "in_progress");
    assert!(t["first_response_at"].is_string());
    let (status, _) = s.patch(&path, &agent, json!({"status": "waiting_on_customer"})).await;
    assert_eq!(status, 200);
    s.post(&format!("{path}/comments"), &customer, json!({"body": "ZT410"})).await;
    assert_eq!(s.get(&path, &agent).await.1["status"], "open");
    let (status, err) = s.patch(&path, &customer, json!({"status": "closed"})).await;
    assert_eq!(status, 422, "customers cannot close: {err}");
    assert_eq!(err["error"]["code"], "invalid_transition");
    assert_eq!(s.patch(&path, &customer, json!({"status": "resolved"})).await.0, 200);
    let (status, err) = s.patch(&path, &agent, json!({"status": "new"})).await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["message"], "cannot move a ticket from resolved to new; allowed: open, closed");
    let (status, err) = s.patch(&path, &agent, json!({"status": "sleeping"})).await;
    assert_eq!((status, err["error"]["fields"][0]["field"].as_str()), (422, Some("status")));
    let (_, hist) = s.get(&format!("{path}/history"), &agent).await;
    let kinds: Vec<String> = hist["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| {
            format!(
                "{}:{}",
                e["kind"].as_str().unwrap_or(""),
                e["new_value"].as_str().filter(|_| e["kind"] != "reply").unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        kinds,
        ["created:new", "field:in_progress", "reply:", "field:waiting_on_customer", "field:open", "reply:", "field:resolved"]
    );
}

/// Bad input is a 4xx with the stable error body, never a 500.
async fn bad_input_gets_clear_errors(backend: Backend) {
    let s = TestServer::start(backend).await;
    let admin = s.tenant("strict").await;
    let raw = |method: &str, path: &str, body: &'static str, ctype: Option<&'static str>| {
        let mut r = s
            .http
            .request(reqwest::Method::from_bytes(method.as_bytes()).expect("m"), format!("{}{path}", s.base))
            .bearer_auth(&admin)
            .body(body);
        if let Some(c) = ctype {
            r = r.header("content-type", c);
        }
        r.send()
    };
    let cases: Vec<(u16, &str, reqwest::Response)> = vec![
        (400, "bad_request", raw("POST", "/api/v1/tickets", "{not json", Some("application/json")).await.expect("send")),
        (415, "unsupported_media_type", raw("POST", "/api/v1/tickets", "{}", None).await.expect("send")),
        (
            422,
            "validation_failed",
            raw("POST", "/api/v1/tickets", "{\"subject\": 5}", Some("application/json")).await.expect("send"),
        ),
        (
            422,
            "validation_failed",
            raw("POST", "/api/v1/tickets", "{\"subject\": \"   \"}", Some("application/json")).await.expect("send"),
        ),
        (
            422,
            "validation_failed",
            raw("POST", "/api/v1/tickets", "{\"subject\": \"x\", \"priority\": \"urgent!\"}", Some("application/json"))
                .await
                .expect("send"),
        ),
        (
            422,
            "validation_failed",
            raw(
                "PATCH",
                "/api/v1/tickets/00000000-0000-0000-0000-000000000000",
                "{\"colour\": \"red\"}",
                Some("application/json"),
            )
            .await
            .expect("send"),
        ),
        (404, "not_found", raw("GET", "/api/v1/tickets/not-a-uuid", "", None).await.expect("send")),
        (404, "not_found", raw("GET", "/api/v1/nothing-here", "", None).await.expect("send")),
        (405, "method_not_allowed", raw("DELETE", "/api/v1/tickets", "", None).await.expect("send")),
        (422, "validation_failed", raw("GET", "/api/v1/tickets?limit=abc", "", None).await.expect("send")),
        (422, "validation_failed", raw("GET", "/api/v1/tickets?cursor=abc", "", None).await.expect("send")),
        (
            401,
            "unauthorized",
            s.http.get(format!("{}/api/v1/tickets", s.base)).bearer_auth("garbage").send().await.expect("send"),
        ),
    ];
    for (i, (status, code, res)) in cases.into_iter().enumerate() {
        assert_eq!(res.status().as_u16(), status, "case {i}");
        let body: Value = res.json().await.unwrap_or_else(|e| panic!("case {i}: body is not JSON: {e}"));
        assert_eq!(body["error"]["code"], code, "case {i}: {body}");
        assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "case {i}");
    }
    // NUL characters and punctuation-only searches are refused or empty, never a 500.
    let (status, err) = s.post("/api/v1/tickets", &admin, json!({"subject": "nul \u{0} here"})).await;
    assert_eq!((status, err["error"]["fields"][0]["field"].as_str()), (422, Some("subject")));
    for q in ["%22", "%22%22%20%22", "%00", "abc%00", "*", "%E2%80%8B"] {
        let (status, body) = s.get(&format!("/api/v1/tickets?q={q}"), &admin).await;
        assert_eq!(status, 200, "q={q}: {body}");
        let (status, body) = s.get(&format!("/api/v1/kb/search?q={q}"), &admin).await;
        assert_eq!(status, 200, "kb q={q}: {body}");
        let (status, body) = s.call("GET", &format!("/api/v1/public/strict/kb/search?q={q}"), None, None).await;
        assert_eq!(status, 200, "public q={q}: {body}");
    }
    let (status, _) = s.call("GET", "/api/v1/public/%00/kb/articles", None, None).await;
    assert!(status == 404 || status == 422, "{status}");
    let big = "x".repeat(desk_web::BODY_LIMIT + 10);
    let res = s
        .http
        .post(format!("{}/api/v1/tickets", s.base))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body(format!("{{\"subject\":\"{big}\"}}"))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status().as_u16(), 413);
    let (status, err) =
        s.post("/api/v1/users", &admin, json!({"email": "not-an-email", "role": "wizard", "password": "short"})).await;
    assert_eq!(status, 422);
    let mut fields: Vec<&str> =
        err["error"]["fields"].as_array().expect("fields").iter().filter_map(|f| f["field"].as_str()).collect();
    fields.sort_unstable();
    assert_eq!(fields, ["email", "password", "role"]);
    let user = json!({"email": "dup@strict.example", "role": "agent", "password": "long-enough-pw"});
    assert_eq!(s.post("/api/v1/users", &admin, user.clone()).await.0, 201);
    let (status, err) = s.post("/api/v1/users", &admin, user).await;
    assert_eq!((status, err["error"]["code"].as_str()), (409, Some("conflict")));
}

/// Pages by cursor visit every visible ticket once, newest first.
async fn cursor_pagination_visits_every_ticket_once(backend: Backend) {
    let s = TestServer::start(backend).await;
    let admin = s.tenant("pages").await;
    for i in 0..12 {
        s.post(
            "/api/v1/tickets",
            &admin,
            json!({"subject": format!("t{i}"), "priority": if i % 3 == 0 { "high" } else { "low" }}),
        )
        .await;
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/tickets?limit=5&cursor={c}"),
            None => "/api/v1/tickets?limit=5".into(),
        };
        let (status, page) = s.get(&path, &admin).await;
        assert_eq!(status, 200);
        seen.extend(page["items"].as_array().expect("items").iter().map(|t| t["number"].as_i64().expect("n")));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, (1..=12).rev().collect::<Vec<i64>>());
    let (_, high) = s.get("/api/v1/tickets?priority=high", &admin).await;
    assert_eq!(high["items"].as_array().expect("items").len(), 4);
}

on_both_backends!(
    customers_see_only_their_own,
    concurrent_creations_get_consecutive_numbers,
    replies_drive_the_status,
    bad_input_gets_clear_errors,
    cursor_pagination_visits_every_ticket_once,
);
