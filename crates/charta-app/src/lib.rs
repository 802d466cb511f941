//! Charta's use cases, between the web layer above and the domain, store
//! and release crates below.
//!
//! Each action people take (propose an amendment, vote, publish a release
//! …) is one typed function here: it checks access with the domain's
//! policy, runs its transaction through the store (which writes the audit
//! entry in the same transaction) and returns a typed result. The pages,
//! the JSON API, the demo seed and the command line all call these
//! functions, so an action behaves the same whichever way it is reached.
//! The background jobs (closing ballots at their deadline, reminding
//! voters, purging expired sign-ins, signing audit checkpoints, sending
//! notifications) live in [`jobs`]; who hears of what, and how, in
//! [`notify`].

pub mod admin;
pub mod amend;
pub mod amendments;
pub mod app;
pub mod assessments;
pub mod ballot;
pub mod cache;
pub mod catalogs;
pub mod checkpoint;
pub mod coverage;
pub mod cpu;
pub mod delegation;
pub mod error;
pub mod groups;
pub mod jobs;
pub mod lookup;
pub mod members;
pub mod notify;
pub mod release;
pub mod rules;
pub mod search;
pub mod secret;
pub mod specs;
pub mod tokens;
pub mod viewer;
pub mod webhooks;
pub mod words;
pub mod work;

pub use app::{AfterPublish, App, Settings};
pub use error::Error;
pub use viewer::Viewer;
