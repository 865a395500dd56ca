//! The SLA admin pages and the ticket page's SLA panel over HTTP (no browser), on both
//! backends: an admin creates a calendar through its form and previews a due time, edits a
//! policy's targets, creates routing rules and reorders them, sets a group's assignment mode, a
//! company's tier and the workspace's settings; bad input comes back beside its field; an agent
//! sees the due times on the ticket page and sorts the list by them.

mod common;

use common::ui::Page;
use common::{Backend, Seeded, TestServer, seed};
use serde_json::{Value, json};

/// The part of a page from `marker` to the next `end`.
fn section<'a>(body: &'a str, marker: &str, end: &str) -> &'a str {
    let start = body.find(marker).unwrap_or_else(|| panic!("{marker} not on the page"));
    let rest = &body[start..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

/// The id of the item of an API list with this name.
fn id_named(list: &Value, name: &str) -> String {
    list["items"].as_array().expect("items").iter().find(|i| i["name"] == name).unwrap_or_else(|| panic!("{name} in {list}"))["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

/// Berlin office hours, Monday to Friday 09:00–17:00, with Christmas and blank rows as a
/// browser sends them.
fn berlin_calendar(name: &str) -> Vec<(String, String)> {
    let mut f = vec![("name".to_owned(), name.to_owned()), ("time_zone".to_owned(), "Europe/Berlin".to_owned())];
    for (i, day) in ["mon", "tue", "wed", "thu", "fri"].iter().enumerate() {
        f.push((format!("h{i}_day"), (*day).to_owned()));
        f.push((format!("h{i}_start"), "09:00".to_owned()));
        f.push((format!("h{i}_end"), "17:00".to_owned()));
    }
    for i in 5..14 {
        f.extend([
            (format!("h{i}_day"), String::new()),
            (format!("h{i}_start"), String::new()),
            (format!("h{i}_end"), String::new()),
        ]);
    }
    f.extend([
        ("o0_date".into(), "2026-12-25".into()),
        ("o0_name".into(), "Christmas".into()),
        ("o0_yearly".into(), "on".into()),
    ]);
    for i in 1..10 {
        f.extend([(format!("o{i}_date"), String::new()), (format!("o{i}_name"), String::new())]);
    }
    f
}

fn pairs(f: &[(String, String)]) -> Vec<(&str, &str)> {
    f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

async fn calendars_and_policies(s: &TestServer, a: &Seeded, admin: &mut Page) -> String {
    // A bad row comes back with the message beside it and the typed values kept.
    let mut bad = berlin_calendar("Berlin office");
    bad.iter_mut().find(|(k, _)| k == "h2_end").expect("row 2").1 = "08:00".into();
    let got = admin.post("/admin/calendars", "/admin/calendars", &pairs(&bad)).await;
    assert_eq!(got.status, 422, "{}", got.body);
    let row = section(&got.body, "id=\"h2-end\"", "</td>");
    assert!(row.contains("aria-invalid=\"true\"") && row.contains("must be after start"), "{row}");
    assert!(got.body.contains("value=\"Berlin office\""), "the form keeps what was typed");
    let (_, list) = s.get("/api/v1/calendars", &a.admin_token).await;
    assert!(!list.to_string().contains("Berlin office"), "nothing was saved");

    let got = admin.post("/admin/calendars", "/admin/calendars", &pairs(&berlin_calendar("Berlin office"))).await;
    assert_eq!(got.status, 303, "{}", got.body);
    let page = got.location.expect("the calendar's page");
    let id = page.trim_start_matches("/admin/calendars/").to_owned();
    let (_, cal) = s.get(&format!("/api/v1/calendars/{id}"), &a.admin_token).await;
    assert_eq!(cal["hours"].as_array().map(Vec::len), Some(5), "blank rows are ignored: {cal}");
    assert_eq!(cal["holidays"][0]["yearly"], true, "{cal}");

    // Friday 15:30 in Berlin plus 120 working minutes: 90 on Friday, 30 on Monday morning.
    let got = admin.get(&format!("{page}?start=2026-12-18T15%3A30&minutes=120")).await;
    assert_eq!(got.status, 200, "{}", got.body);
    let result = section(&got.body, "id=\"pv-result\"", "</p>");
    assert!(result.contains("datetime=\"2026-12-21T08:30:00Z\""), "{result}");
    assert!(result.contains("Mon 2026-12-21 09:30 CET") && result.contains("Mon 2026-12-21 08:30 UTC"), "{result}");
    let got = admin.get(&format!("{page}?start=tomorrow&minutes=120")).await;
    assert_eq!(got.status, 422);
    assert!(section(&got.body, "id=\"pv-start\"", "</small>").contains("must be a date and time"));

    // The standard policy counts in the new calendar, with new targets for high priority.
    let (_, policies) = s.get("/api/v1/sla-policies", &a.admin_token).await;
    let standard = policies["items"].as_array().expect("policies").iter().find(|p| p["tier"] == "standard").expect("standard");
    let policy = standard["id"].as_str().expect("id").to_owned();
    let mut form = vec![("name", "Standard (Berlin)"), ("calendar_id", id.as_str())];
    form.extend([("fr_low", "480"), ("res_low", "2400"), ("fr_medium", "480"), ("res_medium", "2400")]);
    form.extend([("fr_high", "30"), ("res_high", "240"), ("fr_critical", ""), ("res_critical", "")]);
    let target = format!("/admin/sla-policies/{policy}");
    let mut wrong = form.clone();
    wrong.retain(|(k, _)| *k != "fr_high");
    wrong.push(("fr_high", "soon"));
    let got = admin.post(&target, &target, &wrong).await;
    assert_eq!(got.status, 422);
    assert!(section(&got.body, "id=\"fr-high\"", "</td>").contains("must be a whole number"), "{}", got.body);
    let got = admin.post(&target, &target, &form).await;
    assert_eq!(got.status, 303, "{}", got.body);
    let (_, saved) = s.get(&format!("/api/v1/sla-policies/{policy}"), &a.admin_token).await;
    assert_eq!(saved["calendar_id"].as_str(), Some(id.as_str()), "{saved}");
    let high = saved["targets"].as_array().expect("targets").iter().find(|t| t["priority"] == "high").expect("high").clone();
    assert_eq!((high["first_response_minutes"].as_i64(), high["resolution_minutes"].as_i64()), (Some(30), Some(240)));
    assert_eq!(saved["targets"].as_array().map(Vec::len), Some(3), "critical was left empty: {saved}");
    assert!(admin.get("/admin/sla-policies").await.body.contains("Standard (Berlin)"));

    // While a policy uses it, the calendar cannot go, and the page says why.
    let got = admin.post(&page, &page, &[("action", "delete")]).await;
    assert_eq!(got.status, 409);
    assert!(got.body.contains("still in use"), "{}", got.body);
    id
}

async fn routing_and_groups(s: &TestServer, a: &Seeded, admin: &mut Page) {
    let group = a.ids["group"].as_str();
    let skill = a.ids["skill"].as_str();
    let rules = "/admin/routing-rules";
    let got = admin.post(rules, rules, &[("name", "No group"), ("keywords", "x")]).await;
    assert_eq!(got.status, 422);
    assert!(section(&got.body, "id=\"rr-group\"", "</small>").contains("choose a group"));
    for (name, keywords, extra) in [("Invoices", "invoice, bill", ("type", "question")), ("Refunds", "refund", ("skill", skill))]
    {
        let form = [("name", name), ("keywords", keywords), ("group_id", group), ("set_priority", "high"), extra];
        let got = admin.post(rules, rules, &form).await;
        assert_eq!(got.status, 303, "{name}: {}", got.body);
    }
    let order = async || -> Vec<String> {
        let (_, list) = s.get("/api/v1/routing-rules", &a.admin_token).await;
        let mut items = list["items"].as_array().expect("rules").clone();
        items.sort_by_key(|r| r["position"].as_i64());
        items.iter().map(|r| r["name"].as_str().expect("name").to_owned()).collect()
    };
    assert_eq!(order().await, ["Never matches", "Invoices", "Refunds"], "new rules go last");
    let (_, list) = s.get("/api/v1/routing-rules", &a.admin_token).await;
    let refunds = id_named(&list, "Refunds");
    let (_, rule) = s.get(&format!("/api/v1/routing-rules/{refunds}"), &a.admin_token).await;
    assert_eq!(rule["required_skill_ids"][0].as_str(), Some(skill), "{rule}");
    assert_eq!(rule["conditions"]["keywords"], json!(["refund"]), "{rule}");
    let got = admin.post(rules, &format!("{rules}/{refunds}/move"), &[("direction", "up")]).await;
    assert_eq!(got.status, 303, "{}", got.body);
    assert_eq!(order().await, ["Never matches", "Refunds", "Invoices"]);
    let body = admin.get(rules).await.body;
    assert!(body.find(">Refunds<").expect("listed") < body.find(">Invoices<").expect("listed"), "the page shows the new order");
    assert_eq!(admin.post(rules, &format!("{rules}/{refunds}/move"), &[("direction", "sideways")]).await.status, 422);

    let got =
        admin.post("/admin/groups", &format!("/admin/groups/{group}"), &[("assignment", "round_robin"), ("max_open", "5")]).await;
    assert_eq!(got.status, 303, "{}", got.body);
    let (_, groups) = s.get("/api/v1/groups", &a.admin_token).await;
    let g = groups["items"].as_array().expect("groups").iter().find(|g| g["id"] == group).expect("group").clone();
    assert_eq!((g["assignment"].as_str(), g["max_open"].as_i64()), (Some("round_robin"), Some(5)), "{g}");
    assert!(admin.get("/admin/groups").await.body.contains("<option value=\"round_robin\" selected>"));

    let company = a.ids["company"].as_str();
    let got = admin.post("/admin/companies", &format!("/admin/companies/{company}"), &[("sla_tier", "gold")]).await;
    assert_eq!(got.status, 303, "{}", got.body);
    let (_, c) = s.get(&format!("/api/v1/companies/{company}"), &a.admin_token).await;
    assert_eq!(c["sla_tier"], "gold", "{c}");
    // Back to standard: the customer's next ticket gets the edited standard policy.
    assert_eq!(
        admin.post("/admin/companies", &format!("/admin/companies/{company}"), &[("sla_tier", "standard")]).await.status,
        303
    );

    let settings = [("time_zone", "Mars/Olympus"), ("auto_close_days", "5"), ("default_group_id", group)];
    let got = admin.post("/admin/settings", "/admin/settings", &settings).await;
    assert_eq!(got.status, 422);
    assert!(section(&got.body, "id=\"st-tz\"", "</small>").contains("aria-invalid=\"true\""));
    let settings = [("time_zone", "Europe/Berlin"), ("auto_close_days", "5"), ("default_group_id", group)];
    assert_eq!(admin.post("/admin/settings", "/admin/settings", &settings).await.status, 303);
    let (_, st) = s.get("/api/v1/settings", &a.admin_token).await;
    assert_eq!((st["time_zone"].as_str(), st["auto_close_days"].as_i64()), (Some("Europe/Berlin"), Some(5)), "{st}");
}

async fn sla_admin_pages_and_the_ticket_panel(backend: Backend) {
    let s = TestServer::start_with(backend, common::ai_options()).await;
    let a = seed(&s, "uisla").await;
    let mut admin = Page::sign_in(&s, &a.slug, &a.emails["admin"]).await;
    calendars_and_policies(&s, &a, &mut admin).await;
    routing_and_groups(&s, &a, &mut admin).await;

    // An agent sees a new ticket's due times in working time, in the workspace's zone.
    let customer = a.token(&s, "customer").await;
    let (status, ticket) = s
        .post("/api/v1/tickets", &customer, json!({"subject": "Scanner offline", "description": "It shows offline since noon."}))
        .await;
    assert_eq!(status, 201, "{ticket}");
    let id = ticket["id"].as_str().expect("id");
    let mut agent = Page::sign_in(&s, &a.slug, &a.emails["agent"]).await;
    let got = agent.get(&format!("/agent/tickets/{id}")).await;
    assert_eq!(got.status, 200, "{}", got.body);
    let panel = section(&got.body, "aria-labelledby=\"sla-title\"", "</section>");
    assert!(panel.contains("Service level") && panel.contains("Standard (Berlin)"), "{panel}");
    for target in ["id=\"sla-first-response\"", "id=\"sla-resolution\""] {
        let due = section(panel, target, "</dd>");
        assert!(due.contains("Due in") && due.contains("of working time") && due.contains("<time datetime="), "{due}");
        assert!(due.contains("CET") || due.contains("CEST"), "shown in the workspace's zone: {due}");
    }
    let list = agent.get("/agent/tickets?view=all&sort=due").await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert!(list.body.contains("<option value=\"due\" selected>"), "the order is kept in the form");
    assert!(list.body.contains("data-label=\"Due\""), "the list has a due column");
    // Agents may look at the SLA settings but not change them.
    let page = agent.get("/admin/calendars").await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("action=\"/admin/calendars\""), "no form for a reader");
}

on_both_backends!(sla_admin_pages_and_the_ticket_panel);
