//! `customerdesk bench tickets`: loads many tickets across many tenants, then measures through
//! the real HTTP stack on loopback. Every latency is also given as a ratio to a trivial request
//! (`GET /healthz`) measured in the same run, since absolute times drift on shared machines.
// Counts and durations here are far below 2^52; the float conversions only format figures.
#![allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]

use std::fmt::Write;

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use desk_core::{Desk, NewTenantInput, NewUserInput};
use desk_store::{NewTicket, TenantCtx};
use futures_util::future::join_all;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value, json};

const PASSWORD: &str = "bench-password-1";
/// Tickets written per store call while loading.
const LOAD_CHUNK: usize = 1000;
/// The rare word put in 1% of tickets, for the search measurement.
const RARE: &str = "kerberos";

/// What to run.
pub struct Options {
    pub tickets: usize,
    pub tenants: usize,
    pub samples: usize,
    pub creates: usize,
}

/// A small deterministic generator, so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        let i = usize::try_from(self.next() % xs.len() as u64).unwrap_or(0);
        xs[i]
    }
}

const PRODUCTS: &[&str] = &[
    "label printer",
    "invoice portal",
    "mobile app",
    "VPN client",
    "billing export",
    "SSO login",
    "warehouse scanner",
    "API gateway",
    "email digest",
    "report builder",
];
const PROBLEMS: &[&str] = &[
    "stopped working after the update",
    "shows error {code}",
    "is very slow since Monday",
    "crashes on start",
    "rejects my password",
    "prints blank pages",
    "times out when saving",
    "sends duplicate emails",
    "cannot be found in the menu",
    "charges us twice",
];
const DETAILS: &[&str] = &[
    "We tried restarting it and clearing the cache, nothing changed.",
    "This blocks our whole team in the warehouse.",
    "It happens to about half of our users, mostly on Windows laptops.",
    "Our order number is {order}. Please advise how to proceed.",
    "The issue started right after we changed our network settings.",
    "Attached is a screenshot of the error dialog.",
    "Could you please escalate this, our customers are waiting.",
    "It worked fine last week with the same configuration.",
];
const STATUSES: &[&str] = &[
    "closed",
    "closed",
    "closed",
    "closed",
    "resolved",
    "resolved",
    "open",
    "open",
    "in_progress",
    "waiting_on_customer",
    "new",
    "escalated",
];
const PRIORITIES: &[&str] = &["low", "medium", "medium", "medium", "high", "critical"];

fn ticket_text(rng: &mut Rng, i: usize) -> (String, String) {
    let code = format!("E-{}", 100 + rng.next() % 900);
    let order = format!("SO-{}", 10_000 + rng.next() % 90_000);
    let product = rng.pick(PRODUCTS);
    let subject = format!("The {product} {}", rng.pick(PROBLEMS).replace("{code}", &code));
    let mut description = format!("Hello, our {product} {}. ", rng.pick(PROBLEMS).replace("{code}", &code));
    for _ in 0..3 {
        description.push_str(&rng.pick(DETAILS).replace("{order}", &order));
        description.push(' ');
    }
    if i % 100 == 7 {
        let _ = write!(description, "The {RARE} ticket renewal fails for this account.");
    }
    (subject, description)
}

struct BenchTenant {
    slug: String,
    ctx: TenantCtx,
    customer: uuid::Uuid,
}

async fn ensure_tenant(desk: &Desk, i: usize) -> Result<(BenchTenant, bool)> {
    let slug = format!("bench-{i:03}");
    let created = desk.store().tenant_by_slug(&slug).await?.is_none();
    if created {
        desk.create_tenant(NewTenantInput {
            slug: slug.clone(),
            name: format!("Bench {i}"),
            admin_email: format!("admin@{slug}.example"),
            admin_password: PASSWORD.into(),
            admin_name: None,
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        for (email, role) in [(format!("agent@{slug}.example"), "agent"), (format!("customer@{slug}.example"), "customer")] {
            let input = NewUserInput { email, name: None, role: role.into(), password: PASSWORD.into(), company_id: None };
            desk.operator_create_user(&slug, input).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        }
    }
    let ctx = desk.store().operator_ctx(&slug).await?.context("bench tenant vanished")?;
    let customer = desk
        .login(&slug, &format!("customer@{slug}.example"), PASSWORD)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .principal
        .user
        .id;
    Ok((BenchTenant { slug, ctx, customer }, created))
}

async fn load(desk: &Desk, opts: &Options) -> Result<Vec<BenchTenant>> {
    let per_tenant = opts.tickets / opts.tenants;
    let mut tenants = Vec::with_capacity(opts.tenants);
    let mut fresh = Vec::new();
    for i in 0..opts.tenants {
        let (t, created) = ensure_tenant(desk, i).await?;
        if created {
            fresh.push(tenants.len());
        }
        tenants.push(t);
    }
    if fresh.is_empty() {
        println!("bench tenants already loaded; measuring the data as it is");
        return Ok(tenants);
    }
    if fresh.len() != tenants.len() {
        bail!("some bench tenants exist and some do not; use a fresh --data-dir or database");
    }
    let bar = ProgressBar::new((per_tenant * tenants.len()) as u64);
    bar.set_style(
        ProgressStyle::with_template("loading {bar:40} {pos}/{len} tickets {per_sec} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    // Tenants interleaved, as real traffic would be; each chunk is one transaction.
    let mut made = vec![0usize; tenants.len()];
    let mut chunk = Vec::with_capacity(LOAD_CHUNK);
    loop {
        let mut progressed = false;
        for (ti, t) in tenants.iter().enumerate() {
            let take = (per_tenant - made[ti]).min(LOAD_CHUNK / tenants.len().max(1)).max(usize::from(made[ti] < per_tenant));
            for _ in 0..take {
                let i = made[ti];
                let (subject, description) = ticket_text(&mut rng, i);
                chunk.push((
                    t.ctx,
                    NewTicket {
                        subject,
                        description,
                        status: rng.pick(STATUSES).to_owned(),
                        priority: rng.pick(PRIORITIES).to_owned(),
                        requester_id: t.customer,
                        company_id: None,
                        group_id: None,
                        assignee_id: None,
                        channel: "email".into(),
                        created_by: t.customer,
                        ticket_type: "problem".into(),
                        tags: Vec::new(),
                        auto_assign: false,
                        required_skill_ids: Vec::new(),
                        routing_note: None,
                    },
                ));
                made[ti] += 1;
                progressed = true;
            }
            if chunk.len() >= LOAD_CHUNK {
                desk.store().create_tickets(&chunk, desk_core::now_ms()).await?;
                bar.inc(chunk.len() as u64);
                chunk.clear();
            }
        }
        if !progressed {
            break;
        }
    }
    if !chunk.is_empty() {
        desk.store().create_tickets(&chunk, desk_core::now_ms()).await?;
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "loaded {} tickets in {secs:.1} s ({:.0} tickets/s)",
        per_tenant * tenants.len(),
        (per_tenant * tenants.len()) as f64 / secs
    );
    Ok(tenants)
}

struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Client {
    async fn get(&self, path: &str) -> Result<(Duration, Value)> {
        let t = Instant::now();
        let res = self.http.get(format!("{}{path}", self.base)).bearer_auth(&self.token).send().await?;
        let status = res.status();
        let body: Value = res.json().await?;
        if !status.is_success() {
            bail!("GET {path}: {status} {body}");
        }
        Ok((t.elapsed(), body))
    }

    /// A web page, signed in with the same token as the session cookie; answers the time and
    /// the page.
    async fn page(&self, path: &str) -> Result<(Duration, String)> {
        let t = Instant::now();
        let res =
            self.http.get(format!("{}{path}", self.base)).header("cookie", format!("cd_session={}", self.token)).send().await?;
        let status = res.status();
        let body = res.text().await?;
        if !status.is_success() {
            bail!("GET {path}: {status}");
        }
        Ok((t.elapsed(), body))
    }

    async fn create(&self, i: usize) -> Result<()> {
        let res = self
            .http
            .post(format!("{}/api/v1/tickets", self.base))
            .bearer_auth(&self.token)
            .json(&json!({"subject": format!("bench create {i}"), "description": "The VPN client drops every few minutes."}))
            .send()
            .await?;
        if res.status().as_u16() != 201 {
            bail!("create: {}", res.status());
        }
        Ok(())
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

async fn sample(c: &Client, path: &str, n: usize) -> Result<(Vec<Duration>, Value)> {
    let mut times = Vec::with_capacity(n);
    let mut last = Value::Null;
    for _ in 0..n {
        let (d, body) = c.get(path).await?;
        times.push(d);
        last = body;
    }
    times.sort();
    Ok((times, last))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn throughput(c: &Client, clients: usize, total: usize) -> Result<f64> {
    let per = total / clients;
    let started = Instant::now();
    let runs = (0..clients).map(|k| async move {
        for i in 0..per {
            c.create(k * per + i).await?;
        }
        anyhow::Ok(())
    });
    for r in join_all(runs).await {
        r?;
    }
    Ok((per * clients) as f64 / started.elapsed().as_secs_f64())
}

/// Runs the ticket benchmark against the store `desk` was opened on.
pub async fn tickets(desk: Desk, opts: Options) -> Result<()> {
    let backend = format!("{:?}", desk.store().backend());
    println!("bench tickets on {backend}: {} tickets across {} tenants", opts.tickets, opts.tenants);
    let tenants = load(&desk, &opts).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let served = desk.clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(desk_web::serve(listener, served, async move {
        let _ = stopped.await;
    }));
    let slug = &tenants[0].slug;
    let token = desk.login(slug, &format!("agent@{slug}.example"), PASSWORD).await.map_err(|e| anyhow::anyhow!("{e}"))?.token;
    let http = reqwest::Client::builder().pool_max_idle_per_host(64).build()?;
    let c = Client { http, base, token };

    let n = opts.samples;
    let (baseline, _) = sample(&c, "/healthz", n).await?;
    let base_p50 = ms(percentile(&baseline, 0.5));
    let (first, _) = sample(&c, "/api/v1/tickets?view=open&limit=50", n).await?;

    // Walk to page 500 by cursor (20 per page), then time that page.
    let mut cursor = String::new();
    let mut page = 1;
    while page < 500 {
        let path = if cursor.is_empty() {
            "/api/v1/tickets?limit=20".to_owned()
        } else {
            format!("/api/v1/tickets?limit=20&cursor={cursor}")
        };
        let (_, body) = c.get(&path).await?;
        match body["next_cursor"].as_str() {
            Some(next) => next.clone_into(&mut cursor),
            None => break,
        }
        page += 1;
    }
    let deep_path = format!("/api/v1/tickets?limit=20&cursor={cursor}");
    let (deep, _) = sample(&c, &deep_path, n).await?;
    let (search, hits) = sample(&c, &format!("/api/v1/tickets?q={RARE}&limit=50"), n).await?;
    let hit_count = hits["items"].as_array().map_or(0, Vec::len);

    // The web UI's heaviest pages: the list with its eight view counts, and a ticket.
    let mut list_page = Vec::with_capacity(n);
    let mut ticket_page = Vec::with_capacity(n);
    // The ticket to open comes from the API, not from scraping the page (whose links change).
    let (_, one_open) = c.get("/api/v1/tickets?view=open&limit=1").await?;
    let ticket_href = one_open["items"][0]["id"]
        .as_str()
        .map(|id| format!("/agent/tickets/{id}"))
        .ok_or_else(|| anyhow::anyhow!("no open ticket to open"))?;
    for _ in 0..n {
        list_page.push(c.page("/agent/tickets?view=open").await?.0);
        ticket_page.push(c.page(&ticket_href).await?.0);
    }
    list_page.sort();
    ticket_page.sort();

    let single = throughput(&c, 1, opts.creates / 4).await?;
    let parallel = throughput(&c, 16, opts.creates).await?;

    println!("\nbaseline GET /healthz: p50 {base_p50:.2} ms over {n} requests");
    println!("{:<42} {:>8} {:>8} {:>8} {:>10} {:>8}", "measurement", "p50 ms", "p95 ms", "p99 ms", "p50/base", "p95<50");
    for (name, times) in [
        ("first page of open tickets (50)".to_owned(), &first),
        (format!("page {page} by cursor (20 per page)"), &deep),
        (format!("search '{RARE}' ({hit_count} hits on page 1)"), &search),
        ("web: agent list page with view counts".to_owned(), &list_page),
        ("web: agent ticket page".to_owned(), &ticket_page),
    ] {
        let (p50, p95, p99) = (ms(percentile(times, 0.5)), ms(percentile(times, 0.95)), ms(percentile(times, 0.99)));
        println!(
            "{name:<42} {p50:>8.2} {p95:>8.2} {p99:>8.2} {:>10.1} {:>8}",
            p50 / base_p50,
            if p95 < 50.0 { "yes" } else { "NO" }
        );
    }
    println!("create throughput, 1 client:   {single:>8.0} tickets/s");
    println!("create throughput, 16 clients: {parallel:>8.0} tickets/s (target on SQLite: >= 2000)");
    let _ = stop.send(());
    let _ = server.await;
    Ok(())
}
