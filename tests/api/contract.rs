//! The API's contract at its edges: bodies that are not JSON, lists over their limit,
//! methods no route has, and the statuses and security the OpenAPI document declares.

use serde_json::{json, Value};

use crate::db_test;

db_test!(api_bodies_must_be_json_and_lists_have_limits, |app| {
    let coord = app.user("coord@promis.example", "coordinator", None).await;
    let body = json!({ "kind": "webinar", "title": "Prova" }).to_string();
    for content_type in ["text/plain", "application/x-www-form-urlencoded"] {
        let r = app
            .client
            .post(app.url("/api/v1/events"))
            .header("cookie", &coord.cookie)
            .header("x-csrf-token", &coord.csrf)
            .header("content-type", content_type)
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 415, "{content_type}");
        let e: Value = r.json().await.unwrap();
        assert!(e["error"].as_str().unwrap().contains("application/json"), "{e}");
    }
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events").fetch_one(app.state.db.pool()).await.unwrap();
    assert_eq!(count, 0);
    // No body, no Content-Type needed: the action runs (here, refused as unknown).
    let r = app.post_api_as(&coord, "/api/v1/events/999/publish").await;
    assert_eq!(r.status(), 404);

    let many: Vec<String> = (0..51).map(|i| format!("tema-{i}")).collect();
    let start = fondilab::events::local_input(fondilab::db::now_ms() + 7 * 24 * 3_600_000);
    let end = fondilab::events::local_input(fondilab::db::now_ms() + 7 * 24 * 3_600_000 + 3_600_000);
    for field in ["topics", "audience", "funds", "guides"] {
        let mut event = json!({
            "kind": "webinar", "title": "Prova", "starts_at": start, "ends_at": end,
            "online_url": "https://meet.example.org/x", "capacity": 10
        });
        event[field] = json!(many);
        let (s, e) = app.post_json_as(&coord, "/api/v1/events", &event).await;
        assert_eq!(s, 400, "{field}: {e}");
        assert_eq!(e["field"], field, "{e}");
        assert!(e["error"].as_str().unwrap().contains("al massimo 50"), "{e}");
    }
    let mentor = app.user("mentor@asl.example", "mentor", None).await;
    let (s, e) = app
        .post_json_as(&mentor, "/api/v1/mentorship/profile", &json!({ "languages": vec!["it"; 51], "capacity": 2 }))
        .await;
    assert_eq!((s, e["field"].as_str()), (400, Some("languages")), "{e}");
});

db_test!(methods_no_route_has_are_refused, |app| {
    for path in ["/api/v1/guides/search?q=fse", "/api/v1/events", "/", "/cerca"] {
        for method in ["TRACE", "PATCH", "DELETE"] {
            let r = app
                .client
                .request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), app.url(path))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 405, "{method} {path}");
        }
    }
});

#[test]
fn the_document_declares_security_and_the_statuses_of_each_operation() {
    let doc = fondilab::web::openapi::derived();
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["token"]["scheme"], "bearer");
    assert_eq!(schemes["session"]["in"], "cookie");
    let create = &doc["paths"]["/events"]["post"];
    for status in ["201", "400", "401", "403", "409", "413", "415"] {
        assert!(create["responses"][status].is_object(), "POST /events lacks {status}");
    }
    assert_eq!(create["security"], json!([{ "token": [] }, { "session": [] }]));
    let search = &doc["paths"]["/guides/search"]["get"];
    assert_eq!(search["security"][0], json!({}), "the search is open to visitors");
    assert!(search["responses"]["403"].is_null(), "a public GET refuses no role");
    assert!(doc["paths"]["/events/{id}"]["get"]["responses"]["404"].is_object());
    let topics = &doc["components"]["schemas"]["EventInput"]["properties"]["topics"];
    assert_eq!(topics["maxItems"], 50, "{topics}");
}
