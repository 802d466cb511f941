//! Self-assessments of a project against a published release: starting
//! one, answering its controls, moving it to a newer release, publishing
//! it for good, and the working group's view of published ones.
//!
//! What an assessment amounts to (levels met, gaps, what a move carries
//! over) is computed by `charta_domain::assessment` from the answers and
//! the release every time it is shown, never stored, except the level
//! reached at publication, which the group's statistics count.
//! Drafts are private: anyone but their owner (and the owning
//! organisation's representatives) is told they do not exist.

use crate::app::App;
use crate::cache::CachedVersion;
use crate::error::Error;
use crate::lookup;
use crate::viewer::Viewer;
use charta_domain::access::{Action, Decision};
use charta_domain::assessment::{
    self as rules, Answer, Dropped, Evaluation, GapPlan, Status, SubjectKind,
};
use charta_domain::spec::Level;
use charta_release::assessment::{AssessmentInput, Subject};
use charta_store::{
    AssessmentFile, AssessmentRow, ControlCount, LevelCount, NewAnswer, NewAssessment, ReleaseRow,
    SpecRow,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::sync::Arc;

/// An assessment with everything its page and its JSON show.
#[derive(Debug, Clone)]
pub struct Assessment {
    pub row: AssessmentRow,
    pub release: ReleaseRow,
    pub version: Arc<CachedVersion>,
    /// Sorted by control identifier.
    pub answers: Vec<Answer>,
    /// What changed in each control flagged at the last move (the diff's
    /// JSON), by control.
    pub redlines: BTreeMap<String, serde_json::Value>,
    /// Answers that dropped out at the last move.
    pub dropped: Vec<Dropped>,
    pub evaluation: Evaluation,
    /// What remains for the target level and, below level 3, the next one.
    pub plans: Vec<GapPlan>,
    /// Whether the viewer may answer, move and publish it.
    pub editable: bool,
    /// The specification's newest release, when it is newer than the
    /// assessment's.
    pub newer: Option<ReleaseRow>,
}

impl Assessment {
    /// The answer for a control, if any. Pages look up every control of
    /// the release, so this is a binary search: `answers` is kept sorted.
    pub fn answer(&self, control: &str) -> Option<&Answer> {
        self.answers
            .binary_search_by(|a| a.control.as_str().cmp(control))
            .ok()
            .map(|i| &self.answers[i])
    }

    pub fn target(&self) -> Level {
        level(self.row.target_level)
    }
}

fn level(n: i64) -> Level {
    Level::clamped(n)
}

/// What starting an assessment needs.
#[derive(Debug, Clone)]
pub struct Start<'a> {
    pub spec: &'a str,
    pub release: &'a str,
    pub kind: SubjectKind,
    pub name: &'a str,
    pub url: &'a str,
    pub target: Level,
    /// The slug of an organisation the person speaks for, to own it.
    pub organization: Option<&'a str>,
}

/// One answer as a person gives it.
#[derive(Debug, Clone)]
pub struct Given<'a> {
    pub control: &'a str,
    pub status: Status,
    pub justification: &'a str,
    pub evidence: Vec<String>,
}

fn actor(viewer: &Viewer) -> Result<String, Error> {
    Ok(format!("user:{}", viewer.user()?.id))
}

/// The organisation with this slug among those the person speaks for.
async fn own_organization(app: &App, viewer: &Viewer, slug: &str) -> Result<i64, Error> {
    for m in &viewer.memberships {
        let Some(org_id) = m.organization_id else {
            continue;
        };
        if app
            .store
            .organizations(m.group_id)
            .await?
            .iter()
            .any(|o| o.id == org_id && o.slug == slug)
        {
            return Ok(org_id);
        }
    }
    Err(Error::Forbidden(format!(
        "you do not speak for an organisation {slug:?}; only its representatives and alternates can start an assessment on its behalf (leave the organisation out to own the assessment yourself)"
    )))
}

/// Starts a draft assessment of a subject against a published release.
pub async fn start(app: &App, viewer: &Viewer, s: Start<'_>) -> Result<AssessmentRow, Error> {
    let organization_id = match s.organization.map(str::trim).filter(|o| !o.is_empty()) {
        Some(slug) => {
            viewer.user()?;
            Some(own_organization(app, viewer, slug).await?)
        }
        None => None,
    };
    viewer.require(Action::StartAssessment { organization_id })?;
    let user = viewer.user()?;
    rules::check_subject(s.name, s.url).map_err(Error::BadRequest)?;
    let release = public_release(app, s.spec, s.release).await?;
    let id = app
        .store
        .create_assessment(NewAssessment {
            owner_id: user.id,
            organization_id,
            subject_kind: s.kind.as_str(),
            subject_name: s.name.trim(),
            subject_url: s.url.trim(),
            release_id: release.id,
            target_level: s.target.get(),
        })
        .await?;
    Ok(app.store.assessment(id).await?)
}

/// A release of a public specification. Releases are public by nature,
/// so this needs no reading right of its own (a token scoped to `assess`
/// alone may start an assessment).
async fn public_release(app: &App, spec: &str, name: &str) -> Result<ReleaseRow, Error> {
    let missing = || {
        Error::NotFound(format!(
            "release {name} of {spec} (see /specs/{spec}/releases)"
        ))
    };
    let row = app.store.spec(spec).await.map_err(|_| missing())?;
    if row.visibility != "public" {
        return Err(missing());
    }
    app.store.release(row.id, name).await.map_err(|_| missing())
}

/// Loads an assessment row the viewer may read; a draft of someone else is
/// not found.
async fn readable(app: &App, viewer: &Viewer, id: i64) -> Result<AssessmentRow, Error> {
    let missing = || Error::NotFound(format!("assessment {id}"));
    let row = match app.store.assessment(id).await {
        Ok(row) => row,
        Err(charta_store::StoreError::NotFound(_)) => return Err(missing()),
        Err(e) => return Err(e.into()),
    };
    let action = Action::ReadAssessment {
        owner_id: row.owner_id,
        organization_id: row.organization_id,
        published: row.is_published(),
    };
    match viewer.decide(action) {
        Decision::Allow => Ok(row),
        // The owner is told what is missing (such as a token's scope);
        // everyone else learns nothing.
        _ if viewer.user.as_ref().is_some_and(|u| u.id == row.owner_id) => {
            viewer.require(action)?;
            Ok(row)
        }
        _ => Err(missing()),
    }
}

fn may_edit(viewer: &Viewer, row: &AssessmentRow) -> bool {
    !row.is_published()
        && viewer.decide(Action::EditAssessment {
            owner_id: row.owner_id,
            organization_id: row.organization_id,
        }) == Decision::Allow
}

/// Loads a draft the viewer may change.
async fn editable(app: &App, viewer: &Viewer, id: i64) -> Result<AssessmentRow, Error> {
    let row = readable(app, viewer, id).await?;
    viewer.require(Action::EditAssessment {
        owner_id: row.owner_id,
        organization_id: row.organization_id,
    })?;
    if row.is_published() {
        return Err(Error::Conflict(format!(
            "assessment {id} is published and never changes; start a new assessment to record a new state"
        )));
    }
    Ok(row)
}

async fn spec_of(app: &App, row: &AssessmentRow) -> Result<SpecRow, Error> {
    Ok(app.store.spec(&row.spec_slug).await?)
}

/// Builds the view of a row the viewer may read.
async fn view(app: &App, viewer: &Viewer, row: AssessmentRow) -> Result<Assessment, Error> {
    let spec = spec_of(app, &row).await?;
    let release = app.store.release(spec.id, &row.release_name).await?;
    let version = lookup::version_of(app, &spec, release.version).await?;
    let stored = app.store.assessment_answers(row.id).await?;
    let redlines = stored_redlines(&stored);
    let answers: Vec<Answer> = stored.iter().map(|a| a.answer()).collect();
    standing(app, viewer, row, &spec, release, version, answers, redlines).await
}

/// The redlines stored with answers flagged at a move, by control.
fn stored_redlines(stored: &[charta_store::AnswerRow]) -> BTreeMap<String, serde_json::Value> {
    stored
        .iter()
        .filter(|a| !a.redline.is_empty())
        .filter_map(|a| Some((a.control.clone(), serde_json::from_str(&a.redline).ok()?)))
        .collect()
}

/// Completes the view from the answers as they stand: the standing per
/// level, the gap plans and whether a newer release exists.
#[allow(
    clippy::too_many_arguments,
    reason = "the parts of one view, each loaded by its caller"
)]
async fn standing(
    app: &App,
    viewer: &Viewer,
    row: AssessmentRow,
    spec: &SpecRow,
    release: ReleaseRow,
    version: Arc<CachedVersion>,
    mut answers: Vec<Answer>,
    redlines: BTreeMap<String, serde_json::Value>,
) -> Result<Assessment, Error> {
    answers.sort_unstable_by(|a, b| a.control.cmp(&b.control));
    let dropped: Vec<Dropped> = serde_json::from_str(&row.dropped).unwrap_or_default();
    let target = level(row.target_level);
    let evaluation = rules::evaluate(&version.spec, &answers);
    let mut plans = vec![rules::gap_plan(&version.spec, &answers, target)];
    if let Ok(next) = Level::new(target.get() + 1) {
        plans.push(rules::gap_plan(&version.spec, &answers, next));
    }
    let newer = app
        .store
        .releases(spec.id)
        .await?
        .into_iter()
        .next()
        .filter(|r| r.version > release.version);
    Ok(Assessment {
        editable: may_edit(viewer, &row),
        row,
        release,
        version,
        answers,
        redlines,
        dropped,
        evaluation,
        plans,
        newer,
    })
}

/// An assessment the viewer may read, with its standing and gap plan.
pub async fn get(app: &App, viewer: &Viewer, id: i64) -> Result<Assessment, Error> {
    let row = readable(app, viewer, id).await?;
    view(app, viewer, row).await
}

/// Records the answer for one control of a draft.
pub async fn answer(
    app: &App,
    viewer: &Viewer,
    id: i64,
    given: Given<'_>,
) -> Result<Assessment, Error> {
    let row = editable(app, viewer, id).await?;
    let a = view(app, viewer, row).await?;
    let evidence: Vec<String> = given
        .evidence
        .iter()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    let justification = given.justification.trim();
    rules::check_answer(
        &a.version.spec,
        given.control,
        given.status,
        justification,
        &evidence,
    )
    .map_err(Error::BadRequest)?;
    app.store
        .save_answer(
            id,
            &actor(viewer)?,
            &Answer {
                control: given.control.to_string(),
                status: Some(given.status),
                justification: justification.to_string(),
                evidence,
                review: None,
            },
        )
        .await?;
    get(app, viewer, id).await
}

/// Moves a draft to a newer release of its specification: unchanged
/// controls keep their answers, changed ones are flagged with what
/// changed, new ones are listed to answer, withdrawn ones drop out with a
/// note.
pub async fn move_to(
    app: &App,
    viewer: &Viewer,
    id: i64,
    release_name: &str,
) -> Result<Assessment, Error> {
    let row = editable(app, viewer, id).await?;
    let spec = spec_of(app, &row).await?;
    let release_name = release_name.trim();
    let from = app.store.release(spec.id, &row.release_name).await?;
    let to = app
        .store
        .release(spec.id, release_name)
        .await
        .map_err(|_| {
            Error::NotFound(format!(
                "release {release_name:?} of {} (see /releases/{} for its releases)",
                spec.slug, spec.slug
            ))
        })?;
    if to.version <= from.version {
        return Err(Error::Conflict(format!(
            "release {} is not newer than {}, which the assessment is on; an assessment only moves forward",
            to.name, from.name
        )));
    }
    let old = lookup::version_of(app, &spec, from.version).await?;
    let new = lookup::version_of(app, &spec, to.version).await?;
    let stored = app.store.assessment_answers(id).await?;
    let new_version = new.clone();
    let moved = app
        .cpu
        .run(move |_| {
            let answers: Vec<Answer> = stored.iter().map(|a| a.answer()).collect();
            let c = rules::carry_forward(&old.spec, &new.spec, &answers);
            // Only what the move changes is written: answers flagged for
            // review (changed or new controls) and the answers that are
            // gone; the carried ones stay as they are, stored redline
            // included.
            let kept: std::collections::HashSet<&str> =
                c.answers.iter().map(|a| a.control.as_str()).collect();
            let removed: Vec<String> = answers
                .iter()
                .filter(|a| !kept.contains(a.control.as_str()))
                .map(|a| a.control.clone())
                .collect();
            let before: std::collections::HashMap<&str, &Answer> =
                answers.iter().map(|a| (a.control.as_str(), a)).collect();
            let mut redlines = stored_redlines(&stored);
            redlines.retain(|control, _| kept.contains(control.as_str()));
            let mut changed = Vec::new();
            for a in &c.answers {
                if before.get(a.control.as_str()) == Some(&a) {
                    continue;
                }
                let redline = match c.redlines.get(&a.control) {
                    Some(d) => {
                        let value = serde_json::to_value(d)
                            .map_err(|e| Error::Internal(format!("encoding a redline: {e}")))?;
                        let text = value.to_string();
                        redlines.insert(a.control.clone(), value);
                        text
                    }
                    None => {
                        redlines.remove(&a.control);
                        String::new()
                    }
                };
                changed.push(NewAnswer {
                    answer: a.clone(),
                    redline,
                });
            }
            let dropped = serde_json::to_string(&c.dropped)
                .map_err(|e| Error::Internal(format!("encoding dropped answers: {e}")))?;
            Ok(Moved {
                answers: c.answers,
                redlines,
                changed,
                removed,
                dropped,
            })
        })
        .await?;
    app.store
        .move_assessment(
            id,
            &actor(viewer)?,
            from.id,
            to.id,
            &moved.changed,
            &moved.removed,
            &moved.dropped,
        )
        .await?;
    // The view is built from what the move computed and wrote, rather
    // than by reading a thousand answers back.
    let row = app.store.assessment(id).await?;
    standing(
        app,
        viewer,
        row,
        &spec,
        to,
        new_version,
        moved.answers,
        moved.redlines,
    )
    .await
}

/// What a move computed: the answers as they now stand with their
/// redlines, and what to write.
struct Moved {
    answers: Vec<Answer>,
    redlines: BTreeMap<String, serde_json::Value>,
    changed: Vec<NewAnswer>,
    removed: Vec<String>,
    dropped: String,
}

/// Publishes a draft for good: freezes its answers and stores its JSON,
/// its OSCAL assessment results and an attestation signed with the
/// instance's release key.
pub async fn publish(app: &App, viewer: &Viewer, id: i64) -> Result<Assessment, Error> {
    let row = editable(app, viewer, id).await?;
    let key = app.release_key.clone().ok_or_else(|| {
        Error::Unavailable(
            "this instance has no release key configured (CHARTA_RELEASE_KEY), so it cannot sign an assessment".into(),
        )
    })?;
    let a = view(app, viewer, row).await?;
    let published_at = charta_store::now()
        .replace_nanosecond(0)
        .unwrap_or_else(|_| charta_store::now())
        .format(&time::format_description::well_known::Rfc3339)
        .map_err(|e| Error::Internal(format!("formatting a time: {e}")))?;
    let input = AssessmentInput {
        instance: app.settings.public_url.trim_end_matches('/').to_string(),
        id,
        subject: Subject {
            kind: a.row.subject_kind.clone(),
            name: a.row.subject_name.clone(),
            url: a.row.subject_url.clone(),
        },
        owner: a.row.owner_name.clone(),
        organization: a.row.organization_name.clone(),
        spec: a.row.spec_slug.clone(),
        spec_title: a.row.spec_title.clone(),
        release: a.release.name.clone(),
        release_manifest_sha256: a.release.manifest_sha256.clone(),
        target_level: a.target().get(),
        published_at,
        controls: a
            .version
            .spec
            .active_controls()
            .map(|c| (c.clone(), a.answer(&c.id).cloned()))
            .collect(),
        evaluation: a.evaluation.clone(),
    };
    let files = app
        .cpu
        .run(move |_| {
            charta_release::assessment::publish(&input, &key)
                .map_err(|e| Error::Internal(format!("building the assessment's files: {e}")))
        })
        .await?;
    let hashed: Vec<(&str, &[u8], String)> = files
        .iter()
        .map(|(n, c)| (n.as_str(), c.as_slice(), hex::encode(Sha256::digest(c))))
        .collect();
    app.store
        .publish_assessment(
            id,
            &actor(viewer)?,
            a.release.id,
            a.evaluation.achieved,
            &hashed,
        )
        .await?;
    get(app, viewer, id).await
}

/// The assessments the viewer owns or their organisations own.
pub async fn mine(app: &App, viewer: &Viewer) -> Result<Vec<AssessmentRow>, Error> {
    viewer.require(Action::StartAssessment {
        organization_id: None,
    })?;
    let user = viewer.user()?;
    let orgs: Vec<i64> = viewer
        .memberships
        .iter()
        .filter_map(|m| m.organization_id)
        .collect();
    Ok(app.store.assessments_of(user.id, &orgs).await?)
}

/// One file of a published assessment; drafts have none.
pub async fn file(
    app: &App,
    viewer: &Viewer,
    id: i64,
    name: &str,
) -> Result<AssessmentFile, Error> {
    let row = readable(app, viewer, id).await?;
    if !row.is_published() {
        return Err(Error::NotFound(format!(
            "{name} of assessment {id} (a draft has no files until it is published)"
        )));
    }
    Ok(app.store.assessment_file(id, name).await?)
}

/// A control's name beside the counts of the group's statistics.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ControlStat {
    pub control: String,
    pub title: String,
    pub level: u8,
    pub not_met: i64,
    pub not_applicable: i64,
    /// Published assessments that answered the control.
    pub answered: i64,
}

/// What the published assessments of one release add up to.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stats {
    pub spec: String,
    pub release: String,
    /// Published assessments.
    pub published: i64,
    /// How many meet each level (levels are cumulative, so one that meets
    /// level 2 is counted at levels 1 and 2).
    pub meeting: Vec<LevelMeeting>,
    /// Controls most often not met first.
    pub controls: Vec<ControlStat>,
}

/// How many published assessments meet one level.
#[derive(Debug, Clone, Copy, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LevelMeeting {
    pub level: u8,
    pub assessments: i64,
}

/// The statistics of a release's published assessments (public, as the
/// assessments are).
pub async fn stats(
    app: &App,
    viewer: &Viewer,
    spec: &str,
    release: &str,
) -> Result<(Stats, Vec<AssessmentRow>), Error> {
    viewer.require(Action::ReadPublic)?;
    let (row, release) = crate::release::load(app, viewer, spec, release).await?;
    let version = lookup::version_of(app, &row, release.version).await?;
    let counts: Vec<LevelCount> = app.store.assessment_level_counts(release.id).await?;
    let published = counts.iter().map(|c| c.assessments).sum();
    let meeting = (Level::MIN..=Level::MAX)
        .map(|l| LevelMeeting {
            level: l,
            assessments: counts
                .iter()
                .filter(|c| c.achieved_level.is_some_and(|a| a >= i64::from(l)))
                .map(|c| c.assessments)
                .sum(),
        })
        .collect();
    let controls = app
        .store
        .assessment_control_counts(release.id)
        .await?
        .into_iter()
        .map(|c: ControlCount| {
            let found = version.spec.control(&c.control);
            ControlStat {
                title: found.map(|x| x.title.clone()).unwrap_or_default(),
                level: found.map(|x| x.level.get()).unwrap_or(0),
                control: c.control,
                not_met: c.not_met,
                not_applicable: c.not_applicable,
                answered: c.answered,
            }
        })
        .collect();
    let list = app.store.published_assessments(release.id).await?;
    Ok((
        Stats {
            spec: row.slug.clone(),
            release: release.name.clone(),
            published,
            meeting,
            controls,
        },
        list,
    ))
}
