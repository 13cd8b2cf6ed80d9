//! One error type for the whole service. Handlers return `Result<_, AppError>`; the
//! response is JSON `{"error": …, "field": …}` by default, and the HTML route family
//! turns it into a page in the user's language (see `web::html_errors`).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use crate::i18n::Lang;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The request is wrong in a way the user can fix; `field` names the input.
    #[error("{message}")]
    BadRequest { message: String, field: Option<String> },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Forbidden(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        AppError::BadRequest { message: message.into(), field: None }
    }

    pub fn field(field: &str, message: impl Into<String>) -> Self {
        AppError::BadRequest { message: message.into(), field: Some(field.to_string()) }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e {
            if db.is_unique_violation() {
                return AppError::Conflict("esiste già un elemento con questi dati".into());
            }
        }
        AppError::Internal(anyhow::Error::new(e))
    }
}

/// What the HTML layer needs to render an error page; carried as a response extension.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorInfo {
    #[serde(skip)]
    pub status: StatusCode,
    pub error: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let (error, field) = match &self {
            AppError::Internal(e) => {
                tracing::error!(error = format!("{e:#}"), "request failed");
                ("errore interno: riprova tra poco; se il problema resta, contatta il coordinamento".to_string(), None)
            }
            AppError::BadRequest { message, field } => (message.clone(), field.clone()),
            other => (other.to_string(), None),
        };
        let info = ErrorInfo { status, error, field };
        let mut response = (status, Json(&info)).into_response();
        response.extensions_mut().insert(info);
        response
    }
}

pub type AppResult<T> = Result<T, AppError>;

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
    #[error("richiesta già inviata")]
    Duplicate { request: i64 },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Outbox(#[from] crate::notify::EnqueueError),
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
            Refusal::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        match self {
            Refusal::Invalid { it, en, .. } | Refusal::Forbidden { it, en } | Refusal::State { it, en } => {
                lang.t(it, en).to_string()
            }
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

    /// The HTTP status this refusal is answered with (pages rendered by a handler use it too).
    pub fn status(&self) -> StatusCode {
        match self {
            Refusal::Invalid { .. } => StatusCode::BAD_REQUEST,
            Refusal::NotFound => StatusCode::NOT_FOUND,
            Refusal::Forbidden { .. } => StatusCode::FORBIDDEN,
            Refusal::State { .. } | Refusal::Duplicate { .. } => StatusCode::CONFLICT,
            Refusal::Database(_) | Refusal::Outbox(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn into_app(self, lang: Lang) -> AppError {
        let message = self.message(lang);
        match self {
            Refusal::Invalid { field, .. } => AppError::field(field, message),
            Refusal::NotFound => AppError::NotFound(message),
            Refusal::Forbidden { .. } => AppError::Forbidden(message),
            Refusal::State { .. } | Refusal::Duplicate { .. } => AppError::Conflict(message),
            Refusal::Database(e) => e.into(),
            Refusal::Outbox(e) => e.into(),
        }
    }
}
