//! Markdown rendering that no specification can use to attack its readers.
//!
//! Control text is written by many people in many organisations and shown to
//! everyone, so raw HTML in it is never passed through: it is shown as text.
//! Links are kept only for `http`, `https` and `mailto` URLs and relative
//! references; images are replaced by their description, so that a page never
//! loads anything a specification author chose.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};

/// Renders Markdown to HTML that is safe to embed in a page.
pub fn render(text: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut in_image = 0usize;
    let events = Parser::new_ext(text, options).filter_map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
        Event::Start(Tag::Image { .. }) => {
            in_image += 1;
            None
        }
        Event::End(TagEnd::Image) => {
            in_image = in_image.saturating_sub(1);
            None
        }
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Some(Event::Start(Tag::Link {
            link_type,
            dest_url: if is_safe_url(&dest_url) {
                dest_url
            } else {
                CowStr::Borrowed("#unsafe-link-removed")
            },
            title,
            id,
        })),
        other => Some(other),
    });
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    html::push_html(&mut out, events);
    out
}

/// Plain-text safe schemes plus scheme-less (relative) references.
fn is_safe_url(url: &str) -> bool {
    let lower: String = url
        .trim()
        .chars()
        .filter(|c| !c.is_control() && !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    match lower.find(':') {
        None => true,
        Some(colon) => {
            // A colon after a path or query character is not a scheme.
            if lower[..colon].contains(['/', '?', '#']) {
                return true;
            }
            matches!(&lower[..colon], "http" | "https" | "mailto")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn renders_ordinary_markdown() {
        let html = render("Use **MFA** and `tokens`.\n\n- one\n- two\n");
        assert!(html.contains("<strong>MFA</strong>"));
        assert!(html.contains("<code>tokens</code>"));
        assert!(html.contains("<li>one</li>"));
    }

    #[test]
    fn raw_html_is_shown_as_text() {
        let html = render("Hi <script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn dangerous_links_are_neutralised() {
        for bad in [
            "[x](javascript:alert(1))",
            "[x](JaVaScRiPt:alert(1))",
            "[x](data:text/html;base64,PHNjcmlwdD4=)",
            "[x](vbscript:msgbox)",
        ] {
            let html = render(bad);
            assert!(html.contains("#unsafe-link-removed"), "{bad} -> {html}");
            assert!(!html.to_lowercase().contains("script:"), "{bad} -> {html}");
        }
        assert!(
            render("[x](https://example.org/a:b)").contains("href=\"https://example.org/a:b\"")
        );
        assert!(render("[x](/specs/a)").contains("href=\"/specs/a\""));
        assert!(render("[x](mailto:sec@example.org)").contains("mailto:"));
    }

    #[test]
    fn images_become_their_description() {
        let html = render("![tracking pixel](https://evil.example/p.png)");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("tracking pixel"), "{html}");
    }
}
