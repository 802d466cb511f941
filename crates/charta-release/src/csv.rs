//! `crosswalk.csv`: the mappings as a spreadsheet.
//!
//! Auditors and compliance teams work in spreadsheets; a CSV crosswalk opens
//! in any of them. One row per mapping of every control (withdrawn ones
//! included, with their status, so the crosswalk shows the whole record),
//! in specification order, after one header row:
//!
//! `control_id,control_title,level,status,catalog,item_id,item_title,relationship,rationale`
//!
//! `relationship` is the OSCAL value read from the control to the item
//! (`subset-of` means the control asks for part of what the item requires).
//! The file follows RFC 4180: UTF-8 without a byte-order mark, CRLF line
//! ends, and a field in double quotes when it holds a comma, a double quote
//! (doubled), a line break or leading or trailing spaces. Text is written
//! exactly as in the specification; nothing is escaped for spreadsheet
//! formulas, so open the file as text when in doubt.

use crate::oscal::oscal_relationship;
use charta_domain::Spec;
use charta_domain::catalog::CatalogSet;

/// The header row's fields.
pub const HEADER: [&str; 9] = [
    "control_id",
    "control_title",
    "level",
    "status",
    "catalog",
    "item_id",
    "item_title",
    "relationship",
    "rationale",
];

/// Renders `crosswalk.csv`.
pub(crate) fn render(spec: &Spec, catalogs: &CatalogSet) -> Vec<u8> {
    let mut out = String::with_capacity(64 + spec.controls.len() * 512);
    row(&mut out, HEADER);
    for c in &spec.controls {
        let level = c.level.to_string();
        for m in &c.mappings {
            let item = catalogs.item(&m.target);
            row(
                &mut out,
                [
                    c.id.as_str(),
                    c.title.as_str(),
                    level.as_str(),
                    c.status.as_str(),
                    item.map_or("", |r| r.catalog.catalog.as_str()),
                    m.target.as_str(),
                    item.map_or("", |r| r.item.title.as_str()),
                    oscal_relationship(m.relationship),
                    m.rationale.as_str(),
                ],
            );
        }
    }
    out.into_bytes()
}

pub(crate) fn row<'a>(out: &mut String, fields: impl IntoIterator<Item = &'a str>) {
    for (i, f) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        field(out, f);
    }
    out.push_str("\r\n");
}

fn field(out: &mut String, f: &str) {
    let quote = f.contains([',', '"', '\r', '\n']) || f.starts_with(' ') || f.ends_with(' ');
    if quote {
        out.push('"');
        out.push_str(&f.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_per_rfc_4180() {
        let mut s = String::new();
        row(&mut s, ["a", "b,c", "say \"hi\"", "two\nlines", " pad", ""]);
        assert_eq!(
            s,
            "a,\"b,c\",\"say \"\"hi\"\"\",\"two\nlines\",\" pad\",\r\n"
        );
    }
}
