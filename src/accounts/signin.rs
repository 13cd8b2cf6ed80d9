//! Sign-in by emailed one-time link. The response to a request never says whether the
//! address exists; links are valid for 15 minutes and work once; requests are limited
//! per address and per client, counted in the database so limits hold across instances.
//!
//! Nor does the time the response takes. A request for an address with an active account
//! writes, in one transaction, the address's rate-limit event, a token and the mail that
//! carries the link. A request for any other address runs the same transaction with the same
//! statements: the mail is built for the address as typed, the token insert (`INSERT … SELECT
//! … FROM users WHERE id = …`) finds no user and stores nothing, the mail row is stored and
//! deleted again in the same transaction, so nothing of either remains (no decoy row, nothing
//! to prune later) while the pages the mail touched are written at commit as a kept mail's are,
//! and the rate-limit event commits as for a known address. The deleted mail still uses a
//! number of the outbox's ids. What still differs: a known address's token is checked against
//! its account (the foreign key: some 35-55 µs on PostgreSQL) and kept; an unknown address's
//! mail is deleted; and the mail worker is woken only for real mail. `fondilab-bench
//! signin-timing` measures the two kinds of request (BENCHMARKS.md, "Sign-in timing").

use sqlx::AnyConnection;

use super::session::{hash, random_secret};
use super::User;
use crate::clock::SharedClock;
use crate::db::Db;
use crate::email::EmailAddress;
use crate::i18n::Lang;
use crate::jobs::{self, JobFuture, JobHandler, JobRow, NewJob};
use crate::notify::{Content, Email, EnqueueError, Outbox};

pub const LINK_TTL_MS: i64 = 15 * 60 * 1000;
/// Links in welcome mail wait longer: the invited person may read it days later.
pub const WELCOME_LINK_TTL_MS: i64 = 7 * 24 * 3600 * 1000;
pub const RATE_WINDOW_MS: i64 = 15 * 60 * 1000;
pub const PER_ADDRESS: i64 = 5;
pub const PER_CLIENT: i64 = 20;

/// Records one event in `bucket` unless `limit` events already happened in the window;
/// returns whether the event was allowed.
pub async fn allow(db: &Db, bucket: &str, limit: i64, now: i64) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    if !count_event(db, &mut tx, bucket, limit, now).await? {
        tx.rollback().await?;
        return Ok(false);
    }
    tx.commit().await?;
    Ok(true)
}

/// [`allow`] inside the caller's write transaction; the bucket stays locked until it ends.
async fn count_event(db: &Db, tx: &mut AnyConnection, bucket: &str, limit: i64, now: i64) -> Result<bool, sqlx::Error> {
    // Count and insert as one step per bucket.
    db.lock_key(tx, bucket).await?;
    let recent: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM rate_events WHERE bucket = $1 AND at > $2")
        .bind(bucket)
        .bind(now - RATE_WINDOW_MS)
        .fetch_one(&mut *tx)
        .await?;
    if recent >= limit {
        return Ok(false);
    }
    sqlx::query("INSERT INTO rate_events (bucket, at) VALUES ($1, $2)")
        .bind(bucket)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    // Old events are of no use to any window.
    sqlx::query("DELETE FROM rate_events WHERE bucket = $1 AND at <= $2")
        .bind(bucket)
        .bind(now - RATE_WINDOW_MS)
        .execute(&mut *tx)
        .await?;
    Ok(true)
}

/// The job that deletes the rate-limit events no window needs any more, of every bucket: a
/// request prunes only the buckets it counts in, so those of clients and addresses that never
/// come back would stay. It runs every hour, so the table holds little more than the last
/// window's events.
pub const PRUNE_JOB: &str = "accounts.rate_prune";
pub const PRUNE_EVERY_MS: i64 = 3_600_000;

/// Deletes the events older than the window, in every bucket; returns how many went.
pub async fn prune_rate_events(db: &Db, now: i64) -> Result<u64, sqlx::Error> {
    let r = sqlx::query("DELETE FROM rate_events WHERE at <= $1").bind(now - RATE_WINDOW_MS).execute(db.pool()).await?;
    Ok(r.rows_affected())
}

/// Schedules the next pruning at the next full hour (idempotent: one job per hour, however
/// many instances start).
pub async fn schedule_prune(db: &Db, now: i64) -> Result<(), sqlx::Error> {
    let run_at = (now.div_euclid(PRUNE_EVERY_MS) + 1) * PRUNE_EVERY_MS;
    let key = format!("{PRUNE_JOB}:{run_at}");
    let mut conn = db.pool().acquire().await?;
    jobs::schedule(&mut conn, now, &NewJob { key: &key, kind: PRUNE_JOB, payload: serde_json::json!({}), run_at })
        .await?;
    Ok(())
}

pub struct PruneRateEvents {
    pub clock: SharedClock,
}

impl JobHandler for PruneRateEvents {
    fn kind(&self) -> &'static str {
        PRUNE_JOB
    }

    fn run<'a>(&'a self, db: &'a Db, job: &'a JobRow) -> JobFuture<'a> {
        Box::pin(async move {
            let now = self.clock.now_ms();
            let pruned = prune_rate_events(db, now).await?;
            jobs::forget_done(db, PRUNE_JOB, job.id).await?;
            schedule_prune(db, now).await?;
            tracing::debug!(pruned, "old rate-limit events deleted");
            Ok(())
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("too many requests")]
    RateLimited,
    #[error(transparent)]
    Enqueue(#[from] EnqueueError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Handles a request for a sign-in link: checks the limits, and when the address belongs
/// to an active user, stores a token and the email that carries it in one transaction. For
/// any other address the same transaction runs and its mail is deleted before the commit (see
/// the module's documentation).
pub async fn request_link(
    db: &Db,
    outbox: &Outbox,
    public_url: &str,
    email: &str,
    client: &str,
    now: i64,
) -> Result<(), LinkError> {
    let email = super::normalise_email(email);
    if !allow(db, &format!("signin:client:{client}"), PER_CLIENT, now).await? {
        return Err(LinkError::RateLimited);
    }
    if EmailAddress::parse(&email).is_none() {
        // Nobody can have it; the page has said so already.
        return Ok(());
    }
    let user = super::find_by_email(db, &email).await?.filter(|u| u.active && !u.erased);
    let link = match &user {
        Some(u) => Link::new(public_url, &u.email, &u.name, u.lang, false),
        None => Link::new(public_url, &email, "", Lang::default(), false),
    };
    let mut tx = db.begin_write().await?;
    if !count_event(db, &mut tx, &format!("signin:email:{}", hash(&email)), PER_ADDRESS, now).await? {
        tx.rollback().await?;
        return Err(LinkError::RateLimited);
    }
    // Ids start at 1: for an address without an account the token insert finds no user.
    link.store(&mut tx, outbox, user.as_ref().map_or(0, |u| u.id), now, LINK_TTL_MS).await?;
    if user.is_none() {
        // Deleted, not rolled back: the pages it touched are written at commit, as a kept mail's are.
        sqlx::query("DELETE FROM outbox WHERE idempotency_key = $1").bind(&link.mail.key).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    if user.is_some() {
        outbox.wake();
    }
    Ok(())
}

/// Stores a fresh token for `user` and enqueues the mail with the link.
pub async fn send_link(
    db: &Db,
    outbox: &Outbox,
    public_url: &str,
    user: &User,
    now: i64,
    ttl_ms: i64,
    welcome: bool,
) -> Result<(), LinkError> {
    let link = Link::new(public_url, &user.email, &user.name, user.lang, welcome);
    let mut tx = db.begin_write().await?;
    link.store(&mut tx, outbox, user.id, now, ttl_ms).await?;
    tx.commit().await?;
    outbox.wake();
    Ok(())
}

/// A fresh sign-in link and the mail that carries it, not yet stored.
struct Link {
    token_hash: String,
    mail: Email,
}

impl Link {
    fn new(public_url: &str, to: &str, to_name: &str, lang: Lang, welcome: bool) -> Link {
        let token = random_secret();
        let token_hash = hash(&token);
        let link = format!("{public_url}/accedi/{token}");
        let content = if welcome {
            Content {
                subject: lang.t("Benvenuto su fondilab", "Welcome to fondilab").to_string(),
                paragraphs: vec![
                    lang.t(
                        "il coordinamento ProMIS ti ha invitato su fondilab, il servizio del Partenariato regionale per le competenze digitali in sanità dedicato all'uso dei fondi UE.",
                        "ProMIS coordinators have invited you to fondilab, the Regional Partnership on Digital Skills for Health's service on using EU funds.",
                    )
                    .to_string(),
                    lang.t(
                        "Per entrare apri il link di accesso: vale 7 giorni e funziona una sola volta. In seguito potrai chiedere un nuovo link dalla pagina di accesso.",
                        "Open the sign-in link to come in: it is valid for 7 days and works once. Later you can ask for a new link on the sign-in page.",
                    )
                    .to_string(),
                ],
                action: Some((lang.t("Accedi a fondilab", "Sign in to fondilab").to_string(), link)),
            }
        } else {
            Content {
                subject: lang.t("Il tuo link di accesso a fondilab", "Your fondilab sign-in link").to_string(),
                paragraphs: vec![
                    lang.t(
                        "hai chiesto di accedere a fondilab. Il link di accesso vale 15 minuti e funziona una sola volta.",
                        "you asked to sign in to fondilab. The sign-in link is valid for 15 minutes and works once.",
                    )
                    .to_string(),
                    lang.t(
                        "Se non sei stato tu, ignora questo messaggio: senza il link nessuno può entrare con il tuo indirizzo.",
                        "If this was not you, ignore this message: without the link nobody can sign in with your address.",
                    )
                    .to_string(),
                ],
                action: Some((lang.t("Accedi", "Sign in").to_string(), link)),
            }
        };
        let mail = Email {
            key: format!("signin:{token_hash}"),
            kind: if welcome { "welcome" } else { "signin" }.to_string(),
            to: to.to_string(),
            to_name: to_name.to_string(),
            lang,
            content,
            attachments: vec![],
            not_before: None,
            list_unsubscribe: None,
        };
        Link { token_hash, mail }
    }

    /// The token for the user `user_id` (none when no user has that id) and the mail, in the
    /// caller's transaction.
    async fn store(
        &self,
        conn: &mut AnyConnection,
        outbox: &Outbox,
        user_id: i64,
        now: i64,
        ttl_ms: i64,
    ) -> Result<(), LinkError> {
        sqlx::query(
            "INSERT INTO signin_tokens (token_hash, user_id, created_at, expires_at) \
             SELECT $1, id, $3, $4 FROM users WHERE id = $2",
        )
        .bind(&self.token_hash)
        .bind(user_id)
        .bind(now)
        .bind(now + ttl_ms)
        .execute(&mut *conn)
        .await?;
        outbox.enqueue(conn, now, &self.mail).await?;
        Ok(())
    }
}

/// Uses a link: valid, unexpired and unused, for an active user. Marks it used.
pub async fn consume(db: &Db, token: &str, now: i64) -> Result<Option<User>, sqlx::Error> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let user_id: Option<i64> = sqlx::query_scalar(
        "UPDATE signin_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING user_id",
    )
    .bind(now)
    .bind(hash(token))
    .fetch_optional(db.pool())
    .await?;
    let Some(user_id) = user_id else { return Ok(None) };
    let user = super::get(db, user_id).await?.filter(|u| u.active && !u.erased);
    if let Some(u) = &user {
        sqlx::query("UPDATE users SET last_signin_at = $1 WHERE id = $2")
            .bind(now)
            .bind(u.id)
            .execute(db.pool())
            .await?;
    }
    Ok(user)
}
