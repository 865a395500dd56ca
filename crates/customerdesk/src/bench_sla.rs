//! `customerdesk bench sla`: what SLA costs. Due-time arithmetic against plain addition, the
//! breach scan over many open tickets, and ticket creation over HTTP on loopback with routing,
//! assignment and due times against a tenant without them. Every comparison is measured in the
//! same run, since absolute figures drift on shared machines.
// Counts and durations here are far below 2^52; the float conversions only format figures.
#![allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use desk_core::{
    AiOptions, CompanyPatchInput, CoreError, Desk, GroupAssignmentInput, JobOptions, NewCompanyInput, NewTenantInput,
    NewUserInput, OffsetClock, Principal, SettingsInput, TicketListInput,
};
use desk_domain::calendar::{Calendar, CalendarSpec, HolidaySpec, HoursSpec, bench_add};
use desk_domain::routing::{EscalationRuleSpec, RoutingRuleSpec};
use desk_domain::sla::PolicySpec;
use desk_store::{NewTicket, TenantCtx};
use futures_util::future::join_all;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use uuid::Uuid;

const PASSWORD: &str = "bench-password-1";
/// Tickets written per store call while loading.
const LOAD_CHUNK: usize = 1000;
/// The SLA jobs' kinds in the job table (desk-core's `jobs` constants), the breach scan first.
const JOB_KINDS: &[&str] = &["sla.breach_scan", "sla.age_scan", "sla.auto_close", "sla.breach_prediction"];
/// What one breach-scan run takes per target (desk-core's `SCAN_BATCH`).
const SCAN_LIMIT: i64 = 500;
/// Repetitions of the nothing-due probe.
const PROBES: usize = 21;
/// Tickets created per variant with 16 clients (a quarter of it with 1 client).
const CREATES: usize = 2000;
/// 2026-01-01T00:00Z, where `bench_add`'s starts begin too.
const JAN_2026_MS: i64 = 1_767_225_600_000;
const OPEN: &[&str] = &["new", "open", "in_progress"];
const PRIORITIES: &[&str] = &["low", "medium", "medium", "medium", "high", "critical"];
/// Tiers given to companies; tickets without a company get `standard`.
const TIERS: &[&str] = &["platinum", "gold", "silver", "bronze"];
/// Subjects of created tickets: the first two match the SLA-on tenant's routing rules, the
/// third falls through to its default group.
const SUBJECTS: &[&str] = &["Invoice shows the wrong amount", "Password reset link expired", "VPN client drops"];

/// What to run.
pub struct Options {
    pub tickets: usize,
    pub tenants: usize,
    pub calls: usize,
    /// Time every SLA job in the pass, not only the breach scan.
    pub all_jobs: bool,
}

/// A small deterministic generator, so runs are comparable.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }

    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len() as u64) as usize]
    }
}

#[allow(clippy::needless_pass_by_value)] // shaped for `map_err`
fn core(e: CoreError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Runs the SLA benchmark against the store `desk` was opened on.
pub async fn run(desk: Desk, opts: Options) -> Result<()> {
    let backend = format!("{:?}", desk.store().backend());
    println!(
        "bench sla on {backend}: {} calendar calls, {} open tickets across {} tenants",
        opts.calls, opts.tickets, opts.tenants
    );
    if desk.store().tenant_by_slug("bench-sla-on").await?.is_some() {
        bail!("bench sla tenants exist already (breaches recorded, job clock moved); use a fresh --data-dir or database");
    }
    let calls = opts.calls;
    let due = tokio::task::spawn_blocking(move || due_rate(calls)).await??;
    println!("due times: Calendar::add_ms {:.2} M/s, plain addition {:.0} M/s", due.calendar_per_s / 1e6, due.plain_per_s / 1e6);
    let scan = breach_scan(&desk, &opts).await?;
    let create = creation(&desk).await?;

    println!("\n{:<46} {:>14} {:>14} {:>8} {:>12} {:>4}", "measurement", "SLA", "baseline", "ratio", "target", "met");
    let yes = |ok: bool| if ok { "yes" } else { "NO" };
    println!(
        "{:<46} {:>12.2}M/s {:>12.0}M/s {:>8.0} {:>12} {:>4}",
        "due time: add_ms Europe/Berlin vs plain add",
        due.calendar_per_s / 1e6,
        due.plain_per_s / 1e6,
        due.plain_per_s / due.calendar_per_s,
        ">= 1 M/s",
        yes(due.calendar_per_s >= 1e6)
    );
    println!(
        "{:<46} {:>11.2} ms {:>14} {:>8} {:>12} {:>4}",
        format!("breach scan, nothing due (p50 of {PROBES})"),
        ms(scan.idle_p50),
        "",
        "",
        "",
        ""
    );
    println!(
        "{:<46} {:>11.0} ms {:>14} {:>8} {:>12} {:>4}",
        format!(
            "{} job pass ({} runs): {} breaches",
            if opts.all_jobs { "full" } else { "breach-scan" },
            scan.runs,
            scan.breaches
        ),
        ms(scan.pass),
        "",
        "",
        "< 2 s",
        yes(scan.pass < Duration::from_secs(2))
    );
    for (clients, on, off) in [(1, create.single.0, create.single.1), (16, create.parallel.0, create.parallel.1)] {
        println!(
            "{:<46} {:>12.0}/s {:>12.0}/s {:>8.2} {:>12} {:>4}",
            format!("create over HTTP, {clients} client{}: SLA on vs off", if clients == 1 { "" } else { "s" }),
            on,
            off,
            on / off,
            ">= 0.90",
            yes(on / off >= 0.9)
        );
    }
    Ok(())
}

/// Calls per second of the calendar and of plain addition.
struct DueRate {
    calendar_per_s: f64,
    plain_per_s: f64,
}

/// A Berlin office: Monday to Friday 09:00–12:00 and 13:00–17:00, German holidays of 2026–2027.
fn berlin() -> Result<Calendar> {
    let mut hours = Vec::new();
    for day in ["mon", "tue", "wed", "thu", "fri"] {
        for (start, end) in [("09:00", "12:00"), ("13:00", "17:00")] {
            hours.push(HoursSpec { day: day.into(), start: start.into(), end: end.into() });
        }
    }
    let holidays = [
        ("2026-01-01", "Neujahr", true),
        ("2026-05-01", "Tag der Arbeit", true),
        ("2026-10-03", "Tag der Deutschen Einheit", true),
        ("2026-12-24", "Heiligabend", true),
        ("2026-12-25", "1. Weihnachtstag", true),
        ("2026-12-26", "2. Weihnachtstag", true),
        ("2026-12-31", "Silvester", true),
        ("2026-04-03", "Karfreitag", false),
        ("2026-04-06", "Ostermontag", false),
        ("2026-05-14", "Christi Himmelfahrt", false),
        ("2026-05-25", "Pfingstmontag", false),
        ("2027-03-26", "Karfreitag", false),
        ("2027-03-29", "Ostermontag", false),
    ]
    .into_iter()
    .map(|(date, name, yearly)| HolidaySpec { date: date.into(), name: name.into(), yearly })
    .collect();
    let spec = CalendarSpec { name: "Berlin office".into(), time_zone: "Europe/Berlin".into(), hours, holidays };
    spec.validate().map_err(|e| anyhow::anyhow!("{e}"))
}

fn due_rate(calls: usize) -> Result<DueRate> {
    let calendar = berlin()?;
    let calls = calls.max(1);
    black_box(bench_add(&calendar, calls.min(10_000)));
    let with_calendar = bench_add(&calendar, calls);
    // The same shape of inputs as `bench_add`: starts over two years, 30 minutes to 40 hours.
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let inputs: Vec<(i64, i64)> = (0..calls.min(4096))
        .map(|_| (JAN_2026_MS + rng.below(2 * 365 * 1440).cast_signed() * 60_000, 30 + rng.below(40 * 60 - 30 + 1).cast_signed()))
        .collect();
    let began = Instant::now();
    let mut sink = 0i64;
    for &(start, minutes) in inputs.iter().cycle().take(calls) {
        sink = sink.wrapping_add(black_box(start) + black_box(minutes) * 60_000);
    }
    black_box(sink);
    let plain = began.elapsed();
    let per_s = |d: Duration| calls as f64 / d.as_secs_f64().max(1e-9);
    Ok(DueRate { calendar_per_s: per_s(with_calendar), plain_per_s: per_s(plain) })
}

/// A fresh tenant with the default SLA settings; answers its admin.
async fn new_tenant(desk: &Desk, slug: &str) -> Result<Principal> {
    let admin_email = format!("admin@{slug}.example");
    let input = NewTenantInput {
        slug: slug.to_owned(),
        name: format!("Bench {slug}"),
        admin_email: admin_email.clone(),
        admin_password: PASSWORD.into(),
        admin_name: None,
    };
    desk.create_tenant(input).await.map_err(core)?;
    Ok(desk.login(slug, &admin_email, PASSWORD).await.map_err(core)?.principal)
}

async fn new_user(desk: &Desk, slug: &str, email: &str, role: &str) -> Result<Uuid> {
    let input = NewUserInput {
        email: format!("{email}@{slug}.example"),
        name: None,
        role: role.into(),
        password: PASSWORD.into(),
        company_id: None,
    };
    Ok(desk.operator_create_user(slug, input).await.map_err(core)?.id)
}

/// A scan tenant: its customer and one company per tier above `standard`.
struct ScanTenant {
    ctx: TenantCtx,
    customer: Uuid,
    companies: Vec<Uuid>,
}

async fn scan_tenant(desk: &Desk, i: usize) -> Result<ScanTenant> {
    let slug = format!("bench-sla-{i:03}");
    let admin = new_tenant(desk, &slug).await?;
    let customer = new_user(desk, &slug, "customer", "customer").await?;
    let mut companies = Vec::with_capacity(TIERS.len());
    for tier in TIERS {
        let company = desk
            .create_company(&admin, NewCompanyInput { name: format!("{tier} customer"), domain: None })
            .await
            .map_err(core)?;
        let tier = CompanyPatchInput { sla_tier: Some((*tier).to_owned()), ..CompanyPatchInput::default() };
        desk.update_company(&admin, company.id, tier).await.map_err(core)?;
        companies.push(company.id);
    }
    Ok(ScanTenant { ctx: admin.ctx, customer, companies })
}

/// Breach-scan figures.
struct Scan {
    idle_p50: Duration,
    pass: Duration,
    runs: usize,
    breaches: u64,
}

/// Loads open tickets through the store's batched insert (each gets its due times there), then
/// times the scan with nothing due and one job pass with the clock past every first response.
async fn breach_scan(desk: &Desk, opts: &Options) -> Result<Scan> {
    let mut tenants = Vec::with_capacity(opts.tenants);
    for i in 0..opts.tenants {
        tenants.push(scan_tenant(desk, i).await?);
    }
    let bar = ProgressBar::new(opts.tickets as u64);
    bar.set_style(
        ProgressStyle::with_template("loading {bar:40} {pos}/{len} tickets {per_sec} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let mut latest_first_due = 0i64;
    let mut chunk = Vec::with_capacity(LOAD_CHUNK);
    for i in 0..opts.tickets {
        // Tenants interleaved, as real traffic would be; companies cycle through the tiers.
        let t = &tenants[i % tenants.len()];
        let k = (i / tenants.len()) % (TIERS.len() + 1);
        chunk.push((
            t.ctx,
            NewTicket {
                subject: format!("{} ({i})", SUBJECTS[i % SUBJECTS.len()]),
                description: "It stopped working after the update; the whole team is blocked.".into(),
                status: rng.pick(OPEN).to_owned(),
                priority: rng.pick(PRIORITIES).to_owned(),
                requester_id: t.customer,
                company_id: t.companies.get(k).copied(),
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
        if chunk.len() == LOAD_CHUNK || i + 1 == opts.tickets {
            for ticket in desk.store().create_tickets(&chunk, desk_core::now_ms()).await? {
                latest_first_due = latest_first_due.max(ticket.sla.first_response_due_at.unwrap_or(0));
            }
            bar.inc(chunk.len() as u64);
            chunk.clear();
        }
    }
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    println!("loaded {} open tickets in {secs:.1} s ({:.0} tickets/s)", opts.tickets, opts.tickets as f64 / secs);

    let mut idle = Vec::with_capacity(PROBES);
    for _ in 0..PROBES {
        let t = Instant::now();
        let found = desk.store().scan_due(desk_core::now_ms(), SCAN_LIMIT).await?;
        idle.push(t.elapsed());
        if !found.is_empty() {
            bail!("{} targets were due right after loading; the policies look wrong", found.len());
        }
    }
    idle.sort();

    // The job runner on a clock moved past every first-response target. By default only the
    // breach scan is registered: breach prediction walks every open ticket, a separate cost.
    let clock = Arc::new(OffsetClock::default());
    let jobs = Desk::with_clock(desk.store().clone(), AiOptions::disabled(), clock.clone());
    clock.advance(latest_first_due - desk_core::now_ms() + 60_000);
    println!(
        "job clock moved {:.1} days ahead, past the last first-response target",
        (jobs.now() - desk_core::now_ms()) as f64 / 86_400_000.0
    );
    let options = JobOptions::default();
    if opts.all_jobs {
        jobs.schedule_jobs(&options).await.map_err(core)?;
    } else {
        desk.store().ensure_periodic(JOB_KINDS[0], "all", options.breach_every_ms, jobs.now()).await?;
    }
    let t = Instant::now();
    let summary = jobs.run_due_jobs_as(&desk_core::new_worker_name(), &options).await.map_err(core)?;
    let pass = t.elapsed();
    // A slow pass sees short-period jobs come due again meanwhile; each still runs once per slot.
    let kinds = if opts.all_jobs { JOB_KINDS } else { &JOB_KINDS[..1] };
    if summary.runs < kinds.len() || summary.failures != 0 {
        bail!("expected {} successful job runs, got {summary:?}", kinds.len());
    }
    for kind in kinds {
        let runs = desk.store().job_runs(kind, 0).await?;
        let spent: i64 = runs.iter().map(|r| r.finished_at.unwrap_or(r.started_at) - r.started_at).sum();
        println!("  job {kind}: {} run(s), {spent} ms", runs.len());
    }
    let breaches = jobs.sla_metrics().breaches.load(Ordering::Relaxed);
    Ok(Scan { idle_p50: idle[idle.len() / 2], pass, runs: summary.runs, breaches })
}

/// An agent's HTTP session on one tenant.
struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Client {
    async fn create(&self, i: usize) -> Result<()> {
        let res = self
            .http
            .post(format!("{}/api/v1/tickets", self.base))
            .bearer_auth(&self.token)
            .json(&json!({"subject": format!("{} ({i})", SUBJECTS[i % SUBJECTS.len()]),
                "description": "It stopped working after the update; the whole team is blocked."}))
            .send()
            .await?;
        if res.status().as_u16() != 201 {
            bail!("create: {}", res.status());
        }
        Ok(())
    }

    /// Creates `total` tickets from `clients` concurrent clients; answers how many and how long.
    async fn burst(&self, clients: usize, total: usize, first: usize) -> Result<(usize, Duration)> {
        let per = (total / clients).max(1);
        let started = Instant::now();
        let runs = (0..clients).map(|k| async move {
            for i in 0..per {
                self.create(first + k * per + i).await?;
            }
            anyhow::Ok(())
        });
        for r in join_all(runs).await {
            r?;
        }
        Ok((per * clients, started.elapsed()))
    }
}

/// Tickets per second, (SLA on, SLA off), for 1 and 16 clients.
struct Creation {
    single: (f64, f64),
    parallel: (f64, f64),
}

/// The baseline: no policies, no escalation rules, no routing rules, no default group.
async fn sla_off_tenant(desk: &Desk, slug: &str) -> Result<(Principal, Uuid)> {
    let admin = new_tenant(desk, slug).await?;
    for policy in desk.list_docs::<PolicySpec>(&admin).await.map_err(core)? {
        desk.delete_doc::<PolicySpec>(&admin, policy.id).await.map_err(core)?;
    }
    for rule in desk.list_docs::<EscalationRuleSpec>(&admin).await.map_err(core)? {
        desk.delete_doc::<EscalationRuleSpec>(&admin, rule.id).await.map_err(core)?;
    }
    let agent = new_user(desk, slug, "agent0", "agent").await?;
    Ok((admin, agent))
}

/// Default policies, two routing rules and a round-robin group of five agents as the default group.
async fn sla_on_tenant(desk: &Desk, slug: &str) -> Result<(Principal, Uuid)> {
    let admin = new_tenant(desk, slug).await?;
    let group = desk.create_group(&admin, "Support").await.map_err(core)?.id;
    let mut agents = Vec::new();
    for k in 0..5 {
        let agent = new_user(desk, slug, &format!("agent{k}"), "agent").await?;
        desk.add_group_member(&admin, group, agent).await.map_err(core)?;
        agents.push(agent);
    }
    let round_robin = GroupAssignmentInput { assignment: Some("round_robin".into()), max_open: None };
    desk.update_group(&admin, group, round_robin).await.map_err(core)?;
    for rule in [
        json!({"name": "Billing", "position": 1, "conditions": {"keywords": ["invoice", "refund"]}, "group_id": group, "set_priority": "high"}),
        json!({"name": "Access", "position": 2, "conditions": {"keywords": ["password", "login"]}, "group_id": group}),
    ] {
        desk.create_doc::<RoutingRuleSpec>(&admin, rule).await.map_err(core)?;
    }
    let settings = SettingsInput { default_group_id: Some(Some(group)), ..SettingsInput::default() };
    desk.update_settings(&admin, settings).await.map_err(core)?;
    Ok((admin, agents[0]))
}

/// Of the tenant's latest tickets: how many are assigned and how many have due times.
async fn check(desk: &Desk, admin: &Principal) -> Result<(usize, usize, usize)> {
    let list =
        desk.list_tickets(admin, TicketListInput { limit: Some(200), ..TicketListInput::default() }).await.map_err(core)?;
    let assigned = list.items.iter().filter(|(t, _)| t.assignee_id.is_some()).count();
    let due = list.items.iter().filter(|(t, _)| t.sla.first_response_due_at.is_some()).count();
    Ok((list.items.len(), assigned, due))
}

/// Creation over HTTP on loopback, SLA on against off, each measured in two halves ordered
/// off-on-on-off so drift over the run falls on both alike.
async fn creation(desk: &Desk) -> Result<Creation> {
    let (off_admin, _) = sla_off_tenant(desk, "bench-sla-off").await?;
    let (on_admin, _) = sla_on_tenant(desk, "bench-sla-on").await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(desk_web::serve(listener, desk.clone(), async move {
        let _ = stopped.await;
    }));
    let http = reqwest::Client::builder().pool_max_idle_per_host(64).build()?;
    let mut sessions = Vec::new();
    for slug in ["bench-sla-on", "bench-sla-off"] {
        let token = desk.login(slug, &format!("agent0@{slug}.example"), PASSWORD).await.map_err(core)?.token;
        sessions.push(Client { http: http.clone(), base: base.clone(), token });
    }
    let (on, off) = (&sessions[0], &sessions[1]);
    on.burst(4, 100, 0).await?;
    off.burst(4, 100, 0).await?;
    let mut rates = Vec::new();
    for (clients, total) in [(1, CREATES / 4), (16, CREATES)] {
        let half = total / 2;
        let (mut on_sum, mut off_sum) = ((0, Duration::ZERO), (0, Duration::ZERO));
        for (k, session) in [off, on, on, off].into_iter().enumerate() {
            let (n, d) = session.burst(clients, half, 1000 + k * half).await?;
            let sum = if std::ptr::eq(session, on) { &mut on_sum } else { &mut off_sum };
            *sum = (sum.0 + n, sum.1 + d);
        }
        let rate = |(n, d): (usize, Duration)| n as f64 / d.as_secs_f64();
        rates.push((rate(on_sum), rate(off_sum)));
    }
    let _ = stop.send(());
    let _ = server.await;
    let (seen, assigned, due) = check(desk, &on_admin).await?;
    println!("SLA on: of the latest {seen} tickets {assigned} are assigned and {due} have due times");
    let (seen, assigned, due) = check(desk, &off_admin).await?;
    println!("SLA off: of the latest {seen} tickets {assigned} are assigned and {due} have due times");
    Ok(Creation { single: rates[0], parallel: rates[1] })
}
