//! The search log: every search with its filters, result count and time, and nothing
//! about who searched. Writes are batched off the request path; a full queue drops the
//! record rather than slow a search down.

use std::time::Duration;

use serde::Serialize;
use tokio::sync::{mpsc, oneshot};

use crate::db::{now_ms, Db};

#[derive(Debug, Clone, Serialize)]
pub struct SearchRecord {
    pub query: String,
    /// JSON object of the filters used.
    pub filters: String,
    pub result_count: i64,
    /// Whether a guide really answered (see `SearchResults::answered`).
    pub answered: bool,
    pub took_us: i64,
    pub ui_lang: &'static str,
    pub created_at: i64,
}

enum Msg {
    Record(SearchRecord),
    Flush(oneshot::Sender<()>),
}

#[derive(Clone)]
pub struct SearchLog {
    tx: mpsc::Sender<Msg>,
}

const QUEUE: usize = 10_000;
const BATCH: usize = 500;
const EVERY: Duration = Duration::from_millis(500);

impl SearchLog {
    /// Starts the writer task; it ends when every `SearchLog` handle is dropped,
    /// after writing what it holds.
    pub fn start(db: Db) -> (SearchLog, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let task = tokio::spawn(writer(db, rx));
        (SearchLog { tx }, task)
    }

    pub fn record(&self, mut rec: SearchRecord) {
        rec.created_at = now_ms();
        if self.tx.try_send(Msg::Record(rec)).is_err() {
            tracing::warn!("search log queue full: one search not recorded");
        }
    }

    /// Waits until everything recorded so far is in the database.
    pub async fn flush(&self) {
        let (tx, rx) = oneshot::channel();
        if self.tx.send(Msg::Flush(tx)).await.is_ok() {
            let _ = rx.await;
        }
    }
}

async fn writer(db: Db, mut rx: mpsc::Receiver<Msg>) {
    let mut pending: Vec<SearchRecord> = Vec::new();
    let mut waiting: Vec<oneshot::Sender<()>> = Vec::new();
    loop {
        let msg = tokio::time::timeout(EVERY, rx.recv()).await;
        let closed = matches!(msg, Ok(None));
        let timed_out = msg.is_err();
        match msg {
            Ok(Some(Msg::Record(r))) => pending.push(r),
            Ok(Some(Msg::Flush(done))) => waiting.push(done),
            _ => {}
        }
        if pending.len() >= BATCH || timed_out || closed || !waiting.is_empty() {
            if !pending.is_empty() {
                if let Err(e) = write(&db, &pending).await {
                    tracing::error!(error = %e, lost = pending.len(), "writing the search log failed");
                }
                pending.clear();
            }
            for w in waiting.drain(..) {
                let _ = w.send(());
            }
        }
        if closed {
            break;
        }
    }
}

async fn write(db: &Db, records: &[SearchRecord]) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    for r in records {
        sqlx::query(
            "INSERT INTO search_log (query, filters, result_count, answered, took_us, ui_lang, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&r.query)
        .bind(&r.filters)
        .bind(r.result_count)
        .bind(i16::from(r.answered))
        .bind(r.took_us)
        .bind(r.ui_lang)
        .bind(r.created_at)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}
