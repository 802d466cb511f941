//! Following a specification or a catalog item to hear of releases.
//!
//! Members hear of their group's releases anyway; following is for everyone
//! else who relies on a specification (a standards body, an auditor) and
//! for people who care about one clause across specifications: whoever
//! follows `CRA:AnnexI.2.2` is written to when any public release maps a
//! control to it.

use crate::app::App;
use crate::error::Error;
use crate::viewer::Viewer;
use charta_domain::access::Action;
use charta_domain::notify::FollowKind;
use charta_store::FollowRow;

/// One thing the person follows, with a title and where to read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Follow {
    pub row: FollowRow,
    /// The specification's or the catalog item's title.
    pub title: String,
    /// Its page, as a path.
    pub path: String,
}

/// At most this many follows per person: enough for every clause of the
/// CRA, few enough that a release never fans out without bound.
pub const MAX_FOLLOWS: usize = 200;

async fn describe(app: &App, viewer: &Viewer, row: FollowRow) -> Follow {
    let (title, path) = match row.kind {
        FollowKind::Spec => match crate::lookup::spec(app, viewer, &row.subject).await {
            Ok(spec) => (spec.title, format!("/specs/{}", row.subject)),
            Err(_) => (row.subject.clone(), format!("/specs/{}", row.subject)),
        },
        FollowKind::Clause => match app.catalogs.item(&row.subject) {
            Some(r) => (
                r.item.title.clone(),
                format!("/catalogs/{}/items/{}", r.catalog.catalog, row.subject),
            ),
            None => (row.subject.clone(), "/catalogs".into()),
        },
    };
    Follow { row, title, path }
}

/// What the signed-in person follows.
pub async fn list(app: &App, viewer: &Viewer) -> Result<Vec<Follow>, Error> {
    viewer.require(Action::ViewAccount)?;
    let user = viewer.user()?;
    let mut out = Vec::new();
    for row in app.store.follows(user.id).await? {
        out.push(describe(app, viewer, row).await);
    }
    Ok(out)
}

/// Follows a specification the person may read, or an item of one of the
/// reference catalogs.
pub async fn follow(
    app: &App,
    viewer: &Viewer,
    kind: FollowKind,
    subject: &str,
) -> Result<Follow, Error> {
    viewer.require(Action::ViewAccount)?;
    let user = viewer.user()?;
    let subject = subject.trim();
    match kind {
        FollowKind::Spec => {
            crate::lookup::spec(app, viewer, subject).await?;
        }
        FollowKind::Clause => {
            if app.catalogs.item(subject).is_none() {
                return Err(Error::NotFound(format!(
                    "catalog item {subject:?} (identifiers look like CRA:AnnexI.2.2; see /catalogs)"
                )));
            }
        }
    }
    let existing = app.store.follows(user.id).await?;
    if existing.len() >= MAX_FOLLOWS
        && !existing
            .iter()
            .any(|f| f.kind == kind && f.subject == subject)
    {
        return Err(Error::Conflict(format!(
            "you follow {MAX_FOLLOWS} things already; stop following some on your account page first"
        )));
    }
    let row = app.store.follow(user.id, kind, subject).await?;
    Ok(describe(app, viewer, row).await)
}

/// Stops following; only one's own follows can be removed. Returns what
/// was followed.
pub async fn unfollow(app: &App, viewer: &Viewer, id: i64) -> Result<Follow, Error> {
    viewer.require(Action::ViewAccount)?;
    let user = viewer.user()?;
    let row = app.store.unfollow(user.id, id).await?;
    Ok(describe(app, viewer, row).await)
}

/// The person's follow of this subject, if any (for "Follow" or "Stop
/// following" buttons).
pub async fn find(
    app: &App,
    viewer: &Viewer,
    kind: FollowKind,
    subject: &str,
) -> Result<Option<FollowRow>, Error> {
    let Some(user) = viewer.user.as_ref() else {
        return Ok(None);
    };
    Ok(app
        .store
        .follows(user.id)
        .await?
        .into_iter()
        .find(|f| f.kind == kind && f.subject == subject))
}
