//! Validation against NIST's OSCAL 1.2.3 JSON schema (an unmodified copy in
//! `tests/oscal/`, checked by its SHA-256), shared by the OSCAL tests.

use serde_json::Value;

pub const SCHEMA_SHA256: &str = "384324105c7a817af0f65b120a963146caa0e0d55d969cf0daf60e063b87a206";

pub fn schema_bytes() -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/oscal/oscal_complete_schema.json");
    std::fs::read(path).unwrap()
}

/// Validates `doc` against the schema; on failure, lists the errors found
/// against the one root the document claims (the complete schema's `oneOf`
/// only says that no branch matched).
pub fn assert_valid(doc: &Value, root: &str) {
    let bytes = schema_bytes();
    let schema: Value = serde_json::from_slice(&bytes).unwrap();
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    if validator.is_valid(doc) {
        return;
    }
    let mut narrowed = schema.clone();
    let branches = narrowed["oneOf"].as_array().unwrap().clone();
    let branch = branches
        .into_iter()
        .find(|b| b["required"][0] == root)
        .unwrap();
    narrowed["oneOf"] = Value::Array(vec![branch]);
    let v = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .build(&narrowed)
        .unwrap();
    let errors: Vec<String> = v
        .iter_errors(doc)
        .take(20)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    panic!("{root} is not valid OSCAL 1.2.3:\n{}", errors.join("\n"));
}
