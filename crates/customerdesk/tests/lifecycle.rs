//! Issue 3 over HTTP on both backends: the whole customer/agent lifecycle, views and sorts,
//! full-text search, rating rules, merge, bulk update and attachments.

mod common;

use common::{Backend, TestServer, seed};
use serde_json::{Value, json};

fn items(v: &Value) -> &Vec<Value> {
    v["items"].as_array().expect("items")
}

fn subjects(v: &Value) -> Vec<String> {
    items(v).iter().map(|t| t["subject"].as_str().expect("subject").to_owned()).collect()
}

/// Must-show 2: customer creates → agent replies (first response) → waiting → customer replies
/// (open) → agent resolves → customer rates 5 → the history shows every step in order.
async fn end_to_end(backend: Backend) {
    let s = TestServer::start(backend).await;
    let a = seed(&s, "acme").await;
    let customer = a.token(&s, "customer").await;
    let agent = a.token(&s, "agent").await;
    let (status, t) = s
        .post(
            "/api/v1/tickets",
            &customer,
            json!({"subject": "Zeppelin labels blank", "description": "Every label prints blank.", "type": "problem"}),
        )
        .await;
    assert_eq!(status, 201, "{t}");
    let path = format!("/api/v1/tickets/{}", t["id"].as_str().expect("id"));
    assert_eq!(t["type"], "problem");
    assert!(t["first_response_at"].is_null());

    assert_eq!(s.post(&format!("{path}/comments"), &agent, json!({"body": "Which printer model?"})).await.0, 201);
    let (_, t) = s.get(&path, &agent).await;
    assert_eq!(t["status"], "in_progress");
    assert!(t["first_response_at"].is_string(), "first response recorded");
    assert_eq!(s.patch(&path, &agent, json!({"status": "waiting_on_customer"})).await.0, 200);
    assert_eq!(s.post(&format!("{path}/comments"), &customer, json!({"body": "A Zebra ZT410."})).await.0, 201);
    assert_eq!(s.get(&path, &agent).await.1["status"], "open");
    let (status, t) = s
        .patch(&path, &agent, json!({"status": "resolved", "resolution": "Firmware 4.2 fixes blank labels.", "resolution_category": "product_update", "root_cause": "Firmware bug"}))
        .await;
    assert_eq!(status, 200, "{t}");
    assert!(t["resolved_at"].is_string());
    let (status, t) = s.post(&format!("{path}/rating"), &customer, json!({"score": 5, "comment": "Quick!"})).await;
    assert_eq!(status, 200, "{t}");
    assert_eq!(t["satisfaction"]["score"], 5);
    assert_eq!(s.post(&format!("{path}/rating"), &customer, json!({"score": 1})).await.0, 409, "rated once");

    let (_, hist) = s.get(&format!("{path}/history"), &customer).await;
    let steps: Vec<String> = items(&hist)
        .iter()
        .map(|e| match e["kind"].as_str().expect("kind") {
            "field" => format!("{}={}", e["field"].as_str().expect("f"), e["new_value"].as_str().unwrap_or("")),
            other => other.to_owned(),
        })
        .collect();
    assert_eq!(
        steps,
        [
            "created",
            "status=in_progress",
            "reply",
            "status=waiting_on_customer",
            "status=open",
            "reply",
            "status=resolved",
            "resolution=Firmware 4.2 fixes blank labels.",
            "root_cause=Firmware bug",
            "resolution_category=product_update",
            "satisfaction_score=5",
        ]
    );
    let times: Vec<&str> = items(&hist).iter().map(|e| e["at"].as_str().expect("at")).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "history is in order");
}

/// The role → side mapping reaches the state machine: the same move is fine for staff and a 422
/// for customers, and the other way round for what only customers' side may not do.
async fn transitions_per_role(backend: Backend) {
    let s = TestServer::start(backend).await;
    let a = seed(&s, "acme").await;
    // (role, from-setup by staff, move, expected status)
    let cases: &[(&str, &str, &str, u16)] = &[
        ("customer", "new", "resolved", 200),
        ("customer", "new", "closed", 422),
        ("customer", "new", "in_progress", 422),
        ("customer", "resolved", "open", 200),
        ("customer", "resolved", "closed", 422),
        ("company_admin", "resolved", "open", 200),
        ("company_admin", "new", "waiting_on_customer", 422),
        ("agent", "new", "waiting_on_customer", 200),
        ("agent", "resolved", "closed", 200),
        ("agent", "resolved", "new", 422),
        ("supervisor", "new", "escalated", 200),
        ("admin", "closed", "open", 422),
        ("admin", "new", "duplicate", 422),
    ];
    let customer = a.token(&s, "customer").await;
    for (role, from, to, expect) in cases {
        let (_, t) = s.post("/api/v1/tickets", &customer, json!({"subject": format!("{role} {from}->{to}")})).await;
        let path = format!("/api/v1/tickets/{}", t["id"].as_str().expect("id"));
        for step in match *from {
            "new" => &[][..],
            "resolved" => &["resolved"][..],
            "closed" => &["resolved", "closed"][..],
            _ => unreachable!(),
        } {
            assert_eq!(s.patch(&path, &a.admin_token, json!({"status": step})).await.0, 200);
        }
        let token = a.token(&s, role).await;
        let (status, body) = s.patch(&path, &token, json!({"status": to})).await;
        assert_eq!(status, *expect, "{role}: {from} -> {to}: {body}");
    }
}

/// Views, filters, sorting and tags.
async fn views_filters_and_sorting(backend: Backend) {
    let s = TestServer::start(backend).await;
    let a = seed(&s, "acme").await;
    let agent = a.token(&s, "agent").await;
    let (_, me) = s.get("/api/v1/me", &agent).await;
    let me_id = me["user"]["id"].as_str().expect("id").to_owned();
    let mk = |subject: &str, priority: &str, tags: Value| json!({"subject": subject, "priority": priority, "tags": tags, "type": "incident", "channel": "phone"});
    let (_, urgent) = s.post("/api/v1/tickets", &a.admin_token, mk("Outage", "critical", json!(["Network", "outage"]))).await;
    let (_, minor) = s.post("/api/v1/tickets", &a.admin_token, mk("Typo on invoice", "low", json!(["billing"]))).await;
    let urgent_path = format!("/api/v1/tickets/{}", urgent["id"].as_str().expect("id"));
    assert_eq!(urgent["tags"], json!(["network", "outage"]));
    assert_eq!(s.patch(&urgent_path, &agent, json!({"assignee_id": me_id, "group_id": a.ids["group"]})).await.0, 200);
    assert_eq!(s.patch(&urgent_path, &agent, json!({"status": "escalated"})).await.0, 200);
    let minor_path = format!("/api/v1/tickets/{}", minor["id"].as_str().expect("id"));
    assert_eq!(s.patch(&minor_path, &agent, json!({"status": "resolved"})).await.0, 200);

    let view = |name: &str| format!("/api/v1/tickets?view={name}");
    let (_, mine) = s.get(&view("mine"), &agent).await;
    assert_eq!(subjects(&mine), ["Outage"], "{mine} {}", s.get(&urgent_path, &agent).await.1);
    assert_eq!(subjects(&s.get(&view("escalated"), &agent).await.1), ["Outage"]);
    assert_eq!(subjects(&s.get(&view("high_priority"), &agent).await.1), ["Outage"]);
    assert_eq!(subjects(&s.get(&view("recently_closed"), &agent).await.1), ["Typo on invoice"]);
    let unassigned = subjects(&s.get(&view("unassigned"), &agent).await.1);
    assert!(!unassigned.contains(&"Outage".to_owned()) && !unassigned.contains(&"Typo on invoice".to_owned()));
    assert_eq!(subjects(&s.get(&view("waiting"), &agent).await.1), Vec::<String>::new());
    assert_eq!(subjects(&s.get("/api/v1/tickets?tag=billing", &agent).await.1), ["Typo on invoice"]);
    assert_eq!(subjects(&s.get("/api/v1/tickets?tag=outage&type=incident&channel=phone", &agent).await.1), ["Outage"]);
    assert_eq!(
        subjects(&s.get("/api/v1/tickets?status=escalated,resolved&sort=oldest", &agent).await.1),
        ["Outage", "Typo on invoice"]
    );
    let by_priority = subjects(&s.get("/api/v1/tickets?sort=priority&limit=2", &agent).await.1);
    assert_eq!(by_priority[0], "Outage");
    let (_, updated) = s.get("/api/v1/tickets?sort=updated&limit=1", &agent).await;
    assert_eq!(subjects(&updated), ["Typo on invoice"], "most recently changed first");
    let (_, next) = s
        .get(&format!("/api/v1/tickets?sort=updated&limit=1&cursor={}", updated["next_cursor"].as_str().expect("cursor")), &agent)
        .await;
    assert_eq!(subjects(&next), ["Outage"]);
    // Moving a ticket to a group its assignee is not in unassigns it; assigning outside the group is refused.
    let (_, other_group) = s.post("/api/v1/groups", &a.admin_token, json!({"name": "Billing"})).await;
    let (status, moved) = s.patch(&urgent_path, &agent, json!({"group_id": other_group["id"]})).await;
    assert_eq!(status, 200);
    assert!(moved["assignee_id"].is_null());
    // The agent is limited to their groups: the ticket is now out of their sight.
    assert_eq!(s.get(&urgent_path, &agent).await.0, 404);
    let (status, err) = s.patch(&urgent_path, &a.admin_token, json!({"assignee_id": me_id})).await;
    assert_eq!((status, err["error"]["fields"][0]["field"].as_str()), (422, Some("assignee_id")));
    for bad in ["view=someday", "sort=random", "type=rant", "tag=a,b", "status=nope"] {
        assert_eq!(s.get(&format!("/api/v1/tickets?{bad}"), &agent).await.0, 422, "{bad}");
    }
}

/// Ranked search over subject, description and public replies, with safe highlighted
/// snippets; internal notes are not searchable and customers search only their own tickets.
async fn full_text_search(backend: Backend) {
    let s = TestServer::start(backend).await;
    let a = seed(&s, "acme").await;
    let customer = a.token(&s, "customer").await;
    let other = a.token(&s, "other_customer").await;
    let agent = a.token(&s, "agent").await;
    let (_, t1) = s
        .post(
            "/api/v1/tickets",
            &customer,
            json!({"subject": "Printer <b>on fire</b>", "description": "The label printer smells of smoke after printing."}),
        )
        .await;
    s.post("/api/v1/tickets", &other, json!({"subject": "Printers everywhere", "description": "We need more printers."})).await;
    let (_, t3) =
        s.post("/api/v1/tickets", &customer, json!({"subject": "Login trouble", "description": "Cannot sign in."})).await;
    let t3id = t3["id"].as_str().expect("id");
    s.post(&format!("/api/v1/tickets/{t3id}/comments"), &agent, json!({"body": "Please clear the browser cookies and retry."}))
        .await;
    s.post(
        &format!("/api/v1/tickets/{t3id}/comments"),
        &agent,
        json!({"body": "zanzibar-secret appears only internally", "internal": true}),
    )
    .await;

    let (status, r) = s.get("/api/v1/tickets?q=printer", &agent).await;
    assert_eq!(status, 200);
    assert_eq!(items(&r).len(), 2 + 1, "both printer tickets and the seeded 'Printer jams': {r}");
    let scores: Vec<f64> = items(&r).iter().map(|x| x["score"].as_f64().expect("score")).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "ranked by score: {scores:?}");
    let hit = items(&r).iter().find(|x| x["id"] == t1["id"]).expect("t1 found");
    let html = hit["snippet_html"].as_str().expect("snippet_html");
    assert!(html.contains("<mark>"), "{html}");
    assert!(!html.contains("<b>"), "user text is escaped: {html}");
    assert!(scores.iter().all(|x| *x > 0.0));

    assert_eq!(subjects(&s.get("/api/v1/tickets?q=cookies", &agent).await.1), ["Login trouble"], "public replies are searchable");
    assert!(items(&s.get("/api/v1/tickets?q=zanzibar", &agent).await.1).is_empty(), "internal notes are not indexed");
    let mine = subjects(&s.get("/api/v1/tickets?q=printer", &customer).await.1);
    assert!(mine.contains(&"Printer <b>on fire</b>".to_owned()) && !mine.contains(&"Printers everywhere".to_owned()), "{mine:?}");
    assert_eq!(
        subjects(&s.get("/api/v1/tickets?q=printer%20smoke", &agent).await.1),
        ["Printer <b>on fire</b>"],
        "all words must match"
    );
    assert_eq!(s.get("/api/v1/tickets?q=%22%20OR%20*%20NEAR(", &agent).await.0, 200, "query syntax is never interpreted");
    assert_eq!(
        subjects(&s.get("/api/v1/tickets?q=printer&priority=critical", &agent).await.1),
        Vec::<String>::new(),
        "filters apply to search"
    );
    let (_, page1) = s.get("/api/v1/tickets?q=printer&limit=2", &agent).await;
    let (_, page2) = s
        .get(&format!("/api/v1/tickets?q=printer&limit=2&cursor={}", page1["next_cursor"].as_str().expect("cursor")), &agent)
        .await;
    assert_eq!(items(&page1).len() + items(&page2).len(), 3);
    // A renamed subject is found by its new words only.
    s.patch(&format!("/api/v1/tickets/{t3id}"), &agent, json!({"subject": "Password expired"})).await;
    assert_eq!(subjects(&s.get("/api/v1/tickets?q=expired", &agent).await.1), ["Password expired"]);
}

/// Merge and bulk update.
async fn merge_and_bulk(backend: Backend) {
    let s = TestServer::start(backend).await;
    let a = seed(&s, "acme").await;
    let agent = a.token(&s, "agent").await;
    let customer = a.token(&s, "customer").await;
    let (status, merged) =
        s.post(&format!("/api/v1/tickets/{}/merge", a.company_admin_ticket), &agent, json!({"into": a.customer_ticket})).await;
    assert_eq!(status, 200, "{merged}");
    assert_eq!(merged["status"], "duplicate");
    assert_eq!(merged["duplicate_of"].as_str(), Some(a.customer_ticket.as_str()));
    let (_, notes) = s.get(&format!("/api/v1/tickets/{}/comments", a.customer_ticket), &agent).await;
    assert!(notes.to_string().contains("Merged ACME-3 into this ticket"), "{notes}");
    let (_, public) = s.get(&format!("/api/v1/tickets/{}/comments", a.customer_ticket), &customer).await;
    assert!(!public.to_string().contains("Merged"), "the merge note is internal");
    assert_eq!(
        s.post(&format!("/api/v1/tickets/{}/merge", a.customer_ticket), &agent, json!({"into": a.customer_ticket})).await.0,
        422
    );
    assert_eq!(
        s.post(&format!("/api/v1/tickets/{}/merge", a.customer_ticket), &agent, json!({"into": a.company_admin_ticket})).await.0,
        422,
        "not into a duplicate"
    );

    // Opposite merges at the same moment: one wins, and no ticket ends up a duplicate of its duplicate.
    for round in 0..5 {
        let (_, x) = s.post("/api/v1/tickets", &agent, json!({"subject": format!("x{round}")})).await;
        let (_, y) = s.post("/api/v1/tickets", &agent, json!({"subject": format!("y{round}")})).await;
        let (xid, yid) = (x["id"].as_str().expect("id"), y["id"].as_str().expect("id"));
        let (x_into_y, y_into_x) = (format!("/api/v1/tickets/{xid}/merge"), format!("/api/v1/tickets/{yid}/merge"));
        let (a1, a2) =
            futures_util::join!(s.post(&x_into_y, &agent, json!({"into": yid})), s.post(&y_into_x, &agent, json!({"into": xid})));
        let mut codes = [a1.0, a2.0];
        codes.sort_unstable();
        assert_eq!(codes[0], 200, "one merge wins: {a1:?} {a2:?}");
        assert!(codes[1] == 409 || codes[1] == 422, "the other is refused: {a1:?} {a2:?}");
        let dupes =
            [s.get(&format!("/api/v1/tickets/{xid}"), &agent).await.1, s.get(&format!("/api/v1/tickets/{yid}"), &agent).await.1]
                .iter()
                .filter(|t| t["status"] == "duplicate")
                .count();
        assert_eq!(dupes, 1);
    }

    let (_, t) = s.post("/api/v1/tickets", &agent, json!({"subject": "bulk me"})).await;
    let ids = json!([a.customer_ticket, t["id"], a.company_admin_ticket, "01234567-89ab-7def-8123-456789abcdef"]);
    let (status, r) =
        s.post("/api/v1/tickets/bulk", &agent, json!({"ids": ids, "changes": {"priority": "high", "tags": ["vip"]}})).await;
    assert_eq!(status, 200, "{r}");
    let codes: Vec<u64> =
        r["results"].as_array().expect("results").iter().map(|x| x["status"].as_u64().expect("status")).collect();
    assert_eq!(codes, [200, 200, 200, 404]);
    assert_eq!((r["updated"].as_u64(), r["failed"].as_u64()), (Some(3), Some(1)));
    assert_eq!(subjects(&s.get("/api/v1/tickets?tag=vip&priority=high&sort=oldest", &agent).await.1).len(), 3);
    assert_eq!(s.post("/api/v1/tickets/bulk", &agent, json!({"ids": [], "changes": {"priority": "high"}})).await.0, 422);
    let (_, dupes) = s.get(&format!("/api/v1/tickets?duplicate_of={}", a.customer_ticket), &agent).await;
    assert_eq!(subjects(&dupes), ["Acme licences"]);
    assert_eq!(
        s.post("/api/v1/tickets/bulk", &customer, json!({"ids": [a.customer_ticket], "changes": {"priority": "high"}})).await.0,
        403
    );
}

/// Ratings: only the requester, only after resolution, 1–5.
async fn rating_rules(backend: Backend) {
    let s = TestServer::start(backend).await;
    let a = seed(&s, "acme").await;
    let customer = a.token(&s, "customer").await;
    let cadmin = a.token(&s, "company_admin").await;
    let path = format!("/api/v1/tickets/{}", a.customer_ticket);
    let (status, err) = s.post(&format!("{path}/rating"), &customer, json!({"score": 5})).await;
    assert_eq!((status, err["error"]["fields"][0]["field"].as_str()), (422, Some("status")), "not before resolution");
    s.patch(&path, &a.admin_token, json!({"status": "resolved"})).await;
    assert_eq!(s.post(&format!("{path}/rating"), &customer, json!({"score": 6})).await.0, 422);
    assert_eq!(s.post(&format!("{path}/rating"), &cadmin, json!({"score": 4})).await.0, 403, "not someone else's ticket");
    assert_eq!(s.post(&format!("{path}/rating"), &customer, json!({"score": 4, "comment": "ok"})).await.0, 200);
    let (_, rated) = s.get("/api/v1/tickets?satisfaction_score=4", &a.admin_token).await;
    assert_eq!(subjects(&rated), ["Printer jams"]);
    assert!(items(&s.get("/api/v1/tickets?satisfaction_score=5", &a.admin_token).await.1).is_empty());
    assert_eq!(s.get("/api/v1/tickets?satisfaction_score=9", &a.admin_token).await.0, 422);
    let (_, recent) =
        s.get("/api/v1/tickets?created_after=2000-01-01T00:00:00Z&created_before=2999-01-01T00:00:00Z", &a.admin_token).await;
    assert_eq!(items(&recent).len(), 3);
    assert!(items(&s.get("/api/v1/tickets?created_before=2000-01-01T00:00:00Z", &a.admin_token).await.1).is_empty());
    assert_eq!(s.get("/api/v1/tickets?created_after=yesterday", &a.admin_token).await.0, 422);
}

/// Attachments: stored, listed, downloaded with safe headers; internal ones never reach
/// customers; size is limited.
async fn attachments(backend: Backend) {
    let s = TestServer::start(backend).await;
    let a = seed(&s, "acme").await;
    let customer = a.token(&s, "customer").await;
    let other = a.token(&s, "other_customer").await;
    let agent = a.token(&s, "agent").await;
    let t = &a.customer_ticket;
    let html = b"<html><script>alert(1)</script></html>";
    let (status, file) = s.upload(t, &customer, "../../evil.html", html, &[]).await;
    assert_eq!(status, 201, "{file}");
    assert_eq!(file["filename"], "evil.html");
    let res = s
        .http
        .get(format!("{}{}", s.base, file["url"].as_str().expect("url")))
        .bearer_auth(&agent)
        .send()
        .await
        .expect("download");
    assert_eq!(res.status().as_u16(), 200);
    let h = res.headers().clone();
    assert!(h["content-disposition"].to_str().expect("cd").starts_with("attachment;"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(h["content-security-policy"].to_str().expect("csp").contains("sandbox"));
    assert_eq!(res.bytes().await.expect("bytes").as_ref(), html);

    let (_, listed) = s.get(&format!("/api/v1/tickets/{t}/attachments"), &customer).await;
    let names: Vec<&str> = items(&listed).iter().map(|x| x["filename"].as_str().expect("name")).collect();
    assert!(names.contains(&"evil.html") && !names.contains(&"log.txt"), "customers do not see internal files: {names:?}");
    let (_, all) = s.get(&format!("/api/v1/tickets/{t}/attachments"), &agent).await;
    let internal = items(&all).iter().find(|x| x["internal"] == true).expect("internal file");
    let internal_url = internal["url"].as_str().expect("url");
    assert_eq!(s.get(internal_url, &customer).await.0, 404, "internal file download");
    assert_eq!(s.get(file["url"].as_str().expect("url"), &other).await.0, 404, "other company's customer");
    assert_eq!(s.upload(t, &customer, "x.txt", b"x", &[("internal", "true")]).await.0, 403);
    // A file hung on an internal note is internal, whatever the form said.
    let (_, note) =
        s.post(&format!("/api/v1/tickets/{t}/comments"), &agent, json!({"body": "see trace", "internal": true})).await;
    let (status, on_note) = s.upload(t, &agent, "trace.txt", b"trace", &[("comment_id", note["id"].as_str().expect("id"))]).await;
    assert_eq!((status, on_note["internal"].as_bool()), (201, Some(true)));
    assert_eq!(s.get(on_note["url"].as_str().expect("url"), &customer).await.0, 404);
    assert_eq!(s.upload(&a.other_company_ticket, &customer, "x.txt", b"x", &[]).await.0, 404);
    assert_eq!(s.upload(t, &customer, "empty.txt", b"", &[]).await.0, 422);
    let big = vec![b'a'; desk_core::MAX_ATTACHMENT_BYTES + 1];
    assert_eq!(s.upload(t, &customer, "big.bin", &big, &[]).await.0, 413);
    let (status, body) = s.post(&format!("/api/v1/tickets/{t}/attachments"), &customer, json!({"file": "not multipart"})).await;
    assert_eq!((status, body["error"]["code"].as_str()), (415, Some("unsupported_media_type")));
}

on_both_backends!(
    end_to_end,
    transitions_per_role,
    views_filters_and_sorting,
    full_text_search,
    merge_and_bulk,
    rating_rules,
    attachments
);
