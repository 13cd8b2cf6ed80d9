//! The OpenAPI 3.1 description of `/api/v1`, written by hand next to the handlers it describes.

use axum::Json;
use serde_json::{json, Value};

pub async fn document() -> Json<Value> {
    let mut doc = spec();
    if let (Some(paths), Value::Object(more)) = (doc["paths"].as_object_mut(), other_paths()) {
        paths.extend(more);
    }
    if let Some(paths) = doc["paths"].as_object_mut() {
        paths.extend(verb_paths());
    }
    if let (Some(schemas), Value::Object(more)) = (doc["components"]["schemas"].as_object_mut(), domain_schemas()) {
        schemas.extend(more);
    }
    Json(doc)
}

fn id_param() -> Value {
    json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}})
}

fn body(schema: &str) -> Value {
    json!({"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}})
}

fn ok(description: &str, schema: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}})
}

/// Accounts and mentorship (`/mentorship/...`). Every route is visible to the roles its
/// summary names; records of another Region answer 404.
fn other_paths() -> Value {
    let list = |schema: &str| json!({"description": "List", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": format!("#/components/schemas/{schema}")}}}}});
    json!({
        "/regions": {"get": {"summary": "Regions and Autonomous Provinces with their cohesion-policy category", "responses": {"200": {"description": "The 21 Regions/APs"}}}},
        "/me": {"get": {"summary": "The signed-in user", "responses": {"200": {"description": "The user"}, "401": error_response("Not signed in")}}},
        "/users": {"get": {"summary": "Users, filtered by role, region, active (coordinators)", "responses": {"200": {"description": "Users"}, "400": error_response("Unknown filter value"), "403": error_response("Not a coordinator")}}},
        "/mentorship/profile": {
            "get": {"summary": "The signed-in mentor's profile (mentors)", "responses": {"200": ok("The profile", "MentorProfile"), "404": error_response("No profile yet")}},
            "post": {"summary": "Create or replace the mentor's profile (mentors); a capacity or pause change starts an assignment run",
                     "requestBody": body("MentorProfileInput"),
                     "responses": {"200": ok("The saved profile", "MentorProfile"), "400": error_response("Unknown fund, role, topic, Region or language; capacity outside 1-20; a pause ending before it starts")}}
        },
        "/mentorship/requests": {
            "get": {"summary": "Requests: an officer's Region's, those proposed to a mentor, or all (coordinators, optional region)",
                    "parameters": [
                        {"name": "state", "in": "query", "required": false, "schema": {"type": "string", "enum": ["open", "matched", "closed", "withdrawn"]}},
                        {"name": "region", "in": "query", "required": false, "schema": {"type": "string"}},
                        {"name": "page", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1}},
                        {"name": "per_page", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 20}}
                    ],
                    "responses": {"200": {"description": "{total, page, per_page, items: [MentorshipRequest]}"}, "400": error_response("Unknown state or Region")}},
            "post": {"summary": "File a request for the officer's Region (officers); an assignment run follows at once",
                     "requestBody": body("MentorshipRequestInput"),
                     "responses": {"201": ok("The request with its matches", "MentorshipRequestDetail"), "400": error_response("Unknown fund or topic, empty description, bad period"),
                                   "403": error_response("Not an officer"), "409": error_response("The same form_key was already sent")}}
        },
        "/mentorship/requests/{id}": {
            "get": {"summary": "A request with its matches and history", "parameters": [id_param()],
                    "responses": {"200": ok("The request", "MentorshipRequestDetail"), "404": error_response("No such request, or of another Region")}},
            "post": {"summary": "Edit a request while it is open (its Region's officers, coordinators)", "parameters": [id_param()], "requestBody": body("MentorshipRequestInput"),
                     "responses": {"200": ok("The request", "MentorshipRequestDetail"), "400": error_response("Invalid field"), "403": error_response("A mentor"), "404": error_response("Not found"), "409": error_response("No longer open")}}
        },
        "/mentorship/requests/{id}/withdraw": {"post": {"summary": "Withdraw an open request; a live proposal is withdrawn with it", "parameters": [id_param()],
            "requestBody": {"required": false, "content": {"application/json": {"schema": {"type": "object", "properties": {"reason": {"type": "string"}}}}}},
            "responses": {"200": ok("The request", "MentorshipRequestDetail"), "404": error_response("Not found"), "409": error_response("Not open")}}},
        "/mentorship/requests/{id}/assign": {"post": {"summary": "Propose a chosen mentor, replacing any live suggestion or proposal (coordinators)", "parameters": [id_param()],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["mentor_id"], "properties": {"mentor_id": {"type": "integer"}}}}}},
            "responses": {"200": ok("The new proposal", "MatchDetail"), "400": error_response("The mentor fails a hard rule"), "409": error_response("Request not open")}}},
        "/mentorship/matches": {"get": {"summary": "Matches: a mentor's own, an officer's Region's, or all (coordinators)",
            "parameters": [{"name": "state", "in": "query", "required": false, "description": "Comma-separated states", "schema": {"type": "string"}},
                           {"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}}],
            "responses": {"200": list("Match"), "400": error_response("Unknown state")}}},
        "/mentorship/matches/{id}": {"get": {"summary": "A match with its request; contact details of both sides once accepted; meetings; feedback", "parameters": [id_param()],
            "responses": {"200": ok("The match", "MatchDetail"), "404": error_response("Not found")}}},
        "/mentorship/approve": {"post": {"summary": "Turn suggestions into proposals (coordinators); no ids = all awaiting review",
            "requestBody": {"required": false, "content": {"application/json": {"schema": {"type": "object", "properties": {"ids": {"type": "array", "items": {"type": "integer"}}}}}}},
            "responses": {"200": {"description": "{approved: n}"}, "409": error_response("One of them is no longer a suggestion (nothing approved)")}}},
        "/mentorship/settings": {
            "get": {"summary": "Automatic mode (coordinators)", "responses": {"200": {"description": "{auto: bool}"}}},
            "post": {"summary": "Turn automatic mode on or off (coordinators)", "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["auto"], "properties": {"auto": {"type": "boolean"}}}}}},
                     "responses": {"200": {"description": "{auto: bool}"}, "400": error_response("auto missing")}}
        },
        "/events": {
            "get": {"summary": "Upcoming events (past=1: the archive), filtered by kind, fund, topic; drafts only for coordinators",
                    "parameters": [
                        {"name": "kind", "in": "query", "required": false, "schema": {"type": "string", "enum": ["webinar", "open_lab", "mentorship_lab", "forum"]}},
                        {"name": "fund", "in": "query", "required": false, "schema": {"type": "string"}},
                        {"name": "topic", "in": "query", "required": false, "schema": {"type": "string"}},
                        {"name": "past", "in": "query", "required": false, "schema": {"type": "string", "enum": ["1"]}},
                        {"name": "page", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1}},
                        {"name": "per_page", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 200}}
                    ],
                    "responses": {"200": {"description": "{total, page, per_page, items: [Event]}"}, "400": error_response("Unknown kind, fund or topic")}},
            "post": {"summary": "Create an event (coordinators); publish: true publishes it at once", "requestBody": body("EventInput"),
                     "responses": {"201": ok("The event", "Event"), "400": error_response("End before start, start in the past, capacity outside 1-5000, unknown topic/guide/Region"), "403": error_response("Not a coordinator")}}
        },
        "/events/{id}": {
            "get": {"summary": "One event", "parameters": [id_param()], "responses": {"200": ok("The event", "Event"), "404": error_response("No such event (or a draft)")}},
            "post": {"summary": "Change an event (coordinators); a new time or place sends participants an updated invitation (same UID, SEQUENCE+1) and moves reminders",
                     "parameters": [id_param()], "requestBody": body("EventInput"),
                     "responses": {"200": ok("The event", "Event"), "400": error_response("Invalid field, or fewer places than confirmed participants"), "409": error_response("Cancelled or completed")}}
        },
        "/events/{id}/registrations": {"get": {"summary": "Registrations in order of arrival (coordinators)", "parameters": [id_param()], "responses": {"200": {"description": "Registrations"}}}},
        "/registrations/{id}/cancel": {"post": {"summary": "Cancel one's registration or leave the waiting list (coordinators: anyone's); a freed seat goes to the first waiting",
            "parameters": [id_param()], "responses": {"200": {"description": "The registration"}, "404": error_response("Not found or somebody else's"), "409": error_response("Already cancelled, or the event is over")}}},
        "/kpi": {"get": {
            "summary": "WP5 figures: delivered events per task against targets, participation, mentorship, guides, empty searches, 12 monthly series, and (coordinators) the to-do list. Officers get their Region's figures.",
            "parameters": [
                {"name": "from", "in": "query", "required": false, "schema": {"type": "string", "format": "date"}},
                {"name": "to", "in": "query", "required": false, "schema": {"type": "string", "format": "date"}},
                {"name": "region", "in": "query", "required": false, "description": "Region code (coordinators; officers only their own)", "schema": {"type": "string"}},
                {"name": "task", "in": "query", "required": false, "schema": {"type": "string", "enum": ["5.1", "5.2", "5.3", "5.4"]}}
            ],
            "responses": {"200": {"description": "{scope, tasks, participation, mentorship, guides, empty_searches, unanswered_searches, monthly, todo}"},
                          "400": error_response("End date before start date, unknown Region or task"), "403": error_response("Mentors"), "404": error_response("Another Region (officers)")}}},
        "/mentorship/run": {"post": {"summary": "Run the assignment now (coordinators)", "responses": {"200": {"description": "{open_requests, mentors, suggested, proposed}"}}}}
    })
}

/// One route per verb on matches and events.
fn verb_paths() -> Vec<(String, Value)> {
    let match_body = json!({"required": false, "content": {"application/json": {"schema": {"type": "object", "properties": {
        "reason": {"type": "string"}, "held_on": {"type": "string", "format": "date"}, "topic": {"type": "string"}, "notes": {"type": "string"},
        "useful": {"type": "integer", "minimum": 1, "maximum": 5}, "comment": {"type": "string"}}}}}});
    let match_verbs = [
        ("accept", "Accept a proposal (the proposed mentor)"),
        ("decline", "Decline a proposal {reason} (the proposed mentor)"),
        ("approve", "Turn a suggestion into a proposal (coordinators)"),
        ("discard", "Discard a suggestion or withdraw a proposal {reason?} (coordinators)"),
        ("withdraw", "Withdraw a proposal {reason?} (coordinators)"),
        ("meetings", "Log a meeting {held_on, topic, notes} (both sides)"),
        ("complete", "Complete the mentorship {useful 1-5, comment} (both sides)"),
        ("cancel", "Cancel the mentorship {reason} (both sides, coordinators)"),
    ];
    let event_body = json!({"required": false, "content": {"application/json": {"schema": {"type": "object", "properties": {
        "reason": {"type": "string"}, "materials_url": {"type": "string"}, "recording_url": {"type": "string"},
        "attended": {"type": "array", "items": {"type": "integer"}}}}}}});
    let event_verbs = [
        ("publish", "Publish a draft (coordinators)"),
        ("cancel", "Cancel the event {reason} (coordinators)"),
        ("complete", "Mark the event held {materials_url, recording_url} (coordinators)"),
        ("attendance", "Record attendance {attended: [registration ids]} (coordinators)"),
    ];
    let mut out: Vec<(String, Value)> = match_verbs
        .iter()
        .map(|(verb, summary)| {
            (format!("/mentorship/matches/{{id}}/{verb}"), json!({"post": {"summary": summary, "parameters": [id_param()], "requestBody": match_body,
                "responses": {"200": ok("The match after the action", "MatchDetail"), "400": error_response("Missing reason, bad date, rating outside 1-5"),
                              "403": error_response("Not this user's to do"), "404": error_response("Not found"),
                              "409": error_response("Expired, withdrawn, already answered, or capacity full")}}}))
        })
        .collect();
    out.extend(event_verbs.iter().map(|(verb, summary)| {
        (
            format!("/events/{{id}}/{verb}"),
            json!({"post": {"summary": summary, "parameters": [id_param()], "requestBody": event_body,
            "responses": {"200": ok("The event after the action", "Event"), "403": error_response("Not a coordinator"),
                          "404": error_response("No such event"), "409": error_response("Wrong state")}}}),
        )
    }));
    out.push(("/events/{id}/register".into(), json!({"post": {"summary": "Register (anyone signed in): a seat, or the waiting list when full", "parameters": [id_param()],
        "responses": {"201": {"description": "{registration, waitlist_place}"}, "403": error_response("Reserved for other Regions"),
                      "409": error_response("Registration closed or not open, already registered")}}})));
    out
}

fn domain_schemas() -> Value {
    let strings = json!({"type": "array", "items": {"type": "string"}});
    json!({
        "EventInput": {"type": "object", "required": ["kind", "title", "starts_at", "ends_at", "capacity"], "properties": {
            "kind": {"type": "string", "enum": ["webinar", "open_lab", "mentorship_lab", "forum"]}, "title": {"type": "string"}, "description": {"type": "string"},
            "starts_at": {"type": "string", "description": "Europe/Rome local time YYYY-MM-DDTHH:MM, or RFC 3339 with an offset"}, "ends_at": {"type": "string"},
            "online_url": {"type": ["string", "null"]}, "venue": {"type": ["string", "null"]}, "capacity": {"type": "integer", "minimum": 1, "maximum": 5000},
            "registration_opens_at": {"type": ["string", "null"]}, "registration_closes_at": {"type": ["string", "null"]},
            "audience": {"type": "array", "items": {"type": "string"}, "description": "Region codes; empty: all"}, "funds": strings, "topics": strings,
            "guides": strings, "speakers": {"type": "string"}, "materials_url": {"type": ["string", "null"]}, "recording_url": {"type": ["string", "null"]},
            "publish": {"type": "boolean"}}},
        "Event": {"type": "object", "properties": {
            "id": {"type": "integer"}, "kind": {"type": "string"}, "title": {"type": "string"}, "starts_at": {"type": "integer", "description": "Unix ms, UTC"},
            "ends_at": {"type": "integer"}, "capacity": {"type": "integer"}, "confirmed": {"type": "integer"}, "waitlisted": {"type": "integer"},
            "state": {"type": "string", "enum": ["draft", "published", "cancelled", "completed"]}, "sequence": {"type": "integer"}}},
        "ScorePart": {"type": "object", "properties": {"points": {"type": "integer"}, "it": {"type": "string"}, "en": {"type": "string"}}},
        "Experience": {"type": "object", "required": ["fund", "role", "programme"], "properties": {
            "fund": {"$ref": "#/components/schemas/Fund"}, "role": {"type": "string", "enum": ["adg", "oi", "audit", "beneficiario"]},
            "programme": {"type": "string"}, "region": {"type": ["string", "null"], "description": "Region code, e.g. PUG"}}},
        "MentorProfileInput": {"type": "object", "required": ["experience", "languages", "capacity"], "properties": {
            "experience": {"type": "array", "items": {"$ref": "#/components/schemas/Experience"}},
            "topics": strings, "languages": {"type": "array", "items": {"type": "string", "enum": ["it", "en"]}},
            "capacity": {"type": "integer", "minimum": 1, "maximum": 20}, "employer_region": {"type": ["string", "null"]},
            "pause_from": {"type": ["string", "null"], "format": "date"}, "pause_until": {"type": ["string", "null"], "format": "date"}, "bio": {"type": "string"}}},
        "MentorProfile": {"type": "object", "properties": {
            "user_id": {"type": "integer"}, "name": {"type": "string"}, "experience": {"type": "array"}, "topics": strings, "languages": strings,
            "capacity": {"type": "integer"}, "active": {"type": "integer"}, "pending": {"type": "integer"},
            "employer_region": {"type": ["string", "null"]}, "pause_from": {"type": ["string", "null"]}, "pause_until": {"type": ["string", "null"]}, "bio": {"type": "string"}}},
        "MentorshipRequestInput": {"type": "object", "required": ["fund", "topics", "language", "format", "description"], "properties": {
            "fund": {"$ref": "#/components/schemas/Fund"}, "topics": strings, "language": {"type": "string", "enum": ["it", "en"]},
            "format": {"type": "string", "enum": ["remote", "expert_mission", "study_visit"]}, "description": {"type": "string", "maxLength": 4000},
            "period_from": {"type": ["string", "null"], "format": "date"}, "period_until": {"type": ["string", "null"], "format": "date"},
            "form_key": {"type": ["string", "null"], "description": "Any unique value: sending the same one twice files one request"}}},
        "MentorshipRequest": {"type": "object", "properties": {
            "id": {"type": "integer"}, "region_code": {"type": "string"}, "region_name": {"type": "string"},
            "officer_id": {"type": "integer", "description": "0 for a mentor until a mentorship is accepted"},
            "officer_name": {"type": "string", "description": "Empty for a mentor until a mentorship is accepted"},
            "fund": {"type": "string"}, "topics": strings, "language": {"type": "string"}, "format": {"type": "string"}, "description": {"type": "string"},
            "state": {"type": "string", "enum": ["open", "matched", "closed", "withdrawn"]}, "created_at": {"type": "integer", "description": "Unix ms"}}},
        "Match": {"type": "object", "properties": {
            "id": {"type": "integer"}, "request_id": {"type": "integer"}, "mentor_id": {"type": "integer"}, "mentor_name": {"type": "string"},
            "state": {"type": "string", "enum": ["suggested", "proposed", "discarded", "accepted", "declined", "expired", "withdrawn", "completed", "cancelled"]},
            "score": {"type": "integer"}, "parts": {"type": "array", "items": {"$ref": "#/components/schemas/ScorePart"}},
            "proposed_at": {"type": ["integer", "null"]}, "expires_at": {"type": ["integer", "null"]}, "reason": {"type": ["string", "null"]}}},
        "MentorshipRequestDetail": {"type": "object", "properties": {
            "request": {"$ref": "#/components/schemas/MentorshipRequest"},
            "matches": {"type": "array", "items": {"$ref": "#/components/schemas/Match"}},
            "history": {"type": "array", "items": {"type": "object", "properties": {"match_id": {"type": ["integer", "null"]}, "from_state": {"type": ["string", "null"]}, "to_state": {"type": "string"}, "actor_id": {"type": ["integer", "null"]}, "note": {"type": ["string", "null"]}, "at": {"type": "integer"}}}}}},
        "MatchDetail": {"type": "object", "properties": {
            "match": {"$ref": "#/components/schemas/Match"}, "request": {"$ref": "#/components/schemas/MentorshipRequest"},
            "contacts": {"type": ["object", "null"], "description": "Present once accepted: {mentor, officer} with name, email, organisation"},
            "meetings": {"type": "array"}, "feedback": {"type": "array"}}}
    })
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    })
}

pub fn spec() -> Value {
    let string_param = |name: &str, description: &str| json!({"name": name, "in": "query", "required": false, "description": description, "schema": {"type": "string"}});
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "fondilab API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Guide search and guides for co-financing health workers' digital-skills training with EU cohesion funds. Errors are JSON objects {\"error\": message, \"field\": name}; messages follow the interface language cookie (Italian by default)."
        },
        "servers": [{"url": "/api/v1"}],
        "paths": {
            "/guides/search": {
                "get": {
                    "summary": "Search the guides",
                    "description": "Questions in Italian or English, acronyms (expanded in both languages), typos (corrected only when the word is not a real Italian or English word), legal references (\"art. 53\", \"2021/1060\") and operators: \"quoted phrase\", -word or NOT word (left out), a OR b, word* (prefix). A guide and its translation are one result, shown in the query's language (else the page's, or lang=); total and pages count results, facets count guides. Each hit carries the passage (step) that answers, with its anchor. answered is false when no guide really answers. An empty q lists guides by title.",
                    "parameters": [
                        {"name": "q", "in": "query", "required": false, "description": "What to search for (at most 500 characters). Quotes search an exact phrase.", "schema": {"type": "string", "maxLength": 500}},
                        string_param("fund", "FSE+ (or ESF+), FESR (or ERDF), JTF"),
                        {"name": "phase", "in": "query", "required": false, "schema": {"type": "string", "enum": ["programmazione", "avviso", "selezione", "attuazione", "rendicontazione", "controllo", "chiusura"]}},
                        {"name": "lang", "in": "query", "required": false, "schema": {"type": "string", "enum": ["it", "en"]}},
                        string_param("topic", "A topic slug from guides/topics.toml"),
                        {"name": "page", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 1}},
                        {"name": "per_page", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 50, "default": 10}}
                    ],
                    "responses": {
                        "200": {"description": "Results", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SearchResponse"}}}},
                        "400": error_response("A parameter is out of range or unknown")
                    }
                }
            },
            "/guides/{id}": {
                "get": {
                    "summary": "One guide with its steps",
                    "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "responses": {
                        "200": {"description": "The guide", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Guide"}}}},
                        "301": {"description": "The guide was merged into another; Location gives its address"},
                        "404": error_response("No guide with that id")
                    }
                }
            },
            "/outbox": {
                "get": {
                    "summary": "Outgoing mail, newest first (coordinators)",
                    "parameters": [
                        {"name": "status", "in": "query", "required": false, "schema": {"type": "string", "enum": ["pending", "sending", "sent", "dead", "cancelled"]}},
                        string_param("recipient", "Part of the recipient address"),
                        string_param("kind", "Kind of message"),
                        {"name": "page", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1}},
                        {"name": "per_page", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 25}}
                    ],
                    "responses": {
                        "200": {"description": "One page of messages with counts per status"},
                        "400": error_response("A filter is unknown or out of range"),
                        "403": error_response("Not a coordinator")
                    }
                }
            },
            "/outbox/{id}/retry": {
                "post": {
                    "summary": "Put a dead message back in the queue now (coordinators)",
                    "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
                    "responses": {
                        "200": {"description": "Queued again"},
                        "403": error_response("Not a coordinator"),
                        "404": error_response("No such message"),
                        "409": error_response("The message is not dead")
                    }
                }
            }
        },
        "components": {
            "schemas": {
                "Error": {
                    "type": "object", "required": ["error"],
                    "properties": {"error": {"type": "string"}, "field": {"type": "string"}}
                },
                "Fund": {"type": "string", "enum": ["FSE+", "FESR", "JTF"]},
                "Hit": {
                    "type": "object",
                    "required": ["id", "title", "lang", "funds", "phase", "topics", "snippet", "url", "score", "translations"],
                    "properties": {
                        "id": {"type": "string"}, "title": {"type": "string"}, "lang": {"type": "string", "enum": ["it", "en"]},
                        "funds": {"type": "array", "items": {"$ref": "#/components/schemas/Fund"}},
                        "phase": {"type": "string"}, "topics": {"type": "array", "items": {"type": "string"}},
                        "snippet": {"type": "string", "description": "HTML; matched words in <mark>, the rest escaped; cut from the passage"},
                        "url": {"type": "string"}, "score": {"type": "number"},
                        "passage": {"type": "object", "description": "The part of the guide that answers",
                            "properties": {"heading": {"type": "string"}, "anchor": {"type": "string"},
                                "snippet": {"type": "string"}, "url": {"type": "string", "description": "The guide's url + #anchor"}}},
                        "translations": {"type": "array", "items": {"type": "object", "properties": {
                            "lang": {"type": "string", "enum": ["it", "en"]}, "id": {"type": "string"}, "url": {"type": "string"}}}}
                    }
                },
                "FacetCounts": {"type": "object", "additionalProperties": {"type": "integer"}},
                "SearchResponse": {
                    "type": "object",
                    "required": ["total", "page", "hits", "facets", "answered", "ignored"],
                    "properties": {
                        "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"}, "pages": {"type": "integer"},
                        "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
                        "facets": {
                            "type": "object",
                            "properties": {
                                "fund": {"$ref": "#/components/schemas/FacetCounts"}, "phase": {"$ref": "#/components/schemas/FacetCounts"},
                                "lang": {"$ref": "#/components/schemas/FacetCounts"}, "topic": {"$ref": "#/components/schemas/FacetCounts"}
                            }
                        },
                        "corrections": {"type": "array", "items": {"type": "object", "properties": {"typed": {"type": "string"}, "to": {"type": "array", "items": {"type": "string"}}}}},
                        "partial": {"type": "boolean", "description": "No guide covered enough of the query; hits match part of it"},
                        "answered": {"type": "boolean", "description": "False when no guide really answers (the hits are the closest)"},
                        "ignored": {"type": "array", "items": {"type": "string"}, "description": "Operators or words typed but not applied"},
                        "lang": {"type": "string", "enum": ["it", "en"], "description": "The language results are shown in"},
                        "took_ms": {"type": "number"}
                    }
                },
                "Guide": guide_schema()
            }
        }
    })
}

/// The guide as `/guides/{id}` returns it (its own `json!` keeps the macro within its recursion limit).
fn guide_schema() -> Value {
    json!({
                    "type": "object",
                    "required": ["id", "title", "lang", "funds", "phase", "topics", "legal_basis", "sources", "reviewed", "steps", "url"],
                    "properties": {
                        "id": {"type": "string"}, "title": {"type": "string"}, "lang": {"type": "string"},
                        "translation_of": {"type": ["string", "null"]}, "translation": {"type": ["string", "null"]},
                        "audience": {"type": ["string", "null"]},
                        "funds": {"type": "array", "items": {"$ref": "#/components/schemas/Fund"}},
                        "phase": {"type": "string"}, "topics": {"type": "array", "items": {"type": "string"}},
                        "legal_basis": {"type": "array", "items": {"type": "string"}},
                        "sources": {"type": "array", "items": {"type": "string", "format": "uri"}},
                        "reviewed": {"type": "string", "format": "date"},
                        "checked_against": {"type": "array", "items": {"type": "string"}, "description": "What the facts were checked against"},
                        "questions": {"type": "array", "items": {"type": "string"}, "description": "Questions the guide answers"},
                        "replaces": {"type": "array", "items": {"type": "string"}, "description": "Ids of guides merged into this one"},
                        "updated": {"type": ["string", "null"], "format": "date", "description": "When the guide was last corrected"},
                        "changes": {"type": "array", "items": {"type": "string"}, "description": "What the last correction changed"},
                        "intro": {"type": "string", "description": "HTML"},
                        "steps": {"type": "array", "items": {"type": "object", "properties": {
                            "number": {"type": "integer"}, "anchor": {"type": "string", "description": "Anchor of the step on the guide page"},
                            "title": {"type": "string"}, "markdown": {"type": "string"}, "html": {"type": "string"}}}},
                        "sections": {"type": "array", "items": {"type": "object", "properties": {
                            "title": {"type": "string"}, "markdown": {"type": "string"}, "html": {"type": "string"}}}},
                        "url": {"type": "string"}
                    }
    })
}
