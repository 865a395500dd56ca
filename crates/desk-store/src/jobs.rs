//! The durable job runner's table: jobs claimed with leases, retried with backoff, periodic
//! ones rescheduled after each run. Claims are atomic across server processes: on PostgreSQL
//! with `for update skip locked`, on SQLite through its single writer.

use async_trait::async_trait;
use uuid::Uuid;

use crate::StoreResult;

/// A job this worker holds the lease of.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClaimedJob {
    pub id: Uuid,
    pub kind: String,
    pub key: String,
    /// JSON.
    pub payload: String,
    /// When it was due: the slot this run stands for.
    pub run_at: i64,
    /// Every how many ms it repeats (`None`: a one-off job).
    pub period_ms: Option<i64>,
    /// Runs started so far, this one included, since it last succeeded.
    pub attempts: i64,
}

/// One run of a job, as recorded.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JobRun {
    pub job_id: Uuid,
    pub kind: String,
    pub slot: i64,
    pub worker: String,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub error: Option<String>,
}

/// The job table.
#[async_trait]
pub trait JobStore: Send + Sync {
    /// Makes sure a periodic job exists (one per kind and key), first due at `first_run_at`;
    /// an existing one keeps its schedule but takes the new period.
    async fn ensure_periodic(&self, kind: &str, key: &str, period_ms: i64, first_run_at: i64) -> StoreResult<()>;
    /// Adds a one-off job (ignored if one with this kind and key is waiting).
    async fn enqueue(&self, kind: &str, key: &str, payload: &str, run_at: i64) -> StoreResult<()>;
    /// Takes the lease of the most overdue job no one holds, recording the run.
    async fn claim(&self, worker: &str, now: i64, lease_ms: i64) -> StoreResult<Option<ClaimedJob>>;
    /// Ends a run: success reschedules a periodic job (one-off jobs go), failure retries after
    /// `retry_at`. Only the lease holder's report counts.
    async fn finish(&self, job: &ClaimedJob, worker: &str, now: i64, outcome: Result<(), (String, i64)>) -> StoreResult<()>;
    /// Recorded runs of a kind, oldest first (for operators and tests); runs older than `keep_since` are dropped first.
    async fn job_runs(&self, kind: &str, keep_since: i64) -> StoreResult<Vec<JobRun>>;
    /// Drops the records of runs that started before `before`; returns how many.
    async fn prune_job_runs(&self, before: i64) -> StoreResult<u64>;
}

/// Implements [`JobStore`] for a backend type over its driver.
macro_rules! job_store {
    ($store:ty, $db:ty, $skip_locked:literal) => {
        mod job_impl {
            use uuid::Uuid;

            use super::*;
            use crate::jobs::{ClaimedJob, JobRun, JobStore};
            use crate::*;

            #[async_trait::async_trait]
            impl JobStore for $store {
                async fn ensure_periodic(&self, kind: &str, key: &str, period_ms: i64, first_run_at: i64) -> StoreResult<()> {
                    let mut tx = self.jobs_tx().await?;
                    sqlx::query(
                        "insert into jobs (id, kind, key, run_at, period_ms, created_at) values ($1, $2, $3, $4, $5, $4) \
                         on conflict (kind, key) do update set period_ms = excluded.period_ms",
                    )
                    .bind(Uuid::now_v7())
                    .bind(kind)
                    .bind(key)
                    .bind(first_run_at)
                    .bind(period_ms)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn enqueue(&self, kind: &str, key: &str, payload: &str, run_at: i64) -> StoreResult<()> {
                    let mut tx = self.jobs_tx().await?;
                    sqlx::query(
                        "insert into jobs (id, kind, key, payload, run_at, created_at) values ($1, $2, $3, $4, $5, $5) \
                         on conflict (kind, key) do nothing",
                    )
                    .bind(Uuid::now_v7())
                    .bind(kind)
                    .bind(key)
                    .bind(payload)
                    .bind(run_at)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn claim(&self, worker: &str, now: i64, lease_ms: i64) -> StoreResult<Option<ClaimedJob>> {
                    let mut tx = self.jobs_tx().await?;
                    let job: Option<ClaimedJob> = sqlx::query_as(concat!(
                        "update jobs set locked_by = $1, locked_until = $2, attempts = attempts + 1 \
                         where id = (select id from jobs where run_at <= $3 and (locked_until is null or locked_until < $3) \
                         order by run_at limit 1",
                        $skip_locked,
                        ") returning id, kind, key, payload, run_at, period_ms, attempts"
                    ))
                    .bind(worker)
                    .bind(now + lease_ms)
                    .bind(now)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if let Some(j) = &job {
                        sqlx::query("insert into job_runs (job_id, kind, slot, worker, started_at) values ($1, $2, $3, $4, $5)")
                            .bind(j.id)
                            .bind(&j.kind)
                            .bind(j.run_at)
                            .bind(worker)
                            .bind(now)
                            .execute(&mut *tx)
                            .await?;
                    }
                    tx.commit().await?;
                    Ok(job)
                }

                async fn finish(&self, job: &ClaimedJob, worker: &str, now: i64, outcome: Result<(), (String, i64)>) -> StoreResult<()> {
                    let mut tx = self.jobs_tx().await?;
                    let error = outcome.as_ref().err().map(|(e, _)| e.clone());
                    match (&outcome, job.period_ms) {
                        (Ok(()), None) => {
                            sqlx::query("delete from jobs where id = $1 and locked_by = $2").bind(job.id).bind(worker).execute(&mut *tx).await?;
                        }
                        (Ok(()), Some(period)) => {
                            // The next slot after now, on the job's own grid: a late run does not pile up catch-ups.
                            let behind = (now - job.run_at).max(0) / period.max(1);
                            let next = job.run_at + (behind + 1) * period.max(1);
                            sqlx::query(
                                "update jobs set run_at = $1, attempts = 0, locked_by = null, locked_until = null, last_error = null \
                                 where id = $2 and locked_by = $3",
                            )
                            .bind(next)
                            .bind(job.id)
                            .bind(worker)
                            .execute(&mut *tx)
                            .await?;
                        }
                        (Err((message, retry_at)), _) => {
                            sqlx::query(
                                "update jobs set run_at = $1, locked_by = null, locked_until = null, last_error = $2 \
                                 where id = $3 and locked_by = $4",
                            )
                            .bind(retry_at)
                            .bind(message)
                            .bind(job.id)
                            .bind(worker)
                            .execute(&mut *tx)
                            .await?;
                        }
                    }
                    sqlx::query(
                        "update job_runs set finished_at = $1, error = $2 where job_id = $3 and slot = $4 and worker = $5 and finished_at is null",
                    )
                    .bind(now)
                    .bind(error)
                    .bind(job.id)
                    .bind(job.run_at)
                    .bind(worker)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn job_runs(&self, kind: &str, keep_since: i64) -> StoreResult<Vec<JobRun>> {
                    let mut tx = self.jobs_tx().await?;
                    sqlx::query("delete from job_runs where started_at < $1").bind(keep_since).execute(&mut *tx).await?;
                    let runs = sqlx::query_as(
                        "select job_id, kind, slot, worker, started_at, finished_at, error from job_runs where kind = $1 order by id",
                    )
                    .bind(kind)
                    .fetch_all(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Ok(runs)
                }

                async fn prune_job_runs(&self, before: i64) -> StoreResult<u64> {
                    let mut tx = self.jobs_tx().await?;
                    let n = sqlx::query("delete from job_runs where started_at < $1").bind(before).execute(&mut *tx).await?.rows_affected();
                    tx.commit().await?;
                    Ok(n)
                }
            }
        }
    };
}

pub(crate) use job_store;
