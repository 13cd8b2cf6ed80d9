//! Real Italian and English words, from the hunspell word lists under `dictionaries/`
//! (embedded in the binary). Search uses them twice: a typed word that is a real word is
//! never "corrected" into a word of the guides, and the words of a query tell its language.
//!
//! The lists take about 80 ms to load; [`warm_up`] loads them on a background thread when
//! the search engine starts, so the first query rarely waits.

use std::sync::LazyLock;

use spellbook::Dictionary;

use crate::i18n::Lang;

struct Lists {
    it: Option<Dictionary>,
    en: Option<Dictionary>,
}

static LISTS: LazyLock<Lists> = LazyLock::new(|| {
    let load = |name: &str, aff: &str, dic: &str| match Dictionary::new(aff, dic) {
        Ok(d) => Some(d),
        Err(e) => {
            // Without the list the search still works; it only corrects more cautiously.
            tracing::error!(list = name, error = %e, "word list could not be read");
            None
        }
    };
    Lists {
        it: load(
            "it_IT",
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/dictionaries/it_IT.aff")),
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/dictionaries/it_IT.dic")),
        ),
        en: load(
            "en_US",
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/dictionaries/en_US.aff")),
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/dictionaries/en_US.dic")),
        ),
    }
});

/// Loads the word lists on a background thread.
pub fn warm_up() {
    std::thread::spawn(|| LazyLock::force(&LISTS));
}

fn check(dict: &Option<Dictionary>, word: &str) -> bool {
    dict.as_ref().is_some_and(|d| d.check(word))
}

/// Whether `word` (as typed: accents matter, case does not) is a real word of `lang`.
pub fn is_word(lang: Lang, word: &str) -> bool {
    let dict = match lang {
        Lang::It => &LISTS.it,
        Lang::En => &LISTS.en,
    };
    if word.chars().count() > 40 {
        return false;
    }
    check(dict, word) || check(dict, &word.to_lowercase())
}

/// Whether `word` is a real word in either language.
pub fn is_real_word(word: &str) -> bool {
    is_word(Lang::It, word) || is_word(Lang::En, word)
}

/// Whether the word lists could be read (they are part of the binary, so only a broken
/// build lacks them).
pub fn available() -> bool {
    LISTS.it.is_some() && LISTS.en.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_words_of_both_languages() {
        assert!(available());
        for w in ["rendicontazione", "ammissibilità", "Infermieri", "dell'avviso", "telemedicina"] {
            assert!(is_word(Lang::It, w), "{w}");
        }
        for w in ["reimbursement", "nurses", "Eligibility"] {
            assert!(is_word(Lang::En, w), "{w}");
        }
        for w in ["rendicontazone", "avvsio", "xqzvbn"] {
            assert!(!is_real_word(w), "{w}");
        }
    }
}
