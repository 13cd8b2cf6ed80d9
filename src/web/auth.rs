//! Who is asking, for every request: a session cookie, a bearer token, or nobody. The
//! answer is put in the request's extensions once, and the route guards, the CSRF check
//! and the handlers read it from there. Security headers are added here too.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, OriginalUri, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::accounts::policy::{self, Denial, Rule};
use crate::accounts::session::{self, random_secret, Session, SESSION_COOKIE};
use crate::accounts::{tokens, User};
use crate::app::AppState;
use crate::i18n::Lang;
use crate::web::error::AppError;
use crate::web::proxies::TrustedProxies;

pub const CSRF_COOKIE: &str = "fondilab_csrf";
pub const CSRF_FIELD: &str = "csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

#[derive(Debug, Clone)]
pub enum Auth {
    /// Nobody signed in; `csrf` is the double-submit token of this browser.
    Anonymous {
        csrf: String,
    },
    Session(Session),
    /// A script with a personal API token: no cookies, so no CSRF.
    Bearer(User),
}

impl Auth {
    pub fn user(&self) -> Option<&User> {
        match self {
            Auth::Anonymous { .. } => None,
            Auth::Session(s) => Some(&s.user),
            Auth::Bearer(u) => Some(u),
        }
    }

    /// The token this client's forms must carry.
    pub fn csrf(&self) -> &str {
        match self {
            Auth::Anonymous { csrf } => csrf,
            Auth::Session(s) => &s.csrf,
            Auth::Bearer(_) => "",
        }
    }
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Auth>()
            .cloned()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("authentication did not run")))
    }
}

pub fn cookie_value<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|h| h.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

/// The client's address for rate limits: the peer, or, when the peer is a trusted proxy,
/// the address it forwarded (see [`TrustedProxies::client`]).
pub fn client_ip(req_headers: &axum::http::HeaderMap, peer: Option<SocketAddr>, trusted: &TrustedProxies) -> String {
    let Some(peer) = peer else { return "unknown".into() };
    let forwarded = req_headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok());
    trusted.client(peer.ip(), forwarded).to_string()
}

pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let now = state.clock.now_ms();
    let mut set_cookies: Vec<String> = Vec::new();
    let secure = state.config.secure_cookies();
    let auth = if let Some(header) = req.headers().get(AUTHORIZATION) {
        let token = header.to_str().ok().and_then(|h| h.strip_prefix("Bearer ")).map(str::trim).unwrap_or("");
        match tokens::authenticate(&state.db, token, now).await {
            Ok(Some(user)) => Auth::Bearer(user),
            Ok(None) => {
                return unauthorized(
                    "token non valido, revocato o di un utente disattivato (Authorization: Bearer fl_…)",
                )
            }
            Err(e) => return AppError::from(e).into_response(),
        }
    } else {
        let found = match cookie_value(req.headers(), SESSION_COOKIE) {
            Some(secret) => match session::lookup(&state.db, secret, now).await {
                Ok(Some(s)) => Some(s),
                Ok(None) => {
                    // An ended or unknown session: forget the cookie.
                    set_cookies.push(session::cookie(None, secure));
                    None
                }
                Err(e) => return AppError::from(e).into_response(),
            },
            None => None,
        };
        match found {
            Some(s) => Auth::Session(s),
            None => {
                let csrf = match cookie_value(req.headers(), CSRF_COOKIE) {
                    Some(c) if c.len() == 64 => c.to_string(),
                    _ => {
                        let fresh = random_secret();
                        if !req.uri().path().starts_with("/api/") {
                            let secure = if secure { "; Secure" } else { "" };
                            set_cookies.push(format!("{CSRF_COOKIE}={fresh}; Path=/; HttpOnly; SameSite=Lax{secure}"));
                        }
                        fresh
                    }
                };
                Auth::Anonymous { csrf }
            }
        }
    };
    req.extensions_mut().insert(auth);
    let mut response = next.run(req).await;
    for c in set_cookies {
        if let Ok(v) = HeaderValue::from_str(&c) {
            response.headers_mut().append(SET_COOKIE, v);
        }
    }
    response
}

fn unauthorized(message: &str) -> Response {
    (StatusCode::UNAUTHORIZED, axum::Json(serde_json::json!({ "error": message }))).into_response()
}

/// Route guard: applies a [`Rule`] to every route it wraps.
pub async fn guard(State(rule): State<Rule>, req: Request, next: Next) -> Response {
    let auth = req.extensions().get::<Auth>();
    // Inside a nested router the path has lost its prefix; the original one has it.
    let uri = req.extensions().get::<OriginalUri>().map(|o| o.0.clone()).unwrap_or_else(|| req.uri().clone());
    match policy::check(auth.and_then(Auth::user), rule) {
        Ok(()) => next.run(req).await,
        Err(Denial::SignIn) if uri.path().starts_with("/api/") => {
            unauthorized("accesso richiesto: accedi oppure usa un token personale (Authorization: Bearer)")
        }
        Err(Denial::SignIn) => {
            let here = super::here(uri.path(), uri.query());
            let to = format!(
                "/accedi?torna={}",
                percent_encoding::utf8_percent_encode(&here, percent_encoding::NON_ALPHANUMERIC)
            );
            let mut r = StatusCode::FOUND.into_response();
            if let Ok(v) = HeaderValue::from_str(&to) {
                r.headers_mut().insert(LOCATION, v);
            }
            r
        }
        Err(Denial::Forbidden) => {
            let lang = auth.and_then(Auth::user).map(|u| u.lang).unwrap_or_default();
            AppError::Forbidden(
                lang.t("Questa pagina non è prevista per il tuo ruolo.", "This page is not available to your role.")
                    .into(),
            )
            .into_response()
        }
    }
}

/// Every state-changing request made with cookies carries the CSRF token, as a form field
/// or an `X-CSRF-Token` header. Bearer-token requests carry no cookies and are exempt.
pub async fn csrf(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    // The one-click unsubscribe (RFC 8058) comes from a mail provider, without a session:
    // its signed link authenticates it.
    if req.uri().path().starts_with("/disiscrizione/") {
        return next.run(req).await;
    }
    let Some(auth) = req.extensions().get::<Auth>().cloned() else { return next.run(req).await };
    if matches!(auth, Auth::Bearer(_)) {
        return next.run(req).await;
    }
    let expected = auth.csrf().to_string();
    let lang = auth.user().map(|u| u.lang).unwrap_or_default();
    let refused = || {
        AppError::Forbidden(
            lang.t(
                "Il modulo è scaduto o non è valido: ricarica la pagina e riprova.",
                "The form has expired or is not valid: reload the page and try again.",
            )
            .into(),
        )
        .into_response()
    };
    if let Some(h) = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        return if session::same(h, &expected) { next.run(req).await } else { refused() };
    }
    let content_type = req.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    // A file upload carries the token in its action address, not in the body.
    if content_type.starts_with("multipart/form-data") {
        let presented = super::params::Params::parse(req.uri().query(), lang)
            .ok()
            .and_then(|p| p.get(CSRF_FIELD).map(str::to_string))
            .unwrap_or_default();
        return if session::same(&presented, &expected) { next.run(req).await } else { refused() };
    }
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return refused();
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 1024 * 1024).await else { return refused() };
    let presented = super::params::Params::parse(std::str::from_utf8(&bytes).ok(), lang)
        .ok()
        .and_then(|p| p.get(CSRF_FIELD).map(str::to_string))
        .unwrap_or_default();
    if !session::same(&presented, &expected) {
        return refused();
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

/// Headers every response carries: no inline script or style, no framing, no sniffing.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut r = next.run(req).await;
    let h = r.headers_mut();
    h.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
        ),
    );
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    r
}

/// The peer address, when the server was started with connection info.
pub fn peer(parts_ext: &axum::http::Extensions) -> Option<SocketAddr> {
    parts_ext.get::<ConnectInfo<SocketAddr>>().map(|c| c.0)
}

/// The interface language: the language cookie, else the signed-in user's profile, else Italian.
/// Every place that needs the language asks here, so cookies are read in one way.
pub fn language(headers: &axum::http::HeaderMap, ext: &axum::http::Extensions) -> Lang {
    let cookie = cookie_value(headers, crate::i18n::LANG_COOKIE).and_then(Lang::parse);
    cookie.or_else(|| ext.get::<Auth>().and_then(Auth::user).map(|u| u.lang)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{Extensions, HeaderMap};

    #[test]
    fn only_a_trusted_proxy_names_the_client() {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", HeaderValue::from_static("6.6.6.6, 203.0.113.7"));
        let local: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let none = TrustedProxies::default();
        assert_eq!(client_ip(&h, Some(local), &none), "127.0.0.1", "no proxy configured: the peer");
        let trusted = TrustedProxies::parse("127.0.0.1/32").unwrap();
        assert_eq!(client_ip(&h, Some(local), &trusted), "203.0.113.7", "the address the proxy added");
        let remote: SocketAddr = "198.51.100.2:5000".parse().unwrap();
        assert_eq!(client_ip(&h, Some(remote), &trusted), "198.51.100.2", "only a listed proxy is believed");
        assert_eq!(client_ip(&HeaderMap::new(), Some(local), &trusted), "127.0.0.1");
        assert_eq!(client_ip(&h, None, &trusted), "unknown");
    }

    #[test]
    fn cookie_picks_language_and_defaults_to_italian() {
        let lang = |cookie: Option<&str>| {
            let mut h = HeaderMap::new();
            if let Some(c) = cookie {
                h.insert(COOKIE, HeaderValue::from_str(c).unwrap());
            }
            language(&h, &Extensions::new())
        };
        assert_eq!(lang(None), Lang::It);
        assert_eq!(lang(Some("a=b; fondilab_lang=en")), Lang::En);
        assert_eq!(lang(Some("fondilab_lang=xx")), Lang::It);
    }
}
