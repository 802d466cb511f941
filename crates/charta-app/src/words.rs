//! Times as people read them, in UTC: on pages, in the work lists and in
//! messages, so that a deadline reads the same everywhere.

/// Formats a timestamp as a date a reader can scan, in UTC.
pub fn date(t: time::OffsetDateTime) -> String {
    format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day())
}

/// Formats a timestamp as date and minute, in UTC, such as
/// `2026-11-20 14:05 UTC`: for events where the time of day matters, like
/// votes and deadlines.
pub fn datetime(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!("{} {:02}:{:02} UTC", date(t), t.hour(), t.minute())
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A day as people write it, in UTC, such as `3 December 2026`.
pub fn day(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    let month = MONTHS[usize::from(u8::from(t.month())) - 1];
    format!("{} {month} {}", t.day(), t.year())
}

/// A moment as people write it, in UTC, such as
/// `3 December 2026, 09:12 UTC`: pages never show RFC 3339.
pub fn when(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!("{}, {:02}:{:02} UTC", day(t), t.hour(), t.minute())
}

/// [`when`] for a timestamp stored as RFC 3339 text (audit entries keep
/// the exact text they hashed); text that does not parse is shown as is.
pub fn when_text(rfc3339: &str) -> String {
    time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .map_or_else(|_| rfc3339.to_string(), when)
}
