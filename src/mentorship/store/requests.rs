//! Officers' requests.

use serde::Serialize;
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, Executor, FromRow, Row};

use super::{day, split_list};
use crate::db::Db;
use crate::mentorship::input::ValidRequest;
use crate::mentorship::RequestState;

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

/// The id of the request filed with this form key, if any.
pub async fn request_by_form_key<'e>(
    ex: impl Executor<'e, Database = Any>,
    form_key: Option<&str>,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM mentorship_requests WHERE form_key = $1").bind(form_key).fetch_optional(ex).await
}

/// Binds what a request asks for, in this order: fund, topics, language, format, description,
/// period_from, period_until.
fn bind_asked<'q>(q: Query<'q, Any, AnyArguments<'q>>, r: &ValidRequest) -> Query<'q, Any, AnyArguments<'q>> {
    q.bind(r.fund.as_str())
        .bind(r.topics.join(","))
        .bind(r.language.code())
        .bind(r.format.as_str())
        .bind(r.description.clone())
        .bind(r.period_from.map(day))
        .bind(r.period_until.map(day))
}

/// Files an open request for the officer's Region and returns its id.
pub async fn insert_request(
    conn: &mut AnyConnection,
    region: &str,
    officer_id: i64,
    r: &ValidRequest,
    form_key: Option<&str>,
    now: i64,
) -> Result<i64, sqlx::Error> {
    let q = sqlx::query(
        "INSERT INTO mentorship_requests (region_code, officer_id, fund, topics, language, format, description, \
         period_from, period_until, state, form_key, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', $10, $11, $11) RETURNING id",
    )
    .bind(region)
    .bind(officer_id);
    bind_asked(q, r).bind(form_key).bind(now).fetch_one(conn).await?.try_get(0)
}

/// Rewrites what an open request asks for; false when the request is no longer open.
pub async fn update_request(
    conn: &mut AnyConnection,
    id: i64,
    r: &ValidRequest,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let q = sqlx::query(
        "UPDATE mentorship_requests SET fund = $1, topics = $2, language = $3, format = $4, description = $5, \
         period_from = $6, period_until = $7, updated_at = $8 WHERE id = $9 AND state = 'open'",
    );
    let done = bind_asked(q, r).bind(now).bind(id).execute(conn).await?;
    Ok(done.rows_affected() > 0)
}

/// Locks the request's row until the transaction ends.
pub async fn lock_request(db: &Db, tx: &mut AnyConnection, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query(&format!("SELECT id FROM mentorship_requests WHERE id = $1{}", db.for_update()))
        .bind(id)
        .fetch_optional(tx)
        .await?;
    Ok(())
}

/// Moves the request from `from` to `to`; false when it was not in `from`.
pub async fn set_request_state(
    conn: &mut AnyConnection,
    id: i64,
    from: RequestState,
    to: RequestState,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE mentorship_requests SET state = $1, updated_at = $2 WHERE id = $3 AND state = $4")
        .bind(to.as_str())
        .bind(now)
        .bind(id)
        .bind(from.as_str())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// A request as the matching engine reads it.
#[derive(Debug, Clone, FromRow)]
pub struct EngineRequest {
    pub id: i64,
    pub region_code: String,
    pub category: String,
    pub fund: String,
    pub topics: String,
    pub language: String,
}

/// The requests an assignment run considers: `only` whatever its state, or else the open
/// requests without a live match, oldest first.
pub async fn engine_requests(conn: &mut AnyConnection, only: Option<i64>) -> Result<Vec<EngineRequest>, sqlx::Error> {
    let sql = match only {
        Some(_) => {
            "SELECT r.id, r.region_code, g.category, r.fund, r.topics, r.language FROM mentorship_requests r \
             JOIN regions g ON g.code = r.region_code WHERE r.id = $1"
        }
        // Requests of people who have left the service are not matched.
        None => {
            "SELECT r.id, r.region_code, g.category, r.fund, r.topics, r.language FROM mentorship_requests r \
             JOIN regions g ON g.code = r.region_code JOIN users u ON u.id = r.officer_id \
             WHERE r.state = 'open' AND u.active = 1 AND u.erased = 0 AND r.id > $1 AND NOT EXISTS \
             (SELECT 1 FROM mentorship_matches m WHERE m.request_id = r.id \
              AND m.state IN ('suggested', 'proposed', 'accepted')) ORDER BY r.id"
        }
    };
    sqlx::query_as(sql).bind(only.unwrap_or(0)).fetch_all(conn).await
}
