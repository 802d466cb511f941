//! Charta's domain rules, with no I/O.
//!
//! Everything a working group relies on to be exact lives here: the shape of a
//! specification and its controls ([`spec`]), the reviewable file format and its
//! canonical form ([`format`]), the reference catalogs controls map to
//! ([`catalog`]), the rules a specification and each new version must obey
//! ([`validate`]) and the control-by-control comparison of two versions
//! ([`diff`]) with a readable redline of changed prose ([`redline`]), the
//! hash chain that makes the audit log tamper-evident ([`audit`]), and the
//! rules for amendments: their lifecycle and merge gate ([`amendment`]),
//! rebasing by three-way merge ([`merge`]), keeping review comments on their
//! lines across revisions ([`anchor`]) and the effect of a change on catalog
//! coverage ([`coverage`]); and how groups decide: ballot
//! rules and tallies ([`ballot`]), whether a passed ballot still approves the
//! text to be merged ([`approval`]), who casts each organisation's vote
//! ([`delegation`]) and who may speak for one ([`affiliation`]), how
//! releases are named ([`release`]), who hears of what ([`notify`]), and
//! how far a self-assessment meets a release ([`assessment`]).
//! Keeping these pure makes them testable in microseconds and lets the
//! storage and web crates share one definition of "valid".

pub mod access;
pub mod affiliation;
pub mod amendment;
pub mod anchor;
pub mod approval;
pub mod assessment;
pub mod audit;
pub mod ballot;
pub mod catalog;
pub mod coverage;
pub mod delegation;
pub mod diff;
pub mod edit;
pub mod format;
pub mod gemara;
pub mod group;
pub mod ident;
pub mod merge;
pub mod notify;
pub mod redline;
pub mod release;
pub mod spec;
pub mod suggest;
pub mod validate;

pub use catalog::{Catalog, CatalogItem, CatalogSet};
pub use format::{FormatError, Problem};
pub use spec::{Control, ControlStatus, Level, Mapping, Relationship, Section, Spec};
