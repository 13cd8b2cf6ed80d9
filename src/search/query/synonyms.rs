//! The synonym groups of `guides/synonyms.toml`, prepared for matching a query's plain
//! tokens: the longest term at each position, the group's other terms, broader terms and
//! the words that rule a group out.

use std::collections::HashMap;

use tantivy::tokenizer::TextAnalyzer;

use crate::guides::Synonyms;
use crate::search::analyzers::{self, tokens};

struct Term1 {
    toks: Vec<String>,
    group: usize,
}

/// The synonym table prepared for matching on plain tokens.
pub struct SynonymTable {
    terms: Vec<Term1>,
    /// First token → indexes into `terms`, longest first.
    by_first: HashMap<String, Vec<usize>>,
    pub(super) groups: Vec<GroupInfo>,
}

pub(super) struct GroupInfo {
    pub(super) label: String,
    /// The group a broader term belongs to, and that term's tokens.
    pub(super) broader: Option<(usize, Vec<String>)>,
    pub(super) not_with: Vec<Vec<String>>,
}

impl SynonymTable {
    pub fn new(synonyms: &Synonyms) -> SynonymTable {
        let mut plain = analyzers::plain();
        let toks = |plain: &mut TextAnalyzer, s: &str| -> Vec<String> {
            tokens(plain, s).into_iter().map(|t| t.text).collect()
        };
        let mut terms = Vec::new();
        for (g, group) in synonyms.groups.iter().enumerate() {
            for term in &group.terms {
                let t = toks(&mut plain, term);
                if !t.is_empty() {
                    terms.push(Term1 { toks: t, group: g });
                }
            }
        }
        let mut by_first: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, t) in terms.iter().enumerate() {
            by_first.entry(t.toks[0].clone()).or_default().push(i);
        }
        for list in by_first.values_mut() {
            list.sort_by_key(|&i| std::cmp::Reverse(terms[i].toks.len()));
        }
        let groups = synonyms
            .groups
            .iter()
            .map(|g| {
                let broader = g.broader.as_ref().and_then(|b| {
                    let bt = toks(&mut plain, b);
                    terms.iter().find(|t| t.toks == bt).map(|t| (t.group, bt))
                });
                GroupInfo {
                    label: g.terms[0].clone(),
                    broader,
                    not_with: g.not_with.iter().map(|w| toks(&mut plain, w)).filter(|t| !t.is_empty()).collect(),
                }
            })
            .collect();
        SynonymTable { terms, by_first, groups }
    }

    /// The longest term starting at `toks[0]`: (group, tokens used).
    pub(super) fn longest_match(&self, toks: &[String]) -> Option<(usize, usize)> {
        let candidates = self.by_first.get(&toks[0])?;
        candidates.iter().find_map(|&i| {
            let t = &self.terms[i];
            let fits = t.toks.len() <= toks.len() && t.toks.iter().zip(toks).all(|(a, b)| a == b);
            fits.then_some((t.group, t.toks.len()))
        })
    }

    pub(super) fn group_terms(&self, group: usize) -> impl Iterator<Item = &Vec<String>> {
        self.terms.iter().filter(move |t| t.group == group).map(|t| &t.toks)
    }

    /// Whether `word` is a term (or the first word of a term) of any group.
    pub(super) fn knows(&self, word: &str) -> bool {
        self.by_first.contains_key(word)
    }
}
