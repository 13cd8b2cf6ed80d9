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
use crate::mentorship::{MatchState, Refusal, RequestState, RunReport};
use crate::web::auth::Auth;
use crate::web::error::{AppError, AppResult, RefusalHttp};
use crate::web::kit::{conn, json, signed_in};
use crate::web::params::Params;
use crate::web::PathId;

fn m(lang: Lang) -> impl Fn(Refusal) -> AppError {
    move |e| e.into_app(lang)
}

pub async fn profile_get(State(state): State<AppState>, lang: Lang, auth: Auth) -> AppResult<Json<store::Profile>> {
    let user = signed_in(&auth)?;
    let mut c = conn(&state).await?;
    store::profile(&mut c, user.id).await?.map(Json).ok_or_else(|| {
        AppError::NotFound(
            lang.t("Nessun profilo da mentor: crealo con POST.", "No mentor profile: create it with POST.").into(),
        )
    })
}

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

#[derive(Serialize)]
pub struct RequestList {
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub items: Vec<Request>,
}

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

pub async fn request_file(State(state): State<AppState>, lang: Lang, auth: Auth, body: Bytes) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let r: RequestInput = json(&body, lang)?;
    let valid = input::validate_request(&r, &state.search.corpus().topics).map_err(m(lang))?;
    let id = state.mentorship.file_request(user, &valid).await.map_err(m(lang))?;
    let mut c = conn(&state).await?;
    let detail = request_detail(&state, &mut c, user, id).await.map_err(m(lang))?;
    Ok((StatusCode::CREATED, Json(detail)).into_response())
}

#[derive(Serialize)]
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

#[derive(Deserialize, Default)]
pub struct Reason {
    pub reason: Option<String>,
}

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

#[derive(Deserialize, Default)]
pub struct AssignBody {
    pub mentor_id: Option<i64>,
}

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

#[derive(Serialize)]
pub struct MatchDetail {
    #[serde(rename = "match")]
    pub the_match: Match,
    pub request: Request,
    /// Both sides' contact details, present once the mentor has accepted.
    pub contacts: Option<Contacts>,
    pub meetings: Vec<Meeting>,
    pub feedback: Vec<Feedback>,
}

#[derive(Serialize)]
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

#[derive(Deserialize, Default)]
pub struct ActionBody {
    pub reason: Option<String>,
    pub held_on: Option<String>,
    pub topic: Option<String>,
    pub notes: Option<String>,
    pub useful: Option<i64>,
    pub comment: Option<String>,
}

/// One verb on a match ([`MatchVerb`], from the route); answers the match as it is now.
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

#[derive(Deserialize, Default)]
pub struct ApproveBody {
    /// Suggestions to approve; empty or absent approves every suggestion awaiting review.
    #[serde(default)]
    pub ids: Vec<i64>,
}

#[derive(Serialize)]
pub struct Approved {
    pub approved: usize,
}

pub async fn approve(State(state): State<AppState>, lang: Lang, auth: Auth, body: Bytes) -> AppResult<Json<Approved>> {
    let user = signed_in(&auth)?;
    let b: ApproveBody = json(&body, lang)?;
    let approved = state.mentorship.approve(user, &b.ids).await.map_err(m(lang))?;
    Ok(Json(Approved { approved }))
}

#[derive(Serialize, Deserialize, Default)]
pub struct Settings {
    pub auto: Option<bool>,
}

pub async fn settings_get(State(state): State<AppState>) -> AppResult<Json<Settings>> {
    let mut c = conn(&state).await?;
    Ok(Json(Settings { auto: Some(store::auto_mode(&mut c).await?) }))
}

pub async fn settings_save(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    body: Bytes,
) -> AppResult<Json<Settings>> {
    let user = signed_in(&auth)?;
    let s: Settings = json(&body, lang)?;
    let auto = s
        .auto
        .ok_or_else(|| AppError::field("auto", lang.t("auto (true/false) mancante", "auto (true/false) is missing")))?;
    state.mentorship.set_auto(user, auto).await.map_err(m(lang))?;
    if auto {
        state.mentorship.rerun().await;
    }
    Ok(Json(Settings { auto: Some(auto) }))
}

pub async fn run(State(state): State<AppState>, lang: Lang) -> AppResult<Json<RunReport>> {
    Ok(Json(state.mentorship.run().await.map_err(m(lang))?))
}
