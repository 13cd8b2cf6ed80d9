//! `/cruscotto`: WP5 progress against the targets, with the lists behind each number,
//! monthly charts drawn as SVG on the server, the coordinators' to-do list, and the same
//! report as CSV (`/cruscotto.csv`) and JSON (`/api/v1/kpi`). Officers see their Region.

use axum::extract::{RawQuery, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::Json;
use maud::{html, Markup};
use serde::Serialize;

use super::auth::Auth;
use super::kit::signed_in;
use super::kit::{conn, fund_label};
use super::layout::{self, page, Page};
use super::params::Params;
use crate::accounts::{self, Role, User};
use crate::app::AppState;
use crate::clock::local_time;
use crate::events::{csv, Kind};
use crate::i18n::Lang;
use crate::kpi::{self, Report, Scope, Todo};
use crate::web::error::{AppError, AppResult};

fn date(p: &Params, key: &str, lang: Lang) -> AppResult<Option<chrono::NaiveDate>> {
    match p.non_empty(key) {
        None => Ok(None),
        Some(s) => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map(Some).map_err(|_| {
            AppError::field(
                key,
                format!(
                    "{} \"{s}\": {}",
                    lang.t("Data non valida", "Invalid date"),
                    lang.t("usa AAAA-MM-GG", "use YYYY-MM-DD")
                ),
            )
        }),
    }
}

/// The scope from the query string, checked: dates in order, a known Region visible to
/// the user (officers: their own), a known task.
async fn scope(state: &AppState, user: &User, raw: Option<&str>, lang: Lang) -> AppResult<Scope> {
    let p = Params::parse(raw, lang)?;
    let (from, to) = (date(&p, "from", lang)?, date(&p, "to", lang)?);
    if let (Some(f), Some(t)) = (from, to) {
        if t < f {
            return Err(AppError::field(
                "to",
                lang.t("La data finale viene prima di quella iniziale.", "The end date comes before the start date."),
            ));
        }
    }
    let asked = p.non_empty("region").map(str::to_uppercase);
    if let Some(code) = &asked {
        if accounts::region(&state.db, code).await?.is_none() {
            return Err(AppError::field(
                "region",
                format!("{} \"{code}\"", lang.t("Regione sconosciuta", "Unknown Region")),
            ));
        }
    }
    let region = match user.role {
        Role::Coordinator => asked,
        _ => {
            let own = user.region_code.clone();
            if asked.is_some() && asked != own {
                return Err(AppError::NotFound(
                    lang.t(
                        "Le cifre di un'altra Regione non sono visibili.",
                        "Another Region's figures are not visible.",
                    )
                    .into(),
                ));
            }
            own
        }
    };
    let task = match p.non_empty("task") {
        None => None,
        Some(t) if state.config.targets.tasks.iter().any(|x| x.task == t) => Some(t.to_string()),
        Some(t) => {
            let known: Vec<&str> = state.config.targets.tasks.iter().map(|x| x.task.as_str()).collect();
            return Err(AppError::field(
                "task",
                format!("{} \"{t}\": {}", lang.t("attività sconosciuta", "unknown task"), known.join(", ")),
            ));
        }
    };
    Ok(Scope { region, from, to, task })
}

async fn build(state: &AppState, user: &User, raw: Option<&str>, lang: Lang) -> AppResult<(Report, Option<Todo>)> {
    let scope = scope(state, user, raw, lang).await?;
    let now = state.clock.now_ms();
    let report = kpi::report(&state.db, &scope, &state.config.targets, state.search.corpus(), now).await?;
    let todo =
        if user.role == Role::Coordinator { Some(kpi::todo(&mut *conn(state).await?, now).await?) } else { None };
    Ok((report, todo))
}

fn task_label(kind: &str, lang: Lang) -> &'static str {
    Kind::parse(kind).map(|k| k.label(lang)).unwrap_or("")
}

/// "2026-03" as "03/2026".
fn month_label(yyyy_mm: &str) -> String {
    format!("{}/{}", yyyy_mm.get(5..).unwrap_or(""), yyyy_mm.get(..4).unwrap_or(""))
}

/// "2026-03" as "03/26", under a bar.
fn short_month_label(yyyy_mm: &str) -> String {
    format!("{}/{}", yyyy_mm.get(5..).unwrap_or(""), yyyy_mm.get(2..4).unwrap_or(""))
}

/// A bar chart of twelve months, drawn on the server: readable without JavaScript and in print.
fn chart(title: &str, months: &[String], values: &[i64], lang: Lang) -> Markup {
    let (w, h, top, bottom) = (640.0, 200.0, 24.0, 28.0);
    let max = values.iter().copied().max().unwrap_or(0).max(1) as f64;
    let slot = w / values.len().max(1) as f64;
    let id = title.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>();
    let summary: Vec<String> = months.iter().zip(values).map(|(m, v)| format!("{}: {v}", month_label(m))).collect();
    html! {
        figure.chart {
            svg viewBox=(format!("0 0 {w} {h}")) width="100%" role="img" aria-labelledby=(format!("t-{id} d-{id}")) {
                title id=(format!("t-{id}")) { (title) }
                desc id=(format!("d-{id}")) { (summary.join("; ")) }
                line x1="0" y1=(h - bottom) x2=(w) y2=(h - bottom) stroke="#555" stroke-width="1" {}
                @for (i, v) in values.iter().enumerate() {
                    @let bar = (*v as f64 / max) * (h - top - bottom);
                    @let x = i as f64 * slot + slot * 0.15;
                    rect x=(format!("{x:.1}")) y=(format!("{:.1}", h - bottom - bar)) width=(format!("{:.1}", slot * 0.7)) height=(format!("{bar:.1}")) fill="#1f5f8b" {}
                    text x=(format!("{:.1}", x + slot * 0.35)) y=(format!("{:.1}", h - bottom - bar - 5.0)) text-anchor="middle" font-size="12" fill="#111" { (v) }
                    text x=(format!("{:.1}", x + slot * 0.35)) y=(format!("{:.1}", h - 9.0)) text-anchor="middle" font-size="11" fill="#333" { (short_month_label(&months[i])) }
                }
            }
            figcaption { (title) " — " (lang.t("12 mesi fino a", "12 months up to")) " " (month_label(months.last().map(String::as_str).unwrap_or(""))) }
        }
    }
}

/// One decimal, with the decimal comma in Italian; a dash when there is nothing to show.
fn number(v: Option<f64>, lang: Lang) -> String {
    match v {
        Some(x) if lang == Lang::It => format!("{x:.1}").replace('.', ","),
        Some(x) => format!("{x:.1}"),
        None => "—".into(),
    }
}

/// Survey answers as read on the page: "utilità media 4,3 su 5 (12 risposte)".
fn usefulness(f: &crate::kpi::EventFeedbackFigures, lang: Lang) -> String {
    match f.answers {
        0 => lang.t("nessuna risposta al questionario", "no survey answers").to_string(),
        n => format!(
            "{} {} {} ({n} {})",
            lang.t("utilità media", "average usefulness"),
            number(f.mean, lang),
            lang.t("su 5", "of 5"),
            if n == 1 { lang.t("risposta", "answer") } else { lang.t("risposte", "answers") }
        ),
    }
}

/// A number of hours as hours and minutes ("45 minuti", not "0,8").
fn duration(hours: Option<f64>, lang: Lang) -> String {
    hours.map(|h| crate::clock::duration_text((h * 60.0).round() as i64, lang)).unwrap_or_else(|| "—".into())
}

fn percent(v: Option<f64>, lang: Lang) -> String {
    v.map(|_| format!("{}%", number(v, lang))).unwrap_or_else(|| "—".into())
}

pub async fn page_view(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    RawQuery(raw): RawQuery,
) -> AppResult<Markup> {
    let user = signed_in(&auth)?;
    let (r, todo) = build(&state, user, raw.as_deref(), lang).await?;
    let regions = accounts::regions(&state.db).await?;
    let region_name = |code: &str| {
        regions.iter().find(|x| x.code == code).map(|x| x.name.clone()).unwrap_or_else(|| code.to_string())
    };
    let query = raw.clone().unwrap_or_default();
    let months: Vec<String> = r.monthly.iter().map(|m| m.month.clone()).collect();
    let series = |f: fn(&kpi::Month) -> i64| r.monthly.iter().map(f).collect::<Vec<i64>>();
    let p = &r.participation;
    let m = &r.mentorship;
    let x = &r.exchange;
    let title = lang.t("Cruscotto WP5", "WP5 dashboard");
    let body = html! {
        h1 { (title) @if let Some(code) = &r.scope.region { " — " (region_name(code)) } }
        form.search.no-print method="get" action="/cruscotto" {
            div.field { label for="from" { (lang.t("Dal", "From")) } input #from type="date" name="from" value=(r.scope.from.map(|d| d.to_string()).unwrap_or_default()); }
            div.field { label for="to" { (lang.t("Al", "To")) } input #to type="date" name="to" value=(r.scope.to.map(|d| d.to_string()).unwrap_or_default()); }
            @if user.role == Role::Coordinator {
                div.field {
                    label for="region" { (lang.t("Regione / PA", "Region / AP")) }
                    select #region name="region" {
                        option value="" { (lang.t("Tutte", "All")) }
                        @for x in &regions { option value=(x.code) selected[r.scope.region.as_deref() == Some(x.code.as_str())] { (x.name) } }
                    }
                }
            }
            div.field {
                label for="task" { (lang.t("Attività", "Task")) }
                select #task name="task" {
                    option value="" { (lang.t("Tutte", "All")) }
                    @for t in &state.config.targets.tasks { option value=(t.task) selected[r.scope.task.as_deref() == Some(t.task.as_str())] { (t.task) " " (task_label(&t.kind, lang)) } }
                }
            }
            button type="submit" { (lang.t("Aggiorna", "Update")) }
            " " a href=(format!("/cruscotto.csv?{query}")) { "CSV" } " · " a href=(format!("/api/v1/kpi?{query}")) { "JSON" }
        }
        @if let Some(t) = &todo {
            section.todo {
                h2 { (lang.t("Da fare", "To do")) }
                ul {
                    li { a href="/coordinamento/mentorship" { (lang.t("Suggerimenti di mentorship da approvare", "Mentorship suggestions to review")) } ": " strong { (t.suggestions) } }
                    li { (lang.t("Proposte che scadono entro due giorni", "Proposals expiring within two days")) ": " strong { (t.expiring_count) }
                        @for (id, at) in &t.expiring { " " a href=(format!("/mentorship/abbinamenti/{id}")) aria-label=(format!("{} {id}", lang.t("Proposta", "Proposal"))) { "#" (id) } " (" (local_time(*at)) ")" } }
                    li { a href="/coordinamento/posta?status=dead" { (lang.t("Messaggi non consegnati", "Undelivered messages")) } ": " strong { (t.dead_mail) } }
                    li { (lang.t("Eventi passati da segnare come conclusi", "Past events to mark completed")) ": " strong { (t.to_complete_count) }
                        @for (id, name) in &t.to_complete { " " a href=(format!("/coordinamento/eventi/{id}")) { (name) } } }
                    li { a href="/coordinamento/esperienze" { (lang.t("Esperienze delle Regioni da rivedere", "Practices of the Regions to review")) } ": " strong { (t.practices_to_review) } }
                    li { a href="/coordinamento/segnalazioni-scambio" { (lang.t("Segnalazioni dello scambio da gestire", "Exchange reports to handle")) } ": " strong { (t.open_exchange_reports) } }
                }
            }
        }
        h2 { (lang.t("Attività WP5 rispetto agli obiettivi", "WP5 tasks against the targets")) }
        p.hint { (lang.t("Un evento conta come svolto quando è concluso con almeno un partecipante presente.", "An event counts as delivered when it is completed with at least one attendee.")) }
        @for t in &r.tasks {
            section.task {
                h3 { (t.task) " " (task_label(&t.kind, lang)) ": " (t.delivered) " / " (t.target) }
                p {
                    progress max=(t.target.max(1)) value=(t.delivered.min(t.target.max(1))) aria-label=(format!("{} {}: {} / {}", lang.t("Attività", "Task"), t.task, t.delivered, t.target)) { (t.delivered) "/" (t.target) }
                    " " (lang.t("scadenza", "deadline")) " " (layout::date(t.deadline))
                }
                @if !t.events.is_empty() {
                    ul { @for e in &t.events { li { a href=(format!("/eventi/{}", e.id)) { (e.title) } " — " (local_time(e.starts_at)) ", " (e.attendees) " " (lang.t("presenti", "attended")) ", " (usefulness(&e.feedback, lang)) } } }
                    p { (lang.t("Questionario dopo gli eventi", "Survey after the events")) ": " (usefulness(&t.feedback, lang)) }
                }
            }
        }
        h2 { (lang.t("Partecipazione", "Participation")) }
        @if let Some(task) = &r.scope.task {
            p.hint { (lang.t("Partecipazione e grafici degli eventi contano solo gli eventi dell'attività", "Participation and the event charts count only the events of task")) " " (task) (lang.t("; mentorship e guide riguardano tutte le attività.", "; mentorship and guides cover every task.")) }
        }
        dl.facts {
            dt { (lang.t("Iscrizioni (confermate e in attesa)", "Registrations (confirmed and waiting)")) } dd { (p.registrations) }
            dt { (lang.t("Presenze sugli iscritti confermati agli eventi conclusi", "Attendance among confirmed registrations at completed events")) } dd { (p.attended) " / " (p.confirmed_at_completed) " (" (percent(p.attendance_rate, lang)) ")" }
            dt { (lang.t("Persone che hanno partecipato ad almeno un evento", "People who attended at least one event")) } dd { (p.people) }
            dt { (lang.t("Regioni e PA raggiunte", "Regions and APs reached")) } dd { (p.regions.len()) @if !p.regions.is_empty() { " (" (p.regions.iter().map(|c| region_name(c)).collect::<Vec<_>>().join(", ")) ")" } }
        }
        h2 { (lang.t("Mentorship", "Mentorship")) }
        dl.facts {
            dt { (lang.t("Richieste aperte", "Open requests")) } dd { (m.open_requests) }
            dt { (lang.t("Tempo mediano alla prima proposta", "Median time to first proposal")) } dd { (duration(m.median_hours_to_proposal, lang)) }
            dt { (lang.t("Tempo mediano all'accettazione", "Median time to acceptance")) } dd { (duration(m.median_hours_to_acceptance, lang)) }
            dt { (lang.t("Mentorship in corso / concluse", "Mentorships under way / completed")) } dd { (m.active) " / " (m.completed) }
            dt { (lang.t("Utilità media (1-5)", "Average usefulness (1-5)")) } dd { (number(m.average_feedback, lang)) }
            dt { (lang.t("Proposte rifiutate / scadute", "Proposals declined / expired")) } dd { (m.declined) " / " (m.expired) }
        }
        h2 { (lang.t("Scambio tra Regioni", "Exchange between Regions")) }
        dl.facts {
            dt { (lang.t("Esperienze pubblicate", "Practices published")) } dd { (x.practices_published) }
            dt { (lang.t("Regioni che le hanno pubblicate", "Regions that published them")) } dd { (x.regions_publishing.len()) }
            dt { (lang.t("Domande poste", "Questions asked")) } dd { (x.questions) }
            dt { (lang.t("Domande con risposta accettata", "Questions with an accepted answer")) } dd { (number(x.answered_share, lang)) @if x.answered_share.is_some() { " %" } }
            dt { (lang.t("Tempo mediano alla prima risposta", "Median time to the first answer")) } dd { (duration(x.median_hours_to_first_answer, lang)) }
            dt { (lang.t("Tempo mediano alla risposta accettata", "Median time to the accepted answer")) } dd { (duration(x.median_hours_to_accepted_answer, lang)) }
            dt { (lang.t("Persone che seguono domande, temi o fondi", "People following questions, topics or funds")) } dd { (x.followers) }
        }
        h2 { (lang.t("Andamento mensile", "Monthly trend")) }
        (chart(lang.t("Eventi svolti", "Events delivered"), &months, &series(|x| x.delivered), lang))
        (chart(lang.t("Iscrizioni", "Registrations"), &months, &series(|x| x.registrations), lang))
        (chart(lang.t("Presenze", "Attendance"), &months, &series(|x| x.attended), lang))
        (chart(lang.t("Richieste di mentorship", "Mentorship requests"), &months, &series(|x| x.requests), lang))
        (chart(lang.t("Mentorship accettate", "Mentorships accepted"), &months, &series(|x| x.accepted), lang))
        h2 { (lang.t("Guide", "Guides")) " (" (r.guides.total) ")" }
        p.hint { (r.guides.translated) " " (lang.t("anche nell'altra lingua; ogni guida si conta una volta.", "also in the other language; each guide counts once.")) }
        (layout::scrolling(lang.t("Guide per fondo e fase", "Guides by fund and phase"), html! { table {
            caption { (lang.t("Guide per fondo e fase", "Guides by fund and phase")) }
            thead { tr { th scope="col" { (lang.t("Fase", "Phase")) } @for f in crate::guides::Fund::ALL { th scope="col" { (fund_label(f.as_str(), lang)) } } } }
            tbody {
                @for ph in crate::guides::Phase::ALL {
                    tr {
                        th scope="row" { (ph.label(lang)) }
                        @for f in crate::guides::Fund::ALL {
                            td { (r.guides.by_fund_phase.iter().find(|(a, b, _)| a == f.as_str() && b == ph.as_str()).map(|x| x.2).unwrap_or(0)) }
                        }
                    }
                }
            }
        } }))
        @if r.guides.past_review.is_empty() { p { (lang.t("Nessuna guida da rivedere.", "No guide is due for review.")) } }
        @else {
            h3 { (lang.t("Guide da rivedere", "Guides due for review")) }
            ul { @for (id, t, d) in &r.guides.past_review { li { a href=(format!("/guide/{id}")) { (t) } " — " (lang.t("rivista il", "reviewed")) " " (layout::date(*d)) } } }
        }
        (readers_section(lang, &r.guides.readers))
        h2 { (lang.t("Ricerche senza risultati", "Searches with no results")) }
        p.hint { (lang.t("Indicano quali guide scrivere.", "They show which guides to write next.")) }
        @if r.empty_searches.is_empty() { p { (lang.t("Nessuna.", "None.")) } }
        @else { (searches_table(lang, &r.empty_searches)) }
        h2 { (lang.t("Ricerche senza risposta", "Searches no guide answered")) }
        p.hint { (lang.t("Ricerche con risultati, ma nessuna guida che risponda davvero (comprese quelle senza risultati).",
                         "Searches that found guides but none that really answers (those with no results included).")) }
        @if r.unanswered_searches.is_empty() { p { (lang.t("Nessuna.", "None.")) } }
        @else { (searches_table(lang, &r.unanswered_searches)) }
    };
    Ok(page(Page { lang, title, here: &format!("/cruscotto?{query}"), auth: Some(&auth) }, body))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct KpiJson {
    #[serde(flatten)]
    pub report: Report,
    pub todo: Option<Todo>,
}

#[utoipa::path(
    get,
    path = "/kpi",
    tag = "kpi",
    summary = "WP5 figures",
    description = "Delivered events per task against targets, participation, mentorship, guides, empty and unanswered searches, 12 monthly series, and (coordinators) the to-do list. Officers get their Region's figures.",
    params(
        ("from" = Option<chrono::NaiveDate>, Query, description = "First day (YYYY-MM-DD)"),
        ("to" = Option<chrono::NaiveDate>, Query, description = "Last day (YYYY-MM-DD)"),
        ("region" = Option<String>, Query, description = "Region code (coordinators; officers only their own)"),
        ("task" = Option<String>, Query, description = "5.1, 5.2, 5.3 or 5.4")
    ),
    responses(
        (status = 200, description = "The figures", body = KpiJson),
        (status = 400, description = "End date before start date, unknown Region or task", body = crate::web::error::ErrorInfo),
        (status = 401, description = "Not signed in", body = crate::web::error::ErrorInfo),
        (status = 403, description = "Mentors", body = crate::web::error::ErrorInfo),
        (status = 404, description = "Another Region (officers)", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn api(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    RawQuery(raw): RawQuery,
) -> AppResult<Json<KpiJson>> {
    let user = signed_in(&auth)?;
    let (report, todo) = build(&state, user, raw.as_deref(), lang).await?;
    Ok(Json(KpiJson { report, todo }))
}

/// The report as rows `section;figure;value` for the partnership's monitoring tool.
pub async fn csv_export(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let (r, _) = build(&state, user, raw.as_deref(), lang).await?;
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut add = |section: &str, figure: String, value: String| rows.push(vec![section.to_string(), figure, value]);
    let scope = format!(
        "{} · {} → {}",
        r.scope.region.clone().unwrap_or_else(|| lang.t("tutte le Regioni", "all Regions").into()),
        r.scope.from.map(layout::date).unwrap_or_else(|| "—".into()),
        r.scope.to.map(layout::date).unwrap_or_else(|| "—".into())
    );
    add(lang.t("ambito", "scope"), lang.t("Regione e periodo", "Region and period").into(), scope);
    for t in &r.tasks {
        add(
            "WP5",
            format!("{} {} ({} {})", t.task, task_label(&t.kind, lang), lang.t("obiettivo", "target"), t.target),
            t.delivered.to_string(),
        );
        add("WP5", format!("{} {}", t.task, lang.t("scadenza", "deadline")), layout::date(t.deadline));
        add(
            "WP5",
            format!("{} {}", t.task, lang.t("risposte al questionario", "survey answers")),
            t.feedback.answers.to_string(),
        );
        add(
            "WP5",
            format!("{} {}", t.task, lang.t("utilità media (1-5)", "average usefulness (1-5)")),
            t.feedback.mean.map(|x| format!("{x:.1}").replace('.', lang.t(",", "."))).unwrap_or_default(),
        );
    }
    let p = &r.participation;
    add(
        lang.t("partecipazione", "participation"),
        lang.t("iscrizioni", "registrations").into(),
        p.registrations.to_string(),
    );
    add(lang.t("partecipazione", "participation"), lang.t("presenze", "attended").into(), p.attended.to_string());
    add(
        lang.t("partecipazione", "participation"),
        lang.t("tasso di presenza %", "attendance rate %").into(),
        p.attendance_rate.map(|x| format!("{x:.1}").replace('.', ",")).unwrap_or_default(),
    );
    add(lang.t("partecipazione", "participation"), lang.t("persone", "people").into(), p.people.to_string());
    add(
        lang.t("partecipazione", "participation"),
        lang.t("regioni raggiunte", "regions reached").into(),
        p.regions.len().to_string(),
    );
    let m = &r.mentorship;
    let dec = |v: Option<f64>| v.map(|x| format!("{x:.1}").replace('.', ",")).unwrap_or_default();
    add(
        lang.t("mentorship", "mentorship"),
        lang.t("richieste aperte", "open requests").into(),
        m.open_requests.to_string(),
    );
    add(
        lang.t("mentorship", "mentorship"),
        lang.t("ore mediane alla proposta", "median hours to proposal").into(),
        dec(m.median_hours_to_proposal),
    );
    add(
        lang.t("mentorship", "mentorship"),
        lang.t("ore mediane all'accettazione", "median hours to acceptance").into(),
        dec(m.median_hours_to_acceptance),
    );
    add(lang.t("mentorship", "mentorship"), lang.t("in corso", "under way").into(), m.active.to_string());
    add(lang.t("mentorship", "mentorship"), lang.t("concluse", "completed").into(), m.completed.to_string());
    add(
        lang.t("mentorship", "mentorship"),
        lang.t("utilità media", "average usefulness").into(),
        dec(m.average_feedback),
    );
    add(lang.t("mentorship", "mentorship"), lang.t("rifiutate", "declined").into(), m.declined.to_string());
    add(lang.t("mentorship", "mentorship"), lang.t("scadute", "expired").into(), m.expired.to_string());
    let x = &r.exchange;
    let section = lang.t("scambio tra Regioni", "exchange between Regions");
    add(section, lang.t("esperienze pubblicate", "practices published").into(), x.practices_published.to_string());
    add(section, lang.t("regioni che pubblicano", "regions publishing").into(), x.regions_publishing.len().to_string());
    add(section, lang.t("domande", "questions").into(), x.questions.to_string());
    add(section, lang.t("% con risposta accettata", "% with an accepted answer").into(), dec(x.answered_share));
    add(
        section,
        lang.t("ore mediane alla prima risposta", "median hours to the first answer").into(),
        dec(x.median_hours_to_first_answer),
    );
    add(
        section,
        lang.t("ore mediane alla risposta accettata", "median hours to the accepted answer").into(),
        dec(x.median_hours_to_accepted_answer),
    );
    add(section, lang.t("persone che seguono", "followers").into(), x.followers.to_string());
    add(lang.t("guide", "guides"), lang.t("guide", "guides").into(), r.guides.total.to_string());
    add(lang.t("guide", "guides"), lang.t("anche tradotte", "also translated").into(), r.guides.translated.to_string());
    add(
        lang.t("guide", "guides"),
        lang.t("da rivedere", "due for review").into(),
        r.guides.past_review.len().to_string(),
    );
    for g in &r.guides.readers {
        let label = |what: &str| format!("{what}: {}", g.id);
        add(lang.t("guide", "guides"), label(lang.t("utile sì", "useful yes")), g.useful_yes.to_string());
        add(lang.t("guide", "guides"), label(lang.t("utile no", "useful no")), g.useful_no.to_string());
        add(
            lang.t("guide", "guides"),
            label(lang.t("segnalazioni aperte", "open reports")),
            g.open_reports.to_string(),
        );
    }
    for (q, n) in &r.empty_searches {
        add(lang.t("ricerche", "searches"), format!("{}: {q}", lang.t("senza risultati", "no results")), n.to_string());
    }
    for (q, n) in &r.unanswered_searches {
        add(
            lang.t("ricerche", "searches"),
            format!("{}: {q}", lang.t("senza risposta", "not answered")),
            n.to_string(),
        );
    }
    for x in &r.monthly {
        for (name, v) in [
            (lang.t("eventi svolti", "events delivered"), x.delivered),
            (lang.t("iscrizioni", "registrations"), x.registrations),
            (lang.t("presenze", "attendance"), x.attended),
            (lang.t("richieste", "requests"), x.requests),
            (lang.t("accettate", "accepted"), x.accepted),
        ] {
            add(lang.t("mese per mese", "month by month"), format!("{} {name}", month_label(&x.month)), v.to_string());
        }
    }
    let header = [lang.t("sezione", "section"), lang.t("voce", "figure"), lang.t("valore", "value")];
    Ok((
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (CONTENT_DISPOSITION, "attachment; filename=\"cruscotto-wp5.csv\"".to_string()),
        ],
        csv::excel(&header, &rows),
    )
        .into_response())
}

/// Guides with open reports (most first) and the least useful ones by readers' votes.
/// Searches and how many times each was made.
fn searches_table(lang: Lang, searches: &[(String, i64)]) -> Markup {
    layout::scrolling(
        lang.t("Ricerche", "Searches"),
        html! { table {
            thead { tr { th scope="col" { (lang.t("Ricerca", "Search")) } th scope="col" { (lang.t("Volte", "Times")) } } }
            tbody { @for (q, n) in searches { tr { td { (q) } td { (n) } } } }
        } },
    )
}

fn readers_section(lang: Lang, readers: &[crate::feedback::GuideFeedback]) -> Markup {
    let mut reported: Vec<_> = readers.iter().filter(|g| g.open_reports > 0).collect();
    reported.sort_by(|a, b| b.open_reports.cmp(&a.open_reports).then(a.id.cmp(&b.id)));
    let mut least: Vec<_> = readers.iter().filter(|g| g.useful_no > 0).collect();
    let share_no = |g: &crate::feedback::GuideFeedback| g.useful_no as f64 / (g.useful_yes + g.useful_no) as f64;
    least.sort_by(|a, b| share_no(b).total_cmp(&share_no(a)).then(b.useful_no.cmp(&a.useful_no)));
    least.truncate(10);
    html! {
        h3 #segnalazioni-aperte { (lang.t("Guide con segnalazioni da gestire", "Guides with open reports")) }
        @if reported.is_empty() { p { (lang.t("Nessuna segnalazione da gestire.", "No open reports.")) } }
        @else {
            ul { @for g in &reported { li {
                a href=(format!("/guide/{}", g.id)) { (g.title) } " — " (g.open_reports) " "
                a href="/coordinamento/segnalazioni" { (lang.t("da gestire", "open")) }
            } } }
        }
        h3 #meno-utili { (lang.t("Guide giudicate meno utili", "Guides found least useful")) }
        @if least.is_empty() { p { (lang.t("Nessun lettore le ha giudicate poco utili.", "No reader found any guide not useful.")) } }
        @else {
            (layout::scrolling(lang.t("Guide giudicate meno utili", "Guides found least useful"), html! { table {
                thead { tr {
                    th scope="col" { (lang.t("Guida", "Guide")) }
                    th scope="col" { (lang.t("Utile: sì", "Useful: yes")) }
                    th scope="col" { (lang.t("Utile: no", "Useful: no")) }
                } }
                tbody { @for g in &least { tr {
                    td { a href=(format!("/guide/{}", g.id)) { (g.title) } }
                    td { (g.useful_yes) } td { (g.useful_no) }
                } } }
            } }))
        }
    }
}
