//! Snippets: the passage of a guide with most of the searched words, with those words in
//! `<mark>` and everything else escaped. A word matches when it is one of the searched
//! words (as typed, corrected or expanded from a synonym) or starts with one of their
//! stems, so "costi" also marks "costo" and a corrected typo is marked too. Only
//! lower-casing and accent folding run over the text: no stemmer, which keeps it cheap.

use super::analyzers;
use super::escape;

/// Stems shorter than this match whole words only ("art" must not mark "articolo"'s
/// neighbours such as "artista").
const MIN_STEM: usize = 4;

#[derive(Debug, Default, Clone)]
pub struct Highlighter {
    /// A handful of words: a list beats a hash set here.
    words: Vec<String>,
    stems: Vec<String>,
}

impl Highlighter {
    pub fn add_word(&mut self, word: &str) {
        if !word.is_empty() && !analyzers::is_stop_word(word) && !self.words.iter().any(|w| w == word) {
            self.words.push(word.to_string());
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
        self.words.iter().any(|w| w == token) || self.stems.iter().any(|s| token.starts_with(s.as_str()))
    }

    /// The best passage of at most about `max_chars` characters, as HTML; `None` when no
    /// searched word occurs in `text`.
    pub fn snippet(&self, text: &str, max_chars: usize) -> Option<String> {
        if self.is_empty() {
            return None;
        }
        let hits = self.find(text);
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

impl Highlighter {
    /// All of `text` as HTML, every matching word in `<mark>`, the rest escaped.
    pub fn mark(&self, text: &str) -> String {
        let mut html = String::with_capacity(text.len() + 32);
        let mut at = 0;
        for (s, e) in self.find(text) {
            html.push_str(&escape(&text[at..s]));
            html.push_str("<mark>");
            html.push_str(&escape(&text[s..e]));
            html.push_str("</mark>");
            at = e;
        }
        html.push_str(&escape(&text[at..]));
        html
    }

    /// Byte ranges of the matching words of `text`. Words are split, lower-cased and folded
    /// as the plain analyzer does (a `+` after letters joins as "plus"), into one reused
    /// buffer: this runs over every shown hit, so it allocates nothing per word.
    fn find(&self, text: &str) -> Vec<(usize, usize)> {
        let mut hits = Vec::new();
        let mut word = String::with_capacity(32);
        let mut start = None;
        let mut letters_only = true;
        let mut chars = text.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c.is_alphanumeric() {
                if start.is_none() {
                    start = Some(i);
                    word.clear();
                    letters_only = true;
                }
                letters_only &= c.is_alphabetic();
                fold_into(c, &mut word);
                let ends = chars.peek().is_none_or(|(_, n)| !n.is_alphanumeric());
                if ends {
                    let from = start.take().unwrap_or(i);
                    let mut to = i + c.len_utf8();
                    if letters_only && text[to..].starts_with('+') {
                        word.push_str("plus");
                        to += 1;
                    } else if let Some((number, end)) = analyzers::amount(text, from, to) {
                        // "200.000" is the one word 200000, as the index reads it.
                        word = number;
                        to = end;
                        while chars.next_if(|(j, _)| *j < end).is_some() {}
                    }
                    if word.len() <= 48 && self.matches(&word) {
                        hits.push((from, to));
                    }
                }
            }
        }
        hits
    }
}

/// Lower-case and strip accents from the letters Italian and English texts use, as the
/// ASCII folding filter does for them.
fn fold_into(c: char, out: &mut String) {
    let folded = match c {
        'à' | 'á' | 'â' | 'ä' | 'À' | 'Á' | 'Â' | 'Ä' => 'a',
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => 'i',
        'ò' | 'ó' | 'ô' | 'ö' | 'Ò' | 'Ó' | 'Ô' | 'Ö' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => 'u',
        'ç' | 'Ç' => 'c',
        'ñ' | 'Ñ' => 'n',
        c if c.is_ascii() => c.to_ascii_lowercase(),
        c => {
            out.extend(c.to_lowercase());
            return;
        }
    };
    out.push(folded);
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
    fn words_are_read_as_the_plain_analyzer_reads_them() {
        let text = "L'Autorità di gestione, FSE+ e n+3: città, CITTÀ, 2021/1060, 200.000 euro, 1,720 ore, 200k, 2,5.";
        let mut plain = analyzers::plain();
        let mut h = Highlighter::default();
        for t in analyzers::tokens(&mut plain, text) {
            h.add_word(&t.text);
        }
        let expected: Vec<(usize, usize)> = analyzers::tokens(&mut plain, text)
            .into_iter()
            .filter(|t| !analyzers::is_stop_word(&t.text))
            .map(|t| (t.from, t.to))
            .collect();
        assert_eq!(h.find(text), expected);
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
