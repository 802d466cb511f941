//! Properties of the amendment machinery over small random specifications:
//! a merge with an unchanged side gives the other side, patches reproduce
//! their target, a revision compared with itself shows no change, and a
//! conflict is never resolved without the author's choice.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]

use charta_domain::catalog::{Catalog, CatalogSet};
use charta_domain::diff::diff_specs;
use charta_domain::format::{parse_spec, to_canonical};
use charta_domain::merge::{
    Field, ResolveError, Side, Subject, apply_patch, make_patch, merge_specs, resolve,
};
use charta_domain::{Control, ControlStatus, Level, Mapping, Relationship, Section, Spec};
use proptest::prelude::*;

const WORDS: [&str; 16] = [
    "the",
    "steward",
    "MUST",
    "SHOULD",
    "publish",
    "a",
    "policy",
    "for",
    "reporting",
    "vulnerabilities",
    "within",
    "days",
    "maintainers",
    "sign",
    "releases",
    "and",
];
const TARGETS: [&str; 5] = ["T:1", "T:2", "T:3", "T:4", "T:5"];
const SECTIONS: [&str; 3] = ["A", "B", "C"];

/// The small catalog every generated mapping points into.
fn catalogs() -> CatalogSet {
    let items: String = TARGETS
        .iter()
        .map(|id| format!("      - id: \"{id}\"\n        title: Item\n        text: An item.\n"))
        .collect();
    let text = format!(
        "catalog: t\ntitle: Test\nversion: '1'\npublisher: Tests\nsource: https://example.org\ndescription: A test catalog.\nsections:\n  - id: a\n    title: A\n    items:\n{items}"
    );
    CatalogSet::new(vec![Catalog::parse(&text).unwrap()]).unwrap()
}

fn words(min: usize, max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(&WORDS[..]), min..=max).prop_map(|w| w.join(" "))
}

/// One to three lines of prose, with or without a final line break.
fn prose() -> impl Strategy<Value = String> {
    (prop::collection::vec(words(1, 6), 1..=3), any::<bool>()).prop_map(|(lines, nl)| {
        let mut text = lines.join("\n");
        if nl {
            text.push('\n');
        }
        text
    })
}

fn relationship() -> impl Strategy<Value = Relationship> {
    prop::sample::select(&Relationship::ALL[..])
}

fn mappings() -> impl Strategy<Value = Vec<Mapping>> {
    prop::collection::vec((relationship(), words(1, 4)), TARGETS.len()).prop_flat_map(|all| {
        let all: Vec<Mapping> = all
            .into_iter()
            .zip(TARGETS)
            .map(|((relationship, rationale), target)| Mapping {
                target: target.into(),
                relationship,
                rationale,
            })
            .collect();
        prop::sample::subsequence(all, 0..=3)
    })
}

fn control(id: String) -> impl Strategy<Value = Control> {
    (
        prop::sample::select(&SECTIONS[..]),
        words(1, 4),
        1..=3u8,
        prose(),
        prop::option::of(prose()),
        mappings(),
    )
        .prop_map(
            move |(section, title, level, statement, guidance, mappings)| Control {
                id: id.clone(),
                section: section.into(),
                title,
                level: Level::new(level).unwrap(),
                status: ControlStatus::Active,
                replaced_by: vec![],
                statement,
                guidance: guidance.unwrap_or_default(),
                mappings,
            },
        )
}

/// A specification of 2 to 6 controls.
fn spec() -> impl Strategy<Value = Spec> {
    (2..=6usize, words(1, 4), prop::option::of(prose()))
        .prop_flat_map(|(n, title, summary)| {
            let controls: Vec<_> = (1..=n).map(|i| control(format!("P-C-{i:02}"))).collect();
            (Just(title), Just(summary), controls)
        })
        .prop_map(|(title, summary, controls)| Spec {
            spec: "props".into(),
            group: "wg".into(),
            title,
            summary: summary.unwrap_or_default(),
            sections: SECTIONS
                .iter()
                .map(|id| Section {
                    id: (*id).into(),
                    title: format!("Section {id}"),
                    description: String::new(),
                })
                .collect(),
            controls,
        })
}

/// A change to one field of one control (picked by index modulo the count).
#[derive(Debug, Clone)]
enum FieldEdit {
    Statement(String),
    Guidance(String),
    Title(String),
    Level(u8),
    Section(&'static str),
    Withdraw,
    DropMapping(usize),
    SetMapping(usize, Relationship, String),
}

#[derive(Debug, Clone)]
enum Edit {
    Control(usize, FieldEdit),
    Add(Control),
    SpecTitle(String),
    Summary(String),
}

fn field_edit() -> impl Strategy<Value = FieldEdit> {
    prop_oneof![
        prose().prop_map(FieldEdit::Statement),
        prose().prop_map(FieldEdit::Guidance),
        words(1, 4).prop_map(FieldEdit::Title),
        (1..=3u8).prop_map(FieldEdit::Level),
        prop::sample::select(&SECTIONS[..]).prop_map(FieldEdit::Section),
        Just(FieldEdit::Withdraw),
        any::<usize>().prop_map(FieldEdit::DropMapping),
        (0..TARGETS.len(), relationship(), words(1, 4))
            .prop_map(|(t, r, w)| FieldEdit::SetMapping(t, r, w)),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (any::<usize>(), field_edit()).prop_map(|(i, e)| Edit::Control(i, e)),
        1 => (1..=3u8).prop_flat_map(|k| control(format!("P-N-{k:02}"))).prop_map(Edit::Add),
        1 => words(1, 4).prop_map(Edit::SpecTitle),
        1 => prose().prop_map(Edit::Summary),
    ]
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    prop::collection::vec(edit(), 0..=4)
}

fn apply_field(c: &mut Control, e: &FieldEdit) {
    match e {
        FieldEdit::Statement(t) => c.statement = t.clone(),
        FieldEdit::Guidance(t) => c.guidance = t.clone(),
        FieldEdit::Title(t) => c.title = t.clone(),
        FieldEdit::Level(l) => c.level = Level::new(*l).unwrap(),
        FieldEdit::Section(s) => c.section = (*s).into(),
        FieldEdit::Withdraw => c.status = ControlStatus::Withdrawn,
        FieldEdit::DropMapping(k) => {
            if !c.mappings.is_empty() {
                let k = k % c.mappings.len();
                c.mappings.remove(k);
            }
        }
        FieldEdit::SetMapping(t, relationship, rationale) => {
            let m = Mapping {
                target: TARGETS[*t].into(),
                relationship: *relationship,
                rationale: rationale.clone(),
            };
            match c.mappings.iter_mut().find(|x| x.target == m.target) {
                Some(x) => *x = m,
                None => c.mappings.push(m),
            }
        }
    }
}

fn apply_edits(spec: &Spec, edits: &[Edit]) -> Spec {
    let mut s = spec.clone();
    for e in edits {
        match e {
            Edit::Control(i, fe) => {
                let n = s.controls.len();
                apply_field(&mut s.controls[i % n], fe);
            }
            Edit::Add(c) => {
                if s.control(&c.id).is_none() {
                    s.controls.push(c.clone());
                }
            }
            Edit::SpecTitle(t) => s.title = t.clone(),
            Edit::Summary(t) => s.summary = t.clone(),
        }
    }
    s
}

/// A non-prose field of a control changed to two different values, both
/// different from the base's.
#[derive(Debug, Clone, Copy)]
enum Clash {
    Level,
    Section,
    ReplacedBy,
    Mapping(Relationship, Relationship),
}

fn clash() -> impl Strategy<Value = Clash> {
    prop_oneof![
        Just(Clash::Level),
        Just(Clash::Section),
        Just(Clash::ReplacedBy),
        (relationship(), relationship())
            .prop_filter("two different relationships", |(a, b)| a != b)
            .prop_map(|(a, b)| Clash::Mapping(a, b)),
    ]
}

/// Sets the clashing field of `c` from the base's value to one of two
/// different values (`which` is 1 for the head, 2 for the revision) and names
/// the field.
fn apply_clash(c: &mut Control, base: &Control, clash: Clash, which: u8) -> Field {
    match clash {
        Clash::Level => {
            c.level = Level::new((base.level.get() + which - 1) % 3 + 1).unwrap();
            Field::Level
        }
        Clash::Section => {
            let at = SECTIONS.iter().position(|s| *s == base.section).unwrap();
            c.section = SECTIONS[(at + usize::from(which)) % 3].into();
            Field::Section
        }
        Clash::ReplacedBy => {
            c.replaced_by = vec![format!("P-R-{which:02}")];
            Field::ReplacedBy
        }
        Clash::Mapping(h, r) => {
            c.mappings.push(Mapping {
                target: "T:9".into(),
                relationship: if which == 1 { h } else { r },
                rationale: "clash".into(),
            });
            Field::Mapping("T:9".into())
        }
    }
}

/// The clashing field's value, for comparison.
fn clash_value(c: &Control, field: &Field) -> String {
    match field {
        Field::Level => c.level.to_string(),
        Field::Section => c.section.clone(),
        Field::ReplacedBy => c.replaced_by.join(","),
        _ => format!("{:?}", c.mappings.iter().find(|m| m.target == "T:9")),
    }
}

proptest! {
    #[test]
    fn merging_a_change_onto_an_unchanged_base_gives_the_change(base in spec(), e in edits()) {
        let rev = apply_edits(&base, &e);
        let out = merge_specs(&base, &base, &rev);
        prop_assert!(out.is_clean(), "{:?}", out.conflicts);
        prop_assert_eq!(&out.merged, &rev);
        prop_assert_eq!(resolve(&out, &[]).unwrap(), rev);
    }

    #[test]
    fn an_unchanged_revision_takes_the_head(base in spec(), e in edits()) {
        let head = apply_edits(&base, &e);
        let out = merge_specs(&base, &head, &base);
        prop_assert!(out.is_clean(), "{:?}", out.conflicts);
        prop_assert_eq!(out.merged, head);
    }

    #[test]
    fn identical_changes_agree(base in spec(), e in edits()) {
        let both = apply_edits(&base, &e);
        let out = merge_specs(&base, &both, &both);
        prop_assert!(out.is_clean(), "{:?}", out.conflicts);
        prop_assert_eq!(out.merged, both);
    }

    #[test]
    fn changes_to_different_controls_both_apply(
        base in spec(),
        i in any::<usize>(),
        step in 1..6usize,
        eh in field_edit(),
        er in field_edit(),
    ) {
        let n = base.controls.len();
        let (i, j) = (i % n, (i + 1 + step % (n - 1)) % n);
        let head = apply_edits(&base, &[Edit::Control(i, eh.clone())]);
        let rev = apply_edits(&base, &[Edit::Control(j, er.clone())]);
        let both = apply_edits(&base, &[Edit::Control(i, eh), Edit::Control(j, er)]);
        let out = merge_specs(&base, &head, &rev);
        prop_assert!(out.is_clean(), "{:?}", out.conflicts);
        prop_assert_eq!(out.merged, both);
    }

    #[test]
    fn a_produced_patch_turns_the_base_into_the_target(a in spec(), e in edits(), other in spec()) {
        for b in [apply_edits(&a, &e), other] {
            let (from, to) = (to_canonical(&a), to_canonical(&b));
            let patch = make_patch(&from, &to);
            let applied = apply_patch(&from, &patch).map_err(|e| TestCaseError::fail(format!("{e}\n{patch}")))?;
            prop_assert_eq!(&applied, &to);
            prop_assert_eq!(parse_spec(&applied).unwrap(), b);
        }
    }

    #[test]
    fn interdiff_of_a_revision_with_itself_is_empty(base in spec(), e in edits()) {
        let r = apply_edits(&base, &e);
        let d = diff_specs(&r, &r);
        prop_assert_eq!(d.changed().count(), 0);
        prop_assert!(d.meta.is_empty());
    }

    #[test]
    fn a_conflict_is_never_silently_resolved(
        base in spec(),
        i in any::<usize>(),
        clash in clash(),
        eh in edits(),
        er in edits(),
    ) {
        let original = &base.controls[i % base.controls.len()];
        let id = original.id.clone();
        let mut head = apply_edits(&base, &eh);
        let mut rev = apply_edits(&base, &er);
        let in_head = head.controls.iter_mut().find(|c| c.id == id).unwrap();
        let field = apply_clash(in_head, original, clash, 1);
        let in_rev = rev.controls.iter_mut().find(|c| c.id == id).unwrap();
        apply_clash(in_rev, original, clash, 2);

        let out = merge_specs(&base, &head, &rev);
        let subject = Subject::Control(id.clone());
        prop_assert!(
            out.conflicts.iter().any(|c| c.subject == subject && c.field == field),
            "no conflict on {} {}: {:?}", subject, field, out.conflicts
        );
        match resolve(&out, &[]) {
            Err(ResolveError::Unresolved(left)) => {
                prop_assert_eq!(left.len(), out.conflicts.len());
                prop_assert!(left.contains(&(subject.clone(), field.clone())));
            }
            other => prop_assert!(false, "resolved without choices: {:?}", other),
        }
        // Leaving out any one choice is refused too.
        let all_revision: Vec<_> = out.conflicts.iter().map(|c| c.choose(Side::Revision)).collect();
        for skip in 0..all_revision.len() {
            let mut some = all_revision.clone();
            some.remove(skip);
            prop_assert!(resolve(&out, &some).is_err());
        }
        // Choosing the head everywhere reproduces the placeholder merge;
        // choosing the revision gives the revision's value.
        let all_head: Vec<_> = out.conflicts.iter().map(|c| c.choose(Side::Head)).collect();
        prop_assert_eq!(&resolve(&out, &all_head).unwrap(), &out.merged);
        let chosen = resolve(&out, &all_revision).unwrap();
        prop_assert_eq!(
            clash_value(chosen.control(&id).unwrap(), &field),
            clash_value(rev.control(&id).unwrap(), &field)
        );
    }

    #[test]
    fn merged_specs_with_valid_sides_keep_valid_mappings(base in spec(), eh in edits(), er in edits()) {
        let head = apply_edits(&base, &eh);
        let rev = apply_edits(&base, &er);
        let out = merge_specs(&base, &head, &rev);
        let cats = catalogs();
        for c in &out.merged.controls {
            for m in &c.mappings {
                prop_assert!(cats.item(&m.target).is_some(), "{}", m.target);
            }
            let mut targets: Vec<_> = c.mappings.iter().map(|m| &m.target).collect();
            targets.sort();
            targets.dedup();
            prop_assert_eq!(targets.len(), c.mappings.len(), "a target appears twice in {}", c.id);
        }
        let mut ids: Vec<_> = out.merged.controls.iter().map(|c| &c.id).collect();
        ids.sort();
        ids.dedup();
        prop_assert_eq!(ids.len(), out.merged.controls.len());
    }
}
