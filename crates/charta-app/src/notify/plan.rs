//! From audit entries to messages: who hears of each event, and what they
//! read.

use crate::app::App;
use crate::error::Error;
use charta_domain::notify::{Mode, Topic, next_digest};
use charta_store::{AuditEntry, NewDelivery, NewMail, Recipient};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Entries read per pass.
const BATCH: i64 = 200;

/// Writes the messages of the audit entries after the cursor to the
/// outbox and moves the cursor past them, in one transaction; returns how
/// many entries it covered (0 when there was nothing new or another
/// instance got there first).
pub async fn fan_out(app: &App) -> Result<usize, Error> {
    let from = app.store.notify_cursor().await?;
    let entries = app.store.audit_entries(from, BATCH).await?;
    let Some(last) = entries.last() else {
        return Ok(0);
    };
    let to = last.seq;
    let mut out = Outgoing::default();
    for entry in &entries {
        match plan_entry(app, entry, &mut out).await {
            Ok(()) => {}
            // What the entry names is gone or was never visible here
            // (a deleted webhook, say): nobody is told, and the queue goes on.
            Err(Error::NotFound(what)) => {
                tracing::warn!(seq = entry.seq, %what, "no notification: not found");
            }
            Err(e) => return Err(e),
        }
    }
    let covered = entries.len();
    if app
        .store
        .advance_notifications(from, to, &out.mails, &out.deliveries)
        .await?
    {
        if !out.mails.is_empty() || !out.deliveries.is_empty() {
            tracing::info!(
                entries = covered,
                mails = out.mails.len(),
                webhooks = out.deliveries.len(),
                "notifications queued"
            );
        }
        Ok(covered)
    } else {
        Ok(0)
    }
}

#[derive(Default)]
struct Outgoing {
    mails: Vec<NewMail>,
    deliveries: Vec<NewDelivery>,
}

/// One event, ready to be written as mail and webhook deliveries.
struct Event {
    topic: Topic,
    group_id: i64,
    group_slug: String,
    subject: String,
    /// Paragraphs of the message, as plain text.
    lines: Vec<String>,
    /// Where to read more and act.
    url: String,
    /// The message-ID of the thread it belongs to (without the host).
    thread: String,
    recipients: Vec<Recipient>,
    /// Facts for webhook receivers.
    data: Value,
}

async fn plan_entry(app: &App, entry: &AuditEntry, out: &mut Outgoing) -> Result<(), Error> {
    let details: Value = serde_json::from_str(&entry.details).unwrap_or(Value::Null);
    let Some(topic) = Topic::of_entry(&entry.action, &details) else {
        return Ok(());
    };
    let base = &app.settings.public_url;
    let event = match topic {
        Topic::BallotOpened | Topic::BallotReminder | Topic::BallotClosed => {
            ballot_event(app, topic, entry, &details).await?
        }
        Topic::Discussion
        | Topic::ReviewRequested
        | Topic::AmendmentDecided
        | Topic::AmendmentOpened => amendment_event(app, topic, entry, &details).await?,
        Topic::ReleasePublished => {
            let (spec_slug, name) = object_id(&entry.object, "release:")
                .and_then(|s| s.split_once('/'))
                .ok_or_else(|| Error::NotFound(entry.object.clone()))?;
            let spec = app.store.spec(spec_slug).await?;
            let release = app.store.release(spec.id, name).await?;
            let url = format!("{base}/releases/{spec_slug}/{name}");
            Event {
                topic,
                group_id: spec.group_id,
                group_slug: spec.group_slug.clone(),
                subject: format!("{} {} is published", spec.title, release.name),
                lines: vec![
                    format!(
                        "{} published {} of {}, made from version {}.",
                        spec.group_name, release.name, spec.title, release.version
                    ),
                    "Its files are signed; the release page links them and the public key that verifies them.".into(),
                    "If you keep a draft self-assessment against an earlier release, open it to move it to this one: unchanged controls keep their answers, changed and new ones are marked for you to look at.".into(),
                ],
                recipients: release_recipients(app, &spec, &release).await?,
                thread: format!("release.{spec_slug}.{name}"),
                data: json!({"spec": spec_slug, "release": name, "version": release.version, "url": url}),
                url,
            }
        }
        Topic::VersionCreated => {
            let slug = object_id(&entry.object, "spec:")
                .ok_or_else(|| Error::NotFound(entry.object.clone()))?;
            let spec = app.store.spec(slug).await?;
            let version = details.get("version").and_then(Value::as_i64).unwrap_or(0);
            let url = format!("{base}/specs/{slug}/versions/{version}");
            Event {
                topic,
                group_id: spec.group_id,
                group_slug: spec.group_slug.clone(),
                subject: format!("{} version {version} was created", spec.title),
                lines: vec![],
                recipients: vec![],
                thread: format!("spec.{slug}"),
                data: json!({"spec": slug, "version": version, "message": details.get("message"), "url": url}),
                url,
            }
        }
        Topic::Invitation | Topic::WebhookFailing => return Ok(()),
    };
    let actor = entry
        .actor
        .strip_prefix("user:")
        .and_then(|id| id.parse::<i64>().ok());
    write(app, entry, event, actor, out).await
}

/// `spec/3` from `amendment:spec/3` when `prefix` is `amendment:`.
fn object_id<'a>(object: &'a str, prefix: &str) -> Option<&'a str> {
    object.strip_prefix(prefix)
}

async fn ballot_event(
    app: &App,
    topic: Topic,
    entry: &AuditEntry,
    details: &Value,
) -> Result<Event, Error> {
    let id: i64 = object_id(&entry.object, "ballot:")
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| Error::NotFound(entry.object.clone()))?;
    let ballot = app.store.ballot(id).await?;
    let url = format!("{}/ballots/{id}", app.settings.public_url);
    let closes = crate::words::datetime(ballot.closes_at);
    let eligible = app.store.ballot_voters(id).await?;
    let eligible: BTreeSet<i64> = eligible.iter().map(|v| v.organization_id).collect();
    let voters = app.store.voter_recipients(ballot.group_id).await?;
    let (subject, lines, recipients) = match topic {
        Topic::BallotOpened => (
            format!("Ballot opened: {}", ballot.title),
            vec![
                format!(
                    "{} opened a ballot on {}: {}.",
                    ballot.opener_name, ballot.spec_title, ballot.title
                ),
                format!("It closes {closes}. Your organisation is asked to vote."),
            ],
            voters
                .into_iter()
                .filter(|(org, _)| eligible.contains(org))
                .map(|(_, r)| r)
                .collect::<Vec<_>>(),
        ),
        Topic::BallotReminder => {
            let votes = app.store.votes(id).await?;
            let voted: BTreeSet<i64> = votes
                .iter()
                .filter(|v| v.round == ballot.round)
                .map(|v| v.organization_id)
                .collect();
            (
                format!("Ballot closes {closes}: {}", ballot.title),
                vec![
                    format!(
                        "The ballot on {}, {}, closes {closes}, and your organisation has not voted yet.",
                        ballot.spec_title, ballot.title
                    ),
                    "Organisations that do not vote count towards neither side, and may leave the ballot short of its quorum.".into(),
                ],
                voters
                    .into_iter()
                    .filter(|(org, _)| eligible.contains(org) && !voted.contains(org))
                    .map(|(_, r)| r)
                    .collect(),
            )
        }
        _ => {
            let outcome = details
                .get("outcome")
                .and_then(Value::as_str)
                .unwrap_or("closed");
            let count = |k: &str| details.get(k).and_then(Value::as_i64).unwrap_or(0);
            (
                format!("Ballot closed ({outcome}): {}", ballot.title),
                vec![
                    format!(
                        "The ballot on {}, {}, closed: {outcome}.",
                        ballot.spec_title, ballot.title
                    ),
                    format!(
                        "Approve {}, object {}, abstain {}, recused {}, did not vote {}.",
                        count("approve"),
                        count("object"),
                        count("abstain"),
                        count("recuse"),
                        count("not_voted")
                    ),
                    details
                        .get("explanation")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                ],
                app.store.group_recipients(ballot.group_id).await?,
            )
        }
    };
    Ok(Event {
        topic,
        group_id: ballot.group_id,
        group_slug: ballot.group_slug.clone(),
        subject,
        lines,
        recipients,
        thread: format!("ballot.{id}"),
        data: json!({
            "ballot": id, "title": ballot.title, "kind": ballot.kind.to_string(), "spec": ballot.spec_slug,
            "closes_at": ballot.closes_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(), "round": ballot.round,
            "outcome": details.get("outcome"), "url": url,
        }),
        url,
    })
}

async fn amendment_event(
    app: &App,
    topic: Topic,
    entry: &AuditEntry,
    details: &Value,
) -> Result<Event, Error> {
    let (spec_slug, number) = object_id(&entry.object, "amendment:")
        .and_then(|s| s.split_once('/'))
        .and_then(|(s, n)| Some((s, n.parse::<i64>().ok()?)))
        .ok_or_else(|| Error::NotFound(entry.object.clone()))?;
    let spec = app.store.spec(spec_slug).await?;
    let a = app.store.amendment(spec.id, number).await?;
    let mut url = format!(
        "{}/specs/{spec_slug}/amendments/{number}",
        app.settings.public_url
    );
    let name = format!("{} amendment {number}", spec.title);
    let mut recipients = app.store.amendment_recipients(a.id).await?;
    let (subject, lines) = match (topic, entry.action.as_str()) {
        (Topic::Discussion, action) => {
            let comments = app.store.comments(a.id).await?;
            let thread = details.get("thread").and_then(Value::as_i64);
            let comment = match details.get("comment").and_then(Value::as_i64) {
                Some(id) => comments.iter().find(|c| c.id == id),
                None => comments.iter().find(|c| Some(c.thread_id) == thread),
            };
            let blocking = details.get("blocking").and_then(Value::as_bool) == Some(true);
            let who = comment.map(|c| c.author_name.as_str()).unwrap_or("Someone");
            let what = match (action, blocking) {
                ("review.thread.create", true) => "raised an objection on",
                ("review.thread.create", false) => "started a thread on",
                _ => "replied on",
            };
            if let Some(t) = thread {
                url.push_str(&format!("#thread-{t}"));
            }
            (
                format!("{name}: {}", a.title),
                vec![
                    format!("{who} {what} {name}, {}:", a.title),
                    comment.map(|c| c.body.clone()).unwrap_or_default(),
                ],
            )
        }
        (Topic::ReviewRequested, _) => {
            let reviewer = details.get("reviewer").and_then(Value::as_i64);
            recipients.retain(|r| Some(r.id) == reviewer);
            (
                format!("Review requested: {name}: {}", a.title),
                vec![format!("You are asked to review {name}, {}.", a.title)],
            )
        }
        (Topic::AmendmentDecided, _) => {
            let to = details
                .get("to")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let result = match (to, a.merged_version) {
                ("merged", Some(v)) => format!("was merged into version {v}"),
                ("merged", None) => "was merged".to_string(),
                _ => "was rejected".to_string(),
            };
            let reason = details
                .get("reason")
                .and_then(Value::as_str)
                .unwrap_or_default();
            (
                format!("{name} {result}: {}", a.title),
                vec![
                    format!("{name}, {}, {result}.", a.title),
                    reason.to_string(),
                ],
            )
        }
        _ => (
            format!("{name} is open for review: {}", a.title),
            vec![format!("{} opened {name}, {}.", a.author_name, a.title)],
        ),
    };
    if topic == Topic::AmendmentOpened {
        recipients.clear();
    }
    Ok(Event {
        topic,
        group_id: spec.group_id,
        group_slug: spec.group_slug.clone(),
        subject,
        lines,
        recipients,
        thread: format!("amendment.{spec_slug}.{number}"),
        data: json!({
            "spec": spec_slug, "amendment": number, "title": a.title, "state": a.state.to_string(),
            "details": details, "url": url,
        }),
        url,
    })
}

/// Turns an event into mail for each recipient (by their choice) and a
/// delivery for each of the group's webhooks that wants it.
async fn write(
    app: &App,
    entry: &AuditEntry,
    event: Event,
    actor: Option<i64>,
    out: &mut Outgoing,
) -> Result<(), Error> {
    let host = host_of(&app.settings.public_url);
    let subject = format!("[{}] {}", event.group_slug, event.subject);
    if app.settings.notify.mail_on() && event.topic.mailed() && !event.recipients.is_empty() {
        let prefs = app.store.prefs_for_topic(event.topic).await?;
        let now = charta_store::now();
        let text = text_body(&event.lines, &event.url, MEMBER_FOOTER);
        let html = html_body(&event.lines, &event.url, MEMBER_FOOTER);
        let mut seen = BTreeSet::new();
        for r in &event.recipients {
            // Nobody is told of what they did themselves.
            if Some(r.id) == actor || !seen.insert(r.id) {
                continue;
            }
            let mode = prefs
                .get(&r.id)
                .copied()
                .unwrap_or(event.topic.default_mode());
            let digest = match mode {
                Mode::Never => continue,
                Mode::Digest => true,
                Mode::Immediate => false,
            };
            out.mails.push(NewMail {
                topic: event.topic,
                event_seq: Some(entry.seq),
                user_id: Some(r.id),
                to: r.email.clone(),
                message_id: format!("{}.{}.{}@{host}", entry.seq, r.id, event.topic),
                thread: format!("{}@{host}", event.thread),
                subject: subject.clone(),
                text: text.clone(),
                html: html.clone(),
                digest,
                not_before: if digest { next_digest(now) } else { now },
            });
        }
    }
    let hooks = app.store.webhooks_for(event.group_id, event.topic).await?;
    if !hooks.is_empty() {
        let payload = json!({
            "type": event.topic.as_str(),
            "timestamp": entry.at,
            "data": {
                "group": event.group_slug,
                "summary": event.subject,
                "actor": entry.actor,
                "audit_seq": entry.seq,
                "object": event.data,
            },
        })
        .to_string();
        for h in hooks {
            out.deliveries.push(NewDelivery {
                topic: event.topic,
                event_seq: Some(entry.seq),
                webhook_id: h.id,
                url: h.url.clone(),
                message_id: format!("msg_{}_{}", entry.seq, h.id),
                payload: payload.clone(),
            });
        }
    }
    Ok(())
}

/// The host of a URL such as `https://charta.example.org:8443`, for
/// message IDs and `List-Id`.
pub fn host_of(url: &str) -> String {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| "localhost".into())
}

/// The closing line of messages about a group one belongs to or follows.
const MEMBER_FOOTER: &str = "You receive this because of your role in the working group or because you follow what it concerns. Choose what you hear of, and what you follow, on your account page.";
/// The closing line of an invitation.
const INVITATION_FOOTER: &str = "If you did not expect this invitation, ignore it: nothing happens unless the link is opened and accepted.";

fn text_body(lines: &[String], url: &str, footer: &str) -> String {
    let mut text: Vec<&str> = lines
        .iter()
        .map(String::as_str)
        .filter(|l| !l.is_empty())
        .collect();
    let link = format!("Read and act: {url}");
    text.push(&link);
    text.push(footer);
    text.join("\n\n")
}

fn html_body(lines: &[String], url: &str, footer: &str) -> String {
    let mut html = String::from("<!doctype html><html><body>");
    for l in lines.iter().filter(|l| !l.is_empty()) {
        html.push_str("<p>");
        html.push_str(&escape(l).replace('\n', "<br>"));
        html.push_str("</p>");
    }
    html.push_str(&format!(
        "<p><a href=\"{0}\">{0}</a></p><p>{1}</p></body></html>",
        escape(url),
        escape(footer)
    ));
    html
}

/// Escapes text for HTML.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The e-mail that carries an invitation's link to the invitee.
pub fn invitation_mail(
    app: &App,
    group: &charta_store::GroupRow,
    inviter: &charta_store::UserRow,
    email: &str,
    role: charta_domain::access::Role,
    token: &str,
) -> NewMail {
    let host = host_of(&app.settings.public_url);
    let url = format!("{}/invitations/{token}", app.settings.public_url);
    let lines = vec![
        format!(
            "{} invites you to the working group {} as {}.",
            inviter.name,
            group.name,
            role.as_str()
        ),
        format!(
            "Open the link to sign in and accept; it works once, for {} days.",
            crate::members::INVITATION_DAYS
        ),
    ];
    // The message ID must not reveal the token: only its hash is stored.
    let id = crate::secret::hash(token);
    NewMail {
        topic: Topic::Invitation,
        event_seq: None,
        user_id: None,
        to: email.to_string(),
        message_id: format!("invitation.{}@{host}", &id[..16]),
        thread: String::new(),
        subject: format!("[{}] You are invited to {}", group.slug, group.name),
        text: text_body(&lines, &url, INVITATION_FOOTER),
        html: html_body(&lines, &url, INVITATION_FOOTER),
        digest: false,
        not_before: charta_store::now(),
    }
}

/// The group, and for a public specification everyone who follows it or a
/// catalog item the released version maps to, and the owners of draft
/// assessments against an earlier release (whom the new release affects);
/// each person once.
async fn release_recipients(
    app: &App,
    spec: &charta_store::SpecRow,
    release: &charta_store::ReleaseRow,
) -> Result<Vec<Recipient>, Error> {
    let mut recipients = app.store.group_recipients(spec.group_id).await?;
    if spec.visibility == charta_domain::access::Visibility::Public.as_str() {
        for r in app
            .store
            .release_followers(spec.id, &spec.slug, release.version)
            .await?
        {
            if !recipients.iter().any(|have| have.id == r.id) {
                recipients.push(r);
            }
        }
        for draft in app.store.drafts_behind(spec.id, release.id).await? {
            if recipients.iter().any(|have| have.id == draft.owner_id) {
                continue;
            }
            let owner = app.store.user(draft.owner_id).await?;
            if owner.email_verified && !owner.email.is_empty() {
                recipients.push(Recipient {
                    id: owner.id,
                    email: owner.email,
                    name: owner.name,
                });
            }
        }
    }
    Ok(recipients)
}
