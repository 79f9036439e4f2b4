//! What each operation does to a busy table: the lock it takes and
//! whether it reads or rewrites every row under it (`makemigrations`
//! prints it per operation).

use crate::diff::Operation;
use crate::schema::{ColumnType, DefaultValue};

use super::Dialect;

/// The cost of one operation for the sessions writing to its table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockReport {
    /// The lock, as the database names it (`ACCESS EXCLUSIVE`, `SHARE`,
    /// MySQL's `ALGORITHM=... LOCK=...`).
    pub lock: &'static str,
    /// Reads every row while holding it (an index build, a validation).
    pub scans: bool,
    /// Writes every row again (a table rewrite or copy).
    pub rewrites: bool,
    /// Whether writers wait for the whole scan or rewrite (not only for a
    /// brief change of the catalog).
    pub blocks_writes: bool,
}

impl LockReport {
    fn brief(lock: &'static str) -> Self {
        LockReport {
            lock,
            scans: false,
            rewrites: false,
            blocks_writes: false,
        }
    }
}

impl std::fmt::Display for LockReport {
    /// `ACCESS EXCLUSIVE; rewrites the table, blocking writes`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.lock)?;
        let what = match (self.rewrites, self.scans) {
            (true, _) => "; rewrites the table",
            (false, true) => "; reads every row",
            (false, false) => "; catalog only",
        };
        f.write_str(what)?;
        if self.blocks_writes {
            f.write_str(", blocking writes until done")?;
        }
        Ok(())
    }
}

/// The lock `op` takes on `dialect` (PostgreSQL 12+, MySQL 8 / MariaDB
/// 10.4+), as lback renders it; `None` for SQLite, where every write
/// locks the whole database.
pub fn lock_report(op: &Operation, dialect: Dialect) -> Option<LockReport> {
    match dialect {
        Dialect::Sqlite => None,
        Dialect::Postgres => Some(postgres(op)),
        Dialect::Mysql => Some(mysql(op)),
    }
}

/// The lock `op` takes on `dialect` in the form lback renders it: with
/// `online`, the online form ([`RenderOptions::online`]) where it has one
/// (PostgreSQL: the operations a migration running outside a transaction
/// holds, [`split_online`]); MySQL/MariaDB's report already is of the
/// in-place change the `ALGORITHM` clause asks for.
///
/// [`RenderOptions::online`]: super::RenderOptions::online
/// [`split_online`]: super::split_online
pub fn lock_report_with(op: &Operation, dialect: Dialect, online: bool) -> Option<LockReport> {
    if online && dialect == Dialect::Postgres {
        if let Some(report) = postgres_online(op) {
            return Some(report);
        }
    }
    lock_report(op, dialect)
}

/// PostgreSQL's online forms: every scan runs under SHARE UPDATE
/// EXCLUSIVE, which lets writes go on; stronger locks are held only for a
/// change of the catalog.
fn postgres_online(op: &Operation) -> Option<LockReport> {
    Some(match op {
        Operation::AddIndex { .. } => scan("SHARE UPDATE EXCLUSIVE (CONCURRENTLY)", false),
        Operation::DropIndex { .. } => LockReport::brief("SHARE UPDATE EXCLUSIVE (CONCURRENTLY)"),
        Operation::AddUnique { .. } => scan(
            "SHARE UPDATE EXCLUSIVE (CONCURRENTLY), then ACCESS EXCLUSIVE briefly (USING INDEX)",
            false,
        ),
        Operation::AddForeignKey { .. } => scan(
            "SHARE ROW EXCLUSIVE briefly (NOT VALID), then SHARE UPDATE EXCLUSIVE (VALIDATE)",
            false,
        ),
        Operation::AlterColumn { from, to, fill, .. }
            if from.nullable && !to.nullable && from.ty == to.ty && from.default == to.default =>
        {
            LockReport {
                lock: "ACCESS EXCLUSIVE briefly (CHECK NOT VALID, SET NOT NULL without a scan), \
                       SHARE UPDATE EXCLUSIVE (VALIDATE)",
                scans: true,
                // The fill's UPDATE writes the rows holding NULL (row locks).
                rewrites: fill.is_some(),
                blocks_writes: false,
            }
        }
        _ => return None,
    })
}

fn rewrite(lock: &'static str) -> LockReport {
    LockReport {
        lock,
        scans: true,
        rewrites: true,
        blocks_writes: true,
    }
}

fn scan(lock: &'static str, blocks_writes: bool) -> LockReport {
    LockReport {
        lock,
        scans: true,
        rewrites: false,
        blocks_writes,
    }
}

/// MySQL's in-place rebuild: the table is copied into a new one while
/// writers go on.
fn inplace_rebuild() -> LockReport {
    LockReport {
        lock: "ALGORITHM=INPLACE, LOCK=NONE",
        scans: true,
        rewrites: true,
        blocks_writes: false,
    }
}

/// Whether a type change keeps the stored values (no rewrite).
fn binary_compatible(from: &ColumnType, to: &ColumnType) -> bool {
    use ColumnType::*;
    match (from, to) {
        (Varchar(a), Varchar(b)) => a <= b,
        (Varchar(_), Text) => true,
        _ => from == to,
    }
}

fn postgres(op: &Operation) -> LockReport {
    const AX: &str = "ACCESS EXCLUSIVE";
    match op {
        Operation::CreateTable(_) => LockReport::brief("none on existing tables"),
        Operation::AddColumn { column, .. } => {
            let volatile = matches!(column.default, Some(DefaultValue::Sql(_)));
            if column.auto_increment || volatile {
                rewrite(AX)
            } else {
                LockReport::brief(AX)
            }
        }
        Operation::AlterColumn { from, to, fill, .. } => {
            if !binary_compatible(&from.ty, &to.ty) || fill.is_some() {
                rewrite(AX)
            } else if from.nullable && !to.nullable {
                scan(AX, true)
            } else {
                LockReport::brief(AX)
            }
        }
        Operation::AddIndex { .. } => scan("SHARE", true),
        Operation::AddUnique { .. } => scan("SHARE, then ACCESS EXCLUSIVE", true),
        Operation::AddForeignKey { .. } => scan("SHARE ROW EXCLUSIVE on both tables", true),
        Operation::SetPrimaryKey { to, .. } if !to.is_empty() => scan(AX, true),
        Operation::RenameIndex { .. } => LockReport::brief("SHARE UPDATE EXCLUSIVE"),
        Operation::DropTable(_)
        | Operation::RenameTable { .. }
        | Operation::DropColumn { .. }
        | Operation::RenameColumn { .. }
        | Operation::DropIndex { .. }
        | Operation::DropUnique { .. }
        | Operation::DropForeignKey { .. }
        | Operation::RenameUnique { .. }
        | Operation::RenameForeignKey { .. }
        | Operation::SetPrimaryKey { .. } => LockReport::brief(AX),
    }
}

fn mysql(op: &Operation) -> LockReport {
    match op {
        Operation::CreateTable(_) => LockReport::brief("none on existing tables"),
        Operation::AddColumn { column, .. } if !column.auto_increment => {
            LockReport::brief("ALGORITHM=INSTANT")
        }
        Operation::AddColumn { .. } => rewrite("ALGORITHM=COPY, LOCK=SHARED"),
        Operation::AlterColumn { from, to, fill, .. } => {
            if !binary_compatible(&from.ty, &to.ty) || fill.is_some() {
                rewrite("ALGORITHM=COPY, LOCK=SHARED")
            } else if from.nullable && !to.nullable {
                inplace_rebuild()
            } else {
                LockReport::brief("ALGORITHM=INSTANT")
            }
        }
        Operation::AddIndex { .. } | Operation::AddUnique { .. } => {
            scan("ALGORITHM=INPLACE, LOCK=NONE", false)
        }
        // With foreign_key_checks on, InnoDB copies the table.
        Operation::AddForeignKey { .. } => rewrite("ALGORITHM=COPY, LOCK=SHARED"),
        Operation::SetPrimaryKey { .. } => inplace_rebuild(),
        Operation::RenameForeignKey { .. } => rewrite("ALGORITHM=COPY, LOCK=SHARED"),
        Operation::DropColumn { .. } => LockReport::brief("ALGORITHM=INSTANT"),
        Operation::DropTable(_)
        | Operation::RenameTable { .. }
        | Operation::RenameColumn { .. }
        | Operation::DropIndex { .. }
        | Operation::DropUnique { .. }
        | Operation::DropForeignKey { .. }
        | Operation::RenameIndex { .. }
        | Operation::RenameUnique { .. } => LockReport::brief("metadata lock (brief)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Column, Index};

    #[test]
    fn blocking_operations_are_named() {
        let index = Operation::AddIndex {
            table: "t".into(),
            index: Index {
                name: "ix_t_a".into(),
                columns: vec!["a".into()].into(),
                unique: false,
            },
        };
        let pg = lock_report(&index, Dialect::Postgres).unwrap();
        assert!(pg.blocks_writes && pg.scans && !pg.rewrites);
        assert_eq!(
            pg.to_string(),
            "SHARE; reads every row, blocking writes until done"
        );
        let my = lock_report(&index, Dialect::Mysql).unwrap();
        assert!(!my.blocks_writes);
        assert_eq!(lock_report(&index, Dialect::Sqlite), None);

        let widen = Operation::AlterColumn {
            table: "t".into(),
            from: Column::new("a", ColumnType::Integer),
            to: Column::new("a", ColumnType::BigInt),
            fill: None,
        };
        let pg = lock_report(&widen, Dialect::Postgres).unwrap();
        assert_eq!(
            pg.to_string(),
            "ACCESS EXCLUSIVE; rewrites the table, blocking writes until done"
        );
        let add = Operation::AddColumn {
            table: "t".into(),
            column: Column::new("b", ColumnType::Integer).with_default(DefaultValue::Int(0)),
        };
        assert!(!lock_report(&add, Dialect::Postgres).unwrap().blocks_writes);
        assert!(!lock_report(&add, Dialect::Mysql).unwrap().blocks_writes);
    }
}
