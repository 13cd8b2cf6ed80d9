//! What happened along the way: the log of state changes, meetings and feedback.

use serde::Serialize;
use sqlx::{AnyConnection, FromRow};

use crate::mentorship::Actor;

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct Transition {
    pub match_id: Option<i64>,
    pub from_state: Option<String>,
    pub to_state: String,
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    pub note: Option<String>,
    pub at: i64,
}

pub async fn transitions(conn: &mut AnyConnection, request_id: i64) -> Result<Vec<Transition>, sqlx::Error> {
    sqlx::query_as(
        "SELECT t.match_id, t.from_state, t.to_state, t.actor_id, u.name AS actor_name, t.note, t.at \
         FROM mentorship_transitions t LEFT JOIN users u ON u.id = t.actor_id WHERE t.request_id = $1 ORDER BY t.id",
    )
    .bind(request_id)
    .fetch_all(conn)
    .await
}

/// Records a state change of the request, or of one of its matches, with who made it and when.
pub async fn log_transition(
    conn: &mut AnyConnection,
    request_id: i64,
    match_id: Option<i64>,
    (from, to): (Option<&str>, &str),
    actor: Actor<'_>,
    note: Option<&str>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO mentorship_transitions (request_id, match_id, from_state, to_state, actor_id, note, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(request_id)
    .bind(match_id)
    .bind(from)
    .bind(to)
    .bind(actor.id())
    .bind(note)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct Meeting {
    pub id: i64,
    pub author_id: i64,
    pub author_name: String,
    pub held_on: String,
    pub topic: String,
    pub notes: String,
    pub created_at: i64,
}

pub async fn meetings(conn: &mut AnyConnection, match_id: i64) -> Result<Vec<Meeting>, sqlx::Error> {
    sqlx::query_as(
        "SELECT e.id, e.author_id, u.name AS author_name, e.held_on, e.topic, e.notes, e.created_at \
         FROM mentorship_meetings e JOIN users u ON u.id = e.author_id WHERE e.match_id = $1 ORDER BY e.held_on, e.id",
    )
    .bind(match_id)
    .fetch_all(conn)
    .await
}

/// Adds a meeting to the mentorship's log and returns its id.
pub async fn insert_meeting(
    conn: &mut AnyConnection,
    match_id: i64,
    author_id: i64,
    held_on: chrono::NaiveDate,
    topic: &str,
    notes: &str,
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO mentorship_meetings (match_id, author_id, held_on, topic, notes, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(match_id)
    .bind(author_id)
    .bind(super::day(held_on))
    .bind(topic)
    .bind(notes)
    .bind(now)
    .fetch_one(conn)
    .await
}

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct Feedback {
    /// `officer` or `mentor`.
    pub side: String,
    pub author_name: String,
    pub useful: i64,
    pub comment: String,
    pub created_at: i64,
}

pub async fn feedback(conn: &mut AnyConnection, match_id: i64) -> Result<Vec<Feedback>, sqlx::Error> {
    sqlx::query_as(
        "SELECT f.side, u.name AS author_name, f.useful, f.comment, f.created_at \
         FROM mentorship_feedback f JOIN users u ON u.id = f.author_id WHERE f.match_id = $1 ORDER BY f.side",
    )
    .bind(match_id)
    .fetch_all(conn)
    .await
}

/// Stores one side's feedback on the mentorship; false when that side already gave it.
pub async fn insert_feedback(
    conn: &mut AnyConnection,
    match_id: i64,
    side: &str,
    author_id: i64,
    useful: i64,
    comment: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let stored = sqlx::query(
        "INSERT INTO mentorship_feedback (match_id, side, author_id, useful, comment, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (match_id, side) DO NOTHING",
    )
    .bind(match_id)
    .bind(side)
    .bind(author_id)
    .bind(useful)
    .bind(comment)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(stored.rows_affected() > 0)
}
