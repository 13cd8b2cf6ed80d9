//! Spreadsheet exchange: CSV export that opens correctly in Excel and LibreOffice with an Italian locale, and
//! import of uploaded attendee lists.

use crate::email::EmailAddress;
use crate::i18n::Lang;

const BOM: &[u8] = b"\xEF\xBB\xBF";
/// Longest value quoted back in a problem message, in characters.
const SHOWN_CHARS: usize = 80;

/// UTF-8 BOM, `;` separator, CRLF rows, fields quoted when they contain `;`, `"`, CR or LF (quotes doubled).
/// A field that starts with `=`, `+`, `-` or `@` (or a tab or CR) is prefixed with `'` (no formula injection).
/// An empty `header` writes no header row.
pub fn excel(header: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
    let mut out = String::new();
    if !header.is_empty() {
        push_row(&mut out, header.iter().copied());
    }
    for row in rows {
        push_row(&mut out, row.iter().map(String::as_str));
    }
    let mut bytes = BOM.to_vec();
    bytes.extend_from_slice(out.as_bytes());
    bytes
}

fn push_row<'a>(out: &mut String, fields: impl Iterator<Item = &'a str>) {
    for (i, field) in fields.enumerate() {
        if i > 0 {
            out.push(';');
        }
        push_field(out, field);
    }
    out.push_str("\r\n");
}

fn push_field(out: &mut String, field: &str) {
    let guard = field.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if field.contains([';', '"', '\r', '\n']) {
        out.push('"');
        if guard {
            out.push('\'');
        }
        out.push_str(&field.replace('"', "\"\""));
        out.push('"');
    } else {
        if guard {
            out.push('\'');
        }
        out.push_str(field);
    }
}

/// One attendee address read from an uploaded list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRow {
    /// 1-based line of the file where the row starts (the header counts).
    pub line: usize,
    /// Trimmed and lower-cased.
    pub email: String,
}

/// A row that could not be used, with a message for the person who uploaded the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvProblem {
    /// 1-based line of the file where the row starts (the header counts).
    pub line: usize,
    /// Message in the requested language, naming the line and the offending value.
    pub text: String,
}

/// Reads an uploaded attendee list: optional BOM; separator `;` or `,` (detected from the first line);
/// quoted fields; a header line is recognised when one of its cells is "email" / "e-mail" / "posta elettronica"
/// (case-insensitive), and that column is used; without a header, the first cell that contains '@' in each row
/// is used. Blank lines are skipped silently. A row with no email-looking value or an invalid address (simple
/// check: one '@', non-empty local part, a dot in the domain, no spaces) gives a problem naming the line
/// (1-based, counting the header) and the value. Emails are trimmed and lower-cased. Not UTF-8 → one problem on
/// line 1.
pub fn attendees(bytes: &[u8], lang: Lang) -> (Vec<CsvRow>, Vec<CsvProblem>) {
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let Ok(text) = std::str::from_utf8(bytes) else {
        let text = lang.t(
            "Riga 1: il file non è in formato UTF-8. Salvarlo come «CSV UTF-8 (delimitato da virgole)» e \
             caricarlo di nuovo.",
            "Line 1: the file is not UTF-8 encoded. Save it as \"CSV UTF-8 (comma delimited)\" and upload it again.",
        );
        return (Vec::new(), vec![CsvProblem { line: 1, text: text.to_string() }]);
    };

    let records: Vec<Record> =
        parse(text, separator(text)).into_iter().filter(|r| r.cells.iter().any(|c| !c.trim().is_empty())).collect();
    // A first row without addresses that names an email column is a heading.
    let column = records
        .first()
        .filter(|r| !r.cells.iter().any(|c| c.contains('@')))
        .and_then(|r| r.cells.iter().position(|c| is_email_heading(c)));
    let data = if column.is_some() { &records[1..] } else { &records[..] };

    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for record in data {
        let value = match column {
            Some(col) => record.cells.get(col).map(|c| c.trim()).filter(|c| !c.is_empty()),
            None => record.cells.iter().map(|c| c.trim()).find(|c| c.contains('@')),
        };
        match value {
            Some(value) if EmailAddress::parse(value).is_some() => {
                rows.push(CsvRow { line: record.line, email: value.to_lowercase() });
            }
            Some(value) => problems.push(CsvProblem {
                line: record.line,
                text: message(lang, record.line, lang.t("indirizzo email non valido", "invalid email address"), value),
            }),
            None => problems.push(CsvProblem {
                line: record.line,
                text: message(
                    lang,
                    record.line,
                    lang.t("nessun indirizzo email trovato in", "no email address found in"),
                    &record.cells.iter().map(|c| c.trim()).filter(|c| !c.is_empty()).collect::<Vec<_>>().join(" | "),
                ),
            }),
        }
    }
    (rows, problems)
}

/// `;` unless the first non-blank line has more commas than semicolons outside quotes.
fn separator(text: &str) -> char {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let (mut semicolons, mut commas, mut quoted) = (0, 0, false);
    for ch in first.chars() {
        match ch {
            '"' => quoted = !quoted,
            ';' if !quoted => semicolons += 1,
            ',' if !quoted => commas += 1,
            _ => {}
        }
    }
    if commas > semicolons {
        ','
    } else {
        ';'
    }
}

/// A parsed CSV record and the 1-based line where it starts.
#[derive(Debug)]
struct Record {
    line: usize,
    cells: Vec<String>,
}

/// Splits `text` into records. Quoted fields may contain the separator, doubled quotes and line breaks; CRLF,
/// LF and lone CR all end a record.
fn parse(text: &str, sep: char) -> Vec<Record> {
    let mut records = Vec::new();
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut line = 1;
    let mut start = 1;
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        if quoted {
            match ch {
                '"' if chars.next_if_eq(&'"').is_some() => cell.push('"'),
                '"' => quoted = false,
                '\r' | '\n' => {
                    if ch == '\r' && chars.next_if_eq(&'\n').is_some() {
                        cell.push('\r');
                    }
                    cell.push(ch);
                    line += 1;
                }
                _ => cell.push(ch),
            }
            continue;
        }
        match ch {
            '"' => quoted = true,
            '\r' | '\n' => {
                if ch == '\r' {
                    chars.next_if_eq(&'\n');
                }
                cells.push(std::mem::take(&mut cell));
                records.push(Record { line: start, cells: std::mem::take(&mut cells) });
                line += 1;
                start = line;
            }
            c if c == sep => cells.push(std::mem::take(&mut cell)),
            c => cell.push(c),
        }
    }
    if !cell.is_empty() || !cells.is_empty() {
        cells.push(cell);
        records.push(Record { line: start, cells });
    }
    records
}

/// "Email", "E-mail", "Indirizzo email", "User Email", "Posta elettronica", "PEC"…
fn is_email_heading(cell: &str) -> bool {
    let cell = cell.trim().to_lowercase();
    cell.contains("mail") || cell.contains("posta") || cell == "pec"
}

/// "Riga 2: indirizzo email non valido «maria@asl»", with long values shortened.
fn message(lang: Lang, line: usize, what: &str, value: &str) -> String {
    let value = value.trim();
    let shown: String = if value.chars().count() > SHOWN_CHARS {
        value.chars().take(SHOWN_CHARS).chain(['…']).collect()
    } else {
        value.to_string()
    };
    match lang {
        Lang::It => format!("Riga {line}: {what} «{shown}»"),
        Lang::En => format!("Line {line}: {what} \u{201c}{shown}\u{201d}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(data: &[&[&str]]) -> Vec<Vec<String>> {
        data.iter().map(|r| r.iter().map(|s| s.to_string()).collect()).collect()
    }

    fn emails(rows: &[CsvRow]) -> Vec<(usize, &str)> {
        rows.iter().map(|r| (r.line, r.email.as_str())).collect()
    }

    #[test]
    fn excel_layout() {
        let out = excel(&["Nome", "Email", "Città"], &rows(&[&["Maria", "maria@asl.it", "Bari"]]));
        assert!(out.starts_with(BOM));
        assert_eq!(&out[3..], "Nome;Email;Città\r\nMaria;maria@asl.it;Bari\r\n".as_bytes());
    }

    #[test]
    fn excel_quoting() {
        let out = excel(&[], &rows(&[&["a;b", "di \"Rossi\"", "riga 1\nriga 2", "x\ry", "semplice, con virgola"]]));
        let text = std::str::from_utf8(&out[3..]).unwrap();
        assert_eq!(text, "\"a;b\";\"di \"\"Rossi\"\"\";\"riga 1\nriga 2\";\"x\ry\";semplice, con virgola\r\n");
    }

    #[test]
    fn excel_formula_guard() {
        let out = excel(&["=cmd"], &rows(&[&["=1+1", "+39 080 1234", "-2", "@SUM(A1)", "a=b", "=x;y"]]));
        let text = std::str::from_utf8(&out[3..]).unwrap();
        assert_eq!(text, "'=cmd\r\n'=1+1;'+39 080 1234;'-2;'@SUM(A1);a=b;\"'=x;y\"\r\n");
    }

    #[test]
    fn excel_output_reads_back() {
        let out = excel(&["Nome", "E-mail"], &rows(&[&["Rossi; Maria", "Maria.Rossi@ASL.it"], &["Bianchi", "b@x.it"]]));
        let (ok, problems) = attendees(&out, Lang::It);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(emails(&ok), [(2, "maria.rossi@asl.it"), (3, "b@x.it")]);
    }

    #[test]
    fn header_column_is_used() {
        let file =
            "\u{feff}Nome;Posta Elettronica;Note\r\nMaria;  Maria@ASL.it ;vedi a@b.it\r\n\r\nLuca;luca@x.it;\r\n";
        let (ok, problems) = attendees(file.as_bytes(), Lang::It);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(emails(&ok), [(2, "maria@asl.it"), (4, "luca@x.it")]);
    }

    #[test]
    fn longer_headings_name_the_email_column() {
        for heading in ["Nome;Indirizzo email", "Name;Email Address", "Nome;E-mail istituzionale", "Nome;PEC"] {
            let file = format!("{heading}\nMaria;maria@asl.it\n");
            let (ok, problems) = attendees(file.as_bytes(), Lang::It);
            assert!(problems.is_empty(), "{heading}: {problems:?}");
            assert_eq!(emails(&ok), [(2, "maria@asl.it")], "{heading}");
        }
        // A first row with an address is data, whatever its other cells say.
        let (ok, _) = attendees("Posta;a@x.it\nLuca;luca@x.it\n".as_bytes(), Lang::It);
        assert_eq!(emails(&ok), [(1, "a@x.it"), (2, "luca@x.it")]);
    }

    #[test]
    fn comma_file_with_quotes() {
        let file = "name,EMAIL\n\"Rossi, Maria\",maria@asl.it\n\"Verdi \"\"Gino\"\"\",gino@x.it\n";
        let (ok, problems) = attendees(file.as_bytes(), Lang::En);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(emails(&ok), [(2, "maria@asl.it"), (3, "gino@x.it")]);
    }

    #[test]
    fn without_header_first_cell_with_at_sign() {
        let file = "Maria;maria@asl.it;altro@x.it\n\nLuca;luca@x.it\n";
        let (ok, problems) = attendees(file.as_bytes(), Lang::It);
        assert!(problems.is_empty());
        assert_eq!(emails(&ok), [(1, "maria@asl.it"), (3, "luca@x.it")]);
    }

    #[test]
    fn bad_rows_are_reported_with_line_numbers() {
        let file =
            "Nome;Email\nMaria;maria@asl\nLuca;\nAnna;anna@@x.it\nGino;gino rossi@x.it\n;;\nEva;eva@x.it\nUgo;@x.it\n";
        let (ok, problems) = attendees(file.as_bytes(), Lang::It);
        assert_eq!(emails(&ok), [(7, "eva@x.it")]);
        let lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [2, 3, 4, 5, 8]);
        assert_eq!(problems[0].text, "Riga 2: indirizzo email non valido «maria@asl»");
        assert_eq!(problems[1].text, "Riga 3: nessun indirizzo email trovato in «Luca»");
        let (_, problems) = attendees(file.as_bytes(), Lang::En);
        assert_eq!(problems[0].text, "Line 2: invalid email address \u{201c}maria@asl\u{201d}");
    }

    #[test]
    fn no_email_without_header() {
        let (ok, problems) = attendees(b"Maria Rossi;Bari\r\nluca@x.it\r\n", Lang::It);
        assert_eq!(emails(&ok), [(2, "luca@x.it")]);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, 1);
        assert!(problems[0].text.contains("Maria Rossi"));
    }

    #[test]
    fn quoted_line_breaks_keep_line_numbers() {
        let file = "email;note\r\na@x.it;\"prima\r\nseconda\"\r\nb@x.it;ok\r\n";
        let (ok, problems) = attendees(file.as_bytes(), Lang::It);
        assert!(problems.is_empty());
        assert_eq!(emails(&ok), [(2, "a@x.it"), (4, "b@x.it")]);
    }

    #[test]
    fn windows_1252_is_rejected() {
        let (ok, problems) = attendees(b"Citt\xe0;email\r\nmaria@asl.it;Bari\r\n", Lang::It);
        assert!(ok.is_empty());
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, 1);
        assert!(problems[0].text.contains("UTF-8"));
    }

    #[test]
    fn empty_input() {
        assert_eq!(attendees(b"", Lang::It), (vec![], vec![]));
        assert_eq!(attendees(BOM, Lang::It), (vec![], vec![]));
        assert_eq!(attendees(b"\r\n\r\n", Lang::It), (vec![], vec![]));
    }
}
