//! The language a query is written in, from its words: function words first (they decide
//! "come posso" against "how can I"), then words that are real in one language only. When
//! the words do not tell, the caller falls back on the page language.

use super::words;
use crate::i18n::Lang;

/// Words that only one of the two languages uses, and that questions are full of.
const ITALIAN: &[&str] = &[
    "il", "lo", "gli", "di", "del", "dello", "della", "dei", "degli", "delle", "che", "per", "con", "un", "una",
    "sono", "è", "posso", "possiamo", "quali", "quale", "quando", "dove", "perché", "perche", "cosa", "chi", "non",
    "nel", "nella", "nei", "negli", "al", "alla", "ai", "agli", "dal", "dalla", "sul", "sulla", "anche", "ma",
    "oppure", "ogni", "essere", "deve", "devo", "dobbiamo", "bisogna", "serve", "va", "vanno", "si", "ci", "come",
];
const ENGLISH: &[&str] = &[
    "the", "of", "how", "what", "which", "when", "where", "why", "who", "can", "do", "does", "is", "are", "for",
    "with", "my", "our", "we", "should", "must", "need", "and", "or", "not", "to", "from", "under", "be", "it", "this",
    "that", "have", "has", "there", "into", "on", "at", "by", "an",
];

/// The language the words of a query tell, if they tell one.
pub fn detect(words_of_query: &[String]) -> Option<Lang> {
    let (mut it, mut en) = (0i32, 0i32);
    for w in words_of_query {
        let w = w.as_str();
        let function_it = ITALIAN.contains(&w);
        let function_en = ENGLISH.contains(&w);
        if function_it != function_en {
            // Function words weigh more than content words: they are never borrowed.
            if function_it {
                it += 2;
            } else {
                en += 2;
            }
            continue;
        }
        if w.chars().count() < 3 || w.chars().any(|c| c.is_ascii_digit()) {
            continue;
        }
        match (words::is_word(Lang::It, w), words::is_word(Lang::En, w)) {
            (true, false) => it += 1,
            (false, true) => en += 1,
            _ => {}
        }
    }
    match it.cmp(&en) {
        std::cmp::Ordering::Greater => Some(Lang::It),
        std::cmp::Ordering::Less => Some(Lang::En),
        std::cmp::Ordering::Equal => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(q: &str) -> Option<Lang> {
        let words: Vec<String> = q.split_whitespace().map(|w| w.to_lowercase()).collect();
        detect(&words)
    }

    #[test]
    fn questions_tell_their_language() {
        assert_eq!(d("come posso rendicontare le ore dei docenti"), Some(Lang::It));
        assert_eq!(d("how do we report staff costs under ESF+"), Some(Lang::En));
        assert_eq!(d("costi unitari"), Some(Lang::It));
        assert_eq!(d("unit costs"), Some(Lang::En));
        assert_eq!(d("FSE+ 2021/1060"), None);
    }
}
