//! The web UI over HTTP (no browser): generated over the page table, every page is probed
//! with every role (403 exactly when the role lacks the page's permission), signed out
//! (sent to sign-in), from another tenant (never the other tenant's rows), and every form
//! without or with a wrong CSRF token (refused). Hostile stored text must come back inert.

mod common;

use common::ui::Page;
use common::{Backend, PASSWORD, Seeded, TestServer, seed};
use desk_ui::session::Access;
use serde_json::json;

const ROLES: &[&str] = &["admin", "supervisor", "agent", "company_admin", "customer"];

/// The kind of record (a key of `Seeded.ids`) the `{id}` of other admin pages names.
const ADMIN_KINDS: &[(&str, &str)] = &[
    ("/admin/companies/", "company"),
    ("/admin/calendars/", "calendar"),
    ("/admin/sla-policies/", "sla_policy"),
    ("/admin/routing-rules/", "routing_rule"),
    ("/admin/escalation-rules/", "escalation_rule"),
    ("/admin/skills/", "skill"),
];

/// A concrete path for a page template, naming records of `owner`.
fn path_for(template: &str, owner: &Seeded) -> String {
    let id = if template.starts_with("/agent/tickets/") || template.starts_with("/portal/tickets/") {
        owner.customer_ticket.clone()
    } else if template.starts_with("/portal/kb/") || template.starts_with("/agent/kb/") {
        owner.ids["article"].clone()
    } else if template.starts_with("/attachments/") {
        owner.ids["attachment"].clone()
    } else if template.starts_with("/admin/roles/") {
        owner.ids["role"].clone()
    } else if template.starts_with("/admin/users/") {
        owner.ids["user"].clone()
    } else if template.starts_with("/admin/groups/") {
        owner.ids["group"].clone()
    } else if let Some((_, kind)) = ADMIN_KINDS.iter().find(|(prefix, _)| template.starts_with(prefix)) {
        owner.ids[kind].clone()
    } else {
        String::new()
    };
    template.replace("{id}", &id).replace("{tenant}", &owner.slug).replace("{slug}", &owner.article_slug)
}

fn role_permissions(role: &str, roles: &serde_json::Value) -> Vec<String> {
    let name = if role == "other_customer" { "customer" } else { role };
    roles["items"].as_array().expect("roles").iter().find(|r| r["name"] == name).expect("role")["permissions"]
        .as_array()
        .expect("permissions")
        .iter()
        .map(|p| p.as_str().expect("permission").to_owned())
        .collect()
}

fn allowed(access: Access, permissions: &[String]) -> bool {
    match access {
        Access::Public | Access::SignedIn => true,
        Access::Perm(p) => permissions.iter().any(|x| x == p),
        Access::AnyOf(ps) => ps.iter().any(|p| permissions.iter().any(|x| x == p)),
    }
}

async fn every_page_checks_its_permission_for_every_role(backend: Backend) {
    let s = TestServer::start_with(backend, common::ai_options()).await;
    let a = seed(&s, "uia").await;
    let (_, roles) = s.get("/api/v1/roles", &a.admin_token).await;
    let customer_permissions = role_permissions("customer", &roles);
    for role in ROLES {
        let permissions = role_permissions(role, &roles);
        let mut page = Page::sign_in(&s, &a.slug, &a.emails[role]).await;
        for def in desk_ui::pages() {
            if def.path == "/logout" || def.path == "/account/password" {
                continue; // would end the session being probed; covered below
            }
            let path = path_for(def.path, &a);
            let got = if def.method == axum::http::Method::GET {
                page.get(&path).await
            } else if def.path == "/admin/roles/{id}" {
                // The customer role's own permissions: saving them changes nothing.
                let fields: Vec<(&str, &str)> = customer_permissions.iter().map(|p| ("permission", p.as_str())).collect();
                page.post("/account", &path, &fields).await
            } else {
                // An empty form: past the guard it fails validation, it never changes anything.
                page.post("/account", &path, &[]).await
            };
            let may = allowed(def.access, &permissions);
            if may {
                assert!(got.status != 403 && got.status < 500, "{role} {} {path}: {} {}", def.method, got.status, got.body);
            } else {
                assert_eq!(got.status, 403, "{role} must not reach {} {path}", def.method);
                assert!(got.body.contains("<main"), "the refusal is a page");
            }
        }
    }
}

async fn signed_out_visitors_are_sent_to_sign_in(backend: Backend) {
    let s = TestServer::start_with(backend, common::ai_options()).await;
    let a = seed(&s, "uib").await;
    for def in desk_ui::pages() {
        let path = path_for(def.path, &a);
        let mut page = Page::new(&s);
        if def.access == Access::Public {
            continue;
        }
        let got = if def.method == axum::http::Method::GET { page.get(&path).await } else { page.post_raw(&path, &[]).await };
        assert_eq!(got.status, 303, "{} {path} signed out: {}", def.method, got.body);
        let location = got.location.expect("location");
        assert!(location.starts_with("/login"), "{path} → {location}");
        assert!(!got.body.contains(&a.customer_ticket), "nothing of the tenant leaks");
    }
}

async fn another_tenants_records_are_not_found(backend: Backend) {
    let s = TestServer::start_with(backend, common::ai_options()).await;
    let a = seed(&s, "uic").await;
    let b = seed(&s, "uid").await;
    for role in ROLES {
        let mut page = Page::sign_in(&s, &a.slug, &a.emails[role]).await;
        for def in desk_ui::pages().iter().filter(|d| d.method == axum::http::Method::GET && d.path.contains("{id}")) {
            let path = path_for(def.path, &b);
            let got = page.get(&path).await;
            assert!(got.status == 404 || got.status == 403, "{role} of {} opening {path} of {}: {}", a.slug, b.slug, got.status);
            // The page may echo the address asked for (the language switch returns to it), nothing else.
            let body = got.body.replace(&path, "");
            for id in b.all_ids() {
                assert!(!body.contains(&id), "{role} saw {id} of another tenant on {path}");
            }
        }
        // Forms aimed at the other tenant's records change nothing there.
        let ticket = &b.customer_ticket;
        let got = page.post("/account", &format!("/agent/tickets/{ticket}/reply"), &[("body", "cross-tenant")]).await;
        assert!(got.status == 404 || got.status == 403, "{role} reply across tenants: {}", got.status);
    }
    let (_, comments) = s.get(&format!("/api/v1/tickets/{}/comments", b.customer_ticket), &b.admin_token).await;
    assert!(!comments.to_string().contains("cross-tenant"));
}

async fn forms_without_the_csrf_token_are_refused(backend: Backend) {
    let s = TestServer::start_with(backend, common::ai_options()).await;
    let a = seed(&s, "uie").await;
    let mut admin = Page::sign_in(&s, &a.slug, &a.emails["admin"]).await;
    for def in desk_ui::pages().iter().filter(|d| d.method == axum::http::Method::POST) {
        let path = path_for(def.path, &a);
        for token in [None, Some("0123456789abcdef0123456789abcdef")] {
            let mut form = vec![("body", "x"), ("status", "resolved"), ("tenant", a.slug.as_str()), ("helpful", "true")];
            if let Some(t) = token {
                form.push(("_csrf", t));
            }
            let got = admin.post_raw(&path, &form).await;
            assert_eq!(got.status, 403, "{path} with token {token:?}: {}", got.body);
            assert!(got.body.contains("This form has expired"), "{path}: says why");
        }
    }
    // A token from another session does not work either.
    let mut other = Page::sign_in(&s, &a.slug, &a.emails["agent"]).await;
    let foreign = other.csrf("/account").await;
    let ticket = &a.customer_ticket;
    let got = admin.post_raw(&format!("/agent/tickets/{ticket}/reply"), &[("body", "forged"), ("_csrf", &foreign)]).await;
    assert_eq!(got.status, 403);
    // The right token passes, and a cross-site Origin is refused even with it.
    let got = admin.post("/account", &format!("/agent/tickets/{ticket}/reply"), &[("body", "a real reply")]).await;
    assert_eq!(got.status, 303, "{}", got.body);
    let token = admin.csrf("/account").await;
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .post(format!("{}/agent/tickets/{ticket}/reply", s.base))
        .header("cookie", admin.cookie_header())
        .header("origin", "https://evil.example")
        .form(&[("body", "forged"), ("_csrf", token.as_str())])
        .send()
        .await
        .expect("post");
    assert_eq!(res.status().as_u16(), 403);
    let (_, comments) = s.get(&format!("/api/v1/tickets/{ticket}/comments"), &a.admin_token).await;
    let text = comments.to_string();
    assert!(text.contains("a real reply") && !text.contains("forged"), "only the genuine form was applied");
    // Signed out, the sign-in form needs the browser cookie's token.
    let mut anon = Page::new(&s);
    let got = anon.post_raw("/login", &[("tenant", &a.slug), ("email", &a.emails["admin"]), ("password", PASSWORD)]).await;
    assert_eq!(got.status, 403);
}

const HOSTILE: &str = "<script>alert('x')</script><img src=x onerror=alert(1)><a href=\"javascript:alert(2)\">j</a>";

fn assert_inert(body: &str, what: &str) {
    assert!(!body.contains("<script>alert"), "{what}: a stored script runs");
    assert!(!body.contains("<img src=x onerror"), "{what}: a stored event handler runs");
    assert!(!body.contains("href=\"javascript:"), "{what}: a stored javascript: link");
    assert!(
        !body.contains("<script>") || body.matches("<script").count() == body.matches("<script src=\"/static/app.js\"").count()
    );
}

async fn stored_hostile_text_renders_inert(backend: Backend) {
    let s = TestServer::start_with(backend, common::ai_options()).await;
    let a = seed(&s, "uif").await;
    let customer = a.token(&s, "customer").await;
    let (status, ticket) =
        s.post("/api/v1/tickets", &customer, json!({"subject": format!("Help {HOSTILE}"), "description": HOSTILE})).await;
    assert_eq!(status, 201, "{ticket}");
    let id = ticket["id"].as_str().expect("id").to_owned();
    let (status, _) = s.post(&format!("/api/v1/tickets/{id}/comments"), &customer, json!({"body": HOSTILE})).await;
    assert_eq!(status, 201);
    let body = format!("Intro\n\n{HOSTILE}\n\n[click](javascript:alert(3))");
    let (status, article) = s
        .post(
            "/api/v1/kb/articles",
            &a.admin_token,
            json!({"title": format!("Hostile {HOSTILE}"), "summary": HOSTILE, "body": body, "visibility": "public"}),
        )
        .await;
    assert_eq!(status, 201, "{article}");
    let aid = article["id"].as_str().expect("id").to_owned();
    let (status, article) =
        s.patch(&format!("/api/v1/kb/articles/{aid}"), &a.admin_token, json!({"status": "published", "notes": "x"})).await;
    assert_eq!(status, 200, "{article}");
    let slug = article["slug"].as_str().expect("slug").to_owned();
    let mut agent = Page::sign_in(&s, &a.slug, &a.emails["agent"]).await;
    let mut cust = Page::sign_in(&s, &a.slug, &a.emails["customer"]).await;
    let mut anon = Page::new(&s);
    let pages = [
        (0, "/agent/tickets?view=all".to_owned()),
        (0, format!("/agent/tickets/{id}")),
        (0, "/agent/tickets?view=all&q=help".to_owned()),
        (1, "/portal".to_owned()),
        (1, format!("/portal/tickets/{id}")),
        (1, "/portal/kb".to_owned()),
        (1, format!("/portal/kb/{aid}")),
        (1, "/portal/kb?q=hostile".to_owned()),
        (2, format!("/kb/{}", a.slug)),
        (2, format!("/kb/{}/{slug}", a.slug)),
        (2, format!("/kb/{}?q=hostile", a.slug)),
    ];
    for (who, path) in pages {
        let page = match who {
            0 => &mut agent,
            1 => &mut cust,
            _ => &mut anon,
        };
        let got = page.get(&path).await;
        assert_eq!(got.status, 200, "{path}");
        assert_inert(&got.body, &path);
        let csp = got.headers.get("content-security-policy").expect("CSP").to_str().expect("csp");
        assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{path}: {csp}");
    }
    let got = agent.get(&format!("/agent/tickets/{id}")).await;
    assert!(got.body.contains("&lt;script&gt;alert"), "the subject is shown, escaped");
}

async fn sign_in_is_rate_limited_and_sessions_are_safe_cookies(backend: Backend) {
    let s = TestServer::start_with(backend, common::ai_options()).await;
    let a = seed(&s, "uig").await;
    let mut page = Page::new(&s);
    for _ in 0..10 {
        let got = page
            .post("/login", "/login", &[("tenant", &a.slug), ("email", &a.emails["agent"]), ("password", "wrong-password")])
            .await;
        assert_eq!(got.status, 401);
        assert!(got.body.contains("is not right"));
    }
    let got = page.post("/login", "/login", &[("tenant", &a.slug), ("email", &a.emails["agent"]), ("password", PASSWORD)]).await;
    assert_eq!(got.status, 429, "locked even with the right password");
    assert!(got.body.contains("Too many failed attempts"));
    // The API shares the limit.
    let (status, body) = s
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(&json!({"tenant": a.slug, "email": a.emails["agent"], "password": PASSWORD})),
        )
        .await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["error"]["code"], "rate_limited");
    // Another account is not locked.
    let res = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let mut other = Page::new(&s);
    let token = other.csrf("/login").await;
    let cookies = other.cookie_header();
    let got = res
        .post(format!("{}/login", s.base))
        .header("cookie", cookies)
        .header("x-forwarded-proto", "https")
        .form(&[("tenant", a.slug.as_str()), ("email", &a.emails["customer"]), ("password", PASSWORD), ("_csrf", &token)])
        .send()
        .await
        .expect("login");
    assert_eq!(got.status().as_u16(), 303);
    let cookie = got
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().expect("cookie").to_owned())
        .find(|c| c.starts_with("cd_session="))
        .expect("session cookie");
    for flag in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
        assert!(cookie.contains(flag), "{cookie} lacks {flag}");
    }
    // Signing out ends the session for good.
    let mut c = Page::sign_in(&s, &a.slug, &a.emails["customer"]).await;
    let session = c.cookies["cd_session"].clone();
    assert_eq!(c.post("/account", "/logout", &[]).await.status, 303);
    let (status, _) = s.get("/api/v1/me", &session).await;
    assert_eq!(status, 401, "the session token is revoked");
    assert_eq!(c.get("/portal").await.status, 303);
}

async fn the_second_language_translates_the_pages(backend: Backend) {
    let s = TestServer::start_with(backend, common::ai_options()).await;
    let a = seed(&s, "uih").await;
    let mut page = Page::sign_in(&s, &a.slug, &a.emails["agent"]).await;
    let got = page.get("/agent/tickets?view=all").await;
    assert!(got.body.contains("All tickets") && got.body.contains("lang=\"en\""));
    let got = page.get("/language?lang=de&back=/agent/tickets?view=all").await;
    assert_eq!(got.status, 303);
    assert_eq!(got.location.as_deref(), Some("/agent/tickets?view=all"));
    let got = page.get("/agent/tickets?view=all").await;
    assert!(got.body.contains("lang=\"de\"") && got.body.contains("Alle Tickets") && got.body.contains("Abmelden"), "German");
    assert!(!got.body.contains("All tickets"));
    // An open redirect through the switch is refused.
    let got = page.get("/language?lang=en&back=//evil.example/").await;
    assert_eq!(got.location.as_deref(), Some("/"));
}

async fn admins_change_roles_and_deactivate_users(backend: Backend) {
    let s = TestServer::start_with(backend, common::ai_options()).await;
    let a = seed(&s, "uij").await;
    let mut admin = Page::sign_in(&s, &a.slug, &a.emails["admin"]).await;
    let mut customer = Page::sign_in(&s, &a.slug, &a.emails["customer"]).await;
    let user = a.ids["user"].clone();
    let got = admin.post("/admin/users", &format!("/admin/users/{user}"), &[("role", "agent"), ("status", "")]).await;
    assert_eq!(got.status, 422, "a customer of a company cannot become staff");
    let got =
        admin.post("/admin/users", &format!("/admin/users/{user}"), &[("role", "company_admin"), ("status", "inactive")]).await;
    assert_eq!(got.status, 303, "{}", got.body);
    let (_, u) = s.get(&format!("/api/v1/users/{user}"), &a.admin_token).await;
    assert_eq!((u["role"].as_str(), u["active"].as_bool()), (Some("company_admin"), Some(false)), "{u}");
    assert_eq!(customer.get("/portal").await.status, 303, "a deactivated user's session ends");
    let (status, _) = s
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(&json!({"tenant": a.slug, "email": a.emails["customer"], "password": PASSWORD})),
        )
        .await;
    assert_eq!(status, 401, "and they cannot sign in");
    let got = admin.post("/admin/users", &format!("/admin/users/{user}"), &[("role", ""), ("status", "active")]).await;
    assert_eq!(got.status, 303);
    Page::sign_in(&s, &a.slug, &a.emails["customer"]).await;
    // An admin cannot lock themselves out.
    let (_, me) = s.get("/api/v1/me", &a.admin_token).await;
    let me = me["user"]["id"].as_str().expect("id").to_owned();
    let got = admin.post("/admin/users", &format!("/admin/users/{me}"), &[("role", "agent"), ("status", "")]).await;
    assert_eq!(got.status, 403);
    let (status, body) = s.patch(&format!("/api/v1/users/{me}"), &a.admin_token, json!({"active": false})).await;
    assert_eq!(status, 403, "{body}");
    // users:manage alone cannot make an admin: a role is given only by someone holding all of it.
    let (_, roles) = s.get("/api/v1/roles", &a.admin_token).await;
    let supervisor_role = roles["items"].as_array().expect("roles").iter().find(|r| r["name"] == "supervisor").expect("role");
    let mut perms = supervisor_role["permissions"].as_array().expect("perms").clone();
    perms.push(json!("users:manage"));
    let rid = supervisor_role["id"].as_str().expect("id");
    assert_eq!(s.patch(&format!("/api/v1/roles/{rid}"), &a.admin_token, json!({"permissions": perms})).await.0, 200);
    let supervisor = a.token(&s, "supervisor").await;
    let (_, users) = s.get("/api/v1/users?limit=100", &a.admin_token).await;
    let agent_id =
        users["items"].as_array().expect("users").iter().find(|u| u["email"] == a.emails["agent"].as_str()).expect("agent")["id"]
            .as_str()
            .expect("id")
            .to_owned();
    let (status, _) = s.patch(&format!("/api/v1/users/{agent_id}"), &supervisor, json!({"role": "admin"})).await;
    assert_eq!(status, 403, "a supervisor cannot promote anyone to admin");
    let (status, _) = s
        .post(
            "/api/v1/users",
            &supervisor,
            json!({"email": "sneaky@uij.example", "role": "admin", "password": "a-long-password-1"}),
        )
        .await;
    assert_eq!(status, 403, "nor create an admin");
    let (status, _) = s.patch(&format!("/api/v1/users/{user}"), &supervisor, json!({"role": "customer"})).await;
    assert_eq!(status, 200, "but may give roles within their own permissions");
    let (status, body) = s.patch(&format!("/api/v1/users/{me}"), &supervisor, json!({"role": "agent"})).await;
    assert_eq!(status, 403, "the last user who can manage roles cannot be demoted: {body}");
    let (status, _) = s.patch(&format!("/api/v1/users/{me}"), &supervisor, json!({"active": false})).await;
    assert_eq!(status, 403, "nor deactivated");
    let (status, body) = s.patch(&format!("/api/v1/users/{user}"), &a.admin_token, json!({"role": "nobody"})).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["fields"][0]["field"], "role");
}

async fn help_center_votes_count_once_per_browser_and_are_limited(backend: Backend) {
    let s = TestServer::start_with(backend, common::ai_options()).await;
    let a = seed(&s, "uik").await;
    let page = format!("/kb/{}/{}", a.slug, a.article_slug);
    let counts = async || {
        let (_, v) = s.get(&format!("/api/v1/kb/articles/{}", a.ids["article"]), &a.admin_token).await;
        (v["helpful_count"].as_i64().expect("helpful"), v["not_helpful_count"].as_i64().expect("not helpful"))
    };
    let before = counts().await;
    let mut reader = Page::new(&s);
    let got = reader.post(&page, &format!("{page}/vote"), &[("helpful", "true")]).await;
    assert_eq!((got.status, got.location.as_deref()), (303, Some(format!("{page}?voted=1").as_str())));
    assert_eq!(counts().await, (before.0 + 1, before.1));
    reader.post(&page, &format!("{page}/vote"), &[("helpful", "false")]).await;
    assert_eq!(counts().await, (before.0, before.1 + 1), "a changed vote replaces the browser's earlier one");
    assert!(reader.get(&format!("{page}?voted=1")).await.body.contains("Thanks for your feedback"));
    // An unknown article or tenant is a page that says so, not a vote.
    let got = reader.post(&page, &format!("/kb/{}/no-such-article/vote", a.slug), &[("helpful", "true")]).await;
    assert_eq!(got.status, 404);
    let got = reader.post(&page, &format!("{page}/vote"), &[("helpful", "maybe")]).await;
    assert_eq!(got.status, 422, "a malformed form is refused with a page: {}", got.body);
    assert!(got.body.contains("<main"));
    // A reader scripting fresh browsers is stopped per address.
    let mut limited = false;
    for _ in 0..70 {
        let mut fresh = Page::new(&s);
        let got = fresh.post(&page, &format!("{page}/vote"), &[("helpful", "true")]).await;
        if got.status == 429 {
            limited = true;
            break;
        }
        assert_eq!(got.status, 303);
    }
    assert!(limited, "anonymous votes are rate-limited per client");
    let (helpful, _) = counts().await;
    assert!(helpful <= before.0 + 60, "{helpful}");
}

async fn the_ai_endpoint_keeps_its_key_unless_told(backend: Backend) {
    let s = TestServer::start_with(backend, common::ai_options()).await;
    let a = seed(&s, "uim").await;
    let mut admin = Page::sign_in(&s, &a.slug, &a.emails["admin"]).await;
    let page = admin.get("/admin/ai").await;
    assert!(page.body.contains("http://127.0.0.1:9/v1"), "the seed's endpoint is shown");
    assert!(!page.body.contains("sk-seed"), "never the key");
    let save = [("action", "save"), ("base_url", "http://127.0.0.1:9/v2"), ("model", "m2"), ("api_key", "")];
    assert_eq!(admin.post("/admin/ai", "/admin/ai", &save).await.status, 303);
    let (_, settings) = s.get("/api/v1/ai/settings", &a.admin_token).await;
    assert_eq!(
        (settings["base_url"].as_str(), settings["api_key_set"].as_bool()),
        (Some("http://127.0.0.1:9/v2"), Some(true)),
        "{settings}"
    );
    let mut remove = save.to_vec();
    remove.push(("remove_key", "on"));
    assert_eq!(admin.post("/admin/ai", "/admin/ai", &remove).await.status, 303);
    let (_, settings) = s.get("/api/v1/ai/settings", &a.admin_token).await;
    assert_eq!(settings["api_key_set"], false, "{settings}");
}

async fn files_go_with_replies_and_internal_ones_stay_internal(backend: Backend) {
    let s = TestServer::start_with(backend, common::ai_options()).await;
    let a = seed(&s, "uil").await;
    let ticket = a.customer_ticket.clone();
    let mut agent = Page::sign_in(&s, &a.slug, &a.emails["agent"]).await;
    let token = agent.csrf("/account").await;
    let send = |page: &Page, path: String, fields: Vec<(&'static str, String)>, file: Option<(&'static str, &'static [u8])>| {
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in fields {
            form = form.text(k, v);
        }
        if let Some((name, data)) = file {
            form = form.part("file", reqwest::multipart::Part::bytes(data).file_name(name).mime_str("text/plain").expect("mime"));
        }
        let cookies = page.cookie_header();
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        let url = format!("{}{path}", page.base);
        async move { http.post(url).header("cookie", cookies).multipart(form).send().await.expect("post").status().as_u16() }
    };
    let reply = format!("/agent/tickets/{ticket}/reply");
    let status =
        send(&agent, reply.clone(), vec![("body", "See the log".into())], Some(("public-log.txt", b"public file"))).await;
    assert_eq!(status, 403, "a multipart form without the token is refused");
    let status = send(
        &agent,
        reply.clone(),
        vec![("_csrf", token.clone()), ("body", "See the log".into())],
        Some(("public-log.txt", b"public file")),
    )
    .await;
    assert_eq!(status, 303);
    let status = send(
        &agent,
        reply,
        vec![("_csrf", token.clone()), ("body", "Note with file".into()), ("internal", "on".into())],
        Some(("secret-notes.txt", b"internal file")),
    )
    .await;
    assert_eq!(status, 303);
    let page = agent.get(&format!("/agent/tickets/{ticket}")).await.body;
    assert!(page.contains("public-log.txt") && page.contains("secret-notes.txt"), "the agent sees both files");
    let mut customer = Page::sign_in(&s, &a.slug, &a.emails["customer"]).await;
    let page = customer.get(&format!("/portal/tickets/{ticket}")).await.body;
    assert!(page.contains("public-log.txt"), "the customer sees the public file");
    assert!(!page.contains("secret-notes.txt"), "but not the internal one");
    let start = page.find("href=\"/attachments/").expect("a download link") + "href=\"/attachments/".len();
    let file_id = &page[start..start + 36];
    let got = customer.get(&format!("/attachments/{file_id}")).await;
    assert_eq!(got.status, 200);
    assert!(got.headers["content-disposition"].to_str().expect("cd").starts_with("attachment"));
    // The customer attaches a file to a new ticket.
    let token = customer.csrf("/portal/tickets/new").await;
    let status = send(
        &customer,
        "/portal/tickets".into(),
        vec![("_csrf", token), ("subject", "Screenshot attached".into()), ("description", "see file".into())],
        Some(("screen.txt", b"pixels")),
    )
    .await;
    assert_eq!(status, 303);
    let (_, list) = s.get("/api/v1/tickets?q=Screenshot", &a.admin_token).await;
    let new_id = list["items"][0]["id"].as_str().expect("the new ticket").to_owned();
    let (_, files) = s.get(&format!("/api/v1/tickets/{new_id}/attachments"), &a.admin_token).await;
    assert_eq!(files["items"][0]["filename"], "screen.txt", "{files}");
}

async fn writers_draft_and_publishers_publish_articles(backend: Backend) {
    let s = TestServer::start_with(backend, common::ai_options()).await;
    let a = seed(&s, "uin").await;
    let mut agent = Page::sign_in(&s, &a.slug, &a.emails["agent"]).await;
    let fields = [
        ("title", "Printing from the tablet app"),
        ("summary", "Pair the printer first."),
        ("body", "## Steps\r\n\r\n1. Open **Settings**.\r\n2. Pair the printer."),
        ("category", "faq"),
        ("visibility", "customers"),
        ("tags", "printing, tablet"),
    ];
    let got = agent.post("/agent/kb/new", "/agent/kb", &fields).await;
    assert_eq!(got.status, 303, "{}", got.body);
    let editor = got.location.expect("the editor");
    let id = editor.trim_start_matches("/agent/kb/").to_owned();
    let page = agent.get(&editor).await.body;
    assert!(page.contains("Submit for review") && !page.contains(">Publish<"), "a writer submits, does not publish");
    assert!(page.contains("<strong>Settings</strong>"), "the preview renders the Markdown");
    let mut submit = fields.to_vec();
    submit.push(("status", "in_review"));
    assert_eq!(agent.post(&editor, &editor, &submit).await.status, 303);
    let got = agent.post(&editor, &editor, &[("status", "published")]).await;
    assert_eq!(got.status, 403, "a writer cannot publish");
    let mut customer = Page::sign_in(&s, &a.slug, &a.emails["customer"]).await;
    assert_eq!(customer.get(&format!("/portal/kb/{id}")).await.status, 404, "not published yet");
    let mut supervisor = Page::sign_in(&s, &a.slug, &a.emails["supervisor"]).await;
    let page = supervisor.get(&editor).await.body;
    assert!(page.contains(">Publish<"), "a publisher can publish");
    assert_eq!(supervisor.post(&editor, &editor, &[("status", "published")]).await.status, 303);
    let got = customer.get(&format!("/portal/kb/{id}")).await;
    assert_eq!(got.status, 200);
    assert!(got.body.contains("Printing from the tablet app") && got.body.contains("Pair the printer."));
    let (_, article) = s.get(&format!("/api/v1/kb/articles/{id}"), &a.admin_token).await;
    assert_eq!(article["body"], "## Steps\n\n1. Open **Settings**.\n2. Pair the printer.", "line ends are normalised");
    assert_eq!(article["status"], "published");
    // Saving the editor unchanged (the browser sends \r\n) makes no new version.
    let (_, before) = s.get(&format!("/api/v1/kb/articles/{id}/versions"), &a.admin_token).await;
    let mut same = fields.to_vec();
    same.push(("notes", ""));
    assert_eq!(supervisor.post(&editor, &editor, &same).await.status, 303);
    let (_, after) = s.get(&format!("/api/v1/kb/articles/{id}/versions"), &a.admin_token).await;
    assert_eq!(before["items"].as_array().map(Vec::len), after["items"].as_array().map(Vec::len), "no new version: {after}");
    // A writer may no longer edit the published article; the page says so.
    assert!(agent.get(&editor).await.body.contains("a publisher edits it"));
}

async fn agents_change_tickets_in_bulk_merge_duplicates_and_correct_labels(backend: Backend) {
    let s = TestServer::start_with(backend, common::ai_options()).await;
    let a = seed(&s, "uio").await;
    let mut agent = Page::sign_in(&s, &a.slug, &a.emails["agent"]).await;
    let (t1, t3) = (a.customer_ticket.clone(), a.company_admin_ticket.clone());
    let list = "/agent/tickets?view=all";
    let got = agent
        .post(list, "/agent/tickets/bulk", &[("ids", &t1), ("ids", &t3), ("priority", "high"), ("status", ""), ("back", list)])
        .await;
    assert_eq!(got.status, 303);
    let back = got.location.expect("back to the list");
    assert_eq!(back, format!("{list}&changed=2&refused=0"));
    assert!(agent.get(&back).await.body.contains("Changed 2 tickets; 0 could not be changed."));
    for id in [&t1, &t3] {
        let (_, t) = s.get(&format!("/api/v1/tickets/{id}"), &a.admin_token).await;
        assert_eq!(t["priority"], "high", "{t}");
    }
    let got = agent.post(list, "/agent/tickets/bulk", &[("ids", "not-an-id"), ("priority", "low")]).await;
    assert_eq!(got.status, 422);
    // A move the state machine refuses is counted, not applied.
    let got = agent.post(list, "/agent/tickets/bulk", &[("ids", &t1), ("status", "closed"), ("back", list)]).await;
    assert!(got.location.expect("back").ends_with("changed=0&refused=1"));

    let got = agent.post(&format!("/agent/tickets/{t3}"), &format!("/agent/tickets/{t3}/merge"), &[("into", &t1)]).await;
    assert_eq!((got.status, got.location), (303, Some(format!("/agent/tickets/{t1}"))));
    let (_, t) = s.get(&format!("/api/v1/tickets/{t3}"), &a.admin_token).await;
    assert_eq!((t["status"].as_str(), t["duplicate_of"].as_str()), (Some("duplicate"), Some(t1.as_str())), "{t}");
    assert!(agent.get(&format!("/agent/tickets/{t3}")).await.body.contains("This ticket is a duplicate."));

    let got = agent
        .post(
            &format!("/agent/tickets/{t1}"),
            &format!("/agent/tickets/{t1}/ai/classification"),
            &[("category", "billing"), ("sentiment", "angry")],
        )
        .await;
    assert_eq!(got.status, 303, "{}", got.body);
    let (_, c) = s.get(&format!("/api/v1/tickets/{t1}/ai/classification"), &a.admin_token).await;
    assert_eq!((c["corrected_category"].as_str(), c["corrected_sentiment"].as_str()), (Some("billing"), Some("angry")), "{c}");
    let page = agent.get(&format!("/agent/tickets/{t1}")).await.body;
    assert!(page.contains("<dd>Billing</dd>") && page.contains("<dd>Angry</dd>"), "the page shows the corrected labels");
}

async fn agents_open_tickets_for_customers(backend: Backend) {
    let s = TestServer::start_with(backend, common::ai_options()).await;
    let a = seed(&s, "uip").await;
    let mut agent = Page::sign_in(&s, &a.slug, &a.emails["agent"]).await;
    let form = agent.get("/agent/tickets/new").await.body;
    assert!(
        form.contains(&a.emails["customer"]) && !form.contains(&a.emails["supervisor"]),
        "customers to choose from, not staff"
    );
    let found = agent.get("/agent/tickets/new?customer=OTHER_CUSTOMER@").await.body;
    assert!(found.contains(&a.emails["other_customer"]), "the search finds by email, whatever the case");
    assert!(!found.contains(&format!("&lt;{}&gt;", a.emails["customer"])), "and narrows the list");
    let customer_id = a.ids["user"].clone();
    let got = agent
        .post(
            "/agent/tickets/new",
            "/agent/tickets",
            &[
                ("requester_id", &customer_id),
                ("channel", "phone"),
                ("priority", "high"),
                ("subject", "Called: scanner offline"),
                ("description", "Customer called, the scanner shows offline."),
                ("assign_me", "on"),
            ],
        )
        .await;
    assert_eq!(got.status, 303, "{}", got.body);
    let id = got.location.expect("the ticket").trim_start_matches("/agent/tickets/").to_owned();
    let (_, t) = s.get(&format!("/api/v1/tickets/{id}"), &a.admin_token).await;
    assert_eq!(
        (t["channel"].as_str(), t["priority"].as_str(), t["requester_id"].as_str()),
        (Some("phone"), Some("high"), Some(customer_id.as_str())),
        "{t}"
    );
    assert!(t["assignee_id"].is_string(), "assigned to the agent: {t}");
    let mut customer = Page::sign_in(&s, &a.slug, &a.emails["customer"]).await;
    assert!(customer.get("/portal").await.body.contains("Called: scanner offline"), "the customer sees it in the portal");
    let got =
        agent.post("/agent/tickets/new", "/agent/tickets", &[("requester_id", ""), ("subject", "x"), ("description", "y")]).await;
    assert_eq!(got.status, 422, "a customer must be chosen");
    let (_, me) = s.get("/api/v1/me", &a.admin_token).await;
    let admin_id = me["user"]["id"].as_str().expect("id").to_owned();
    let got = agent
        .post("/agent/tickets/new", "/agent/tickets", &[("requester_id", &admin_id), ("subject", "x"), ("description", "y")])
        .await;
    assert_eq!(got.status, 422, "staff are not requesters");
}

on_both_backends!(
    every_page_checks_its_permission_for_every_role,
    signed_out_visitors_are_sent_to_sign_in,
    another_tenants_records_are_not_found,
    forms_without_the_csrf_token_are_refused,
    stored_hostile_text_renders_inert,
    sign_in_is_rate_limited_and_sessions_are_safe_cookies,
    the_second_language_translates_the_pages,
    admins_change_roles_and_deactivate_users,
    help_center_votes_count_once_per_browser_and_are_limited,
    files_go_with_replies_and_internal_ones_stay_internal,
    the_ai_endpoint_keeps_its_key_unless_told,
    writers_draft_and_publishers_publish_articles,
    agents_change_tickets_in_bulk_merge_duplicates_and_correct_labels,
    agents_open_tickets_for_customers,
);
