//! The name of a generated migration when none is given: what its first
//! operation does, plus `_and_more` when there are others (Django's habit),
//! e.g. `add_posts_views` or `create_users_and_more`.

use crate::diff::Operation;
use crate::migrations::MAX_NAME_LEN;

/// The default name for a migration of `operations`.
pub(crate) fn default_name(operations: &[Operation]) -> String {
    let Some(first) = operations.first() else {
        return "auto".into();
    };
    let mut name = sanitize(&describe(first));
    let more = if operations.len() > 1 {
        "_and_more"
    } else {
        ""
    };
    let room = MAX_NAME_LEN - more.len();
    if name.len() > room {
        name.truncate(room);
        name = name.trim_end_matches('_').to_owned();
    }
    if name.is_empty() {
        name = "auto".into();
    }
    name + more
}

fn describe(op: &Operation) -> String {
    use Operation::*;
    match op {
        CreateTable(t) => format!("create_{}", t.name),
        DropTable(t) => format!("drop_{}", t.name),
        RenameTable { from, to } => format!("rename_{from}_to_{to}"),
        AddColumn { table, column } => format!("add_{table}_{}", column.name),
        DropColumn { table, column } => format!("drop_{table}_{}", column.name),
        RenameColumn { table, from, to } => format!("rename_{table}_{from}_to_{to}"),
        AlterColumn { table, to, .. } => format!("alter_{table}_{}", to.name),
        AddIndex { index, .. } => format!("add_{}", index.name),
        DropIndex { index, .. } => format!("drop_{}", index.name),
        AddUnique { unique, .. } => format!("add_{}", unique.name),
        DropUnique { unique, .. } => format!("drop_{}", unique.name),
        AddForeignKey { foreign_key, .. } => format!("add_{}", foreign_key.name),
        DropForeignKey { foreign_key, .. } => format!("drop_{}", foreign_key.name),
        SetPrimaryKey { table, .. } => format!("set_{table}_primary_key"),
        RenameIndex { from, index, .. } => format!("rename_{from}_to_{}", index.name),
        RenameUnique { from, unique, .. } => format!("rename_{from}_to_{}", unique.name),
        RenameForeignKey {
            from, foreign_key, ..
        } => format!("rename_{from}_to_{}", foreign_key.name),
    }
}

/// ASCII letters, digits and single underscores only (what
/// [`validate_name`](crate::migrations::validate_name) accepts).
fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let c = if c.is_ascii_alphanumeric() { c } else { '_' };
        if !(c == '_' && (out.is_empty() || out.ends_with('_'))) {
            out.push(c.to_ascii_lowercase());
        }
    }
    out.trim_end_matches('_').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrations::validate_name;
    use crate::schema::{Column, ColumnType, Table};

    fn add(table: &str, column: &str) -> Operation {
        Operation::AddColumn {
            table: table.to_owned().into(),
            column: Column::new(column.to_owned(), ColumnType::Integer),
        }
    }

    #[test]
    fn names_say_what_the_first_operation_does() {
        assert_eq!(default_name(&[add("posts", "views")]), "add_posts_views");
        assert_eq!(
            default_name(&[
                Operation::CreateTable(Table::new("users")),
                add("posts", "views")
            ]),
            "create_users_and_more"
        );
        assert_eq!(
            default_name(&[Operation::RenameTable {
                from: "people".into(),
                to: "authors".into()
            }]),
            "rename_people_to_authors"
        );
        assert_eq!(default_name(&[]), "auto");
    }

    #[test]
    fn any_table_name_gives_a_valid_migration_name() {
        for (table, expected) in [
            ("Order Items", "add_order_items_n"),
            ("naïve\"table", "add_na_ve_table_n"),
            ("___", "add_n"),
        ] {
            let name = default_name(&[add(table, "n")]);
            assert_eq!(name, expected);
            validate_name(&name).unwrap();
        }
        let long = "x".repeat(300);
        for ops in [vec![add(&long, "n")], vec![add(&long, "n"), add("a", "b")]] {
            let name = default_name(&ops);
            validate_name(&name).unwrap();
            assert_eq!(name.len(), MAX_NAME_LEN, "{name}");
        }
    }
}
