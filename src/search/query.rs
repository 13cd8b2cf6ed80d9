//! From what an officer types to *concepts*: one per thing the query asks for (a word, an
//! acronym with its expansions, a legal reference, a quoted phrase, a prefix, an OR group),
//! each a tantivy query over every field with its weight. Ranking (`rank.rs`) scores guides
//! by how much of the query's meaning they cover, so concepts are kept apart here.
//!
//! Nothing here fails on odd input: words that carry no content (question and modal words
//! of both languages) and operators with nothing to act on simply produce no concept.

use tantivy::query::{BooleanQuery, BoostQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Searcher, Term};

use super::analyzers::{self, tokens, Tok};
use super::highlight::Highlighter;
use super::index::Fields;
use super::syntax::{self, Item, Mode};
use super::{legal, words};
use crate::i18n::Lang;

mod corrections;
mod synonyms;
pub use corrections::edit_distance;
use corrections::{corrections, in_corpus};
pub use synonyms::SynonymTable;

/// Every ranking weight in one place.
pub mod weights {
    pub const TITLE: f32 = 3.0;
    pub const QUESTIONS: f32 = 2.0;
    pub const HEADING: f32 = 1.5;
    pub const BODY: f32 = 1.0;
    /// Topic labels and audience.
    pub const META: f32 = 0.5;
    /// A word reached by typo correction counts less than one typed right.
    pub const CORRECTED: f32 = 0.6;
    /// A broader term of an acronym (`FSE` reaching `FSE+`) counts less than its own terms.
    pub const BROADER: f32 = 0.5;
    /// A legal reference typed by the user matching one a guide cites in its legal basis.
    pub const ARTICLE: f32 = 4.0;
    pub const REGULATION: f32 = 1.5;
    /// A reference in the text rather than in the legal basis counts this much of one there.
    pub const MENTIONED: f32 = 0.25;
    /// How many words a misspelt word may be corrected to.
    pub const MAX_CORRECTIONS: usize = 2;
    /// How many words a prefix (`fse*`) expands to, the most frequent first.
    pub const MAX_PREFIX_TERMS: usize = 16;
    /// Two neighbouring words of the query found close together in a guide.
    pub const PAIR: f32 = 1.0;
    /// How far apart (in words) the two may be.
    pub const PAIR_SLOP: u32 = 2;
    /// A word in more than one document in this many is common: a pair of two common words
    /// is not searched.
    pub const COMMON_SHARE: u64 = 10;
    /// A single word of a multi-word term typed (as "registro" of "registro d'aula").
    pub const PART_OF_TERM: f32 = 0.4;
}

/// Most concepts of meaning a query is read into; words beyond are reported as ignored.
pub const MAX_CONCEPTS: usize = 40;
/// Most concepts in all, bonuses included (ranking keeps them in a 64-bit set).
pub const MAX_ALL_CONCEPTS: usize = 64;

/// A typed word replaced by words the guides have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    pub typed: String,
    pub to: Vec<String>,
}

/// One thing the query asks for.
pub struct Concept {
    /// What was typed, for logs and tests.
    pub label: String,
    pub mode: Mode,
    pub query: Box<dyn Query>,
    pub role: Role,
    /// Words of meaning typed for it: a term of several words ("programma nazionale equità
    /// nella salute") weighs as much in what the query asks as its words would apart.
    pub words: usize,
}

/// What a concept stands for in ranking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Part of the query's meaning: a guide covers it or not.
    Meaning,
    /// Two neighbouring words of the query close together: a bonus to the score.
    Pair,
    /// The single words of a multi-word term typed: a bonus to the score.
    PartOfTerm,
}

/// What the query builder understood, for results pages, logs and ranking.
#[derive(Default)]
pub struct Understood {
    pub concepts: Vec<Concept>,
    pub corrections: Vec<Correction>,
    /// The query with each misspelt word replaced by its best correction.
    pub corrected_query: Option<String>,
    /// Synonym groups the query touched (their first term), for "also searched".
    pub expanded: Vec<String>,
    /// Legal keywords recognised (`art53`, `2021/1060`).
    pub legal: Vec<String>,
    /// Operators or words typed but not applied.
    pub ignored: Vec<String>,
    /// The words snippets mark.
    pub highlight: Highlighter,
    /// Words of the query, lower-cased, in order (for telling its language).
    pub words: Vec<String>,
}

impl Understood {
    pub fn has_terms(&self) -> bool {
        !self.concepts.is_empty()
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

    fn stemmer(&mut self, lang: Lang) -> &mut TextAnalyzer {
        match lang {
            Lang::It => &mut self.it,
            Lang::En => &mut self.en,
        }
    }
}

impl Default for Analyzers {
    fn default() -> Self {
        Self::new()
    }
}

impl Clone for Analyzers {
    fn clone(&self) -> Self {
        Analyzers { plain: self.plain.clone(), it: self.it.clone(), en: self.en.clone() }
    }
}

fn boosted(q: Box<dyn Query>, boost: f32) -> Box<dyn Query> {
    if (boost - 1.0).abs() < f32::EPSILON {
        q
    } else {
        Box::new(BoostQuery::new(q, boost))
    }
}

fn term_q(field: Field, text: &str, boost: f32) -> Box<dyn Query> {
    boosted(Box::new(TermQuery::new(Term::from_field_text(field, text), IndexRecordOption::WithFreqs)), boost)
}

/// A phrase of analysed tokens, keeping the gaps stop words left.
fn phrase_q(field: Field, toks: &[Tok], boost: f32) -> Option<Box<dyn Query>> {
    match toks {
        [] => None,
        [one] => Some(term_q(field, &one.text, boost)),
        _ => {
            let first = toks[0].position;
            let terms = toks.iter().map(|t| (t.position - first, Term::from_field_text(field, &t.text))).collect();
            Some(boosted(Box::new(PhraseQuery::new_with_offset(terms)), boost))
        }
    }
}

/// The clauses of one concept, each (field, terms) once: "avviso" and "avvisi" stem alike,
/// and a term scored twice would cost twice and count double.
#[derive(Default)]
struct ClauseSet {
    seen: Vec<(Field, Vec<String>)>,
    queries: Vec<Box<dyn Query>>,
    /// Whether a single word already stands for the concept (an acronym for its expansion).
    has_word: bool,
}

impl ClauseSet {
    fn phrase(&mut self, field: Field, toks: &[Tok], boost: f32) {
        let key = (field, toks.iter().map(|t| t.text.clone()).collect::<Vec<_>>());
        if key.1.is_empty() || self.seen.contains(&key) {
            return;
        }
        self.queries.extend(phrase_q(field, toks, boost));
        self.seen.push(key);
    }

    fn push(&mut self, q: Box<dyn Query>) {
        self.queries.push(q);
    }

    fn into_vec(self) -> Vec<Box<dyn Query>> {
        self.queries
    }
}

fn any_of(clauses: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    if clauses.len() == 1 {
        return clauses.into_iter().next().expect("one clause");
    }
    Box::new(BooleanQuery::new(clauses.into_iter().map(|q| (Occur::Should, q)).collect()))
}

/// Builds the concepts of one query.
pub struct Builder<'a> {
    pub searcher: &'a Searcher,
    pub fields: &'a Fields,
    pub synonyms: &'a SynonymTable,
    pub analyzers: Analyzers,
}

/// A concept under construction: its clauses and label.
struct Draft {
    label: String,
    clauses: Vec<Box<dyn Query>>,
    /// The word, for a concept that is one word typed as such.
    word: Option<String>,
    role: Role,
    /// Words of meaning typed for it.
    words: usize,
}

impl Draft {
    fn new(label: String, clauses: Vec<Box<dyn Query>>) -> Draft {
        Draft { label, clauses, word: None, role: Role::Meaning, words: 1 }
    }
}

impl Builder<'_> {
    pub fn build(mut self, q: &str) -> Understood {
        let mut u = Understood::default();
        let parsed = syntax::parse(q);
        u.ignored = parsed.ignored;
        for clause in parsed.clauses {
            let highlight = clause.mode != Mode::MustNot;
            let mut drafts = Vec::new();
            for item in &clause.alternatives {
                drafts.extend(self.item(item, &mut u, highlight));
            }
            if drafts.is_empty() {
                continue;
            }
            if clause.alternatives.len() > 1 || clause.mode == Mode::MustNot {
                // OR, or an exclusion: one concept whatever the words inside.
                let label = drafts.iter().map(|d| d.label.as_str()).collect::<Vec<_>>().join(" | ");
                let clauses = drafts.into_iter().filter(|d| d.role == Role::Meaning).flat_map(|d| d.clauses).collect();
                self.push(&mut u, Draft::new(label, clauses), clause.mode);
            } else {
                for d in drafts {
                    self.push(&mut u, d, clause.mode);
                }
            }
        }
        u
    }

    fn push(&self, u: &mut Understood, d: Draft, mode: Mode) {
        if u.concepts.len() >= MAX_ALL_CONCEPTS {
            if d.role == Role::Meaning {
                u.ignored.push(d.label);
            }
            return;
        }
        if d.role == Role::Meaning && u.concepts.iter().filter(|c| c.role == Role::Meaning).count() >= MAX_CONCEPTS {
            u.ignored.push(d.label);
            return;
        }
        u.concepts.push(Concept { label: d.label, mode, query: any_of(d.clauses), role: d.role, words: d.words });
    }

    fn item(&mut self, item: &Item, u: &mut Understood, highlight: bool) -> Vec<Draft> {
        let mut scratch = Highlighter::default();
        let h = if highlight { &mut u.highlight } else { &mut scratch };
        match item {
            Item::Phrase(p) => {
                // The exact words, anywhere in a guide.
                let toks = tokens(&mut self.analyzers.plain, p);
                toks.iter().for_each(|t| h.add_word(&t.text));
                u.words.extend(toks.iter().map(|t| t.text.clone()));
                let mut clauses: Vec<Box<dyn Query>> = Vec::new();
                clauses.extend(phrase_q(self.fields.plain, &toks, weights::BODY));
                if clauses.is_empty() {
                    return Vec::new();
                }
                vec![Draft::new(format!("\"{p}\""), clauses)]
            }
            Item::Prefix(p) => self.prefix(p, h).into_iter().collect(),
            Item::Text(t) => {
                let mut scratch_u = Understood::default();
                let target = if highlight { &mut *u } else { &mut scratch_u };
                let drafts = self.text(t, target);
                if !highlight {
                    u.words.extend(scratch_u.words);
                }
                drafts
            }
        }
    }

    fn prefix(&mut self, p: &str, h: &mut Highlighter) -> Option<Draft> {
        let stem = tokens(&mut self.analyzers.plain, p).into_iter().next()?.text;
        let mut found: Vec<(u64, String)> = Vec::new();
        for segment in self.searcher.segment_readers() {
            let Ok(inverted) = segment.inverted_index(self.fields.plain) else { continue };
            let Ok(mut stream) = inverted.terms().range().ge(stem.as_bytes()).into_stream() else { continue };
            while stream.advance() {
                let Ok(term) = std::str::from_utf8(stream.key()) else { continue };
                if !term.starts_with(&stem) {
                    break;
                }
                match found.iter_mut().find(|(_, t)| t == term) {
                    Some((df, _)) => *df += u64::from(stream.value().doc_freq),
                    None => found.push((u64::from(stream.value().doc_freq), term.to_string())),
                }
            }
        }
        found.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        let mut set = ClauseSet::default();
        for (_, term) in found.iter().take(weights::MAX_PREFIX_TERMS) {
            self.clauses(&mut set, h, term, 1.0);
        }
        h.add_stem(&stem);
        if set.queries.is_empty() {
            // Nothing starts so: the concept stays, matching nothing, so the query says so.
            set.push(term_q(self.fields.plain, &stem, 1.0));
        }
        Some(Draft::new(format!("{p}*"), set.into_vec()))
    }

    /// Ordinary words: legal references, acronyms and their expansions, then single words.
    fn text(&mut self, text: &str, u: &mut Understood) -> Vec<Draft> {
        let mut drafts = Vec::new();
        // Article references are searched as such and their words removed from the text.
        let mut rest = text.to_string();
        let refs = legal::extract(text);
        for r in refs.iter().filter(|r| r.is_article) {
            rest.replace_range(r.span.clone(), &" ".repeat(r.span.len()));
        }
        for r in &refs {
            let boost = if r.is_article { weights::ARTICLE } else { weights::REGULATION };
            let cited = vec![
                term_q(self.fields.legal_basis, &r.key, boost),
                term_q(self.fields.legal, &r.key, boost * weights::MENTIONED),
            ];
            if !u.legal.contains(&r.key) {
                u.legal.push(r.key.clone());
                if let Some(number) = r.key.strip_prefix("art") {
                    u.highlight.add_word(number);
                }
                drafts.push(Draft::new(text[r.span.clone()].to_string(), cited));
            }
        }

        let mut toks: Vec<Tok> = tokens(&mut self.analyzers.plain, &rest);
        u.words.extend(toks.iter().map(|t| t.text.clone()));
        // A `+` after an acronym never changes the fund: `FESR+` is FESR, unless the
        // guides or the synonyms know the word with its `+` (FSE+).
        for t in toks.iter_mut() {
            let typed_plus = rest[t.from..t.to].ends_with('+');
            if typed_plus && !self.synonyms.knows(&t.text) && !self.known(&t.text) {
                if let Some(base) = t.text.strip_suffix("plus") {
                    if self.synonyms.knows(base) || self.known(base) {
                        t.text = base.to_string();
                    }
                }
            }
        }
        let texts: Vec<String> = toks.iter().map(|t| t.text.clone()).collect();

        let mut corrected_words: Vec<(std::ops::Range<usize>, String)> = Vec::new();
        let mut i = 0;
        while i < toks.len() {
            if let Some((group, used)) = self.synonyms.longest_match(&texts[i..]) {
                let info = &self.synonyms.groups[group];
                let meant_otherwise = info.not_with.iter().any(|w| contains_seq(&texts, w));
                if !meant_otherwise && u.expanded.contains(&info.label) {
                    // The same acronym or term again ("1.720 ore" after "tariffa oraria"):
                    // already asked for.
                    i += used;
                    continue;
                }
                if !meant_otherwise {
                    let mut set = ClauseSet::default();
                    // Single words first: an acronym can then stand for its common-word expansions.
                    let mut terms: Vec<&Vec<String>> = self.synonyms.group_terms(group).collect();
                    terms.sort_by_key(|t| t.len());
                    let terms: Vec<String> = terms.into_iter().map(|t| t.join(" ")).collect();
                    for term in &terms {
                        self.clauses(&mut set, &mut u.highlight, term, 1.0);
                    }
                    if let Some((broader, _)) = &info.broader {
                        let broader: Vec<String> = self.synonyms.group_terms(*broader).map(|t| t.join(" ")).collect();
                        for term in &broader {
                            self.clauses(&mut set, &mut u.highlight, term, weights::BROADER);
                        }
                    }
                    u.expanded.push(info.label.clone());
                    let label = rest[toks[i].from..toks[i + used - 1].to].to_string();
                    let words = texts[i..i + used].iter().filter(|w| !analyzers::is_query_stop(w)).count().max(1);
                    drafts.push(Draft { words, ..Draft::new(label.clone(), set.into_vec()) });
                    if used > 1 {
                        // A guide may use the words apart ("registri" for "registro d'aula").
                        let mut parts = ClauseSet::default();
                        for w in texts[i..i + used].iter().filter(|w| !analyzers::is_query_stop(w)) {
                            self.clauses(&mut parts, &mut u.highlight, w, weights::PART_OF_TERM);
                        }
                        if !parts.queries.is_empty() {
                            drafts.push(Draft { role: Role::PartOfTerm, ..Draft::new(label, parts.into_vec()) });
                        }
                    }
                    i += used;
                    continue;
                }
            }
            let word = texts[i].clone();
            let raw = rest[toks[i].from..toks[i].to].to_string();
            let span = toks[i].from..toks[i].to;
            i += 1;
            if analyzers::is_query_stop(&word) || is_percent_word(&texts[..i]) {
                continue;
            }
            if word.chars().all(|c| c.is_ascii_digit()) && word.len() < 3 && !is_percentage(&rest[span.end..]) {
                // A bare small number ("2", "15") says nothing without its unit; a
                // percentage ("25%", "20 per cento") does.
                continue;
            }
            let known = self.known(&word);
            if !known {
                // The same word with a consonant doubled or made single ("forfetario",
                // "forfettario"): Italian spells some words both ways, and typists miss doubles.
                // Never a word that is not searched ("sonno" is not "sono").
                let variant =
                    consonant_variants(&word).into_iter().find(|v| !analyzers::is_query_stop(v) && self.known(v));
                if let Some(variant) = variant {
                    let mut set = ClauseSet::default();
                    self.clauses(&mut set, &mut u.highlight, &word, 1.0);
                    self.clauses(&mut set, &mut u.highlight, &variant, 1.0);
                    u.expanded.push(variant.clone());
                    drafts.push(Draft { word: Some(variant), ..Draft::new(raw, set.into_vec()) });
                    continue;
                }
            }
            if known || words::is_real_word(&raw) {
                // A real word the guides lack stays as it is: it tells the search that
                // part of the question is not covered.
                let clauses = self.clauses_of(&mut u.highlight, &word, 1.0);
                drafts.push(Draft { word: Some(word), ..Draft::new(raw, clauses) });
                continue;
            }
            let fixes = corrections(self.searcher, self.fields, &word);
            if fixes.is_empty() {
                let clauses = self.clauses_of(&mut u.highlight, &word, 1.0);
                drafts.push(Draft { word: Some(word), ..Draft::new(raw, clauses) });
                continue;
            }
            let mut set = ClauseSet::default();
            for fix in &fixes {
                self.clauses(&mut set, &mut u.highlight, fix, weights::CORRECTED);
            }
            let clauses = set.into_vec();
            corrected_words.push((span, fixes[0].clone()));
            drafts.push(Draft { word: Some(fixes[0].clone()), ..Draft::new(raw.clone(), clauses) });
            u.corrections.push(Correction { typed: raw, to: fixes });
        }
        // Neighbouring words found close together in a guide say more than each alone.
        let pairs: Vec<Draft> = drafts
            .windows(2)
            .filter_map(|w| match (&w[0].word, &w[1].word) {
                (Some(a), Some(b)) => {
                    self.pair(a, b).map(|clauses| Draft { role: Role::Pair, ..Draft::new(format!("{a} {b}"), clauses) })
                }
                _ => None,
            })
            .collect();
        drafts.extend(pairs);
        if !corrected_words.is_empty() {
            let mut fixed = rest.clone();
            for (span, word) in corrected_words.iter().rev() {
                fixed.replace_range(span.clone(), word);
            }
            let fixed = fixed.split_whitespace().collect::<Vec<_>>().join(" ");
            u.corrected_query = Some(match u.corrected_query.take() {
                Some(before) => format!("{before} {fixed}"),
                None => fixed,
            });
        }
        drafts
    }

    /// Clauses for a word or a multi-word term across every field, scaled by `scale`; its
    /// words and stems are also what snippets mark. A multi-word term is a phrase in titles
    /// and questions, and in the running text unless it is made of common words and
    /// a single word already stands for the concept: a phrase reads positions, which costs.
    fn clauses(&mut self, set: &mut ClauseSet, h: &mut Highlighter, text: &str, scale: f32) {
        use weights::*;
        for t in tokens(&mut self.analyzers.plain, text) {
            h.add_word(&t.text);
        }
        for lang in Lang::ALL {
            let toks = tokens(self.analyzers.stemmer(lang), text);
            for t in &toks {
                h.add_stem(&t.text);
            }
            let lf = self.fields.lang(lang);
            if toks.len() > 1 {
                // Once a single word stands for the concept, an expansion made only of
                // common words would read positions in most documents to add little.
                let docs = self.searcher.num_docs().max(1);
                let common = toks.iter().all(|t| {
                    self.searcher.doc_freq(&Term::from_field_text(lf.body, &t.text)).unwrap_or(0) * COMMON_SHARE > docs
                });
                if !(set.has_word && common) {
                    set.phrase(lf.body, &toks, BODY * scale);
                }
                // Titles and questions are short: their positions cost little.
                for (field, w) in [(lf.title, TITLE), (lf.questions, QUESTIONS)] {
                    set.phrase(field, &toks, w * scale);
                }
                continue;
            }
            set.has_word |= toks.len() == 1;
            for (field, w) in
                [(lf.title, TITLE), (lf.questions, QUESTIONS), (lf.heading, HEADING), (lf.body, BODY), (lf.meta, META)]
            {
                set.phrase(field, &toks, w * scale);
            }
        }
    }

    /// The clauses of one word or term, alone.
    fn clauses_of(&mut self, h: &mut Highlighter, text: &str, scale: f32) -> Vec<Box<dyn Query>> {
        let mut set = ClauseSet::default();
        self.clauses(&mut set, h, text, scale);
        set.into_vec()
    }

    /// Clauses for two words within a few words of each other, in either language's text.
    /// Two words that are each in a large share of the text say little together, and reading
    /// their positions everywhere costs: such a pair is left out.
    fn pair(&mut self, a: &str, b: &str) -> Option<Vec<Box<dyn Query>>> {
        let mut out: Vec<Box<dyn Query>> = Vec::new();
        let docs = self.searcher.num_docs().max(1);
        for lang in Lang::ALL {
            let stem = |an: &mut Analyzers, w: &str| tokens(an.stemmer(lang), w).into_iter().next().map(|t| t.text);
            let (Some(sa), Some(sb)) = (stem(&mut self.analyzers, a), stem(&mut self.analyzers, b)) else { continue };
            let body = self.fields.lang(lang).body;
            let common = |s: &str| {
                self.searcher.doc_freq(&Term::from_field_text(body, s)).unwrap_or(0) * weights::COMMON_SHARE > docs
            };
            if common(&sa) && common(&sb) {
                continue;
            }
            // In the text of steps and introductions, where explanations are.
            let terms = vec![(0, Term::from_field_text(body, &sa)), (1, Term::from_field_text(body, &sb))];
            out.push(boosted(
                Box::new(PhraseQuery::new_with_offset_and_slop(terms, weights::PAIR_SLOP)),
                weights::PAIR,
            ));
        }
        (!out.is_empty()).then_some(out)
    }

    fn known(&mut self, word: &str) -> bool {
        in_corpus(self.searcher, self.fields, &mut self.analyzers, word)
    }
}

/// Whether `seq` occurs as consecutive tokens in `toks`.
fn contains_seq(toks: &[String], seq: &[String]) -> bool {
    !seq.is_empty() && toks.windows(seq.len()).any(|w| w == seq)
}

/// Whether the text right after a number makes it a percentage: `%`, "per cento", "percent".
fn is_percentage(after: &str) -> bool {
    let after = after.trim_start().to_lowercase();
    after.starts_with('%') || after.starts_with("per cento") || after.starts_with("percent")
}

/// `word` with one double consonant made single, or one single consonant between letters
/// doubled, each once; words shorter than five letters have too many neighbours to vary.
fn consonant_variants(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    if chars.len() < 5 || !chars.iter().all(|c| c.is_ascii_lowercase()) {
        return Vec::new();
    }
    let consonant = |c: char| !matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'h' | 'y' | 'w' | 'x' | 'j');
    let mut out = Vec::new();
    for i in 1..chars.len() - 1 {
        let c = chars[i];
        if !consonant(c) {
            continue;
        }
        if chars[i + 1] == c {
            out.push(chars[..i].iter().chain(&chars[i + 1..]).collect());
        } else if chars[i - 1] != c {
            out.push(chars[..=i].iter().chain(&chars[i..]).collect());
        }
    }
    out
}

/// Whether the last of `words` is "cento" or "percent(o)" after a number ("15 per cento"):
/// the number carries the percentage; the word would be a concept no guide writes out.
fn is_percent_word(words: &[String]) -> bool {
    let Some((last, before)) = words.split_last() else { return false };
    if !matches!(last.as_str(), "cento" | "percento" | "percent") {
        return false;
    }
    let before = match before.split_last() {
        Some((per, earlier)) if per == "per" => earlier,
        _ => before,
    };
    before.last().is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_with_its_percent_sign_or_words_is_a_percentage() {
        for after in ["%", " %: cosa serve", " per cento", " percent of staff costs"] {
            assert!(is_percentage(after), "{after:?}");
        }
        for after in ["", " giorni", " persone", " per il personale"] {
            assert!(!is_percentage(after), "{after:?}");
        }
    }

    #[test]
    fn consonants_are_doubled_or_made_single_once() {
        let v = consonant_variants("forfetario");
        assert!(v.contains(&"forfettario".to_string()), "{v:?}");
        assert!(!v.contains(&"fforfetario".to_string()));
        assert!(consonant_variants("pubblico").contains(&"publico".to_string()));
        assert!(consonant_variants("costo").contains(&"cossto".to_string()));
        assert!(consonant_variants("fse").is_empty());
        assert!(consonant_variants("città").is_empty());
    }

    #[test]
    fn the_word_for_per_cent_after_a_number_is_not_a_concept() {
        let words = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
        assert!(is_percent_word(&words("costi 15 per cento")));
        assert!(is_percent_word(&words("20 percento")));
        assert!(is_percent_word(&words("40 percent")));
        assert!(!is_percent_word(&words("cento")));
        assert!(!is_percent_word(&words("per cento")));
        assert!(!is_percent_word(&words("costi percento")));
        assert!(!is_percent_word(&words("15 per costi")));
    }

    #[test]
    fn edit_distance_counts_swaps_once() {
        assert_eq!(edit_distance("rendicontazone", "rendicontazione"), 1);
        assert_eq!(edit_distance("avvsio", "avviso"), 1);
        assert_eq!(edit_distance("abc", "abc"), 0);
    }

    #[test]
    fn sequences_are_found_whole() {
        let toks: Vec<String> = ["il", "fascicolo", "sanitario", "elettronico"].iter().map(|s| s.to_string()).collect();
        assert!(contains_seq(&toks, &["sanitario".into(), "elettronico".into()]));
        assert!(!contains_seq(&toks, &["elettronico".into(), "sanitario".into()]));
    }
}
