//! Interface language. Pages are Italian first; English is a full second interface.
//! Every text that a page shows is written in place as `lang.t("italiano", "English")`,
//! so a page reads as one piece and no string table drifts away from its use.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    It,
    En,
}

/// Name of the cookie that remembers the interface language.
pub const LANG_COOKIE: &str = "fondilab_lang";

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::It, Lang::En];

    pub fn t<'a>(self, it: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::It => it,
            Lang::En => en,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::It => "it",
            Lang::En => "en",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Lang::It => "Italiano",
            Lang::En => "English",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::It => Lang::En,
            Lang::En => Lang::It,
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "it" | "ita" | "italiano" | "italian" => Some(Lang::It),
            "en" | "eng" | "english" | "inglese" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language remembered in the request's cookies, Italian when none is.
    pub fn from_cookie_header(header: Option<&str>) -> Lang {
        header
            .into_iter()
            .flat_map(|h| h.split(';'))
            .filter_map(|kv| kv.trim().split_once('='))
            .find(|(k, _)| *k == LANG_COOKIE)
            .and_then(|(_, v)| Lang::parse(v))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_picks_language_and_defaults_to_italian() {
        assert_eq!(Lang::from_cookie_header(None), Lang::It);
        assert_eq!(Lang::from_cookie_header(Some("a=b; fondilab_lang=en")), Lang::En);
        assert_eq!(Lang::from_cookie_header(Some("fondilab_lang=xx")), Lang::It);
    }
}
