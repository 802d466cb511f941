//! Times building and signing a release of a large generated specification.
//!
//! ```sh
//! cargo run --release -p charta-release --example build_release -- [CONTROLS] [RUNS]
//! ```
//!
//! The target (issue 6) is a 1,000-control release, with every artefact,
//! the notes against a predecessor with 10% of its controls changed, the
//! coverage and the signature, in under 150 ms. The specification is made
//! from a fixed vocabulary by a seeded generator, so every run builds the
//! same bytes; mappings point at items of the built-in catalogs.

use charta_domain::format::{content_hash, to_canonical};
use charta_domain::{
    CatalogSet, Control, ControlStatus, Level, Mapping, Relationship, Section, Spec,
};
use charta_release::{BallotRef, Predecessor, ReleaseInput, SigningKey, build};
use std::process::ExitCode;
use std::time::{Duration, Instant};

const SECTIONS: [&str; 20] = [
    "VM", "BR", "SC", "AC", "IR", "DO", "LG", "CM", "TP", "DP", "CR", "SD", "TS", "GV", "PK", "DS",
    "ID", "NW", "RC", "EOL",
];
const WORDS: [&str; 32] = [
    "project",
    "maintainers",
    "release",
    "artefacts",
    "signing",
    "keys",
    "review",
    "policy",
    "vulnerability",
    "reports",
    "advisories",
    "dependencies",
    "provenance",
    "tokens",
    "access",
    "registry",
    "publish",
    "verify",
    "record",
    "retain",
    "within",
    "days",
    "every",
    "supported",
    "version",
    "documented",
    "process",
    "public",
    "page",
    "before",
    "each",
    "change",
];
const RATIONALES: [&str; 4] = [
    "Both ask for a published, maintained process.",
    "The control covers the reporting part of the item only.",
    "The control adds a deadline the item leaves open.",
    "They overlap on signing but differ on key custody.",
];

/// SplitMix64, enough to pick words reproducibly.
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
        (self.next() % n as u64) as usize
    }

    fn text(&mut self, sentences: usize, words: usize) -> String {
        let mut out = String::new();
        for _ in 0..sentences {
            out.push_str("The project MUST");
            for _ in 0..words {
                out.push(' ');
                out.push_str(WORDS[self.below(WORDS.len())]);
            }
            out.push_str(".\n");
        }
        out
    }
}

fn level(n: usize) -> Level {
    Level::new((n % 3 + 1) as u8).unwrap_or_else(|_| unreachable!("1 to 3"))
}

/// A valid specification of `n` controls and a successor with about 10% of
/// them changed (reworded, re-levelled, re-mapped, withdrawn or added).
fn generate(n: usize, catalogs: &CatalogSet) -> (Spec, Spec) {
    let items: Vec<String> = catalogs
        .catalogs()
        .iter()
        .flat_map(|c| c.items())
        .map(|i| i.id.clone())
        .collect();
    let mut rng = Rng(2026);
    let sections = SECTIONS
        .iter()
        .map(|id| Section {
            id: (*id).to_string(),
            title: format!("Section {id}"),
            description: rng.text(2, 10),
        })
        .collect();
    let controls: Vec<Control> = (0..n)
        .map(|i| {
            let section = SECTIONS[i * SECTIONS.len() / n];
            let mut mappings: Vec<Mapping> = Vec::new();
            for _ in 0..1 + rng.below(3) {
                let target = items[rng.below(items.len())].clone();
                if mappings.iter().all(|m| m.target != target) {
                    mappings.push(Mapping {
                        target,
                        relationship: Relationship::ALL[rng.below(4)],
                        rationale: RATIONALES[rng.below(4)].to_string(),
                    });
                }
            }
            Control {
                id: format!("BM-{section}-{i:04}"),
                section: section.to_string(),
                title: format!("Control {i} on {}", WORDS[rng.below(WORDS.len())]),
                level: level(rng.below(3)),
                status: ControlStatus::Active,
                replaced_by: Vec::new(),
                statement: rng.text(3, 14),
                guidance: format!("{}\n{}", rng.text(3, 16), rng.text(2, 12)),
                mappings,
            }
        })
        .collect();
    let old = Spec {
        spec: "bench-baseline".into(),
        group: "bench-group".into(),
        title: format!("Benchmark Baseline of {n} Controls"),
        summary: "A generated specification for timing releases.\n".into(),
        sections,
        controls,
    };
    let mut new = old.clone();
    let step = 10;
    for (i, c) in new.controls.iter_mut().enumerate() {
        if i % step != 0 || i == 0 {
            continue;
        }
        match (i / step) % 5 {
            0 => c.statement.push_str("Exceptions MUST be recorded.\n"),
            1 => c.level = level(usize::from(c.level.get())),
            2 => {
                if let Some(m) = c.mappings.first_mut() {
                    m.relationship = Relationship::Intersects;
                    m.rationale.push_str(" Reviewed again.");
                }
            }
            3 => {
                c.status = ControlStatus::Withdrawn;
                c.replaced_by = vec![old.controls[0].id.clone()];
            }
            _ => c.guidance.push_str("See also the project's handbook.\n"),
        }
    }
    for i in 0..n / 100 {
        let mut c = old.controls[i].clone();
        c.id = format!("BM-NEW-{i:04}");
        new.controls.push(c);
    }
    (old, new)
}

fn summary(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let rank =
        |p: f64| samples[((p * samples.len() as f64).ceil() as usize).clamp(1, samples.len()) - 1];
    println!(
        "{name}: median {:.2} ms, p95 {:.2} ms, min {:.2} ms, max {:.2} ms ({} runs)",
        rank(0.5).as_secs_f64() * 1e3,
        rank(0.95).as_secs_f64() * 1e3,
        samples[0].as_secs_f64() * 1e3,
        samples[samples.len() - 1].as_secs_f64() * 1e3,
        samples.len()
    );
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(50);
    let catalogs = match CatalogSet::builtin() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("catalogs: {e}");
            return ExitCode::FAILURE;
        }
    };
    let (old, new) = generate(n, &catalogs);
    let input = ReleaseInput {
        spec_slug: new.spec.clone(),
        spec_title: new.title.clone(),
        group_slug: new.group.clone(),
        group_name: "Benchmark Working Group".into(),
        version_name: "2.0.0".into(),
        spec_version: 2,
        date: time::macros::date!(2026 - 11 - 22),
        content_hash: content_hash(&to_canonical(&new)),
        spec: new,
        predecessor: Some(Predecessor {
            version_name: "1.0.0".into(),
            spec: old,
        }),
        ballots: vec![BallotRef {
            id: "1".into(),
            path: "/specs/bench-baseline/ballots/1".into(),
            outcome: "passed".into(),
        }],
        amendments: Vec::new(),
        base_url: "https://charta.example.org".into(),
        audit_checkpoint: None,
    };
    let key = SigningKey::from_bytes(&[7; 32]);
    let bundle = match build(&input, &catalogs) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("build: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "{} controls ({} in the predecessor), {} normative and {} editorial changes, {} coverage changes",
        input.spec.controls.len(),
        input
            .predecessor
            .as_ref()
            .map_or(0, |p| p.spec.controls.len()),
        bundle.notes.summary.normative,
        bundle.notes.summary.editorial,
        bundle.notes.coverage.len()
    );
    for (name, bytes) in &bundle.files {
        println!("  {name}: {} bytes", bytes.len());
    }
    let mut samples = Vec::with_capacity(runs);
    for i in 0..runs + 3 {
        let t = Instant::now();
        let files = match build(&input, &catalogs) {
            Ok(b) => b.into_signed_files(&key),
            Err(e) => {
                eprintln!("build: {e}");
                return ExitCode::FAILURE;
            }
        };
        let elapsed = t.elapsed();
        std::hint::black_box(files);
        if i >= 3 {
            samples.push(elapsed);
        }
    }
    summary("build + sign", samples);
    ExitCode::SUCCESS
}
