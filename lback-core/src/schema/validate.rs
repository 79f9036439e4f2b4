//! Consistency checks over a whole [`Schema`]: what one model alone cannot
//! see at compile time (foreign keys into other tables, names shared across
//! tables) and what a snapshot edited by hand may break.

use std::collections::BTreeMap;
use std::fmt;

use super::{ForeignKey, Name, ReferentialAction, Schema, Table, MAX_IDENTIFIER_LEN};
use crate::sql::Dialect;
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

impl Schema {
    /// What `dialect` cannot hold that [`validate`](Schema::validate) (the
    /// same for every dialect) lets through: [names only case tells
    /// apart](Schema::case_collisions), and on MySQL/MariaDB a foreign key
    /// whose referenced columns are not in the order of the key they match
    /// (InnoDB needs an index that starts with them in that order;
    /// PostgreSQL and SQLite match the key as a set). Part of
    /// [`check_dialect`](crate::sql::check_dialect).
    pub fn dialect_problems(&self, dialect: Dialect) -> Vec<SchemaProblem> {
        let mut problems = self.case_collisions(dialect);
        if dialect != Dialect::Mysql {
            return problems;
        }
        for table in self.tables() {
            for fk in table.foreign_keys.iter() {
                let Some(target) = self.table(&fk.referenced_table) else {
                    continue;
                };
                let wanted: &[Name] = &fk.referenced_columns;
                let keys = std::iter::once(&target.primary_key)
                    .chain(target.unique_constraints.iter().map(|u| &u.columns))
                    .chain(target.indexes.iter().map(|i| &i.columns));
                let mut same_set = None;
                let mut in_order = false;
                for key in keys {
                    in_order |= key.starts_with(wanted);
                    if key.len() == wanted.len() && key.iter().all(|k| wanted.contains(k)) {
                        same_set = Some(key);
                    }
                }
                if let (false, Some(key)) = (in_order, same_set) {
                    problems.push(SchemaProblem {
                        table: table.name.to_string(),
                        message: format!(
                            "foreign key `{}` references `{}({})`, but MySQL/MariaDB need the \
                             referenced columns in the order of the key they match, ({}); list \
                             them, and the foreign key's own columns with them, in that order",
                            fk.name,
                            fk.referenced_table,
                            fk.referenced_columns.join(", "),
                            key.join(", ")
                        ),
                    });
                }
            }
        }
        problems
    }

    /// Names that differ only by case, where `dialect` folds case and so
    /// takes them for one name: SQLite for every identifier (tables and
    /// indexes share one namespace there; lback's unique constraints are
    /// unique indexes), MySQL/MariaDB for columns and index names always and
    /// for tables wherever `lower_case_table_names` is 1 or 2 (Windows and
    /// macOS servers; a migration must run on every server). PostgreSQL
    /// keeps the case of the quoted names lback writes: nothing to report.
    ///
    /// [`check_dialect`](crate::sql::check_dialect) includes these, so
    /// `makemigrations` refuses such models before a migration fails half
    /// way on the database.
    ///
    /// ```
    /// use lback_core::schema::{Column, ColumnType, Schema, Table};
    /// use lback_core::sql::Dialect;
    ///
    /// let items = Table::new("items")
    ///     .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
    ///     .with_column(Column::new("Name", ColumnType::Text))
    ///     .with_column(Column::new("name", ColumnType::Text))
    ///     .with_primary_key(["id"]);
    /// let schema = Schema::from_tables([items]).unwrap();
    /// assert_eq!(schema.case_collisions(Dialect::Postgres), []);
    /// let problems = schema.case_collisions(Dialect::Sqlite);
    /// assert!(problems[0].message.contains("column `Name` and column `name` differ only by case"));
    /// ```
    pub fn case_collisions(&self, dialect: Dialect) -> Vec<SchemaProblem> {
        let fold: fn(&str) -> String = match dialect {
            Dialect::Postgres => return Vec::new(),
            Dialect::Sqlite => str::to_ascii_lowercase,
            Dialect::Mysql => str::to_lowercase,
        };
        let mut problems = Vec::new();
        // A namespace: each folded name with its first spelling and kind.
        type Namespace = BTreeMap<String, (&'static str, String)>;
        let mut enter =
            |seen: &mut Namespace, table: &str, kind: &'static str, name: &str| match seen
                .get(&fold(name))
            {
                Some((other_kind, other)) if other != name => {
                    let (database, note) = match dialect {
                        Dialect::Sqlite => ("SQLite", ""),
                        _ if kind == "table" => (
                            "MySQL/MariaDB",
                            " where `lower_case_table_names` is 1 or 2 (the default on Windows \
                             and macOS)",
                        ),
                        _ => ("MySQL/MariaDB", ""),
                    };
                    problems.push(SchemaProblem {
                        table: table.to_owned(),
                        message: format!(
                            "{other_kind} `{other}` and {kind} `{name}` differ only by case, which \
                             {database} does not tell apart{note}, so the migration would fail \
                             there; rename one of them"
                        ),
                    });
                }
                Some(_) => {}
                None => {
                    seen.insert(fold(name), (kind, name.to_owned()));
                }
            };
        // SQLite: tables and indexes share one namespace; MySQL: tables are
        // one, each table's indexes another.
        let mut schema_names = Namespace::new();
        for table in self.tables() {
            let name = &table.name;
            enter(&mut schema_names, name, "table", name);
            let mut columns = Namespace::new();
            for column in table.columns.iter() {
                enter(&mut columns, name, "column", &column.name);
            }
            let mut own_indexes = Namespace::new();
            let keys = table
                .indexes
                .iter()
                .map(|i| &i.name)
                .chain(table.unique_constraints.iter().map(|u| &u.name));
            // MySQL backs each foreign key with an index of its name.
            let supporting = table
                .foreign_keys
                .iter()
                .filter(|_| dialect == Dialect::Mysql)
                .map(|f| &f.name);
            for key in keys.chain(supporting) {
                let namespace = match dialect {
                    Dialect::Sqlite => &mut schema_names,
                    _ => &mut own_indexes,
                };
                enter(namespace, name, "index", key);
            }
        }
        problems
    }
}

fn check_table(schema: &Schema, table: &Table, report: &mut impl FnMut(String)) {
    check_name("table", &table.name, report);
    if table.columns.is_empty() {
        report("a table needs at least one column".into());
    }
    check_columns(table, report);
    check_keys(table, report);
    for fk in table.foreign_keys.iter() {
        check_foreign_key(schema, table, fk, report);
    }
}

/// The columns' names, defaults and auto-increment.
fn check_columns(table: &Table, report: &mut impl FnMut(String)) {
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
}

/// The primary key, indexes and unique constraints.
fn check_keys(table: &Table, report: &mut impl FnMut(String)) {
    let exists = |name: &Name| table.column(name).is_some();
    if table.primary_key.is_empty() {
        report("a table needs a primary key: mark a field `#[lback(primary_key)]`".into());
    }
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
}

/// One foreign key: its columns, actions and the key it references.
fn check_foreign_key(
    schema: &Schema,
    table: &Table,
    fk: &ForeignKey,
    report: &mut impl FnMut(String),
) {
    let exists = |name: &Name| table.column(name).is_some();
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
        return;
    }
    if fk.on_delete == ReferentialAction::SetNull || fk.on_update == ReferentialAction::SetNull {
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
        return;
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
