//! Reading events and registrations.

use serde::Serialize;
use sqlx::{AnyConnection, FromRow};

use super::{EventState, Kind, RegState};
use crate::mentorship::store::split_list;

#[derive(Debug, Clone, FromRow)]
struct EventRow {
    id: i64,
    kind: String,
    title: String,
    description: String,
    starts_at: i64,
    ends_at: i64,
    online_url: Option<String>,
    venue: Option<String>,
    capacity: i64,
    registration_opens_at: Option<i64>,
    registration_closes_at: Option<i64>,
    audience: String,
    funds: String,
    topics: String,
    guides: String,
    speakers: String,
    materials_url: Option<String>,
    recording_url: Option<String>,
    state: String,
    sequence: i64,
    created_at: i64,
    updated_at: i64,
    completed_at: Option<i64>,
    uid: Option<String>,
    confirmed: i64,
    waitlisted: i64,
    attended: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Event {
    pub id: i64,
    pub kind: Kind,
    pub title: String,
    pub description: String,
    /// Unix ms, UTC.
    pub starts_at: i64,
    pub ends_at: i64,
    pub online_url: Option<String>,
    pub venue: Option<String>,
    pub capacity: i64,
    pub registration_opens_at: Option<i64>,
    pub registration_closes_at: Option<i64>,
    /// Region codes; empty: every Region.
    pub audience: Vec<String>,
    pub funds: Vec<String>,
    pub topics: Vec<String>,
    pub guides: Vec<String>,
    pub speakers: String,
    pub materials_url: Option<String>,
    pub recording_url: Option<String>,
    pub state: EventState,
    /// iCalendar SEQUENCE: raised on every change of time or place, and on cancellation.
    pub sequence: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub completed_at: Option<i64>,
    /// The calendar UID, once an invitation or a feed needed it (see `Events::uid`).
    #[serde(skip)]
    pub uid: Option<String>,
    pub confirmed: i64,
    pub waitlisted: i64,
    pub attended: i64,
}

impl Event {
    pub fn free_places(&self) -> i64 {
        (self.capacity - self.confirmed).max(0)
    }

    /// Where it happens, for mail and calendars: the venue, the link, or both.
    pub fn location(&self) -> Option<String> {
        match (&self.venue, &self.online_url) {
            (Some(v), Some(u)) => Some(format!("{v} — {u}")),
            (Some(v), None) => Some(v.clone()),
            (None, Some(u)) => Some(u.clone()),
            (None, None) => None,
        }
    }

    /// The calendar UID invitations carried before UIDs were stored: the event's number
    /// under the sender's domain, the same in every installation.
    pub fn legacy_uid(&self, sender_domain: &str) -> String {
        format!("event-{}@{sender_domain}", self.id)
    }
}

impl TryFrom<EventRow> for Event {
    type Error = sqlx::Error;

    fn try_from(r: EventRow) -> Result<Event, sqlx::Error> {
        Ok(Event {
            id: r.id,
            kind: crate::db::decoded(Kind::parse(&r.kind), "events.kind", &r.kind)?,
            title: r.title,
            description: r.description,
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            online_url: r.online_url,
            venue: r.venue,
            capacity: r.capacity,
            registration_opens_at: r.registration_opens_at,
            registration_closes_at: r.registration_closes_at,
            audience: split_list(&r.audience),
            funds: split_list(&r.funds),
            topics: split_list(&r.topics),
            guides: split_list(&r.guides),
            speakers: r.speakers,
            materials_url: r.materials_url,
            recording_url: r.recording_url,
            state: crate::db::decoded(EventState::parse(&r.state), "events.state", &r.state)?,
            sequence: r.sequence,
            created_at: r.created_at,
            updated_at: r.updated_at,
            completed_at: r.completed_at,
            uid: r.uid,
            confirmed: r.confirmed,
            waitlisted: r.waitlisted,
            attended: r.attended,
        })
    }
}

const EVENT_SELECT: &str = "SELECT e.id, e.kind, e.title, e.description, e.starts_at, e.ends_at, e.online_url, e.venue, \
    e.capacity, e.registration_opens_at, e.registration_closes_at, e.audience, e.funds, e.topics, e.guides, e.speakers, \
    e.materials_url, e.recording_url, e.state, e.sequence, e.created_at, e.updated_at, e.completed_at, e.uid, \
    (SELECT COUNT(*) FROM registrations r WHERE r.event_id = e.id AND r.state = 'confirmed') AS confirmed, \
    (SELECT COUNT(*) FROM registrations r WHERE r.event_id = e.id AND r.state = 'waitlisted') AS waitlisted, \
    (SELECT COUNT(*) FROM registrations r WHERE r.event_id = e.id AND r.state = 'confirmed' AND r.attended = 1) AS attended \
    FROM events e";

pub async fn event(conn: &mut AnyConnection, id: i64) -> Result<Option<Event>, sqlx::Error> {
    let row: Option<EventRow> =
        sqlx::query_as(&format!("{EVENT_SELECT} WHERE e.id = $1")).bind(id).fetch_optional(conn).await?;
    row.map(Event::try_from).transpose()
}

/// Whether invitations to the event were sent (or are waiting to be sent) already: a
/// registration's confirmation or promotion is in the outbox. Every invitation starts
/// with one of these.
pub async fn invited_before(conn: &mut AnyConnection, id: i64) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM registrations r WHERE r.event_id = $1 AND EXISTS (SELECT 1 FROM outbox o \
         WHERE o.idempotency_key IN ('event.confirm:' || CAST(r.id AS TEXT), 'event.promote:' || CAST(r.id AS TEXT)))",
    )
    .bind(id)
    .fetch_one(conn)
    .await?;
    Ok(n > 0)
}

/// Stores `uid` as the event's calendar UID unless it has one already, and returns the one
/// it has: when two transactions get here together, both return the one stored first.
pub async fn settle_uid(conn: &mut AnyConnection, id: i64, uid: &str) -> Result<String, sqlx::Error> {
    sqlx::query("UPDATE events SET uid = $1 WHERE id = $2 AND uid IS NULL")
        .bind(uid)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query_scalar("SELECT uid FROM events WHERE id = $1").bind(id).fetch_one(conn).await
}

/// Which events a list shows.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub kind: Option<Kind>,
    pub fund: Option<String>,
    pub topic: Option<String>,
    /// States to show (empty: all).
    pub states: Vec<EventState>,
    /// Only events ending after this instant (upcoming), or ending before it (archive).
    pub ends_after: Option<i64>,
    pub ends_before: Option<i64>,
    pub starts_from: Option<i64>,
    pub starts_until: Option<i64>,
    /// Newest first (archive) instead of soonest first.
    pub newest_first: bool,
}

pub async fn events(
    conn: &mut AnyConnection,
    f: &EventFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Event>, i64), sqlx::Error> {
    let mut wheres = vec!["1 = 1".to_string()];
    let mut texts: Vec<String> = Vec::new();
    if let Some(k) = f.kind {
        wheres.push(format!("e.kind = '{}'", k.as_str()));
    }
    if !f.states.is_empty() {
        let list: Vec<String> = f.states.iter().map(|s| format!("'{}'", s.as_str())).collect();
        wheres.push(format!("e.state IN ({})", list.join(", ")));
    }
    // Lists are stored as ",a,b," matches on the comma-joined text with the value delimited.
    for (column, value) in [("e.funds", &f.fund), ("e.topics", &f.topic)] {
        if let Some(v) = value {
            texts.push(format!("%,{v},%"));
            wheres.push(format!("(',' || {column} || ',') LIKE ${}", texts.len()));
        }
    }
    for (sql, v) in [
        ("e.ends_at > {}", f.ends_after),
        ("e.ends_at <= {}", f.ends_before),
        ("e.starts_at >= {}", f.starts_from),
        ("e.starts_at < {}", f.starts_until),
    ] {
        if let Some(v) = v {
            wheres.push(sql.replace("{}", &v.to_string()));
        }
    }
    let clause = wheres.join(" AND ");
    let count_sql = format!("SELECT COUNT(*) FROM events e WHERE {clause}");
    let mut count = sqlx::query_scalar::<_, i64>(&count_sql);
    for t in &texts {
        count = count.bind(t.clone());
    }
    let total = count.fetch_one(&mut *conn).await?;
    let order = if f.newest_first { "e.starts_at DESC, e.id DESC" } else { "e.starts_at, e.id" };
    let sql = format!("{EVENT_SELECT} WHERE {clause} ORDER BY {order} LIMIT {limit} OFFSET {offset}");
    let mut q = sqlx::query_as::<_, EventRow>(&sql);
    for t in &texts {
        q = q.bind(t.clone());
    }
    Ok((q.fetch_all(conn).await?.into_iter().map(Event::try_from).collect::<Result<Vec<_>, sqlx::Error>>()?, total))
}

#[derive(Debug, Clone, FromRow)]
struct RegistrationRow {
    id: i64,
    event_id: i64,
    user_id: i64,
    name: String,
    email: String,
    organisation: Option<String>,
    region_code: Option<String>,
    state: String,
    position: i64,
    attended: i64,
    created_at: i64,
    updated_at: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Registration {
    pub id: i64,
    pub event_id: i64,
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub organisation: Option<String>,
    pub region_code: Option<String>,
    pub state: RegState,
    /// Order of arrival among all registrations of the event.
    pub position: i64,
    pub attended: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

impl TryFrom<RegistrationRow> for Registration {
    type Error = sqlx::Error;

    fn try_from(r: RegistrationRow) -> Result<Registration, sqlx::Error> {
        Ok(Registration {
            id: r.id,
            event_id: r.event_id,
            user_id: r.user_id,
            name: r.name,
            email: r.email,
            organisation: r.organisation,
            region_code: r.region_code,
            state: crate::db::decoded(RegState::parse(&r.state), "registrations.state", &r.state)?,
            position: r.position,
            attended: r.attended != 0,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

const REG_SELECT: &str =
    "SELECT r.id, r.event_id, r.user_id, u.name, u.email, u.organisation, u.region_code, r.state, \
    r.position, r.attended, r.created_at, r.updated_at FROM registrations r JOIN users u ON u.id = r.user_id";

pub async fn registration(conn: &mut AnyConnection, id: i64) -> Result<Option<Registration>, sqlx::Error> {
    let row: Option<RegistrationRow> =
        sqlx::query_as(&format!("{REG_SELECT} WHERE r.id = $1")).bind(id).fetch_optional(conn).await?;
    row.map(Registration::try_from).transpose()
}

/// The registrations of an event in order of arrival (confirmed, then the waiting list, then cancelled).
pub async fn registrations(conn: &mut AnyConnection, event_id: i64) -> Result<Vec<Registration>, sqlx::Error> {
    let rows: Vec<RegistrationRow> = sqlx::query_as(&format!(
        "{REG_SELECT} WHERE r.event_id = $1 ORDER BY CASE r.state WHEN 'confirmed' THEN 0 WHEN 'waitlisted' THEN 1 ELSE 2 END, r.position"
    ))
    .bind(event_id)
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(Registration::try_from).collect::<Result<Vec<_>, sqlx::Error>>()
}

/// The user's live registration for an event, if any.
pub async fn live_registration(
    conn: &mut AnyConnection,
    event_id: i64,
    user_id: i64,
) -> Result<Option<Registration>, sqlx::Error> {
    let row: Option<RegistrationRow> = sqlx::query_as(&format!(
        "{REG_SELECT} WHERE r.event_id = $1 AND r.user_id = $2 AND r.state IN ('confirmed', 'waitlisted')"
    ))
    .bind(event_id)
    .bind(user_id)
    .fetch_optional(conn)
    .await?;
    row.map(Registration::try_from).transpose()
}

/// The user's registrations (live or attended), with their events.
pub async fn user_registrations(conn: &mut AnyConnection, user_id: i64) -> Result<Vec<Registration>, sqlx::Error> {
    let rows: Vec<RegistrationRow> = sqlx::query_as(&format!(
        "{REG_SELECT} JOIN events e ON e.id = r.event_id WHERE r.user_id = $1 AND r.state IN ('confirmed', 'waitlisted') ORDER BY e.starts_at"
    ))
    .bind(user_id)
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(Registration::try_from).collect::<Result<Vec<_>, sqlx::Error>>()
}

/// Place on the waiting list, 1 for the first.
pub async fn waitlist_place(conn: &mut AnyConnection, r: &Registration) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM registrations WHERE event_id = $1 AND state = 'waitlisted' AND position <= $2",
    )
    .bind(r.event_id)
    .bind(r.position)
    .fetch_one(conn)
    .await
}
