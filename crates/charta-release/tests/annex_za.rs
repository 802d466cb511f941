#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]
//! The Annex ZA correspondence table lists every essential requirement of
//! Annex I of the CRA, in order, with the controls that address it, and
//! keeps the requirements no control addresses as explicit gaps.

mod common;

use charta_domain::format::{content_hash, to_canonical};
use charta_release::annex_za::{ANNEX_ZA_CSV, ANNEX_ZA_HTML, HEADER};
use charta_release::build;
use common::{catalogs, seed_input};
use std::collections::BTreeSet;

fn annex_i() -> Vec<String> {
    catalogs()
        .catalog("cra")
        .unwrap()
        .items()
        .filter(|i| i.id.starts_with("CRA:AnnexI."))
        .map(|i| i.id.clone())
        .collect()
}

/// Splits the CSV (no field of the seed holds a line break inside quotes
/// except rationales, which this reader handles) into rows of fields.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    rows
}

#[test]
fn every_annex_i_requirement_is_listed_gaps_included() {
    let input = seed_input();
    let bundle = build(&input, &catalogs()).unwrap();
    let rows = parse_csv(std::str::from_utf8(&bundle.files[ANNEX_ZA_CSV]).unwrap());
    assert_eq!(rows[0], HEADER);
    let expected = annex_i();
    assert!(
        expected.len() >= 22,
        "Part I (1), (2)(a)-(m) and Part II (1)-(8)"
    );
    // Requirements appear in catalog order, each at least once.
    let mut order: Vec<String> = Vec::new();
    for r in &rows[1..] {
        if order.last() != Some(&r[0]) {
            order.push(r[0].clone());
        }
    }
    assert_eq!(order, expected);
    // A requirement is a gap exactly when no active control maps to it.
    let mapped: BTreeSet<(String, String)> = input
        .spec
        .active_controls()
        .flat_map(|c| {
            c.mappings
                .iter()
                .map(move |m| (m.target.clone(), c.id.clone()))
        })
        .filter(|(t, _)| t.starts_with("CRA:AnnexI."))
        .collect();
    let listed: BTreeSet<(String, String)> = rows[1..]
        .iter()
        .filter(|r| r[4] == "yes")
        .map(|r| (r[0].clone(), r[5].clone()))
        .collect();
    assert_eq!(listed, mapped);
    let gaps: Vec<&String> = rows[1..]
        .iter()
        .filter(|r| r[4] == "no")
        .map(|r| &r[0])
        .collect();
    assert!(
        !gaps.is_empty(),
        "the seed leaves some requirements unaddressed"
    );
    for g in &gaps {
        assert!(!mapped.iter().any(|(t, _)| t == *g), "{g}");
    }
    // Point (2) of Part I states the condition for (a) to (m): it is
    // listed, and met through its points rather than a gap.
    let point2: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == "CRA:AnnexI.P1.2").collect();
    assert_eq!(point2.len(), 1);
    assert_eq!(point2[0][4], "through its points");
    // Each requirement names the standard the Commission's standardisation
    // request asks for on it: (1) is 1, (2)(a)-(m) are 2-14, Part II is 15,
    // and point (2) itself has none.
    let standard = |id: &str| {
        let set: BTreeSet<&str> = rows[1..]
            .iter()
            .filter(|r| r[0] == id)
            .map(|r| r[2].as_str())
            .collect();
        assert_eq!(set.len(), 1, "{id}");
        set.into_iter().next().unwrap().to_string()
    };
    assert_eq!(standard("CRA:AnnexI.P1.1"), "1");
    assert_eq!(standard("CRA:AnnexI.P1.2"), "");
    for (i, letter) in ('a'..='m').enumerate() {
        assert_eq!(
            standard(&format!("CRA:AnnexI.P1.2.{letter}")),
            (i + 2).to_string()
        );
    }
    for point in 1..=8 {
        assert_eq!(standard(&format!("CRA:AnnexI.P2.{point}")), "15");
    }

    let html = std::str::from_utf8(&bundle.files[ANNEX_ZA_HTML]).unwrap();
    assert!(html.contains("Annex ZA (informative)"));
    assert!(html.contains("no presumption of conformity"));
    assert_eq!(
        html.matches("Standardisation request C(2025) 618: standard ")
            .count(),
        expected.len() - 1,
        "every requirement but point (2) names its standard"
    );
    assert_eq!(html.matches("<th scope=\"row\"").count(), expected.len());
    assert_eq!(
        html.matches("Not addressed by this specification.").count(),
        gaps.len()
    );
    let cra = catalogs();
    for id in &expected {
        let item = cra.item(id).unwrap().item;
        let reference = item.reference.as_deref().unwrap();
        assert!(
            html.contains(&reference.replace('\'', "&#39;")),
            "{reference}"
        );
    }
}

#[test]
fn html_escapes_what_people_wrote() {
    let mut input = seed_input();
    let c = input
        .spec
        .controls
        .iter_mut()
        .find(|c| {
            c.status == charta_domain::ControlStatus::Active
                && c.mappings
                    .iter()
                    .any(|m| m.target.starts_with("CRA:AnnexI."))
        })
        .unwrap();
    c.title = "<script>alert(1)</script> & \"quotes\"".into();
    input.content_hash = content_hash(&to_canonical(&input.spec));
    let bundle = build(&input, &catalogs()).unwrap();
    let html = std::str::from_utf8(&bundle.files[ANNEX_ZA_HTML]).unwrap();
    assert!(!html.contains("<script>"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;"));
}

/// The editable document is an OpenDocument text: `mimetype` first and
/// stored, as the format requires, and a table with a row per requirement
/// and addressing control that names every requirement.
#[test]
fn the_editable_document_is_an_opendocument_text() {
    use charta_release::annex_za::ANNEX_ZA_ODT;
    use std::io::Read as _;
    let input = seed_input();
    let bundle = build(&input, &catalogs()).unwrap();
    let bytes = bundle.files[ANNEX_ZA_ODT].clone();
    assert_eq!(&bytes[0..4], b"PK\x03\x04");
    assert_eq!(&bytes[30..38], b"mimetype");
    assert_eq!(
        &bytes[26..30],
        &[8, 0, 0, 0],
        "no extra field before the media type"
    );
    assert!(bytes[38..].starts_with(b"application/vnd.oasis.opendocument.text"));
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let names: Vec<String> = zip.file_names().map(|n| n.unwrap().to_string()).collect();
    assert!(names.contains(&"META-INF/manifest.xml".to_string()));
    let mut content = String::new();
    zip.by_name("content.xml")
        .unwrap()
        .read_to_string(&mut content)
        .unwrap();
    assert!(content.starts_with("<?xml") && content.contains("Annex ZA (informative)"));
    assert!(content.contains("(Standardisation request C(2025) 618: standard 14)"));
    let csv = std::str::from_utf8(&bundle.files[ANNEX_ZA_CSV]).unwrap();
    let data_rows = parse_csv(csv).len() - 1;
    assert_eq!(content.matches("<table:table-row>").count(), data_rows + 1);
    assert_eq!(
        content.matches("<table:table-cell").count()
            + content.matches("<table:covered-table-cell/>").count(),
        (data_rows + 1) * 4
    );
    for id in annex_i() {
        let item = catalogs().item(&id).unwrap().item.clone();
        let reference = item.reference.unwrap();
        assert!(
            content.contains(&format!("{reference}: ").replace('\'', "&#39;")),
            "{reference}"
        );
    }
}
