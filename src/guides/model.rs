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

/// A numbered step: its number and title (its text is in [`GuideText`]).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Step {
    pub number: u32,
    pub title: String,
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
}

/// A guide's Markdown: the introduction, then each step's and each section's text, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GuideText {
    pub intro: String,
    pub steps: Vec<String>,
    pub sections: Vec<String>,
}

/// [`GuideText`] as it is kept in memory: compressed, since thousands of guides' text is read
/// only for the few shown at a time (a page, ten snippets).
#[derive(Clone)]
pub struct PackedText(Box<[u8]>);

impl fmt::Debug for PackedText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PackedText({} bytes)", self.0.len())
    }
}

thread_local! {
    // One (de)compression context per thread: making one per call costs more than the work.
    static COMPRESSOR: std::cell::RefCell<zstd::bulk::Compressor<'static>> =
        std::cell::RefCell::new(zstd::bulk::Compressor::new(1).expect("a zstd context"));
    static DECOMPRESSOR: std::cell::RefCell<zstd::bulk::Decompressor<'static>> =
        std::cell::RefCell::new(zstd::bulk::Decompressor::new().expect("a zstd context"));
}

impl GuideText {
    /// Steps' then sections' text, in the order of [`Guide::parts`].
    pub fn bodies(&self) -> impl Iterator<Item = &str> {
        self.steps.iter().chain(&self.sections).map(String::as_str)
    }

    /// Lengths first (the number of parts, then each part's), then the parts, compressed.
    pub fn pack(&self) -> PackedText {
        let parts: Vec<&str> = std::iter::once(self.intro.as_str())
            .chain(self.steps.iter().map(String::as_str))
            .chain(self.sections.iter().map(String::as_str))
            .collect();
        let mut raw = Vec::with_capacity(parts.iter().map(|p| p.len() + 4).sum::<usize>() + 12);
        for n in [parts.len(), self.steps.len(), self.sections.len()] {
            raw.extend_from_slice(&(n as u32).to_le_bytes());
        }
        for p in &parts {
            raw.extend_from_slice(&(p.len() as u32).to_le_bytes());
        }
        for p in &parts {
            raw.extend_from_slice(p.as_bytes());
        }
        let mut packed = (raw.len() as u32).to_le_bytes().to_vec();
        let compressed = COMPRESSOR.with(|c| c.borrow_mut().compress(&raw)).expect("compressing text in memory");
        packed.extend(compressed);
        PackedText(packed.into_boxed_slice())
    }
}

impl PackedText {
    pub fn unpack(&self) -> GuideText {
        let size = u32::from_le_bytes(self.0[..4].try_into().expect("length")) as usize;
        let raw = DECOMPRESSOR
            .with(|d| d.borrow_mut().decompress(&self.0[4..], size))
            .expect("text packed by GuideText::pack");
        let word = |i: usize| u32::from_le_bytes(raw[i * 4..i * 4 + 4].try_into().expect("word")) as usize;
        let (count, steps) = (word(0), word(1));
        let mut at = (3 + count) * 4;
        let mut parts = (0..count).map(|i| {
            let len = word(3 + i);
            let s = String::from_utf8_lossy(&raw[at..at + len]).into_owned();
            at += len;
            s
        });
        let intro = parts.next().unwrap_or_default();
        let steps: Vec<String> = parts.by_ref().take(steps).collect();
        GuideText { intro, steps, sections: parts.collect() }
    }
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
    pub steps: Vec<Step>,
    pub sections: Vec<Section>,
    /// The introduction, steps' and sections' Markdown (see [`Guide::text`]).
    pub text: PackedText,
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

    /// The guide's Markdown, unpacked.
    pub fn text(&self) -> GuideText {
        self.text.unpack()
    }

    /// Steps then sections, each with its anchor and title.
    pub fn parts(&self) -> Vec<(String, &str)> {
        let steps = self.steps.iter().map(|s| (s.anchor(), s.title.as_str()));
        let sections = self.sections.iter().enumerate().map(|(i, s)| (s.anchor(self.lang, i), s.title.as_str()));
        steps.chain(sections).collect()
    }

    /// Every piece of body text, for indexing and hashing.
    pub fn body_text(&self) -> String {
        let text = self.text();
        let mut out = text.intro;
        let titled = self.steps.iter().map(|s| &s.title).zip(&text.steps);
        for (title, body) in titled.chain(self.sections.iter().map(|s| &s.title).zip(&text.sections)) {
            out.push('\n');
            out.push_str(title);
            out.push('\n');
            out.push_str(body);
        }
        out
    }
}

#[cfg(test)]
mod packed_text_tests {
    use super::GuideText;

    #[test]
    fn text_comes_back_as_it_was_packed() {
        let text = GuideText {
            intro: "Introduzione con «virgolette» e àccenti.".into(),
            steps: vec!["Passo uno.\n\n- elenco".into(), String::new(), "Passo tre".repeat(500)],
            sections: vec!["Errori frequenti".into(), "Checklist ✓".into()],
        };
        let packed = text.pack();
        assert_eq!(packed.unpack(), text);
        assert!(packed.0.len() < text.steps[2].len() / 4, "repetitive text shrinks: {} bytes", packed.0.len());
        assert_eq!(GuideText::default().pack().unpack(), GuideText::default());
    }
}
