//! "Esperienze delle Regioni" (`/scambio/esperienze`): practices of the Regions as pages — the
//! list, the form, the practice with its attachments, versions and related guides, and the
//! coordinators' review. The same as JSON in [`super::practices_api`].

use axum::body::Bytes;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, RawQuery, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use futures_util::{Stream, StreamExt};
use maud::{html, Markup, PreEscaped};

use super::super::auth::Auth;
use super::super::kit::{done, form, fund_text, invalid_or_state, redirect_or_page, signed_in, Done};
use super::super::layout::{csrf_field, page, scrolling, Page, Problems};
use super::super::params::Params;
use super::super::PathId;
use crate::accounts::{self, Role, User};
use crate::app::AppState;
use crate::clock::local_time;
use crate::exchange::files::{self, FILES_PER_PRACTICE, FILE_MAX};
use crate::exchange::practices::{cost_option_label, COST_OPTIONS, SHORT_MAX, SUMMARY_MAX};
use crate::exchange::{PracticeFilter, PracticeInput, Summary, Target, Version, TEXT_MAX, TITLE_MAX};
use crate::guides::{Fund, Guide, Phase};
use crate::i18n::Lang;
use crate::web::error::{AppError, AppResult, Refusal, RefusalHttp};

const PER_PAGE: i64 = 20;

/// A practice's page verb, from the route table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PracticeVerb {
    Submit,
    Approve,
    Return,
    Hide,
}

/// The list filters shared by the page and the API: `fund`, `phase`, `topic`, `region`, `mine` (1).
pub fn practice_filter(p: &Params, state: &AppState, lang: Lang) -> AppResult<PracticeFilter> {
    let base = super::list_filter(p, state, lang)?;
    let phase = match p.non_empty("phase") {
        None => None,
        Some(x) => Some(Phase::parse(x).ok_or_else(|| {
            AppError::field("phase", format!("{} \"{x}\"", lang.t("fase sconosciuta", "unknown phase")))
        })?),
    };
    let region = match p.non_empty("region") {
        Some(r) if r.len() > 8 || !r.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') => {
            return Err(AppError::field(
                "region",
                format!("{} \"{r}\"", lang.t("Regione sconosciuta", "unknown Region")),
            ))
        }
        r => r.map(String::from),
    };
    Ok(PracticeFilter { fund: base.fund, phase, topic: base.topic, region, mine: base.mine })
}

fn status_label(status: &str, lang: Lang) -> &'static str {
    match status {
        "draft" => lang.t("bozza", "draft"),
        "pending" => lang.t("in revisione", "under review"),
        "returned" => lang.t("da correggere", "sent back"),
        "approved" | "published" => lang.t("pubblicata", "published"),
        "superseded" => lang.t("sostituita", "superseded"),
        "hidden" => lang.t("nascosta", "hidden"),
        _ => lang.t("sconosciuto", "unknown"),
    }
}

fn query_string(p: &Params, keys: &[&str], page_no: i64) -> String {
    let mut q: Vec<String> = keys
        .iter()
        .filter_map(|k| p.non_empty(k).map(|v| (k, v)))
        .map(|(k, v)| format!("{k}={}", percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)))
        .collect();
    q.push(format!("page={page_no}"));
    q.join("&")
}

/// `/scambio/esperienze`: published practices with filters, or one's own in every state.
pub async fn list(State(state): State<AppState>, lang: Lang, auth: Auth, RawQuery(raw): RawQuery) -> AppResult<Markup> {
    let user = signed_in(&auth)?;
    let p = Params::parse(raw.as_deref(), lang)?;
    let f = practice_filter(&p, &state, lang)?;
    let page_no = p.number("page", 1, 10_000, lang)? as i64;
    let (items, total) =
        state.exchange.practices(user, &f, PER_PAGE, (page_no - 1) * PER_PAGE).await.map_err(|e| e.into_app(lang))?;
    let regions = accounts::regions(&state.db).await?;
    let topics = &state.search.corpus().topics;
    let title = lang.t("Esperienze delle Regioni", "Practices of the Regions");
    // A topic or a fund in the filters can be followed from here.
    let mut followable = Vec::new();
    if let Some(t) = &f.topic {
        followable.push((
            Target::Topic(t.clone()),
            format!("{} «{}»", lang.t("il tema", "the topic"), topics.label(t, lang)),
        ));
    }
    if let Some(fund) = f.fund {
        followable.push((Target::Fund(fund), format!("{} {}", lang.t("il fondo", "the fund"), fund_text(lang, fund))));
    }
    let mut follow_buttons = Vec::new();
    let back =
        format!("/scambio/esperienze?{}", query_string(&p, &["fund", "phase", "topic", "region", "mine"], page_no));
    for (target, label) in &followable {
        let on = state.exchange.is_following(user, target).await.map_err(|e| e.into_app(lang))?;
        follow_buttons.push(super::follows::button(&auth, lang, target, on, label, &back));
    }
    let body = html! {
        h1 { (title) }
        p { (lang.t("Come le Regioni hanno usato i fondi per la formazione digitale del personale sanitario: l'avviso, i costi, i risultati e che cosa rifarebbero. Ogni esperienza è rivista dal coordinamento prima di essere pubblicata.",
                    "How the Regions used the funds for digital-skills training of health workers: the call, the costs, the results and what they would do again. Every practice is reviewed by the coordinators before it is published.")) }
        @if user.role == Role::Officer {
            p { a.button href="/scambio/esperienze/nuova" { (lang.t("Racconta un'esperienza della tua Regione", "Share a practice of your Region")) } }
        }
        @if user.role == Role::Coordinator {
            p { a href="/coordinamento/esperienze" { (lang.t("Esperienze da rivedere", "Practices to review")) } }
        }
        form.filters method="get" action="/scambio/esperienze" {
            div.field {
                label for="f-fund" { (lang.t("Fondo", "Fund")) }
                select #f-fund name="fund" {
                    option value="" { (lang.t("tutti", "all")) }
                    @for x in Fund::ALL { option value=(x.as_str()) selected[f.fund == Some(x)] { (fund_text(lang, x)) } }
                }
            }
            div.field {
                label for="f-phase" { (lang.t("Fase", "Phase")) }
                select #f-phase name="phase" {
                    option value="" { (lang.t("tutte", "all")) }
                    @for x in Phase::ALL { option value=(x.as_str()) selected[f.phase == Some(x)] { (x.label(lang)) } }
                }
            }
            div.field {
                label for="f-topic" { (lang.t("Tema", "Topic")) }
                select #f-topic name="topic" {
                    option value="" { (lang.t("tutti", "all")) }
                    @for t in topics.all() { option value=(t.slug) selected[f.topic.as_deref() == Some(t.slug.as_str())] { (t.label(lang)) } }
                }
            }
            div.field {
                label for="f-region" { (lang.t("Regione / PA", "Region / AP")) }
                select #f-region name="region" {
                    option value="" { (lang.t("tutte", "all")) }
                    @for r in &regions { option value=(r.code) selected[f.region.as_deref() == Some(r.code.as_str())] { (r.name) } }
                }
            }
            @if user.role == Role::Officer {
                div.field.check { label { input type="checkbox" name="mine" value="1" checked[f.mine]; " " (lang.t("solo le mie, in ogni stato", "only mine, in every state")) } }
            }
            div { button type="submit" { (lang.t("Filtra", "Filter")) } }
        }
        @if !follow_buttons.is_empty() {
            p { @for b in &follow_buttons { (b) " " } }
        }
        @if items.is_empty() {
            p.notice role="status" {
                @if f.mine { (lang.t("Non hai ancora scritto esperienze.", "You have not written any practice yet.")) }
                @else { (lang.t("Nessuna esperienza pubblicata con questi filtri.", "No published practice matches these filters.")) }
            }
        } @else {
            p role="status" { (total) " " (if total == 1 { lang.t("esperienza", "practice") } else { lang.t("esperienze", "practices") }) }
            (summaries(&items, lang, state.search.corpus(), true))
        }
        nav.pages aria-label=(lang.t("Pagine", "Pages")) {
            @if page_no > 1 { a href=(format!("/scambio/esperienze?{}", query_string(&p, &["fund", "phase", "topic", "region", "mine"], page_no - 1))) { (lang.t("← Precedenti", "← Previous")) } " " }
            @if total > page_no * PER_PAGE { a href=(format!("/scambio/esperienze?{}", query_string(&p, &["fund", "phase", "topic", "region", "mine"], page_no + 1))) { (lang.t("Successive →", "Next →")) } }
        }
    };
    Ok(page(Page { lang, title, here: "/scambio/esperienze", auth: Some(&auth) }, body))
}

/// A list of practices with their Region, funds and phases.
pub fn summaries(items: &[Summary], lang: Lang, corpus: &crate::guides::Corpus, with_status: bool) -> Markup {
    html! {
        ul.questions {
            @for s in items {
                li {
                    a href=(format!("/scambio/esperienze/{}", s.id)) { (s.title) }
                    @if with_status && s.status != "published" { " " span.badge { (status_label(&s.status, lang)) } }
                    br;
                    small {
                        (s.region_name)
                        @for f in s.funds.iter().filter_map(|f| Fund::parse(f)) { " · " (fund_text(lang, f)) }
                        @for ph in s.phases.iter().filter_map(|p| Phase::parse(p)) { " · " (ph.label(lang)) }
                        @for t in &s.topics { " · " (corpus.topics.label(t, lang)) }
                    }
                    p.hint { (s.summary) }
                }
            }
        }
    }
}

fn input_from(f: &Params) -> PracticeInput {
    let all = |k: &str| f.all(k).iter().map(|v| v.to_string()).collect::<Vec<_>>();
    let one = |k: &str| f.get(k).unwrap_or("").to_string();
    PracticeInput {
        title: one("title"),
        summary: one("summary"),
        funds: all("funds"),
        phases: all("phases"),
        topics: all("topics"),
        cost_options: all("cost_options"),
        what_done: one("what_done"),
        act_reference: one("act_reference"),
        act_url: one("act_url"),
        budget_eur: one("budget_eur"),
        people_trained: one("people_trained"),
        results: one("results"),
        lessons: one("lessons"),
        contact_name: one("contact_name"),
        contact_email: one("contact_email"),
    }
}

fn input_of(v: &Version) -> PracticeInput {
    PracticeInput {
        title: v.title.clone(),
        summary: v.summary.clone(),
        funds: v.funds.clone(),
        phases: v.phases.clone(),
        topics: v.topics.clone(),
        cost_options: v.cost_options.clone(),
        what_done: v.what_done.clone(),
        act_reference: v.act_reference.clone(),
        act_url: v.act_url.clone(),
        budget_eur: v.budget_eur.map(|n| n.to_string()).unwrap_or_default(),
        people_trained: v.people_trained.map(|n| n.to_string()).unwrap_or_default(),
        results: v.results.clone(),
        lessons: v.lessons.clone(),
        contact_name: v.contact_name.clone(),
        contact_email: v.contact_email.clone(),
    }
}

/// A text input or textarea with its label, hint and message.
fn text_field(
    problems: &Problems,
    name: &str,
    label: &str,
    hint: Option<&str>,
    value: &str,
    max: usize,
    rows: u32,
) -> Markup {
    let hint_id = format!("{name}-aiuto");
    let described: Vec<String> =
        hint.map(|_| hint_id.clone()).into_iter().chain(problems.described(name)).collect::<Vec<_>>();
    let described = (!described.is_empty()).then(|| described.join(" "));
    html! {
        div.field {
            label for=(name) { (label) }
            @if let Some(h) = hint { p.hint id=(hint_id) { (h) } }
            @if rows > 1 {
                textarea id=(name) name=(name) rows=(rows) maxlength=(max)
                    aria-invalid=[problems.invalid(name)] aria-describedby=[described] { (value) }
            } @else {
                input id=(name) type="text" name=(name) maxlength=(max) value=(value)
                    aria-invalid=[problems.invalid(name)] aria-describedby=[described];
            }
            (problems.at(name))
        }
    }
}

/// A group of checkboxes, one per line.
fn checks(problems: &Problems, name: &str, legend: &str, options: &[(String, String)], chosen: &[String]) -> Markup {
    html! {
        fieldset.field id=(name) aria-describedby=[problems.described(name)] {
            legend { (legend) }
            (problems.at(name))
            ul.checks {
                @for (value, label) in options {
                    li { label { input type="checkbox" name=(name) value=(value) checked[chosen.contains(value)]; " " (label) } }
                }
            }
        }
    }
}

fn practice_form(
    state: &AppState,
    lang: Lang,
    auth: &Auth,
    action: &str,
    heading: &str,
    d: &PracticeInput,
    problems: &Problems,
) -> Markup {
    let corpus = state.search.corpus();
    let funds: Vec<(String, String)> =
        Fund::ALL.iter().map(|f| (f.as_str().to_string(), fund_text(lang, *f).to_string())).collect();
    let phases: Vec<(String, String)> =
        Phase::ALL.iter().map(|p| (p.as_str().to_string(), p.label(lang).to_string())).collect();
    let topics: Vec<(String, String)> =
        corpus.topics.all().iter().map(|t| (t.slug.clone(), t.label(lang).to_string())).collect();
    let costs: Vec<(String, String)> =
        COST_OPTIONS.iter().map(|(c, it, en)| (c.to_string(), lang.t(it, en).to_string())).collect();
    let md = lang
        .t("Markdown: **grassetto**, elenchi, [link](https://…).", "Markdown: **bold**, lists, [links](https://…).");
    let body = html! {
        h1 { (heading) }
        (problems.summary(lang))
        form.stack method="post" action=(action) novalidate {
            (csrf_field(auth))
            (text_field(problems, "title", lang.t("Titolo", "Title"), None, &d.title, TITLE_MAX, 1))
            (text_field(problems, "summary", lang.t("In breve", "In short"), Some(lang.t("Due o tre righe: che cosa, per chi, con quale fondo.", "Two or three lines: what, for whom, with which fund.")), &d.summary, SUMMARY_MAX, 3))
            (checks(problems, "funds", lang.t("Fondi", "Funds"), &funds, &d.funds))
            (checks(problems, "phases", lang.t("Fasi", "Phases"), &phases, &d.phases))
            (checks(problems, "topics", lang.t("Temi (facoltativi)", "Topics (optional)"), &topics, &d.topics))
            (text_field(problems, "what_done", lang.t("Che cosa avete fatto", "What you did"), Some(md), &d.what_done, TEXT_MAX, 10))
            (text_field(problems, "act_reference", lang.t("Avviso o atto usato (estremi)", "Call or act used (reference)"), Some(lang.t("Ad esempio: DGR n. 123 del 10/03/2025.", "For example: regional decision no. 123 of 10/03/2025.")), &d.act_reference, SHORT_MAX, 1))
            (text_field(problems, "act_url", lang.t("Link all'avviso o all'atto", "Link to the call or act"), Some(lang.t("Un indirizzo completo, https://…", "A full address, https://…")), &d.act_url, SHORT_MAX, 1))
            (text_field(problems, "budget_eur", lang.t("Dotazione in euro (facoltativa)", "Budget in euro (optional)"), Some(lang.t("Un numero intero, ad esempio 250000.", "A whole number, for example 250000.")), &d.budget_eur, 20, 1))
            (checks(problems, "cost_options", lang.t("Forme di sostegno usate (art. 53 RDC, facoltative)", "Forms of support used (art. 53 CPR, optional)"), &costs, &d.cost_options))
            (text_field(problems, "people_trained", lang.t("Professionisti formati (facoltativo)", "Professionals trained (optional)"), None, &d.people_trained, 12, 1))
            (text_field(problems, "results", lang.t("Risultati, in numeri", "Results, in numbers"), Some(md), &d.results, TEXT_MAX, 5))
            (text_field(problems, "lessons", lang.t("Che cosa fareste diversamente", "What you would do differently"), Some(md), &d.lessons, TEXT_MAX, 5))
            (text_field(problems, "contact_name", lang.t("Persona di contatto della Regione", "Contact person of the Region"), None, &d.contact_name, SHORT_MAX, 1))
            (text_field(problems, "contact_email", lang.t("Email del contatto", "Contact's email"), None, &d.contact_email, SHORT_MAX, 1))
            p.hint { (lang.t("Gli allegati (PDF, ODT, ODS, DOCX, XLSX) si aggiungono dalla pagina dell'esperienza, dopo averla salvata.",
                             "Attachments (PDF, ODT, ODS, DOCX, XLSX) are added from the practice's page once it is saved.")) }
            div {
                button type="submit" name="azione" value="invia" { (lang.t("Invia in revisione", "Send for review")) }
                " "
                button.secondary type="submit" name="azione" value="bozza" { (lang.t("Salva come bozza", "Save as draft")) }
            }
        }
    };
    page(Page { lang, title: heading, here: action, auth: Some(auth) }, body)
}

fn submitting(f: &Params) -> bool {
    f.get("azione") != Some("bozza")
}

/// `/scambio/esperienze/nuova` (officers).
pub async fn new_page(State(state): State<AppState>, lang: Lang, auth: Auth) -> AppResult<Markup> {
    let user = signed_in(&auth)?;
    let d = PracticeInput { contact_name: user.name.clone(), contact_email: user.email.clone(), ..Default::default() };
    let heading = lang.t("Racconta un'esperienza della tua Regione", "Share a practice of your Region");
    Ok(practice_form(&state, lang, &auth, "/scambio/esperienze", heading, &d, &Problems::none()))
}

/// `POST /scambio/esperienze` (officers).
pub async fn create(State(state): State<AppState>, lang: Lang, auth: Auth, body: Bytes) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let f = form(&body, lang)?;
    let (d, submit) = (input_from(&f), submitting(&f));
    let topics = &state.search.corpus().topics;
    let result =
        state.exchange.create_practice(user, &d, submit, topics).await.map(|p| format!("/scambio/esperienze/{}", p.id));
    let heading = lang.t("Racconta un'esperienza della tua Regione", "Share a practice of your Region");
    let (state, auth, d) = (&state, &auth, &d);
    let done = if submit { Done::PracticeSubmitted } else { Done::PracticeSaved };
    redirect_or_page(result, Some(done), lang, invalid_or_state, |problems| async move {
        Ok(practice_form(state, lang, auth, "/scambio/esperienze", heading, d, &problems))
    })
    .await
}

/// `/scambio/esperienze/{id}/modifica`: the version being written, or a copy of the published one.
pub async fn edit_page(State(state): State<AppState>, lang: Lang, auth: Auth, PathId(id): PathId) -> AppResult<Markup> {
    let user = signed_in(&auth)?;
    let p = state.exchange.practice(user, id).await.map_err(|e| e.into_app(lang))?;
    if !p.editable {
        return Err(Refusal::forbidden(
            "Un'esperienza la modifica chi l'ha scritta, finché non è nascosta.",
            "A practice is changed by whoever wrote it, unless it is hidden.",
        )
        .into_app(lang));
    }
    let d = input_of(p.revision.as_ref().unwrap_or(&p.version));
    let action = format!("/scambio/esperienze/{id}/modifica");
    Ok(practice_form(
        &state,
        lang,
        &auth,
        &action,
        lang.t("Modifica l'esperienza", "Edit the practice"),
        &d,
        &Problems::none(),
    ))
}

pub async fn edit(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
    body: Bytes,
) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let f = form(&body, lang)?;
    let (d, submit) = (input_from(&f), submitting(&f));
    let topics = &state.search.corpus().topics;
    let result =
        state.exchange.edit_practice(user, id, &d, submit, topics).await.map(|_| format!("/scambio/esperienze/{id}"));
    let action = format!("/scambio/esperienze/{id}/modifica");
    let (state, auth, d, action) = (&state, &auth, &d, &action);
    let done = if submit { Done::PracticeSubmitted } else { Done::PracticeSaved };
    redirect_or_page(result, Some(done), lang, invalid_or_state, |problems| async move {
        Ok(practice_form(state, lang, auth, action, lang.t("Modifica l'esperienza", "Edit the practice"), d, &problems))
    })
    .await
}

/// Guides that share a fund with the practice and a phase or a topic, the closest first.
pub fn related_guides<'c>(corpus: &'c crate::guides::Corpus, v: &Version, lang: Lang, limit: usize) -> Vec<&'c Guide> {
    let mut scored: Vec<(usize, &Guide)> = corpus
        .guides
        .iter()
        .filter(|g| g.lang == lang && g.funds.iter().any(|f| v.funds.iter().any(|x| x == f.as_str())))
        .filter_map(|g| {
            let topics = g.topics.iter().filter(|t| v.topics.contains(t)).count();
            let phase = usize::from(v.phases.iter().any(|p| p == g.phase.as_str()));
            (topics + phase > 0).then_some((2 * topics + phase, g))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.title.cmp(&b.1.title)));
    scored.into_iter().take(limit).map(|(_, g)| g).collect()
}

fn version_body(v: &Version, lang: Lang, corpus: &crate::guides::Corpus) -> Markup {
    let euro = |n: i64| {
        let digits = n.to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push('.');
            }
            out.push(c);
        }
        format!("{out} €")
    };
    html! {
        p.lead { (v.summary) }
        dl.facts {
            dt { (lang.t("Fondi", "Funds")) }
            dd { @for (i, f) in v.funds.iter().filter_map(|f| Fund::parse(f)).enumerate() { @if i > 0 { ", " } (fund_text(lang, f)) } }
            dt { (lang.t("Fasi", "Phases")) }
            dd { @for (i, p) in v.phases.iter().filter_map(|p| Phase::parse(p)).enumerate() { @if i > 0 { ", " } (p.label(lang)) } }
            @if !v.topics.is_empty() {
                dt { (lang.t("Temi", "Topics")) }
                dd { @for (i, t) in v.topics.iter().enumerate() { @if i > 0 { ", " } (corpus.topics.label(t, lang)) } }
            }
            @if !v.act_reference.is_empty() || !v.act_url.is_empty() {
                dt { (lang.t("Avviso o atto", "Call or act")) }
                dd {
                    (v.act_reference)
                    @if !v.act_url.is_empty() { " " a href=(v.act_url) rel="nofollow noopener" { (lang.t("(apri l'atto)", "(open the act)")) } }
                }
            }
            @if let Some(b) = v.budget_eur { dt { (lang.t("Dotazione", "Budget")) } dd { (euro(b)) } }
            @if !v.cost_options.is_empty() {
                dt { (lang.t("Forme di sostegno (art. 53 RDC)", "Forms of support (art. 53 CPR)")) }
                dd { @for (i, c) in v.cost_options.iter().enumerate() { @if i > 0 { ", " } (cost_option_label(c, lang)) } }
            }
            @if let Some(n) = v.people_trained { dt { (lang.t("Professionisti formati", "Professionals trained")) } dd { (n) } }
            dt { (lang.t("Contatto", "Contact")) }
            dd { (v.contact_name) " — " a href=(format!("mailto:{}", v.contact_email)) { (v.contact_email) } }
        }
        h2 { (lang.t("Che cosa hanno fatto", "What they did")) }
        div.markdown { (PreEscaped(&v.what_done_html)) }
        @if !v.results.is_empty() { h2 { (lang.t("Risultati", "Results")) } div.markdown { (PreEscaped(&v.results_html)) } }
        @if !v.lessons.is_empty() { h2 { (lang.t("Che cosa farebbero diversamente", "What they would do differently")) } div.markdown { (PreEscaped(&v.lessons_html)) } }
    }
}

fn size_text(bytes: i64) -> String {
    if bytes >= 1_048_576 {
        format!("{:.1} MB", bytes as f64 / 1_048_576.0).replace('.', ",")
    } else {
        format!("{} kB", (bytes + 1023) / 1024)
    }
}

fn attachments(v: &Version, lang: Lang, auth: &Auth, removable: bool) -> Markup {
    html! {
        @if v.attachments.is_empty() { p { (lang.t("Nessun allegato.", "No attachments.")) } }
        @else {
            ul {
                @for a in &v.attachments {
                    li {
                        a href=(format!("/scambio/allegati/{}", a.id)) download { (a.name) }
                        " (" (a.kind.to_uppercase()) ", " (size_text(a.size)) ")"
                        @if removable {
                            form.inline method="post" action=(format!("/scambio/allegati/{}/rimuovi", a.id)) {
                                (csrf_field(auth))
                                button.secondary type="submit" aria-label=(format!("{} {}", lang.t("Togli", "Remove"), a.name)) { (lang.t("Togli", "Remove")) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `/scambio/esperienze/{id}`.
pub async fn practice_page(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Markup> {
    show(&state, lang, &auth, id, None).await
}

/// The practice's page, with a refused action's problems next to its form.
async fn show(
    state: &AppState,
    lang: Lang,
    auth: &Auth,
    id: i64,
    problems: Option<(&str, Problems)>,
) -> AppResult<Markup> {
    let user = signed_in(auth)?;
    let p = state.exchange.practice(user, id).await.map_err(|e| e.into_app(lang))?;
    let coordinator = user.role == Role::Coordinator;
    let versions = if p.mine || coordinator {
        state.exchange.practice_versions(user, id).await.map_err(|e| e.into_app(lang))?
    } else {
        Vec::new()
    };
    let corpus = state.search.corpus();
    let none = Problems::none();
    let problems_of = |form: &str| problems.as_ref().filter(|(f, _)| *f == form).map(|(_, p)| p).unwrap_or(&none);
    let working = p.revision.as_ref().unwrap_or(&p.version);
    let guides = related_guides(corpus, &p.version, lang, 5);
    let body = html! {
        h1 { (p.version.title) }
        p.meta { (p.region_name) " · " (p.author_name) @if let Some(t) = p.published_at { " · " (lang.t("pubblicata il", "published on")) " " (local_time(t)) } }
        @if p.status != "published" || p.revision.is_some() {
            div.notice role="status" {
                p { strong { (lang.t("Stato: ", "Status: ")) (status_label(&p.status, lang)) }
                    @if let Some(r) = &p.revision { " — " (lang.t("nuova versione", "new version")) " " (r.number) ": " (status_label(&r.state, lang)) } }
                @if p.status == "hidden" {
                    p { (lang.t("Nascosta dal coordinamento: la vedono solo chi l'ha scritta e i coordinatori.", "Hidden by the coordinators: only its author and coordinators see it."))
                        @if let Some(r) = &p.hidden_reason { " " (lang.t("Motivo:", "Reason:")) " " (r) } }
                }
                @if let Some(c) = &working.review_comment { @if working.state == "returned" { p { (lang.t("Commento del coordinamento: ", "Coordinators' comment: ")) (c) } } }
                @if p.published_at.is_none() && p.status != "hidden" {
                    p { (lang.t("Non è ancora visibile alle altre Regioni: lo sarà quando il coordinamento l'avrà approvata.", "Other Regions do not see it yet: they will once the coordinators approve it.")) }
                }
                @if p.revision.is_some() {
                    p { (lang.t("Le altre Regioni vedono la versione pubblicata, qui sotto, finché la nuova non è approvata.", "Other Regions see the published version below until the new one is approved.")) }
                }
            }
        }
        (version_body(&p.version, lang, corpus))
        h2 { (lang.t("Allegati", "Attachments")) }
        (attachments(&p.version, lang, auth, p.editable && p.revision.is_none() && p.version.state != "approved"))
        @if p.editable {
            section.actions aria-labelledby="autore-titolo" {
                h2 #autore-titolo { (lang.t("La tua esperienza", "Your practice")) }
                @if let Some(r) = &p.revision {
                    h3 { (lang.t("Nuova versione", "New version")) " " (r.number) " (" (status_label(&r.state, lang)) ")" }
                    (version_body(r, lang, corpus))
                    h4 { (lang.t("Allegati della nuova versione", "Attachments of the new version")) }
                    (attachments(r, lang, auth, true))
                }
                p { a.button href=(format!("/scambio/esperienze/{id}/modifica")) { (lang.t("Modifica", "Edit")) } }
                @if matches!(working.state.as_str(), "draft" | "returned") {
                    form method="post" action=(format!("/scambio/esperienze/{id}/invia")) {
                        (csrf_field(auth))
                        (problems_of("submit").summary(lang))
                        button type="submit" { (lang.t("Invia in revisione", "Send for review")) }
                    }
                }
                @let upload = problems_of("upload");
                form.stack method="post" enctype="multipart/form-data" action=(format!("/scambio/esperienze/{id}/allegati?csrf={}", auth.csrf())) {
                    (upload.summary(lang))
                    div.field {
                        label for="file" { (lang.t("Aggiungi un allegato", "Add an attachment")) }
                        p.hint #file-aiuto { (format!("{} {} MB, {} {FILES_PER_PRACTICE}.", lang.t("PDF, ODT, ODS, DOCX o XLSX senza macro; al massimo", "PDF, ODT, ODS, DOCX or XLSX without macros; at most"), FILE_MAX / 1_048_576, lang.t("fino a", "up to"))) }
                        input #file type="file" name="file" accept=".pdf,.odt,.ods,.docx,.xlsx" required
                            aria-invalid=[upload.invalid("file")]
                            aria-describedby=(["file-aiuto".to_string()].into_iter().chain(upload.described("file")).collect::<Vec<_>>().join(" "));
                        (upload.at("file"))
                    }
                    div { button.secondary type="submit" { (lang.t("Carica", "Upload")) } }
                }
            }
        }
        @if coordinator {
            section.actions aria-labelledby="revisione-titolo" {
                h2 #revisione-titolo { (lang.t("Revisione", "Review")) }
                @if working.state == "pending" {
                    @if let Some(r) = &p.revision {
                        h3 { (lang.t("Versione da rivedere", "Version to review")) " " (r.number) }
                        (version_body(r, lang, corpus))
                        (attachments(r, lang, auth, false))
                    }
                    form method="post" action=(format!("/scambio/esperienze/{id}/approva")) {
                        (csrf_field(auth))
                        button type="submit" { (lang.t("Approva e pubblica", "Approve and publish")) }
                    }
                    @let back = problems_of("return");
                    form.stack method="post" action=(format!("/scambio/esperienze/{id}/restituisci")) {
                        (csrf_field(auth))
                        (back.summary(lang))
                        div.field {
                            label for="comment" { (lang.t("Che cosa va cambiato (lo legge chi l'ha scritta)", "What should change (its author reads it)")) }
                            textarea #comment name="comment" rows="3" maxlength="2000" aria-invalid=[back.invalid("comment")] aria-describedby=[back.described("comment")] {}
                            (back.at("comment"))
                        }
                        button.secondary type="submit" { (lang.t("Rimanda all'autore", "Send back to the author")) }
                    }
                } @else {
                    p { (lang.t("Nessuna versione in attesa di revisione.", "No version is awaiting review.")) }
                }
                @if p.status != "hidden" {
                    @let hide = problems_of("hide");
                    form.stack method="post" action=(format!("/scambio/esperienze/{id}/nascondi")) {
                        (csrf_field(auth))
                        (hide.summary(lang))
                        div.field {
                            label for="reason" { (lang.t("Nascondi: motivo (lo legge chi l'ha scritta)", "Hide: reason (its author reads it)")) }
                            textarea #reason name="reason" rows="2" maxlength="500" aria-invalid=[hide.invalid("reason")] aria-describedby=[hide.described("reason")] {}
                            (hide.at("reason"))
                        }
                        button.danger type="submit" { (lang.t("Nascondi l'esperienza", "Hide the practice")) }
                    }
                }
            }
        }
        @if !versions.is_empty() {
            h2 { (lang.t("Versioni", "Versions")) }
            (scrolling(lang.t("Versioni", "Versions"), html! { table {
                thead { tr {
                    th scope="col" { (lang.t("Versione", "Version")) }
                    th scope="col" { (lang.t("Stato", "Status")) }
                    th scope="col" { (lang.t("Inviata", "Sent")) }
                    th scope="col" { (lang.t("Rivista", "Reviewed")) }
                    th scope="col" { (lang.t("Commento", "Comment")) }
                } }
                tbody { @for v in &versions { tr {
                    td { (v.number) }
                    td { (status_label(&v.state, lang)) }
                    td { (v.submitted_at.map(local_time).unwrap_or_else(|| "—".into())) }
                    td { (v.reviewed_at.map(local_time).unwrap_or_else(|| "—".into())) }
                    td { (v.review_comment.clone().unwrap_or_default()) }
                } } }
            } }))
        }
        @if !guides.is_empty() {
            h2 { (lang.t("Le guide collegate", "Related guides")) }
            ul { @for g in &guides { li { a href=(g.url()) { (g.title) } } } }
        }
        p { a href="/scambio/esperienze" { (lang.t("← Tutte le esperienze", "← All practices")) } }
    };
    Ok(page(Page { lang, title: &p.version.title, here: &format!("/scambio/esperienze/{id}"), auth: Some(auth) }, body))
}

/// `POST /scambio/esperienze/{id}/{invia|approva|restituisci|nascondi}`.
pub async fn act(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    Extension(verb): Extension<PracticeVerb>,
    PathId(id): PathId,
    body: Bytes,
) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let f = form(&body, lang)?;
    let ex = &state.exchange;
    let result = match verb {
        PracticeVerb::Submit => ex.submit_practice(user, id).await,
        PracticeVerb::Approve => ex.approve_practice(user, id).await,
        PracticeVerb::Return => ex.return_practice(user, id, f.get("comment").unwrap_or("")).await,
        PracticeVerb::Hide => ex.hide_practice(user, id, f.get("reason").unwrap_or("")).await,
    }
    .map(|_| format!("/scambio/esperienze/{id}"));
    let (done, form_name) = match verb {
        PracticeVerb::Submit => (Done::PracticeSubmitted, "submit"),
        PracticeVerb::Approve => (Done::PracticeApproved, "submit"),
        PracticeVerb::Return => (Done::PracticeReturned, "return"),
        PracticeVerb::Hide => (Done::PracticeHidden, "hide"),
    };
    let (state, auth) = (&state, &auth);
    redirect_or_page(result, Some(done), lang, invalid_or_state, |problems| async move {
        show(state, lang, auth, id, Some((form_name, problems))).await
    })
    .await
}

/// Reads an uploaded file from `stream`, keeping at most one byte over [`FILE_MAX`] and
/// counting the rest, so a file over the limit is answered with its size.
pub async fn read_file<S, E>(stream: S, lang: Lang) -> AppResult<(Vec<u8>, usize)>
where
    S: Stream<Item = Result<Bytes, E>>,
    E: std::fmt::Display,
{
    let mut stream = std::pin::pin!(stream);
    let (mut kept, mut total) = (Vec::new(), 0usize);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            AppError::field("file", format!("{}: {e}", lang.t("caricamento non riuscito", "upload failed")))
        })?;
        total += chunk.len();
        if kept.len() <= FILE_MAX {
            kept.extend_from_slice(&chunk[..chunk.len().min(FILE_MAX + 1 - kept.len())]);
        }
    }
    Ok((kept, total))
}

/// The file refused when it is over the limit, else the domain's answer.
pub async fn attach(
    state: &AppState,
    user: &User,
    id: i64,
    name: &str,
    data: &[u8],
    total: usize,
) -> Result<crate::exchange::Attachment, Refusal> {
    if total > FILE_MAX {
        // Whoever may not change the practice hears that first.
        state.exchange.practice(user, id).await?;
        return Err(files::too_big(total));
    }
    state.exchange.attach(user, id, name, data).await
}

/// `POST /scambio/esperienze/{id}/allegati` (multipart, the CSRF token in the address).
pub async fn upload(
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
                "Carica il file con il modulo della pagina dell'esperienza.",
                "Upload the file with the form on the practice's page.",
            ),
        )
    })?;
    let mut file = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| AppError::field("file", format!("{}: {e}", lang.t("caricamento non valido", "invalid upload"))))?
    {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("").to_string();
            let (data, total) = read_file(field, lang).await?;
            file = Some((name, data, total));
        }
    }
    let result = match &file {
        Some((name, data, total)) if *total > 0 => attach(&state, user, id, name, data, *total).await,
        _ => Err(Refusal::invalid("file", "Scegli un file da allegare.", "Choose a file to attach.")),
    }
    .map(|_| format!("/scambio/esperienze/{id}"));
    let (state, auth) = (&state, &auth);
    redirect_or_page(result, Some(Done::AttachmentAdded), lang, invalid_or_state, |problems| async move {
        show(state, lang, auth, id, Some(("upload", problems))).await
    })
    .await
}

/// `POST /scambio/allegati/{id}/rimuovi`.
pub async fn remove(State(state): State<AppState>, lang: Lang, auth: Auth, PathId(id): PathId) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let practice = state.exchange.detach(user, id).await.map_err(|e| e.into_app(lang))?;
    Ok(done(&format!("/scambio/esperienze/{practice}"), Done::AttachmentRemoved))
}

/// An attachment as a download: never shown inline, never sniffed.
pub fn download_response(name: &str, mime: &str, data: Vec<u8>) -> Response {
    let ascii: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_ ".contains(c) { c } else { '_' }).collect();
    let encoded = percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC);
    (
        [
            (CONTENT_TYPE, mime.to_string()),
            (CONTENT_DISPOSITION, format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")),
            (X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (CACHE_CONTROL, "private, no-store".to_string()),
        ],
        data,
    )
        .into_response()
}

/// `GET /scambio/allegati/{id}`.
pub async fn file(State(state): State<AppState>, lang: Lang, auth: Auth, PathId(id): PathId) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let (a, kind, data) = state.exchange.attachment(user, id).await.map_err(|e| e.into_app(lang))?;
    Ok(download_response(&a.name, kind.mime(), data))
}

/// `/coordinamento/esperienze`: practices awaiting review, the longest waiting first.
pub async fn review_page(State(state): State<AppState>, lang: Lang, auth: Auth) -> AppResult<Markup> {
    let user = signed_in(&auth)?;
    let queue = state.exchange.review_queue(user).await.map_err(|e| e.into_app(lang))?;
    let title = lang.t("Esperienze da rivedere", "Practices to review");
    let body = html! {
        h1 { (title) }
        @if queue.is_empty() {
            p.notice role="status" { (lang.t("Nessuna esperienza in attesa di revisione.", "No practice is awaiting review.")) }
        } @else {
            (scrolling(title, html! { table {
                thead { tr {
                    th scope="col" { (lang.t("Esperienza", "Practice")) }
                    th scope="col" { (lang.t("Regione / PA", "Region / AP")) }
                    th scope="col" { (lang.t("Versione", "Version")) }
                    th scope="col" { (lang.t("Inviata", "Sent")) }
                } }
                tbody { @for p in &queue {
                    @let v = p.revision.as_ref().unwrap_or(&p.version);
                    tr {
                        td { a href=(format!("/scambio/esperienze/{}", p.id)) { (v.title) } }
                        td { (p.region_name) }
                        td { (v.number) @if p.published_at.is_some() { " " (lang.t("(modifica di una pubblicata)", "(change to a published one)")) } }
                        td { (v.submitted_at.map(local_time).unwrap_or_default()) }
                    }
                } }
            } }))
        }
    };
    Ok(page(Page { lang, title, here: "/coordinamento/esperienze", auth: Some(&auth) }, body))
}

/// The guide page's "how the Regions did it": for signed-in people, published practices
/// sharing the guide's fund and a phase or topic.
pub async fn for_guide(state: &AppState, auth: &Auth, g: &Guide, lang: Lang) -> AppResult<Markup> {
    if auth.user().is_none() {
        return Ok(html! {});
    }
    let related =
        state.exchange.related_practices(&g.funds, g.phase, &g.topics, 3).await.map_err(|e| e.into_app(lang))?;
    Ok(html! {
        @if !related.is_empty() {
            section #regioni aria-labelledby="regioni-titolo" {
                h2 #regioni-titolo { (lang.t("Come l'hanno fatto le Regioni", "How the Regions did it")) }
                (summaries(&related, lang, state.search.corpus(), false))
            }
        }
    })
}
