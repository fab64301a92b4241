//! Loading in bulk on PostgreSQL, as its manual advises ("Populating a Database"): the tables
//! being filled lose their secondary indexes, unique constraints and foreign keys for the load,
//! then each index is built once and each key checked in one pass. Row by row, the four foreign keys of
//! 3,000,000 FAX pages alone cost minutes. It all happens in the seed's one transaction, so a
//! seed that fails leaves the schema as it was. Which indexes and keys: read from the catalogue,
//! so the schema has one home (the migrations). Primary keys and unique indexes that are not
//! constraints (partial ones) stay.

use sqlx::PgConnection;

/// What [`defer`] took off, to put back.
pub(super) struct Deferred {
    /// `CREATE INDEX …` statements.
    indexes: Vec<String>,
    /// (table, constraint, definition): unique constraints, then foreign keys.
    constraints: Vec<(String, String, String)>,
}

pub(super) async fn defer(c: &mut PgConnection, tables: &[&str]) -> sqlx::Result<Deferred> {
    let tables: Vec<String> = tables.iter().map(|t| t.to_string()).collect();
    let indexes: Vec<(String, String)> = sqlx::query_as(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i
         WHERE i.schemaname = current_schema() AND i.tablename = ANY($1)
           AND i.indexdef NOT LIKE 'CREATE UNIQUE INDEX%'",
    )
    .bind(&tables)
    .fetch_all(&mut *c)
    .await?;
    // Foreign keys last, so they are dropped first: a unique constraint may back one.
    let constraints: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT t.relname::TEXT, k.conname::TEXT, pg_get_constraintdef(k.oid)
         FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid
         WHERE k.contype IN ('u', 'f') AND t.relname = ANY($1)
           AND t.relnamespace = current_schema()::regnamespace
         ORDER BY k.contype DESC, t.relname, k.conname",
    )
    .bind(&tables)
    .fetch_all(&mut *c)
    .await?;
    for (table, name, _) in constraints.iter().rev() {
        let sql = format!(
            "ALTER TABLE {} DROP CONSTRAINT {}",
            quoted(table),
            quoted(name)
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut *c)
            .await?;
    }
    for (name, _) in &indexes {
        let sql = format!("DROP INDEX {}", quoted(name));
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut *c)
            .await?;
    }
    Ok(Deferred {
        indexes: indexes.into_iter().map(|(_, def)| def).collect(),
        constraints,
    })
}

/// Builds the indexes again and adds the constraints back, each checked over the whole table
/// at once.
pub(super) async fn restore(c: &mut PgConnection, d: Deferred) -> sqlx::Result<()> {
    // More memory for sorting than a connection's default: each index is one sort.
    sqlx::query("SET LOCAL maintenance_work_mem = '256MB'")
        .execute(&mut *c)
        .await?;
    for def in d.indexes {
        sqlx::query(sqlx::AssertSqlSafe(def))
            .execute(&mut *c)
            .await?;
    }
    for (table, name, def) in d.constraints {
        let sql = format!(
            "ALTER TABLE {} ADD CONSTRAINT {} {def}",
            quoted(&table),
            quoted(&name)
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut *c)
            .await?;
    }
    Ok(())
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
