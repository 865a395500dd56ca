//! The background jobs on the durable job runner: breach detection, age escalation, auto-close
//! and breach prediction. Jobs live in the database and are claimed with leases, so with
//! several server processes on one PostgreSQL each run happens in exactly one of them; a crash
//! mid-run lets the lease lapse and another process takes the job over.

use std::time::Duration;

use desk_domain::Status;
use desk_domain::routing::{EscalationRuleSpec, Trigger};
use desk_store::{ClaimedJob, ConfigKind, StoreError, TicketChange, TicketScope};

use crate::escalation;
use crate::sla::SlaMetrics;
use crate::{CoreError, CoreResult, Desk};

/// The job kinds this module runs.
pub const BREACH_SCAN: &str = "sla.breach_scan";
pub const AGE_SCAN: &str = "sla.age_scan";
pub const AUTO_CLOSE: &str = "sla.auto_close";
pub const BREACH_PREDICTION: &str = "sla.breach_prediction";

/// How long the record of a job run is kept.
const RUN_HISTORY_MS: i64 = 24 * 3_600_000;

/// Open tickets whose breach prediction one run refreshes, soonest due first.
const PREDICTION_BATCH: i64 = 2_000;

/// Most tickets one run of a scan handles; the next run takes the rest.
const SCAN_BATCH: i64 = 500;

/// How often each job runs and how the runner polls.
#[derive(Debug, Clone)]
pub struct JobOptions {
    /// How often an idle runner looks for due jobs.
    pub poll: Duration,
    /// A claimed job is another process's to take over after this long.
    pub lease_ms: i64,
    pub breach_every_ms: i64,
    pub age_every_ms: i64,
    pub auto_close_every_ms: i64,
    pub prediction_every_ms: i64,
}

impl Default for JobOptions {
    fn default() -> Self {
        Self {
            poll: Duration::from_secs(1),
            lease_ms: 120_000,
            breach_every_ms: 10_000,
            age_every_ms: 60_000,
            auto_close_every_ms: 300_000,
            prediction_every_ms: 300_000,
        }
    }
}

/// What one pass of the runner did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobSummary {
    /// Jobs run.
    pub runs: usize,
    /// Jobs that failed (and will be retried).
    pub failures: usize,
}

impl Desk {
    /// Makes sure the periodic jobs exist and starts this process's runner on the current runtime.
    pub async fn start_jobs(&self, options: JobOptions) -> CoreResult<tokio::task::JoinHandle<()>> {
        self.schedule_jobs(&options).await?;
        let desk = self.clone();
        Ok(tokio::spawn(async move {
            let worker = worker_name();
            loop {
                match desk.run_due_jobs_as(&worker, &options).await {
                    Ok(s) if s.runs > 0 => continue,
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "job runner: could not reach the job table"),
                }
                tokio::time::sleep(options.poll).await;
            }
        }))
    }

    /// Registers the periodic jobs (idempotent; every process does it at start).
    pub async fn schedule_jobs(&self, options: &JobOptions) -> CoreResult<()> {
        let now = self.now();
        for (kind, every) in [
            (BREACH_SCAN, options.breach_every_ms),
            (AGE_SCAN, options.age_every_ms),
            (AUTO_CLOSE, options.auto_close_every_ms),
            (BREACH_PREDICTION, options.prediction_every_ms),
        ] {
            self.store.ensure_periodic(kind, "all", every, now).await?;
        }
        Ok(())
    }

    /// Runs every job that is due now under `worker`'s leases, until none is left.
    pub async fn run_due_jobs_as(&self, worker: &str, options: &JobOptions) -> CoreResult<JobSummary> {
        let mut summary = JobSummary::default();
        while let Some(job) = self.store.claim(worker, self.now(), options.lease_ms).await? {
            summary.runs += 1;
            let outcome = self.run_job(&job).await;
            let now = self.now();
            let report = match outcome {
                Ok(()) => Ok(()),
                Err(e) => {
                    summary.failures += 1;
                    tracing::warn!(job = %job.kind, attempt = job.attempts, error = %e, "job failed; retrying later");
                    let backoff = 1_000_i64 << job.attempts.clamp(0, 10);
                    Err((e.to_string(), now + backoff.min(600_000)))
                }
            };
            self.store.finish(&job, worker, now, report).await?;
            if summary.runs >= 1_000 {
                break;
            }
        }
        Ok(summary)
    }

    async fn run_job(&self, job: &ClaimedJob) -> CoreResult<()> {
        match job.kind.as_str() {
            BREACH_SCAN => self.detect_breaches().await,
            AGE_SCAN => self.escalate_aged().await,
            AUTO_CLOSE => self.auto_close().await,
            BREACH_PREDICTION => self.update_predictions().await,
            other => Err(CoreError::Internal(format!("unknown job kind {other}"))),
        }
    }

    /// Records each target that fell due unmet, once, and fires the rules for it.
    async fn detect_breaches(&self) -> CoreResult<()> {
        let now = self.now();
        for due in self.store.scan_due(now, SCAN_BATCH).await? {
            let change = TicketChange {
                ticket_id: due.ticket_id,
                actor_id: None,
                now,
                breach: Some(due.target),
                ..TicketChange::default()
            };
            match self.store.change_ticket(&due.ctx, &TicketScope::All, change).await {
                Ok(_) => {
                    SlaMetrics::count(&self.sla_metrics.breaches);
                    tracing::info!(tenant.id = %due.ctx.tenant_id(), ticket = %due.ticket_id, target = due.target, "SLA breach");
                    let trigger =
                        if due.target == "first_response" { Trigger::FirstResponseBreach } else { Trigger::ResolutionBreach };
                    // A failing rule must not stop the scan; the age job's catch-up fires it later.
                    if let Err(e) =
                        escalation::on_trigger(&*self.store, &self.sla_metrics, &due.ctx, due.ticket_id, trigger, now).await
                    {
                        tracing::warn!(ticket = %due.ticket_id, error = %e, "breach rules failed; the catch-up retries");
                    }
                }
                Err(StoreError::Conflict(_) | StoreError::NotFound) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// Fires age rules on open tickets older than their minutes, and the breach rules a stopped
    /// process left unfired.
    async fn escalate_aged(&self) -> CoreResult<()> {
        let now = self.now();
        let mut due = self.store.scan_aged(now, SCAN_BATCH).await?;
        due.extend(self.store.scan_unescalated(SCAN_BATCH).await?);
        for t in due {
            let Some(rule_id) = t.rule_id else { continue };
            let rule = match self.store.get_config(&t.ctx, ConfigKind::EscalationRule, rule_id).await {
                Ok(r) => r,
                Err(StoreError::NotFound) => continue,
                Err(e) => return Err(e.into()),
            };
            let Ok(spec) = serde_json::from_str::<EscalationRuleSpec>(&rule.body) else { continue };
            if let Err(e) = escalation::fire(&*self.store, &self.sla_metrics, &t.ctx, t.ticket_id, rule_id, &spec, now).await {
                tracing::warn!(ticket = %t.ticket_id, rule = %rule_id, error = %e, "escalation rule failed; the next run retries");
            }
        }
        Ok(())
    }

    /// Closes resolved tickets after the tenant's delay (seed 003: three days), and forgets the
    /// job runs of more than a day ago.
    async fn auto_close(&self) -> CoreResult<()> {
        let now = self.now();
        self.store.prune_job_runs(now - RUN_HISTORY_MS).await?;
        for t in self.store.scan_auto_close(now, SCAN_BATCH).await? {
            let change = TicketChange {
                ticket_id: t.ticket_id,
                actor_id: None,
                now,
                expect_status: Some(Status::Resolved.as_str().into()),
                status: Some(Status::Closed.as_str().into()),
                closed_at: Some(now),
                ..TicketChange::default()
            };
            match self.store.change_ticket(&t.ctx, &TicketScope::All, change).await {
                Ok(_) => SlaMetrics::count(&self.sla_metrics.auto_closed),
                Err(StoreError::Conflict(_) | StoreError::NotFound) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// Refreshes the breach prediction of the open tickets due soonest (those the `at_risk` view
    /// is for), reading each tenant's history once per priority and category.
    async fn update_predictions(&self) -> CoreResult<()> {
        let now = self.now();
        let mut history = crate::sla_view::History::default();
        for t in self.store.scan_due_soon(now, PREDICTION_BATCH).await? {
            let Ok(ticket) = self.store.get_ticket(&t.ctx, &TicketScope::All, t.ticket_id).await else { continue };
            let p = self.predict_with(&t.ctx, &ticket, now, &mut history).await?;
            if p.risk_percent != ticket.sla.breach_risk || Some(&p.basis) != ticket.sla.breach_risk_basis.as_ref() {
                self.store.set_breach_risk(&t.ctx, t.ticket_id, p.risk_percent, Some(&p.basis)).await?;
            }
        }
        Ok(())
    }
}

/// A name for this process's runner: host, pid and a random part.
fn worker_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into());
    format!("{host}-{}-{}", std::process::id(), &uuid::Uuid::now_v7().simple().to_string()[24..])
}

/// A fresh worker name (tests run two "processes" in one).
pub fn new_worker_name() -> String {
    worker_name()
}
