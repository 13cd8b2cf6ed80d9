//! `/api/v1/exchange/...`: questions between Regions, their answers, moderation and
//! reports, as JSON.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::list_filter;
use crate::app::AppState;
use crate::exchange::{Answer, Item, Question, QuestionInput, Report};
use crate::i18n::Lang;
use crate::web::auth::Auth;
use crate::web::error::{AppResult, RefusalHttp};
use crate::web::kit::{json, signed_in};
use crate::web::params::Params;
use crate::web::PathId;

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ExchangeQuestionList)]
pub struct QuestionList {
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub items: Vec<Question>,
}

/// A question with the answers the person may see.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ExchangeThread)]
pub struct Thread {
    pub question: Question,
    pub answers: Vec<Answer>,
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[schema(as = ExchangeQuestionBody)]
pub struct QuestionBody {
    /// At most 200 characters.
    pub title: String,
    /// Markdown without raw HTML, at most 20,000 characters.
    pub body: String,
    /// FSE+, FESR or JTF.
    pub fund: Option<String>,
    /// Topic slugs (at most 50).
    #[serde(default)]
    pub topics: Vec<String>,
}

impl From<QuestionBody> for QuestionInput {
    fn from(b: QuestionBody) -> Self {
        QuestionInput { title: b.title, body: b.body, fund: b.fund, topics: b.topics }
    }
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[schema(as = ExchangeTextBody)]
pub struct TextBody {
    /// Markdown without raw HTML, at most 20,000 characters.
    pub body: String,
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[schema(as = ExchangeAcceptBody)]
pub struct AcceptBody {
    pub answer_id: i64,
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[schema(as = ExchangeReasonBody)]
pub struct ReasonBody {
    /// At most 500 characters.
    pub reason: String,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ExchangeReportCreated)]
pub struct ReportCreated {
    pub id: i64,
}

#[utoipa::path(
    get,
    path = "/exchange/questions",
    tag = "exchange",
    summary = "Questions between Regions, newest first",
    description = "Hidden questions appear only to their author and to coordinators.",
    params(
        ("fund" = Option<String>, Query, description = "FSE+, FESR or JTF"),
        ("topic" = Option<String>, Query, description = "A topic slug"),
        ("answered" = Option<String>, Query, description = "1: with an accepted answer; 0: without"),
        ("mine" = Option<String>, Query, description = "1: only one's own"),
        ("page" = Option<u32>, Query, minimum = 1, maximum = 100000, description = "Page, from 1"),
        ("per_page" = Option<u32>, Query, minimum = 1, maximum = 100, description = "1-100 (default 20)")
    ),
    responses(
        (status = 200, description = "One page of questions", body = QuestionList),
        (status = 400, description = "Unknown fund, topic or value", body = crate::web::error::ErrorInfo),
        (status = 401, description = "Not signed in", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn list(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    RawQuery(raw): RawQuery,
) -> AppResult<Json<QuestionList>> {
    let user = signed_in(&auth)?;
    let p = Params::parse(raw.as_deref(), lang)?;
    let f = list_filter(&p, &state, lang)?;
    let page = p.number("page", 1, 100_000, lang)? as i64;
    let per_page = p.number("per_page", 20, 100, lang)? as i64;
    let (items, total) =
        state.exchange.questions(user, &f, per_page, (page - 1) * per_page).await.map_err(|e| e.into_app(lang))?;
    Ok(Json(QuestionList { total, page, per_page, items }))
}

#[utoipa::path(
    post,
    path = "/exchange/questions",
    tag = "exchange",
    summary = "Ask the other Regions a question (at most 20 in 24 hours)",
    request_body = QuestionBody,
    responses(
        (status = 201, description = "The question", body = Question),
        (status = 400, description = "A field is missing, too long or unknown (`field` names it)", body = crate::web::error::ErrorInfo),
        (status = 401, description = "Not signed in", body = crate::web::error::ErrorInfo),
        (status = 429, description = "20 questions in the last 24 hours", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn ask(State(state): State<AppState>, lang: Lang, auth: Auth, body: Bytes) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let b: QuestionBody = json(&body, lang)?;
    let topics = &state.search.corpus().topics;
    let q = state.exchange.ask(user, &b.into(), topics).await.map_err(|e| e.into_app(lang))?;
    Ok((StatusCode::CREATED, Json(q)).into_response())
}

#[utoipa::path(
    get,
    path = "/exchange/questions/{id}",
    tag = "exchange",
    summary = "A question with its answers",
    params(("id" = i64, Path, description = "Identifier")),
    responses(
        (status = 200, description = "The thread", body = Thread),
        (status = 401, description = "Not signed in", body = crate::web::error::ErrorInfo),
        (status = 404, description = "No such question, or hidden", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn thread(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Json<Thread>> {
    let user = signed_in(&auth)?;
    let question = state.exchange.question(user, id).await.map_err(|e| e.into_app(lang))?;
    let answers = state.exchange.answers(user, &question).await.map_err(|e| e.into_app(lang))?;
    Ok(Json(Thread { question, answers }))
}

#[utoipa::path(
    post,
    path = "/exchange/questions/{id}",
    tag = "exchange",
    summary = "Edit one's question (within 24 hours of asking it)",
    params(("id" = i64, Path, description = "Identifier")),
    request_body = QuestionBody,
    responses(
        (status = 200, description = "The question, marked as edited", body = Question),
        (status = 400, description = "A field is missing, too long or unknown", body = crate::web::error::ErrorInfo),
        (status = 401, description = "Not signed in", body = crate::web::error::ErrorInfo),
        (status = 403, description = "Somebody else's question", body = crate::web::error::ErrorInfo),
        (status = 404, description = "No such question", body = crate::web::error::ErrorInfo),
        (status = 409, description = "More than 24 hours after asking", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn edit_question(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
    body: Bytes,
) -> AppResult<Json<Question>> {
    let user = signed_in(&auth)?;
    let b: QuestionBody = json(&body, lang)?;
    let topics = &state.search.corpus().topics;
    Ok(Json(state.exchange.edit_question(user, id, &b.into(), topics).await.map_err(|e| e.into_app(lang))?))
}

#[utoipa::path(
    post,
    path = "/exchange/questions/{id}/answers",
    tag = "exchange",
    summary = "Answer a question",
    params(("id" = i64, Path, description = "Identifier")),
    request_body = TextBody,
    responses(
        (status = 201, description = "The answer", body = Answer),
        (status = 400, description = "Empty or too long", body = crate::web::error::ErrorInfo),
        (status = 401, description = "Not signed in", body = crate::web::error::ErrorInfo),
        (status = 404, description = "No such question", body = crate::web::error::ErrorInfo),
        (status = 409, description = "The question is hidden", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn answer(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
    body: Bytes,
) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let b: TextBody = json(&body, lang)?;
    let a = state.exchange.answer(user, id, &b.body).await.map_err(|e| e.into_app(lang))?;
    Ok((StatusCode::CREATED, Json(a)).into_response())
}

#[utoipa::path(
    post,
    path = "/exchange/answers/{id}",
    tag = "exchange",
    summary = "Edit one's answer (within 24 hours of writing it)",
    params(("id" = i64, Path, description = "Identifier")),
    request_body = TextBody,
    responses(
        (status = 200, description = "The answer, marked as edited", body = Answer),
        (status = 400, description = "Empty or too long", body = crate::web::error::ErrorInfo),
        (status = 401, description = "Not signed in", body = crate::web::error::ErrorInfo),
        (status = 403, description = "Somebody else's answer", body = crate::web::error::ErrorInfo),
        (status = 404, description = "No such answer", body = crate::web::error::ErrorInfo),
        (status = 409, description = "More than 24 hours after writing it", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn edit_answer(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
    body: Bytes,
) -> AppResult<Json<Answer>> {
    let user = signed_in(&auth)?;
    let b: TextBody = json(&body, lang)?;
    Ok(Json(state.exchange.edit_answer(user, id, &b.body).await.map_err(|e| e.into_app(lang))?))
}

#[utoipa::path(
    post,
    path = "/exchange/questions/{id}/accept",
    tag = "exchange",
    summary = "Mark the answer that solved the question (the asker or a coordinator)",
    params(("id" = i64, Path, description = "Identifier")),
    request_body = AcceptBody,
    responses(
        (status = 200, description = "The question, now answered", body = Question),
        (status = 400, description = "Not one of the question's answers", body = crate::web::error::ErrorInfo),
        (status = 401, description = "Not signed in", body = crate::web::error::ErrorInfo),
        (status = 403, description = "Neither the asker nor a coordinator", body = crate::web::error::ErrorInfo),
        (status = 404, description = "No such question", body = crate::web::error::ErrorInfo),
        (status = 409, description = "The answer is hidden", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn accept(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
    body: Bytes,
) -> AppResult<Json<Question>> {
    let user = signed_in(&auth)?;
    let b: AcceptBody = json(&body, lang)?;
    Ok(Json(state.exchange.accept(user, id, b.answer_id).await.map_err(|e| e.into_app(lang))?))
}

async fn hide_item(
    state: &AppState,
    lang: Lang,
    auth: &Auth,
    item: Item,
    id: i64,
    body: &Bytes,
) -> AppResult<StatusCode> {
    let user = signed_in(auth)?;
    let b: ReasonBody = json(body, lang)?;
    state.exchange.hide(user, item, id, &b.reason).await.map_err(|e| e.into_app(lang))?;
    Ok(StatusCode::NO_CONTENT)
}

async fn report_item(
    state: &AppState,
    lang: Lang,
    auth: &Auth,
    item: Item,
    id: i64,
    body: &Bytes,
) -> AppResult<Response> {
    let user = signed_in(auth)?;
    let b: ReasonBody = json(body, lang)?;
    let id = state.exchange.report(user, item, id, &b.reason).await.map_err(|e| e.into_app(lang))?;
    Ok((StatusCode::CREATED, Json(ReportCreated { id })).into_response())
}

#[utoipa::path(
    post,
    path = "/exchange/questions/{id}/hide",
    tag = "exchange",
    summary = "Hide a question (coordinators), with the reason its author reads",
    description = "The author keeps seeing it, with the reason; nobody else but coordinators does.",
    params(("id" = i64, Path, description = "Identifier")),
    request_body = ReasonBody,
    responses(
        (status = 204, description = "Hidden"),
        (status = 400, description = "No reason, or longer than 500 characters", body = crate::web::error::ErrorInfo),
        (status = 401, description = "Not signed in", body = crate::web::error::ErrorInfo),
        (status = 403, description = "Not a coordinator", body = crate::web::error::ErrorInfo),
        (status = 404, description = "No such question", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn hide_question(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
    body: Bytes,
) -> AppResult<StatusCode> {
    hide_item(&state, lang, &auth, Item::Question, id, &body).await
}

#[utoipa::path(
    post,
    path = "/exchange/questions/{id}/report",
    tag = "exchange",
    summary = "Report a question to the coordinators",
    params(("id" = i64, Path, description = "Identifier")),
    request_body = ReasonBody,
    responses(
        (status = 201, description = "Reported", body = ReportCreated),
        (status = 400, description = "No reason, or longer than 500 characters", body = crate::web::error::ErrorInfo),
        (status = 401, description = "Not signed in", body = crate::web::error::ErrorInfo),
        (status = 404, description = "No such question", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn report_question(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
    body: Bytes,
) -> AppResult<Response> {
    report_item(&state, lang, &auth, Item::Question, id, &body).await
}

#[utoipa::path(
    post,
    path = "/exchange/answers/{id}/hide",
    tag = "exchange",
    summary = "Hide an answer (coordinators), with the reason its author reads",
    description = "The author keeps seeing it, with the reason; nobody else but coordinators does. A hidden accepted answer stops being the accepted one.",
    params(("id" = i64, Path, description = "Identifier")),
    request_body = ReasonBody,
    responses(
        (status = 204, description = "Hidden"),
        (status = 400, description = "No reason, or longer than 500 characters", body = crate::web::error::ErrorInfo),
        (status = 401, description = "Not signed in", body = crate::web::error::ErrorInfo),
        (status = 403, description = "Not a coordinator", body = crate::web::error::ErrorInfo),
        (status = 404, description = "No such answer", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn hide_answer(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
    body: Bytes,
) -> AppResult<StatusCode> {
    hide_item(&state, lang, &auth, Item::Answer, id, &body).await
}

#[utoipa::path(
    post,
    path = "/exchange/answers/{id}/report",
    tag = "exchange",
    summary = "Report an answer to the coordinators",
    params(("id" = i64, Path, description = "Identifier")),
    request_body = ReasonBody,
    responses(
        (status = 201, description = "Reported", body = ReportCreated),
        (status = 400, description = "No reason, or longer than 500 characters", body = crate::web::error::ErrorInfo),
        (status = 401, description = "Not signed in", body = crate::web::error::ErrorInfo),
        (status = 404, description = "No such answer", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn report_answer(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
    body: Bytes,
) -> AppResult<Response> {
    report_item(&state, lang, &auth, Item::Answer, id, &body).await
}

#[utoipa::path(
    get,
    path = "/exchange/reports",
    tag = "exchange",
    summary = "Open reports, oldest first (coordinators)",
    responses(
        (status = 200, description = "The queue", body = Vec<Report>),
        (status = 401, description = "Not signed in", body = crate::web::error::ErrorInfo),
        (status = 403, description = "Not a coordinator", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn reports(State(state): State<AppState>, lang: Lang) -> AppResult<Json<Vec<Report>>> {
    Ok(Json(state.exchange.open_reports().await.map_err(|e| e.into_app(lang))?))
}

#[utoipa::path(
    post,
    path = "/exchange/reports/{id}/handle",
    tag = "exchange",
    summary = "Close a report (coordinators)",
    params(("id" = i64, Path, description = "Identifier")),
    responses(
        (status = 204, description = "Closed"),
        (status = 401, description = "Not signed in", body = crate::web::error::ErrorInfo),
        (status = 403, description = "Not a coordinator", body = crate::web::error::ErrorInfo),
        (status = 404, description = "No such open report", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn handle_report(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<StatusCode> {
    let user = signed_in(&auth)?;
    state.exchange.handle_report(user, id).await.map_err(|e| e.into_app(lang))?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get,
    path = "/exchange/questions/{id}/guide-draft",
    tag = "exchange",
    summary = "A draft guide from the question and its accepted answer (coordinators)",
    description = "Markdown with the corpus's front matter filled (title, fund, topics, questions, source = the thread), to review into guides/.",
    params(("id" = i64, Path, description = "Identifier")),
    responses(
        (status = 200, description = "The draft", content_type = "text/markdown"),
        (status = 401, description = "Not signed in", body = crate::web::error::ErrorInfo),
        (status = 403, description = "Not a coordinator", body = crate::web::error::ErrorInfo),
        (status = 404, description = "No such question", body = crate::web::error::ErrorInfo),
        (status = 409, description = "No accepted answer yet", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn guide_draft(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let md = state.exchange.draft_guide(user, id, &state.config.public_url).await.map_err(|e| e.into_app(lang))?;
    Ok((
        [
            (CONTENT_TYPE, "text/markdown; charset=utf-8".to_string()),
            (CONTENT_DISPOSITION, format!("attachment; filename=\"bozza-guida-domanda-{id}.md\"")),
        ],
        md,
    )
        .into_response())
}
