//! `AppError`: every failure leaves as `{"error": {"code", "message", "fields"?}}` with a
//! stable code; internals are logged, never sent.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use desk_core::CoreError;
use desk_domain::validate::FieldError;
use serde::Serialize;

/// An error on its way to the client.
#[derive(Debug)]
pub struct AppError {
    status: StatusCode,
    code: &'static str,
    message: String,
    fields: Vec<FieldError>,
}

#[derive(Serialize, schemars::JsonSchema)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize, schemars::JsonSchema)]
struct Inner<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    #[schemars(with = "Vec<FieldErrorSchema>")]
    fields: &'a [FieldError],
}

/// The error body as documented in OpenAPI.
#[derive(Serialize, schemars::JsonSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorInner,
}

/// The error's stable code and a human message.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ErrorInner {
    /// Stable, machine-readable: unauthorized, forbidden (the role lacks a permission), not_allowed (a rule about this record), not_found, validation_failed, conflict, invalid_transition, bad_request, payload_too_large, unsupported_media_type, method_not_allowed, internal.
    pub code: String,
    /// For people.
    pub message: String,
    /// For validation_failed: which fields and why.
    pub fields: Option<Vec<FieldErrorSchema>>,
}

/// One invalid field.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct FieldErrorSchema {
    pub field: String,
    pub message: String,
}

impl AppError {
    /// An error with a status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), fields: Vec::new() }
    }

    /// 404, the same for "does not exist" and "belongs to someone else".
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "no such resource")
    }

    /// 422 on one field.
    pub fn field(field: &str, message: &str) -> Self {
        CoreError::field(field, message).into()
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The body's content, for embedding in a larger answer (bulk results).
    pub fn inner(&self) -> ErrorInner {
        ErrorInner {
            code: self.code.to_owned(),
            message: self.message.clone(),
            fields: (!self.fields.is_empty()).then(|| {
                self.fields.iter().map(|f| FieldErrorSchema { field: f.field.clone(), message: f.message.clone() }).collect()
            }),
        }
    }
}

impl From<CoreError> for AppError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::Unauthorized => Self::new(StatusCode::UNAUTHORIZED, "unauthorized", "a valid bearer token is required"),
            CoreError::Forbidden(m) => Self::new(StatusCode::FORBIDDEN, "forbidden", m),
            CoreError::NotAllowed(m) => Self::new(StatusCode::FORBIDDEN, "not_allowed", m),
            CoreError::NotFound => Self::not_found(),
            CoreError::Validation(fields) => {
                let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
                let message = format!("invalid input: {}", names.join(", "));
                Self { status: StatusCode::UNPROCESSABLE_ENTITY, code: "validation_failed", message, fields }
            }
            CoreError::Conflict(m) => Self::new(StatusCode::CONFLICT, "conflict", m),
            CoreError::Transition(t) => Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_transition", t.to_string()),
            CoreError::InvalidTransition(m) => Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_transition", m),
            CoreError::TooLarge(m) => Self::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", m),
            CoreError::Unavailable(m) => Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", m),
            CoreError::RateLimited(seconds) => Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("too many failed attempts; try again in {seconds} seconds"),
            ),
            CoreError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "something went wrong on our side; it has been logged")
            }
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body = Body { error: Inner { code: self.code, message: &self.message, fields: &self.fields } };
        (self.status, Json(body)).into_response()
    }
}

/// Result of handlers.
pub type ApiResult<T> = Result<T, AppError>;
