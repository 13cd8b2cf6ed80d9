//! The JSON API under `/api/v1`. Shapes are a fixed contract (DESIGN.md): extend, never rename.

use axum::extract::{Path, RawQuery, State};
use axum::handler::Handler;
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::{Json, Router};
use serde::Serialize;

use super::events::api as events_api;
use super::events::EventVerb;
use super::mentorship::api as mentorship_api;
use super::mentorship::MatchVerb;
use super::params::{search_request, Params};
use crate::accounts::policy::{Rule, COORDINATORS, MENTORS, OFFICERS, OFFICERS_AND_COORDINATORS};
use crate::app::AppState;
use crate::guides::render::markdown_to_html;
use crate::guides::{Fund, Guide, Phase};
use crate::i18n::Lang;
use crate::search::{Facets, Hit};
use crate::web::error::{AppError, AppResult};

/// One endpoint of the API: its method, path, guard and handler. The router is built from
/// [`endpoints`], and the OpenAPI test walks the same list.
pub struct Endpoint {
    pub method: Method,
    pub path: &'static str,
    pub rule: Rule,
    route: MethodRouter<AppState>,
    /// Whether a body must be JSON (all but the file uploads).
    json_body: bool,
}

impl Endpoint {
    fn get<H: Handler<T, AppState>, T: 'static>(path: &'static str, rule: Rule, handler: H) -> Endpoint {
        Endpoint { method: Method::GET, path, rule, route: get(handler), json_body: true }
    }

    fn post<H: Handler<T, AppState>, T: 'static>(path: &'static str, rule: Rule, handler: H) -> Endpoint {
        Endpoint { method: Method::POST, path, rule, route: post(handler), json_body: true }
    }

    /// A POST that takes a file as its body: the body limit is the upload's
    /// ([`super::body_limit::UPLOAD_BODY_MAX`]), and the handler measures the file.
    fn upload<H: Handler<T, AppState>, T: 'static>(path: &'static str, rule: Rule, handler: H) -> Endpoint {
        let route = post(handler).layer(axum::extract::DefaultBodyLimit::disable());
        Endpoint { method: Method::POST, path, rule, route, json_body: false }
    }

    /// A POST for one verb of a handler that serves several (see [`super::verb`]).
    fn verb<H, T, V>(path: &'static str, rule: Rule, handler: H, verb: V) -> Endpoint
    where
        H: Handler<T, AppState>,
        T: 'static,
        V: Clone + Send + Sync + 'static,
    {
        Endpoint { method: Method::POST, path, rule, route: super::verb(handler, verb), json_body: true }
    }
}

/// Every API endpoint with its guard, relative to `/api/v1`.
pub fn endpoints() -> Vec<Endpoint> {
    use super::exchange::api as ex;
    use super::exchange::follows as xf;
    use super::exchange::practices_api as xp;
    use events_api as ev;
    use mentorship_api as ms;
    use Endpoint as E;
    use Rule::{Public, SignedIn};
    vec![
        E::get("/openapi.json", Public, super::openapi::document),
        E::get("/guides/search", Public, search),
        E::get("/search", Public, super::exchange::search::search),
        E::get("/guides/{id}", Public, guide),
        E::post("/guides/{id}/votes", Public, super::guide::vote_api),
        E::post("/guides/{id}/reports", SignedIn, super::guide::report_api),
        E::get("/guide-reports", COORDINATORS, super::guide::reports_api),
        E::post("/guide-reports/{id}/handle", COORDINATORS, super::guide::handle_api),
        E::get("/regions", Public, super::users::api_regions),
        E::get("/events", Public, ev::list),
        E::get("/events/{id}", Public, ev::get),
        E::get("/me", SignedIn, super::account::me),
        E::get("/mentorship/requests", SignedIn, ms::requests_list),
        E::post("/mentorship/requests", SignedIn, ms::request_file),
        E::get("/mentorship/requests/{id}", SignedIn, ms::request_get),
        E::post("/mentorship/requests/{id}", SignedIn, ms::request_edit),
        E::post("/mentorship/requests/{id}/withdraw", SignedIn, ms::request_withdraw),
        E::get("/mentorship/matches", SignedIn, ms::matches_list),
        E::get("/mentorship/matches/{id}", SignedIn, ms::match_get),
        E::verb("/mentorship/matches/{id}/accept", SignedIn, ms::match_action, MatchVerb::Accept),
        E::verb("/mentorship/matches/{id}/decline", SignedIn, ms::match_action, MatchVerb::Decline),
        E::verb("/mentorship/matches/{id}/meetings", SignedIn, ms::match_action, MatchVerb::Meetings),
        E::verb("/mentorship/matches/{id}/complete", SignedIn, ms::match_action, MatchVerb::Complete),
        E::verb("/mentorship/matches/{id}/cancel", SignedIn, ms::match_action, MatchVerb::Cancel),
        E::verb("/mentorship/matches/{id}/approve", COORDINATORS, ms::match_action, MatchVerb::Approve),
        E::verb("/mentorship/matches/{id}/discard", COORDINATORS, ms::match_action, MatchVerb::Withdraw),
        E::verb("/mentorship/matches/{id}/withdraw", COORDINATORS, ms::match_action, MatchVerb::Withdraw),
        E::post("/events/{id}/register", SignedIn, ev::register),
        E::post("/events/{id}/feedback", SignedIn, ev::feedback),
        E::post("/registrations/{id}/cancel", SignedIn, ev::unregister),
        E::get("/outbox", COORDINATORS, super::outbox::api_list),
        E::post("/outbox/{id}/retry", COORDINATORS, super::outbox::api_retry),
        E::get("/users", COORDINATORS, super::users::api_users),
        E::post("/mentorship/requests/{id}/assign", COORDINATORS, ms::request_assign),
        E::post("/mentorship/approve", COORDINATORS, super::mentorship::review_api::approve),
        E::post("/events", COORDINATORS, ev::create),
        E::post("/events/{id}", COORDINATORS, ev::update),
        E::get("/events/{id}/registrations", COORDINATORS, ev::registrations),
        E::verb("/events/{id}/publish", COORDINATORS, ev::action, EventVerb::Publish),
        E::verb("/events/{id}/cancel", COORDINATORS, ev::action, EventVerb::Cancel),
        E::verb("/events/{id}/complete", COORDINATORS, ev::action, EventVerb::Complete),
        E::verb("/events/{id}/attendance", COORDINATORS, ev::action, EventVerb::Attendance),
        E::verb("/events/{id}/exchange-links", COORDINATORS, ev::action, EventVerb::Links),
        E::get("/mentorship/settings", COORDINATORS, super::mentorship::review_api::settings_get),
        E::post("/mentorship/settings", COORDINATORS, super::mentorship::review_api::settings_save),
        E::post("/mentorship/run", COORDINATORS, super::mentorship::review_api::run),
        E::get("/kpi", OFFICERS_AND_COORDINATORS, super::dashboard::api),
        E::get("/exchange/questions", SignedIn, ex::list),
        E::post("/exchange/questions", SignedIn, ex::ask),
        E::get("/exchange/questions/{id}", SignedIn, ex::thread),
        E::post("/exchange/questions/{id}", SignedIn, ex::edit_question),
        E::post("/exchange/questions/{id}/answers", SignedIn, ex::answer),
        E::post("/exchange/questions/{id}/accept", SignedIn, ex::accept),
        E::post("/exchange/questions/{id}/report", SignedIn, ex::report_question),
        E::post("/exchange/questions/{id}/hide", COORDINATORS, ex::hide_question),
        E::get("/exchange/questions/{id}/guide-draft", COORDINATORS, ex::guide_draft),
        E::post("/exchange/answers/{id}", SignedIn, ex::edit_answer),
        E::post("/exchange/answers/{id}/report", SignedIn, ex::report_answer),
        E::post("/exchange/answers/{id}/hide", COORDINATORS, ex::hide_answer),
        E::get("/exchange/reports", COORDINATORS, ex::reports),
        E::post("/exchange/reports/{id}/handle", COORDINATORS, ex::handle_report),
        E::get("/exchange/follows", SignedIn, xf::list),
        E::post("/exchange/follows", SignedIn, xf::add),
        E::post("/exchange/follows/remove", SignedIn, xf::remove),
        E::get("/exchange/mail-settings", SignedIn, xf::settings),
        E::post("/exchange/mail-settings", SignedIn, xf::save_settings),
        E::get("/exchange/practices", SignedIn, xp::list),
        E::post("/exchange/practices", OFFICERS, xp::create),
        E::get("/exchange/practices/{id}", SignedIn, xp::one),
        E::post("/exchange/practices/{id}", SignedIn, xp::edit),
        E::post("/exchange/practices/{id}/submit", SignedIn, xp::submit),
        E::get("/exchange/practices/{id}/versions", SignedIn, xp::versions),
        E::upload("/exchange/practices/{id}/attachments", SignedIn, xp::upload),
        E::get("/exchange/attachments/{id}", SignedIn, xp::file),
        E::post("/exchange/attachments/{id}/remove", SignedIn, xp::remove),
        E::get("/exchange/practice-reviews", COORDINATORS, xp::review_queue),
        E::post("/exchange/practices/{id}/approve", COORDINATORS, xp::approve),
        E::post("/exchange/practices/{id}/return", COORDINATORS, xp::send_back),
        E::post("/exchange/practices/{id}/hide", COORDINATORS, xp::hide),
        E::get("/mentorship/profile", MENTORS, ms::profile_get),
        E::post("/mentorship/profile", MENTORS, ms::profile_save),
    ]
}

pub fn router() -> Router<AppState> {
    endpoints()
        .into_iter()
        .fold(Router::new(), |router, e| {
            let route = match e.rule {
                Rule::Public => e.route,
                rule => e.route.route_layer(axum::middleware::from_fn_with_state(rule, super::auth::guard)),
            };
            let route = if e.json_body { route.layer(axum::middleware::from_fn(json_bodies_only)) } else { route };
            router.route(e.path, route)
        })
        .fallback(not_found)
}

/// A request body sent to the API must say it is JSON: a form or a text body sent by
/// mistake is answered 415 instead of being read as something else. Bodiless requests
/// (most actions) need no `Content-Type`.
async fn json_bodies_only(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE, TRANSFER_ENCODING};
    use axum::response::IntoResponse;
    let headers = req.headers();
    let has_body = headers.contains_key(TRANSFER_ENCODING)
        || headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().parse::<u64>().map_or(true, |n| n > 0));
    let json = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|t| t.trim().to_ascii_lowercase())
        .is_some_and(|t| t == "application/json" || (t.starts_with("application/") && t.ends_with("+json")));
    if has_body && !json {
        return AppError::UnsupportedMediaType(
            "il corpo della richiesta deve essere JSON (Content-Type: application/json)".into(),
        )
        .into_response();
    }
    next.run(req).await
}

async fn not_found() -> AppError {
    AppError::NotFound("no such API endpoint: see /api/v1/openapi.json".into())
}

#[derive(Serialize, utoipa::ToSchema)]
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

#[derive(Serialize, utoipa::ToSchema)]
pub struct CorrectionJson {
    pub typed: String,
    pub to: Vec<String>,
}

#[utoipa::path(
    get,
    path = "/guides/search",
    tag = "guides",
    summary = "Search the guides",
    description = "Questions in Italian or English, acronyms (expanded in both languages), typos (corrected only when the word is not a real Italian or English word), legal references (\"art. 53\", \"2021/1060\") and operators: \"quoted phrase\", -word, OR, NOT, prefix*. One result per translation pair, in the language of the query.",
    params(
        ("q" = Option<String>, Query, description = "What to search for (at most 500 characters). Quotes search an exact phrase."),
        ("fund" = Option<String>, Query, description = "FSE+ (or ESF+), FESR (or ERDF), JTF"),
        ("phase" = Option<crate::guides::Phase>, Query, description = "Phase of the funding cycle"),
        ("lang" = Option<crate::i18n::Lang>, Query, description = "Language of the results"),
        ("topic" = Option<String>, Query, description = "A topic slug from guides/topics.toml"),
        ("page" = Option<u32>, Query, minimum = 1, maximum = 500, description = "Page, from 1 (at most 500)"),
        ("per_page" = Option<u32>, Query, minimum = 1, maximum = 50, description = "Results per page, 1-50 (default 10)")
    ),
    responses(
        (status = 200, description = "Results", body = SearchResponse),
        (status = 400, description = "A parameter is out of range or unknown", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn search(
    State(state): State<AppState>,
    lang: Lang,
    RawQuery(raw): RawQuery,
) -> AppResult<Json<SearchResponse>> {
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

#[derive(Serialize, utoipa::ToSchema)]
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

#[derive(Serialize, utoipa::ToSchema)]
pub struct StepJson {
    pub number: u32,
    /// The step's anchor on the guide page (`/guide/{id}#{anchor}`), the same in both languages.
    pub anchor: String,
    pub title: String,
    /// The step text as Markdown and as HTML.
    pub markdown: String,
    pub html: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SectionJson {
    pub title: String,
    pub markdown: String,
    pub html: String,
}

pub fn guide_json(g: &Guide, translation: Option<&Guide>) -> GuideJson {
    let text = g.text();
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
        intro: markdown_to_html(&text.intro),
        steps: g
            .steps
            .iter()
            .zip(&text.steps)
            .map(|(s, body)| StepJson {
                number: s.number,
                anchor: s.anchor(),
                title: s.title.clone(),
                html: markdown_to_html(body),
                markdown: body.clone(),
            })
            .collect(),
        sections: g
            .sections
            .iter()
            .zip(&text.sections)
            .map(|(s, body)| SectionJson {
                title: s.title.clone(),
                html: markdown_to_html(body),
                markdown: body.clone(),
            })
            .collect(),
        url: g.url(),
    }
}

#[utoipa::path(
    get,
    path = "/guides/{id}",
    tag = "guides",
    summary = "One guide with its steps",
    params(
        ("id" = String, Path, description = "Guide id")
    ),
    responses(
        (status = 200, description = "The guide", body = GuideJson),
        (status = 301, description = "The guide was merged into another; Location gives its address"),
        (status = 404, description = "No guide with that id", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn guide(
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
