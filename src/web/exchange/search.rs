//! One search over the guides and what the Regions share (`GET /api/v1/search`). Visitors
//! find guides only; signed-in people also find published practices and visible questions,
//! which every signed-in person may open. Each list is ranked by its own index; the two are
//! merged by each hit's score relative to its list's best.

use axum::extract::{RawQuery, State};
use axum::Json;
use serde::Serialize;
use std::collections::BTreeMap;

use crate::app::AppState;
use crate::exchange::index::{ExchangeHit, ExchangeQuery};
use crate::i18n::Lang;
use crate::search::Facets;
use crate::web::auth::Auth;
use crate::web::error::{AppError, AppResult};
use crate::web::params::{search_request, Params};

/// Results merged from the two indexes are looked at up to this depth.
const DEPTH: usize = 200;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AnyHit {
    /// guide, practice or question.
    #[serde(rename = "type")]
    pub kind: String,
    /// The guide's id, or the practice's or question's number.
    pub id: String,
    pub title: String,
    /// HTML for guides (matched words in `<mark>`), plain text for the Regions' content.
    pub snippet: String,
    pub url: String,
    /// For practices and questions: the Region (code).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// For questions: whether an answer was accepted as the solution.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accepted_answer: Option<bool>,
    /// Relative to the best hit of its own kind of content (1 = the best).
    pub score: f32,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AnyFacets {
    /// Results per type (only the types the person may search).
    #[serde(rename = "type")]
    pub kind: BTreeMap<String, u64>,
    /// Guides per fund, phase, language and topic, as in the guide search.
    pub fund: BTreeMap<String, u64>,
    pub phase: BTreeMap<String, u64>,
    pub lang: BTreeMap<String, u64>,
    pub topic: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AnySearchResponse {
    pub total: usize,
    pub page: usize,
    pub per_page: usize,
    pub hits: Vec<AnyHit>,
    pub facets: AnyFacets,
    /// False when no guide really answers the query (as in the guide search).
    pub answered: bool,
}

/// What the search covers for this person and `type`.
fn wanted(p: &Params, signed_in: bool, lang: Lang) -> AppResult<(bool, Option<&'static str>, bool)> {
    match p.non_empty("type") {
        None => Ok((true, None, signed_in)),
        Some("guide") => Ok((true, None, false)),
        Some("practice") if signed_in => Ok((false, Some("practice"), true)),
        Some("question") if signed_in => Ok((false, Some("question"), true)),
        Some("practice" | "question") => Err(AppError::Forbidden(
            lang.t(
                "Le esperienze e le domande delle Regioni si cercano dopo l'accesso.",
                "Sign in to search the Regions' practices and questions.",
            )
            .into(),
        )),
        Some(t) => Err(AppError::field(
            "type",
            format!("{} \"{t}\": guide, practice, question", lang.t("tipo sconosciuto", "unknown type")),
        )),
    }
}

/// The merged search for `auth`: guides, and for the signed in the Regions' content.
pub fn run(state: &AppState, auth: &Auth, p: &Params, lang: Lang) -> AppResult<AnySearchResponse> {
    let mut req = search_request(p, &state.search.corpus().topics, lang)?;
    let (page, per_page) = (req.page.max(1), req.per_page.max(1));
    let depth = (page * per_page).min(DEPTH);
    let (guides, exchange_kind, exchange) = wanted(p, auth.user().is_some(), lang)?;
    let mut kinds = BTreeMap::new();
    let mut merged: Vec<AnyHit> = Vec::new();
    let mut answered = true;
    let mut facets = Facets::default();
    if guides {
        req.page = 1;
        req.per_page = depth;
        let r = state.search_guides(&req, lang)?;
        answered = r.answered;
        facets = r.facets;
        kinds.insert("guide".to_string(), r.total as u64);
        let best = r.hits.first().map(|h| h.score).filter(|s| *s > 0.0).unwrap_or(1.0);
        merged.extend(r.hits.into_iter().map(|h| AnyHit {
            kind: "guide".into(),
            score: h.score / best,
            id: h.id,
            title: h.title,
            snippet: h.snippet,
            url: h.url,
            region: None,
            accepted_answer: None,
        }));
    }
    if exchange {
        let q = ExchangeQuery::for_request(&req, exchange_kind, depth, 0);
        let r = state.exchange.index.search(&q).map_err(AppError::Internal)?;
        if exchange_kind != Some("question") {
            kinds.insert("practice".to_string(), r.practices as u64);
        }
        if exchange_kind != Some("practice") {
            kinds.insert("question".to_string(), r.questions as u64);
        }
        let best = r.hits.first().map(|h| h.score).filter(|s| *s > 0.0).unwrap_or(1.0);
        merged.extend(r.hits.into_iter().map(|h: ExchangeHit| AnyHit {
            kind: h.kind,
            id: h.id.to_string(),
            title: h.title,
            snippet: crate::search::escape(&h.snippet),
            url: h.url,
            region: h.region,
            accepted_answer: h.answered,
            score: h.score / best,
        }));
    }
    // Stable: on equal scores guides come first.
    merged.sort_by(|a, b| b.score.total_cmp(&a.score));
    let total = kinds.values().sum::<u64>() as usize;
    let hits = merged.into_iter().skip((page - 1) * per_page).take(per_page).collect();
    let Facets { fund, phase, lang: langs, topic } = facets;
    let facets = AnyFacets { kind: kinds, fund, phase, lang: langs, topic };
    Ok(AnySearchResponse { total, page, per_page, hits, facets, answered })
}

#[utoipa::path(
    get,
    path = "/search",
    tag = "guides",
    summary = "Search the guides and, signed in, the practices and questions of the Regions",
    description = "The guide search's parameters, plus `type`. Visitors find guides only; signed-in people also find published practices and visible questions. Each hit has `type`; practices and questions carry `region`, questions `accepted_answer`. /api/v1/guides/search keeps returning guides only.",
    params(
        ("q" = Option<String>, Query, description = "What to search for (at most 500 characters)"),
        ("type" = Option<String>, Query, description = "guide, practice or question (practice and question need signing in)"),
        ("fund" = Option<String>, Query, description = "FSE+ (or ESF+), FESR (or ERDF), JTF"),
        ("phase" = Option<crate::guides::Phase>, Query, description = "Phase of the funding cycle"),
        ("lang" = Option<crate::i18n::Lang>, Query, description = "Language of the guides"),
        ("topic" = Option<String>, Query, description = "A topic slug from guides/topics.toml"),
        ("page" = Option<u32>, Query, minimum = 1, maximum = 500, description = "Page, from 1"),
        ("per_page" = Option<u32>, Query, minimum = 1, maximum = 50, description = "Results per page, 1-50 (default 10)")
    ),
    responses(
        (status = 200, description = "Results", body = AnySearchResponse),
        (status = 400, description = "A parameter is out of range or unknown", body = crate::web::error::ErrorInfo),
        (status = 403, description = "practice or question without signing in", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn search(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    RawQuery(raw): RawQuery,
) -> AppResult<Json<AnySearchResponse>> {
    let p = Params::parse(raw.as_deref(), lang)?;
    Ok(Json(run(&state, &auth, &p, lang)?))
}
