//! What an officer types, read as search syntax: `"quoted phrases"` (required, matched
//! anywhere in a guide), `-word` and `NOT word` (guides with it are left out), `a OR b`
//! (either will do), `a AND b` (both required), `word*` (any word starting so). Operators
//! count only in capitals: lower-case "or", "and", "not" are ordinary words. What cannot be
//! applied (an unmatched quote, an operator with nothing to act on, brackets, a prefix of
//! fewer than three letters) is reported in `ignored`, never an error.

use super::legal;

/// What a clause of the query asks of a guide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The more of these a guide has, the better.
    Should,
    /// The guide must have it.
    Must,
    /// The guide must not have it.
    MustNot,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// Ordinary words, read together: an acronym's expansion or a legal reference may
    /// span several of them.
    Text(String),
    Phrase(String),
    Prefix(String),
}

/// One clause: its alternatives (more than one only with OR) and what it asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    pub mode: Mode,
    pub alternatives: Vec<Item>,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Syntax {
    pub clauses: Vec<Clause>,
    /// What was typed but not applied, as typed.
    pub ignored: Vec<String>,
}

/// Shortest prefix searched with `*`.
pub const MIN_PREFIX: usize = 3;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Phrase(String),
    Prefix(String),
    /// `-x` or `-"x y"`.
    Negated(Box<Tok>),
    Or,
    And,
    Not,
}

/// Splits `q` into words and quoted phrases; an unmatched quote is dropped and reported.
fn lex(q: &str, ignored: &mut Vec<String>) -> Vec<Tok> {
    let quotes = q.matches('"').count();
    let usable = quotes - quotes % 2;
    if quotes % 2 == 1 {
        ignored.push("\"".into());
    }
    let mut toks = Vec::new();
    let mut seen_quotes = 0;
    let mut rest = q;
    let mut brackets = false;
    while !rest.is_empty() {
        let next_quote = if seen_quotes < usable { rest.find('"') } else { None };
        let (before, phrase, after) = match next_quote {
            Some(open) => {
                let inner = &rest[open + 1..];
                let close = inner.find('"').unwrap_or(inner.len());
                seen_quotes += 2;
                (&rest[..open], Some(&inner[..close]), inner.get(close + 1..).unwrap_or(""))
            }
            None => (rest, None, ""),
        };
        let mut words: Vec<&str> = before.split_whitespace().collect();
        // A `-` right before the opening quote negates the phrase.
        let negate_phrase = phrase.is_some() && words.last() == Some(&"-") && before.ends_with('-');
        if negate_phrase {
            words.pop();
        }
        for w in words {
            let cleaned = without_brackets(w);
            brackets |= cleaned.len() != w.len();
            if let Some(t) = word_token(&cleaned, ignored) {
                toks.push(t);
            }
        }
        if let Some(p) = phrase {
            let p = p.trim();
            if p.chars().any(char::is_alphanumeric) {
                let t = Tok::Phrase(p.to_string());
                toks.push(if negate_phrase { Tok::Negated(Box::new(t)) } else { t });
            } else {
                ignored.push(format!("\"{p}\""));
            }
        }
        rest = if phrase.is_some() { after } else { "" };
    }
    if brackets {
        ignored.push("( )".into());
    }
    toks
}

/// `w` without grouping brackets; a paragraph or point right after a number or letter
/// ("53(2)", "4(1)(g)") is part of a legal reference and stays.
fn without_brackets(w: &str) -> String {
    let mut out = String::with_capacity(w.len());
    let mut rest = w;
    while let Some(c) = rest.chars().next() {
        if c == '(' && out.chars().last().is_some_and(|p| p.is_alphanumeric() || p == ')') {
            if let Some(len) = legal::paragraph_len(rest) {
                out.push_str(&rest[..len]);
                rest = &rest[len..];
                continue;
            }
        }
        if !matches!(c, '(' | ')' | '[' | ']' | '{' | '}') {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

fn word_token(w: &str, ignored: &mut Vec<String>) -> Option<Tok> {
    match w {
        "" => return None,
        "OR" | "|" | "||" => return Some(Tok::Or),
        "AND" | "&" | "&&" => return Some(Tok::And),
        "NOT" => return Some(Tok::Not),
        _ => {}
    }
    if !w.chars().any(char::is_alphanumeric) {
        ignored.push(w.to_string());
        return None;
    }
    if let Some(rest) = w.strip_prefix('-') {
        return word_token(rest, ignored).map(|t| match t {
            Tok::Word(_) | Tok::Prefix(_) => Tok::Negated(Box::new(t)),
            other => other,
        });
    }
    if let Some(core) = w.strip_suffix('*') {
        let core = core.trim_end_matches('*');
        if core.chars().filter(|c| c.is_alphanumeric()).count() >= MIN_PREFIX && !core.contains('*') {
            return Some(Tok::Prefix(core.to_string()));
        }
        ignored.push(w.to_string());
        return if core.chars().any(char::is_alphanumeric) { Some(Tok::Word(core.to_string())) } else { None };
    }
    Some(Tok::Word(w.to_string()))
}

fn item(t: Tok) -> Item {
    match t {
        Tok::Word(w) => Item::Text(w),
        Tok::Phrase(p) => Item::Phrase(p),
        Tok::Prefix(p) => Item::Prefix(p),
        Tok::Negated(inner) => item(*inner),
        Tok::Or | Tok::And | Tok::Not => unreachable!("operators are resolved before items are made"),
    }
}

fn op_name(t: &Tok) -> &'static str {
    match t {
        Tok::Or => "OR",
        Tok::And => "AND",
        _ => "NOT",
    }
}

pub fn parse(q: &str) -> Syntax {
    let mut ignored = Vec::new();
    let toks = lex(q, &mut ignored);

    // NOT binds to the next term.
    let mut terms: Vec<Tok> = Vec::with_capacity(toks.len());
    let mut iter = toks.into_iter().peekable();
    while let Some(t) = iter.next() {
        if t == Tok::Not {
            match iter.peek() {
                Some(Tok::Word(_) | Tok::Phrase(_) | Tok::Prefix(_)) => {
                    let next = iter.next().expect("peeked");
                    terms.push(Tok::Negated(Box::new(next)));
                }
                _ => ignored.push("NOT".into()),
            }
        } else {
            terms.push(t);
        }
    }

    // Groups of terms joined by OR, each with whether AND touches it.
    struct Group {
        members: Vec<Tok>,
        and: bool,
    }
    let mut groups: Vec<Group> = Vec::new();
    let mut pending: Option<Tok> = None; // an operator waiting for its right-hand term
    for t in terms {
        match t {
            Tok::Or | Tok::And => {
                let usable = groups.last().is_some_and(|g| !matches!(g.members.last(), Some(Tok::Negated(_))));
                if pending.is_some() || !usable {
                    ignored.push(op_name(&t).into());
                } else {
                    pending = Some(t);
                }
            }
            term => match pending.take() {
                Some(Tok::Or) if !matches!(term, Tok::Negated(_)) => {
                    groups.last_mut().expect("checked when OR was read").members.push(term)
                }
                Some(Tok::And) => {
                    if let Some(g) = groups.last_mut() {
                        g.and = true;
                    }
                    groups.push(Group { members: vec![term], and: true });
                }
                Some(op) => {
                    ignored.push(op_name(&op).into());
                    groups.push(Group { members: vec![term], and: false });
                }
                None => groups.push(Group { members: vec![term], and: false }),
            },
        }
    }
    if let Some(op) = pending {
        ignored.push(op_name(&op).into());
    }

    // Consecutive plain words with no operator between them are read as one text.
    let mut clauses: Vec<Clause> = Vec::new();
    for g in groups {
        if g.members.len() > 1 {
            let mode = if g.and { Mode::Must } else { Mode::Should };
            clauses.push(Clause { mode, alternatives: g.members.into_iter().map(item).collect() });
            continue;
        }
        let Some(t) = g.members.into_iter().next() else { continue };
        let clause = match t {
            Tok::Negated(inner) => Clause { mode: Mode::MustNot, alternatives: vec![item(*inner)] },
            Tok::Phrase(p) => Clause { mode: Mode::Must, alternatives: vec![Item::Phrase(p)] },
            Tok::Prefix(p) => {
                Clause { mode: if g.and { Mode::Must } else { Mode::Should }, alternatives: vec![Item::Prefix(p)] }
            }
            Tok::Word(w) if g.and => Clause { mode: Mode::Must, alternatives: vec![Item::Text(w)] },
            Tok::Word(w) => {
                if let Some(Clause { mode: Mode::Should, alternatives }) = clauses.last_mut() {
                    if let [Item::Text(run)] = alternatives.as_mut_slice() {
                        run.push(' ');
                        run.push_str(&w);
                        continue;
                    }
                }
                Clause { mode: Mode::Should, alternatives: vec![Item::Text(w)] }
            }
            Tok::Or | Tok::And | Tok::Not => continue,
        };
        clauses.push(clause);
    }
    Syntax { clauses, ignored }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Item {
        Item::Text(s.into())
    }

    #[test]
    fn plain_words_are_one_text() {
        let s = parse("costi del personale FSE+");
        assert_eq!(s.clauses, [Clause { mode: Mode::Should, alternatives: vec![text("costi del personale FSE+")] }]);
        assert!(s.ignored.is_empty());
    }

    #[test]
    fn phrases_exclusions_and_prefixes() {
        let s = parse("rendicontazione \"spese non ammissibili\" -jtf fse* NOT FESR -\"costi indiretti\"");
        assert_eq!(
            s.clauses,
            [
                Clause { mode: Mode::Should, alternatives: vec![text("rendicontazione")] },
                Clause { mode: Mode::Must, alternatives: vec![Item::Phrase("spese non ammissibili".into())] },
                Clause { mode: Mode::MustNot, alternatives: vec![text("jtf")] },
                Clause { mode: Mode::Should, alternatives: vec![Item::Prefix("fse".into())] },
                Clause { mode: Mode::MustNot, alternatives: vec![text("FESR")] },
                Clause { mode: Mode::MustNot, alternatives: vec![Item::Phrase("costi indiretti".into())] },
            ]
        );
        assert!(s.ignored.is_empty(), "{:?}", s.ignored);
    }

    #[test]
    fn or_and_and() {
        let s = parse("piattaforma FESR OR ERDF AND audit");
        assert_eq!(
            s.clauses,
            [
                Clause { mode: Mode::Should, alternatives: vec![text("piattaforma")] },
                Clause { mode: Mode::Must, alternatives: vec![text("FESR"), text("ERDF")] },
                Clause { mode: Mode::Must, alternatives: vec![text("audit")] },
            ]
        );
        // Lower-case operators are words.
        assert_eq!(parse("costi or spese").clauses.len(), 1);
    }

    #[test]
    fn what_cannot_be_applied_is_reported() {
        let s = parse("OR costi AND");
        assert_eq!(s.ignored, ["OR", "AND"]);
        assert_eq!(s.clauses.len(), 1);
        assert_eq!(parse("\"costi").ignored, ["\""]);
        assert_eq!(parse("(costi OR spese)").ignored, ["( )"]);
        assert!(parse("art. 53(2) RDC").ignored.is_empty());
        assert_eq!(without_brackets("53(2)"), "53(2)");
        assert_eq!(without_brackets("4(1)(g)"), "4(1)(g)");
        assert_eq!(without_brackets("(costi"), "costi");
        assert_eq!(without_brackets("spese)"), "spese");
        assert_eq!(without_brackets("(2)"), "2");
        assert_eq!(parse("a* *").ignored, ["a*", "*"]);
        assert_eq!(parse("costi NOT").ignored, ["NOT"]);
        assert_eq!(parse("- AND (").clauses, []);
    }
}
