//! Snippets: the passage of a guide with most of the searched words, with those words in
//! `<mark>` and everything else escaped. A word matches when it is one of the searched
//! words (as typed, corrected or expanded from a synonym) or starts with one of their
//! stems, so "costi" also marks "costo" and a corrected typo is marked too. Only
//! lower-casing and accent folding run over the text: no stemmer, which keeps it cheap.

use std::collections::HashSet;

use super::analyzers::{self, tokens};
use super::escape;

/// Stems shorter than this match whole words only ("art" must not mark "articolo"'s
/// neighbours such as "artista").
const MIN_STEM: usize = 4;

#[derive(Debug, Default, Clone)]
pub struct Highlighter {
    words: HashSet<String>,
    stems: Vec<String>,
}

impl Highlighter {
    pub fn add_word(&mut self, word: &str) {
        if !word.is_empty() && !analyzers::is_stop_word(word) {
            self.words.insert(word.to_string());
        }
    }

    pub fn add_stem(&mut self, stem: &str) {
        if stem.chars().count() >= MIN_STEM {
            if !self.stems.iter().any(|s| s == stem) {
                self.stems.push(stem.to_string());
            }
        } else {
            self.add_word(stem);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty() && self.stems.is_empty()
    }

    fn matches(&self, token: &str) -> bool {
        self.words.contains(token) || self.stems.iter().any(|s| token.starts_with(s.as_str()))
    }

    /// The best passage of at most about `max_chars` characters, as HTML; `None` when no
    /// searched word occurs in `text`.
    pub fn snippet(&self, text: &str, max_chars: usize) -> Option<String> {
        if self.is_empty() {
            return None;
        }
        let mut plain = analyzers::plain();
        let hits: Vec<(usize, usize)> =
            tokens(&mut plain, text).into_iter().filter(|t| self.matches(&t.text)).map(|t| (t.from, t.to)).collect();
        if hits.is_empty() {
            return None;
        }
        // The passage starts a little before its first match; the window after that (in
        // bytes, close enough to characters for Italian) holding the most matches wins.
        let lead = (max_chars / 4).min(40);
        let span = max_chars - lead;
        let (mut best_start, mut best_count) = (0usize, 0usize);
        let mut end = 0usize;
        for start in 0..hits.len() {
            while end < hits.len() && hits[end].1 <= hits[start].0 + span {
                end += 1;
            }
            if end - start > best_count {
                best_count = end - start;
                best_start = start;
            }
        }
        let first = hits[best_start].0;
        // Start a little before the first match, at a word boundary.
        let mut from = first.saturating_sub(lead);
        while from > 0 && !text.is_char_boundary(from) {
            from -= 1;
        }
        if from > 0 {
            from = text[from..first].find(' ').map(|i| from + i + 1).unwrap_or(first);
        }
        let mut to = from;
        for (count, (i, c)) in text[from..].char_indices().enumerate() {
            to = from + i + c.len_utf8();
            if count + 1 >= max_chars {
                break;
            }
        }
        if to < text.len() {
            if let Some(space) = text[from..to].rfind(' ') {
                to = from + space;
            }
        }
        let mut html = String::with_capacity((to - from) + 64);
        if from > 0 {
            html.push('…');
        }
        let mut at = from;
        for &(s, e) in hits.iter().filter(|(s, e)| *s >= from && *e <= to) {
            html.push_str(&escape(&text[at..s]));
            html.push_str("<mark>");
            html.push_str(&escape(&text[s..e]));
            html.push_str("</mark>");
            at = e;
        }
        html.push_str(&escape(&text[at..to]));
        if to < text.len() {
            html.push('…');
        }
        Some(html)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_words_and_stem_variants_and_escapes_the_rest() {
        let mut h = Highlighter::default();
        h.add_word("costi");
        h.add_stem("cost");
        h.add_word("fseplus");
        let html = h.snippet("Il <b>costo</b> orario e i costi del FSE+ & altro.", 200).unwrap();
        assert_eq!(
            html,
            "Il &lt;b&gt;<mark>costo</mark>&lt;/b&gt; orario e i <mark>costi</mark> del <mark>FSE+</mark> &amp; altro."
        );
    }

    #[test]
    fn picks_the_densest_passage_and_cuts_at_words() {
        let mut h = Highlighter::default();
        h.add_word("audit");
        let text = format!("{} audit e audit e ancora audit finale", "parola ".repeat(100));
        let html = h.snippet(&text, 60).unwrap();
        assert!(html.starts_with('…') && html.matches("<mark>").count() == 3, "{html}");
        assert!(h.snippet("niente qui", 60).is_none());
    }
}
