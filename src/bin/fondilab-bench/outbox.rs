//! Mail throughput and latency through the real outbox: messages enqueued in
//! transactions while a worker delivers them over pooled SMTP to a server on loopback,
//! optionally with that server stopped for a while in the middle.

use std::sync::Arc;
use std::time::{Duration, Instant};

use fondilab::clock;
use fondilab::db::{now_ms, Db};
use fondilab::i18n::Lang;
use fondilab::jobs::JobRunner;
use fondilab::notify::transport::Transport;
use fondilab::notify::worker::{Worker, WorkerConfig};
use fondilab::notify::{Content, Email, Outbox, Sender};

#[path = "../../../tests/api/smtp_server.rs"]
pub mod smtp_server;
use smtp_server::SmtpServer;

pub struct Run {
    pub messages: usize,
    pub outage: Option<Duration>,
    pub database_url: Option<String>,
}

pub async fn run(cfg: Run) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("fondilab-bench-outbox-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let url = cfg.database_url.clone().unwrap_or_else(|| fondilab::db::sqlite_url(&dir));
    let db = Db::connect(&url).await?;
    db.migrate().await?;
    sqlx::query("DELETE FROM outbox").execute(db.pool()).await?;
    let smtp = SmtpServer::start().await;
    let port = smtp.port();
    let sender = Sender::new("fondilab <noreply@fondilab.local>", None, "http://127.0.0.1:8080")?;
    let outbox = Outbox::new(sender, &fondilab::installation::secret(&db, now_ms()).await?);
    let clock = clock::system();
    let transport = Transport::from_config(Some(&smtp.url()), dir.join("mail"))?;
    let jobs = Arc::new(JobRunner::new(db.clone(), clock.clone()));
    let worker_db = db.own_pool(4, Duration::from_secs(10));
    let worker = Worker::new(worker_db, outbox.clone(), transport, clock, WorkerConfig::default(), jobs);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let worker_task = tokio::spawn(worker.run(stop_rx));

    let started = Instant::now();
    let producer = {
        let (db, outbox) = (db.clone(), outbox.clone());
        let n = cfg.messages;
        tokio::spawn(async move {
            // Business transactions of 20 messages each, as fast as the database takes them.
            for chunk in (0..n).collect::<Vec<_>>().chunks(20) {
                let mut tx = db.begin_write().await?;
                for i in chunk {
                    let e = Email {
                        key: format!("bench:{i}"),
                        kind: "bench".into(),
                        to: format!("u{i}@example.org"),
                        to_name: format!("Utente {i}"),
                        lang: if i % 4 == 0 { Lang::En } else { Lang::It },
                        content: Content {
                            subject: format!("Conferma iscrizione {i}"),
                            paragraphs: vec!["La tua iscrizione all'Open Lab è confermata.".into(); 3],
                            action: Some(("Apri".into(), "http://127.0.0.1:8080/".into())),
                        },
                        attachments: vec![],
                        not_before: None,
                        list_unsubscribe: None,
                    };
                    outbox.enqueue(&mut tx, now_ms(), &e).await?;
                }
                tx.commit().await?;
                outbox.wake();
            }
            anyhow::Ok(())
        })
    };

    let mut outage_report = None;
    let mut server = Some(smtp);
    if let Some(outage) = cfg.outage {
        // Let a third of the run go through, then take the server away.
        wait_sent(&db, (cfg.messages / 3) as i64, Duration::from_secs(300)).await?;
        let received_before: Vec<String> = server.as_ref().map(|s| s.message_ids()).unwrap_or_default();
        if let Some(s) = server.take() {
            s.stop();
        }
        let down_at = Instant::now();
        tokio::time::sleep(outage).await;
        let restarted = SmtpServer::start_on(port).await?;
        let back_at = Instant::now();
        outage_report = Some((received_before, down_at, back_at));
        server = Some(restarted);
    }
    producer.await??;
    let enqueued_in = started.elapsed();
    wait_sent(&db, cfg.messages as i64, Duration::from_secs(900)).await?;
    let total = started.elapsed();
    let _ = stop_tx.send(true);
    worker_task.await?;

    let latencies: Vec<i64> = {
        let mut l: Vec<i64> = sqlx::query_scalar("SELECT sent_at - created_at FROM outbox WHERE status = 'sent'")
            .fetch_all(db.pool())
            .await?;
        l.sort_unstable();
        l
    };
    let pct = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p).round() as usize];
    let dead: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE status <> 'sent'").fetch_one(db.pool()).await?;
    let server = server.expect("a server is running at the end");
    let mut ids = server.message_ids();
    if let Some((before, _, _)) = &outage_report {
        ids.extend(before.iter().cloned());
    }
    let received = ids.len();
    ids.sort();
    ids.dedup();
    let lost = cfg.messages - ids.len();
    let duplicates = received - ids.len();
    println!(
        "outbox [{}]: {} messages enqueued in {:.2} s, all accepted by SMTP after {:.2} s: {:.0} messages/s; \
         enqueue-to-accepted p50 {} ms, p99 {} ms, max {} ms; not sent {dead}, lost {lost}, duplicates {duplicates}",
        if db.backend() == fondilab::db::Backend::Sqlite { "SQLite" } else { "PostgreSQL" },
        cfg.messages,
        enqueued_in.as_secs_f64(),
        total.as_secs_f64(),
        cfg.messages as f64 / total.as_secs_f64(),
        pct(0.5),
        pct(0.99),
        latencies.last().copied().unwrap_or(0),
    );
    if let Some((_, down_at, back_at)) = outage_report {
        println!(
            "outage: SMTP server stopped for {:.1} s; all delivered {:.2} s after it came back (run total {:.2} s)",
            (back_at - down_at).as_secs_f64(),
            (started + total).saturating_duration_since(back_at).as_secs_f64(),
            total.as_secs_f64()
        );
    }
    db.close().await;
    std::fs::remove_dir_all(&dir).ok();
    Ok(())
}

async fn wait_sent(db: &Db, n: i64, limit: Duration) -> anyhow::Result<()> {
    let start = Instant::now();
    loop {
        let sent: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE status = 'sent'").fetch_one(db.pool()).await?;
        if sent >= n {
            return Ok(());
        }
        anyhow::ensure!(start.elapsed() < limit, "only {sent} of {n} sent after {limit:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
