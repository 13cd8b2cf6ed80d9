//! The delivery worker: claims due messages in batches, sends them concurrently over the
//! transport, and settles each one as sent, retried later (transient failure, with
//! exponential backoff and jitter) or dead (permanent failure, or attempts exhausted).
//! The same loop runs the scheduled jobs.

use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use tokio::sync::{watch, Notify};

use super::store::{self, OutboxRow};
use super::transport::{build_message, Transport};
use super::Outbox;
use crate::clock::SharedClock;
use crate::db::Db;
use crate::jobs::JobRunner;

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub batch: i64,
    /// A claim older than this is taken over by another worker (the first one died).
    pub lease_ms: i64,
    pub max_attempts: i64,
    pub first_retry_ms: i64,
    pub max_retry_ms: i64,
    /// How often to look for due work when nothing wakes the worker.
    pub poll: Duration,
    /// Messages sent at once (at most the SMTP pool size is useful).
    pub concurrency: usize,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            batch: 64,
            lease_ms: 120_000,
            max_attempts: 12,
            first_retry_ms: 5_000,
            max_retry_ms: 600_000,
            poll: Duration::from_millis(500),
            concurrency: super::transport::POOL_SIZE as usize,
        }
    }
}

impl WorkerConfig {
    /// Delay before attempt `attempts + 1`: doubling from the first retry up to the cap,
    /// then drawn between half and all of it, so retries from many messages spread out.
    pub fn backoff_ms(&self, attempts: i64, rng: &mut impl Rng) -> i64 {
        let exp = attempts.saturating_sub(1).clamp(0, 30) as u32;
        let full = self.first_retry_ms.saturating_mul(1i64 << exp).min(self.max_retry_ms).max(1);
        rng.random_range(full / 2..=full)
    }
}

/// What one pass of the worker did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    pub sent: usize,
    pub retried: usize,
    pub dead: usize,
    pub jobs: usize,
}

impl Pass {
    pub fn total(&self) -> usize {
        self.sent + self.retried + self.dead + self.jobs
    }
}

#[derive(Clone)]
pub struct Worker {
    db: Db,
    outbox: Outbox,
    transport: Transport,
    clock: SharedClock,
    config: WorkerConfig,
    id: String,
    jobs: Arc<JobRunner>,
    wake: Arc<Notify>,
}

impl Worker {
    pub fn new(
        db: Db,
        outbox: Outbox,
        transport: Transport,
        clock: SharedClock,
        config: WorkerConfig,
        jobs: Arc<JobRunner>,
    ) -> Worker {
        let id = format!("{}-{}-{:08x}", hostname(), std::process::id(), rand::rng().random::<u32>());
        let wake = outbox.waker();
        Worker { db, outbox, transport, clock, config, id, jobs, wake }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// One claim-and-send pass over due messages and due jobs.
    #[tracing::instrument(name = "delivery_batch", skip_all, fields(worker = %self.id))]
    pub async fn run_once(&self) -> anyhow::Result<Pass> {
        let mut pass = Pass::default();
        let now = self.clock.now_ms();
        let rows = store::claim(&self.db, &self.id, now, self.config.lease_ms, self.config.batch).await?;
        let mut outcomes = Vec::with_capacity(rows.len());
        for chunk in rows.chunks(self.config.concurrency.max(1)) {
            let sends = chunk.iter().map(|row| self.deliver(row));
            outcomes.extend(futures_util::future::join_all(sends).await);
        }
        for o in outcomes {
            match o? {
                Outcome::Sent => pass.sent += 1,
                Outcome::Retry => pass.retried += 1,
                Outcome::Dead => pass.dead += 1,
                Outcome::LeaseLost => {}
            }
        }
        pass.jobs = self.jobs.run_once(&self.id).await?;
        Ok(pass)
    }

    async fn deliver(&self, row: &OutboxRow) -> anyhow::Result<Outcome> {
        if !store::renew(&self.db, row.id, &self.id, self.clock.now_ms(), self.config.lease_ms).await? {
            tracing::info!(id = row.id, "lease ran out before sending: left to the next claim");
            return Ok(Outcome::LeaseLost);
        }
        let result = match build_message(&self.outbox, row) {
            Ok(message) => self.transport.send(&message).await,
            Err(e) => Err(e),
        };
        let now = self.clock.now_ms();
        match result {
            Ok(()) => {
                store::mark_sent(&self.db, row.id, &self.id, now).await?;
                super::metrics::record_sent(now - row.created_at);
                Ok(Outcome::Sent)
            }
            Err(f) if f.permanent || row.attempts >= self.config.max_attempts => {
                let why =
                    if f.permanent { f.message } else { format!("{} (after {} attempts)", f.message, row.attempts) };
                tracing::warn!(id = row.id, kind = %row.kind, error = %why, "message parked as dead");
                store::mark_dead(&self.db, row.id, &self.id, now, &why).await?;
                super::metrics::record_failure();
                Ok(Outcome::Dead)
            }
            Err(f) => {
                let next = now + self.config.backoff_ms(row.attempts, &mut rand::rng());
                tracing::info!(id = row.id, attempts = row.attempts, error = %f.message, retry_in_ms = next - now, "delivery failed, will retry");
                store::mark_retry(&self.db, row.id, &self.id, now, next, &f.message).await?;
                super::metrics::record_failure();
                Ok(Outcome::Retry)
            }
        }
    }

    /// Runs until `shutdown` turns true: a pass, then a pause unless there was work or
    /// the outbox was woken.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        tracing::info!(worker = %self.id, transport = %self.transport.describe(), "delivery worker started");
        loop {
            if *shutdown.borrow() {
                break;
            }
            let busy = match self.run_once().await {
                Ok(pass) => pass.total() > 0,
                Err(e) => {
                    tracing::error!(error = format!("{e:#}"), "delivery pass failed");
                    false
                }
            };
            if busy {
                continue;
            }
            tokio::select! {
                _ = tokio::time::sleep(self.config.poll) => {}
                _ = self.wake.notified() => {}
                _ = shutdown.changed() => {}
            }
        }
        tracing::info!(worker = %self.id, "delivery worker stopped");
    }
}

enum Outcome {
    Sent,
    Retry,
    Dead,
    /// Held too long in a slow batch: not sent by this worker.
    LeaseLost,
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_five_seconds_up_to_ten_minutes() {
        let c = WorkerConfig::default();
        let mut rng = rand::rng();
        for _ in 0..100 {
            let first = c.backoff_ms(1, &mut rng);
            assert!((2_500..=5_000).contains(&first), "{first}");
            let third = c.backoff_ms(3, &mut rng);
            assert!((10_000..=20_000).contains(&third), "{third}");
            let late = c.backoff_ms(11, &mut rng);
            assert!((300_000..=600_000).contains(&late), "{late}");
        }
    }
}
