//! Duplicate mail after a crash. A `fondilab serve` process takes a burst of registrations
//! and delivers their confirmations to an SMTP server in this process; once part of that
//! mail has been accepted it is killed with SIGKILL, in the middle of the burst. A
//! `fondilab worker` process then takes the dead process's messages over when their lease
//! runs out. A duplicate is a Message-ID the SMTP server accepted twice: a message accepted
//! but not yet recorded as sent when the process died.

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fondilab::notify::transport::POOL_SIZE;

use crate::outbox::smtp_server::SmtpServer;
use crate::served::{exchange, seed_webinar, Served};

pub struct Run {
    pub people: usize,
    /// Messages the SMTP server accepts before the first process is killed.
    pub kill_after: usize,
    pub admin_url: Option<String>,
}

const LEASE_MS: u64 = 5_000;

pub async fn run(cfg: Run) -> anyhow::Result<()> {
    // The database, seeded in this process: people with sessions and an event with a seat each.
    let served = Served::start("crash", cfg.admin_url.as_deref()).await?;
    let state = served.state.clone();
    let (people, event) = seed_webinar(&state, cfg.people, "LAZ", cfg.people as i64).await?;
    sqlx::query("DELETE FROM outbox").execute(state.db.pool()).await?;

    let smtp = SmtpServer::start().await;
    let database_url = state.config.database_url.clone();
    let scratch = std::env::temp_dir().join(format!("fondilab-bench-crash-{}", std::process::id()));
    let port = free_port()?;
    let mut first = spawn("serve", &scratch.join("one"), &database_url, Some(&smtp.url()), port)?;
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse()?;
    wait_ready(addr, &mut first).await?;

    // The burst, 64 registrations in flight at a time, until the process dies.
    let path = format!("/api/v1/events/{event}/register");
    let dead = Arc::new(AtomicBool::new(false));
    let acknowledged = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut burst = Vec::new();
    for lane in people[1..].chunks(cfg.people.div_ceil(64)) {
        let lane: Vec<(String, String)> = lane.iter().map(|(_, c, t)| (c.clone(), t.clone())).collect();
        let (path, dead, acknowledged) = (path.clone(), dead.clone(), acknowledged.clone());
        burst.push(tokio::spawn(async move {
            for (cookie, csrf) in lane {
                if dead.load(Ordering::Relaxed) {
                    break;
                }
                let req = format!(
                    "POST {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nX-CSRF-Token: {csrf}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
                );
                if let Ok((201, _)) = exchange(addr, &req).await {
                    acknowledged.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    anyhow::ensure!(
        smtp.wait_for(cfg.kill_after, Duration::from_secs(120)).await,
        "the SMTP server did not get {} messages",
        cfg.kill_after
    );
    first.kill()?;
    dead.store(true, Ordering::Relaxed);
    let killed_at = Instant::now();
    first.wait()?;
    let accepted_at_kill = smtp.message_ids().len();
    for b in burst {
        b.await?;
    }
    // Mail due now: the reminders the registrations scheduled for the day before the event
    // are not part of the burst.
    let count = |status: &'static str| {
        let db = state.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(&format!(
                "SELECT COUNT(*) FROM outbox WHERE status {status} AND not_before <= {}",
                fondilab::db::now_ms()
            ))
            .fetch_one(db.pool())
            .await
        }
    };
    let enqueued = count("<> 'cancelled'").await?;
    let recorded_at_kill = count("= 'sent'").await?;

    // The second process takes the dead one's claims over when their lease runs out.
    let mut second = spawn("worker", &scratch.join("two"), &database_url, Some(&smtp.url()), 0)?;
    let limit = Instant::now() + Duration::from_secs(300);
    while count("IN ('pending', 'sending')").await? > 0 {
        anyhow::ensure!(Instant::now() < limit, "mail still pending after 300 s");
        anyhow::ensure!(second.try_wait()?.is_none(), "the worker process stopped");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let drained = killed_at.elapsed();
    second.kill()?;
    second.wait()?;

    let mut ids = smtp.message_ids();
    let received = ids.len();
    ids.sort();
    ids.dedup();
    println!(
        "crash [{}]: killed with SIGKILL after {} of {} acknowledged registrations; {enqueued} mails enqueued, \
         {accepted_at_kill} accepted by SMTP and {recorded_at_kill} recorded as sent at the kill; after the takeover \
         (lease {} s) all {} distinct mails arrived {:.1} s after the kill, {} duplicates (SMTP connections: {POOL_SIZE})",
        served.backend,
        acknowledged.load(Ordering::Relaxed),
        cfg.people,
        LEASE_MS / 1000,
        ids.len(),
        drained.as_secs_f64(),
        received - ids.len(),
    );
    anyhow::ensure!(ids.len() as i64 == enqueued, "{} of {enqueued} mails arrived", ids.len());
    let _ = std::fs::remove_dir_all(&scratch);
    served.stop().await
}

/// `fondilab serve` (on `port`) or `fondilab worker`, next to this benchmark's binary; mail
/// goes to `smtp_url`, or into the data directory without one.
pub fn spawn(
    command: &str,
    data_dir: &std::path::Path,
    database_url: &str,
    smtp_url: Option<&str>,
    port: u16,
) -> anyhow::Result<Child> {
    let binary = std::env::current_exe()?.with_file_name("fondilab");
    anyhow::ensure!(binary.exists(), "{} is missing: build it with `cargo build --release`", binary.display());
    std::fs::create_dir_all(data_dir)?;
    let mut c = Command::new(binary);
    c.arg(command)
        .env("FONDILAB_BIND", format!("127.0.0.1:{port}"))
        .env("FONDILAB_DATA_DIR", data_dir)
        .env("DATABASE_URL", database_url)
        .env("FONDILAB_OUTBOX_LEASE_MS", LEASE_MS.to_string())
        .env("FONDILAB_GUIDES_DIR", "guides")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null());
    if let Some(url) = smtp_url {
        c.env("FONDILAB_SMTP_URL", url);
    }
    Ok(c.spawn()?)
}

pub async fn wait_ready(addr: std::net::SocketAddr, child: &mut Child) -> anyhow::Result<()> {
    let limit = Instant::now() + Duration::from_secs(120);
    loop {
        let req = format!("GET /readyz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        if let Ok((200, _)) = exchange(addr, &req).await {
            return Ok(());
        }
        anyhow::ensure!(child.try_wait()?.is_none(), "fondilab serve stopped before it was ready");
        anyhow::ensure!(Instant::now() < limit, "fondilab serve not ready after 120 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}
