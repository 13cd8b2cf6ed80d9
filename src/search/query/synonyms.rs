//! The synonym groups of `guides/synonyms.toml`, prepared for matching a query's plain
//! tokens: the longest term at each position, the group's other terms, broader terms and
//! the words that rule a group out.

use std::collections::HashMap;

use tantivy::tokenizer::TextAnalyzer;

use crate::guides::Synonyms;
use crate::search::analyzers::{self, tokens};

struct Term1 {
    toks: Vec<String>,
    /// The tokens that must be typed, in order: `toks` without articles and prepositions.
    key: Vec<String>,
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
                    let key: Vec<String> = t.iter().filter(|w| !analyzers::is_linking_word(w)).cloned().collect();
                    let key = if key.is_empty() { t.clone() } else { key };
                    terms.push(Term1 { toks: t, key, group: g });
                }
            }
        }
        let mut by_first: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, t) in terms.iter().enumerate() {
            by_first.entry(t.key[0].clone()).or_default().push(i);
        }
        for list in by_first.values_mut() {
            list.sort_by_key(|&i| std::cmp::Reverse(terms[i].key.len()));
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

    /// The longest term starting at `toks[0]`: (group, tokens used). Articles and
    /// prepositions typed between a term's words, or left out, do not matter.
    pub(super) fn longest_match(&self, toks: &[String]) -> Option<(usize, usize)> {
        let candidates = self.by_first.get(&toks[0])?;
        candidates.iter().find_map(|&i| {
            let t = &self.terms[i];
            let mut used = 1;
            for want in &t.key[1..] {
                while toks.get(used).is_some_and(|w| w != want && analyzers::is_linking_word(w)) {
                    used += 1;
                }
                if toks.get(used) != Some(want) {
                    return None;
                }
                used += 1;
            }
            Some((t.group, used))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guides::SynonymGroup;

    fn table() -> SynonymTable {
        let group = |terms: &[&str]| SynonymGroup {
            terms: terms.iter().map(|t| t.to_string()).collect(),
            broader: None,
            not_with: Vec::new(),
        };
        SynonymTable::new(&Synonyms {
            groups: vec![
                group(&["PNES", "Programma nazionale Equità nella Salute"]),
                group(&["verifiche di gestione", "management verifications"]),
            ],
        })
    }

    fn toks(s: &str) -> Vec<String> {
        tokens(&mut analyzers::plain(), s).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn articles_and_prepositions_between_a_terms_words_do_not_matter() {
        let t = table();
        // Typed with other prepositions, or none: the same term, every typed token used.
        assert_eq!(t.longest_match(&toks("programma nazionale per l'equità nella salute al sud")), Some((0, 7)));
        assert_eq!(t.longest_match(&toks("programma nazionale equità salute")), Some((0, 4)));
        assert_eq!(t.longest_match(&toks("verifiche gestione")), Some((1, 2)));
        // A conjunction is not a preposition: "verifiche e gestione" are two things.
        assert_eq!(t.longest_match(&toks("verifiche e gestione")), None);
        assert_eq!(t.longest_match(&toks("programma nazionale")), None);
    }
}
