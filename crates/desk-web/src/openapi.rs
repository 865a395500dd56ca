//! The OpenAPI 3.0 document, generated from the route table and the DTOs' derived schemas.

use schemars::r#gen::SchemaSettings;
use serde_json::{Map, Value, json};

use crate::error::ErrorBody;
use crate::routes::RouteDef;

/// Builds the document for these routes.
pub fn document(routes: &[RouteDef]) -> Value {
    let mut g = SchemaSettings::openapi3().into_generator();
    let error = serde_json::to_value(g.subschema_for::<ErrorBody>()).unwrap_or_default();
    let err = |description: &str| json!({"description": description, "content": {"application/json": {"schema": error}}});
    let mut paths: Map<String, Value> = Map::new();
    for r in routes {
        let mut responses = Map::new();
        let (status, body) = r.response;
        let mut ok = json!({"description": "success"});
        if let Some(f) = body {
            ok["content"] = json!({"application/json": {"schema": f(&mut g)}});
        }
        responses.insert(status.to_string(), ok);
        let mut op = json!({
            "operationId": format!("{}_{}", r.method.as_str().to_lowercase(), r.path.trim_start_matches('/').replace(['/', '{', '}', '.'], "_")),
            "summary": r.summary,
            "tags": [r.tag],
        });
        if let Some(p) = r.permission {
            op["security"] = json!([{"bearer": []}]);
            op["x-permission"] = json!(p);
            responses.insert("401".into(), err("no valid bearer token"));
            responses.insert("403".into(), err(&format!("the role lacks {p}")));
        }
        if r.resource.is_some() {
            op["parameters"] =
                json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}]);
            responses.insert("404".into(), err("no such record in the caller's tenant"));
        }
        if let Some(f) = r.request {
            op["requestBody"] =
                json!({"required": true, "content": {"application/json": {"schema": f(&mut g), "example": r.example}}});
            responses.insert("422".into(), err("invalid input; fields names them"));
        }
        op["responses"] = Value::Object(responses);
        let entry = paths.entry(r.path.to_owned()).or_insert_with(|| json!({}));
        entry[r.method.as_str().to_lowercase()] = op;
    }
    let schemas = serde_json::to_value(g.definitions()).unwrap_or_default();
    json!({
        "openapi": "3.0.3",
        "info": {"title": "CustomerDesk API", "version": env!("CARGO_PKG_VERSION")},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "A token from POST /api/v1/auth/login"}}
        }
    })
}
