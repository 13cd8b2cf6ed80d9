//! Personal API tokens for scripts (`Authorization: Bearer fl_…`). Shown once at creation,
//! stored only as a hash, revocable; they carry the same role checks as the pages.

use serde::Serialize;
use sqlx::FromRow;

use super::session::{hash, random_secret};
use super::{User, UserRow, USER_COLUMNS};
use crate::db::Db;

pub const PREFIX: &str = "fl_";

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    /// The first characters, to tell tokens apart.
    pub prefix: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// Creates a token; returns its id and the secret, which is never stored.
pub async fn create(db: &Db, user_id: i64, name: &str, now: i64) -> Result<(i64, String), sqlx::Error> {
    let secret = format!("{PREFIX}{}", &random_secret()[..40]);
    let name = name.trim();
    let name = if name.is_empty() { "token" } else { name };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(user_id)
    .bind(name.chars().take(80).collect::<String>())
    .bind(hash(&secret))
    .bind(&secret[..PREFIX.len() + 6])
    .bind(now)
    .fetch_one(db.pool())
    .await?;
    Ok((id, secret))
}

pub async fn list(db: &Db, user_id: i64) -> Result<Vec<ApiToken>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, name, prefix, created_at, last_used_at, revoked_at FROM api_tokens WHERE user_id = $1 ORDER BY id DESC",
    )
    .bind(user_id)
    .fetch_all(db.pool())
    .await
}

/// Revokes one of the user's own tokens; false when it is not theirs or already revoked.
pub async fn revoke(db: &Db, user_id: i64, id: i64, now: i64) -> Result<bool, sqlx::Error> {
    let r = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL")
        .bind(now)
        .bind(id)
        .bind(user_id)
        .execute(db.pool())
        .await?;
    Ok(r.rows_affected() > 0)
}

/// The active user a bearer token belongs to.
pub async fn authenticate(db: &Db, secret: &str, now: i64) -> Result<Option<User>, sqlx::Error> {
    if !secret.starts_with(PREFIX) || secret.len() > 100 {
        return Ok(None);
    }
    let sql = format!(
        "SELECT {USER_COLUMNS} FROM api_tokens JOIN users ON users.id = api_tokens.user_id \
         WHERE api_tokens.token_hash = $1 AND api_tokens.revoked_at IS NULL AND users.active = 1 AND users.erased = 0"
    );
    let h = hash(secret);
    let user: Option<UserRow> = sqlx::query_as(&sql).bind(&h).fetch_optional(db.pool()).await?;
    if user.is_some() {
        // Recorded at most once a minute, so a busy script does not turn every read into a write.
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2 AND (last_used_at IS NULL OR last_used_at < $1 - 60000)")
            .bind(now)
            .bind(&h)
            .execute(db.pool())
            .await?;
    }
    user.map(User::try_from).transpose()
}
