//! Who may open coordinator pages. Until accounts and roles exist, they answer only to
//! requests made on this machine that did not pass through a reverse proxy: an operator
//! with a shell on the server (or an SSH tunnel) sees the outbox, the public does not.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;
use crate::i18n::Lang;

pub async fn local_only(req: Request, next: Next) -> Response {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    let proxied = req.headers().contains_key("x-forwarded-for") || req.headers().contains_key("forwarded");
    if peer.is_some_and(|p| p.ip().is_loopback()) && !proxied {
        return next.run(req).await;
    }
    let lang = Lang::from_cookie_header(req.headers().get(axum::http::header::COOKIE).and_then(|v| v.to_str().ok()));
    AppError::Forbidden(
        lang.t(
            "Questa pagina è riservata al coordinamento e si apre solo dal server stesso.",
            "This page is for coordinators and opens only on the server itself.",
        )
        .into(),
    )
    .into_response()
}
