//! Scheduled work that is not mail (proposal expiry, reminder scheduling, completing past
//! events): rows in the `jobs` table, claimed like outbox rows by the same worker loop, so
//! nothing depends on a timer held in one process' memory. Each kind of job has a handler.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use rand::Rng;
use serde::Serialize;
use sqlx::{AnyConnection, FromRow};

use crate::clock::SharedClock;
use crate::db::Db;

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct JobRow {
    pub id: i64,
    pub idempotency_key: String,
    pub kind: String,
    pub payload: String,
    pub status: String,
    pub attempts: i64,
    pub run_at: i64,
    pub last_error: Option<String>,
}

pub struct NewJob<'a> {
    /// Unique per job: scheduling the same key twice stores one job.
    pub key: &'a str,
    pub kind: &'a str,
    pub payload: serde_json::Value,
    /// Unix ms.
    pub run_at: i64,
}

pub type JobFuture<'a> = Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send + 'a>>;

/// Does the work of one kind of job. Handlers must be safe to run twice for the same job
/// (a worker may die after the work and before recording it).
pub trait JobHandler: Send + Sync {
    fn kind(&self) -> &'static str;
    fn run<'a>(&'a self, db: &'a Db, job: &'a JobRow) -> JobFuture<'a>;
}

/// Schedules a job in the caller's transaction; returns false when the key already exists.
pub async fn schedule(conn: &mut AnyConnection, now: i64, job: &NewJob<'_>) -> Result<bool, sqlx::Error> {
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO jobs (idempotency_key, kind, payload, status, attempts, run_at, created_at, updated_at) \
         VALUES ($1, $2, $3, 'pending', 0, $4, $5, $5) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
    )
    .bind(job.key)
    .bind(job.kind)
    .bind(job.payload.to_string())
    .bind(job.run_at)
    .bind(now)
    .fetch_optional(conn)
    .await?;
    Ok(id.is_some())
}

/// Cancels a pending job; returns whether one was cancelled.
pub async fn cancel(conn: &mut AnyConnection, now: i64, key: &str) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE jobs SET status = 'cancelled', updated_at = $1 WHERE idempotency_key = $2 AND status = 'pending'",
    )
    .bind(now)
    .bind(key)
    .execute(conn)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// Deletes the finished runs of a recurring job kind except `keep` (the run in progress):
/// a job that reschedules itself would otherwise leave a row per run for ever.
pub async fn forget_done(db: &Db, kind: &str, keep: i64) -> Result<u64, sqlx::Error> {
    let r = sqlx::query("DELETE FROM jobs WHERE kind = $1 AND status = 'done' AND id <> $2")
        .bind(kind)
        .bind(keep)
        .execute(db.pool())
        .await?;
    Ok(r.rows_affected())
}

pub struct JobRunner {
    db: Db,
    clock: SharedClock,
    handlers: HashMap<&'static str, Arc<dyn JobHandler>>,
    pub lease_ms: i64,
    pub max_attempts: i64,
    pub batch: i64,
}

impl JobRunner {
    pub fn new(db: Db, clock: SharedClock) -> JobRunner {
        JobRunner { db, clock, handlers: HashMap::new(), lease_ms: 120_000, max_attempts: 8, batch: 32 }
    }

    pub fn register(&mut self, handler: Arc<dyn JobHandler>) {
        self.handlers.insert(handler.kind(), handler);
    }

    /// Claims and runs due jobs; returns how many were settled.
    #[tracing::instrument(name = "jobs", skip(self))]
    pub async fn run_once(&self, worker: &str) -> anyhow::Result<usize> {
        let now = self.clock.now_ms();
        let lock = self.db.skip_locked();
        let sql = format!(
            "UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_until = $1, claimed_by = $2, updated_at = $3 \
             WHERE id IN (SELECT id FROM jobs WHERE (status = 'pending' AND run_at <= $3) \
                          OR (status = 'running' AND lease_until < $3) ORDER BY run_at, id LIMIT $4{lock}) \
             RETURNING id, idempotency_key, kind, payload, status, attempts, run_at, last_error"
        );
        let mut tx = self.db.begin_write().await?;
        let mut jobs: Vec<JobRow> = sqlx::query_as(&sql)
            .bind(now + self.lease_ms)
            .bind(worker)
            .bind(now)
            .bind(self.batch)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        jobs.sort_by_key(|j| (j.run_at, j.id));
        for job in &jobs {
            let result = match self.handlers.get(job.kind.as_str()) {
                Some(h) => {
                    use tracing::Instrument;
                    let span = tracing::info_span!("job", id = job.id, kind = %job.kind, attempt = job.attempts);
                    h.run(&self.db, job).instrument(span).await
                }
                None => Err(anyhow::anyhow!("no handler for job kind \"{}\"", job.kind)),
            };
            let now = self.clock.now_ms();
            let (status, run_at, error) = match result {
                Ok(()) => ("done", job.run_at, None),
                Err(e) if job.attempts >= self.max_attempts || !self.handlers.contains_key(job.kind.as_str()) => {
                    tracing::warn!(job = job.id, kind = %job.kind, error = format!("{e:#}"), "job failed for good");
                    ("dead", job.run_at, Some(format!("{e:#}")))
                }
                Err(e) => {
                    let delay = 5_000i64.saturating_mul(1 << job.attempts.clamp(0, 10)).min(600_000);
                    let delay = rand::rng().random_range(delay / 2..=delay);
                    ("pending", now + delay, Some(format!("{e:#}")))
                }
            };
            sqlx::query(
                "UPDATE jobs SET status = $1, run_at = $2, last_error = $3, lease_until = NULL, \
                 done_at = CASE WHEN $1 = 'done' THEN $4 ELSE done_at END, updated_at = $4 \
                 WHERE id = $5 AND claimed_by = $6",
            )
            .bind(status)
            .bind(run_at)
            .bind(error)
            .bind(now)
            .bind(job.id)
            .bind(worker)
            .execute(self.db.pool())
            .await?;
        }
        Ok(jobs.len())
    }
}
