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
    assert_eq!(s, 400, "{e}");
    assert!(e["error"].as_str().unwrap().contains("Troppe voci in \"languages\": al massimo 50."), "{e}");
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

/// The methods a path answers with 405, from the `Allow` header, in order of the header.
fn allowed(r: &reqwest::Response) -> Vec<String> {
    let allow = r.headers().get("allow").and_then(|v| v.to_str().ok()).unwrap_or("");
    allow.split(',').map(|m| m.trim().to_string()).filter(|m| !m.is_empty()).collect()
}

db_test!(a_method_a_path_does_not_serve_gets_the_methods_it_does, |app| {
    let coord = app.user("coord@promis.example", "coordinator", None).await;
    let cases: [(&str, &[&str]); 6] = [
        ("/api/v1/regions", &["GET", "HEAD"]),
        ("/api/v1/events", &["GET", "HEAD", "POST"]),
        ("/api/v1/events/1", &["GET", "HEAD", "POST"]),
        ("/api/v1/events/1/publish", &["POST"]),
        ("/api/v1/registrations/1/cancel", &["POST"]),
        ("/cerca", &["GET", "HEAD"]),
    ];
    for (path, methods) in cases {
        for method in ["OPTIONS", "DELETE", "PUT", "PATCH", "TRACE"] {
            // Refused before authentication: a token that is not valid changes nothing.
            let r = app
                .client
                .request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), app.url(path))
                .header("authorization", "Bearer not-a-token")
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 405, "{method} {path}");
            let mut got = allowed(&r);
            got.sort();
            assert_eq!(got, methods, "{method} {path}: Allow");
            assert_eq!(r.headers()["content-type"], "application/json", "{method} {path}");
            let e: Value = r.json().await.unwrap();
            assert!(e["error"].as_str().unwrap().contains("Allow"), "{e}");
        }
    }
    // A served method on a path that does not serve it: the same answer, after authentication.
    let r = app.get_as(&coord, "/api/v1/events/1/publish").await;
    assert_eq!((r.status().as_u16(), allowed(&r)), (405, vec!["POST".to_string()]));
    let r = app.post_api_as(&coord, "/api/v1/regions").await;
    assert_eq!(r.status(), 405);
    assert_eq!(allowed(&r), ["GET", "HEAD"]);
    // No route has the path: not found, whatever the method.
    let r = app.client.delete(app.url("/api/v1/nothing-here")).send().await.unwrap();
    assert_eq!(r.status(), 404);
});

db_test!(approving_a_match_that_does_not_exist_is_the_documented_404, |app| {
    let coord = app.user("coord@promis.example", "coordinator", None).await;
    let (status, e) = app.post_json_as(&coord, "/api/v1/mentorship/approve", &json!({ "ids": [987654] })).await;
    assert_eq!(status, 404, "{e}");
    let doc = fondilab::web::openapi::derived();
    let declared = &doc["paths"]["/mentorship/approve"]["post"]["responses"]["404"];
    assert_eq!(declared["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/Error", "{declared}");
    assert!(e["error"].is_string(), "{e}");
});

db_test!(query_parameters_take_the_values_the_document_gives_them, |app| {
    let coord = app.user("coord@promis.example", "coordinator", None).await;
    let doc = fondilab::web::openapi::derived();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let Some(op) = item.get("get") else { continue };
        if path.contains('{') {
            continue;
        }
        for p in op["parameters"].as_array().into_iter().flatten().filter(|p| p["in"] == "query") {
            let name = p["name"].as_str().unwrap();
            // A blank value is the parameter left out, as the document says.
            assert_eq!(p["allowEmptyValue"], true, "{path} {name}");
            let (s, body) = app.get_json_as(&coord, &format!("/api/v1{path}?{name}=")).await;
            assert_eq!(s, 200, "{path}?{name}= : {body}");
            let schema = &p["schema"];
            if schema["type"] != "integer" {
                continue;
            }
            let (min, max) = (schema["minimum"].as_i64(), schema["maximum"].as_i64());
            let (Some(min), Some(max)) = (min, max) else { panic!("{path} {name}: no bounds in {schema}") };
            for ok in [min, max] {
                let (s, body) = app.get_json_as(&coord, &format!("/api/v1{path}?{name}={ok}")).await;
                assert_eq!(s, 200, "{path}?{name}={ok}: {body}");
            }
            for bad in [min - 1, max + 1] {
                let (s, body) = app.get_json_as(&coord, &format!("/api/v1{path}?{name}={bad}")).await;
                assert_eq!((s, body["field"].as_str()), (400, Some(name)), "{path}?{name}={bad}: {body}");
            }
            checked += 1;
        }
    }
    assert!(checked >= 10, "{checked} bounded parameters");
});

db_test!(bodies_without_their_required_fields_are_refused_as_documented, |app| {
    let coord = app.user("coord@promis.example", "coordinator", None).await;
    let officer = app.user("referente@regione.puglia.example", "officer", Some("PUG")).await;
    let doc = fondilab::web::openapi::derived();
    let required = |schema: &str| -> Vec<String> {
        let s = &doc["components"]["schemas"][schema];
        let own = s["required"].as_array().cloned().unwrap_or_default();
        let parts = s["allOf"].as_array().cloned().unwrap_or_default();
        let inherited = parts.iter().filter_map(|p| p["$ref"].as_str()).flat_map(|r| {
            let name = r.trim_start_matches("#/components/schemas/");
            doc["components"]["schemas"][name]["required"].as_array().cloned().unwrap_or_default()
        });
        own.into_iter().chain(inherited).filter_map(|v| v.as_str().map(String::from)).collect()
    };
    let guide = "/api/v1/guides/costi-unitari-fse-plus";
    let cases = [
        (&coord, format!("{guide}/votes"), "VoteBody"),
        (&coord, format!("{guide}/reports"), "ReportInput"),
        (&coord, "/api/v1/events".to_string(), "EventBody"),
        (&coord, "/api/v1/mentorship/settings".to_string(), "Settings"),
        (&officer, "/api/v1/mentorship/requests".to_string(), "RequestInput"),
    ];
    for (who, path, schema) in cases {
        let fields = required(schema);
        assert!(!fields.is_empty(), "{schema} declares what it needs");
        let (s, e) = app.post_json_as(who, &path, &json!({})).await;
        assert_eq!(s, 400, "{path}: {e}");
        let field = e["field"].as_str().unwrap_or_default().to_string();
        assert!(fields.contains(&field), "{path}: refused for {field:?}, the document requires {fields:?}");
    }
    // A body the document marks optional may be left out; it is never `null`.
    for (path, item) in doc["paths"].as_object().unwrap() {
        let Some(body) = item.get("post").and_then(|op| op.get("requestBody")) else { continue };
        let schema = &body["content"]["application/json"]["schema"];
        assert!(schema["oneOf"].is_null() && schema["type"] != "null", "{path}: {schema}");
    }
    assert_eq!(doc["paths"]["/events/{id}/publish"]["post"]["requestBody"]["required"], false);
});

db_test!(a_body_is_an_object_not_an_array_of_its_fields, |app| {
    let coord = app.user("coord@promis.example", "coordinator", None).await;
    let mentor = app.user("mentor@asl.example", "mentor", None).await;
    let post_raw = |who: &crate::helpers::Visitor, path: &str, body: &str| {
        app.client
            .post(app.url(path))
            .header("cookie", &who.cookie)
            .header("x-csrf-token", &who.csrf)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
    };
    // `[]` was read as an empty body: approve every suggestion.
    for body in ["[]", "[[1]]", "null", "7"] {
        let r = post_raw(&coord, "/api/v1/mentorship/approve", body).await.unwrap();
        assert_eq!(r.status(), 400, "{body}");
        let e: Value = r.json().await.unwrap();
        assert!(e["error"].as_str().unwrap().starts_with("JSON non valido: invalid type"), "{body}: {e}");
    }
    // Nor deeper down: an experience is an object, not [fund, role, programme].
    let positional = r#"{"experience": [["FSE+", "adg", "PR FSE+ Puglia"]], "languages": ["it"], "capacity": 2, "topics": ["programmazione"]}"#;
    let r = post_raw(&mentor, "/api/v1/mentorship/profile", positional).await.unwrap();
    assert_eq!(r.status(), 400);
    let (s, _) = app.get_json_as(&mentor, "/api/v1/mentorship/profile").await;
    assert_eq!(s, 404, "no profile was saved");
    let named = positional.replace(
        r#"["FSE+", "adg", "PR FSE+ Puglia"]"#,
        r#"{"fund": "FSE+", "role": "adg", "programme": "PR FSE+ Puglia"}"#,
    );
    let r = post_raw(&mentor, "/api/v1/mentorship/profile", &named).await.unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
});
