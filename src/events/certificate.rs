//! Certificate of attendance ("attestato di partecipazione") as a one-page A4 PDF.
//!
//! The page uses the standard Helvetica fonts with WinAnsiEncoding, so no font is embedded: text is encoded
//! to Windows-1252 bytes (Italian accented letters, the en dash and typographic quotes included) and
//! characters outside that set are shown as `?`. Line widths are measured with the Helvetica metrics.

use crate::i18n::Lang;
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

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
    /// Duration in hours, e.g. "2".
    pub hours: &'a str,
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
    page.paragraph(t("Attestato di partecipazione", "Certificate of attendance"), Font::Bold, 30.0, ACCENT, 1);
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
        page.paragraph(&block.text, block.font, block.size * scale, block.color, block.max_lines);
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
    );
    let footer =
        format!("{} {} \u{00b7} {} {}", t("Rilasciato il", "Issued on"), c.issued_on, t("N.", "Serial no."), c.serial);
    page.paragraph(&footer, Font::Regular, 10.0, MUTED, 1);

    let info_title = format!("{} \u{2013} {}", t("Attestato di partecipazione", "Certificate of attendance"), c.person);
    assemble(page.content, c.lang, &info_title)
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

/// "Durata: 2 ore" / "Duration: 2 hours", singular for exactly one hour.
fn duration(c: &Certificate) -> String {
    let hours = c.hours.trim();
    let one = hours == "1";
    match c.lang {
        Lang::It => format!("Durata: {hours} {}", if one { "ora" } else { "ore" }),
        Lang::En => format!("Duration: {hours} {}", if one { "hour" } else { "hours" }),
    }
}

/// Writes the document structure around the page content.
fn assemble(content: Content, lang: Lang, title: &str) -> Vec<u8> {
    let catalog_id = Ref::new(1);
    let pages_id = Ref::new(2);
    let page_id = Ref::new(3);
    let content_id = Ref::new(4);
    let info_id = Ref::new(5);
    let font_ids = [Ref::new(6), Ref::new(7), Ref::new(8)];

    let mut pdf = Pdf::new();
    pdf.catalog(catalog_id).pages(pages_id).lang(TextStr(lang.t("it-IT", "en-GB")));
    pdf.pages(pages_id).kids([page_id]).count(1);

    let mut page = pdf.page(page_id);
    page.parent(pages_id).media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H)).contents(content_id);
    {
        let mut resources = page.resources();
        let mut fonts = resources.fonts();
        for (font, id) in Font::ALL.into_iter().zip(font_ids) {
            fonts.pair(font.resource(), id);
        }
    }
    page.finish();

    for (font, id) in Font::ALL.into_iter().zip(font_ids) {
        pdf.type1_font(id).base_font(Name(font.base_font())).encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    pdf.stream(content_id, &content.finish());
    pdf.document_info(info_id).title(TextStr(title)).producer(TextStr("fondilab"));
    pdf.finish()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Font {
    Regular,
    Bold,
    Oblique,
}

impl Font {
    const ALL: [Font; 3] = [Font::Regular, Font::Bold, Font::Oblique];

    fn resource(self) -> Name<'static> {
        match self {
            Font::Regular => Name(b"F1"),
            Font::Bold => Name(b"F2"),
            Font::Oblique => Name(b"F3"),
        }
    }

    fn base_font(self) -> &'static [u8] {
        match self {
            Font::Regular => b"Helvetica",
            Font::Bold => b"Helvetica-Bold",
            Font::Oblique => b"Helvetica-Oblique",
        }
    }

    /// Advance widths in thousandths of the font size for WinAnsi codes 32..=255.
    fn widths(self) -> &'static [u16; 224] {
        match self {
            Font::Regular | Font::Oblique => &HELVETICA,
            Font::Bold => &HELVETICA_BOLD,
        }
    }

    /// Width in points of WinAnsi-encoded `bytes` at `size`.
    fn measure(self, bytes: &[u8], size: f32) -> f32 {
        let table = self.widths();
        let units: u32 = bytes.iter().map(|&b| u32::from(table[usize::from(b.max(32)) - 32])).sum();
        units as f32 * size / 1000.0
    }
}

/// Page content with a vertical cursor; text lines are centred horizontally.
struct Layout {
    content: Content,
    /// Baseline of the next line.
    y: f32,
}

impl Layout {
    fn new() -> Self {
        Layout { content: Content::new(), y: PAGE_H }
    }

    /// A double border around the page.
    fn frame(&mut self) {
        let (r, g, b) = ACCENT;
        self.content.save_state().set_stroke_rgb(r, g, b);
        self.content.set_line_width(1.6).rect(24.0, 24.0, PAGE_W - 48.0, PAGE_H - 48.0).stroke();
        self.content.set_line_width(0.5).rect(30.0, 30.0, PAGE_W - 60.0, PAGE_H - 60.0).stroke();
        self.content.restore_state();
    }

    /// A thin centred horizontal line of the given width at height `y`.
    fn rule(&mut self, y: f32, width: f32) {
        let (r, g, b) = ACCENT;
        let x = (PAGE_W - width) / 2.0;
        self.content.save_state().set_stroke_rgb(r, g, b).set_line_width(0.6);
        self.content.move_to(x, y).line_to(x + width, y).stroke().restore_state();
    }

    /// Writes `text` centred, wrapped to the text width, using at most `max_lines` lines (the last one ends
    /// with an ellipsis when text is cut), and moves the cursor below it.
    fn paragraph(&mut self, text: &str, font: Font, size: f32, color: (f32, f32, f32), max_lines: usize) {
        let mut lines = wrap(text, font, size, TEXT_W);
        if lines.len() > max_lines {
            lines.truncate(max_lines);
            if let Some(last) = lines.last_mut() {
                *last = with_ellipsis(last, font, size, TEXT_W);
            }
        }
        let leading = size * LEADING;
        for line in lines {
            let x = (PAGE_W - font.measure(&line, size)) / 2.0;
            self.content.begin_text();
            self.content.set_font(font.resource(), size).set_fill_rgb(color.0, color.1, color.2);
            self.content.set_text_matrix([1.0, 0.0, 0.0, 1.0, x, self.y]).show(Str(&line)).end_text();
            self.y -= leading;
        }
    }
}

/// Splits `text` into WinAnsi-encoded lines no wider than `max_width`, breaking at spaces and, for words
/// longer than a line, between characters.
fn wrap(text: &str, font: Font, size: f32, max_width: f32) -> Vec<Vec<u8>> {
    let fits = |bytes: &[u8]| font.measure(bytes, size) <= max_width;
    let mut lines = Vec::new();
    let mut line: Vec<u8> = Vec::new();
    for word in text.split_whitespace().map(win_ansi) {
        let mut candidate = line.clone();
        if !candidate.is_empty() {
            candidate.push(b' ');
        }
        candidate.extend_from_slice(&word);
        if fits(&candidate) {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        for &byte in &word {
            line.push(byte);
            if !fits(&line) && line.len() > 1 {
                line.pop();
                lines.push(std::mem::replace(&mut line, vec![byte]));
            }
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// `line` shortened so that it still fits once an ellipsis is appended.
fn with_ellipsis(line: &[u8], font: Font, size: f32, max_width: f32) -> Vec<u8> {
    const ELLIPSIS: u8 = 0x85;
    let mut out = line.to_vec();
    loop {
        out.push(ELLIPSIS);
        if out.len() == 1 || font.measure(&out, size) <= max_width {
            return out;
        }
        out.pop();
        out.pop();
    }
}

/// Encodes `text` in WinAnsiEncoding (Windows-1252). Whitespace controls become spaces; anything the
/// encoding cannot represent becomes `?`.
fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|ch| match ch {
            ' '..='~' => ch as u8,
            '\u{a0}'..='\u{ff}' => ch as u32 as u8,
            '\t' | '\n' | '\r' => b' ',
            '\u{20ac}' => 0x80,
            '\u{201a}' => 0x82,
            '\u{0192}' => 0x83,
            '\u{201e}' => 0x84,
            '\u{2026}' => 0x85,
            '\u{2020}' => 0x86,
            '\u{2021}' => 0x87,
            '\u{02c6}' => 0x88,
            '\u{2030}' => 0x89,
            '\u{0160}' => 0x8a,
            '\u{2039}' => 0x8b,
            '\u{0152}' => 0x8c,
            '\u{017d}' => 0x8e,
            '\u{2018}' => 0x91,
            '\u{2019}' => 0x92,
            '\u{201c}' => 0x93,
            '\u{201d}' => 0x94,
            '\u{2022}' => 0x95,
            '\u{2013}' => 0x96,
            '\u{2014}' => 0x97,
            '\u{02dc}' => 0x98,
            '\u{2122}' => 0x99,
            '\u{0161}' => 0x9a,
            '\u{203a}' => 0x9b,
            '\u{0153}' => 0x9c,
            '\u{017e}' => 0x9e,
            '\u{0178}' => 0x9f,
            _ => b'?',
        })
        .collect()
}

const HELVETICA: [u16; 224] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556,
    556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833,
    722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556,
    556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334,
    260, 334, 584, 0, 556, 0, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0, 0, 222, 222, 333,
    333, 350, 556, 1000, 333, 1000, 500, 333, 944, 0, 500, 667, 278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370,
    556, 584, 333, 737, 333, 400, 584, 333, 333, 333, 556, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611, 667, 667,
    667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, 722, 722, 778, 778, 778, 778, 778, 584, 778,
    722, 722, 722, 722, 667, 667, 611, 556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500,
];
const HELVETICA_BOLD: [u16; 224] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556,
    556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833,
    722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611,
    556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389,
    280, 389, 584, 0, 556, 0, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0, 0, 278, 278, 500,
    500, 350, 556, 1000, 333, 1000, 556, 333, 944, 0, 500, 667, 278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370,
    556, 584, 333, 737, 333, 400, 584, 333, 333, 333, 611, 556, 278, 333, 333, 365, 556, 834, 834, 834, 611, 722, 722,
    722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, 722, 722, 778, 778, 778, 778, 778, 584, 778,
    722, 722, 722, 722, 667, 667, 611, 556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278,
    611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556,
];

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::content::Content as Ops;
    use lopdf::{Document, Object};

    fn sample(lang: Lang) -> Certificate<'static> {
        Certificate {
            lang,
            person: "Maria Rossi",
            organisation: Some("ASL Bari"),
            region: Some("Puglia"),
            event_title: "Telemedicina e qualità delle cure: più sicurezza per i cittadini",
            kind_label: "webinar",
            when: "12/03/2026, 10:00\u{2013}12:00 (ora italiana)",
            hours: "2",
            issued_on: "26/11/2026",
            serial: "FL-2026-000042-0007",
        }
    }

    /// Windows-1252 bytes back to text, for the characters this module writes.
    fn from_win_ansi(bytes: &[u8]) -> String {
        bytes
            .iter()
            .map(|&b| match b {
                0x85 => '\u{2026}',
                0x93 => '\u{201c}',
                0x94 => '\u{201d}',
                0x96 => '\u{2013}',
                b => char::from(b),
            })
            .collect()
    }

    /// Loads the PDF with an independent reader and returns its page count and the decoded text of the
    /// first page, one shown string per line.
    fn read(bytes: &[u8]) -> (usize, String) {
        let doc = Document::load_mem(bytes).expect("readable PDF");
        let pages = doc.get_pages();
        let page_id = *pages.values().next().unwrap();
        let ops = Ops::decode(&doc.get_page_content(page_id)).unwrap();
        let mut text = String::new();
        for op in ops.operations.iter().filter(|op| op.operator == "Tj") {
            if let Some(Object::String(bytes, _)) = op.operands.first() {
                text.push_str(&from_win_ansi(bytes));
                text.push('\n');
            }
        }
        (pages.len(), text)
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
        let joined = text.replace('\n', " ");
        assert!(joined.contains(c.event_title), "{joined}");
    }

    #[test]
    fn english_certificate() {
        let mut c = sample(Lang::En);
        c.kind_label = "Open Lab";
        c.hours = "1";
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
    fn standard_fonts_use_win_ansi() {
        let doc = Document::load_mem(&pdf(&sample(Lang::It))).unwrap();
        let fonts: Vec<_> = doc
            .objects
            .values()
            .filter_map(|o| o.as_dict().ok())
            .filter(|d| d.get(b"Type").and_then(Object::as_name).ok() == Some(b"Font".as_slice()))
            .collect();
        assert_eq!(fonts.len(), 3);
        for font in fonts {
            assert_eq!(font.get(b"Encoding").unwrap().as_name().unwrap(), b"WinAnsiEncoding");
        }
    }

    #[test]
    fn encoding() {
        assert_eq!(win_ansi("àèéìòù–"), [0xe0, 0xe8, 0xe9, 0xec, 0xf2, 0xf9, 0x96]);
        assert_eq!(win_ansi("€ 5 → ok"), b"\x80 5 ? ok");
        assert_eq!(win_ansi("ア"), b"?");
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
                assert!(Font::Bold.measure(line, size) <= TEXT_W);
            }
            let rejoined = lines.iter().map(|l| from_win_ansi(l)).collect::<Vec<_>>().join(" ");
            assert_eq!(rejoined.replace(' ', ""), title.replace(' ', ""));
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
        let page_id = *doc.get_pages().values().next().unwrap();
        let ops = Ops::decode(&doc.get_page_content(page_id)).unwrap();
        for op in ops.operations.iter().filter(|op| op.operator == "Tm") {
            let x = op.operands[4].as_float().unwrap();
            let y = op.operands[5].as_float().unwrap();
            assert!(x >= MARGIN_X - 0.5, "line starts at x = {x}");
            assert!(y >= BODY_FLOOR - 0.5 || y <= 100.0, "body line at y = {y} overlaps the issuer block");
        }
    }

    #[test]
    fn measure_uses_helvetica_metrics() {
        assert_eq!(Font::Regular.measure(b"Helvetica", 1000.0), 4112.0);
        assert_eq!(Font::Bold.measure(b"Helvetica", 1000.0), 4391.0);
    }
}
