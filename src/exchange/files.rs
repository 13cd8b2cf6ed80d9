//! Attachments of practices, recognised by what they contain and never by their name: a PDF
//! by its header and end marker; an OpenDocument or Office Open XML file by the manifest inside
//! its ZIP container (`mimetype` and `META-INF/manifest.xml`, or `[Content_Types].xml`).
//! Macro-enabled documents are refused, whatever they are called.

use crate::refusal::Refusal;

/// Largest attachment, in bytes.
pub const FILE_MAX: usize = 10 * 1024 * 1024;
/// Attachments one practice may carry.
pub const FILES_PER_PRACTICE: usize = 5;
/// Longest file name kept.
pub const NAME_MAX: usize = 120;

/// What an attachment was recognised as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Pdf,
    Odt,
    Ods,
    Docx,
    Xlsx,
}

impl Kind {
    pub const ALL: [Kind; 5] = [Kind::Pdf, Kind::Odt, Kind::Ods, Kind::Docx, Kind::Xlsx];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Pdf => "pdf",
            Kind::Odt => "odt",
            Kind::Ods => "ods",
            Kind::Docx => "docx",
            Kind::Xlsx => "xlsx",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The media type it is served with.
    pub fn mime(self) -> &'static str {
        match self {
            Kind::Pdf => "application/pdf",
            Kind::Odt => ODT,
            Kind::Ods => ODS,
            Kind::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Kind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

const ODT: &str = "application/vnd.oasis.opendocument.text";
const ODS: &str = "application/vnd.oasis.opendocument.spreadsheet";
/// The most a manifest may grow to once inflated.
const MANIFEST_MAX: usize = 1024 * 1024;
/// The most entries a container may list.
const ENTRIES_MAX: usize = 20_000;

fn refused(it: impl Into<String>, en: impl Into<String>) -> Refusal {
    Refusal::invalid("file", it, en)
}

fn unknown() -> Refusal {
    refused(
        "Formato non ammesso: si allegano PDF, ODT, ODS, DOCX o XLSX (il tipo si riconosce dal contenuto, non dal nome).",
        "Format not accepted: attach PDF, ODT, ODS, DOCX or XLSX files (the type is recognised from the content, not the name).",
    )
}

fn damaged() -> Refusal {
    refused(
        "Il file sembra un documento da ufficio, ma non si riesce a leggerlo: salvalo di nuovo e riprova.",
        "The file looks like an office document but cannot be read: save it again and retry.",
    )
}

fn macros() -> Refusal {
    refused(
        "Il documento contiene macro: non si allegano file con macro. Salvalo senza macro (DOCX, XLSX, ODT o ODS) e riprova.",
        "The document contains macros: files with macros are not accepted. Save it without macros (DOCX, XLSX, ODT or ODS) and retry.",
    )
}

/// What the bytes are, or why they are refused (the refusal names the field `file`).
pub fn recognise(data: &[u8]) -> Result<Kind, Refusal> {
    if data.is_empty() {
        return Err(refused("Il file è vuoto.", "The file is empty."));
    }
    if data.len() > FILE_MAX {
        return Err(too_big(data.len()));
    }
    if data.starts_with(b"%PDF-") {
        // A complete PDF ends with `%%EOF` (followed at most by line ends and padding).
        let tail = &data[data.len().saturating_sub(2048)..];
        return if find(tail, b"%%EOF").is_some() { Ok(Kind::Pdf) } else { Err(damaged_pdf()) };
    }
    if data.starts_with(b"PK\x03\x04") {
        return office(&Zip::open(data).ok_or_else(damaged)?);
    }
    Err(unknown())
}

pub fn too_big(size: usize) -> Refusal {
    let mb = |n: usize| format!("{:.1}", n as f64 / 1_048_576.0);
    refused(
        format!("Il file pesa {} MB: il massimo è {} MB.", mb(size).replace('.', ","), FILE_MAX / 1_048_576),
        format!("The file is {} MB: the limit is {} MB.", mb(size), FILE_MAX / 1_048_576),
    )
}

fn damaged_pdf() -> Refusal {
    refused(
        "Il file dice di essere un PDF ma è incompleto o danneggiato.",
        "The file claims to be a PDF but is incomplete or damaged.",
    )
}

/// An office document in a ZIP container, by its manifest.
fn office(zip: &Zip<'_>) -> Result<Kind, Refusal> {
    let names: Vec<&str> = zip.entries.iter().map(|e| e.name.as_str()).collect();
    let lower: Vec<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
    // VBA projects (Office) and Basic or script libraries (OpenDocument) are macros.
    if lower.iter().any(|n| n.ends_with("vbaproject.bin") || n.starts_with("basic/") || n.starts_with("scripts/")) {
        return Err(macros());
    }
    if let Some(mimetype) = zip.read("mimetype") {
        let mimetype = String::from_utf8(mimetype).map_err(|_| damaged())?;
        let kind = match mimetype.trim() {
            ODT => Kind::Odt,
            ODS => Kind::Ods,
            _ => return Err(unknown()),
        };
        let manifest = zip.read("META-INF/manifest.xml").ok_or_else(damaged)?;
        let manifest = String::from_utf8_lossy(&manifest);
        if !manifest.contains(kind.mime()) {
            return Err(damaged());
        }
        return Ok(kind);
    }
    let Some(types) = zip.read("[Content_Types].xml") else {
        return Err(unknown());
    };
    let types = String::from_utf8_lossy(&types).to_ascii_lowercase();
    if types.contains("macroenabled") || types.contains("vbaproject") {
        return Err(macros());
    }
    if types.contains("wordprocessingml.document.main+xml") {
        Ok(Kind::Docx)
    } else if types.contains("spreadsheetml.sheet.main+xml") {
        Ok(Kind::Xlsx)
    } else {
        Err(unknown())
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn u16_at(d: &[u8], at: usize) -> Option<usize> {
    d.get(at..at + 2).map(|b| u16::from_le_bytes([b[0], b[1]]) as usize)
}

fn u32_at(d: &[u8], at: usize) -> Option<usize> {
    d.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
}

struct Entry {
    name: String,
    method: usize,
    compressed: usize,
    local_header: usize,
}

/// The central directory of a ZIP file (no ZIP64: an office document under 10 MB needs none).
struct Zip<'a> {
    data: &'a [u8],
    entries: Vec<Entry>,
}

impl<'a> Zip<'a> {
    fn open(data: &'a [u8]) -> Option<Zip<'a>> {
        // The end-of-central-directory record: 22 bytes plus a comment of up to 64 KiB.
        let from = data.len().saturating_sub(22 + 65_535);
        let end = from + data[from..].windows(4).rposition(|w| w == b"PK\x05\x06")?;
        let count = u16_at(data, end + 10)?;
        let mut at = u32_at(data, end + 16)?;
        if count == 0xFFFF || at == 0xFFFF_FFFF || count > ENTRIES_MAX {
            return None;
        }
        let mut entries = Vec::with_capacity(count);
        for _ in 0..count {
            if data.get(at..at + 4)? != b"PK\x01\x02" {
                return None;
            }
            let name_len = u16_at(data, at + 28)?;
            let skip = name_len + u16_at(data, at + 30)? + u16_at(data, at + 32)?;
            let name = String::from_utf8_lossy(data.get(at + 46..at + 46 + name_len)?).into_owned();
            entries.push(Entry {
                name,
                method: u16_at(data, at + 10)?,
                compressed: u32_at(data, at + 20)?,
                local_header: u32_at(data, at + 42)?,
            });
            at += 46 + skip;
        }
        Some(Zip { data, entries })
    }

    /// An entry's bytes, inflated; `None` when it is missing, damaged or too large.
    fn read(&self, name: &str) -> Option<Vec<u8>> {
        let e = self.entries.iter().find(|e| e.name == name)?;
        let d = self.data;
        let at = e.local_header;
        if d.get(at..at + 4)? != b"PK\x03\x04" {
            return None;
        }
        let start = at + 30 + u16_at(d, at + 26)? + u16_at(d, at + 28)?;
        let raw = d.get(start..start.checked_add(e.compressed)?)?;
        match e.method {
            0 if raw.len() <= MANIFEST_MAX => Some(raw.to_vec()),
            8 => miniz_oxide::inflate::decompress_to_vec_with_limit(raw, MANIFEST_MAX).ok(),
            _ => None,
        }
    }
}

/// A file name as it is kept and offered for download: the last path segment, without control
/// characters or quotes, at most [`NAME_MAX`] characters, ending with the recognised type's
/// extension.
pub fn clean_name(name: &str, kind: Kind) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '\'' | ';' | '<' | '>' | '`'))
        .collect::<String>()
        .trim()
        .trim_start_matches('.')
        .to_string();
    let ext = kind.as_str();
    let stem = match cleaned.rsplit_once('.') {
        Some((stem, e)) if e.eq_ignore_ascii_case(ext) => stem.to_string(),
        _ => cleaned,
    };
    let stem: String = stem.chars().take(NAME_MAX - ext.len() - 1).collect();
    let stem = if stem.trim().is_empty() { "allegato".to_string() } else { stem };
    format!("{stem}.{ext}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!("{}/tests/data/attachments/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    #[test]
    fn documents_are_recognised_by_content() {
        assert_eq!(recognise(&fixture("relazione.pdf")).unwrap(), Kind::Pdf);
        assert_eq!(recognise(&fixture("piano.docx")).unwrap(), Kind::Docx);
        assert_eq!(recognise(&fixture("budget.xlsx")).unwrap(), Kind::Xlsx);
        assert_eq!(recognise(&fixture("scheda.odt")).unwrap(), Kind::Odt);
        assert_eq!(recognise(&fixture("costi.ods")).unwrap(), Kind::Ods);
    }

    #[test]
    fn pretenders_and_macros_are_refused_naming_the_field() {
        for name in ["finto.pdf", "troncato.pdf", "archivio.zip", "macro.docm", "macro-rinominato.docx", "macro.odt"] {
            let e = recognise(&fixture(name)).unwrap_err();
            assert_eq!(e.field(), Some("file"), "{name}");
        }
        let e = recognise(&fixture("macro-rinominato.docx")).unwrap_err();
        assert!(e.message(crate::i18n::Lang::It).contains("macro"), "{e:?}");
        assert!(recognise(b"").is_err());
        assert!(recognise(b"PK\x03\x04 not really a zip").is_err());
    }

    #[test]
    fn names_keep_the_recognised_extension() {
        assert_eq!(clean_name("C:\\Documenti\\Piano formativo.PDF", Kind::Pdf), "Piano formativo.pdf");
        assert_eq!(clean_name("relazione.doc", Kind::Docx), "relazione.doc.docx");
        assert_eq!(clean_name("\"><script>.pdf", Kind::Pdf), "script.pdf");
        assert_eq!(clean_name("", Kind::Odt), "allegato.odt");
        assert!(clean_name(&"a".repeat(500), Kind::Xlsx).chars().count() <= NAME_MAX);
    }
}
