//! Requests while the database is out of reach. Without this a request would queue for a
//! connection for the whole acquire timeout (sized for rushes, not outages); with it, once
//! the health watch has seen the database down, a request still unanswered one second
//! after it arrived gets 503 ("nothing was saved") at once. Requests that need no database
//! (guides, search) are answered as usual.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::time::Instant;

use super::error::AppError;
use crate::db::Health;

/// How long a request may run while the database is down before it is answered 503.
pub const GRACE: Duration = Duration::from_secs(1);

pub async fn gate(State(health): State<Health>, request: Request, next: Next) -> Response {
    let deadline = Instant::now() + GRACE;
    let run = next.run(request);
    tokio::pin!(run);
    loop {
        tokio::select! {
            biased;
            response = &mut run => return response,
            _ = health.down() => {}
        }
        tokio::select! {
            biased;
            response = &mut run => return response,
            _ = tokio::time::sleep_until(deadline) => return AppError::unavailable().into_response(),
            _ = health.up() => {}
        }
    }
}
