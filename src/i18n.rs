//! Interface language. Pages are Italian first; English is a full second interface.
//! Every text that a page shows is written in place as `lang.t("italiano", "English")`,
//! so a page reads as one piece and no string table drifts away from its use.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, PartialOrd, Ord, utoipa::ToSchema)]
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
}
