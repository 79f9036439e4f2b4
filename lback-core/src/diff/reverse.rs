//! The other direction: the inverse of operations, what a down cannot
//! restore, and likely renames the hints did not declare.

use super::operation::Operation;
use crate::schema::Table;

/// The operations that undo `operations`: reversed, each inverted.
pub fn inverse(operations: &[Operation]) -> Vec<Operation> {
    operations.iter().rev().map(Operation::inverse).collect()
}

/// What the down migration of `operations` cannot restore: the rows of a
/// dropped table, the values of a dropped column, NULLs replaced by a
/// fill. Written at the top of down.sql (so `rollback --dry-run` shows
/// it too).
///
/// lback does not keep dropped data aside until a purge: the space would
/// stay taken (a dropped table frees nothing), the kept table's keys and
/// indexes would still block names and slow writes to tables it
/// references, and every drift check would have to tell it apart. A down
/// says plainly what it cannot bring back, and its guards stop it before
/// it changes anything when the rows left cannot take the old schema.
pub fn irreversible(operations: &[Operation]) -> Vec<String> {
    let mut notes = Vec::new();
    for op in operations {
        match op {
            Operation::DropTable(table) => notes.push(format!(
                "the up migration dropped table {}: this down creates it again empty (its rows are not restored)",
                table.name
            )),
            Operation::DropColumn { table, column } => {
                let value = match (&column.default, column.nullable) {
                    (Some(default), _) => format!("its default {default}"),
                    (None, true) => "NULL".to_owned(),
                    (None, false) => "the type's zero value".to_owned(),
                };
                notes.push(format!(
                    "the up migration dropped {table}.{}: this down adds it again with {value} in every row (its values are not restored)",
                    column.name
                ));
            }
            Operation::AlterColumn {
                table,
                from,
                to,
                fill,
            } if from.nullable && !to.nullable => {
                if let Some(value) = fill.as_ref().or(to.default.as_ref()) {
                    notes.push(format!(
                        "the up migration replaced NULLs in {table}.{} by {value}: this down leaves them",
                        to.name
                    ));
                }
            }
            _ => {}
        }
    }
    notes
}

/// A likely rename the hints did not declare: in one table, a column dropped
/// and a column of the same type added (or a table dropped and one with the
/// same columns created).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenameHint {
    /// The table (for a table rename, the new table).
    pub table: String,
    /// The dropped name.
    pub dropped: String,
    /// The added name.
    pub added: String,
    /// Whether it is about a column (else a table).
    pub column: bool,
}

impl std::fmt::Display for RenameHint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.column {
            write!(
                f,
                "did you mean to rename {}.{} to {}? add #[lback(renamed_from = \"{}\")] to the field, or the data in `{}` is dropped",
                self.table, self.dropped, self.added, self.dropped, self.dropped
            )
        } else {
            write!(
                f,
                "did you mean to rename table {} to {}? add #[lback(renamed_from = \"{}\")] to the struct, or table `{}` and its rows are dropped",
                self.dropped, self.added, self.dropped, self.dropped
            )
        }
    }
}

/// Likely renames among `operations`: what the command line shows with the
/// summary, so a drop plus an add is never a silent data loss.
pub fn rename_hints(operations: &[Operation]) -> Vec<RenameHint> {
    let mut hints = Vec::new();
    for op in operations {
        match op {
            Operation::DropColumn { table, column } => {
                for other in operations {
                    if let Operation::AddColumn {
                        table: t,
                        column: added,
                    } = other
                    {
                        if t == table && added.ty == column.ty {
                            hints.push(RenameHint {
                                table: table.to_string(),
                                dropped: column.name.to_string(),
                                added: added.name.to_string(),
                                column: true,
                            });
                        }
                    }
                }
            }
            Operation::DropTable(dropped) => {
                for other in operations {
                    if let Operation::CreateTable(created) = other {
                        let shape = |t: &Table| -> Vec<(String, String)> {
                            t.columns
                                .iter()
                                .map(|c| (c.name.to_string(), c.ty.to_string()))
                                .collect()
                        };
                        if shape(dropped) == shape(created) {
                            hints.push(RenameHint {
                                table: created.name.to_string(),
                                dropped: dropped.name.to_string(),
                                added: created.name.to_string(),
                                column: false,
                            });
                        }
                    }
                }
            }
            _ => {}
        }
    }
    hints
}
