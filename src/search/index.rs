//! Schema, documents and the on-disk index with its rebuild rule: the index is rebuilt when
//! the corpus hash or the schema/analyzer version differs from the one it was built for,
//! and kept otherwise.
//!
//! Each guide is indexed as one *head* (title, questions, introduction, topics, legal
//! basis) and one *passage* per step or closing section (heading and text), so a question
//! answered by one step of a long guide finds that step. Every document carries `key`, a
//! fast field with the guide's position in the corpus and the part's number (0 = head).
//! Filters and facets work on the corpus in memory, not in the index.

use std::path::{Path, PathBuf};

use tantivy::schema::{Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST};
use tantivy::{Index, IndexWriter, TantivyDocument};

use super::analyzers::{self, ANALYZER_VERSION, EN_STEM, IT_STEM, PLAIN};
use super::legal;
use crate::guides::render::markdown_to_text;
use crate::guides::{Corpus, Guide};
use crate::i18n::Lang;

/// Bumped whenever the fields below or what goes into them change.
pub const SCHEMA_VERSION: u32 = 5;
const STAMP_FILE: &str = "fondilab-index-stamp";

/// Parts of a guide beyond this many are indexed with the last one (no guide comes close).
pub const MAX_PARTS: u64 = 0xffff;

/// `key` of the document for part `part` (0 = head) of guide `gidx`.
pub fn key(gidx: usize, part: usize) -> u64 {
    ((gidx as u64) << 16) | (part as u64).min(MAX_PARTS)
}

/// (guide position, part) of a `key`.
pub fn unkey(key: u64) -> (usize, usize) {
    ((key >> 16) as usize, (key & MAX_PARTS) as usize)
}

/// One language's stemmed fields.
#[derive(Clone, Copy, Debug)]
pub struct LangFields {
    pub title: Field,
    pub questions: Field,
    /// Topic labels and audience.
    pub meta: Field,
    pub heading: Field,
    /// Introduction (head) or part text.
    pub body: Field,
}

#[derive(Clone, Copy, Debug)]
pub struct Fields {
    pub key: Field,
    pub it: LangFields,
    pub en: LangFields,
    /// Everything of the document, lower-cased and folded but not stemmed: exact words,
    /// phrases, prefixes and the vocabulary typo correction draws on.
    pub plain: Field,
    /// Legal keywords of the front matter's `legal_basis` (heads): what the guide is about.
    pub legal_basis: Field,
    /// Legal keywords anywhere in the document's text.
    pub legal: Field,
}

impl Fields {
    pub fn lang(&self, lang: Lang) -> &LangFields {
        match lang {
            Lang::It => &self.it,
            Lang::En => &self.en,
        }
    }
}

fn text(tokenizer: &str) -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    )
}

/// Untokenized keywords with frequencies, so a guide citing three paragraphs of one
/// article in a short legal basis ranks above one citing it in passing.
fn keywords() -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default().set_tokenizer("raw").set_index_option(IndexRecordOption::WithFreqs),
    )
}

pub fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let mut lang = |suffix: &str, tokenizer: &str| LangFields {
        title: b.add_text_field(&format!("title_{suffix}"), text(tokenizer)),
        questions: b.add_text_field(&format!("questions_{suffix}"), text(tokenizer)),
        meta: b.add_text_field(&format!("meta_{suffix}"), text(tokenizer)),
        heading: b.add_text_field(&format!("heading_{suffix}"), text(tokenizer)),
        body: b.add_text_field(&format!("body_{suffix}"), text(tokenizer)),
    };
    let it = lang("it", IT_STEM);
    let en = lang("en", EN_STEM);
    let fields = Fields {
        key: b.add_u64_field("key", FAST),
        it,
        en,
        plain: b.add_text_field("plain", text(PLAIN)),
        legal_basis: b.add_text_field("legal_basis", keywords()),
        legal: b.add_text_field("legal", keywords()),
    };
    (b.build(), fields)
}

/// The stamp an index directory must carry to be reused for `corpus`.
pub fn stamp(corpus: &Corpus) -> String {
    format!("schema={SCHEMA_VERSION};analyzers={ANALYZER_VERSION};corpus={}", corpus.hash)
}

/// The documents of one guide: its head, then one per part.
fn documents(f: &Fields, corpus: &Corpus, gidx: usize) -> Vec<TantivyDocument> {
    let guide = &corpus.guides[gidx];
    let lf = f.lang(guide.lang);
    let mut out = Vec::with_capacity(guide.steps.len() + guide.sections.len() + 1);

    let mut head = TantivyDocument::default();
    head.add_u64(f.key, key(gidx, 0));
    head.add_text(lf.title, &guide.title);
    let questions = guide.questions.join("\n");
    head.add_text(lf.questions, &questions);
    let text = guide.text();
    let intro = markdown_to_text(&text.intro);
    head.add_text(lf.body, &intro);
    let mut meta: Vec<&str> = guide.topics.iter().map(|t| corpus.topics.label(t, guide.lang)).collect();
    meta.extend(guide.audience.as_deref());
    head.add_text(lf.meta, meta.join("\n"));
    for text in [guide.title.as_str(), &questions, &intro] {
        head.add_text(f.plain, text);
    }
    for basis in &guide.legal_basis {
        head.add_text(f.plain, basis);
    }
    for k in legal::keys(&guide.legal_basis.join("; ")) {
        head.add_text(f.legal_basis, &k);
    }
    for k in legal::keys(&format!("{}\n{intro}", guide.title)) {
        head.add_text(f.legal, &k);
    }
    out.push(head);

    for (i, ((_, heading), body)) in guide.parts().into_iter().zip(text.bodies()).enumerate() {
        let body = markdown_to_text(body);
        let mut d = TantivyDocument::default();
        d.add_u64(f.key, key(gidx, i + 1));
        d.add_text(lf.heading, heading);
        d.add_text(lf.body, &body);
        d.add_text(f.plain, heading);
        d.add_text(f.plain, &body);
        for k in legal::keys(&format!("{heading}\n{body}")) {
            d.add_text(f.legal, &k);
        }
        out.push(d);
    }
    out
}

/// Plain text of one part of a guide (0 = the introduction), as snippets are cut from.
pub fn part_text(guide: &Guide, part: usize) -> String {
    let text = guide.text();
    match part {
        0 => markdown_to_text(&text.intro),
        n => text.bodies().nth(n - 1).map(markdown_to_text).unwrap_or_default(),
    }
}

/// Opens the index in `dir` if its stamp matches, otherwise rebuilds it there.
/// Returns the index and whether it was rebuilt.
pub fn open_or_build(dir: &Path, corpus: &Corpus, force: bool) -> anyhow::Result<(Index, bool)> {
    let want = stamp(corpus);
    let have = std::fs::read_to_string(dir.join(STAMP_FILE)).ok();
    if !force && have.as_deref() == Some(want.as_str()) {
        if let Ok(index) = Index::open_in_dir(dir) {
            analyzers::register(&index);
            return Ok((index, false));
        }
    }
    build(dir, corpus)?;
    let index = Index::open_in_dir(dir)?;
    analyzers::register(&index);
    Ok((index, true))
}

/// Builds a fresh index beside `dir` and swaps it in, so a crash mid-build never leaves
/// a half-written index behind a valid stamp.
fn build(dir: &Path, corpus: &Corpus) -> anyhow::Result<()> {
    let parent = dir.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."));
    std::fs::create_dir_all(&parent)?;
    let tmp = parent.join(format!(
        ".{}-building-{}",
        dir.file_name().and_then(|n| n.to_str()).unwrap_or("index"),
        std::process::id()
    ));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp)?;
    }
    std::fs::create_dir_all(&tmp)?;
    let (schema, fields) = schema();
    let index = Index::create_in_dir(&tmp, schema)?;
    analyzers::register(&index);
    fill(&index, &fields, corpus)?;
    std::fs::write(tmp.join(STAMP_FILE), stamp(corpus))?;
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::rename(&tmp, dir)?;
    Ok(())
}

/// An index in memory, for tests and benchmarks that should not touch the disk.
pub fn build_in_ram(corpus: &Corpus) -> anyhow::Result<Index> {
    let (schema, fields) = schema();
    let index = Index::create_in_ram(schema);
    analyzers::register(&index);
    fill(&index, &fields, corpus)?;
    Ok(index)
}

fn fill(index: &Index, fields: &Fields, corpus: &Corpus) -> anyhow::Result<()> {
    let mut writer: IndexWriter = index.writer_with_num_threads(2, 120_000_000)?;
    for gidx in 0..corpus.guides.len() {
        for d in documents(fields, corpus, gidx) {
            writer.add_document(d)?;
        }
    }
    writer.commit()?;
    // Two threads write two segments; searching one is faster, so they are merged.
    let segments = index.searchable_segment_ids()?;
    if segments.len() > 1 {
        writer.merge(&segments).wait()?;
    }
    writer.wait_merging_threads()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        assert_eq!(unkey(key(12_345, 7)), (12_345, 7));
        assert_eq!(unkey(key(0, 0)), (0, 0));
    }
}
