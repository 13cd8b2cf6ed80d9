//! The dashboard with a year of data: 2,000 events, 50,000 registrations, 5,000
//! mentorships, 10,000 logged searches, seeded straight into the database; then
//! `/cruscotto` (coordinator and officer) and `/api/v1/kpi` are requested over HTTP on
//! loopback, one at a time, and their times reported.

use std::time::{Duration, Instant};

use fondilab::accounts::{self, session, NewUser};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::served::{exchange, Served};

const DAY: i64 = 86_400_000;
const REGIONS: [&str; 21] = [
    "ABR", "BAS", "CAL", "CAM", "EMR", "FVG", "LAZ", "LIG", "LOM", "MAR", "MOL", "PIE", "PUG", "SAR", "SIC", "TOS",
    "UMB", "VDA", "VEN", "PAB", "PAT",
];

async fn get(addr: std::net::SocketAddr, path: &str, cookie: &str) -> anyhow::Result<(u16, usize)> {
    exchange(addr, &format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"))
        .await
}

/// Inserts rows in multi-row statements of 500, in one transaction.
async fn bulk(db: &fondilab::db::Db, head: &str, rows: Vec<String>) -> anyhow::Result<()> {
    let mut tx = db.begin_write().await?;
    for chunk in rows.chunks(500) {
        sqlx::query(&format!("{head} VALUES {}", chunk.join(", "))).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

pub async fn run(admin_url: Option<String>, iterations: usize) -> anyhow::Result<()> {
    let served = Served::start("kpi", admin_url.as_deref()).await?;
    let (addr, state, backend) = (served.addr, served.state.clone(), served.backend);
    let db = state.db.clone();
    let now = fondilab::db::now_ms();
    let mut rng = StdRng::seed_from_u64(7);
    let seeding = Instant::now();

    // People: 2,000 officers spread over the Regions, 300 mentors, one coordinator.
    let mut users = Vec::new();
    for i in 0..2_300 {
        let (role, region) =
            if i < 2_000 { ("officer", format!("'{}'", REGIONS[i % 21])) } else { ("mentor", "NULL".into()) };
        users.push(format!("('u{i}@bench.example', 'Persona {i}', '{role}', {region}, 'it', 1, 1, 0, {now}, {now})"));
    }
    bulk(&db, "INSERT INTO users (email, name, role, region_code, lang, notify_email, active, erased, created_at, updated_at)", users).await?;
    let first_user: i64 =
        sqlx::query_scalar("SELECT MIN(id) FROM users WHERE email LIKE '%@bench.example'").fetch_one(db.pool()).await?;
    let coordinator = accounts::validate(
        &db,
        &NewUser {
            email: "coord@bench.example".into(),
            name: "Coordinamento".into(),
            role: "coordinator".into(),
            ..Default::default()
        },
    )
    .await?;
    let mut tx = db.begin_write().await?;
    let coord_id = accounts::create(&mut tx, now, &coordinator).await?;
    tx.commit().await?;

    // 2,000 events over the past year: most completed, some cancelled or still to come.
    let kinds = ["webinar", "open_lab", "mentorship_lab", "forum"];
    let mut events = Vec::new();
    for i in 0..2_000 {
        let start = now - rng.random_range(1..365) * DAY;
        let state = match rng.random_range(0..10) {
            0 => "cancelled",
            1 => "published",
            _ => "completed",
        };
        events.push(format!(
            "('{}', 'Evento {i}', '', {start}, {}, 'Roma', 40, '', 'FSE+', 'rendicontazione', '', '', '{state}', 0, {now}, {now})",
            kinds[i % 4],
            start + 2 * 3_600_000
        ));
    }
    bulk(&db, "INSERT INTO events (kind, title, description, starts_at, ends_at, venue, capacity, audience, funds, topics, guides, speakers, state, sequence, created_at, updated_at)", events).await?;
    let first_event: i64 = sqlx::query_scalar("SELECT MIN(id) FROM events").fetch_one(db.pool()).await?;

    // 50,000 registrations: 25 distinct officers per event, about 70% present.
    let mut regs = Vec::new();
    for e in 0..2_000i64 {
        let base = rng.random_range(0..2_000i64);
        for k in 0..25i64 {
            let user = first_user + (base + k * 79) % 2_000;
            let state = if k < 22 {
                "confirmed"
            } else if k < 24 {
                "waitlisted"
            } else {
                "cancelled"
            };
            let attended = i64::from(state == "confirmed" && rng.random_bool(0.7));
            regs.push(format!(
                "({}, {user}, '{state}', {}, {attended}, {}, {})",
                first_event + e,
                k + 1,
                now - rng.random_range(1..365) * DAY,
                now
            ));
        }
    }
    bulk(&db, "INSERT INTO registrations (event_id, user_id, state, position, attended, created_at, updated_at)", regs)
        .await?;

    // 5,000 mentorships: a request each, with its match in some state.
    let mut requests = Vec::new();
    for i in 0..5_000i64 {
        let officer = first_user + i % 2_000;
        let state = ["open", "matched", "closed", "withdrawn"][(i % 4) as usize];
        requests.push(format!(
            "('{}', {officer}, 'FSE+', 'rendicontazione', 'it', 'remote', 'Richiesta {i}', '{state}', {}, {now})",
            REGIONS[(i % 2_000 % 21) as usize],
            now - rng.random_range(1..365) * DAY
        ));
    }
    bulk(&db, "INSERT INTO mentorship_requests (region_code, officer_id, fund, topics, language, format, description, state, created_at, updated_at)", requests).await?;
    let first_request: i64 = sqlx::query_scalar("SELECT MIN(id) FROM mentorship_requests").fetch_one(db.pool()).await?;
    let created: Vec<(i64, i64)> =
        sqlx::query_as("SELECT id, created_at FROM mentorship_requests ORDER BY id").fetch_all(db.pool()).await?;
    let mut matches = Vec::new();
    for (id, at) in &created {
        let state = ["accepted", "completed", "declined", "expired", "proposed"][((id - first_request) % 5) as usize];
        let proposed = at + rng.random_range(1..48) * 3_600_000;
        let answered = if matches!(state, "accepted" | "completed" | "declined") {
            (proposed + rng.random_range(1..96) * 3_600_000).to_string()
        } else {
            "NULL".into()
        };
        matches.push(format!(
            "({id}, {}, '{state}', 60, '[]', {at}, {proposed}, {answered}, {now})",
            first_user + 2_000 + id % 300
        ));
    }
    bulk(&db, "INSERT INTO mentorship_matches (request_id, mentor_id, state, score, parts, created_at, proposed_at, answered_at, updated_at)", matches).await?;
    let completed: Vec<(i64, i64)> =
        sqlx::query_as("SELECT id, mentor_id FROM mentorship_matches WHERE state = 'completed'")
            .fetch_all(db.pool())
            .await?;
    let feedback = completed
        .iter()
        .map(|(id, m)| format!("({id}, 'mentor', {m}, {}, '', {now})", rng.random_range(1..=5)))
        .collect();
    bulk(&db, "INSERT INTO mentorship_feedback (match_id, side, author_id, useful, comment, created_at)", feedback)
        .await?;
    let searches = (0..10_000)
        .map(|i| {
            format!(
                "('ricerca {}', '', {}, 100, 'it', {})",
                i % 400,
                if i % 3 == 0 { 0 } else { 4 },
                now - (i as i64 % 365) * DAY
            )
        })
        .collect();
    bulk(&db, "INSERT INTO search_log (query, filters, result_count, took_us, ui_lang, created_at)", searches).await?;
    if db.backend() == fondilab::db::Backend::Postgres {
        // Autovacuum would gather statistics on a database a year old; gather them now, so that the
        // figures do not depend on whether it happens to run during the measurement.
        sqlx::query("ANALYZE").execute(db.pool()).await?;
    }
    let seeded = seeding.elapsed();

    let (coord_secret, _) = session::create(&db, coord_id, now).await?;
    let (officer_secret, _) = session::create(&db, first_user + 12, now).await?;
    let coord_cookie = format!("fondilab_session={coord_secret}");
    let officer_cookie = format!("fondilab_session={officer_secret}");
    println!("{backend}: seeded a year of data in {:.1} s", seeded.as_secs_f64());
    // The report alone, without HTTP and HTML.
    let mut alone = Vec::new();
    for _ in 0..iterations.min(20) {
        let t = Instant::now();
        fondilab::kpi::report(&db, &fondilab::kpi::Scope::default(), &state.config.targets, state.search.corpus(), now)
            .await?;
        alone.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    alone.sort_by(f64::total_cmp);
    println!("{backend}: kpi::report alone (all Regions): p50 {:.1} ms", alone[alone.len() / 2]);
    for (label, path, cookie) in [
        ("coordinator /cruscotto", "/cruscotto", &coord_cookie),
        ("officer /cruscotto (own Region)", "/cruscotto", &officer_cookie),
        ("coordinator /api/v1/kpi", "/api/v1/kpi", &coord_cookie),
    ] {
        let (status, bytes) = get(addr, path, cookie).await?;
        anyhow::ensure!(status == 200, "{path} answered {status}");
        let mut times: Vec<Duration> = Vec::new();
        for _ in 0..iterations {
            let t = Instant::now();
            get(addr, path, cookie).await?;
            times.push(t.elapsed());
        }
        times.sort();
        let pct = |p: f64| times[((times.len() as f64 * p).ceil() as usize).saturating_sub(1)].as_secs_f64() * 1000.0;
        println!(
            "{backend}: {label}: {iterations} requests, {bytes} bytes, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            pct(0.5),
            pct(0.99),
            pct(1.0)
        );
    }
    served.stop().await?;
    Ok(())
}
