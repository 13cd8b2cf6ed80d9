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
    pub groups: Vec<Vec<String>>,
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
}

pub fn parse_synonyms(path: &Path, text: &str) -> Result<Synonyms, Vec<Diagnostic>> {
    let file: SynonymsFile = toml::from_str(text).map_err(|e| toml_fault(path, text, &e))?;
    let mut faults = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut groups = Vec::new();
    for g in file.group {
        let line = line_of(text, g.span().start);
        let terms: Vec<String> = g.into_inner().terms.into_iter().map(|t| t.trim().to_string()).collect();
        if terms.len() < 2 || terms.iter().any(|t| t.is_empty()) {
            faults.push(Diagnostic::error(path, line, "a synonym group needs at least two non-empty terms"));
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
        groups.push(terms);
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
    fn topics_need_both_labels() {
        let text = "[[topic]]\nslug = \"a\"\nit = \"A\"\nen = \"\"\n";
        let errs = parse_topics(Path::new("t.toml"), text).unwrap_err();
        assert!(errs[0].message.contains("both an Italian and an English label"));
    }
}
