//! Certificate of attendance ("attestato di partecipazione") as a one-page A4 PDF.
//!
//! Text is set in DejaVu Sans and DejaVu Sans Bold (`assets/fonts/`, with their licence), embedded as
//! subsets that hold only the glyphs the page uses. Each is a Type0 font with the Identity-H encoding over
//! a CIDFontType2 whose CIDs are the subset's glyph ids, with the glyphs' widths (`/W`) and a ToUnicode
//! map, so names in Latin Extended, Greek or Cyrillic print as written and can be searched and copied.
//! Characters the font has no glyph for print as `?`. One character is one glyph, measured with its
//! advance width: there is no shaping, which the scripts above do not need (right-to-left scripts and
//! those that join or reorder letters would). Oblique text is the regular face slanted.
//!
//! The PDF is tagged for screen readers: the heading is an H1 and every other paragraph a P of the
//! structure tree, each referring to its marked-content sequence on the page; the frame and the rules are
//! artifacts; the catalog gives the language, and viewers show the document title.

use crate::i18n::Lang;
use pdf_writer::types::{ArtifactType, CidFontType, FontFlags, StructRole, SystemInfo, TabOrder, UnicodeCmap};
use pdf_writer::writers::StructTreeRoot;
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::sync::LazyLock;
use subsetter::GlyphRemapper;

/// The data printed on a certificate. All strings are already in the certificate's language.
#[derive(Debug, Clone)]
pub struct Certificate<'a> {
    pub lang: Lang,
    /// The participant, e.g. "Maria Rossi".
    pub person: &'a str,
    /// e.g. "ASL Bari".
    pub organisation: Option<&'a str>,
    /// e.g. "Puglia".
    pub region: Option<&'a str>,
    pub event_title: &'a str,
    /// "webinar", "Open Lab", … in the certificate's language.
    pub kind_label: &'a str,
    /// e.g. "12/03/2026, 10:00–12:00 (ora italiana)".
    pub when: &'a str,
    /// How long the event lasted, in minutes.
    pub minutes: i64,
    /// e.g. "26/11/2026".
    pub issued_on: &'a str,
    /// e.g. "FL-2026-000042-0007".
    pub serial: &'a str,
}

/// A4 landscape, in points.
const PAGE_W: f32 = 842.0;
const PAGE_H: f32 = 595.0;
/// Horizontal margin of the text block.
const MARGIN_X: f32 = 90.0;
const TEXT_W: f32 = PAGE_W - 2.0 * MARGIN_X;

/// Lowest baseline available to the body, above the issuer block.
const BODY_FLOOR: f32 = 140.0;
/// Line spacing as a multiple of the font size.
const LEADING: f32 = 1.25;

const INK: (f32, f32, f32) = (0.10, 0.12, 0.16);
const MUTED: (f32, f32, f32) = (0.33, 0.36, 0.40);
const ACCENT: (f32, f32, f32) = (0.09, 0.27, 0.45);

/// Renders the certificate as a complete PDF file.
pub fn pdf(c: &Certificate) -> Vec<u8> {
    let t = |it, en| c.lang.t(it, en);

    let mut page = Layout::new();
    page.frame();

    page.y = PAGE_H - 105.0;
    page.paragraph(
        t("Attestato di partecipazione", "Certificate of attendance"),
        Font::Bold,
        30.0,
        ACCENT,
        1,
        StructRole::H1,
    );
    page.rule(page.y + 14.0, 140.0);
    page.y -= 40.0;

    let title = format!("\u{201c}{}\u{201d}", c.event_title.trim());
    let title_size = if wrap(&title, Font::Bold, 20.0, TEXT_W).len() <= 2 { 20.0 } else { 16.0 };
    let mut body = vec![
        Block::new(0.0, t("Si attesta che", "This is to certify that"), Font::Regular, 14.0, MUTED, 1),
        Block::new(20.0, c.person, Font::Bold, 28.0, INK, 2),
    ];
    if let Some(affiliation) = affiliation(c) {
        body.push(Block::new(0.0, &affiliation, Font::Regular, 14.0, INK, 2));
    }
    body.extend([
        Block::new(24.0, t("ha partecipato a", "attended"), Font::Regular, 14.0, MUTED, 1),
        Block::new(6.0, c.kind_label, Font::Oblique, 14.0, INK, 1),
        Block::new(10.0, &title, Font::Bold, title_size, INK, 4),
        Block::new(18.0, c.when, Font::Regular, 13.0, INK, 2),
        Block::new(0.0, &duration(c), Font::Regular, 13.0, INK, 1),
    ]);
    let room = page.y - BODY_FLOOR;
    let scale = [1.0, 0.9, 0.8, 0.7].into_iter().find(|&s| height(&body, s) <= room).unwrap_or(0.6);
    for block in &body {
        page.y -= block.gap * scale;
        page.paragraph(&block.text, block.font, block.size * scale, block.color, block.max_lines, StructRole::P);
    }

    page.y = 100.0;
    page.rule(page.y + 22.0, TEXT_W);
    page.paragraph(
        t(
            "Partenariato regionale per le competenze digitali in sanità \u{2013} WP5, coordinamento ProMIS",
            "Regional Partnership on Digital Skills for Health \u{2013} WP5, coordinated by ProMIS",
        ),
        Font::Regular,
        10.5,
        INK,
        2,
        StructRole::P,
    );
    let footer =
        format!("{} {} \u{00b7} {} {}", t("Rilasciato il", "Issued on"), c.issued_on, t("N.", "Serial no."), c.serial);
    page.paragraph(&footer, Font::Regular, 10.0, MUTED, 1, StructRole::P);

    let info_title = format!("{} \u{2013} {}", t("Attestato di partecipazione", "Certificate of attendance"), c.person);
    assemble(page, c.lang, &info_title)
}

/// A paragraph of the certificate body, preceded by `gap` points of extra space.
struct Block {
    gap: f32,
    text: String,
    font: Font,
    size: f32,
    color: (f32, f32, f32),
    max_lines: usize,
}

impl Block {
    fn new(gap: f32, text: &str, font: Font, size: f32, color: (f32, f32, f32), max_lines: usize) -> Self {
        Block { gap, text: text.to_string(), font, size, color, max_lines }
    }
}

/// Vertical space taken by `blocks` with every size and gap multiplied by `scale`.
fn height(blocks: &[Block], scale: f32) -> f32 {
    blocks
        .iter()
        .map(|b| {
            let size = b.size * scale;
            let lines = wrap(&b.text, b.font, size, TEXT_W).len().min(b.max_lines);
            b.gap * scale + lines as f32 * size * LEADING
        })
        .sum()
}

/// "ASL Bari – Regione Puglia", or whichever part is present.
fn affiliation(c: &Certificate) -> Option<String> {
    let organisation = c.organisation.map(str::trim).filter(|s| !s.is_empty());
    let region = c.region.map(str::trim).filter(|s| !s.is_empty()).map(|r| match c.lang {
        Lang::It => format!("Regione {r}"),
        Lang::En => format!("{r} Region"),
    });
    match (organisation, region) {
        (Some(o), Some(r)) => Some(format!("{o} \u{2013} {r}")),
        (Some(o), None) => Some(o.to_string()),
        (None, r) => r,
    }
}

/// "Durata: 2 ore", "Durata: 45 minuti" / "Duration: 1 hour 30 minutes".
fn duration(c: &Certificate) -> String {
    format!("{}: {}", c.lang.t("Durata", "Duration"), crate::clock::duration_text(c.minutes, c.lang))
}

/// The character collection of every font here: CIDs are glyph ids of the embedded subset.
const IDENTITY: SystemInfo = SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"Identity"), supplement: 0 };

/// Writes the document around the page content: catalog, page, structure tree, fonts, information.
fn assemble(layout: Layout, lang: Lang, title: &str) -> Vec<u8> {
    let Layout { content, fonts, tags, .. } = layout;
    let mut next = Ref::new(1);
    let catalog_id = next.bump();
    let pages_id = next.bump();
    let page_id = next.bump();
    let content_id = next.bump();
    let info_id = next.bump();
    let tree_id = next.bump();
    let document_id = next.bump();
    let parents_id = next.bump();
    let element_ids: Vec<Ref> = tags.iter().map(|_| next.bump()).collect();

    let mut pdf = Pdf::new();
    let mut catalog = pdf.catalog(catalog_id);
    catalog.pages(pages_id).lang(TextStr(lang.t("it-IT", "en-GB")));
    catalog.pair(Name(b"StructTreeRoot"), tree_id);
    catalog.mark_info().marked(true);
    catalog.viewer_preferences().display_doc_title(true);
    catalog.finish();
    pdf.pages(pages_id).kids([page_id]).count(1);

    let font_ids: Vec<FontIds> = FontFile::ALL.iter().map(|_| FontIds::new(&mut next)).collect();
    let mut page = pdf.page(page_id);
    page.parent(pages_id)
        .media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
        .contents(content_id)
        .struct_parents(0)
        .tab_order(TabOrder::StructureOrder);
    {
        let mut resources = page.resources();
        let mut resource_fonts = resources.fonts();
        for (file, ids) in FontFile::ALL.into_iter().zip(&font_ids) {
            resource_fonts.pair(file.resource(), ids.type0);
        }
    }
    page.finish();
    pdf.stream(content_id, &deflate(&content.finish())).filter(Filter::FlateDecode);

    // The structure tree: Document, then one element per marked-content sequence, in reading order.
    // The parent tree maps the page's MCIDs (its array index) back to their elements.
    let mut tree = pdf.indirect(tree_id).start::<StructTreeRoot>();
    tree.child(document_id);
    tree.parent_tree().nums().insert(0, parents_id);
    tree.parent_tree_next_key(1);
    tree.finish();
    let mut document = pdf.struct_element(document_id);
    document.kind(StructRole::Document).parent(tree_id);
    document.children().items(element_ids.iter().copied());
    document.finish();
    for (mcid, (&role, &id)) in tags.iter().zip(&element_ids).enumerate() {
        let mut element = pdf.struct_element(id);
        element.kind(role).parent(document_id).page(page_id);
        element.children().marked_content_id(mcid as i32);
    }
    pdf.indirect(parents_id).array().items(element_ids.iter().copied());

    for ((file, used), ids) in FontFile::ALL.into_iter().zip(&fonts).zip(&font_ids) {
        write_font(&mut pdf, file, used, ids);
    }

    pdf.document_info(info_id).title(TextStr(title)).producer(TextStr("fondilab"));
    pdf.finish()
}

/// The objects that make up one embedded font.
struct FontIds {
    type0: Ref,
    cid: Ref,
    descriptor: Ref,
    program: Ref,
    to_unicode: Ref,
}

impl FontIds {
    fn new(next: &mut Ref) -> Self {
        FontIds {
            type0: next.bump(),
            cid: next.bump(),
            descriptor: next.bump(),
            program: next.bump(),
            to_unicode: next.bump(),
        }
    }
}

/// Writes `file` as a Type0 font over a CIDFontType2 holding the subset of the glyphs in `used`.
fn write_font(pdf: &mut Pdf, file: FontFile, used: &UsedGlyphs, ids: &FontIds) {
    // The subsetter only fails on fonts it cannot read, and these are fixed at build time (a test subsets
    // every glyph of both).
    let program = subsetter::subset(file.data(), 0, &used.glyphs).expect("the embedded fonts can be subset");
    let base_name = format!("{}+{}", subset_tag(file, &used.glyphs), file.postscript_name());
    let base_font = Name(base_name.as_bytes());
    let face = file.face();
    let to_pdf = 1000.0 / f32::from(face.units_per_em());
    let scaled = |v: i16| f32::from(v) * to_pdf;

    pdf.type0_font(ids.type0)
        .base_font(base_font)
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(ids.cid)
        .to_unicode(ids.to_unicode);

    let widths: Vec<f32> = used.glyphs.remapped_gids().map(|old| f32::from(file.advance(old)) * to_pdf).collect();
    let mut cid = pdf.cid_font(ids.cid);
    cid.subtype(CidFontType::Type2)
        .base_font(base_font)
        .system_info(IDENTITY)
        .font_descriptor(ids.descriptor)
        .cid_to_gid_map_predefined(Name(b"Identity"));
    cid.widths().consecutive(0, widths);
    cid.finish();

    let bbox = face.global_bounding_box();
    pdf.font_descriptor(ids.descriptor)
        .name(base_font)
        .flags(FontFlags::NON_SYMBOLIC)
        .bbox(Rect::new(scaled(bbox.x_min), scaled(bbox.y_min), scaled(bbox.x_max), scaled(bbox.y_max)))
        .italic_angle(0.0)
        .ascent(scaled(face.ascender()))
        .descent(scaled(face.descender()))
        .cap_height(scaled(face.capital_height().unwrap_or(face.ascender())))
        .stem_v(10.0 + 0.244 * (f32::from(face.weight().to_number()) - 50.0))
        .font_file2(ids.program);
    pdf.stream(ids.program, &deflate(&program))
        .filter(Filter::FlateDecode)
        .pair(Name(b"Length1"), i32::try_from(program.len()).unwrap_or(i32::MAX));

    let mut cmap = UnicodeCmap::new(Name(b"Custom"), IDENTITY);
    for (&glyph, &ch) in &used.text {
        cmap.pair(glyph, ch);
    }
    pdf.stream(ids.to_unicode, &deflate(&cmap.finish())).filter(Filter::FlateDecode);
}

/// Six capital letters that name a subset (`ABCDEF+DejaVuSans`), the same for the same glyphs.
fn subset_tag(file: FontFile, glyphs: &GlyphRemapper) -> String {
    let mut hash = Sha256::new();
    hash.update(file.postscript_name());
    for glyph in glyphs.remapped_gids() {
        hash.update(glyph.to_be_bytes());
    }
    hash.finalize().iter().take(6).map(|b| char::from(b'A' + b % 26)).collect()
}

/// zlib-compressed `data`, for a stream with the FlateDecode filter.
fn deflate(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
}

/// The font programs embedded, as subsets, in every certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FontFile {
    Sans,
    SansBold,
}

static SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static SANS_BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");
static SANS_FACE: LazyLock<ttf_parser::Face<'static>> =
    LazyLock::new(|| ttf_parser::Face::parse(SANS, 0).expect("DejaVuSans.ttf is a font"));
static SANS_BOLD_FACE: LazyLock<ttf_parser::Face<'static>> =
    LazyLock::new(|| ttf_parser::Face::parse(SANS_BOLD, 0).expect("DejaVuSans-Bold.ttf is a font"));

impl FontFile {
    const ALL: [FontFile; 2] = [FontFile::Sans, FontFile::SansBold];

    fn data(self) -> &'static [u8] {
        match self {
            FontFile::Sans => SANS,
            FontFile::SansBold => SANS_BOLD,
        }
    }

    fn face(self) -> &'static ttf_parser::Face<'static> {
        match self {
            FontFile::Sans => &SANS_FACE,
            FontFile::SansBold => &SANS_BOLD_FACE,
        }
    }

    fn index(self) -> usize {
        match self {
            FontFile::Sans => 0,
            FontFile::SansBold => 1,
        }
    }

    fn resource(self) -> Name<'static> {
        match self {
            FontFile::Sans => Name(b"F1"),
            FontFile::SansBold => Name(b"F2"),
        }
    }

    fn postscript_name(self) -> &'static str {
        match self {
            FontFile::Sans => "DejaVuSans",
            FontFile::SansBold => "DejaVuSans-Bold",
        }
    }

    /// The glyph that shows `ch`, if the font has one.
    fn glyph(self, ch: char) -> Option<u16> {
        self.face().glyph_index(ch).map(|g| g.0)
    }

    /// Advance width of `glyph` in font units.
    fn advance(self, glyph: u16) -> u16 {
        self.face().glyph_hor_advance(ttf_parser::GlyphId(glyph)).unwrap_or(0)
    }
}

/// The text styles of the certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Font {
    Regular,
    Bold,
    /// The regular face slanted by the text matrix.
    Oblique,
}

/// Horizontal shear of oblique text: tan 12°.
const OBLIQUE_SLANT: f32 = 0.2126;

impl Font {
    fn file(self) -> FontFile {
        match self {
            Font::Regular | Font::Oblique => FontFile::Sans,
            Font::Bold => FontFile::SansBold,
        }
    }

    fn slant(self) -> f32 {
        if self == Font::Oblique {
            OBLIQUE_SLANT
        } else {
            0.0
        }
    }

    /// Width in points of `text` at `size`, as the advance widths of its glyphs add up (a character the font
    /// lacks counts as the missing-glyph box).
    fn measure(self, text: &str, size: f32) -> f32 {
        let file = self.file();
        let units: u32 = text.chars().map(|ch| u32::from(file.advance(file.glyph(ch).unwrap_or(0)))).sum();
        units as f32 * size / f32::from(file.face().units_per_em())
    }

    /// `text` as this font can print it: whitespace controls become spaces, characters without a glyph `?`.
    fn printable(self, text: &str) -> String {
        let file = self.file();
        text.chars()
            .map(|ch| match ch {
                '\t' | '\n' | '\r' => ' ',
                ch if file.glyph(ch).is_some() => ch,
                _ => '?',
            })
            .collect()
    }
}

/// The glyphs of one font that the page shows, numbered as they will be in its subset.
struct UsedGlyphs {
    glyphs: GlyphRemapper,
    /// The character each glyph of the subset stands for, by subset glyph id (the CID), for ToUnicode.
    text: BTreeMap<u16, char>,
}

impl UsedGlyphs {
    fn new() -> Self {
        UsedGlyphs { glyphs: GlyphRemapper::new(), text: BTreeMap::new() }
    }

    /// `line` as Identity-H bytes: the two-byte subset glyph id of each character.
    fn encode(&mut self, file: FontFile, line: &str) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(2 * line.len());
        for ch in line.chars() {
            let cid = self.glyphs.remap(file.glyph(ch).unwrap_or(0));
            self.text.entry(cid).or_insert(ch);
            bytes.extend(cid.to_be_bytes());
        }
        bytes
    }
}

/// Page content with a vertical cursor; text lines are centred horizontally. Every paragraph is a
/// marked-content sequence whose MCID is its index in `tags`.
struct Layout {
    content: Content,
    /// Baseline of the next line.
    y: f32,
    /// The glyphs used, by `FontFile::index`.
    fonts: [UsedGlyphs; 2],
    /// The structure role of each marked-content sequence, by MCID.
    tags: Vec<StructRole>,
}

impl Layout {
    fn new() -> Self {
        Layout { content: Content::new(), y: PAGE_H, fonts: [UsedGlyphs::new(), UsedGlyphs::new()], tags: Vec::new() }
    }

    /// Starts decoration that is not part of the text (to be closed with `end_marked_content`).
    fn begin_artifact(&mut self) {
        self.content
            .begin_marked_content_with_properties(Name(b"Artifact"))
            .properties()
            .artifact()
            .kind(ArtifactType::Layout);
    }

    /// A double border around the page.
    fn frame(&mut self) {
        let (r, g, b) = ACCENT;
        self.begin_artifact();
        self.content.save_state().set_stroke_rgb(r, g, b);
        self.content.set_line_width(1.6).rect(24.0, 24.0, PAGE_W - 48.0, PAGE_H - 48.0).stroke();
        self.content.set_line_width(0.5).rect(30.0, 30.0, PAGE_W - 60.0, PAGE_H - 60.0).stroke();
        self.content.restore_state().end_marked_content();
    }

    /// A thin centred horizontal line of the given width at height `y`.
    fn rule(&mut self, y: f32, width: f32) {
        let (r, g, b) = ACCENT;
        let x = (PAGE_W - width) / 2.0;
        self.begin_artifact();
        self.content.save_state().set_stroke_rgb(r, g, b).set_line_width(0.6);
        self.content.move_to(x, y).line_to(x + width, y).stroke().restore_state().end_marked_content();
    }

    /// Writes `text` centred, wrapped to the text width, using at most `max_lines` lines (the last one ends
    /// with an ellipsis when text is cut), as one marked-content sequence of the structure element `role`,
    /// and moves the cursor below it.
    fn paragraph(
        &mut self,
        text: &str,
        font: Font,
        size: f32,
        color: (f32, f32, f32),
        max_lines: usize,
        role: StructRole,
    ) {
        let mut lines = wrap(text, font, size, TEXT_W);
        if lines.is_empty() {
            return;
        }
        if lines.len() > max_lines {
            lines.truncate(max_lines);
            if let Some(last) = lines.last_mut() {
                *last = with_ellipsis(last, font, size, TEXT_W);
            }
        }
        let mcid = i32::try_from(self.tags.len()).expect("a page holds few paragraphs");
        self.tags.push(role);
        self.content.begin_marked_content_with_properties(role.to_name()).properties().identify(mcid);
        let file = font.file();
        let leading = size * LEADING;
        for line in lines {
            let x = (PAGE_W - font.measure(line.trim_end(), size)) / 2.0;
            let shown = self.fonts[file.index()].encode(file, &line);
            self.content.begin_text();
            self.content.set_font(file.resource(), size).set_fill_rgb(color.0, color.1, color.2);
            self.content.set_text_matrix([1.0, 0.0, font.slant(), 1.0, x, self.y]).show(Str(&shown)).end_text();
            self.y -= leading;
        }
        self.content.end_marked_content();
    }
}

/// Splits `text` into lines no wider than `max_width`, breaking at spaces and, for words longer than a
/// line, between characters. Characters the font lacks are already `?` in the lines. A line that ends at a
/// space keeps it, past the width, so that text read or copied from the page has its words apart.
fn wrap(text: &str, font: Font, size: f32, max_width: f32) -> Vec<String> {
    let fits = |line: &str| font.measure(line, size) <= max_width;
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace().map(|w| font.printable(w)) {
        let mut candidate = line.clone();
        if !candidate.is_empty() {
            candidate.push(' ');
        }
        candidate.push_str(&word);
        if fits(&candidate) {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            line.push(' ');
            lines.push(std::mem::take(&mut line));
        }
        for ch in word.chars() {
            line.push(ch);
            if !fits(&line) && line.chars().count() > 1 {
                line.pop();
                lines.push(std::mem::replace(&mut line, ch.to_string()));
            }
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// `line` shortened so that it still fits once an ellipsis is appended.
fn with_ellipsis(line: &str, font: Font, size: f32, max_width: f32) -> String {
    let mut out = line.trim_end().to_string();
    loop {
        out.push('\u{2026}');
        if out.chars().count() == 1 || font.measure(&out, size) <= max_width {
            return out;
        }
        out.pop();
        out.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::content::Content as Ops;
    use lopdf::{Dictionary, Document, Object};

    fn sample(lang: Lang) -> Certificate<'static> {
        Certificate {
            lang,
            person: "Maria Rossi",
            organisation: Some("ASL Bari"),
            region: Some("Puglia"),
            event_title: "Telemedicina e qualità delle cure: più sicurezza per i cittadini",
            kind_label: "webinar",
            when: "12/03/2026, 10:00\u{2013}12:00 (ora italiana)",
            minutes: 120,
            issued_on: "26/11/2026",
            serial: "FL-2026-000042-0007",
        }
    }

    /// Loads the PDF with an independent reader and returns its page count and the text of the first page
    /// as that reader extracts it through the fonts' ToUnicode maps, one line of the page per line.
    fn read(bytes: &[u8]) -> (usize, String) {
        let doc = Document::load_mem(bytes).expect("readable PDF");
        let text = doc.extract_text(&[1]).expect("extractable text");
        (doc.get_pages().len(), text)
    }

    fn operations(doc: &Document) -> Vec<lopdf::content::Operation> {
        let page_id = *doc.get_pages().values().next().unwrap();
        Ops::decode(&doc.get_page_content(page_id)).unwrap().operations
    }

    fn dict<'a>(doc: &'a Document, object: &'a Object) -> &'a Dictionary {
        match object {
            Object::Reference(id) => doc.get_dictionary(*id).unwrap(),
            other => other.as_dict().unwrap(),
        }
    }

    fn name<'a>(d: &'a Dictionary, key: &[u8]) -> &'a [u8] {
        d.get(key).and_then(Object::as_name).unwrap_or_else(|_| panic!("no name {}", String::from_utf8_lossy(key)))
    }

    /// A PDF text string (UTF-16BE with a byte-order mark, or PDFDocEncoding for ASCII) as Rust text.
    fn text_string(object: &Object) -> String {
        let bytes = object.as_str().unwrap();
        match bytes.strip_prefix(&[0xfe, 0xff]) {
            Some(utf16) => {
                let units: Vec<u16> = utf16.chunks(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
                String::from_utf16(&units).unwrap()
            }
            None => String::from_utf8(bytes.to_vec()).unwrap(),
        }
    }

    #[test]
    fn italian_certificate() {
        let c = sample(Lang::It);
        let bytes = pdf(&c);
        assert!(bytes.starts_with(b"%PDF-"));
        let (pages, text) = read(&bytes);
        assert_eq!(pages, 1);
        for expected in [
            "Attestato di partecipazione",
            "Si attesta che",
            "Maria Rossi",
            "ASL Bari \u{2013} Regione Puglia",
            "ha partecipato a",
            "webinar",
            "qualità",
            "12/03/2026, 10:00\u{2013}12:00 (ora italiana)",
            "Durata: 2 ore",
            "competenze digitali in sanità",
            "Rilasciato il 26/11/2026",
            "FL-2026-000042-0007",
        ] {
            assert!(text.contains(expected), "{expected:?} not in {text}");
        }
        // A wrapped title keeps the space at its line break.
        let joined = text.replace('\n', "");
        assert!(joined.contains(c.event_title), "{joined}");
    }

    #[test]
    fn english_certificate() {
        let mut c = sample(Lang::En);
        c.kind_label = "Open Lab";
        c.minutes = 60;
        c.organisation = None;
        let (_, text) = read(&pdf(&c));
        for expected in
            ["Certificate of attendance", "This is to certify that", "attended", "Puglia Region", "Duration: 1 hour"]
        {
            assert!(text.contains(expected), "{expected:?} not in {text}");
        }
        assert!(!text.contains("ASL"));
    }

    #[test]
    fn a_short_event_lasts_minutes_not_a_fraction_of_an_hour() {
        let mut c = sample(Lang::It);
        c.minutes = 45;
        let (_, text) = read(&pdf(&c));
        assert!(text.contains("Durata: 45 minuti"), "{text}");
        c.minutes = 90;
        let (_, text) = read(&pdf(&c));
        assert!(text.contains("Durata: 1 ora e 30 minuti"), "{text}");
    }

    #[test]
    fn names_in_latin_extended_greek_and_cyrillic_print_as_written() {
        for person in [
            "Łukasz Żółć",
            "Antonín Dvořák",
            "Ştefan Țurcanu",
            "Αλέξανδρος Παπαδόπουλος",
            "Анна Петрова",
            "Ærøskøbing Œdipe Ğülşen",
        ] {
            let organisation = "Spital Județean Cluj \u{2013} Σπίτι \u{2013} Больница №1";
            let c = Certificate { person, organisation: Some(organisation), region: None, ..sample(Lang::En) };
            let bytes = pdf(&c);
            let (_, text) = read(&bytes);
            let lines: Vec<&str> = text.lines().collect();
            assert!(lines.contains(&person), "{person:?} not a line of {text}");
            assert!(lines.contains(&organisation), "{organisation:?} not a line of {text}");
            assert!(!text.contains('?'), "{text}");

            let doc = Document::load_mem(&bytes).unwrap();
            let info = dict(&doc, doc.trailer.get(b"Info").unwrap());
            assert_eq!(
                text_string(info.get(b"Title").unwrap()),
                format!("Certificate of attendance \u{2013} {person}")
            );
        }
    }

    #[test]
    fn characters_without_a_glyph_print_as_question_marks() {
        assert_eq!(Font::Regular.printable("àèé–€ Ωж\tア"), "àèé–€ Ωж ?");
        assert_eq!(Font::Bold.printable("Łódź №1 ア"), "Łódź №1 ?");
        let c = Certificate { person: "Maria アキコ Rossi", ..sample(Lang::It) };
        let (_, text) = read(&pdf(&c));
        assert!(text.lines().any(|l| l == "Maria ??? Rossi"), "{text}");
    }

    #[test]
    fn tagged_for_screen_readers() {
        for (lang, tag) in [(Lang::It, "it-IT"), (Lang::En, "en-GB")] {
            let doc = Document::load_mem(&pdf(&sample(lang))).unwrap();
            let catalog = doc.catalog().unwrap();
            assert_eq!(text_string(catalog.get(b"Lang").unwrap()), tag);
            let mark_info = dict(&doc, catalog.get(b"MarkInfo").unwrap());
            assert!(mark_info.get(b"Marked").unwrap().as_bool().unwrap());
            let preferences = dict(&doc, catalog.get(b"ViewerPreferences").unwrap());
            assert!(preferences.get(b"DisplayDocTitle").unwrap().as_bool().unwrap());
            let info = dict(&doc, doc.trailer.get(b"Info").unwrap());
            assert!(text_string(info.get(b"Title").unwrap()).ends_with("Maria Rossi"));

            let page_id = *doc.get_pages().values().next().unwrap();
            let page = doc.get_dictionary(page_id).unwrap();
            assert_eq!(name(page, b"Tabs"), b"S");
            assert_eq!(page.get(b"StructParents").unwrap().as_i64().unwrap(), 0);

            // StructTreeRoot → Document → H1, P, P…, each holding one MCID of the page.
            let root = dict(&doc, catalog.get(b"StructTreeRoot").unwrap());
            assert_eq!(name(root, b"Type"), b"StructTreeRoot");
            let document = dict(&doc, root.get(b"K").unwrap());
            assert_eq!(name(document, b"S"), b"Document");
            let kids = document.get(b"K").unwrap().as_array().unwrap();
            let mut roles = Vec::new();
            for (i, kid) in kids.iter().enumerate() {
                let element = dict(&doc, kid);
                assert_eq!(name(element, b"Type"), b"StructElem");
                assert_eq!(element.get(b"Pg").unwrap().as_reference().unwrap(), page_id);
                let mcids = element.get(b"K").unwrap().as_array().unwrap();
                assert_eq!(mcids, &vec![Object::Integer(i as i64)]);
                roles.push(String::from_utf8(name(element, b"S").to_vec()).unwrap());
            }
            assert_eq!(roles[0], "H1");
            assert!(roles.len() >= 10 && roles[1..].iter().all(|r| r == "P"), "{roles:?}");

            // The parent tree maps the page's MCIDs back to the same elements.
            let parent_tree = dict(&doc, root.get(b"ParentTree").unwrap());
            let nums = parent_tree.get(b"Nums").unwrap().as_array().unwrap();
            assert_eq!(nums[0], Object::Integer(0));
            let parents = doc.get_object(nums[1].as_reference().unwrap()).unwrap().as_array().unwrap();
            assert_eq!(parents, kids);

            // In the content, every text object is inside the sequence of its element, numbered in order, and
            // every line drawn is inside an artifact.
            let mut open: Vec<Option<i64>> = Vec::new();
            let mut mcids = Vec::new();
            let mut artifacts = 0;
            for op in operations(&doc) {
                match op.operator.as_str() {
                    "BDC" => {
                        let tag = op.operands[0].as_name().unwrap();
                        let properties = op.operands[1].as_dict().unwrap();
                        if tag == b"Artifact" {
                            assert_eq!(name(properties, b"Type"), b"Layout");
                            artifacts += 1;
                            open.push(None);
                        } else {
                            let mcid = properties.get(b"MCID").unwrap().as_i64().unwrap();
                            assert_eq!(tag, roles[mcid as usize].as_bytes());
                            mcids.push(mcid);
                            open.push(Some(mcid));
                        }
                    }
                    "EMC" => assert!(open.pop().is_some(), "EMC without BDC"),
                    "Tj" => assert!(matches!(open.last(), Some(Some(_))), "text outside a tagged paragraph"),
                    "S" => assert_eq!(open.last(), Some(&None), "a line outside an artifact"),
                    _ => {}
                }
            }
            assert!(open.is_empty());
            assert_eq!(mcids, (0..kids.len() as i64).collect::<Vec<_>>());
            assert_eq!(artifacts, 3, "the frame and two rules");
        }
    }

    #[test]
    fn fonts_are_embedded_subsets() {
        let bytes = pdf(&sample(Lang::It));
        let doc = Document::load_mem(&bytes).unwrap();
        let page_id = *doc.get_pages().values().next().unwrap();
        let fonts = doc.get_page_fonts(page_id).unwrap();
        assert_eq!(fonts.len(), 2);
        let mut names = Vec::new();
        for (font, full) in fonts.values().zip([SANS, SANS_BOLD]) {
            assert_eq!(name(font, b"Subtype"), b"Type0");
            assert_eq!(name(font, b"Encoding"), b"Identity-H");
            assert!(font.get(b"ToUnicode").unwrap().as_reference().is_ok());
            let descendants = font.get(b"DescendantFonts").unwrap().as_array().unwrap();
            let cid = dict(&doc, &descendants[0]);
            assert_eq!(name(cid, b"Subtype"), b"CIDFontType2");
            assert_eq!(name(cid, b"CIDToGIDMap"), b"Identity");
            let widths = cid.get(b"W").unwrap().as_array().unwrap();
            let descriptor = dict(&doc, cid.get(b"FontDescriptor").unwrap());
            let base = String::from_utf8(name(font, b"BaseFont").to_vec()).unwrap();
            let (tag, family) = base.split_once('+').unwrap();
            assert!(tag.len() == 6 && tag.bytes().all(|b| b.is_ascii_uppercase()), "{base}");
            assert_eq!(name(descriptor, b"FontName"), base.as_bytes());
            names.push(family.to_string());

            let program = doc.get_object(descriptor.get(b"FontFile2").unwrap().as_reference().unwrap()).unwrap();
            let program = program.as_stream().unwrap();
            let ttf = program.decompressed_content().unwrap();
            assert_eq!(program.dict.get(b"Length1").unwrap().as_i64().unwrap(), ttf.len() as i64);
            assert!(ttf.len() * 10 < full.len(), "subset of {} bytes from {}", ttf.len(), full.len());
            // The subset is a font whose glyphs are the CIDs the /W array covers.
            let subset = ttf_parser::Face::parse(&ttf, 0).expect("the subset is a font");
            assert_eq!(widths[0], Object::Integer(0));
            let covered = widths[1].as_array().unwrap().len();
            assert!(covered >= 20 && usize::from(subset.number_of_glyphs()) >= covered, "{covered}");
        }
        assert_eq!(names, ["DejaVuSans", "DejaVuSans-Bold"]);
        assert!(bytes.len() < 60_000, "{} bytes", bytes.len());
    }

    #[test]
    fn every_glyph_of_the_fonts_can_be_subset() {
        for file in FontFile::ALL {
            let all: Vec<u16> = (0..file.face().number_of_glyphs()).collect();
            let subset = subsetter::subset(file.data(), 0, &GlyphRemapper::new_from_glyphs(&all));
            assert!(subset.is_ok(), "{file:?}: {subset:?}");
        }
    }

    #[test]
    fn long_titles_wrap_within_margins() {
        let title = "Interoperabilità dei dati sanitari, fascicolo sanitario elettronico e intelligenza \
                     artificiale: percorso di formazione per operatori delle aziende sanitarie regionali \
                     Supercalifragilistichespiralidosoetantoaltroancoraperfarlomoltolungodavvero";
        for size in [20.0, 16.0] {
            let lines = wrap(title, Font::Bold, size, TEXT_W);
            assert!(lines.len() >= 2);
            for line in &lines {
                assert!(Font::Bold.measure(line.trim_end(), size) <= TEXT_W);
            }
            assert_eq!(lines.concat().replace(' ', ""), title.replace(' ', ""));
        }
        let endless = title.repeat(4);
        let long_name = "Maria Assunta Giovanna Benedetta Francesca Rossi Bianchi Verdi Esposito Russo Romano Colombo";
        let long_org = "Azienda Sanitaria Locale della Provincia di Barletta-Andria-Trani, Dipartimento di \
                        Prevenzione, Servizio Igiene e Sanità Pubblica, Unità Operativa Complessa";
        let long_when = "12/03/2026, 10:00\u{2013}12:00 (ora italiana); 13/03/2026, 10:00\u{2013}12:00 \
                         (ora italiana); 14/03/2026, 10:00\u{2013}12:00 (ora italiana)";
        let c = Certificate {
            event_title: &endless,
            person: long_name,
            organisation: Some(long_org),
            when: long_when,
            ..sample(Lang::It)
        };
        let bytes = pdf(&c);
        let (pages, text) = read(&bytes);
        assert_eq!(pages, 1);
        assert!(text.contains('\u{2026}'));
        assert!(text.contains("FL-2026-000042-0007"));

        let doc = Document::load_mem(&bytes).unwrap();
        for op in operations(&doc).iter().filter(|op| op.operator == "Tm") {
            let x = op.operands[4].as_float().unwrap();
            let y = op.operands[5].as_float().unwrap();
            assert!(x >= MARGIN_X - 0.5, "line starts at x = {x}");
            assert!(y >= BODY_FLOOR - 0.5 || y <= 100.0, "body line at y = {y} overlaps the issuer block");
        }
    }

    #[test]
    fn measure_uses_the_fonts_advance_widths() {
        // DejaVu Sans has 2048 units per em: at 2048 points a width in points is one in font units.
        assert_eq!(Font::Regular.measure("Helvetica", 2048.0), 9594.0);
        assert_eq!(Font::Oblique.measure("Helvetica", 2048.0), 9594.0);
        assert_eq!(Font::Bold.measure("Helvetica", 2048.0), 10806.0);
        assert_eq!(Font::Regular.measure("Żółć Αλέξανδρος Анна", 2048.0), 23364.0);
        assert_eq!(Font::Bold.measure("Żółć Αλέξανδρος Анна", 2048.0), 25616.0);
    }
}
