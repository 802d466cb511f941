//! The confirmation page that stands before every weighty or irreversible
//! action (merging, rejecting, withdrawing, closing or cancelling a ballot,
//! publishing a release, removing a role). It says in plain words what will
//! happen; only its button, a form posting to the action's own route, does
//! anything. Handlers that show it check access exactly as the action does.

use crate::auth::viewer::Chrome;
use askama::Template;

/// A free-text field the action takes, such as a reason.
pub struct TextField {
    pub name: &'static str,
    pub label: &'static str,
    pub required: bool,
    pub value: String,
}

#[derive(Template)]
#[template(path = "confirm/show.html")]
pub struct ConfirmPage {
    pub title: String,
    pub chrome: Chrome,
    /// Links above the heading: (address, text).
    pub crumbs: Vec<(String, String)>,
    /// What will happen, one sentence each.
    pub consequences: Vec<String>,
    /// Where the button posts.
    pub action: String,
    /// Hidden fields the action needs: (name, value).
    pub hidden: Vec<(&'static str, String)>,
    pub field: Option<TextField>,
    pub button: String,
    /// Where "Cancel" goes: the page the person came from.
    pub back: String,
}

impl ConfirmPage {
    /// A confirmation with no hidden or text fields.
    pub fn new(
        title: String,
        chrome: Chrome,
        action: String,
        button: impl Into<String>,
        back: String,
    ) -> Self {
        ConfirmPage {
            title,
            chrome,
            crumbs: Vec::new(),
            consequences: Vec::new(),
            action,
            hidden: Vec::new(),
            field: None,
            button: button.into(),
            back,
        }
    }

    pub fn crumb(mut self, href: impl Into<String>, text: impl Into<String>) -> Self {
        self.crumbs.push((href.into(), text.into()));
        self
    }

    pub fn says(mut self, sentence: impl Into<String>) -> Self {
        self.consequences.push(sentence.into());
        self
    }

    pub fn hidden(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.hidden.push((name, value.into()));
        self
    }

    pub fn field(mut self, field: TextField) -> Self {
        self.field = Some(field);
        self
    }
}
