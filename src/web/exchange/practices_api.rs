//! `/api/v1/exchange/practices...`: practices of the Regions, their versions, attachments and
//! review, as JSON (attachments as their own bytes).

use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::practices::{attach, download_response, practice_filter, read_file};
use crate::app::AppState;
use crate::exchange::{Attachment, Practice, PracticeInput, Summary, Version};
use crate::i18n::Lang;
use crate::web::auth::Auth;
use crate::web::error::{AppResult, RefusalHttp};
use crate::web::kit::{json, signed_in};
use crate::web::params::Params;
use crate::web::PathId;

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ExchangePracticeList)]
pub struct PracticeList {
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub items: Vec<Summary>,
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[schema(as = ExchangePracticeBody)]
pub struct PracticeBody {
    /// At most 200 characters.
    pub title: String,
    /// At most 1,000 characters.
    pub summary: String,
    /// At least one of FSE+, FESR, JTF.
    #[serde(default)]
    pub funds: Vec<String>,
    /// At least one phase slug (programmazione, avviso, selezione, attuazione, rendicontazione, controllo, chiusura).
    #[serde(default)]
    pub phases: Vec<String>,
    /// Topic slugs of the corpus vocabulary.
    #[serde(default)]
    pub topics: Vec<String>,
    /// real_costs, unit_costs, lump_sums, flat_rates, not_linked (art. 53(1) CPR).
    #[serde(default)]
    pub cost_options: Vec<String>,
    /// Markdown without raw HTML, at most 20,000 characters.
    pub what_done: String,
    #[serde(default)]
    pub act_reference: String,
    /// An http(s) address.
    #[serde(default)]
    pub act_url: String,
    #[schema(minimum = 0)]
    pub budget_eur: Option<i64>,
    #[schema(minimum = 0)]
    pub people_trained: Option<i64>,
    #[serde(default)]
    pub results: String,
    #[serde(default)]
    pub lessons: String,
    pub contact_name: String,
    pub contact_email: String,
    /// true: send for review; false (default): keep as a draft.
    #[serde(default)]
    pub submit: bool,
}

impl From<&PracticeBody> for PracticeInput {
    fn from(b: &PracticeBody) -> Self {
        PracticeInput {
            title: b.title.clone(),
            summary: b.summary.clone(),
            funds: b.funds.clone(),
            phases: b.phases.clone(),
            topics: b.topics.clone(),
            cost_options: b.cost_options.clone(),
            what_done: b.what_done.clone(),
            act_reference: b.act_reference.clone(),
            act_url: b.act_url.clone(),
            budget_eur: b.budget_eur.map(|n| n.to_string()).unwrap_or_default(),
            people_trained: b.people_trained.map(|n| n.to_string()).unwrap_or_default(),
            results: b.results.clone(),
            lessons: b.lessons.clone(),
            contact_name: b.contact_name.clone(),
            contact_email: b.contact_email.clone(),
        }
    }
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[schema(as = ExchangeCommentBody)]
pub struct CommentBody {
    /// What should change, at most 2,000 characters.
    pub comment: String,
}

#[utoipa::path(
    get,
    path = "/exchange/practices",
    tag = "exchange",
    summary = "Published practices of the Regions, or one's own in every state",
    params(
        ("fund" = Option<String>, Query, description = "FSE+, FESR or JTF"),
        ("phase" = Option<String>, Query, description = "A phase slug"),
        ("topic" = Option<String>, Query, description = "A topic slug"),
        ("region" = Option<String>, Query, description = "A Region's code"),
        ("mine" = Option<String>, Query, description = "1: one's own practices, in every state"),
        ("page" = Option<u32>, Query, minimum = 1, maximum = 100000, description = "Page, from 1"),
        ("per_page" = Option<u32>, Query, minimum = 1, maximum = 100, description = "1-100 (default 20)")
    ),
    responses(
        (status = 200, description = "One page of practices", body = PracticeList),
        (status = 400, description = "Unknown fund, phase, topic or value", body = crate::web::error::ErrorInfo),
        (status = 401, description = "Not signed in", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn list(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    RawQuery(raw): RawQuery,
) -> AppResult<Json<PracticeList>> {
    let user = signed_in(&auth)?;
    let p = Params::parse(raw.as_deref(), lang)?;
    let f = practice_filter(&p, &state, lang)?;
    let page = p.number("page", 1, 100_000, lang)? as i64;
    let per_page = p.number("per_page", 20, 100, lang)? as i64;
    let (items, total) =
        state.exchange.practices(user, &f, per_page, (page - 1) * per_page).await.map_err(|e| e.into_app(lang))?;
    Ok(Json(PracticeList { total, page, per_page, items }))
}

#[utoipa::path(
    post,
    path = "/exchange/practices",
    tag = "exchange",
    summary = "Start a practice of one's own Region (officers): a draft, or sent for review",
    request_body = PracticeBody,
    responses(
        (status = 201, description = "The practice", body = Practice),
        (status = 400, description = "A field is missing, too long or unknown (`field` names it)", body = crate::web::error::ErrorInfo),
        (status = 401, description = "Not signed in", body = crate::web::error::ErrorInfo),
        (status = 403, description = "Not a regional officer", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn create(State(state): State<AppState>, lang: Lang, auth: Auth, body: Bytes) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let b: PracticeBody = json(&body, lang)?;
    let topics = &state.search.corpus().topics;
    let p = state.exchange.create_practice(user, &(&b).into(), b.submit, topics).await.map_err(|e| e.into_app(lang))?;
    Ok((StatusCode::CREATED, Json(p)).into_response())
}

#[utoipa::path(
    get,
    path = "/exchange/practices/{id}",
    tag = "exchange",
    summary = "A practice: its published version, and for its author and coordinators the one being written or reviewed",
    params(("id" = i64, Path, description = "Identifier")),
    responses(
        (status = 200, description = "The practice", body = Practice),
        (status = 401, description = "Not signed in", body = crate::web::error::ErrorInfo),
        (status = 404, description = "No such practice, or not published", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn one(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Json<Practice>> {
    let user = signed_in(&auth)?;
    Ok(Json(state.exchange.practice(user, id).await.map_err(|e| e.into_app(lang))?))
}

#[utoipa::path(
    post,
    path = "/exchange/practices/{id}",
    tag = "exchange",
    summary = "Change one's practice; a published one gets a new version, reviewed again",
    params(("id" = i64, Path, description = "Identifier")),
    request_body = PracticeBody,
    responses(
        (status = 200, description = "The practice", body = Practice),
        (status = 400, description = "A field is missing, too long or unknown", body = crate::web::error::ErrorInfo),
        (status = 401, description = "Not signed in", body = crate::web::error::ErrorInfo),
        (status = 403, description = "Somebody else's practice", body = crate::web::error::ErrorInfo),
        (status = 404, description = "No such practice", body = crate::web::error::ErrorInfo),
        (status = 409, description = "Hidden by the coordinators", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn edit(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
    body: Bytes,
) -> AppResult<Json<Practice>> {
    let user = signed_in(&auth)?;
    let b: PracticeBody = json(&body, lang)?;
    let topics = &state.search.corpus().topics;
    Ok(Json(
        state.exchange.edit_practice(user, id, &(&b).into(), b.submit, topics).await.map_err(|e| e.into_app(lang))?,
    ))
}

#[utoipa::path(
    post,
    path = "/exchange/practices/{id}/submit",
    tag = "exchange",
    summary = "Send one's draft or sent-back practice for review",
    params(("id" = i64, Path, description = "Identifier")),
    responses(
        (status = 200, description = "The practice, awaiting review", body = Practice),
        (status = 401, description = "Not signed in", body = crate::web::error::ErrorInfo),
        (status = 403, description = "Somebody else's practice", body = crate::web::error::ErrorInfo),
        (status = 404, description = "No such practice", body = crate::web::error::ErrorInfo),
        (status = 409, description = "Already awaiting review, nothing to send, or hidden", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn submit(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Json<Practice>> {
    let user = signed_in(&auth)?;
    Ok(Json(state.exchange.submit_practice(user, id).await.map_err(|e| e.into_app(lang))?))
}

#[utoipa::path(
    get,
    path = "/exchange/practices/{id}/versions",
    tag = "exchange",
    summary = "Every version of a practice, newest first (its author and coordinators)",
    params(("id" = i64, Path, description = "Identifier")),
    responses(
        (status = 200, description = "The versions", body = Vec<Version>),
        (status = 401, description = "Not signed in", body = crate::web::error::ErrorInfo),
        (status = 403, description = "Neither its author nor a coordinator", body = crate::web::error::ErrorInfo),
        (status = 404, description = "No such practice", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn versions(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Json<Vec<Version>>> {
    let user = signed_in(&auth)?;
    Ok(Json(state.exchange.practice_versions(user, id).await.map_err(|e| e.into_app(lang))?))
}

#[utoipa::path(
    post,
    path = "/exchange/practices/{id}/attachments",
    tag = "exchange",
    summary = "Attach a file to one's practice (PDF, ODT, ODS, DOCX or XLSX, recognised by content; at most 10 MB and 5 files)",
    description = "The body is the file itself. Attaching to a published practice starts a new version, reviewed again.",
    params(
        ("id" = i64, Path, description = "Identifier"),
        ("name" = Option<String>, Query, description = "The file's name (its extension follows the recognised type)")
    ),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses(
        (status = 201, description = "The attachment", body = Attachment),
        (status = 400, description = "Empty, over 10 MB, a type not accepted, macros, or a sixth file (`field` is `file`)", body = crate::web::error::ErrorInfo),
        (status = 401, description = "Not signed in", body = crate::web::error::ErrorInfo),
        (status = 403, description = "Somebody else's practice", body = crate::web::error::ErrorInfo),
        (status = 404, description = "No such practice", body = crate::web::error::ErrorInfo),
        (status = 409, description = "Hidden by the coordinators", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn upload(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
    RawQuery(raw): RawQuery,
    body: Body,
) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let p = Params::parse(raw.as_deref(), lang)?;
    let name = p.get("name").unwrap_or("").to_string();
    let (data, total) = read_file(body.into_data_stream(), lang).await?;
    let a = attach(&state, user, id, &name, &data, total).await.map_err(|e| e.into_app(lang))?;
    Ok((StatusCode::CREATED, Json(a)).into_response())
}

#[utoipa::path(
    get,
    path = "/exchange/attachments/{id}",
    tag = "exchange",
    summary = "An attachment's file, as a download",
    params(("id" = i64, Path, description = "Identifier")),
    responses(
        (status = 200, description = "The file, with Content-Disposition: attachment", content_type = "application/octet-stream"),
        (status = 401, description = "Not signed in", body = crate::web::error::ErrorInfo),
        (status = 404, description = "No such attachment, or in a version one may not see", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn file(State(state): State<AppState>, lang: Lang, auth: Auth, PathId(id): PathId) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let (a, kind, data) = state.exchange.attachment(user, id).await.map_err(|e| e.into_app(lang))?;
    Ok(download_response(&a.name, kind.mime(), data))
}

#[utoipa::path(
    post,
    path = "/exchange/attachments/{id}/remove",
    tag = "exchange",
    summary = "Remove an attachment from one's practice (from a published one: in a new version)",
    params(("id" = i64, Path, description = "Identifier")),
    responses(
        (status = 200, description = "The practice", body = Practice),
        (status = 401, description = "Not signed in", body = crate::web::error::ErrorInfo),
        (status = 403, description = "Somebody else's practice", body = crate::web::error::ErrorInfo),
        (status = 404, description = "No such attachment", body = crate::web::error::ErrorInfo),
        (status = 409, description = "Not in the version being written, or hidden", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn remove(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Json<Practice>> {
    let user = signed_in(&auth)?;
    let practice = state.exchange.detach(user, id).await.map_err(|e| e.into_app(lang))?;
    Ok(Json(state.exchange.practice(user, practice).await.map_err(|e| e.into_app(lang))?))
}

#[utoipa::path(
    get,
    path = "/exchange/practice-reviews",
    tag = "exchange",
    summary = "Practices awaiting review, the longest waiting first (coordinators)",
    responses(
        (status = 200, description = "The queue", body = Vec<Practice>),
        (status = 401, description = "Not signed in", body = crate::web::error::ErrorInfo),
        (status = 403, description = "Not a coordinator", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn review_queue(State(state): State<AppState>, lang: Lang, auth: Auth) -> AppResult<Json<Vec<Practice>>> {
    let user = signed_in(&auth)?;
    Ok(Json(state.exchange.review_queue(user).await.map_err(|e| e.into_app(lang))?))
}

#[utoipa::path(
    post,
    path = "/exchange/practices/{id}/approve",
    tag = "exchange",
    summary = "Approve the version awaiting review: it becomes the published one (coordinators)",
    params(("id" = i64, Path, description = "Identifier")),
    responses(
        (status = 200, description = "The practice, published", body = Practice),
        (status = 401, description = "Not signed in", body = crate::web::error::ErrorInfo),
        (status = 403, description = "Not a coordinator", body = crate::web::error::ErrorInfo),
        (status = 404, description = "No such practice", body = crate::web::error::ErrorInfo),
        (status = 409, description = "Nothing awaits review", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn approve(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Json<Practice>> {
    let user = signed_in(&auth)?;
    Ok(Json(state.exchange.approve_practice(user, id).await.map_err(|e| e.into_app(lang))?))
}

#[utoipa::path(
    post,
    path = "/exchange/practices/{id}/return",
    tag = "exchange",
    summary = "Send the version awaiting review back to its author with a comment (coordinators)",
    params(("id" = i64, Path, description = "Identifier")),
    request_body = CommentBody,
    responses(
        (status = 200, description = "The practice, sent back", body = Practice),
        (status = 400, description = "No comment, or too long (`field` is `comment`)", body = crate::web::error::ErrorInfo),
        (status = 401, description = "Not signed in", body = crate::web::error::ErrorInfo),
        (status = 403, description = "Not a coordinator", body = crate::web::error::ErrorInfo),
        (status = 404, description = "No such practice", body = crate::web::error::ErrorInfo),
        (status = 409, description = "Nothing awaits review", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn send_back(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
    body: Bytes,
) -> AppResult<Json<Practice>> {
    let user = signed_in(&auth)?;
    let b: CommentBody = json(&body, lang)?;
    Ok(Json(state.exchange.return_practice(user, id, &b.comment).await.map_err(|e| e.into_app(lang))?))
}

#[utoipa::path(
    post,
    path = "/exchange/practices/{id}/hide",
    tag = "exchange",
    summary = "Hide a practice, with a reason its author reads (coordinators)",
    params(("id" = i64, Path, description = "Identifier")),
    request_body = super::api::ReasonBody,
    responses(
        (status = 200, description = "The practice, hidden", body = Practice),
        (status = 400, description = "No reason, or too long (`field` is `reason`)", body = crate::web::error::ErrorInfo),
        (status = 401, description = "Not signed in", body = crate::web::error::ErrorInfo),
        (status = 403, description = "Not a coordinator", body = crate::web::error::ErrorInfo),
        (status = 404, description = "No such practice", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn hide(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
    body: Bytes,
) -> AppResult<Json<Practice>> {
    let user = signed_in(&auth)?;
    let b: super::api::ReasonBody = json(&body, lang)?;
    Ok(Json(state.exchange.hide_practice(user, id, &b.reason).await.map_err(|e| e.into_app(lang))?))
}
