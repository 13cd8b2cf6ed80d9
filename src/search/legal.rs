//! Legal references as users type them and guides write them: "art. 53", "artt. 63-64",
//! "articolo 4(1)(g)", "Article 74", "Reg. (UE) 2021/1060". Each becomes a keyword
//! (`art53`, `2021/1060`) indexed in its own field, so "art. 53" finds the guides
//! that rely on article 53 rather than every guide with the number 53 somewhere.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

/// Longest article range expanded ("artt. 77-80" gives four keywords).
const MAX_RANGE: u32 = 30;

static ARTICLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)
        \b(?:artt?\.?|articol[oi]|articles?|arts\.?)\s*
        (\d{1,3}(?:\s*\([0-9a-z]{1,4}\))*
          (?:\s*(?:-|–|,|\be\b|\band\b|\bto\b|\ba\b)\s*\d{1,3}(?:\s*\([0-9a-z]{1,4}\))*)*)",
    )
    .expect("article pattern is valid")
});

static REGULATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b((?:19|20)\d{2}/\d{2,4}|\d{1,4}/(?:19|20)\d{2})\b").expect("regulation pattern is valid")
});

static PARENS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\([0-9a-zA-Z]{1,4}\)").expect("parens pattern is valid"));
static NUMBER_OR_SEP: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\d{1,3}|-|–").expect("number pattern is valid"));

/// The length of the paragraph or point in brackets ("(2)", "(g)") that `text` starts with.
pub fn paragraph_len(text: &str) -> Option<usize> {
    PARENS.find(text).filter(|m| m.start() == 0).map(|m| m.end())
}

/// A legal keyword and the part of the text it was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegalRef {
    pub key: String,
    pub span: Range<usize>,
    pub is_article: bool,
}

pub fn extract(text: &str) -> Vec<LegalRef> {
    let mut out = Vec::new();
    for caps in ARTICLE.captures_iter(text) {
        let whole = caps.get(0).map(|m| m.range()).unwrap_or_default();
        let list = caps.get(1).map(|m| m.as_str()).unwrap_or_default();
        let list = PARENS.replace_all(list, " ");
        let mut prev: Option<u32> = None;
        let mut range_pending = false;
        for m in NUMBER_OR_SEP.find_iter(&list) {
            match m.as_str() {
                "-" | "–" => range_pending = true,
                n => {
                    let Ok(n) = n.parse::<u32>() else { continue };
                    match prev {
                        Some(p) if range_pending && n > p && n - p <= MAX_RANGE => {
                            for k in p + 1..=n {
                                out.push(LegalRef { key: format!("art{k}"), span: whole.clone(), is_article: true });
                            }
                        }
                        _ => out.push(LegalRef { key: format!("art{n}"), span: whole.clone(), is_article: true }),
                    }
                    prev = Some(n);
                    range_pending = false;
                }
            }
        }
    }
    for m in REGULATION.find_iter(text) {
        out.push(LegalRef { key: m.as_str().to_string(), span: m.range(), is_article: false });
    }
    out
}

pub fn keys(text: &str) -> Vec<String> {
    extract(text).into_iter().map(|r| r.key).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn articles_in_both_languages() {
        assert_eq!(keys("art. 53"), ["art53"]);
        assert_eq!(keys("Art.53(2)"), ["art53"]);
        assert_eq!(keys("articolo 4(1)(g)"), ["art4"]);
        assert_eq!(keys("Article 74 and 75"), ["art74", "art75"]);
        assert_eq!(keys("artt. 63-64"), ["art63", "art64"]);
        assert_eq!(keys("art. 77-80 e 82"), ["art77", "art78", "art79", "art80", "art82"]);
    }

    #[test]
    fn regulations_and_spans() {
        let refs = extract("Reg. (UE) 2021/1060, art. 53 e DPR 66/2025");
        let keys: Vec<_> = refs.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys, ["art53", "2021/1060", "66/2025"]);
        assert_eq!(&"Reg. (UE) 2021/1060, art. 53 e DPR 66/2025"[refs[0].span.clone()], "art. 53");
    }

    #[test]
    fn plain_words_are_not_articles() {
        assert!(keys("partner 53 artisti").is_empty());
    }
}
