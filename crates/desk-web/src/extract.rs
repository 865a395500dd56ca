//! Extractors whose rejections speak our JSON error shape instead of axum's plain text.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use desk_core::Principal;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::error::AppError;

/// The signed-in caller, put in place by the route's permission guard.
#[derive(Debug, Clone)]
pub struct Auth(pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for Auth {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Principal>().cloned().map(Auth).ok_or_else(|| desk_core::CoreError::Unauthorized.into())
    }
}

/// The bearer token of the request, as sent.
pub fn bearer(parts: &axum::http::HeaderMap) -> Option<&str> {
    let value = parts.get(axum::http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// A JSON body; malformed JSON is 400, a wrong shape 422 naming the problem, a missing
/// content type 415, an oversized body 413.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Self(v)),
            Err(e) => Err(json_rejection(&e)),
        }
    }
}

fn json_rejection(e: &JsonRejection) -> AppError {
    match e {
        JsonRejection::JsonDataError(d) => {
            let detail = d.body_text();
            let message = detail.split_once(": ").map_or(detail.as_str(), |(_, m)| m).to_owned();
            let field = message.split('`').nth(1).filter(|_| message.contains("field")).unwrap_or("body").to_owned();
            AppError::field(&field, &message)
        }
        JsonRejection::JsonSyntaxError(_) => AppError::new(StatusCode::BAD_REQUEST, "bad_request", "the body is not valid JSON"),
        JsonRejection::MissingJsonContentType(_) => {
            AppError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "send the body as application/json")
        }
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            AppError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "the body is too large")
        }
        _ => AppError::new(StatusCode::BAD_REQUEST, "bad_request", "the body could not be read"),
    }
}

/// Query parameters; a wrong shape is 422.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Self(v)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => {
                let text = e.body_text();
                let message = text.split_once(": ").map_or(text.as_str(), |(_, m)| m).to_owned();
                Err(AppError::field("query", &message))
            }
            Err(_) => Err(AppError::field("query", "could not be read")),
        }
    }
}

/// The `{id}` of a path. Anything that is not a UUID names nothing: 404.
pub struct IdPath(pub Uuid);

impl<S: Send + Sync> FromRequestParts<S> for IdPath {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state).await.map_err(|_| AppError::not_found())?;
        Uuid::try_parse(&raw).map(Self).map_err(|_| AppError::not_found())
    }
}

/// Deserialises a field that may be absent (`None`), `null` (`Some(None)`) or a value.
pub fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    serde::Deserialize::deserialize(d).map(Some)
}

/// The client's address as the connection saw it (`unknown` when served without one).
#[derive(Debug, Clone)]
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(desk_ui::session::client_addr(&parts.extensions)))
    }
}
