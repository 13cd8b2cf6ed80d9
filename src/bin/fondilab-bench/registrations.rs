//! 500 people register at once for an event with 100 seats, through HTTP on loopback:
//! the service runs in this process on SQLite or PostgreSQL; each registration is one
//! request on its own connection, all started together.

use std::time::{Duration, Instant};

use crate::served::{exchange, seed_webinar, Served};

pub struct Run {
    pub people: usize,
    pub seats: i64,
    /// `postgres://…/postgres`: a fresh database is created there for the run and dropped after.
    pub admin_url: Option<String>,
}

/// One POST with `Connection: close`; returns the status code.
async fn post(addr: std::net::SocketAddr, path: &str, cookie: &str, csrf: &str) -> anyhow::Result<u16> {
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nX-CSRF-Token: {csrf}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
    );
    Ok(exchange(addr, &req).await?.0)
}

pub async fn run(cfg: Run) -> anyhow::Result<()> {
    let served = Served::start("reg", cfg.admin_url.as_deref()).await?;
    let (addr, state, backend) = (served.addr, served.state.clone(), served.backend);

    let (people, event) = seed_webinar(&state, cfg.people, "PUG", cfg.seats).await?;

    let path = format!("/api/v1/events/{event}/register");
    let started = Instant::now();
    let tasks: Vec<_> = people[1..]
        .iter()
        .map(|(_, cookie, csrf)| {
            let (cookie, csrf, path) = (cookie.clone(), csrf.clone(), path.clone());
            tokio::spawn(async move {
                let t = Instant::now();
                let code = post(addr, &path, &cookie, &csrf).await.unwrap_or(0);
                (code, t.elapsed())
            })
        })
        .collect();
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await?);
    }
    let wall = started.elapsed();
    let mut lat: Vec<Duration> = results.iter().map(|r| r.1).collect();
    lat.sort();
    let pct = |p: f64| lat[((lat.len() as f64 * p).ceil() as usize).saturating_sub(1).min(lat.len() - 1)];
    let ok = results.iter().filter(|r| r.0 == 201).count();
    let counts: Vec<(String, i64)> =
        sqlx::query_as("SELECT state, COUNT(*) FROM registrations WHERE event_id = $1 GROUP BY state ORDER BY state")
            .bind(event)
            .fetch_all(state.db.pool())
            .await?;
    println!(
        "{backend}: {} registrations at once for {} seats: {ok} answered 201 in {:.2} s = {:.0} registrations/s; \
         latency p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms; in the database {counts:?}",
        cfg.people,
        cfg.seats,
        wall.as_secs_f64(),
        cfg.people as f64 / wall.as_secs_f64(),
        pct(0.5).as_secs_f64() * 1000.0,
        pct(0.99).as_secs_f64() * 1000.0,
        lat.last().copied().unwrap_or_default().as_secs_f64() * 1000.0,
    );
    served.stop().await?;
    Ok(())
}
