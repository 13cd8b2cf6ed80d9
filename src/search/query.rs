//! From what an officer types to a tantivy query: synonym groups, typo correction,
//! legal references, quoted phrases and filters. Nothing here fails on odd input:
//! operators and punctuation that carry no words simply produce no clauses.

use std::collections::HashMap;

use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::{Facet, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Searcher, Term};

use super::analyzers::{self, tokens, Tok, OPERATORS};
use super::highlight::Highlighter;
use super::index::Fields;
use super::legal;
use crate::guides::Synonyms;
use crate::i18n::Lang;

/// Every ranking weight in one place.
pub mod weights {
    pub const TITLE: f32 = 3.0;
    pub const HEADING: f32 = 1.5;
    pub const BODY: f32 = 1.0;
    /// The word exactly as typed (unstemmed) also appears: a small bonus over a stem match.
    pub const EXACT: f32 = 0.5;
    pub const TITLE_PHRASE: f32 = 2.0;
    /// A word reached by typo correction counts less than one typed right.
    pub const CORRECTED: f32 = 0.6;
    /// A legal reference typed by the user matching one a guide cites.
    pub const ARTICLE: f32 = 4.0;
    pub const REGULATION: f32 = 1.5;
    /// A reference in the text rather than in the legal basis.
    pub const MENTIONED: f32 = 0.25;
    /// How many corrections a misspelt word may expand to.
    pub const MAX_CORRECTIONS: usize = 3;
}

/// A typed word replaced by words the corpus has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    pub typed: String,
    pub to: Vec<String>,
}

/// What the query builder understood, for results pages and logs.
#[derive(Debug, Default)]
pub struct Understood {
    pub corrections: Vec<Correction>,
    /// The query with each misspelt word replaced by its best correction.
    pub corrected_query: Option<String>,
    /// Synonym groups the query touched (their first term), for "also searched".
    pub expanded: Vec<String>,
    /// Legal keywords recognised (`art53`, `2021/1060`).
    pub legal: Vec<String>,
    /// Whether the query had anything to search for at all.
    pub has_terms: bool,
    /// The words snippets mark.
    pub highlight: Highlighter,
    /// How many independent things the query asks for (words, synonym groups, references).
    pub concepts: usize,
}

/// The synonym table prepared for matching on plain tokens.
pub struct SynonymTable {
    /// Every term of every group, as plain tokens, with its group.
    terms: Vec<(Vec<String>, usize)>,
    /// First token → indexes into `terms`, longest first.
    by_first: HashMap<String, Vec<usize>>,
    groups: Vec<Vec<String>>,
}

impl SynonymTable {
    pub fn new(synonyms: &Synonyms) -> SynonymTable {
        let mut plain = analyzers::plain();
        let mut terms = Vec::new();
        for (g, group) in synonyms.groups.iter().enumerate() {
            for term in group {
                let toks: Vec<String> = tokens(&mut plain, term).into_iter().map(|t| t.text).collect();
                if !toks.is_empty() {
                    terms.push((toks, g));
                }
            }
        }
        let mut by_first: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, (toks, _)) in terms.iter().enumerate() {
            by_first.entry(toks[0].clone()).or_default().push(i);
        }
        for list in by_first.values_mut() {
            list.sort_by_key(|&i| std::cmp::Reverse(terms[i].0.len()));
        }
        SynonymTable { terms, by_first, groups: synonyms.groups.clone() }
    }

    /// The longest term starting at `toks[0]`: (group, tokens used).
    fn longest_match(&self, toks: &[Tok]) -> Option<(usize, usize)> {
        let candidates = self.by_first.get(&toks[0].text)?;
        candidates.iter().find_map(|&i| {
            let (term, group) = &self.terms[i];
            let fits = term.len() <= toks.len() && term.iter().zip(toks).all(|(a, b)| *a == b.text);
            fits.then_some((*group, term.len()))
        })
    }

    fn group_terms(&self, group: usize) -> impl Iterator<Item = &Vec<String>> {
        self.terms.iter().filter(move |(_, g)| *g == group).map(|(t, _)| t)
    }
}

/// Analyzers used to turn query words into the terms of each field.
pub struct Analyzers {
    pub plain: TextAnalyzer,
    pub it: TextAnalyzer,
    pub en: TextAnalyzer,
}

impl Analyzers {
    pub fn new() -> Analyzers {
        Analyzers { plain: analyzers::plain(), it: analyzers::italian(), en: analyzers::english() }
    }

    fn stem(&mut self, lang: Lang, word: &str) -> Option<String> {
        let a = match lang {
            Lang::It => &mut self.it,
            Lang::En => &mut self.en,
        };
        tokens(a, word).into_iter().next().map(|t| t.text)
    }
}

impl Default for Analyzers {
    fn default() -> Self {
        Self::new()
    }
}

pub struct Filters<'a> {
    pub fund: Option<&'a str>,
    pub phase: Option<&'a str>,
    pub lang: Option<&'a str>,
    pub topic: Option<&'a str>,
}

impl Filters<'_> {
    fn clauses(&self, f: &Fields) -> Vec<(Occur, Box<dyn Query>)> {
        [("fund", self.fund), ("phase", self.phase), ("lang", self.lang), ("topic", self.topic)]
            .into_iter()
            .filter_map(|(name, value)| value.map(|v| (name, v)))
            .map(|(name, value)| {
                let term = Term::from_facet(f.facets, &Facet::from_path([name, value]));
                (Occur::Must, Box::new(TermQuery::new(term, IndexRecordOption::Basic)) as Box<dyn Query>)
            })
            .collect()
    }
}

fn term_q(field: tantivy::schema::Field, text: &str, boost: f32) -> Box<dyn Query> {
    let q = TermQuery::new(Term::from_field_text(field, text), IndexRecordOption::WithFreqs);
    Box::new(BoostQuery::new(Box::new(q), boost))
}

fn phrase_q(field: tantivy::schema::Field, words: &[String], boost: f32) -> Box<dyn Query> {
    let terms = words.iter().map(|w| Term::from_field_text(field, w)).collect();
    Box::new(BoostQuery::new(Box::new(PhraseQuery::new(terms)), boost))
}

fn any_of(clauses: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(clauses.into_iter().map(|q| (Occur::Should, q)).collect()))
}

/// Clauses for one plain word across every field, scaled by `scale`; the word and its
/// stems are also what snippets mark.
fn word_clauses(f: &Fields, an: &mut Analyzers, h: &mut Highlighter, word: &str, scale: f32) -> Vec<Box<dyn Query>> {
    use weights::*;
    let mut out = Vec::with_capacity(8);
    h.add_word(word);
    for lang in Lang::ALL {
        if let Some(stem) = an.stem(lang, word) {
            h.add_stem(&stem);
            out.push(term_q(f.title(lang), &stem, TITLE * scale));
            out.push(term_q(f.head(lang), &stem, HEADING * scale));
            out.push(term_q(f.body(lang), &stem, BODY * scale));
        }
    }
    out.push(term_q(f.plain, word, EXACT * scale));
    out
}

/// Words of the corpus within edit distance of a word the corpus lacks, best first.
fn corrections(searcher: &Searcher, f: &Fields, word: &str) -> Vec<String> {
    let len = word.chars().count();
    if len < 4 || word.chars().any(|c| c.is_ascii_digit()) {
        return Vec::new();
    }
    let distance = if len <= 7 { 1 } else { 2 };
    let fuzzy = FuzzyTermQuery::new(Term::from_field_text(f.plain, word), distance, true);
    let Ok(automaton) = fuzzy.automaton() else {
        return Vec::new();
    };
    let mut found: HashMap<String, u64> = HashMap::new();
    for segment in searcher.segment_readers() {
        let Ok(inverted) = segment.inverted_index(f.plain) else {
            continue;
        };
        let Ok(mut stream) = inverted.terms().search(&automaton).into_stream() else {
            continue;
        };
        while stream.advance() {
            if let Ok(term) = std::str::from_utf8(stream.key()) {
                *found.entry(term.to_string()).or_default() += u64::from(stream.value().doc_freq);
            }
        }
    }
    let mut ranked: Vec<(usize, std::cmp::Reverse<u64>, String)> =
        found.into_iter().map(|(t, df)| (edit_distance(word, &t), std::cmp::Reverse(df), t)).collect();
    ranked.sort();
    ranked.into_iter().take(weights::MAX_CORRECTIONS).map(|(_, _, t)| t).collect()
}

/// Optimal string alignment distance (a swap of two neighbours costs one).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

/// Splits `"..."` phrases from the rest of the query. An unmatched quote is plain text.
fn split_phrases(q: &str) -> (Vec<String>, String) {
    let mut phrases = Vec::new();
    let mut rest = String::with_capacity(q.len());
    let mut parts = q.split('"').peekable();
    let mut inside = false;
    let quote_count = q.matches('"').count();
    let usable = quote_count - quote_count % 2;
    let mut seen = 0;
    while let Some(part) = parts.next() {
        if inside {
            phrases.push(part.to_string());
        } else {
            rest.push_str(part);
            rest.push(' ');
        }
        if parts.peek().is_some() {
            seen += 1;
            inside = seen <= usable && !inside;
        }
    }
    (phrases, rest)
}

/// Reads `q` with `filters` into a [`Plan`]: one clause per concept (word, synonym group,
/// legal reference) plus the required phrases and filters.
pub fn build(
    searcher: &Searcher,
    f: &Fields,
    syn: &SynonymTable,
    an: &mut Analyzers,
    q: &str,
    filters: &Filters,
) -> (Plan, Understood) {
    let mut understood = Understood::default();
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = filters.clauses(f);

    let (phrases, rest) = split_phrases(q);
    for phrase in phrases {
        let words: Vec<String> = tokens(&mut an.plain, &phrase).into_iter().map(|t| t.text).collect();
        understood.has_terms |= !words.is_empty();
        words.iter().for_each(|w| understood.highlight.add_word(w));
        match words.len() {
            0 => {}
            1 => clauses.push((Occur::Must, term_q(f.plain, &words[0], weights::EXACT))),
            _ => {
                clauses.push((Occur::Must, phrase_q(f.plain, &words, weights::BODY)));
                clauses.push((Occur::Should, phrase_q(f.title_plain, &words, weights::TITLE_PHRASE)));
            }
        }
    }

    // Article references are searched as such and their words removed from the text.
    let mut text = rest.clone();
    let refs = legal::extract(&rest);
    for r in refs.iter().filter(|r| r.is_article) {
        text.replace_range(r.span.clone(), &" ".repeat(r.span.len()));
    }
    for r in &refs {
        let boost = if r.is_article { weights::ARTICLE } else { weights::REGULATION };
        let cited = vec![term_q(f.legal_basis, &r.key, boost), term_q(f.legal, &r.key, boost * weights::MENTIONED)];
        clauses.push((Occur::Should, any_of(cited)));
        understood.legal.push(r.key.clone());
        if let Some(number) = r.key.strip_prefix("art") {
            understood.highlight.add_word(number);
        }
        understood.has_terms = true;
    }

    let toks: Vec<Tok> = tokens(&mut an.plain, &text);
    let mut corrected_words: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if let Some((group, used)) = syn.longest_match(&toks[i..]) {
            let mut alternatives = Vec::new();
            for term in syn.group_terms(group) {
                if term.len() == 1 {
                    alternatives.extend(word_clauses(f, an, &mut understood.highlight, &term[0], 1.0));
                } else {
                    term.iter().for_each(|w| understood.highlight.add_word(w));
                    alternatives.push(phrase_q(f.plain, term, weights::BODY * 2.0));
                    alternatives.push(phrase_q(f.title_plain, term, weights::TITLE_PHRASE));
                }
            }
            clauses.push((Occur::Should, any_of(alternatives)));
            understood.expanded.push(syn.groups[group][0].clone());
            understood.has_terms = true;
            i += used;
            continue;
        }
        let word = &toks[i].text;
        let raw = &text[toks[i].from..toks[i].to];
        i += 1;
        let is_operator = OPERATORS.contains(&word.as_str()) && raw.chars().all(|c| c.is_uppercase());
        if is_operator || analyzers::is_stop_word(word) {
            continue;
        }
        understood.has_terms = true;
        let known = searcher.doc_freq(&Term::from_field_text(f.plain, word)).unwrap_or(0) > 0;
        if known {
            clauses.push((Occur::Should, any_of(word_clauses(f, an, &mut understood.highlight, word, 1.0))));
            continue;
        }
        let fixes = corrections(searcher, f, word);
        if fixes.is_empty() {
            // Still searched: the word may be a stem of something the corpus has.
            clauses.push((Occur::Should, any_of(word_clauses(f, an, &mut understood.highlight, word, 1.0))));
            continue;
        }
        let mut alternatives = Vec::new();
        for fix in &fixes {
            alternatives.extend(word_clauses(f, an, &mut understood.highlight, fix, weights::CORRECTED));
        }
        clauses.push((Occur::Should, any_of(alternatives)));
        corrected_words.push((toks[i - 1].from..toks[i - 1].to, fixes[0].clone()));
        understood.corrections.push(Correction { typed: raw.to_string(), to: fixes });
    }

    if !corrected_words.is_empty() {
        let mut fixed = text.clone();
        for (span, word) in corrected_words.iter().rev() {
            fixed.replace_range(span.clone(), word);
        }
        understood.corrected_query = Some(fixed.split_whitespace().collect::<Vec<_>>().join(" "));
    }

    let concepts = clauses.iter().filter(|(o, _)| *o == Occur::Should).count();
    understood.concepts = concepts;
    (Plan { clauses, concepts, has_terms: understood.has_terms }, understood)
}

/// The clauses of a query, from which the strict and the relaxed query are made.
pub struct Plan {
    clauses: Vec<(Occur, Box<dyn Query>)>,
    concepts: usize,
    has_terms: bool,
}

impl Plan {
    /// Whether a relaxed query could find more than the strict one.
    pub fn can_relax(&self) -> bool {
        self.has_terms && required_concepts(self.concepts) > 1
    }

    pub fn query(&self, strictness: Strictness) -> Box<dyn Query> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = self.clauses.iter().map(|(o, q)| (*o, q.box_clone())).collect();
        if self.concepts == 0 && !clauses.iter().any(|(o, _)| *o == Occur::Must) {
            return Box::new(tantivy::query::AllQuery);
        }
        if self.concepts == 0 || !self.has_terms {
            // Filters only: every guide that passes them.
            clauses.push((Occur::Should, Box::new(tantivy::query::AllQuery)));
            return Box::new(BooleanQuery::new(clauses));
        }
        let required = match strictness {
            Strictness::Strict => required_concepts(self.concepts),
            Strictness::Relaxed => 1,
        };
        Box::new(BooleanQuery::with_minimum_required_clauses(clauses, required))
    }
}

/// How many of the query's concepts a guide must match to be a result: all of them for
/// one or two, then all but one in three.
pub fn required_concepts(concepts: usize) -> usize {
    if concepts <= 2 {
        concepts
    } else {
        concepts - concepts / 3
    }
}

/// A strict query first; when it finds nothing, a relaxed one where any concept will do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strictness {
    Strict,
    Relaxed,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_are_split_and_odd_quotes_ignored() {
        let (p, rest) = split_phrases("costi \"spese non ammissibili\" FSE+");
        assert_eq!(p, ["spese non ammissibili"]);
        assert!(rest.contains("costi") && rest.contains("FSE+"));
        let (p, _) = split_phrases("\"");
        assert!(p.is_empty());
        let (p, rest) = split_phrases("a \"b\" \"c");
        assert_eq!(p, ["b"]);
        assert!(rest.contains('c'));
    }

    #[test]
    fn edit_distance_counts_swaps_once() {
        assert_eq!(edit_distance("rendicontazone", "rendicontazione"), 1);
        assert_eq!(edit_distance("avvsio", "avviso"), 1);
        assert_eq!(edit_distance("abc", "abc"), 0);
    }
}
