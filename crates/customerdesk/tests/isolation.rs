//! Generated over the route table: every endpoint is probed with every role of another
//! tenant (must be 404, or 403 where the role lacks the permission — never the row) and with
//! every role of its own tenant (403 exactly when the role lacks the route's permission).

mod common;

use common::{Backend, Seeded, TestServer, seed};
use serde_json::Value;

const ROLES: &[&str] = &["admin", "supervisor", "agent", "company_admin", "customer"];

fn path_for(template: &str, resource: Option<&str>, owner: &Seeded) -> String {
    let path = template.replace("{tenant}", &owner.slug).replace("{slug}", &owner.article_slug);
    match resource {
        Some(kind) => path.replace("{id}", &owner.ids[kind]),
        None => path,
    }
}

/// The route's example body with `{user_id}` set to a user of the caller's tenant.
fn body_for(example: Option<&Value>, caller: &Seeded) -> Option<Value> {
    if example.is_some_and(|e| e.get("permissions").is_some()) {
        // Editing a role: send its current permissions, so the probe changes nothing.
        return Some(serde_json::json!({"permissions": caller.customer_role_permissions}));
    }
    example.map(|e| {
        let text = e
            .to_string()
            .replace("{user_id}", &caller.ids["user"])
            .replace("{ticket_id}", &caller.company_admin_ticket)
            .replace("{article_id}", &caller.ids["article"])
            .replace("{group_id}", &caller.ids["group"])
            .replace("{skill_id}", &caller.ids["skill"]);
        serde_json::from_str(&text).expect("json")
    })
}

async fn permissions_of(s: &TestServer, token: &str) -> Vec<String> {
    let (status, me) = s.get("/api/v1/me", token).await;
    assert_eq!(status, 200);
    me["permissions"].as_array().expect("permissions").iter().map(|p| p.as_str().expect("str").to_owned()).collect()
}

async fn cross_tenant_ids_are_not_found(backend: Backend) {
    let s = TestServer::start(backend).await;
    let a = seed(&s, "tenant-a").await;
    let b = seed(&s, "tenant-b").await;
    let a_ids = a.all_ids();
    let mut probed = 0;
    for route in desk_web::routes::routes() {
        let Some(permission) = route.permission else {
            continue;
        };
        for role in ROLES {
            let token = b.token(&s, role).await;
            let allowed = permissions_of(&s, &token).await.iter().any(|p| p == permission);
            let path = path_for(route.path, route.resource, &a);
            let body = body_for(route.example.as_ref(), &b);
            let (status, res) = s.call(route.method.as_str(), &path, Some(&token), body.as_ref()).await;
            let text = res.to_string();
            if route.resource.is_some() {
                let expect = if allowed { 404 } else { 403 };
                assert_eq!(status, expect, "{} {} as tenant B's {role}: {res}", route.method, route.path);
                assert_eq!(res["error"]["code"], if allowed { "not_found" } else { "forbidden" });
            }
            for id in &a_ids {
                assert!(
                    !text.contains(id.as_str()),
                    "{} {} as tenant B's {role} shows tenant A's {id}",
                    route.method,
                    route.path
                );
            }
            assert!(!text.contains(&a.internal_note), "{} {} leaks tenant A's note", route.method, route.path);
            probed += 1;
        }
    }
    assert!(probed >= 20 * ROLES.len(), "only {probed} probes: did the route table shrink?");
    // Tenant A's data is still all there and unchanged by B's attempts.
    let (status, t) = s.get(&format!("/api/v1/tickets/{}", a.customer_ticket), &a.admin_token).await;
    assert_eq!(status, 200);
    assert_eq!(t["subject"], "Printer jams");
}

async fn every_route_checks_its_permission(backend: Backend) {
    let s = TestServer::start(backend).await;
    let a = seed(&s, "tenant-a").await;
    let mut checked = 0;
    // Public routes first: later probes (a restore) unpublish the seeded article.
    let mut routes = desk_web::routes::routes();
    routes.sort_by_key(|r| r.permission.is_some());
    for route in routes {
        let path = path_for(route.path, route.resource, &a);
        let body = body_for(route.example.as_ref(), &a);
        let Some(permission) = route.permission else {
            // Public routes answer without a token (login's example credentials are wrong: 401;
            // the public search wants a ?q=: 422).
            let (status, res) = s.call(route.method.as_str(), &path, None, body.as_ref()).await;
            let expected = if route.path.ends_with("/login") {
                401
            } else if route.path.ends_with("/search") {
                422
            } else {
                200
            };
            assert_eq!(status, expected, "{} {} public: {res}", route.method, route.path);
            continue;
        };
        let (status, res) = s.call(route.method.as_str(), &path, None, body.as_ref()).await;
        assert_eq!(status, 401, "{} {} without a token: {res}", route.method, route.path);
        assert_eq!(res["error"]["code"], "unauthorized");
        let (status, _) =
            s.call(route.method.as_str(), &path, Some("cd_00000000000000000000000000000000_00"), body.as_ref()).await;
        assert_eq!(status, 401, "{} {} with a forged token", route.method, route.path);
        for role in ROLES {
            let token = a.token(&s, role).await;
            let allowed = permissions_of(&s, &token).await.iter().any(|p| p == permission);
            let (status, res) = s.call(route.method.as_str(), &path, Some(&token), body.as_ref()).await;
            if allowed {
                assert!(
                    res["error"]["code"] != "forbidden",
                    "{} {} as {role}, who has {permission}: {res}",
                    route.method,
                    route.path
                );
                assert!(status < 500, "{} {} as {role}: {status} {res}", route.method, route.path);
            } else {
                assert_eq!(status, 403, "{} {} as {role}, who lacks {permission}: {res}", route.method, route.path);
                assert_eq!(res["error"]["code"], "forbidden");
            }
            checked += 1;
        }
    }
    assert!(checked >= 20 * ROLES.len());
}

/// Permissions are data: removing one from a role takes effect on the next request.
async fn role_permissions_are_data(backend: Backend) {
    let s = TestServer::start(backend).await;
    let a = seed(&s, "tenant-a").await;
    let agent = a.token(&s, "agent").await;
    assert_eq!(s.get("/api/v1/users", &agent).await.0, 200);
    let (_, roles) = s.get("/api/v1/roles", &a.admin_token).await;
    let role = roles["items"].as_array().expect("items").iter().find(|r| r["name"] == "agent").expect("agent").clone();
    let kept: Vec<Value> =
        role["permissions"].as_array().expect("perms").iter().filter(|p| *p != "users:read").cloned().collect();
    let (status, updated) = s
        .patch(
            &format!("/api/v1/roles/{}", role["id"].as_str().expect("id")),
            &a.admin_token,
            serde_json::json!({"permissions": kept}),
        )
        .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(s.get("/api/v1/users", &agent).await.0, 403);
    let (status, err) = s
        .patch(
            &format!("/api/v1/roles/{}", role["id"].as_str().expect("id")),
            &a.admin_token,
            serde_json::json!({"permissions": ["tickets:fly"]}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["fields"][0]["field"], "permissions");
}

/// Group scope, generated over the route table: an agent limited to their groups gets 404 from
/// every ticket endpoint for a ticket of another group, exactly as for another tenant's ticket,
/// and never sees it in a list or search.
async fn agents_outside_a_group_see_nothing_of_its_tickets(backend: Backend) {
    let s = TestServer::start(backend).await;
    let a = seed(&s, "tenant-a").await;
    let admin = &a.admin_token;
    let (status, g) = s.post("/api/v1/groups", admin, serde_json::json!({"name": "Second line"})).await;
    assert_eq!(status, 201, "{g}");
    let body = serde_json::json!({"subject": "Quasar outage", "description": "quasar", "requester_id": a.ids["user"], "group_id": g["id"]});
    let (status, t) = s.post("/api/v1/tickets", admin, body).await;
    assert_eq!(status, 201, "{t}");
    let hidden = t["id"].as_str().expect("id").to_owned();
    let agent = a.token(&s, "agent").await;
    let agent_perms = permissions_of(&s, &agent).await;
    assert!(agent_perms.iter().any(|p| p == "tickets:scope_group") && !agent_perms.iter().any(|p| p == "tickets:scope_all"));
    let mut probed = 0;
    for route in desk_web::routes::routes() {
        if route.resource != Some("ticket") {
            continue;
        }
        let Some(permission) = route.permission else { continue };
        let path = route.path.replace("{id}", &hidden);
        let body = body_for(route.example.as_ref(), &a);
        let (status, res) = s.call(route.method.as_str(), &path, Some(&agent), body.as_ref()).await;
        let expect = if agent_perms.iter().any(|p| p == permission) { 404 } else { 403 };
        assert_eq!(status, expect, "{} {} for another group's ticket: {res}", route.method, route.path);
        assert!(!res.to_string().contains("Quasar"), "{} {} shows the ticket", route.method, route.path);
        probed += 1;
    }
    assert!(probed >= 15, "only {probed} ticket routes probed");
    for path in ["/api/v1/tickets", "/api/v1/tickets?q=quasar", "/api/v1/tickets?view=unassigned", "/api/v1/tickets?group_id="] {
        let path = if path.ends_with('=') { format!("{path}{}", g["id"].as_str().expect("id")) } else { path.to_owned() };
        let (status, res) = s.get(&path, &agent).await;
        assert_eq!(status, 200, "{path}: {res}");
        assert!(!res.to_string().contains(&hidden), "{path} lists another group's ticket");
    }
    // The same ticket is the admin's to see, and the agent's once they join the group.
    assert_eq!(s.get(&format!("/api/v1/tickets/{hidden}"), admin).await.0, 200);
    let (status, _) = s
        .post(
            &format!("/api/v1/groups/{}/members", g["id"].as_str().expect("id")),
            admin,
            serde_json::json!({"user_id": a.ids["agent"]}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(s.get(&format!("/api/v1/tickets/{hidden}"), &agent).await.0, 200);
}

on_both_backends!(
    cross_tenant_ids_are_not_found,
    every_route_checks_its_permission,
    role_permissions_are_data,
    agents_outside_a_group_see_nothing_of_its_tickets
);
