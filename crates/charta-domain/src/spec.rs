//! The shape of a specification: sections, controls and their mappings.
//!
//! A [`Spec`] is one complete snapshot. Versions are whole snapshots rather than
//! deltas so that any version can be read, hashed, diffed and exported on its
//! own, and so that a stored version never depends on another row being intact.

use serde::{Deserialize, Serialize};
use std::fmt;

/// One specification as written in its file: metadata, sections and controls.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Spec {
    /// URL-safe identifier, stable for the life of the specification.
    pub spec: String,
    /// Slug of the working group that owns the specification.
    pub group: String,
    pub title: String,
    /// Markdown.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub summary: String,
    #[serde(default)]
    pub sections: Vec<Section>,
    #[serde(default)]
    pub controls: Vec<Control>,
}

/// A named group of controls, such as "Vulnerability management".
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Section {
    pub id: String,
    pub title: String,
    /// Markdown.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

/// One control: a normative statement with guidance, a level and mappings.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Control {
    /// Stable identifier such as `SVH-VM-03`; never reused once withdrawn.
    pub id: String,
    /// Identifier of the [`Section`] the control belongs to.
    pub section: String,
    pub title: String,
    #[cfg_attr(feature = "openapi", schema(value_type = u8, minimum = 1, maximum = 3))]
    pub level: Level,
    #[serde(default)]
    pub status: ControlStatus,
    /// Controls that take over from a withdrawn one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replaced_by: Vec<String>,
    /// The normative text (Markdown).
    pub statement: String,
    /// Non-normative advice on meeting the statement (Markdown).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub guidance: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mappings: Vec<Mapping>,
}

/// The lowest maturity level at which a control applies. Levels are
/// cumulative: a project at level 2 meets every level-1 and level-2 control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Level(u8);

impl Level {
    pub const MIN: u8 = 1;
    pub const MAX: u8 = 3;

    /// Builds a level, refusing anything outside 1 to 3.
    pub fn new(n: u8) -> Result<Self, String> {
        if (Self::MIN..=Self::MAX).contains(&n) {
            Ok(Self(n))
        } else {
            Err(format!(
                "level must be 1, 2 or 3 (levels are cumulative), not {n}"
            ))
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }

    /// The level nearest to `n`: for numbers read back from storage, where
    /// the schema already keeps them in range.
    pub fn clamped(n: i64) -> Self {
        Self(n.clamp(i64::from(Self::MIN), i64::from(Self::MAX)) as u8)
    }
}

impl TryFrom<u8> for Level {
    type Error = String;
    fn try_from(n: u8) -> Result<Self, String> {
        Self::new(n)
    }
}

impl From<Level> for u8 {
    fn from(l: Level) -> u8 {
        l.0
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Whether a control is in force.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ControlStatus {
    #[default]
    Active,
    /// Kept in the specification for the record; its identifier is never reused.
    Withdrawn,
}

impl ControlStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Withdrawn => "withdrawn",
        }
    }
}

/// A link from a control to an item of a reference catalog.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Mapping {
    /// Catalog item identifier, such as `CRA:AnnexI.P2.5` or `OSPS-VM-02.01`.
    pub target: String,
    pub relationship: Relationship,
    /// Why the relationship holds, in a sentence or two.
    pub rationale: String,
}

/// How a control relates to the catalog item it maps to, in the set-theoretic
/// terms OSCAL mapping collections use.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Relationship {
    /// The control and the item ask for the same thing.
    Equivalent,
    /// The control asks for part of what the item requires.
    Subset,
    /// The control asks for everything the item requires and more.
    Superset,
    /// They overlap, and each asks for something the other does not.
    Intersects,
}

impl Relationship {
    pub const ALL: [Relationship; 4] = [
        Self::Equivalent,
        Self::Subset,
        Self::Superset,
        Self::Intersects,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Equivalent => "equivalent",
            Self::Subset => "subset",
            Self::Superset => "superset",
            Self::Intersects => "intersects",
        }
    }
}

impl Spec {
    /// Looks a control up by identifier.
    pub fn control(&self, id: &str) -> Option<&Control> {
        self.controls.iter().find(|c| c.id == id)
    }

    /// Looks a section up by identifier.
    pub fn section(&self, id: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.id == id)
    }

    /// Controls in force (not withdrawn).
    pub fn active_controls(&self) -> impl Iterator<Item = &Control> {
        self.controls
            .iter()
            .filter(|c| c.status == ControlStatus::Active)
    }
}
