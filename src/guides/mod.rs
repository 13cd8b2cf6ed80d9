//! The guide corpus: Markdown guides under `guides/it` and `guides/en`, the topic
//! vocabulary and the synonym table. Loading checks everything; the server refuses to
//! start on errors and `fondilab guides check` prints them as `path:line: message`.

pub mod diagnostic;
pub mod model;
pub mod parse;
pub mod render;
pub mod vocab;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use chrono::{Months, NaiveDate};
use sha2::{Digest, Sha256};

pub use diagnostic::{Diagnostic, Severity};
pub use model::{Fund, Guide, Phase, Section, Step};
pub use vocab::{SynonymGroup, Synonyms, Topic, Topics};

use crate::i18n::Lang;

/// A guide older than this many months gets a review warning.
pub const REVIEW_AFTER_MONTHS: u32 = 18;

#[derive(Debug, Clone)]
pub struct Corpus {
    pub guides: Vec<Guide>,
    by_id: HashMap<String, usize>,
    /// Replaced id → the id of the guide it was merged into.
    replaced: HashMap<String, String>,
    /// Original's id → the translation that names it in `translation_of`.
    translated_by: HashMap<String, usize>,
    pub topics: Topics,
    pub synonyms: Synonyms,
    /// Hash of every file the corpus was read from.
    pub hash: String,
}

impl Corpus {
    pub fn get(&self, id: &str) -> Option<&Guide> {
        self.by_id.get(id).map(|&i| &self.guides[i])
    }

    /// The guide with `id`, or the one it was merged into.
    pub fn resolve(&self, id: &str) -> Option<&Guide> {
        self.get(id).or_else(|| self.successor(id).and_then(|new| self.get(new)))
    }

    /// The id a replaced guide was merged into; `None` for a live or unknown id.
    pub fn successor(&self, id: &str) -> Option<&str> {
        self.replaced.get(id).map(String::as_str)
    }

    /// `ids` with each merged guide replaced by its successor, without repeats; unknown ids
    /// are kept as they are.
    pub fn current_ids(&self, ids: &[String]) -> Vec<String> {
        let mut out: Vec<String> = Vec::with_capacity(ids.len());
        for id in ids {
            let current = self.resolve(id).map(|g| g.id.clone()).unwrap_or_else(|| id.clone());
            if !out.contains(&current) {
                out.push(current);
            }
        }
        out
    }

    /// Index of a guide in [`Corpus::guides`].
    pub fn position(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// The guide in the other language, when there is one.
    pub fn translation(&self, guide: &Guide) -> Option<&Guide> {
        if let Some(t) = guide.translation_of.as_deref().and_then(|id| self.resolve(id)) {
            return Some(t);
        }
        self.translated_by.get(&guide.id).map(|&i| &self.guides[i])
    }

    pub fn len(&self) -> usize {
        self.guides.len()
    }

    pub fn is_empty(&self) -> bool {
        self.guides.is_empty()
    }

    /// Guides whose review date is older than [`REVIEW_AFTER_MONTHS`] on `today`.
    pub fn is_stale(guide: &Guide, today: NaiveDate) -> bool {
        today.checked_sub_months(Months::new(REVIEW_AFTER_MONTHS)).is_some_and(|limit| guide.reviewed < limit)
    }

    /// Builds a corpus from guides already in memory (generated corpora for benchmarks).
    pub fn from_guides(guides: Vec<Guide>, topics: Topics, synonyms: Synonyms) -> Corpus {
        let mut hasher = Sha256::new();
        for g in &guides {
            hasher.update(g.id.as_bytes());
            hasher.update(g.title.as_bytes());
            hasher.update(g.body_text().as_bytes());
        }
        for group in &synonyms.groups {
            hasher.update(group.terms.join("|").as_bytes());
            hasher.update(group.broader.as_deref().unwrap_or("").as_bytes());
            hasher.update(group.not_with.join("|").as_bytes());
        }
        Corpus::assemble(guides, topics, synonyms, hex::encode(hasher.finalize()))
    }

    /// The corpus with its lookups: by id, merged ids, translations.
    fn assemble(guides: Vec<Guide>, topics: Topics, synonyms: Synonyms, hash: String) -> Corpus {
        let by_id = guides.iter().enumerate().map(|(i, g)| (g.id.clone(), i)).collect();
        let replaced: HashMap<String, String> =
            guides.iter().flat_map(|g| g.replaces.iter().map(|old| (old.clone(), g.id.clone()))).collect();
        let mut translated_by = HashMap::new();
        for (i, g) in guides.iter().enumerate() {
            if let Some(original) = g.translation_of.as_deref() {
                let original = replaced.get(original).map(String::as_str).unwrap_or(original);
                translated_by.entry(original.to_string()).or_insert(i);
            }
        }
        Corpus { guides, by_id, replaced, translated_by, topics, synonyms, hash }
    }
}

/// Outcome of reading a corpus directory.
#[derive(Debug)]
pub struct Report {
    pub corpus: Option<Corpus>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| !d.is_error())
    }

    pub fn has_errors(&self) -> bool {
        self.errors().next().is_some()
    }
}

/// Reads and checks the corpus in `dir`. The corpus is returned only when no error was found;
/// warnings never prevent it.
pub fn load(dir: &Path, today: NaiveDate) -> Report {
    let mut diags = Vec::new();
    let mut hasher = Sha256::new();
    let mut read = |path: &Path, diags: &mut Vec<Diagnostic>| -> Option<String> {
        match read_file(dir, path) {
            Ok((text, digest)) => {
                hasher.update(digest);
                Some(text)
            }
            Err(e) => {
                diags.push(e);
                None
            }
        }
    };

    if !dir.is_dir() {
        diags.push(Diagnostic::error(dir, 1, "the guides directory does not exist"));
        return Report { corpus: None, diagnostics: diags };
    }

    let topics_path = dir.join("topics.toml");
    let topics = read(&topics_path, &mut diags).and_then(|t| match vocab::parse_topics(&topics_path, &t) {
        Ok(t) => Some(t),
        Err(e) => {
            diags.extend(e);
            None
        }
    });
    let synonyms_path = dir.join("synonyms.toml");
    let synonyms = read(&synonyms_path, &mut diags).and_then(|t| match vocab::parse_synonyms(&synonyms_path, &t) {
        Ok(s) => Some(s),
        Err(e) => {
            diags.extend(e);
            None
        }
    });

    let mut files = Vec::new();
    for lang in Lang::ALL {
        let sub = dir.join(lang.code());
        match std::fs::read_dir(&sub) {
            Ok(entries) => files.extend(
                entries.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "md")),
            ),
            Err(_) if lang == Lang::En => {}
            Err(e) => diags.push(Diagnostic::error(&sub, 1, format!("cannot read the directory: {e}"))),
        }
    }
    files.sort();

    let mut parsed = Vec::new();
    for (digest, result) in read_all(dir, &files) {
        if let Some(digest) = digest {
            hasher.update(digest);
        }
        match result {
            Ok(p) => parsed.push(p),
            Err(e) => diags.extend(e),
        }
    }

    // Checks that need the whole corpus.
    let mut first_seen: HashMap<&str, &Path> = HashMap::new();
    for p in &parsed {
        if let Some(other) = first_seen.insert(&p.guide.id, &p.guide.path) {
            diags.push(Diagnostic::error(
                &p.guide.path,
                p.id_line,
                format!("duplicate id \"{}\": also used by {}", p.guide.id, other.display()),
            ));
        }
    }
    let by_id: HashMap<&str, &parse::Parsed> = parsed.iter().map(|p| (p.guide.id.as_str(), p)).collect();
    // A replaced id belongs to one successor and is never used again.
    let mut replaced: HashMap<&str, &parse::Parsed> = HashMap::new();
    for p in &parsed {
        for (old, line) in &p.replaces {
            if let Some(live) = by_id.get(old.as_str()) {
                diags.push(Diagnostic::error(
                    &live.guide.path,
                    live.id_line,
                    format!(
                        "id \"{old}\" was replaced by \"{}\" ({}): a replaced id is never used again",
                        p.guide.id,
                        p.guide.path.display()
                    ),
                ));
            }
            if let Some(other) = replaced.insert(old, p) {
                diags.push(Diagnostic::error(
                    &p.guide.path,
                    *line,
                    format!("\"{old}\" is already replaced by \"{}\": an id has one successor", other.guide.id),
                ));
            }
        }
    }
    let resolve = |id: &str| by_id.get(id).or_else(|| replaced.get(id)).copied();
    for p in &parsed {
        let g = &p.guide;
        if let Some(t) = &g.translation_of {
            match resolve(t.as_str()) {
                None => diags.push(Diagnostic::error(
                    &g.path,
                    p.translation_line,
                    format!("translation_of \"{t}\" points at no guide"),
                )),
                Some(other) if other.guide.lang == g.lang => diags.push(Diagnostic::error(
                    &g.path,
                    p.translation_line,
                    format!("translation_of \"{t}\" is in the same language"),
                )),
                Some(other) => {
                    if let Some(back) = &other.guide.translation_of {
                        if resolve(back).is_none_or(|b| b.guide.id != g.id) {
                            diags.push(Diagnostic::error(
                                &g.path,
                                p.translation_line,
                                format!("\"{t}\" names \"{back}\" as its translation, not this guide"),
                            ));
                        }
                    }
                }
            }
        }
        if let Some(topics) = &topics {
            for (slug, line) in g.topics.iter().zip(&p.topic_lines) {
                if !topics.contains(slug) {
                    diags.push(Diagnostic::error(
                        &g.path,
                        *line,
                        format!("unknown topic \"{slug}\": add it to topics.toml or use an existing slug"),
                    ));
                }
            }
        }
        for link in &p.links {
            if let Some(target) = by_id.get(link.target.as_str()) {
                // A reader of one language is never sent to a guide in the other without warning.
                if target.guide.lang != g.lang {
                    diags.push(Diagnostic::error(
                        &g.path,
                        link.line,
                        format!(
                            "link to /guide/{} goes to a guide in {}: link to its twin in {}",
                            link.target,
                            target.guide.lang.name(),
                            g.lang.name()
                        ),
                    ));
                }
                continue;
            }
            let message = match replaced.get(link.target.as_str()) {
                Some(new) => format!(
                    "link to /guide/{}: that guide was merged into \"{}\", link there",
                    link.target, new.guide.id
                ),
                None => format!("link to /guide/{} points at no guide", link.target),
            };
            diags.push(Diagnostic::error(&g.path, link.line, message));
        }
        for line in &p.hedges {
            diags.push(Diagnostic::warning(
                &g.path,
                *line,
                "state the rule and its paragraph instead of sending the reader to the current text",
            ));
        }
        if g.questions.is_empty() {
            diags.push(Diagnostic::warning(
                &g.path,
                p.questions_line,
                "no questions: list the questions the guide answers, as readers ask them",
            ));
        }
        if g.checked_against.is_empty() {
            diags.push(Diagnostic::warning(
                &g.path,
                p.checked_line,
                "no checked_against: name what the facts were checked against",
            ));
        }
        if g.reviewed > today {
            diags.push(Diagnostic::warning(
                &g.path,
                p.reviewed_line,
                format!("reviewed date {} is in the future", g.reviewed),
            ));
        } else if Corpus::is_stale(g, today) {
            diags.push(Diagnostic::warning(
                &g.path,
                p.reviewed_line,
                format!("reviewed on {}: more than {REVIEW_AFTER_MONTHS} months ago, review the guide", g.reviewed),
            ));
        }
    }
    if parsed.is_empty() && files.is_empty() {
        diags.push(Diagnostic::error(&dir.join("it"), 1, "no guides found (expected it/*.md)"));
    }

    diagnostic::sort(&mut diags);
    let ok = !diags.iter().any(Diagnostic::is_error);
    let corpus = match (ok, topics, synonyms) {
        (true, Some(topics), Some(synonyms)) => {
            let guides: Vec<Guide> = parsed.into_iter().map(|p| p.guide).collect();
            Some(Corpus::assemble(guides, topics, synonyms, hex::encode(hasher.finalize())))
        }
        _ => None,
    };
    Report { corpus, diagnostics: diags }
}

/// Guides without their twin in the other language. The service serves them (a corpus being
/// written is still searchable); `guides check` refuses them, so no guide lands alone.
pub fn missing_twins(corpus: &Corpus) -> Vec<Diagnostic> {
    corpus
        .guides
        .iter()
        .filter(|g| corpus.translation(g).is_none())
        .map(|g| {
            let (other, dir) = match g.lang {
                Lang::It => ("English", "en"),
                Lang::En => ("Italian", "it"),
            };
            Diagnostic::error(
                &g.path,
                1,
                format!(
                    "no {other} twin: add {dir}/<id>.md with the same steps and translation_of = \"{}\" (or name its twin here)",
                    g.id
                ),
            )
        })
        .collect()
}

/// One file's text and the digest of its name (relative to `dir`) and bytes.
fn read_file(dir: &Path, path: &Path) -> Result<(String, [u8; 32]), Diagnostic> {
    let bytes = std::fs::read(path).map_err(|e| Diagnostic::error(path, 1, format!("cannot read: {e}")))?;
    let mut hasher = Sha256::new();
    hasher.update(path.strip_prefix(dir).unwrap_or(path).to_string_lossy().as_bytes());
    hasher.update([0]);
    hasher.update(&bytes);
    let digest = hasher.finalize().into();
    let text = String::from_utf8(bytes).map_err(|e| {
        let line = diagnostic::line_of(&String::from_utf8_lossy(e.as_bytes()), e.utf8_error().valid_up_to());
        Diagnostic::error(path, line, "the file is not valid UTF-8")
    })?;
    Ok((text, digest))
}

type ReadGuide = (Option<[u8; 32]>, Result<parse::Parsed, Vec<Diagnostic>>);

/// Reads and parses the guide files on every core, keeping their order; each file's text
/// is dropped as soon as it is parsed.
fn read_all(dir: &Path, files: &[PathBuf]) -> Vec<ReadGuide> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    let chunk = files.len().div_ceil(threads).max(64);
    let one = |path: &PathBuf| -> ReadGuide {
        match read_file(dir, path) {
            Ok((text, digest)) => (Some(digest), parse::parse_guide(path, &text)),
            Err(e) => (None, Err(vec![e])),
        }
    };
    std::thread::scope(|scope| {
        let parts: Vec<_> =
            files.chunks(chunk).map(|part| scope.spawn(move || part.iter().map(one).collect::<Vec<_>>())).collect();
        parts.into_iter().flat_map(|p| p.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    })
}

/// Funds × phases with the number of guides in each cell (a guide counts once per fund).
pub fn coverage(corpus: &Corpus, lang: Option<Lang>) -> BTreeMap<(Fund, Phase), Vec<String>> {
    let mut table: BTreeMap<(Fund, Phase), Vec<String>> = BTreeMap::new();
    for fund in Fund::ALL {
        for phase in Phase::ALL {
            table.insert((fund, phase), Vec::new());
        }
    }
    for g in corpus.guides.iter().filter(|g| lang.is_none_or(|l| g.lang == l)) {
        for f in &g.funds {
            table.entry((*f, g.phase)).or_default().push(g.id.clone());
        }
    }
    table
}
