//! What Charta's own database role may do, when it is not the schema's
//! owner (PostgreSQL).
//!
//! The triggers that keep the audit log, votes, versions and releases
//! append-only stop every role but the table's owner, who could disable or
//! drop them. A deployment therefore runs `charta serve` as a role that
//! owns nothing: it reads and writes rows, and the append-only tables take
//! only new rows from it. `charta migrate --grant-to ROLE`, run as the
//! owner, gives exactly that after each migration.

use crate::{Pool, Store, StoreError, StoreResult};

/// Tables whose rows are never changed or deleted once written: the
/// serving role may only add to them.
pub const INSERT_ONLY: [&str; 9] = [
    "amendment_revisions",
    "assessment_files",
    "audit_checkpoints",
    "audit_log",
    "ballot_votes",
    "release_files",
    "spec_versions",
    "version_controls",
    "version_mappings",
];

/// Whether `role` is a plain PostgreSQL role name, safe to write into a
/// statement without quoting tricks.
fn plain_role(role: &str) -> bool {
    let mut chars = role.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && role.len() <= 63
}

impl Store {
    /// Gives `role` the row privileges `charta serve` needs on every table
    /// and sequence of the current schema, and on the append-only tables
    /// only reading and adding. Run by the schema's owner; changes nothing
    /// else, and can be run again after every migration.
    pub async fn grant_to(&self, role: &str) -> StoreResult<()> {
        if !plain_role(role) {
            return Err(StoreError::Config(format!(
                "{role:?} is not a plain role name (lower-case letters, digits and _, at most 63)"
            )));
        }
        let Pool::Postgres(pool) = &self.pool else {
            return Err(StoreError::Config(
                "SQLite has no database roles: protect the database file with file permissions instead".into(),
            ));
        };
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)")
                .bind(role)
                .fetch_one(pool)
                .await?;
        if !exists {
            return Err(StoreError::Config(format!(
                "there is no database role {role}; create it first (CREATE ROLE {role} LOGIN PASSWORD '…')"
            )));
        }
        let mut tx = pool.begin().await?;
        // A schema name, not `current_schema()`, goes into GRANT.
        let schema: String = sqlx::query_scalar("SELECT current_schema()")
            .fetch_one(&mut *tx)
            .await?;
        let schema = format!("\"{}\"", schema.replace('"', "\"\""));
        let statements = [
            format!("GRANT USAGE ON SCHEMA current_schema() TO {role}"),
            format!(
                "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA current_schema() TO {role}"
            ),
            format!("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA current_schema() TO {role}"),
            format!(
                "REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA current_schema() FROM {role}"
            ),
            format!("REVOKE INSERT, UPDATE, DELETE ON _sqlx_migrations FROM {role}"),
            format!(
                "REVOKE UPDATE, DELETE ON {} FROM {role}",
                INSERT_ONLY.join(", ")
            ),
        ];
        for sql in statements {
            // The role is a checked plain name, the schema a quoted
            // identifier, the tables constants: nothing here comes from a
            // request.
            sqlx::query(sqlx::AssertSqlSafe(
                sql.replace("current_schema()", &schema),
            ))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_role_names_are_written_into_grants() {
        for ok in ["charta", "charta_app", "_x1"] {
            assert!(plain_role(ok), "{ok}");
        }
        for bad in [
            "",
            "Charta",
            "app; DROP TABLE audit_log",
            "a-b",
            "1app",
            "\"x\"",
            &"a".repeat(64),
        ] {
            assert!(!plain_role(bad), "{bad}");
        }
    }
}
