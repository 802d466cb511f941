//! `charta-bench`: generates large specifications and times the diff page
//! in process. `scripts/bench` runs it together with `wrk` against a real
//! `charta serve`; `BENCHMARKS.md` has the figures and how they were taken.

mod diff_page;
mod generate;
mod stats;

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
        Command::Diff(a) => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .context("cannot start the async runtime")
            .and_then(|rt| {
                rt.block_on(diff_page::run(&diff_page::Options {
                    dir: a.dir,
                    runs: a.runs,
                    warmup: a.warmup,
                    cold_runs: a.cold_runs,
                }))
            }),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
