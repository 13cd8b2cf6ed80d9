//! Text analysis shared by indexing and querying, so both sides agree on every token.
//!
//! - `words` splits on anything that is not a letter or digit, and keeps a trailing `+`
//!   as part of the word (`FSE+` becomes `fseplus`, never the 2014-2020 `fse`).
//! - `plain`: lower-case and ASCII folding only. Fuzzy matching, phrases and the
//!   synonym table work here, because a stemmer would turn a typo into a stem that
//!   matches nothing.
//! - `it_stem`: plain + Italian elision and stop words (keeping "non") + Snowball Italian.
//! - `en_stem`: plain + English stop words (keeping "not", "no") + Snowball English.

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, Stemmer, StopWordFilter, TextAnalyzer, Token,
    TokenStream, Tokenizer,
};
use tantivy::Index;

pub const PLAIN: &str = "fl_plain";
pub const IT_STEM: &str = "fl_it";
pub const EN_STEM: &str = "fl_en";

/// Bumped whenever anything in this file changes what tokens are produced, so every
/// instance rebuilds its index after an upgrade.
pub const ANALYZER_VERSION: u32 = 4;

/// Articles and prepositions that Italian writes elided (`dell'avviso`, `l'AdG`) or that
/// carry no meaning for search. "non" is deliberately absent: "spese non ammissibili"
/// must not match "spese ammissibili" as well as it matches itself.
const ITALIAN_STOP: &[&str] = &[
    "a", "ad", "agli", "ai", "al", "all", "alla", "alle", "allo", "c", "che", "chi", "col", "con", "d", "da", "dagli",
    "dai", "dal", "dall", "dalla", "dalle", "dallo", "degli", "dei", "del", "dell", "della", "delle", "dello", "di",
    "e", "ed", "gli", "i", "il", "in", "l", "la", "le", "lo", "negli", "nei", "nel", "nell", "nella", "nelle", "nello",
    "o", "per", "quest", "sono", "su", "sugli", "sui", "sul", "sull", "sulla", "sulle", "sullo", "tra", "fra", "un",
    "una", "uno", "è", "e'", "ci", "si", "ne", "cui", "anche", "come", "essere", "questo", "questa", "questi",
    "queste", "quello", "quella",
];

/// English stop words, keeping "not" and "no" for the same reason as Italian "non".
const ENGLISH_STOP: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "if", "in", "into", "is", "it", "of", "on", "or", "such",
    "that", "the", "their", "then", "there", "these", "they", "this", "to", "was", "will", "with",
];

/// Words that carry no content in a question, in either language: question and modal
/// words, pronouns, auxiliaries, courtesy. Dropped from queries only (the index keeps what
/// the stemmed fields keep), so "come posso rendicontare…" searches "rendicontare…".
/// "non"/"not" are here too: alone they match nearly every guide; inside quotes they count.
const QUESTION_WORDS: &[&str] = &[
    // Italian
    "abbiamo",
    "adesso",
    "alcuni",
    "allora",
    "altra",
    "altre",
    "altri",
    "altro",
    "ancora",
    "avere",
    "bisogna",
    "buongiorno",
    "capire",
    "capito",
    "caso",
    "ciao",
    "cioe",
    "cioè",
    // Elided before "è": com'è, cos'è, dov'è, quant'è.
    "com",
    "comunque",
    "cosa",
    "cos",
    "cose",
    "davvero",
    "detto",
    "deve",
    "devo",
    "devono",
    "dice",
    "dicono",
    "dire",
    "dobbiamo",
    "dov",
    "dove",
    "dovrebbe",
    "dovrei",
    "dovremmo",
    "ecc",
    "esattamente",
    "etc",
    "fa",
    "facciamo",
    "faccio",
    "fanno",
    "fare",
    "forse",
    "gia",
    "già",
    "grazie",
    "ha",
    "hai",
    "hanno",
    "ho",
    "invece",
    "io",
    "ma",
    "magari",
    "meglio",
    "mi",
    "mia",
    "mie",
    "miei",
    "mio",
    "modo",
    "molto",
    "neanche",
    "nemmeno",
    "nessuno",
    "noi",
    "non",
    "nostra",
    "nostre",
    "nostri",
    "nostro",
    "occorre",
    "ogni",
    "oppure",
    "perche",
    "perché",
    "piu",
    "più",
    "poi",
    "possiamo",
    "possibile",
    "posso",
    "possono",
    "potrei",
    "potremmo",
    "precisamente",
    "preciso",
    "proprio",
    "puo",
    "può",
    "qual",
    "qualche",
    "qualcosa",
    "qualcuno",
    "quale",
    "quali",
    "quando",
    "quant",
    "quanta",
    "quante",
    "quanti",
    "quanto",
    "quel",
    "quelle",
    "quelli",
    "quindi",
    "salve",
    "sapere",
    "sappiamo",
    "sarebbe",
    "sarebbero",
    "se",
    "sempre",
    "serve",
    "servono",
    "siamo",
    "solo",
    "soltanto",
    "spiegare",
    "sta",
    "stanno",
    "stessa",
    "stesse",
    "stessi",
    "stesso",
    "stiamo",
    "ti",
    "tra",
    "tutte",
    "tutti",
    "tutto",
    "va",
    "vanno",
    "vengono",
    "vi",
    "viene",
    "vogliamo",
    "voglio",
    "vorrei",
    "vorremmo",
    "vostra",
    "vostro",
    // English
    "able",
    "about",
    "actually",
    "all",
    "also",
    "am",
    "any",
    "anyone",
    "anything",
    "anyway",
    "been",
    "being",
    "but",
    "can",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "done",
    "each",
    "else",
    "every",
    "exactly",
    "explain",
    "from",
    "get",
    "go",
    "goes",
    "going",
    "got",
    "had",
    "has",
    "have",
    "having",
    "hello",
    "here",
    "hi",
    "how",
    "i",
    "instead",
    "just",
    "know",
    "many",
    "may",
    "maybe",
    "me",
    "might",
    "more",
    "most",
    "much",
    "must",
    "my",
    "need",
    "needs",
    "no",
    "not",
    "now",
    "other",
    "others",
    "our",
    "perhaps",
    "please",
    "really",
    "same",
    "shall",
    "should",
    "so",
    "some",
    "someone",
    "something",
    "sort",
    "still",
    "tell",
    "than",
    "thanks",
    "those",
    "us",
    "want",
    "way",
    "ways",
    "we",
    "were",
    "what",
    "when",
    "where",
    "whether",
    "which",
    "who",
    "whom",
    "whose",
    "why",
    "would",
    "you",
    "your",
];

/// Words of a query that are search syntax, not content, when typed in capitals.
pub const OPERATORS: &[&str] = &["and", "or", "not"];

pub fn is_stop_word(word: &str) -> bool {
    ITALIAN_STOP.contains(&word) || ENGLISH_STOP.contains(&word)
}

/// Whether a (plain, lower-cased) query word carries no content.
pub fn is_query_stop(word: &str) -> bool {
    is_stop_word(word) || QUESTION_WORDS.contains(&word)
}

/// Articles and prepositions (plain tokens, so elided forms too): what may stand between
/// the words of a term without changing it ("programma nazionale per l'equità nella salute"
/// is "Programma nazionale Equità nella Salute"). Conjunctions are not: "X e Y" is two things.
const LINKING_WORDS: &[&str] = &[
    "a", "ad", "al", "allo", "alla", "ai", "agli", "alle", "all", "d", "di", "del", "dello", "della", "dei", "degli",
    "delle", "dell", "da", "dal", "dallo", "dalla", "dai", "dagli", "dalle", "dall", "in", "nel", "nello", "nella",
    "nei", "negli", "nelle", "nell", "su", "sul", "sullo", "sulla", "sui", "sugli", "sulle", "sull", "per", "con",
    "col", "tra", "fra", "il", "lo", "la", "i", "gli", "le", "l", "un", "una", "uno", "an", "the", "of", "for", "on",
    "to", "at", "by", "with", "from",
];

pub fn is_linking_word(word: &str) -> bool {
    LINKING_WORDS.contains(&word)
}

/// Splits on non-alphanumeric characters; a `+` right after letters joins the word as `plus`.
#[derive(Clone, Default)]
pub struct WordTokenizer {
    token: Token,
}

pub struct WordStream<'a> {
    text: &'a str,
    pos: usize,
    token: &'a mut Token,
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordStream<'a> {
        self.token.reset();
        WordStream { text, pos: 0, token: &mut self.token }
    }
}

impl TokenStream for WordStream<'_> {
    fn advance(&mut self) -> bool {
        self.token.text.clear();
        self.token.position = self.token.position.wrapping_add(1);
        let rest = &self.text[self.pos..];
        let Some(start_rel) = rest.find(|c: char| c.is_alphanumeric()) else {
            self.pos = self.text.len();
            return false;
        };
        let start = self.pos + start_rel;
        let word_len = self.text[start..].find(|c: char| !c.is_alphanumeric()).unwrap_or(self.text.len() - start);
        let mut end = start + word_len;
        if let Some((number, number_end)) = amount(self.text, start, end) {
            self.token.text.push_str(&number);
            self.token.offset_from = start;
            self.token.offset_to = number_end;
            self.pos = number_end;
            return true;
        }
        self.token.text.push_str(&self.text[start..end]);
        let word = &self.text[start..end];
        if self.text[end..].starts_with('+') && word.chars().all(char::is_alphabetic) {
            end += 1;
            self.token.text.push_str("plus");
        }
        self.token.offset_from = start;
        self.token.offset_to = end;
        self.pos = end;
        true
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// A whole number as people write it, made one token of plain digits: thousands separated
/// by a dot, comma or narrow space ("200.000", "1,720"), or counted in thousands ("200k",
/// "200 mila", "200 thousand"). Returns the digits and where the number ends; `None` when
/// the word at `start..end` is not such a number (plain digits stay as the tokenizer cut them).
pub fn amount(text: &str, start: usize, end: usize) -> Option<(String, usize)> {
    let word = &text[start..end];
    let lead_len = word.bytes().take_while(u8::is_ascii_digit).count();
    if !(1..=3).contains(&lead_len) || word.starts_with('0') {
        return None;
    }
    let mut digits = word[..lead_len].to_string();
    let suffix = word[lead_len..].to_ascii_lowercase();
    let mut end = end;
    match suffix.as_str() {
        "" => {
            // Groups of exactly three digits after a separator.
            loop {
                let rest = &text[end..];
                let Some(sep) = rest.chars().next().filter(|c| matches!(c, '.' | ',' | '\u{a0}' | '\u{202f}')) else {
                    break;
                };
                let group = &rest[sep.len_utf8()..];
                let group_len = group.bytes().take_while(u8::is_ascii_digit).count();
                let followed_by_word = group[group_len..].chars().next().is_some_and(char::is_alphanumeric);
                if group_len != 3 || followed_by_word {
                    break;
                }
                digits.push_str(&group[..3]);
                end += sep.len_utf8() + 3;
            }
            if digits.len() == lead_len {
                // Counted in thousands, in words.
                let rest = &text[end..];
                let spaces = rest.len() - rest.trim_start_matches([' ', '\u{a0}']).len();
                let after = &rest[spaces..];
                let unit = ["mila", "thousand"].into_iter().find(|u| {
                    after.get(..u.len()).is_some_and(|w| w.eq_ignore_ascii_case(u))
                        && !after[u.len()..].chars().next().is_some_and(char::is_alphanumeric)
                })?;
                digits.push_str("000");
                end += spaces + unit.len();
            }
        }
        "k" | "mila" => digits.push_str("000"),
        _ => return None,
    }
    Some((digits, end))
}

fn stop_filter(words: &[&str]) -> StopWordFilter {
    StopWordFilter::remove(words.iter().map(|w| w.to_string()))
}

pub fn plain() -> TextAnalyzer {
    TextAnalyzer::builder(WordTokenizer::default())
        .filter(RemoveLongFilter::limit(48))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

pub fn italian() -> TextAnalyzer {
    TextAnalyzer::builder(WordTokenizer::default())
        .filter(RemoveLongFilter::limit(48))
        .filter(LowerCaser)
        .filter(stop_filter(ITALIAN_STOP))
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::Italian))
        .build()
}

pub fn english() -> TextAnalyzer {
    TextAnalyzer::builder(WordTokenizer::default())
        .filter(RemoveLongFilter::limit(48))
        .filter(LowerCaser)
        .filter(stop_filter(ENGLISH_STOP))
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::English))
        .build()
}

pub fn register(index: &Index) {
    let manager = index.tokenizers();
    manager.register(PLAIN, plain());
    manager.register(IT_STEM, italian());
    manager.register(EN_STEM, english());
}

/// A token of analysed text with its position and where it came from in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tok {
    pub text: String,
    pub position: usize,
    pub from: usize,
    pub to: usize,
}

pub fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while let Some(t) = stream.next() {
        out.push(Tok { text: t.text.clone(), position: t.position, from: t.offset_from, to: t.offset_to });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(mut a: TextAnalyzer, s: &str) -> Vec<String> {
        tokens(&mut a, s).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn fse_plus_stays_apart_from_fse() {
        assert_eq!(texts(plain(), "FSE+ e FSE"), ["fseplus", "e", "fse"]);
        let toks = tokens(&mut plain(), "il FSE+,");
        assert_eq!((toks[1].from, toks[1].to), (3, 7));
    }

    #[test]
    fn italian_elision_accents_and_non() {
        assert_eq!(texts(italian(), "dell'avviso"), texts(italian(), "avviso"));
        assert_eq!(texts(italian(), "spese non ammissibili").len(), 3);
        assert_eq!(texts(italian(), "città"), texts(italian(), "citta"));
        assert_eq!(texts(italian(), "rendicontazione"), texts(italian(), "rendicontazioni"));
    }

    #[test]
    fn amounts_are_one_number_however_written() {
        for written in [
            "200.000 euro",
            "200,000 euro",
            "200\u{a0}000 euro",
            "200k euro",
            "200K euro",
            "200 mila euro",
            "200mila euro",
            "200 thousand euro",
        ] {
            assert_eq!(texts(plain(), written), ["200000", "euro"], "{written:?}");
        }
        assert_eq!(texts(plain(), "1.720 ore, 1,720 hours"), ["1720", "ore", "1720", "hours"]);
        let toks = tokens(&mut plain(), "fino a 200.000 euro");
        assert_eq!((toks[2].from, toks[2].to), (7, 14));
        // Decimals, years, codes and other words stay as they were.
        assert_eq!(texts(plain(), "2,5 milioni"), ["2", "5", "milioni"]);
        assert_eq!(texts(plain(), "2021,2027"), ["2021", "2027"]);
        assert_eq!(texts(plain(), "0.500"), ["0", "500"]);
        assert_eq!(texts(plain(), "10 milanesi"), ["10", "milanesi"]);
        assert_eq!(texts(plain(), "1.000abc"), ["1", "000abc"]);
        assert_eq!(texts(plain(), "5G e 4k"), ["5g", "e", "4000"]);
    }

    #[test]
    fn english_stems_plurals() {
        assert_eq!(texts(english(), "unit costs"), texts(english(), "unit cost"));
    }
}
