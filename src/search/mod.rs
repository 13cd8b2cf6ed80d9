//! Guide search: one tantivy index per instance, built from the corpus it ships with.
//! The HTML pages and the JSON API both call [`SearchEngine::search`].

pub mod analyzers;
pub mod highlight;
pub mod index;
pub mod legal;
pub mod log;
pub mod query;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use tantivy::collector::{Count, FacetCollector};
use tantivy::{Index, IndexReader, Order, ReloadPolicy};

use crate::guides::{Corpus, Fund, Guide, Phase};
use crate::i18n::Lang;
use index::Fields;
use query::{Analyzers, Correction, Filters, Strictness, SynonymTable};

pub const DEFAULT_PER_PAGE: usize = 10;
pub const MAX_PER_PAGE: usize = 50;
/// Deepest page served; nobody reads page 501 of a result list, and deep offsets cost.
pub const MAX_PAGE: usize = 500;
pub const MAX_QUERY_CHARS: usize = 500;
const SNIPPET_CHARS: usize = 220;

#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub q: String,
    pub fund: Option<Fund>,
    pub phase: Option<Phase>,
    pub lang: Option<Lang>,
    pub topic: Option<String>,
    /// 1-based.
    pub page: usize,
    pub per_page: usize,
}

impl SearchRequest {
    pub fn has_filters(&self) -> bool {
        self.fund.is_some() || self.phase.is_some() || self.lang.is_some() || self.topic.is_some()
    }
}

#[derive(Debug, Clone, Serialize)]
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
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Facets {
    pub fund: BTreeMap<String, u64>,
    pub phase: BTreeMap<String, u64>,
    pub lang: BTreeMap<String, u64>,
    pub topic: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Default)]
pub struct SearchResults {
    pub total: usize,
    pub page: usize,
    pub per_page: usize,
    pub hits: Vec<Hit>,
    pub facets: Facets,
    pub corrections: Vec<Correction>,
    pub corrected_query: Option<String>,
    pub expanded: Vec<String>,
    /// The query had text but no word to search (only punctuation or operators).
    pub nothing_to_search: bool,
    /// No guide matched every word, so results match only some of them.
    pub relaxed: bool,
    pub took: Duration,
}

impl SearchResults {
    pub fn pages(&self) -> usize {
        self.total.div_ceil(self.per_page.max(1)).min(MAX_PAGE)
    }
}

/// Ranked hits (score, address), total count and facet counts of one query.
type Collected = (Vec<(f32, tantivy::DocAddress)>, usize, tantivy::collector::FacetCounts);

pub struct SearchEngine {
    corpus: Arc<Corpus>,
    reader: IndexReader,
    fields: Fields,
    synonyms: SynonymTable,
    analyzers: Analyzers,
}

/// How the index was obtained at start, for logs and benchmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexOrigin {
    Reused,
    Rebuilt,
    InMemory,
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
        let (_, fields) = index::schema();
        let schema = index.schema();
        anyhow::ensure!(schema.get_field("legal").ok() == Some(fields.legal), "index schema does not match");
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let synonyms = SynonymTable::new(&corpus.synonyms);
        Ok(SearchEngine { corpus, reader, fields, synonyms, analyzers: Analyzers::new() })
    }

    pub fn corpus(&self) -> &Arc<Corpus> {
        &self.corpus
    }

    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn search(&self, req: &SearchRequest) -> anyhow::Result<SearchResults> {
        let started = Instant::now();
        let searcher = self.reader.searcher();
        let per_page = req.per_page.clamp(1, MAX_PER_PAGE);
        let page = req.page.clamp(1, MAX_PAGE);
        let fund = req.fund.map(Fund::as_str);
        let phase = req.phase.map(Phase::as_str);
        let lang = req.lang.map(Lang::code);
        let filters = Filters { fund, phase, lang, topic: req.topic.as_deref() };
        let mut an = Analyzers {
            plain: self.analyzers.plain.clone(),
            it: self.analyzers.it.clone(),
            en: self.analyzers.en.clone(),
        };
        let q = req.q.trim();
        let (plan, understood) = query::build(&searcher, &self.fields, &self.synonyms, &mut an, q, &filters);
        let mut results = SearchResults {
            page,
            per_page,
            corrections: understood.corrections.clone(),
            corrected_query: understood.corrected_query.clone(),
            expanded: understood.expanded.clone(),
            ..Default::default()
        };
        if !q.is_empty() && !understood.has_terms {
            results.nothing_to_search = true;
            results.took = started.elapsed();
            return Ok(results);
        }

        let browsing = q.is_empty();
        let run = |query: &dyn tantivy::query::Query| -> tantivy::Result<Collected> {
            let mut facets = FacetCollector::for_field("facets");
            for name in ["/fund", "/phase", "/lang", "/topic"] {
                facets.add_facet(name);
            }
            let top = tantivy::collector::TopDocs::with_limit(per_page).and_offset((page - 1) * per_page);
            if browsing {
                let (docs, total, fc) =
                    searcher.search(query, &(top.order_by_u64_field("order", Order::Asc), Count, facets))?;
                Ok((docs.into_iter().map(|(_, a)| (0.0, a)).collect(), total, fc))
            } else {
                searcher.search(query, &(top.order_by_score(), Count, facets))
            }
        };
        let (mut addresses, mut total, mut facet_counts) = run(&*plan.query(Strictness::Strict))?;
        if total == 0 && plan.can_relax() {
            // Nothing has every word: show what has some of them, and say so.
            (addresses, total, facet_counts) = run(&*plan.query(Strictness::Relaxed))?;
            results.relaxed = total > 0;
        }
        results.total = total;
        for (name, target) in [
            ("/fund", &mut results.facets.fund),
            ("/phase", &mut results.facets.phase),
            ("/lang", &mut results.facets.lang),
            ("/topic", &mut results.facets.topic),
        ] {
            for (facet, count) in facet_counts.get(name) {
                if let Some(last) = facet.to_path().last() {
                    target.insert(last.to_string(), count);
                }
            }
        }

        let highlight = &understood.highlight;
        let mut columns: Vec<Option<tantivy::columnar::Column<u64>>> = vec![None; searcher.segment_readers().len()];
        for (score, address) in addresses {
            let seg = address.segment_ord as usize;
            if columns[seg].is_none() {
                columns[seg] = Some(searcher.segment_reader(address.segment_ord).fast_fields().u64("gidx")?);
            }
            let Some(idx) = columns[seg].as_ref().and_then(|c| c.first(address.doc_id)) else { continue };
            let Some(guide) = self.corpus.guides.get(idx as usize) else { continue };
            // Made for the few hits shown rather than kept for every guide: memory matters more.
            let body = &index::body_text(guide);
            let snippet = if browsing { None } else { highlight.snippet(body, SNIPPET_CHARS) };
            results.hits.push(hit(guide, snippet, body, score));
        }
        results.took = started.elapsed();
        Ok(results)
    }
}

fn hit(guide: &Guide, snippet: Option<String>, body: &str, score: f32) -> Hit {
    let snippet = snippet.unwrap_or_else(|| escape(&lead(body, SNIPPET_CHARS)));
    Hit {
        id: guide.id.clone(),
        title: guide.title.clone(),
        lang: guide.lang,
        funds: guide.funds.clone(),
        phase: guide.phase,
        topics: guide.topics.clone(),
        snippet,
        url: guide.url(),
        score,
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
