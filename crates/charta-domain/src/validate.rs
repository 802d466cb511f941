//! The rules every specification, and every new version of one, must obey.
//!
//! [`check_spec`] looks at one snapshot: identifiers, sections, levels,
//! withdrawals and mappings. [`check_succession`] compares a new snapshot with
//! the current one, so that a control identifier, once published, is never
//! dropped or brought back to life with another meaning.

use crate::catalog::CatalogSet;
use crate::format::{FormatError, LineIndex, Problem};
use crate::ident;
use crate::spec::{ControlStatus, Spec};
use std::collections::{HashMap, HashSet};

/// Checks one snapshot. `source` is the file the spec came from, used only to
/// point each problem at a line; pass `""` when there is no file.
pub fn check_spec(spec: &Spec, catalogs: &CatalogSet, source: &str) -> Result<(), FormatError> {
    let mut problems = Vec::new();
    // Lines are looked up only for problems, from one index built the first
    // time one is needed: validation stays linear in the file's size.
    let index = std::cell::OnceCell::new();
    let line = |key: &str, value: &str, nth: usize| {
        index
            .get_or_init(|| LineIndex::new(source))
            .find(key, value, nth)
    };

    if !ident::is_valid_slug(&spec.spec) {
        problems.push(Problem::new(
            line("spec", &spec.spec, 0),
            format!(
                "spec slug {:?} is not valid: use 2 to 64 lower-case letters, digits and single hyphens, starting with a letter",
                spec.spec
            ),
        ));
    }
    if !ident::is_valid_slug(&spec.group) {
        problems.push(Problem::new(
            line("group", &spec.group, 0),
            format!("group slug {:?} is not valid", spec.group),
        ));
    }
    if spec.title.trim().is_empty() {
        problems.push(Problem::new(None, "the specification needs a title"));
    }

    let mut section_seen: HashMap<&str, usize> = HashMap::new();
    for s in &spec.sections {
        let n = section_seen.entry(s.id.as_str()).or_insert(0);
        if !ident::is_valid_section_id(&s.id) {
            problems.push(Problem::new(
                line("id", &s.id, *n),
                format!(
                    "section id {:?} is not valid: use 1 to 16 upper-case letters or digits",
                    s.id
                ),
            ));
        }
        if *n > 0 {
            problems.push(Problem::new(
                line("id", &s.id, *n),
                format!("section {} is defined more than once", s.id),
            ));
        }
        *n += 1;
        if s.title.trim().is_empty() {
            problems.push(Problem::new(
                line("id", &s.id, 0),
                format!("section {} needs a title", s.id),
            ));
        }
    }

    let mut control_seen: HashMap<&str, usize> = HashMap::new();
    for c in &spec.controls {
        let nth = *control_seen.get(c.id.as_str()).unwrap_or(&0);
        // Section ids and control ids share the `id:` key in the file.
        // Finding a line scans the file, so it is done only for problems.
        let sections_named_alike = section_seen.get(c.id.as_str()).copied().unwrap_or(0);
        let at = || line("id", &c.id, nth + sections_named_alike);
        control_seen.insert(c.id.as_str(), nth + 1);
        if nth > 0 {
            problems.push(Problem::new(at(),
                format!(
                    "control {} appears more than once; control identifiers are unique within a specification",
                    c.id
                ),
            ));
            continue;
        }
        if !ident::is_valid_control_id(&c.id) {
            problems.push(Problem::new(at(),
                format!(
                    "control id {:?} is not valid: use upper-case letters and digits in parts joined by '-' or '.', such as SVH-VM-03",
                    c.id
                ),
            ));
        }
        if !section_seen.contains_key(c.section.as_str()) {
            problems.push(Problem::new(
                at(),
                format!("control {} names unknown section {:?}", c.id, c.section),
            ));
        }
        if c.title.trim().is_empty() {
            problems.push(Problem::new(
                at(),
                format!("control {} needs a title", c.id),
            ));
        }
        if c.statement.trim().is_empty() {
            problems.push(Problem::new(
                at(),
                format!("control {} needs a normative statement", c.id),
            ));
        }
        if c.status == ControlStatus::Active && !c.replaced_by.is_empty() {
            problems.push(Problem::new(at(),
                format!(
                    "control {} is active but lists replaced-by; only withdrawn controls are replaced",
                    c.id
                ),
            ));
        }
        let mut targets = HashSet::new();
        for m in &c.mappings {
            let mline = || line("target", &m.target, 0);
            if catalogs.item(&m.target).is_none() {
                problems.push(Problem::new(
                    mline(),
                    format!(
                        "control {} maps to {}, which is not an item of any loaded catalog",
                        c.id, m.target
                    ),
                ));
            }
            if !targets.insert(m.target.as_str()) {
                problems.push(Problem::new(
                    mline(),
                    format!("control {} maps to {} more than once", c.id, m.target),
                ));
            }
            if m.rationale.trim().is_empty() {
                problems.push(Problem::new(
                    mline(),
                    format!("the mapping of {} to {} needs a rationale", c.id, m.target),
                ));
            }
        }
    }

    // Replacements must point at controls that are in force.
    let by_id: HashMap<&str, &crate::spec::Control> =
        spec.controls.iter().map(|c| (c.id.as_str(), c)).collect();
    for c in &spec.controls {
        for r in &c.replaced_by {
            match by_id.get(r.as_str()) {
                Some(t) if t.status == ControlStatus::Active => {}
                Some(_) => problems.push(Problem::new(
                    line("id", &c.id, 0),
                    format!(
                        "control {} is replaced by {r}, which is itself withdrawn",
                        c.id
                    ),
                )),
                None => problems.push(Problem::new(
                    line("id", &c.id, 0),
                    format!("control {} is replaced by {r}, which does not exist", c.id),
                )),
            }
        }
    }

    if problems.is_empty() {
        Ok(())
    } else {
        Err(FormatError::from_problems(problems))
    }
}

/// Checks that `next` may follow `prev` as a new version of the same
/// specification: same slug and group, no control dropped (withdraw it
/// instead), and no withdrawn control made active again.
pub fn check_succession(prev: &Spec, next: &Spec, source: &str) -> Result<(), FormatError> {
    let mut problems = Vec::new();
    let index = std::cell::OnceCell::new();
    let find_line = |key: &str, value: &str, nth: usize| {
        index
            .get_or_init(|| LineIndex::new(source))
            .find(key, value, nth)
    };
    let next_by_id: HashMap<&str, &crate::spec::Control> =
        next.controls.iter().map(|c| (c.id.as_str(), c)).collect();
    if prev.spec != next.spec {
        problems.push(Problem::new(
            None,
            format!(
                "a new version cannot rename the spec from {} to {}",
                prev.spec, next.spec
            ),
        ));
    }
    if prev.group != next.group {
        problems.push(Problem::new(
            find_line("group", &next.group, 0),
            format!(
                "specification {} belongs to group {}; a new version cannot move it to {}",
                prev.spec, prev.group, next.group
            ),
        ));
    }
    for old in &prev.controls {
        match next_by_id.get(old.id.as_str()) {
            None => problems.push(Problem::new(
                None,
                format!(
                    "control {} is missing; published controls are never removed, mark it `status: withdrawn` instead",
                    old.id
                ),
            )),
            Some(new)
                if old.status == ControlStatus::Withdrawn
                    && new.status == ControlStatus::Active =>
            {
                problems.push(Problem::new(
                    find_line("id", &new.id, 0),
                    format!(
                        "control {} was withdrawn and cannot be reinstated; withdrawn identifiers are never reused, give the control a new identifier",
                        old.id
                    ),
                ))
            }
            Some(_) => {}
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(FormatError::from_problems(problems))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::format::{parse_spec, to_canonical};

    fn catalogs() -> CatalogSet {
        let cat = Catalog::parse(
            "catalog: t\ntitle: T\nversion: '1'\npublisher: P\nsource: s\ndescription: d\nsections:\n  - id: a\n    title: A\n    items:\n      - id: T:1\n        title: One\n        text: x\n",
        )
        .unwrap();
        CatalogSet::new(vec![cat]).unwrap()
    }

    const GOOD: &str = "\
spec: demo
group: wg
title: Demo
sections:
  - id: VM
    title: Vulnerabilities
controls:
  - id: D-VM-01
    section: VM
    title: Policy
    level: 1
    statement: MUST publish.
    mappings:
      - target: T:1
        relationship: equivalent
        rationale: Same thing.
  - id: D-VM-02
    section: VM
    title: Triage
    level: 2
    statement: MUST triage.
";

    fn problems(text: &str) -> String {
        let spec = parse_spec(text).unwrap();
        check_spec(&spec, &catalogs(), text)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn many_problems_are_cut_to_the_limit_with_a_count_and_keep_their_lines() {
        // 40,000 copies of one control: each is a problem, and each names
        // its own line, found through the one index.
        let dup = "  - id: D-VM-01\n    section: VM\n    title: Policy\n    level: 1\n    statement: MUST publish.\n";
        let text = format!("{GOOD}{}", dup.repeat(40_000));
        let spec = parse_spec(&text).unwrap();
        let err = check_spec(&spec, &catalogs(), &text).unwrap_err();
        assert_eq!(err.problems.len(), crate::format::MAX_PROBLEMS + 1);
        assert_eq!(err.problems[0].line, Some(22), "{}", err.problems[0]);
        assert_eq!(err.problems[1].line, Some(27), "{}", err.problems[1]);
        let last = &err.problems[crate::format::MAX_PROBLEMS];
        assert_eq!(last.line, None);
        assert!(
            last.message
                .starts_with("and 39900 more problems not listed"),
            "{last}"
        );
    }

    #[test]
    fn good_spec_passes() {
        let spec = parse_spec(GOOD).unwrap();
        check_spec(&spec, &catalogs(), GOOD).unwrap();
    }

    #[test]
    fn duplicate_control_id_names_second_line() {
        let text = GOOD.replace("D-VM-02", "D-VM-01");
        let msg = problems(&text);
        assert!(
            msg.contains("line 17: control D-VM-01 appears more than once"),
            "{msg}"
        );
    }

    #[test]
    fn unknown_mapping_target_is_named() {
        let msg = problems(&GOOD.replace("target: T:1", "target: CRA:Nope.1"));
        assert!(
            msg.contains("line 14: control D-VM-01 maps to CRA:Nope.1"),
            "{msg}"
        );
    }

    #[test]
    fn unknown_section_bad_ids_and_empty_statement() {
        let text = GOOD
            .replace(
                "section: VM\n    title: Triage",
                "section: XX\n    title: Triage",
            )
            .replace("id: D-VM-01", "id: d-vm-01")
            .replace("statement: MUST triage.", "statement: ''");
        let msg = problems(&text);
        assert!(msg.contains("unknown section \"XX\""), "{msg}");
        assert!(msg.contains("control id \"d-vm-01\" is not valid"), "{msg}");
        assert!(msg.contains("needs a normative statement"), "{msg}");
    }

    #[test]
    fn replacement_rules() {
        let text = GOOD.replace(
            "    level: 2\n",
            "    level: 2\n    status: withdrawn\n    replaced-by: [D-VM-09]\n",
        );
        assert!(problems(&text).contains("replaced by D-VM-09, which does not exist"));
        let text = GOOD.replace(
            "    level: 2\n",
            "    level: 2\n    replaced-by: [D-VM-01]\n",
        );
        assert!(problems(&text).contains("is active but lists replaced-by"));
    }

    #[test]
    fn missing_rationale_and_duplicate_mapping() {
        let text = GOOD.replace(
            "        rationale: Same thing.\n",
            "        rationale: ''\n      - target: T:1\n        relationship: subset\n        rationale: again\n",
        );
        let msg = problems(&text);
        assert!(msg.contains("needs a rationale"), "{msg}");
        assert!(msg.contains("maps to T:1 more than once"), "{msg}");
    }

    #[test]
    fn succession_forbids_dropping_and_reinstating() {
        let prev = parse_spec(GOOD).unwrap();
        let mut next = prev.clone();
        next.controls.pop();
        let msg = check_succession(&prev, &next, "").unwrap_err().to_string();
        assert!(msg.contains("control D-VM-02 is missing"), "{msg}");

        let mut withdrawn = prev.clone();
        withdrawn.controls[1].status = ControlStatus::Withdrawn;
        check_succession(&prev, &withdrawn, "").unwrap();
        let msg = check_succession(&withdrawn, &prev, &to_canonical(&prev))
            .unwrap_err()
            .to_string();
        assert!(msg.contains("cannot be reinstated"), "{msg}");

        let mut moved = prev.clone();
        moved.group = "other".into();
        assert!(check_succession(&prev, &moved, "").is_err());
    }
}
