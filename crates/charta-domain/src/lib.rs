//! Charta's domain rules, with no I/O.
//!
//! Everything a working group relies on to be exact lives here: the shape of a
//! specification and its controls ([`spec`]), the reviewable file format and its
//! canonical form ([`format`]), the reference catalogs controls map to
//! ([`catalog`]), the rules a specification and each new version must obey
//! ([`validate`]) and the control-by-control comparison of two versions
//! ([`diff`]), and the hash chain that makes the audit log tamper-evident
//! ([`audit`]). Keeping these pure makes them testable in microseconds and lets
//! the storage and web crates share one definition of "valid".

pub mod access;
pub mod audit;
pub mod catalog;
pub mod diff;
pub mod format;
pub mod group;
pub mod ident;
pub mod spec;
pub mod validate;

pub use catalog::{Catalog, CatalogItem, CatalogSet};
pub use format::{FormatError, Problem};
pub use spec::{Control, ControlStatus, Level, Mapping, Relationship, Section, Spec};
