//! `annex-za.html` and `annex-za.csv`: the release's correspondence with the
//! essential requirements of the CRA, in the form of a harmonised
//! standard's informative Annex ZA.
//!
//! European standardisation bodies and notified bodies read a
//! specification's relation to a regulation from a correspondence table,
//! not from JSON: one row per essential requirement, the clauses that
//! address it, and remarks. This table lists every essential requirement of
//! Annex I of the CRA (every item of the `cra` catalog whose identifier
//! starts with `CRA:AnnexI.`, in catalog order), the active controls mapped
//! to it with the relationship and the working group's rationale as the
//! remark, and says so plainly where no control addresses a requirement:
//! a gap is part of the table, not a missing row.
//!
//! The specification is not a harmonised standard, so the table confers no
//! presumption of conformity; both files say so.

use crate::ids::{Names, one_line};
use charta_domain::catalog::{CatalogItem, CatalogSet};
use charta_domain::{Relationship, Spec};
use std::fmt::Write as _;

/// File name of the table as a web page.
pub const ANNEX_ZA_HTML: &str = "annex-za.html";
/// File name of the table as an OpenDocument text, for editing.
pub const ANNEX_ZA_ODT: &str = "annex-za.odt";
/// File name of the table as CSV.
pub const ANNEX_ZA_CSV: &str = "annex-za.csv";

/// Which items are essential requirements: Annex I of the CRA.
const ESSENTIAL_PREFIX: &str = "CRA:AnnexI.";

/// The CSV header row.
pub const HEADER: [&str; 10] = [
    "requirement_id",
    "reference",
    "standardisation_request",
    "requirement_title",
    "addressed",
    "control_id",
    "control_title",
    "level",
    "relationship",
    "remarks",
];

pub(crate) const CAVEAT: &str = "This specification is not a harmonised standard: the table has the form of a harmonised standard's informative Annex ZA to help readers compare it with one, and confers no presumption of conformity with the Regulation. Each row records the working group's analysis, not a claim of compliance.";

pub(crate) const GAP: &str = "Not addressed by this specification.";

pub(crate) const THROUGH_POINTS: &str =
    "States the condition under which the points below apply; addressed through those points.";

/// One essential requirement and the controls that address it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement<'a> {
    pub item: &'a CatalogItem,
    /// Whether other requirements of the table name this one as parent,
    /// like Annex I, Part I, point (2) and its points (a) to (m). Such a
    /// requirement with no control of its own is met through its points,
    /// not a gap.
    pub has_points: bool,
    /// Active controls mapped to the requirement, in specification order.
    pub controls: Vec<Addressing<'a>>,
}

impl Requirement<'_> {
    /// No control addresses the requirement or, for one with points, any
    /// of them.
    fn unaddressed(&self) -> bool {
        self.controls.is_empty() && !self.has_points
    }
}

/// A control that addresses a requirement, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addressing<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub level: u8,
    pub relationship: Relationship,
    pub rationale: &'a str,
}

/// Every essential requirement of Annex I, gaps included.
pub fn correspondence<'a>(spec: &'a Spec, catalogs: &'a CatalogSet) -> Vec<Requirement<'a>> {
    let Some(cra) = catalogs.catalog("cra") else {
        return Vec::new();
    };
    let essential = |i: &CatalogItem| i.id.starts_with(ESSENTIAL_PREFIX) && i.in_force();
    cra.items()
        .filter(|i| essential(i))
        .map(|item| Requirement {
            item,
            has_points: cra
                .items()
                .any(|c| essential(c) && c.parent.as_deref() == Some(item.id.as_str())),
            controls: spec
                .active_controls()
                .flat_map(|c| {
                    c.mappings
                        .iter()
                        .filter(|m| m.target == item.id)
                        .map(move |m| Addressing {
                            id: &c.id,
                            title: &c.title,
                            level: c.level.get(),
                            relationship: m.relationship,
                            rationale: &m.rationale,
                        })
                })
                .collect(),
        })
        .collect()
}

/// What a relationship says, read from the control to the requirement.
pub fn relationship_words(r: Relationship) -> &'static str {
    match r {
        Relationship::Equivalent => "equivalent: the control asks for what the requirement asks",
        Relationship::Subset => "subset: the control asks for part of what the requirement asks",
        Relationship::Superset => {
            "superset: the control asks for all the requirement asks, and more"
        }
        Relationship::Intersects => "intersects: the control and the requirement overlap in part",
    }
}

pub(crate) fn reference(item: &CatalogItem) -> &str {
    item.reference.as_deref().unwrap_or(&item.id)
}

/// The requirement's standard in the Commission's standardisation request,
/// in words, for the tables' requirement cells.
pub(crate) fn request_words(item: &CatalogItem) -> Option<String> {
    item.standardisation_request
        .map(|n| format!("Standardisation request C(2025) 618: standard {n}"))
}

/// Renders `annex-za.csv`: one row per requirement and addressing control,
/// and one row with `addressed` = `no` per requirement nothing addresses.
pub(crate) fn csv(rows: &[Requirement<'_>]) -> Vec<u8> {
    let mut out = String::new();
    crate::csv::row(&mut out, HEADER);
    for r in rows {
        let title = one_line(&r.item.title);
        let standard = r
            .item
            .standardisation_request
            .map_or_else(String::new, |n| n.to_string());
        if r.controls.is_empty() {
            let (addressed, remark) = if r.has_points {
                ("through its points", THROUGH_POINTS)
            } else {
                ("no", GAP)
            };
            crate::csv::row(
                &mut out,
                [
                    r.item.id.as_str(),
                    reference(r.item),
                    &standard,
                    &title,
                    addressed,
                    "",
                    "",
                    "",
                    "",
                    remark,
                ],
            );
        }
        for c in &r.controls {
            let level = c.level.to_string();
            crate::csv::row(
                &mut out,
                [
                    r.item.id.as_str(),
                    reference(r.item),
                    &standard,
                    &title,
                    "yes",
                    c.id,
                    c.title,
                    &level,
                    c.relationship.as_str(),
                    c.rationale,
                ],
            );
        }
    }
    out.into_bytes()
}

pub(crate) fn esc(out: &mut String, s: &str) {
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// Renders `annex-za.html`, a self-contained page (no script, no style
/// sheet, no image) that reads the same downloaded or served.
pub(crate) fn html(
    rows: &[Requirement<'_>],
    names: &Names<'_>,
    spec_title: &str,
    version: &str,
) -> Vec<u8> {
    let title = one_line(spec_title);
    let mut o = String::with_capacity(16_384);
    o.push_str(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Annex ZA: ",
    );
    esc(&mut o, &title);
    o.push(' ');
    esc(&mut o, version);
    o.push_str("</title>\n</head>\n<body>\n<h1>Annex ZA (informative)</h1>\n");
    o.push_str("<h2>Relationship between ");
    esc(&mut o, &title);
    o.push(' ');
    esc(&mut o, version);
    o.push_str(" and the essential requirements of Regulation (EU) 2024/2847</h2>\n<p>");
    esc(&mut o, CAVEAT);
    o.push_str("</p>\n<p>Relationships read from the control to the requirement:</p>\n<ul>\n");
    for r in [
        Relationship::Equivalent,
        Relationship::Subset,
        Relationship::Superset,
        Relationship::Intersects,
    ] {
        o.push_str("<li>");
        esc(&mut o, relationship_words(r));
        o.push_str("</li>\n");
    }
    let gaps = rows.iter().filter(|r| r.unaddressed()).count();
    let _ = write!(
        o,
        "</ul>\n<p>The table lists all {} items of Annex I; {gaps} of them no control addresses.</p>\n",
        rows.len()
    );
    o.push_str("<table>\n<caption>Table ZA.1: Correspondence between ");
    esc(&mut o, &title);
    o.push(' ');
    esc(&mut o, version);
    o.push_str(" and Annex I of Regulation (EU) 2024/2847</caption>\n<thead>\n<tr><th scope=\"col\">Essential requirement of Regulation (EU) 2024/2847</th><th scope=\"col\">Controls of this specification</th><th scope=\"col\">Relationship</th><th scope=\"col\">Remarks</th></tr>\n</thead>\n<tbody>\n");
    let release = names.release();
    for r in rows {
        let span = r.controls.len().max(1);
        let _ = write!(o, "<tr><th scope=\"row\" rowspan=\"{span}\">");
        esc(&mut o, reference(r.item));
        o.push_str("<br>");
        esc(&mut o, &one_line(&r.item.title));
        if let Some(words) = request_words(r.item) {
            o.push_str("<br><small>");
            esc(&mut o, &words);
            o.push_str("</small>");
        }
        o.push_str("</th>");
        if r.controls.is_empty() {
            let (cell, remark) = if r.has_points {
                ("see its points", THROUGH_POINTS)
            } else {
                ("none", GAP)
            };
            let _ = write!(o, "<td>{cell}</td><td></td><td>");
            esc(&mut o, remark);
            o.push_str("</td></tr>\n");
        }
        for (i, c) in r.controls.iter().enumerate() {
            if i > 0 {
                o.push_str("<tr>");
            }
            o.push_str("<td><a href=\"");
            esc(&mut o, &release);
            o.push('#');
            esc(&mut o, c.id);
            o.push_str("\">");
            esc(&mut o, c.id);
            o.push_str("</a> ");
            esc(&mut o, &one_line(c.title));
            let _ = write!(o, " (level {})</td><td>", c.level);
            esc(&mut o, c.relationship.as_str());
            o.push_str("</td><td>");
            esc(&mut o, &one_line(c.rationale));
            o.push_str("</td></tr>\n");
        }
    }
    o.push_str("</tbody>\n</table>\n</body>\n</html>\n");
    o.into_bytes()
}
