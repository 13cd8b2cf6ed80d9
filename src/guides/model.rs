//! The guide as the rest of the service sees it, once parsed and checked.

use std::fmt;
use std::path::PathBuf;

use chrono::NaiveDate;
use serde::Serialize;

/// A cohesion fund a guide, a mentor or a request can name. Aliases in either
/// language (`ESF+`, `ERDF`, `FTG`) parse to the canonical Italian form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
pub enum Fund {
    #[serde(rename = "FSE+")]
    FsePlus,
    #[serde(rename = "FESR")]
    Fesr,
    #[serde(rename = "JTF")]
    Jtf,
}

impl Fund {
    pub const ALL: [Fund; 3] = [Fund::FsePlus, Fund::Fesr, Fund::Jtf];

    pub fn as_str(self) -> &'static str {
        match self {
            Fund::FsePlus => "FSE+",
            Fund::Fesr => "FESR",
            Fund::Jtf => "JTF",
        }
    }

    /// The name English-speaking users know the fund by.
    pub fn english(self) -> &'static str {
        match self {
            Fund::FsePlus => "ESF+",
            Fund::Fesr => "ERDF",
            Fund::Jtf => "JTF",
        }
    }

    pub fn parse(s: &str) -> Option<Fund> {
        match s.trim().to_ascii_uppercase().as_str() {
            "FSE+" | "ESF+" | "FSEPLUS" | "FSE PLUS" | "ESF PLUS" => Some(Fund::FsePlus),
            "FESR" | "ERDF" => Some(Fund::Fesr),
            "JTF" | "FTG" => Some(Fund::Jtf),
            _ => None,
        }
    }
}

impl fmt::Display for Fund {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where in a programme's life a guide helps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Programmazione,
    Avviso,
    Selezione,
    Attuazione,
    Rendicontazione,
    Controllo,
    Chiusura,
}

impl Phase {
    pub const ALL: [Phase; 7] = [
        Phase::Programmazione,
        Phase::Avviso,
        Phase::Selezione,
        Phase::Attuazione,
        Phase::Rendicontazione,
        Phase::Controllo,
        Phase::Chiusura,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Programmazione => "programmazione",
            Phase::Avviso => "avviso",
            Phase::Selezione => "selezione",
            Phase::Attuazione => "attuazione",
            Phase::Rendicontazione => "rendicontazione",
            Phase::Controllo => "controllo",
            Phase::Chiusura => "chiusura",
        }
    }

    pub fn label(self, lang: crate::i18n::Lang) -> &'static str {
        let (it, en) = match self {
            Phase::Programmazione => ("Programmazione", "Programming"),
            Phase::Avviso => ("Avviso", "Call for proposals"),
            Phase::Selezione => ("Selezione", "Selection"),
            Phase::Attuazione => ("Attuazione", "Implementation"),
            Phase::Rendicontazione => ("Rendicontazione", "Reporting"),
            Phase::Controllo => ("Controllo", "Control"),
            Phase::Chiusura => ("Chiusura", "Closure"),
        };
        lang.t(it, en)
    }

    pub fn parse(s: &str) -> Option<Phase> {
        let s = s.trim().to_lowercase();
        Phase::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Language of a guide (and of the interface, see [`crate::i18n::Lang`]).
pub use crate::i18n::Lang;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Step {
    pub number: u32,
    pub title: String,
    /// Markdown source of the step body.
    pub body: String,
}

impl Step {
    /// The step's anchor on the guide page. It depends on the number only, so a guide and
    /// its translation (same steps, same order) share anchors.
    pub fn anchor(&self) -> String {
        format!("passo-{}", self.number)
    }
}

/// A titled part of a guide that is not a numbered step ("Errori frequenti", "Checklist").
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Section {
    pub title: String,
    pub body: String,
}

#[derive(Debug, Clone)]
pub struct Guide {
    pub id: String,
    pub title: String,
    pub lang: Lang,
    pub translation_of: Option<String>,
    pub audience: Option<String>,
    pub funds: Vec<Fund>,
    pub phase: Phase,
    pub topics: Vec<String>,
    pub legal_basis: Vec<String>,
    pub sources: Vec<String>,
    pub reviewed: NaiveDate,
    /// Ids of guides merged into this one; their addresses lead here.
    pub replaces: Vec<String>,
    /// Questions the guide answers, as readers ask them.
    pub questions: Vec<String>,
    /// What was read when the guide's facts were checked.
    pub checked_against: Vec<String>,
    /// When a published guide was last corrected, and what changed.
    pub updated: Option<NaiveDate>,
    pub changes: Vec<String>,
    /// Markdown before the first heading.
    pub intro: String,
    pub steps: Vec<Step>,
    pub sections: Vec<Section>,
    /// Where the guide was read from, for messages.
    pub path: PathBuf,
}

/// Anchors of the closing sections every guide has, in the order `parse::required_sections`
/// names them, whatever the language.
pub const SECTION_ANCHORS: [&str; 2] = ["errori-frequenti", "checklist"];
/// Anchor of the introduction.
pub const INTRO_ANCHOR: &str = "introduzione";

impl Section {
    /// The section's anchor: a fixed one for the closing sections, else by position.
    pub fn anchor(&self, lang: Lang, position: usize) -> String {
        let required = super::parse::required_sections(lang);
        match required.iter().position(|r| r.eq_ignore_ascii_case(&self.title)) {
            Some(i) => SECTION_ANCHORS[i].to_string(),
            None => format!("sezione-{}", position + 1),
        }
    }
}

impl Guide {
    pub fn url(&self) -> String {
        format!("/guide/{}", self.id)
    }

    /// Steps then sections, each with its anchor.
    pub fn parts(&self) -> Vec<(String, &str, &str)> {
        let steps = self.steps.iter().map(|s| (s.anchor(), s.title.as_str(), s.body.as_str()));
        let sections =
            self.sections.iter().enumerate().map(|(i, s)| (s.anchor(self.lang, i), s.title.as_str(), s.body.as_str()));
        steps.chain(sections).collect()
    }

    /// Every piece of body text, for indexing and hashing.
    pub fn body_text(&self) -> String {
        let mut out = self.intro.clone();
        for s in &self.steps {
            out.push('\n');
            out.push_str(&s.title);
            out.push('\n');
            out.push_str(&s.body);
        }
        for s in &self.sections {
            out.push('\n');
            out.push_str(&s.title);
            out.push('\n');
            out.push_str(&s.body);
        }
        out
    }
}
