//! Uploading and downloading files. Downloads are always `Content-Disposition: attachment`
//! with `nosniff` and a sandboxing CSP, so nothing uploaded can run in the browser.

use axum::Json;
use axum::body::Body;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use desk_core::{MAX_ATTACHMENT_BYTES, Upload};
use std::fmt::Write;

use uuid::Uuid;

use crate::AppState;
use crate::dto::{Attachment, Items};
use crate::error::{ApiResult, AppError};
use crate::extract::{Auth, IdPath};

/// Stores the `file` part of a multipart form on the ticket.
pub async fn upload(
    State(s): State<AppState>,
    Auth(p): Auth,
    IdPath(id): IdPath,
    form: Result<Multipart, MultipartRejection>,
) -> ApiResult<(StatusCode, Json<Attachment>)> {
    // A ticket the caller cannot see is 404 whatever the body.
    s.desk.get_ticket(&p, id).await?;
    let mut form = form.map_err(|_| {
        AppError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "send the file as multipart/form-data")
    })?;
    let mut upload = Upload { filename: String::new(), content_type: None, data: Vec::new(), comment_id: None, internal: false };
    let mut got_file = false;
    while let Some(field) = form.next_field().await.map_err(|e| bad_form(&e.body_text()))? {
        match field.name().unwrap_or_default() {
            "file" => {
                upload.filename = field.file_name().unwrap_or("file").to_owned();
                upload.content_type = field.content_type().map(str::to_owned);
                upload.data = field.bytes().await.map_err(|e| bad_form(&e.body_text()))?.to_vec();
                got_file = true;
            }
            "comment_id" => {
                let text = field.text().await.map_err(|e| bad_form(&e.body_text()))?;
                upload.comment_id =
                    Some(Uuid::try_parse(text.trim()).map_err(|_| AppError::field("comment_id", "is not an id"))?);
            }
            "internal" => upload.internal = field.text().await.map_err(|e| bad_form(&e.body_text()))?.trim() == "true",
            other => return Err(AppError::field(other, "unknown form field; send file, comment_id, internal")),
        }
    }
    if !got_file {
        return Err(AppError::field("file", "is required"));
    }
    let record = s.desk.add_attachment(&p, id, upload).await?;
    Ok((StatusCode::CREATED, Json(record.into())))
}

fn bad_form(detail: &str) -> AppError {
    if detail.contains("length limit") {
        return AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("files are limited to {} MiB", MAX_ATTACHMENT_BYTES >> 20),
        );
    }
    AppError::new(StatusCode::BAD_REQUEST, "bad_request", "the multipart form could not be read")
}

/// The files of a ticket.
pub async fn list(State(s): State<AppState>, Auth(p): Auth, IdPath(id): IdPath) -> ApiResult<Json<Items<Attachment>>> {
    Ok(Json(Items::of(s.desk.list_attachments(&p, id).await?)))
}

/// The file itself.
pub async fn download(State(s): State<AppState>, Auth(p): Auth, IdPath(id): IdPath) -> ApiResult<Response> {
    let (record, data) = s.desk.get_attachment(&p, id).await?;
    let mut res = Body::from(data).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&record.content_type).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    let disposition = format!(
        "attachment; filename=\"{}\"; filename*=UTF-8''{}",
        ascii_fallback(&record.filename),
        percent_encode(&record.filename)
    );
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition).unwrap_or(HeaderValue::from_static("attachment")));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(res)
}

fn ascii_fallback(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' }).collect()
}

fn percent_encode(name: &str) -> String {
    let mut out = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disposition_names_are_safe() {
        assert_eq!(ascii_fallback("résumé \"x\".pdf"), "r_sum_ _x_.pdf");
        assert_eq!(percent_encode("a b/é"), "a%20b%2F%C3%A9");
    }
}
