#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]
//! A published assessment's files: the OSCAL assessment-results document
//! validates against NIST's OSCAL 1.2.3 schema (the copy in `tests/oscal/`)
//! and names the release's catalog and level profile, and the attestation
//! verifies with the instance's key and only with it.

use charta_domain::assessment::{Answer, Review, Status, evaluate};
use charta_domain::spec::{Control, ControlStatus, Level, Spec};
use charta_release::SigningKey;
use charta_release::assessment::{
    ASSESSMENT_JSON, ASSESSMENT_OSCAL, ATTESTATION, AssessmentInput, AttestationError, Subject,
    check_file, publish, verify_attestation,
};
use serde_json::Value;

fn control(id: &str, level: u8) -> Control {
    Control {
        id: id.into(),
        section: "s".into(),
        title: format!("Title  of\n{id}"),
        level: Level::new(level).unwrap(),
        status: ControlStatus::Active,
        replaced_by: vec![],
        statement: "MUST.".into(),
        guidance: String::new(),
        mappings: vec![],
    }
}

fn answer(id: &str, status: Option<Status>, evidence: &[&str]) -> Answer {
    Answer {
        control: id.into(),
        status,
        justification: "We do.".into(),
        evidence: evidence.iter().map(|s| s.to_string()).collect(),
        review: None,
    }
}

fn input() -> AssessmentInput {
    let spec = Spec {
        spec: "steward-baseline".into(),
        group: "g".into(),
        title: "Steward baseline".into(),
        summary: String::new(),
        sections: vec![],
        controls: vec![
            control("SB-VM-01", 1),
            control("SB-VM-02", 1),
            control("SB-VM-03", 2),
            control("SB-VM-04", 2),
            control("SB-VM-05", 3),
        ],
    };
    let mut changed = answer("SB-VM-04", Some(Status::Met), &[]);
    changed.review = Some(Review::Changed);
    let answers = vec![
        answer(
            "SB-VM-01",
            Some(Status::Met),
            &["https://example.org/policy"],
        ),
        answer("SB-VM-02", Some(Status::NotApplicable), &[]),
        answer("SB-VM-03", Some(Status::PartlyMet), &[]),
        changed,
    ];
    let evaluation = evaluate(&spec, &answers);
    AssessmentInput {
        instance: "https://charta.example.org".into(),
        id: 7,
        subject: Subject {
            kind: "project".into(),
            name: "Widget".into(),
            url: "https://example.org/widget".into(),
        },
        owner: "Ada".into(),
        organization: None,
        spec: "steward-baseline".into(),
        spec_title: "Steward baseline".into(),
        release: "1.0.0".into(),
        release_manifest_sha256: "ab".repeat(32),
        target_level: 2,
        published_at: "2026-12-07T10:00:00Z".into(),
        controls: spec
            .controls
            .iter()
            .map(|c| {
                (
                    c.clone(),
                    answers.iter().find(|a| a.control == c.id).cloned(),
                )
            })
            .collect(),
        evaluation,
    }
}

fn key() -> SigningKey {
    SigningKey::from_bytes(&[7; 32])
}

fn validator() -> jsonschema::Validator {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/oscal/oscal_complete_schema.json");
    let schema: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

#[test]
fn assessment_results_validate_against_the_oscal_schema() {
    let files = publish(&input(), &key()).unwrap();
    let doc: Value = serde_json::from_slice(&files[ASSESSMENT_OSCAL]).unwrap();
    let v = validator();
    let errors: Vec<String> = v
        .iter_errors(&doc)
        .take(10)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "not valid OSCAL 1.2.3: {errors:#?}");
    let ar = &doc["assessment-results"];
    assert_eq!(ar["metadata"]["oscal-version"], "1.2.3");
    let hrefs: Vec<&str> = ar["back-matter"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rlinks"][0]["href"].as_str().unwrap())
        .collect();
    assert_eq!(
        hrefs,
        [
            "https://charta.example.org/releases/steward-baseline/1.0.0/profile-level-2.oscal.json",
            "https://charta.example.org/releases/steward-baseline/1.0.0/catalog.oscal.json"
        ]
    );
    // Level 2 scope: four findings; the level-3 control is left out.
    let findings = ar["results"][0]["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 4);
    let states: Vec<&str> = findings
        .iter()
        .map(|f| f["target"]["status"]["state"].as_str().unwrap())
        .collect();
    assert_eq!(
        states,
        ["satisfied", "satisfied", "not-satisfied", "not-satisfied"]
    );
    // The validator is not one that accepts anything.
    let mut broken = doc.clone();
    broken["assessment-results"]["uuid"] = Value::String("not a uuid".into());
    assert!(!v.is_valid(&broken));
}

#[test]
fn an_assessment_with_no_controls_in_scope_is_still_valid() {
    let mut i = input();
    i.controls.clear();
    let files = publish(&i, &key()).unwrap();
    let doc: Value = serde_json::from_slice(&files[ASSESSMENT_OSCAL]).unwrap();
    assert!(validator().is_valid(&doc));
}

#[test]
fn the_attestation_verifies_and_names_the_release() {
    let files = publish(&input(), &key()).unwrap();
    let a = verify_attestation(&files[ATTESTATION], &key().verifying_key()).unwrap();
    assert_eq!(a.release_manifest_sha256, "ab".repeat(32));
    assert_eq!(a.achieved_level, Some(1));
    assert!(a.statement.contains("not a certification"));
    check_file(&a, ASSESSMENT_JSON, &files[ASSESSMENT_JSON]).unwrap();
    check_file(&a, ASSESSMENT_OSCAL, &files[ASSESSMENT_OSCAL]).unwrap();
    assert!(check_file(&a, ASSESSMENT_JSON, b"{}").is_err());

    let other = SigningKey::from_bytes(&[8; 32]);
    assert!(matches!(
        verify_attestation(&files[ATTESTATION], &other.verifying_key()),
        Err(AttestationError::WrongKey { .. })
    ));
    let tampered = String::from_utf8(files[ATTESTATION].clone())
        .unwrap()
        .replace("\"achieved-level\": 1", "\"achieved-level\": 3");
    assert_eq!(
        verify_attestation(tampered.as_bytes(), &key().verifying_key()),
        Err(AttestationError::BadSignature)
    );
    // The same input gives the same bytes.
    assert_eq!(publish(&input(), &key()).unwrap(), files);
}
