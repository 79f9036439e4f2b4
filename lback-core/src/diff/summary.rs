//! [`Operation`]'s `Display`: the makemigrations summary line.

use std::fmt;

use super::operation::Operation;
use crate::schema::Column;

impl fmt::Display for Operation {
    /// The one-line summary `makemigrations` prints.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Operation::*;
        let mark = if self.is_destructive() {
            "  (destructive)"
        } else {
            ""
        };
        match self {
            CreateTable(t) => write!(f, "+ create table {}", t.name),
            DropTable(t) => write!(f, "- drop table {}{mark}", t.name),
            RenameTable { from, to } => write!(f, "~ rename table {from} → {to}"),
            AddColumn { table, column } => write!(
                f,
                "+ add column {table}.{}: {}",
                column.name,
                describe(column)
            ),
            DropColumn { table, column } => {
                write!(f, "- drop column {table}.{}{mark}", column.name)
            }
            RenameColumn { table, from, to } => write!(f, "~ rename column {table}.{from} → {to}"),
            AlterColumn {
                table,
                from,
                to,
                fill,
            } => {
                write!(
                    f,
                    "~ alter column {table}.{}: {} → {}{mark}",
                    to.name,
                    describe(from),
                    describe(to)
                )?;
                match fill {
                    Some(value) => write!(f, " (NULLs become {value})"),
                    None => Ok(()),
                }
            }
            _ => self.fmt_key(f),
        }
    }
}

impl Operation {
    /// The summary line of an operation on an index, a unique constraint, a
    /// foreign key or the primary key (see `Display`).
    fn fmt_key(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Operation::*;
        match self {
            AddIndex { table, index } => write!(
                f,
                "+ add {}index {} on {table} ({})",
                if index.unique { "unique " } else { "" },
                index.name,
                index.columns.join(", ")
            ),
            DropIndex { table, index } => write!(f, "- drop index {} on {table}", index.name),
            RenameIndex { table, from, index } => {
                write!(f, "~ rename index {from} → {} on {table}", index.name)
            }
            RenameUnique {
                table,
                from,
                unique,
            } => {
                write!(f, "~ rename unique {from} → {} on {table}", unique.name)
            }
            RenameForeignKey {
                table,
                from,
                foreign_key,
            } => write!(
                f,
                "~ rename foreign key {from} → {} on {table}",
                foreign_key.name
            ),
            AddUnique { table, unique } => {
                write!(
                    f,
                    "+ add unique {} on {table} ({})",
                    unique.name,
                    unique.columns.join(", ")
                )
            }
            DropUnique { table, unique } => write!(f, "- drop unique {} on {table}", unique.name),
            AddForeignKey {
                table,
                foreign_key: fk,
            } => write!(
                f,
                "+ add foreign key {table} ({}) → {} ({})",
                fk.columns.join(", "),
                fk.referenced_table,
                fk.referenced_columns.join(", ")
            ),
            DropForeignKey {
                table,
                foreign_key: fk,
            } => {
                write!(
                    f,
                    "- drop foreign key {table} ({}) → {}",
                    fk.columns.join(", "),
                    fk.referenced_table
                )
            }
            SetPrimaryKey { table, from, to } => {
                write!(
                    f,
                    "~ primary key of {table}: ({}) → ({})",
                    from.join(", "),
                    to.join(", ")
                )
            }
            CreateTable(_)
            | DropTable(_)
            | RenameTable { .. }
            | AddColumn { .. }
            | DropColumn { .. }
            | RenameColumn { .. }
            | AlterColumn { .. } => unreachable!("handled by fmt"),
        }
    }
}

fn describe(column: &Column) -> String {
    let mut text = column.ty.to_string();
    if column.nullable {
        text.push_str(" null");
    }
    if let Some(default) = &column.default {
        text.push_str(&format!(" default {default}"));
    }
    if column.auto_increment {
        text.push_str(" auto_increment");
    }
    text
}
