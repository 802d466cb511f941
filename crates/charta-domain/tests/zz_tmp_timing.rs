#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tmp")]
use charta_domain::merge::*;
use charta_domain::*;
#[test]
fn timing() {
    let c = |i: usize| Control { id: format!("B-C-{i:04}"), section: "VM".into(), title: format!("Title {i}"), level: Level::new(1).unwrap(), status: ControlStatus::Active, replaced_by: vec![], statement: format!("The steward MUST do thing {i}.\nSecond line of {i}.\nThird line.\n"), guidance: "Some guidance\nover lines\n".into(), mappings: vec![Mapping{target:"CRA:x".into(), relationship: Relationship::Subset, rationale: "r".into()}] };
    let base = Spec { spec: "b".into(), group: "g".into(), title: "T".into(), summary: "s".into(), sections: vec![Section{id:"VM".into(), title:"VM".into(), description: String::new()}], controls: (0..1000).map(c).collect() };
    let mut head = base.clone();
    for i in (0..1000).step_by(7) { head.controls[i].statement.push_str("more\n"); }
    let mut rev = base.clone();
    for i in (0..1000).step_by(10) { rev.controls[i].statement = rev.controls[i].statement.replacen("Second", "2nd", 1); rev.controls[i].level = Level::new(2).unwrap(); }
    let t = std::time::Instant::now();
    let out = merge_specs(&base, &head, &rev);
    let el = t.elapsed();
    let t2 = std::time::Instant::now();
    let _ = resolve(&out, &[]);
    let _ = conflicting_controls(&head, &rev, &base);
    eprintln!("merge {:?} resolve+flags {:?} conflicts {}", el, t2.elapsed(), out.conflicts.len());
}
