//! Server-side sessions. The cookie carries a random id; the database keeps only its
//! hash, with the user, an expiry and the session's CSRF token, so every instance sees
//! the same sessions and a stolen database holds no usable cookie.

use rand::RngCore;
use sha2::{Digest, Sha256};

use super::{User, UserRow, USER_COLUMNS};
use crate::db::Db;

pub const SESSION_COOKIE: &str = "fondilab_session";
/// A session ends this long after sign-in, whatever its use.
pub const SESSION_TTL_MS: i64 = 30 * 24 * 3600 * 1000;

/// A random secret as 64 hex characters.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A signed-in session: whose it is and the CSRF token its forms carry.
#[derive(Debug, Clone)]
pub struct Session {
    pub id_hash: String,
    pub csrf: String,
    pub user: User,
}

/// Starts a session; returns the secret for the cookie.
pub async fn create(db: &Db, user_id: i64, now: i64) -> Result<(String, Session), sqlx::Error> {
    let secret = random_secret();
    let csrf = random_secret();
    sqlx::query(
        "INSERT INTO sessions (id_hash, user_id, csrf, created_at, expires_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $4)",
    )
    .bind(hash(&secret))
    .bind(user_id)
    .bind(&csrf)
    .bind(now)
    .bind(now + SESSION_TTL_MS)
    .execute(db.pool())
    .await?;
    let user = super::get(db, user_id).await?.ok_or(sqlx::Error::RowNotFound)?;
    Ok((secret.clone(), Session { id_hash: hash(&secret), csrf, user }))
}

/// The live session of a cookie secret: not expired, user active and not erased.
pub async fn lookup(db: &Db, secret: &str, now: i64) -> Result<Option<Session>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        csrf: String,
        #[sqlx(flatten)]
        user: UserRow,
    }
    let sql = format!(
        "SELECT sessions.csrf, {USER_COLUMNS} FROM sessions JOIN users ON users.id = sessions.user_id \
         WHERE sessions.id_hash = $1 AND sessions.expires_at > $2 AND users.active = 1 AND users.erased = 0"
    );
    let id_hash = hash(secret);
    let row: Option<Row> = sqlx::query_as(&sql).bind(&id_hash).bind(now).fetch_optional(db.pool()).await?;
    row.map(|r| Ok(Session { id_hash, csrf: r.csrf, user: User::try_from(r.user)? })).transpose()
}

pub async fn delete(db: &Db, id_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(id_hash).execute(db.pool()).await?;
    Ok(())
}

/// The cookie that carries a session (or, with an empty value and no age, removes it).
pub fn cookie(secret: Option<&str>, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    match secret {
        Some(s) => {
            format!("{SESSION_COOKIE}={s}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}", SESSION_TTL_MS / 1000)
        }
        None => format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"),
    }
}

/// Constant-time comparison, for tokens a client presents.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
