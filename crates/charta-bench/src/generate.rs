//! A generator for large, valid specifications and a second version of each
//! with a chosen share of its controls changed.
//!
//! The text is made from a fixed vocabulary by a seeded generator, so the
//! same arguments always give the same files. Mappings point only at items
//! of the catalogs passed in, which the caller takes from
//! [`CatalogSet::builtin`] at run time, so the files stay valid however the
//! shipped catalogs change.

use anyhow::{Context, Result, bail};
use charta_domain::format::to_canonical;
use charta_domain::validate::{check_spec, check_succession};
use charta_domain::{
    CatalogSet, Control, ControlStatus, Level, Mapping, Relationship, Section, Spec,
};
use std::path::{Path, PathBuf};

/// What to generate.
#[derive(Debug, Clone)]
pub struct Params {
    /// Controls in the first version.
    pub controls: usize,
    /// Share of controls that differ in the second version, in percent.
    pub changed_percent: f64,
    pub slug: String,
    pub group: String,
    pub seed: u64,
}

/// How many controls of each kind of change the second version has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChangeCounts {
    pub reworded: usize,
    pub level: usize,
    pub mapping: usize,
    pub withdrawn: usize,
    pub added: usize,
}

impl ChangeCounts {
    /// Splits `total` changed controls: one in twenty added, one in twenty
    /// withdrawn, one in ten with a level change, one in ten with a mapping
    /// change and the rest reworded.
    pub fn split(total: usize) -> Self {
        if total == 0 {
            return Self::default();
        }
        let added = (total / 20).max(1).min(total);
        let withdrawn = (total / 20).max(1).min(total - added);
        let level = (total / 10).min(total - added - withdrawn);
        let mapping = (total / 10).min(total - added - withdrawn - level);
        Self {
            reworded: total - added - withdrawn - level - mapping,
            level,
            mapping,
            withdrawn,
            added,
        }
    }

    pub fn total(self) -> usize {
        self.reworded + self.level + self.mapping + self.withdrawn + self.added
    }
}

/// The generated files, written and checked.
#[derive(Debug)]
pub struct Generated {
    pub group_file: PathBuf,
    pub v1_file: PathBuf,
    pub v2_file: PathBuf,
    pub v1_bytes: usize,
    pub v2_bytes: usize,
    pub counts: ChangeCounts,
    pub catalog_items: usize,
}

/// SplitMix64: small, fast and good enough to pick words.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        (self.next() % n as u64) as usize
    }

    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i + 1);
            v.swap(i, j);
        }
    }
}

const SECTIONS: [(&str, &str); 20] = [
    ("VM", "Vulnerability management"),
    ("BR", "Build and release"),
    ("SC", "Supply chain"),
    ("AC", "Access control"),
    ("IR", "Incident response"),
    ("DO", "Documentation"),
    ("LG", "Logging and monitoring"),
    ("CM", "Configuration management"),
    ("TP", "Third-party components"),
    ("DP", "Data protection"),
    ("CR", "Cryptography"),
    ("SD", "Secure development"),
    ("TS", "Testing"),
    ("GV", "Governance"),
    ("PK", "Packaging"),
    ("DS", "Distribution"),
    ("ID", "Identity"),
    ("NW", "Network exposure"),
    ("RC", "Recovery"),
    ("EOL", "End of life"),
];

const ACTORS: [&str; 8] = [
    "The project",
    "The maintainers",
    "The steward",
    "The release team",
    "Each repository",
    "The package registry",
    "The security team",
    "Every maintainer with publish rights",
];
const MODALS: [&str; 4] = ["MUST", "MUST NOT", "SHOULD", "MUST"];
const VERBS: [&str; 16] = [
    "publish", "document", "review", "verify", "sign", "rotate", "record", "retain", "restrict",
    "monitor", "disclose", "triage", "patch", "audit", "approve", "revoke",
];
const OBJECTS: [&str; 16] = [
    "a vulnerability disclosure policy",
    "release artefacts",
    "the software bill of materials",
    "build provenance attestations",
    "signing keys",
    "access tokens with publish scope",
    "security advisories",
    "dependency updates",
    "the list of supported versions",
    "reports of suspected vulnerabilities",
    "changes to the default branch",
    "two-factor authentication for maintainers",
    "the incident response plan",
    "third-party licences",
    "audit logs of administrative actions",
    "checksums of every published file",
];
const QUALIFIERS: [&str; 12] = [
    "within fourteen days",
    "before each release",
    "at least once a year",
    "for every supported version",
    "in a machine-readable format",
    "through a documented process",
    "without undue delay",
    "using an independent reviewer",
    "on a public page",
    "within seven days of a report",
    "for as long as the product is supported",
    "with the reasons recorded",
];
const PROSE: [&str; 64] = [
    "projects",
    "often",
    "keep",
    "the",
    "policy",
    "in",
    "a",
    "file",
    "named",
    "`SECURITY.md`",
    "at",
    "root",
    "of",
    "repository",
    "so",
    "that",
    "reporters",
    "find",
    "it",
    "quickly",
    "automation",
    "helps",
    "when",
    "releases",
    "are",
    "frequent",
    "and",
    "maintainers",
    "few",
    "consider",
    "**short-lived**",
    "credentials",
    "issued",
    "by",
    "CI",
    "system",
    "rather",
    "than",
    "long-lived",
    "tokens",
    "stored",
    "secrets",
    "this",
    "avoids",
    "single",
    "point",
    "failure",
    "record",
    "decision",
    "issue",
    "tracker",
    "where",
    "reviewers",
    "can",
    "see",
    "how",
    "risk",
    "was",
    "assessed",
    "before",
    "change",
    "landed",
    "registry",
    "mirror",
];
const RATIONALES: [&str; 8] = [
    "Both ask for a published, maintained process.",
    "The control covers the reporting part of the item only.",
    "The control adds a deadline the item leaves open.",
    "Both require the same evidence, kept for the same period.",
    "The item also covers products outside open source stewardship.",
    "The control names the artefact the item describes in general terms.",
    "They overlap on signing but differ on key custody.",
    "The control is stricter about who may approve the change.",
];

/// One normative sentence.
fn statement_sentence(rng: &mut Rng) -> String {
    format!(
        "{} {} {} {} {}.",
        rng.pick(&ACTORS),
        rng.pick(&MODALS),
        rng.pick(&VERBS),
        rng.pick(&OBJECTS),
        rng.pick(&QUALIFIERS)
    )
}

/// One sentence of advice, `words` words long.
fn prose_sentence(rng: &mut Rng, words: usize) -> String {
    let mut s = String::new();
    for i in 0..words {
        if i > 0 {
            s.push(' ');
        }
        let w = rng.pick(&PROSE);
        if i == 0 {
            s.push_str(&capitalise(w));
        } else {
            s.push_str(w);
        }
    }
    s.push('.');
    s
}

fn capitalise(w: &str) -> String {
    let mut c = w.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Joins sentences into one paragraph wrapped at 78 columns.
fn wrap(sentences: &[String]) -> String {
    let mut out = String::new();
    let mut col = 0;
    for word in sentences.iter().flat_map(|s| s.split(' ')) {
        if col > 0 && col + 1 + word.len() > 78 {
            out.push('\n');
            col = 0;
        } else if col > 0 {
            out.push(' ');
            col += 1;
        }
        out.push_str(word);
        col += word.len();
    }
    out
}

/// The prose of a control before it is joined into text, so that a later
/// version can reword single sentences.
#[derive(Debug, Clone)]
struct Draft {
    statement: Vec<String>,
    guidance: Vec<Vec<String>>,
    bullets: Vec<String>,
}

impl Draft {
    fn new(rng: &mut Rng) -> Self {
        let statement = (0..rng.range(2, 3))
            .map(|_| statement_sentence(rng))
            .collect();
        let guidance = (0..2)
            .map(|_| {
                (0..2)
                    .map(|_| {
                        let n = rng.range(8, 13);
                        prose_sentence(rng, n)
                    })
                    .collect()
            })
            .collect();
        let bullets = (0..rng.range(1, 2))
            .map(|_| {
                let n = rng.range(5, 9);
                prose_sentence(rng, n)
            })
            .collect();
        Self {
            statement,
            guidance,
            bullets,
        }
    }

    fn statement_text(&self) -> String {
        let mut s = wrap(&self.statement);
        s.push('\n');
        s
    }

    fn guidance_text(&self) -> String {
        let mut out = String::new();
        for p in &self.guidance {
            out.push_str(&wrap(p));
            out.push_str("\n\n");
        }
        for b in &self.bullets {
            out.push_str("- ");
            out.push_str(b);
            out.push('\n');
        }
        out
    }
}

/// Replaces a few words of one sentence and sometimes adds a sentence, the
/// way a reviewer's suggestion rewords a paragraph.
fn reword(rng: &mut Rng, sentences: &mut Vec<String>, normative: bool) {
    let i = rng.below(sentences.len());
    let before = sentences[i].clone();
    let mut words: Vec<String> = before.split(' ').map(str::to_string).collect();
    for _ in 0..rng.range(1, 3) {
        // Keep the first and the last word in place.
        let j = rng.range(1, words.len().saturating_sub(2).max(1));
        if let Some(w) = words.get_mut(j) {
            *w = rng.pick(&PROSE).to_string();
        }
    }
    sentences[i] = words.join(" ");
    // A reworded control always differs from its previous version.
    if sentences[i] == before || rng.chance(30) {
        let s = if normative {
            statement_sentence(rng)
        } else {
            let n = rng.range(8, 14);
            prose_sentence(rng, n)
        };
        sentences.push(s);
    }
}

fn mappings(rng: &mut Rng, items: &[String], n: usize) -> Vec<Mapping> {
    let mut picked: Vec<&String> = Vec::with_capacity(n);
    while picked.len() < n.min(items.len()) {
        let t = &items[rng.below(items.len())];
        if !picked.contains(&t) {
            picked.push(t);
        }
    }
    picked
        .into_iter()
        .map(|t| Mapping {
            target: t.clone(),
            relationship: Relationship::ALL[rng.below(4)],
            rationale: rng.pick(&RATIONALES).to_string(),
        })
        .collect()
}

fn new_control(rng: &mut Rng, id: String, section: &str, items: &[String]) -> (Control, Draft) {
    let draft = Draft::new(rng);
    let title = format!("{} {}", capitalise(rng.pick(&VERBS)), rng.pick(&OBJECTS));
    let n = rng.range(1, 3);
    let control = Control {
        id,
        section: section.to_string(),
        title,
        level: level(rng.range(1, 3)),
        status: ControlStatus::Active,
        replaced_by: vec![],
        statement: draft.statement_text(),
        guidance: draft.guidance_text(),
        mappings: mappings(rng, items, n),
    };
    (control, draft)
}

fn level(n: usize) -> Level {
    // n is always 1 to 3 here.
    Level::new(n.clamp(1, 3) as u8).unwrap_or_else(|_| unreachable!())
}

fn control_id(section: &str, n: usize) -> String {
    format!("BM-{section}-{n:04}")
}

/// Builds both versions in memory.
pub fn build(p: &Params, catalogs: &CatalogSet) -> Result<(Spec, Spec, ChangeCounts)> {
    if p.controls == 0 {
        bail!("--controls must be at least 1");
    }
    if !(0.0..=100.0).contains(&p.changed_percent) {
        bail!("--changed-percent must be between 0 and 100");
    }
    let items: Vec<String> = catalogs
        .catalogs()
        .iter()
        .flat_map(|c| c.items())
        .map(|i| i.id.clone())
        .collect();
    let mut rng = Rng(p.seed);
    let sections: Vec<Section> = SECTIONS
        .iter()
        .map(|(id, title)| Section {
            id: (*id).to_string(),
            title: (*title).to_string(),
            description: format!(
                "{}\n",
                wrap(&[
                    format!("Controls on {}.", title.to_lowercase()),
                    "Each control states what a steward must do and, in its guidance, how projects usually meet it.".to_string(),
                ])
            ),
        })
        .collect();

    let mut per_section = [0usize; SECTIONS.len()];
    let mut controls = Vec::with_capacity(p.controls);
    let mut drafts = Vec::with_capacity(p.controls);
    for i in 0..p.controls {
        let s = i * SECTIONS.len() / p.controls;
        per_section[s] += 1;
        let (sid, _) = SECTIONS[s];
        let (c, d) = new_control(&mut rng, control_id(sid, per_section[s]), sid, &items);
        controls.push(c);
        drafts.push(d);
    }
    let v1 = Spec {
        spec: p.slug.clone(),
        group: p.group.clone(),
        title: format!("Benchmark Baseline of {} Controls", p.controls),
        summary: "A generated specification for measuring Charta. Its text is made from a\nfixed vocabulary and carries no meaning.\n".into(),
        sections,
        controls,
    };

    let total = ((p.controls as f64) * p.changed_percent / 100.0).round() as usize;
    let mut counts = ChangeCounts::split(total);
    let modifiable = counts.total() - counts.added;
    if modifiable > p.controls {
        bail!("more changes requested than there are controls");
    }
    let mut v2 = v1.clone();
    let mut order: Vec<usize> = (0..p.controls).collect();
    rng.shuffle(&mut order);
    let mut picks = order.into_iter();
    let mut take = |n: usize| -> Vec<usize> { picks.by_ref().take(n).collect() };

    let added_ids: Vec<String> = (0..counts.added)
        .map(|k| {
            let s = k % SECTIONS.len();
            per_section[s] += 1;
            control_id(SECTIONS[s].0, per_section[s])
        })
        .collect();

    for i in take(counts.reworded) {
        let (c, d) = (&mut v2.controls[i], &mut drafts[i]);
        match rng.below(5) {
            0 | 1 => reword(&mut rng, &mut d.statement, true),
            2 | 3 => {
                let pi = rng.below(d.guidance.len());
                reword(&mut rng, &mut d.guidance[pi], false);
            }
            _ => {
                reword(&mut rng, &mut d.statement, true);
                let pi = rng.below(d.guidance.len());
                reword(&mut rng, &mut d.guidance[pi], false);
            }
        }
        c.statement = d.statement_text();
        c.guidance = d.guidance_text();
    }
    for i in take(counts.level) {
        let c = &mut v2.controls[i];
        c.level = level(usize::from(c.level.get()) % 3 + 1);
    }
    let mut mapping_changes = 0;
    for i in take(counts.mapping) {
        let c = &mut v2.controls[i];
        let unused: Vec<&String> = items
            .iter()
            .filter(|t| !c.mappings.iter().any(|m| &&m.target == t))
            .collect();
        match rng.below(3) {
            0 if !unused.is_empty() => c.mappings.push(Mapping {
                target: unused[rng.below(unused.len())].clone(),
                relationship: Relationship::ALL[rng.below(4)],
                rationale: rng.pick(&RATIONALES).to_string(),
            }),
            1 if c.mappings.len() > 1 => {
                let k = rng.below(c.mappings.len());
                c.mappings.remove(k);
            }
            _ if !c.mappings.is_empty() => {
                let m = &mut c.mappings[0];
                let r = Relationship::ALL
                    .iter()
                    .position(|r| *r == m.relationship)
                    .unwrap_or(0);
                m.relationship = Relationship::ALL[(r + 1) % 4];
            }
            _ => continue,
        }
        mapping_changes += 1;
    }
    counts.mapping = mapping_changes;
    for (k, i) in take(counts.withdrawn).into_iter().enumerate() {
        let c = &mut v2.controls[i];
        c.status = ControlStatus::Withdrawn;
        if let Some(r) = added_ids.get(k) {
            c.replaced_by = vec![r.clone()];
        }
    }
    for (k, id) in added_ids.into_iter().enumerate() {
        let sid = SECTIONS[k % SECTIONS.len()].0;
        let (c, _) = new_control(&mut rng, id, sid, &items);
        // Beside the last control of its section, as an author would put it.
        let at = v2
            .controls
            .iter()
            .rposition(|x| x.section == sid)
            .map_or(v2.controls.len(), |i| i + 1);
        v2.controls.insert(at, c);
    }
    Ok((v1, v2, counts))
}

/// The versions a specification moves on to while an amendment is in
/// review, for measuring a rebase.
#[derive(Debug, Clone)]
pub struct MovedOn {
    /// `base` with `changed` controls changed that the amendment leaves
    /// alone: rebasing the amendment onto it merges without a conflict.
    pub head: Spec,
    pub changed: usize,
    /// `head` with, in addition, controls the amendment also changes
    /// changed differently (listed in `overlapping`): a rebase onto it has
    /// conflicts for the author to decide.
    pub conflicting: Spec,
    pub overlapping: Vec<String>,
}

/// Builds [`MovedOn`] from the version an amendment is based on (`base`)
/// and the amendment's text (`proposed`). The `n` changed controls are
/// spread evenly over the controls the amendment does not touch, and take
/// turns: a level change, a sentence added to the statement, a bullet added
/// to the guidance (the kinds of edit a group makes meanwhile). The
/// overlapping edits are one level set to the value neither side chose and
/// one statement rewritten whole, so both the plain-field and the prose
/// conflict paths of the merge run.
pub fn move_on(base: &Spec, proposed: &Spec, n: usize, seed: u64) -> Result<MovedOn> {
    // Not the stream `build` used, so these edits do not echo the amendment's.
    let mut rng = Rng(seed.wrapping_mul(31).wrapping_add(7));
    let untouched: Vec<usize> = base
        .controls
        .iter()
        .enumerate()
        .filter(|(_, c)| c.status == ControlStatus::Active && proposed.control(&c.id) == Some(*c))
        .map(|(i, _)| i)
        .collect();
    if n > untouched.len() {
        bail!(
            "{n} controls were to change meanwhile, but the amendment leaves only {} alone",
            untouched.len()
        );
    }
    let mut head = base.clone();
    for k in 0..n {
        let c = &mut head.controls[untouched[k * untouched.len() / n]];
        match k % 3 {
            0 => c.level = level(usize::from(c.level.get()) % 3 + 1),
            1 => {
                end_line(&mut c.statement);
                c.statement.push_str(&statement_sentence(&mut rng));
                c.statement.push('\n');
            }
            _ => {
                let words = rng.range(6, 10);
                end_line(&mut c.guidance);
                c.guidance.push_str("- ");
                c.guidance.push_str(&prose_sentence(&mut rng, words));
                c.guidance.push('\n');
            }
        }
    }

    let mut conflicting = head.clone();
    let changed_both = |pick: &dyn Fn(&Control, &Control) -> bool| {
        base.controls.iter().find_map(|b| {
            let r = proposed.control(&b.id)?;
            (b.status == ControlStatus::Active && r.status == ControlStatus::Active && pick(b, r))
                .then(|| b.id.clone())
        })
    };
    let by_level = changed_both(&|b, r| b.level != r.level)
        .context("the amendment changes no control's level")?;
    let by_statement = changed_both(&|b, r| b.statement != r.statement)
        .context("the amendment changes no control's statement")?;
    for c in conflicting.controls.iter_mut() {
        if c.id == by_level {
            let (b, r) = match (base.control(&c.id), proposed.control(&c.id)) {
                (Some(b), Some(r)) => (usize::from(b.level.get()), usize::from(r.level.get())),
                _ => continue,
            };
            // Levels are 1 to 3 and b and r differ: 6 - b - r is the third.
            c.level = level(6 - b - r);
        } else if c.id == by_statement {
            let sentences = [statement_sentence(&mut rng), statement_sentence(&mut rng)];
            c.statement = format!("{}\n", wrap(&sentences));
        }
    }
    Ok(MovedOn {
        head,
        changed: n,
        conflicting,
        overlapping: vec![by_level, by_statement],
    })
}

/// Ends `text` with a line break, so that what is appended starts a line.
fn end_line(text: &mut String) {
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
}

/// A working group file for the generated specification.
pub fn group_text(group: &str) -> String {
    format!(
        "group: {group}\nname: Benchmark Working Group\ndescription: Owns generated specifications used to measure Charta.\nmembers:\n  - slug: bench-org\n    name: Benchmark Foundation\n"
    )
}

/// Builds, checks and writes `DIR/groups/GROUP.yaml` and
/// `DIR/specs/SLUG/v1.yaml` and `v2.yaml`, in canonical form.
pub fn write(p: &Params, catalogs: &CatalogSet, dir: &Path) -> Result<Generated> {
    let (v1, v2, counts) = build(p, catalogs)?;
    let t1 = to_canonical(&v1);
    let t2 = to_canonical(&v2);
    for (name, spec, text) in [("v1", &v1, &t1), ("v2", &v2, &t2)] {
        check_spec(spec, catalogs, text)
            .with_context(|| format!("the generated {name} is not valid"))?;
    }
    check_succession(&v1, &v2, &t2).context("the generated v2 may not follow v1")?;

    let groups = dir.join("groups");
    let specs = dir.join("specs").join(&p.slug);
    for d in [&groups, &specs] {
        std::fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
    }
    let group_file = groups.join(format!("{}.yaml", p.group));
    let v1_file = specs.join("v1.yaml");
    let v2_file = specs.join("v2.yaml");
    for (path, text) in [
        (&group_file, group_text(&p.group)),
        (&v1_file, t1.clone()),
        (&v2_file, t2.clone()),
    ] {
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(Generated {
        group_file,
        v1_file,
        v2_file,
        v1_bytes: t1.len(),
        v2_bytes: t2.len(),
        counts,
        catalog_items: catalogs.catalogs().iter().map(|c| c.items().count()).sum(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use charta_domain::diff::diff_specs;
    use charta_domain::format::parse_spec;

    fn params(controls: usize, pct: f64) -> Params {
        Params {
            controls,
            changed_percent: pct,
            slug: "bench-test".into(),
            group: "bench-wg".into(),
            seed: 7,
        }
    }

    #[test]
    fn split_adds_up() {
        for n in [0, 1, 2, 5, 10, 37, 100, 1000] {
            assert_eq!(ChangeCounts::split(n).total(), n, "{n}");
        }
        let c = ChangeCounts::split(100);
        assert_eq!(
            (c.added, c.withdrawn, c.level, c.mapping, c.reworded),
            (5, 5, 10, 10, 70)
        );
    }

    #[test]
    fn versions_are_valid_and_differ_as_asked() {
        let cats = CatalogSet::builtin().unwrap();
        let (v1, v2, counts) = build(&params(200, 10.0), &cats).unwrap();
        let t1 = to_canonical(&v1);
        let t2 = to_canonical(&v2);
        check_spec(&v1, &cats, &t1).unwrap();
        check_spec(&v2, &cats, &t2).unwrap();
        check_succession(&v1, &v2, &t2).unwrap();
        // Canonical text reads back to the same specification.
        assert_eq!(parse_spec(&t2).unwrap(), v2);
        let d = diff_specs(&v1, &v2);
        assert_eq!(d.summary.added, counts.added);
        assert_eq!(d.summary.withdrawn, counts.withdrawn);
        assert_eq!(d.changed().count(), counts.total());
        assert_eq!(v1.controls.len(), 200);
        assert_eq!(v2.controls.len(), 200 + counts.added);
    }

    #[test]
    fn moving_on_merges_cleanly_and_overlapping_conflicts() {
        use charta_domain::merge::merge_specs;
        let cats = CatalogSet::builtin().unwrap();
        let (v1, v2, _) = build(&params(300, 10.0), &cats).unwrap();
        let m = move_on(&v1, &v2, 30, 7).unwrap();
        for (prev, next) in [(&v1, &m.head), (&m.head, &m.conflicting)] {
            let text = to_canonical(next);
            check_spec(next, &cats, &text).unwrap();
            check_succession(prev, next, &text).unwrap();
            assert_eq!(parse_spec(&text).unwrap(), *next);
        }
        assert_eq!(diff_specs(&v1, &m.head).changed().count(), 30);
        assert!(
            diff_specs(&v1, &m.head)
                .changed()
                .all(|c| v1.control(&c.id) == v2.control(&c.id))
        );
        assert!(merge_specs(&v1, &m.head, &v2).is_clean());
        let o = merge_specs(&v1, &m.conflicting, &v2);
        let ids: Vec<&str> = o.conflicts.iter().filter_map(|c| c.control_id()).collect();
        assert_eq!(ids.len(), 2, "{:?}", o.conflicts);
        for id in &m.overlapping {
            assert!(ids.contains(&id.as_str()), "{id} is not in conflict");
        }
        assert!(move_on(&v1, &v2, 10_000, 7).is_err());
    }

    #[test]
    fn same_seed_same_text() {
        let cats = CatalogSet::builtin().unwrap();
        let a = build(&params(50, 20.0), &cats).unwrap();
        let b = build(&params(50, 20.0), &cats).unwrap();
        assert_eq!(to_canonical(&a.1), to_canonical(&b.1));
    }
}
