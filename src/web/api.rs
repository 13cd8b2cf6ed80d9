//! The JSON API under `/api/v1`. Shapes are a fixed contract (DESIGN.md): extend, never rename.

use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;

use super::events::api as events_api;
use super::events::EventVerb;
use super::mentorship::api as mentorship_api;
use super::mentorship::MatchVerb;
use super::params::{search_request, Params};
use super::verb;
use crate::accounts::policy::{Rule, COORDINATORS, MENTORS, OFFICERS_AND_COORDINATORS};
use crate::app::AppState;
use crate::guides::render::markdown_to_html;
use crate::guides::{Fund, Guide, Phase};
use crate::i18n::Lang;
use crate::search::{Facets, Hit};
use crate::web::error::{AppError, AppResult};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(super::openapi::document))
        .route("/guides/search", get(search))
        .route("/guides/{id}", get(guide))
        .route("/regions", get(super::users::api_regions))
        .route("/events", get(events_api::list))
        .route("/events/{id}", get(events_api::get))
        .merge(
            Router::new()
                .route("/me", get(super::account::me))
                .route("/mentorship/requests", get(mentorship_api::requests_list).post(mentorship_api::request_file))
                .route("/mentorship/requests/{id}", get(mentorship_api::request_get).post(mentorship_api::request_edit))
                .route("/mentorship/requests/{id}/withdraw", post(mentorship_api::request_withdraw))
                .route("/mentorship/matches", get(mentorship_api::matches_list))
                .route("/events/{id}/register", post(events_api::register))
                .route("/registrations/{id}/cancel", post(events_api::unregister))
                .route("/mentorship/matches/{id}", get(mentorship_api::match_get))
                .route("/mentorship/matches/{id}/accept", verb(mentorship_api::match_action, MatchVerb::Accept))
                .route("/mentorship/matches/{id}/decline", verb(mentorship_api::match_action, MatchVerb::Decline))
                .route("/mentorship/matches/{id}/meetings", verb(mentorship_api::match_action, MatchVerb::Meetings))
                .route("/mentorship/matches/{id}/complete", verb(mentorship_api::match_action, MatchVerb::Complete))
                .route("/mentorship/matches/{id}/cancel", verb(mentorship_api::match_action, MatchVerb::Cancel))
                .route_layer(axum::middleware::from_fn_with_state(Rule::SignedIn, super::auth::guard)),
        )
        .merge(
            Router::new()
                .route("/outbox", get(super::outbox::api_list))
                .route("/outbox/{id}/retry", axum::routing::post(super::outbox::api_retry))
                .route("/users", get(super::users::api_users))
                .route("/mentorship/requests/{id}/assign", post(mentorship_api::request_assign))
                .route("/mentorship/approve", post(mentorship_api::approve))
                .route("/events", post(events_api::create))
                .route("/events/{id}", post(events_api::update))
                .route("/events/{id}/registrations", get(events_api::registrations))
                .route("/events/{id}/publish", verb(events_api::action, EventVerb::Publish))
                .route("/events/{id}/cancel", verb(events_api::action, EventVerb::Cancel))
                .route("/events/{id}/complete", verb(events_api::action, EventVerb::Complete))
                .route("/events/{id}/attendance", verb(events_api::action, EventVerb::Attendance))
                .route("/mentorship/matches/{id}/approve", verb(mentorship_api::match_action, MatchVerb::Approve))
                .route("/mentorship/matches/{id}/discard", verb(mentorship_api::match_action, MatchVerb::Withdraw))
                .route("/mentorship/matches/{id}/withdraw", verb(mentorship_api::match_action, MatchVerb::Withdraw))
                .route("/mentorship/settings", get(mentorship_api::settings_get).post(mentorship_api::settings_save))
                .route("/mentorship/run", post(mentorship_api::run))
                .route_layer(axum::middleware::from_fn_with_state(COORDINATORS, super::auth::guard)),
        )
        .merge(
            Router::new()
                .route("/kpi", get(super::dashboard::api))
                .route_layer(axum::middleware::from_fn_with_state(OFFICERS_AND_COORDINATORS, super::auth::guard)),
        )
        .merge(
            Router::new()
                .route("/mentorship/profile", get(mentorship_api::profile_get).post(mentorship_api::profile_save))
                .route_layer(axum::middleware::from_fn_with_state(MENTORS, super::auth::guard)),
        )
        .fallback(not_found)
}

async fn not_found() -> AppError {
    AppError::NotFound("no such API endpoint: see /api/v1/openapi.json".into())
}

#[derive(Serialize)]
pub struct SearchResponse {
    pub total: usize,
    pub page: usize,
    pub per_page: usize,
    pub pages: usize,
    pub hits: Vec<Hit>,
    pub facets: Facets,
    /// Words the search corrected: `{"typed": "rendicontazone", "to": ["rendicontazione"]}`.
    pub corrections: Vec<CorrectionJson>,
    /// True when no guide covered enough of the query and the hits match only part of it.
    pub partial: bool,
    /// False when no guide really answers the query (the hits are the closest ones).
    pub answered: bool,
    /// Operators or words typed but not applied (an unmatched quote, a dangling OR…).
    pub ignored: Vec<String>,
    /// The language results are shown in: the query's, else the page's.
    pub lang: Lang,
    pub took_ms: f64,
}

#[derive(Serialize)]
pub struct CorrectionJson {
    pub typed: String,
    pub to: Vec<String>,
}

async fn search(State(state): State<AppState>, lang: Lang, RawQuery(raw): RawQuery) -> AppResult<Json<SearchResponse>> {
    let params = Params::parse(raw.as_deref(), lang)?;
    let req = search_request(&params, &state.search.corpus().topics, lang)?;
    let r = state.search_guides(&req, lang)?;
    Ok(Json(SearchResponse {
        total: r.total,
        page: r.page,
        per_page: r.per_page,
        pages: r.pages(),
        corrections: r
            .corrections
            .iter()
            .map(|c| CorrectionJson { typed: c.typed.clone(), to: c.to.clone() })
            .collect(),
        partial: r.relaxed,
        answered: r.answered,
        ignored: r.ignored.clone(),
        lang: r.lang,
        took_ms: r.took.as_secs_f64() * 1000.0,
        hits: r.hits,
        facets: r.facets,
    }))
}

#[derive(Serialize)]
pub struct GuideJson {
    pub id: String,
    pub title: String,
    pub lang: Lang,
    /// As written in the guide's front matter.
    pub translation_of: Option<String>,
    /// Id of the same guide in the other language, whichever side names the other.
    pub translation: Option<String>,
    pub audience: Option<String>,
    pub funds: Vec<Fund>,
    pub phase: Phase,
    pub topics: Vec<String>,
    pub legal_basis: Vec<String>,
    pub sources: Vec<String>,
    pub reviewed: chrono::NaiveDate,
    /// What the facts were checked against when the guide was reviewed.
    pub checked_against: Vec<String>,
    /// Questions the guide answers.
    pub questions: Vec<String>,
    /// Ids of guides merged into this one.
    pub replaces: Vec<String>,
    /// When the guide was last corrected, and what changed.
    pub updated: Option<chrono::NaiveDate>,
    pub changes: Vec<String>,
    pub intro: String,
    pub steps: Vec<StepJson>,
    pub sections: Vec<SectionJson>,
    pub url: String,
}

#[derive(Serialize)]
pub struct StepJson {
    pub number: u32,
    /// The step's anchor on the guide page (`/guide/{id}#{anchor}`), the same in both languages.
    pub anchor: String,
    pub title: String,
    /// The step text as Markdown and as HTML.
    pub markdown: String,
    pub html: String,
}

#[derive(Serialize)]
pub struct SectionJson {
    pub title: String,
    pub markdown: String,
    pub html: String,
}

pub fn guide_json(g: &Guide, translation: Option<&Guide>) -> GuideJson {
    GuideJson {
        id: g.id.clone(),
        title: g.title.clone(),
        lang: g.lang,
        translation_of: g.translation_of.clone(),
        translation: translation.map(|t| t.id.clone()),
        audience: g.audience.clone(),
        funds: g.funds.clone(),
        phase: g.phase,
        topics: g.topics.clone(),
        legal_basis: g.legal_basis.clone(),
        sources: g.sources.clone(),
        reviewed: g.reviewed,
        checked_against: g.checked_against.clone(),
        questions: g.questions.clone(),
        replaces: g.replaces.clone(),
        updated: g.updated,
        changes: g.changes.clone(),
        intro: markdown_to_html(&g.intro),
        steps: g
            .steps
            .iter()
            .map(|s| StepJson {
                number: s.number,
                anchor: s.anchor(),
                title: s.title.clone(),
                markdown: s.body.clone(),
                html: markdown_to_html(&s.body),
            })
            .collect(),
        sections: g
            .sections
            .iter()
            .map(|s| SectionJson { title: s.title.clone(), markdown: s.body.clone(), html: markdown_to_html(&s.body) })
            .collect(),
        url: g.url(),
    }
}

async fn guide(
    State(state): State<AppState>,
    lang: Lang,
    id: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> AppResult<Response> {
    let corpus = state.search.corpus();
    let id =
        id.map(|Path(id)| id).map_err(|_| AppError::bad_request(lang.t("identificativo non valido", "invalid id")))?;
    if let Some(new) = corpus.successor(&id) {
        return Ok(super::moved_permanently(&format!("/api/v1/guides/{new}")));
    }
    let g = corpus.get(&id).ok_or_else(|| {
        AppError::NotFound(format!("{} \"{id}\"", lang.t("nessuna guida con identificativo", "no guide with id")))
    })?;
    Ok(Json(guide_json(g, corpus.translation(g))).into_response())
}
