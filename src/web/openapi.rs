//! The OpenAPI 3.1 description of `/api/v1`, written by hand next to the handlers it describes.

use axum::Json;
use serde_json::{json, Value};

pub async fn document() -> Json<Value> {
    Json(spec())
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
                    "description": "Full-text search in Italian and English with acronym expansion, typo correction and legal references (\"art. 53\", \"2021/1060\"). An empty q lists guides by title.",
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
                    "required": ["id", "title", "lang", "funds", "phase", "topics", "snippet", "url", "score"],
                    "properties": {
                        "id": {"type": "string"}, "title": {"type": "string"}, "lang": {"type": "string", "enum": ["it", "en"]},
                        "funds": {"type": "array", "items": {"$ref": "#/components/schemas/Fund"}},
                        "phase": {"type": "string"}, "topics": {"type": "array", "items": {"type": "string"}},
                        "snippet": {"type": "string", "description": "HTML; matched words in <mark>, the rest escaped"},
                        "url": {"type": "string"}, "score": {"type": "number"}
                    }
                },
                "FacetCounts": {"type": "object", "additionalProperties": {"type": "integer"}},
                "SearchResponse": {
                    "type": "object",
                    "required": ["total", "page", "hits", "facets"],
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
                        "took_ms": {"type": "number"}
                    }
                },
                "Guide": {
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
                        "intro": {"type": "string", "description": "HTML"},
                        "steps": {"type": "array", "items": {"type": "object", "properties": {
                            "number": {"type": "integer"}, "title": {"type": "string"}, "markdown": {"type": "string"}, "html": {"type": "string"}}}},
                        "sections": {"type": "array", "items": {"type": "object", "properties": {
                            "title": {"type": "string"}, "markdown": {"type": "string"}, "html": {"type": "string"}}}},
                        "url": {"type": "string"}
                    }
                }
            }
        }
    })
}
