//! Input validation shared by every entry point (API, CLI, import).

/// A field that failed validation and why, for a 422 naming the fields.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    /// The field's name as the client sent it.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// Collects field errors; empty means valid.
#[derive(Debug, Default)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    /// Records a problem with `field`.
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError { field: field.to_owned(), message: message.into() });
    }

    /// Checks that a trimmed text is non-empty and at most `max` characters.
    pub fn text(&mut self, field: &str, value: &str, max: usize) {
        let n = value.trim().chars().count();
        if value.contains('\0') {
            self.add(field, "must not contain NUL characters");
        } else if n == 0 {
            self.add(field, "must not be empty");
        } else if n > max {
            self.add(field, format!("must be at most {max} characters"));
        }
    }

    /// Checks the rough shape of an email address (one `@`, something each side, a dot in the domain).
    pub fn email(&mut self, field: &str, value: &str) {
        let ok = value.len() <= 254
            && value.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
            })
            && !value.chars().any(char::is_whitespace);
        if !ok {
            self.add(field, "must be an email address");
        }
    }

    /// Checks a tenant slug: 2–32 of lowercase letters, digits and dashes, starting with a letter.
    pub fn slug(&mut self, field: &str, value: &str) {
        let ok = (2..=32).contains(&value.len())
            && value.starts_with(|c: char| c.is_ascii_lowercase())
            && value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !ok {
            self.add(field, "must be 2-32 lowercase letters, digits or dashes, starting with a letter");
        }
    }

    /// Checks a password's length (10–1024 characters).
    pub fn password(&mut self, field: &str, value: &str) {
        let n = value.chars().count();
        if n < 10 {
            self.add(field, "must be at least 10 characters");
        } else if n > 1024 {
            self.add(field, "must be at most 1024 characters");
        }
    }

    /// `Ok` when nothing was recorded.
    pub fn finish(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() { Ok(()) } else { Err(self.0) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        for (s, ok) in [("acme", true), ("a1-b", true), ("A", false), ("1abc", false), ("ac me", false), ("x", false)] {
            let mut e = Errors::default();
            e.slug("slug", s);
            assert_eq!(e.finish().is_ok(), ok, "{s}");
        }
    }

    #[test]
    fn emails() {
        for (s, ok) in [("a@b.co", true), ("a@b", false), ("@b.co", false), ("a b@c.de", false), ("a@.de", false)] {
            let mut e = Errors::default();
            e.email("email", s);
            assert_eq!(e.finish().is_ok(), ok, "{s}");
        }
    }
}
