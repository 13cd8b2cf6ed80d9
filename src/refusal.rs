//! Why a domain operation did not happen. Refusals carry their message in both languages
//! and know nothing of HTTP: the web layer chooses the status (`web::error`).

use crate::i18n::Lang;

/// Why a domain operation (mentorship, events) did not happen, with the message in both
/// languages; the web layer turns it into a 4xx page or JSON error.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// The input is wrong in a way the user can fix.
    #[error("{it}")]
    Invalid { field: &'static str, it: String, en: String },
    /// Several inputs are wrong at once: each one an `Invalid`, in the order of the form.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join(" "))]
    Several(Vec<Refusal>),
    /// Absent, or not visible to this user (never says which).
    #[error("non trovato")]
    NotFound,
    /// Visible, but this user may not do this.
    #[error("{it}")]
    Forbidden { it: String, en: String },
    /// The record is not in a state that allows this (expired, withdrawn, already done).
    #[error("{it}")]
    State { it: String, en: String },
    /// The same form was sent twice: the first one counts.
    /// Done once already, and not to be done again (a second vote from the same browser).
    #[error("{it}")]
    Repeated { field: &'static str, it: String, en: String },
    /// Too many attempts from one client in the rate window.
    #[error("{it}")]
    TooMany { it: String, en: String },
    #[error("richiesta già inviata")]
    Duplicate { request: i64 },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Outbox(#[from] crate::notify::EnqueueError),
}

/// Most entries a list in a request may hold (topics, Regions, funds, guides, languages,
/// experience): more than any form offers, few enough that no request makes the service
/// loop over thousands.
pub const MAX_LIST: usize = 50;

/// Refuses a list of more than [`MAX_LIST`] entries, naming its field.
pub fn at_most<T>(field: &'static str, list: &[T]) -> Result<(), Refusal> {
    if list.len() <= MAX_LIST {
        return Ok(());
    }
    Err(Refusal::invalid(
        field,
        format!("Troppe voci in \"{field}\": al massimo {MAX_LIST}."),
        format!("Too many entries in \"{field}\": at most {MAX_LIST}."),
    ))
}

impl Refusal {
    pub fn invalid(field: &'static str, it: impl Into<String>, en: impl Into<String>) -> Self {
        Refusal::Invalid { field, it: it.into(), en: en.into() }
    }

    pub fn state(it: impl Into<String>, en: impl Into<String>) -> Self {
        Refusal::State { it: it.into(), en: en.into() }
    }

    pub fn forbidden(it: impl Into<String>, en: impl Into<String>) -> Self {
        Refusal::Forbidden { it: it.into(), en: en.into() }
    }

    /// Each wrong input with its message: one entry for a refusal about one field (or about
    /// none: the field is then empty), one per field for [`Refusal::Several`].
    pub fn problems(&self, lang: Lang) -> Vec<(&'static str, String)> {
        match self {
            Refusal::Several(all) => all.iter().flat_map(|r| r.problems(lang)).collect(),
            other => vec![(other.field().unwrap_or(""), other.message(lang))],
        }
    }

    /// A refusal about the input (one field or several) that the person can correct.
    pub fn is_invalid(&self) -> bool {
        matches!(self, Refusal::Invalid { .. } | Refusal::Several(_))
    }

    pub fn field(&self) -> Option<&'static str> {
        match self {
            Refusal::Invalid { field, .. } | Refusal::Repeated { field, .. } => Some(field),
            Refusal::Several(all) => all.first().and_then(Refusal::field),
            _ => None,
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        match self {
            Refusal::Invalid { it, en, .. }
            | Refusal::Repeated { it, en, .. }
            | Refusal::TooMany { it, en }
            | Refusal::Forbidden { it, en }
            | Refusal::State { it, en } => lang.t(it, en).to_string(),
            Refusal::Several(all) => all.iter().map(|r| r.message(lang)).collect::<Vec<_>>().join(" "),
            Refusal::NotFound => lang
                .t(
                    "Non trovato: nulla con questo numero che tu possa vedere.",
                    "Not found: nothing with this number that you can see.",
                )
                .into(),
            Refusal::Duplicate { request } => format!(
                "{} {request}.",
                lang.t(
                    "Questo modulo era già stato inviato: la richiesta esiste già con il numero",
                    "This form had already been sent: the request already exists as number",
                )
            ),
            Refusal::Database(e) => e.to_string(),
            Refusal::Outbox(e) => e.to_string(),
        }
    }
}

/// Collects every wrong input of a form instead of stopping at the first, so the person sees
/// them all at once: each check's result goes through [`Checks::take`], and [`Checks::done`]
/// answers with one refusal for them all.
#[derive(Debug, Default)]
pub struct Checks(Vec<Refusal>);

impl Checks {
    /// The value when the check passed; otherwise the refusal is kept and `None` returned.
    pub fn take<T>(&mut self, result: Result<T, Refusal>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }

    /// Records a failed check.
    pub fn fail(&mut self, e: Refusal) {
        self.0.push(e);
    }

    /// Whether a check about `field` failed already (later checks on it are then skipped).
    pub fn failed(&self, field: &str) -> bool {
        self.0.iter().any(|e| e.field() == Some(field))
    }

    /// `Ok` when every check passed; otherwise the one refusal, or all of them together.
    pub fn done(mut self) -> Result<(), Refusal> {
        match self.0.len() {
            0 => Ok(()),
            1 => Err(self.0.remove(0)),
            _ => Err(Refusal::Several(self.0)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_keep_every_wrong_input() {
        let mut c = Checks::default();
        assert_eq!(c.take(Ok::<_, Refusal>(3)), Some(3));
        assert!(c.take(Err::<i32, _>(Refusal::invalid("a", "A sbagliato.", "A wrong."))).is_none());
        c.fail(Refusal::invalid("b", "B sbagliato.", "B wrong."));
        assert!(c.failed("a") && !c.failed("c"));
        let e = c.done().unwrap_err();
        assert!(e.is_invalid());
        assert_eq!(e.field(), Some("a"));
        assert_eq!(e.problems(Lang::En), vec![("a", "A wrong.".to_string()), ("b", "B wrong.".to_string())]);
        assert!(Checks::default().done().is_ok());
    }
}
