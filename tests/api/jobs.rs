//! Scheduled work runs through the jobs table at the time the clock says, survives a
//! worker that dies, and retries a failing handler.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use fondilab::clock::{Clock, ManualClock};
use fondilab::db::Db;
use fondilab::jobs::{self, JobFuture, JobHandler, JobRow, JobRunner, NewJob};

use crate::db_test;
use crate::outbox::T0;

struct Counting {
    runs: Arc<AtomicUsize>,
    fail_first: usize,
}

impl JobHandler for Counting {
    fn kind(&self) -> &'static str {
        "prova.conta"
    }

    fn run<'a>(&'a self, _db: &'a Db, _job: &'a JobRow) -> JobFuture<'a> {
        Box::pin(async move {
            let n = self.runs.fetch_add(1, Ordering::SeqCst);
            anyhow::ensure!(n >= self.fail_first, "fallito di proposito ({n})");
            Ok(())
        })
    }
}

async fn schedule(db: &Db, key: &str, kind: &str, run_at: i64) -> bool {
    let mut tx = db.begin_write().await.unwrap();
    let stored = jobs::schedule(&mut tx, T0, &NewJob { key, kind, payload: serde_json::json!({"k": key}), run_at })
        .await
        .unwrap();
    tx.commit().await.unwrap();
    stored
}

async fn status(db: &Db, key: &str) -> (String, i64) {
    sqlx::query_as("SELECT status, attempts FROM jobs WHERE idempotency_key = $1")
        .bind(key)
        .fetch_one(db.pool())
        .await
        .unwrap()
}

db_test!(jobs_run_when_due_once_and_retry_failures, |app| {
    let db = app.state.db.clone();
    let clock = ManualClock::at(T0);
    let runs = Arc::new(AtomicUsize::new(0));
    let mut runner = JobRunner::new(db.clone(), Arc::new(clock.clone()));
    runner.register(Arc::new(Counting { runs: runs.clone(), fail_first: 1 }));

    assert!(schedule(&db, "scadenza:1", "prova.conta", T0 + 3_600_000).await);
    assert!(!schedule(&db, "scadenza:1", "prova.conta", T0 + 3_600_000).await, "same key, one job");
    assert_eq!(runner.run_once("w").await.unwrap(), 0, "not due yet");
    clock.set(T0 + 3_600_000);
    assert_eq!(runner.run_once("w").await.unwrap(), 1);
    assert_eq!(status(&db, "scadenza:1").await, ("pending".into(), 1), "a failure is retried later");
    assert_eq!(runner.run_once("w").await.unwrap(), 0, "backoff");
    clock.advance(10 * 60 * 1000);
    assert_eq!(runner.run_once("w").await.unwrap(), 1);
    assert_eq!(status(&db, "scadenza:1").await, ("done".into(), 2));
    assert_eq!(runs.load(Ordering::SeqCst), 2);
    clock.advance(24 * 3_600_000);
    assert_eq!(runner.run_once("w").await.unwrap(), 0, "done stays done");

    // Unknown kinds fail for good, visibly.
    schedule(&db, "misterioso", "nessuno.sa", clock.now_ms()).await;
    runner.run_once("w").await.unwrap();
    assert_eq!(status(&db, "misterioso").await.0, "dead");

    // Cancelled jobs never run; a job held by a dead worker is taken over after its lease.
    schedule(&db, "annullato", "prova.conta", clock.now_ms()).await;
    let mut conn = db.pool().acquire().await.unwrap();
    assert!(jobs::cancel(&mut conn, clock.now_ms(), "annullato").await.unwrap());
    drop(conn);
    schedule(&db, "orfano", "prova.conta", clock.now_ms()).await;
    let mut dead_runner = JobRunner::new(db.clone(), Arc::new(clock.clone()));
    dead_runner.register(Arc::new(Counting { runs: Arc::new(AtomicUsize::new(0)), fail_first: 0 }));
    sqlx::query(
        "UPDATE jobs SET status = 'running', claimed_by = 'morto', lease_until = $1 WHERE idempotency_key = 'orfano'",
    )
    .bind(clock.now_ms() + 1000)
    .execute(db.pool())
    .await
    .unwrap();
    assert_eq!(runner.run_once("w").await.unwrap(), 0);
    clock.advance(1001);
    assert_eq!(runner.run_once("w").await.unwrap(), 1);
    assert_eq!(status(&db, "orfano").await.0, "done");
    assert_eq!(status(&db, "annullato").await.0, "cancelled");
});
