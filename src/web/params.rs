//! Query strings read by hand, so that every bad value gets a message a person
//! understands (in the interface language) instead of an extractor's rejection.

use std::collections::HashMap;

use percent_encoding::percent_decode;

use crate::guides::{Fund, Phase, Topics};
use crate::i18n::Lang;
use crate::search::{SearchRequest, DEFAULT_PER_PAGE, MAX_PAGE, MAX_PER_PAGE, MAX_QUERY_CHARS};
use crate::web::error::AppError;

/// Decoded `key=value` pairs; [`Params::get`] reads the last value of a repeated key,
/// [`Params::all`] every value (checkbox groups).
pub struct Params(HashMap<String, String>, Vec<(String, String)>);

impl Params {
    pub fn parse(raw: Option<&str>, lang: Lang) -> Result<Params, AppError> {
        let mut map = HashMap::new();
        let mut pairs = Vec::new();
        for pair in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| {
                let spaced = s.replace('+', " ");
                percent_decode(spaced.as_bytes()).decode_utf8().map(|c| c.into_owned())
            };
            let (Ok(k), Ok(v)) = (decode(k), decode(v)) else {
                return Err(AppError::bad_request(lang.t(
                    "l'indirizzo contiene caratteri non validi (codifica diversa da UTF-8)",
                    "the address contains invalid characters (not UTF-8 encoded)",
                )));
            };
            pairs.push((k.clone(), v.clone()));
            map.insert(k, v);
        }
        Ok(Params(map, pairs))
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// Every non-blank value given for `key`, in order.
    pub fn all(&self, key: &str) -> Vec<&str> {
        self.1.iter().filter(|(k, v)| k == key && !v.trim().is_empty()).map(|(_, v)| v.trim()).collect()
    }

    /// The value, or `None` when absent or blank.
    pub fn non_empty(&self, key: &str) -> Option<&str> {
        self.get(key).map(str::trim).filter(|v| !v.is_empty())
    }

    /// A whole number from 1 to `max`, `default` when absent; a clear message naming the field otherwise.
    pub fn number(&self, key: &str, default: usize, max: usize, lang: Lang) -> Result<usize, AppError> {
        let Some(v) = self.non_empty(key) else {
            return Ok(default);
        };
        match v.parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(AppError::field(
                key,
                format!(
                    "{key}: {} 1 {} {max} ({} \"{v}\")",
                    lang.t("deve essere un numero intero da", "must be a whole number from"),
                    lang.t("a", "to"),
                    lang.t("ricevuto", "got"),
                ),
            )),
        }
    }
}

/// The search a query string asks for, checked field by field.
pub fn search_request(p: &Params, topics: &Topics, lang: Lang) -> Result<SearchRequest, AppError> {
    let q = p.get("q").unwrap_or("").trim();
    let q_chars = q.chars().count();
    if q_chars > MAX_QUERY_CHARS {
        return Err(AppError::field(
            "q",
            format!(
                "{} {MAX_QUERY_CHARS} {} ({q_chars})",
                lang.t("La ricerca è troppo lunga: al massimo", "The search is too long: at most"),
                lang.t("caratteri", "characters"),
            ),
        ));
    }
    let fund = match p.non_empty("fund") {
        None => None,
        Some(v) => Some(Fund::parse(v).ok_or_else(|| {
            AppError::field(
                "fund",
                format!(
                    "{} \"{v}\": {} FSE+, FESR, JTF",
                    lang.t("Fondo sconosciuto", "Unknown fund"),
                    lang.t("usa", "use"),
                ),
            )
        })?),
    };
    let phase = match p.non_empty("phase") {
        None => None,
        Some(v) => Some(Phase::parse(v).ok_or_else(|| {
            let all: Vec<&str> = Phase::ALL.iter().map(|p| p.as_str()).collect();
            AppError::field(
                "phase",
                format!(
                    "{} \"{v}\": {} {}",
                    lang.t("Fase sconosciuta", "Unknown phase"),
                    lang.t("usa", "use"),
                    all.join(", ")
                ),
            )
        })?),
    };
    let guide_lang = match p.non_empty("lang") {
        None => None,
        Some(v) => Some(Lang::parse(v).ok_or_else(|| {
            AppError::field(
                "lang",
                format!(
                    "{} \"{v}\": {} it, en",
                    lang.t("Lingua sconosciuta", "Unknown language"),
                    lang.t("usa", "use")
                ),
            )
        })?),
    };
    let topic = match p.non_empty("topic") {
        None => None,
        Some(v) if topics.contains(v) => Some(v.to_string()),
        Some(v) => {
            return Err(AppError::field(
                "topic",
                format!(
                    "{} \"{v}\": {}",
                    lang.t("Tema sconosciuto", "Unknown topic"),
                    lang.t(
                        "scegli un tema dall'elenco della pagina di ricerca",
                        "pick a topic from the search page's list"
                    ),
                ),
            ))
        }
    };
    Ok(SearchRequest {
        q: q.split_whitespace().collect::<Vec<_>>().join(" "),
        fund,
        phase,
        lang: guide_lang,
        topic,
        page: p.number("page", 1, MAX_PAGE, lang)?,
        per_page: p.number("per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE, lang)?,
        ui_lang: Some(lang),
    })
}

/// A query string for a search, for links (filters, pages); empty values are left out.
pub fn search_query_string(req: &SearchRequest, page: usize) -> String {
    let mut parts: Vec<(&str, String)> = Vec::new();
    if !req.q.is_empty() {
        parts.push(("q", req.q.clone()));
    }
    if let Some(f) = req.fund {
        parts.push(("fund", f.as_str().to_string()));
    }
    if let Some(p) = req.phase {
        parts.push(("phase", p.as_str().to_string()));
    }
    if let Some(l) = req.lang {
        parts.push(("lang", l.code().to_string()));
    }
    if let Some(t) = &req.topic {
        parts.push(("topic", t.clone()));
    }
    if page > 1 {
        parts.push(("page", page.to_string()));
    }
    if req.per_page != DEFAULT_PER_PAGE {
        parts.push(("per_page", req.per_page.to_string()));
    }
    let encoded: Vec<String> = parts
        .into_iter()
        .map(|(k, v)| format!("{k}={}", percent_encoding::utf8_percent_encode(&v, percent_encoding::NON_ALPHANUMERIC)))
        .collect();
    encoded.join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_is_a_bad_request() {
        assert!(Params::parse(Some("q=%FF%FE"), Lang::It).is_err());
        let p = Params::parse(Some("q=costi+unitari%20FSE%2B"), Lang::It).unwrap();
        assert_eq!(p.get("q"), Some("costi unitari FSE+"));
    }

    #[test]
    fn page_and_per_page_bounds() {
        let topics = Topics::default();
        for bad in ["page=-1", "page=0", "page=1000000", "per_page=0", "per_page=10000", "page=abc"] {
            let p = Params::parse(Some(bad), Lang::It).unwrap();
            assert!(search_request(&p, &topics, Lang::It).is_err(), "{bad}");
        }
        let p = Params::parse(Some("page=2&per_page=20&fund=esf%2B"), Lang::It).unwrap();
        let r = search_request(&p, &topics, Lang::It).unwrap();
        assert_eq!((r.page, r.per_page, r.fund), (2, 20, Some(Fund::FsePlus)));
    }
}
