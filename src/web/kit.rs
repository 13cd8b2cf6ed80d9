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
use crate::guides::Fund;
use crate::i18n::Lang;
use crate::web::error::{AppError, AppResult, Refusal, RefusalHttp};

pub mod flash;
mod strict;

use super::layout::Problems;
pub use flash::{done, Done};

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
/// Every body the API reads is an object, at every depth (see [`strict`]).
pub fn json<T: DeserializeOwned + Default>(body: &Bytes, lang: Lang) -> AppResult<T> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    let invalid =
        |e: serde_json::Error| AppError::bad_request(format!("{}: {e}", lang.t("JSON non valido", "invalid JSON")));
    let value: serde_json::Value = serde_json::from_slice(body).map_err(invalid)?;
    T::deserialize(strict::Strict(&value)).map_err(invalid)
}

/// A request's client address (for rate limits), its headers and its body (at most 64 KB),
/// for handlers that need all three.
pub async fn client_headers_body(
    req: axum::extract::Request,
    trusted: &super::proxies::TrustedProxies,
    lang: Lang,
) -> AppResult<(String, axum::http::HeaderMap, Bytes)> {
    let client = super::auth::client_ip(req.headers(), super::auth::peer(req.extensions()), trusted);
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map_err(|_| AppError::bad_request(lang.t("modulo troppo grande", "form too large")))?;
    Ok((client, parts.headers, body))
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

/// The end of a form that changes something: on success, a redirect to the address the
/// result carries, confirming what was done (`done`) on the next page; on a refusal the
/// person can act on (`shown`), the page again (made by `page` from the problems) with the
/// refusal's status; otherwise, or when the page cannot be shown, the refusal as an error.
pub async fn redirect_or_page<F, Fut>(
    result: Result<String, Refusal>,
    done: Option<Done>,
    lang: Lang,
    shown: fn(&Refusal) -> bool,
    page: F,
) -> AppResult<Response>
where
    F: FnOnce(Problems) -> Fut,
    Fut: std::future::Future<Output = AppResult<Markup>>,
{
    match result {
        Ok(to) => Ok(match done {
            Some(d) => flash::done(&to, d),
            None => see_other(&to),
        }),
        Err(e) if shown(&e) => match page(Problems::of(&e, lang)).await {
            Ok(markup) => Ok(rendered(e.status(), markup)),
            Err(_) => Err(e.into_app(lang)),
        },
        Err(e) => Err(e.into_app(lang)),
    }
}

/// Refusals about the input or the record's state: the page is shown again with them.
pub fn invalid_or_state(e: &Refusal) -> bool {
    e.is_invalid() || matches!(e, Refusal::State { .. })
}

/// A fund as shown on pages: its Italian name, with the English one first on English pages.
pub fn fund_text(lang: Lang, f: Fund) -> String {
    match lang {
        Lang::It => f.as_str().to_string(),
        Lang::En if f.english() != f.as_str() => format!("{} ({})", f.english(), f.as_str()),
        Lang::En => f.as_str().to_string(),
    }
}
