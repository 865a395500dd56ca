//! Must-show 3 with real processes: two `customerdesk serve` processes on one PostgreSQL
//! database, each with its own job runner, and real time (a one-minute first-response target).
//! Every breach is recorded once, every escalation fires once, and no job slot runs twice.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::PgDb;
use serde_json::{Value, json};

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

fn binary(url: &str, dir: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_customerdesk"));
    c.env("DATABASE_URL", url)
        .env("CUSTOMERDESK_SECRET_KEY", "ab".repeat(32))
        .env("CUSTOMERDESK_LOG", "warn")
        .args(["--ai", "off", "--data-dir"])
        .arg(dir);
    c
}

async fn start(url: &str, dir: &std::path::Path, http: &reqwest::Client) -> Server {
    let port = free_port();
    let child = binary(url, dir)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn customerdesk serve");
    let server = Server { child, base: format!("http://127.0.0.1:{port}") };
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_mins(2) {
        if http.get(format!("{}/healthz", server.base)).send().await.is_ok_and(|r| r.status().is_success()) {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("customerdesk serve did not answer /healthz");
}

async fn call(http: &reqwest::Client, method: reqwest::Method, url: String, token: &str, body: Option<Value>) -> (u16, Value) {
    let mut req = http.request(method, url).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_server_processes_record_each_breach_and_escalation_once() {
    let db = PgDb::create().await;
    let dir = common::TempDir::new();
    let out = binary(&db.url, &dir.0)
        .args(["tenant", "create", "--slug", "acme", "--name", "Acme", "--admin-email", "admin@acme.example"])
        .args(["--admin-password", common::PASSWORD])
        .output()
        .expect("tenant create");
    assert!(out.status.success(), "tenant create: {}", String::from_utf8_lossy(&out.stderr));
    let http = reqwest::Client::new();
    let (one, two) = (start(&db.url, &dir.0, &http).await, start(&db.url, &dir.0, &http).await);
    let login = json!({"tenant": "acme", "email": "admin@acme.example", "password": common::PASSWORD});
    let (_, t) = call(&http, reqwest::Method::POST, format!("{}/api/v1/auth/login", one.base), "", Some(login)).await;
    let admin = t["token"].as_str().expect("token").to_owned();
    let api = |server: &Server, path: &str| format!("{}/api/v1{path}", server.base);
    let (_, policies) = call(&http, reqwest::Method::GET, api(&one, "/sla-policies"), &admin, None).await;
    let std =
        policies["items"].as_array().expect("items").iter().find(|p| p["tier"] == "standard").expect("standard")["id"].clone();
    let targets: Vec<Value> = ["low", "medium", "high", "critical"]
        .iter()
        .map(|p| json!({"priority": p, "first_response_minutes": 1, "resolution_minutes": 600}))
        .collect();
    let path = format!("/sla-policies/{}", std.as_str().expect("id"));
    let (status, _) =
        call(&http, reqwest::Method::PATCH, api(&two, &path), &admin, Some(json!({"calendar_id": null, "targets": targets})))
            .await;
    assert_eq!(status, 200);
    let (_, rules) = call(&http, reqwest::Method::GET, api(&one, "/escalation-rules"), &admin, None).await;
    for r in rules["items"].as_array().expect("items") {
        let path = format!("/escalation-rules/{}", r["id"].as_str().expect("id"));
        assert_eq!(call(&http, reqwest::Method::DELETE, api(&one, &path), &admin, None).await.0, 204);
    }
    let rule = json!({"name": "late", "trigger": "first_response_breach", "actions": {"priority": "critical", "status": "escalated", "notify_role": "admin"}});
    assert_eq!(call(&http, reqwest::Method::POST, api(&two, "/escalation-rules"), &admin, Some(rule)).await.0, 201);
    let mut ids = Vec::new();
    for i in 0..12 {
        let server = if i % 2 == 0 { &one } else { &two };
        let body = json!({"subject": format!("Line {i} down"), "description": "since noon"});
        let (status, t) = call(&http, reqwest::Method::POST, api(server, "/tickets"), &admin, Some(body)).await;
        assert_eq!(status, 201, "{t}");
        ids.push(t["id"].as_str().expect("id").to_owned());
    }
    // The breach job runs every 10 s in each process; wait for every ticket to be escalated.
    let t0 = Instant::now();
    loop {
        let (_, list) = call(&http, reqwest::Method::GET, api(&one, "/tickets?view=escalated&limit=200"), &admin, None).await;
        if list["items"].as_array().is_some_and(|v| v.len() == ids.len()) {
            break;
        }
        assert!(t0.elapsed() < Duration::from_mins(3), "not every ticket was escalated within 3 minutes: {list}");
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    // Another two job periods: nothing more may happen.
    tokio::time::sleep(Duration::from_secs(25)).await;
    for id in &ids {
        let (_, h) = call(&http, reqwest::Method::GET, api(&two, &format!("/tickets/{id}/history")), &admin, None).await;
        let kinds: Vec<&str> = h["items"].as_array().expect("items").iter().filter_map(|e| e["kind"].as_str()).collect();
        assert_eq!(kinds.iter().filter(|k| **k == "sla_breach").count(), 1, "{kinds:?}");
        assert_eq!(kinds.iter().filter(|k| **k == "escalation").count(), 1, "{kinds:?}");
    }
    let (_, notes) = call(&http, reqwest::Method::GET, api(&one, "/notifications"), &admin, None).await;
    assert_eq!(notes["items"].as_array().expect("items").len(), ids.len(), "one notification per escalation");
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&db.url).await.expect("connect");
    let (runs, distinct, workers): (i64, i64, i64) =
        sqlx::query_as("select count(*), count(distinct (job_id, slot)), count(distinct worker) from job_runs")
            .fetch_one(&mut conn)
            .await
            .expect("job runs");
    assert!(runs >= 8, "the jobs ran: {runs}");
    assert_eq!(runs, distinct, "a job slot ran twice");
    assert!(workers >= 1, "{workers}");
    drop((one, two));
}
