//! The part of a live schema that `#[lback(...)]` attributes can say.

use crate::schema::{constraint_name, ColumnType, ForeignKey, ReferentialAction, Schema, Table};
use crate::sql::Dialect;

/// `live` reduced to what models can express, and a line per object left
/// out or changed:
///
/// - a table without a primary key is left out (diesel and lback need one),
///   and so are foreign keys pointing at it;
/// - a foreign key over several columns is left out (a field's
///   `references` names one column);
/// - a foreign key is named as lback names it (`fk_<table>_<column>`);
/// - a foreign key to columns that are not a primary key or unique is left
///   out;
/// - `SET NULL` on a NOT NULL column and `SET DEFAULT` on a column without
///   default become `NO ACTION` (the attribute parser refuses them);
/// - auto-increment is kept only on a table's single integer primary key
///   column;
/// - a custom type spelled like one of lback's type names (MySQL's `text`)
///   is uppercased, so `sql_type` keeps it custom;
/// - on SQLite, an auto-increment `INTEGER` key (64 bits there, the only
///   type SQLite auto-increments) is a `bigint`, as lback writes an `i64`
///   key, so `bigint` columns may reference it.
pub fn expressible(live: &Schema, dialect: Dialect) -> (Schema, Vec<String>) {
    let mut warnings = Vec::new();
    let kept: Vec<&Table> = live
        .tables()
        .filter(|t| {
            if t.primary_key.is_empty() {
                warnings.push(format!(
                    "left out table `{}`: it has no primary key, which diesel and lback models \
                     need; add one to the table and run inspect again",
                    t.name
                ));
                false
            } else {
                true
            }
        })
        .collect();
    let has_table = |name: &str| kept.iter().any(|t| t.name == name);
    let mut tables = Vec::new();
    for table in &kept {
        let mut table = (*table).clone();
        expressible_columns(&mut table, dialect, &mut warnings);
        let foreign_keys: Vec<ForeignKey> = table
            .foreign_keys
            .iter()
            .filter_map(|fk| expressible_foreign_key(live, &table, fk, &has_table, &mut warnings))
            .collect();
        table.foreign_keys = foreign_keys.into();
        tables.push(table);
    }
    (tables.into_iter().collect(), warnings)
}

/// Makes the columns of `table` what a model can say, warning of each
/// change.
fn expressible_columns(table: &mut Table, dialect: Dialect, warnings: &mut Vec<String>) {
    let name = table.name.to_string();
    let single_integer_key = table.primary_key.len() == 1
        && table
            .column(&table.primary_key[0])
            .is_some_and(|c| c.ty.is_integer());
    let key = table.primary_key.clone();
    for column in table.columns.to_mut() {
        if column.auto_increment && !(single_integer_key && key[0] == column.name) {
            warnings.push(format!(
                "`{name}.{}` generates its values, which a model says only of a table's \
                 single integer primary key: the model leaves it out",
                column.name
            ));
            column.auto_increment = false;
        }
        if dialect == Dialect::Sqlite && column.auto_increment && column.ty == ColumnType::Integer {
            column.ty = ColumnType::BigInt;
        }
        // `sql_type = "text"` would mean lback's portable `text`; the
        // database's own `text` (MySQL's 64 KiB one) is spelled so that
        // it does not read as a lback type. SQL type names ignore case.
        if let ColumnType::Custom(text) = &column.ty {
            if !matches!(
                text.parse::<ColumnType>(),
                Ok(ColumnType::Custom(_)) | Err(_)
            ) {
                column.ty = ColumnType::Custom(text.to_ascii_uppercase().into());
            }
        }
    }
}

/// The foreign key `fk` of `table` as a model can say it, warning of each
/// change; `None` (with a warning) when no model can say it.
fn expressible_foreign_key(
    live: &Schema,
    table: &Table,
    fk: &ForeignKey,
    has_table: &dyn Fn(&str) -> bool,
    warnings: &mut Vec<String>,
) -> Option<ForeignKey> {
    let name = table.name.to_string();
    let what = format!("foreign key `{}` of `{name}`", fk.name);
    let referenced = live
        .table(&fk.referenced_table)
        .is_some_and(|t| t.is_unique_key(&fk.referenced_columns));
    let left_out = if fk.columns.len() != 1 {
        Some("it spans several columns, and a model's `references` names one".to_owned())
    } else if !has_table(&fk.referenced_table) {
        Some(format!(
            "it points at `{}`, which is left out",
            fk.referenced_table
        ))
    } else if !referenced {
        Some("the columns it points at are not a primary key or unique".to_owned())
    } else {
        None
    };
    if let Some(why) = left_out {
        warnings.push(format!("left out {what}: {why}"));
        return None;
    }
    let mut fk = fk.clone();
    let column_name = fk.columns[0].to_string();
    let generated = constraint_name("fk", &name, &[&column_name], None);
    if fk.name != generated {
        warnings.push(format!(
            "{what} is called `{generated}` in the models (lback names foreign keys \
             itself); rename it in the database, or `check` reports it"
        ));
        fk.name = generated.into();
    }
    let column = table.columns.iter().find(|c| c.name == column_name);
    for (action, label) in [
        (&mut fk.on_delete, "ON DELETE"),
        (&mut fk.on_update, "ON UPDATE"),
    ] {
        let refused = match *action {
            ReferentialAction::SetNull => column.is_some_and(|c| !c.nullable),
            ReferentialAction::SetDefault => column.is_some_and(|c| c.default.is_none()),
            _ => false,
        };
        if refused {
            warnings.push(format!(
                "{what}: {label} {} cannot work on `{column_name}` (NOT NULL or without \
                 default); the model says NO ACTION",
                action.sql()
            ));
            *action = ReferentialAction::NoAction;
        }
    }
    Some(fk)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Column, ColumnType as T, ForeignKey};

    #[test]
    fn what_models_cannot_say_is_left_out_with_a_warning() {
        let fk = |name: &str, columns: &[&str], to: &str| ForeignKey {
            name: name.to_owned().into(),
            columns: columns.iter().map(|c| c.to_string().into()).collect(),
            referenced_table: to.to_owned().into(),
            referenced_columns: vec!["id".into()].into(),
            on_delete: ReferentialAction::SetNull,
            on_update: ReferentialAction::NoAction,
        };
        let live = Schema::from_tables([
            Table::new("users")
                .with_column(Column::new("id", T::BigInt).auto_increment())
                .with_primary_key(["id"]),
            Table::new("log").with_column(Column::new("line", T::Text)),
            Table::new("posts")
                .with_column(Column::new("id", T::BigInt).auto_increment())
                .with_column(Column::new("author_id", T::BigInt))
                .with_column(Column::new("log_id", T::BigInt))
                .with_primary_key(["id"])
                .with_foreign_key(fk("posts_author_id_fkey", &["author_id"], "users"))
                .with_foreign_key(fk("fk_posts_log_id", &["log_id"], "log")),
        ])
        .unwrap();
        let (schema, warnings) = expressible(&live, Dialect::Postgres);
        assert_eq!(schema.len(), 2);
        let posts = schema.table("posts").unwrap();
        assert_eq!(posts.foreign_keys.len(), 1);
        assert_eq!(posts.foreign_keys[0].name, "fk_posts_author_id");
        assert_eq!(posts.foreign_keys[0].on_delete, ReferentialAction::NoAction);
        assert_eq!(warnings.len(), 4, "{warnings:#?}");
        assert!(warnings[0].starts_with("left out table `log`"));
        assert!(warnings[1].contains("called `fk_posts_author_id` in the models"));
        assert!(warnings[2].contains("ON DELETE SET NULL cannot work"));
        assert!(warnings[3].contains("points at `log`, which is left out"));
    }
}
