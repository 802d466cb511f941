//! The `charta` command: one binary for serving, the demo, migrations and
//! moving specification files in and out of the database.

mod attestation;
mod audit;
mod backup;
mod cli;
mod demo;
mod files;
mod gemara;
mod telemetry;
mod verify;
mod worker;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    telemetry::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli::run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            // `charta verify` tells "does not verify" (1) from "could not
            // check" (2); every other command fails with 1.
            match e.downcast_ref::<verify::Failure>() {
                Some(f) => std::process::ExitCode::from(f.exit_code()),
                None => std::process::ExitCode::FAILURE,
            }
        }
    }
}
