//! Reading the larger admin forms (rows of fields, checkbox lists) and showing their field
//! errors when a form comes back: a summary above it and each message beside its field, tied
//! to the field with `aria-invalid` and `aria-describedby`.

use axum::http::StatusCode;
use axum::response::Response;
use desk_core::CoreError;
use desk_domain::validate::FieldError;
use maud::{Markup, html};

use crate::session::{Ctx, Failure};

/// The problems the services (or the form's own parsing) found, by field name as the API names
/// them (`hours[2].end`, `targets[0].first_response_minutes`, `group_id`).
#[derive(Debug, Default)]
pub(crate) struct Invalid(pub Vec<FieldError>);

impl Invalid {
    /// Records a problem found while reading the form.
    pub fn add(&mut self, field: &str, message: &str) {
        self.0.push(FieldError { field: field.to_owned(), message: message.to_owned() });
    }

    /// Whether nothing is wrong.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The messages of one field, joined.
    pub fn message(&self, field: &str) -> Option<String> {
        let found: Vec<&str> = self.0.iter().filter(|e| e.field == field).map(|e| e.message.as_str()).collect();
        (!found.is_empty()).then(|| found.join("; "))
    }

    /// `aria-invalid` of the field.
    pub fn flag(&self, field: &str) -> Option<&'static str> {
        self.0.iter().any(|e| e.field == field).then_some("true")
    }

    /// `aria-describedby` of the input `id`: its hint (if any) and its message (if any).
    pub fn described(&self, field: &str, id: &str, hint: Option<&str>) -> Option<String> {
        let err = self.flag(field).map(|_| format!("{id}-err"));
        match (hint, err) {
            (Some(h), Some(e)) => Some(format!("{h} {e}")),
            (Some(h), None) => Some(h.to_owned()),
            (None, e) => e,
        }
    }

    /// The message beside the input `id`, if the field has one.
    pub fn note(&self, field: &str, id: &str) -> Markup {
        html! {
            @if let Some(m) = self.message(field) { small.field-error id={ (id) "-err" } { (m) } }
        }
    }

    /// Above the form: that something is wrong, and every problem with its field's name.
    pub fn summary(&self, ctx: &Ctx) -> Markup {
        html! {
            @if !self.is_empty() {
                div.alert role="alert" {
                    p { strong { (ctx.t.c.invalid_title) } }
                    ul.errors { @for e in &self.0 { li { code { (e.field) } ": " (e.message) } } }
                }
            }
        }
    }
}

/// A form's outcome: saved, or the field errors to show it again with. A settings document
/// clashes with another only by its name, so a conflict is shown beside the name.
pub(crate) fn split<T>(result: Result<T, CoreError>) -> Result<Result<T, Invalid>, Failure> {
    match result {
        Ok(v) => Ok(Ok(v)),
        Err(CoreError::Validation(fields)) => Ok(Err(Invalid(fields))),
        Err(CoreError::Conflict(message)) => Ok(Err(Invalid(vec![FieldError { field: "name".into(), message }]))),
        Err(e) => Err(Failure(e)),
    }
}

/// A re-shown form answers 422, a refused delete 409.
pub(crate) fn with_status(mut res: Response, status: StatusCode) -> Response {
    *res.status_mut() = status;
    res
}

/// A form's fields in the order sent; repeated names (checkbox lists) keep every value.
#[derive(Debug, Default)]
pub(crate) struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// The first value of a field, trimmed; `""` when absent.
    pub fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.trim())
    }

    /// Every non-empty value of a repeated field.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, v)| k == name && !v.trim().is_empty()).map(|(_, v)| v.trim()).collect()
    }

    /// Whether a field was sent (a ticked checkbox).
    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }
}

/// A whole number from a form field; `None` when empty, an error on the field otherwise.
pub(crate) fn number(raw: &str, field: &str, inv: &mut Invalid) -> Option<i64> {
    if raw.is_empty() {
        return None;
    }
    raw.parse().map_or_else(
        |_| {
            inv.add(field, "must be a whole number");
            None
        },
        Some,
    )
}

/// An id from a form field (a select's value); `None` when empty, an error on the field otherwise.
pub(crate) fn id(raw: &str, field: &str, inv: &mut Invalid) -> Option<uuid::Uuid> {
    if raw.is_empty() {
        return None;
    }
    uuid::Uuid::try_parse(raw).map_or_else(
        |_| {
            inv.add(field, "is not an id");
            None
        },
        Some,
    )
}
