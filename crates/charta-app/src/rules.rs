//! A working group's ballot rules: thresholds, quorum, durations and who
//! may do what. Changing them never touches ballots already open, which
//! keep the rules they opened under.

use crate::amend;
use crate::app::App;
use crate::error::Error;
use crate::viewer::Viewer;
use charta_domain::access::Action;
use charta_domain::ballot::Rules;
use charta_store::GroupRow;

/// The rules of `group`; public, like the group.
pub async fn of(app: &App, group: &str) -> Result<(GroupRow, Rules), Error> {
    let g = app.store.group(group).await?;
    let rules = app.store.group_rules(g.id).await?;
    Ok((g, rules))
}

/// Sets the group's rules, after checking they hang together (a quorum
/// of at most 100 %, a minimum duration no longer than the default …).
pub async fn set(app: &App, viewer: &Viewer, group: &GroupRow, rules: &Rules) -> Result<(), Error> {
    viewer.require(Action::SetRules { group_id: group.id })?;
    rules.check().map_err(|e| Error::BadRequest(e.0))?;
    app.store
        .set_group_rules(
            group.id,
            &group.slug,
            rules,
            viewer.user.as_ref().map(|u| u.id),
            &amend::actor(viewer),
        )
        .await?;
    Ok(())
}
