//! The OpenAPI document against the real router and real answers: every endpoint of the
//! route table is described with its method (and nothing else is), every reference resolves,
//! and answers of the running service match the schemas the document gives for them.

use serde_json::Value;

use crate::helpers::{Backend, TestApp};

fn method_key(m: &axum::http::Method) -> String {
    m.as_str().to_lowercase()
}

#[test]
fn every_endpoint_of_the_router_is_in_the_document_and_only_those() {
    let doc = fondilab::web::openapi::derived();
    let paths = doc["paths"].as_object().expect("paths");
    let endpoints = fondilab::web::api::endpoints();
    let mut missing = Vec::new();
    for e in endpoints.iter().filter(|e| e.path != "/openapi.json") {
        if paths.get(e.path).and_then(|p| p.get(method_key(&e.method))).is_none() {
            missing.push(format!("{} {}", e.method, e.path));
        }
    }
    assert!(missing.is_empty(), "routes missing from the OpenAPI document: {missing:?}");
    let mut phantom = Vec::new();
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            if !endpoints.iter().any(|e| e.path == path && method_key(&e.method) == *method) {
                phantom.push(format!("{method} {path}"));
            }
        }
    }
    assert!(phantom.is_empty(), "the document describes routes the router does not have: {phantom:?}");
}

#[test]
fn every_reference_resolves_and_every_path_parameter_is_declared() {
    let doc = fondilab::web::openapi::derived();
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    assert!(refs.len() > 50, "the document references its schemas ({} references)", refs.len());
    for r in refs {
        let name = r.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("unexpected reference {r}"));
        assert!(doc["components"]["schemas"][name].is_object(), "{r} does not resolve");
    }
    for (path, item) in doc["paths"].as_object().unwrap() {
        let names: Vec<&str> = path.split('/').filter_map(|s| s.strip_prefix('{')?.strip_suffix('}')).collect();
        for (method, op) in item.as_object().unwrap() {
            let declared: Vec<&str> = op["parameters"]
                .as_array()
                .map(|ps| ps.iter().filter(|p| p["in"] == "path").filter_map(|p| p["name"].as_str()).collect())
                .unwrap_or_default();
            assert_eq!(declared, names, "{method} {path}: path parameters");
        }
    }
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("$ref") {
                out.push(r.clone());
            }
            m.values().for_each(|x| collect_refs(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| collect_refs(x, out)),
        _ => {}
    }
}

/// Checks `value` against `schema` for what the document uses: `$ref`, `type`, `enum`,
/// `properties`/`required`, `items`, `additionalProperties`, `oneOf` and `allOf`.
/// Returns the places that do not match.
fn mismatches(doc: &Value, schema: &Value, value: &Value, at: &str, out: &mut Vec<String>) {
    check(doc, schema, value, at, out, false)
}

/// `open`: a part of an `allOf`, where fields described by the other parts are fine.
fn check(doc: &Value, schema: &Value, value: &Value, at: &str, out: &mut Vec<String>, open: bool) {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.trim_start_matches("#/components/schemas/");
        return check(doc, &doc["components"]["schemas"][name], value, at, out, open);
    }
    if let Some(all) = schema["allOf"].as_array() {
        for s in all {
            check(doc, s, value, at, out, true);
        }
        if let Value::Object(fields) = value {
            let described = |name: &str| all.iter().any(|s| resolve(doc, s)["properties"][name].is_object());
            for name in fields.keys().filter(|n| !described(n)) {
                out.push(format!("{at}.{name}: not in the document"));
            }
        }
    }
    if let Some(any) = schema["oneOf"].as_array() {
        let fits = any.iter().any(|s| {
            let mut o = Vec::new();
            mismatches(doc, s, value, at, &mut o);
            o.is_empty()
        });
        if !fits {
            out.push(format!("{at}: {value} fits none of oneOf"));
        }
        return;
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if !types.is_empty() {
        let actual = match value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        let ok = types.contains(&actual) || (actual == "integer" && types.contains(&"number"));
        if !ok {
            out.push(format!("{at}: {actual} where the document says {types:?}"));
            return;
        }
    }
    if let Some(allowed) = schema["enum"].as_array() {
        if !allowed.contains(value) {
            out.push(format!("{at}: {value} is not one of {allowed:?}"));
        }
    }
    if let Value::Object(fields) = value {
        let props = schema["properties"].as_object();
        for name in schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
            if !fields.contains_key(name) {
                out.push(format!("{at}.{name}: required but absent"));
            }
        }
        for (name, v) in fields {
            match props.and_then(|p| p.get(name)) {
                Some(s) => mismatches(doc, s, v, &format!("{at}.{name}"), out),
                None => match &schema["additionalProperties"] {
                    Value::Object(_) => {
                        mismatches(doc, &schema["additionalProperties"], v, &format!("{at}.{name}"), out)
                    }
                    _ if props.is_some() && !open && schema["allOf"].is_null() => {
                        out.push(format!("{at}.{name}: not in the document"))
                    }
                    _ => {}
                },
            }
        }
    }
    if let Value::Array(items) = value {
        for (i, v) in items.iter().enumerate() {
            mismatches(doc, &schema["items"], v, &format!("{at}[{i}]"), out);
        }
    }
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => &doc["components"]["schemas"][r.trim_start_matches("#/components/schemas/")],
        None => schema,
    }
}

fn response_schema<'a>(doc: &'a Value, path: &str, method: &str, status: u16) -> &'a Value {
    let s = &doc["paths"][path][method]["responses"][status.to_string()]["content"]["application/json"]["schema"];
    assert!(s.is_object(), "no {status} schema for {method} {path}");
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_match_the_schemas_of_the_document() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (status, doc) = app.get_json("/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"], "3.1.0");
    let coordinator = app.user("coord@example.org", "coordinator", None).await;
    let start = fondilab::events::local_input(fondilab::db::now_ms() + 7 * 86_400_000);
    let end = fondilab::events::local_input(fondilab::db::now_ms() + 7 * 86_400_000 + 7_200_000);
    let body = serde_json::json!({"kind": "webinar", "title": "Webinar", "starts_at": start, "ends_at": end, "online_url": "https://example.org/w", "capacity": 10, "publish": true});
    let (s, event) = app.post_json_as(&coordinator, "/api/v1/events", &body).await;
    assert_eq!(s, 201, "{event}");
    let event_id = event["id"].as_i64().unwrap();
    let cases = [
        ("/guides/search", "/api/v1/guides/search?q=costi%20unitari%20FSE%2B".to_string(), 200),
        ("/guides/search", "/api/v1/guides/search?page=0".to_string(), 400),
        ("/guides/{id}", "/api/v1/guides/costi-unitari-fse-plus".to_string(), 200),
        ("/guides/{id}", "/api/v1/guides/non-esiste".to_string(), 404),
        ("/regions", "/api/v1/regions".to_string(), 200),
        ("/events", "/api/v1/events".to_string(), 200),
        ("/events/{id}", format!("/api/v1/events/{event_id}"), 200),
        ("/me", "/api/v1/me".to_string(), 200),
        ("/kpi", "/api/v1/kpi".to_string(), 200),
        ("/outbox", "/api/v1/outbox".to_string(), 200),
        ("/users", "/api/v1/users".to_string(), 200),
        ("/mentorship/requests", "/api/v1/mentorship/requests".to_string(), 200),
        ("/mentorship/settings", "/api/v1/mentorship/settings".to_string(), 200),
        ("/guide-reports", "/api/v1/guide-reports?state=all".to_string(), 200),
    ];
    let mut wrong = Vec::new();
    for (template, url, expected) in cases {
        let (status, value) = app.get_json_as(&coordinator, &url).await;
        assert_eq!(status, expected, "{url}: {value}");
        mismatches(&doc, response_schema(&doc, template, "get", status), &value, url.as_str(), &mut wrong);
    }
    let (status, value) = app
        .post_json_as(
            &coordinator,
            &format!("/api/v1/events/{event_id}/cancel"),
            &serde_json::json!({"reason": "prova"}),
        )
        .await;
    assert_eq!(status, 200, "{value}");
    mismatches(&doc, response_schema(&doc, "/events/{id}/cancel", "post", 200), &value, "cancel", &mut wrong);
    let vote = serde_json::json!({"useful": true, "comment": "Chiara"});
    let (status, value) = app.post_json_as(&coordinator, "/api/v1/guides/costi-unitari-fse-plus/votes", &vote).await;
    assert_eq!(status, 201, "{value}");
    mismatches(&doc, response_schema(&doc, "/guides/{id}/votes", "post", 201), &value, "vote", &mut wrong);
    let report = serde_json::json!({"step": 1, "body": "Soglia da aggiornare", "source": "art. 53"});
    let (status, value) =
        app.post_json_as(&coordinator, "/api/v1/guides/costi-unitari-fse-plus/reports", &report).await;
    assert_eq!(status, 201, "{value}");
    mismatches(&doc, response_schema(&doc, "/guides/{id}/reports", "post", 201), &value, "report", &mut wrong);
    assert!(wrong.is_empty(), "answers that differ from the document:\n{}", wrong.join("\n"));
    // The checker itself notices a difference.
    let mut caught = Vec::new();
    mismatches(
        &doc,
        response_schema(&doc, "/regions", "get", 200),
        &serde_json::json!([{"code": 1}]),
        "x",
        &mut caught,
    );
    assert!(!caught.is_empty());
    app.stop().await;
}
