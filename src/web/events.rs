//! Event pages: the public programme (list, month view, archive), one event with
//! registration, the personal calendar feed, the certificate, and the coordinators' desk
//! (create, edit, publish, cancel, complete, attendance, CSV export and import).

use axum::body::Bytes;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, RawQuery, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use maud::{html, Markup};

use super::account::{form, rendered, signed_in};
use super::auth::Auth;
use super::id_of;
use super::layout::{csrf_field, page, Page};
use super::mentorship::{conn, fund_label, see_other};
use super::params::Params;
use super::PathId;
use crate::accounts::{self, Role, User};
use crate::app::AppState;
use crate::clock::{local_date, local_time};
use crate::events::store::{self, Event, EventFilter, Registration};
use crate::events::{self, certificate, csv, mail, EventInput, EventState, Kind, RegState};
use crate::guides::Fund;
use crate::i18n::Lang;
use crate::web::error::{AppError, AppResult, Refusal, RefusalHttp};

const PER_PAGE: i64 = 20;

/// The list filters shared by the pages and the API.
pub fn filter(p: &Params, state: &AppState, lang: Lang) -> AppResult<EventFilter> {
    let kind = match p.non_empty("kind").or(p.non_empty("tipo")) {
        None => None,
        Some(k) => Some(Kind::parse(k).ok_or_else(|| {
            AppError::field(
                "kind",
                format!(
                    "{} \"{k}\": webinar, open_lab, mentorship_lab, forum",
                    lang.t("tipo sconosciuto", "unknown kind")
                ),
            )
        })?),
    };
    let fund = match p.non_empty("fund").or(p.non_empty("fondo")) {
        None => None,
        Some(f) => Some(Fund::parse(f).map(|f| f.as_str().to_string()).ok_or_else(|| {
            AppError::field("fund", format!("{} \"{f}\": FSE+, FESR, JTF", lang.t("fondo sconosciuto", "unknown fund")))
        })?),
    };
    let topic = match p.non_empty("topic").or(p.non_empty("tema")) {
        None => None,
        Some(t) if state.search.corpus().topics.contains(t) => Some(t.to_string()),
        Some(t) => {
            return Err(AppError::field("topic", format!("{} \"{t}\"", lang.t("tema sconosciuto", "unknown topic"))))
        }
    };
    Ok(EventFilter { kind, fund, topic, ..Default::default() })
}

fn event_line(e: &Event, lang: Lang) -> Markup {
    html! {
        li.event {
            a href=(format!("/eventi/{}", e.id)) { (e.title) }
            " — " (e.kind.label(lang)) ", " (mail::when(e, lang))
            @match e.state {
                EventState::Cancelled => { " · " strong { (lang.t("annullato", "cancelled")) } }
                EventState::Completed => { " · " (lang.t("concluso", "completed")) }
                _ => {
                    " · "
                    @if e.free_places() > 0 { (e.free_places()) " " (lang.t("posti liberi", "places free")) }
                    @else { (lang.t("completo: lista d'attesa", "full: waiting list")) }
                }
            }
        }
    }
}

fn filters_form(action: &str, f: &EventFilter, state: &AppState, lang: Lang, month: Option<&str>) -> Markup {
    html! {
        form.search method="get" action=(action) {
            div.field {
                label for="f-kind" { (lang.t("Tipo", "Kind")) }
                select #f-kind name="kind" {
                    option value="" { (lang.t("Tutti", "All")) }
                    @for k in Kind::ALL { option value=(k.as_str()) selected[f.kind == Some(k)] { (k.label(lang)) } }
                }
            }
            div.field {
                label for="f-fund" { (lang.t("Fondo", "Fund")) }
                select #f-fund name="fund" {
                    option value="" { (lang.t("Tutti", "All")) }
                    @for x in Fund::ALL { option value=(x.as_str()) selected[f.fund.as_deref() == Some(x.as_str())] { (fund_label(x.as_str(), lang)) } }
                }
            }
            div.field {
                label for="f-topic" { (lang.t("Tema", "Topic")) }
                select #f-topic name="topic" {
                    option value="" { (lang.t("Tutti", "All")) }
                    @for t in state.search.corpus().topics.all() { option value=(t.slug) selected[f.topic.as_deref() == Some(t.slug.as_str())] { (t.label(lang)) } }
                }
            }
            @if let Some(m) = month { input type="hidden" name="mese" value=(m); input type="hidden" name="vista" value="mese"; }
            button type="submit" { (lang.t("Filtra", "Filter")) }
        }
    }
}

/// `/eventi`: upcoming events as a list, or a month (`?vista=mese&mese=2026-12`).
pub async fn list(State(state): State<AppState>, lang: Lang, auth: Auth, RawQuery(raw): RawQuery) -> AppResult<Markup> {
    let p = Params::parse(raw.as_deref(), lang)?;
    let mut f = filter(&p, &state, lang)?;
    let now = state.clock.now_ms();
    let page_no = p.number("page", 1, 10_000, lang)? as i64;
    let mut c = conn(&state).await?;
    let month_view = p.get("vista") == Some("mese");
    let body_list = if month_view {
        let first = match p.non_empty("mese") {
            None => local_date(now).with_day(1).unwrap_or_default(),
            Some(m) => NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").map_err(|_| {
                AppError::field("mese", lang.t("Mese non valido: usa AAAA-MM.", "Invalid month: use YYYY-MM."))
            })?,
        };
        let next = first.checked_add_months(chrono::Months::new(1)).unwrap_or(first);
        f.states = vec![EventState::Published, EventState::Cancelled, EventState::Completed];
        f.starts_from = Some(crate::clock::local_midnight_ms(first));
        f.starts_until = Some(crate::clock::local_midnight_ms(next));
        let (list, _) = store::events(&mut c, &f, 500, 0).await?;
        month(first, &list, &f, &state, lang)
    } else {
        f.states = vec![EventState::Published, EventState::Cancelled];
        f.ends_after = Some(now);
        let (list, total) = store::events(&mut c, &f, PER_PAGE, (page_no - 1) * PER_PAGE).await?;
        html! {
            (filters_form("/eventi", &f, &state, lang, None))
            @if list.is_empty() { p.notice role="status" { (lang.t("Nessun evento in programma con questi filtri.", "No upcoming event matches these filters.")) } }
            @else { ul.events { @for e in &list { (event_line(e, lang)) } } }
            @if total > page_no * PER_PAGE { p { a href=(format!("/eventi?page={}", page_no + 1)) { (lang.t("Altri eventi →", "More events →")) } } }
        }
    };
    let user = auth.user();
    let body = html! {
        h1 { (lang.t("Eventi: webinar, Open Lab, laboratori e forum", "Events: webinars, Open Labs, labs and forums")) }
        p {
            a href="/eventi" { (lang.t("Elenco", "List")) } " · "
            a href="/eventi?vista=mese" { (lang.t("Vista mensile", "Month view")) } " · "
            a href="/eventi/archivio" { (lang.t("Archivio con i materiali", "Archive with materials")) }
            @if user.is_some_and(|u| u.role == Role::Coordinator) { " · " a href="/coordinamento/eventi" { (lang.t("Gestione eventi", "Manage events")) } }
        }
        (body_list)
        @if user.is_some() {
            h2 { (lang.t("Il mio calendario", "My calendar")) }
            p { (lang.t("Un indirizzo personale da aggiungere a Outlook, Google Calendar o Thunderbird con gli eventi a cui sei iscritto.",
                        "A personal address to add to Outlook, Google Calendar or Thunderbird with the events you registered for.")) }
            form method="post" action="/profilo/calendario" { (csrf_field(&auth)) button type="submit" { (lang.t("Crea un nuovo indirizzo", "Create a new address")) } }
            form method="post" action="/profilo/calendario/revoca" { (csrf_field(&auth)) button type="submit" { (lang.t("Disattiva l'indirizzo", "Turn the address off")) } }
        }
    };
    Ok(page(Page { lang, title: lang.t("Eventi", "Events"), here: "/eventi", auth: Some(&auth) }, body))
}

fn month(first: NaiveDate, list: &[Event], f: &EventFilter, state: &AppState, lang: Lang) -> Markup {
    let prev = first.checked_sub_months(chrono::Months::new(1)).unwrap_or(first);
    let next = first.checked_add_months(chrono::Months::new(1)).unwrap_or(first);
    let days = next.signed_duration_since(first).num_days();
    let lead = first.weekday().num_days_from_monday() as i64;
    let cells = ((lead + days + 6) / 7) * 7;
    let names = if lang == Lang::It {
        ["lun", "mar", "mer", "gio", "ven", "sab", "dom"]
    } else {
        ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    };
    let month_name = first.format("%m/%Y").to_string();
    html! {
        (filters_form("/eventi", f, state, lang, Some(&first.format("%Y-%m").to_string())))
        p {
            a href=(format!("/eventi?vista=mese&mese={}", prev.format("%Y-%m"))) { "← " (prev.format("%m/%Y")) }
            " · " strong { (month_name) } " · "
            a href=(format!("/eventi?vista=mese&mese={}", next.format("%Y-%m"))) { (next.format("%m/%Y")) " →" }
        }
        table.month {
            caption { (lang.t("Eventi del mese", "Events of the month")) " " (month_name) }
            thead { tr { @for n in names { th scope="col" { (n) } } } }
            tbody {
                @for week in 0..(cells / 7) {
                    tr {
                        @for d in 0..7 {
                            @let n = week * 7 + d - lead;
                            td {
                                @if n >= 0 && n < days {
                                    @let day = first + chrono::Days::new(n as u64);
                                    span.day { (day.day()) }
                                    @for e in list.iter().filter(|e| local_date(e.starts_at) == day) {
                                        br; a href=(format!("/eventi/{}", e.id)) { (local_time(e.starts_at).split(' ').nth(1).unwrap_or("")) " " (e.title) }
                                        @if e.state == EventState::Cancelled { " (" (lang.t("annullato", "cancelled")) ")" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if list.is_empty() { p.notice role="status" { (lang.t("Nessun evento in questo mese.", "No events this month.")) } }
    }
}

pub async fn archive(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    RawQuery(raw): RawQuery,
) -> AppResult<Markup> {
    let p = Params::parse(raw.as_deref(), lang)?;
    let mut f = filter(&p, &state, lang)?;
    let page_no = p.number("page", 1, 10_000, lang)? as i64;
    f.states = vec![EventState::Completed, EventState::Published];
    f.ends_before = Some(state.clock.now_ms());
    f.newest_first = true;
    let mut c = conn(&state).await?;
    let (list, total) = store::events(&mut c, &f, PER_PAGE, (page_no - 1) * PER_PAGE).await?;
    let body = html! {
        h1 { (lang.t("Archivio degli eventi", "Event archive")) }
        (filters_form("/eventi/archivio", &f, &state, lang, None))
        @if list.is_empty() { p.notice role="status" { (lang.t("Nessun evento passato.", "No past events.")) } }
        @else {
            ul.events { @for e in &list {
                li { a href=(format!("/eventi/{}", e.id)) { (e.title) } " — " (e.kind.label(lang)) ", " (mail::when(e, lang))
                    @if let Some(m) = &e.materials_url { " · " a href=(m) { (lang.t("materiali", "materials")) } }
                    @if let Some(r) = &e.recording_url { " · " a href=(r) { (lang.t("registrazione", "recording")) } } }
            } }
        }
        @if total > page_no * PER_PAGE { p { a href=(format!("/eventi/archivio?page={}", page_no + 1)) { (lang.t("Altri →", "More →")) } } }
    };
    Ok(page(Page { lang, title: lang.t("Archivio", "Archive"), here: "/eventi/archivio", auth: Some(&auth) }, body))
}

pub async fn visible_event(state: &AppState, user: Option<&User>, id: i64, lang: Lang) -> AppResult<Event> {
    let mut c = conn(state).await?;
    match store::event(&mut c, id).await? {
        Some(mut e) if events::Events::visible(&e, user) => {
            // Related guides merged since the event was saved are shown as their successor.
            e.guides = state.search.corpus().current_ids(&e.guides);
            Ok(e)
        }
        _ => Err(Refusal::NotFound.into_app(lang)),
    }
}

pub async fn detail(State(state): State<AppState>, lang: Lang, auth: Auth, PathId(id): PathId) -> AppResult<Markup> {
    event_page(&state, lang, &auth, id, None).await
}

async fn event_page(state: &AppState, lang: Lang, auth: &Auth, id: i64, error: Option<&str>) -> AppResult<Markup> {
    let user = auth.user();
    let e = visible_event(state, user, id, lang).await?;
    let mut c = conn(state).await?;
    let mine = match user {
        Some(u) => store::live_registration(&mut c, id, u.id).await?,
        None => None,
    };
    let place = match &mine {
        Some(r) if r.state == RegState::Waitlisted => Some(store::waitlist_place(&mut c, r).await?),
        _ => None,
    };
    let corpus = state.search.corpus();
    let topics = &corpus.topics;
    let see_link = user.is_some_and(|u| u.role == Role::Coordinator)
        || mine.as_ref().is_some_and(|r| r.state == RegState::Confirmed);
    let body = html! {
        h1 { (e.title) }
        @if let Some(msg) = error { p.notice.error role="alert" { (msg) } }
        dl.facts {
            dt { (lang.t("Tipo", "Kind")) } dd { (e.kind.label(lang)) " (WP5, " (lang.t("attività", "task")) " " (e.kind.task()) ")" }
            dt { (lang.t("Quando", "When")) } dd { (mail::when(&e, lang)) }
            @if let Some(v) = &e.venue { dt { (lang.t("Sede", "Venue")) } dd { (v) } }
            @if e.online_url.is_some() {
                dt { (lang.t("Online", "Online")) }
                dd { @if see_link { a href=(e.online_url.clone().unwrap_or_default()) { (e.online_url.clone().unwrap_or_default()) } } @else { (lang.t("il link arriva agli iscritti", "the link is sent to registered participants")) } }
            }
            dt { (lang.t("Stato", "Status")) } dd { (e.state.label(lang)) }
            dt { (lang.t("Posti", "Places")) } dd { (e.confirmed) " / " (e.capacity) @if e.waitlisted > 0 { " · " (e.waitlisted) " " (lang.t("in lista d'attesa", "waiting")) } }
            @if !e.audience.is_empty() { dt { (lang.t("Riservato a", "Reserved for")) } dd { (e.audience.join(", ")) } }
            @if !e.funds.is_empty() { dt { (lang.t("Fondi", "Funds")) } dd { (e.funds.iter().map(|f| fund_label(f, lang)).collect::<Vec<_>>().join(", ")) } }
            @if !e.topics.is_empty() { dt { (lang.t("Temi", "Topics")) } dd { (e.topics.iter().map(|t| topics.label(t, lang)).collect::<Vec<_>>().join(", ")) } }
            @if !e.speakers.is_empty() { dt { (lang.t("Relatori", "Speakers")) } dd { (e.speakers) } }
            @if let Some(o) = e.registration_closes_at { dt { (lang.t("Iscrizioni fino al", "Registration until")) } dd { (local_time(o)) } }
        }
        @if !e.description.is_empty() { p.description { (e.description) } }
        @if !e.guides.is_empty() {
            h2 { (lang.t("Guide collegate", "Related guides")) }
            ul { @for g in &e.guides { li { a href=(format!("/guide/{g}")) { (corpus.get(g).map(|x| x.title.as_str()).unwrap_or(g)) } } } }
        }
        @if e.state == EventState::Completed {
            h2 { (lang.t("Materiali", "Materials")) }
            @if e.materials_url.is_none() && e.recording_url.is_none() { p { (lang.t("Nessun materiale pubblicato.", "No materials published.")) } }
            ul {
                @if let Some(m) = &e.materials_url { li { a href=(m) { (lang.t("Slide e materiali", "Slides and materials")) } } }
                @if let Some(r) = &e.recording_url { li { a href=(r) { (lang.t("Registrazione", "Recording")) } } }
            }
        }
        h2 { (lang.t("Iscrizione", "Registration")) }
        @match (user, &mine) {
            (None, _) => p { a href=(format!("/accedi?torna=/eventi/{id}")) { (lang.t("Accedi per iscriverti", "Sign in to register")) } },
            (Some(_), Some(r)) => {
                p { strong { (r.state.label(lang)) } @if let Some(n) = place { ", " (lang.t("posto in lista", "waiting-list place")) " " (n) } }
                @if e.state == EventState::Published {
                    form method="post" action=(format!("/iscrizioni/{}/annulla", r.id)) {
                        (csrf_field(auth))
                        button type="submit" { @if r.state == RegState::Waitlisted { (lang.t("Lascia la lista d'attesa", "Leave the waiting list")) } @else { (lang.t("Annulla l'iscrizione", "Cancel my registration")) } }
                    }
                }
                @if e.state == EventState::Completed && r.attended {
                    p { a href=(format!("/eventi/{id}/attestato.pdf")) { (lang.t("Scarica l'attestato di partecipazione (PDF)", "Download the certificate of attendance (PDF)")) } }
                }
            },
            (Some(_), None) => {
                @if e.state == EventState::Published {
                    form method="post" action=(format!("/eventi/{id}/iscrizione")) {
                        (csrf_field(auth))
                        button type="submit" { @if e.free_places() > 0 { (lang.t("Iscriviti", "Register")) } @else { (lang.t("Mettiti in lista d'attesa", "Join the waiting list")) } }
                    }
                } @else { p { (lang.t("Iscrizioni non aperte.", "Registration is not open.")) } }
            },
        }
    };
    Ok(page(Page { lang, title: &e.title, here: &format!("/eventi/{id}"), auth: Some(auth) }, body))
}

pub async fn register(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    match state.events.register(user, id).await {
        Ok(_) => Ok(see_other(&format!("/eventi/{id}"))),
        Err(e @ (Refusal::State { .. } | Refusal::Forbidden { .. })) => {
            let status = e.status();
            Ok(rendered(status, event_page(&state, lang, &auth, id, Some(&e.message(lang))).await?))
        }
        Err(e) => Err(e.into_app(lang)),
    }
}

pub async fn unregister(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let reg = state.events.unregister(user, id).await.map_err(|e| e.into_app(lang))?;
    Ok(see_other(&format!("/eventi/{}", reg.event_id)))
}

pub async fn certificate_pdf(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let e = visible_event(&state, Some(user), id, lang).await?;
    let mut c = conn(&state).await?;
    let reg: Option<Registration> =
        store::user_registrations(&mut c, user.id).await?.into_iter().find(|r| r.event_id == id);
    let attended = reg.as_ref().is_some_and(|r| r.attended && r.state == RegState::Confirmed);
    if e.state != EventState::Completed || !attended {
        return Err(AppError::NotFound(
            lang.t(
                "Nessun attestato: serve la presenza registrata a un evento concluso.",
                "No certificate: it needs recorded attendance at a completed event.",
            )
            .into(),
        ));
    }
    let reg = reg.unwrap_or_else(|| unreachable!("checked above"));
    let region = match &user.region_code {
        Some(code) => accounts::region(&state.db, code).await?.map(|r| r.name),
        None => None,
    };
    let hours = format!("{:.1}", (e.ends_at - e.starts_at) as f64 / 3_600_000.0)
        .replace(".0", "")
        .replace('.', lang.t(",", "."));
    let serial = format!("FL-{}-{:06}-{:04}", local_date(e.starts_at).year(), e.id, reg.id);
    let bytes = certificate::pdf(&certificate::Certificate {
        lang,
        person: &user.name,
        organisation: user.organisation.as_deref(),
        region: region.as_deref(),
        event_title: &e.title,
        kind_label: e.kind.label(lang),
        when: &mail::when(&e, lang),
        hours: &hours,
        issued_on: &local_date(state.clock.now_ms()).format("%d/%m/%Y").to_string(),
        serial: &serial,
    });
    Ok((
        [
            (CONTENT_TYPE, "application/pdf".to_string()),
            (CONTENT_DISPOSITION, format!("attachment; filename=\"attestato-{id}.pdf\"")),
        ],
        bytes,
    )
        .into_response())
}

/// `/calendario/{secret}.ics`: the owner's registered events, for calendar subscriptions.
pub async fn feed(State(state): State<AppState>, lang: Lang, Path(file): Path<String>) -> AppResult<Response> {
    let secret = file.strip_suffix(".ics").unwrap_or(&file);
    let body = state.events.feed(secret).await.map_err(|_| {
        AppError::NotFound(
            lang.t("Calendario inesistente o disattivato.", "No such calendar, or it was turned off.").into(),
        )
    })?;
    Ok(([(CONTENT_TYPE, "text/calendar; charset=utf-8")], body).into_response())
}

pub async fn feed_create(State(state): State<AppState>, lang: Lang, auth: Auth) -> AppResult<Markup> {
    let user = signed_in(&auth)?;
    let secret = state.events.new_feed(user).await.map_err(|e| e.into_app(lang))?;
    let url = format!("{}/calendario/{secret}.ics", state.config.public_url);
    let body = html! {
        h1 { (lang.t("Il tuo calendario personale", "Your personal calendar")) }
        p { (lang.t("Copia questo indirizzo nel tuo programma di calendario (\"aggiungi calendario da URL\"). È personale: non condividerlo. Lo vedi solo ora; se lo perdi, creane uno nuovo.",
                    "Copy this address into your calendar program (\"add calendar from URL\"). It is personal: do not share it. It is shown only now; if you lose it, create a new one.")) }
        p { code { (url) } }
        p { a href="/eventi" { (lang.t("Torna agli eventi", "Back to events")) } }
    };
    Ok(page(Page { lang, title: lang.t("Calendario", "Calendar"), here: "/eventi", auth: Some(&auth) }, body))
}

pub async fn feed_revoke(State(state): State<AppState>, lang: Lang, auth: Auth) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    state.events.revoke_feed(user).await.map_err(|e| e.into_app(lang))?;
    Ok(see_other("/eventi"))
}

// ----- coordinators -----

pub async fn manage_list(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    RawQuery(raw): RawQuery,
) -> AppResult<Markup> {
    let p = Params::parse(raw.as_deref(), lang)?;
    let f = EventFilter { newest_first: true, ..filter(&p, &state, lang)? };
    let page_no = p.number("page", 1, 10_000, lang)? as i64;
    let mut c = conn(&state).await?;
    let (list, total) = store::events(&mut c, &f, PER_PAGE, (page_no - 1) * PER_PAGE).await?;
    let body = html! {
        h1 { (lang.t("Gestione eventi", "Manage events")) }
        p { a.button href="/coordinamento/eventi/nuovo" { (lang.t("Nuovo evento", "New event")) } }
        @if list.is_empty() { p.notice role="status" { (lang.t("Nessun evento.", "No events.")) } }
        @else {
            table {
                thead { tr { th scope="col" { (lang.t("Titolo", "Title")) } th scope="col" { (lang.t("Quando", "When")) } th scope="col" { (lang.t("Stato", "Status")) } th scope="col" { (lang.t("Iscritti", "Registered")) } } }
                tbody { @for e in &list { tr {
                    td { a href=(format!("/coordinamento/eventi/{}", e.id)) { (e.title) } br; small { (e.kind.label(lang)) } }
                    td { (mail::when(e, lang)) } td { (e.state.label(lang)) }
                    td { (e.confirmed) "/" (e.capacity) @if e.waitlisted > 0 { " +" (e.waitlisted) } }
                } } }
            }
        }
        @if total > page_no * PER_PAGE { p { a href=(format!("/coordinamento/eventi?page={}", page_no + 1)) { (lang.t("Altri →", "More →")) } } }
    };
    Ok(page(
        Page {
            lang,
            title: lang.t("Gestione eventi", "Manage events"),
            here: "/coordinamento/eventi",
            auth: Some(&auth),
        },
        body,
    ))
}

fn event_input(f: &Params) -> (EventInput, bool) {
    // Not a whole number: as if missing ("Indica quanti posti ci sono").
    let capacity = f.non_empty("capacity").and_then(|c| c.trim().parse::<i64>().ok());
    let own = |k: &str| f.non_empty(k).map(String::from);
    (
        EventInput {
            kind: f.get("kind").unwrap_or("").into(),
            title: f.get("title").unwrap_or("").into(),
            description: f.get("description").unwrap_or("").into(),
            starts_at: f.get("starts_at").unwrap_or("").into(),
            ends_at: f.get("ends_at").unwrap_or("").into(),
            online_url: own("online_url"),
            venue: own("venue"),
            capacity,
            registration_opens_at: own("registration_opens_at"),
            registration_closes_at: own("registration_closes_at"),
            audience: f.all("audience").into_iter().map(String::from).collect(),
            funds: f.all("funds").into_iter().map(String::from).collect(),
            topics: f.all("topics").into_iter().map(String::from).collect(),
            guides: f
                .get("guides")
                .unwrap_or("")
                .split([',', ' ', '\n'])
                .map(str::trim)
                .filter(|g| !g.is_empty())
                .map(String::from)
                .collect(),
            speakers: f.get("speakers").unwrap_or("").into(),
            materials_url: own("materials_url"),
            recording_url: own("recording_url"),
        },
        f.get("publish").is_some(),
    )
}

fn input_of(e: &Event) -> EventInput {
    EventInput {
        kind: e.kind.as_str().into(),
        title: e.title.clone(),
        description: e.description.clone(),
        starts_at: events::local_input(e.starts_at),
        ends_at: events::local_input(e.ends_at),
        online_url: e.online_url.clone(),
        venue: e.venue.clone(),
        capacity: Some(e.capacity),
        registration_opens_at: e.registration_opens_at.map(events::local_input),
        registration_closes_at: e.registration_closes_at.map(events::local_input),
        audience: e.audience.clone(),
        funds: e.funds.clone(),
        topics: e.topics.clone(),
        guides: e.guides.clone(),
        speakers: e.speakers.clone(),
        materials_url: e.materials_url.clone(),
        recording_url: e.recording_url.clone(),
    }
}

async fn event_form(
    state: &AppState,
    lang: Lang,
    auth: &Auth,
    action: &str,
    d: &EventInput,
    creating: bool,
    error: Option<(&str, &str)>,
) -> AppResult<Markup> {
    let regions = accounts::regions(&state.db).await?;
    let topics = &state.search.corpus().topics;
    let err = |f: &str| error.filter(|(x, _)| *x == f).map(|(_, m)| m.to_string());
    let text = |name: &str, kind: &str, label: &str, value: &str| {
        html! {
            div.field {
                label for=(name) { (label) }
                input id=(name) type=(kind) name=(name) value=(value) aria-invalid=[err(name).map(|_| "true")];
                @if let Some(m) = err(name) { p.field-error { (m) } }
            }
        }
    };
    Ok(html! {
        @if let Some((_, m)) = error { p.notice.error role="alert" { (m) } }
        form.stack method="post" action=(action) {
            (csrf_field(auth))
            div.field {
                label for="kind" { (lang.t("Tipo", "Kind")) }
                select #kind name="kind" { @for k in Kind::ALL { option value=(k.as_str()) selected[d.kind == k.as_str()] { (k.label(lang)) " (" (k.task()) ")" } } }
                @if let Some(m) = err("kind") { p.field-error { (m) } }
            }
            (text("title", "text", lang.t("Titolo", "Title"), &d.title))
            div.field { label for="description" { (lang.t("Descrizione", "Description")) } textarea #description name="description" rows="5" { (d.description) } }
            (text("starts_at", "datetime-local", lang.t("Inizio (ora italiana)", "Start (Italian time)"), &d.starts_at))
            (text("ends_at", "datetime-local", lang.t("Fine (ora italiana)", "End (Italian time)"), &d.ends_at))
            (text("online_url", "url", lang.t("Link per partecipare online", "Link to join online"), d.online_url.as_deref().unwrap_or("")))
            (text("venue", "text", lang.t("Sede", "Venue"), d.venue.as_deref().unwrap_or("")))
            (text("capacity", "number", lang.t("Posti", "Places"), &d.capacity.map(|c| c.to_string()).unwrap_or_default()))
            (text("registration_opens_at", "datetime-local", lang.t("Iscrizioni aperte dal (facoltativo)", "Registration opens (optional)"), d.registration_opens_at.as_deref().unwrap_or("")))
            (text("registration_closes_at", "datetime-local", lang.t("Iscrizioni chiuse dal (facoltativo; altrimenti all'inizio)", "Registration closes (optional; otherwise at the start)"), d.registration_closes_at.as_deref().unwrap_or("")))
            fieldset.field {
                legend { (lang.t("Riservato alle Regioni (nessuna scelta: tutte)", "Reserved for Regions (none chosen: all)")) }
                div.choices { @for r in &regions { label { input type="checkbox" name="audience" value=(r.code) checked[d.audience.contains(&r.code)]; " " (r.name) } } }
            }
            fieldset.field {
                legend { (lang.t("Fondi", "Funds")) }
                @for f in Fund::ALL { label { input type="checkbox" name="funds" value=(f.as_str()) checked[d.funds.iter().any(|x| x == f.as_str())]; " " (fund_label(f.as_str(), lang)) } " " }
            }
            fieldset.field {
                legend { (lang.t("Temi", "Topics")) }
                @if let Some(m) = err("topics") { p.field-error { (m) } }
                div.choices { @for t in topics.all() { label { input type="checkbox" name="topics" value=(t.slug) checked[d.topics.contains(&t.slug)]; " " (t.label(lang)) } } }
            }
            (text("guides", "text", lang.t("Guide collegate (identificativi separati da virgole)", "Related guides (ids separated by commas)"), &d.guides.join(", ")))
            (text("speakers", "text", lang.t("Relatori e mentor", "Speakers and mentors"), &d.speakers))
            (text("materials_url", "url", lang.t("Materiali (link, dopo l'evento)", "Materials (link, after the event)"), d.materials_url.as_deref().unwrap_or("")))
            (text("recording_url", "url", lang.t("Registrazione (link, dopo l'evento)", "Recording (link, after the event)"), d.recording_url.as_deref().unwrap_or("")))
            @if creating { div { input #publish type="checkbox" name="publish" value="1"; label for="publish" { " " (lang.t("Pubblica subito", "Publish now")) } } }
            div { button type="submit" { (lang.t("Salva", "Save")) } }
        }
    })
}

pub async fn new_page(State(state): State<AppState>, lang: Lang, auth: Auth) -> AppResult<Markup> {
    let d = EventInput { kind: "webinar".into(), capacity: Some(100), ..Default::default() };
    let form = event_form(&state, lang, &auth, "/coordinamento/eventi", &d, true, None).await?;
    let body = html! { h1 { (lang.t("Nuovo evento", "New event")) } (form) };
    Ok(page(
        Page {
            lang,
            title: lang.t("Nuovo evento", "New event"),
            here: "/coordinamento/eventi/nuovo",
            auth: Some(&auth),
        },
        body,
    ))
}

fn validate(
    state: &AppState,
    d: &EventInput,
    creating: bool,
    regions: &[accounts::Region],
) -> Result<events::ValidEvent, Refusal> {
    let corpus = state.search.corpus();
    events::validate(d, state.clock.now_ms(), creating, &corpus.topics, regions, |g| {
        corpus.resolve(g).map(|g| g.id.clone())
    })
}

pub async fn create(State(state): State<AppState>, lang: Lang, auth: Auth, body: Bytes) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let (d, publish) = event_input(&form(&body, lang)?);
    let regions = accounts::regions(&state.db).await?;
    let result = match validate(&state, &d, true, &regions) {
        Ok(v) => state.events.create(user, &v, publish).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(id) => Ok(see_other(&format!("/coordinamento/eventi/{id}"))),
        Err(e @ Refusal::Invalid { .. }) => {
            let message = e.message(lang);
            let form = event_form(
                &state,
                lang,
                &auth,
                "/coordinamento/eventi",
                &d,
                true,
                Some((e.field().unwrap_or(""), &message)),
            )
            .await?;
            let body = html! { h1 { (lang.t("Nuovo evento", "New event")) } (form) };
            Ok(rendered(
                StatusCode::BAD_REQUEST,
                page(
                    Page {
                        lang,
                        title: lang.t("Nuovo evento", "New event"),
                        here: "/coordinamento/eventi/nuovo",
                        auth: Some(&auth),
                    },
                    body,
                ),
            ))
        }
        Err(e) => Err(e.into_app(lang)),
    }
}

pub async fn manage_page(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Markup> {
    manage_view(&state, lang, &auth, id, None, None).await
}

async fn manage_view(
    state: &AppState,
    lang: Lang,
    auth: &Auth,
    id: i64,
    draft: Option<&EventInput>,
    error: Option<(&str, &str)>,
) -> AppResult<Markup> {
    let e = visible_event(state, auth.user(), id, lang).await?;
    let mut c = conn(state).await?;
    let regs = store::registrations(&mut c, id).await?;
    let action = |a: &str| format!("/coordinamento/eventi/{id}/{a}");
    let editable = matches!(e.state, EventState::Draft | EventState::Published);
    let form = if editable {
        Some(
            event_form(
                state,
                lang,
                auth,
                &format!("/coordinamento/eventi/{id}"),
                draft.unwrap_or(&input_of(&e)),
                false,
                error,
            )
            .await?,
        )
    } else {
        None
    };
    let body = html! {
        h1 { (e.title) }
        p { (e.kind.label(lang)) " · " (mail::when(&e, lang)) " · " strong { (e.state.label(lang)) } " · " a href=(format!("/eventi/{id}")) { (lang.t("pagina pubblica", "public page")) } }
        @if form.is_none() { @if let Some((_, m)) = error { p.notice.error role="alert" { (m) } } }
        @if e.state == EventState::Draft { form method="post" action=(action("pubblica")) { (csrf_field(auth)) button type="submit" { (lang.t("Pubblica", "Publish")) } } }
        @if e.state == EventState::Published {
            form.stack method="post" action=(action("concludi")) {
                (csrf_field(auth))
                div.field { label for="c-materials" { (lang.t("Link ai materiali", "Materials link")) } input #c-materials type="url" name="materials_url" value=(e.materials_url.clone().unwrap_or_default()); }
                div.field { label for="c-recording" { (lang.t("Link alla registrazione", "Recording link")) } input #c-recording type="url" name="recording_url" value=(e.recording_url.clone().unwrap_or_default()); }
                div { button type="submit" { (lang.t("Segna come concluso e ringrazia i partecipanti", "Mark completed and thank participants")) } }
            }
        }
        @if editable {
            form.stack method="post" action=(action("annulla")) {
                (csrf_field(auth))
                div.field { label for="c-reason" { (lang.t("Motivo dell'annullamento", "Reason for cancelling")) } input #c-reason type="text" name="reason"; }
                div { button type="submit" { (lang.t("Annulla l'evento e avvisa gli iscritti", "Cancel the event and tell participants")) } }
            }
        }
        h2 { (lang.t("Iscritti", "Registrations")) " (" (e.confirmed) "/" (e.capacity) @if e.waitlisted > 0 { ", " (e.waitlisted) " " (lang.t("in attesa", "waiting")) } ")" }
        p { a href=(format!("/coordinamento/eventi/{id}/iscritti.csv")) { (lang.t("Esporta iscritti e presenze (CSV per Excel/LibreOffice)", "Export registrations and attendance (CSV for Excel/LibreOffice)")) } }
        @if regs.is_empty() { p { (lang.t("Nessun iscritto.", "Nobody registered.")) } }
        @else {
            form method="post" action=(action("presenze")) {
                (csrf_field(auth))
                table {
                    thead { tr { th scope="col" { (lang.t("Presente", "Attended")) } th scope="col" { (lang.t("Nome", "Name")) } th scope="col" { "Email" } th scope="col" { (lang.t("Regione", "Region")) } th scope="col" { (lang.t("Stato", "Status")) } th scope="col" { (lang.t("Iscritto il", "Registered")) } } }
                    tbody { @for r in &regs { tr {
                        td { @if r.state == RegState::Confirmed { input type="checkbox" name="attended" value=(r.id) checked[r.attended] aria-label=(format!("{} {}", lang.t("Presente:", "Attended:"), r.name)); } }
                        td { (r.name) } td { (r.email) } td { (r.region_code.clone().unwrap_or_default()) } td { (r.state.label(lang)) } td { (local_time(r.created_at)) }
                    } } }
                }
                button type="submit" { (lang.t("Salva le presenze", "Save attendance")) }
            }
            form.stack method="post" action=(format!("/coordinamento/eventi/{id}/presenze.csv?csrf={}", auth.csrf())) enctype="multipart/form-data" {
                div.field { label for="csv" { (lang.t("Oppure carica l'elenco dei presenti (CSV con una colonna email)", "Or upload the attendee list (CSV with an email column)")) } input #csv type="file" name="file" accept=".csv,text/csv"; }
                div { button type="submit" { (lang.t("Importa le presenze", "Import attendance")) } }
            }
        }
        @if let Some(f) = form { h2 { (lang.t("Modifica", "Edit")) } (f) }
    };
    Ok(page(Page { lang, title: &e.title, here: &format!("/coordinamento/eventi/{id}"), auth: Some(auth) }, body))
}

pub async fn update(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
    body: Bytes,
) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    visible_event(&state, Some(user), id, lang).await?;
    let (d, _) = event_input(&form(&body, lang)?);
    let regions = accounts::regions(&state.db).await?;
    let result = match validate(&state, &d, false, &regions) {
        Ok(v) => state.events.update(user, id, &v).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/coordinamento/eventi/{id}"))),
        Err(e @ (Refusal::Invalid { .. } | Refusal::State { .. })) => {
            let message = e.message(lang);
            let markup =
                manage_view(&state, lang, &auth, id, Some(&d), Some((e.field().unwrap_or(""), &message))).await?;
            Ok(rendered(e.status(), markup))
        }
        Err(e) => Err(e.into_app(lang)),
    }
}

pub async fn action(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    Path((id, action)): Path<(String, String)>,
    body: Bytes,
) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let id = id_of(&id, lang)?;
    visible_event(&state, Some(user), id, lang).await?;
    let f = form(&body, lang)?;
    let ev = &state.events;
    let result = match action.as_str() {
        "pubblica" => ev.publish(user, id).await,
        "annulla" => ev.cancel(user, id, f.non_empty("reason")).await,
        "concludi" => {
            ev.complete(
                user,
                id,
                f.non_empty("materials_url").map(String::from),
                f.non_empty("recording_url").map(String::from),
            )
            .await
        }
        "presenze" => {
            let ids: Vec<i64> = f.all("attended").iter().filter_map(|a| a.parse().ok()).collect();
            ev.mark_attendance(user, id, &ids).await.map(|_| ())
        }
        _ => return Err(AppError::NotFound(lang.t("Azione sconosciuta.", "Unknown action.").into())),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/coordinamento/eventi/{id}"))),
        Err(e @ (Refusal::Invalid { .. } | Refusal::State { .. })) => {
            let message = e.message(lang);
            let markup = manage_view(&state, lang, &auth, id, None, Some(("", &message))).await?;
            Ok(rendered(e.status(), markup))
        }
        Err(e) => Err(e.into_app(lang)),
    }
}

/// Registrations and attendance as a spreadsheet for Italian-locale Excel and LibreOffice.
pub async fn export_csv(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Response> {
    let e = visible_event(&state, auth.user(), id, lang).await?;
    let mut c = conn(&state).await?;
    let regs = store::registrations(&mut c, id).await?;
    let header = [
        lang.t("Nome", "Name"),
        "Email",
        lang.t("Ente", "Organisation"),
        lang.t("Regione", "Region"),
        lang.t("Stato", "Status"),
        lang.t("Ordine di arrivo", "Order of arrival"),
        lang.t("Iscritto il", "Registered on"),
        lang.t("Presente", "Attended"),
    ];
    let rows: Vec<Vec<String>> = regs
        .iter()
        .map(|r| {
            vec![
                r.name.clone(),
                r.email.clone(),
                r.organisation.clone().unwrap_or_default(),
                r.region_code.clone().unwrap_or_default(),
                r.state.label(lang).to_string(),
                r.position.to_string(),
                local_time(r.created_at),
                if r.attended { lang.t("sì", "yes") } else { lang.t("no", "no") }.to_string(),
            ]
        })
        .collect();
    let bytes = csv::excel(&header, &rows);
    let name = format!("iscritti-evento-{}-{}.csv", e.id, local_date(e.starts_at).format("%Y%m%d"));
    Ok((
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response())
}

/// Attendance from an uploaded CSV: all rows or none, with a report of the rows skipped and why.
pub async fn import_csv(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
    multipart: Result<Multipart, MultipartRejection>,
) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let mut multipart = multipart.map_err(|_| {
        AppError::field(
            "file",
            lang.t(
                "Carica il file CSV con il modulo della pagina dell'evento.",
                "Upload the CSV file with the form on the event page.",
            ),
        )
    })?;
    visible_event(&state, Some(user), id, lang).await?;
    let mut data = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| AppError::bad_request(format!("{}: {e}", lang.t("caricamento non valido", "invalid upload"))))?
    {
        if field.name() == Some("file") {
            data = Some(field.bytes().await.map_err(|e| {
                AppError::bad_request(format!("{}: {e}", lang.t("caricamento non valido", "invalid upload")))
            })?);
        }
    }
    let data = data
        .filter(|d| !d.is_empty())
        .ok_or_else(|| AppError::field("file", lang.t("Scegli un file CSV.", "Choose a CSV file.")))?;
    let (rows, problems) = csv::attendees(&data, lang);
    let rows: Vec<(usize, String)> = rows.into_iter().map(|r| (r.line, r.email)).collect();
    let problems: Vec<(usize, String)> = problems.into_iter().map(|p| (p.line, p.text)).collect();
    let report = state.events.import_attendance(user, id, &rows, problems, lang).await.map_err(|e| e.into_app(lang))?;
    if report.problems.is_empty() {
        return Ok(see_other(&format!("/coordinamento/eventi/{id}")));
    }
    let body = html! {
        h1 { (lang.t("Presenze non importate", "Attendance not imported")) }
        p.notice.error role="alert" { (lang.t("Il file ha righe non valide: nessuna presenza è stata registrata. Correggi le righe e ricaricalo.",
                                              "The file has invalid rows: no attendance was recorded. Fix the rows and upload it again.")) }
        table {
            thead { tr { th scope="col" { (lang.t("Riga", "Line")) } th scope="col" { (lang.t("Problema", "Problem")) } } }
            tbody { @for (line, text) in &report.problems { tr { td { (line) } td { (text) } } } }
        }
        p { a href=(format!("/coordinamento/eventi/{id}")) { (lang.t("Torna all'evento", "Back to the event")) } }
    };
    Ok(rendered(
        StatusCode::BAD_REQUEST,
        page(
            Page {
                lang,
                title: lang.t("Presenze non importate", "Attendance not imported"),
                here: "/coordinamento/eventi",
                auth: Some(&auth),
            },
            body,
        ),
    ))
}
