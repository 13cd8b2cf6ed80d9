//! A database that cannot take writes (SQLite full, or read-only) is answered 503 with a
//! message a person understands, nothing half-written, and the service carries on once
//! the database can write again. PostgreSQL out of reach (its connections cut for a few
//! seconds) is answered 503 within seconds, and the service resumes by itself; the
//! 30-second outage under traffic is a bench (benches/db-outage.sh).

use serde_json::json;

use crate::helpers::{Backend, TestApp};

/// Runs `pragma` on every connection of the app's pool (they are per-connection settings).
async fn on_every_connection(app: &TestApp, pragma: &str) {
    let pool = app.state.db.pool();
    let mut held = Vec::new();
    for _ in 0..8 {
        held.push(pool.acquire().await.unwrap());
    }
    for conn in &mut held {
        sqlx::query(pragma).execute(&mut **conn).await.unwrap();
    }
}

async fn events(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM events").fetch_one(app.state.db.pool()).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_or_read_only_sqlite_database_is_a_clear_503() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let coord = app.user("coord@promis.example", "coordinator", None).await;
    let start = fondilab::db::now_ms() + 7 * 24 * 3_600_000;
    let body = json!({
        "kind": "webinar", "title": "Costi semplificati", "description": &"x".repeat(7_900),
        "starts_at": fondilab::events::local_input(start),
        "ends_at": fondilab::events::local_input(start + 3_600_000),
        "online_url": "https://meet.example.org/a", "capacity": 10
    });
    let page_count: i64 = sqlx::query_scalar("PRAGMA page_count").fetch_one(app.state.db.pool()).await.unwrap();
    for (pragma, undo) in [
        (format!("PRAGMA max_page_count = {page_count}"), "PRAGMA max_page_count = 1073741823".to_string()),
        ("PRAGMA query_only = ON".to_string(), "PRAGMA query_only = OFF".to_string()),
    ] {
        let before = events(&app).await;
        on_every_connection(&app, &pragma).await;
        let r = app
            .client
            .post(app.url("/api/v1/events"))
            .header("cookie", &coord.cookie)
            .header("x-csrf-token", &coord.csrf)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 503, "{pragma}");
        assert_eq!(r.headers()["retry-after"], "5");
        let e: serde_json::Value = r.json().await.unwrap();
        assert!(e["error"].as_str().unwrap().contains("nulla è stato salvato"), "{e}");
        // Pages say it too, in a page.
        let long = "y".repeat(7_900);
        let (starts, ends) = (fondilab::events::local_input(start), fondilab::events::local_input(start + 3_600_000));
        let fields = [
            ("kind", "webinar"),
            ("title", "Costi semplificati"),
            ("description", long.as_str()),
            ("starts_at", starts.as_str()),
            ("ends_at", ends.as_str()),
            ("online_url", "https://meet.example.org/b"),
            ("capacity", "10"),
        ];
        let r = app.post_form(&coord, "/coordinamento/eventi", &fields).await;
        assert_eq!(r.status(), 503, "{pragma}");
        assert!(r.text().await.unwrap().contains("riprova tra qualche istante"));
        assert_eq!(events(&app).await, before, "nothing half-written");
        on_every_connection(&app, &undo).await;
        let (s, e) = app.post_json_as(&coord, "/api/v1/events", &body).await;
        assert_eq!(s, 201, "writes work again: {e}");
    }
    app.stop().await;
}

/// A TCP relay in front of PostgreSQL that can be cut: while cut it closes the connections
/// it carries and every new one at once, as a stopped server does.
struct Relay {
    port: u16,
    cut: tokio::sync::watch::Sender<bool>,
}

impl Relay {
    async fn start(upstream: String) -> Relay {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (cut, watch) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if *watch.borrow() {
                    continue;
                }
                let (upstream, mut watch) = (upstream.clone(), watch.clone());
                tokio::spawn(async move {
                    let Ok(mut server) = tokio::net::TcpStream::connect(&upstream).await else { return };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = watch.wait_for(|cut| *cut) => {}
                    }
                });
            }
        });
        Relay { port, cut }
    }

    fn set_cut(&self, cut: bool) {
        self.cut.send_replace(cut);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(fondilab_postgres_tests),
    ignore = "PostgreSQL tests SKIPPED: set FONDILAB_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres to run them"
)]
async fn while_postgresql_is_out_of_reach_requests_get_503_within_seconds_and_service_resumes_by_itself() {
    use std::time::{Duration, Instant};
    let pg = crate::helpers::PgDatabase::create().await;
    let mut url = url::Url::parse(&pg.url).unwrap();
    let upstream = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap_or(5432));
    let relay = Relay::start(upstream).await;
    url.set_port(Some(relay.port)).unwrap();
    let app = TestApp::spawn_with(
        Backend::Postgres,
        crate::helpers::Options { database_url: Some(url.to_string()), ..Default::default() },
    )
    .await;
    let officer = app.user("ufficio@regione.example", "officer", Some("LAZ")).await;
    assert_eq!(app.get_as(&officer, "/profilo").await.status(), 200);

    relay.set_cut(true);
    let cut_at = Instant::now();
    loop {
        let r = app.get("/readyz").await;
        if r.status() == 503 {
            break;
        }
        assert!(cut_at.elapsed() < Duration::from_secs(3), "/readyz still {} after the cut", r.status());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let readyz_after = cut_at.elapsed();
    assert!(readyz_after < Duration::from_secs(2), "/readyz took {readyz_after:?} to turn 503");

    // A page and an API write, each answered at once with the reason, nothing kept waiting.
    let asked = Instant::now();
    let (status, page) = app.get_text_as(&officer, "/profilo").await;
    assert_eq!(status, 503);
    assert!(page.contains("nulla è stato salvato"), "{page}");
    let (status, body) = app.post_json_as(&officer, "/api/v1/mentorship/requests", &json!({})).await;
    assert_eq!(status, 503, "{body}");
    assert!(body["error"].as_str().unwrap().contains("nulla è stato salvato"), "{body}");
    assert!(asked.elapsed() < Duration::from_secs(3), "two requests took {:?}", asked.elapsed());
    // The guides need no database: they are still read.
    let (status, _) = app.get_text("/cerca?q=costi+semplificati").await;
    assert_eq!(status, 200);

    relay.set_cut(false);
    let back_at = Instant::now();
    loop {
        if app.get_as(&officer, "/profilo").await.status() == 200 {
            break;
        }
        assert!(back_at.elapsed() < Duration::from_secs(5), "not recovered 5 s after the database came back");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(app.get("/readyz").await.status(), 200);
    app.stop().await;
    drop(pg);
}
