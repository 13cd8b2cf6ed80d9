//! `/api/v1/events/...`: the public programme, registration, and the coordinators'
//! operations, as JSON.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};

use super::{filter, visible_event, EventVerb};
use crate::accounts::{self, Role};
use crate::app::AppState;
use crate::events::store::{self, Event, Registration};
use crate::events::{self, EventInput, EventState};
use crate::i18n::Lang;
use crate::web::auth::Auth;
use crate::web::error::{AppResult, RefusalHttp};
use crate::web::kit::json;
use crate::web::kit::signed_in;
use crate::web::params::Params;
use crate::web::PathId;

#[derive(Serialize)]
pub struct EventList {
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub items: Vec<Event>,
}

/// Upcoming published events (`?past=1`: the archive), filtered by kind, fund, topic.
pub async fn list(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    RawQuery(raw): RawQuery,
) -> AppResult<Json<EventList>> {
    let p = Params::parse(raw.as_deref(), lang)?;
    let mut f = filter(&p, &state, lang)?;
    let page = p.number("page", 1, 100_000, lang)? as i64;
    let per_page = p.number("per_page", 20, 200, lang)? as i64;
    let now = state.clock.now_ms();
    let coordinator = auth.user().is_some_and(|u| u.role == Role::Coordinator);
    if p.get("past") == Some("1") {
        f.states = vec![EventState::Completed, EventState::Published];
        f.ends_before = Some(now);
        f.newest_first = true;
    } else {
        f.states = if coordinator {
            vec![EventState::Draft, EventState::Published, EventState::Cancelled]
        } else {
            vec![EventState::Published, EventState::Cancelled]
        };
        f.ends_after = Some(now);
    }
    let mut c = state.db.pool().acquire().await?;
    let (items, total) = store::events(&mut c, &f, per_page, (page - 1) * per_page).await?;
    Ok(Json(EventList { total, page, per_page, items }))
}

pub async fn get(State(state): State<AppState>, lang: Lang, auth: Auth, PathId(id): PathId) -> AppResult<Json<Event>> {
    Ok(Json(visible_event(&state, auth.user(), id, lang).await?))
}

#[derive(Deserialize, Default)]
pub struct EventBody {
    #[serde(flatten)]
    pub event: EventInput,
    #[serde(default)]
    pub publish: bool,
}

async fn checked(state: &AppState, b: &EventInput, creating: bool, lang: Lang) -> AppResult<events::ValidEvent> {
    let regions = accounts::regions(&state.db).await?;
    let corpus = state.search.corpus();
    events::validate(b, state.clock.now_ms(), creating, &corpus.topics, &regions, |g| {
        corpus.resolve(g).map(|g| g.id.clone())
    })
    .map_err(|e| e.into_app(lang))
}

pub async fn create(State(state): State<AppState>, lang: Lang, auth: Auth, body: Bytes) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let b: EventBody = json(&body, lang)?;
    let v = checked(&state, &b.event, true, lang).await?;
    let id = state.events.create(user, &v, b.publish).await.map_err(|e| e.into_app(lang))?;
    Ok((StatusCode::CREATED, Json(visible_event(&state, Some(user), id, lang).await?)).into_response())
}

pub async fn update(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
    body: Bytes,
) -> AppResult<Json<Event>> {
    let user = signed_in(&auth)?;
    visible_event(&state, Some(user), id, lang).await?;
    let b: EventBody = json(&body, lang)?;
    let v = checked(&state, &b.event, false, lang).await?;
    state.events.update(user, id, &v).await.map_err(|e| e.into_app(lang))?;
    Ok(Json(visible_event(&state, Some(user), id, lang).await?))
}

#[derive(Deserialize, Default)]
pub struct ActionBody {
    pub reason: Option<String>,
    pub materials_url: Option<String>,
    pub recording_url: Option<String>,
    /// Registration ids that attended (action `attendance`).
    #[serde(default)]
    pub attended: Vec<i64>,
}

/// Registers the signed-in user (or puts them on the waiting list).
pub async fn register(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
    body: Bytes,
) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    visible_event(&state, Some(user), id, lang).await?;
    let _: ActionBody = json(&body, lang)?;
    let r = state.events.register(user, id).await.map_err(|e| e.into_app(lang))?;
    Ok((StatusCode::CREATED, Json(r)).into_response())
}

/// One of the coordinators' verbs ([`EventVerb`], from the route); answers the event as it is now.
pub async fn action(
    State(state): State<AppState>,
    Extension(verb): Extension<EventVerb>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
    body: Bytes,
) -> AppResult<Json<Event>> {
    let user = signed_in(&auth)?;
    visible_event(&state, Some(user), id, lang).await?;
    let b: ActionBody = json(&body, lang)?;
    let ev = &state.events;
    let clean = |s: &Option<String>| s.clone().filter(|s| !s.trim().is_empty());
    match verb {
        EventVerb::Publish => ev.publish(user, id).await,
        EventVerb::Cancel => ev.cancel(user, id, b.reason.as_deref()).await,
        EventVerb::Complete => ev.complete(user, id, clean(&b.materials_url), clean(&b.recording_url)).await,
        EventVerb::Attendance => ev.mark_attendance(user, id, &b.attended).await.map(|_| ()),
    }
    .map_err(|e| e.into_app(lang))?;
    Ok(Json(visible_event(&state, Some(user), id, lang).await?))
}

pub async fn registrations(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Json<Vec<Registration>>> {
    visible_event(&state, auth.user(), id, lang).await?;
    let mut c = state.db.pool().acquire().await?;
    Ok(Json(store::registrations(&mut c, id).await?))
}

pub async fn unregister(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Json<Registration>> {
    let user = signed_in(&auth)?;
    Ok(Json(state.events.unregister(user, id).await.map_err(|e| e.into_app(lang))?))
}
