//! Matches of a request with a mentor, from suggestion to a closed mentorship.

use serde::Serialize;
use sqlx::{AnyConnection, FromRow};

use crate::matching::{Candidate, Part};
use crate::mentorship::MatchState;

#[derive(Debug, Clone, FromRow)]
struct MatchRow {
    id: i64,
    request_id: i64,
    mentor_id: i64,
    mentor_name: String,
    region_code: String,
    state: String,
    score: i64,
    parts: String,
    created_at: i64,
    proposed_at: Option<i64>,
    expires_at: Option<i64>,
    answered_at: Option<i64>,
    closed_at: Option<i64>,
    reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Match {
    pub id: i64,
    pub request_id: i64,
    pub mentor_id: i64,
    pub mentor_name: String,
    pub region_code: String,
    pub state: MatchState,
    pub score: i64,
    /// The score's parts, each with the sentence that explains it.
    pub parts: Vec<Part>,
    pub created_at: i64,
    pub proposed_at: Option<i64>,
    pub expires_at: Option<i64>,
    pub answered_at: Option<i64>,
    pub closed_at: Option<i64>,
    /// Why it was declined, withdrawn or cancelled.
    pub reason: Option<String>,
}

impl TryFrom<MatchRow> for Match {
    type Error = sqlx::Error;

    fn try_from(r: MatchRow) -> Result<Match, sqlx::Error> {
        Ok(Match {
            id: r.id,
            request_id: r.request_id,
            mentor_id: r.mentor_id,
            mentor_name: r.mentor_name,
            region_code: r.region_code,
            state: crate::db::decoded(MatchState::parse(&r.state), "matches.state", &r.state)?,
            score: r.score,
            parts: serde_json::from_str::<Vec<StoredPart>>(&r.parts)
                .unwrap_or_default()
                .into_iter()
                .map(|p| Part { points: p.points, it: p.it, en: p.en })
                .collect(),
            created_at: r.created_at,
            proposed_at: r.proposed_at,
            expires_at: r.expires_at,
            answered_at: r.answered_at,
            closed_at: r.closed_at,
            reason: r.reason,
        })
    }
}

#[derive(serde::Deserialize)]
struct StoredPart {
    points: i64,
    it: String,
    en: String,
}

/// A score's parts as the `parts` column holds them.
fn stored_parts(parts: &[Part]) -> String {
    serde_json::to_string(parts).unwrap_or_else(|_| "[]".into())
}

const MATCH_SELECT: &str = "SELECT m.id, m.request_id, m.mentor_id, u.name AS mentor_name, r.region_code, m.state, \
    m.score, m.parts, m.created_at, m.proposed_at, m.expires_at, m.answered_at, m.closed_at, m.reason \
    FROM mentorship_matches m JOIN users u ON u.id = m.mentor_id JOIN mentorship_requests r ON r.id = m.request_id";

pub async fn get_match(conn: &mut AnyConnection, id: i64) -> Result<Option<Match>, sqlx::Error> {
    let row: Option<MatchRow> =
        sqlx::query_as(&format!("{MATCH_SELECT} WHERE m.id = $1")).bind(id).fetch_optional(conn).await?;
    row.map(Match::try_from).transpose()
}

/// Which matches a list shows.
#[derive(Debug, Clone, Default)]
pub struct MatchFilter {
    pub request: Option<i64>,
    pub mentor: Option<i64>,
    pub region: Option<String>,
    pub states: Vec<MatchState>,
}

pub async fn matches(conn: &mut AnyConnection, f: &MatchFilter, limit: i64) -> Result<Vec<Match>, sqlx::Error> {
    let mut wheres = vec!["1 = 1".to_string()];
    if let Some(r) = f.request {
        wheres.push(format!("m.request_id = {r}"));
    }
    if let Some(m) = f.mentor {
        wheres.push(format!("m.mentor_id = {m}"));
    }
    if f.region.is_some() {
        wheres.push("r.region_code = $1".into());
    }
    if !f.states.is_empty() {
        let list: Vec<String> = f.states.iter().map(|s| format!("'{}'", s.as_str())).collect();
        wheres.push(format!("m.state IN ({})", list.join(", ")));
    }
    let sql =
        format!("{MATCH_SELECT} WHERE {} ORDER BY m.created_at DESC, m.id DESC LIMIT {limit}", wheres.join(" AND "));
    let mut q = sqlx::query_as::<_, MatchRow>(&sql);
    if let Some(r) = &f.region {
        q = q.bind(r.clone());
    }
    q.fetch_all(conn).await?.into_iter().map(Match::try_from).collect::<Result<Vec<_>, sqlx::Error>>()
}

/// Stores the candidate as a new suggestion and returns its id.
pub async fn insert_match(conn: &mut AnyConnection, c: &Candidate, now: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO mentorship_matches (request_id, mentor_id, state, score, parts, created_at, updated_at) \
         VALUES ($1, $2, 'suggested', $3, $4, $5, $5) RETURNING id",
    )
    .bind(c.request)
    .bind(c.mentor)
    .bind(c.score)
    .bind(stored_parts(&c.parts))
    .bind(now)
    .fetch_one(conn)
    .await
}

/// Gives the match the candidate's new score and explanation.
pub async fn rescore_match(conn: &mut AnyConnection, id: i64, c: &Candidate, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE mentorship_matches SET score = $1, parts = $2, updated_at = $3 WHERE id = $4")
        .bind(c.score)
        .bind(stored_parts(&c.parts))
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Moves the match from `from` to `to`, stamping the time that state change records and
/// keeping `expires` and `reason` when given; false when it was not in `from`.
pub async fn set_match_state(
    conn: &mut AnyConnection,
    id: i64,
    from: MatchState,
    to: MatchState,
    expires: Option<i64>,
    reason: Option<&str>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let stamp = match to {
        MatchState::Proposed => "proposed_at = $1, expires_at = $5",
        MatchState::Accepted | MatchState::Declined => "answered_at = $1, expires_at = COALESCE($5, expires_at)",
        _ => "closed_at = $1, expires_at = COALESCE($5, expires_at)",
    };
    let done = sqlx::query(&format!(
        "UPDATE mentorship_matches SET state = $2, {stamp}, reason = COALESCE($6, reason), updated_at = $1 \
         WHERE id = $3 AND state = $4"
    ))
    .bind(now)
    .bind(to.as_str())
    .bind(id)
    .bind(from.as_str())
    .bind(expires)
    .bind(reason)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// How many accepted mentorships the mentor has.
pub async fn active_count(conn: &mut AnyConnection, mentor_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM mentorship_matches WHERE mentor_id = $1 AND state = 'accepted'")
        .bind(mentor_id)
        .fetch_one(conn)
        .await
}

/// The (request, mentor) pairs of open requests whose match the mentor declined, was withdrawn
/// from, let expire or saw discarded: the engine does not pair them again.
pub async fn excluded_pairs(conn: &mut AnyConnection) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT m.request_id, m.mentor_id FROM mentorship_matches m JOIN mentorship_requests r ON r.id = m.request_id \
         WHERE r.state = 'open' AND m.state IN ('declined', 'withdrawn', 'expired', 'discarded')",
    )
    .fetch_all(conn)
    .await
}
