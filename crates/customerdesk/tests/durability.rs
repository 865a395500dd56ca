//! Must-show 6, with the real binary: data survives a restart, and a SIGKILLed server loses
//! no ticket whose creation had answered 201.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Backend, Storage};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_customerdesk");

fn command(storage: &Storage, args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args).arg("--data-dir").arg(&storage.dir.0).env_remove("DATABASE_URL").env("CUSTOMERDESK_LOG", "warn");
    if let Some(url) = storage.database_url() {
        c.env("DATABASE_URL", url);
    }
    c
}

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

async fn start(storage: &Storage, http: &reqwest::Client) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
    let child = command(storage, &["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn server");
    let server = Server { child, base: format!("http://127.0.0.1:{port}") };
    let deadline = Instant::now() + Duration::from_mins(1);
    while Instant::now() < deadline {
        if http.get(format!("{}/healthz", server.base)).send().await.is_ok_and(|r| r.status().is_success()) {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("server did not come up");
}

async fn login(http: &reqwest::Client, base: &str) -> String {
    let res: Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"tenant": "durable", "email": "admin@durable.example", "password": "durable-password-1"}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("json");
    res["token"].as_str().expect("token").to_owned()
}

async fn survives_restart_and_sigkill(backend: Backend) {
    let storage = Storage::new(backend).await;
    let status = command(
        &storage,
        &[
            "tenant",
            "create",
            "--slug",
            "durable",
            "--name",
            "Durable",
            "--admin-email",
            "admin@durable.example",
            "--admin-password",
            "durable-password-1",
        ],
    )
    .stdout(Stdio::null())
    .status()
    .expect("tenant create");
    assert!(status.success());
    let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("client");

    // Graceful restart: the token and the ticket are both still there.
    let server = start(&storage, &http).await;
    let token = login(&http, &server.base).await;
    let t: Value = http
        .post(format!("{}/api/v1/tickets", server.base))
        .bearer_auth(&token)
        .json(&json!({"subject": "kept"}))
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("json");
    drop(server);
    let mut server = start(&storage, &http).await;
    let res = http
        .get(format!("{}/api/v1/tickets/{}", server.base, t["id"].as_str().expect("id")))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get");
    assert_eq!(res.status().as_u16(), 200, "the token and the ticket survive a restart");

    // Four writers create tickets flat out; the server is SIGKILLed mid-stream.
    let (acked_tx, mut acked_rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let mut writers = Vec::new();
    for w in 0..4 {
        let (http, base, token, acked) = (http.clone(), server.base.clone(), token.clone(), acked_tx.clone());
        writers.push(tokio::spawn(async move {
            for i in 0..10_000 {
                let res = http
                    .post(format!("{base}/api/v1/tickets"))
                    .bearer_auth(&token)
                    .json(&json!({"subject": format!("w{w} #{i}")}))
                    .send()
                    .await;
                let Ok(res) = res else { break };
                if res.status().as_u16() != 201 {
                    break;
                }
                let Ok(body) = res.json::<Value>().await else {
                    break;
                };
                let _ = acked.send(body["id"].as_str().expect("id").to_owned());
            }
        }));
    }
    drop(acked_tx);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.child.kill().expect("SIGKILL");
    let _ = server.child.wait();
    for w in writers {
        let _ = w.await;
    }
    let mut acked = Vec::new();
    while let Some(id) = acked_rx.recv().await {
        acked.push(id);
    }
    assert!(acked.len() >= 10, "only {} tickets were acknowledged before the kill", acked.len());

    let server = start(&storage, &http).await;
    let mut missing = Vec::new();
    for id in &acked {
        let res = http.get(format!("{}/api/v1/tickets/{id}", server.base)).bearer_auth(&token).send().await.expect("get");
        if res.status().as_u16() != 200 {
            missing.push(id.clone());
        }
    }
    assert!(missing.is_empty(), "{} of {} acknowledged tickets lost: {missing:?}", missing.len(), acked.len());
    eprintln!("{backend:?}: {} acknowledged tickets all present after SIGKILL", acked.len());
}

on_both_backends!(survives_restart_and_sigkill);
