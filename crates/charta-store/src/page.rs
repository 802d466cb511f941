//! Keyset pagination: a page starts after the position of the last row the
//! client saw, never at an offset, so reading page 1,000 costs what reading
//! page 1 costs and rows written meanwhile neither repeat nor go missing.
//!
//! Each list orders its rows by a [`PageKey`] (a text such as a name, then a
//! number such as an id, or the number alone) that is unique within the
//! list; the statement asks for the rows after the key and one more than the
//! page holds, which says whether another page follows.

/// A row's position in its list's order. Lists ordered by a number alone
/// leave `text` empty.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PageKey {
    pub text: String,
    pub number: i64,
}

impl PageKey {
    /// The position of a row in a list ordered by a number alone.
    pub fn number(number: i64) -> Self {
        Self {
            text: String::new(),
            number,
        }
    }
}

/// Which page to read: the rows after `after` (from the start when `None`),
/// at most `limit` of them.
#[derive(Clone, Debug)]
pub struct PageRequest {
    pub after: Option<PageKey>,
    pub limit: i64,
}

impl PageRequest {
    /// The first page of `limit` rows.
    pub fn first(limit: i64) -> Self {
        Self { after: None, limit }
    }

    /// How many rows to ask for: one more than the page holds, to learn
    /// whether another page follows. At least one, since PostgreSQL refuses
    /// a negative limit and SQLite reads it as none.
    pub(crate) fn fetch(&self) -> i64 {
        self.limit.max(1).saturating_add(1)
    }

    /// The start of an ascending list: every key sorts after it.
    pub(crate) fn after_ascending(&self) -> PageKey {
        self.after.clone().unwrap_or_default()
    }

    /// The start of a list ordered by a descending number.
    pub(crate) fn before_descending(&self) -> i64 {
        self.after.as_ref().map_or(i64::MAX, |k| k.number)
    }
}

/// One page of a list and the key to ask for the next one with.
#[derive(Clone, Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// `None` on the last page.
    pub next: Option<PageKey>,
}

impl<T> Page<T> {
    /// Cuts the extra row fetched by [`PageRequest::fetch`] off `rows`; its
    /// presence means the next page starts after the last row kept.
    pub(crate) fn from_rows(
        mut rows: Vec<T>,
        request: &PageRequest,
        key: impl Fn(&T) -> PageKey,
    ) -> Self {
        let limit = usize::try_from(request.limit.max(1)).unwrap_or(usize::MAX);
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next = if more { rows.last().map(key) } else { None };
        Self { items: rows, next }
    }
}
