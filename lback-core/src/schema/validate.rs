//! Consistency checks over a whole [`Schema`]: what one model alone cannot
//! see at compile time (foreign keys into other tables, names shared across
//! tables) and what a snapshot edited by hand may break.

use std::collections::BTreeMap;
use std::fmt;

use super::{Name, ReferentialAction, Schema, Table, MAX_IDENTIFIER_LEN};
use crate::Error;

/// One inconsistency found by [`Schema::validate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaProblem {
    /// The table at fault.
    pub table: String,
    /// What is wrong and what to do about it.
    pub message: String,
}

impl fmt::Display for SchemaProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "table `{}`: {}", self.table, self.message)
    }
}

impl Schema {
    /// Checks that the tables fit together: every key, index and foreign key
    /// names existing columns, foreign keys reference an existing primary key
    /// or unique key of a matching type, `set_null` is used on nullable
    /// columns only, names fit every database, and no two tables share an
    /// index or constraint name.
    ///
    /// Every problem is reported, not only the first.
    pub fn validate(&self) -> Result<(), Error> {
        let mut problems = Vec::new();
        let mut constraint_names: BTreeMap<&str, &str> = BTreeMap::new();
        for table in self.tables() {
            let mut report = |message: String| {
                problems.push(SchemaProblem {
                    table: table.name.to_string(),
                    message,
                })
            };
            check_table(self, table, &mut report);
            let names = table
                .indexes
                .iter()
                .map(|i| &i.name)
                .chain(table.unique_constraints.iter().map(|u| &u.name))
                .chain(table.foreign_keys.iter().map(|f| &f.name));
            for name in names {
                if let Some(other) = constraint_names.insert(name, &table.name) {
                    report(format!(
                        "the index or constraint name `{name}` is also used in table `{other}`; \
                         give one of them another `name = \"...\"`"
                    ));
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::InvalidSchema(problems))
        }
    }
}

fn check_table(schema: &Schema, table: &Table, report: &mut impl FnMut(String)) {
    check_name("table", &table.name, report);
    if table.columns.is_empty() {
        report("a table needs at least one column".into());
    }
    let mut seen = BTreeMap::new();
    for column in table.columns.iter() {
        check_name("column", &column.name, report);
        if seen.insert(&column.name, ()).is_some() {
            report(format!("column `{}` appears twice", column.name));
        }
        if let Some(default) = &column.default {
            if !default.fits(&column.ty) {
                report(format!(
                    "column `{}` of type {} cannot default to {default}",
                    column.name, column.ty
                ));
            }
        }
        if column.auto_increment {
            if !column.ty.is_integer() {
                report(format!(
                    "column `{}` is auto_increment but of type {}; only integer columns can be",
                    column.name, column.ty
                ));
            }
            if table.primary_key.len() != 1 || table.primary_key[0] != column.name {
                report(format!(
                    "column `{}` is auto_increment but is not the table's only primary key column",
                    column.name
                ));
            }
        }
    }
    if table.primary_key.is_empty() {
        report("a table needs a primary key: mark a field `#[lback(primary_key)]`".into());
    }
    let exists = |name: &Name| table.column(name).is_some();
    for name in table.primary_key.iter() {
        match table.column(name) {
            None => report(format!("primary key column `{name}` does not exist")),
            Some(c) if c.nullable => report(format!(
                "primary key column `{name}` is nullable; use a non-Option type"
            )),
            Some(_) => {}
        }
    }
    let keyed = table.indexes.iter().map(|i| (&i.name, &i.columns)).chain(
        table
            .unique_constraints
            .iter()
            .map(|u| (&u.name, &u.columns)),
    );
    for (name, columns) in keyed {
        check_name("index or constraint", name, report);
        if columns.is_empty() {
            report(format!("`{name}` covers no column"));
        }
        for column in columns.iter().filter(|c| !exists(c)) {
            report(format!(
                "`{name}` names column `{column}`, which does not exist"
            ));
        }
    }
    for fk in table.foreign_keys.iter() {
        check_name("foreign key", &fk.name, report);
        for column in fk.columns.iter().filter(|c| !exists(c)) {
            report(format!(
                "foreign key `{}` names column `{column}`, which does not exist",
                fk.name
            ));
        }
        if fk.columns.len() != fk.referenced_columns.len() || fk.columns.is_empty() {
            report(format!(
                "foreign key `{}` has {} column(s) but references {}",
                fk.name,
                fk.columns.len(),
                fk.referenced_columns.len()
            ));
            continue;
        }
        if fk.on_delete == ReferentialAction::SetNull || fk.on_update == ReferentialAction::SetNull
        {
            for column in fk.columns.iter().filter_map(|c| table.column(c)) {
                if !column.nullable {
                    report(format!(
                        "foreign key on `{}` uses set_null but the column is NOT NULL; make the field an Option",
                        column.name
                    ));
                }
            }
        }
        let Some(target) = schema.table(&fk.referenced_table) else {
            report(format!(
                "`{}` references table `{}`, which no model declares \
                 (if its model lives in another crate, make sure the binary links that crate: `use that_crate as _;`)",
                fk.columns.join(", "),
                fk.referenced_table
            ));
            continue;
        };
        let mut all_exist = true;
        for (own, theirs) in fk.columns.iter().zip(fk.referenced_columns.iter()) {
            match (table.column(own), target.column(theirs)) {
                (_, None) => {
                    all_exist = false;
                    report(format!(
                        "`{own}` references `{}({theirs})`, but that table has no column `{theirs}`",
                        fk.referenced_table
                    ));
                }
                (Some(a), Some(b)) if a.ty != b.ty => report(format!(
                    "`{own}` is {} but references `{}({theirs})`, which is {}; use the same type",
                    a.ty, fk.referenced_table, b.ty
                )),
                _ => {}
            }
        }
        if all_exist && !target.is_unique_key(&fk.referenced_columns) {
            report(format!(
                "`{}` references `{}({})`, which is neither its primary key nor unique; \
                 every database requires one of the two",
                fk.columns.join(", "),
                fk.referenced_table,
                fk.referenced_columns.join(", ")
            ));
        }
    }
}

fn check_name(kind: &str, name: &str, report: &mut impl FnMut(String)) {
    if name.is_empty() {
        report(format!("a {kind} name is empty"));
    } else if name.len() > MAX_IDENTIFIER_LEN {
        report(format!(
            "{kind} name `{name}` is {} bytes long; PostgreSQL keeps only {MAX_IDENTIFIER_LEN}, so choose a shorter one",
            name.len()
        ));
    }
}
