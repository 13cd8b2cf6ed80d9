//! The web layer's error type. Handlers return `Result<_, AppError>`; the response is JSON
//! `{"error": …, "field": …}` by default, and the HTML route family turns it into a page in
//! the user's language (see `web::html_errors`). Every domain error becomes an HTTP status
//! here, and only here.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use crate::accounts::AccountError;
use crate::i18n::Lang;
use crate::notify::EnqueueError;
pub use crate::refusal::Refusal;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The request is wrong in a way the user can fix; `field` names the input.
    #[error("{message}")]
    BadRequest { message: String, field: Option<String> },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// A unique rule of the database was broken by the value of `field`.
    #[error("{message}")]
    Taken { message: String, field: String },
    #[error("{0}")]
    Forbidden(String),
    /// Too many attempts from this client for now.
    #[error("{0}")]
    TooMany(String),
    /// The database cannot be reached or cannot take writes right now; nothing was changed.
    #[error("{0}")]
    Unavailable(String),
    /// A method the service never serves.
    #[error("{0}")]
    MethodNotAllowed(String),
    /// A body in a format this endpoint does not read.
    #[error("{0}")]
    UnsupportedMediaType(String),
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

    /// The database is out of reach: nothing was changed.
    pub fn unavailable() -> Self {
        AppError::Unavailable(UNAVAILABLE.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict(_) | AppError::Taken { .. } => StatusCode::CONFLICT,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// What a person reads when the database is out of reach.
const UNAVAILABLE: &str =
    "il servizio non riesce a raggiungere il database: nulla è stato salvato; riprova tra qualche istante";

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        if crate::db::is_unavailable(&e) {
            tracing::warn!(error = %e, "database unavailable");
            return AppError::unavailable();
        }
        if let Some(field) = crate::db::unique_violation_field(&e) {
            let message = match field {
                "email" => "esiste già un account con questo indirizzo email",
                "event" => "risulti già iscritto a questo evento",
                _ => "esiste già un elemento con questi dati",
            };
            return AppError::Taken { message: message.into(), field: field.into() };
        }
        if let sqlx::Error::Database(db) = &e {
            if db.is_unique_violation() {
                return AppError::Conflict("esiste già un elemento con questi dati".into());
            }
        }
        AppError::Internal(anyhow::Error::new(e))
    }
}

/// What the HTML layer needs to render an error page; carried as a response extension.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = Error)]
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
        if let AppError::Internal(e) = &self {
            if e.chain().filter_map(|c| c.downcast_ref::<sqlx::Error>()).any(crate::db::is_unavailable) {
                tracing::warn!(error = format!("{e:#}"), "database unavailable");
                return AppError::unavailable().into_response();
            }
        }
        let (error, field) = match &self {
            AppError::Internal(e) => {
                tracing::error!(error = format!("{e:#}"), "request failed");
                ("errore interno: riprova tra poco; se il problema resta, contatta il coordinamento".to_string(), None)
            }
            AppError::BadRequest { message, field } => (message.clone(), field.clone()),
            AppError::Taken { message, field } => (message.clone(), Some(field.clone())),
            other => (other.to_string(), None),
        };
        let info = ErrorInfo { status, error, field };
        let mut response = (status, Json(&info)).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from_static("5"));
        }
        response.extensions_mut().insert(info);
        response
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// How a domain refusal is answered over HTTP.
pub trait RefusalHttp {
    /// The HTTP status this refusal is answered with (pages rendered by a handler use it too).
    fn status(&self) -> StatusCode;
    /// The refusal as the web layer's error, its message in `lang`.
    fn into_app(self, lang: Lang) -> AppError;
}

impl RefusalHttp for Refusal {
    fn status(&self) -> StatusCode {
        match self {
            Refusal::Invalid { .. } | Refusal::Several(_) => StatusCode::BAD_REQUEST,
            Refusal::NotFound => StatusCode::NOT_FOUND,
            Refusal::Forbidden { .. } => StatusCode::FORBIDDEN,
            Refusal::State { .. } | Refusal::Duplicate { .. } | Refusal::Repeated { .. } => StatusCode::CONFLICT,
            Refusal::TooMany { .. } => StatusCode::TOO_MANY_REQUESTS,
            Refusal::Database(_) | Refusal::Outbox(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn into_app(self, lang: Lang) -> AppError {
        let message = self.message(lang);
        let self_field = self.field().map(String::from);
        match self {
            Refusal::Invalid { field, .. } => AppError::field(field, message),
            Refusal::Several(_) => AppError::BadRequest { message, field: self_field },
            Refusal::NotFound => AppError::NotFound(message),
            Refusal::Forbidden { .. } => AppError::Forbidden(message),
            Refusal::State { .. } | Refusal::Duplicate { .. } => AppError::Conflict(message),
            Refusal::Repeated { field, .. } => AppError::Taken { message, field: field.into() },
            Refusal::TooMany { .. } => AppError::TooMany(message),
            Refusal::Database(e) => e.into(),
            Refusal::Outbox(e) => e.into(),
        }
    }
}

impl From<EnqueueError> for AppError {
    fn from(e: EnqueueError) -> Self {
        match e {
            EnqueueError::Database(db) => db.into(),
            other => AppError::bad_request(other.to_string()),
        }
    }
}

impl From<AccountError> for AppError {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::Database(db) => db.into(),
            AccountError::Exists(_) | AccountError::LastCoordinator => AppError::Conflict(e.to_string()),
            other => AppError::BadRequest { message: other.to_string(), field: other.field().map(String::from) },
        }
    }
}
