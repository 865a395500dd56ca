//! SLA on both backends with the clock injected: due times at creation, the pause while waiting
//! on the customer, breaches found by the job runner and recorded once, escalation rules that
//! fire once, age escalation and auto-close; settings validation and "in use" conflicts.

mod common;

use common::{Backend, TestServer, seed};
use desk_core::JobOptions;
use serde_json::{Value, json};

const MIN: i64 = 60_000;

fn ms(v: &Value) -> i64 {
    v.as_str().and_then(|s| s.parse::<jiff::Timestamp>().ok()).map_or(i64::MIN, jiff::Timestamp::as_millisecond)
}

async fn run_jobs(s: &TestServer) -> desk_core::JobSummary {
    let opts = JobOptions::default();
    s.desk.schedule_jobs(&opts).await.expect("schedule");
    s.desk.run_due_jobs_as("test-worker", &opts).await.expect("jobs")
}

async fn history_kinds(s: &TestServer, token: &str, id: &str) -> Vec<String> {
    let (_, h) = s.get(&format!("/api/v1/tickets/{id}/history"), token).await;
    h["items"].as_array().expect("history").iter().map(|e| e["kind"].as_str().unwrap_or_default().to_owned()).collect()
}

/// A 24/7 standard policy with a 60-minute first response and 600-minute resolution, and one
/// escalation rule on a first-response breach.
async fn round_the_clock(s: &TestServer, admin: &str) -> String {
    let (_, list) = s.get("/api/v1/sla-policies", admin).await;
    let std = list["items"].as_array().expect("policies").iter().find(|p| p["tier"] == "standard").expect("standard").clone();
    let targets: Vec<Value> = ["low", "medium", "high", "critical"]
        .iter()
        .map(|p| json!({"priority": p, "first_response_minutes": 60, "resolution_minutes": 600}))
        .collect();
    let id = std["id"].as_str().expect("id").to_owned();
    let (status, body) =
        s.patch(&format!("/api/v1/sla-policies/{id}"), admin, json!({"calendar_id": null, "targets": targets})).await;
    assert_eq!(status, 200, "{body}");
    let (_, rules) = s.get("/api/v1/escalation-rules", admin).await;
    for r in rules["items"].as_array().expect("rules") {
        let (status, _) =
            s.call("DELETE", &format!("/api/v1/escalation-rules/{}", r["id"].as_str().expect("id")), Some(admin), None).await;
        assert_eq!(status, 204);
    }
    let (status, body) = s
        .post(
            "/api/v1/escalation-rules",
            admin,
            json!({"name": "late first answer", "trigger": "first_response_breach", "actions": {"priority": "critical", "status": "escalated", "notify_role": "supervisor"}}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    id
}

async fn due_pause_breach_escalate_close(backend: Backend) {
    let s = TestServer::start(backend).await;
    let a = seed(&s, "acme").await;
    let admin = &a.admin_token;
    let policy = round_the_clock(&s, admin).await;
    let customer = a.token(&s, "customer").await;
    let (status, t) = s.post("/api/v1/tickets", &customer, json!({"subject": "Scanner offline", "description": "hall 3"})).await;
    assert_eq!(status, 201, "{t}");
    let id = t["id"].as_str().expect("id").to_owned();
    assert_eq!(t["sla_policy_id"], policy.as_str());
    let created = ms(&t["created_at"]);
    assert_eq!(ms(&t["first_response_due_at"]) - created, 60 * MIN);
    assert_eq!(ms(&t["resolution_due_at"]) - created, 600 * MIN);

    // Waiting on the customer stops the clock; 30 minutes later their answer starts it again
    // and the resolution is due 30 minutes later than before.
    let (status, _) =
        s.post(&format!("/api/v1/tickets/{id}/comments"), admin, json!({"body": "Which hall?", "internal": false})).await;
    assert_eq!(status, 201);
    let (status, waiting) = s.patch(&format!("/api/v1/tickets/{id}"), admin, json!({"status": "waiting_on_customer"})).await;
    assert_eq!(status, 200, "{waiting}");
    assert_eq!(waiting["sla_paused"], true);
    s.storage.clock.advance(30 * MIN);
    let (status, _) =
        s.post(&format!("/api/v1/tickets/{id}/comments"), &customer, json!({"body": "Hall 3", "internal": false})).await;
    assert_eq!(status, 201);
    let (_, resumed) = s.get(&format!("/api/v1/tickets/{id}"), admin).await;
    assert_eq!(resumed["sla_paused"], false);
    let moved = ms(&resumed["resolution_due_at"]) - ms(&t["resolution_due_at"]);
    assert!((30 * MIN..30 * MIN + 5_000).contains(&moved), "moved {moved} ms after 30 min of waiting");

    // A second ticket nobody answers breaches its first response; the job records it once and
    // the rule escalates it once, however often the job runs.
    let (_, late) = s.post("/api/v1/tickets", &customer, json!({"subject": "Badge reader", "description": "gate 2"})).await;
    let late_id = late["id"].as_str().expect("id").to_owned();
    run_jobs(&s).await;
    assert_eq!(s.get(&format!("/api/v1/tickets/{late_id}"), admin).await.1["first_response_breached"], false);
    s.storage.clock.advance(61 * MIN);
    run_jobs(&s).await;
    let (_, breached) = s.get(&format!("/api/v1/tickets/{late_id}"), admin).await;
    assert_eq!(breached["first_response_breached"], true, "{breached}");
    assert_eq!(breached["status"], "escalated");
    assert_eq!(breached["priority"], "critical");
    assert!(breached["escalation_reason"].as_str().is_some_and(|r| r.contains("late first answer")), "{breached}");
    let kinds = history_kinds(&s, admin, &late_id).await;
    s.storage.clock.advance(MIN);
    run_jobs(&s).await;
    run_jobs(&s).await;
    let again = history_kinds(&s, admin, &late_id).await;
    assert_eq!(kinds, again, "nothing more happens to a breached, escalated ticket");
    assert_eq!(again.iter().filter(|k| *k == "sla_breach").count(), 1);
    assert_eq!(again.iter().filter(|k| *k == "escalation").count(), 1);
    let (_, view) = s.get("/api/v1/tickets?view=sla_breached", admin).await;
    let listed: Vec<&str> = view["items"].as_array().expect("items").iter().filter_map(|t| t["id"].as_str()).collect();
    assert!(listed.contains(&late_id.as_str()) && !listed.contains(&id.as_str()), "{listed:?}");
    // The supervisor was told.
    let supervisor = a.token(&s, "supervisor").await;
    let (_, notes) = s.get("/api/v1/notifications", &supervisor).await;
    assert!(notes["items"].as_array().expect("items").iter().any(|n| n["ticket_id"] == late_id.as_str()), "{notes}");

    // Resolved tickets close by themselves after three days.
    let (status, _) = s.patch(&format!("/api/v1/tickets/{id}"), admin, json!({"status": "resolved"})).await;
    assert_eq!(status, 200);
    s.storage.clock.advance(2 * 24 * 60 * MIN);
    run_jobs(&s).await;
    assert_eq!(s.get(&format!("/api/v1/tickets/{id}"), admin).await.1["status"], "resolved");
    s.storage.clock.advance(24 * 60 * MIN + MIN);
    run_jobs(&s).await;
    assert_eq!(s.get(&format!("/api/v1/tickets/{id}"), admin).await.1["status"], "closed");

    // A first reply after the due time, before the job looked, is a breach all the same.
    let (_, slow) = s.post("/api/v1/tickets", &customer, json!({"subject": "Slow answer", "description": "x"})).await;
    let slow_id = slow["id"].as_str().expect("id").to_owned();
    s.storage.clock.advance(61 * MIN);
    let (status, _) =
        s.post(&format!("/api/v1/tickets/{slow_id}/comments"), admin, json!({"body": "Sorry", "internal": false})).await;
    assert_eq!(status, 201);
    assert_eq!(s.get(&format!("/api/v1/tickets/{slow_id}"), admin).await.1["first_response_breached"], true);

    // A tenant that never auto-closes keeps its resolved tickets resolved.
    let (status, settings) = s.patch("/api/v1/settings", admin, json!({"auto_close_days": 0})).await;
    assert_eq!(status, 200, "{settings}");
    let (status, _) = s.patch(&format!("/api/v1/tickets/{slow_id}"), admin, json!({"status": "resolved"})).await;
    assert_eq!(status, 200);
    s.storage.clock.advance(10 * 24 * 60 * MIN);
    run_jobs(&s).await;
    assert_eq!(s.get(&format!("/api/v1/tickets/{slow_id}"), admin).await.1["status"], "resolved");
}

async fn age_and_priority_rules_fire_once(backend: Backend) {
    let s = TestServer::start(backend).await;
    let a = seed(&s, "acme").await;
    let admin = &a.admin_token;
    let (status, body) = s
        .post(
            "/api/v1/escalation-rules",
            admin,
            json!({"name": "two hours old", "trigger": "age", "age_minutes": 120, "actions": {"priority": "high"}}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = s
        .post(
            "/api/v1/escalation-rules",
            admin,
            json!({"name": "critical", "trigger": "priority_critical", "actions": {"status": "escalated", "notify_user_ids": [a.ids["user"]]}}),
        )
        .await;
    assert_eq!(status, 422, "a customer cannot be notified as staff: {body}");
    assert_eq!(body["error"]["fields"][0]["field"], "actions.notify_user_ids[0]");
    let (status, _) = s
        .post(
            "/api/v1/escalation-rules",
            admin,
            json!({"name": "critical", "trigger": "priority_critical", "actions": {"status": "escalated"}}),
        )
        .await;
    assert_eq!(status, 201);
    let customer = a.token(&s, "customer").await;
    let (_, t) = s.post("/api/v1/tickets", &customer, json!({"subject": "Old one", "description": "x"})).await;
    let id = t["id"].as_str().expect("id").to_owned();
    s.storage.clock.advance(121 * MIN);
    run_jobs(&s).await;
    run_jobs(&s).await;
    let (_, t) = s.get(&format!("/api/v1/tickets/{id}"), admin).await;
    assert_eq!(t["priority"], "high");
    // Raising it to critical by hand fires the critical rule, once.
    let (status, t) = s.patch(&format!("/api/v1/tickets/{id}"), admin, json!({"priority": "critical"})).await;
    assert_eq!(status, 200, "{t}");
    let (_, t) = s.get(&format!("/api/v1/tickets/{id}"), admin).await;
    assert_eq!(t["status"], "escalated");
    let (status, _) = s.patch(&format!("/api/v1/tickets/{id}"), admin, json!({"status": "in_progress", "priority": "low"})).await;
    assert_eq!(status, 200);
    let (status, _) = s.patch(&format!("/api/v1/tickets/{id}"), admin, json!({"priority": "critical"})).await;
    assert_eq!(status, 200);
    assert_eq!(
        s.get(&format!("/api/v1/tickets/{id}"), admin).await.1["status"],
        "in_progress",
        "the critical rule fired only once"
    );
    // The age rule, this critical rule and the seed's own critical rule: once each.
    let kinds = history_kinds(&s, admin, &id).await;
    assert_eq!(kinds.iter().filter(|k| *k == "escalation").count(), 3, "{kinds:?}");
}

async fn settings_reject_bad_input_and_deletes_in_use(backend: Backend) {
    let s = TestServer::start(backend).await;
    let a = seed(&s, "acme").await;
    let admin = &a.admin_token;
    let cal = |tz: &str, hours: Value| json!({"name": "Office", "time_zone": tz, "hours": hours, "holidays": []});
    let nine_to_five = json!([{"day": "mon", "start": "09:00", "end": "17:00"}]);
    for (body, field) in [
        (cal("Mars/Olympus_Mons", nine_to_five.clone()), "time_zone"),
        (cal("Europe/Berlin", json!([{"day": "mon", "start": "17:00", "end": "09:00"}])), "hours[0].end"),
        (
            cal(
                "Europe/Berlin",
                json!([{"day": "mon", "start": "09:00", "end": "12:00"}, {"day": "mon", "start": "11:00", "end": "13:00"}]),
            ),
            "hours[1]",
        ),
        (cal("Europe/Berlin", json!([])), "hours"),
    ] {
        let (status, err) = s.post("/api/v1/calendars", admin, body).await;
        assert_eq!(status, 422, "{err}");
        assert_eq!(err["error"]["fields"][0]["field"], field, "{err}");
    }
    let (status, c) = s.post("/api/v1/calendars", admin, cal("Europe/Berlin", nine_to_five)).await;
    assert_eq!(status, 201, "{c}");
    let cid = c["id"].as_str().expect("id");
    let (status, due) =
        s.post(&format!("/api/v1/calendars/{cid}/due"), admin, json!({"start": "2026-12-21T07:00:00Z", "minutes": 60})).await;
    assert_eq!(status, 200, "{due}");
    assert_eq!(ms(&due["due_at"]), ms(&json!("2026-12-21T09:00:00Z")), "Monday 09:00 Berlin is 08:00 UTC, plus an hour");
    // A policy with a zero target, another tenant's group in a rule: 422 naming the field.
    let (status, err) = s
        .post("/api/v1/sla-policies", admin, json!({"name": "x", "tier": "gold", "calendar_id": cid, "targets": [{"priority": "low", "first_response_minutes": 0, "resolution_minutes": 10}]}))
        .await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["fields"][0]["field"], "targets[0].first_response_minutes");
    let other = seed(&s, "globex").await;
    let (status, err) = s.post("/api/v1/routing-rules", admin, json!({"name": "x", "group_id": other.ids["group"]})).await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["fields"][0]["field"], "group_id");
    let (status, err) = s
        .post(
            "/api/v1/routing-rules",
            admin,
            json!({"name": "x", "group_id": a.ids["group"], "required_skill_ids": [other.ids["skill"]]}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["fields"][0]["field"], "required_skill_ids[0]");
    // One policy per tier.
    let (status, _) = s.post("/api/v1/sla-policies", admin, json!({"name": "Gold 2", "tier": "gold", "calendar_id": null, "targets": [{"priority": "low", "first_response_minutes": 5, "resolution_minutes": 10}]})).await;
    assert_eq!(status, 409);
    // In use: the default calendar by policies, the standard policy by tickets, the skill by an agent and a rule.
    let del = |path: String| {
        let s = &s;
        async move { s.call("DELETE", &path, Some(admin), None).await }
    };
    let (status, err) = del(format!("/api/v1/calendars/{}", a.ids["calendar"])).await;
    assert_eq!(status, 409, "{err}");
    assert!(err["error"]["message"].as_str().is_some_and(|m| m.contains("Standard")), "{err}");
    let (status, err) = del(format!("/api/v1/sla-policies/{}", a.ids["sla_policy"])).await;
    assert_eq!(status, 409, "{err}");
    assert!(err["error"]["message"].as_str().is_some_and(|m| m.contains("tickets")), "{err}");
    let (status, err) = del(format!("/api/v1/skills/{}", a.ids["skill"])).await;
    assert_eq!(status, 409, "{err}");
    let (status, _) = del(format!("/api/v1/calendars/{cid}")).await;
    assert_eq!(status, 204, "an unused calendar goes");
    // A company's tier picks its tickets' policy; changing it re-targets open tickets.
    let (status, co) = s.patch(&format!("/api/v1/companies/{}", a.ids["company"]), admin, json!({"sla_tier": "gold"})).await;
    assert_eq!(status, 200, "{co}");
    assert_eq!(co["sla_tier"], "gold");
    let (_, pols) = s.get("/api/v1/sla-policies", admin).await;
    let gold = pols["items"].as_array().expect("items").iter().find(|p| p["tier"] == "gold").expect("gold")["id"].clone();
    let (_, t) = s.get(&format!("/api/v1/tickets/{}", a.customer_ticket), admin).await;
    assert_eq!(t["sla_policy_id"], gold, "{t}");
    let customer = a.token(&s, "customer").await;
    let (_, fresh) =
        s.post("/api/v1/tickets", &customer, json!({"subject": "New", "description": "x", "priority": "medium"})).await;
    assert_eq!(fresh["sla_policy_id"], gold);
    assert_eq!(ms(&fresh["resolution_due_at"]) - ms(&fresh["created_at"]), 480 * MIN, "gold: 8 hours round the clock");
    let (status, err) = s.patch(&format!("/api/v1/companies/{}", a.ids["company"]), admin, json!({"sla_tier": "diamond"})).await;
    assert_eq!(status, 422, "{err}");
}

on_both_backends!(
    due_pause_breach_escalate_close,
    age_and_priority_rules_fire_once,
    settings_reject_bad_input_and_deletes_in_use
);
