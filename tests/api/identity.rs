//! Each installation names its mail and calendar entries its own way: Message-IDs mix in a
//! secret kept in the database, events keep the calendar UID they were first sent with, and
//! every message says where replies go and that it was sent automatically. Mail is delivered
//! to the SMTP server on loopback.

use std::time::Duration;

use fondilab::db::Db;
use fondilab::notify::worker::WorkerConfig;
use serde_json::json;

use crate::db_test;
use crate::events::{calendar, create, event_body, mails, prop, register, DAY, HOUR};
use crate::helpers::{Backend, Options, PgDatabase, TestApp};
use crate::outbox::{email, enqueue, worker};
use crate::smtp_server::{Received, SmtpServer};

/// Delivers what is due in `app`'s outbox to `smtp` and waits until `total` messages arrived there.
async fn deliver(app: &TestApp, smtp: &SmtpServer, total: usize) {
    let w = worker(app, Some(&smtp.url()), fondilab::clock::system(), WorkerConfig::default());
    w.run_once().await.unwrap();
    assert!(smtp.wait_for(total, Duration::from_secs(10)).await, "{} of {total} arrived", smtp.received().len());
}

async fn stored_message_id(app: &TestApp, key: &str) -> String {
    sqlx::query_scalar("SELECT message_id FROM outbox WHERE idempotency_key = $1")
        .bind(key)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap()
}

/// A database of its own, that outlives the apps started on it: its URL and what keeps it.
pub async fn own_database(backend: Backend) -> (String, Box<dyn std::any::Any + Send>) {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            (fondilab::db::sqlite_url(dir.path()), Box::new(dir))
        }
        Backend::Postgres => {
            let pg = PgDatabase::create().await;
            (pg.url.clone(), Box::new(pg))
        }
    }
}

db_test!(two_installations_give_the_same_key_different_message_ids, |app| {
    let other = TestApp::spawn(app.backend).await;
    let smtp = SmtpServer::start().await;
    for installation in [&app, &other] {
        enqueue(installation, fondilab::db::now_ms(), &email("event.confirm:1", "maria@example.org")).await.unwrap();
    }
    deliver(&app, &smtp, 1).await;
    deliver(&other, &smtp, 2).await;
    let ids = smtp.message_ids();
    assert_eq!(ids.len(), 2);
    assert_ne!(ids[0], ids[1], "one key, two installations, two Message-IDs");
    assert_eq!(ids[0], stored_message_id(&app, "event.confirm:1").await);
    assert_eq!(ids[1], stored_message_id(&other, "event.confirm:1").await);
    for id in &ids {
        // Loopback public address: the sender's domain names them.
        assert!(id.ends_with("@fondilab.local>"), "{id}");
    }
    other.stop().await;
});

db_test!(the_installation_secret_survives_a_restart, |app| {
    let (url, _keep) = own_database(app.backend).await;
    let first =
        TestApp::spawn_with(app.backend, Options { database_url: Some(url.clone()), ..Default::default() }).await;
    let id_before = first.state.outbox.message_id("signin:42");
    enqueue(&first, fondilab::db::now_ms(), &email("stored-before", "maria@example.org")).await.unwrap();
    let stored = stored_message_id(&first, "stored-before").await;
    first.stop().await;

    let again = TestApp::spawn_with(app.backend, Options { database_url: Some(url), ..Default::default() }).await;
    assert_eq!(again.state.outbox.message_id("signin:42"), id_before, "same database, same secret");
    assert_ne!(app.state.outbox.message_id("signin:42"), id_before, "another database, another secret");
    let rows: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM installation").fetch_one(again.state.db.pool()).await.unwrap();
    assert_eq!(rows, 1);
    // A message stored before the restart goes out with the Message-ID it was stored with.
    let smtp = SmtpServer::start().await;
    deliver(&again, &smtp, 1).await;
    assert_eq!(smtp.message_ids(), vec![stored]);
    again.stop().await;
});

db_test!(the_secret_is_created_once_when_many_ask_at_once, |app| {
    let (url, _keep) = own_database(app.backend).await;
    let db = Db::connect(&url).await.unwrap();
    db.migrate().await.unwrap();
    let asks = (0..8).map(|i| {
        let db = db.clone();
        tokio::spawn(async move { fondilab::installation::secret(&db, i).await.unwrap() })
    });
    let secrets: Vec<String> = futures_util::future::join_all(asks).await.into_iter().map(Result::unwrap).collect();
    assert!(secrets.iter().all(|s| s == &secrets[0] && s.len() == 64), "{secrets:?}");
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM installation").fetch_one(db.pool()).await.unwrap();
    assert_eq!(rows, 1);
    db.close().await;
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(fondilab_postgres_tests),
    ignore = "PostgreSQL tests SKIPPED: set FONDILAB_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres to run them"
)]
async fn two_instances_starting_together_on_one_postgresql_share_the_secret() {
    let pg = PgDatabase::create().await;
    let opts = || Options { database_url: Some(pg.url.clone()), ..Default::default() };
    let (one, two) =
        tokio::join!(TestApp::spawn_with(Backend::Postgres, opts()), TestApp::spawn_with(Backend::Postgres, opts()));
    assert_eq!(one.state.outbox.message_id("k"), two.state.outbox.message_id("k"));
    two.stop().await;
    one.stop().await;
}

/// The calendar UID an event has stored.
async fn stored_uid(app: &TestApp, event: i64) -> Option<String> {
    sqlx::query_scalar("SELECT uid FROM events WHERE id = $1").bind(event).fetch_one(app.state.db.pool()).await.unwrap()
}

fn received_by<'a>(received: &'a [Received], message_id: &str) -> &'a Received {
    received.iter().find(|r| r.message_id.as_deref() == Some(message_id)).expect("the message arrived")
}

db_test!(
    events_keep_their_calendar_uid_and_mail_says_who_answers,
    Options {
        reply_to: Some("Coordinamento WP5 <wp5@promis.example>".into()),
        public_url: Some("https://fondilab.promis.example".into()),
        ..Default::default()
    },
    |app| {
        let coord = app.user("coord@promis.example", "coordinator", None).await;
        let maria = app.user("maria@asl-bari.example", "officer", Some("PUG")).await;
        let start = fondilab::db::now_ms() + 10 * DAY;

        // A new event has no UID until an invitation needs one; then it keeps it.
        let mut body = event_body(start, 30);
        let event = create(&app, &coord, &body).await;
        assert_eq!(stored_uid(&app, event).await, None);
        assert_eq!(register(&app, &maria, event).await.0, 201);
        let uid = stored_uid(&app, event).await.expect("stored with the first invitation");
        let (local, domain) = uid.split_once('@').unwrap();
        assert_eq!(domain, "fondilab.promis.example", "the public name, not the loopback address");
        assert!(local.starts_with("event-") && local.len() == "event-".len() + 32, "{uid}");
        assert_ne!(uid, format!("event-{event}@fondilab.local"));
        let confirm = calendar(&mails(&app, "event.confirm").await[0].3);
        assert_eq!(prop(&confirm, "UID"), uid);
        assert_eq!(prop(&confirm, "ORGANIZER").to_lowercase(), "mailto:wp5@promis.example");
        body["starts_at"] = json!(fondilab::events::local_input(start + HOUR));
        body["ends_at"] = json!(fondilab::events::local_input(start + 3 * HOUR));
        let (s, e) = app.post_json_as(&coord, &format!("/api/v1/events/{event}"), &body).await;
        assert_eq!(s, 200, "{e}");
        let (s, _) = app
            .post_json_as(&coord, &format!("/api/v1/events/{event}/cancel"), &json!({"reason": "Sala non disponibile"}))
            .await;
        assert_eq!(s, 200);
        let change = calendar(&mails(&app, "event.change").await[0].3);
        let cancel = calendar(&mails(&app, "event.cancel").await[0].3);
        assert_eq!((prop(&change, "UID"), prop(&change, "SEQUENCE")), (uid.as_str(), "1"));
        assert_eq!((prop(&cancel, "UID"), prop(&cancel, "METHOD")), (uid.as_str(), "CANCEL"));
        assert_eq!(stored_uid(&app, event).await.as_deref(), Some(uid.as_str()));

        // An event invited before UIDs were stored (its column empty, its confirmation in the
        // outbox) keeps the UID its invitations carried, so calendars do not show it twice.
        let old_event = create(&app, &coord, &event_body(start, 30)).await;
        assert_eq!(register(&app, &maria, old_event).await.0, 201);
        sqlx::query("UPDATE events SET uid = NULL WHERE id = $1")
            .bind(old_event)
            .execute(app.state.db.pool())
            .await
            .unwrap();
        let mut old_body = event_body(start + DAY, 30);
        old_body["title"] = json!("Costi semplificati: seconda edizione");
        let (s, e) = app.post_json_as(&coord, &format!("/api/v1/events/{old_event}"), &old_body).await;
        assert_eq!(s, 200, "{e}");
        let legacy = format!("event-{old_event}@fondilab.local");
        assert_eq!(stored_uid(&app, old_event).await.as_deref(), Some(legacy.as_str()));
        let change = calendar(&mails(&app, "event.change").await[1].3);
        assert_eq!(prop(&change, "UID"), legacy);

        // Delivered: Reply-To, the mark of automatic mail, the stored Message-ID.
        let smtp = SmtpServer::start().await;
        let total =
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND not_before <= $1")
                .bind(fondilab::db::now_ms())
                .fetch_one(app.state.db.pool())
                .await
                .unwrap();
        assert!(total >= 5, "{total}");
        deliver(&app, &smtp, total as usize).await;
        let received = smtp.received();
        let key = format!("event.cancel:{}", {
            let id: i64 = sqlx::query_scalar("SELECT id FROM registrations WHERE event_id = $1")
                .bind(event)
                .fetch_one(app.state.db.pool())
                .await
                .unwrap();
            id
        });
        let cancelled = received_by(&received, &stored_message_id(&app, &key).await);
        assert!(cancelled.message_id.as_deref().unwrap().ends_with("@fondilab.promis.example>"));
        for r in &received {
            let headers = r.data.split("\r\n\r\n").next().unwrap();
            assert!(headers.contains("\r\nAuto-Submitted: auto-generated\r\n"), "{headers}");
            let reply_to = headers.lines().find(|l| l.starts_with("Reply-To:")).unwrap_or_else(|| panic!("{headers}"));
            assert!(reply_to.contains("<wp5@promis.example>") && reply_to.contains("Coordinamento WP5"), "{reply_to}");
            assert!(headers.contains("From: fondilab <noreply@fondilab.local>"), "{headers}");
        }
    }
);

db_test!(without_reply_to_invitations_are_organised_by_the_sender, |app| {
    let coord = app.user("coord@promis.example", "coordinator", None).await;
    let maria = app.user("maria@asl-bari.example", "officer", Some("PUG")).await;
    let event = create(&app, &coord, &event_body(fondilab::db::now_ms() + 10 * DAY, 30)).await;
    assert_eq!(register(&app, &maria, event).await.0, 201);
    let confirm = calendar(&mails(&app, "event.confirm").await[0].3);
    assert_eq!(prop(&confirm, "ORGANIZER").to_lowercase(), "mailto:noreply@fondilab.local");
    assert!(prop(&confirm, "UID").ends_with("@fondilab.local"), "loopback public address: the sender's domain");
    let smtp = SmtpServer::start().await;
    deliver(&app, &smtp, 1).await;
    let headers = smtp.received()[0].data.split("\r\n\r\n").next().unwrap().to_string();
    assert!(!headers.contains("Reply-To:"), "{headers}");
    assert!(headers.contains("Auto-Submitted: auto-generated"), "{headers}");
});
