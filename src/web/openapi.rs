//! The OpenAPI 3.1 description of `/api/v1`, derived from the handlers' `#[utoipa::path]`
//! attributes and the request and response types themselves, so a schema follows its serde
//! struct. A handler that serves several verbs is described once with a `{verb}` segment and
//! written out here for each verb route of [`super::api::endpoints`].

use std::sync::LazyLock;

use axum::Json;
use serde_json::Value;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::account as accounts_api;
use super::events::api as events_api;
use super::mentorship::api as mentorship_api;
use super::{api, dashboard, guide, outbox, users};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "fondilab API",
        description = "Guide search and guides for co-financing health workers' digital-skills training with EU cohesion funds. Errors are JSON objects {\"error\": message, \"field\": name}; messages follow the interface language cookie (Italian by default). Requests are authenticated by the session cookie (with its X-CSRF-Token on POST) or by a personal token (Authorization: Bearer)."
    ),
    servers((url = "/api/v1")),
    paths(
        api::search,
        api::guide,
        guide::vote_api,
        guide::report_api,
        guide::reports_api,
        guide::handle_api,
        users::api_regions,
        users::api_users,
        accounts_api::me,
        outbox::api_list,
        outbox::api_retry,
        dashboard::api,
        events_api::list,
        events_api::get,
        events_api::create,
        events_api::update,
        events_api::register,
        events_api::feedback,
        events_api::action,
        events_api::registrations,
        events_api::unregister,
        mentorship_api::profile_get,
        mentorship_api::profile_save,
        mentorship_api::requests_list,
        mentorship_api::request_file,
        mentorship_api::request_get,
        mentorship_api::request_edit,
        mentorship_api::request_withdraw,
        mentorship_api::request_assign,
        mentorship_api::matches_list,
        mentorship_api::match_get,
        mentorship_api::match_action,
        super::mentorship::review_api::approve,
        super::mentorship::review_api::settings_get,
        super::mentorship::review_api::settings_save,
        super::mentorship::review_api::run,
        super::exchange::api::list,
        super::exchange::api::ask,
        super::exchange::api::thread,
        super::exchange::api::edit_question,
        super::exchange::api::answer,
        super::exchange::api::accept,
        super::exchange::api::report_question,
        super::exchange::api::hide_question,
        super::exchange::api::guide_draft,
        super::exchange::api::edit_answer,
        super::exchange::api::report_answer,
        super::exchange::api::hide_answer,
        super::exchange::api::reports,
        super::exchange::api::handle_report,
        super::exchange::search::search,
        super::exchange::follows::list,
        super::exchange::follows::add,
        super::exchange::follows::remove,
        super::exchange::follows::settings,
        super::exchange::follows::save_settings,
        super::exchange::practices_api::list,
        super::exchange::practices_api::create,
        super::exchange::practices_api::one,
        super::exchange::practices_api::edit,
        super::exchange::practices_api::submit,
        super::exchange::practices_api::versions,
        super::exchange::practices_api::upload,
        super::exchange::practices_api::file,
        super::exchange::practices_api::remove,
        super::exchange::practices_api::review_queue,
        super::exchange::practices_api::approve,
        super::exchange::practices_api::send_back,
        super::exchange::practices_api::hide,
    ),
    modifiers(&Authentication),
    tags(
        (name = "guides", description = "Search and read the guides"),
        (name = "events", description = "Webinars, Open Labs, mentorship labs and forums (WP5 tasks 5.1, 5.2, 5.4)"),
        (name = "mentorship", description = "Requests, mentors and matches (WP5 task 5.3)"),
        (name = "accounts", description = "Users and Regions"),
        (name = "outbox", description = "Outgoing mail"),
        (name = "kpi", description = "WP5 figures"),
        (name = "exchange", description = "Questions between Regions and practices of the Regions (WP5 task 5.4)"),
    )
)]
struct ApiDoc;

/// The two ways in: the session cookie of the pages, or a personal token.
struct Authentication;

impl Modify for Authentication {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::accounts::session::SESSION_COOKIE))),
        );
    }
}

static DOCUMENT: LazyLock<Value> = LazyLock::new(derived);

pub async fn document() -> Json<Value> {
    Json(DOCUMENT.clone())
}

/// The document: what utoipa derives, with every `{verb}` template written out for each
/// verb route in the route table and then dropped.
pub fn derived() -> Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).expect("the OpenAPI document serializes");
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return doc };
    let mut templates = Vec::new();
    for endpoint in api::endpoints() {
        if paths.contains_key(endpoint.path) {
            continue;
        }
        let Some((prefix, verb)) = endpoint.path.rsplit_once('/') else { continue };
        let template = format!("{prefix}/{{verb}}");
        let method = endpoint.method.as_str().to_lowercase();
        let Some(mut operation) = paths.get(&template).and_then(|p| p.get(&method)).cloned() else { continue };
        if let Some(params) = operation.get_mut("parameters").and_then(Value::as_array_mut) {
            params.retain(|p| p["name"] != "verb");
        }
        let id = format!("{}_{verb}", operation["operationId"].as_str().unwrap_or("action"));
        operation["operationId"] = Value::String(id);
        let summary = format!("{verb}: {}", operation["summary"].as_str().unwrap_or_default());
        operation["summary"] = Value::String(summary);
        paths.insert(endpoint.path.to_string(), serde_json::json!({ method: operation }));
        templates.push(template);
    }
    for template in templates {
        paths.remove(&template);
    }
    for endpoint in api::endpoints() {
        let method = endpoint.method.as_str().to_lowercase();
        if let Some(operation) = paths.get_mut(endpoint.path).and_then(|p| p.get_mut(&method)) {
            declare_common(operation, &endpoint);
            declare_inputs(operation);
        }
    }
    doc
}

/// What the service reads the way utoipa cannot say: every query string goes through
/// [`super::params::Params`], where a blank value is the parameter left out (`?role=` is every
/// role, as an HTML form sends it); and a body that may be left out (`Option<T>` in a
/// `request_body`, which utoipa writes as "`T` or null") is an optional `T`: JSON `null` is
/// not one of the bodies the service reads.
fn declare_inputs(operation: &mut Value) {
    if let Some(params) = operation.get_mut("parameters").and_then(Value::as_array_mut) {
        for p in params.iter_mut().filter(|p| p["in"] == "query") {
            p["allowEmptyValue"] = Value::Bool(true);
        }
    }
    let Some(body) = operation.get_mut("requestBody").and_then(Value::as_object_mut) else { return };
    let mut optional = false;
    if let Some(content) = body.get_mut("content").and_then(Value::as_object_mut) {
        for media in content.values_mut() {
            let Some(alternatives) = media["schema"]["oneOf"].as_array() else { continue };
            let not_null: Vec<&Value> = alternatives.iter().filter(|s| s["type"] != "null").collect();
            if not_null.len() == 1 && alternatives.len() == 2 {
                media["schema"] = not_null[0].clone();
                optional = true;
            }
        }
    }
    if optional {
        body.insert("required".into(), Value::Bool(false));
    }
}

/// What every operation of its kind can answer besides its own results, and how it is
/// authenticated, from the route table: so the document lists every status the service
/// really sends (a malformed token is refused on any path; a guarded one refuses a role).
fn declare_common(operation: &mut Value, endpoint: &api::Endpoint) {
    use crate::accounts::policy::Rule;
    let post = endpoint.method == axum::http::Method::POST;
    let guarded = !matches!(endpoint.rule, Rule::Public);
    let mut common: Vec<(&str, &str)> = vec![
        ("400", "Bad input: the message names the field"),
        ("401", "Not signed in, or a token that is invalid, revoked or of a deactivated user"),
    ];
    if guarded || post {
        common.push(("403", "Not allowed for this role, or a form without its CSRF token"));
    }
    if endpoint.path.contains('{') {
        common.push(("404", "Nothing with this identifier that the caller can see"));
    }
    common.push(("503", "The database is out of reach or cannot take writes: nothing was saved; try again shortly"));
    if post {
        common.push(("409", "The record is not in a state that allows this, or the same thing exists already"));
        common.push(("413", "The body is over the size limit"));
        common.push(("415", "The body is not JSON (Content-Type: application/json)"));
        common.push(("429", "Too many attempts from this client for now"));
    }
    let responses = operation.as_object_mut().map(|o| o.entry("responses").or_insert_with(|| serde_json::json!({})));
    if let Some(responses) = responses.and_then(Value::as_object_mut) {
        for (status, description) in common {
            responses.entry(status).or_insert_with(|| {
                serde_json::json!({
                    "description": description,
                    "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } }
                })
            });
        }
    }
    let mut security = vec![serde_json::json!({ "token": [] }), serde_json::json!({ "session": [] })];
    if !guarded {
        security.insert(0, serde_json::json!({}));
    }
    operation["security"] = Value::Array(security);
}
