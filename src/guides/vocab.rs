//! The shared vocabularies next to the guides: `topics.toml` (topic slugs with
//! Italian and English labels, also used by mentoring) and `synonyms.toml`
//! (acronyms and their expansions, used by search).

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::diagnostic::{line_of, Diagnostic};
use super::parse::is_valid_id;
use crate::i18n::Lang;

#[derive(Debug, Clone)]
pub struct Topic {
    pub slug: String,
    pub it: String,
    pub en: String,
}

impl Topic {
    pub fn label(&self, lang: Lang) -> &str {
        lang.t(&self.it, &self.en)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Topics {
    list: Vec<Topic>,
    index: HashMap<String, usize>,
}

impl Topics {
    pub fn get(&self, slug: &str) -> Option<&Topic> {
        self.index.get(slug).map(|&i| &self.list[i])
    }

    pub fn contains(&self, slug: &str) -> bool {
        self.index.contains_key(slug)
    }

    pub fn all(&self) -> &[Topic] {
        &self.list
    }

    /// The label in `lang`, or the slug itself when unknown.
    pub fn label<'a>(&'a self, slug: &'a str, lang: Lang) -> &'a str {
        self.get(slug).map(|t| t.label(lang)).unwrap_or(slug)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TopicsFile {
    #[serde(default)]
    topic: Vec<Spanned<RawTopic>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTopic {
    slug: String,
    it: String,
    en: String,
}

pub fn parse_topics(path: &Path, text: &str) -> Result<Topics, Vec<Diagnostic>> {
    let file: TopicsFile = toml::from_str(text).map_err(|e| toml_fault(path, text, &e))?;
    let mut faults = Vec::new();
    let mut topics = Topics::default();
    for t in file.topic {
        let line = line_of(text, t.span().start);
        let t = t.into_inner();
        if !is_valid_id(&t.slug) {
            faults.push(Diagnostic::error(
                path,
                line,
                format!("topic slug \"{}\" must be lower-case words joined by dashes", t.slug),
            ));
        } else if t.it.trim().is_empty() || t.en.trim().is_empty() {
            faults.push(Diagnostic::error(
                path,
                line,
                format!("topic \"{}\" needs both an Italian and an English label", t.slug),
            ));
        } else if topics.index.contains_key(&t.slug) {
            faults.push(Diagnostic::error(path, line, format!("topic \"{}\" is listed twice", t.slug)));
        } else {
            topics.index.insert(t.slug.clone(), topics.list.len());
            topics.list.push(Topic { slug: t.slug, it: t.it.trim().into(), en: t.en.trim().into() });
        }
    }
    if topics.list.is_empty() && faults.is_empty() {
        faults.push(Diagnostic::error(path, 1, "no topics: add [[topic]] entries with slug, it and en"));
    }
    if faults.is_empty() {
        Ok(topics)
    } else {
        Err(faults)
    }
}

/// Groups of interchangeable terms. A term belongs to one group only.
#[derive(Debug, Clone, Default)]
pub struct Synonyms {
    pub groups: Vec<SynonymGroup>,
}

#[derive(Debug, Clone, Default)]
pub struct SynonymGroup {
    pub terms: Vec<String>,
    /// A term of another group that this one also reaches, ranked below its own terms
    /// (`FSE` also finds guides on `FSE+`, below the ones that say `FSE`).
    pub broader: Option<String>,
    /// Words that, next to a term of the group, show it means something else: the group
    /// is then not applied (`FSE` next to "fascicolo" is the electronic health record).
    pub not_with: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SynonymsFile {
    #[serde(default)]
    group: Vec<Spanned<RawGroup>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    terms: Vec<String>,
    #[serde(default)]
    broader: Option<String>,
    #[serde(default)]
    not_with: Vec<String>,
}

pub fn parse_synonyms(path: &Path, text: &str) -> Result<Synonyms, Vec<Diagnostic>> {
    let file: SynonymsFile = toml::from_str(text).map_err(|e| toml_fault(path, text, &e))?;
    let mut faults = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut groups = Vec::new();
    let mut broader_lines = Vec::new();
    for g in file.group {
        let line = line_of(text, g.span().start);
        let raw = g.into_inner();
        let terms: Vec<String> = raw.terms.into_iter().map(|t| t.trim().to_string()).collect();
        let alone = terms.len() == 1 && raw.broader.is_some();
        if (terms.len() < 2 && !alone) || terms.iter().any(|t| t.is_empty()) {
            faults.push(Diagnostic::error(
                path,
                line,
                "a synonym group needs at least two non-empty terms (or one with broader)",
            ));
            continue;
        }
        for t in &terms {
            let key = t.to_lowercase();
            if let Some(first) = seen.insert(key, line) {
                faults.push(Diagnostic::error(
                    path,
                    line,
                    format!("term \"{t}\" is already in the group at line {first}: a term belongs to one group"),
                ));
            }
        }
        let broader = raw.broader.map(|b| b.trim().to_string()).filter(|b| !b.is_empty());
        if let Some(b) = &broader {
            broader_lines.push((b.clone(), line));
        }
        let not_with = raw.not_with.into_iter().map(|w| w.trim().to_string()).filter(|w| !w.is_empty()).collect();
        groups.push(SynonymGroup { terms, broader, not_with });
    }
    for (b, line) in broader_lines {
        match seen.get(&b.to_lowercase()) {
            None => faults.push(Diagnostic::error(path, line, format!("broader \"{b}\" is not a term of any group"))),
            Some(&at) if at == line => {
                faults.push(Diagnostic::error(path, line, format!("broader \"{b}\" is in the group itself")))
            }
            Some(_) => {}
        }
    }
    if faults.is_empty() {
        Ok(Synonyms { groups })
    } else {
        Err(faults)
    }
}

fn toml_fault(path: &Path, text: &str, e: &toml::de::Error) -> Vec<Diagnostic> {
    let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(1);
    vec![Diagnostic::error(path, line, e.message().to_string())]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synonyms_reject_a_term_in_two_groups() {
        let text = "[[group]]\nterms = [\"FSE+\", \"ESF+\"]\n\n[[group]]\nterms = [\"esf+\", \"x\"]\n";
        let errs = parse_synonyms(Path::new("s.toml"), text).unwrap_err();
        assert_eq!(errs[0].line, 4);
        assert!(errs[0].message.contains("already in the group at line 1"));
    }

    #[test]
    fn broader_must_name_a_term_of_another_group() {
        let text = "[[group]]\nterms = [\"FSE+\", \"ESF+\"]\n\n[[group]]\nterms = [\"FSE\", \"ESF\"]\nbroader = \"FSE+\"\nnot_with = [\"fascicolo\"]\n";
        let s = parse_synonyms(Path::new("s.toml"), text).unwrap();
        assert_eq!(s.groups[1].broader.as_deref(), Some("FSE+"));
        assert_eq!(s.groups[1].not_with, ["fascicolo"]);
        let errs =
            parse_synonyms(Path::new("s.toml"), &text.replace("broader = \"FSE+\"", "broader = \"FESR\"")).unwrap_err();
        assert!(errs[0].message.contains("broader \"FESR\" is not a term"), "{errs:?}");
    }

    #[test]
    fn topics_need_both_labels() {
        let text = "[[topic]]\nslug = \"a\"\nit = \"A\"\nen = \"\"\n";
        let errs = parse_topics(Path::new("t.toml"), text).unwrap_err();
        assert!(errs[0].message.contains("both an Italian and an English label"));
    }
}
