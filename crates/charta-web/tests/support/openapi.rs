//! The OpenAPI document as a contract, enforced on every response the HTTP
//! tests receive from a documented route.
//!
//! The document is read once per test process from the router itself
//! (`GET /api/v1/openapi.json`). Every response to a path the document
//! describes (everything under `/api/v1/` and the probes) must then:
//!
//! * come from an operation the document lists for that path and method
//!   (a path it does not list may only be the router's own `404`/`405`);
//! * have a status the operation documents (there is no `default`);
//! * carry a body of a media type the response documents, or none; a JSON
//!   body must validate against the documented schema (JSON Schema 2020-12,
//!   as OpenAPI 3.1 uses), with one tightening: objects may not carry
//!   properties the schema does not declare, so a field added to a body but
//!   not to the document is drift too;
//! * carry `Link`, `Location`, `Retry-After` and `ETag` only where the
//!   response documents them.
//!
//! A response that breaks the contract panics with the route, the status,
//! an excerpt of the body and the validation errors. [`checked`] and
//! [`validated`] count what was enforced, so tests can show that the hook
//! runs.

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Request, Response, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Map, Value, json};
use std::collections::{BTreeSet, HashMap};
use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tower::Service;
use tower::ServiceExt;

/// Where local references point.
const SCHEMAS: &str = "#/components/schemas/";
/// Suffix of the copy of a component used as a part of a composition, which
/// must accept the properties of the other parts.
const OPEN: &str = "..open";
/// Response headers that a client acts on, so must be documented where sent.
const DOCUMENTED_HEADERS: [&str; 4] = ["link", "location", "retry-after", "etag"];

static CHECKED: AtomicUsize = AtomicUsize::new(0);
static VALIDATED: AtomicUsize = AtomicUsize::new(0);
static CONTRACT: tokio::sync::OnceCell<Contract> = tokio::sync::OnceCell::const_new();

/// Responses checked against the document in this process.
pub fn checked() -> usize {
    CHECKED.load(Ordering::SeqCst)
}

/// JSON bodies validated against a documented schema in this process.
pub fn validated() -> usize {
    VALIDATED.load(Ordering::SeqCst)
}

/// Sends `req` through `router`, collects the response and enforces the
/// contract on it. The body is returned as sent (still gzip-encoded, if it
/// was).
pub async fn call<S>(router: S, req: Request<Body>) -> Response<Bytes>
where
    S: Service<Request<Body>, Response = axum::response::Response, Error = Infallible> + Clone,
{
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let contract = contract(&router).await;
    let resp = router.oneshot(req).await.unwrap_or_else(|e| match e {});
    let (parts, body) = resp.into_parts();
    let bytes = body
        .collect()
        .await
        .unwrap_or_else(|e| panic!("{method} {path}: reading the body: {e}"))
        .to_bytes();
    if let Err(e) = contract.check(&method, &path, parts.status, &parts.headers, &bytes) {
        panic!("{e}");
    }
    Response::from_parts(parts, bytes)
}

/// The contract, read from `router` the first time it is needed.
pub async fn contract<S>(router: &S) -> &'static Contract
where
    S: Service<Request<Body>, Response = axum::response::Response, Error = Infallible> + Clone,
{
    CONTRACT
        .get_or_init(|| async {
            let req = Request::get("/api/v1/openapi.json")
                .body(Body::empty())
                .unwrap_or_else(|e| panic!("building the request: {e}"));
            let resp = router
                .clone()
                .oneshot(req)
                .await
                .unwrap_or_else(|e| match e {});
            assert_eq!(resp.status(), StatusCode::OK, "GET /api/v1/openapi.json");
            let bytes = resp
                .into_body()
                .collect()
                .await
                .unwrap_or_else(|e| panic!("reading the OpenAPI document: {e}"))
                .to_bytes();
            let doc: Value = serde_json::from_slice(&bytes)
                .unwrap_or_else(|e| panic!("the OpenAPI document is not JSON: {e}"));
            Contract::new(doc)
        })
        .await
}

/// One operation of the document.
struct Operation {
    method: String,
    template: String,
    segments: Vec<String>,
}

/// An OpenAPI document ready to check responses against.
pub struct Contract {
    doc: Value,
    operations: Vec<Operation>,
    /// `components`, tightened (see [`tighten`]), with open copies.
    components: Value,
    validators: Mutex<HashMap<(String, String, String), Arc<jsonschema::Validator>>>,
}

impl Contract {
    /// Reads the operations of `doc`.
    pub fn new(doc: Value) -> Contract {
        assert!(
            doc["openapi"]
                .as_str()
                .is_some_and(|v| v.starts_with("3.1")),
            "the document is OpenAPI 3.1 (JSON Schema 2020-12): {}",
            doc["openapi"]
        );
        let mut operations = Vec::new();
        for (template, item) in doc["paths"].as_object().into_iter().flatten() {
            for method in item.as_object().into_iter().flatten().map(|(m, _)| m) {
                operations.push(Operation {
                    method: method.to_ascii_lowercase(),
                    template: template.clone(),
                    segments: template.split('/').map(str::to_string).collect(),
                });
            }
        }
        let components = tightened_components(&doc);
        Contract {
            doc,
            operations,
            components,
            validators: Mutex::new(HashMap::new()),
        }
    }

    /// The document the contract was read from.
    pub fn document(&self) -> &Value {
        &self.doc
    }

    /// The path template of the document that `path` falls under, preferring
    /// the most literal one.
    pub fn template(&self, path: &str) -> Option<&str> {
        let parts: Vec<&str> = path.split('/').collect();
        self.operations
            .iter()
            .filter(|o| {
                o.segments.len() == parts.len()
                    && o.segments.iter().zip(&parts).all(|(t, p)| {
                        t == p || (t.starts_with('{') && t.ends_with('}') && !p.is_empty())
                    })
            })
            .max_by_key(|o| o.segments.iter().filter(|t| !t.starts_with('{')).count())
            .map(|o| o.template.as_str())
    }

    /// Whether `path` is one the document speaks for.
    fn governs(&self, path: &str) -> bool {
        path.starts_with("/api/") || self.template(path).is_some()
    }

    /// Checks one response. `Ok(false)` for a path outside the document's
    /// reach; `Ok(true)` when checked. Counts what it checks.
    pub fn check(
        &self,
        method: &Method,
        path: &str,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<bool, String> {
        if !self.governs(path) {
            return Ok(false);
        }
        let fail = |template: &str, problem: String| {
            let text = String::from_utf8_lossy(body);
            let excerpt: String = text.chars().take(600).collect();
            format!(
                "OpenAPI contract broken by {method} {path} (operation {method} {template}), status {status}: {problem}\nbody: {excerpt}{}",
                if text.chars().count() > 600 {
                    " …"
                } else {
                    ""
                }
            )
        };
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let json_body = content_type == "application/json" || content_type.ends_with("+json");
        let text = decoded(headers, body).map_err(|e| fail("?", e))?;

        // HEAD is answered by the GET handler.
        let lookup = if *method == Method::HEAD {
            "get".to_string()
        } else {
            method.as_str().to_ascii_lowercase()
        };
        let template = self.template(path).filter(|t| {
            self.operations
                .iter()
                .any(|o| o.template == *t && o.method == lookup)
        });
        let Some(template) = template else {
            // Not an operation of the document: only the router's own
            // answers to unknown paths and methods may come from here.
            if !matches!(status.as_u16(), 404 | 405) {
                return Err(fail(
                    "(none)",
                    "the document has no operation for this path and method".into(),
                ));
            }
            if json_body {
                let schema = json!({"$ref": format!("{SCHEMAS}ErrorBody")});
                self.validate(("(fallback)", "", "404"), &schema, &text)
                    .map_err(|e| fail("(fallback)", e))?;
                VALIDATED.fetch_add(1, Ordering::SeqCst);
            }
            CHECKED.fetch_add(1, Ordering::SeqCst);
            return Ok(true);
        };
        let operation = &self.doc["paths"][template][lookup.as_str()];
        let code = status.as_u16().to_string();
        let response = self.resolve_response(&operation["responses"][code.as_str()]);
        let Some(response) = response else {
            let documented: Vec<&String> = operation["responses"]
                .as_object()
                .map(|m| m.keys().collect())
                .unwrap_or_default();
            return Err(fail(
                template,
                format!("status {code} is not documented (documented: {documented:?})"),
            ));
        };
        for name in DOCUMENTED_HEADERS {
            if headers.contains_key(name) {
                let declared = response["headers"]
                    .as_object()
                    .is_some_and(|h| h.keys().any(|k| k.eq_ignore_ascii_case(name)));
                if !declared {
                    return Err(fail(
                        template,
                        format!("the response carries {name}, which is not documented"),
                    ));
                }
            }
        }
        let content = response["content"].as_object();
        if text.is_empty() {
            CHECKED.fetch_add(1, Ordering::SeqCst);
            return Ok(true);
        }
        let Some(content) = content else {
            return Err(fail(
                template,
                format!("a {content_type:?} body is sent, but the response documents no content"),
            ));
        };
        let Some(media) = content.get(&content_type) else {
            let documented: Vec<&String> = content.keys().collect();
            return Err(fail(
                template,
                format!("the body is {content_type:?}, the response documents {documented:?}"),
            ));
        };
        if json_body {
            let Some(schema) = media.get("schema") else {
                return Err(fail(template, "no schema for the JSON body".into()));
            };
            self.validate((template, &lookup, &code), schema, &text)
                .map_err(|e| fail(template, e))?;
            VALIDATED.fetch_add(1, Ordering::SeqCst);
        }
        CHECKED.fetch_add(1, Ordering::SeqCst);
        Ok(true)
    }

    /// A response object, following a `$ref` to `#/components/responses/`.
    fn resolve_response<'a>(&'a self, r: &'a Value) -> Option<&'a Value> {
        if r.is_null() {
            return None;
        }
        match r.get("$ref").and_then(Value::as_str) {
            Some(reference) => {
                let name = reference.strip_prefix("#/components/responses/")?;
                let target = &self.doc["components"]["responses"][name];
                (!target.is_null()).then_some(target)
            }
            None => Some(r),
        }
    }

    /// Validates `text` (JSON) against `schema`, compiled once per response.
    fn validate(&self, key: (&str, &str, &str), schema: &Value, text: &str) -> Result<(), String> {
        let instance: Value = serde_json::from_str(text)
            .map_err(|e| format!("the body is not JSON although its type says so: {e}"))?;
        let key = (key.0.to_string(), key.1.to_string(), key.2.to_string());
        let cached = self
            .validators
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&key)
            .cloned();
        let validator = match cached {
            Some(v) => v,
            None => {
                let v = Arc::new(self.compile(schema)?);
                self.validators
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .insert(key, v.clone());
                v
            }
        };
        let errors: Vec<String> = validator
            .iter_errors(&instance)
            .take(20)
            .map(|e| format!("  at {:?}: {e}", e.instance_path().as_str()))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "the body does not match the documented schema:\n{}",
                errors.join("\n")
            ))
        }
    }

    /// Compiles a response schema with the document's components beside it,
    /// so that local references resolve.
    pub fn compile(&self, schema: &Value) -> Result<jsonschema::Validator, String> {
        let mut root = schema.clone();
        tighten(&mut root, false, &mut BTreeSet::new());
        let Value::Object(mut root) = root else {
            return Err(format!("a schema is not an object: {schema}"));
        };
        root.insert(
            "$schema".into(),
            json!("https://json-schema.org/draft/2020-12/schema"),
        );
        root.insert("components".into(), self.components.clone());
        jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&Value::Object(root))
            .map_err(|e| format!("the documented schema does not compile: {e}"))
    }
}

/// The body as text, gzip-decoded when it was sent encoded.
fn decoded(headers: &HeaderMap, body: &[u8]) -> Result<String, String> {
    let gzip = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("gzip"));
    if !gzip {
        return Ok(String::from_utf8_lossy(body).into_owned());
    }
    let mut out = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(body), &mut out)
        .map_err(|e| format!("the gzip body does not decode: {e}"))?;
    Ok(out)
}

/// The document's `components` with every schema tightened, and an open
/// copy of each schema that is a part of a composition, in a component or
/// in a response.
fn tightened_components(doc: &Value) -> Value {
    let mut out = doc["components"].clone();
    let schemas: Map<String, Value> = doc["components"]["schemas"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let mut open = BTreeSet::new();
    let responses = doc["paths"]
        .as_object()
        .into_iter()
        .flat_map(|paths| paths.values())
        .filter_map(Value::as_object)
        .flat_map(|item| item.values())
        .filter_map(|operation| operation["responses"].as_object())
        .flat_map(|responses| responses.values())
        .chain(
            doc["components"]["responses"]
                .as_object()
                .into_iter()
                .flat_map(|r| r.values()),
        );
    for response in responses {
        for media in response["content"]
            .as_object()
            .into_iter()
            .flat_map(|c| c.values())
        {
            let mut schema = media["schema"].clone();
            tighten(&mut schema, false, &mut open);
        }
    }
    let mut tightened = Map::new();
    for (name, schema) in &schemas {
        let mut s = schema.clone();
        tighten(&mut s, false, &mut open);
        tightened.insert(name.clone(), s);
    }
    // Open copies may themselves refer to parts to open.
    let mut done = BTreeSet::new();
    while let Some(name) = open.iter().find(|n| !done.contains(*n)).cloned() {
        done.insert(name.clone());
        if let Some(schema) = schemas.get(&name) {
            let mut s = schema.clone();
            tighten(&mut s, true, &mut open);
            tightened.insert(format!("{name}{OPEN}"), s);
        }
    }
    if let Some(o) = out.as_object_mut() {
        o.insert("schemas".into(), Value::Object(tightened));
    }
    out
}

/// Forbids undeclared properties: every object schema that declares its
/// properties (or composes other schemas with `allOf`) and says nothing
/// about others gets `unevaluatedProperties: false`. A schema that is itself
/// a part of such a composition (`part` is true) is left open, since its
/// siblings declare the rest; a reference in that place is pointed at the
/// open copy of its target, whose name is added to `open`.
fn tighten(node: &mut Value, part: bool, open: &mut BTreeSet<String>) {
    let Some(obj) = node.as_object_mut() else {
        return;
    };
    if part
        && let Some(Value::String(reference)) = obj.get_mut("$ref")
        && let Some(name) = reference.strip_prefix(SCHEMAS).map(str::to_string)
        && !name.ends_with(OPEN)
    {
        *reference = format!("{SCHEMAS}{name}{OPEN}");
        open.insert(name);
    }
    let composes = obj.contains_key("properties") || obj.contains_key("allOf");
    if composes
        && !part
        && !obj.contains_key("additionalProperties")
        && !obj.contains_key("unevaluatedProperties")
    {
        obj.insert("unevaluatedProperties".into(), Value::Bool(false));
    }
    for (key, value) in obj.iter_mut() {
        match key.as_str() {
            "properties" | "patternProperties" | "$defs" | "dependentSchemas" => {
                for v in value
                    .as_object_mut()
                    .into_iter()
                    .flat_map(|m| m.values_mut())
                {
                    tighten(v, false, open);
                }
            }
            "items"
            | "additionalProperties"
            | "unevaluatedProperties"
            | "unevaluatedItems"
            | "contains"
            | "not"
            | "if"
            | "then"
            | "else"
            | "propertyNames" => {
                tighten(value, false, open);
            }
            "prefixItems" => {
                for v in value.as_array_mut().into_iter().flatten() {
                    tighten(v, false, open);
                }
            }
            // Parts of an object's composition see its other properties.
            "allOf" => {
                for v in value.as_array_mut().into_iter().flatten() {
                    tighten(v, true, open);
                }
            }
            "anyOf" | "oneOf" => {
                for v in value.as_array_mut().into_iter().flatten() {
                    tighten(v, composes || part, open);
                }
            }
            _ => {}
        }
    }
}
