//! `customerdesk eval`: AI quality on the evaluation set, measured end to end through the
//! services (articles created and published, tickets and threads created, the worker embedding
//! them) in a fresh temporary SQLite database. Also `customerdesk reindex`.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use desk_ai::text::invented_identifiers;
use desk_core::{
    AiOptions, ArticleInput, ArticlePatch, CommentInput, Desk, NewTenantInput, NewUserInput, Principal, TicketInput,
};
use serde::Deserialize;
use serde_json::{Value, json};

/// The evaluation set shipped in the repository. It was written apart from the classifier's
/// training examples and nothing was tuned on it.
pub const EVAL_SET: &str = include_str!("../../desk-ai/eval/eval_set.json");

#[derive(Deserialize)]
pub struct EvalSet {
    pub articles: Vec<EvalArticle>,
    pub questions: Vec<EvalQuestion>,
    pub tickets: Vec<EvalTicket>,
    pub threads: Vec<EvalThread>,
}

#[derive(Deserialize)]
pub struct EvalArticle {
    pub key: String,
    pub title: String,
    pub summary: String,
    pub body: String,
}

#[derive(Deserialize)]
pub struct EvalQuestion {
    pub article: String,
    pub phrasing: String,
    pub text: String,
}

#[derive(Deserialize)]
pub struct EvalTicket {
    pub subject: String,
    pub description: String,
    pub category: String,
    pub sentiment: String,
    pub priority: String,
}

#[derive(Deserialize)]
pub struct EvalThread {
    pub subject: String,
    pub messages: Vec<EvalMessage>,
    pub key_facts: Vec<String>,
}

#[derive(Deserialize)]
pub struct EvalMessage {
    pub author: String,
    pub body: String,
}

const PASSWORD: &str = "eval-password-1";

/// Runs the evaluation and prints (and optionally writes) the figures.
pub async fn run(options: AiOptions, set: Option<&Path>, json_out: Option<&Path>) -> Result<()> {
    let text = match set {
        Some(p) => std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?,
        None => EVAL_SET.to_owned(),
    };
    let set: EvalSet = serde_json::from_str(&text).context("parsing the evaluation set")?;
    let figures = evaluate(options, &set).await?;
    println!("{}", render(&figures));
    if let Some(path) = json_out {
        std::fs::write(path, serde_json::to_string_pretty(&figures)?)?;
    }
    Ok(())
}

/// Loads the set into a fresh database and measures; returns the figures as JSON.
pub async fn evaluate(options: AiOptions, set: &EvalSet) -> Result<Value> {
    let dir = std::env::temp_dir().join(format!("customerdesk-eval-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir)?;
    let result = evaluate_in(options, set, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn evaluate_in(options: AiOptions, set: &EvalSet, dir: &Path) -> Result<Value> {
    let store = desk_store::open(None, dir).await?;
    let desk = Desk::new(store, options);
    let err = |e: desk_core::CoreError| anyhow::anyhow!("{e}");
    desk.create_tenant(NewTenantInput {
        slug: "eval".into(),
        name: "Evaluation".into(),
        admin_email: "admin@eval.example".into(),
        admin_password: PASSWORD.into(),
        admin_name: Some("Eval Admin".into()),
    })
    .await
    .map_err(err)?;
    let admin = desk.login("eval", "admin@eval.example", PASSWORD).await.map_err(err)?.principal;
    let customer = add_user(&desk, &admin, "customer@eval.example", "Casey Customer", "customer").await?;
    let agent = add_user(&desk, &admin, "agent@eval.example", "Avery Agent", "agent").await?;

    let mut ids = HashMap::new();
    for a in &set.articles {
        let input = ArticleInput {
            title: a.title.clone(),
            summary: a.summary.clone(),
            body: a.body.clone(),
            visibility: Some("public".into()),
            ..ArticleInput::default()
        };
        let created = desk.create_article(&admin, input).await.map_err(err)?;
        desk.update_article(&admin, created.id, ArticlePatch { status: Some("published".into()), ..ArticlePatch::default() })
            .await
            .map_err(err)?;
        ids.insert(a.key.clone(), created.id);
    }
    let mut threads = Vec::new();
    for t in &set.threads {
        let first = t.messages.first().context("a thread without messages")?;
        let ticket = desk
            .create_ticket(
                &customer,
                TicketInput { subject: t.subject.clone(), description: first.body.clone(), ..TicketInput::default() },
            )
            .await
            .map_err(err)?;
        for m in &t.messages[1..] {
            let who = if m.author == "customer" { &customer } else { &agent };
            desk.add_comment(who, ticket.id, CommentInput { body: m.body.clone(), internal: false }).await.map_err(err)?;
        }
        threads.push(ticket.id);
    }
    if !desk.ai().wait_idle(Duration::from_mins(30)).await || desk.ai().embedder().is_none() {
        bail!("the embedding model is not available: {:?}", desk.ai().state());
    }

    // Retrieval, per mode and phrasing.
    let mut retrieval = serde_json::Map::new();
    for mode in ["keyword", "semantic", "hybrid"] {
        let mut by_phrasing: HashMap<String, Vec<Option<usize>>> = HashMap::new();
        for q in &set.questions {
            let hits = desk.search_articles(&admin, &q.text, Some(mode), 10).await.map_err(err)?;
            let target = ids.get(&q.article).context("a question about an unknown article")?;
            let rank = hits.iter().position(|h| h.id == *target);
            by_phrasing.entry(q.phrasing.clone()).or_default().push(rank);
            by_phrasing.entry("all".into()).or_default().push(rank);
        }
        let mut m = serde_json::Map::new();
        for (phrasing, ranks) in by_phrasing {
            m.insert(phrasing, ranking_figures(&ranks));
        }
        retrieval.insert(mode.into(), Value::Object(m));
    }

    // KB Q&A: answered, and the first source is the right article.
    let (mut answered, mut right) = (0usize, 0usize);
    for q in &set.questions {
        let a = desk.ask(&customer, &q.text).await.map_err(err)?;
        if a.answered {
            answered += 1;
            if a.sources.first().is_some_and(|s| Some(&s.id) == ids.get(&q.article)) {
                right += 1;
            }
        }
    }

    // Classification.
    let mut predicted: [Vec<(String, String)>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    for t in &set.tickets {
        let c = desk.classify(&admin, &t.subject, &t.description).await.map_err(err)?;
        predicted[0].push((t.category.clone(), c.category));
        predicted[1].push((t.sentiment.clone(), c.sentiment));
        predicted[2].push((t.priority.clone(), c.priority));
    }

    // Summaries: identifier coverage and invented identifiers.
    let (mut facts, mut covered, mut invented) = (0usize, 0usize, Vec::new());
    for (t, id) in set.threads.iter().zip(&threads) {
        let s = desk.summarize_ticket(&admin, *id).await.map_err(err)?.summary;
        let source: String = t.messages.iter().map(|m| m.body.as_str()).collect::<Vec<_>>().join("\n");
        facts += t.key_facts.len();
        covered += t.key_facts.iter().filter(|f| s.contains(f.as_str())).count();
        invented.extend(invented_identifiers(&s, &source));
    }

    #[allow(clippy::cast_precision_loss)]
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    Ok(json!({
        "set": {"articles": set.articles.len(), "questions": set.questions.len(), "tickets": set.tickets.len(), "threads": set.threads.len()},
        "retrieval": retrieval,
        "ask": {"answered": ratio(answered, set.questions.len()), "right_source_when_answered": ratio(right, answered)},
        "classification": {
            "category": label_figures(&predicted[0]),
            "sentiment": label_figures(&predicted[1]),
            "priority": label_figures(&predicted[2]),
        },
        "summaries": {"key_facts": facts, "identifier_coverage": ratio(covered, facts), "invented_identifiers": invented.len(), "invented": invented},
    }))
}

async fn add_user(desk: &Desk, admin: &Principal, email: &str, name: &str, role: &str) -> Result<Principal> {
    let input = NewUserInput {
        email: email.into(),
        name: Some(name.into()),
        role: role.into(),
        password: PASSWORD.into(),
        company_id: None,
    };
    desk.create_user(admin, input).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(desk.login("eval", email, PASSWORD).await.map_err(|e| anyhow::anyhow!("{e}"))?.principal)
}

/// recall@1/3/5 and MRR (over the top 10) of ranks (0-based; `None` = not found).
fn ranking_figures(ranks: &[Option<usize>]) -> Value {
    #[allow(clippy::cast_precision_loss)]
    let n = ranks.len().max(1) as f64;
    #[allow(clippy::cast_precision_loss)]
    let recall = |k: usize| ranks.iter().filter(|r| r.is_some_and(|r| r < k)).count() as f64 / n;
    #[allow(clippy::cast_precision_loss)]
    let mrr = ranks.iter().map(|r| r.map_or(0.0, |r| 1.0 / (r as f64 + 1.0))).sum::<f64>() / n;
    json!({"n": ranks.len(), "recall@1": recall(1), "recall@3": recall(3), "recall@5": recall(5), "mrr": mrr})
}

/// Accuracy and macro-F1 of (expected, predicted) pairs.
fn label_figures(pairs: &[(String, String)]) -> Value {
    let mut labels: Vec<&str> = pairs.iter().map(|(e, _)| e.as_str()).collect();
    labels.sort_unstable();
    labels.dedup();
    let correct = pairs.iter().filter(|(e, p)| e == p).count();
    let mut f1s = Vec::new();
    for l in &labels {
        let tp = pairs.iter().filter(|(e, p)| e == l && p == l).count();
        let fp = pairs.iter().filter(|(e, p)| e != l && p == l).count();
        let fneg = pairs.iter().filter(|(e, p)| e == l && p != l).count();
        #[allow(clippy::cast_precision_loss)]
        let f1 = if tp == 0 { 0.0 } else { 2.0 * tp as f64 / (2.0 * tp as f64 + fp as f64 + fneg as f64) };
        f1s.push(f1);
    }
    #[allow(clippy::cast_precision_loss)]
    let accuracy = correct as f64 / pairs.len().max(1) as f64;
    #[allow(clippy::cast_precision_loss)]
    let macro_f1 = f1s.iter().sum::<f64>() / f1s.len().max(1) as f64;
    json!({"n": pairs.len(), "accuracy": accuracy, "macro_f1": macro_f1})
}

fn render(f: &Value) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Evaluation set: {}", f["set"]);
    let _ = writeln!(out, "\nRetrieval (top 10 per question)");
    let _ = writeln!(
        out,
        "{:<9} {:<11} {:>4} {:>9} {:>9} {:>9} {:>7}",
        "mode", "phrasing", "n", "recall@1", "recall@3", "recall@5", "MRR"
    );
    for mode in ["keyword", "semantic", "hybrid"] {
        for phrasing in ["lexical", "paraphrase", "symptom", "all"] {
            let r = &f["retrieval"][mode][phrasing];
            let _ = writeln!(
                out,
                "{mode:<9} {phrasing:<11} {:>4} {:>9.3} {:>9.3} {:>9.3} {:>7.3}",
                r["n"],
                r["recall@1"].as_f64().unwrap_or(0.0),
                r["recall@3"].as_f64().unwrap_or(0.0),
                r["recall@5"].as_f64().unwrap_or(0.0),
                r["mrr"].as_f64().unwrap_or(0.0)
            );
        }
    }
    let _ = writeln!(
        out,
        "\nKB Q&A: answered {:.3}, right first source when answered {:.3}",
        f["ask"]["answered"].as_f64().unwrap_or(0.0),
        f["ask"]["right_source_when_answered"].as_f64().unwrap_or(0.0)
    );
    let _ = writeln!(out, "\nClassification");
    for head in ["category", "sentiment", "priority"] {
        let c = &f["classification"][head];
        let _ = writeln!(
            out,
            "{head:<10} n={} accuracy {:.3} macro-F1 {:.3}",
            c["n"],
            c["accuracy"].as_f64().unwrap_or(0.0),
            c["macro_f1"].as_f64().unwrap_or(0.0)
        );
    }
    let s = &f["summaries"];
    let _ = writeln!(
        out,
        "\nSummaries: identifier coverage {:.3} of {} key facts; invented identifiers {} {}",
        s["identifier_coverage"].as_f64().unwrap_or(0.0),
        s["key_facts"],
        s["invented_identifiers"],
        s["invented"]
    );
    out
}

/// Queues every ticket and article again and embeds them, with a progress bar.
pub async fn reindex(desk: &Desk, tenant: Option<&str>) -> Result<()> {
    let tenants = desk.store().list_tenants().await?;
    let mut queued = 0;
    for t in tenants.iter().filter(|t| tenant.is_none_or(|s| s == t.slug)) {
        let ctx = desk.store().operator_ctx(&t.slug).await?.context("tenant vanished")?;
        queued += desk.store().ai_queue_everything(&ctx, desk_core::now_ms()).await?;
    }
    if tenant.is_some() && queued == 0 {
        bail!("no such tenant, or nothing to index");
    }
    // The model loads in the background; wait for it.
    while desk.ai().state() == desk_core::ModelState::Loading {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let bar = indicatif::ProgressBar::new(u64::try_from(queued).unwrap_or(0));
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} embedded ({per_sec}, eta {eta})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let done = desk.ai().drain(|n| bar.set_position(u64::try_from(n).unwrap_or(0))).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    bar.finish();
    println!("re-embedded {done} tickets and articles");
    Ok(())
}
