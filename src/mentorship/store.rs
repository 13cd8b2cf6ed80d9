//! Reading mentorship records: the shapes pages and the API show. Writes live in
//! `lifecycle`, where every change is checked and logged.

use serde::Serialize;
use sqlx::{AnyConnection, FromRow};

use super::{MatchState, RequestState};
use crate::matching::Part;

/// Lists are stored as comma-separated slugs (slugs never contain commas).
pub fn split_list(s: &str) -> Vec<String> {
    s.split(',').map(str::trim).filter(|t| !t.is_empty()).map(String::from).collect()
}

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct ExperienceRow {
    pub fund: String,
    pub role: String,
    pub programme: String,
    pub region_code: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Profile {
    pub user_id: i64,
    pub name: String,
    pub experience: Vec<ExperienceRow>,
    pub topics: Vec<String>,
    pub languages: Vec<String>,
    pub capacity: i64,
    pub employer_region: Option<String>,
    pub pause_from: Option<String>,
    pub pause_until: Option<String>,
    pub bio: String,
    /// Accepted mentorships not yet closed.
    pub active: i64,
    /// Suggestions and proposals awaiting review or an answer.
    pub pending: i64,
    pub updated_at: i64,
}

#[derive(FromRow)]
struct ProfileRow {
    user_id: i64,
    name: String,
    topics: String,
    languages: String,
    capacity: i64,
    employer_region: Option<String>,
    pause_from: Option<String>,
    pause_until: Option<String>,
    bio: String,
    updated_at: i64,
    active: i64,
    pending: i64,
}

const PROFILE_SELECT: &str = "SELECT p.user_id, u.name, p.topics, p.languages, p.capacity, p.employer_region, \
    p.pause_from, p.pause_until, p.bio, p.updated_at, \
    (SELECT COUNT(*) FROM mentorship_matches m WHERE m.mentor_id = p.user_id AND m.state = 'accepted') AS active, \
    (SELECT COUNT(*) FROM mentorship_matches m WHERE m.mentor_id = p.user_id AND m.state IN ('suggested', 'proposed')) AS pending \
    FROM mentor_profiles p JOIN users u ON u.id = p.user_id";

async fn with_experience(conn: &mut AnyConnection, rows: Vec<ProfileRow>) -> Result<Vec<Profile>, sqlx::Error> {
    let all: Vec<(i64, String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT e.user_id, e.fund, e.role, e.programme, e.region_code FROM mentor_experience e \
         JOIN users u ON u.id = e.user_id WHERE u.role = 'mentor' ORDER BY e.id",
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Profile {
            experience: all
                .iter()
                .filter(|e| e.0 == r.user_id)
                .map(|e| ExperienceRow {
                    fund: e.1.clone(),
                    role: e.2.clone(),
                    programme: e.3.clone(),
                    region_code: e.4.clone(),
                })
                .collect(),
            user_id: r.user_id,
            name: r.name,
            topics: split_list(&r.topics),
            languages: split_list(&r.languages),
            capacity: r.capacity,
            employer_region: r.employer_region,
            pause_from: r.pause_from,
            pause_until: r.pause_until,
            bio: r.bio,
            active: r.active,
            pending: r.pending,
            updated_at: r.updated_at,
        })
        .collect())
}

pub async fn profile(conn: &mut AnyConnection, user_id: i64) -> Result<Option<Profile>, sqlx::Error> {
    let rows: Vec<ProfileRow> =
        sqlx::query_as(&format!("{PROFILE_SELECT} WHERE p.user_id = $1")).bind(user_id).fetch_all(&mut *conn).await?;
    Ok(with_experience(conn, rows).await?.pop())
}

/// Profiles of active mentors: the engine's input.
pub async fn active_mentor_profiles(conn: &mut AnyConnection) -> Result<Vec<Profile>, sqlx::Error> {
    let rows: Vec<ProfileRow> = sqlx::query_as(&format!(
        "{PROFILE_SELECT} WHERE u.role = 'mentor' AND u.active = 1 AND u.erased = 0 ORDER BY p.user_id"
    ))
    .fetch_all(&mut *conn)
    .await?;
    with_experience(conn, rows).await
}

#[derive(Debug, Clone, FromRow)]
struct RequestRow {
    id: i64,
    region_code: String,
    region_name: String,
    region_category: String,
    officer_id: i64,
    officer_name: String,
    fund: String,
    topics: String,
    language: String,
    format: String,
    description: String,
    period_from: Option<String>,
    period_until: Option<String>,
    state: String,
    created_at: i64,
    updated_at: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Request {
    pub id: i64,
    pub region_code: String,
    pub region_name: String,
    pub region_category: String,
    pub officer_id: i64,
    pub officer_name: String,
    pub fund: String,
    pub topics: Vec<String>,
    pub language: String,
    pub format: String,
    pub description: String,
    pub period_from: Option<String>,
    pub period_until: Option<String>,
    pub state: RequestState,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Request {
    /// Who filed the request stays unknown to a mentor until a mentorship is accepted:
    /// officer id 0 and an empty name.
    pub fn without_officer(self) -> Request {
        Request { officer_id: 0, officer_name: String::new(), ..self }
    }
}

impl TryFrom<RequestRow> for Request {
    type Error = sqlx::Error;

    fn try_from(r: RequestRow) -> Result<Request, sqlx::Error> {
        Ok(Request {
            id: r.id,
            region_code: r.region_code,
            region_name: r.region_name,
            region_category: r.region_category,
            officer_id: r.officer_id,
            officer_name: r.officer_name,
            fund: r.fund,
            topics: split_list(&r.topics),
            language: r.language,
            format: r.format,
            description: r.description,
            period_from: r.period_from,
            period_until: r.period_until,
            state: crate::db::decoded(RequestState::parse(&r.state), "requests.state", &r.state)?,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

const REQUEST_SELECT: &str = "SELECT r.id, r.region_code, g.name AS region_name, g.category AS region_category, \
    r.officer_id, u.name AS officer_name, r.fund, r.topics, r.language, r.format, r.description, r.period_from, \
    r.period_until, r.state, r.created_at, r.updated_at \
    FROM mentorship_requests r JOIN regions g ON g.code = r.region_code JOIN users u ON u.id = r.officer_id";

pub async fn request(conn: &mut AnyConnection, id: i64) -> Result<Option<Request>, sqlx::Error> {
    let row: Option<RequestRow> =
        sqlx::query_as(&format!("{REQUEST_SELECT} WHERE r.id = $1")).bind(id).fetch_optional(conn).await?;
    row.map(Request::try_from).transpose()
}

/// Which requests a list shows.
#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    pub region: Option<String>,
    pub state: Option<RequestState>,
    /// Only requests this mentor has been proposed for.
    pub mentor: Option<i64>,
}

pub async fn requests(
    conn: &mut AnyConnection,
    f: &RequestFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Request>, i64), sqlx::Error> {
    let mut wheres = vec!["1 = 1".to_string()];
    let mut binds: Vec<String> = Vec::new();
    if let Some(r) = &f.region {
        binds.push(r.clone());
        wheres.push(format!("r.region_code = ${}", binds.len()));
    }
    if let Some(s) = f.state {
        binds.push(s.as_str().to_string());
        wheres.push(format!("r.state = ${}", binds.len()));
    }
    if let Some(m) = f.mentor {
        wheres.push(format!(
            "EXISTS (SELECT 1 FROM mentorship_matches m WHERE m.request_id = r.id AND m.mentor_id = {m} \
             AND m.state NOT IN ('suggested', 'discarded'))"
        ));
    }
    let clause = wheres.join(" AND ");
    let count_sql = format!("SELECT COUNT(*) FROM mentorship_requests r WHERE {clause}");
    let mut count = sqlx::query_scalar::<_, i64>(&count_sql);
    for b in &binds {
        count = count.bind(b.clone());
    }
    let total = count.fetch_one(&mut *conn).await?;
    let sql =
        format!("{REQUEST_SELECT} WHERE {clause} ORDER BY r.created_at DESC, r.id DESC LIMIT {limit} OFFSET {offset}");
    let mut q = sqlx::query_as::<_, RequestRow>(&sql);
    for b in &binds {
        q = q.bind(b.clone());
    }
    Ok((q.fetch_all(conn).await?.into_iter().map(Request::try_from).collect::<Result<Vec<_>, sqlx::Error>>()?, total))
}

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

pub async fn auto_mode(conn: &mut AnyConnection) -> Result<bool, sqlx::Error> {
    let v: Option<String> =
        sqlx::query_scalar("SELECT value FROM settings WHERE key = 'mentorship_auto'").fetch_optional(conn).await?;
    Ok(v.as_deref() == Some("1"))
}
