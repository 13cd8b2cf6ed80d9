//! One guide's page, and what its readers can say about it: whether it was useful, and
//! what is wrong in it (`feedback`).

use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup, PreEscaped};

use super::auth::Auth;
use super::kit::fund_text as fund_label;
use super::layout::{date, page, Page};
use super::params::Params;
use crate::app::AppState;
use crate::guides::model::INTRO_ANCHOR;
use crate::guides::render::{markdown_to_html, markdown_to_html_marked};
use crate::guides::{Corpus, Guide};
use crate::i18n::Lang;
use crate::search::highlight::Highlighter;
use crate::web::error::{AppError, AppResult};

mod feedback;

pub use feedback::*;

pub async fn guide(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    headers: HeaderMap,
    id: Result<Path<String>, axum::extract::rejection::PathRejection>,
    RawQuery(raw_query): RawQuery,
) -> AppResult<Response> {
    let corpus = state.search.corpus();
    let id = id.map(|Path(id)| id).unwrap_or_default();
    if let Some(new) = corpus.successor(&id) {
        // The guide was merged into another: old links and bookmarks lead there for good.
        return Ok(super::moved_permanently(&format!("/guide/{new}")));
    }
    let guide = corpus.get(&id).ok_or_else(|| {
        AppError::NotFound(format!("{} \"{id}\"", lang.t("Nessuna guida con identificativo", "No guide with id")))
    })?;
    let here = guide.url();
    // Coming from a search: the searched words are marked in the part that answered.
    let params = Params::parse(raw_query.as_deref(), lang)?;
    let target = match (params.non_empty("evidenzia"), params.non_empty("passo")) {
        (Some(q), Some(anchor)) if q.chars().count() <= crate::search::MAX_QUERY_CHARS => {
            Some((anchor.to_string(), state.search.highlighter(q)))
        }
        _ => None,
    };
    let notice = if params.non_empty("grazie").is_some() {
        Some(lang.t("Grazie: la tua risposta è stata registrata.", "Thank you: your answer was recorded."))
    } else if params.non_empty("segnalato").is_some() {
        Some(lang.t(
            "Grazie: la segnalazione è arrivata al coordinamento, che ti scriverà quando l'avrà gestita.",
            "Thank you: the report has reached the coordinators, who will write to you once they have handled it.",
        ))
    } else {
        None
    };
    let readers = Readers::of(&state, &auth, &headers, guide, notice, None).await?;
    let regions = crate::web::exchange::practices::for_guide(&state, &auth, guide, lang).await?;
    let body = html! {
        (guide_body(lang, guide, corpus, target.as_ref().map(|(a, h)| (a.as_str(), h))))
        (regions)
        (readers.render(lang, &auth, guide))
    };
    Ok(page(Page { lang, title: &guide.title, here: &here, auth: Some(&auth) }, body).into_response())
}

/// Markdown of one part of a guide as HTML, with the searched words marked when it is the target.
fn part_html(md: &str, anchor: &str, target: Option<(&str, &Highlighter)>) -> PreEscaped<String> {
    match target {
        Some((a, h)) if a == anchor => {
            let mark = |t: &str| h.mark(t);
            PreEscaped(markdown_to_html_marked(md, Some(&mark)))
        }
        _ => PreEscaped(markdown_to_html(md)),
    }
}

fn guide_body(lang: Lang, g: &Guide, corpus: &Corpus, target: Option<(&str, &Highlighter)>) -> Markup {
    let is_target = |anchor: &str| target.is_some_and(|(a, _)| a == anchor);
    let today = chrono::Local::now().date_naive();
    let translation = corpus.translation(g);
    let text = g.text();
    html! {
        article lang=(g.lang.code()) {
            nav aria-label=(lang.t("Percorso", "Breadcrumb")) {
                a href="/cerca" { (lang.t("Guide", "Guides")) } " › " (g.phase.label(lang))
            }
            h1 { (g.title) }
            ul.badges aria-label=(lang.t("Fondi e fase", "Funds and phase")) {
                @for f in &g.funds { li.badge.fund { (fund_label(lang, *f)) } }
                li.badge { (g.phase.label(lang)) }
                li.badge { (g.lang.name()) }
            }
            @if let Some(t) = translation {
                p { a href=(t.url()) hreflang=(t.lang.code()) lang=(t.lang.code()) {
                    (t.lang.t("Leggi questa guida in italiano", "Read this guide in English"))
                } }
            }
            @if Corpus::is_stale(g, today) {
                p.notice.warn role="note" {
                    (lang.t("Questa guida è stata rivista più di 18 mesi fa: verifica le norme citate.",
                            "This guide was last reviewed more than 18 months ago: check the rules it cites."))
                }
            }
            @if let Some(a) = &g.audience {
                p.hint { strong { (lang.t("Per chi: ", "For: ")) } (a) }
            }
            @if let Some(updated) = g.updated {
                section.notice aria-labelledby="modifiche" {
                    h2 #modifiche {
                        (lang.t("Aggiornato il ", "Updated on ")) time datetime=(updated.to_string()) { (date(updated)) }
                        (lang.t(" — cosa è cambiato", " — what changed"))
                    }
                    ul { @for c in &g.changes { li { (c) } } }
                }
            }
            div #introduzione class=[is_target(INTRO_ANCHOR).then_some("target")] {
                (part_html(&text.intro, INTRO_ANCHOR, target))
            }
            @if !g.questions.is_empty() {
                section aria-labelledby="risponde-a" {
                    h2 #risponde-a { (g.lang.t("Risponde a", "Answers")) }
                    ul.questions { @for q in &g.questions { li { (q) } } }
                }
            }
            h2 #passi { (lang.t("Passi", "Steps")) }
            ol.steps aria-labelledby="passi" {
                @for (s, body) in g.steps.iter().zip(&text.steps) {
                    @let anchor = s.anchor();
                    li id=(anchor) class=[is_target(&anchor).then_some("target")] {
                        h3 { (s.title) }
                        (part_html(body, &anchor, target))
                    }
                }
            }
            @for (i, (s, body)) in g.sections.iter().zip(&text.sections).enumerate() {
                @let anchor = s.anchor(g.lang, i);
                section id=(anchor) class=[is_target(&anchor).then_some("target")] {
                    h2 { (s.title) }
                    (part_html(body, &anchor, target))
                }
            }
            h2 { (lang.t("Riferimenti", "References")) }
            dl.meta {
                dt { (lang.t("Base giuridica", "Legal basis")) }
                dd { ul { @for l in &g.legal_basis { li { (l) } } } }
                dt { (lang.t("Fonti", "Sources")) }
                dd { ul { @for s in &g.sources { li { a href=(s) rel="noopener" { (s) } } } } }
                dt { (lang.t("Temi", "Topics")) }
                dd {
                    ul.badges {
                        @for t in &g.topics {
                            li { a.badge href=(format!("/cerca?topic={t}")) { (corpus.topics.label(t, lang)) } }
                        }
                    }
                }
                dt { (lang.t("Ultima revisione", "Last reviewed")) }
                dd { time datetime=(g.reviewed.to_string()) { (date(g.reviewed)) } }
                @if !g.checked_against.is_empty() {
                    dt { (lang.t("Fatti verificati su", "Facts checked against")) }
                    dd { ul { @for c in &g.checked_against { li { (c) } } } }
                }
            }
        }
    }
}
