//! Publishing releases: what release pages, the API and the demo share.
//!
//! Publishing gathers everything a release states (the frozen version, the
//! previous release, the ballot that approved it, the amendments merged
//! since), builds the bundle with `charta-release` (a pure function, so the
//! same stored data always gives the same bytes), signs its manifest with
//! the instance's release key and stores every file in one transaction.

use crate::amend;
use crate::app::App;
use crate::error::Error;
use crate::lookup;
use crate::viewer::Viewer;
use charta_domain::access::Action;
use charta_domain::release::check_name;
use charta_release::{AmendmentRef, BallotRef, Predecessor, ReleaseInput, SigningKey};
use charta_store::{CheckpointRow, NewRelease, ReleaseRow, SpecRow};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// Loads a release of a readable specification by its name.
pub async fn load(
    state: &App,
    viewer: &Viewer,
    spec: &str,
    name: &str,
) -> Result<(SpecRow, ReleaseRow), Error> {
    let row = lookup::spec(state, viewer, spec).await?;
    let release = state
        .store
        .release(row.id, name)
        .await
        .map_err(|_| Error::NotFound(format!("release {name} of {spec}")))?;
    Ok((row, release))
}

/// Publishes version `version` of `spec` as release `name`.
pub async fn publish(
    state: &App,
    viewer: &Viewer,
    spec: &str,
    version: i64,
    name: &str,
) -> Result<ReleaseRow, Error> {
    let row = lookup::spec(state, viewer, spec).await?;
    viewer.require(Action::PublishRelease {
        group_id: row.group_id,
    })?;
    let user = viewer.user()?;
    publish_as(state, user.id, &row, version, name).await
}

/// What publishing a version needs, checked before anything is built.
pub struct Checked {
    pub key: Arc<SigningKey>,
    /// The release before this one, if any.
    pub predecessor: Option<ReleaseRow>,
    /// The ballot that approved releasing the version.
    pub approving: charta_store::BallotRow,
    pub today: time::Date,
}

/// Checks that version `version` of `row` can be published as release
/// `name` (a public specification, a signing key, a name that follows the
/// group's scheme and moves forward, a later version, a passed ballot),
/// without building or storing anything; the confirmation page and
/// publishing share it.
/// The versions of a specification whose release ballot passed and that
/// are newer than its newest release: what waits to be published, oldest
/// first.
pub async fn awaiting_publication(state: &App, spec_id: i64) -> Result<Vec<i64>, Error> {
    let newest = state
        .store
        .releases(spec_id)
        .await?
        .iter()
        .map(|r| r.version)
        .max()
        .unwrap_or(0);
    let mut approved: Vec<i64> = state
        .store
        .ballots_of_spec(spec_id)
        .await?
        .iter()
        .filter(|b| {
            b.kind == charta_domain::ballot::BallotKind::Release
                && b.outcome == Some(charta_domain::ballot::Outcome::Passed)
        })
        .filter_map(|b| b.version)
        .filter(|v| *v > newest)
        .collect();
    approved.sort_unstable();
    approved.dedup();
    Ok(approved)
}

pub async fn check_publication(
    state: &App,
    row: &SpecRow,
    version: i64,
    name: &str,
) -> Result<Checked, Error> {
    let spec = row.slug.as_str();
    if row.visibility != "public" {
        return Err(Error::Conflict(
            "a draft specification cannot be released; publish the specification first".into(),
        ));
    }
    let key: Arc<SigningKey> = state.release_key.clone().ok_or_else(|| {
        Error::Unavailable(
            "this instance has no release key configured (CHARTA_RELEASE_KEY), so it cannot sign releases".into(),
        )
    })?;
    if version < 1 || version > row.head_version {
        return Err(Error::NotFound(format!("version {version} of {spec}")));
    }
    let name = name.trim();
    let rules = state.store.group_rules(row.group_id).await?;
    let releases = state.store.releases(row.id).await?;
    let predecessor = releases.into_iter().next();
    let today = time::OffsetDateTime::now_utc().date();
    check_name(
        rules.release_scheme,
        name,
        predecessor.as_ref().map(|p| p.name.as_str()),
        today,
    )
    .map_err(Error::BadRequest)?;
    if let Some(p) = &predecessor
        && version <= p.version
    {
        return Err(Error::Conflict(format!(
            "release {} already covers version {}; a new release must freeze a later version",
            p.name, p.version
        )));
    }
    let ballots = state.store.ballots_of_spec(row.id).await?;
    let approving = ballots
        .into_iter()
        .find(|b| {
            b.kind == charta_domain::ballot::BallotKind::Release && b.version == Some(version) && b.outcome == Some(charta_domain::ballot::Outcome::Passed)
        })
        .ok_or_else(|| {
            Error::Conflict(format!(
                "releasing version {version} needs a passed release ballot on it; the chair opens one on the specification's ballots page"
            ))
        })?;
    Ok(Checked {
        key,
        predecessor,
        approving,
        today,
    })
}

/// Publishes, for a publisher whose right to publish was checked by the
/// caller (a request's viewer, or the demo seed).
pub async fn publish_as(
    state: &App,
    publisher_id: i64,
    row: &SpecRow,
    version: i64,
    name: &str,
) -> Result<ReleaseRow, Error> {
    let Checked {
        key,
        predecessor,
        approving,
        today,
    } = check_publication(state, row, version, name).await?;
    let name = name.trim();
    let predecessor = predecessor.as_ref();
    let approving = &approving;
    // The release carries a signed checkpoint of the audit log as it stands
    // before publication (the approving ballot included), so that anyone
    // holding the release can later tell whether that record was rewritten.
    let checkpoint = crate::checkpoint::make(state).await?;
    let input = assemble(
        state,
        row,
        version,
        name,
        today,
        predecessor,
        approving,
        checkpoint.as_ref(),
    )
    .await?;
    // Building, signing and hashing every artefact is pooled work; nothing
    // is stored until it is done, so an abandoned publication leaves no
    // trace.
    let catalogs = state.catalogs.clone();
    let (files, digests, manifest_sha256, key_id) = state
        .cpu
        .run(move |cancel| {
            let bundle = charta_release::build(&input, &catalogs)
                .map_err(|e| Error::BadRequest(format!("this version cannot be released: {e}")))?;
            cancel.check()?;
            let manifest_sha256 = hex::encode(Sha256::digest(bundle.manifest_bytes()));
            let key_id = charta_release::key_id(&key.verifying_key());
            let files = bundle.into_signed_files(&key);
            cancel.check()?;
            let digests: Vec<String> = files
                .values()
                .map(|c| hex::encode(Sha256::digest(c)))
                .collect();
            Ok((files, digests, manifest_sha256, key_id))
        })
        .await?;
    let hashed: Vec<(&str, &[u8], String)> = files
        .iter()
        .zip(digests)
        .map(|((n, c), digest)| (n.as_str(), c.as_slice(), digest))
        .collect();
    let published_on = today.to_string();
    let id = state
        .store
        .create_release(NewRelease {
            spec_id: row.id,
            spec_slug: &row.slug,
            version,
            name,
            published_on: &published_on,
            published_by: publisher_id,
            predecessor_id: predecessor.map(|p| p.id),
            ballot_id: Some(approving.id),
            manifest_sha256: &manifest_sha256,
            key_id: &key_id,
            audit_checkpoint_seq: checkpoint.as_ref().map(|c| c.seq),
            files: hashed,
        })
        .await?;
    tracing::info!(release = id, spec = %row.slug, name, "release published");
    // A release is a moment others will point to: pin the audit log as it
    // stands, publication included. The release stands if this fails; the
    // daily checkpoint catches up.
    if let Err(e) = crate::checkpoint::make(state).await {
        tracing::warn!("audit checkpoint after release {name} failed: {e}");
    }
    let release = state.store.release(row.id, name).await?;
    // Consumers may read releases from a static mirror; the hook brings it
    // up to date. The release stands if that fails.
    if let Some(hook) = state.after_publish.get() {
        hook.published(&release).await;
    }
    Ok(release)
}

/// Marks a release superseded, with a reason; its bytes stay served.
pub async fn supersede(
    state: &App,
    viewer: &Viewer,
    spec: &str,
    name: &str,
    reason: &str,
) -> Result<(), Error> {
    let (row, release) = load(state, viewer, spec, name).await?;
    viewer.require(Action::PublishRelease {
        group_id: row.group_id,
    })?;
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err(Error::BadRequest(
            "say why the release is superseded, for example which release replaces it (at most 2,000 characters)".into(),
        ));
    }
    state
        .store
        .supersede_release(&release, reason, &amend::actor(viewer))
        .await?;
    Ok(())
}

/// Everything a release states, gathered from the store: the frozen
/// version, the previous release, the approving ballot and the amendments
/// merged since, and the audit checkpoint it carries. The same stored data
/// always gives the same input, and so the same bytes.
#[expect(
    clippy::too_many_arguments,
    reason = "each is one stored fact the release states"
)]
async fn assemble(
    state: &App,
    row: &SpecRow,
    version: i64,
    name: &str,
    today: time::Date,
    predecessor: Option<&ReleaseRow>,
    approving: &charta_store::BallotRow,
    checkpoint: Option<&CheckpointRow>,
) -> Result<ReleaseInput, Error> {
    // Versions never change: take their parsed form from the cache.
    let stored = lookup::version_of(state, row, version).await?;
    let snapshot = stored.spec.clone();
    let pred = match predecessor {
        Some(p) => Some(Predecessor {
            version_name: p.name.clone(),
            spec: lookup::version_of(state, row, p.version)
                .await?
                .spec
                .clone(),
        }),
        None => None,
    };
    let since = predecessor.map_or(0, |p| p.version);
    let mut merged: Vec<_> = state
        .store
        .amendments(row.id)
        .await?
        .into_iter()
        .filter(|a| a.merged_version.is_some_and(|v| v > since && v <= version))
        .collect();
    merged.sort_by_key(|a| a.number);
    let group = state.store.group(&row.group_slug).await?;
    let input = ReleaseInput {
        spec_slug: row.slug.clone(),
        spec_title: snapshot.title.clone(),
        group_slug: group.slug.clone(),
        group_name: group.name.clone(),
        version_name: name.to_string(),
        spec_version: u64::try_from(version).unwrap_or_default(),
        date: today,
        content_hash: stored.meta.content_hash.clone(),
        spec: snapshot,
        predecessor: pred,
        ballots: vec![BallotRef {
            id: approving.id.to_string(),
            path: format!("/ballots/{}", approving.id),
            outcome: approving
                .outcome
                .map(|o| o.as_str().to_string())
                .unwrap_or_default(),
        }],
        amendments: merged
            .iter()
            .map(|a| AmendmentRef {
                number: u64::try_from(a.number).unwrap_or_default(),
                title: a.title.clone(),
                path: format!("/specs/{}/amendments/{}", row.slug, a.number),
            })
            .collect(),
        base_url: state.settings.public_url.clone(),
        audit_checkpoint: checkpoint.map(|c| c.document.clone().into_bytes()),
    };
    Ok(input)
}

/// Builds a published release again from the stored data it was made from,
/// and signs it with this instance's key: the result equals the stored
/// files byte for byte, which is how a release's reproducibility is checked.
pub async fn rebuild(
    state: &App,
    release: &ReleaseRow,
) -> Result<std::collections::BTreeMap<String, Vec<u8>>, Error> {
    let key = state
        .release_key
        .clone()
        .ok_or_else(|| Error::Unavailable("this instance has no release key configured".into()))?;
    let row = state.store.spec(&release.spec_slug).await?;
    let predecessor = match &release.predecessor_name {
        Some(p) => Some(state.store.release(row.id, p).await?),
        None => None,
    };
    let ballot_id = release
        .ballot_id
        .ok_or_else(|| Error::Internal(format!("release {} has no ballot", release.name)))?;
    let ballot = state.store.ballot(ballot_id).await?;
    let checkpoint = match release.audit_checkpoint_seq {
        Some(seq) => Some(state.store.checkpoint(seq).await?),
        None => None,
    };
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(&release.published_on, format)
        .map_err(|e| Error::Internal(format!("release {} has a bad date: {e}", release.name)))?;
    let input = assemble(
        state,
        &row,
        release.version,
        &release.name,
        date,
        predecessor.as_ref(),
        &ballot,
        checkpoint.as_ref(),
    )
    .await?;
    let catalogs = state.catalogs.clone();
    let name = release.name.clone();
    state
        .cpu
        .run(move |cancel| {
            let bundle = charta_release::build(&input, &catalogs)
                .map_err(|e| Error::Internal(format!("release {name} no longer builds: {e}")))?;
            cancel.check()?;
            Ok(bundle.into_signed_files(&key))
        })
        .await
}
