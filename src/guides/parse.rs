//! Reading one guide file: TOML front matter between `+++` fences, then Markdown
//! with numbered `## N. Title` steps and free `## Title` sections.
//! Every fault carries the line it was found on.

use std::path::Path;

use chrono::NaiveDate;
use serde::Deserialize;
use toml::Spanned;

use super::diagnostic::{line_of, Diagnostic};
use super::model::{Fund, Guide, Lang, Phase};

mod body;
pub use body::required_sections;
use body::Body;

pub const MIN_STEPS: usize = 5;
pub const MAX_STEPS: usize = 12;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    id: Spanned<String>,
    title: Spanned<String>,
    lang: Spanned<String>,
    translation_of: Option<Spanned<String>>,
    audience: Option<String>,
    funds: Spanned<Vec<Spanned<String>>>,
    phase: Spanned<String>,
    topics: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    legal_basis: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    sources: Option<Spanned<Vec<Spanned<String>>>>,
    reviewed: Spanned<toml::value::Datetime>,
    /// Ids of guides merged into this one.
    #[serde(default)]
    replaces: Option<Vec<Spanned<String>>>,
    /// Questions the guide answers, as readers ask them.
    #[serde(default)]
    questions: Option<Spanned<Vec<Spanned<String>>>>,
    /// What was read when the facts were checked.
    #[serde(default)]
    checked_against: Option<Spanned<Vec<String>>>,
    /// When a published guide was last corrected, with one line per change.
    updated: Option<Spanned<toml::value::Datetime>>,
    #[serde(default)]
    changes: Option<Spanned<Vec<String>>>,
}

/// An internal link found in a guide body, checked against the corpus later.
#[derive(Debug, Clone)]
pub struct Link {
    pub target: String,
    pub line: usize,
}

/// A parsed guide plus what only the whole corpus can check.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub guide: Guide,
    pub links: Vec<Link>,
    /// Lines of fields, for corpus-level messages.
    pub id_line: usize,
    pub translation_line: usize,
    pub topic_lines: Vec<usize>,
    pub reviewed_line: usize,
    /// Each replaced id with its line.
    pub replaces: Vec<(String, usize)>,
    /// Lines of body text that defer to "the current text" instead of stating the rule.
    pub hedges: Vec<usize>,
    /// Line of `questions` (or of `id` when absent), for warnings.
    pub questions_line: usize,
    pub checked_line: usize,
}

/// Fewest and most questions a guide lists.
pub const MIN_QUESTIONS: usize = 3;
pub const MAX_QUESTIONS: usize = 6;

/// Phrases that send the reader to "the current text" instead of giving the rule. A guide
/// states the rule and its paragraph; a pointer is kept only to the Region's own documents.
const HEDGES: &[&str] = &[
    "verifica nel testo",
    "verificare nel testo",
    "testo vigente",
    "testo consolidato",
    "da verificare",
    "verify in the current",
    "check the current text",
    "current text",
    "consolidated text",
    "to be checked",
    "to be verified",
];

/// Whether a line of guide text defers to the current text instead of stating the rule.
pub fn is_hedge(line: &str) -> bool {
    // The phrases are ASCII, so ASCII case folding is enough and keeps this cheap.
    let lower = line.to_ascii_lowercase();
    HEDGES.iter().any(|h| lower.contains(h))
}

fn toml_date(d: &toml::value::Datetime) -> Option<NaiveDate> {
    match d {
        toml::value::Datetime { date: Some(d), time: None, offset: None } => {
            NaiveDate::from_ymd_opt(d.year as i32, d.month as u32, d.day as u32)
        }
        _ => None,
    }
}

pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 120
        && id
            .split('-')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}

/// Parses one guide. On failure returns every fault found, not only the first.
pub fn parse_guide(path: &Path, text: &str) -> Result<Parsed, Vec<Diagnostic>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut faults = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    if lines.first().map(|l| l.trim_end()) != Some("+++") {
        return Err(vec![Diagnostic::error(path, 1, "the guide must start with front matter: a line with +++")]);
    }
    let Some(close) = lines.iter().skip(1).position(|l| l.trim_end() == "+++") else {
        return Err(vec![Diagnostic::error(path, 1, "front matter is not closed: add a line with +++ after it")]);
    };
    let close = close + 1; // index of the closing fence
                           // Where each line starts, from the text itself: line endings may be "\n" or "\r\n".
    let line_starts: Vec<usize> = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
    let front_text = &text[line_starts[1]..line_starts[close]];
    // Line numbers inside the front matter are offset by the opening fence.
    let front_line = |span: std::ops::Range<usize>| line_of(front_text, span.start) + 1;

    let fm: FrontMatter = match toml::from_str(front_text) {
        Ok(fm) => fm,
        Err(e) => {
            let line = e.span().map(front_line).unwrap_or(2);
            return Err(vec![Diagnostic::error(path, line, format!("front matter: {}", e.message()))]);
        }
    };

    let id_line = front_line(fm.id.span());
    let id = fm.id.get_ref().trim().to_string();
    if !is_valid_id(&id) {
        faults.push(Diagnostic::error(
            path,
            id_line,
            format!("id \"{id}\" must be lower-case letters, digits and single dashes"),
        ));
    }
    if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
        if stem != id {
            faults.push(Diagnostic::error(path, id_line, format!("id \"{id}\" must match the file name ({stem}.md)")));
        }
    }

    let title = fm.title.get_ref().trim().to_string();
    if title.is_empty() {
        faults.push(Diagnostic::error(path, front_line(fm.title.span()), "title is empty"));
    }

    let lang = match Lang::parse(fm.lang.get_ref()) {
        Some(l) if fm.lang.get_ref() == l.code() => Some(l),
        _ => {
            faults.push(Diagnostic::error(
                path,
                front_line(fm.lang.span()),
                format!("unknown lang \"{}\": use \"it\" or \"en\"", fm.lang.get_ref()),
            ));
            None
        }
    };
    if let (Some(lang), Some(dir)) = (lang, path.parent().and_then(|p| p.file_name()).and_then(|d| d.to_str())) {
        if Lang::parse(dir).is_some() && dir != lang.code() {
            faults.push(Diagnostic::error(
                path,
                front_line(fm.lang.span()),
                format!("lang is \"{}\" but the file is under {dir}/", lang.code()),
            ));
        }
    }

    let mut funds = Vec::new();
    for f in fm.funds.get_ref() {
        match Fund::parse(f.get_ref()) {
            Some(fund) if f.get_ref() == fund.as_str() => {
                if !funds.contains(&fund) {
                    funds.push(fund)
                }
            }
            Some(fund) => faults.push(Diagnostic::error(
                path,
                front_line(f.span()),
                format!("write the fund as \"{}\", not \"{}\"", fund.as_str(), f.get_ref()),
            )),
            None => faults.push(Diagnostic::error(
                path,
                front_line(f.span()),
                format!("unknown fund \"{}\": use FSE+, FESR or JTF", f.get_ref()),
            )),
        }
    }
    if fm.funds.get_ref().is_empty() {
        faults.push(Diagnostic::error(path, front_line(fm.funds.span()), "funds is empty: name at least one fund"));
    }

    let phase = Phase::parse(fm.phase.get_ref()).filter(|p| p.as_str() == fm.phase.get_ref());
    if phase.is_none() {
        let allowed: Vec<&str> = Phase::ALL.iter().map(|p| p.as_str()).collect();
        faults.push(Diagnostic::error(
            path,
            front_line(fm.phase.span()),
            format!("unknown phase \"{}\": use one of {}", fm.phase.get_ref(), allowed.join(", ")),
        ));
    }

    if fm.topics.get_ref().is_empty() {
        faults.push(Diagnostic::error(path, front_line(fm.topics.span()), "topics is empty: name at least one topic"));
    }
    let topics: Vec<String> = fm.topics.get_ref().iter().map(|t| t.get_ref().trim().to_string()).collect();
    let topic_lines = fm.topics.get_ref().iter().map(|t| front_line(t.span())).collect();

    let legal_basis = match &fm.legal_basis {
        Some(lb) if !lb.get_ref().iter().all(|s| s.trim().is_empty()) => {
            lb.get_ref().iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
        }
        other => {
            let line = other.as_ref().map(|lb| front_line(lb.span())).unwrap_or(id_line);
            faults.push(Diagnostic::error(path, line, "legal_basis is missing: name the articles the guide relies on"));
            Vec::new()
        }
    };

    let mut sources = Vec::new();
    match &fm.sources {
        Some(list) if !list.get_ref().is_empty() => {
            for s in list.get_ref() {
                let url = s.get_ref().trim();
                if url::Url::parse(url).map(|u| u.scheme() == "https" || u.scheme() == "http").unwrap_or(false) {
                    sources.push(url.to_string());
                } else {
                    faults.push(Diagnostic::error(
                        path,
                        front_line(s.span()),
                        format!("source \"{url}\" is not an http(s) address"),
                    ));
                }
            }
        }
        other => {
            let line = other.as_ref().map(|s| front_line(s.span())).unwrap_or(id_line);
            faults.push(Diagnostic::error(path, line, "sources is missing: give the official link of every source"));
        }
    }

    let reviewed_line = front_line(fm.reviewed.span());
    let reviewed = toml_date(fm.reviewed.get_ref());
    if reviewed.is_none() {
        faults.push(Diagnostic::error(
            path,
            reviewed_line,
            "reviewed must be a date like 2026-11-20 (no quotes, no time)",
        ));
    }

    let translation_line = fm.translation_of.as_ref().map(|t| front_line(t.span())).unwrap_or(0);
    let translation_of = fm.translation_of.as_ref().map(|t| t.get_ref().trim().to_string());
    if let Some(t) = &translation_of {
        if t == &id {
            faults.push(Diagnostic::error(path, translation_line, "translation_of points at the guide itself"));
        }
    }

    let mut replaces = Vec::new();
    for r in fm.replaces.iter().flatten() {
        let old = r.get_ref().trim().to_string();
        let line = front_line(r.span());
        if !is_valid_id(&old) {
            faults.push(Diagnostic::error(path, line, format!("replaces \"{old}\" is not a guide id")));
        } else if old == id {
            faults.push(Diagnostic::error(path, line, "replaces names the guide itself"));
        } else {
            replaces.push((old, line));
        }
    }

    let questions_line = fm.questions.as_ref().map(|q| front_line(q.span())).unwrap_or(id_line);
    let mut questions = Vec::new();
    if let Some(list) = &fm.questions {
        for q in list.get_ref() {
            let text = q.get_ref().trim();
            if text.is_empty() {
                faults.push(Diagnostic::error(path, front_line(q.span()), "a question is empty"));
            } else if text.chars().count() > 200 {
                faults.push(Diagnostic::error(path, front_line(q.span()), "a question is longer than 200 characters"));
            } else {
                questions.push(text.to_string());
            }
        }
        let n = list.get_ref().len();
        if !(MIN_QUESTIONS..=MAX_QUESTIONS).contains(&n) {
            faults.push(Diagnostic::error(
                path,
                questions_line,
                format!("questions lists {n}: give {MIN_QUESTIONS} to {MAX_QUESTIONS} questions the guide answers"),
            ));
        }
    }

    let checked_line = fm.checked_against.as_ref().map(|c| front_line(c.span())).unwrap_or(id_line);
    let checked_against: Vec<String> = fm
        .checked_against
        .as_ref()
        .map(|c| c.get_ref().iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    if fm.checked_against.is_some() && checked_against.is_empty() {
        faults.push(Diagnostic::error(
            path,
            checked_line,
            "checked_against is empty: name what the facts were checked against",
        ));
    }

    let changes: Vec<String> = fm
        .changes
        .as_ref()
        .map(|c| c.get_ref().iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    let updated = match &fm.updated {
        Some(u) => {
            let d = toml_date(u.get_ref());
            if d.is_none() {
                faults.push(Diagnostic::error(
                    path,
                    front_line(u.span()),
                    "updated must be a date like 2026-11-20 (no quotes, no time)",
                ));
            } else if changes.is_empty() {
                faults.push(Diagnostic::error(
                    path,
                    front_line(u.span()),
                    "updated needs changes = [\"…\"]: one line per change",
                ));
            }
            d
        }
        None => {
            if let Some(c) = &fm.changes {
                faults.push(Diagnostic::error(
                    path,
                    front_line(c.span()),
                    "changes needs updated = the date of the change",
                ));
            }
            None
        }
    };

    if fm.audience.as_deref().is_none_or(|a| a.trim().is_empty()) {
        faults.push(Diagnostic::error(path, id_line, "audience is missing: say who the guide is for"));
    }

    let body_first_line = close + 2; // 1-based number of the line after the closing fence
                                     // Most guides have no hedge at all: one look at the whole body spares a look per line.
    let hedged = line_starts.get(close + 1).is_some_and(|&start| is_hedge(&text[start..]));
    let body = Body::parse(path, &lines[close + 1..], body_first_line, hedged, &mut faults);
    if let Some(lang) = lang {
        let end_line = body_first_line + lines.len().saturating_sub(close + 2);
        for required in required_sections(lang) {
            if !body.sections.iter().any(|s| s.title.eq_ignore_ascii_case(required)) {
                faults.push(Diagnostic::error(
                    path,
                    end_line,
                    format!("add a \"## {required}\" section after the steps"),
                ));
            }
        }
    }

    if !faults.is_empty() {
        return Err(faults);
    }
    let (Some(lang), Some(phase), Some(reviewed)) = (lang, phase, reviewed) else {
        unreachable!("every missing field above was reported as a fault");
    };
    Ok(Parsed {
        guide: Guide {
            id,
            title,
            lang,
            translation_of,
            audience: fm.audience.map(|a| a.trim().to_string()).filter(|a| !a.is_empty()),
            funds,
            phase,
            topics,
            legal_basis,
            sources,
            reviewed,
            replaces: replaces.iter().map(|(r, _)| r.clone()).collect(),
            questions,
            checked_against,
            updated,
            changes,
            steps: body.steps,
            sections: body.sections,
            text: body.text.pack(),
            path: path.to_path_buf(),
        },
        links: body.links,
        hedges: body.hedges,
        replaces,
        questions_line,
        checked_line,
        id_line,
        translation_line,
        topic_lines,
        reviewed_line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn sample(front_extra: &str, body: &str) -> String {
        format!(
            "+++\nid = \"prova\"\ntitle = \"Prova\"\nlang = \"it\"\nfunds = [\"FSE+\"]\nphase = \"avviso\"\n\
             topics = [\"avvisi\"]\naudience = \"AdG\"\nlegal_basis = [\"Reg. (UE) 2021/1060, art. 53\"]\n\
             sources = [\"https://eur-lex.europa.eu/eli/reg/2021/1060/oj\"]\nreviewed = 2026-11-01\n{front_extra}+++\n{body}"
        )
    }

    const STEPS: &str = "Intro.\n## 1. Uno\nTesto uno.\n## 2. Due\nTesto [qui](/guide/altra).\n## 3. Tre\nTesto.\n## 4. Quattro\nTesto.\n## 5. Cinque\nTesto.\n## Errori frequenti\n- x\n## Checklist\n- [ ] y\n";

    fn path() -> PathBuf {
        PathBuf::from("guides/it/prova.md")
    }

    #[test]
    fn parses_steps_sections_and_links() {
        let p = parse_guide(&path(), &sample("", STEPS)).unwrap();
        assert_eq!(p.guide.steps.len(), 5);
        assert_eq!(p.guide.steps[1].title, "Due");
        assert_eq!(p.guide.sections[0].title, "Errori frequenti");
        assert_eq!(p.guide.funds, vec![Fund::FsePlus]);
        assert_eq!(p.links.len(), 1);
        assert_eq!(p.links[0].target, "altra");
        assert_eq!(p.links[0].line, 17);
    }

    #[test]
    fn unknown_fund_names_its_line() {
        let text = sample("", STEPS).replace("[\"FSE+\"]", "[\"FSE+\", \"XYZ\"]");
        let errs = parse_guide(&path(), &text).unwrap_err();
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(errs[0].line, 5);
        assert!(errs[0].message.contains("unknown fund \"XYZ\""));
    }

    #[test]
    fn broken_toml_names_its_line() {
        let text = sample("", STEPS).replace("phase = \"avviso\"", "phase = avviso");
        let errs = parse_guide(&path(), &text).unwrap_err();
        assert_eq!(errs[0].line, 6, "{errs:?}");
    }

    #[test]
    fn steps_must_be_numbered_and_enough() {
        let errs = parse_guide(&path(), &sample("", "Intro.\n## 1. Uno\nx\n## 3. Tre\ny\n")).unwrap_err();
        let msgs: Vec<_> = errs.iter().map(|e| (e.line, e.message.as_str())).collect();
        assert!(msgs.iter().any(|(l, m)| *l == 16 && m.contains("should be step 2")), "{msgs:?}");
        assert!(msgs.iter().any(|(_, m)| m.contains("needs at least 5")), "{msgs:?}");
        let errs = parse_guide(&path(), &sample("", "Solo testo.\n")).unwrap_err();
        assert!(errs[0].message.contains("no steps"));
    }

    #[test]
    fn windows_line_endings_and_a_byte_order_mark() {
        // The last front matter line ends in a two-byte character, where a cut by line lengths
        // would fall inside it.
        let crlf = format!("\u{feff}{}", sample("# ultima riga: è\n", STEPS).replace('\n', "\r\n"));
        let p = parse_guide(&path(), &crlf).unwrap();
        assert_eq!(p.guide.title, "Prova");
        assert_eq!(p.guide.steps.len(), 5);
        let bad = sample("", STEPS).replace("lang = \"it\"", "lang = \"fr\"").replace('\n', "\r\n");
        let errs = parse_guide(&path(), &bad).unwrap_err();
        assert_eq!(errs[0].line, 4, "{errs:?}");
    }

    #[test]
    fn missing_fence_and_unclosed_front_matter() {
        assert!(parse_guide(&path(), "hello").unwrap_err()[0].message.contains("must start with front matter"));
        assert!(parse_guide(&path(), "+++\nid = \"x\"\n").unwrap_err()[0].message.contains("not closed"));
    }

    #[test]
    fn missing_legal_basis_and_sources_are_errors() {
        let text = sample("", STEPS)
            .replace("legal_basis = [\"Reg. (UE) 2021/1060, art. 53\"]\n", "")
            .replace("sources = [\"https://eur-lex.europa.eu/eli/reg/2021/1060/oj\"]\n", "");
        let errs = parse_guide(&path(), &text).unwrap_err();
        assert!(errs.iter().any(|e| e.message.contains("legal_basis is missing")));
        assert!(errs.iter().any(|e| e.message.contains("sources is missing")));
    }

    #[test]
    fn questions_changes_and_replaces_are_read_and_checked() {
        let extra = "questions = [\"Uno?\", \"Due?\", \"Tre?\"]\nchecked_against = [\"RDC art. 53\"]\n\
                     replaces = [\"vecchia\"]\nupdated = 2026-11-28\nchanges = [\"Corretto il limite.\"]\n";
        let p = parse_guide(&path(), &sample(extra, STEPS)).unwrap();
        assert_eq!(p.guide.questions, ["Uno?", "Due?", "Tre?"]);
        assert_eq!(p.guide.replaces, ["vecchia"]);
        assert_eq!(p.replaces[0].1, 14);
        assert_eq!(p.guide.changes, ["Corretto il limite."]);
        assert!(p.guide.updated.is_some());

        let errs = parse_guide(&path(), &sample("questions = [\"Solo una?\"]\n", STEPS)).unwrap_err();
        assert!(errs[0].message.contains("give 3 to 6 questions"), "{errs:?}");
        assert_eq!(errs[0].line, 12);
        let errs = parse_guide(&path(), &sample("updated = 2026-11-28\n", STEPS)).unwrap_err();
        assert!(errs[0].message.contains("updated needs changes"), "{errs:?}");
        let errs = parse_guide(&path(), &sample("replaces = [\"prova\"]\n", STEPS)).unwrap_err();
        assert!(errs[0].message.contains("names the guide itself"), "{errs:?}");
    }

    #[test]
    fn hedges_are_found_in_the_body_only() {
        let body = STEPS.replace("Testo uno.", "Per il limite verifica nel testo vigente del regolamento.");
        let p = parse_guide(&path(), &sample("", &body)).unwrap();
        assert_eq!(p.hedges, [15]);
        assert!(is_hedge("Check the consolidated text on EUR-Lex"));
        assert!(!is_hedge("Lo stabilisce il SIGECO della tua AdG."));
    }

    #[test]
    fn id_must_match_file_name() {
        let errs = parse_guide(&PathBuf::from("guides/it/altro.md"), &sample("", STEPS)).unwrap_err();
        assert!(errs[0].message.contains("must match the file name"));
    }

    #[test]
    fn closing_sections_and_audience_are_required() {
        let text = sample("", STEPS).replace("## Checklist\n- [ ] y\n", "").replace("audience = \"AdG\"\n", "");
        let errs = parse_guide(&path(), &text).unwrap_err();
        assert!(errs.iter().any(|e| e.message.contains("add a \"## Checklist\" section")), "{errs:?}");
        assert!(errs.iter().any(|e| e.message.contains("audience is missing")), "{errs:?}");
    }
}
