//! Reading page forms, and showing what was wrong with them.
//!
//! [`PageForm`] replaces axum's `Form` for pages: its rejection is a page
//! with a sentence naming the field, never the deserializer's own text.
//! [`FieldErrors`] carries messages per field back to the page that shows
//! the form again, so what was typed is kept and the problem sits next to
//! the field it is about.

use crate::error::{Error, PageError};
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;

/// A submitted `application/x-www-form-urlencoded` form.
pub struct PageForm<T>(pub T);

impl<T, S> FromRequest<S> for PageForm<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_form = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(PageError(Error::BadRequest(
                "this address takes a form sent from its page; go back to the page and submit the form there".into(),
            )));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            PageError(if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                Error::PayloadTooLarge("what you sent is too large for this form".into())
            } else {
                Error::BadRequest("the form could not be read; please submit it again".into())
            })
        })?;
        serde_urlencoded::from_bytes(&bytes)
            .map(PageForm)
            .map_err(|e| PageError(Error::BadRequest(human(&e.to_string()))))
    }
}

/// A sentence for a form that does not fit its fields. Every page form
/// field is text, so what can go wrong is a missing field, or bytes that
/// are not a form at all.
fn human(serde_message: &str) -> String {
    match serde_message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
    {
        Some(field) => format!(
            "{} is missing; fill it in and submit the form again",
            label(field)
        ),
        None => "the form could not be read; please submit it again from its page".into(),
    }
}

/// The first value of field `name` in a form read as pairs (forms whose
/// fields repeat or vary), or "" when it is absent.
pub fn field<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// Every value of a repeated field `name`, in order.
pub fn values<'a>(form: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    form.iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

/// Whether the form has field `name` at all (a checkbox, a button).
pub fn has(form: &[(String, String)], name: &str) -> bool {
    form.iter().any(|(k, _)| k == name)
}

/// How a field is named to people: `first_line` becomes "First line".
pub fn label(field: &str) -> String {
    let spaced = field.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => spaced,
    }
}

/// Reads a whole number typed into a field, with a message that names the
/// field as the page labels it.
pub fn whole_number(raw: &str, label: &str) -> Result<i64, String> {
    raw.trim()
        .parse()
        .map_err(|_| format!("{label} must be a whole number"))
}

/// Problems with a form, by field name, to show next to each field.
#[derive(Debug, Default, Clone)]
pub struct FieldErrors(BTreeMap<&'static str, String>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// One field's problem.
    pub fn single(field: &'static str, message: impl Into<String>) -> Self {
        let mut e = Self::new();
        e.add(field, message);
        e
    }

    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        let mut m: String = message.into();
        if let Some(first) = m.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        self.0.insert(field, m);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The message for `field`, or an empty string; templates show it when
    /// it is not empty.
    pub fn get(&self, field: &str) -> &str {
        self.0.get(field).map_or("", String::as_str)
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }
}

#[cfg(test)]
mod tests {
    use super::{FieldErrors, human, label, whole_number};

    #[test]
    fn messages_name_the_field_in_words() {
        assert_eq!(
            human("missing field `first_line`"),
            "First line is missing; fill it in and submit the form again"
        );
        assert!(!human("invalid digit found in string").contains("digit"));
        assert_eq!(label("title"), "Title");
        assert_eq!(
            whole_number("1a", "From line"),
            Err("From line must be a whole number".into())
        );
        assert_eq!(whole_number(" 7 ", "From line"), Ok(7));
        let e = FieldErrors::single("body", "a comment needs text");
        assert_eq!(e.get("body"), "A comment needs text");
        assert_eq!(e.get("title"), "");
    }
}
