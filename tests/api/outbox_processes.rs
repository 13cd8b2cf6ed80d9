//! Delivery with real `fondilab worker` processes: one killed with SIGKILL mid-batch and
//! restarted, and two sharing one PostgreSQL database.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fondilab::db::Db;
use fondilab::notify::{Outbox, Sender};

use crate::outbox::email;
use crate::smtp_server::{Mode, SmtpServer};

fn spawn_worker(database_url: &str, data_dir: &std::path::Path, smtp: &str, lease_ms: u64) -> Child {
    Command::new(env!("CARGO_BIN_EXE_fondilab"))
        .arg("worker")
        .env("DATABASE_URL", database_url)
        .env("FONDILAB_DATA_DIR", data_dir)
        .env("FONDILAB_SMTP_URL", smtp)
        .env("FONDILAB_OUTBOX_LEASE_MS", lease_ms.to_string())
        .env("FONDILAB_OUTBOX_POLL_MS", "50")
        .env("FONDILAB_OUTBOX_BATCH", "16")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start fondilab worker")
}

async fn enqueue_many(db: &Db, outbox: &Outbox, prefix: &str, n: usize) -> Vec<String> {
    let mut tx = db.begin_write().await.unwrap();
    for i in 0..n {
        outbox
            .enqueue(&mut tx, fondilab::db::now_ms(), &email(&format!("{prefix}:{i}"), &format!("u{i}@example.org")))
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    (0..n).map(|i| outbox.message_id(&format!("{prefix}:{i}"))).collect()
}

/// The outbox as a `fondilab worker` on this database sees it.
async fn outbox_of(db: &Db) -> Outbox {
    let sender = Sender::new("fondilab <noreply@fondilab.local>", None, "http://127.0.0.1:8080").unwrap();
    Outbox::new(sender, &fondilab::installation::secret(db, fondilab::db::now_ms()).await.unwrap())
}

async fn count(db: &Db, status: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE status = $1").bind(status).fetch_one(db.pool()).await.unwrap()
}

async fn wait_until_sent(db: &Db, n: i64, limit: Duration) {
    let start = Instant::now();
    while count(db, "sent").await < n {
        assert!(start.elapsed() < limit, "only {} of {n} sent after {limit:?}", count(db, "sent").await);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_batch_loses_nothing() {
    let data = tempfile::tempdir().unwrap();
    let url = fondilab::db::sqlite_url(data.path());
    let db = Db::connect(&url).await.unwrap();
    db.migrate().await.unwrap();
    let outbox = outbox_of(&db).await;
    let smtp = SmtpServer::start().await;
    smtp.set_mode(Mode::Slow(Duration::from_millis(40)));
    let expected = enqueue_many(&db, &outbox, "kill", 120).await;

    let mut first = spawn_worker(&url, data.path(), &smtp.url(), 1_000);
    assert!(smtp.wait_for(10, Duration::from_secs(30)).await, "the first worker delivered nothing");
    first.kill().unwrap(); // SIGKILL
    first.wait().unwrap();
    let before_restart = smtp.received().len();
    assert!(before_restart < 120, "the kill came too late to test anything");

    smtp.set_mode(Mode::Accept);
    let mut second = spawn_worker(&url, data.path(), &smtp.url(), 1_000);
    wait_until_sent(&db, 120, Duration::from_secs(60)).await;
    second.kill().unwrap();
    second.wait().unwrap();

    assert_eq!(count(&db, "dead").await, 0);
    let ids = smtp.message_ids();
    let mut distinct = ids.clone();
    distinct.sort();
    distinct.dedup();
    let mut want = expected.clone();
    want.sort();
    assert_eq!(distinct, want, "every message arrived");
    // Duplicates only for messages in flight at the kill, and with the same Message-ID.
    let duplicates = ids.len() - distinct.len();
    assert!(duplicates <= 16, "{duplicates} duplicates: more than one batch in flight");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(fondilab_postgres_tests),
    ignore = "PostgreSQL tests SKIPPED: set FONDILAB_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres to run them"
)]
async fn two_workers_on_one_postgres_send_each_message_once() {
    let pg = crate::helpers::PgDatabase::create().await;
    let data = tempfile::tempdir().unwrap();
    let db = Db::connect(&pg.url).await.unwrap();
    db.migrate().await.unwrap();
    let outbox = outbox_of(&db).await;
    let smtp = SmtpServer::start().await;
    let expected = enqueue_many(&db, &outbox, "due", 2_000).await;
    let mut a = spawn_worker(&pg.url, data.path(), &smtp.url(), 120_000);
    let mut b = spawn_worker(&pg.url, data.path(), &smtp.url(), 120_000);
    wait_until_sent(&db, 2_000, Duration::from_secs(120)).await;
    assert!(smtp.wait_for(2_000, Duration::from_secs(10)).await);
    a.kill().unwrap();
    b.kill().unwrap();
    a.wait().unwrap();
    b.wait().unwrap();
    let ids = smtp.message_ids();
    assert_eq!(ids.len(), 2_000, "each Message-ID exactly once");
    let mut distinct = ids.clone();
    distinct.sort();
    distinct.dedup();
    let mut want = expected;
    want.sort();
    assert_eq!(distinct, want);
    let workers: i64 =
        sqlx::query_scalar("SELECT COUNT(DISTINCT claimed_by) FROM outbox").fetch_one(db.pool()).await.unwrap();
    assert_eq!(workers, 2, "both workers took a share");
    db.close().await;
}

#[test]
fn a_worker_with_a_wrong_outbox_setting_does_not_start_and_says_why() {
    let data = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_fondilab"))
        .arg("worker")
        .env("FONDILAB_DATA_DIR", data.path())
        .env_remove("DATABASE_URL")
        .env("FONDILAB_OUTBOX_BATCH", "molti")
        .output()
        .expect("run fondilab worker");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("FONDILAB_OUTBOX_BATCH") && stderr.contains("\"molti\""), "{stderr}");
}
