//! Proposing a change to one control through a form: its text, level,
//! status and mappings, with catalog items to choose from, into a new
//! amendment or one already being prepared. No YAML to read or write.

use super::form::{PageForm, field, has, values};
use super::{Page, Rejected, rejected_status};
use crate::auth::Viewer;
use crate::auth::viewer::Chrome;
use crate::auth::viewer::ChromeOf as _;
use crate::error::{Error, PageResult, see_other};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use charta_app::amendments::{self, EditInto};
use charta_app::lookup;
use charta_domain::access::Action;
use charta_domain::edit::EditKind;
use charta_domain::spec::{Control, ControlStatus, Level, Mapping, Relationship};
use charta_store::{AmendmentRow, SpecRow};
use serde::Deserialize;

/// One mapping row of the form.
#[derive(Debug, Clone, Default)]
pub struct MappingRow {
    pub target: String,
    pub relationship: String,
    pub rationale: String,
}

/// A catalog item offered in the mapping picker.
pub struct ItemChoice {
    pub id: String,
    pub label: String,
}

/// The control form as shown, or as typed when it comes back.
#[derive(Debug, Clone, Default)]
pub struct ControlForm {
    pub id: String,
    pub section: String,
    pub title: String,
    pub level: u8,
    pub status: String,
    pub replaced_by: String,
    pub statement: String,
    pub guidance: String,
    pub mappings: Vec<MappingRow>,
    /// `new`, or the number of the amendment to add the edit to.
    pub into: String,
    pub amendment_title: String,
    pub description: String,
    pub open: bool,
}

#[derive(Template)]
#[template(path = "edit/control.html")]
pub struct EditPage {
    pub title: String,
    pub chrome: Chrome,
    pub spec: SpecRow,
    /// Adding a control rather than changing one.
    pub adding: bool,
    pub form: ControlForm,
    pub sections: Vec<(String, String)>,
    pub relationships: Vec<&'static str>,
    pub items: Vec<ItemChoice>,
    /// Amendments the edit can be added to.
    pub amendments: Vec<AmendmentRow>,
    /// Why the form came back.
    pub problem: Option<String>,
    /// What "Preview" shows: the texts rendered and what coverage the edit
    /// gains or loses, before anything is saved.
    pub preview: Option<Preview>,
}

/// The edited control as it will read, and its coverage impact.
pub struct Preview {
    pub statement_html: String,
    pub guidance_html: String,
    pub impact: Vec<charta_domain::coverage::ItemImpact>,
}

impl ControlForm {
    fn of(c: &Control) -> ControlForm {
        let mut mappings: Vec<MappingRow> = c
            .mappings
            .iter()
            .map(|m| MappingRow {
                target: m.target.clone(),
                relationship: m.relationship.as_str().into(),
                rationale: m.rationale.clone(),
            })
            .collect();
        mappings.push(MappingRow::default());
        ControlForm {
            id: c.id.clone(),
            section: c.section.clone(),
            title: c.title.clone(),
            level: c.level.get(),
            status: c.status.as_str().into(),
            replaced_by: c.replaced_by.join(", "),
            statement: c.statement.clone(),
            guidance: c.guidance.clone(),
            mappings,
            into: "new".into(),
            ..ControlForm::default()
        }
    }

    /// Reads the posted fields; mapping rows come as repeated `target`,
    /// `relationship` and `rationale` fields, in order.
    fn read(fields: &[(String, String)]) -> ControlForm {
        let one = |k: &str| field(fields, k).to_string();
        let (targets, relationships, rationales) = (
            values(fields, "target"),
            values(fields, "relationship"),
            values(fields, "rationale"),
        );
        let mappings = targets
            .iter()
            .enumerate()
            .map(|(i, t)| MappingRow {
                target: t.trim().to_string(),
                relationship: relationships.get(i).unwrap_or(&"").to_string(),
                rationale: rationales.get(i).unwrap_or(&"").to_string(),
            })
            .collect();
        ControlForm {
            id: one("id").trim().to_string(),
            section: one("section"),
            title: one("title"),
            level: one("level").trim().parse().unwrap_or(0),
            status: one("status"),
            replaced_by: one("replaced_by"),
            statement: one("statement"),
            guidance: one("guidance"),
            mappings,
            into: one("into"),
            amendment_title: one("amendment_title"),
            description: one("description"),
            open: has(fields, "open"),
        }
    }

    /// The form with an empty mapping row at the end to add one.
    fn with_blank_row(mut self) -> ControlForm {
        if self.mappings.last().is_none_or(|m| !m.target.is_empty()) {
            self.mappings.push(MappingRow::default());
        }
        self
    }

    /// The control the form describes; errors name the field to fix.
    fn control(&self) -> Result<Control, Error> {
        let level = Level::new(self.level).map_err(|_| {
            Error::BadRequest("choose the level at which the control applies: 1, 2 or 3".into())
        })?;
        let status = match self.status.as_str() {
            "" | "active" => ControlStatus::Active,
            "withdrawn" => ControlStatus::Withdrawn,
            other => {
                return Err(Error::BadRequest(format!(
                    "the status is active or withdrawn, not {other:?}"
                )));
            }
        };
        let mut mappings = Vec::new();
        for (i, m) in self.mappings.iter().enumerate() {
            if m.target.is_empty() {
                continue;
            }
            let relationship = Relationship::ALL
                .into_iter()
                .find(|r| r.as_str() == m.relationship)
                .ok_or_else(|| {
                    Error::BadRequest(format!(
                        "mapping {} ({}): choose how the control relates to the item",
                        i + 1,
                        m.target
                    ))
                })?;
            mappings.push(Mapping {
                target: m.target.clone(),
                relationship,
                rationale: m.rationale.trim().to_string(),
            });
        }
        Ok(Control {
            id: self.id.clone(),
            section: self.section.clone(),
            title: self.title.trim().to_string(),
            level,
            status,
            replaced_by: self
                .replaced_by
                .split([',', ' '])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
            statement: self.statement.trim().to_string(),
            guidance: self.guidance.trim().to_string(),
            mappings,
        })
    }

    fn destination(&self) -> Result<EditInto<'_>, Error> {
        match self.into.as_str() {
            "" | "new" => Ok(EditInto::New {
                title: &self.amendment_title,
                description: &self.description,
                open: self.open,
            }),
            n => n.parse().map(EditInto::Amendment).map_err(|_| {
                Error::BadRequest(format!(
                    "add the change to a new amendment or to one of yours, not {n:?}"
                ))
            }),
        }
    }
}

async fn page(
    state: &AppState,
    viewer: &Viewer,
    row: SpecRow,
    adding: bool,
    form: ControlForm,
    problem: Option<String>,
) -> Result<EditPage, Error> {
    let head = lookup::version_of(state, &row, row.head_version).await?;
    let amendments = amendments::editable_amendments(state, viewer, &row).await?;
    let items = state
        .catalogs
        .catalogs()
        .iter()
        .flat_map(|c| c.items())
        .filter(|i| i.in_force())
        .map(|i| ItemChoice {
            id: i.id.clone(),
            label: match i.level {
                Some(l) => format!("{}, level {l}", i.title),
                None => i.title.clone(),
            },
        })
        .collect();
    Ok(EditPage {
        preview: None,
        title: if adding {
            format!("Add a control to {}", row.title)
        } else {
            format!("Propose a change to {}", form.id)
        },
        chrome: viewer.chrome(state),
        sections: head
            .spec
            .sections
            .iter()
            .map(|s| (s.id.clone(), s.title.clone()))
            .collect(),
        relationships: Relationship::ALL.iter().map(|r| r.as_str()).collect(),
        items,
        amendments,
        problem,
        adding,
        form,
        spec: row,
    })
}

async fn allowed(state: &AppState, viewer: &Viewer, spec: &str) -> Result<SpecRow, Error> {
    let row = lookup::spec(state, viewer, spec).await?;
    viewer.require(Action::Propose {
        group_id: row.group_id,
    })?;
    Ok(row)
}

/// The form for one control, filled in with its newest text.
pub async fn edit_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((spec, control)): Path<(String, String)>,
) -> PageResult<Page<EditPage>> {
    let row = allowed(&state, &viewer, &spec).await?;
    let head = lookup::version_of(&state, &row, row.head_version).await?;
    let c = head
        .spec
        .controls
        .iter()
        .find(|c| c.id == control)
        .ok_or_else(|| Error::NotFound(format!("control {control} of {spec}")))?;
    let mut form = ControlForm::of(c);
    form.amendment_title = format!("Change {}", c.id);
    Ok(Page(page(&state, &viewer, row, false, form, None).await?))
}

/// The form for a new control.
#[derive(Debug, Deserialize)]
pub struct NewQuery {
    pub section: Option<String>,
}

/// An empty form for a new control, in the section asked for.
pub async fn new_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(spec): Path<String>,
    Query(q): Query<NewQuery>,
) -> PageResult<Page<EditPage>> {
    let row = allowed(&state, &viewer, &spec).await?;
    let form = ControlForm {
        section: q.section.unwrap_or_default(),
        level: 1,
        status: "active".into(),
        mappings: vec![MappingRow::default()],
        into: "new".into(),
        amendment_title: "Add a control".into(),
        ..ControlForm::default()
    };
    Ok(Page(page(&state, &viewer, row, true, form, None).await?))
}

/// The preview of `form` against the newest version: nothing is stored.
async fn preview(
    state: &AppState,
    viewer: &Viewer,
    spec: &str,
    kind: EditKind,
    form: ControlForm,
) -> PageResult<Response> {
    let row = allowed(state, viewer, spec).await?;
    let head = lookup::version_of(state, &row, row.head_version).await?;
    let shown = form.control().and_then(|control| {
        let statement_html = crate::markdown::render(&control.statement);
        let guidance_html = crate::markdown::render(&control.guidance);
        let edited = charta_domain::edit::apply_control(&head.spec, control, kind)
            .map_err(Error::BadRequest)?;
        let impact = charta_domain::coverage::coverage_impact(&head.spec, &edited, &state.catalogs);
        Ok(Preview {
            statement_html,
            guidance_html,
            impact,
        })
    });
    let form = form.with_blank_row();
    let adding = kind == EditKind::Add;
    match shown {
        Ok(p) => {
            let mut page = page(state, viewer, row, adding, form, None).await?;
            page.preview = Some(p);
            Ok(Page(page).into_response())
        }
        Err(e) => {
            let status = rejected_status(&e);
            let page = page(state, viewer, row, adding, form, Some(e.to_string())).await?;
            Ok(Rejected(status, page).into_response())
        }
    }
}

async fn save(
    state: &AppState,
    viewer: &Viewer,
    spec: &str,
    kind: EditKind,
    form: ControlForm,
) -> PageResult<Response> {
    let done = match form.control() {
        Ok(control) => match form.destination() {
            Ok(into) => amendments::edit_control(state, viewer, spec, control, kind, into).await,
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    match done {
        Ok(e) => Ok(see_other(&format!(
            "/specs/{spec}/amendments/{}?from={}&to={}",
            e.amendment,
            if e.revision > 1 {
                (e.revision - 1).to_string()
            } else {
                "base".into()
            },
            e.revision
        ))
        .into_response()),
        Err(e @ (Error::BadRequest(_) | Error::Invalid(_) | Error::Conflict(_))) => {
            let row = allowed(state, viewer, spec).await?;
            let status = rejected_status(&e);
            let form = form.with_blank_row();
            let p = page(
                state,
                viewer,
                row,
                kind == EditKind::Add,
                form,
                Some(e.to_string()),
            )
            .await?;
            Ok(Rejected(status, p).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// Proposes the edited control.
pub async fn edit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((spec, control)): Path<(String, String)>,
    PageForm(f): PageForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    let mut form = ControlForm::read(&f);
    // The identifier is the page's, not a field to change.
    form.id = control;
    if has(&f, "preview") {
        return preview(&state, &viewer, &spec, EditKind::Change, form).await;
    }
    save(&state, &viewer, &spec, EditKind::Change, form).await
}

/// Proposes the new control.
pub async fn add(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(spec): Path<String>,
    PageForm(f): PageForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    let form = ControlForm::read(&f);
    if has(&f, "preview") {
        return preview(&state, &viewer, &spec, EditKind::Add, form).await;
    }
    save(&state, &viewer, &spec, EditKind::Add, form).await
}
