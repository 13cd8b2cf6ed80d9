//! Coordinators see the outbox (page and API), retry dead mail, and read delivery metrics.

use std::sync::Arc;
use std::time::Duration;

use fondilab::clock::ManualClock;
use fondilab::notify::worker::WorkerConfig;
use serde_json::Value;

use crate::db_test;
use crate::helpers::{free_port, Backend, Options, TestApp};
use crate::outbox::{email, enqueue, worker, T0};
use crate::smtp_server::{Mode, SmtpServer, Where};

/// Two sent messages and one dead one (refused with 550).
async fn seed(app: &TestApp) -> SmtpServer {
    let smtp = SmtpServer::start().await;
    let clock = Arc::new(ManualClock::at(T0));
    let w = worker(app, Some(&smtp.url()), clock, WorkerConfig::default());
    enqueue(app, T0, &email("ok:1", "anna@example.org")).await.unwrap();
    enqueue(app, T0, &email("ok:2", "bruno@example.org")).await.unwrap();
    w.run_once().await.unwrap();
    smtp.set_mode(Mode::Reply(550, Where::RcptTo));
    let mut bad = email("ko:1", "carla@example.org");
    bad.kind = "promemoria".into();
    enqueue(app, T0, &bad).await.unwrap();
    w.run_once().await.unwrap();
    smtp.set_mode(Mode::Accept);
    smtp
}

db_test!(the_outbox_api_lists_filters_and_retries, |app| {
    let _smtp = seed(&app).await;
    let coord = app.user("coord@example.org", "coordinator", None).await;
    let (status, all) = app.get_json_as(&coord, "/api/v1/outbox").await;
    assert_eq!(status, 200, "{all}");
    assert_eq!(all["total"], 3);
    assert_eq!(all["counts"]["sent"], 2);
    assert_eq!(all["counts"]["dead"], 1);
    let (_, dead) = app.get_json_as(&coord, "/api/v1/outbox?status=dead").await;
    assert_eq!(dead["total"], 1);
    let row = &dead["messages"][0];
    assert_eq!(row["recipient"], "carla@example.org");
    assert_eq!(row["kind"], "promemoria");
    assert!(row["last_error"].as_str().unwrap().contains("550"), "{row}");
    assert!(row.get("body_html").is_none(), "bodies stay out of the listing");
    let (_, by_recipient) = app.get_json_as(&coord, "/api/v1/outbox?recipient=BRUNO").await;
    assert_eq!(by_recipient["total"], 1);
    let (_, by_kind) = app.get_json_as(&coord, "/api/v1/outbox?kind=prova").await;
    assert_eq!(by_kind["total"], 2);
    let (status, body) = app.get_json_as(&coord, "/api/v1/outbox?status=perso").await;
    assert_eq!((status, body["field"].as_str()), (400, Some("status")));
    let (status, _) = app.get_json_as(&coord, "/api/v1/outbox?per_page=0").await;
    assert_eq!(status, 400);

    let id = row["id"].as_i64().unwrap();
    let r = app.post_api_as(&coord, &format!("/api/v1/outbox/{id}/retry")).await;
    assert_eq!(r.status().as_u16(), 200);
    let (_, pending) = app.get_json_as(&coord, "/api/v1/outbox?status=pending").await;
    assert_eq!(pending["total"], 1);
    assert_eq!(pending["messages"][0]["attempts"], 0);
    let r = app.post_api_as(&coord, &format!("/api/v1/outbox/{id}/retry")).await;
    assert_eq!(r.status().as_u16(), 409, "only dead messages are retried");
    let body: Value = r.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("pending"));
    assert_eq!(app.post_api_as(&coord, "/api/v1/outbox/999999/retry").await.status().as_u16(), 404);
    assert_eq!(app.post_api_as(&coord, "/api/v1/outbox/abc/retry").await.status().as_u16(), 404);
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_outbox_page_shows_dead_mail_with_a_retry_button() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let _smtp = seed(&app).await;
    let coord = app.user("coord@example.org", "coordinator", None).await;
    let text = |r: reqwest::Response| async move { (r.status().as_u16(), r.text().await.unwrap()) };
    let (status, html) = text(app.get_as(&coord, "/coordinamento/posta").await).await;
    assert_eq!(status, 200);
    assert!(html.contains("Posta in uscita"));
    assert!(html.contains("Non recapitato") && html.contains("carla@example.org"));
    assert!(html.contains("550"));
    assert!(html.contains("<label for=\"status\">Stato</label>"));
    let dead_id: i64 =
        sqlx::query_scalar("SELECT id FROM outbox WHERE status = 'dead'").fetch_one(app.state.db.pool()).await.unwrap();
    assert!(html.contains(&format!("action=\"/coordinamento/posta/{dead_id}/riprova\"")));
    let r = app.post_form(&coord, &format!("/coordinamento/posta/{dead_id}/riprova"), &[]).await;
    assert_eq!(r.status().as_u16(), 303);
    let (_, html) = text(app.get_as(&coord, "/coordinamento/posta?status=pending").await).await;
    assert!(html.contains("carla@example.org"));
    let (_, html) = text(app.get_as(&coord, "/coordinamento/posta?status=dead").await).await;
    assert!(html.contains("Nessun messaggio con questi filtri"));
    let (status, html) = text(app.get_as(&coord, "/coordinamento/posta?status=boh").await).await;
    assert_eq!(status, 400);
    assert!(html.contains("Stato sconosciuto"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_served_only_on_their_own_address() {
    let port = free_port();
    let metrics_bind = format!("127.0.0.1:{port}").parse().unwrap();
    let smtp = SmtpServer::start().await;
    let app = TestApp::spawn_with(
        Backend::Sqlite,
        Options {
            with_worker: true,
            smtp_url: Some(smtp.url()),
            metrics_bind: Some(metrics_bind),
            ..Options::default()
        },
    )
    .await;
    enqueue(&app, fondilab::db::now_ms(), &email("metrica:1", "anna@example.org")).await.unwrap();
    app.state.outbox.wake();
    assert!(smtp.wait_for(1, Duration::from_secs(10)).await, "the app's own worker delivers");
    let mut text = String::new();
    for _ in 0..100 {
        text = reqwest::get(format!("http://127.0.0.1:{port}/metrics")).await.unwrap().text().await.unwrap();
        if text.contains("fondilab_outbox_messages{status=\"sent\"} 1") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(text.contains("fondilab_outbox_messages{status=\"sent\"} 1"), "{text}");
    assert!(text.contains("fondilab_outbox_delivery_latency_seconds_count"));
    assert_eq!(app.get("/metrics").await.status().as_u16(), 404, "not on the public address");
    app.stop().await;
}
