//! How large a request body may be: 1 MiB for forms and JSON; an attachment upload may carry
//! more, so that its handler reads a file over the limit and answers, next to the form, how
//! large it was and what the limit is.

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::CONTENT_LENGTH;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use http_body_util::Limited;

use super::error::ErrorInfo;

/// Any body but an upload's.
pub const BODY_MAX: usize = 1024 * 1024;
/// An upload's body: the handler measures the file within it against
/// [`crate::exchange::files::FILE_MAX`].
pub const UPLOAD_BODY_MAX: usize = 64 * 1024 * 1024;

/// The routes that take an attachment: `POST /scambio/esperienze/{id}/allegati` and
/// `POST /api/v1/exchange/practices/{id}/attachments`.
fn is_upload(method: &Method, path: &str) -> bool {
    method == Method::POST
        && ((path.starts_with("/scambio/esperienze/") && path.ends_with("/allegati"))
            || (path.starts_with("/api/v1/exchange/practices/") && path.ends_with("/attachments")))
}

pub async fn limit(req: Request, next: Next) -> Response {
    let max = if is_upload(req.method(), req.uri().path()) { UPLOAD_BODY_MAX } else { BODY_MAX };
    let declared = req.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        let info = ErrorInfo {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            error: format!("la richiesta supera il limite di {} MiB", max / (1024 * 1024)),
            field: None,
        };
        let mut r = (StatusCode::PAYLOAD_TOO_LARGE, Json(&info)).into_response();
        r.extensions_mut().insert(info);
        return r;
    }
    next.run(req.map(|b| Body::new(Limited::new(b, max)))).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_upload_routes_take_large_bodies() {
        assert!(is_upload(&Method::POST, "/scambio/esperienze/7/allegati"));
        assert!(is_upload(&Method::POST, "/api/v1/exchange/practices/7/attachments"));
        assert!(!is_upload(&Method::GET, "/scambio/esperienze/7/allegati"));
        assert!(!is_upload(&Method::POST, "/scambio/esperienze/7/modifica"));
        assert!(!is_upload(&Method::POST, "/api/v1/exchange/questions"));
    }
}
