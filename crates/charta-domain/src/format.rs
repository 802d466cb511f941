//! The reviewable file format for specifications and its canonical form.
//!
//! Specifications are YAML files (see `specs/README.md`). Parsing accepts any
//! YAML that fits the schema; [`to_canonical`] writes one fixed layout (field
//! order, quoting, block scalars for prose) so that a file in canonical form
//! survives import and export byte for byte, and so that the content hash of a
//! version does not depend on how someone happened to indent their file.

use crate::spec::{Control, Mapping, Section, Spec};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt::{self, Write as _};

/// Longest specification file accepted, in bytes. A 1,000-control
/// specification is about 1 MB; the limit leaves ample room above that while
/// refusing inputs that could only be mistakes or abuse.
pub const MAX_SPEC_BYTES: usize = 8 * 1024 * 1024;

/// The most problems reported for one file. A file with more is reported
/// with the first ones and a count of the rest, so that a pathological file
/// cannot make the report (or the work of finding lines) grow without bound.
pub const MAX_PROBLEMS: usize = 100;

/// One thing wrong with a file, with the line it was found on when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: Option<usize>,
    pub message: String,
}

impl Problem {
    pub fn new(line: Option<usize>, message: impl Into<String>) -> Self {
        Self {
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Everything wrong with a file, so that its author can fix it in one pass.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct FormatError {
    pub problems: Vec<Problem>,
}

impl FormatError {
    /// The problems found, cut to [`MAX_PROBLEMS`] with a last entry that
    /// says how many more there were.
    pub fn from_problems(mut problems: Vec<Problem>) -> Self {
        if problems.len() > MAX_PROBLEMS {
            let more = problems.len() - MAX_PROBLEMS;
            problems.truncate(MAX_PROBLEMS);
            problems.push(Problem::new(
                None,
                format!(
                    "and {more} more problem{} not listed; fix these and check the file again",
                    if more == 1 { "" } else { "s" }
                ),
            ));
        }
        Self { problems }
    }

    pub fn single(line: Option<usize>, message: impl Into<String>) -> Self {
        Self {
            problems: vec![Problem::new(line, message)],
        }
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

/// Parses a specification file. Only the syntax and the schema are checked
/// here; [`crate::validate`] checks the rules.
pub fn parse_spec(text: &str) -> Result<Spec, FormatError> {
    if text.len() > MAX_SPEC_BYTES {
        return Err(FormatError::single(
            None,
            format!(
                "file is {} bytes; the limit is {} bytes",
                text.len(),
                MAX_SPEC_BYTES
            ),
        ));
    }
    from_yaml::<Spec>(text)
}

/// Deserializes a YAML file written by people, after refusing aliases.
///
/// YAML lets a file name a node (`&a`) and repeat it (`*a`); nested
/// repetitions expand exponentially, so a few hundred kilobytes can become
/// gigabytes in memory. Nothing in Charta's formats needs them, so every
/// file is first read event by event, which costs one linear pass and no
/// expansion, and refused at the first alias.
pub fn from_yaml<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, FormatError> {
    refuse_aliases(text)?;
    serde_yaml_ng::from_str::<T>(text).map_err(|e| yaml_error(&e))
}

fn refuse_aliases(text: &str) -> Result<(), FormatError> {
    use saphyr_parser::{Event, Parser};
    for event in Parser::new_from_str(text) {
        match event {
            Ok((Event::Alias(_), span)) => {
                return Err(FormatError::single(
                    Some(span.start.line()),
                    "YAML aliases (*name) are not allowed; write the repeated text out in full",
                ));
            }
            Ok((Event::StreamEnd, _)) => return Ok(()),
            Ok(_) => {}
            Err(e) => {
                return Err(FormatError::single(
                    Some(e.marker().line()),
                    format!("not valid YAML: {}", e.info()),
                ));
            }
        }
    }
    Ok(())
}

/// Turns a YAML error into a [`FormatError`] with a 1-based line number.
pub fn yaml_error(e: &serde_yaml_ng::Error) -> FormatError {
    let line = e.location().map(|l| l.line());
    // serde_yaml_ng appends " at line N column M" to its messages; the line is
    // already reported separately.
    let msg = e.to_string();
    let msg = match msg.find(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg,
    };
    FormatError::single(line, msg)
}

/// The SHA-256 of a canonical text, written as `sha256:<hex>`.
pub fn content_hash(canonical: &str) -> String {
    let digest = Sha256::digest(canonical.as_bytes());
    format!("sha256:{}", hex::encode(digest))
}

/// Finds the 1-based line on which `key: value` appears for the `nth` time
/// (0-based), allowing a list dash and quotes. Used to point validation
/// problems at the right line of the author's own file.
pub fn find_line(source: &str, key: &str, value: &str, nth: usize) -> Option<usize> {
    let mut seen = 0;
    for (i, line) in source.lines().enumerate() {
        let t = line.trim_start().trim_start_matches("- ").trim_start();
        let Some(rest) = t.strip_prefix(key).and_then(|r| r.strip_prefix(':')) else {
            continue;
        };
        let v = rest.trim().trim_matches(|c| c == '"' || c == '\'');
        if v == value {
            if seen == nth {
                return Some(i + 1);
            }
            seen += 1;
        }
    }
    None
}

/// Every `key: value` line of a file, indexed in one pass, so that pointing
/// any number of problems at their lines costs one scan of the file rather
/// than one scan per problem.
pub struct LineIndex<'a> {
    lines: HashMap<(&'a str, &'a str), Vec<usize>>,
}

impl<'a> LineIndex<'a> {
    pub fn new(source: &'a str) -> Self {
        let mut lines: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
        for (i, line) in source.lines().enumerate() {
            let t = line.trim_start().trim_start_matches("- ").trim_start();
            let Some((key, rest)) = t.split_once(':') else {
                continue;
            };
            if key.is_empty() || key.contains(char::is_whitespace) {
                continue;
            }
            let value = rest.trim().trim_matches(|c| c == '"' || c == '\'');
            lines.entry((key, value)).or_default().push(i + 1);
        }
        Self { lines }
    }

    /// Like [`find_line`]: the 1-based line of the `nth` (0-based)
    /// occurrence of `key: value`.
    pub fn find(&self, key: &str, value: &str, nth: usize) -> Option<usize> {
        self.lines.get(&(key, value))?.get(nth).copied()
    }
}

/// Writes a specification in canonical form.
pub fn to_canonical(spec: &Spec) -> String {
    let mut out = String::with_capacity(256 + spec.controls.len() * 1024);
    field(&mut out, 0, "spec", &spec.spec);
    field(&mut out, 0, "group", &spec.group);
    field(&mut out, 0, "title", &spec.title);
    opt_field(&mut out, 0, "summary", &spec.summary);
    if !spec.sections.is_empty() {
        out.push_str("sections:\n");
        for s in &spec.sections {
            section(&mut out, s);
        }
    }
    if !spec.controls.is_empty() {
        out.push_str("controls:\n");
        for c in &spec.controls {
            control(&mut out, c);
        }
    }
    out
}

fn section(out: &mut String, s: &Section) {
    list_field(out, 2, "id", &s.id);
    field(out, 4, "title", &s.title);
    opt_field(out, 4, "description", &s.description);
}

fn control(out: &mut String, c: &Control) {
    list_field(out, 2, "id", &c.id);
    field(out, 4, "section", &c.section);
    field(out, 4, "title", &c.title);
    let _ = writeln!(out, "    level: {}", c.level);
    let _ = writeln!(out, "    status: {}", c.status.as_str());
    if !c.replaced_by.is_empty() {
        out.push_str("    replaced-by:\n");
        for r in &c.replaced_by {
            out.push_str("      - ");
            scalar(out, 6, r);
        }
    }
    field(out, 4, "statement", &c.statement);
    opt_field(out, 4, "guidance", &c.guidance);
    if !c.mappings.is_empty() {
        out.push_str("    mappings:\n");
        for m in &c.mappings {
            mapping(out, m);
        }
    }
}

fn mapping(out: &mut String, m: &Mapping) {
    list_field(out, 6, "target", &m.target);
    let _ = writeln!(out, "        relationship: {}", m.relationship.as_str());
    field(out, 8, "rationale", &m.rationale);
}

fn list_field(out: &mut String, indent: usize, key: &str, value: &str) {
    push_indent(out, indent);
    out.push_str("- ");
    out.push_str(key);
    out.push_str(": ");
    scalar(out, indent + 2, value);
}

fn field(out: &mut String, indent: usize, key: &str, value: &str) {
    push_indent(out, indent);
    out.push_str(key);
    out.push_str(": ");
    scalar(out, indent, value);
}

fn opt_field(out: &mut String, indent: usize, key: &str, value: &str) {
    if !value.is_empty() {
        field(out, indent, key, value);
    }
}

fn push_indent(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

/// Writes a string value (after `key: `) and the line break that ends it.
/// Multi-line prose becomes a literal block so diffs of the file stay
/// readable; anything a plain scalar could misread is double-quoted.
fn scalar(out: &mut String, indent: usize, value: &str) {
    if value.contains('\n') && block_safe(value) {
        // `|` keeps exactly one final newline; `|-` keeps none. Values with
        // more than one trailing newline were refused by block_safe.
        out.push_str(if value.ends_with('\n') { "|\n" } else { "|-\n" });
        for line in value.strip_suffix('\n').unwrap_or(value).split('\n') {
            if !line.is_empty() {
                push_indent(out, indent + 2);
                out.push_str(line);
            }
            out.push('\n');
        }
    } else if plain_safe(value) {
        out.push_str(value);
        out.push('\n');
    } else {
        double_quoted(out, value);
        out.push('\n');
    }
}

/// A literal block keeps the text exactly only if the first line does not
/// start with a space (that would change the detected indentation), no line
/// has trailing spaces that an editor might strip, there is at most one
/// trailing newline, and only printable characters and tabs occur.
fn block_safe(v: &str) -> bool {
    !v.starts_with([' ', '\t', '\n'])
        && !v.contains("\n\t")
        && !v.ends_with("\n\n")
        && v.lines().all(|l| !l.ends_with([' ', '\t']))
        && v.chars()
            .all(|c| c == '\n' || c == '\t' || !needs_escape(c))
}

/// A conservative test for strings YAML reads back unchanged without quotes.
fn plain_safe(v: &str) -> bool {
    let Some(first) = v.chars().next() else {
        return false;
    };
    if !(first.is_alphabetic() || first == '(' || first == '/')
        || v.ends_with([' ', ':'])
        || v.contains(": ")
        || v.contains(" #")
        || v.chars().any(needs_escape)
    {
        return false;
    }
    let lower = v.to_ascii_lowercase();
    const RESERVED: [&str; 12] = [
        "true", "false", "yes", "no", "on", "off", "null", "y", "n", "~", ".nan", ".inf",
    ];
    if RESERVED.contains(&lower.as_str()) {
        return false;
    }
    true
}

/// Characters YAML would not keep as they are inside plain or block text:
/// control characters, the byte-order mark, and the Unicode line and
/// paragraph separators (YAML 1.1 treats them as line breaks).
fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{feff}' | '\u{2028}' | '\u{2029}')
}

fn double_quoted(out: &mut String, v: &str) {
    out.push('"');
    for c in v.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{ControlStatus, Level, Relationship};
    use proptest::prelude::*;

    fn sample() -> Spec {
        Spec {
            spec: "demo-spec".into(),
            group: "demo-wg".into(),
            title: "Demo: a specification".into(),
            summary: "First line.\n\nSecond paragraph with `code`.\n".into(),
            sections: vec![Section {
                id: "VM".into(),
                title: "Vulnerability management".into(),
                description: String::new(),
            }],
            controls: vec![Control {
                id: "DS-VM-01".into(),
                section: "VM".into(),
                title: "Publish a policy".into(),
                level: Level::new(1).unwrap(),
                status: ControlStatus::Active,
                replaced_by: vec![],
                statement: "The steward MUST publish a policy.".into(),
                guidance: "  indented first line\nsecond".into(),
                mappings: vec![Mapping {
                    target: "CRA:AnnexI.P2.5".into(),
                    relationship: Relationship::Subset,
                    rationale: "Covers: the policy part.".into(),
                }],
            }],
        }
    }

    #[test]
    fn aliases_are_refused_before_they_expand() {
        // Each level repeats the one above nine times: nine levels would be
        // hundreds of millions of strings once expanded.
        let mut bomb = String::from("spec: x\ngroup: g\ntitle: t\nl0: &l0 [\"lol\"]\n");
        for i in 1..10 {
            let prev = format!("*l{}", i - 1);
            bomb.push_str(&format!("l{i}: &l{i} [{}]\n", vec![prev; 9].join(", ")));
        }
        let err = parse_spec(&bomb).unwrap_err();
        assert_eq!(err.problems.len(), 1, "{err}");
        assert_eq!(err.problems[0].line, Some(5), "{err}");
        assert!(err.problems[0].message.contains("aliases"), "{err}");
        // An alias used as a merge key is an alias too.
        let merge = "spec: x\nbase: &b {a: 1}\nother:\n  <<: *b\n";
        assert!(
            parse_spec(merge)
                .unwrap_err()
                .to_string()
                .contains("line 4: YAML aliases")
        );
        // Group and catalog files are read the same way.
        assert!(
            crate::group::GroupFile::parse("group: &g wg\nname: *g\n")
                .unwrap_err()
                .to_string()
                .contains("aliases")
        );
    }

    #[test]
    fn markdown_asterisks_and_ampersands_are_not_aliases() {
        let mut spec = sample();
        spec.controls[0].statement = "* first\n* second *emphasis* & more\n**bold**".into();
        spec.summary = "Ampersand & star *".into();
        let text = to_canonical(&spec);
        assert_eq!(parse_spec(&text).unwrap(), spec);
    }

    #[test]
    fn broken_yaml_names_its_line() {
        let err = parse_spec("spec: x\ntitle: [\n  a\n").unwrap_err();
        assert!(err.problems[0].line.is_some(), "{err}");
        assert!(err.to_string().contains("YAML"), "{err}");
    }

    #[test]
    fn canonical_round_trip_is_byte_identical() {
        let text = to_canonical(&sample());
        let parsed = parse_spec(&text).unwrap();
        assert_eq!(parsed, sample());
        assert_eq!(to_canonical(&parsed), text);
    }

    #[test]
    fn canonical_layout_is_stable() {
        let text = to_canonical(&sample());
        let expected = "\
spec: demo-spec
group: demo-wg
title: \"Demo: a specification\"
summary: |
  First line.

  Second paragraph with `code`.
sections:
  - id: VM
    title: Vulnerability management
controls:
  - id: DS-VM-01
    section: VM
    title: Publish a policy
    level: 1
    status: active
    statement: The steward MUST publish a policy.
    guidance: \"  indented first line\\nsecond\"
    mappings:
      - target: CRA:AnnexI.P2.5
        relationship: subset
        rationale: \"Covers: the policy part.\"
";
        assert_eq!(text, expected);
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let err = parse_spec("spec: x\ngroup: y\ntitle: [unclosed\n").unwrap_err();
        assert_eq!(err.problems.len(), 1);
        assert!(err.problems[0].line.is_some(), "{err}");
    }

    #[test]
    fn unknown_fields_are_refused() {
        let err = parse_spec("spec: x\ngroup: y\ntitle: t\ncolour: blue\n").unwrap_err();
        assert!(err.to_string().contains("colour"), "{err}");
        assert_eq!(err.problems[0].line, Some(4));
    }

    #[test]
    fn bad_level_is_refused_with_reason() {
        let text = to_canonical(&sample()).replace("level: 1", "level: 4");
        let err = parse_spec(&text).unwrap_err();
        assert!(err.to_string().contains("level must be 1, 2 or 3"), "{err}");
    }

    #[test]
    fn oversize_input_is_refused() {
        let big = "x".repeat(MAX_SPEC_BYTES + 1);
        let err = parse_spec(&big).unwrap_err();
        assert!(err.to_string().contains("limit"), "{err}");
    }

    #[test]
    fn find_line_locates_the_nth_occurrence() {
        let src = "controls:\n  - id: A-1\n  - id: \"A-1\"\n";
        assert_eq!(find_line(src, "id", "A-1", 0), Some(2));
        assert_eq!(find_line(src, "id", "A-1", 1), Some(3));
        assert_eq!(find_line(src, "id", "A-2", 0), None);
    }

    #[test]
    fn hash_is_sha256() {
        assert_eq!(
            content_hash(""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    proptest! {
        #[test]
        fn any_text_survives_canonical_form(s in "\\PC*", t in "[ -~\n\t]{0,80}") {
            let mut spec = sample();
            spec.controls[0].statement = s.clone();
            spec.controls[0].guidance = t.clone();
            spec.title = t.replace('\n', " ");
            let text = to_canonical(&spec);
            let parsed = parse_spec(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
            prop_assert_eq!(&parsed, &spec);
            prop_assert_eq!(to_canonical(&parsed), text);
        }
    }
}
