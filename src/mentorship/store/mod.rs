//! Mentorship records and every query on them: the shapes pages and the API show, and the
//! writes `lifecycle` makes once it has checked a change. Deciding (who may, from which
//! state, which mail and jobs follow) stays in `lifecycle`; these functions read and write
//! rows, on the connection or transaction they are given.

use chrono::NaiveDate;
use serde::Serialize;
use sqlx::{Any, AnyConnection, Executor, FromRow};

use crate::db::Db;

mod history;
mod matches;
mod profiles;
mod requests;

pub use history::*;
pub use matches::*;
pub use profiles::*;
pub use requests::*;

/// Lists are stored as comma-separated slugs (slugs never contain commas).
pub fn split_list(s: &str) -> Vec<String> {
    s.split(',').map(str::trim).filter(|t| !t.is_empty()).map(String::from).collect()
}

/// Days are stored as `YYYY-MM-DD`.
fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A person's contact details, shown only once a mentorship is accepted.
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct Contact {
    pub name: String,
    pub email: String,
    pub organisation: Option<String>,
}

pub async fn contact(conn: &mut AnyConnection, user_id: i64) -> Result<Option<Contact>, sqlx::Error> {
    sqlx::query_as("SELECT name, email, organisation FROM users WHERE id = $1 AND erased = 0")
        .bind(user_id)
        .fetch_optional(conn)
        .await
}

/// Whether automatic mode is on, reading the setting with `lock` appended to the query.
async fn read_auto_mode(conn: &mut AnyConnection, lock: &str) -> Result<bool, sqlx::Error> {
    let v: Option<String> =
        sqlx::query_scalar(&format!("SELECT value FROM settings WHERE key = 'mentorship_auto'{lock}"))
            .fetch_optional(conn)
            .await?;
    Ok(v.as_deref() == Some("1"))
}

pub async fn auto_mode(conn: &mut AnyConnection) -> Result<bool, sqlx::Error> {
    read_auto_mode(conn, "").await
}

/// Whether automatic mode is on, with the setting's row locked until the transaction ends.
pub async fn lock_auto_mode(db: &Db, tx: &mut AnyConnection) -> Result<bool, sqlx::Error> {
    read_auto_mode(tx, db.for_update()).await
}

/// Turns automatic mode on or off.
pub async fn set_auto_mode<'e>(ex: impl Executor<'e, Database = Any>, on: bool, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE settings SET value = $1, updated_at = $2 WHERE key = 'mentorship_auto'")
        .bind(if on { "1" } else { "0" })
        .bind(now)
        .execute(ex)
        .await?;
    Ok(())
}
