//! Guide pages: home with the search box, results with facets and pagination.

use axum::extract::{OriginalUri, RawQuery, State};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};

use super::auth::Auth;
use super::kit::fund_text as fund_label;
use super::layout::{page, raw, Page};
use super::params::{search_query_string, search_request, Params};
use super::{here, Rendered};
use crate::app::AppState;
use crate::exchange::index::{ExchangeHit, ExchangeResults};
use crate::guides::{Fund, Phase, Topics};
use crate::i18n::Lang;
use crate::search::{Facets, SearchRequest, SearchResults};
use crate::web::error::{AppError, AppResult};

pub async fn home(State(state): State<AppState>, lang: Lang, auth: Auth) -> AppResult<Markup> {
    let browse = state.search.search(&SearchRequest { page: 1, per_page: 1, ..Default::default() })?;
    let body = html! {
        h1 { (lang.t("Fondi UE per la formazione digitale in sanità", "EU funds for digital-skills training in health")) }
        p.hint {
            (lang.t(
                "Guide passo passo per usare FSE+, FESR e JTF nel cofinanziamento della formazione degli operatori sanitari.",
                "Step-by-step guides on using ESF+, ERDF and JTF to co-finance training for health workers.",
            ))
        }
        (search_form(lang, "", None))
        (browse_by_fund(lang, &browse.facets, &state.search.corpus().topics))
    };
    Ok(page(Page { lang, title: lang.t("Home", "Home"), here: "/", auth: Some(&auth) }, body))
}

pub async fn search(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw_query): RawQuery,
) -> AppResult<Response> {
    let here = here(uri.path(), raw_query.as_deref());
    let topics = &state.search.corpus().topics;
    let req = Params::parse(raw_query.as_deref(), lang).and_then(|p| search_request(&p, topics, lang));
    let req = match req {
        Ok(ok) => ok,
        Err(AppError::BadRequest { message, field }) => {
            // The form comes back with what was typed and the message next to the field.
            let typed = Params::parse(raw_query.as_deref(), lang)
                .ok()
                .and_then(|p| p.get("q").map(|q| q.chars().take(2_000).collect::<String>()))
                .unwrap_or_default();
            let body = html! {
                h1 { (lang.t("Cerca tra le guide", "Search the guides")) }
                (search_form(lang, &typed, Some((field.as_deref().unwrap_or("q"), message.as_str()))))
            };
            let markup = page(
                Page { lang, title: lang.t("Richiesta non valida", "Invalid request"), here: &here, auth: Some(&auth) },
                body,
            );
            let mut response = (axum::http::StatusCode::BAD_REQUEST, markup).into_response();
            response.extensions_mut().insert(Rendered);
            return Ok(response);
        }
        Err(e) => return Err(e),
    };
    let results = state.search_guides(&req, lang)?;
    // Signed in, a search also looks among the Regions' practices and questions.
    let searching = !req.q.is_empty() || req.has_filters();
    let kind = Params::parse(raw_query.as_deref(), lang)?
        .non_empty("type")
        .filter(|t| matches!(*t, "practice" | "question"))
        .map(String::from);
    let regions = match (auth.user(), searching) {
        (Some(_), true) => {
            let per_page = if kind.is_some() { REGIONS_PER_PAGE } else { REGIONS_BESIDE_GUIDES };
            let offset = if kind.is_some() { (req.page.max(1) - 1) * per_page } else { 0 };
            let q = crate::exchange::index::ExchangeQuery::for_request(&req, kind.as_deref(), per_page, offset);
            Some(state.exchange.index.search(&q).map_err(AppError::Internal)?)
        }
        _ => None,
    };
    let title = if req.q.is_empty() {
        lang.t("Cerca tra le guide", "Search the guides").to_string()
    } else {
        format!("{} «{}»", lang.t("Ricerca", "Search"), req.q)
    };
    let body = html! {
        h1 { (lang.t("Cerca tra le guide", "Search the guides")) }
        (search_form(lang, &req.q, None))
        @if req.q.is_empty() && !req.has_filters() {
            (browse_by_fund(lang, &results.facets, topics))
        } @else {
            // Results first: on a phone the filters follow them, folded; the stylesheet puts
            // them in a left column on wider screens.
            div.layout {
                section aria-labelledby="risultati" {
                    h2 #risultati .visually-hidden { (lang.t("Risultati", "Results")) }
                    @if let Some(r) = &regions { (type_choice(lang, &req, kind.as_deref(), results.total, r)) }
                    (active_filters(lang, &req, topics))
                    @match (&regions, kind.as_deref()) {
                        (Some(r), Some(k)) => (regions_list(lang, &req, k, r)),
                        (Some(r), None) => {
                            (results_list(lang, &req, &results, &auth))
                            @if !r.hits.is_empty() {
                                h2 { (lang.t("Dalle Regioni", "From the Regions")) }
                                (exchange_hits(lang, &r.hits))
                            }
                        }
                        (None, _) => (results_list(lang, &req, &results, &auth)),
                    }
                }
                (facets_sidebar(lang, &req, &results.facets, topics))
            }
        }
    };
    Ok(page(Page { lang, title: &title, here: &here, auth: Some(&auth) }, body).into_response())
}

/// Hits of the Regions' content shown under the guides, and per page when one type is chosen.
const REGIONS_BESIDE_GUIDES: usize = 3;
const REGIONS_PER_PAGE: usize = 10;

/// Where to look: guides, practices or questions, with how many of each were found.
fn type_choice(lang: Lang, req: &SearchRequest, kind: Option<&str>, guides: usize, r: &ExchangeResults) -> Markup {
    let base = format!("/cerca?{}", search_query_string(&SearchRequest { page: 1, ..req.clone() }, 1));
    let choices = [
        (None, lang.t("Guide", "Guides"), guides),
        (Some("practice"), lang.t("Esperienze delle Regioni", "Practices of the Regions"), r.practices),
        (Some("question"), lang.t("Domande alle Regioni", "Questions to the Regions"), r.questions),
    ];
    html! {
        nav.types aria-label=(lang.t("Che cosa cercare", "What to search")) {
            ul {
                @for (k, label, n) in choices {
                    @let href = match k { Some(k) => format!("{base}&type={k}"), None => base.clone() };
                    li {
                        @if k == kind { strong aria-current="true" { (label) " (" (n) ")" } }
                        @else { a href=(href) { (label) " (" (n) ")" } }
                    }
                }
            }
        }
    }
}

fn exchange_hits(lang: Lang, hits: &[ExchangeHit]) -> Markup {
    html! {
        ol.hits {
            @for h in hits {
                li {
                    h3 { a href=(h.url) { (h.title) } }
                    p.meta {
                        @if h.kind == "practice" { (lang.t("Esperienza", "Practice")) } @else { (lang.t("Domanda", "Question")) }
                        @if let Some(r) = &h.region { " · " (r) }
                        @if h.answered == Some(true) { " · " (lang.t("risolta", "solved")) }
                    }
                    p { (h.snippet) }
                }
            }
        }
    }
}

fn regions_list(lang: Lang, req: &SearchRequest, kind: &str, r: &ExchangeResults) -> Markup {
    let total = if kind == "practice" { r.practices } else { r.questions };
    let page = req.page.max(1);
    let link = |n: usize| format!("/cerca?{}&type={kind}", search_query_string(req, n));
    html! {
        @if r.hits.is_empty() {
            p.notice role="status" { (lang.t("Nessun risultato tra i contenuti delle Regioni.", "No result among the Regions' content.")) }
        } @else {
            p role="status" { (total) " " (lang.t("risultati", "results")) }
            (exchange_hits(lang, &r.hits))
            nav.pages aria-label=(lang.t("Pagine dei risultati", "Result pages")) {
                @if page > 1 { a href=(link(page - 1)) { (lang.t("← Precedenti", "← Previous")) } " " }
                @if total > page * REGIONS_PER_PAGE { a href=(link(page + 1)) { (lang.t("Successivi →", "Next →")) } }
            }
        }
    }
}

fn search_form(lang: Lang, q: &str, error: Option<(&str, &str)>) -> Markup {
    let q_error = error.filter(|(f, _)| *f == "q").map(|(_, m)| m);
    let other_error = error.filter(|(f, _)| *f != "q");
    html! {
        form.search role="search" method="get" action="/cerca" {
            div.field {
                label for="q" { (lang.t("Che cosa devi fare?", "What do you need to do?")) }
                input #q type="search" name="q" value=(q) maxlength="500"
                    aria-describedby=(if q_error.is_some() { "q-errore q-aiuto" } else { "q-aiuto" })
                    aria-invalid=[q_error.map(|_| "true")]
                    placeholder=(lang.t("es. costi unitari FSE+, art. 53, rendicontazione", "e.g. ESF+ unit costs, art. 53, reporting"));
                @if let Some(m) = q_error { p #q-errore .field-error role="alert" { (m) } }
                p #q-aiuto .hint {
                    (lang.t("Puoi scrivere in italiano o in inglese, usare sigle (FSE+, AdG, OSC) e riferimenti come \"art. 53\". Le virgolette cercano la frase esatta.",
                            "Type in Italian or English, use acronyms (ESF+, MA, SCO) and references like \"art. 53\". Quotes search for the exact phrase."))
                }
            }
            button type="submit" { (lang.t("Cerca", "Search")) }
        }
        @if let Some((field, m)) = other_error {
            p.notice.error role="alert" { strong { (field) ": " } (m) }
        }
    }
}

fn browse_by_fund(lang: Lang, facets: &Facets, topics: &Topics) -> Markup {
    html! {
        section aria-labelledby="per-fondo" {
            h2 #per-fondo { (lang.t("Sfoglia per fondo", "Browse by fund")) }
            ul.cards {
                @for f in Fund::ALL {
                    li {
                        h3 { a href=(format!("/cerca?fund={}", enc(f.as_str()))) { (fund_label(lang, f)) } }
                        p.count { (facets.fund.get(f.as_str()).copied().unwrap_or(0)) " " (lang.t("guide", "guides")) }
                        p { (fund_blurb(lang, f)) }
                    }
                }
            }
        }
        section aria-labelledby="per-fase" {
            h2 #per-fase { (lang.t("Sfoglia per fase", "Browse by phase")) }
            ul.badges {
                @for p in Phase::ALL {
                    li { a.badge href=(format!("/cerca?phase={}", p.as_str())) {
                        (p.label(lang)) " " span.count { "(" (facets.phase.get(p.as_str()).copied().unwrap_or(0)) ")" }
                    } }
                }
            }
        }
        section aria-labelledby="per-tema" {
            h2 #per-tema { (lang.t("Sfoglia per tema", "Browse by topic")) }
            ul.badges {
                @for t in topics.all() {
                    @if let Some(n) = facets.topic.get(&t.slug) {
                        li { a.badge href=(format!("/cerca?topic={}", t.slug)) {
                            (t.label(lang)) " " span.count { "(" (n) ")" }
                        } }
                    }
                }
            }
        }
    }
}

fn fund_blurb(lang: Lang, f: Fund) -> &'static str {
    match f {
        Fund::FsePlus => lang.t(
            "Formazione e competenze digitali del personale sanitario, accesso ai servizi sanitari.",
            "Training and digital skills for health staff, access to health services.",
        ),
        Fund::Fesr => lang.t(
            "Infrastrutture e servizi digitali per la sanità, attrezzature e piattaforme.",
            "Digital infrastructure and services for health, equipment and platforms.",
        ),
        Fund::Jtf => lang.t(
            "Riqualificazione nei territori della transizione giusta: Taranto e Sulcis Iglesiente.",
            "Reskilling in the just transition territories: Taranto and Sulcis Iglesiente.",
        ),
    }
}

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// The search with one filter set (or cleared), back on page 1.
fn with_filter(req: &SearchRequest, set: impl FnOnce(&mut SearchRequest)) -> String {
    let mut r = req.clone();
    set(&mut r);
    format!("/cerca?{}", search_query_string(&r, 1))
}

fn facets_sidebar(lang: Lang, req: &SearchRequest, facets: &Facets, topics: &Topics) -> Markup {
    let fund_links: Vec<(String, String, u64, bool)> = Fund::ALL
        .iter()
        .filter_map(|f| facets.fund.get(f.as_str()).map(|n| (*f, *n)))
        .map(|(f, n)| {
            let active = req.fund == Some(f);
            let url = with_filter(req, |r| r.fund = if active { None } else { Some(f) });
            (fund_label(lang, f), url, n, active)
        })
        .collect();
    let phase_links: Vec<_> = Phase::ALL
        .iter()
        .filter_map(|p| facets.phase.get(p.as_str()).map(|n| (*p, *n)))
        .map(|(p, n)| {
            let active = req.phase == Some(p);
            let url = with_filter(req, |r| r.phase = if active { None } else { Some(p) });
            (p.label(lang).to_string(), url, n, active)
        })
        .collect();
    let lang_links: Vec<_> = Lang::ALL
        .iter()
        .filter_map(|l| facets.lang.get(l.code()).map(|n| (*l, *n)))
        .map(|(l, n)| {
            let active = req.lang == Some(l);
            let url = with_filter(req, |r| r.lang = if active { None } else { Some(l) });
            (l.name().to_string(), url, n, active)
        })
        .collect();
    let mut topic_links: Vec<_> = facets
        .topic
        .iter()
        .map(|(slug, n)| {
            let active = req.topic.as_deref() == Some(slug.as_str());
            let url = with_filter(req, |r| r.topic = if active { None } else { Some(slug.clone()) });
            (topics.label(slug, lang).to_string(), url, *n, active)
        })
        .collect();
    topic_links.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    html! {
        aside.facets aria-label=(lang.t("Restringi i risultati", "Narrow the results")) {
            details open[req.has_filters()] {
                summary { (lang.t("Filtri", "Filters")) }
                (facet_group(lang, lang.t("Fondo", "Fund"), &fund_links))
                (facet_group(lang, lang.t("Fase", "Phase"), &phase_links))
                (facet_group(lang, lang.t("Lingua", "Language"), &lang_links))
                (facet_group(lang, lang.t("Tema", "Topic"), &topic_links))
            }
        }
    }
}

fn facet_group(lang: Lang, title: &str, links: &[(String, String, u64, bool)]) -> Markup {
    html! {
        @if !links.is_empty() {
            h2 { (title) }
            ul {
                @for (label, url, n, active) in links {
                    li class=[active.then_some("active")] {
                        a href=(url) aria-current=[active.then_some("true")] {
                            (label) " " span.count { "(" (n) ")" }
                            @if *active { span.visually-hidden { " — " (lang.t("filtro attivo, scegli per toglierlo", "active filter, choose to remove")) } }
                        }
                    }
                }
            }
        }
    }
}

fn active_filters(lang: Lang, req: &SearchRequest, topics: &Topics) -> Markup {
    let mut chips: Vec<(String, String)> = Vec::new();
    if let Some(f) = req.fund {
        chips.push((fund_label(lang, f), with_filter(req, |r| r.fund = None)));
    }
    if let Some(p) = req.phase {
        chips.push((p.label(lang).to_string(), with_filter(req, |r| r.phase = None)));
    }
    if let Some(l) = req.lang {
        chips.push((l.name().to_string(), with_filter(req, |r| r.lang = None)));
    }
    if let Some(t) = &req.topic {
        chips.push((topics.label(t, lang).to_string(), with_filter(req, |r| r.topic = None)));
    }
    html! {
        @if !chips.is_empty() {
            p {
                (lang.t("Filtri attivi: ", "Active filters: "))
                @for (label, url) in &chips {
                    a.badge href=(url) { (label) " ✕" span.visually-hidden { (lang.t(" (rimuovi)", " (remove)")) } } " "
                }
            }
        }
    }
}

/// What to do when no guide answers: ask a mentor (officers) or the other Regions (everyone
/// signed in), with the question filled in, or sign in to do so.
fn next_step(lang: Lang, req: &SearchRequest, auth: &Auth) -> Markup {
    let officer = auth.user().is_some_and(|u| u.role == crate::accounts::Role::Officer);
    let ask = format!("/mentorship/richieste/nuova?descrizione={}", enc(&req.q));
    let ask_regions = format!("/scambio/domande/nuova?testo={}", enc(&req.q));
    html! {
        @if officer {
            p { a.button href=(ask) { (lang.t("Chiedi a un mentor", "Ask a mentor")) } " "
                (lang.t("— la richiesta parte già con la tua domanda.", "— the request starts with your question.")) }
        }
        @if auth.user().is_some() {
            p { a.button href=(ask_regions) { (lang.t("Chiedi alle altre Regioni", "Ask the other Regions")) } " "
                (lang.t("— una domanda a funzionari, mentor e coordinatori, con il tuo testo.", "— a question to officers, mentors and coordinators, with your text.")) }
        } @else {
            p { a href=(format!("/accedi?torna={}", enc(&ask))) { (lang.t("Accedi", "Sign in")) }
                (lang.t(" per chiedere a un mentor esperto di fondi.", " to ask a mentor who has managed the funds.")) }
        }
    }
}

fn results_list(lang: Lang, req: &SearchRequest, results: &SearchResults, auth: &Auth) -> Markup {
    let start = (results.page - 1) * results.per_page + 1;
    let marked = |url: &str| match url.split_once('#') {
        Some((page, anchor)) => format!("{page}?evidenzia={}&passo={anchor}#{anchor}", enc(&req.q)),
        None => url.to_string(),
    };
    html! {
        @if let Some(fixed) = &results.corrected_query {
            p.notice {
                (lang.t("Risultati anche per ", "Also showing results for "))
                a href=(with_filter(req, |r| r.q = fixed.clone())) { strong { (fixed) } }
            }
        }
        @if !results.ignored.is_empty() {
            p.notice role="note" {
                (lang.t("Non applicato: ", "Not applied: "))
                @for (i, x) in results.ignored.iter().enumerate() { @if i > 0 { ", " } code { (x) } }
                (lang.t(". Si usano le virgolette per una frase, il meno per escludere una parola, OR tra due alternative, l'asterisco in fondo a una parola.",
                        ". Use quotes for a phrase, a minus to leave a word out, OR between alternatives, an asterisk at the end of a word."))
            }
        }
        @if !results.answered && results.total > 0 && !results.nothing_to_search {
            div.notice role="note" {
                p { strong { (lang.t("Nessuna guida risponde davvero a questa domanda.", "No guide really answers this question.")) }
                    " " (lang.t("Qui sotto trovi le più vicine.", "The closest ones are below.")) }
                (next_step(lang, req, auth))
            }
        } @else if results.relaxed && results.total > 0 {
            p.notice role="note" {
                (lang.t("Nessuna guida contiene abbastanza parole della ricerca: ecco quelle che ne contengono almeno una.",
                        "No guide contains enough of the words you searched for: these contain at least one."))
            }
        }
        @if results.nothing_to_search {
            (empty_state(lang, req, lang.t(
                "La ricerca contiene solo segni o operatori: scrivi almeno una parola.",
                "The search holds only symbols or operators: type at least one word.")))
        } @else if results.total == 0 {
            (empty_state(lang, req, ""))
            @if !req.q.is_empty() { (next_step(lang, req, auth)) }
        } @else if results.hits.is_empty() {
            p.notice role="status" {
                (lang.t("Questa pagina non esiste: i risultati sono ", "This page does not exist: there are "))
                (results.total) (lang.t(" in tutto.", " results in all."))
                " " a href=(with_filter(req, |_| {})) { (lang.t("Vai alla prima pagina", "Go to the first page")) }
            }
        } @else {
            p role="status" {
                @if results.total == 1 { (lang.t("1 guida trovata", "1 guide found")) }
                @else { (results.total) " " (lang.t("guide trovate", "guides found")) }
                @if results.pages() > 1 {
                    " — " (lang.t("risultati", "results")) " " (start) "–" (start + results.hits.len() - 1)
                }
            }
            ol.hits start=(start) {
                @for h in &results.hits {
                    li lang=(h.lang.code()) {
                        h3 { a href=(h.url) { (h.title) } }
                        ul.badges {
                            @for f in &h.funds { li.badge.fund { (fund_label(lang, *f)) } }
                            li.badge { (h.phase.label(lang)) }
                            li.badge { (h.lang.code().to_uppercase()) }
                        }
                        @if let Some(p) = &h.passage {
                            p.passage { a href=(marked(&p.url)) { (p.heading) } }
                        }
                        p { (raw(&h.snippet)) }
                        @for t in &h.translations {
                            p.translation { a href=(t.url) hreflang=(t.lang.code()) lang=(t.lang.code()) {
                                (t.lang.t("Anche in italiano", "Also in English"))
                            } }
                        }
                    }
                }
            }
            (pagination(lang, req, results))
        }
    }
}

fn empty_state(lang: Lang, req: &SearchRequest, reason: &str) -> Markup {
    html! {
        div.notice role="status" {
            h3 { (lang.t("Nessun risultato", "No results"))
                 @if !req.q.is_empty() { " " (lang.t("per", "for")) " «" (req.q) "»" } }
            @if !reason.is_empty() { p { (reason) } }
            p { (lang.t("Prova così:", "Try this:")) }
            ul {
                li { (lang.t("controlla l'ortografia o usa meno parole;", "check the spelling or use fewer words;")) }
                li { (lang.t("usa la sigla o il nome per esteso (FSE+ oppure Fondo sociale europeo Plus, OSC oppure opzioni semplificate);",
                             "use the acronym or the full name (ESF+ or European Social Fund Plus, SCO or simplified cost options);")) }
                li { (lang.t("cerca un articolo come \"art. 53\" o un regolamento come \"2021/1060\";",
                             "search for an article like \"art. 53\" or a regulation like \"2021/1060\";")) }
                @if req.has_filters() {
                    li { a href=(format!("/cerca?{}", search_query_string(&SearchRequest { q: req.q.clone(), per_page: req.per_page, ..Default::default() }, 1))) {
                        (lang.t("togli i filtri", "remove the filters")) } }
                }
                li { (lang.t("oppure sfoglia per fondo: ", "or browse by fund: "))
                    @for (i, f) in Fund::ALL.iter().enumerate() {
                        @if i > 0 { ", " }
                        a href=(format!("/cerca?fund={}", enc(f.as_str()))) { (fund_label(lang, *f)) }
                    }
                }
            }
        }
    }
}

fn pagination(lang: Lang, req: &SearchRequest, results: &SearchResults) -> Markup {
    let pages = results.pages();
    let current = results.page;
    let link = |p: usize| format!("/cerca?{}", search_query_string(req, p));
    // First, last and two either side of the current page.
    let shown: Vec<usize> = (1..=pages).filter(|&p| p == 1 || p == pages || p.abs_diff(current) <= 2).collect();
    html! {
        @if pages > 1 {
            nav.pages aria-label=(lang.t("Pagine dei risultati", "Result pages")) {
                ul {
                    @if current > 1 { li { a href=(link(current - 1)) rel="prev" { "‹ " (lang.t("Precedente", "Previous")) } } }
                    @for (i, p) in shown.iter().enumerate() {
                        @if i > 0 && shown[i - 1] + 1 != *p { li { span aria-hidden="true" { "…" } } }
                        @if *p == current {
                            li { span aria-current="page" { span.visually-hidden { (lang.t("Pagina ", "Page ")) } (p) } }
                        } @else {
                            li { a href=(link(*p)) { span.visually-hidden { (lang.t("Pagina ", "Page ")) } (p) } }
                        }
                    }
                    @if current < pages { li { a href=(link(current + 1)) rel="next" { (lang.t("Successiva", "Next")) " ›" } } }
                }
            }
        }
    }
}
