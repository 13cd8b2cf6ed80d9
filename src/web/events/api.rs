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
use crate::events::service::Registered;
use crate::events::store::{self, Event, Registration};
use crate::events::{self, EventInput, EventState};
use crate::i18n::Lang;
use crate::web::auth::Auth;
use crate::web::error::{AppResult, RefusalHttp};
use crate::web::kit::json;
use crate::web::kit::signed_in;
use crate::web::params::Params;
use crate::web::PathId;

#[derive(Serialize, utoipa::ToSchema)]
pub struct EventList {
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub items: Vec<Event>,
}

/// Upcoming published events (`?past=1`: the archive), filtered by kind, fund, topic.
#[utoipa::path(
    get,
    path = "/events",
    tag = "events",
    summary = "Upcoming events (past=1: the archive); drafts only for coordinators",
    params(
        ("kind" = Option<crate::events::Kind>, Query, description = "Kind of event"),
        ("fund" = Option<String>, Query, description = "FSE+, FESR or JTF"),
        ("topic" = Option<String>, Query, description = "Topic slug"),
        ("past" = Option<String>, Query, description = "1: the archive"),
        ("page" = Option<u32>, Query, minimum = 1, maximum = 100000, description = "Page, from 1"),
        ("per_page" = Option<u32>, Query, minimum = 1, maximum = 200, description = "1-200 (default 20)")
    ),
    responses(
        (status = 200, description = "One page of events", body = EventList),
        (status = 400, description = "Unknown kind, fund or topic", body = crate::web::error::ErrorInfo)
    )
)]
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

#[utoipa::path(
    get,
    path = "/events/{id}",
    tag = "events",
    summary = "One event",
    params(
        ("id" = i64, Path, description = "Identifier")
    ),
    responses(
        (status = 200, description = "The event", body = Event),
        (status = 404, description = "No such event (or a draft)", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn get(State(state): State<AppState>, lang: Lang, auth: Auth, PathId(id): PathId) -> AppResult<Json<Event>> {
    Ok(Json(visible_event(&state, auth.user(), id, lang).await?))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
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

#[utoipa::path(
    post,
    path = "/events",
    tag = "events",
    summary = "Create an event (coordinators); publish: true publishes it at once",
    request_body = EventBody,
    responses(
        (status = 201, description = "The event", body = Event),
        (status = 400, description = "End before start, start in the past, capacity outside 1-5000, unknown topic, guide or Region", body = crate::web::error::ErrorInfo),
        (status = 401, description = "Not signed in", body = crate::web::error::ErrorInfo),
        (status = 403, description = "Not a coordinator", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn create(State(state): State<AppState>, lang: Lang, auth: Auth, body: Bytes) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let b: EventBody = json(&body, lang)?;
    let v = checked(&state, &b.event, true, lang).await?;
    let id = state.events.create(user, &v, b.publish).await.map_err(|e| e.into_app(lang))?;
    Ok((StatusCode::CREATED, Json(visible_event(&state, Some(user), id, lang).await?)).into_response())
}

#[utoipa::path(
    post,
    path = "/events/{id}",
    tag = "events",
    summary = "Change an event (coordinators)",
    description = "A new time or place sends participants an updated invitation (same UID, SEQUENCE+1) and moves the reminders.",
    params(
        ("id" = i64, Path, description = "Identifier")
    ),
    request_body = EventBody,
    responses(
        (status = 200, description = "The event", body = Event),
        (status = 400, description = "Invalid field, or fewer places than confirmed participants", body = crate::web::error::ErrorInfo),
        (status = 403, description = "Not a coordinator", body = crate::web::error::ErrorInfo),
        (status = 404, description = "No such event", body = crate::web::error::ErrorInfo),
        (status = 409, description = "Cancelled or completed", body = crate::web::error::ErrorInfo)
    )
)]
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

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[schema(as = EventActionBody)]
pub struct ActionBody {
    /// Why the event is cancelled (action `cancel`, required): participants read it in their mail.
    pub reason: Option<String>,
    pub materials_url: Option<String>,
    pub recording_url: Option<String>,
    /// Registration ids that attended (action `attendance`).
    #[serde(default)]
    pub attended: Vec<i64>,
    /// Question numbers linked to a forum (action `exchange-links`; replaces the links).
    #[serde(default)]
    pub questions: Vec<i64>,
    /// Practice numbers linked to a forum (action `exchange-links`).
    #[serde(default)]
    pub practices: Vec<i64>,
}

/// Registers the signed-in user (or puts them on the waiting list).
#[utoipa::path(
    post,
    path = "/events/{id}/register",
    tag = "events",
    summary = "Register (anyone signed in): a seat, or the waiting list when full",
    params(
        ("id" = i64, Path, description = "Identifier")
    ),
    responses(
        (status = 201, description = "The registration and, when waiting, the place in line", body = Registered),
        (status = 401, description = "Not signed in", body = crate::web::error::ErrorInfo),
        (status = 403, description = "Reserved for other Regions", body = crate::web::error::ErrorInfo),
        (status = 404, description = "No such event", body = crate::web::error::ErrorInfo),
        (status = 409, description = "Registration closed or not open, already registered", body = crate::web::error::ErrorInfo)
    )
)]
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
#[utoipa::path(
    post,
    path = "/events/{id}/{verb}",
    tag = "events",
    summary = "What coordinators do to an event",
    description = "publish; cancel {reason} (required; only before the start); complete {materials_url, recording_url} (after the end; the people marked present are thanked and asked for feedback); attendance {attended: [registration ids]} (after the start); exchange-links {questions, practices} (forums only: visible questions and published practices of the exchange, shown on the event page and sent with the materials).",
    params(
        ("id" = i64, Path, description = "Identifier")
    ),
    request_body = Option<ActionBody>,
    responses(
        (status = 200, description = "The event after the action", body = Event),
        (status = 400, description = "A link is not a valid address, a cancellation without `reason`, or a question or practice that cannot be linked (the error's `field` names it)", body = crate::web::error::ErrorInfo),
        (status = 401, description = "Not signed in", body = crate::web::error::ErrorInfo),
        (status = 403, description = "Not a coordinator", body = crate::web::error::ErrorInfo),
        (status = 404, description = "No such event", body = crate::web::error::ErrorInfo),
        (status = 409, description = "Not possible in the event's state or at this time: cancel before the start, attendance after the start, complete after the end", body = crate::web::error::ErrorInfo)
    )
)]
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
        EventVerb::Links => state.exchange.link_event(user, id, &b.questions, &b.practices).await.map(|_| ()),
    }
    .map_err(|e| e.into_app(lang))?;
    Ok(Json(visible_event(&state, Some(user), id, lang).await?))
}

#[utoipa::path(
    get,
    path = "/events/{id}/registrations",
    tag = "events",
    summary = "Registrations in order of arrival (coordinators)",
    params(
        ("id" = i64, Path, description = "Identifier")
    ),
    responses(
        (status = 200, description = "Registrations", body = Vec<Registration>),
        (status = 403, description = "Not a coordinator", body = crate::web::error::ErrorInfo),
        (status = 404, description = "No such event", body = crate::web::error::ErrorInfo)
    )
)]
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

#[utoipa::path(
    post,
    path = "/registrations/{id}/cancel",
    tag = "events",
    summary = "Cancel one's registration or leave the waiting list (coordinators: anyone's)",
    description = "A freed seat goes to the first person waiting.",
    params(
        ("id" = i64, Path, description = "Identifier")
    ),
    responses(
        (status = 200, description = "The registration", body = Registration),
        (status = 401, description = "Not signed in", body = crate::web::error::ErrorInfo),
        (status = 404, description = "Not found or somebody else's", body = crate::web::error::ErrorInfo),
        (status = 409, description = "Already cancelled, or the event is over", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn unregister(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Json<Registration>> {
    let user = signed_in(&auth)?;
    Ok(Json(state.events.unregister(user, id).await.map_err(|e| e.into_app(lang))?))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[schema(as = EventFeedbackBody)]
pub struct FeedbackBody {
    /// How useful the event was, 1 (not at all) to 5 (very).
    pub useful: i64,
    /// Up to 2,000 characters.
    pub comment: Option<String>,
}

/// The signed-in person's answer to the event's one-question survey.
#[utoipa::path(
    post,
    path = "/events/{id}/feedback",
    tag = "events",
    summary = "Answer (or change) the survey of a completed event one attended",
    description = "Open to the people marked present, from the completion until 14 days after the event; one answer per person, the last one counts.",
    params(
        ("id" = i64, Path, description = "Identifier")
    ),
    request_body = FeedbackBody,
    responses(
        (status = 200, description = "The answer as stored", body = crate::events::service::EventFeedback),
        (status = 400, description = "`useful` outside 1-5, or a comment too long", body = crate::web::error::ErrorInfo),
        (status = 401, description = "Not signed in", body = crate::web::error::ErrorInfo),
        (status = 403, description = "Not recorded as present at the event", body = crate::web::error::ErrorInfo),
        (status = 404, description = "No such event", body = crate::web::error::ErrorInfo),
        (status = 409, description = "The event is not completed, or the 14 days are over", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn feedback(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
    body: Bytes,
) -> AppResult<Json<crate::events::service::EventFeedback>> {
    let user = signed_in(&auth)?;
    visible_event(&state, Some(user), id, lang).await?;
    let b: FeedbackBody = json(&body, lang)?;
    let comment = b.comment.unwrap_or_default();
    Ok(Json(state.events.give_feedback(user, id, b.useful, &comment).await.map_err(|e| e.into_app(lang))?))
}
