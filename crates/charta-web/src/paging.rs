//! Bounded lists. Every list the API returns comes a page at a time:
//! `?limit=` says how many items (1 to [`MAX_LIMIT`], [`DEFAULT_LIMIT`]
//! when absent) and `?after=` where to start. A page that has a successor
//! says so in a `Link: <…>; rel="next"` header holding the absolute address
//! of the next page; the last page has no such header. The body stays the
//! JSON array it always was, so clients that read one page keep working.
//!
//! Cursors are opaque to clients: the hex encoding of the last item's
//! position in the list's order (see [`charta_store::PageKey`]). The store
//! reads the page after that position with an indexed `WHERE … > key`, so
//! deep pages cost what the first one costs. Lists filtered for the viewer
//! after reading (drafts, open ballots) may hold fewer than `limit` items
//! on a page that is not the last; only the missing `Link` ends a walk.

use crate::error::Error;
use axum::Json;
use axum::http::{HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use charta_store::{PageKey, PageRequest};
use serde::{Deserialize, Serialize};

/// Items on a page when the client does not say.
pub const DEFAULT_LIMIT: i64 = 50;
/// Most items on one page.
pub const MAX_LIMIT: i64 = 200;

/// The page a client asks for, as sent; [`PageParams::request`] checks it.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// How many items to return, 1 to 200 (50 when absent).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// Where to start: the cursor in the previous page's `Link: <…>;
    /// rel="next"` address. Absent for the first page.
    pub after: Option<String>,
}

impl PageParams {
    /// Checks the limit and decodes the cursor, refusing either with a
    /// message that says what would be accepted.
    pub fn request(&self) -> Result<PageRequest, Error> {
        let limit = match self.limit.as_deref() {
            None => DEFAULT_LIMIT,
            Some(raw) => match raw.trim().parse::<i64>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
                _ => {
                    return Err(Error::BadRequest(format!(
                        "limit must be a whole number from 1 to {MAX_LIMIT}, not {raw:?}; leave it out for {DEFAULT_LIMIT}"
                    )));
                }
            },
        };
        let after = match self.after.as_deref() {
            None => None,
            Some(raw) => Some(decode(raw).ok_or_else(|| {
                Error::BadRequest(format!(
                    "after={raw:?} is not a cursor this list handed out; use the address in the previous page's Link header, or leave after out to start from the first page"
                ))
            })?),
        };
        Ok(PageRequest { after, limit })
    }
}

/// The cursor for `key`.
pub fn encode(key: &PageKey) -> String {
    hex::encode(format!("{}:{}", key.number, key.text))
}

/// The key a cursor stands for, if it is one [`encode`] made.
fn decode(cursor: &str) -> Option<PageKey> {
    let bytes = hex::decode(cursor).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (number, text) = text.split_once(':')?;
    Some(PageKey {
        number: number.parse().ok()?,
        text: text.to_string(),
    })
}

/// The address of the page after `next`: the request's own path and query
/// with `after` replaced, under the public address.
pub fn next_url(public_url: &str, uri: &Uri, next: &PageKey) -> String {
    let mut query: Vec<&str> = uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|pair| !pair.is_empty() && pair.split('=').next() != Some("after"))
        .collect();
    let after = format!("after={}", encode(next));
    query.push(&after);
    format!("{public_url}{}?{}", uri.path(), query.join("&"))
}

/// A page of a list as the API answers it: the items as a JSON array and,
/// unless this is the last page, a `Link` header to the next.
pub fn respond<T: Serialize>(
    public_url: &str,
    uri: &Uri,
    items: Vec<T>,
    next: Option<&PageKey>,
) -> Response {
    let mut resp = Json(items).into_response();
    if let Some(next) = next
        && let Ok(v) = HeaderValue::from_str(&format!(
            "<{}>; rel=\"next\"",
            next_url(public_url, uri, next)
        ))
    {
        resp.headers_mut().insert(header::LINK, v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(limit: Option<&str>, after: Option<&str>) -> PageParams {
        PageParams {
            limit: limit.map(str::to_string),
            after: after.map(str::to_string),
        }
    }

    #[test]
    fn cursors_round_trip_and_strangers_are_refused() {
        let key = PageKey {
            text: "Título: a:b".into(),
            number: 42,
        };
        let cursor = encode(&key);
        assert_eq!(decode(&cursor), Some(key));
        assert_eq!(
            decode(&encode(&PageKey::number(-3))),
            Some(PageKey::number(-3))
        );
        for bad in ["", "zz", "abc", &hex::encode("x:y"), &hex::encode("7")] {
            assert_eq!(decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn limits_outside_the_range_are_refused() {
        assert!(matches!(params(None, None).request(), Ok(r) if r.limit == DEFAULT_LIMIT));
        assert!(matches!(params(Some("200"), None).request(), Ok(r) if r.limit == 200));
        for bad in ["0", "201", "-1", "ten", ""] {
            assert!(
                matches!(params(Some(bad), None).request(), Err(Error::BadRequest(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            params(None, Some("nope")).request(),
            Err(Error::BadRequest(_))
        ));
    }

    #[test]
    fn the_next_address_keeps_the_query_and_replaces_the_cursor() {
        let uri: Uri = "/api/v1/search?q=a%20b&after=00&limit=2"
            .parse()
            .unwrap_or_default();
        let url = next_url("https://c.example", &uri, &PageKey::number(9));
        assert_eq!(
            url,
            format!(
                "https://c.example/api/v1/search?q=a%20b&limit=2&after={}",
                encode(&PageKey::number(9))
            )
        );
    }
}
