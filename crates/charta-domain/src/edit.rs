//! Editing one control of a specification, without touching the file.
//!
//! An editor who changes one control's level or mapping should not have to
//! find it in a thousand lines of YAML. These functions take the
//! specification as it stands and one control as the person wants it, and
//! give the whole specification back; the result is then validated and
//! proposed like any other text, so the rules (identifiers, succession,
//! mappings) are checked in one place.

use crate::spec::{Control, Spec};

/// What happens to the control.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditKind {
    /// The control exists and is replaced by the edited one.
    Change,
    /// The control is new; it goes after the last control of its section.
    Add,
}

/// The specification with `control` changed or added. Errors say what the
/// person has to fix: an unknown control, an identifier taken, a section
/// that does not exist, or an edit that changes nothing.
pub fn apply_control(spec: &Spec, control: Control, kind: EditKind) -> Result<Spec, String> {
    if !spec.sections.iter().any(|s| s.id == control.section) {
        let ids: Vec<&str> = spec.sections.iter().map(|s| s.id.as_str()).collect();
        return Err(format!(
            "there is no section {:?}; the sections are {}",
            control.section,
            ids.join(", ")
        ));
    }
    let mut out = spec.clone();
    let at = out.controls.iter().position(|c| c.id == control.id);
    match (kind, at) {
        (EditKind::Change, Some(i)) => {
            if out.controls[i] == control {
                return Err(format!(
                    "this leaves {} as it is: nothing to propose",
                    control.id
                ));
            }
            out.controls[i] = control;
        }
        (EditKind::Change, None) => {
            return Err(format!(
                "there is no control {} in this specification",
                control.id
            ));
        }
        (EditKind::Add, Some(_)) => {
            return Err(format!(
                "{} is taken (identifiers are never reused, even once withdrawn); choose another",
                control.id
            ));
        }
        (EditKind::Add, None) => {
            let after = out
                .controls
                .iter()
                .rposition(|c| c.section == control.section);
            match after {
                Some(i) => out.controls.insert(i + 1, control),
                None => out.controls.push(control),
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{ControlStatus, Level, Section};

    fn control(id: &str, section: &str) -> Control {
        Control {
            id: id.into(),
            section: section.into(),
            title: format!("Title of {id}"),
            level: Level::new(1).unwrap(),
            status: ControlStatus::Active,
            replaced_by: vec![],
            statement: "Projects MUST do it.".into(),
            guidance: String::new(),
            mappings: vec![],
        }
    }

    fn spec() -> Spec {
        let section = |id: &str| Section {
            id: id.into(),
            title: id.into(),
            description: String::new(),
        };
        Spec {
            spec: "s".into(),
            group: "g".into(),
            title: "S".into(),
            summary: String::new(),
            sections: vec![section("VM"), section("BR")],
            controls: vec![
                control("A-1", "VM"),
                control("B-1", "BR"),
                control("A-2", "VM"),
            ],
        }
    }

    #[test]
    fn a_change_replaces_the_control_in_place() {
        let mut c = control("B-1", "BR");
        c.level = Level::new(2).unwrap();
        let out = apply_control(&spec(), c.clone(), EditKind::Change).unwrap();
        assert_eq!(out.controls[1], c);
        assert_eq!(out.controls.len(), 3);
        let err = apply_control(&spec(), control("B-1", "BR"), EditKind::Change).unwrap_err();
        assert!(err.contains("nothing to propose"), "{err}");
        let err = apply_control(&spec(), control("Z-9", "BR"), EditKind::Change).unwrap_err();
        assert!(err.contains("no control Z-9"), "{err}");
    }

    #[test]
    fn an_addition_goes_after_its_section_and_never_reuses_an_identifier() {
        let out = apply_control(&spec(), control("A-3", "VM"), EditKind::Add).unwrap();
        let ids: Vec<&str> = out.controls.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["A-1", "B-1", "A-2", "A-3"]);
        let out = apply_control(&spec(), control("B-2", "BR"), EditKind::Add).unwrap();
        let ids: Vec<&str> = out.controls.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["A-1", "B-1", "B-2", "A-2"]);
        let err = apply_control(&spec(), control("A-2", "VM"), EditKind::Add).unwrap_err();
        assert!(err.contains("A-2 is taken"), "{err}");
        let err = apply_control(&spec(), control("C-1", "XX"), EditKind::Add).unwrap_err();
        assert!(err.contains("no section \"XX\""), "{err}");
    }
}
