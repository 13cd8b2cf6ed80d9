//! One `info` line and one tracing span per request: method, the route template that
//! matched, status and latency. Never the raw path or query string: paths hold sign-in
//! tokens and calendar secrets, and what people search for stays in the search log table.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

pub async fn log(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let route = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string());
    let route = route.as_deref().unwrap_or("(no route)").to_string();
    let span = tracing::info_span!("request", %method, route = %route);
    let response = next.run(req).instrument(span.clone()).await;
    let ms = (started.elapsed().as_secs_f64() * 10_000.0).round() / 10.0;
    tracing::info!(parent: &span, status = response.status().as_u16(), ms, "request");
    response
}
