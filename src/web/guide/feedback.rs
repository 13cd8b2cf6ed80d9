//! Readers' feedback on a guide: the "was it useful?" form for everyone, the error report
//! for signed-in readers, the coordinators' queue of reports, and the same as JSON.

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::*;
use crate::accounts::session::random_secret;
use crate::feedback::{self, GuideReport, Handling, ReportInput, ReportState, Vote, Voter};
use crate::web::auth::cookie_value;
use crate::web::error::{Refusal, RefusalHttp};
use crate::web::kit::{client_headers_body, form, json, redirect_or_page, signed_in, Done};
use crate::web::layout::{csrf_field, Problems};
use crate::web::PathId;

/// The cookie that tells a browser's votes apart (random, kept 30 days).
pub const VOTER_COOKIE: &str = "fondilab_voter";
const PER_PAGE: i64 = 20;

/// What the guide page shows under the guide: the reader's vote, whether they may vote, a
/// notice, and a refused form's field and message with what was typed.
pub struct Readers {
    vote: Option<Vote>,
    can_vote: bool,
    notice: Option<&'static str>,
    error: Option<FormError>,
}

/// A refused form: which one, its wrong fields, and what was typed, to show it again.
pub struct FormError {
    form: &'static str,
    problems: Problems,
    typed: Vec<(String, String)>,
}

impl FormError {
    fn typed(&self, name: &str) -> &str {
        self.typed.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
    }
}

impl Readers {
    pub async fn of(
        state: &AppState,
        auth: &Auth,
        headers: &HeaderMap,
        guide: &Guide,
        notice: Option<&'static str>,
        error: Option<FormError>,
    ) -> AppResult<Readers> {
        let token = cookie_value(headers, VOTER_COOKIE);
        let voter = match (auth.user(), token) {
            (Some(u), _) => Some(Voter::Person(u)),
            (None, Some(token)) => Some(Voter::Browser { token, client: "" }),
            (None, None) => None,
        };
        let vote = match &voter {
            Some(v) => feedback::vote_of(&state.db, &guide.id, v).await?,
            None => None,
        };
        let can_vote = auth.user().is_some() || vote.is_none();
        Ok(Readers { vote, can_vote, notice, error })
    }

    pub fn render(&self, lang: Lang, auth: &Auth, g: &Guide) -> Markup {
        let vote_error = self.error.as_ref().filter(|e| e.form == "vote");
        let report_error = self.error.as_ref().filter(|e| e.form == "report");
        let none = Problems::none();
        let vote_problems = vote_error.map_or(&none, |e| &e.problems);
        let report_problems = report_error.map_or(&none, |e| &e.problems);
        let yes_no = |useful: bool| if useful { lang.t("sì", "yes") } else { lang.t("no", "no") };
        html! {
            @if let Some(n) = self.notice { p.notice role="status" { (n) } }
            section #parere aria-labelledby="parere-titolo" {
                h2 #parere-titolo { (lang.t("Questa guida ti è stata utile?", "Was this guide useful?")) }
                @if let Some(v) = &self.vote {
                    p {
                        (lang.t("Hai risposto: ", "You answered: ")) strong { (yes_no(v.useful)) } "."
                        @if auth.user().is_some() { " " (lang.t("Puoi cambiare la risposta qui sotto.", "You can change your answer below.")) }
                    }
                }
                @if self.can_vote {
                    (vote_problems.summary(lang))
                    form method="post" action=(format!("/guide/{}/utile", g.id)) novalidate {
                        (csrf_field(auth))
                        fieldset #useful aria-describedby=[vote_problems.described("useful")] {
                            legend { (lang.t("La tua risposta", "Your answer")) }
                            @let current = vote_error.map(|e| e.typed("useful").to_string())
                                .or_else(|| self.vote.as_ref().map(|v| if v.useful { "si".into() } else { "no".into() }));
                            label.inline { input type="radio" name="useful" value="si" checked[current.as_deref() == Some("si")]; " " (lang.t("Sì", "Yes")) }
                            label.inline { input type="radio" name="useful" value="no" checked[current.as_deref() == Some("no")]; " " (lang.t("No", "No")) }
                            (vote_problems.at("useful"))
                        }
                        div.field {
                            label for="comment" { (lang.t("Commento (facoltativo, al massimo 500 caratteri)", "Comment (optional, at most 500 characters)")) }
                            textarea #comment name="comment" rows="3" maxlength="500"
                                aria-invalid=[vote_problems.invalid("comment")]
                                aria-describedby=[vote_problems.described("comment")] {
                                (vote_error.map(|e| e.typed("comment").to_string())
                                    .or_else(|| self.vote.as_ref().and_then(|v| v.comment.clone())).unwrap_or_default())
                            }
                            (vote_problems.at("comment"))
                        }
                        button type="submit" { (lang.t("Invia la risposta", "Send your answer")) }
                    }
                } @else {
                    (vote_problems.summary(lang))
                    p.hint { (lang.t("Per cambiare la risposta, accedi.", "To change your answer, sign in.")) }
                }
            }
            section #segnala aria-labelledby="segnala-titolo" {
                h2 #segnala-titolo { (lang.t("Segnala un errore o un testo superato", "Report an error")) }
                @if auth.user().is_some() {
                    @let typed_step = report_error.map(|e| e.typed("step").to_string()).unwrap_or_default();
                    details open[report_error.is_some()] {
                        summary { (lang.t("Che cosa è sbagliato in questa guida?", "What is wrong in this guide?")) }
                        (report_problems.summary(lang))
                        form method="post" action=(format!("/guide/{}/segnala", g.id)) novalidate {
                            (csrf_field(auth))
                            input type="hidden" name="form_key" value=(report_error.map(|e| e.typed("form_key").to_string()).filter(|k| !k.is_empty()).unwrap_or_else(|| random_secret()[..24].to_string()));
                            div.field {
                                label for="step" { (lang.t("Dove", "Where")) }
                                select #step name="step" aria-invalid=[report_problems.invalid("step")] aria-describedby=[report_problems.described("step")] {
                                    option value="" { (lang.t("Tutta la guida", "The whole guide")) }
                                    @for s in &g.steps {
                                        option value=(s.number) selected[typed_step == s.number.to_string()] {
                                            (lang.t("Passo", "Step")) " " (s.number) ": " (s.title)
                                        }
                                    }
                                }
                                (report_problems.at("step"))
                            }
                            div.field {
                                label for="body" { (lang.t("Che cosa è sbagliato o superato (al massimo 2.000 caratteri)", "What is wrong or out of date (at most 2,000 characters)")) }
                                textarea #body name="body" rows="5" maxlength="2000" required
                                    aria-invalid=[report_problems.invalid("body")]
                                    aria-describedby=[report_problems.described("body")] {
                                    (report_error.map(|e| e.typed("body")).unwrap_or(""))
                                }
                                (report_problems.at("body"))
                            }
                            div.field {
                                label for="source" { (lang.t("Fonte (facoltativa): norma, documento o indirizzo", "Source (optional): rule, document or address")) }
                                input #source type="text" name="source" maxlength="500" value=(report_error.map(|e| e.typed("source")).unwrap_or(""))
                                    aria-invalid=[report_problems.invalid("source")]
                                    aria-describedby=[report_problems.described("source")];
                                (report_problems.at("source"))
                            }
                            button type="submit" { (lang.t("Invia la segnalazione", "Send the report")) }
                        }
                    }
                } @else {
                    p { a href=(format!("/accedi?torna=/guide/{}%23segnala", g.id)) { (lang.t("Accedi", "Sign in")) }
                        " " (lang.t("per segnalare un errore: ti scriveremo quando sarà gestito.", "to report an error: we will write to you once it is handled.")) }
                }
            }
        }
    }
}

/// Refusals the reader can act on: the guide page again with the message.
fn shown(e: &Refusal) -> bool {
    e.is_invalid() || matches!(e, Refusal::State { .. } | Refusal::Repeated { .. } | Refusal::TooMany { .. })
}

fn useful_of(raw: Option<&str>) -> Option<bool> {
    match raw.map(|s| s.trim().to_lowercase()).as_deref() {
        Some("si" | "sì" | "yes" | "1" | "true") => Some(true),
        Some("no" | "0" | "false") => Some(false),
        _ => None,
    }
}

fn voter_cookie(token: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    let age = feedback::BROWSER_DAYS * 86_400;
    format!("{VOTER_COOKIE}={token}; Path=/; Max-Age={age}; SameSite=Lax; HttpOnly{secure}")
}

/// The browser's voter token, or a new one to set with the answer.
fn browser_token(headers: &HeaderMap) -> (String, bool) {
    match cookie_value(headers, VOTER_COOKIE).filter(|t| t.len() >= 16 && t.len() <= 128) {
        Some(t) => (t.to_string(), false),
        None => (random_secret(), true),
    }
}

async fn cast(
    state: &AppState,
    auth: &Auth,
    headers: &HeaderMap,
    client: &str,
    guide_id: &str,
    useful: Option<bool>,
    comment: &str,
) -> (Result<Vote, Refusal>, Option<String>) {
    let now = state.clock.now_ms();
    let corpus = state.search.corpus();
    match auth.user() {
        Some(u) => (feedback::vote(&state.db, corpus, guide_id, Voter::Person(u), useful, comment, now).await, None),
        None => {
            let (token, new) = browser_token(headers);
            let voter = Voter::Browser { token: &token, client };
            let result = feedback::vote(&state.db, corpus, guide_id, voter, useful, comment, now).await;
            let cookie = new.then(|| voter_cookie(&token, state.config.secure_cookies()));
            (result, cookie)
        }
    }
}

fn with_cookie(mut r: Response, cookie: Option<String>) -> Response {
    if let Some(v) = cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        r.headers_mut().append(SET_COOKIE, v);
    }
    r
}

fn guide_or_404<'c>(corpus: &'c Corpus, id: &str, lang: Lang) -> AppResult<&'c Guide> {
    corpus.get(id).ok_or_else(|| Refusal::NotFound.into_app(lang))
}

/// The guide page again with a refused form.
async fn page_again(
    state: &AppState,
    lang: Lang,
    auth: &Auth,
    headers: &HeaderMap,
    guide: &Guide,
    error: FormError,
) -> AppResult<Markup> {
    let readers = Readers::of(state, auth, headers, guide, None, Some(error)).await?;
    let corpus = state.search.corpus();
    let body = html! { (guide_body(lang, guide, corpus, None)) (readers.render(lang, auth, guide)) };
    Ok(page(Page { lang, title: &guide.title, here: &guide.url(), auth: Some(auth) }, body))
}

/// `POST /guide/{id}/utile`: "was this guide useful?" from the page.
pub async fn vote(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    Path(id): Path<String>,
    req: Request,
) -> AppResult<Response> {
    let (client, headers, body) = client_headers_body(req, &state.config.trusted_proxies, lang).await?;
    let guide = guide_or_404(state.search.corpus(), &id, lang)?;
    let f = form(&body, lang)?;
    let comment = f.get("comment").unwrap_or("");
    let (result, cookie) =
        cast(&state, &auth, &headers, &client, &guide.id, useful_of(f.non_empty("useful")), comment).await;
    let result = result.map(|_| format!("/guide/{}?grazie=1#parere", guide.id));
    let typed = vec![("useful".into(), f.get("useful").unwrap_or("").into()), ("comment".into(), comment.into())];
    let (state, auth, headers) = (&state, &auth, &headers);
    let r = redirect_or_page(result, None, lang, shown, |problems| async move {
        page_again(state, lang, auth, headers, guide, FormError { form: "vote", problems, typed }).await
    })
    .await?;
    Ok(with_cookie(r, cookie))
}

fn report_input(f: &Params) -> Result<ReportInput, Refusal> {
    let step = match f.non_empty("step") {
        None => None,
        Some(s) => Some(s.parse::<i64>().map_err(|_| Refusal::invalid("step", "passo non valido", "invalid step"))?),
    };
    Ok(ReportInput {
        step,
        body: f.get("body").unwrap_or("").to_string(),
        source: f.non_empty("source").map(String::from),
        form_key: f.non_empty("form_key").map(String::from),
    })
}

/// `POST /guide/{id}/segnala`: a signed-in reader's report.
pub async fn report(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let guide = guide_or_404(state.search.corpus(), &id, lang)?;
    let f = form(&body, lang)?;
    let result = match report_input(&f) {
        Ok(input) => {
            feedback::report(&state.db, state.search.corpus(), &guide.id, user, &input, state.clock.now_ms()).await
        }
        Err(e) => Err(e),
    };
    let result = result.map(|_| format!("/guide/{}?segnalato=1#segnala", guide.id));
    let typed = ["step", "body", "source", "form_key"]
        .iter()
        .map(|k| (k.to_string(), f.get(k).unwrap_or("").to_string()))
        .collect();
    let (state, auth, headers) = (&state, &auth, &headers);
    redirect_or_page(result, None, lang, shown, |problems| async move {
        page_again(state, lang, auth, headers, guide, FormError { form: "report", problems, typed }).await
    })
    .await
}

fn state_filter(p: &Params, lang: Lang) -> AppResult<Option<ReportState>> {
    match p.non_empty("state").or(p.non_empty("stato")) {
        None => Ok(Some(ReportState::Open)),
        Some("all" | "tutte") => Ok(None),
        Some(s) => ReportState::parse(s).map(Some).ok_or_else(|| {
            AppError::field(
                "state",
                format!("{} \"{s}\": open, handled, all", lang.t("stato sconosciuto", "unknown state")),
            )
        }),
    }
}

/// `GET /coordinamento/segnalazioni`: the queue of reports (open first, oldest first).
pub async fn queue_page(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    RawQuery(raw): RawQuery,
) -> AppResult<Markup> {
    let p = Params::parse(raw.as_deref(), lang)?;
    let filter = state_filter(&p, lang)?;
    let page_no = p.number("page", 1, 100_000, lang)? as i64;
    queue_view(&state, lang, &auth, filter, page_no, None).await
}

async fn queue_view(
    state: &AppState,
    lang: Lang,
    auth: &Auth,
    filter: Option<ReportState>,
    page_no: i64,
    error: Option<(i64, String)>,
) -> AppResult<Markup> {
    let (reports, total) = feedback::reports(&state.db, filter, PER_PAGE, (page_no - 1) * PER_PAGE).await?;
    let corpus = state.search.corpus();
    let filter_value = filter.map(ReportState::as_str).unwrap_or("all");
    let title = lang.t("Segnalazioni sulle guide", "Reports on the guides");
    let body = html! {
        h1 { (title) }
        nav aria-label=(lang.t("Filtra per stato", "Filter by state")) {
            ul.badges {
                @for (value, label) in [("open", lang.t("Da gestire", "Open")), ("handled", lang.t("Gestite", "Handled")), ("all", lang.t("Tutte", "All"))] {
                    li { a.badge href=(format!("/coordinamento/segnalazioni?state={value}")) aria-current=[(value == filter_value).then_some("page")] { (label) } }
                }
            }
        }
        p { (total) " " (lang.t("segnalazioni", "reports")) }
        @if reports.is_empty() {
            p.notice role="status" { (lang.t("Nessuna segnalazione in questo elenco.", "No reports in this list.")) }
        }
        @for r in &reports {
            @let guide_title = corpus.get(&r.guide_id).map(|g| g.title.as_str()).unwrap_or(r.guide_id.as_str());
            article.card id=(format!("segnalazione-{}", r.id)) aria-labelledby=(format!("segnalazione-{}-titolo", r.id)) {
                h2 id=(format!("segnalazione-{}-titolo", r.id)) {
                    a href=(format!("/guide/{}{}", r.guide_id, r.step.map(|n| format!("#passo-{n}")).unwrap_or_default())) { (guide_title) }
                    @if let Some(n) = r.step { " — " (lang.t("passo", "step")) " " (n) }
                }
                p.hint { (r.reporter_name) " <" (r.reporter_email) "> · " (crate::clock::local_time(r.created_at)) " · " (r.state.label(lang)) }
                blockquote { (r.body) }
                @if let Some(s) = &r.source { p { strong { (lang.t("Fonte: ", "Source: ")) } (s) } }
                @if r.state == ReportState::Handled {
                    p { strong { (lang.t("Nota: ", "Note: ")) } (r.note.as_deref().unwrap_or("")) }
                } @else {
                    @let err = error.as_ref().filter(|(id, _)| *id == r.id).map(|(_, m)| m.as_str());
                    @let field_id = format!("nota-{}", r.id);
                    form method="post" action=(format!("/coordinamento/segnalazioni/{}/gestisci", r.id)) novalidate {
                        (csrf_field(auth))
                        div.field {
                            label for=(field_id) { (lang.t("Nota per chi ha segnalato (le arriverà per email)", "Note to the reporter (sent by email)")) }
                            textarea id=(field_id) name="note" rows="3" maxlength="2000" required
                                aria-invalid=[err.map(|_| "true")] aria-describedby=[err.map(|_| format!("{field_id}-errore"))] {}
                            @if let Some(m) = err { p id=(format!("{field_id}-errore")) .field-error role="alert" { (m) } }
                        }
                        button type="submit" { (lang.t("Segna come gestita", "Mark as handled")) }
                    }
                }
            }
        }
        @if total > page_no * PER_PAGE {
            p { a href=(format!("/coordinamento/segnalazioni?state={filter_value}&page={}", page_no + 1)) { (lang.t("Altre →", "More →")) } }
        }
    };
    Ok(page(Page { lang, title, here: "/coordinamento/segnalazioni", auth: Some(auth) }, body))
}

/// `POST /coordinamento/segnalazioni/{id}/gestisci`.
pub async fn handle_page(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
    body: Bytes,
) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let f = form(&body, lang)?;
    let result = feedback::handle(
        &state.db,
        &state.outbox,
        state.search.corpus(),
        &state.config.public_url,
        Handling { id, note: f.get("note").unwrap_or(""), by: user, now: state.clock.now_ms() },
    )
    .await
    .map(|_| "/coordinamento/segnalazioni".to_string());
    let (state, auth) = (&state, &auth);
    redirect_or_page(result, Some(Done::ReportHandled), lang, shown, |problems| async move {
        let (_, message) = problems.first();
        queue_view(state, lang, auth, Some(ReportState::Open), 1, Some((id, message))).await
    })
    .await
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct VoteBody {
    /// Whether the guide was useful.
    #[schema(value_type = bool, required = true)]
    pub useful: Option<bool>,
    /// At most 500 characters.
    #[serde(default)]
    pub comment: String,
}

/// The vote as answered to the API.
#[utoipa::path(
    post,
    path = "/guides/{id}/votes",
    tag = "guides",
    summary = "Say whether a guide was useful (anyone; a signed-in person's new vote replaces the old one)",
    description = "Without an account the browser is remembered for 30 days by a cookie and votes once per guide; a client address may cast 30 anonymous votes an hour.",
    params(("id" = String, Path, description = "Guide id")),
    request_body = VoteBody,
    responses(
        (status = 201, description = "The vote", body = Vote),
        (status = 400, description = "useful missing, comment over 500 characters", body = crate::web::error::ErrorInfo),
        (status = 404, description = "No such guide", body = crate::web::error::ErrorInfo),
        (status = 409, description = "This browser already voted on this guide", body = crate::web::error::ErrorInfo),
        (status = 429, description = "Too many anonymous votes from this address", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn vote_api(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    Path(id): Path<String>,
    req: Request,
) -> AppResult<Response> {
    let (client, headers, body) = client_headers_body(req, &state.config.trusted_proxies, lang).await?;
    let b: VoteBody = json(&body, lang)?;
    let (result, cookie) = cast(&state, &auth, &headers, &client, &id, b.useful, &b.comment).await;
    let vote = result.map_err(|e| e.into_app(lang))?;
    Ok(with_cookie((StatusCode::CREATED, Json(vote)).into_response(), cookie))
}

#[utoipa::path(
    post,
    path = "/guides/{id}/reports",
    tag = "guides",
    summary = "Report an error or outdated text in a guide (signed in)",
    description = "form_key: any unique value; sending the same one again returns the report already stored.",
    params(("id" = String, Path, description = "Guide id")),
    request_body = ReportInput,
    responses(
        (status = 201, description = "The report", body = GuideReport),
        (status = 400, description = "Empty or over-long text, unknown step", body = crate::web::error::ErrorInfo),
        (status = 401, description = "Not signed in", body = crate::web::error::ErrorInfo),
        (status = 404, description = "No such guide", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn report_api(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    Path(id): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let input: ReportInput = json(&body, lang)?;
    let r = feedback::report(&state.db, state.search.corpus(), &id, user, &input, state.clock.now_ms())
        .await
        .map_err(|e| e.into_app(lang))?;
    Ok((StatusCode::CREATED, Json(r)).into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ReportList {
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub items: Vec<GuideReport>,
}

#[utoipa::path(
    get,
    path = "/guide-reports",
    tag = "guides",
    summary = "Reports on the guides (coordinators): open ones oldest first by default",
    params(
        ("state" = Option<String>, Query, description = "open (default), handled or all"),
        ("page" = Option<u32>, Query, minimum = 1, maximum = 100000, description = "Page, from 1"),
        ("per_page" = Option<u32>, Query, minimum = 1, maximum = 200, description = "1-200 (default 20)")
    ),
    responses(
        (status = 200, description = "One page of reports", body = ReportList),
        (status = 400, description = "Unknown state", body = crate::web::error::ErrorInfo),
        (status = 403, description = "Not a coordinator", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn reports_api(
    State(state): State<AppState>,
    lang: Lang,
    RawQuery(raw): RawQuery,
) -> AppResult<Json<ReportList>> {
    let p = Params::parse(raw.as_deref(), lang)?;
    let filter = state_filter(&p, lang)?;
    let page = p.number("page", 1, 100_000, lang)? as i64;
    let per_page = p.number("per_page", PER_PAGE as usize, 200, lang)? as i64;
    let (items, total) = feedback::reports(&state.db, filter, per_page, (page - 1) * per_page).await?;
    Ok(Json(ReportList { total, page, per_page, items }))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct HandleBody {
    /// What was done; mailed to the reporter (at most 2,000 characters).
    #[serde(default)]
    #[schema(required = true, min_length = 1)]
    pub note: String,
}

#[utoipa::path(
    post,
    path = "/guide-reports/{id}/handle",
    tag = "guides",
    summary = "Mark a report handled with a note, mailed to the reporter (coordinators)",
    params(("id" = i64, Path, description = "Identifier")),
    request_body = HandleBody,
    responses(
        (status = 200, description = "The report", body = GuideReport),
        (status = 400, description = "Empty or over-long note", body = crate::web::error::ErrorInfo),
        (status = 403, description = "Not a coordinator", body = crate::web::error::ErrorInfo),
        (status = 404, description = "No such report", body = crate::web::error::ErrorInfo),
        (status = 409, description = "Already handled", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn handle_api(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
    body: Bytes,
) -> AppResult<Json<GuideReport>> {
    let user = signed_in(&auth)?;
    let b: HandleBody = json(&body, lang)?;
    let corpus = state.search.corpus();
    let now = state.clock.now_ms();
    let handling = Handling { id, note: &b.note, by: user, now };
    let r = feedback::handle(&state.db, &state.outbox, corpus, &state.config.public_url, handling)
        .await
        .map_err(|e| e.into_app(lang))?;
    Ok(Json(r))
}
