//! HTTP: the route table, the HTML error pages, the language extractor and the small
//! handlers that belong to no area (health, language switch, stylesheet, icon).

pub mod account;
pub mod api;
pub mod auth;
pub mod body_limit;
pub mod dashboard;
pub mod error;
pub mod events;
pub mod exchange;
pub mod guide;
pub mod kit;
pub mod layout;
pub mod legal;
pub mod listener;
pub mod mentorship;
pub mod openapi;
pub mod outage;
pub mod outbox;
pub mod pages;
pub mod params;
pub mod proxies;
pub mod request_log;
pub mod users;

use axum::extract::{FromRequestParts, Path, RawQuery, Request, State};
use axum::handler::Handler;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::{Extension, Json, Router};
use maud::html;

use crate::accounts::policy::{Rule, COORDINATORS, MENTORS, OFFICERS, OFFICERS_AND_COORDINATORS};
use crate::app::AppState;
use crate::exchange::Item;
use crate::i18n::{Lang, LANG_COOKIE};
use crate::web::error::{AppError, ErrorInfo, Refusal, RefusalHttp};
use crate::web::events::EventVerb;
use crate::web::exchange::follows;
use crate::web::exchange::practices::{self, PracticeVerb};
use crate::web::exchange::ExchangeVerb;
use crate::web::mentorship::MatchVerb;

/// The service: [`routes`] behind authentication, CSRF checks, the database gate (503 at
/// once while the database is out of reach) and the HTML error pages.
pub fn router(state: AppState) -> Router {
    routes()
        .layer(middleware::from_fn(auth::csrf))
        .layer(middleware::from_fn_with_state(state.clone(), auth::authenticate))
        .layer(middleware::from_fn_with_state(state.health.clone(), outage::gate))
        .layer(middleware::from_fn_with_state(state.clone(), kit::flash::layer))
        .layer(middleware::from_fn(html_errors))
        .layer(middleware::from_fn(auth::security_headers))
        .with_state(state)
}

/// The route table alone. Routes that need a rule other than "public" are grouped under it,
/// so the rule of every route is read here (and walked by the authorization test). A path
/// asked with a method it does not serve gets 405 with the methods it does serve in `Allow`.
pub fn routes() -> Router<AppState> {
    let public = Router::new()
        .route("/", get(pages::home))
        .route("/cerca", get(pages::search))
        .route("/guide/{id}", get(guide::guide))
        .route("/guide/{id}/utile", post(guide::vote))
        .route("/lingua", get(switch_language).post(save_language))
        .route("/static/style.css", get(stylesheet))
        .route("/static/favicon.svg", get(favicon))
        .route("/accedi", get(account::signin_page).post(account::signin_request))
        .route("/accedi/{token}", get(account::link_page).post(account::link_use))
        .route("/privacy", get(account::privacy))
        .route("/accessibilita", get(account::accessibility))
        .route("/eventi", get(events::list))
        .route("/eventi/archivio", get(events::archive))
        .route("/eventi/{id}", get(events::detail))
        .route("/calendario/{file}", get(events::feed))
        .route("/disiscrizione/{user}/{kind}/{signature}", get(follows::unsubscribe_page).post(follows::unsubscribe))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz));
    let signed_in = Router::new()
        .route("/esci", post(account::signout))
        .route("/profilo", get(account::profile).post(account::profile_save))
        .route("/profilo/token", post(account::token_create))
        .route("/profilo/token/{id}/revoca", post(account::token_revoke))
        .route("/profilo/dati.json", get(account::data_export))
        .route("/profilo/cancella", post(account::erase))
        .route("/eventi/{id}/iscrizione", post(events::register))
        .route("/eventi/{id}/attestato.pdf", get(events::certificate_pdf))
        .route("/eventi/{id}/valutazione", post(events::survey::save))
        .route("/eventi/{id}/evento.ics", get(events::calendar_entry))
        .route("/iscrizioni/{id}/annulla", post(events::unregister))
        .route("/profilo/calendario", post(events::feed_create))
        .route("/profilo/calendario/revoca", post(events::feed_revoke))
        .route("/mentorship", get(mentorship::home))
        .route("/mentorship/richieste/{id}", get(mentorship::request_page))
        .route("/mentorship/richieste/{id}/modifica", get(mentorship::edit_request_page).post(mentorship::edit_request))
        .route("/mentorship/richieste/{id}/ritira", post(mentorship::withdraw_request))
        .route("/guide/{id}/segnala", post(guide::report))
        .route("/scambio/domande", get(exchange::list).post(exchange::ask))
        .route("/scambio/domande/nuova", get(exchange::new_question))
        .route("/scambio/domande/{id}", get(exchange::thread))
        .route("/scambio/domande/{id}/modifica", get(exchange::edit_question_page).post(exchange::edit_question))
        .route("/scambio/domande/{id}/risposte", verb(exchange::act, ExchangeVerb::Answer))
        .route("/scambio/domande/{id}/accetta", verb(exchange::act, ExchangeVerb::Accept))
        .route("/scambio/domande/{id}/segnala", verb(exchange::act, ExchangeVerb::Report(Item::Question)))
        .route("/scambio/risposte/{id}/modifica", get(exchange::edit_answer_page).post(exchange::edit_answer))
        .route("/scambio/risposte/{id}/segnala", verb(exchange::act, ExchangeVerb::Report(Item::Answer)))
        .route("/scambio/segui", post(follows::follow_page))
        .route("/scambio/smetti", post(follows::unfollow_page))
        .route("/profilo/scambio", post(follows::settings_page))
        .route("/scambio/esperienze", get(practices::list))
        .route("/scambio/esperienze/{id}", get(practices::practice_page))
        .route("/scambio/esperienze/{id}/modifica", get(practices::edit_page).post(practices::edit))
        .route("/scambio/esperienze/{id}/invia", verb(practices::act, PracticeVerb::Submit))
        .route(
            "/scambio/esperienze/{id}/allegati",
            post(practices::upload).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/scambio/allegati/{id}", get(practices::file))
        .route("/scambio/allegati/{id}/rimuovi", post(practices::remove))
        .route("/mentorship/abbinamenti/{id}", get(mentorship::match_page))
        .route("/mentorship/abbinamenti/{id}/accetta", verb(mentorship::match_action, MatchVerb::Accept))
        .route("/mentorship/abbinamenti/{id}/rifiuta", verb(mentorship::match_action, MatchVerb::Decline))
        .route("/mentorship/abbinamenti/{id}/incontri", verb(mentorship::match_action, MatchVerb::Meetings))
        .route("/mentorship/abbinamenti/{id}/concludi", verb(mentorship::match_action, MatchVerb::Complete))
        .route("/mentorship/abbinamenti/{id}/annulla", verb(mentorship::match_action, MatchVerb::Cancel))
        .route_layer(middleware::from_fn_with_state(Rule::SignedIn, auth::guard));
    let officers = Router::new()
        .route("/mentorship/richieste/nuova", get(mentorship::new_request))
        .route("/mentorship/richieste", post(mentorship::file_request))
        .route("/scambio/esperienze/nuova", get(practices::new_page))
        .route("/scambio/esperienze", post(practices::create))
        .route_layer(middleware::from_fn_with_state(OFFICERS, auth::guard));
    let dashboard = Router::new()
        .route("/cruscotto", get(dashboard::page_view))
        .route("/cruscotto.csv", get(dashboard::csv_export))
        .route_layer(middleware::from_fn_with_state(OFFICERS_AND_COORDINATORS, auth::guard));
    let mentors = Router::new()
        .route("/mentorship/profilo", get(mentorship::profile_page).post(mentorship::profile_save))
        .route_layer(middleware::from_fn_with_state(MENTORS, auth::guard));
    let coordinators = Router::new()
        .route("/scambio/domande/{id}/nascondi", verb(exchange::act, ExchangeVerb::Hide(Item::Question)))
        .route("/scambio/risposte/{id}/nascondi", verb(exchange::act, ExchangeVerb::Hide(Item::Answer)))
        .route("/scambio/domande/{id}/bozza-guida.md", get(exchange::api::guide_draft))
        .route("/coordinamento/segnalazioni-scambio", get(exchange::reports_page))
        .route("/coordinamento/esperienze", get(practices::review_page))
        .route("/scambio/esperienze/{id}/approva", verb(practices::act, PracticeVerb::Approve))
        .route("/scambio/esperienze/{id}/restituisci", verb(practices::act, PracticeVerb::Return))
        .route("/scambio/esperienze/{id}/nascondi", verb(practices::act, PracticeVerb::Hide))
        .route("/coordinamento/segnalazioni-scambio/{id}/chiudi", post(exchange::handle_report))
        .route("/coordinamento/posta", get(outbox::page_list))
        .route("/coordinamento/posta/{id}/riprova", post(outbox::page_retry))
        .route("/coordinamento/utenti", get(users::page_list).post(users::invite))
        .route("/coordinamento/utenti/{id}/ruolo", post(users::change_role))
        .route("/coordinamento/utenti/{id}/disattiva", post(users::deactivate))
        .route("/coordinamento/utenti/{id}/riattiva", post(users::reactivate))
        .route("/coordinamento/eventi", get(events::manage_list).post(events::create))
        .route("/coordinamento/eventi/nuovo", get(events::new_page))
        .route("/coordinamento/eventi/{id}", get(events::manage_page).post(events::update))
        .route("/coordinamento/eventi/{id}/iscritti.csv", get(events::export_csv))
        .route("/coordinamento/eventi/{id}/presenze.csv", post(events::import_csv))
        .route("/coordinamento/eventi/{id}/pubblica", verb(events::action, EventVerb::Publish))
        .route("/coordinamento/eventi/{id}/annulla", verb(events::action, EventVerb::Cancel))
        .route("/coordinamento/eventi/{id}/concludi", verb(events::action, EventVerb::Complete))
        .route("/coordinamento/eventi/{id}/presenze", verb(events::action, EventVerb::Attendance))
        .route("/coordinamento/eventi/{id}/scambio", verb(events::action, EventVerb::Links))
        .route("/coordinamento/segnalazioni", get(guide::queue_page))
        .route("/coordinamento/segnalazioni/{id}/gestisci", post(guide::handle_page))
        .route("/coordinamento/mentorship", get(mentorship::review_page))
        .route("/coordinamento/mentorship/approva", post(mentorship::review_approve))
        .route("/coordinamento/mentorship/modalita", post(mentorship::review_mode))
        .route("/coordinamento/mentorship/esegui", post(mentorship::review_run))
        .route("/mentorship/richieste/{id}/assegna", post(mentorship::assign))
        .route("/mentorship/abbinamenti/{id}/approva", verb(mentorship::match_action, MatchVerb::Approve))
        .route("/mentorship/abbinamenti/{id}/scarta", verb(mentorship::match_action, MatchVerb::Withdraw))
        .route("/mentorship/abbinamenti/{id}/ritira", verb(mentorship::match_action, MatchVerb::Withdraw))
        .route_layer(middleware::from_fn_with_state(COORDINATORS, auth::guard));
    public
        .merge(signed_in)
        .merge(officers)
        .merge(dashboard)
        .merge(mentors)
        .merge(coordinators)
        .nest("/api/v1", api::router())
        .fallback(not_found)
        // Last, so that it reaches every route above; axum adds the route's `Allow`.
        .method_not_allowed_fallback(method_not_allowed)
}

/// A POST route for one verb of a handler that serves several: the verb travels as a request
/// extension, so the handler matches on a closed enum and the route table says who may use it.
pub fn verb<H, T, V>(handler: H, verb: V) -> MethodRouter<AppState>
where
    H: Handler<T, AppState>,
    T: 'static,
    V: Clone + Send + Sync + 'static,
{
    post(handler).layer(Extension(verb))
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(auth::language(&parts.headers, &parts.extensions))
    }
}

/// A numeric identifier in the path (`/eventi/{id}`); anything else is a page that does not exist.
pub struct PathId(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let lang = auth::language(&parts.headers, &parts.extensions);
        let Path(raw) =
            Path::<String>::from_request_parts(parts, state).await.map_err(|_| Refusal::NotFound.into_app(lang))?;
        id_of(&raw, lang).map(PathId)
    }
}

/// A numeric identifier taken from a path segment; anything else is "not found".
pub fn id_of(raw: &str, lang: Lang) -> Result<i64, AppError> {
    raw.parse::<i64>().map_err(|_| Refusal::NotFound.into_app(lang))
}

/// The cookie that remembers the interface language for a year.
/// 301 to `location`: the resource moved for good (a guide merged into another), so clients
/// and search engines update their links.
pub fn moved_permanently(location: &str) -> Response {
    (axum::http::StatusCode::MOVED_PERMANENTLY, [(axum::http::header::LOCATION, location.to_string())]).into_response()
}

pub fn lang_cookie(lang: Lang, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly{secure}", lang.code())
}

/// A path of this site to go back to, or `default`: never send anyone elsewhere. Browsers drop
/// tabs and line breaks from addresses ("/\t/evil" becomes "//evil"), so no control characters or
/// spaces either.
pub fn local_path<'a>(p: Option<&'a str>, default: &'a str) -> &'a str {
    p.filter(|t| {
        t.starts_with('/')
            && !t.starts_with("//")
            && !t.contains('\\')
            && !t.chars().any(|c| c.is_control() || c.is_whitespace())
    })
    .unwrap_or(default)
}

/// Path and query of the request, for "come back here" links.
pub fn here(path: &str, query: Option<&str>) -> String {
    match query {
        Some(q) if !q.is_empty() => format!("{path}?{q}"),
        _ => path.to_string(),
    }
}

/// Errors on HTML routes become pages in the user's language; `/api` keeps its JSON.
async fn html_errors(req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    // Outside authentication: the language cookie, else Italian.
    let lang = auth::language(req.headers(), req.extensions());
    let here = here(req.uri().path(), req.uri().query());
    let response = next.run(req).await;
    if is_api {
        return response;
    }
    match response.extensions().get::<ErrorInfo>() {
        Some(info) if response.extensions().get::<Rendered>().is_none() => {
            error_page(lang, &here, info.clone()).into_response()
        }
        _ => response,
    }
}

/// Marks an error response whose page the handler already rendered (a form with field errors).
#[derive(Clone, Copy)]
pub struct Rendered;

fn error_page(lang: Lang, here: &str, info: ErrorInfo) -> Response {
    let title = match info.status {
        StatusCode::NOT_FOUND => lang.t("Pagina non trovata", "Page not found"),
        StatusCode::BAD_REQUEST => lang.t("Richiesta non valida", "Invalid request"),
        StatusCode::FORBIDDEN => lang.t("Accesso non consentito", "Access not allowed"),
        s if s.is_server_error() => lang.t("Si è verificato un problema", "Something went wrong"),
        _ => lang.t("Impossibile completare la richiesta", "The request could not be completed"),
    };
    let body = html! {
        h1 { (title) }
        p.notice.error role="alert" { (sentence(&info.error)) }
        p {
            a href="/" { (lang.t("Torna alla home", "Back to the home page")) }
            " · "
            a href="/cerca" { (lang.t("Cerca tra le guide", "Search the guides")) }
        }
    };
    let markup = layout::page(layout::Page { lang, title, here, auth: None }, body);
    (info.status, markup).into_response()
}

/// A message as a sentence: a capital first letter (API messages keep their own case).
fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

async fn not_found(req: Request) -> AppError {
    let lang = auth::language(req.headers(), req.extensions());
    AppError::NotFound(format!(
        "{} {}",
        lang.t("Nessuna pagina a questo indirizzo:", "No page at this address:"),
        req.uri().path()
    ))
}

/// `/lingua?l=en&torna=/cerca?q=…`: the language of the pages, in a cookie, then back. A
/// link anyone can follow, so it changes nothing stored: a signed-in person's profile
/// language (also that of their emails) changes only through the form of [`save_language`].
async fn switch_language(
    State(state): State<AppState>,
    lang: Lang,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let p = params::Params::parse(raw.as_deref(), lang)?;
    language_chosen(&state, &p, lang)
}

/// The language switch of signed-in people (a form with the CSRF token, fields `l` and
/// `torna`): the cookie as [`switch_language`] sets it, and the profile's language too.
async fn save_language(
    State(state): State<AppState>,
    lang: Lang,
    auth: auth::Auth,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let f = kit::form(&body, lang)?;
    let response = language_chosen(&state, &f, lang)?;
    if let (Some(user), Some(chosen)) = (auth.user(), f.non_empty("l").and_then(Lang::parse)) {
        crate::accounts::set_lang(&state.db, user.id, chosen).await?;
    }
    Ok(response)
}

/// The answer to a language choice (`l`, `torna`): the cookie, and back to a page of this site.
fn language_chosen(state: &AppState, p: &params::Params, lang: Lang) -> Result<Response, AppError> {
    let chosen = p.non_empty("l").and_then(Lang::parse).ok_or_else(|| {
        AppError::field("l", lang.t("lingua sconosciuta: usa it oppure en", "unknown language: use it or en"))
    })?;
    // Only paths on this site: never send the user elsewhere.
    let back = local_path(p.non_empty("torna"), "/");
    let cookie = lang_cookie(chosen, state.config.secure_cookies());
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    headers.insert(SET_COOKIE, HeaderValue::from_str(&cookie).map_err(anyhow::Error::new)?);
    headers.insert(LOCATION, HeaderValue::from_str(back).unwrap_or(HeaderValue::from_static("/")));
    Ok(response)
}

async fn stylesheet() -> impl IntoResponse {
    ([(CONTENT_TYPE, "text/css; charset=utf-8"), (CACHE_CONTROL, "public, max-age=3600")], include_str!("style.css"))
}

async fn favicon() -> impl IntoResponse {
    ([(CONTENT_TYPE, "image/svg+xml"), (CACHE_CONTROL, "public, max-age=86400")], include_str!("favicon.svg"))
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> Response {
    let db = state.health.is_up() && state.db.ping().await;
    let docs = state.search.num_docs();
    let ready = db && docs == state.search.expected_docs();
    let body = serde_json::json!({
        "ready": ready,
        "database": if db { "ok" } else { "unreachable" },
        "index_documents": docs,
        "guides": state.search.corpus().len(),
    });
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(body)).into_response()
}

async fn method_not_allowed(lang: Lang) -> AppError {
    AppError::MethodNotAllowed(
        lang.t(
            "metodo non previsto a questo indirizzo: quelli ammessi sono nell'intestazione Allow",
            "method not served at this address: the Allow header lists those that are",
        )
        .into(),
    )
}

/// The service answers GET, HEAD and POST only: a request with any other method (TRACE, PUT,
/// DELETE, OPTIONS…) never reaches sessions, CSRF checks or handlers. `routes` is the bare
/// route table ([`routes`] with its state): no route serves such a method, so it answers
/// from its fallbacks alone, 405 with the methods the path does serve in `Allow` (not a
/// blanket list), or 404 where no route has the path.
pub async fn only_served_methods(State(routes): State<Router>, req: Request, next: Next) -> Response {
    use axum::http::Method;
    use tower::ServiceExt;
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::POST) {
        return next.run(req).await;
    }
    match routes.oneshot(req).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}
