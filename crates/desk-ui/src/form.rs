//! A form that may carry files: `application/x-www-form-urlencoded` or `multipart/form-data`,
//! read into text fields and files the same way, so one handler serves both.

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header;
use desk_core::CoreError;

use crate::session::Failure;

/// A file sent with a form.
pub struct FormFile {
    pub filename: String,
    pub content_type: Option<String>,
    pub data: Vec<u8>,
}

/// The fields and files of a form.
#[derive(Default)]
pub struct FilesForm {
    fields: Vec<(String, String)>,
    /// Non-empty files, in the order sent.
    pub files: Vec<FormFile>,
}

impl FilesForm {
    /// The first value of a text field, or `""`.
    pub fn text(&self, name: &str) -> &str {
        self.fields.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
    }

    /// Refuses files the caller may not attach, before anything is written.
    pub fn check_files(&self, p: &desk_core::Principal) -> Result<(), Failure> {
        if !self.files.is_empty() && !p.can(desk_domain::permissions::ATTACHMENTS_WRITE) {
            return Err(Failure(CoreError::Forbidden("attaching files needs attachments:write".into())));
        }
        if self.files.iter().map(|f| f.data.len()).sum::<usize>() > desk_core::MAX_ATTACHMENT_BYTES {
            return Err(Failure(CoreError::TooLarge(format!(
                "files are limited to {} MiB",
                desk_core::MAX_ATTACHMENT_BYTES >> 20
            ))));
        }
        Ok(())
    }

    /// Whether a field was sent (a checked checkbox).
    pub fn has(&self, name: &str) -> bool {
        self.fields.iter().any(|(k, _)| k == name)
    }
}

impl<S: Send + Sync> FromRequest<S> for FilesForm {
    type Rejection = Failure;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        let bad = |what: &str| Failure(CoreError::field("form", what));
        if !multipart {
            let axum::Form(fields) =
                axum::Form::<Vec<(String, String)>>::from_request(req, state).await.map_err(|_| bad("could not be read"))?;
            return Ok(Self { fields, files: Vec::new() });
        }
        let mut parts = Multipart::from_request(req, state).await.map_err(|_| bad("could not be read"))?;
        let mut form = Self::default();
        while let Some(field) = parts.next_field().await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                Failure(CoreError::TooLarge(format!("files are limited to {} MiB", desk_core::MAX_ATTACHMENT_BYTES >> 20)))
            } else {
                bad("could not be read")
            }
        })? {
            let name = field.name().unwrap_or_default().to_owned();
            if let Some(filename) = field.file_name().map(str::to_owned) {
                let content_type = field.content_type().map(str::to_owned);
                let data = field.bytes().await.map_err(|_| bad("a file could not be read"))?;
                // An empty file input sends a nameless empty part; an empty file is nothing to keep.
                if !data.is_empty() {
                    form.files.push(FormFile { filename, content_type, data: data.to_vec() });
                }
            } else {
                let value = field.text().await.map_err(|_| bad("a field could not be read"))?;
                form.fields.push((name, value));
            }
        }
        Ok(form)
    }
}
