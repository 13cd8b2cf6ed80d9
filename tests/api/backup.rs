//! `fondilab backup` and `fondilab restore` on the embedded database: a backup taken while
//! 200 people register holds every registration acknowledged before it started, whole;
//! a restore refuses a running service's data directory, and after it the pending mail is
//! sent once, with the Message-IDs it had.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::{Backend, Options, TestApp};
use crate::smtp_server::SmtpServer;

fn fondilab(data_dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_fondilab"))
        .args(args)
        .env("FONDILAB_DATA_DIR", data_dir)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run fondilab")
}

async fn sqlite(path: &Path) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::AnyPool::connect(&format!("sqlite://{}?mode=ro", path.display())).await.expect("open the backup")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_during_registrations_then_restore_sends_pending_mail_once() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let data_dir = app._data_dir.path().to_path_buf();
    let coord = app.user("coord@promis.example", "coordinator", None).await;
    let start = fondilab::db::now_ms() + 10 * 24 * 3_600_000;
    let (s, event) = app
        .post_json_as(
            &coord,
            "/api/v1/events",
            &json!({
                "kind": "webinar",
                "title": "Rendicontare i corsi FSE+ con i costi unitari",
                "description": "Casi reali delle Regioni.",
                "starts_at": fondilab::events::local_input(start),
                "ends_at": fondilab::events::local_input(start + 2 * 3_600_000),
                "online_url": "https://meet.example.org/osc",
                "capacity": 300,
                "funds": ["FSE+"],
                "publish": true
            }),
        )
        .await;
    assert_eq!(s, 201, "{event}");
    let event = event["id"].as_i64().unwrap();
    let mut people = Vec::new();
    for i in 0..200 {
        people.push(app.user(&format!("operatore{i}@asl.example"), "officer", Some("TOS")).await);
    }

    // Each registration records when it was acknowledged; the backup starts in the middle.
    let acknowledged: Arc<Mutex<Vec<(i64, Instant)>>> = Arc::default();
    let app = Arc::new(app);
    let tasks: Vec<_> = people
        .into_iter()
        .map(|who| {
            let (app, acknowledged) = (app.clone(), acknowledged.clone());
            tokio::spawn(async move {
                let (s, body) = app.post_json_as(&who, &format!("/api/v1/events/{event}/register"), &json!({})).await;
                assert_eq!(s, 201, "{body}");
                acknowledged.lock().unwrap().push((who.id, Instant::now()));
            })
        })
        .collect();
    while acknowledged.lock().unwrap().len() < 40 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let backup_file = tempfile::tempdir().unwrap();
    let backup = backup_file.path().join("copia.db");
    let started = Instant::now();
    let out = {
        let (dir, to) = (data_dir.clone(), backup.clone());
        tokio::task::spawn_blocking(move || fondilab(&dir, &["backup", "--to", to.to_str().unwrap()])).await.unwrap()
    };
    assert!(out.status.success(), "backup: {}", String::from_utf8_lossy(&out.stderr));
    for t in tasks {
        t.await.unwrap();
    }
    let before: BTreeSet<i64> =
        acknowledged.lock().unwrap().iter().filter(|(_, at)| *at < started).map(|(id, _)| *id).collect();
    assert!(before.len() >= 40);

    let copy = sqlite(&backup).await;
    let in_backup: BTreeSet<i64> =
        sqlx::query_scalar::<_, i64>("SELECT user_id FROM registrations WHERE event_id = $1")
            .bind(event)
            .fetch_all(&copy)
            .await
            .unwrap()
            .into_iter()
            .collect();
    let missing: Vec<_> = before.difference(&in_backup).collect();
    assert!(missing.is_empty(), "registrations acknowledged before the backup are missing from it: {missing:?}");
    // Whole: every registration in the copy has its confirmation mail in the copy, and no more.
    let confirmations: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE kind = 'event.confirm'").fetch_one(&copy).await.unwrap();
    assert_eq!(confirmations as usize, in_backup.len());
    let due: BTreeSet<String> =
        sqlx::query_scalar::<_, String>("SELECT message_id FROM outbox WHERE status = 'pending' AND not_before <= $1")
            .bind(fondilab::db::now_ms())
            .fetch_all(&copy)
            .await
            .unwrap()
            .into_iter()
            .collect();
    assert!(due.len() >= in_backup.len(), "the confirmations wait in the copy's outbox");
    copy.close().await;

    // No restore under a running service.
    let out = fondilab(&data_dir, &["restore", "--from", backup.to_str().unwrap()]);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("is running") && said.contains("stop it"), "{said}");
    // Nor from a file that is not a fondilab database.
    let elsewhere = tempfile::tempdir().unwrap();
    let junk = elsewhere.path().join("note.txt");
    std::fs::write(&junk, "non un database").unwrap();
    let out = fondilab(elsewhere.path(), &["restore", "--from", junk.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a SQLite database"));

    // Restored elsewhere, a service sends the pending mail once, with the original Message-IDs.
    let restored = tempfile::tempdir().unwrap();
    let out = fondilab(restored.path(), &["restore", "--from", backup.to_str().unwrap()]);
    assert!(out.status.success(), "restore: {}", String::from_utf8_lossy(&out.stderr));
    let smtp = SmtpServer::start().await;
    let opts = Options {
        with_worker: true,
        smtp_url: Some(smtp.url()),
        database_url: Some(fondilab::db::sqlite_url(restored.path())),
        ..Default::default()
    };
    let second = TestApp::spawn_with(Backend::Sqlite, opts).await;
    assert!(smtp.wait_for(due.len(), Duration::from_secs(60)).await, "{} of {} sent", smtp.received().len(), due.len());
    tokio::time::sleep(Duration::from_millis(500)).await;
    let sent = smtp.message_ids();
    assert_eq!(sent.len(), due.len(), "each pending message sent once");
    assert_eq!(sent.into_iter().collect::<BTreeSet<_>>(), due);
    second.stop().await;
    if let Ok(app) = Arc::try_unwrap(app) {
        app.stop().await;
    }
}

#[test]
fn postgresql_is_sent_to_its_own_tools() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fondilab"))
        .args(["backup", "--to", dir.path().join("x.db").to_str().unwrap()])
        .env("FONDILAB_DATA_DIR", dir.path())
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fondilab")
        .output()
        .expect("run fondilab");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("pg_dump"));
}
