//! Portable backups: every table of the database, read in one consistent
//! snapshot while the server runs, written as JSON lines that either
//! backend can load.
//!
//! The file is a header line, one line per row, and a trailer line:
//!
//! ```text
//! {"format":"charta-backup/1","backend":"sqlite","created_at":"…","migrations":[…],"tables":[{"name":"users","columns":[{"name":"id","type":"integer"},…]},…]}
//! {"t":"users","r":[1,"https://idp.example","sub",…]}
//! …
//! {"end":true,"rows":{"users":3,…}}
//! ```
//!
//! Values are JSON `null`, booleans, integers, floats, strings, and
//! `{"base64":"…"}` for bytes; PostgreSQL timestamps are written in
//! RFC 3339 with the column type `timestamp`. A restore reads the types of
//! the *target* database's columns and converts each value to them, which
//! is what lets a SQLite instance move to PostgreSQL. A file without its
//! trailer, or with other counts than it states, is refused: nothing is
//! restored from a cut-off backup.

use crate::{Pool, Store, StoreError, StoreResult};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use futures_util::TryStreamExt as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::{Row as _, TypeInfo as _, ValueRef as _};
use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The value of `format` in a backup's header.
pub const BACKUP_FORMAT: &str = "charta-backup/1";

/// A backup's first line.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BackupHeader {
    pub format: String,
    /// The backend it was made from.
    pub backend: String,
    pub created_at: String,
    /// The migrations the database had; a restore needs the same.
    pub migrations: Vec<i64>,
    pub tables: Vec<TableShape>,
}

/// A table's name and columns, in the order row values are written.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableShape {
    pub name: String,
    pub columns: Vec<ColumnShape>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ColumnShape {
    pub name: String,
    /// `integer`, `real`, `text`, `blob`, `boolean` or `timestamp`.
    #[serde(rename = "type")]
    pub ty: String,
}

#[derive(Serialize, Deserialize)]
struct RowLine {
    t: String,
    r: Vec<Value>,
}

#[derive(Serialize, Deserialize)]
struct Trailer {
    end: bool,
    rows: BTreeMap<String, u64>,
}

/// What a backup or restore did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSummary {
    pub tables: usize,
    pub rows: u64,
}

fn io(e: std::io::Error) -> StoreError {
    StoreError::Config(format!("cannot write the backup: {e}"))
}

fn bad(line: usize, what: impl std::fmt::Display) -> StoreError {
    StoreError::Config(format!("line {line} of the backup: {what}"))
}

/// Tables whose rows the migrations write, which a restore replaces.
const SEEDED: [&str; 3] = ["audit_head", "notify_cursor", "notify_secret"];

/// The tables a backup holds: every table but the migration ledger.
fn wanted(name: &str) -> bool {
    name != "_sqlx_migrations" && !name.starts_with("sqlite_")
}

/// Writes every row of every table in `$shapes` to `$out`, read through
/// `$tx` in the order of `$order` (when the table has that column) with the
/// columns the shapes name, each value read by `$value(row, index, type)`;
/// counts the rows per table into `$counts`.
macro_rules! copy_tables {
    ($tx:ident, $shapes:expr, $out:expr, $counts:expr, $order:literal, $value:expr) => {
        for t in &$shapes {
            let columns: Vec<String> = t
                .columns
                .iter()
                .map(|c| format!("\"{}\"", c.name))
                .collect();
            let order = if $order == "rowid" || t.columns.iter().any(|c| c.name == $order) {
                concat!("ORDER BY ", $order)
            } else {
                ""
            };
            let sql = format!("SELECT {} FROM \"{}\" {order}", columns.join(", "), t.name);
            let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(&mut *$tx);
            let mut n = 0u64;
            while let Some(row) = rows.try_next().await? {
                let values = t
                    .columns
                    .iter()
                    .enumerate()
                    .map(|(i, c)| $value(&row, i, &c.ty))
                    .collect::<StoreResult<Vec<_>>>()?;
                write_line(
                    $out,
                    &RowLine {
                        t: t.name.clone(),
                        r: values,
                    },
                )?;
                n += 1;
            }
            $counts.insert(t.name.clone(), n);
        }
    };
}

impl Store {
    /// The applied migrations, oldest first.
    async fn applied_migrations(&self) -> StoreResult<Vec<i64>> {
        let rows: Vec<(i64,)> = crate::on_pool!(self, p => sqlx::query_as(
            "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version",
        )
        .fetch_all(p)
        .await)?;
        Ok(rows.into_iter().map(|(v,)| v).collect())
    }

    /// Every table with its columns, as this database declares them,
    /// referenced tables before those that refer to them (so a restore
    /// inserts in file order without breaking a foreign key).
    async fn shapes(&self) -> StoreResult<Vec<TableShape>> {
        let tables = self.declared_tables().await?;
        let edges: Vec<(String, String)> = match &self.pool {
            Pool::Sqlite(p) => {
                let mut edges = Vec::new();
                for t in &tables {
                    let refs: Vec<(String,)> =
                        sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_list($1)")
                            .bind(&t.name)
                            .fetch_all(p)
                            .await?;
                    edges.extend(refs.into_iter().map(|(r,)| (t.name.clone(), r)));
                }
                edges
            }
            Pool::Postgres(p) => {
                sqlx::query_as(
                    "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text
                     FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
                     WHERE c.contype = 'f' AND n.nspname = current_schema()",
                )
                .fetch_all(p)
                .await?
            }
        };
        Ok(dependency_order(tables, &edges))
    }

    async fn declared_tables(&self) -> StoreResult<Vec<TableShape>> {
        let mut out = Vec::new();
        match &self.pool {
            Pool::Sqlite(p) => {
                let names: Vec<(String, String)> = sqlx::query_as(
                    "SELECT name, COALESCE(sql, '') FROM sqlite_master WHERE type = 'table' ORDER BY name",
                )
                .fetch_all(p)
                .await?;
                // Full-text indexes (virtual tables and their shadow tables)
                // are derived data, rebuilt after a restore.
                let derived: Vec<String> = names
                    .iter()
                    .filter(|(_, sql)| sql.starts_with("CREATE VIRTUAL TABLE"))
                    .map(|(n, _)| n.clone())
                    .collect();
                let is_derived = |n: &str| {
                    derived
                        .iter()
                        .any(|v| n == v || n.starts_with(&format!("{v}_")))
                };
                for (name, _) in names
                    .into_iter()
                    .filter(|(n, _)| wanted(n) && !is_derived(n))
                {
                    let cols: Vec<(String, String)> = sqlx::query_as(
                        "SELECT name, upper(type) FROM pragma_table_info($1) ORDER BY cid",
                    )
                    .bind(&name)
                    .fetch_all(p)
                    .await?;
                    let columns = cols
                        .into_iter()
                        .map(|(name, ty)| ColumnShape {
                            name,
                            ty: match ty.as_str() {
                                "INTEGER" => "integer",
                                "REAL" => "real",
                                "BLOB" => "blob",
                                _ => "text",
                            }
                            .into(),
                        })
                        .collect();
                    out.push(TableShape { name, columns });
                }
            }
            Pool::Postgres(p) => {
                let cols: Vec<(String, String, String)> = sqlx::query_as(
                    "SELECT c.table_name::text, c.column_name::text, c.data_type::text
                     FROM information_schema.columns c JOIN information_schema.tables t
                       ON t.table_schema = c.table_schema AND t.table_name = c.table_name
                     WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
                       AND c.is_generated = 'NEVER'
                     ORDER BY c.table_name, c.ordinal_position",
                )
                .fetch_all(p)
                .await?;
                for (table, column, ty) in cols.into_iter().filter(|(t, _, _)| wanted(t)) {
                    let ty = match ty.as_str() {
                        "bigint" | "integer" | "smallint" => "integer",
                        "real" | "double precision" | "numeric" => "real",
                        "bytea" => "blob",
                        "boolean" => "boolean",
                        "timestamp with time zone" | "timestamp without time zone" => "timestamp",
                        _ => "text",
                    };
                    if out.last().is_none_or(|t: &TableShape| t.name != table) {
                        out.push(TableShape {
                            name: table,
                            columns: Vec::new(),
                        });
                    }
                    if let Some(t) = out.last_mut() {
                        t.columns.push(ColumnShape {
                            name: column,
                            ty: ty.into(),
                        });
                    }
                }
            }
        }
        Ok(out)
    }

    /// Writes every table to `out` from one consistent snapshot, so a
    /// backup taken while people vote holds each vote with its audit entry
    /// or neither.
    pub async fn backup(&self, out: &mut dyn Write) -> StoreResult<BackupSummary> {
        let shapes = self.shapes().await?;
        let header = BackupHeader {
            format: BACKUP_FORMAT.into(),
            backend: self.backend().as_str().into(),
            created_at: OffsetDateTime::now_utc()
                .format(&Rfc3339)
                .unwrap_or_default(),
            migrations: self.applied_migrations().await?,
            tables: shapes.clone(),
        };
        write_line(out, &header)?;
        let mut counts = BTreeMap::new();
        match &self.pool {
            Pool::Sqlite(pool) => {
                let mut tx = pool.begin().await?;
                copy_tables!(
                    tx,
                    shapes,
                    out,
                    counts,
                    "rowid",
                    |row, i, _ty| sqlite_value(row, i)
                );
                tx.rollback().await?;
            }
            Pool::Postgres(pool) => {
                let mut tx = pool
                    .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await?;
                copy_tables!(tx, shapes, out, counts, "id", postgres_value);
                tx.rollback().await?;
            }
        }
        let rows = counts.values().sum();
        write_line(
            out,
            &Trailer {
                end: true,
                rows: counts,
            },
        )?;
        out.flush().map_err(io)?;
        Ok(BackupSummary {
            tables: shapes.len(),
            rows,
        })
    }

    /// Loads a backup into this database, which must be migrated to the
    /// same migrations as the backup and hold no data. Everything is loaded
    /// in one transaction: a backup that cannot be read to its trailer, or a
    /// row that does not fit, leaves the database as it was.
    pub async fn restore(&self, input: &mut dyn BufRead) -> StoreResult<BackupSummary> {
        let mut lines = input.lines().enumerate();
        let mut next = || -> StoreResult<Option<(usize, String)>> {
            match lines.next() {
                None => Ok(None),
                Some((i, Ok(l))) => Ok(Some((i + 1, l))),
                Some((i, Err(e))) => Err(bad(i + 1, format!("cannot be read: {e}"))),
            }
        };
        let Some((_, first)) = next()? else {
            return Err(StoreError::Config("the backup file is empty".into()));
        };
        let header: BackupHeader = serde_json::from_str(&first)
            .map_err(|e| bad(1, format!("not a Charta backup header: {e}")))?;
        if header.format != BACKUP_FORMAT {
            return Err(bad(
                1,
                format!("format {:?}, expected {BACKUP_FORMAT}", header.format),
            ));
        }
        let applied = self.applied_migrations().await?;
        if applied != header.migrations {
            return Err(StoreError::Config(format!(
                "the backup was made by a Charta with {} migrations (newest {}), this database has {} (newest {}); restore it with the same version of Charta",
                header.migrations.len(),
                header.migrations.last().copied().unwrap_or(0),
                applied.len(),
                applied.last().copied().unwrap_or(0)
            )));
        }
        let target: BTreeMap<String, TableShape> = self
            .shapes()
            .await?
            .into_iter()
            .map(|t| (t.name.clone(), t))
            .collect();
        for t in &header.tables {
            let Some(here) = target.get(&t.name) else {
                return Err(StoreError::Config(format!(
                    "the backup has a table {} that this database does not",
                    t.name
                )));
            };
            let names =
                |s: &TableShape| s.columns.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
            if names(here) != names(t) {
                return Err(StoreError::Config(format!(
                    "table {} has other columns in the backup than in this database",
                    t.name
                )));
            }
        }
        let source: BTreeMap<&str, &TableShape> =
            header.tables.iter().map(|t| (t.name.as_str(), t)).collect();
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        let mut trailer: Option<Trailer> = None;

        macro_rules! load {
            ($tx:ident, $insert:ident) => {{
                // Tables seeded by migrations (the audit head, the
                // notification cursor and key) are replaced.
                for t in &header.tables {
                    let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "SELECT COUNT(*) FROM \"{}\"",
                        t.name
                    )))
                    .fetch_one(&mut *$tx)
                    .await?;
                    if n > 0 && !SEEDED.contains(&t.name.as_str()) {
                        return Err(StoreError::Conflict(format!(
                            "this database already holds data (table {} has {n} rows); restore into an empty database",
                            t.name
                        )));
                    }
                }
                for t in SEEDED {
                    if source.contains_key(t) {
                        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {t}")))
                            .execute(&mut *$tx)
                            .await?;
                    }
                }
                while let Some((no, line)) = next()? {
                    if trailer.is_some() {
                        return Err(bad(no, "text after the end of the backup"));
                    }
                    if line.starts_with("{\"end\"") {
                        trailer = Some(
                            serde_json::from_str(&line)
                                .map_err(|e| bad(no, format!("unreadable end line: {e}")))?,
                        );
                        continue;
                    }
                    let row: RowLine = serde_json::from_str(&line)
                        .map_err(|e| bad(no, format!("not a row: {e}")))?;
                    let (Some(src), Some(dst)) = (source.get(row.t.as_str()), target.get(&row.t)) else {
                        return Err(bad(no, format!("a row of table {} that the header does not list", row.t)));
                    };
                    if row.r.len() != src.columns.len() {
                        return Err(bad(no, format!("{} values for the {} columns of {}", row.r.len(), src.columns.len(), row.t)));
                    }
                    $insert(&mut $tx, no, src, dst, row.r).await?;
                    *counts.entry(row.t).or_default() += 1;
                }
            }};
        }

        match &self.pool {
            Pool::Sqlite(pool) => {
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                // References are checked at commit.
                sqlx::query("PRAGMA defer_foreign_keys = ON")
                    .execute(&mut *tx)
                    .await?;
                load!(tx, insert_sqlite);
                check_trailer(&trailer, &counts)?;
                // The full-text index is derived from the versions' controls,
                // as `append_version` writes it.
                sqlx::query(
                    "INSERT INTO control_search (control_id, title, body, spec_id, version)
                     SELECT control_id, title, statement || char(10) || guidance, spec_id, version FROM version_controls",
                )
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
            }
            Pool::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                load!(tx, insert_postgres);
                check_trailer(&trailer, &counts)?;
                // Identity columns continue after the restored ids.
                for t in target.values() {
                    if t.columns.iter().any(|c| c.name == "id") {
                        sqlx::query(sqlx::AssertSqlSafe(format!(
                            "SELECT setval(s, GREATEST((SELECT COALESCE(MAX(id), 0) FROM \"{0}\"), 1), (SELECT COUNT(*) > 0 FROM \"{0}\"))
                             FROM pg_get_serial_sequence('\"{0}\"', 'id') AS s WHERE s IS NOT NULL",
                            t.name
                        )))
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                tx.commit().await?;
            }
        }
        Ok(BackupSummary {
            tables: header.tables.len(),
            rows: counts.values().sum(),
        })
    }
}

/// Orders tables so that each comes after every table it refers to; ties
/// (and, should there ever be one, a cycle) by name.
fn dependency_order(mut tables: Vec<TableShape>, edges: &[(String, String)]) -> Vec<TableShape> {
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    let mut out: Vec<TableShape> = Vec::with_capacity(tables.len());
    while !tables.is_empty() {
        let ready = tables
            .iter()
            .position(|t| {
                edges.iter().all(|(from, to)| {
                    from != &t.name
                        || to == &t.name
                        || out.iter().any(|o| &o.name == to)
                        || !tables.iter().any(|x| &x.name == to)
                })
            })
            .unwrap_or(0);
        out.push(tables.remove(ready));
    }
    out
}

fn check_trailer(trailer: &Option<Trailer>, counts: &BTreeMap<String, u64>) -> StoreResult<()> {
    let Some(t) = trailer else {
        return Err(StoreError::Config(
            "the backup ends before its last line: it was cut off, and nothing was restored".into(),
        ));
    };
    let stated: BTreeMap<&String, &u64> = t.rows.iter().filter(|(_, n)| **n > 0).collect();
    let found: BTreeMap<&String, &u64> = counts.iter().filter(|(_, n)| **n > 0).collect();
    if stated != found {
        return Err(StoreError::Config(
            "the backup holds other row counts than its last line states; nothing was restored"
                .into(),
        ));
    }
    Ok(())
}

fn write_line<T: Serialize>(out: &mut dyn Write, value: &T) -> StoreResult<()> {
    serde_json::to_writer(&mut *out, value)
        .map_err(|e| StoreError::Config(format!("cannot write the backup: {e}")))?;
    out.write_all(b"\n").map_err(io)
}

fn sqlite_value(row: &sqlx::sqlite::SqliteRow, i: usize) -> StoreResult<Value> {
    let raw = row.try_get_raw(i)?;
    if raw.is_null() {
        return Ok(Value::Null);
    }
    let kind = raw.type_info().name().to_ascii_uppercase();
    Ok(match kind.as_str() {
        "INTEGER" | "INT" | "BOOLEAN" => Value::from(row.try_get::<i64, _>(i)?),
        "REAL" => Value::from(row.try_get::<f64, _>(i)?),
        "BLOB" => serde_json::json!({ "base64": B64.encode(row.try_get::<Vec<u8>, _>(i)?) }),
        _ => Value::from(row.try_get::<String, _>(i)?),
    })
}

fn postgres_value(row: &sqlx::postgres::PgRow, i: usize, ty: &str) -> StoreResult<Value> {
    if row.try_get_raw(i)?.is_null() {
        return Ok(Value::Null);
    }
    Ok(match ty {
        "integer" => {
            let kind = row.try_get_raw(i)?.type_info().name().to_ascii_uppercase();
            match kind.as_str() {
                "INT2" => Value::from(row.try_get::<i16, _>(i)?),
                "INT4" => Value::from(row.try_get::<i32, _>(i)?),
                _ => Value::from(row.try_get::<i64, _>(i)?),
            }
        }
        "real" => Value::from(row.try_get::<f64, _>(i)?),
        "boolean" => Value::from(row.try_get::<bool, _>(i)?),
        "blob" => serde_json::json!({ "base64": B64.encode(row.try_get::<Vec<u8>, _>(i)?) }),
        "timestamp" => Value::from(
            row.try_get::<OffsetDateTime, _>(i)?
                .format(&Rfc3339)
                .map_err(|e| StoreError::Config(format!("cannot write a time: {e}")))?,
        ),
        _ => Value::from(row.try_get::<String, _>(i)?),
    })
}

/// One value, converted to what the target column holds.
enum Cell {
    Null,
    Int(i64),
    Real(f64),
    Bool(bool),
    Text(String),
    Bytes(Vec<u8>),
    Time(OffsetDateTime),
}

fn cell(
    line: usize,
    table: &str,
    from: &ColumnShape,
    to: &ColumnShape,
    v: Value,
) -> StoreResult<Cell> {
    let wrong = |v: &Value| {
        bad(
            line,
            format!("{table}.{} cannot hold {v} as {}", to.name, to.ty),
        )
    };
    if v.is_null() {
        return Ok(Cell::Null);
    }
    Ok(match (to.ty.as_str(), v) {
        ("integer", Value::Number(n)) => {
            Cell::Int(n.as_i64().ok_or_else(|| wrong(&Value::Number(n.clone())))?)
        }
        ("integer", Value::Bool(b)) => Cell::Int(i64::from(b)),
        ("boolean", Value::Bool(b)) => Cell::Bool(b),
        ("boolean", Value::Number(n)) => Cell::Bool(n.as_i64().is_some_and(|x| x != 0)),
        ("real", Value::Number(n)) => {
            Cell::Real(n.as_f64().ok_or_else(|| wrong(&Value::Number(n.clone())))?)
        }
        ("blob", Value::Object(o)) => {
            let text = o
                .get("base64")
                .and_then(Value::as_str)
                .ok_or_else(|| wrong(&Value::Object(o.clone())))?;
            Cell::Bytes(
                B64.decode(text)
                    .map_err(|e| bad(line, format!("{table}.{}: {e}", to.name)))?,
            )
        }
        ("timestamp", Value::String(s)) => {
            Cell::Time(OffsetDateTime::parse(&s, &Rfc3339).map_err(|e| {
                bad(
                    line,
                    format!("{table}.{}: {s:?} is not an RFC 3339 time: {e}", to.name),
                )
            })?)
        }
        // Times from PostgreSQL go into SQLite as the server writes them.
        ("text", Value::String(s)) if from.ty == "timestamp" => {
            Cell::Time(OffsetDateTime::parse(&s, &Rfc3339).map_err(|e| {
                bad(
                    line,
                    format!("{table}.{}: {s:?} is not an RFC 3339 time: {e}", to.name),
                )
            })?)
        }
        ("text", Value::String(s)) => Cell::Text(s),
        (_, v) => return Err(wrong(&v)),
    })
}

/// The insert for one row; `overriding` is PostgreSQL's clause that lets a
/// restore keep the ids of identity columns.
fn insert_sql(table: &TableShape, overriding: &str) -> String {
    let cols: Vec<String> = table
        .columns
        .iter()
        .map(|c| format!("\"{}\"", c.name))
        .collect();
    let params: Vec<String> = (1..=cols.len()).map(|i| format!("${i}")).collect();
    format!(
        "INSERT INTO \"{}\" ({}) {overriding} VALUES ({})",
        table.name,
        cols.join(", "),
        params.join(", ")
    )
}

/// Inserts one row, each value converted to its target column and bound
/// with that column's type (a typed null included); the same for both
/// backends, which only differ in their query types.
macro_rules! insert_row {
    ($tx:expr, $line:expr, $src:expr, $dst:expr, $values:expr, $overriding:expr) => {{
        let (line, src, dst): (usize, &TableShape, &TableShape) = ($line, $src, $dst);
        let mut q = sqlx::query(sqlx::AssertSqlSafe(insert_sql(dst, $overriding)));
        for ((from, to), v) in src.columns.iter().zip(&dst.columns).zip($values) {
            q = match (cell(line, &dst.name, from, to, v)?, to.ty.as_str()) {
                (Cell::Null, "integer") => q.bind(None::<i64>),
                (Cell::Null, "real") => q.bind(None::<f64>),
                (Cell::Null, "boolean") => q.bind(None::<bool>),
                (Cell::Null, "blob") => q.bind(None::<Vec<u8>>),
                (Cell::Null, "timestamp") => q.bind(None::<OffsetDateTime>),
                (Cell::Null, _) => q.bind(None::<String>),
                (Cell::Int(x), _) => q.bind(x),
                (Cell::Real(x), _) => q.bind(x),
                (Cell::Bool(x), _) => q.bind(x),
                (Cell::Text(x), _) => q.bind(x),
                (Cell::Bytes(x), _) => q.bind(x),
                (Cell::Time(x), _) => q.bind(x),
            };
        }
        q.execute(&mut **$tx)
            .await
            .map_err(|e| bad(line, format!("row of {} not restored: {e}", dst.name)))?;
        Ok(())
    }};
}

async fn insert_sqlite(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    line: usize,
    src: &TableShape,
    dst: &TableShape,
    values: Vec<Value>,
) -> StoreResult<()> {
    insert_row!(tx, line, src, dst, values, "")
}

async fn insert_postgres(
    tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
    line: usize,
    src: &TableShape,
    dst: &TableShape,
    values: Vec<Value>,
) -> StoreResult<()> {
    // Identity columns keep the restored ids.
    insert_row!(tx, line, src, dst, values, "OVERRIDING SYSTEM VALUE")
}
