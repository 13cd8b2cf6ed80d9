//! Schema, document building and the on-disk index with its rebuild rule: the index is
//! rebuilt when the corpus hash or the schema/analyzer version differs from the one it
//! was built for, and kept otherwise.

use std::path::{Path, PathBuf};

use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED, STORED, STRING,
};
use tantivy::{doc, Index, IndexWriter, TantivyDocument};

use super::analyzers::{self, ANALYZER_VERSION, EN_STEM, IT_STEM, PLAIN};
use super::legal;
use crate::guides::render::markdown_to_text;
use crate::guides::{Corpus, Guide};
use crate::i18n::Lang;

/// Bumped whenever the fields below change.
pub const SCHEMA_VERSION: u32 = 4;
const STAMP_FILE: &str = "fondilab-index-stamp";

#[derive(Clone, Copy, Debug)]
pub struct Fields {
    pub id: Field,
    pub order: Field,
    /// Position of the guide in the corpus, read as a fast field for each hit.
    pub gidx: Field,
    pub facets: Field,
    pub title_it: Field,
    pub title_en: Field,
    pub head_it: Field,
    pub head_en: Field,
    pub body_it: Field,
    pub body_en: Field,
    pub plain: Field,
    pub title_plain: Field,
    /// Legal keywords of the front matter's `legal_basis`: what the guide is about.
    pub legal_basis: Field,
    /// Legal keywords anywhere in the text.
    pub legal: Field,
}

impl Fields {
    pub fn title(&self, lang: Lang) -> Field {
        match lang {
            Lang::It => self.title_it,
            Lang::En => self.title_en,
        }
    }
    pub fn head(&self, lang: Lang) -> Field {
        match lang {
            Lang::It => self.head_it,
            Lang::En => self.head_en,
        }
    }
    pub fn body(&self, lang: Lang) -> Field {
        match lang {
            Lang::It => self.body_it,
            Lang::En => self.body_en,
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
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        order: b.add_u64_field("order", FAST | INDEXED),
        gidx: b.add_u64_field("gidx", FAST),
        facets: b.add_facet_field("facets", INDEXED),
        title_it: b.add_text_field("title_it", text(IT_STEM)),
        title_en: b.add_text_field("title_en", text(EN_STEM)),
        head_it: b.add_text_field("head_it", text(IT_STEM)),
        head_en: b.add_text_field("head_en", text(EN_STEM)),
        body_it: b.add_text_field("body_it", text(IT_STEM)),
        body_en: b.add_text_field("body_en", text(EN_STEM)),
        plain: b.add_text_field("plain", text(PLAIN)),
        title_plain: b.add_text_field("title_plain", text(PLAIN)),
        legal_basis: b.add_text_field("legal_basis", keywords()),
        legal: b.add_text_field("legal", keywords()),
    };
    (b.build(), fields)
}

/// The stamp an index directory must carry to be reused for `corpus`.
pub fn stamp(corpus: &Corpus) -> String {
    format!("schema={SCHEMA_VERSION};analyzers={ANALYZER_VERSION};corpus={}", corpus.hash)
}

/// Facet paths of a guide: `/fund/FSE+`, `/phase/avviso`, `/lang/it`, `/topic/…`.
pub fn facet_paths(guide: &Guide) -> Vec<tantivy::schema::Facet> {
    use tantivy::schema::Facet;
    let mut out: Vec<Facet> = guide.funds.iter().map(|f| Facet::from_path(["fund", f.as_str()])).collect();
    out.push(Facet::from_path(["phase", guide.phase.as_str()]));
    out.push(Facet::from_path(["lang", guide.lang.code()]));
    out.extend(guide.topics.iter().map(|t| Facet::from_path(["topic", t.as_str()])));
    out
}

/// Plain text of a guide body, as indexed and as snippets are cut from.
pub fn body_text(guide: &Guide) -> String {
    markdown_to_text(&guide.body_text())
}

fn document(f: &Fields, guide: &Guide, gidx: u64, order: u64, body: &str) -> TantivyDocument {
    let mut d = doc!(f.id => guide.id.as_str(), f.order => order, f.gidx => gidx);
    for facet in facet_paths(guide) {
        d.add_facet(f.facets, facet);
    }
    let headings: Vec<&str> = guide.steps.iter().map(|s| s.title.as_str()).collect();
    let headings = headings.join("\n");
    d.add_text(f.title(guide.lang), &guide.title);
    d.add_text(f.head(guide.lang), &headings);
    d.add_text(f.body(guide.lang), body);
    d.add_text(f.title_plain, &guide.title);
    d.add_text(f.plain, &guide.title);
    d.add_text(f.plain, body);
    for basis in &guide.legal_basis {
        d.add_text(f.plain, basis);
    }
    for key in legal::keys(&guide.legal_basis.join("; ")) {
        d.add_text(f.legal_basis, &key);
    }
    for key in legal::keys(body) {
        d.add_text(f.legal, &key);
    }
    d
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
    let mut writer: IndexWriter = index.writer_with_num_threads(1, 64_000_000)?;
    // Browsing without a query lists guides by title; `order` is that rank.
    let mut by_title: Vec<usize> = (0..corpus.guides.len()).collect();
    by_title.sort_by_cached_key(|&i| corpus.guides[i].title.to_lowercase());
    let mut order = vec![0u64; corpus.guides.len()];
    for (rank, &i) in by_title.iter().enumerate() {
        order[i] = rank as u64;
    }
    for (i, guide) in corpus.guides.iter().enumerate() {
        writer.add_document(document(fields, guide, i as u64, order[i], &body_text(guide)))?;
    }
    writer.commit()?;
    writer.wait_merging_threads()?;
    Ok(())
}
