//! Files on tickets. Stored once per tenant by SHA-256 inside the database (both backends), so
//! a file is committed with its row, travels with backups and serves every server process.

use desk_domain::permissions as perm;
use desk_store::{AttachmentRecord, NewAttachment, Principal};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::tickets::scope_of;
use crate::{CoreError, CoreResult, Desk, now_ms, require};

/// Largest file accepted: 10 MiB.
pub const MAX_ATTACHMENT_BYTES: usize = 10 << 20;

/// A file as uploaded.
#[derive(Debug, Clone)]
pub struct Upload {
    pub filename: String,
    pub content_type: Option<String>,
    pub data: Vec<u8>,
    /// Attach to this comment of the ticket.
    pub comment_id: Option<Uuid>,
    /// Staff only: hidden from customers.
    pub internal: bool,
}

/// Keeps the last path component, drops control characters and quotes, and bounds the length.
pub fn clean_filename(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base.chars().filter(|c| !c.is_control() && !matches!(c, '"' | '\'')).take(200).collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    if cleaned.is_empty() { "file".to_owned() } else { cleaned }
}

/// A `type/subtype` made only of token characters, or `application/octet-stream`.
pub fn clean_content_type(raw: Option<&str>) -> String {
    let raw = raw.unwrap_or_default().split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    let token = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "!#$&-^_.+".contains(c));
    match raw.split_once('/') {
        Some((t, s)) if token(t) && token(s) && raw.len() <= 100 => raw,
        _ => "application/octet-stream".to_owned(),
    }
}

impl Desk {
    /// Stores a file on a ticket the caller may see.
    pub async fn add_attachment(&self, p: &Principal, ticket_id: Uuid, upload: Upload) -> CoreResult<AttachmentRecord> {
        require(p, perm::ATTACHMENTS_WRITE)?;
        if upload.internal && !p.can(perm::NOTES_INTERNAL) {
            return Err(CoreError::Forbidden("internal attachments need notes:internal".into()));
        }
        if upload.data.len() > MAX_ATTACHMENT_BYTES {
            return Err(CoreError::TooLarge(format!("files are limited to {} MiB", MAX_ATTACHMENT_BYTES >> 20)));
        }
        if upload.data.is_empty() {
            return Err(CoreError::field("file", "is empty"));
        }
        let sha256 = Sha256::digest(&upload.data).iter().fold(String::with_capacity(64), |mut s, b| {
            use std::fmt::Write;
            let _ = write!(s, "{b:02x}");
            s
        });
        let new = NewAttachment {
            ticket_id,
            comment_id: upload.comment_id,
            uploader_id: p.user.id,
            filename: clean_filename(&upload.filename),
            content_type: clean_content_type(upload.content_type.as_deref()),
            sha256,
            internal: upload.internal,
            data: upload.data,
        };
        Ok(self.store.add_attachment(&p.ctx, &scope_of(p), new, now_ms()).await?)
    }

    /// The attachments of a ticket the caller may see.
    pub async fn list_attachments(&self, p: &Principal, ticket_id: Uuid) -> CoreResult<Vec<AttachmentRecord>> {
        require(p, perm::TICKETS_READ)?;
        Ok(self.store.list_attachments(&p.ctx, &scope_of(p), ticket_id, p.can(perm::NOTES_INTERNAL)).await?)
    }

    /// One attachment and its bytes.
    pub async fn get_attachment(&self, p: &Principal, id: Uuid) -> CoreResult<(AttachmentRecord, Vec<u8>)> {
        require(p, perm::TICKETS_READ)?;
        Ok(self.store.get_attachment(&p.ctx, &scope_of(p), id, p.can(perm::NOTES_INTERNAL)).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filenames_lose_paths_and_quotes() {
        for (raw, want) in [
            ("report.pdf", "report.pdf"),
            ("../../etc/passwd", "passwd"),
            ("C:\\Users\\x\\a.txt", "a.txt"),
            ("a\"b\r\n.txt", "ab.txt"),
            ("", "file"),
            ("...", "file"),
            (".htaccess", "htaccess"),
        ] {
            assert_eq!(clean_filename(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn content_types_are_tokens_or_octet_stream() {
        assert_eq!(clean_content_type(Some("image/PNG; charset=x")), "image/png");
        assert_eq!(clean_content_type(Some("text/html\r\nX: y")), "application/octet-stream");
        assert_eq!(clean_content_type(None), "application/octet-stream");
        assert_eq!(clean_content_type(Some("nonsense")), "application/octet-stream");
    }
}
