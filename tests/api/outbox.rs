//! The outbox and its worker against a real SMTP server on loopback.

use std::sync::Arc;
use std::time::Duration;

use fondilab::clock::{Clock, ManualClock, SharedClock};
use fondilab::i18n::Lang;
use fondilab::jobs::JobRunner;
use fondilab::notify::store;
use fondilab::notify::transport::Transport;
use fondilab::notify::worker::{Worker, WorkerConfig};
use fondilab::notify::{Attachment, Content, Email, EnqueueError, Enqueued};

use crate::db_test;
use crate::helpers::TestApp;
use crate::smtp_server::{Mode, SmtpServer, Where};

pub const T0: i64 = 1_780_000_000_000;

pub fn email(key: &str, to: &str) -> Email {
    Email {
        key: key.to_string(),
        kind: "prova".to_string(),
        to: to.to_string(),
        to_name: "Maria Rossi".to_string(),
        lang: Lang::It,
        content: Content {
            subject: format!("Messaggio {key}"),
            paragraphs: vec!["Il laboratorio è confermato.".into()],
            action: Some(("Apri fondilab".into(), "http://127.0.0.1:8080/".into())),
        },
        attachments: vec![],
        not_before: None,
        list_unsubscribe: None,
    }
}

pub async fn enqueue(app: &TestApp, now: i64, e: &Email) -> Result<Enqueued, EnqueueError> {
    let mut tx = app.state.db.begin_write().await.unwrap();
    let r = app.state.outbox.enqueue(&mut tx, now, e).await;
    tx.commit().await.unwrap();
    r
}

pub fn worker(app: &TestApp, url: Option<&str>, clock: SharedClock, config: WorkerConfig) -> Worker {
    let transport = Transport::from_config(url, app.state.config.data_dir.join("mail")).unwrap();
    let jobs = Arc::new(JobRunner::new(app.state.db.clone(), clock.clone()));
    Worker::new(app.state.db.clone(), app.state.outbox.clone(), transport, clock, config, jobs)
}

async fn status_of(app: &TestApp, key: &str) -> store::OutboxRow {
    let id: i64 = sqlx::query_scalar("SELECT id FROM outbox WHERE idempotency_key = $1")
        .bind(key)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    store::get(&app.state.db, id).await.unwrap().unwrap()
}

db_test!(enqueue_is_idempotent_validated_and_cancellable, |app| {
    assert!(matches!(enqueue(&app, T0, &email("a", "maria@example.org")).await, Ok(Enqueued::Stored(_))));
    assert_eq!(enqueue(&app, T0, &email("a", "maria@example.org")).await.unwrap(), Enqueued::AlreadyStored);
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox").fetch_one(app.state.db.pool()).await.unwrap();
    assert_eq!(n, 1);
    assert!(matches!(enqueue(&app, T0, &email("b", "non-un-indirizzo")).await, Err(EnqueueError::InvalidRecipient(_))));
    let mut big = email("c", "maria@example.org");
    big.content.paragraphs = vec!["x".repeat(2 * 1024 * 1024)];
    assert!(matches!(enqueue(&app, T0, &big).await, Err(EnqueueError::TooLarge(_))));
    // A rolled-back transaction leaves no message behind.
    let mut tx = app.state.db.begin_write().await.unwrap();
    app.state.outbox.enqueue(&mut tx, T0, &email("d", "maria@example.org")).await.unwrap();
    tx.rollback().await.unwrap();
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox").fetch_one(app.state.db.pool()).await.unwrap();
    assert_eq!(n, 1);
    // Cancelling by key: only a pending message.
    let mut reminder = email("promemoria:1", "maria@example.org");
    reminder.not_before = Some(T0 + 3_600_000);
    enqueue(&app, T0, &reminder).await.unwrap();
    let mut conn = app.state.db.pool().acquire().await.unwrap();
    assert!(app.state.outbox.cancel(&mut conn, T0, "promemoria:1").await.unwrap());
    assert!(!app.state.outbox.cancel(&mut conn, T0, "promemoria:1").await.unwrap());
    drop(conn);
    assert_eq!(status_of(&app, "promemoria:1").await.status, "cancelled");
});

db_test!(a_batch_is_delivered_once_with_stable_message_ids, |app| {
    let smtp = SmtpServer::start().await;
    let clock: SharedClock = Arc::new(ManualClock::at(T0));
    let w = worker(&app, Some(&smtp.url()), clock.clone(), WorkerConfig::default());
    for i in 0..40 {
        let mut e = email(&format!("lotto:{i}"), &format!("utente{i}@example.org"));
        if i % 2 == 1 {
            e.lang = Lang::En;
            e.content.subject = format!("Message {i}");
        }
        if i == 0 {
            e.attachments.push(Attachment {
                filename: "evento.ics".into(),
                content_type: "text/calendar; charset=utf-8; method=REQUEST".into(),
                content: "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n".into(),
            });
        }
        enqueue(&app, T0, &e).await.unwrap();
    }
    let mut sent = 0;
    while sent < 40 {
        let pass = w.run_once().await.unwrap();
        assert!(pass.total() > 0, "the worker stalled at {sent}");
        sent += pass.sent;
    }
    assert!(smtp.wait_for(40, Duration::from_secs(10)).await);
    assert_eq!(w.run_once().await.unwrap().total(), 0, "nothing is sent twice");
    let received = smtp.received();
    assert_eq!(received.len(), 40);
    let mut ids = smtp.message_ids();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 40);
    let row = status_of(&app, "lotto:0").await;
    assert_eq!(row.status, "sent");
    assert_eq!(row.message_id, app.state.outbox.message_id("lotto:0"));
    let first = received.iter().find(|r| r.message_id.as_deref() == Some(row.message_id.as_str())).unwrap();
    assert_eq!(first.to, vec!["utente0@example.org".to_string()]);
    assert!(first.data.contains("multipart/alternative"));
    assert!(first.data.contains("text/plain") && first.data.contains("text/html"));
    assert!(first.data.contains("Gentile Maria Rossi"));
    assert!(first.data.contains("evento.ics") && first.data.contains("text/calendar"));
    let english = received.iter().find(|r| r.to == vec!["utente1@example.org".to_string()]).unwrap();
    assert!(english.data.contains("Dear Maria Rossi"));
});

db_test!(transient_failures_are_retried_with_backoff, |app| {
    let smtp = SmtpServer::start().await;
    let clock = ManualClock::at(T0);
    let w = worker(&app, Some(&smtp.url()), Arc::new(clock.clone()), WorkerConfig::default());
    enqueue(&app, T0, &email("ritenta", "maria@example.org")).await.unwrap();
    for code in [451, 421] {
        smtp.set_mode(Mode::Reply(code, Where::MailFrom));
        let pass = w.run_once().await.unwrap();
        assert_eq!(pass.retried, 1, "{code}: {pass:?}");
        let row = status_of(&app, "ritenta").await;
        assert_eq!(row.status, "pending");
        assert!(row.last_error.as_deref().unwrap().contains(&code.to_string()), "{:?}", row.last_error);
        // Not due again before the backoff.
        assert!(row.not_before > clock.now_ms());
        assert_eq!(w.run_once().await.unwrap().total(), 0);
        clock.set(row.not_before);
    }
    smtp.set_mode(Mode::Accept);
    assert_eq!(w.run_once().await.unwrap().sent, 1);
    let row = status_of(&app, "ritenta").await;
    assert_eq!((row.status.as_str(), row.attempts), ("sent", 3));
    assert!(smtp.wait_for(1, Duration::from_secs(5)).await);
});

db_test!(a_permanent_refusal_is_dead_at_once_and_can_be_retried, |app| {
    let smtp = SmtpServer::start().await;
    let clock = ManualClock::at(T0);
    let w = worker(&app, Some(&smtp.url()), Arc::new(clock.clone()), WorkerConfig::default());
    enqueue(&app, T0, &email("rifiutato", "nessuno@example.org")).await.unwrap();
    smtp.set_mode(Mode::Reply(550, Where::RcptTo));
    assert_eq!(w.run_once().await.unwrap().dead, 1);
    let row = status_of(&app, "rifiutato").await;
    assert_eq!((row.status.as_str(), row.attempts), ("dead", 1));
    assert!(row.last_error.as_deref().unwrap().contains("550"));
    clock.advance(3_600_000);
    assert_eq!(w.run_once().await.unwrap().total(), 0, "dead stays dead");
    smtp.set_mode(Mode::Accept);
    assert!(store::retry_dead(&app.state.db, row.id, clock.now_ms()).await.unwrap());
    assert_eq!(w.run_once().await.unwrap().sent, 1);
});

db_test!(attempts_run_out_and_the_message_is_parked, |app| {
    let smtp = SmtpServer::start().await;
    let clock = ManualClock::at(T0);
    let config = WorkerConfig { max_attempts: 3, ..WorkerConfig::default() };
    let w = worker(&app, Some(&smtp.url()), Arc::new(clock.clone()), config);
    smtp.set_mode(Mode::Reply(451, Where::Data));
    enqueue(&app, T0, &email("ostinato", "maria@example.org")).await.unwrap();
    for _ in 0..3 {
        w.run_once().await.unwrap();
        clock.advance(11 * 60 * 1000);
    }
    let row = status_of(&app, "ostinato").await;
    assert_eq!((row.status.as_str(), row.attempts), ("dead", 3));
    assert!(row.last_error.as_deref().unwrap().contains("after 3 attempts"), "{:?}", row.last_error);
    assert!(smtp.received().is_empty());
});

db_test!(server_down_then_up_and_a_drop_mid_data, |app| {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let clock = ManualClock::at(T0);
    let w = worker(&app, Some(&format!("smtp://127.0.0.1:{port}")), Arc::new(clock.clone()), WorkerConfig::default());
    enqueue(&app, T0, &email("giu", "maria@example.org")).await.unwrap();
    let pass = w.run_once().await.unwrap();
    assert_eq!(pass.retried, 1, "connection refused is transient");
    let smtp = SmtpServer::start_on(port).await.unwrap();
    smtp.set_mode(Mode::DropMidData);
    clock.advance(10 * 60 * 1000);
    assert_eq!(w.run_once().await.unwrap().retried, 1, "a hang-up mid-DATA is transient");
    smtp.set_mode(Mode::Accept);
    clock.advance(10 * 60 * 1000);
    assert_eq!(w.run_once().await.unwrap().sent, 1);
    assert!(smtp.wait_for(1, Duration::from_secs(5)).await);
    assert_eq!(smtp.message_ids(), vec![app.state.outbox.message_id("giu")]);
    assert_eq!(status_of(&app, "giu").await.attempts, 3);
});

db_test!(scheduled_messages_wait_and_leases_expire, |app| {
    let smtp = SmtpServer::start().await;
    let clock = ManualClock::at(T0);
    let config = WorkerConfig { lease_ms: 60_000, ..WorkerConfig::default() };
    let w = worker(&app, Some(&smtp.url()), Arc::new(clock.clone()), config);
    let mut later = email("domani", "maria@example.org");
    later.not_before = Some(T0 + 86_400_000);
    enqueue(&app, T0, &later).await.unwrap();
    enqueue(&app, T0, &email("orfano", "maria@example.org")).await.unwrap();
    // A worker claims "orfano" and dies before settling it.
    let claimed = store::claim(&app.state.db, "morto", T0, 60_000, 10).await.unwrap();
    assert_eq!(claimed.iter().map(|r| r.idempotency_key.as_str()).collect::<Vec<_>>(), ["orfano"]);
    assert_eq!(w.run_once().await.unwrap().total(), 0, "held by a live lease");
    clock.advance(60_001);
    assert_eq!(w.run_once().await.unwrap().sent, 1, "reclaimed after the lease");
    clock.set(T0 + 86_400_000);
    assert_eq!(w.run_once().await.unwrap().sent, 1, "sent when due");
    assert!(smtp.wait_for(2, Duration::from_secs(5)).await);

    // A worker whose lease ran out in a slow batch does not send what another has reclaimed.
    let now = T0 + 86_400_000;
    enqueue(&app, now, &email("lento", "maria@example.org")).await.unwrap();
    let slow = store::claim(&app.state.db, "lento", now, 60_000, 10).await.unwrap();
    assert_eq!(slow.len(), 1);
    let taken = store::claim(&app.state.db, "altro", now + 60_001, 60_000, 10).await.unwrap();
    assert_eq!(taken.len(), 1, "reclaimed after the lease");
    assert!(!store::renew(&app.state.db, slow[0].id, "lento", now + 60_002, 60_000).await.unwrap());
    assert!(store::renew(&app.state.db, slow[0].id, "altro", now + 60_002, 60_000).await.unwrap());
});

db_test!(sign_in_links_do_not_stay_in_the_outbox_once_sent, |app| {
    let smtp = SmtpServer::start().await;
    let clock = ManualClock::at(T0);
    let w = worker(&app, Some(&smtp.url()), Arc::new(clock.clone()), WorkerConfig::default());
    let mut link = email("accesso", "maria@example.org");
    link.kind = "signin".into();
    link.content.action = Some(("Accedi".into(), "http://127.0.0.1:8080/accedi/abc123".into()));
    enqueue(&app, T0, &link).await.unwrap();
    enqueue(&app, T0, &email("altro", "maria@example.org")).await.unwrap();
    assert_eq!(w.run_once().await.unwrap().sent, 2);
    assert!(smtp.wait_for(2, Duration::from_secs(5)).await);
    let (signin, other) = (status_of(&app, "accesso").await, status_of(&app, "altro").await);
    assert_eq!((signin.status.as_str(), signin.body_text.as_str(), signin.body_html.as_str()), ("sent", "", ""));
    assert!(other.body_text.contains("Il laboratorio"), "other mail keeps its text");
});

db_test!(without_smtp_mail_becomes_eml_files, |app| {
    let clock: SharedClock = Arc::new(ManualClock::at(T0));
    let w = worker(&app, None, clock, WorkerConfig::default());
    enqueue(&app, T0, &email("file:1", "maria@example.org")).await.unwrap();
    assert_eq!(w.run_once().await.unwrap().sent, 1);
    let dir = app.state.config.data_dir.join("mail");
    let files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].extension().is_some_and(|e| e == "eml"));
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(text.contains(&app.state.outbox.message_id("file:1")));
    assert!(
        text.contains("To: \"Maria Rossi\" <maria@example.org>")
            || text.contains("To: Maria Rossi <maria@example.org>"),
        "{text}"
    );
});

#[tokio::test]
async fn a_bad_smtp_url_stops_start_up_naming_the_variable() {
    for url in ["http://mail.example.org", "smtp//nohost", "smtp://"] {
        let err = match Transport::from_config(Some(url), std::env::temp_dir()) {
            Ok(_) => panic!("{url} accepted"),
            Err(e) => e.to_string(),
        };
        assert!(err.contains("FONDILAB_SMTP_URL"), "{url}: {err}");
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fondilab"))
        .arg("worker")
        .env("FONDILAB_SMTP_URL", "ftp://x")
        .env("FONDILAB_DATA_DIR", tempfile::tempdir().unwrap().path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("FONDILAB_SMTP_URL"));
}
