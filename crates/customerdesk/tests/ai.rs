//! Issue 5 over HTTP on both backends, with the real embedding model: the vector index never
//! returns another tenant's or an invisible article, before and after a restart (which rebuilds
//! the index from stored vectors without embedding again); and every AI endpoint does its job.

mod common;

use std::collections::BTreeSet;

use common::{Backend, TestServer, seed};
use serde_json::{Value, json};

fn ids(v: &Value) -> BTreeSet<String> {
    v["items"]
        .as_array()
        .unwrap_or_else(|| panic!("items in {v}"))
        .iter()
        .map(|x| x["id"].as_str().expect("id").to_owned())
        .collect()
}

async fn publish(s: &TestServer, token: &str, title: &str, body: &str, visibility: &str) -> String {
    let (status, a) = s
        .post(
            "/api/v1/kb/articles",
            token,
            json!({"title": title, "summary": title, "body": body, "category": "FAQ", "visibility": visibility}),
        )
        .await;
    assert_eq!(status, 201, "{a}");
    let id = a["id"].as_str().expect("id").to_owned();
    assert_eq!(s.patch(&format!("/api/v1/kb/articles/{id}"), token, json!({"status": "published"})).await.0, 200);
    id
}

const RESET: &str = "## Steps\n\n1. Open the sign-in page and click **Forgot password**.\n2. Enter your email address.\n3. Open the link in the email and choose a new password.";

/// Must-show 3: tenants and visibility hold for semantic and hybrid search, related articles and
/// KB answers, before and after a restart.
async fn index_respects_tenants_and_visibility(backend: Backend) {
    let mut s = TestServer::start(backend).await;
    let a = seed(&s, "acme").await;
    let b = seed(&s, "globex").await;
    let mut made = std::collections::HashMap::new();
    for vis in ["public", "customers", "internal"] {
        made.insert(vis, publish(&s, &a.admin_token, &format!("Reset a forgotten password ({vis})"), RESET, vis).await);
    }
    let (_, draft) = s
        .post(
            "/api/v1/kb/articles",
            &a.admin_token,
            json!({"title": "Reset a forgotten password (draft)", "summary": "d", "body": RESET, "visibility": "public"}),
        )
        .await;
    let draft = draft["id"].as_str().expect("id").to_owned();
    let b_article = publish(&s, &b.admin_token, "Reset a forgotten password (globex)", RESET, "public").await;
    s.indexed().await;

    for round in ["before restart", "after restart"] {
        let agent = a.token(&s, "agent").await;
        let customer = a.token(&s, "customer").await;
        let b_agent = b.token(&s, "agent").await;
        let visible_to = |who: &str| -> BTreeSet<String> {
            let list: &[&str] = match who {
                "anonymous" => &["public"],
                "customer" => &["public", "customers"],
                _ => &["public", "customers", "internal"],
            };
            list.iter().map(|v| made[v].clone()).collect()
        };
        for mode in ["semantic", "hybrid"] {
            let q = format!("/kb/search?q=I+forgot+my+password+and+cannot+sign+in&mode={mode}&limit=50");
            for (who, found) in [
                ("anonymous", ids(&s.call("GET", &format!("/api/v1/public/acme{q}"), None, None).await.1)),
                ("customer", ids(&s.get(&format!("/api/v1{q}"), &customer).await.1)),
                ("agent", ids(&s.get(&format!("/api/v1{q}"), &agent).await.1)),
            ] {
                let expected = visible_to(who);
                assert!(expected.is_subset(&found), "{round} {mode} {who}: {found:?} lacks {expected:?}");
                let all_test_articles: BTreeSet<String> =
                    made.values().cloned().chain([draft.clone(), b_article.clone()]).collect();
                let leaked: Vec<&String> = found.intersection(&all_test_articles).filter(|id| !expected.contains(*id)).collect();
                assert!(leaked.is_empty(), "{round} {mode} {who} saw {leaked:?}");
            }
            let found = ids(&s.get(&format!("/api/v1{q}"), &b_agent).await.1);
            assert!(
                found.contains(&b_article) && made.values().all(|id| !found.contains(id)) && !found.contains(&draft),
                "{round}: {found:?}"
            );
        }
        // Related articles and answers see what the reader may see, in the reader's tenant.
        let (status, related) = s.get(&format!("/api/v1/kb/articles/{}/related?limit=20", made["public"]), &customer).await;
        assert_eq!(status, 200, "{related}");
        let related = ids(&related);
        assert!(
            related.contains(&made["customers"]) && !related.contains(&made["internal"]) && !related.contains(&b_article),
            "{related:?}"
        );
        assert!(!related.contains(&made["public"]), "an article is not related to itself");
        let (status, answer) =
            s.call("POST", "/api/v1/public/acme/kb/ask", None, Some(&json!({"question": "How do I reset my password?"}))).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["answered"], true, "{answer}");
        let sources: BTreeSet<String> =
            answer["sources"].as_array().expect("sources").iter().map(|x| x["id"].as_str().expect("id").to_owned()).collect();
        assert!(sources.contains(&made["public"]) && sources.iter().all(|id| *id == made["public"]), "{round}: {answer}");
        // Similar tickets stay in the tenant.
        let (status, similar) = s.get(&format!("/api/v1/tickets/{}/similar?limit=50", a.customer_ticket), &agent).await;
        assert_eq!(status, 200, "{similar}");
        let similar = ids(&similar);
        assert!(similar.iter().all(|id| !b.all_ids().contains(id)), "{similar:?}");
        assert!(similar.contains(&a.other_company_ticket), "{similar:?}");

        if round == "before restart" {
            let (_, before) = s.get("/api/v1/ai/status", &a.admin_token).await;
            s.restart().await;
            // Rebuilt from stored vectors: nothing was queued to be embedded again.
            let admin = a.token(&s, "admin").await;
            let (_, after) = s.get("/api/v1/ai/status", &admin).await;
            assert_eq!(after["state"], "ready", "{after}");
            assert_eq!(after["queued"], 0, "{after}");
            assert_eq!(after["vectors"], before["vectors"], "{before} {after}");
        }
    }
}

/// Must-show 1 in small: a login problem finds the password-reset article.
async fn login_question_finds_the_reset_article(backend: Backend) {
    let s = TestServer::start(backend).await;
    let admin = s.tenant("demo").await;
    let reset = publish(&s, &admin, "How to reset your password", RESET, "public").await;
    publish(
        &s,
        &admin,
        "Download an invoice as PDF",
        "1. Open **Billing**.\n2. Click **Invoices** and the download icon.",
        "public",
    )
    .await;
    publish(&s, &admin, "Export tickets to CSV", "1. Open **Reports**.\n2. Choose **Export** and CSV.", "public").await;
    publish(
        &s,
        &admin,
        "Set up Slack notifications",
        "1. Open **Integrations**.\n2. Connect Slack and pick a channel.",
        "public",
    )
    .await;
    s.indexed().await;
    for mode in ["hybrid", "semantic"] {
        let (status, hits) =
            s.call("GET", &format!("/api/v1/public/demo/kb/search?q=I+can%27t+log+in&mode={mode}"), None, None).await;
        assert_eq!(status, 200, "{hits}");
        assert_eq!(hits["items"][0]["id"], reset.as_str(), "{mode}: {hits}");
        assert!(hits["items"][0]["snippet"].as_str().is_some_and(|x| !x.is_empty()), "{hits}");
    }
}

/// Summaries, drafts, classification, assignees, answers and gaps.
async fn assistant_endpoints(backend: Backend) {
    let s = TestServer::start(backend).await;
    let a = seed(&s, "acme").await;
    let admin = &a.admin_token;
    let agent = a.token(&s, "agent").await;
    let customer = a.token(&s, "customer").await;
    let reset = publish(&s, admin, "How to reset your password", RESET, "customers").await;
    let (_, t) = s
        .post(
            "/api/v1/tickets",
            &customer,
            json!({"subject": "Locked out of my account", "description": "Hi team,\n\nI forgot my password and cannot log in since the update to v4.2.1. The error says E-4012.\n\nBest regards,\nDana\nAcme | +1 555 0100"}),
        )
        .await;
    let tid = t["id"].as_str().expect("id").to_owned();
    assert_eq!(s.post(&format!("/api/v1/tickets/{tid}/comments"), &agent, json!({"body": "Hello Dana,\n\nThanks for reaching out. Could you try the reset link on the sign-in page? I also cleared the lock on account ACC-7781.\n\nKind regards,\nAlex"})).await.0, 201);
    assert_eq!(
        s.post(
            &format!("/api/v1/tickets/{tid}/comments"),
            &customer,
            json!({"body": "The reset email never arrives. Order ORD-48213 is blocked until I get in."})
        )
        .await
        .0,
        201
    );
    s.indexed().await;

    // Summary: grounded, identifiers kept, none invented, signature gone, next step named.
    let (status, summary) = s.post(&format!("/api/v1/tickets/{tid}/ai/summary"), &agent, json!({})).await;
    assert_eq!(status, 200, "{summary}");
    let text = summary["summary"].as_str().expect("summary");
    for id in ["E-4012", "ORD-48213", "ACC-7781", "v4.2.1"] {
        assert!(text.contains(id), "{id} missing: {text}");
    }
    assert!(!text.contains("555") && !text.contains("Best regards"), "{text}");
    assert!(text.contains("the next step is ours"), "{text}");
    let thread = "I forgot my password and cannot log in since the update to v4.2.1. The error says E-4012. ACC-7781 ORD-48213";
    assert!(desk_ai::text::invented_identifiers(text, thread).is_empty(), "{text}");

    // Reply draft: quotes the article's steps and names it; never sent.
    let (status, draft) = s.post(&format!("/api/v1/tickets/{tid}/ai/draft-reply"), &agent, json!({})).await;
    assert_eq!(status, 200, "{draft}");
    let body = draft["draft"].as_str().expect("draft");
    assert!(body.contains("Forgot password") && body.contains("How to reset your password"), "{body}");
    assert_eq!(draft["sources"][0]["id"], reset.as_str(), "{draft}");
    assert!(body.starts_with("Hi customer") && body.ends_with("agent"), "{body}");
    let (_, comments) = s.get(&format!("/api/v1/tickets/{tid}/comments"), &customer).await;
    assert_eq!(comments["items"].as_array().expect("items").len(), 2, "a draft is not a reply");

    // Related articles for the ticket.
    let (status, related) = s.get(&format!("/api/v1/tickets/{tid}/related-articles"), &agent).await;
    assert_eq!(status, 200);
    assert_eq!(related["items"][0]["id"], reset.as_str(), "{related}");

    // Classification on creation, stored; angry is flagged; corrections are kept.
    let (_, angry) = s
        .post("/api/v1/tickets", &customer, json!({"subject": "THIS IS UNACCEPTABLE", "description": "You charged my card TWICE again!!! Refund me immediately or I cancel and call my lawyer!!!"}))
        .await;
    let angry_id = angry["id"].as_str().expect("id").to_owned();
    s.indexed().await;
    let (status, c) = s.get(&format!("/api/v1/tickets/{angry_id}/ai/classification"), &agent).await;
    assert_eq!(status, 200, "{c}");
    assert_eq!(c["sentiment"], "angry", "{c}");
    assert_eq!(c["escalate"], true, "{c}");
    assert_eq!(c["category"], "billing", "{c}");
    let (status, fixed) =
        s.patch(&format!("/api/v1/tickets/{angry_id}/ai/classification"), &agent, json!({"category": "complaint"})).await;
    assert_eq!(status, 200, "{fixed}");
    assert_eq!(fixed["corrected_category"], "complaint");
    assert_eq!(fixed["category"], "billing", "the model's answer is kept beside the correction");
    let (status, c) = s
        .post(
            "/api/v1/ai/classify",
            &agent,
            json!({"subject": "Feature idea", "description": "It would be great if reports could be scheduled weekly. Thanks!"}),
        )
        .await;
    assert_eq!(status, 200, "{c}");
    assert_eq!(c["category"], "feature", "{c}");
    assert!(c["confidence"].as_f64().is_some_and(|x| x > 0.0 && x <= 1.0), "{c}");

    // Suggested assignees: the group's agent.
    let (status, who) = s.get(&format!("/api/v1/tickets/{tid}/ai/assignees"), &agent).await;
    assert_eq!(status, 200, "{who}");
    assert!(who["items"].as_array().expect("items").iter().any(|x| x["name"] == "agent"), "{who}");

    // KB answers for customers, and "I don't know" below the threshold.
    let (status, ans) = s.post("/api/v1/kb/ask", &customer, json!({"question": "how can I change my forgotten password"})).await;
    assert_eq!(status, 200, "{ans}");
    assert_eq!(ans["answered"], true, "{ans}");
    assert_eq!(ans["sources"][0]["id"], reset.as_str());
    let (_, ans) =
        s.post("/api/v1/kb/ask", &customer, json!({"question": "What is the airspeed velocity of an unladen swallow?"})).await;
    assert_eq!(ans["answered"], false, "{ans}");
    assert!(ans["answer"].as_str().is_some_and(|x| x.contains("open a ticket")), "{ans}");
    assert!(ans["sources"].as_array().is_some_and(Vec::is_empty));

    // Knowledge gaps: tickets no article answers, clustered.
    for subject in ["Webhook deliveries fail with HTTP 502", "Webhooks to our endpoint keep failing with 502 errors"] {
        s.post(
            "/api/v1/tickets",
            &customer,
            json!({"subject": subject, "description": "Our webhook endpoint receives nothing since Monday."}),
        )
        .await;
    }
    s.indexed().await;
    // Gaps draw on every ticket: not for an agent limited to their groups, for a supervisor.
    let (status, refused) = s.get("/api/v1/ai/knowledge-gaps?days=7", &agent).await;
    assert_eq!((status, refused["error"]["code"].as_str()), (403, Some("not_allowed")), "{refused}");
    let supervisor = a.token(&s, "supervisor").await;
    let (status, gaps) = s.get("/api/v1/ai/knowledge-gaps?days=7", &supervisor).await;
    assert_eq!(status, 200, "{gaps}");
    let webhook = gaps["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|g| g["suggested_title"].as_str().is_some_and(|t| t.contains("ebhook")))
        .cloned();
    assert!(webhook.as_ref().is_some_and(|g| g["ticket_count"].as_u64() >= Some(2)), "{gaps}");
    assert!(
        !gaps["items"].as_array().expect("items").iter().any(|g| g["suggested_title"] == "Locked out of my account"),
        "answered by an article: {gaps}"
    );

    // Article draft from a resolved ticket: problem and steps, no greetings or signatures.
    assert_eq!(
        s.patch(
            &format!("/api/v1/tickets/{tid}"),
            &agent,
            json!({"status": "resolved", "resolution": "Cleared the lock and resent the reset email."})
        )
        .await
        .0,
        200
    );
    let (status, art) = s.post(&format!("/api/v1/tickets/{tid}/ai/draft-article"), &agent, json!({})).await;
    assert_eq!(status, 200, "{art}");
    let body = art["body"].as_str().expect("body");
    assert!(body.contains("## Problem") && body.contains("## Steps") && body.contains("reset link"), "{body}");
    assert!(!body.contains("Kind regards") && !body.contains("Hello Dana"), "{body}");

    // Scope: a company admin given ai:use sees only tickets of their company, and no gaps.
    let (_, roles) = s.get("/api/v1/roles", admin).await;
    let role = roles["items"].as_array().expect("roles").iter().find(|r| r["name"] == "company_admin").expect("role").clone();
    let mut perms: Vec<Value> = role["permissions"].as_array().expect("permissions").clone();
    perms.push(json!("ai:use"));
    let rid = role["id"].as_str().expect("id");
    assert_eq!(s.patch(&format!("/api/v1/roles/{rid}"), admin, json!({"permissions": perms})).await.0, 200);
    let cadmin = a.token(&s, "company_admin").await;
    let (status, similar) = s.get(&format!("/api/v1/tickets/{}/similar?limit=50", a.company_admin_ticket), &cadmin).await;
    assert_eq!(status, 200, "{similar}");
    let similar = ids(&similar);
    assert!(!similar.contains(&a.other_company_ticket), "another company's ticket: {similar:?}");
    assert!(similar.contains(&a.customer_ticket), "a colleague's ticket: {similar:?}");
    assert_eq!(s.get("/api/v1/ai/knowledge-gaps", &cadmin).await.0, 403);

    // Bad input: clear 4xx.
    for (path, body) in [
        ("/api/v1/ai/classify", json!({"subject": ""})),
        ("/api/v1/ai/classify", json!({"subject": "x", "extra": 1})),
        ("/api/v1/kb/ask", json!({"question": ""})),
        ("/api/v1/kb/ask", json!({"question": "a\u{0}b"})),
    ] {
        let (status, res) = s.post(path, &agent, body).await;
        assert_eq!(status, 422, "{path}: {res}");
        assert!(res["error"]["code"].is_string());
    }
    let (status, _) = s.patch(&format!("/api/v1/tickets/{tid}/ai/classification"), &agent, json!({"category": "nonsense"})).await;
    assert_eq!(status, 422);
    assert_eq!(s.get("/api/v1/kb/search?q=x&mode=bogus", &agent).await.0, 422);
    assert_eq!(s.get(&format!("/api/v1/tickets/{tid}/similar?limit=abc"), &agent).await.0, 422);
}

/// Replies of the stand-in endpoint, in order, and the keys it was called with.
#[derive(Clone, Default)]
struct StandIn {
    replies: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    keys: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

/// A local OpenAI-compatible server (chat completions) that answers with queued texts, so the
/// check on generated text can be shown to accept and to refuse.
async fn stand_in() -> (String, StandIn) {
    use axum::routing::post;
    let state = StandIn::default();
    let served = state.clone();
    let app = axum::Router::new().route(
        "/v1/chat/completions",
        post(move |headers: axum::http::HeaderMap, axum::Json(body): axum::Json<Value>| {
            let s = served.clone();
            async move {
                assert!(body["messages"][1]["content"].is_string());
                let key = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
                s.keys.lock().expect("lock").push(key);
                let reply = s.replies.lock().expect("lock").remove(0);
                axum::Json(json!({"choices": [{"message": {"role": "assistant", "content": reply}}]}))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/v1", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    (url, state)
}

/// With an endpoint configured, generated text is used only when it invents no identifier.
async fn generation_is_checked(backend: Backend) {
    let s = TestServer::start(backend).await;
    let a = seed(&s, "acme").await;
    let admin = &a.admin_token;
    let agent = a.token(&s, "agent").await;
    let (url, endpoint) = stand_in().await;
    let (status, res) =
        s.call("PUT", "/api/v1/ai/settings", Some(admin), Some(&json!({"base_url": "ftp://x", "model": "m"}))).await;
    assert_eq!(status, 422, "{res}");
    let body = json!({"base_url": url, "model": "helper-1", "api_key": "sk-secret-42"});
    let (status, res) = s.call("PUT", "/api/v1/ai/settings", Some(admin), Some(&body)).await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res["api_key_set"], true);
    assert!(!res.to_string().contains("sk-secret-42"));
    assert_eq!(s.get("/api/v1/ai/settings", &agent).await.0, 403, "agents do not configure AI");

    let (_, t) = s
        .post(
            "/api/v1/tickets",
            &agent,
            json!({"subject": "Refund for ORD-48213", "description": "Customer was charged $249.00 twice for ORD-48213."}),
        )
        .await;
    let tid = t["id"].as_str().expect("id").to_owned();
    endpoint.replies.lock().expect("lock").extend([
        "Issue: double charge of $249.00 on ORD-48213. Next step: agent issues the refund.".to_owned(),
        "Issue: double charge of $999.00 on ORD-99999.".to_owned(),
    ]);
    let (status, faithful) = s.post(&format!("/api/v1/tickets/{tid}/ai/summary"), &agent, json!({})).await;
    assert_eq!(status, 200, "{faithful}");
    assert_eq!(faithful["method"], "generated", "{faithful}");
    assert!(faithful["summary"].as_str().is_some_and(|x| x.contains("ORD-48213")));
    let (_, invented) = s.post(&format!("/api/v1/tickets/{tid}/ai/summary"), &agent, json!({})).await;
    assert_eq!(invented["method"], "extractive", "invented identifiers are refused: {invented}");
    assert!(!invented["summary"].as_str().expect("summary").contains("ORD-99999"));
    assert_eq!(endpoint.keys.lock().expect("lock").first().map(String::as_str), Some("Bearer sk-secret-42"));

    // Without the endpoint: grounded methods only, and the endpoint is not called.
    assert_eq!(s.call("DELETE", "/api/v1/ai/settings", Some(admin), None).await.0, 200);
    let (_, summary) = s.post(&format!("/api/v1/tickets/{tid}/ai/summary"), &agent, json!({})).await;
    assert_eq!(summary["method"], "extractive");
    assert_eq!(endpoint.keys.lock().expect("lock").len(), 2);
}

/// Without a model (none cached, fetching off) the server runs keyword-only and says so.
async fn runs_keyword_only_without_a_model(backend: Backend) {
    let mut ai = common::ai_options();
    ai.fetch = false;
    ai.cache_dir = std::env::temp_dir().join(format!("customerdesk-no-model-{}", uuid::Uuid::now_v7().simple()));
    let s = TestServer::start_with(backend, ai).await;
    let mut health = Value::Null;
    for _ in 0..100 {
        health = s.call("GET", "/healthz", None, None).await.1;
        if health["ai"] == "unavailable" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(health["ai"], "unavailable", "{health}");
    assert!(health["ai_warning"].as_str().is_some_and(|w| w.contains("keyword-only")), "{health}");
    assert_eq!(health["status"], "ok", "the server itself is fine: {health}");
    let admin = s.tenant("plain").await;
    let id = publish(&s, &admin, "How to reset your password", RESET, "public").await;
    let (status, hits) = s.get("/api/v1/kb/search?q=reset+password", &admin).await;
    assert_eq!(status, 200, "hybrid falls back to keyword: {hits}");
    assert_eq!(hits["items"][0]["id"], id.as_str());
    let (status, res) = s.get("/api/v1/kb/search?q=reset+password&mode=semantic", &admin).await;
    assert_eq!(status, 503, "{res}");
    assert_eq!(res["error"]["code"], "unavailable");
    let (status, res) = s.post("/api/v1/ai/classify", &admin, json!({"subject": "Charged twice"})).await;
    assert_eq!(status, 503, "{res}");
}

on_both_backends!(
    runs_keyword_only_without_a_model,
    index_respects_tenants_and_visibility,
    login_question_finds_the_reset_article,
    assistant_endpoints,
    generation_is_checked
);
