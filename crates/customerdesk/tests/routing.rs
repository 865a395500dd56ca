//! Routing rules and the assignment modes under concurrent creation, unavailable agents, the
//! default group, group scope for agents, and the job runner shared by two server processes.

mod common;

use std::collections::HashMap;

use common::{Backend, PASSWORD, TestServer};
use desk_core::JobOptions;
use futures_util::future::join_all;
use serde_json::{Value, json};

struct Desk<'a> {
    s: &'a TestServer,
    admin: String,
    customer: String,
}

impl Desk<'_> {
    async fn ok(&self, method: &str, path: &str, body: Value) -> Value {
        let (status, res) = self.s.call(method, path, Some(&self.admin), Some(&body)).await;
        assert!((200..300).contains(&status), "{method} {path}: {status} {res}");
        res
    }

    async fn agent(&self, name: &str) -> String {
        let u = self
            .ok(
                "POST",
                "/api/v1/users",
                json!({"email": format!("{name}@acme.example"), "name": name, "role": "agent", "password": PASSWORD}),
            )
            .await;
        u["id"].as_str().expect("id").to_owned()
    }

    async fn group(&self, name: &str, mode: &str, members: &[String]) -> String {
        let g = self.ok("POST", "/api/v1/groups", json!({"name": name})).await;
        let id = g["id"].as_str().expect("id").to_owned();
        for m in members {
            self.ok("POST", &format!("/api/v1/groups/{id}/members"), json!({"user_id": m})).await;
        }
        let g = self.ok("PATCH", &format!("/api/v1/groups/{id}"), json!({"assignment": mode})).await;
        assert_eq!(g["assignment"], mode);
        id
    }

    /// Creates `n` tickets at once as the customer.
    async fn burst(&self, n: usize, subject: &str, kind: &str) -> Vec<Value> {
        join_all((0..n).map(|i| async move {
            let (status, t) = self
                .s
                .post(
                    "/api/v1/tickets",
                    &self.customer,
                    json!({"subject": format!("{subject} {i}"), "description": "please help", "type": kind}),
                )
                .await;
            assert_eq!(status, 201, "{t}");
            t
        }))
        .await
    }
}

fn counts(tickets: &[Value]) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for t in tickets {
        *m.entry(t["assignee_id"].as_str().unwrap_or("nobody").to_owned()).or_default() += 1;
    }
    m
}

// a, b and c are the agents of the three groups, as in the contract check this mirrors.
#[allow(clippy::many_single_char_names)]
async fn routing_and_assignment_under_concurrency(backend: Backend) {
    let s = TestServer::start(backend).await;
    let admin = s.tenant("acme").await;
    let (_, c) = s
        .post("/api/v1/users", &admin, json!({"email": "c@cust.example", "name": "C", "role": "customer", "password": PASSWORD}))
        .await;
    assert!(c["id"].is_string(), "{c}");
    let customer = s.login("acme", "c@cust.example", PASSWORD).await;
    let d = Desk { s: &s, admin, customer };
    let mut a = Vec::new();
    for i in 0..3 {
        a.push(d.agent(&format!("a{i}")).await);
    }
    let b = vec![d.agent("b0").await, d.agent("b1").await];
    let c = vec![d.agent("c0").await, d.agent("c1").await, d.agent("c2").await];
    let rr = d.group("Questions", "round_robin", &a).await;
    let ll = d.group("Incidents", "least_loaded", &b).await;
    let sk = d.group("Billing DE", "skills", &c).await;
    let german = d.ok("POST", "/api/v1/skills", json!({"name": "German"})).await["id"].as_str().expect("id").to_owned();
    d.ok("PUT", &format!("/api/v1/users/{}/skills", c[0]), json!([{"skill_id": german, "level": 2}])).await;
    d.ok("PUT", &format!("/api/v1/users/{}/skills", c[2]), json!([{"skill_id": german, "level": 5}])).await;
    let (status, err) = s
        .call("PUT", &format!("/api/v1/users/{}/skills", c[1]), Some(&d.admin), Some(&json!([{"skill_id": german, "level": 6}])))
        .await;
    assert_eq!(status, 422, "{err}");
    d.ok("POST", "/api/v1/routing-rules", json!({"name": "German invoices", "position": 1, "conditions": {"keywords": ["Rechnung"]}, "group_id": sk, "required_skill_ids": [german]})).await;
    d.ok(
        "POST",
        "/api/v1/routing-rules",
        json!({"name": "Questions", "position": 2, "conditions": {"type": "question"}, "group_id": rr}),
    )
    .await;
    d.ok(
        "POST",
        "/api/v1/routing-rules",
        json!({"name": "Incidents", "position": 3, "conditions": {"type": "incident"}, "group_id": ll, "set_priority": "high"}),
    )
    .await;

    // Round robin: twelve at once, four each, none unassigned.
    let q = d.burst(12, "How do I export", "question").await;
    assert!(q.iter().all(|t| t["group_id"] == rr.as_str() && t["status"] == "open"), "{q:?}");
    let n = counts(&q);
    assert_eq!(a.iter().map(|x| n.get(x).copied().unwrap_or(0)).collect::<Vec<_>>(), [4, 4, 4], "{n:?}");
    assert!(q[0]["routing_note"].as_str().is_some_and(|r| r.contains("Questions")), "{}", q[0]);

    // Least loaded: b0 already holds three. The idle agent takes the next three, then ties go
    // by the rotation: b1, b1, b1, b0, b1, b0.
    for t in d.burst(3, "Old problem", "problem").await {
        d.ok(
            "PATCH",
            &format!("/api/v1/tickets/{}", t["id"].as_str().expect("id")),
            json!({"group_id": ll, "assignee_id": b[0]}),
        )
        .await;
    }
    let inc = d.burst(6, "Line stopped", "incident").await;
    assert!(inc.iter().all(|t| t["priority"] == "high"), "the rule sets the priority");
    let n = counts(&inc);
    assert_eq!((n.get(&b[0]).copied().unwrap_or(0), n.get(&b[1]).copied().unwrap_or(0)), (2, 4), "{n:?}");
    // The idle agent got the first ones.
    let (_, first) = s.get(&format!("/api/v1/tickets?assignee_id={}&sort=oldest&limit=3", b[1]), &d.admin).await;
    assert_eq!(first["items"].as_array().expect("items").len(), 3);

    // Skills: only the two German speakers, evenly by load.
    let de = d.burst(4, "Rechnung doppelt", "problem").await;
    let n = counts(&de);
    assert_eq!((n.get(&c[0]).copied(), n.get(&c[1]).copied(), n.get(&c[2]).copied()), (Some(2), None, Some(2)), "{n:?}");

    // An unavailable agent is skipped.
    let u = d.ok("PATCH", &format!("/api/v1/users/{}", a[0]), json!({"available": false})).await;
    assert_eq!(u["available"], false);
    let away = d.burst(4, "Where is", "question").await;
    let n = counts(&away);
    assert_eq!((n.get(&a[0]).copied(), n.get(&a[1]).copied(), n.get(&a[2]).copied()), (None, Some(2), Some(2)), "{n:?}");

    // Nobody qualified: the ticket stays in the group, unassigned, and says why.
    for x in [&c[0], &c[2]] {
        d.ok("PATCH", &format!("/api/v1/users/{x}"), json!({"available": false})).await;
    }
    let stuck = d.burst(1, "Rechnung fehlt", "problem").await;
    assert_eq!(stuck[0]["group_id"], sk.as_str());
    assert!(stuck[0]["assignee_id"].is_null());
    assert!(stuck[0]["routing_note"].as_str().is_some_and(|r| r.contains("not assigned")), "{}", stuck[0]);

    // No rule matches: the tenant's default group.
    d.ok("PATCH", "/api/v1/settings", json!({"default_group_id": rr})).await;
    let other = d.burst(1, "Hello there", "other").await;
    assert_eq!(other[0]["group_id"], rr.as_str());
    assert!(other[0]["assignee_id"].is_string());
}

async fn agents_see_only_their_groups(backend: Backend) {
    let s = TestServer::start(backend).await;
    let admin = s.tenant("acme").await;
    let (_, c) = s
        .post("/api/v1/users", &admin, json!({"email": "c@cust.example", "name": "C", "role": "customer", "password": PASSWORD}))
        .await;
    let customer_id = c["id"].as_str().expect("id").to_owned();
    let d = Desk { s: &s, admin: admin.clone(), customer: s.login("acme", "c@cust.example", PASSWORD).await };
    let me = d.agent("mine").await;
    let other = d.agent("other").await;
    let ga = d.group("Mine", "manual", std::slice::from_ref(&me)).await;
    let gb = d.group("Theirs", "manual", std::slice::from_ref(&other)).await;
    let agent = s.login("acme", "mine@acme.example", PASSWORD).await;
    let make = |subject: &'static str, group: Option<String>| {
        let d = &d;
        let customer_id = customer_id.clone();
        async move {
            let mut body = json!({"subject": subject, "description": "zebra words", "requester_id": customer_id});
            if let Some(g) = group {
                body["group_id"] = json!(g);
            }
            d.ok("POST", "/api/v1/tickets", body).await["id"].as_str().expect("id").to_owned()
        }
    };
    let in_mine = make("Zebra in my group", Some(ga)).await;
    let ungrouped = make("Zebra without a group", None).await;
    let theirs = make("Zebra in their group", Some(gb.clone())).await;
    for view in ["all", "open", "unassigned", "high_priority", "sla_breached", "at_risk"] {
        let (_, list) = s.get(&format!("/api/v1/tickets?view={view}"), &agent).await;
        let ids: Vec<&str> = list["items"].as_array().expect("items").iter().filter_map(|t| t["id"].as_str()).collect();
        assert!(!ids.contains(&theirs.as_str()), "view {view} shows another group's ticket");
        if view == "all" {
            assert!(ids.contains(&in_mine.as_str()) && ids.contains(&ungrouped.as_str()), "{ids:?}");
        }
    }
    let (_, hits) = s.get("/api/v1/tickets?q=zebra", &agent).await;
    let ids: Vec<&str> = hits["items"].as_array().expect("items").iter().filter_map(|t| t["id"].as_str()).collect();
    assert_eq!(ids.len(), 2, "search finds my group's and the ungrouped ticket only: {ids:?}");
    assert!(!ids.contains(&theirs.as_str()));
    for (method, path) in [
        ("GET", format!("/api/v1/tickets/{theirs}")),
        ("GET", format!("/api/v1/tickets/{theirs}/comments")),
        ("GET", format!("/api/v1/tickets/{theirs}/history")),
        ("GET", format!("/api/v1/tickets/{theirs}/sla")),
        ("PATCH", format!("/api/v1/tickets/{theirs}")),
        ("POST", format!("/api/v1/tickets/{theirs}/comments")),
    ] {
        let body = if method == "PATCH" { json!({"priority": "high"}) } else { json!({"body": "hi", "internal": false}) };
        let (status, res) = s.call(method, &path, Some(&agent), Some(&body)).await;
        assert_eq!(status, 404, "{method} {path}: {res}");
    }
    // Supervisors see everything.
    d.ok(
        "POST",
        "/api/v1/users",
        json!({"email": "sup@acme.example", "name": "Sup", "role": "supervisor", "password": PASSWORD}),
    )
    .await;
    let sup = s.login("acme", "sup@acme.example", PASSWORD).await;
    assert_eq!(s.get(&format!("/api/v1/tickets/{theirs}"), &sup).await.0, 200);
}

/// Must-show 3: two server processes on one PostgreSQL, each with its own pool and job runner,
/// racing over the same due work: every breach is recorded once, every rule fires once, and
/// no job slot runs twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_run_each_job_once() {
    let s = TestServer::start(Backend::Postgres).await;
    let second = s.storage.desk_with(desk_core::AiOptions::disabled()).await;
    let admin = s.tenant("acme").await;
    let (_, list) = s.get("/api/v1/sla-policies", &admin).await;
    let std = list["items"].as_array().expect("items").iter().find(|p| p["tier"] == "standard").expect("standard")["id"].clone();
    let targets: Vec<Value> = ["low", "medium", "high", "critical"]
        .iter()
        .map(|p| json!({"priority": p, "first_response_minutes": 1, "resolution_minutes": 2}))
        .collect();
    let (status, _) = s
        .patch(
            &format!("/api/v1/sla-policies/{}", std.as_str().expect("id")),
            &admin,
            json!({"calendar_id": null, "targets": targets}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, defaults) = s.get("/api/v1/escalation-rules", &admin).await;
    for r in defaults["items"].as_array().expect("items") {
        let path = format!("/api/v1/escalation-rules/{}", r["id"].as_str().expect("id"));
        assert_eq!(s.call("DELETE", &path, Some(&admin), None).await.0, 204);
    }
    let (status, _) = s.post("/api/v1/escalation-rules", &admin, json!({"name": "late", "trigger": "first_response_breach", "actions": {"status": "escalated", "notify_role": "admin"}})).await;
    assert_eq!(status, 201);
    let (_, c) = s
        .post("/api/v1/users", &admin, json!({"email": "c@cust.example", "name": "C", "role": "customer", "password": PASSWORD}))
        .await;
    assert!(c["id"].is_string());
    let customer = s.login("acme", "c@cust.example", PASSWORD).await;
    let mut ids = Vec::new();
    for i in 0..30 {
        let (_, t) = s.post("/api/v1/tickets", &customer, json!({"subject": format!("Down {i}"), "description": "x"})).await;
        ids.push(t["id"].as_str().expect("id").to_owned());
    }
    let every = 60_000;
    let opts = JobOptions {
        breach_every_ms: every,
        age_every_ms: every,
        auto_close_every_ms: every,
        prediction_every_ms: every,
        ..JobOptions::default()
    };
    s.desk.schedule_jobs(&opts).await.expect("schedule");
    second.schedule_jobs(&opts).await.expect("schedule");
    s.storage.clock.advance(3 * 60_000);
    // Both "processes" drain the job table at once, several rounds, the clock moving on between.
    for _ in 0..4 {
        let (w1, w2) = (desk_core::new_worker_name(), desk_core::new_worker_name());
        let (r1, r2) = tokio::join!(s.desk.run_due_jobs_as(&w1, &opts), second.run_due_jobs_as(&w2, &opts));
        let (r1, r2) = (r1.expect("runner 1"), r2.expect("runner 2"));
        assert_eq!(r1.failures + r2.failures, 0);
        assert_eq!(r1.runs + r2.runs, 4, "each of the four jobs once per period");
        s.storage.clock.advance(every);
    }
    for id in &ids {
        let (_, h) = s.get(&format!("/api/v1/tickets/{id}/history"), &admin).await;
        let kinds: Vec<&str> = h["items"].as_array().expect("items").iter().filter_map(|e| e["kind"].as_str()).collect();
        assert_eq!(
            kinds.iter().filter(|k| **k == "sla_breach").count(),
            2,
            "first response and resolution, once each: {kinds:?}"
        );
        assert_eq!(kinds.iter().filter(|k| **k == "escalation").count(), 1, "{kinds:?}");
    }
    let (_, notes) = s.get("/api/v1/notifications", &admin).await;
    assert_eq!(notes["items"].as_array().expect("items").len(), ids.len(), "one notification per escalation");
    let mut slots = std::collections::HashSet::new();
    let mut workers = std::collections::HashSet::new();
    for kind in ["sla.breach_scan", "sla.age_scan", "sla.auto_close", "sla.breach_prediction"] {
        let runs = s.desk.store().job_runs(kind, 0).await.expect("runs");
        assert!(!runs.is_empty(), "{kind} ran");
        for r in runs {
            assert!(slots.insert((r.job_id, r.slot)), "{kind} slot {} ran twice", r.slot);
            workers.insert(r.worker);
        }
    }
    assert!(workers.len() >= 2, "both processes took jobs: {workers:?}");
}

on_both_backends!(routing_and_assignment_under_concurrency, agents_see_only_their_groups);
