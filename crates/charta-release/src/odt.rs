//! `annex-za.odt`: the Annex ZA correspondence table as an OpenDocument
//! text, the editable form standards bodies and editors work in.
//!
//! The document is the ZIP container OpenDocument prescribes (`mimetype`
//! first and uncompressed, then `META-INF/manifest.xml` and
//! `content.xml`), written by the `zip` crate with every entry stored and
//! dated 1980-01-01, so the same table always gives the same bytes. The
//! table uses the document's default styles: editors restyle it to their
//! template.

use crate::ReleaseError;
use crate::annex_za::{CAVEAT, GAP, Requirement, THROUGH_POINTS, esc, reference, request_words};
use crate::ids::one_line;
use std::io::Write as _;
use zip::write::SimpleFileOptions;

const MIMETYPE: &str = "application/vnd.oasis.opendocument.text";

const MANIFEST: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">
 <manifest:file-entry manifest:full-path="/" manifest:version="1.3" manifest:media-type="application/vnd.oasis.opendocument.text"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>
"#;

fn para(o: &mut String, text: &str) {
    o.push_str("<text:p>");
    esc(o, text);
    o.push_str("</text:p>");
}

fn cell(o: &mut String, text: &str, rows: usize) {
    if rows > 1 {
        o.push_str(&format!(
            "<table:table-cell office:value-type=\"string\" table:number-rows-spanned=\"{rows}\">"
        ));
    } else {
        o.push_str("<table:table-cell office:value-type=\"string\">");
    }
    para(o, text);
    o.push_str("</table:table-cell>");
}

/// The `content.xml` of the document.
fn content(rows: &[Requirement<'_>], spec_title: &str, version: &str) -> String {
    let title = format!("{} {version}", one_line(spec_title));
    let mut o = String::with_capacity(32_768);
    o.push_str(r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" office:version="1.3"><office:body><office:text>"#);
    o.push_str("<text:h text:outline-level=\"1\">Annex ZA (informative)</text:h>");
    o.push_str("<text:h text:outline-level=\"2\">");
    esc(
        &mut o,
        &format!(
            "Relationship between {title} and the essential requirements of Regulation (EU) 2024/2847"
        ),
    );
    o.push_str("</text:h>");
    para(&mut o, CAVEAT);
    para(
        &mut o,
        &format!(
            "Table ZA.1: Correspondence between {title} and Annex I of Regulation (EU) 2024/2847"
        ),
    );
    o.push_str("<table:table table:name=\"ZA.1\"><table:table-column table:number-columns-repeated=\"4\"/><table:table-header-rows><table:table-row>");
    for h in [
        "Essential requirement of Regulation (EU) 2024/2847",
        "Controls of this specification",
        "Relationship",
        "Remarks",
    ] {
        cell(&mut o, h, 1);
    }
    o.push_str("</table:table-row></table:table-header-rows>");
    for r in rows {
        let span = r.controls.len().max(1);
        let mut requirement = format!("{}: {}", reference(r.item), one_line(&r.item.title));
        if let Some(words) = request_words(r.item) {
            requirement.push_str(" (");
            requirement.push_str(&words);
            requirement.push(')');
        }
        o.push_str("<table:table-row>");
        cell(&mut o, &requirement, span);
        if r.controls.is_empty() {
            let (what, remark) = if r.has_points {
                ("see its points", THROUGH_POINTS)
            } else {
                ("none", GAP)
            };
            cell(&mut o, what, 1);
            cell(&mut o, "", 1);
            cell(&mut o, remark, 1);
            o.push_str("</table:table-row>");
        }
        for (i, c) in r.controls.iter().enumerate() {
            if i > 0 {
                o.push_str("<table:table-row><table:covered-table-cell/>");
            }
            cell(
                &mut o,
                &format!("{} {} (level {})", c.id, one_line(c.title), c.level),
                1,
            );
            cell(&mut o, c.relationship.as_str(), 1);
            cell(&mut o, &one_line(c.rationale), 1);
            o.push_str("</table:table-row>");
        }
    }
    o.push_str("</table:table></office:text></office:body></office:document-content>\n");
    o
}

/// Renders `annex-za.odt`.
pub(crate) fn annex_za(
    rows: &[Requirement<'_>],
    spec_title: &str,
    version: &str,
) -> Result<Vec<u8>, ReleaseError> {
    let fail = |e: String| ReleaseError::InvalidInput {
        field: "annex-za.odt",
        reason: e,
    };
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .last_modified_time(zip::DateTime::default());
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, body) in [
        ("mimetype", MIMETYPE.to_string()),
        ("META-INF/manifest.xml", MANIFEST.to_string()),
        ("content.xml", content(rows, spec_title, version)),
    ] {
        zip.start_file(name, options)
            .map_err(|e| fail(e.to_string()))?;
        zip.write_all(body.as_bytes())
            .map_err(|e| fail(e.to_string()))?;
    }
    let cursor = zip.finish().map_err(|e| fail(e.to_string()))?;
    Ok(cursor.into_inner())
}
