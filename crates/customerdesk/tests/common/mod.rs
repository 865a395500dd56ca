//! Test harness: a real server on port 0 over SQLite (fresh data dir) or PostgreSQL (fresh,
//! uniquely named database, dropped afterwards), and a seeded tenant to probe it with.
#![allow(dead_code, clippy::missing_panics_doc, clippy::must_use_candidate)]

pub mod ui;
pub mod webdriver;

use std::collections::HashMap;
use std::path::PathBuf;

use desk_core::{Desk, NewTenantInput};
use serde_json::{Value, json};
use uuid::Uuid;

/// The backends every suite runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server tests use; `CUSTOMERDESK_TEST_PG` overrides.
pub fn pg_admin_url() -> String {
    std::env::var("CUSTOMERDESK_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A uniquely named scratch database, dropped (even after a panic) when this goes away.
pub struct PgDb {
    pub name: String,
    pub url: String,
}

impl PgDb {
    pub async fn create() -> Self {
        let name = format!("cdtest_{}", Uuid::now_v7().simple());
        let admin = pg_admin_url();
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL is required for these tests at {admin}: {e}"));
        sqlx::query(&format!("create database {name}")).execute(&mut conn).await.expect("create test database");
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b).to_owned();
        Self { url: format!("{base}/{name}"), name }
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop runs inside the test's runtime, which cannot block on itself: use a thread.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(async {
                if let Ok(mut conn) = <sqlx::PgConnection as sqlx::Connection>::connect(&pg_admin_url()).await {
                    let _ = sqlx::query(&format!("drop database if exists {name} with (force)")).execute(&mut conn).await;
                }
            });
        })
        .join();
    }
}

/// A scratch directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> Self {
        let p = std::env::temp_dir().join(format!("customerdesk-test-{}", Uuid::now_v7().simple()));
        std::fs::create_dir_all(&p).expect("temp dir");
        Self(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Where a test's data lives; keep it alive as long as the server.
pub struct Storage {
    pub dir: TempDir,
    pub pg: Option<PgDb>,
    /// The services' clock: tests move it forward instead of sleeping.
    pub clock: std::sync::Arc<desk_core::OffsetClock>,
}

impl Storage {
    pub async fn new(backend: Backend) -> Self {
        let pg = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(PgDb::create().await),
        };
        Self { dir: TempDir::new(), pg, clock: std::sync::Arc::default() }
    }

    pub fn database_url(&self) -> Option<&str> {
        self.pg.as_ref().map(|p| p.url.as_str())
    }

    /// The services with the real embedding model (fetched once into the shared cache), ready:
    /// model loaded, classifier trained, queue empty.
    pub async fn desk(&self) -> Desk {
        let desk = self.desk_with(ai_options()).await;
        assert!(desk.ai().wait_idle(std::time::Duration::from_mins(5)).await, "AI ready: {:?}", desk.ai().state());
        desk
    }

    /// The services with these AI options, not waiting for anything.
    pub async fn desk_with(&self, ai: desk_core::AiOptions) -> Desk {
        let store = desk_store::open(self.database_url(), &self.dir.0).await.expect("open store");
        Desk::with_clock(store, ai, self.clock.clone())
    }
}

/// The tests' AI options: the real model from the shared cache, a fast poll, a random secret.
pub fn ai_options() -> desk_core::AiOptions {
    let mut ai = desk_core::AiOptions::enabled();
    ai.poll = std::time::Duration::from_millis(50);
    ai.secret = Some(*Uuid::now_v7().as_bytes().repeat(2).first_chunk::<32>().expect("32 bytes"));
    ai
}

/// A server running in this process on an ephemeral port.
pub struct TestServer {
    pub base: String,
    pub http: reqwest::Client,
    pub desk: Desk,
    pub storage: Storage,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl TestServer {
    pub async fn start(backend: Backend) -> Self {
        // `CUSTOMERDESK_TEST_LOG=warn` (a tracing filter) shows the server's log in a failing test.
        if let Ok(filter) = std::env::var("CUSTOMERDESK_TEST_LOG") {
            let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
        }
        let storage = Storage::new(backend).await;
        let desk = storage.desk().await;
        let (base, stop) = Self::serve(desk.clone()).await;
        Self { base, http: reqwest::Client::new(), desk, storage, stop: Some(stop) }
    }

    /// A server whose services use these AI options (nothing is awaited).
    pub async fn start_with(backend: Backend, ai: desk_core::AiOptions) -> Self {
        let storage = Storage::new(backend).await;
        let desk = storage.desk_with(ai).await;
        let (base, stop) = Self::serve(desk.clone()).await;
        Self { base, http: reqwest::Client::new(), desk, storage, stop: Some(stop) }
    }

    async fn serve(desk: Desk) -> (String, tokio::sync::oneshot::Sender<()>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            desk_web::serve(listener, desk, async move {
                let _ = stopped.await;
            })
            .await
            .expect("serve");
        });
        (base, stop)
    }

    /// Stops this server and starts a new one (new services, new index) on the same data.
    pub async fn restart(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.desk = self.storage.desk().await;
        let (base, stop) = Self::serve(self.desk.clone()).await;
        self.base = base;
        self.stop = Some(stop);
    }

    /// Waits until everything written so far is embedded, indexed and classified.
    pub async fn indexed(&self) {
        assert!(self.desk.ai().wait_idle(std::time::Duration::from_mins(2)).await, "indexing finished");
    }

    /// Sends a request; answers the status and the JSON body (`Value::Null` when empty).
    pub async fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<&Value>) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        let text = res.text().await.expect("body");
        let value = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
        (status, value)
    }

    pub async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        self.call("GET", path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        self.call("POST", path, Some(token), Some(&body)).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        self.call("PATCH", path, Some(token), Some(&body)).await
    }

    /// Uploads `data` as a multipart `file` (plus extra text fields).
    pub async fn upload(&self, ticket: &str, token: &str, filename: &str, data: &[u8], fields: &[(&str, &str)]) -> (u16, Value) {
        let part =
            reqwest::multipart::Part::bytes(data.to_vec()).file_name(filename.to_owned()).mime_str("text/plain").expect("mime");
        let mut form = reqwest::multipart::Form::new().part("file", part);
        for (k, v) in fields {
            form = form.text((*k).to_owned(), (*v).to_owned());
        }
        let res = self
            .http
            .post(format!("{}/api/v1/tickets/{ticket}/attachments", self.base))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .expect("upload");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    pub async fn login(&self, tenant: &str, email: &str, password: &str) -> String {
        let (s, b) = self
            .call("POST", "/api/v1/auth/login", None, Some(&json!({"tenant": tenant, "email": email, "password": password})))
            .await;
        assert_eq!(s, 200, "login {email}@{tenant}: {b}");
        b["token"].as_str().expect("token").to_owned()
    }

    /// Creates a tenant through the operator path and returns its admin's token.
    pub async fn tenant(&self, slug: &str) -> String {
        self.desk
            .create_tenant(NewTenantInput {
                slug: slug.into(),
                name: slug.to_uppercase(),
                admin_email: format!("admin@{slug}.example"),
                admin_password: PASSWORD.into(),
                admin_name: None,
            })
            .await
            .expect("create tenant");
        self.login(slug, &format!("admin@{slug}.example"), PASSWORD).await
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Every test user's password.
pub const PASSWORD: &str = "test-password-123";

/// A tenant with one user per role, two companies, a group, and tickets with comments.
pub struct Seeded {
    pub slug: String,
    /// Role name → email of a user with it.
    pub emails: HashMap<&'static str, String>,
    /// Resource kind → an id of this tenant (ticket, user, company, group, role).
    pub ids: HashMap<&'static str, String>,
    pub admin_token: String,
    pub customer_ticket: String,
    pub other_company_ticket: String,
    pub company_admin_ticket: String,
    pub internal_note: String,
    /// The customer role's permissions, to PATCH it without changing it.
    pub customer_role_permissions: Value,
    /// The slug of the published public article.
    pub article_slug: String,
}

impl Seeded {
    pub async fn token(&self, s: &TestServer, role: &str) -> String {
        s.login(&self.slug, &self.emails[role], PASSWORD).await
    }

    /// Every id of this tenant, for "must not appear" checks.
    pub fn all_ids(&self) -> Vec<String> {
        let mut v: Vec<String> = self.ids.values().cloned().collect();
        v.extend([self.customer_ticket.clone(), self.other_company_ticket.clone(), self.company_admin_ticket.clone()]);
        v
    }
}

pub async fn seed(s: &TestServer, slug: &str) -> Seeded {
    let admin = s.tenant(slug).await;
    let ok = |(status, body): (u16, Value), what: &str| -> Value {
        assert!((200..300).contains(&status), "{what}: {status} {body}");
        body
    };
    let c1 = ok(s.post("/api/v1/companies", &admin, json!({"name": "Acme", "domain": "acme.example"})).await, "company 1");
    let c2 = ok(s.post("/api/v1/companies", &admin, json!({"name": "Globex"})).await, "company 2");
    let mut emails = HashMap::new();
    emails.insert("admin", format!("admin@{slug}.example"));
    let mut user_ids = HashMap::new();
    for (role, company) in [
        ("supervisor", None),
        ("agent", None),
        ("company_admin", Some(&c1)),
        ("customer", Some(&c1)),
        ("other_customer", Some(&c2)),
    ] {
        let email = format!("{role}@{slug}.example");
        let real_role = if role == "other_customer" { "customer" } else { role };
        let mut body = json!({"email": email, "name": role, "role": real_role, "password": PASSWORD});
        if let Some(c) = company {
            body["company_id"] = c["id"].clone();
        }
        let u = ok(s.post("/api/v1/users", &admin, body).await, role);
        user_ids.insert(role, u["id"].as_str().expect("id").to_owned());
        emails.insert(role, email);
    }
    let group = ok(s.post("/api/v1/groups", &admin, json!({"name": "Support"})).await, "group");
    let gid = group["id"].as_str().expect("id").to_owned();
    ok(s.post(&format!("/api/v1/groups/{gid}/members"), &admin, json!({"user_id": user_ids["agent"]})).await, "member");
    let customer = s.login(slug, &emails["customer"], PASSWORD).await;
    let other = s.login(slug, &emails["other_customer"], PASSWORD).await;
    let cadmin = s.login(slug, &emails["company_admin"], PASSWORD).await;
    let agent = s.login(slug, &emails["agent"], PASSWORD).await;
    let t1 =
        ok(s.post("/api/v1/tickets", &customer, json!({"subject": "Printer jams", "description": "Tray 2 jams"})).await, "t1");
    let t2 = ok(s.post("/api/v1/tickets", &other, json!({"subject": "Globex VPN down", "description": "since 9am"})).await, "t2");
    let t3 =
        ok(s.post("/api/v1/tickets", &cadmin, json!({"subject": "Acme licences", "description": "need 5 more"})).await, "t3");
    let t1id = t1["id"].as_str().expect("id").to_owned();
    let internal_note = format!("INTERNAL-{}", Uuid::now_v7().simple());
    ok(
        s.post(&format!("/api/v1/tickets/{t1id}/comments"), &agent, json!({"body": "Which tray?", "internal": false})).await,
        "reply",
    );
    ok(
        s.post(&format!("/api/v1/tickets/{t1id}/comments"), &agent, json!({"body": internal_note, "internal": true})).await,
        "note",
    );
    let file = ok(s.upload(&t1id, &customer, "photo.txt", b"tray 2 photo", &[]).await, "attachment");
    ok(s.upload(&t1id, &agent, "log.txt", internal_note.as_bytes(), &[("internal", "true")]).await, "internal attachment");
    let article = ok(
        s.post("/api/v1/kb/articles", &admin, json!({"title": format!("Reset your {slug} password"), "summary": "Use the link.", "body": "1. Click **Forgot password**", "category": "faq", "visibility": "public"}))
            .await,
        "article",
    );
    let article_id = article["id"].as_str().expect("id").to_owned();
    ok(
        s.patch(&format!("/api/v1/kb/articles/{article_id}"), &admin, json!({"status": "published", "notes": "first"})).await,
        "publish",
    );
    ok(s.get(&format!("/api/v1/kb/articles/{article_id}"), &customer).await, "view");
    // An anonymous reader's vote in the public help center.
    let article_page = format!("/kb/{slug}/{}", article["slug"].as_str().expect("slug"));
    let voted = ui::Page::new(s).post(&article_page, &format!("{article_page}/vote"), &[("helpful", "true")]).await;
    assert_eq!(voted.status, 303, "anonymous vote: {}", voted.body);
    ok(s.post(&format!("/api/v1/kb/articles/{article_id}/vote"), &customer, json!({"helpful": true, "rating": 4})).await, "vote");
    let question = ok(
        s.post(&format!("/api/v1/kb/articles/{article_id}/questions"), &customer, json!({"body": "Mobile too?"})).await,
        "question",
    );
    let question_id = question["id"].as_str().expect("id").to_owned();
    ok(s.post(&format!("/api/v1/kb/questions/{question_id}/answers"), &agent, json!({"body": "Yes."})).await, "answer");
    ok(s.post(&format!("/api/v1/tickets/{t1id}/articles"), &agent, json!({"article_id": article_id})).await, "link");
    let (_, roles) = s.get("/api/v1/roles", &admin).await;
    let customer_role =
        roles["items"].as_array().expect("roles").iter().find(|r| r["name"] == "customer").expect("customer role");
    let mut ids = HashMap::new();
    ids.insert("ticket", t1id.clone());
    ids.insert("user", user_ids["customer"].clone());
    ids.insert("agent", user_ids["agent"].clone());
    ids.insert("company", c1["id"].as_str().expect("id").to_owned());
    ids.insert("group", gid);
    ids.insert("role", customer_role["id"].as_str().expect("id").to_owned());
    ids.insert("attachment", file["id"].as_str().expect("id").to_owned());
    ids.insert("article", article_id);
    ids.insert("question", question_id);
    // AI rows: a logged search, the tenant's generation endpoint, and (once indexed) vectors and
    // classifications of every ticket and article.
    ok(s.get("/api/v1/kb/search?q=password", &customer).await, "search");
    ok(
        s.call(
            "PUT",
            "/api/v1/ai/settings",
            Some(&admin),
            Some(&json!({"base_url": "http://127.0.0.1:9/v1", "model": "m", "api_key": "sk-seed"})),
        )
        .await,
        "ai settings",
    );
    s.indexed().await;
    let (_, cats) = s.get("/api/v1/kb/categories", &admin).await;
    ids.insert("category", cats["items"][0]["id"].as_str().expect("category").to_owned());
    // SLA settings: the tenant's default calendar and standard policy, a skill its agent holds,
    // a routing rule and an escalation rule.
    let first_id = |v: Value| v["items"][0]["id"].as_str().expect("an item").to_owned();
    ids.insert("calendar", first_id(ok(s.get("/api/v1/calendars", &admin).await, "calendars")));
    let policies = ok(s.get("/api/v1/sla-policies", &admin).await, "policies");
    let standard = policies["items"].as_array().expect("policies").iter().find(|p| p["tier"] == "standard").expect("standard");
    ids.insert("sla_policy", standard["id"].as_str().expect("id").to_owned());
    let skill = ok(s.post("/api/v1/skills", &admin, json!({"name": "German"})).await, "skill");
    let skill_id = skill["id"].as_str().expect("id").to_owned();
    ok(
        s.call(
            "PUT",
            &format!("/api/v1/users/{}/skills", user_ids["agent"]),
            Some(&admin),
            Some(&json!([{"skill_id": skill_id, "level": 3}])),
        )
        .await,
        "agent skills",
    );
    let rule = json!({"name": "Never matches", "position": 9, "conditions": {"keywords": [format!("zz-{slug}-never")]},
                      "group_id": ids["group"], "required_skill_ids": [skill_id]});
    ids.insert(
        "routing_rule",
        ok(s.post("/api/v1/routing-rules", &admin, rule).await, "routing rule")["id"].as_str().expect("id").to_owned(),
    );
    // A rule that fires once on the other company's ticket: escalation and notification rows.
    let esc = json!({"name": "Critical: tell the admins", "trigger": "priority_critical", "actions": {"notify_role": "admin"}});
    ids.insert(
        "escalation_rule",
        ok(s.post("/api/v1/escalation-rules", &admin, esc).await, "escalation rule")["id"].as_str().expect("id").to_owned(),
    );
    let t2id = t2["id"].as_str().expect("id");
    ok(s.patch(&format!("/api/v1/tickets/{t2id}"), &admin, json!({"priority": "critical"})).await, "critical");
    ok(s.patch(&format!("/api/v1/tickets/{t2id}"), &admin, json!({"priority": "medium"})).await, "back to medium");
    ok(s.patch("/api/v1/settings", &admin, json!({"time_zone": "Europe/Berlin"})).await, "settings");
    ids.insert("skill", skill_id);
    Seeded {
        slug: slug.into(),
        emails,
        ids,
        admin_token: admin,
        customer_ticket: t1id,
        other_company_ticket: t2["id"].as_str().expect("id").to_owned(),
        company_admin_ticket: t3["id"].as_str().expect("id").to_owned(),
        internal_note,
        customer_role_permissions: customer_role["permissions"].clone(),
        article_slug: article["slug"].as_str().expect("slug").to_owned(),
    }
}

/// Runs each named async test fn once per backend.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                super::$name($crate::common::Backend::Sqlite).await;
            })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                super::$name($crate::common::Backend::Postgres).await;
            })*
        }
    };
}
