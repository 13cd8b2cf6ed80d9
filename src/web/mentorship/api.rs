//! `/api/v1/mentorship/...`: the same operations as the pages, as JSON, with the same
//! rules (an officer sees only their Region's requests, a mentor only their proposals).

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};

use super::MatchVerb;
use crate::accounts::{self, Role};
use crate::app::AppState;
use crate::i18n::Lang;
use crate::mentorship::input::{self, ProfileInput, RequestInput};
use crate::mentorship::store::{
    self, Contact, Feedback, Match, MatchFilter, Meeting, Request, RequestFilter, Transition,
};
use crate::mentorship::{MatchState, Refusal, RequestState};
use crate::web::auth::Auth;
use crate::web::error::{AppError, AppResult, RefusalHttp};
use crate::web::kit::{conn, json, signed_in};
use crate::web::params::Params;
use crate::web::PathId;

fn m(lang: Lang) -> impl Fn(Refusal) -> AppError {
    move |e| e.into_app(lang)
}

#[utoipa::path(
    get,
    path = "/mentorship/profile",
    tag = "mentorship",
    summary = "The signed-in mentor's profile (mentors)",
    responses(
        (status = 200, description = "The profile", body = store::Profile),
        (status = 403, description = "Not a mentor", body = crate::web::error::ErrorInfo),
        (status = 404, description = "No profile yet", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn profile_get(State(state): State<AppState>, lang: Lang, auth: Auth) -> AppResult<Json<store::Profile>> {
    let user = signed_in(&auth)?;
    let mut c = conn(&state).await?;
    store::profile(&mut c, user.id).await?.map(Json).ok_or_else(|| {
        AppError::NotFound(
            lang.t("Nessun profilo da mentor: crealo con POST.", "No mentor profile: create it with POST.").into(),
        )
    })
}

#[utoipa::path(
    post,
    path = "/mentorship/profile",
    tag = "mentorship",
    summary = "Create or replace the mentor's profile (mentors); a capacity or pause change starts an assignment run",
    request_body = ProfileInput,
    responses(
        (status = 200, description = "The saved profile", body = store::Profile),
        (status = 400, description = "Unknown fund, role, topic, Region or language; capacity outside 1-20; a pause ending before it starts", body = crate::web::error::ErrorInfo),
        (status = 403, description = "Not a mentor", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn profile_save(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    body: Bytes,
) -> AppResult<Json<store::Profile>> {
    let user = signed_in(&auth)?;
    let p: ProfileInput = json(&body, lang)?;
    let regions = accounts::regions(&state.db).await?;
    let valid = input::validate_profile(&p, &state.search.corpus().topics, &regions).map_err(m(lang))?;
    state.mentorship.save_profile(user, &valid).await.map_err(m(lang))?;
    let mut c = conn(&state).await?;
    store::profile(&mut c, user.id)
        .await?
        .map(Json)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("profile vanished")))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RequestList {
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub items: Vec<Request>,
}

#[utoipa::path(
    get,
    path = "/mentorship/requests",
    tag = "mentorship",
    summary = "Requests: an officer's Region's, those proposed to a mentor, or all (coordinators)",
    params(
        ("state" = Option<String>, Query, description = "open, matched, closed or withdrawn"),
        ("region" = Option<String>, Query, description = "Region code (coordinators)"),
        ("page" = Option<u32>, Query, minimum = 1, maximum = 100000, description = "Page, from 1"),
        ("per_page" = Option<u32>, Query, minimum = 1, maximum = 200, description = "1-200 (default 20)")
    ),
    responses(
        (status = 200, description = "One page of requests", body = RequestList),
        (status = 400, description = "Unknown state or Region", body = crate::web::error::ErrorInfo),
        (status = 401, description = "Not signed in", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn requests_list(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    RawQuery(raw): RawQuery,
) -> AppResult<Json<RequestList>> {
    let user = signed_in(&auth)?;
    let p = Params::parse(raw.as_deref(), lang)?;
    let page = p.number("page", 1, 100_000, lang)? as i64;
    let per_page = p.number("per_page", 20, 200, lang)? as i64;
    let state_filter = match p.non_empty("state") {
        None => None,
        Some(s) => Some(RequestState::parse(s).ok_or_else(|| {
            AppError::field(
                "state",
                format!("{} \"{s}\": open, matched, closed, withdrawn", lang.t("stato sconosciuto", "unknown state")),
            )
        })?),
    };
    let mut f = RequestFilter { state: state_filter, ..Default::default() };
    match user.role {
        Role::Officer => f.region = user.region_code.clone(),
        Role::Mentor => f.mentor = Some(user.id),
        Role::Coordinator => {
            if let Some(code) = p.non_empty("region") {
                let code = code.to_uppercase();
                if accounts::region(&state.db, &code).await?.is_none() {
                    return Err(AppError::field(
                        "region",
                        format!("{} \"{code}\"", lang.t("Regione sconosciuta", "Unknown Region")),
                    ));
                }
                f.region = Some(code);
            }
        }
    }
    let mut c = conn(&state).await?;
    let (mut items, total) = store::requests(&mut c, &f, per_page, (page - 1) * per_page).await?;
    if user.role == Role::Mentor {
        let mine = MatchFilter { mentor: Some(user.id), ..Default::default() };
        let known: Vec<i64> = store::matches(&mut c, &mine, 10_000)
            .await?
            .into_iter()
            .filter(|m| m.state.contacts_visible())
            .map(|m| m.request_id)
            .collect();
        items = items.into_iter().map(|r| if known.contains(&r.id) { r } else { r.without_officer() }).collect();
    }
    Ok(Json(RequestList { total, page, per_page, items }))
}

#[utoipa::path(
    post,
    path = "/mentorship/requests",
    tag = "mentorship",
    summary = "File a request for the officer's Region (officers); an assignment run follows at once",
    request_body = RequestInput,
    responses(
        (status = 201, description = "The request with its matches", body = RequestDetail),
        (status = 400, description = "Unknown fund or topic, empty description, bad period", body = crate::web::error::ErrorInfo),
        (status = 403, description = "Not an officer", body = crate::web::error::ErrorInfo),
        (status = 409, description = "The same form_key was already sent", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn request_file(State(state): State<AppState>, lang: Lang, auth: Auth, body: Bytes) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let r: RequestInput = json(&body, lang)?;
    let valid = input::validate_request(&r, &state.search.corpus().topics).map_err(m(lang))?;
    let id = state.mentorship.file_request(user, &valid).await.map_err(m(lang))?;
    let mut c = conn(&state).await?;
    let detail = request_detail(&state, &mut c, user, id).await.map_err(m(lang))?;
    Ok((StatusCode::CREATED, Json(detail)).into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RequestDetail {
    pub request: Request,
    pub matches: Vec<Match>,
    /// State changes with actor and time (not shown to mentors).
    pub history: Vec<Transition>,
}

async fn request_detail(
    state: &AppState,
    c: &mut sqlx::AnyConnection,
    user: &accounts::User,
    id: i64,
) -> Result<RequestDetail, Refusal> {
    let request = state.mentorship.visible_request(c, user, id).await?;
    let mut f = MatchFilter { request: Some(id), ..Default::default() };
    if user.role == Role::Mentor {
        f.mentor = Some(user.id);
    }
    let matches = store::matches(c, &f, 200)
        .await?
        .into_iter()
        .filter(|m| user.role != Role::Mentor || m.state.shown_to_mentor())
        .collect::<Vec<_>>();
    let history = if user.role == Role::Mentor { Vec::new() } else { store::transitions(c, id).await? };
    let request = if user.role == Role::Mentor && !matches.iter().any(|m| m.state.contacts_visible()) {
        request.without_officer()
    } else {
        request
    };
    Ok(RequestDetail { request, matches, history })
}

#[utoipa::path(
    get,
    path = "/mentorship/requests/{id}",
    tag = "mentorship",
    summary = "A request with its matches and history",
    params(
        ("id" = i64, Path, description = "Identifier")
    ),
    responses(
        (status = 200, description = "The request", body = RequestDetail),
        (status = 404, description = "No such request, or of another Region", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn request_get(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Json<RequestDetail>> {
    let user = signed_in(&auth)?;
    let mut c = conn(&state).await?;
    Ok(Json(request_detail(&state, &mut c, user, id).await.map_err(m(lang))?))
}

#[utoipa::path(
    post,
    path = "/mentorship/requests/{id}",
    tag = "mentorship",
    summary = "Edit a request while it is open (its Region's officers, coordinators)",
    params(
        ("id" = i64, Path, description = "Identifier")
    ),
    request_body = RequestInput,
    responses(
        (status = 200, description = "The request", body = RequestDetail),
        (status = 400, description = "Invalid field", body = crate::web::error::ErrorInfo),
        (status = 403, description = "A mentor", body = crate::web::error::ErrorInfo),
        (status = 404, description = "Not found", body = crate::web::error::ErrorInfo),
        (status = 409, description = "No longer open", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn request_edit(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
    body: Bytes,
) -> AppResult<Json<RequestDetail>> {
    let user = signed_in(&auth)?;
    state.mentorship.editable_request(&mut *conn(&state).await?, user, id).await.map_err(m(lang))?;
    let r: RequestInput = json(&body, lang)?;
    let valid = input::validate_request(&r, &state.search.corpus().topics).map_err(m(lang))?;
    state.mentorship.edit_request(user, id, &valid).await.map_err(m(lang))?;
    let mut c = conn(&state).await?;
    Ok(Json(request_detail(&state, &mut c, user, id).await.map_err(m(lang))?))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct Reason {
    pub reason: Option<String>,
}

#[utoipa::path(
    post,
    path = "/mentorship/requests/{id}/withdraw",
    tag = "mentorship",
    summary = "Withdraw an open request; a live proposal is withdrawn with it",
    params(
        ("id" = i64, Path, description = "Identifier")
    ),
    request_body = Option<Reason>,
    responses(
        (status = 200, description = "The request", body = RequestDetail),
        (status = 404, description = "Not found", body = crate::web::error::ErrorInfo),
        (status = 409, description = "Not open", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn request_withdraw(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
    body: Bytes,
) -> AppResult<Json<RequestDetail>> {
    let user = signed_in(&auth)?;
    let r: Reason = json(&body, lang)?;
    state
        .mentorship
        .withdraw_request(user, id, r.reason.as_deref().filter(|s| !s.trim().is_empty()))
        .await
        .map_err(m(lang))?;
    let mut c = conn(&state).await?;
    Ok(Json(request_detail(&state, &mut c, user, id).await.map_err(m(lang))?))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct AssignBody {
    #[schema(value_type = i64, required = true)]
    pub mentor_id: Option<i64>,
}

#[utoipa::path(
    post,
    path = "/mentorship/requests/{id}/assign",
    tag = "mentorship",
    summary = "Propose a chosen mentor, replacing any live suggestion or proposal (coordinators)",
    params(
        ("id" = i64, Path, description = "Identifier")
    ),
    request_body = AssignBody,
    responses(
        (status = 200, description = "The new proposal", body = MatchDetail),
        (status = 400, description = "The mentor fails a hard rule", body = crate::web::error::ErrorInfo),
        (status = 403, description = "Not a coordinator", body = crate::web::error::ErrorInfo),
        (status = 404, description = "Not found", body = crate::web::error::ErrorInfo),
        (status = 409, description = "Request not open", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn request_assign(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
    body: Bytes,
) -> AppResult<Json<MatchDetail>> {
    let user = signed_in(&auth)?;
    let b: AssignBody = json(&body, lang)?;
    let mentor = b
        .mentor_id
        .ok_or_else(|| AppError::field("mentor_id", lang.t("mentor_id mancante", "mentor_id is missing")))?;
    let match_id = state.mentorship.assign(user, id, mentor).await.map_err(m(lang))?;
    let mut c = conn(&state).await?;
    Ok(Json(match_detail(&state, &mut c, user, match_id).await.map_err(m(lang))?))
}

#[utoipa::path(
    get,
    path = "/mentorship/matches",
    tag = "mentorship",
    summary = "Matches: a mentor's own, an officer's Region's, or all (coordinators)",
    params(
        ("state" = Option<String>, Query, description = "Comma-separated states"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 1000, description = "1-1000 (default 100)")
    ),
    responses(
        (status = 200, description = "Matches", body = Vec<Match>),
        (status = 400, description = "Unknown state", body = crate::web::error::ErrorInfo),
        (status = 401, description = "Not signed in", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn matches_list(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    RawQuery(raw): RawQuery,
) -> AppResult<Json<Vec<Match>>> {
    let user = signed_in(&auth)?;
    let p = Params::parse(raw.as_deref(), lang)?;
    let limit = p.number("limit", 100, 1000, lang)? as i64;
    let mut f = MatchFilter::default();
    if let Some(s) = p.non_empty("state") {
        let states: Option<Vec<MatchState>> = s.split(',').map(|x| MatchState::parse(x.trim())).collect();
        f.states = states.ok_or_else(|| {
            let all: Vec<&str> = MatchState::ALL.iter().map(|s| s.as_str()).collect();
            AppError::field(
                "state",
                format!("{} \"{s}\": {}", lang.t("stato sconosciuto", "unknown state"), all.join(", ")),
            )
        })?;
    }
    match user.role {
        Role::Officer => f.region = Some(user.region_code.clone().unwrap_or_default()),
        Role::Mentor => f.mentor = Some(user.id),
        Role::Coordinator => {}
    }
    let mut c = conn(&state).await?;
    let list = store::matches(&mut c, &f, limit).await?;
    Ok(Json(list.into_iter().filter(|m| user.role != Role::Mentor || m.state.shown_to_mentor()).collect()))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MatchDetail {
    #[serde(rename = "match")]
    pub the_match: Match,
    pub request: Request,
    /// Both sides' contact details, present once the mentor has accepted.
    pub contacts: Option<Contacts>,
    pub meetings: Vec<Meeting>,
    pub feedback: Vec<Feedback>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Contacts {
    pub mentor: Option<Contact>,
    pub officer: Option<Contact>,
}

async fn match_detail(
    state: &AppState,
    c: &mut sqlx::AnyConnection,
    user: &accounts::User,
    id: i64,
) -> Result<MatchDetail, Refusal> {
    let the_match = state.mentorship.visible_match(c, user, id).await?;
    let request = store::request(c, the_match.request_id).await?.ok_or(Refusal::NotFound)?;
    let contacts = if the_match.state.contacts_visible() {
        Some(Contacts {
            mentor: store::contact(c, the_match.mentor_id).await?,
            officer: store::contact(c, request.officer_id).await?,
        })
    } else {
        None
    };
    let request = if user.role == Role::Mentor && contacts.is_none() { request.without_officer() } else { request };
    let meetings = store::meetings(c, id).await?;
    let feedback = store::feedback(c, id).await?;
    Ok(MatchDetail { the_match, request, contacts, meetings, feedback })
}

#[utoipa::path(
    get,
    path = "/mentorship/matches/{id}",
    tag = "mentorship",
    summary = "A match with its request; contact details of both sides once accepted; meetings; feedback",
    params(
        ("id" = i64, Path, description = "Identifier")
    ),
    responses(
        (status = 200, description = "The match", body = MatchDetail),
        (status = 404, description = "Not found", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn match_get(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Json<MatchDetail>> {
    let user = signed_in(&auth)?;
    let mut c = conn(&state).await?;
    Ok(Json(match_detail(&state, &mut c, user, id).await.map_err(m(lang))?))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[schema(as = MatchActionBody)]
pub struct ActionBody {
    pub reason: Option<String>,
    pub held_on: Option<String>,
    pub topic: Option<String>,
    pub notes: Option<String>,
    pub useful: Option<i64>,
    pub comment: Option<String>,
}

/// One verb on a match ([`MatchVerb`], from the route); answers the match as it is now.
#[utoipa::path(
    post,
    path = "/mentorship/matches/{id}/{verb}",
    tag = "mentorship",
    summary = "What mentor, officer or coordinator does to a match",
    description = "accept, decline {reason} (the proposed mentor); approve, discard, withdraw {reason?} (coordinators); meetings {held_on, topic, notes}, complete {useful 1-5, comment}, cancel {reason} (both sides, coordinators).",
    params(
        ("id" = i64, Path, description = "Identifier")
    ),
    request_body = Option<ActionBody>,
    responses(
        (status = 200, description = "The match after the action", body = MatchDetail),
        (status = 400, description = "Missing reason, bad date, rating outside 1-5", body = crate::web::error::ErrorInfo),
        (status = 401, description = "Not signed in", body = crate::web::error::ErrorInfo),
        (status = 403, description = "Not this user's to do", body = crate::web::error::ErrorInfo),
        (status = 404, description = "Not found", body = crate::web::error::ErrorInfo),
        (status = 409, description = "Expired, withdrawn, already answered, or capacity full", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn match_action(
    State(state): State<AppState>,
    Extension(verb): Extension<MatchVerb>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
    body: Bytes,
) -> AppResult<Json<MatchDetail>> {
    let user = signed_in(&auth)?;
    let b: ActionBody = json(&body, lang)?;
    let ms = &state.mentorship;
    let text = |s: &Option<String>| s.clone().unwrap_or_default();
    match verb {
        MatchVerb::Accept => ms.accept(user, id).await,
        MatchVerb::Decline => ms.decline(user, id, &text(&b.reason)).await,
        MatchVerb::Approve => ms.approve(user, &[id]).await.map(|_| ()),
        MatchVerb::Withdraw => ms.withdraw_match(user, id, b.reason.as_deref()).await,
        MatchVerb::Meetings => {
            ms.log_meeting(user, id, &text(&b.held_on), &text(&b.topic), &text(&b.notes)).await.map(|_| ())
        }
        MatchVerb::Complete => ms.complete(user, id, b.useful, &text(&b.comment)).await,
        MatchVerb::Cancel => ms.cancel(user, id, &text(&b.reason)).await,
    }
    .map_err(m(lang))?;
    let mut c = conn(&state).await?;
    Ok(Json(match_detail(&state, &mut c, user, id).await.map_err(m(lang))?))
}
