//! Query parameters that a page and its JSON twin both read, parsed in one
//! place so that both refuse the same input with the same message.

use charta_app::Error;
use charta_app::coverage::parse_level;
use charta_app::lookup::parse_version;
use serde::Deserialize;

/// Which controls to count.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CoverageParams {
    /// Count only the controls a project at this maturity level must meet
    /// (1, 2 or 3; levels are cumulative). Default: every active control.
    #[param(value_type = Option<u8>, minimum = 1, maximum = 3)]
    pub level: Option<String>,
}

impl CoverageParams {
    /// Reads the version in the address, then the level, before anything
    /// is looked up.
    pub fn parse(&self, version: &str) -> Result<(i64, Option<u8>), Error> {
        Ok((
            parse_version(version, "the version in the address")?,
            parse_level(self.level.as_deref())?,
        ))
    }
}

/// Search parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct SearchParams {
    /// Words to find in control identifiers, titles, statements and guidance.
    #[serde(default)]
    pub q: String,
}
