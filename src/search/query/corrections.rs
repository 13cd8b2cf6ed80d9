//! Corrections for words the guides lack: the closest words they have, by edit distance.

use std::collections::HashMap;

use tantivy::query::FuzzyTermQuery;
use tantivy::schema::Field;
use tantivy::{Searcher, Term};

use super::{weights, Analyzers};
use crate::i18n::Lang;
use crate::search::analyzers::tokens;
use crate::search::index::Fields;

/// Words of the guides within edit distance of a word they lack, best first.
pub(super) fn corrections(searcher: &Searcher, f: &Fields, word: &str) -> Vec<String> {
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
    let Some(best) = ranked.first() else {
        return Vec::new();
    };
    // Only the closest words; among them, those at least half as frequent as the best.
    let (best_distance, best_df) = (best.0, (best.1).0);
    ranked
        .into_iter()
        .filter(|(d, df, _)| *d == best_distance && df.0 * 2 >= best_df)
        .take(weights::MAX_CORRECTIONS)
        .map(|(_, _, t)| t)
        .collect()
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

/// Whether the guides have `word` (as typed, or by its stem in either language).
pub(super) fn in_corpus(searcher: &Searcher, f: &Fields, an: &mut Analyzers, word: &str) -> bool {
    let df = |field: Field, text: &str| searcher.doc_freq(&Term::from_field_text(field, text)).unwrap_or(0);
    if df(f.plain, word) > 0 {
        return true;
    }
    Lang::ALL.into_iter().any(|lang| {
        let stem = tokens(an.stemmer(lang), word).into_iter().next().map(|t| t.text);
        stem.is_some_and(|s| df(f.lang(lang).body, &s) > 0 || df(f.lang(lang).title, &s) > 0)
    })
}
