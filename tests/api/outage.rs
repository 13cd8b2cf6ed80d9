//! A database that cannot take writes (SQLite full, or read-only) is answered 503 with a
//! message a person understands, nothing half-written, and the service carries on once
//! the database can write again. (The PostgreSQL outage under traffic is a bench:
//! benches/db-outage.sh.)

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
