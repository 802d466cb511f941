//! `charta-bench`: generates large specifications and times the diff page,
//! the amendment page, rebasing an amendment and building and publishing a
//! release in process; and publishes a release into a database for
//! `scripts/bench`, which runs `wrk` against a real `charta serve` (and
//! nginx serving the same release file); `BENCHMARKS.md` has the figures
//! and how they were taken.

mod amend_page;
mod assess;
mod diff_page;
mod generate;
mod harness;
mod members;
mod notify;
mod release;
mod stats;
mod writes;

use anyhow::{Context, Result};
use charta_domain::CatalogSet;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Benchmarks for Charta.
#[derive(Debug, Parser)]
#[command(name = "charta-bench", about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write a working group file and two versions of a generated
    /// specification: DIR/groups/GROUP.yaml and DIR/specs/SLUG/v1.yaml,
    /// v2.yaml. Mappings use items of the catalogs built into Charta.
    GenSpec(GenArgs),
    /// Time the domain diff and the diff page through the real router, in
    /// process, on a temporary SQLite database loaded from DIR.
    Diff(DiffArgs),
    /// Time an amendment proposing DIR's last specification file on the one
    /// before it: its review page and rebasing it onto a version that moved
    /// on, cleanly and with conflicts, in the domain and through the real
    /// router, in process, on a temporary SQLite database.
    Amend(AmendArgs),
    /// Time building and signing a release of DIR's last specification file
    /// (notes against the one before it, released first), in the domain and
    /// by publishing through the real router, in process, on a temporary
    /// SQLite database.
    Release(ReleaseArgs),
    /// Publish a release of an imported specification into a database: a
    /// chair, a representative of the group's first organisation, a release
    /// ballot that passed, then the release, signed with the key in --key.
    Publish(PublishArgs),
    /// Time carrying a self-assessment of every control of DIR's
    /// second-to-last specification file forward to its last one (each
    /// published as a release), in the domain and through the use case, and
    /// the assessment's page through the real router, in process, on a
    /// temporary SQLite database.
    Assess(AssessArgs),
    /// Time delivering a full outbox to a real SMTP server, and votes cast
    /// through the use case with the notification job idle and busy, on a
    /// temporary SQLite database.
    Notify(NotifyArgs),
    /// Time many clients voting and replying through the API at once,
    /// against a raw insert loop into the same database (a temporary
    /// SQLite file, or an empty database given with --database-url).
    Writes(WritesArgs),
}

#[derive(Debug, Args)]
struct WritesArgs {
    /// An empty database to use instead of a temporary SQLite file.
    #[arg(long)]
    database_url: Option<String>,
    /// Clients writing at once.
    #[arg(long, default_value_t = 64)]
    clients: usize,
    /// Writes per client, alternating a vote and a reply.
    #[arg(long, default_value_t = 40)]
    writes: usize,
}

#[derive(Debug, Args)]
struct AssessArgs {
    /// Directory written by gen-spec.
    #[arg(long)]
    dir: PathBuf,
    /// Timed runs of each measurement.
    #[arg(long, default_value_t = 30)]
    runs: usize,
    /// Untimed runs before each measurement.
    #[arg(long, default_value_t = 3)]
    warmup: usize,
}

#[derive(Debug, Args)]
struct NotifyArgs {
    /// The SMTP server to deliver to (it should accept and drop mail, such
    /// as `/usr/bin/python3 -m aiosmtpd -n -l 127.0.0.1:2525 -c aiosmtpd.handlers.Sink`).
    #[arg(long)]
    smtp_url: String,
    /// Messages in the outbox.
    #[arg(long, default_value_t = 2000)]
    messages: usize,
    /// Member organisations voting on each ballot.
    #[arg(long, default_value_t = 100)]
    voters: usize,
}

#[derive(Debug, Args)]
struct ReleaseArgs {
    /// Directory written by gen-spec.
    #[arg(long)]
    dir: PathBuf,
    /// Timed runs of each in-process measurement.
    #[arg(long, default_value_t = 50)]
    runs: usize,
    /// Untimed runs before each measurement.
    #[arg(long, default_value_t = 5)]
    warmup: usize,
    /// Timed publications through the route (each on a specification of
    /// its own, imported untimed: about half a second each).
    #[arg(long, default_value_t = 20)]
    publish_runs: usize,
}

#[derive(Debug, Args)]
struct PublishArgs {
    /// Database to publish into, such as sqlite://bench.db.
    #[arg(long)]
    database_url: String,
    /// Specification to release.
    #[arg(long)]
    slug: String,
    /// Version to release (default: the newest).
    #[arg(long)]
    version: Option<i64>,
    /// Release name in the group's scheme.
    #[arg(long, default_value = "1.0.0")]
    name: String,
    /// Release key file (PKCS#8 PEM), created with mode 0600 if missing.
    #[arg(long)]
    key: PathBuf,
}

#[derive(Debug, Args)]
struct GenArgs {
    /// Controls in version 1.
    #[arg(long, default_value_t = 1000)]
    controls: usize,
    /// Share of controls that change in version 2, in percent.
    #[arg(long, default_value_t = 10.0)]
    changed_percent: f64,
    /// Directory to write to (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// Specification slug (default: bench-N for N controls).
    #[arg(long)]
    slug: Option<String>,
    /// Working group slug.
    #[arg(long, default_value = "bench-wg")]
    group: String,
    /// Seed of the text generator; the same seed gives the same files.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

#[derive(Debug, Args)]
struct DiffArgs {
    /// Directory written by gen-spec.
    #[arg(long)]
    dir: PathBuf,
    /// Timed runs of each measurement.
    #[arg(long, default_value_t = 50)]
    runs: usize,
    /// Untimed runs before each measurement.
    #[arg(long, default_value_t = 5)]
    warmup: usize,
    /// Requests with an empty version cache, each on a fresh application state.
    #[arg(long, default_value_t = 5)]
    cold_runs: usize,
}

#[derive(Debug, Args)]
struct AmendArgs {
    /// Directory written by gen-spec.
    #[arg(long)]
    dir: PathBuf,
    /// Timed runs of each measurement (each timed rebase creates an
    /// amendment, untimed).
    #[arg(long, default_value_t = 50)]
    runs: usize,
    /// Untimed runs before each measurement.
    #[arg(long, default_value_t = 5)]
    warmup: usize,
    /// Page requests each on a fresh store connection and application state.
    #[arg(long, default_value_t = 5)]
    cold_runs: usize,
    /// Controls the specification changes while the amendment is in
    /// review (none that the amendment changes).
    #[arg(long, default_value_t = 50)]
    head_changes: usize,
    /// Review threads on the amendment, each with a reply.
    #[arg(long, default_value_t = 10)]
    threads: usize,
    /// Other open amendments of the same specification for one more
    /// measurement of the page, which compares itself with each (0: skip).
    #[arg(long, default_value_t = 3)]
    other_open: usize,
    /// Seed of the text of those changes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// Runs an async measurement on a multi-threaded runtime, as `charta serve`
/// does.
fn block_on<F: std::future::Future<Output = Result<()>>>(f: F) -> Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?
        .block_on(f)
}

fn gen_spec(a: GenArgs) -> Result<()> {
    let catalogs = CatalogSet::builtin().context("the built-in catalogs are invalid")?;
    let params = generate::Params {
        slug: a.slug.unwrap_or_else(|| format!("bench-{}", a.controls)),
        controls: a.controls,
        changed_percent: a.changed_percent,
        group: a.group,
        seed: a.seed,
    };
    let g = generate::write(&params, &catalogs, &a.out)?;
    let c = g.counts;
    println!("{}", g.group_file.display());
    println!(
        "{}: {} controls, {} bytes",
        g.v1_file.display(),
        params.controls,
        g.v1_bytes
    );
    println!(
        "{}: {} bytes; {} controls changed: {} reworded, {} level, {} mapping, {} withdrawn, {} added",
        g.v2_file.display(),
        g.v2_bytes,
        c.total(),
        c.reworded,
        c.level,
        c.mapping,
        c.withdrawn,
        c.added
    );
    println!("mappings drawn from {} catalog items", g.catalog_items);
    Ok(())
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::GenSpec(a) => gen_spec(a),
        Command::Diff(a) => block_on(diff_page::run(&diff_page::Options {
            dir: a.dir,
            runs: a.runs,
            warmup: a.warmup,
            cold_runs: a.cold_runs,
        })),
        Command::Amend(a) => block_on(amend_page::run(&amend_page::Options {
            dir: a.dir,
            runs: a.runs,
            warmup: a.warmup,
            cold_runs: a.cold_runs,
            head_changes: a.head_changes,
            threads: a.threads,
            other_open: a.other_open,
            seed: a.seed,
        })),
        Command::Release(a) => block_on(release::run(&release::Options {
            dir: a.dir,
            runs: a.runs,
            warmup: a.warmup,
            publish_runs: a.publish_runs,
        })),
        Command::Assess(a) => block_on(assess::run(&assess::Options {
            dir: a.dir,
            runs: a.runs,
            warmup: a.warmup,
        })),
        Command::Notify(a) => block_on(notify::run(&notify::Options {
            smtp_url: a.smtp_url,
            messages: a.messages,
            voters: a.voters,
        })),
        Command::Writes(a) => block_on(writes::run(&writes::Options {
            database_url: a.database_url,
            clients: a.clients,
            writes: a.writes,
        })),
        Command::Publish(a) => block_on(release::publish(&release::PublishOptions {
            database_url: a.database_url,
            slug: a.slug,
            version: a.version,
            name: a.name,
            key: a.key,
        })),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
