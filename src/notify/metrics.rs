//! Prometheus text metrics for mail delivery, served on `FONDILAB_METRICS_BIND` only
//! (a separate listener, typically loopback, never the public address).

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::db::Db;

const BUCKETS_S: [f64; 10] = [0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 600.0];

static SENT: AtomicU64 = AtomicU64::new(0);
static FAILURES: AtomicU64 = AtomicU64::new(0);
static LATENCY_SUM_MS: AtomicU64 = AtomicU64::new(0);
static LATENCY_BUCKETS: [AtomicU64; BUCKETS_S.len()] = [const { AtomicU64::new(0) }; BUCKETS_S.len()];

/// A message accepted by the transport, `latency_ms` after it was enqueued.
pub fn record_sent(latency_ms: i64) {
    let ms = latency_ms.max(0) as u64;
    SENT.fetch_add(1, Ordering::Relaxed);
    LATENCY_SUM_MS.fetch_add(ms, Ordering::Relaxed);
    for (i, le) in BUCKETS_S.iter().enumerate() {
        if ms as f64 <= le * 1000.0 {
            LATENCY_BUCKETS[i].fetch_add(1, Ordering::Relaxed);
        }
    }
}

pub fn record_failure() {
    FAILURES.fetch_add(1, Ordering::Relaxed);
}

/// The metrics page: outbox sizes from the database (shared by every instance) and this
/// process' delivery counters and latency histogram.
pub async fn render(db: &Db) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# HELP fondilab_outbox_messages Messages in the outbox by status.");
    let _ = writeln!(out, "# TYPE fondilab_outbox_messages gauge");
    match super::store::counts(db).await {
        Ok(counts) => {
            for (status, n) in counts {
                let _ = writeln!(out, "fondilab_outbox_messages{{status=\"{status}\"}} {n}");
            }
        }
        Err(e) => tracing::warn!(error = %e, "metrics: outbox counts unavailable"),
    }
    let _ = writeln!(out, "# HELP fondilab_outbox_sent_total Messages this process delivered.");
    let _ = writeln!(out, "# TYPE fondilab_outbox_sent_total counter");
    let _ = writeln!(out, "fondilab_outbox_sent_total {}", SENT.load(Ordering::Relaxed));
    let _ = writeln!(out, "# HELP fondilab_outbox_failures_total Delivery attempts that failed in this process.");
    let _ = writeln!(out, "# TYPE fondilab_outbox_failures_total counter");
    let _ = writeln!(out, "fondilab_outbox_failures_total {}", FAILURES.load(Ordering::Relaxed));
    let _ = writeln!(
        out,
        "# HELP fondilab_outbox_delivery_latency_seconds Time from enqueue to acceptance by the mail server."
    );
    let _ = writeln!(out, "# TYPE fondilab_outbox_delivery_latency_seconds histogram");
    for (i, le) in BUCKETS_S.iter().enumerate() {
        let _ = writeln!(
            out,
            "fondilab_outbox_delivery_latency_seconds_bucket{{le=\"{le}\"}} {}",
            LATENCY_BUCKETS[i].load(Ordering::Relaxed)
        );
    }
    let count = SENT.load(Ordering::Relaxed);
    let _ = writeln!(out, "fondilab_outbox_delivery_latency_seconds_bucket{{le=\"+Inf\"}} {count}");
    let _ = writeln!(
        out,
        "fondilab_outbox_delivery_latency_seconds_sum {}",
        LATENCY_SUM_MS.load(Ordering::Relaxed) as f64 / 1000.0
    );
    let _ = writeln!(out, "fondilab_outbox_delivery_latency_seconds_count {count}");
    out
}
