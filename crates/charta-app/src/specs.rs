//! A control as people read it: as it stands in the newest version, with
//! every version that contains it.

use crate::app::App;
use crate::error::Error;
use crate::lookup;
use crate::viewer::Viewer;
use charta_domain::Control;
use charta_store::ControlRevision;

/// A control as it stands in the newest version, with every version that
/// contains it.
#[derive(Debug)]
pub struct ControlDetail {
    pub spec: String,
    pub version: i64,
    pub control: Control,
    /// Oldest first; `changed` is true where the control differs from the
    /// previous version.
    pub history: Vec<HistoryEntry>,
}

/// One version of a control's history.
#[derive(Debug)]
pub struct HistoryEntry {
    pub revision: ControlRevision,
    pub changed: bool,
}

/// Marks the versions in which a control changed.
pub fn history_entries(revs: Vec<ControlRevision>) -> Vec<HistoryEntry> {
    let mut prev: Option<String> = None;
    revs.into_iter()
        .map(|r| {
            let changed = prev.as_deref() != Some(r.content_hash.as_str());
            prev = Some(r.content_hash.clone());
            HistoryEntry {
                revision: r,
                changed,
            }
        })
        .collect()
}

/// The identifier as the specification spells it, when `control` names a
/// control of the newest version only in another case (`svh-vm-03` for
/// `SVH-VM-03`): addresses typed or pasted by people then redirect to the
/// one canonical address. `None` when it is spelled right or names nothing.
pub async fn canonical_control(
    state: &App,
    viewer: &Viewer,
    spec: &str,
    control: &str,
) -> Result<Option<String>, Error> {
    let v = lookup::version(state, viewer, spec, None).await?;
    if v.spec.control(control).is_some() {
        return Ok(None);
    }
    Ok(v.spec
        .controls
        .iter()
        .find(|c| c.id.eq_ignore_ascii_case(control))
        .map(|c| c.id.clone()))
}

/// Loads a control of the newest version and its history.
pub async fn control_detail(
    state: &App,
    viewer: &Viewer,
    spec: &str,
    control: &str,
) -> Result<(ControlDetail, std::sync::Arc<crate::cache::CachedVersion>), Error> {
    let v = lookup::version(state, viewer, spec, None).await?;
    let c = v
        .spec
        .control(control)
        .cloned()
        .ok_or_else(|| Error::NotFound(format!("control {control} in specification {spec}")))?;
    let row = lookup::spec(state, viewer, spec).await?;
    let history = history_entries(state.store.control_history(row.id, control).await?);
    Ok((
        ControlDetail {
            spec: spec.to_string(),
            version: v.meta.number,
            control: c,
            history,
        },
        v,
    ))
}
