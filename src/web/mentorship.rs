//! Mentorship pages: the officer's requests, the mentor's profile and proposals, each
//! match with its explanation and lifecycle actions, and the coordinators' review desk.
//! Every handler parses, calls `mentorship::Mentorship`, and renders.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{html, Markup};

use super::auth::Auth;
use super::kit::{conn, form, fund_label, rendered, see_other, signed_in};
use super::layout::{csrf_field, page, Page};
use super::params::Params;
use super::{id_of, PathId};
use crate::accounts::session::random_secret;
use crate::accounts::{self, Role, User};
use crate::app::AppState;
use crate::clock::local_time;
use crate::guides::Fund;
use crate::i18n::Lang;
use crate::matching::Part;
use crate::mentorship::input::{self, ProfileInput, RequestInput};
use crate::mentorship::store::{self, Match, MatchFilter, Request, RequestFilter};
use crate::mentorship::{Format, MatchState, Refusal, RequestState};
use crate::web::error::{AppError, AppResult, RefusalHttp};

pub const PER_PAGE: i64 = 20;

fn format_label(format: &str, lang: Lang) -> &'static str {
    Format::parse(format).map(|f| f.label(lang)).unwrap_or("")
}

fn explanation(parts: &[Part], lang: Lang) -> Markup {
    html! {
        ul.explain {
            @for p in parts { li { (p.text(lang)) " " small { "(+" (p.points) ")" } } }
        }
    }
}

fn field_error(error: Option<(&str, &str)>, field: &str) -> Option<String> {
    error.filter(|(f, _)| *f == field).map(|(_, m)| m.to_string())
}

// ----- the mentorship home -----

pub async fn home(State(state): State<AppState>, lang: Lang, auth: Auth, RawQuery(raw): RawQuery) -> AppResult<Markup> {
    let user = signed_in(&auth)?;
    let p = Params::parse(raw.as_deref(), lang)?;
    let page_no = p.number("page", 1, 10_000, lang)? as i64;
    let mut c = conn(&state).await?;
    let body = match user.role {
        Role::Mentor => mentor_home(&state, &mut c, lang, user).await?,
        Role::Officer | Role::Coordinator => {
            let f = RequestFilter {
                region: if user.role == Role::Officer { user.region_code.clone() } else { None },
                ..Default::default()
            };
            let (list, total) = store::requests(&mut c, &f, PER_PAGE, (page_no - 1) * PER_PAGE).await?;
            html! {
                h1 { (lang.t("Mentorship", "Mentorship")) }
                p { (lang.t(
                    "Esperti che hanno gestito fondi UE affiancano la vostra Regione su un tema preciso. Presentate una richiesta: il sistema propone il mentor più adatto e spiega perché.",
                    "Experts who have managed EU funds support your Region on a specific subject. File a request: the service proposes the best-suited mentor and explains why.")) }
                @if user.role == Role::Officer {
                    p { a.button href="/mentorship/richieste/nuova" { (lang.t("Nuova richiesta", "New request")) } }
                } @else {
                    p { a href="/coordinamento/mentorship" { (lang.t("Vai alla revisione dei suggerimenti", "Go to the review of suggestions")) } }
                }
                h2 { (lang.t("Richieste", "Requests")) " (" (total) ")" }
                (request_table(&list, lang))
                (pager("/mentorship", page_no, total, lang))
            }
        }
    };
    Ok(page(Page { lang, title: "Mentorship", here: "/mentorship", auth: Some(&auth) }, body))
}

fn pager(base: &str, page_no: i64, total: i64, lang: Lang) -> Markup {
    let pages = (total + PER_PAGE - 1) / PER_PAGE;
    html! {
        @if pages > 1 {
            nav.pager aria-label=(lang.t("Pagine", "Pages")) {
                @if page_no > 1 { a href=(format!("{base}?page={}", page_no - 1)) { (lang.t("← precedenti", "← previous")) } " " }
                span { (lang.t("pagina", "page")) " " (page_no) " / " (pages) }
                @if page_no < pages { " " a href=(format!("{base}?page={}", page_no + 1)) { (lang.t("successive →", "next →")) } }
            }
        }
    }
}

fn request_table(list: &[Request], lang: Lang) -> Markup {
    html! {
        @if list.is_empty() {
            p.notice role="status" { (lang.t("Nessuna richiesta per ora.", "No requests yet.")) }
        } @else {
            table {
                thead { tr {
                    th scope="col" { "N." } th scope="col" { (lang.t("Regione / PA", "Region / AP")) }
                    th scope="col" { (lang.t("Fondo", "Fund")) } th scope="col" { (lang.t("Stato", "Status")) }
                    th scope="col" { (lang.t("Presentata", "Filed")) }
                } }
                tbody {
                    @for r in list {
                        tr {
                            td { a href=(format!("/mentorship/richieste/{}", r.id)) { (r.id) } }
                            td { (r.region_name) } td { (fund_label(&r.fund, lang)) }
                            td { (r.state.label(lang)) } td { (local_time(r.created_at)) }
                        }
                    }
                }
            }
        }
    }
}

async fn mentor_home(state: &AppState, c: &mut sqlx::AnyConnection, lang: Lang, user: &User) -> AppResult<Markup> {
    let profile = store::profile(c, user.id).await?;
    let mine = store::matches(c, &MatchFilter { mentor: Some(user.id), ..Default::default() }, 200).await?;
    let shown: Vec<&Match> = mine.iter().filter(|m| m.state.shown_to_mentor()).collect();
    let proposed: Vec<&&Match> = shown.iter().filter(|m| m.state == MatchState::Proposed).collect();
    let active: Vec<&&Match> = shown.iter().filter(|m| m.state == MatchState::Accepted).collect();
    let past: Vec<&&Match> =
        shown.iter().filter(|m| !matches!(m.state, MatchState::Proposed | MatchState::Accepted)).collect();
    let today = crate::clock::local_date(state.clock.now_ms());
    let row = |m: &Match| {
        html! {
            li {
                a href=(format!("/mentorship/abbinamenti/{}", m.id)) { (lang.t("Richiesta n.", "Request no.")) " " (m.request_id) }
                " — " (m.state.label(lang))
                @if m.state == MatchState::Proposed { " · " (lang.t("risposta entro il", "answer by")) " " (m.expires_at.map(local_time).unwrap_or_default()) }
            }
        }
    };
    Ok(html! {
        h1 { (lang.t("Le mie mentorship", "My mentorships")) }
        @match &profile {
            None => p.notice role="status" {
                (lang.t("Non hai ancora un profilo da mentor: compilalo per ricevere proposte.", "You have no mentor profile yet: fill it in to receive proposals."))
                " " a href="/mentorship/profilo" { (lang.t("Compila il profilo", "Fill in the profile")) }
            },
            Some(p) => p {
                (lang.t("Capacità", "Capacity")) ": " (p.capacity) " · " (lang.t("attive", "active")) ": " (p.active)
                " · " (lang.t("in attesa", "pending")) ": " (p.pending)
                @if crate::mentorship::lifecycle::paused_on(today, p.pause_from.as_deref(), p.pause_until.as_deref()) {
                    " · " strong { (lang.t("in pausa", "on a pause")) }
                }
                " · " a href="/mentorship/profilo" { (lang.t("Modifica il profilo", "Edit the profile")) }
            },
        }
        h2 { (lang.t("Proposte da valutare", "Proposals to answer")) }
        @if proposed.is_empty() { p { (lang.t("Nessuna proposta in attesa.", "No proposal waiting.")) } }
        @else { ul { @for m in &proposed { (row(m)) } } }
        h2 { (lang.t("Mentorship attive", "Active mentorships")) }
        @if active.is_empty() { p { (lang.t("Nessuna mentorship attiva.", "No active mentorship.")) } }
        @else { ul { @for m in &active { (row(m)) } } }
        @if !past.is_empty() {
            h2 { (lang.t("Storico", "History")) }
            ul { @for m in &past { (row(m)) } }
        }
    })
}

// ----- the officer's request form -----

fn request_input(f: &Params) -> RequestInput {
    RequestInput {
        fund: f.get("fund").unwrap_or("").into(),
        topics: f.all("topics").into_iter().map(String::from).collect(),
        language: f.get("language").unwrap_or("").into(),
        format: f.get("format").unwrap_or("").into(),
        description: f.get("description").unwrap_or("").into(),
        period_from: f.non_empty("period_from").map(String::from),
        period_until: f.non_empty("period_until").map(String::from),
        form_key: f.non_empty("form_key").map(String::from),
    }
}

fn request_form(
    state: &AppState,
    lang: Lang,
    auth: &Auth,
    action: &str,
    title: &str,
    draft: &RequestInput,
    error: Option<(&str, &str)>,
) -> Markup {
    let topics = &state.search.corpus().topics;
    let err = |f: &str| field_error(error, f);
    let body = html! {
        h1 { (title) }
        @if let Some((_, m)) = error { p.notice.error role="alert" { (m) } }
        form.stack method="post" action=(action) {
            (csrf_field(auth))
            input type="hidden" name="form_key" value=(draft.form_key.clone().unwrap_or_default());
            div.field {
                label for="fund" { (lang.t("Fondo", "Fund")) }
                select #fund name="fund" aria-invalid=[err("fund").map(|_| "true")] {
                    option value="" { "—" }
                    @for f in Fund::ALL {
                        option value=(f.as_str()) selected[Fund::parse(&draft.fund) == Some(f)] { (fund_label(f.as_str(), lang)) }
                    }
                }
                @if let Some(m) = err("fund") { p.field-error { (m) } }
            }
            fieldset.field {
                legend { (lang.t("Temi (uno o più)", "Topics (one or more)")) }
                @if let Some(m) = err("topics") { p.field-error { (m) } }
                div.choices {
                    @for t in topics.all() {
                        label {
                            input type="checkbox" name="topics" value=(t.slug) checked[draft.topics.contains(&t.slug)];
                            " " (t.label(lang))
                        }
                    }
                }
            }
            div.field {
                label for="language" { (lang.t("Lingua preferita", "Preferred language")) }
                select #language name="language" {
                    @for l in Lang::ALL { option value=(l.code()) selected[draft.language == l.code()] { (l.name()) } }
                }
            }
            fieldset.field {
                legend { (lang.t("Formato", "Format")) }
                @if let Some(m) = err("format") { p.field-error { (m) } }
                @for f in Format::ALL {
                    label { input type="radio" name="format" value=(f.as_str()) checked[draft.format == f.as_str()]; " " (f.label(lang)) } br;
                }
            }
            div.field {
                label for="description" { (lang.t("Di che cosa avete bisogno", "What you need")) }
                textarea #description name="description" rows="6" aria-invalid=[err("description").map(|_| "true")] { (draft.description) }
                @if let Some(m) = err("description") { p.field-error { (m) } }
            }
            div.field {
                label for="period_from" { (lang.t("Periodo desiderato: dal", "Desired period: from")) }
                input #period_from type="date" name="period_from" value=(draft.period_from.clone().unwrap_or_default());
                label for="period_until" { (lang.t("al", "to")) }
                input #period_until type="date" name="period_until" value=(draft.period_until.clone().unwrap_or_default()) aria-invalid=[err("period_until").map(|_| "true")];
                @if let Some(m) = err("period_until") { p.field-error { (m) } }
            }
            div { button type="submit" { (lang.t("Invia", "Send")) } }
        }
    };
    page(Page { lang, title, here: action, auth: Some(auth) }, body)
}

/// The request form; `?descrizione=` (a question no guide answered) and `?fondo=` fill it in.
pub async fn new_request(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    RawQuery(raw): RawQuery,
) -> AppResult<Markup> {
    let params = Params::parse(raw.as_deref(), lang)?;
    let description: String = params
        .non_empty("descrizione")
        .map(|d| d.chars().take(crate::mentorship::MAX_DESCRIPTION_CHARS).collect())
        .unwrap_or_default();
    let fund = params.non_empty("fondo").and_then(Fund::parse).map(|f| f.as_str().to_string()).unwrap_or_default();
    let draft = RequestInput {
        language: lang.code().into(),
        form_key: Some(random_secret()),
        description,
        fund,
        ..Default::default()
    };
    let title = lang.t("Nuova richiesta di mentorship", "New mentorship request");
    Ok(request_form(&state, lang, &auth, "/mentorship/richieste", title, &draft, None))
}

fn form_failure(
    state: &AppState,
    lang: Lang,
    auth: &Auth,
    action: &str,
    title: &str,
    draft: &RequestInput,
    e: Refusal,
) -> AppResult<Response> {
    match e {
        Refusal::Invalid { .. } | Refusal::State { .. } | Refusal::Duplicate { .. } => {
            let status = e.status();
            let message = e.message(lang);
            let field = e.field().unwrap_or("");
            Ok(rendered(status, request_form(state, lang, auth, action, title, draft, Some((field, &message)))))
        }
        other => Err(other.into_app(lang)),
    }
}

pub async fn file_request(State(state): State<AppState>, lang: Lang, auth: Auth, body: Bytes) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let draft = request_input(&form(&body, lang)?);
    let title = lang.t("Nuova richiesta di mentorship", "New mentorship request");
    let result = async {
        let valid = input::validate_request(&draft, &state.search.corpus().topics)?;
        state.mentorship.file_request(user, &valid).await
    }
    .await;
    match result {
        Ok(id) => Ok(see_other(&format!("/mentorship/richieste/{id}"))),
        Err(e) => form_failure(&state, lang, &auth, "/mentorship/richieste", title, &draft, e),
    }
}

pub async fn edit_request_page(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Markup> {
    let user = signed_in(&auth)?;
    let mut c = conn(&state).await?;
    let r = state.mentorship.editable_request(&mut c, user, id).await.map_err(|e| e.into_app(lang))?;
    let draft = RequestInput {
        fund: r.fund.clone(),
        topics: r.topics.clone(),
        language: r.language.clone(),
        format: r.format.clone(),
        description: r.description.clone(),
        period_from: r.period_from.clone(),
        period_until: r.period_until.clone(),
        form_key: None,
    };
    let action = format!("/mentorship/richieste/{id}/modifica");
    let title = lang.t("Modifica la richiesta", "Edit the request");
    Ok(request_form(&state, lang, &auth, &action, title, &draft, None))
}

pub async fn edit_request(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
    body: Bytes,
) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    state.mentorship.editable_request(&mut *conn(&state).await?, user, id).await.map_err(|e| e.into_app(lang))?;
    let draft = request_input(&form(&body, lang)?);
    let action = format!("/mentorship/richieste/{id}/modifica");
    let title = lang.t("Modifica la richiesta", "Edit the request");
    let result = async {
        let valid = input::validate_request(&draft, &state.search.corpus().topics)?;
        state.mentorship.edit_request(user, id, &valid).await
    }
    .await;
    match result {
        Ok(()) => Ok(see_other(&format!("/mentorship/richieste/{id}"))),
        Err(e) => form_failure(&state, lang, &auth, &action, title, &draft, e),
    }
}

pub async fn withdraw_request(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
    body: Bytes,
) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let f = form(&body, lang)?;
    state.mentorship.withdraw_request(user, id, f.non_empty("reason")).await.map_err(|e| e.into_app(lang))?;
    Ok(see_other(&format!("/mentorship/richieste/{id}")))
}

pub async fn assign(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
    body: Bytes,
) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let f = form(&body, lang)?;
    let mentor = f.non_empty("mentor").and_then(|m| m.parse::<i64>().ok()).ok_or_else(|| {
        AppError::field("mentor", lang.t("Scegli un mentor dall'elenco.", "Choose a mentor from the list."))
    })?;
    let m = state.mentorship.assign(user, id, mentor).await.map_err(|e| e.into_app(lang))?;
    Ok(see_other(&format!("/mentorship/abbinamenti/{m}")))
}

// ----- one request -----

pub async fn request_page(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Markup> {
    let user = signed_in(&auth)?;
    let mut c = conn(&state).await?;
    let r = state.mentorship.visible_request(&mut c, user, id).await.map_err(|e| e.into_app(lang))?;
    let mut f = MatchFilter { request: Some(id), ..Default::default() };
    if user.role == Role::Mentor {
        f.mentor = Some(user.id);
    }
    let matches: Vec<Match> = store::matches(&mut c, &f, 200)
        .await?
        .into_iter()
        .filter(|m| user.role != Role::Mentor || m.state.shown_to_mentor())
        .collect();
    let history = if user.role == Role::Mentor { Vec::new() } else { store::transitions(&mut c, id).await? };
    let mentors = if user.role == Role::Coordinator && r.state == RequestState::Open {
        store::active_mentor_profiles(&mut c).await?
    } else {
        Vec::new()
    };
    let topics = &state.search.corpus().topics;
    let side = user.role != Role::Mentor;
    let title = format!("{} {}", lang.t("Richiesta di mentorship n.", "Mentorship request no."), r.id);
    let body = html! {
        h1 { (title) }
        (request_summary(&r, topics, lang))
        @if side && r.state == RequestState::Open {
            p { a href=(format!("/mentorship/richieste/{id}/modifica")) { (lang.t("Modifica la richiesta", "Edit the request")) } }
            form.stack method="post" action=(format!("/mentorship/richieste/{id}/ritira")) {
                (csrf_field(&auth))
                div.field {
                    label for="reason" { (lang.t("Motivo del ritiro (facoltativo)", "Reason for withdrawing (optional)")) }
                    input #reason type="text" name="reason";
                }
                div { button type="submit" { (lang.t("Ritira la richiesta", "Withdraw the request")) } }
            }
        }
        h2 { (lang.t("Mentor", "Mentors")) }
        @if matches.is_empty() {
            p.notice role="status" { (lang.t(
                "Nessun mentor ancora: appena un mentor adatto ha un posto libero, il sistema lo propone.",
                "No mentor yet: as soon as a suitable mentor has a free place, the service proposes them.")) }
        }
        @for m in &matches {
            section.card {
                h3 { a href=(format!("/mentorship/abbinamenti/{}", m.id)) { (m.mentor_name) } " — " (m.state.label(lang)) }
                p { (lang.t("Punteggio", "Score")) " " (m.score) ":" }
                (explanation(&m.parts, lang))
                @if let Some(reason) = &m.reason { p { (lang.t("Motivo", "Reason")) ": " (reason) } }
            }
        }
        @if !mentors.is_empty() {
            h2 { (lang.t("Assegna a un altro mentor", "Assign to another mentor")) }
            form.stack method="post" action=(format!("/mentorship/richieste/{id}/assegna")) {
                (csrf_field(&auth))
                div.field {
                    label for="mentor" { (lang.t("Mentor", "Mentor")) }
                    select #mentor name="mentor" {
                        @for p in &mentors { option value=(p.user_id) { (p.name) " (" (p.active + p.pending) "/" (p.capacity) ")" } }
                    }
                }
                div { button type="submit" { (lang.t("Proponi questo mentor", "Propose this mentor")) } }
            }
        }
        @if !history.is_empty() {
            h2 { (lang.t("Cronologia", "History")) }
            table {
                thead { tr { th scope="col" { (lang.t("Quando", "When")) } th scope="col" { (lang.t("Cambio", "Change")) } th scope="col" { (lang.t("Chi", "Who")) } th scope="col" { (lang.t("Nota", "Note")) } } }
                tbody {
                    @for t in &history {
                        tr {
                            td { (local_time(t.at)) }
                            td { @if let Some(m) = t.match_id { (lang.t("abbinamento", "match")) " " (m) ": " } @else { (lang.t("richiesta", "request")) ": " }
                                 (t.from_state.clone().unwrap_or_else(|| "—".into())) " → " (t.to_state) }
                            td { (t.actor_name.clone().unwrap_or_else(|| lang.t("sistema", "system").into())) }
                            td { (t.note.clone().unwrap_or_default()) }
                        }
                    }
                }
            }
        }
    };
    Ok(page(Page { lang, title: &title, here: &format!("/mentorship/richieste/{id}"), auth: Some(&auth) }, body))
}

fn request_summary(r: &Request, topics: &crate::guides::Topics, lang: Lang) -> Markup {
    html! {
        dl.facts {
            dt { (lang.t("Regione / PA", "Region / AP")) } dd { (r.region_name) }
            dt { (lang.t("Fondo", "Fund")) } dd { (fund_label(&r.fund, lang)) }
            dt { (lang.t("Temi", "Topics")) } dd { (r.topics.iter().map(|t| topics.label(t, lang)).collect::<Vec<_>>().join(", ")) }
            dt { (lang.t("Formato", "Format")) } dd { (format_label(&r.format, lang)) }
            dt { (lang.t("Lingua", "Language")) } dd { (Lang::parse(&r.language).map(|l| l.name()).unwrap_or("")) }
            @if r.period_from.is_some() || r.period_until.is_some() {
                dt { (lang.t("Periodo", "Period")) } dd { (r.period_from.clone().unwrap_or_default()) " – " (r.period_until.clone().unwrap_or_default()) }
            }
            dt { (lang.t("Stato", "Status")) } dd { (r.state.label(lang)) }
            dt { (lang.t("Presentata il", "Filed on")) } dd { (local_time(r.created_at)) }
        }
        h2 { (lang.t("La richiesta", "The request")) }
        p.description { (r.description) }
    }
}

// ----- one match -----

pub async fn match_page(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Markup> {
    let user = signed_in(&auth)?;
    match_view(&state, lang, &auth, user, id, None).await
}

async fn match_view(
    state: &AppState,
    lang: Lang,
    auth: &Auth,
    user: &User,
    id: i64,
    error: Option<(&str, &str)>,
) -> AppResult<Markup> {
    let mut c = conn(state).await?;
    let m = state.mentorship.visible_match(&mut c, user, id).await.map_err(|e| e.into_app(lang))?;
    let r = store::request(&mut c, m.request_id).await?.ok_or_else(|| Refusal::NotFound.into_app(lang))?;
    let contacts = if m.state.contacts_visible() {
        Some((store::contact(&mut c, m.mentor_id).await?, store::contact(&mut c, r.officer_id).await?))
    } else {
        None
    };
    let meetings = store::meetings(&mut c, id).await?;
    let feedback = store::feedback(&mut c, id).await?;
    let is_mentor = user.id == m.mentor_id;
    let is_coord = user.role == Role::Coordinator;
    let is_side = is_mentor || (user.role == Role::Officer && accounts::policy::can_see_region(user, &m.region_code));
    let action = |a: &str| format!("/mentorship/abbinamenti/{id}/{a}");
    let err = |f: &str| field_error(error, f);
    let title = format!("{} — {}", m.mentor_name, r.region_name);
    let body = html! {
        h1 { (lang.t("Mentorship", "Mentorship")) ": " (title) }
        @if let Some((_, msg)) = error { p.notice.error role="alert" { (msg) } }
        p { strong { (m.state.label(lang)) }
            @if m.state == MatchState::Proposed { " · " (lang.t("risposta entro il", "answer by")) " " (m.expires_at.map(local_time).unwrap_or_default()) } }
        h2 { (lang.t("Perché questo mentor", "Why this mentor")) }
        p { (lang.t("Punteggio", "Score")) " " (m.score) ":" }
        (explanation(&m.parts, lang))
        (request_summary(&r, &state.search.corpus().topics, lang))
        p { a href=(format!("/mentorship/richieste/{}", r.id)) { (lang.t("Pagina della richiesta", "Request page")) } }
        @if let Some((mentor, officer)) = &contacts {
            h2 { (lang.t("Contatti", "Contacts")) }
            dl.facts {
                @if let Some(x) = mentor { dt { "Mentor" } dd { (x.name) " — " a href=(format!("mailto:{}", x.email)) { (x.email) } @if let Some(o) = &x.organisation { " — " (o) } } }
                @if let Some(x) = officer { dt { (lang.t("Referente della Regione", "Region's contact")) } dd { (x.name) " — " a href=(format!("mailto:{}", x.email)) { (x.email) } @if let Some(o) = &x.organisation { " — " (o) } } }
            }
        } @else if !is_coord {
            p.hint { (lang.t("I contatti compaiono a entrambe le parti quando il mentor accetta.", "Contact details appear to both sides when the mentor accepts.")) }
        }
        @if is_mentor && m.state == MatchState::Proposed {
            h2 { (lang.t("La tua risposta", "Your answer")) }
            form method="post" action=(action("accetta")) { (csrf_field(auth)) button type="submit" { (lang.t("Accetto", "I accept")) } }
            form.stack method="post" action=(action("rifiuta")) {
                (csrf_field(auth))
                div.field {
                    label for="reason" { (lang.t("Motivo del rifiuto", "Reason for declining")) }
                    input #reason type="text" name="reason" aria-invalid=[err("reason").map(|_| "true")];
                    @if let Some(e) = err("reason") { p.field-error { (e) } }
                }
                div { button type="submit" { (lang.t("Rifiuto", "I decline")) } }
            }
        }
        @if is_coord && m.state == MatchState::Suggested {
            form method="post" action=(action("approva")) { (csrf_field(auth)) button type="submit" { (lang.t("Approva e invia la proposta", "Approve and send the proposal")) } }
            form method="post" action=(action("scarta")) { (csrf_field(auth)) button type="submit" { (lang.t("Scarta il suggerimento", "Discard the suggestion")) } }
        }
        @if is_coord && m.state == MatchState::Proposed {
            form.stack method="post" action=(action("ritira")) {
                (csrf_field(auth))
                div.field { label for="wreason" { (lang.t("Motivo (facoltativo)", "Reason (optional)")) } input #wreason type="text" name="reason"; }
                div { button type="submit" { (lang.t("Ritira la proposta", "Withdraw the proposal")) } }
            }
        }
        @if m.state.contacts_visible() {
            h2 { (lang.t("Incontri", "Meetings")) }
            @if meetings.is_empty() { p { (lang.t("Nessun incontro registrato.", "No meeting logged.")) } }
            @else {
                table {
                    thead { tr { th scope="col" { (lang.t("Data", "Date")) } th scope="col" { (lang.t("Argomento", "Topic")) } th scope="col" { (lang.t("Note", "Notes")) } th scope="col" { (lang.t("Registrato da", "Logged by")) } } }
                    tbody { @for e in &meetings { tr { td { (e.held_on) } td { (e.topic) } td { (e.notes) } td { (e.author_name) } } } }
                }
            }
        }
        @if is_side && m.state == MatchState::Accepted {
            form.stack method="post" action=(action("incontri")) {
                (csrf_field(auth))
                div.field { label for="held_on" { (lang.t("Data dell'incontro", "Meeting date")) } input #held_on type="date" name="held_on" aria-invalid=[err("held_on").map(|_| "true")]; @if let Some(e) = err("held_on") { p.field-error { (e) } } }
                div.field { label for="topic" { (lang.t("Argomento", "Topic")) } input #topic type="text" name="topic" aria-invalid=[err("topic").map(|_| "true")]; @if let Some(e) = err("topic") { p.field-error { (e) } } }
                div.field { label for="notes" { (lang.t("Note", "Notes")) } textarea #notes name="notes" rows="3" {} }
                div { button type="submit" { (lang.t("Registra l'incontro", "Log the meeting")) } }
            }
        }
        @if !feedback.is_empty() {
            h2 { (lang.t("Valutazioni", "Feedback")) }
            ul { @for f in &feedback { li { (f.author_name) " (" (if f.side == "mentor" { "mentor" } else { lang.t("Regione", "Region") }) "): " (f.useful) "/5" @if !f.comment.is_empty() { " — " (f.comment) } } } }
        }
        @if (m.state == MatchState::Accepted && (is_side || is_coord)) || (m.state == MatchState::Completed && is_side) {
            h2 { @if m.state == MatchState::Accepted { (lang.t("Concludi la mentorship", "Complete the mentorship")) } @else { (lang.t("La tua valutazione", "Your feedback")) } }
            form.stack method="post" action=(action("concludi")) {
                (csrf_field(auth))
                @if is_side {
                    fieldset.field {
                        legend { (lang.t("Quanto è stata utile? (1 = poco, 5 = molto)", "How useful was it? (1 = little, 5 = very)")) }
                        @if let Some(e) = err("useful") { p.field-error { (e) } }
                        @for n in 1..=5 { label { input type="radio" name="useful" value=(n); " " (n) } " " }
                    }
                    div.field { label for="comment" { (lang.t("Commento", "Comment")) } textarea #comment name="comment" rows="3" {} }
                }
                div { button type="submit" { @if m.state == MatchState::Accepted { (lang.t("Concludi", "Complete")) } @else { (lang.t("Invia la valutazione", "Send the feedback")) } } }
            }
        }
        @if m.state == MatchState::Accepted && (is_side || is_coord) {
            form.stack method="post" action=(action("annulla")) {
                (csrf_field(auth))
                div.field { label for="creason" { (lang.t("Motivo dell'interruzione", "Reason for stopping")) } input #creason type="text" name="reason"; }
                div { button type="submit" { (lang.t("Interrompi la mentorship", "Stop the mentorship")) } }
            }
        }
    };
    Ok(page(Page { lang, title: &title, here: &format!("/mentorship/abbinamenti/{id}"), auth: Some(auth) }, body))
}

/// The actions on a match, by their Italian path segment.
pub async fn match_action(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    Path((id, action)): Path<(String, String)>,
    body: Bytes,
) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let id = id_of(&id, lang)?;
    let f = form(&body, lang)?;
    let ms = &state.mentorship;
    let coordinators_only = || {
        if user.role == Role::Coordinator {
            Ok(())
        } else {
            Err(Refusal::forbidden("Azione riservata al coordinamento.", "Only coordinators can do this."))
        }
    };
    let result = match action.as_str() {
        "accetta" => ms.accept(user, id).await,
        "rifiuta" => ms.decline(user, id, f.get("reason").unwrap_or("")).await,
        "approva" => match coordinators_only() {
            Ok(()) => ms.approve(user, &[id]).await.map(|_| ()),
            Err(e) => Err(e),
        },
        "scarta" | "ritira" => match coordinators_only() {
            Ok(()) => ms.withdraw_match(user, id, f.non_empty("reason")).await,
            Err(e) => Err(e),
        },
        "incontri" => ms
            .log_meeting(
                user,
                id,
                f.get("held_on").unwrap_or(""),
                f.get("topic").unwrap_or(""),
                f.get("notes").unwrap_or(""),
            )
            .await
            .map(|_| ()),
        "concludi" => {
            let useful = match f.non_empty("useful").map(|u| u.parse::<i64>()) {
                Some(Ok(u)) => Some(u),
                Some(Err(_)) => Some(0),
                None => None,
            };
            ms.complete(user, id, useful, f.get("comment").unwrap_or("")).await
        }
        "annulla" => ms.cancel(user, id, f.get("reason").unwrap_or("")).await,
        _ => return Err(AppError::NotFound(lang.t("Azione sconosciuta.", "Unknown action.").into())),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/mentorship/abbinamenti/{id}"))),
        Err(e @ (Refusal::Invalid { .. } | Refusal::State { .. })) => {
            let status = e.status();
            let message = e.message(lang);
            let field = e.field().unwrap_or("");
            // The page is shown again with the message, if this user may see it.
            match match_view(&state, lang, &auth, user, id, Some((field, &message))).await {
                Ok(markup) => Ok(rendered(status, markup)),
                Err(_) => Err(e.into_app(lang)),
            }
        }
        Err(e) => Err(e.into_app(lang)),
    }
}

// ----- the mentor's profile -----

fn profile_input(f: &Params) -> Result<ProfileInput, Refusal> {
    let capacity = match f.non_empty("capacity") {
        None => None,
        Some(c) => Some(c.parse::<i64>().map_err(|_| {
            Refusal::invalid(
                "capacity",
                format!("Capacità non valida \"{c}\": scrivi un numero intero."),
                format!("Invalid capacity \"{c}\": enter a whole number."),
            )
        })?),
    };
    Ok(ProfileInput {
        experience: input::parse_experience_lines(f.get("experience").unwrap_or(""))?,
        topics: f.all("topics").into_iter().map(String::from).collect(),
        languages: f.all("languages").into_iter().map(String::from).collect(),
        capacity,
        employer_region: f.non_empty("employer_region").map(String::from),
        pause_from: f.non_empty("pause_from").map(String::from),
        pause_until: f.non_empty("pause_until").map(String::from),
        bio: f.get("bio").unwrap_or("").into(),
    })
}

/// What the profile form shows: the stored profile, or what was typed.
struct ProfileDraft {
    experience: String,
    topics: Vec<String>,
    languages: Vec<String>,
    capacity: String,
    employer_region: Option<String>,
    pause_from: String,
    pause_until: String,
    bio: String,
}

async fn profile_form(
    state: &AppState,
    lang: Lang,
    auth: &Auth,
    d: &ProfileDraft,
    error: Option<(&str, &str)>,
    saved: bool,
) -> AppResult<Markup> {
    let regions = accounts::regions(&state.db).await?;
    let topics = &state.search.corpus().topics;
    let err = |f: &str| field_error(error, f);
    let title = lang.t("Il mio profilo da mentor", "My mentor profile");
    let body = html! {
        h1 { (title) }
        @if saved { p.notice role="status" { (lang.t("Profilo salvato.", "Profile saved.")) } }
        @if let Some((_, m)) = error { p.notice.error role="alert" { (m) } }
        form.stack method="post" action="/mentorship/profilo" {
            (csrf_field(auth))
            div.field {
                label for="experience" { (lang.t("Esperienze con i fondi, una per riga: fondo | ruolo | programma | codice Regione (facoltativo)",
                                                 "Experience with the funds, one per line: fund | role | programme | Region code (optional)")) }
                p.hint { (lang.t("Ruoli: AdG, OI, audit, beneficiario. Esempio: FSE+ | AdG | PR FSE+ Puglia 2014-2020 | PUG",
                                 "Roles: adg, oi, audit, beneficiario. Example: FSE+ | AdG | PR FSE+ Puglia 2014-2020 | PUG")) }
                textarea #experience name="experience" rows="5" aria-invalid=[err("experience").map(|_| "true")] { (d.experience) }
                @if let Some(m) = err("experience") { p.field-error { (m) } }
            }
            fieldset.field {
                legend { (lang.t("Temi su cui puoi affiancare", "Topics you can help with")) }
                @if let Some(m) = err("topics") { p.field-error { (m) } }
                div.choices { @for t in topics.all() { label { input type="checkbox" name="topics" value=(t.slug) checked[d.topics.contains(&t.slug)]; " " (t.label(lang)) } } }
            }
            fieldset.field {
                legend { (lang.t("Lingue di lavoro", "Working languages")) }
                @if let Some(m) = err("languages") { p.field-error { (m) } }
                @for l in Lang::ALL { label { input type="checkbox" name="languages" value=(l.code()) checked[d.languages.iter().any(|x| x == l.code())]; " " (l.name()) } " " }
            }
            div.field {
                label for="capacity" { (lang.t("Mentorship che puoi seguire insieme", "Mentorships you can follow at once")) }
                input #capacity type="number" min="1" max="20" name="capacity" value=(d.capacity) aria-invalid=[err("capacity").map(|_| "true")];
                @if let Some(m) = err("capacity") { p.field-error { (m) } }
            }
            div.field {
                label for="employer_region" { (lang.t("Regione / PA per cui lavori (non ti sarà proposta)", "Region / AP you work for (never proposed to you)")) }
                select #employer_region name="employer_region" {
                    option value="" { "—" }
                    @for r in &regions { option value=(r.code) selected[d.employer_region.as_deref() == Some(r.code.as_str())] { (r.name) } }
                }
            }
            div.field {
                label for="pause_from" { (lang.t("In pausa dal", "On a pause from")) }
                input #pause_from type="date" name="pause_from" value=(d.pause_from);
                label for="pause_until" { (lang.t("al", "to")) }
                input #pause_until type="date" name="pause_until" value=(d.pause_until) aria-invalid=[err("pause_until").map(|_| "true")];
                @if let Some(m) = err("pause_until") { p.field-error { (m) } }
            }
            div.field {
                label for="bio" { (lang.t("Presentazione", "About you")) }
                textarea #bio name="bio" rows="4" { (d.bio) }
            }
            div { button type="submit" { (lang.t("Salva il profilo", "Save the profile")) } }
        }
    };
    Ok(page(Page { lang, title, here: "/mentorship/profilo", auth: Some(auth) }, body))
}

pub async fn profile_page(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    RawQuery(raw): RawQuery,
) -> AppResult<Markup> {
    let user = signed_in(&auth)?;
    let saved = Params::parse(raw.as_deref(), lang)?.get("salvato").is_some();
    let mut c = conn(&state).await?;
    let d = match store::profile(&mut c, user.id).await? {
        Some(p) => ProfileDraft {
            experience: p
                .experience
                .iter()
                .map(|e| {
                    format!(
                        "{} | {} | {}{}",
                        e.fund,
                        e.role,
                        e.programme,
                        e.region_code.as_deref().map(|r| format!(" | {r}")).unwrap_or_default()
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
            topics: p.topics,
            languages: p.languages,
            capacity: p.capacity.to_string(),
            employer_region: p.employer_region,
            pause_from: p.pause_from.unwrap_or_default(),
            pause_until: p.pause_until.unwrap_or_default(),
            bio: p.bio,
        },
        None => ProfileDraft {
            experience: String::new(),
            topics: Vec::new(),
            languages: vec![lang.code().to_string()],
            capacity: "2".into(),
            employer_region: None,
            pause_from: String::new(),
            pause_until: String::new(),
            bio: String::new(),
        },
    };
    profile_form(&state, lang, &auth, &d, None, saved).await
}

pub async fn profile_save(State(state): State<AppState>, lang: Lang, auth: Auth, body: Bytes) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let f = form(&body, lang)?;
    let result = async {
        let p = profile_input(&f)?;
        let regions = accounts::regions(&state.db).await?;
        let valid = input::validate_profile(&p, &state.search.corpus().topics, &regions)?;
        state.mentorship.save_profile(user, &valid).await
    }
    .await;
    match result {
        Ok(()) => Ok(see_other("/mentorship/profilo?salvato=1")),
        Err(e @ Refusal::Invalid { .. }) => {
            let d = ProfileDraft {
                experience: f.get("experience").unwrap_or("").into(),
                topics: f.all("topics").into_iter().map(String::from).collect(),
                languages: f.all("languages").into_iter().map(String::from).collect(),
                capacity: f.get("capacity").unwrap_or("").into(),
                employer_region: f.non_empty("employer_region").map(String::from),
                pause_from: f.get("pause_from").unwrap_or("").into(),
                pause_until: f.get("pause_until").unwrap_or("").into(),
                bio: f.get("bio").unwrap_or("").into(),
            };
            let message = e.message(lang);
            let markup =
                profile_form(&state, lang, &auth, &d, Some((e.field().unwrap_or(""), &message)), false).await?;
            Ok(rendered(StatusCode::BAD_REQUEST, markup))
        }
        Err(e) => Err(e.into_app(lang)),
    }
}

// ----- coordinators -----

pub async fn review_page(State(state): State<AppState>, lang: Lang, auth: Auth) -> AppResult<Markup> {
    let mut c = conn(&state).await?;
    let auto = store::auto_mode(&mut c).await?;
    let of = |states: Vec<MatchState>| MatchFilter { states, ..Default::default() };
    let suggested = store::matches(&mut c, &of(vec![MatchState::Suggested]), 500).await?;
    let proposed = store::matches(&mut c, &of(vec![MatchState::Proposed]), 500).await?;
    let active = store::matches(&mut c, &of(vec![MatchState::Accepted]), 500).await?;
    let (open, open_total) =
        store::requests(&mut c, &RequestFilter { state: Some(RequestState::Open), ..Default::default() }, 500, 0)
            .await?;
    let live: std::collections::HashSet<i64> = suggested.iter().chain(&proposed).map(|m| m.request_id).collect();
    let waiting: Vec<&Request> = open.iter().filter(|r| !live.contains(&r.id)).collect();
    let now = state.clock.now_ms();
    let age = |since: i64| {
        let days = (now - since).max(0) / 86_400_000;
        format!("{days} {}", if days == 1 { lang.t("giorno", "day") } else { lang.t("giorni", "days") })
    };
    let title = lang.t("Mentorship: revisione", "Mentorship: review");
    let body = html! {
        h1 { (title) }
        form method="post" action="/coordinamento/mentorship/modalita" {
            (csrf_field(&auth))
            p {
                (lang.t("Modalità automatica", "Automatic mode")) ": " strong { @if auto { (lang.t("attiva", "on")) } @else { (lang.t("spenta", "off")) } } ". "
                (lang.t("Se attiva, i suggerimenti diventano subito proposte ai mentor.", "When on, suggestions become proposals to mentors at once."))
                " "
                input type="hidden" name="auto" value=(if auto { "0" } else { "1" });
                button type="submit" { @if auto { (lang.t("Spegni", "Turn off")) } @else { (lang.t("Attiva", "Turn on")) } }
            }
        }
        form method="post" action="/coordinamento/mentorship/esegui" {
            (csrf_field(&auth))
            button type="submit" { (lang.t("Esegui ora l'assegnazione", "Run the assignment now")) }
        }
        h2 { (lang.t("Suggerimenti da approvare", "Suggestions to review")) " (" (suggested.len()) ")" }
        @if suggested.is_empty() { p { (lang.t("Nessun suggerimento in attesa.", "No suggestion waiting.")) } }
        @else {
            form method="post" action="/coordinamento/mentorship/approva" {
                (csrf_field(&auth))
                table {
                    thead { tr { th scope="col" { span.visually-hidden { (lang.t("Seleziona", "Select")) } } th scope="col" { (lang.t("Richiesta", "Request")) } th scope="col" { "Mentor" } th scope="col" { (lang.t("Perché", "Why")) } } }
                    tbody {
                        @for m in &suggested {
                            tr {
                                td { input type="checkbox" name="id" value=(m.id) id=(format!("s{}", m.id)) aria-label=(format!("{} {}", lang.t("Seleziona il suggerimento", "Select suggestion"), m.id)); }
                                td { a href=(format!("/mentorship/richieste/{}", m.request_id)) { (m.request_id) } " (" (m.region_code) ")" }
                                td { a href=(format!("/mentorship/abbinamenti/{}", m.id)) { (m.mentor_name) } " — " (m.score) }
                                td { (explanation(&m.parts, lang)) }
                            }
                        }
                    }
                }
                button type="submit" name="which" value="selected" { (lang.t("Approva i selezionati", "Approve the selected")) }
                " "
                button type="submit" name="which" value="all" { (lang.t("Approva tutti", "Approve all")) }
            }
        }
        h2 { (lang.t("Proposte in attesa di risposta", "Proposals awaiting an answer")) " (" (proposed.len()) ")" }
        @if proposed.is_empty() { p { (lang.t("Nessuna.", "None.")) } }
        @else { ul { @for m in &proposed {
            li { a href=(format!("/mentorship/abbinamenti/{}", m.id)) { (m.mentor_name) " — " (lang.t("richiesta", "request")) " " (m.request_id) }
                 " · " (lang.t("inviata da", "sent")) " " (age(m.proposed_at.unwrap_or(m.created_at))) " · " (lang.t("scade il", "expires")) " " (m.expires_at.map(local_time).unwrap_or_default()) }
        } } }
        h2 { (lang.t("Mentorship attive", "Active mentorships")) " (" (active.len()) ")" }
        @if active.is_empty() { p { (lang.t("Nessuna.", "None.")) } }
        @else { ul { @for m in &active {
            li { a href=(format!("/mentorship/abbinamenti/{}", m.id)) { (m.mentor_name) " — " (lang.t("richiesta", "request")) " " (m.request_id) " (" (m.region_code) ")" }
                 " · " (lang.t("da", "for")) " " (age(m.answered_at.unwrap_or(m.created_at))) }
        } } }
        h2 { (lang.t("Richieste aperte senza mentor", "Open requests without a mentor")) " (" (waiting.len()) "/" (open_total) ")" }
        @if waiting.is_empty() { p { (lang.t("Nessuna.", "None.")) } }
        @else {
            p.hint { (lang.t("Nessun mentor disponibile rispetta le regole (fondo, lingua, posti liberi, conflitti): assegnatele a mano o attendete posti liberi.",
                             "No available mentor meets the rules (fund, language, free places, conflicts): assign them by hand or wait for free places.")) }
            ul { @for r in &waiting { li { a href=(format!("/mentorship/richieste/{}", r.id)) { (r.id) " — " (r.region_name) ", " (fund_label(&r.fund, lang)) } " · " (age(r.created_at)) } } }
        }
    };
    Ok(page(Page { lang, title, here: "/coordinamento/mentorship", auth: Some(&auth) }, body))
}

pub async fn review_approve(State(state): State<AppState>, lang: Lang, auth: Auth, body: Bytes) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let f = form(&body, lang)?;
    let ids: Vec<i64> = f.all("id").iter().filter_map(|i| i.parse().ok()).collect();
    if f.get("which") != Some("all") && ids.is_empty() {
        return Err(AppError::field(
            "id",
            lang.t(
                "Seleziona almeno un suggerimento, oppure usa \"Approva tutti\".",
                "Select at least one suggestion, or use \"Approve all\".",
            ),
        ));
    }
    let ids = if f.get("which") == Some("all") { Vec::new() } else { ids };
    state.mentorship.approve(user, &ids).await.map_err(|e| e.into_app(lang))?;
    Ok(see_other("/coordinamento/mentorship"))
}

pub async fn review_mode(State(state): State<AppState>, lang: Lang, auth: Auth, body: Bytes) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let f = form(&body, lang)?;
    let on = match f.get("auto") {
        Some("1") => true,
        Some("0") => false,
        _ => return Err(AppError::field("auto", lang.t("auto vale 1 oppure 0", "auto is 1 or 0"))),
    };
    state.mentorship.set_auto(user, on).await.map_err(|e| e.into_app(lang))?;
    if on {
        state.mentorship.rerun().await;
    }
    Ok(see_other("/coordinamento/mentorship"))
}

pub async fn review_run(State(state): State<AppState>, lang: Lang) -> AppResult<Response> {
    state.mentorship.run().await.map_err(|e| e.into_app(lang))?;
    Ok(see_other("/coordinamento/mentorship"))
}
