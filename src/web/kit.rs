//! What every handler uses: reading a form or JSON body, the signed-in user, a pooled
//! connection, a redirect, a page kept with its 4xx status, and how funds are named.

use axum::body::Bytes;
use axum::http::header::LOCATION;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::Markup;
use serde::de::DeserializeOwned;

use super::auth::Auth;
use super::params::Params;
use super::Rendered;
use crate::accounts::User;
use crate::app::AppState;
use crate::i18n::Lang;
use crate::web::error::{AppError, AppResult};

/// A fund as the interface names it (FSE+ in Italian, ESF+ in English).
pub use crate::mentorship::mail::fund_name as fund_label;

/// Parses a urlencoded form body with the same rules as query strings.
pub fn form(body: &Bytes, lang: Lang) -> Result<Params, AppError> {
    let text = std::str::from_utf8(body).map_err(|_| {
        AppError::bad_request(lang.t("il modulo contiene caratteri non validi", "the form contains invalid characters"))
    })?;
    Params::parse(Some(text), lang)
}

/// A JSON body, or the default when there is none; a clear message when it is not valid.
pub fn json<T: DeserializeOwned + Default>(body: &Bytes, lang: Lang) -> AppResult<T> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body)
        .map_err(|e| AppError::bad_request(format!("{}: {e}", lang.t("JSON non valido", "invalid JSON"))))
}

/// A page rendered with a 4xx status, kept as it is by the HTML error layer.
pub fn rendered(status: StatusCode, markup: Markup) -> Response {
    let mut r = (status, markup).into_response();
    r.extensions_mut().insert(Rendered);
    r
}

pub fn signed_in(auth: &Auth) -> AppResult<&User> {
    auth.user().ok_or_else(|| AppError::Forbidden("accesso richiesto".into()))
}

pub fn see_other(to: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(LOCATION, v);
    }
    r
}

/// A pooled connection for a handler's reads.
pub async fn conn(state: &AppState) -> AppResult<sqlx::pool::PoolConnection<sqlx::Any>> {
    Ok(state.db.pool().acquire().await?)
}
