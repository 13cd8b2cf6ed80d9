//! Guide search: one tantivy index per instance, built from the corpus it ships with.
//! The HTML pages and the JSON API both call [`SearchEngine::search`].
//!
//! A query is read into concepts (`query`), guides are scored by how much of the query they
//! cover and by their best passages (`rank`), then a guide and its translation become one
//! result shown in the query's language, with the passage that answers and a snippet cut
//! from it. `answered` says whether any guide really answers.

pub mod analyzers;
pub mod eval;
pub mod highlight;
pub mod index;
pub mod language;
pub mod legal;
pub mod log;
pub mod query;
pub mod rank;
pub mod syntax;
pub mod words;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use tantivy::{Index, IndexReader, ReloadPolicy};

use crate::guides::{Corpus, Fund, Guide, Phase};
use crate::i18n::Lang;
use index::Fields;
use query::{Analyzers, Builder, Correction, SynonymTable};
use rank::GuideMatch;

pub const DEFAULT_PER_PAGE: usize = 10;
pub const MAX_PER_PAGE: usize = 50;
/// Deepest page served; nobody reads page 501 of a result list, and deep offsets cost.
pub const MAX_PAGE: usize = 500;
pub const MAX_QUERY_CHARS: usize = 500;
const SNIPPET_CHARS: usize = 220;

/// A query counts as answered when the best result's coverage of its meaning, plus half the
/// share of its pairs of neighbouring words that the guides have together, reaches this (set
/// on the dev half of the judged queries).
pub const ANSWER_CONFIDENCE: f32 = 0.55;
/// A guide in the query's language scores this much more than one in the other.
pub const LANG_PREFERENCE: f32 = 0.25;

#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub q: String,
    pub fund: Option<Fund>,
    pub phase: Option<Phase>,
    /// Only guides in this language (and results shown in it).
    pub lang: Option<Lang>,
    pub topic: Option<String>,
    /// 1-based.
    pub page: usize,
    pub per_page: usize,
    /// The page's language: results are shown in it when the query's words do not tell.
    pub ui_lang: Option<Lang>,
}

impl SearchRequest {
    pub fn has_filters(&self) -> bool {
        self.fund.is_some() || self.phase.is_some() || self.lang.is_some() || self.topic.is_some()
    }
}

/// The part of a guide that answers, with its own address.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Passage {
    pub heading: String,
    pub anchor: String,
    /// HTML with matched words in `<mark>`; everything else escaped.
    pub snippet: String,
    /// The guide's address with `#anchor`.
    pub url: String,
}

/// The same guide in the other language.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Translation {
    pub lang: Lang,
    pub id: String,
    pub url: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Hit {
    pub id: String,
    pub title: String,
    pub lang: Lang,
    pub funds: Vec<Fund>,
    pub phase: Phase,
    pub topics: Vec<String>,
    /// HTML with matched words in `<mark>`; everything else escaped.
    pub snippet: String,
    pub url: String,
    pub score: f32,
    /// Share of the query's meaning the guide covers (for tuning; not part of the API).
    #[serde(skip)]
    pub coverage: f32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passage: Option<Passage>,
    pub translations: Vec<Translation>,
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Facets {
    pub fund: BTreeMap<String, u64>,
    pub phase: BTreeMap<String, u64>,
    pub lang: BTreeMap<String, u64>,
    pub topic: BTreeMap<String, u64>,
}

/// Facet counts kept as numbers while counting many guides, named once at the end.
struct FacetTally {
    fund: [u64; Fund::ALL.len()],
    phase: [u64; Phase::ALL.len()],
    lang: [u64; Lang::ALL.len()],
    topic: Vec<u64>,
}

impl FacetTally {
    fn new(topics: usize) -> FacetTally {
        FacetTally { fund: [0; 3], phase: [0; 7], lang: [0; 2], topic: vec![0; topics] }
    }

    fn count(&mut self, codes: &FacetCodes) {
        for (i, n) in self.fund.iter_mut().enumerate() {
            *n += u64::from(codes.funds >> i & 1);
        }
        self.phase[codes.phase as usize] += 1;
        self.lang[codes.lang as usize] += 1;
        for &t in &codes.topics {
            self.topic[t as usize] += 1;
        }
    }

    fn named(&self, topic_slugs: &[String]) -> Facets {
        let named = |names: Vec<&str>, counts: &[u64]| -> BTreeMap<String, u64> {
            names.into_iter().zip(counts).filter(|(_, n)| **n > 0).map(|(k, n)| (k.to_string(), *n)).collect()
        };
        Facets {
            fund: named(Fund::ALL.iter().map(|f| f.as_str()).collect(), &self.fund),
            phase: named(Phase::ALL.iter().map(|p| p.as_str()).collect(), &self.phase),
            lang: named(Lang::ALL.iter().map(|l| l.code()).collect(), &self.lang),
            topic: named(topic_slugs.iter().map(String::as_str).collect(), &self.topic),
        }
    }
}

/// A guide's facet values as small numbers, made once when the engine starts.
struct FacetCodes {
    /// Bit i: `Fund::ALL[i]`.
    funds: u8,
    phase: u8,
    lang: u8,
    /// Positions in the engine's topic list.
    topics: Vec<u16>,
}

#[derive(Debug, Clone, Default)]
pub struct SearchResults {
    /// Results, a guide and its translation counting once.
    pub total: usize,
    pub page: usize,
    pub per_page: usize,
    pub hits: Vec<Hit>,
    /// Guides (not results) per fund, phase, language and topic.
    pub facets: Facets,
    pub corrections: Vec<Correction>,
    pub corrected_query: Option<String>,
    pub expanded: Vec<String>,
    /// Operators or words typed but not applied.
    pub ignored: Vec<String>,
    /// The query had text but no word to search (only punctuation or operators).
    pub nothing_to_search: bool,
    /// No guide covered enough of the query, so results match only part of it.
    pub relaxed: bool,
    /// Whether a guide really answers the query (always true when browsing).
    pub answered: bool,
    /// The language results are shown in.
    pub lang: Lang,
    /// How sure the search is that a guide answers: the first result's coverage of the
    /// query's meaning plus half the share of its neighbouring word pairs the guides have.
    pub confidence: f32,
    /// What the confidence was made from.
    pub signals: Signals,
    pub took: Duration,
}

/// Measures of how well the first result matches, for the confidence rule and its tuning.
#[derive(Debug, Clone, Copy, Default)]
pub struct Signals {
    /// Share of the query's weight the first result contains.
    pub coverage: f32,
    /// Share of it the first result's best passage contains.
    pub focus: f32,
    /// Share of the query's neighbouring word pairs some guide has together.
    pub pairs_known: f32,
    /// The second result's score over the first's.
    pub runner_up: f32,
}

/// One concept of a query as ranking weighed it.
#[derive(Debug, Clone)]
pub struct ConceptWeight {
    pub label: String,
    pub role: query::Role,
    pub mode: syntax::Mode,
    pub weight: f32,
    /// Guides that contain it.
    pub guides: u32,
}

impl SearchResults {
    pub fn pages(&self) -> usize {
        self.total.div_ceil(self.per_page.max(1)).min(MAX_PAGE)
    }
}

pub struct SearchEngine {
    corpus: Arc<Corpus>,
    reader: IndexReader,
    keys: rank::Keys,
    fields: Fields,
    synonyms: SynonymTable,
    analyzers: Analyzers,
    /// Each guide's translation, by position.
    twins: Vec<Option<usize>>,
    /// Each guide's place in the list by title, for browsing.
    title_rank: Vec<u32>,
    facet_codes: Vec<FacetCodes>,
    /// Every topic slug the guides use, in the order facet codes number them.
    topic_slugs: Vec<String>,
}

/// How the index was obtained at start, for logs and benchmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexOrigin {
    Reused,
    Rebuilt,
    InMemory,
}

/// One result before it is shown: the matched guide that ranked it and the guide shown.
struct Group {
    shown: usize,
    best: GuideMatch,
}

impl SearchEngine {
    /// Opens the index under `dir`, rebuilding it when the corpus or the schema changed
    /// (or always, with `force`).
    pub fn open(dir: &Path, corpus: Arc<Corpus>, force: bool) -> anyhow::Result<(SearchEngine, IndexOrigin)> {
        let (index, rebuilt) = index::open_or_build(dir, &corpus, force)?;
        let origin = if rebuilt { IndexOrigin::Rebuilt } else { IndexOrigin::Reused };
        Ok((Self::with_index(index, corpus)?, origin))
    }

    pub fn in_memory(corpus: Arc<Corpus>) -> anyhow::Result<SearchEngine> {
        let index = index::build_in_ram(&corpus)?;
        Self::with_index(index, corpus)
    }

    fn with_index(index: Index, corpus: Arc<Corpus>) -> anyhow::Result<SearchEngine> {
        words::warm_up();
        let (_, fields) = index::schema();
        let schema = index.schema();
        anyhow::ensure!(schema.get_field("key").ok() == Some(fields.key), "index schema does not match");
        let reader: IndexReader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let keys = rank::Keys::read(&reader.searcher())?;
        let synonyms = SynonymTable::new(&corpus.synonyms);
        let twins = corpus.guides.iter().map(|g| corpus.translation(g).and_then(|t| corpus.position(&t.id))).collect();
        let mut by_title: Vec<usize> = (0..corpus.guides.len()).collect();
        by_title.sort_by_cached_key(|&i| corpus.guides[i].title.to_lowercase());
        let mut title_rank = vec![0u32; corpus.guides.len()];
        for (rank, &g) in by_title.iter().enumerate() {
            title_rank[g] = rank as u32;
        }
        let mut topic_slugs: Vec<String> = corpus.guides.iter().flat_map(|g| g.topics.iter().cloned()).collect();
        topic_slugs.sort();
        topic_slugs.dedup();
        let facet_codes = corpus
            .guides
            .iter()
            .map(|g| FacetCodes {
                funds: Fund::ALL
                    .iter()
                    .enumerate()
                    .filter(|(_, f)| g.funds.contains(f))
                    .fold(0, |m, (i, _)| m | 1 << i),
                phase: Phase::ALL.iter().position(|p| *p == g.phase).unwrap_or(0) as u8,
                lang: Lang::ALL.iter().position(|l| *l == g.lang).unwrap_or(0) as u8,
                topics: g.topics.iter().filter_map(|t| topic_slugs.binary_search(t).ok()).map(|i| i as u16).collect(),
            })
            .collect();
        Ok(SearchEngine {
            corpus,
            reader,
            keys,
            fields,
            synonyms,
            analyzers: Analyzers::new(),
            twins,
            title_rank,
            facet_codes,
            topic_slugs,
        })
    }

    pub fn corpus(&self) -> &Arc<Corpus> {
        &self.corpus
    }

    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// The documents a complete index holds: a head and one per step or section of each guide.
    pub fn expected_docs(&self) -> u64 {
        self.corpus.guides.iter().map(|g| 1 + g.steps.len() as u64 + g.sections.len() as u64).sum()
    }

    pub fn search(&self, req: &SearchRequest) -> anyhow::Result<SearchResults> {
        let started = Instant::now();
        let searcher = self.reader.searcher();
        let per_page = req.per_page.clamp(1, MAX_PER_PAGE);
        let page = req.page.clamp(1, MAX_PAGE);
        let q = req.q.trim();
        let understood = self.understand(&searcher, q);
        let lang = req.lang.or_else(|| language::detect(&understood.words)).or(req.ui_lang).unwrap_or(Lang::It);
        let mut results = SearchResults {
            page,
            per_page,
            corrections: understood.corrections.clone(),
            corrected_query: understood.corrected_query.clone(),
            expanded: understood.expanded.clone(),
            ignored: understood.ignored.clone(),
            lang,
            answered: true,
            ..Default::default()
        };
        let guides = &self.corpus.guides;
        // Filters checked once per guide on the compact facet codes, not on the guides.
        let filter: Option<Vec<bool>> = req.has_filters().then(|| {
            let fund = req.fund.and_then(|f| Fund::ALL.iter().position(|x| *x == f));
            let phase = req.phase.and_then(|p| Phase::ALL.iter().position(|x| *x == p));
            let lang = req.lang.and_then(|l| Lang::ALL.iter().position(|x| *x == l));
            let topic = req.topic.as_ref().map(|t| self.topic_slugs.binary_search(t).map(|i| i as u16));
            self.facet_codes
                .iter()
                .map(|c| {
                    fund.is_none_or(|f| c.funds >> f & 1 == 1)
                        && phase.is_none_or(|p| c.phase as usize == p)
                        && lang.is_none_or(|l| c.lang as usize == l)
                        && topic.is_none_or(|t| t.is_ok_and(|t| c.topics.contains(&t)))
                })
                .collect()
        });
        let allowed = |g: usize| filter.as_ref().is_none_or(|f| f[g]);

        let browsing = q.is_empty();
        if !browsing && !understood.has_terms() {
            results.nothing_to_search = true;
            results.answered = false;
            results.took = started.elapsed();
            return Ok(results);
        }
        let only_exclusions = understood.concepts.iter().all(|c| c.mode == syntax::Mode::MustNot);
        let matches: Vec<GuideMatch> = if browsing {
            (0..guides.len()).filter(|&g| allowed(g)).map(|gidx| GuideMatch { gidx, ..Default::default() }).collect()
        } else {
            let ranking = rank::rank(&searcher, &self.keys, guides.len(), &understood.concepts, &allowed)?;
            results.relaxed = ranking.relaxed;
            if let Some(first) = ranking.matches.first() {
                let second = ranking.matches[1..].iter().map(|m| m.score).fold(0.0f32, f32::max);
                results.signals = Signals {
                    coverage: first.coverage,
                    focus: ranking.focus,
                    pairs_known: ranking.pairs_known,
                    runner_up: if first.score > 0.0 { second / first.score } else { 0.0 },
                };
                results.confidence = first.coverage + 0.5 * ranking.pairs_known;
            }
            results.answered = !only_exclusions && !ranking.relaxed && results.confidence >= ANSWER_CONFIDENCE;
            ranking.matches
        };
        let mut tally = FacetTally::new(self.topic_slugs.len());
        for m in &matches {
            tally.count(&self.facet_codes[m.gidx]);
        }
        results.facets = tally.named(&self.topic_slugs);

        // A guide in the query's language ranks a little higher; then a guide and its
        // translation become one result, shown in that language when it exists.
        let mut scored: Vec<GuideMatch> = matches
            .iter()
            .map(|m| {
                let bonus = if guides[m.gidx].lang == lang { 1.0 + LANG_PREFERENCE } else { 1.0 };
                GuideMatch { score: m.score * bonus, ..*m }
            })
            .collect();
        // Only the results up to the page shown need an order; the rest are counted. Twins may
        // both be among the best, so twice as many guides as results are ordered.
        let wanted = (page * per_page * 2 + 2).min(scored.len());
        if browsing || only_exclusions {
            let key = |m: &GuideMatch| self.title_rank[self.shown(m.gidx, lang, &allowed)];
            if wanted < scored.len() {
                scored.select_nth_unstable_by_key(wanted, key);
            }
            scored[..wanted].sort_unstable_by_key(key);
        } else {
            let by_score = |a: &GuideMatch, b: &GuideMatch| b.score.total_cmp(&a.score).then(a.gidx.cmp(&b.gidx));
            if wanted < scored.len() {
                scored.select_nth_unstable_by(wanted, by_score);
            }
            scored[..wanted].sort_unstable_by(by_score);
        }
        // Position of each matched guide in `matches`, to find the shown twin's own match.
        let mut position = vec![u32::MAX; guides.len()];
        for (i, m) in matches.iter().enumerate() {
            position[m.gidx] = i as u32;
        }
        let pair_of = |g: usize| self.twins[g].map_or(g, |t| t.min(g));
        let mut seen = vec![false; guides.len()];
        let mut groups: Vec<Group> = Vec::new();
        for m in &scored[..wanted] {
            if !std::mem::replace(&mut seen[pair_of(m.gidx)], true) {
                groups.push(Group { shown: self.shown(m.gidx, lang, &allowed), best: *m });
            }
        }
        let beyond = scored[wanted..].iter().filter(|m| !std::mem::replace(&mut seen[pair_of(m.gidx)], true)).count();
        results.total = groups.len() + beyond;

        let highlight = &understood.highlight;
        for g in groups.iter().skip((page - 1) * per_page).take(per_page) {
            let guide = &guides[g.shown];
            // The passage: the shown guide's own best one, else the same part of its translation.
            let own = matches.get(position[g.shown] as usize).and_then(|m| m.best_part);
            let part = own.or(g.best.best_part).map(|(p, _)| p);
            let passage = (!browsing).then(|| self.passage(guide, part.unwrap_or(0), highlight));
            let snippet = match &passage {
                Some(p) => p.snippet.clone(),
                None => escape(&lead(&index::part_text(guide, 0), SNIPPET_CHARS)),
            };
            let translations = self.twins[g.shown]
                .map(|t| &guides[t])
                .map(|t| Translation { lang: t.lang, id: t.id.clone(), url: t.url() })
                .into_iter()
                .collect();
            results.hits.push(Hit {
                id: guide.id.clone(),
                title: guide.title.clone(),
                lang: guide.lang,
                funds: guide.funds.clone(),
                phase: guide.phase,
                topics: guide.topics.clone(),
                snippet,
                url: guide.url(),
                score: g.best.score,
                coverage: g.best.coverage,
                passage,
                translations,
            });
        }
        results.took = started.elapsed();
        Ok(results)
    }

    /// The guide shown for a matched one: its translation when that is in `lang` and
    /// passes the filters, else itself.
    fn shown(&self, gidx: usize, lang: Lang, allowed: &dyn Fn(usize) -> bool) -> usize {
        match self.twins[gidx] {
            Some(t) if self.corpus.guides[gidx].lang != lang && self.corpus.guides[t].lang == lang && allowed(t) => t,
            _ => gidx,
        }
    }

    fn passage(&self, guide: &Guide, part: usize, highlight: &highlight::Highlighter) -> Passage {
        let parts = guide.parts();
        let (anchor, heading, part) = match part.checked_sub(1).and_then(|i| parts.get(i)) {
            Some((anchor, heading)) => (anchor.clone(), heading.to_string(), part),
            None => (
                crate::guides::model::INTRO_ANCHOR.to_string(),
                guide.lang.t("Introduzione", "Introduction").to_string(),
                0,
            ),
        };
        let text = index::part_text(guide, part);
        let snippet = highlight.snippet(&text, SNIPPET_CHARS).unwrap_or_else(|| escape(&lead(&text, SNIPPET_CHARS)));
        Passage { url: format!("{}#{anchor}", guide.url()), heading, anchor, snippet }
    }

    /// The query read into concepts against the index `searcher` holds.
    fn understand(&self, searcher: &tantivy::Searcher, q: &str) -> query::Understood {
        let builder =
            Builder { searcher, fields: &self.fields, synonyms: &self.synonyms, analyzers: self.analyzers.clone() };
        builder.build(q)
    }

    /// How a query was read, for tuning: each concept as typed, its role, and its weight and
    /// the number of guides that contain it.
    pub fn concepts(&self, q: &str) -> anyhow::Result<Vec<ConceptWeight>> {
        let searcher = self.reader.searcher();
        let understood = self.understand(&searcher, q.trim());
        let ranking = rank::rank(&searcher, &self.keys, self.corpus.guides.len(), &understood.concepts, &|_| true)?;
        Ok(understood
            .concepts
            .iter()
            .zip(ranking.weight.into_iter().zip(ranking.df))
            .map(|(c, (weight, guides))| ConceptWeight {
                label: c.label.clone(),
                role: c.role,
                mode: c.mode,
                weight,
                guides,
            })
            .collect())
    }

    /// The words a query marks, for highlighting them on a guide page.
    pub fn highlighter(&self, q: &str) -> highlight::Highlighter {
        let searcher = self.reader.searcher();
        self.understand(&searcher, q).highlight
    }
}

/// The start of `text`, cut at a word boundary near `max` characters.
pub fn lead(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    let cut = cut.rsplit_once(' ').map(|(a, _)| a).unwrap_or(&cut);
    format!("{cut}…")
}

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
