//! The Markdown after the front matter: the introduction, numbered steps, the required
//! sections, links to other guides and hedging phrases, with line numbers for every fault.

use std::path::Path;

use super::{is_hedge, Link, MAX_STEPS, MIN_STEPS};
use crate::guides::diagnostic::Diagnostic;
use crate::guides::model::{GuideText, Lang, Section, Step};

pub(super) struct Body {
    pub(super) text: GuideText,
    pub(super) steps: Vec<Step>,
    pub(super) sections: Vec<Section>,
    pub(super) links: Vec<Link>,
    pub(super) hedges: Vec<usize>,
}

enum Part {
    Intro,
    Step(usize),
    Section(usize),
}

impl Body {
    pub(super) fn parse(
        path: &Path,
        lines: &[&str],
        first_line: usize,
        hedged: bool,
        faults: &mut Vec<Diagnostic>,
    ) -> Body {
        let mut body = Body {
            text: GuideText::default(),
            steps: Vec::new(),
            sections: Vec::new(),
            links: Vec::new(),
            hedges: Vec::new(),
        };
        let mut part = Part::Intro;
        let mut heading_lines = Vec::new();
        let mut in_code = false;
        for (i, raw) in lines.iter().enumerate() {
            let line_no = first_line + i;
            let line = raw.trim_end();
            if line.trim_start().starts_with("```") {
                in_code = !in_code;
            }
            if !in_code {
                collect_links(line, line_no, &mut body.links);
                if hedged && is_hedge(line) {
                    body.hedges.push(line_no);
                }
            }
            if in_code || !line.starts_with('#') {
                let target = match part {
                    Part::Intro => &mut body.text.intro,
                    Part::Step(n) => &mut body.text.steps[n],
                    Part::Section(n) => &mut body.text.sections[n],
                };
                target.push_str(line);
                target.push('\n');
                continue;
            }
            let level = line.bytes().take_while(|&b| b == b'#').count();
            let heading = line[level..].trim();
            match level {
                1 => faults.push(Diagnostic::error(
                    path,
                    line_no,
                    "use ## for steps and sections: the title comes from the front matter",
                )),
                2 => {
                    if let Some((num, title)) = split_step_heading(heading) {
                        let expected = body.steps.len() as u32 + 1;
                        if num != expected {
                            faults.push(Diagnostic::error(
                                path,
                                line_no,
                                format!("step {num} should be step {expected}: number steps from 1 without gaps"),
                            ));
                        }
                        if !body.sections.is_empty() {
                            faults.push(Diagnostic::error(
                                path,
                                line_no,
                                "numbered steps must come before the other sections",
                            ));
                        }
                        body.steps.push(Step { number: expected, title: title.to_string() });
                        body.text.steps.push(String::new());
                        part = Part::Step(body.steps.len() - 1);
                    } else {
                        body.sections.push(Section { title: heading.to_string() });
                        body.text.sections.push(String::new());
                        part = Part::Section(body.sections.len() - 1);
                    }
                    heading_lines.push(line_no);
                }
                _ => {
                    // Sub-headings belong to the current part's text.
                    let target = match part {
                        Part::Intro => &mut body.text.intro,
                        Part::Step(n) => &mut body.text.steps[n],
                        Part::Section(n) => &mut body.text.sections[n],
                    };
                    target.push_str(line);
                    target.push('\n');
                }
            }
        }
        let trim = |s: &mut String| *s = s.trim().to_string();
        trim(&mut body.text.intro);
        body.text.steps.iter_mut().for_each(trim);
        body.text.sections.iter_mut().for_each(trim);

        let heading_of = |idx: usize| heading_lines.get(idx).copied().unwrap_or(first_line);
        for (i, (step, text)) in body.steps.iter().zip(&body.text.steps).enumerate() {
            if step.title.is_empty() {
                faults.push(Diagnostic::error(path, heading_of(i), format!("step {} has no title", step.number)));
            }
            if text.is_empty() {
                faults.push(Diagnostic::error(path, heading_of(i), format!("step {} has no text", step.number)));
            }
        }
        let end_line = first_line + lines.len().saturating_sub(1);
        match body.steps.len() {
            0 => faults.push(Diagnostic::error(
                path,
                end_line,
                "the guide has no steps: add headings like \"## 1. Title\"",
            )),
            n if n < MIN_STEPS => faults.push(Diagnostic::error(
                path,
                heading_of(n - 1),
                format!("the guide has {n} steps: a guide needs at least {MIN_STEPS}"),
            )),
            n if n > MAX_STEPS => faults.push(Diagnostic::error(
                path,
                heading_of(MAX_STEPS),
                format!("the guide has {n} steps: split it, a guide has at most {MAX_STEPS}"),
            )),
            _ => {}
        }
        if body.text.intro.is_empty() {
            faults.push(Diagnostic::error(path, first_line, "add an intro paragraph before the first step"));
        }
        body
    }
}

/// Sections every guide ends with, after its steps.
pub fn required_sections(lang: Lang) -> [&'static str; 2] {
    match lang {
        Lang::It => ["Errori frequenti", "Checklist"],
        Lang::En => ["Common mistakes", "Checklist"],
    }
}

/// `"3. Verify the hours"` → `(3, "Verify the hours")`.
fn split_step_heading(heading: &str) -> Option<(u32, &str)> {
    let (num, rest) = heading.split_once('.')?;
    let num: u32 = num.trim().parse().ok()?;
    Some((num, rest.trim()))
}

fn collect_links(line: &str, line_no: usize, links: &mut Vec<Link>) {
    const MARK: &str = "](/guide/";
    let mut rest = line;
    while let Some(pos) = rest.find(MARK) {
        let after = &rest[pos + MARK.len()..];
        let end = after.find([')', '#', '?', ' ']).unwrap_or(after.len());
        links.push(Link { target: after[..end].trim_end_matches('/').to_string(), line: line_no });
        rest = &after[end..];
    }
}
