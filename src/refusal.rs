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

    pub fn field(&self) -> Option<&'static str> {
        match self {
            Refusal::Invalid { field, .. } | Refusal::Repeated { field, .. } => Some(field),
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
