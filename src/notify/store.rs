//! Every SQL statement on the outbox. The claim is the one place the backends differ:
//! PostgreSQL skips rows other workers hold (`FOR UPDATE SKIP LOCKED`); SQLite has one
//! writer, and the claim runs in a `BEGIN IMMEDIATE` transaction, so it is atomic too.

use serde::Serialize;
use sqlx::{AnyConnection, FromRow};

use crate::db::Db;

pub const PENDING: &str = "pending";
pub const SENDING: &str = "sending";
pub const SENT: &str = "sent";
pub const DEAD: &str = "dead";
pub const CANCELLED: &str = "cancelled";
pub const STATUSES: [&str; 5] = [PENDING, SENDING, SENT, DEAD, CANCELLED];

const COLUMNS: &str = "id, idempotency_key, message_id, kind, recipient, recipient_name, lang, subject, \
    body_text, body_html, attachments, list_unsubscribe, status, attempts, not_before, lease_until, claimed_by, \
    last_error, created_at, sent_at, updated_at";

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct OutboxRow {
    pub id: i64,
    pub idempotency_key: String,
    pub message_id: String,
    pub kind: String,
    pub recipient: String,
    pub recipient_name: String,
    pub lang: String,
    pub subject: String,
    #[serde(skip)]
    pub body_text: String,
    #[serde(skip)]
    pub body_html: String,
    #[serde(skip)]
    pub attachments: String,
    #[serde(skip)]
    pub list_unsubscribe: Option<String>,
    pub status: String,
    pub attempts: i64,
    pub not_before: i64,
    pub lease_until: Option<i64>,
    pub claimed_by: Option<String>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    pub updated_at: i64,
}

pub struct NewRow<'a> {
    pub key: &'a str,
    pub message_id: &'a str,
    pub kind: &'a str,
    pub recipient: &'a str,
    pub recipient_name: &'a str,
    pub lang: &'a str,
    pub subject: &'a str,
    pub body_text: &'a str,
    pub body_html: &'a str,
    pub attachments: &'a str,
    pub list_unsubscribe: Option<&'a str>,
    pub not_before: i64,
    pub now: i64,
}

/// Inserts unless the key exists; returns the new id, or `None` for a duplicate key.
pub async fn insert(conn: &mut AnyConnection, row: &NewRow<'_>) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO outbox (idempotency_key, message_id, kind, recipient, recipient_name, lang, subject, \
         body_text, body_html, attachments, list_unsubscribe, status, attempts, not_before, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $13, 'pending', 0, $11, $12, $12) \
         ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
    )
    .bind(row.key)
    .bind(row.message_id)
    .bind(row.kind)
    .bind(row.recipient)
    .bind(row.recipient_name)
    .bind(row.lang)
    .bind(row.subject)
    .bind(row.body_text)
    .bind(row.body_html)
    .bind(row.attachments)
    .bind(row.not_before)
    .bind(row.now)
    .bind(row.list_unsubscribe)
    .fetch_optional(conn)
    .await
}

pub async fn cancel(conn: &mut AnyConnection, now: i64, key: &str) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE outbox SET status = 'cancelled', updated_at = $1 WHERE idempotency_key = $2 AND status = 'pending'",
    )
    .bind(now)
    .bind(key)
    .execute(conn)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// Claims up to `limit` due messages (pending and due, or held by a worker whose lease ran
/// out) for `worker` until `now + lease_ms`. Each claim counts as an attempt.
pub async fn claim(db: &Db, worker: &str, now: i64, lease_ms: i64, limit: i64) -> Result<Vec<OutboxRow>, sqlx::Error> {
    let lock = db.skip_locked();
    let sql = format!(
        "UPDATE outbox SET status = 'sending', attempts = attempts + 1, lease_until = $1, claimed_by = $2, updated_at = $3 \
         WHERE id IN (SELECT id FROM outbox WHERE (status = 'pending' AND not_before <= $3) \
                      OR (status = 'sending' AND lease_until < $3) ORDER BY not_before, id LIMIT $4{lock}) \
         RETURNING {COLUMNS}"
    );
    let mut tx = db.begin_write().await?;
    let mut rows: Vec<OutboxRow> =
        sqlx::query_as(&sql).bind(now + lease_ms).bind(worker).bind(now).bind(limit).fetch_all(&mut *tx).await?;
    tx.commit().await?;
    rows.sort_by_key(|r| (r.not_before, r.id));
    Ok(rows)
}

/// Just before a send: extends the worker's lease if it still holds one. False when the lease
/// ran out (a slow batch) and the message may already be another worker's: then it is not sent.
pub async fn renew(db: &Db, id: i64, worker: &str, now: i64, lease_ms: i64) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE outbox SET lease_until = $1, updated_at = $2 \
         WHERE id = $3 AND claimed_by = $4 AND status = 'sending' AND lease_until >= $2",
    )
    .bind(now + lease_ms)
    .bind(now)
    .bind(id)
    .bind(worker)
    .execute(db.pool())
    .await?;
    Ok(r.rows_affected() > 0)
}

/// Records a delivery. Only the worker holding the claim may settle it. Sign-in and welcome
/// messages carry a working link: once sent, their text is emptied, so that a copy of the
/// database holds no usable link (a dead one keeps it, to be retried).
pub async fn mark_sent(db: &Db, id: i64, worker: &str, now: i64) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE outbox SET status = 'sent', sent_at = $1, lease_until = NULL, last_error = NULL, updated_at = $1, \
         body_text = CASE WHEN kind IN ('signin', 'welcome') THEN '' ELSE body_text END, \
         body_html = CASE WHEN kind IN ('signin', 'welcome') THEN '' ELSE body_html END \
         WHERE id = $2 AND claimed_by = $3 AND status = 'sending'",
    )
    .bind(now)
    .bind(id)
    .bind(worker)
    .execute(db.pool())
    .await?;
    Ok(r.rows_affected() > 0)
}

pub async fn mark_retry(db: &Db, id: i64, worker: &str, now: i64, next: i64, error: &str) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE outbox SET status = 'pending', not_before = $1, lease_until = NULL, last_error = $2, updated_at = $3 \
         WHERE id = $4 AND claimed_by = $5 AND status = 'sending'",
    )
    .bind(next)
    .bind(error)
    .bind(now)
    .bind(id)
    .bind(worker)
    .execute(db.pool())
    .await?;
    Ok(r.rows_affected() > 0)
}

pub async fn mark_dead(db: &Db, id: i64, worker: &str, now: i64, error: &str) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE outbox SET status = 'dead', lease_until = NULL, last_error = $1, updated_at = $2 \
         WHERE id = $3 AND claimed_by = $4 AND status = 'sending'",
    )
    .bind(error)
    .bind(now)
    .bind(id)
    .bind(worker)
    .execute(db.pool())
    .await?;
    Ok(r.rows_affected() > 0)
}

/// Puts a dead message back in the queue with a fresh count of attempts.
pub async fn retry_dead(db: &Db, id: i64, now: i64) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE outbox SET status = 'pending', attempts = 0, not_before = $1, claimed_by = NULL, updated_at = $1 \
         WHERE id = $2 AND status = 'dead'",
    )
    .bind(now)
    .bind(id)
    .execute(db.pool())
    .await?;
    Ok(r.rows_affected() > 0)
}

pub async fn get(db: &Db, id: i64) -> Result<Option<OutboxRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM outbox WHERE id = $1")).bind(id).fetch_optional(db.pool()).await
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: Option<String>,
    pub recipient: Option<String>,
    pub kind: Option<String>,
}

/// One page of the outbox, newest first, with the total matching the filter.
pub async fn list(db: &Db, filter: &Filter, page: i64, per_page: i64) -> Result<(Vec<OutboxRow>, i64), sqlx::Error> {
    let mut conditions = Vec::new();
    let mut binds: Vec<String> = Vec::new();
    if let Some(s) = &filter.status {
        binds.push(s.clone());
        conditions.push(format!("status = ${}", binds.len()));
    }
    if let Some(r) = &filter.recipient {
        binds.push(format!("%{}%", r.to_lowercase().replace(['%', '_'], "")));
        conditions.push(format!("LOWER(recipient) LIKE ${}", binds.len()));
    }
    if let Some(k) = &filter.kind {
        binds.push(k.clone());
        conditions.push(format!("kind = ${}", binds.len()));
    }
    let clause = if conditions.is_empty() { String::new() } else { format!(" WHERE {}", conditions.join(" AND ")) };
    let count_sql = format!("SELECT COUNT(*) FROM outbox{clause}");
    let mut count = sqlx::query_scalar::<_, i64>(&count_sql);
    for b in &binds {
        count = count.bind(b.clone());
    }
    let total = count.fetch_one(db.pool()).await?;
    let n = binds.len();
    let page_sql = format!("SELECT {COLUMNS} FROM outbox{clause} ORDER BY id DESC LIMIT ${} OFFSET ${}", n + 1, n + 2);
    let mut q = sqlx::query_as::<_, OutboxRow>(&page_sql);
    for b in binds {
        q = q.bind(b);
    }
    let rows = q.bind(per_page).bind((page - 1) * per_page).fetch_all(db.pool()).await?;
    Ok((rows, total))
}

/// Messages per status (every status present, zero when none).
pub async fn counts(db: &Db) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, COUNT(*) FROM outbox GROUP BY status").fetch_all(db.pool()).await?;
    Ok(STATUSES
        .iter()
        .map(|s| (s.to_string(), rows.iter().find(|(st, _)| st == s).map(|(_, n)| *n).unwrap_or(0)))
        .collect())
}

/// Kinds of message present, for the filter list.
pub async fn kinds(db: &Db) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT DISTINCT kind FROM outbox ORDER BY kind").fetch_all(db.pool()).await
}

/// Enqueue-to-sent times (ms) of the most recent `limit` deliveries.
pub async fn recent_latencies(db: &Db, limit: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT sent_at - created_at FROM outbox WHERE status = 'sent' AND sent_at IS NOT NULL ORDER BY sent_at DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db.pool())
    .await
}
