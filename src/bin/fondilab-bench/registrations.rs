//! 500 people register at once for an event with 100 seats, through HTTP on loopback:
//! the service runs in this process on SQLite or PostgreSQL; each registration is one
//! request on its own connection, all started together.

use std::time::{Duration, Instant};

use fondilab::accounts::{self, session, NewUser};
use fondilab::events::{EventInput, Kind};

use crate::served::{exchange, Served};

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

    let now = fondilab::db::now_ms();
    let mut people = Vec::new();
    for i in 0..=cfg.people {
        let role = if i == 0 { "coordinator" } else { "officer" };
        let draft = NewUser {
            email: format!("p{i}@bench.example"),
            name: format!("Persona {i}"),
            role: role.into(),
            region_code: (i > 0).then(|| "PUG".to_string()),
            ..Default::default()
        };
        let valid = accounts::validate(&state.db, &draft).await?;
        let mut tx = state.db.begin_write().await?;
        let id = accounts::create(&mut tx, now, &valid).await?;
        tx.commit().await?;
        let (secret, s) = session::create(&state.db, id, now).await?;
        people.push((id, format!("fondilab_session={secret}"), s.csrf));
    }
    let coordinator = accounts::get(&state.db, people[0].0).await?.expect("coordinator");
    let start = fondilab::events::local_input(now + 7 * 86_400_000);
    let end = fondilab::events::local_input(now + 7 * 86_400_000 + 7_200_000);
    let input = EventInput {
        kind: Kind::Webinar.as_str().into(),
        title: "Webinar di prova".into(),
        starts_at: start,
        ends_at: end,
        online_url: Some("https://meet.example.org/x".into()),
        capacity: Some(cfg.seats),
        ..Default::default()
    };
    let corpus = state.search.corpus().clone();
    let regions = accounts::regions(&state.db).await?;
    let valid = fondilab::events::validate(&input, now, true, &corpus.topics, &regions, |g| Some(g.to_string()))
        .map_err(|e| anyhow::anyhow!(e.message(fondilab::i18n::Lang::En)))?;
    let event = state
        .events
        .create(&coordinator, &valid, true)
        .await
        .map_err(|e| anyhow::anyhow!(e.message(fondilab::i18n::Lang::En)))?;

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
