//! Ballots, group rules and the vote events.
//!
//! Votes are append-only events; an organisation's current position is its
//! newest event in the ballot's current round. Every write that depends on
//! the ballot being open first touches the ballot's row (`UPDATE ... SET
//! round = round`), which takes its row lock on PostgreSQL: a vote, an
//! extension, a cancellation and a closing therefore happen one after the
//! other, and a closing always sees every vote committed before it. (SQLite
//! serialises write transactions anyway.) Deadlines are compared in Rust on
//! the values read inside the transaction, never as text in SQL.

use crate::audit::{AuditEvent, Written, audit_append, audit_append_reserved};
use crate::delegations::voice_facts;
use crate::page::{Page, PageKey, PageRequest};
use crate::{Store, StoreError, StoreResult, in_tx, now, on_pool};
use charta_domain::ballot::{
    BallotKind, BallotState, Outcome, Position, Rules, Tally, Voter, may_close_early, tally,
};
use time::OffsetDateTime;

/// The `outcome` column as read, before it is checked: NULL while a ballot
/// runs. Decoded like an optional text on both backends, then turned into
/// an [`Outcome`], so a row never carries a word the domain does not know.
pub struct OutcomeColumn(Option<String>);

impl<DB: sqlx::Database> sqlx::Type<DB> for OutcomeColumn
where
    String: sqlx::Type<DB>,
{
    fn type_info() -> DB::TypeInfo {
        <String as sqlx::Type<DB>>::type_info()
    }
    fn compatible(ty: &DB::TypeInfo) -> bool {
        <String as sqlx::Type<DB>>::compatible(ty)
    }
}

impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for OutcomeColumn
where
    Option<String>: sqlx::Decode<'r, DB>,
{
    fn decode(value: DB::ValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        Ok(OutcomeColumn(
            <Option<String> as sqlx::Decode<'r, DB>>::decode(value)?,
        ))
    }
}

impl TryFrom<OutcomeColumn> for Option<Outcome> {
    type Error = String;
    fn try_from(c: OutcomeColumn) -> Result<Self, String> {
        c.0.map(Outcome::try_from).transpose()
    }
}

/// The columns of [`BallotRow`], joined with the names a page shows.
macro_rules! ballot_select {
    ($rest:literal) => {
        concat!(
            "SELECT b.id, b.group_id, g.slug AS group_slug, b.spec_id, s.slug AS spec_slug, s.title AS spec_title,
                    s.visibility AS spec_visibility, b.kind, b.amendment_id, a.number AS amendment_number,
                    b.version, b.revision, b.round, b.title, b.rules, b.state, b.opened_by, u.name AS opener_name,
                    b.opened_at, b.closes_at, b.closed_at, b.closed_by, b.outcome, b.tally, b.cancel_reason
             FROM ballots b JOIN specs s ON s.id = b.spec_id JOIN working_groups g ON g.id = b.group_id
             JOIN users u ON u.id = b.opened_by LEFT JOIN amendments a ON a.id = b.amendment_id ",
            $rest
        )
    };
}

/// The organisations eligible in ballot `$1`, as [`BallotVoterRow`]s; read
/// on their own and inside the closing transaction.
const VOTERS: &str = "SELECT o.id AS organization_id, o.slug, o.name, u.name AS voter_at_opening, v.delegation_id
     FROM ballot_voters v JOIN organizations o ON o.id = v.organization_id LEFT JOIN users u ON u.id = v.voter_id
     WHERE v.ballot_id = $1 ORDER BY o.name";

/// Every vote of ballot `$1`, oldest first, as [`VoteRow`]s.
const VOTES: &str = "SELECT v.id, v.organization_id, o.slug AS organization_slug, o.name AS organization_name, v.user_id,
            u.name AS voter_name, v.position, v.rationale, v.round, v.revision, v.cast_at, v.delegation_id
     FROM ballot_votes v JOIN organizations o ON o.id = v.organization_id JOIN users u ON u.id = v.user_id
     WHERE v.ballot_id = $1 ORDER BY v.id";

/// A ballot with the names its page shows.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct BallotRow {
    pub id: i64,
    pub group_id: i64,
    pub group_slug: String,
    pub spec_id: i64,
    pub spec_slug: String,
    pub spec_title: String,
    pub spec_visibility: String,
    #[sqlx(try_from = "String")]
    pub kind: BallotKind,
    pub amendment_id: Option<i64>,
    pub amendment_number: Option<i64>,
    /// The version a release ballot is about.
    pub version: Option<i64>,
    /// The amendment revision under vote.
    pub revision: Option<i64>,
    /// Starts at 1; a normative revision starts a new round and votes of
    /// earlier rounds no longer count.
    pub round: i64,
    pub title: String,
    /// The rules it was opened under, as JSON.
    pub rules: String,
    #[sqlx(try_from = "String")]
    pub state: BallotState,
    pub opened_by: i64,
    pub opener_name: String,
    pub opened_at: OffsetDateTime,
    pub closes_at: OffsetDateTime,
    pub closed_at: Option<OffsetDateTime>,
    /// `deadline`, or the account that closed early or cancelled.
    pub closed_by: Option<String>,
    /// Once closed; none while open or once cancelled.
    #[sqlx(try_from = "OutcomeColumn")]
    pub outcome: Option<Outcome>,
    /// The final tally as JSON, once closed.
    pub tally: Option<String>,
    pub cancel_reason: String,
}

impl BallotRow {
    /// The rules the ballot runs under.
    pub fn rules(&self) -> StoreResult<Rules> {
        serde_json::from_str(&self.rules).map_err(|e| {
            StoreError::Config(format!("ballot {} has unreadable rules: {e}", self.id))
        })
    }

    /// The final tally of a closed ballot.
    pub fn final_tally(&self) -> StoreResult<Option<Tally>> {
        self.tally
            .as_deref()
            .map(|t| {
                serde_json::from_str(t).map_err(|e| {
                    StoreError::Config(format!("ballot {} has an unreadable tally: {e}", self.id))
                })
            })
            .transpose()
    }

    /// How the ballot is named in the audit log.
    pub fn audit_object(&self) -> String {
        format!("ballot:{}", self.id)
    }
}

/// A member organisation eligible in a ballot.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct BallotVoterRow {
    pub organization_id: i64,
    pub slug: String,
    pub name: String,
    /// Who could vote for it when the ballot opened; `None` when nobody
    /// could (no representative and no delegation in force).
    pub voter_at_opening: Option<String>,
    /// The delegation that made them the voter, if one did.
    pub delegation_id: Option<i64>,
}

/// One vote event.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct VoteRow {
    pub id: i64,
    pub organization_id: i64,
    pub organization_slug: String,
    pub organization_name: String,
    pub user_id: i64,
    pub voter_name: String,
    #[sqlx(try_from = "String")]
    pub position: Position,
    pub rationale: String,
    pub round: i64,
    pub revision: Option<i64>,
    pub cast_at: OffsetDateTime,
    /// The delegation the vote was cast under; `None` when the
    /// organisation's representative cast it.
    pub delegation_id: Option<i64>,
}

/// A ballot to open.
#[derive(Debug, Clone)]
pub struct NewBallot<'a> {
    pub group_id: i64,
    pub spec_id: i64,
    pub kind: BallotKind,
    pub amendment_id: Option<i64>,
    pub version: Option<i64>,
    pub revision: Option<i64>,
    pub title: &'a str,
    pub rules: &'a Rules,
    pub opened_by: i64,
    pub opened_at: OffsetDateTime,
    pub closes_at: OffsetDateTime,
    /// What it is about, for the audit log (`amendment:spec/3`, `spec:slug@4`).
    pub subject: &'a str,
}

/// A vote to cast.
#[derive(Debug, Clone)]
pub struct NewVote<'a> {
    pub organization_id: i64,
    pub user_id: i64,
    pub position: Position,
    pub rationale: &'a str,
    pub at: OffsetDateTime,
}

/// How a ballot comes to close.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closing<'a> {
    /// The deadline passed: counts the votes cast before it.
    Deadline,
    /// The chair closes early; refused unless the rules allow it and the
    /// outcome can no longer change.
    Early { actor: &'a str },
}

/// The current positions of a ballot's organisations: the newest vote of
/// each in `round` cast before `until`, in the order of `voters`.
pub fn current_positions(
    voters: &[BallotVoterRow],
    votes: &[VoteRow],
    round: i64,
    until: Option<OffsetDateTime>,
) -> Vec<(Voter, Option<VoteRow>)> {
    voters
        .iter()
        .map(|o| {
            let latest = votes
                .iter()
                .filter(|v| v.organization_id == o.organization_id && v.round == round)
                .filter(|v| until.is_none_or(|u| v.cast_at < u))
                .max_by_key(|v| v.id)
                .cloned();
            (
                Voter {
                    name: o.name.clone(),
                    position: latest.as_ref().map(|v| v.position),
                },
                latest,
            )
        })
        .collect()
}

impl Store {
    /// A group's ballot rules; the defaults when the chair never set any.
    pub async fn group_rules(&self, group_id: i64) -> StoreResult<Rules> {
        let row: Option<(String,)> = on_pool!(self, p => sqlx::query_as("SELECT rules FROM group_rules WHERE group_id = $1")
            .bind(group_id)
            .fetch_optional(p)
            .await)?;
        match row {
            None => Ok(Rules::default()),
            Some((json,)) => serde_json::from_str(&json).map_err(|e| {
                StoreError::Config(format!("group {group_id} has unreadable rules: {e}"))
            }),
        }
    }

    /// Sets a group's ballot rules (already checked by the caller).
    pub async fn set_group_rules(
        &self,
        group_id: i64,
        group_slug: &str,
        rules: &Rules,
        actor_id: Option<i64>,
        actor: &str,
    ) -> StoreResult<()> {
        let json = serde_json::to_string(rules)
            .map_err(|e| StoreError::Config(format!("cannot write rules: {e}")))?;
        let at = now();
        in_tx!(self, tx => {
            sqlx::query(
                "INSERT INTO group_rules (group_id, rules, updated_by, updated_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (group_id) DO UPDATE SET rules = excluded.rules, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
            )
            .bind(group_id)
            .bind(&json)
            .bind(actor_id)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            let object = format!("group:{group_slug}");
            audit_append!(tx, &AuditEvent {
                actor,
                action: "group.rules.set",
                object: &object,
                details: serde_json::to_value(rules).unwrap_or_default(),
            });
        });
        Ok(())
    }

    /// Opens a ballot with the group's member organisations as voters.
    /// Refused with a conflict if a ballot on the same amendment or version
    /// is already open.
    pub async fn open_ballot(&self, b: NewBallot<'_>) -> StoreResult<i64> {
        let rules = serde_json::to_string(b.rules)
            .map_err(|e| StoreError::Config(format!("cannot write rules: {e}")))?;
        let actor = format!("user:{}", b.opened_by);
        let id = in_tx!(self, tx => {
            let open: Option<(i64,)> = sqlx::query_as(
                "SELECT id FROM ballots WHERE state = 'open' AND kind = $1 AND spec_id = $2
                   AND (amendment_id = $3 OR version = $4)",
            )
            .bind(b.kind.as_str())
            .bind(b.spec_id)
            .bind(b.amendment_id)
            .bind(b.version)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some((other,)) = open {
                return Err(StoreError::Conflict(format!(
                    "ballot {other} on this is still open; it must close or be cancelled first"
                )));
            }
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO ballots (group_id, spec_id, kind, amendment_id, version, revision, round, title, rules, state, opened_by, opened_at, closes_at)
                 VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, 'open', $9, $10, $11) RETURNING id",
            )
            .bind(b.group_id)
            .bind(b.spec_id)
            .bind(b.kind.as_str())
            .bind(b.amendment_id)
            .bind(b.version)
            .bind(b.revision)
            .bind(b.title)
            .bind(&rules)
            .bind(b.opened_by)
            .bind(b.opened_at)
            .bind(b.closes_at)
            .fetch_one(&mut *tx)
            .await?;
            let voters = sqlx::query(
                "INSERT INTO ballot_voters (ballot_id, organization_id) SELECT $1, id FROM organizations WHERE group_id = $2",
            )
            .bind(id)
            .bind(b.group_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if voters == 0 {
                return Err(StoreError::Conflict(
                    "the working group has no member organisations to vote".into(),
                ));
            }
            let orgs: Vec<(i64,)> = sqlx::query_as("SELECT organization_id FROM ballot_voters WHERE ballot_id = $1 ORDER BY organization_id")
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
            for (org,) in orgs {
                let voice = voice_facts!(tx, org).voice_at(b.opened_at);
                sqlx::query("UPDATE ballot_voters SET voter_id = $1, delegation_id = $2 WHERE ballot_id = $3 AND organization_id = $4")
                    .bind(voice.person())
                    .bind(voice.delegation())
                    .bind(id)
                    .bind(org)
                    .execute(&mut *tx)
                    .await?;
            }
            let object = format!("ballot:{id}");
            audit_append!(tx, &AuditEvent {
                actor: &actor,
                action: "ballot.open",
                object: &object,
                details: serde_json::json!({
                    "subject": b.subject, "kind": b.kind.as_str(), "title": b.title,
                    "revision": b.revision, "version": b.version, "voters": voters,
                    "closes_at": rfc3339(b.closes_at), "rules": b.rules,
                }),
            });
            id
        });
        Ok(id)
    }

    /// One ballot.
    pub async fn ballot(&self, id: i64) -> StoreResult<BallotRow> {
        let row: Option<BallotRow> = on_pool!(self, p => sqlx::query_as(ballot_select!("WHERE b.id = $1"))
            .bind(id)
            .fetch_optional(p)
            .await)?;
        row.ok_or_else(|| StoreError::NotFound(format!("ballot {id}")))
    }

    /// The ballots on a specification and its amendments, newest first.
    pub async fn ballots_of_spec(&self, spec_id: i64) -> StoreResult<Vec<BallotRow>> {
        Ok(
            on_pool!(self, p => sqlx::query_as(ballot_select!("WHERE b.spec_id = $1 ORDER BY b.id DESC"))
            .bind(spec_id)
            .fetch_all(p)
            .await)?,
        )
    }

    /// One page of the ballots on a specification and its amendments,
    /// newest first.
    pub async fn ballots_of_spec_page(
        &self,
        spec_id: i64,
        page: &PageRequest,
    ) -> StoreResult<Page<BallotRow>> {
        let rows = on_pool!(self, p => sqlx::query_as(
            ballot_select!("WHERE b.spec_id = $1 AND b.id < $2 ORDER BY b.id DESC LIMIT $3"),
        )
        .bind(spec_id)
        .bind(page.before_descending())
        .bind(page.fetch())
        .fetch_all(p)
        .await)?;
        Ok(Page::from_rows(rows, page, |b: &BallotRow| {
            PageKey::number(b.id)
        }))
    }

    /// The ballots on one amendment, newest first.
    pub async fn ballots_of_amendment(&self, amendment_id: i64) -> StoreResult<Vec<BallotRow>> {
        Ok(
            on_pool!(self, p => sqlx::query_as(ballot_select!("WHERE b.amendment_id = $1 ORDER BY b.id DESC"))
            .bind(amendment_id)
            .fetch_all(p)
            .await)?,
        )
    }

    /// The organisations eligible in a ballot, by name.
    pub async fn ballot_voters(&self, ballot_id: i64) -> StoreResult<Vec<BallotVoterRow>> {
        Ok(on_pool!(self, p => sqlx::query_as(
            VOTERS,
        )
        .bind(ballot_id)
        .fetch_all(p)
        .await)?)
    }

    /// Every vote event of a ballot, oldest first.
    pub async fn votes(&self, ballot_id: i64) -> StoreResult<Vec<VoteRow>> {
        Ok(on_pool!(self, p => sqlx::query_as(
            VOTES,
        )
        .bind(ballot_id)
        .fetch_all(p)
        .await)?)
    }

    /// Records a vote if the ballot is open and its deadline has not
    /// passed at `v.at`. The organisation must be eligible, and `v.user_id`
    /// must be the one person who votes for it at `v.at` (its
    /// representative, or the alternate of the delegation in force), and
    /// must not have voted for another organisation in this ballot: both
    /// are checked under the ballot's lock, so the organisation's position
    /// is always its current voter's newest vote.
    pub async fn cast_vote(&self, ballot: &BallotRow, v: NewVote<'_>) -> StoreResult<i64> {
        let actor = format!("user:{}", v.user_id);
        let object = ballot.audit_object();
        let id = in_tx!(self, tx => {
            // Locks the ballot's row (a vote and the ballot's closing take
            // turns) and reads, in the same round trip, whether the
            // organisation has a vote in it and whether this person already
            // voted for another one.
            let locked: Option<VoteLock> = sqlx::query_as(
                "UPDATE ballots SET round = round WHERE id = $1 AND state = 'open'
                 RETURNING closes_at, round, revision,
                     EXISTS (SELECT 1 FROM ballot_voters v WHERE v.ballot_id = $1 AND v.organization_id = $2) AS eligible,
                     (SELECT o.name FROM ballot_votes x JOIN organizations o ON o.id = x.organization_id
                      WHERE x.ballot_id = $1 AND x.user_id = $3 AND x.organization_id <> $2 ORDER BY x.id LIMIT 1) AS voted_for",
            )
            .bind(ballot.id)
            .bind(v.organization_id)
            .bind(v.user_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(VoteLock { closes_at, round, revision, eligible, voted_for }) = locked else {
                return Err(StoreError::Conflict(format!("ballot {} has closed; votes are no longer accepted", ballot.id)));
            };
            if v.at >= closes_at {
                return Err(StoreError::Conflict(format!(
                    "ballot {} closed at its deadline, {}; votes are no longer accepted",
                    ballot.id, rfc3339(closes_at)
                )));
            }
            if !eligible {
                return Err(StoreError::Conflict(
                    "this organisation was not a member of the group when the ballot opened, so it has no vote in it".into(),
                ));
            }
            let facts = voice_facts!(tx, v.organization_id);
            let voice = facts.voice_at(v.at);
            if voice.person() != Some(v.user_id) {
                return Err(StoreError::Forbidden(facts.refusal(voice)));
            }
            if let Some(other) = voted_for {
                return Err(StoreError::Conflict(format!(
                    "you already voted for {other} in this ballot, and one person casts the vote of one organisation only; {} needs someone else to vote for it",
                    facts.organization_name
                )));
            }
            // The vote's row and its audit entry's place in the chain, in
            // one round trip (see `audit_append_reserved!`).
            let sql = if crate::audit::is_sqlite(&tx) {
                "INSERT INTO ballot_votes (ballot_id, organization_id, user_id, position, rationale, round, revision, cast_at, delegation_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                 RETURNING id, (SELECT seq + 1 FROM audit_head WHERE id = 1) AS seq,
                     (SELECT hash FROM audit_head WHERE id = 1) AS prev_hash"
            } else {
                "WITH vote AS (
                     INSERT INTO ballot_votes (ballot_id, organization_id, user_id, position, rationale, round, revision, cast_at, delegation_id)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                     RETURNING id
                 ), head AS (
                     UPDATE audit_head SET seq = seq + 1 WHERE id = 1 AND EXISTS (SELECT 1 FROM vote)
                     RETURNING seq, hash
                 )
                 SELECT vote.id, head.seq, head.hash AS prev_hash FROM vote, head"
            };
            let cast: Written = sqlx::query_as(sql)
                .bind(ballot.id)
                .bind(v.organization_id)
                .bind(v.user_id)
                .bind(v.position.as_str())
                .bind(v.rationale)
                .bind(round)
                .bind(revision)
                .bind(v.at)
                .bind(voice.delegation())
                .fetch_one(&mut *tx)
                .await?;
            let id = cast.id;
            audit_append_reserved!(tx, &AuditEvent {
                actor: &actor,
                action: "ballot.vote",
                object: &object,
                details: serde_json::json!({
                    "vote": id, "organization": v.organization_id, "position": v.position.as_str(),
                    "rationale": v.rationale, "round": round, "revision": revision,
                    "delegation": voice.delegation(),
                }),
            }, cast.reserved);
            id
        });
        Ok(id)
    }

    /// Moves an open ballot's deadline later.
    pub async fn extend_ballot(
        &self,
        ballot: &BallotRow,
        closes_at: OffsetDateTime,
        at: OffsetDateTime,
        actor: &str,
    ) -> StoreResult<()> {
        let object = ballot.audit_object();
        in_tx!(self, tx => {
            let locked: Option<(OffsetDateTime,)> = sqlx::query_as(
                "UPDATE ballots SET round = round WHERE id = $1 AND state = 'open' RETURNING closes_at",
            )
            .bind(ballot.id)
            .fetch_optional(&mut *tx)
            .await?;
            let old = locked.map(|(c,)| c);
            let Some(old) = old.filter(|&c| at < c) else {
                return Err(StoreError::Conflict(format!("ballot {} has closed; it can no longer be extended", ballot.id)));
            };
            if closes_at <= old {
                return Err(StoreError::Conflict(format!(
                    "the new deadline must be later than the current one, {}", rfc3339(old)
                )));
            }
            sqlx::query("UPDATE ballots SET closes_at = $1 WHERE id = $2")
                .bind(closes_at)
                .bind(ballot.id)
                .execute(&mut *tx)
                .await?;
            audit_append!(tx, &AuditEvent {
                actor,
                action: "ballot.extend",
                object: &object,
                details: serde_json::json!({"from": rfc3339(old), "to": rfc3339(closes_at)}),
            });
        });
        Ok(())
    }

    /// Cancels an open ballot: it ends without an outcome.
    pub async fn cancel_ballot(
        &self,
        ballot: &BallotRow,
        reason: &str,
        at: OffsetDateTime,
        actor: &str,
    ) -> StoreResult<()> {
        let object = ballot.audit_object();
        in_tx!(self, tx => {
            let done = sqlx::query(
                "UPDATE ballots SET state = 'cancelled', closed_at = $1, closed_by = $2, cancel_reason = $3 WHERE id = $4 AND state = 'open'",
            )
            .bind(at)
            .bind(actor)
            .bind(reason)
            .bind(ballot.id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict(format!("ballot {} is no longer open", ballot.id)));
            }
            audit_append!(tx, &AuditEvent { actor, action: "ballot.cancel", object: &object, details: serde_json::json!({"reason": reason}) });
        });
        Ok(())
    }

    /// Closes a ballot and records its outcome, exactly once: a second
    /// closing, from this or another instance, finds it closed and returns
    /// `Ok(None)`. At the deadline the tally counts the votes cast before
    /// the deadline, whenever this runs.
    pub async fn close_ballot(
        &self,
        ballot_id: i64,
        how: Closing<'_>,
        at: OffsetDateTime,
    ) -> StoreResult<Option<Tally>> {
        let object = format!("ballot:{ballot_id}");
        let out = in_tx!(self, tx => {
            let locked: Option<(OffsetDateTime, i64, String, String)> = sqlx::query_as(
                "UPDATE ballots SET round = round WHERE id = $1 AND state = 'open' RETURNING closes_at, round, rules, kind",
            )
            .bind(ballot_id)
            .fetch_optional(&mut *tx)
            .await?;
            let open = match (locked, how) {
                (None, Closing::Early { .. }) => {
                    return Err(StoreError::Conflict(format!("ballot {ballot_id} is no longer open")));
                }
                (Some(l), Closing::Deadline) if at < l.0 => None,
                (l, _) => l,
            };
            if let Some((closes_at, round, rules, kind)) = open {
                let rules: Rules = serde_json::from_str(&rules)
                    .map_err(|e| StoreError::Config(format!("ballot {ballot_id} has unreadable rules: {e}")))?;
                let kind = BallotKind::parse(&kind)
                    .ok_or_else(|| StoreError::Config(format!("ballot {ballot_id} has unknown kind {kind}")))?;
                let voters: Vec<BallotVoterRow> = sqlx::query_as(
                    VOTERS,
                )
                .bind(ballot_id)
                .fetch_all(&mut *tx)
                .await?;
                let votes: Vec<VoteRow> = sqlx::query_as(
                    VOTES,
                )
                .bind(ballot_id)
                .fetch_all(&mut *tx)
                .await?;
                // At the deadline, what counts is what was cast before it;
                // an early close counts everything (all of it is earlier).
                let (until, closed_at, closed_by) = match how {
                    Closing::Deadline => (Some(closes_at), closes_at, "deadline".to_string()),
                    Closing::Early { actor } => (None, at, actor.to_string()),
                };
                let positions: Vec<Voter> = current_positions(&voters, &votes, round, until)
                    .into_iter()
                    .map(|(v, _)| v)
                    .collect();
                let t = tally(&rules, kind, &positions);
                if let Closing::Early { .. } = how {
                    may_close_early(&rules, &t).map_err(|e| StoreError::Conflict(e.0))?;
                }
                let json = serde_json::to_string(&t)
                    .map_err(|e| StoreError::Config(format!("cannot write the tally: {e}")))?;
                sqlx::query(
                    "UPDATE ballots SET state = 'closed', outcome = $1, tally = $2, closed_at = $3, closed_by = $4 WHERE id = $5 AND state = 'open'",
                )
                .bind(t.outcome.as_str())
                .bind(&json)
                .bind(closed_at)
                .bind(&closed_by)
                .bind(ballot_id)
                .execute(&mut *tx)
                .await?;
                audit_append!(tx, &AuditEvent {
                    actor: &closed_by,
                    action: "ballot.close",
                    object: &object,
                    details: serde_json::json!({
                        "outcome": t.outcome.as_str(), "explanation": t.explanation,
                        "approve": t.approve, "abstain": t.abstain, "object": t.object,
                        "recuse": t.recuse, "not_voted": t.not_voted, "round": round,
                        "closed_at": rfc3339(closed_at),
                    }),
                });
                Some(t)
            } else {
                None
            }
        });
        Ok(out)
    }

    /// Closes every open ballot whose deadline is at or before `at`, and
    /// returns the ones this call closed. Safe to run from several
    /// instances at once: each ballot closes exactly once.
    pub async fn close_due_ballots(&self, at: OffsetDateTime) -> StoreResult<Vec<(i64, Outcome)>> {
        let open: Vec<(i64, OffsetDateTime)> = on_pool!(self, p => sqlx::query_as(
            "SELECT id, closes_at FROM ballots WHERE state = 'open' ORDER BY id",
        )
        .fetch_all(p)
        .await)?;
        let mut closed = Vec::new();
        for (id, closes_at) in open {
            if closes_at > at {
                continue;
            }
            if let Some(t) = self.close_ballot(id, Closing::Deadline, at).await? {
                closed.push((id, t.outcome));
            }
        }
        Ok(closed)
    }

    /// Open ballots in which the person holds the vote of an organisation
    /// (as its representative, or under a delegation in force) that has not
    /// voted in the current round: what waits on them.
    pub async fn ballots_awaiting(&self, user_id: i64) -> StoreResult<Vec<BallotRow>> {
        let candidates: Vec<BallotRow> = on_pool!(self, p => sqlx::query_as(ballot_select!(
            "WHERE b.state = 'open' AND EXISTS (
                SELECT 1 FROM ballot_voters v
                JOIN memberships m ON m.organization_id = v.organization_id AND m.group_id = b.group_id
                WHERE v.ballot_id = b.id AND m.user_id = $1 AND m.role IN ('representative', 'alternate')
                  AND NOT EXISTS (SELECT 1 FROM ballot_votes x WHERE x.ballot_id = b.id AND x.organization_id = v.organization_id AND x.round = b.round))
             ORDER BY b.closes_at"
        ))
        .bind(user_id)
        .fetch_all(p)
        .await)?;
        let at = now();
        let mut out = Vec::new();
        for b in candidates {
            let orgs: Vec<(i64,)> = on_pool!(self, p => sqlx::query_as(
                "SELECT v.organization_id FROM ballot_voters v
                 JOIN memberships m ON m.organization_id = v.organization_id AND m.group_id = $3
                 WHERE v.ballot_id = $1 AND m.user_id = $2 AND m.role IN ('representative', 'alternate')
                   AND NOT EXISTS (SELECT 1 FROM ballot_votes x WHERE x.ballot_id = v.ballot_id AND x.organization_id = v.organization_id AND x.round = $4)",
            )
            .bind(b.id)
            .bind(user_id)
            .bind(b.group_id)
            .bind(b.round)
            .fetch_all(p)
            .await)?;
            let mut mine = false;
            for (org,) in orgs {
                if self.voice(org, at).await?.person() == Some(user_id) {
                    mine = true;
                    break;
                }
            }
            if mine {
                out.push(b);
            }
        }
        Ok(out)
    }
}

/// RFC 3339 text for audit details.
fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// What casting a vote reads as it locks the ballot's row.
#[derive(sqlx::FromRow)]
struct VoteLock {
    closes_at: OffsetDateTime,
    round: i64,
    revision: Option<i64>,
    /// Whether the organisation has a vote in this ballot.
    eligible: bool,
    /// The organisation this person already voted for in this ballot, if
    /// another one.
    voted_for: Option<String>,
}
