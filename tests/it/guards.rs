//! Generated migrations on tables with rows, on any database: changes the
//! rows may not fit stop at the migration's guard, before anything
//! changes (on MySQL without leaving the migration dirty), with a message
//! naming the table, the column, the count and an example key; downs that
//! cannot restore what the up removed stop the same way; a fill for NULLs
//! is the user's and visible in the SQL; swapped renames move the data.
//!
//! Every case runs on each backend (`backend_tests!` below):
//! `guards::sqlite::narrowing_a_length`, `guards::postgres::...`,
//! `guards::mysql::...`.

use lback::schema::{
    Column, ColumnType, DefaultValue, ForeignKey, Name, ReferentialAction, Schema, Table,
    UniqueConstraint,
};
use lback::{Error, MigrationState};
use lback_core::diff::{diff, Operation};
use lback_core::introspect::canonical;
use lback_core::runner;
use lback_core::sql::{render, render_down, split_statements, Dialect};

use crate::faults::{list, migrate_to, Mem};
use crate::targets::Target;
use crate::workflow::{status, stderr, Project};

mod conversions;

/// The migration from `before` to `after` (with `fills` applied to the
/// operations), as `makemigrations` writes it for `dialect`.
pub fn generate(
    i: usize,
    before: &Schema,
    after: &Schema,
    fills: &[(&str, &str, DefaultValue)],
    dialect: Dialect,
) -> Mem {
    let mut ops = diff(before, after);
    for op in &mut ops {
        if let Operation::AlterColumn {
            table, to, fill, ..
        } = op
        {
            for (t, c, value) in fills {
                if table.as_ref() == *t && to.name.as_ref() == *c {
                    *fill = Some(value.clone());
                }
            }
        }
    }
    let up = render(&ops, before, dialect);
    let down = render_down(&ops, after, dialect);
    for rendered in [&up, &down] {
        let script = rendered.to_sql();
        let statements: Vec<&str> = rendered.statements.iter().map(|s| s.trim()).collect();
        assert_eq!(split_statements(&script, dialect), statements, "{script}");
    }
    Mem {
        version: format!("202612010000{i:02}"),
        name: "step".to_owned(),
        rebuild: up.needs_foreign_keys_off || down.needs_foreign_keys_off,
        up: up.to_sql(),
        down: down.to_sql(),
    }
}

fn id_column(name: &str) -> Column {
    Column::new(name.to_owned(), ColumnType::BigInt).auto_increment()
}

fn table(name: &str, columns: Vec<Column>) -> Table {
    let mut t = Table::new(name.to_owned());
    for c in columns {
        t = t.with_column(c);
    }
    t.with_primary_key(["id"])
}

fn schema(tables: Vec<Table>) -> Schema {
    Schema::from_tables(tables).unwrap()
}

/// A schema of one table: `id` and `column`.
fn one_table(name: &str, column: Column) -> Schema {
    schema(vec![table(name, vec![id_column("id"), column])])
}

/// A database at `before` holding `rows`, and the two migrations.
struct Scenario {
    migrations: Vec<Mem>,
    /// The schema of the first migration.
    before: Schema,
    /// The schema of the second.
    after: Schema,
}

impl Scenario {
    fn new<T: Target>(
        target: &mut T,
        before: Schema,
        after: Schema,
        fills: &[(&str, &str, DefaultValue)],
        rows: &[&str],
    ) -> Self {
        let migrations = vec![
            generate(1, &Schema::new(), &before, &[], T::DIALECT),
            generate(2, &before, &after, fills, T::DIALECT),
        ];
        migrate_to(target, &migrations[..1], None).expect("the first migration applies");
        for row in rows {
            target.execute(row);
        }
        Scenario {
            migrations,
            before,
            after,
        }
    }

    fn up<T: Target>(&self, target: &mut T) -> Result<lback::MigrationReport, Error> {
        migrate_to(target, &self.migrations, None)
    }

    fn down<T: Target>(&self, target: &mut T) -> Result<lback::MigrationReport, Error> {
        migrate_to(target, &self.migrations, Some(&self.migrations[0].version))
    }

    fn up_sql(&self) -> &str {
        &self.migrations[1].up
    }

    /// The second migration's up fails (`expect`, if not) and its guard
    /// stopped it, saying `parts`: see [`assert_stopped_by_guard`].
    fn assert_up_stopped<T: Target>(&self, target: &mut T, expect: &str, parts: &[&str]) {
        let error = self.up(target).expect_err(expect);
        assert_stopped_by_guard(target, self, error, &self.before, parts);
    }

    /// The second migration's down fails (`expect`, if not) and its guard
    /// stopped it, saying `parts`: see [`assert_stopped_by_guard`].
    fn assert_down_stopped<T: Target>(&self, target: &mut T, expect: &str, parts: &[&str]) {
        let error = self.down(target).expect_err(expect);
        assert_stopped_by_guard(target, self, error, &self.after, parts);
    }
}

/// The guard's failure: the message is there, nothing changed (the live
/// schema is still `schema`), and the migration is not dirty.
fn assert_stopped_by_guard<T: Target>(
    target: &mut T,
    scenario: &Scenario,
    error: Error,
    schema: &Schema,
    parts: &[&str],
) {
    let text = error.to_string();
    for part in parts {
        assert!(text.contains(part), "missing {part:?} in:\n{text}");
    }
    assert_eq!(
        target.introspect(),
        canonical(schema, T::DIALECT),
        "the guard ran before anything changed"
    );
    let (statuses, _) = runner::status(target.conn(), &list(&scenario.migrations)).unwrap();
    assert_ne!(
        statuses[1].state(),
        MigrationState::Dirty,
        "a guard's failure leaves nothing to resolve:\n{text}"
    );
}

/// `max_length` 255 → 50 with a 126-character value: the guard stops it
/// (SQLite kept the value silently, PostgreSQL's cast truncated it, MariaDB
/// refused half way, dirty); once the value is shortened, it applies.
fn narrowing_a_length<T: Target>(target: &mut T, _: &Project) {
    let before = one_table("labels", Column::new("label", ColumnType::Varchar(255)));
    let after = one_table("labels", Column::new("label", ColumnType::Varchar(50)));
    let long = "x".repeat(126);
    let s = Scenario::new(
        target,
        before.clone(),
        after.clone(),
        &[],
        &[
            "INSERT INTO labels (id, label) VALUES (1, 'short')",
            &format!("INSERT INTO labels (id, label) VALUES (7, '{long}')"),
        ],
    );
    s.assert_up_stopped(
        target,
        "the guard stops the narrowing",
        &[
            "lback guard: 1 row(s) of table labels have label longer than 50 characters",
            "(e.g. id = 7)",
            "shorten or correct those values first",
        ],
    );
    assert_eq!(
        target.count("SELECT COUNT(*) AS n FROM labels WHERE id = 7 AND LENGTH(label) = 126"),
        1,
        "the value is intact"
    );
    target.execute("UPDATE labels SET label = 'now short' WHERE id = 7");
    s.up(target).expect("fits now");
    assert_eq!(target.introspect(), canonical(&after, T::DIALECT));
    assert_eq!(target.count("SELECT COUNT(*) AS n FROM labels"), 2);
}

/// `i64` → `i32` with 3,000,000,000.
fn narrowing_an_integer<T: Target>(target: &mut T, _: &Project) {
    let before = one_table("counters", Column::new("hits", ColumnType::BigInt));
    let after = one_table("counters", Column::new("hits", ColumnType::Integer));
    let s = Scenario::new(
        target,
        before.clone(),
        after.clone(),
        &[],
        &[
            "INSERT INTO counters (id, hits) VALUES (1, 5)",
            "INSERT INTO counters (id, hits) VALUES (2, 3000000000)",
            "INSERT INTO counters (id, hits) VALUES (3, -3000000000)",
        ],
    );
    s.assert_up_stopped(
        target,
        "the guard stops the narrowing",
        &[
            "lback guard: 2 row(s) of table counters have hits outside -2147483648..=2147483647",
            "(e.g. id = 2)",
        ],
    );
    assert_eq!(
        target.count("SELECT hits AS n FROM counters WHERE id = 2"),
        3_000_000_000
    );
    target.execute("DELETE FROM counters WHERE id > 1");
    s.up(target).expect("fits now");
    assert_eq!(target.introspect(), canonical(&after, T::DIALECT));
}

/// A scale reduced: PostgreSQL and MySQL would round 1.555 to 1.56.
fn reducing_a_scale<T: Target>(target: &mut T, _: &Project) {
    let decimal = |scale| ColumnType::Decimal {
        precision: Some(10),
        scale: Some(scale),
    };
    let before = one_table("prices", Column::new("amount", decimal(3)));
    let after = one_table("prices", Column::new("amount", decimal(2)));
    let s = Scenario::new(
        target,
        before.clone(),
        after,
        &[],
        &[
            "INSERT INTO prices (id, amount) VALUES (1, 2.5)",
            "INSERT INTO prices (id, amount) VALUES (4, 1.555)",
        ],
    );
    s.assert_up_stopped(
        target,
        "the guard stops the rounding",
        &[
            "lback guard: 1 row(s) of table prices have more than 2 decimal places in amount",
            "(e.g. id = 4)",
        ],
    );
    assert_eq!(
        target.count("SELECT COUNT(*) AS n FROM prices WHERE amount * 1000 = 1555"),
        1
    );
}

/// `Option<String>` → `String`: without a fill, NULLs stop it; with one,
/// the fill is in up.sql and in the rows, and never `''`.
fn null_to_not_null<T: Target>(target: &mut T, with_fill: bool) {
    let before = one_table(
        "people",
        Column::new("nick", ColumnType::Varchar(40)).nullable(),
    );
    let after = one_table("people", Column::new("nick", ColumnType::Varchar(40)));
    let fills = [("people", "nick", DefaultValue::Text("unknown".into()))];
    let s = Scenario::new(
        target,
        before.clone(),
        after.clone(),
        if with_fill { &fills } else { &[] },
        &[
            "INSERT INTO people (id, nick) VALUES (1, 'ann')",
            "INSERT INTO people (id, nick) VALUES (2, NULL)",
        ],
    );
    if !with_fill {
        assert!(!s.up_sql().contains("''"), "{}", s.up_sql());
        s.assert_up_stopped(
            target,
            "NULLs stop it",
            &[
                "lback guard: 1 row(s) of table people hold NULL in nick",
                "(e.g. id = 2)",
                "--fill people.nick=<value>",
            ],
        );
        return;
    }
    assert!(
        s.up_sql().contains("'unknown'"),
        "the fill is visible in up.sql:\n{}",
        s.up_sql()
    );
    s.up(target).expect("the fill makes it fit");
    assert_eq!(target.introspect(), canonical(&after, T::DIALECT));
    assert_eq!(
        target.count("SELECT COUNT(*) AS n FROM people WHERE nick = 'unknown' AND id = 2"),
        1
    );
    assert_eq!(
        target.count("SELECT COUNT(*) AS n FROM people WHERE nick = 'ann' AND id = 1"),
        1
    );
}

fn unique(name: &str, columns: &[&str]) -> UniqueConstraint {
    UniqueConstraint {
        name: name.to_owned().into(),
        columns: columns
            .iter()
            .map(|c| Name::from(c.to_string()))
            .collect::<Vec<_>>()
            .into(),
    }
}

fn foreign_key(table: &str, column: &str, target: &str) -> ForeignKey {
    ForeignKey {
        name: format!("fk_{table}_{column}").into(),
        columns: vec![Name::from(column.to_owned())].into(),
        referenced_table: target.to_owned().into(),
        referenced_columns: vec![Name::from("id")].into(),
        on_delete: ReferentialAction::NoAction,
        on_update: ReferentialAction::NoAction,
    }
}

/// A new unique key on duplicates.
fn adding_a_unique_key<T: Target>(target: &mut T, _: &Project) {
    let email = || Column::new("email", ColumnType::Varchar(100));
    let before = schema(vec![table("accounts", vec![id_column("id"), email()])]);
    let after = schema(vec![table("accounts", vec![id_column("id"), email()])
        .with_unique(unique("uq_accounts_email", &["email"]))]);
    let s = Scenario::new(
        target,
        before.clone(),
        after,
        &[],
        &[
            "INSERT INTO accounts (id, email) VALUES (1, 'a@x')",
            "INSERT INTO accounts (id, email) VALUES (2, 'b@x')",
            "INSERT INTO accounts (id, email) VALUES (3, 'a@x')",
        ],
    );
    s.assert_up_stopped(
        target,
        "duplicates stop it",
        &[
            "lback guard: 1 row(s) of table accounts share their values of (email) with another row, which unique key uq_accounts_email refuses",
            "(e.g. email = a@x)",
        ],
    );
}

/// A new foreign key on rows that point nowhere.
fn adding_a_foreign_key<T: Target>(target: &mut T, _: &Project) {
    let authors = table("authors", vec![id_column("id")]);
    let books = || {
        table(
            "books",
            vec![
                id_column("id"),
                Column::new("author_id", ColumnType::BigInt),
            ],
        )
    };
    let before = schema(vec![authors.clone(), books()]);
    let after = schema(vec![
        authors,
        books().with_foreign_key(foreign_key("books", "author_id", "authors")),
    ]);
    let s = Scenario::new(
        target,
        before.clone(),
        after,
        &[],
        &[
            "INSERT INTO authors (id) VALUES (1)",
            "INSERT INTO books (id, author_id) VALUES (10, 1)",
            "INSERT INTO books (id, author_id) VALUES (11, 99)",
        ],
    );
    s.assert_up_stopped(
        target,
        "orphans stop it",
        &[
            "lback guard: 1 row(s) of table books have (author_id) values with no match in table authors (id)",
            "(e.g. id = 11)",
        ],
    );
}

/// Reverting "drop table victim" while rows of `dependent` still point at
/// it: the down would recreate `victim` empty and then fail on the foreign
/// key (on MariaDB half way, dirty); the guard stops it first.
fn reverting_a_dropped_referenced_table<T: Target>(target: &mut T, _: &Project) {
    let victim = table("victim", vec![id_column("id")]);
    let dependent = || {
        table(
            "dependent",
            vec![
                id_column("id"),
                Column::new("victim_id", ColumnType::BigInt).nullable(),
            ],
        )
    };
    let before = schema(vec![
        victim,
        dependent().with_foreign_key(foreign_key("dependent", "victim_id", "victim")),
    ]);
    let after = schema(vec![dependent()]);
    let s = Scenario::new(
        target,
        before,
        after.clone(),
        &[],
        &[
            "INSERT INTO victim (id) VALUES (1)",
            "INSERT INTO dependent (id, victim_id) VALUES (5, 1)",
            "INSERT INTO dependent (id, victim_id) VALUES (6, NULL)",
        ],
    );
    s.up(target).expect("dropping applies");
    assert!(
        s.migrations[1].down.contains("its rows are not restored"),
        "the down says what it cannot restore:\n{}",
        s.migrations[1].down
    );
    s.assert_down_stopped(
        target,
        "the guard stops the down",
        &[
            "lback guard: 1 row(s) of table dependent reference table victim through (victim_id)",
            "(e.g. id = 5)",
        ],
    );
    target.execute("UPDATE dependent SET victim_id = NULL");
    s.down(target).expect("nothing points at victim now");
    assert_eq!(target.count("SELECT COUNT(*) AS n FROM dependent"), 2);
}

/// Reverting "drop UNIQUE NOT NULL column `key`" on a table with 2 rows:
/// both would get the same value and the unique key fails (on MariaDB half
/// way, dirty); the guard stops it first.
fn reverting_a_dropped_unique_column<T: Target>(target: &mut T, _: &Project) {
    let with_key = table(
        "things",
        vec![
            id_column("id"),
            Column::new("key", ColumnType::Varchar(20)),
            Column::new("note", ColumnType::Varchar(20)).nullable(),
        ],
    )
    .with_unique(unique("uq_things_key", &["key"]));
    let without = table(
        "things",
        vec![
            id_column("id"),
            Column::new("note", ColumnType::Varchar(20)).nullable(),
        ],
    );
    let s = Scenario::new(
        target,
        schema(vec![with_key]),
        schema(vec![without.clone()]),
        &[],
        &[
            "INSERT INTO things (id, \"key\", note) VALUES (1, 'a', 'x')",
            "INSERT INTO things (id, \"key\", note) VALUES (2, 'b', 'y')",
        ]
        .map(|sql| {
            if T::DIALECT == Dialect::Mysql {
                sql.replace('"', "`")
            } else {
                sql.to_owned()
            }
        })
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>(),
    );
    s.up(target).expect("dropping applies");
    s.assert_down_stopped(
        target,
        "the guard stops the down",
        &[
            "lback guard: 2 row(s) of table things would all get the same value in (key), which unique key uq_things_key refuses",
        ],
    );
    assert_eq!(target.count("SELECT COUNT(*) AS n FROM things"), 2);
}

/// Two columns swapped by `renamed_from` (`a` ← `b`, `b` ← `a`): the data
/// moves with the names, up and down.
fn swapping_two_columns<T: Target>(target: &mut T, _: &Project) {
    let before = schema(vec![table(
        "pairs",
        vec![
            id_column("id"),
            Column::new("a", ColumnType::BigInt),
            Column::new("b", ColumnType::BigInt),
        ],
    )]);
    let after = schema(vec![table(
        "pairs",
        vec![
            id_column("id"),
            Column::new("a", ColumnType::BigInt).renamed_from("b"),
            Column::new("b", ColumnType::BigInt).renamed_from("a"),
        ],
    )]);
    let s = Scenario::new(
        target,
        before,
        after,
        &[],
        &["INSERT INTO pairs (id, a, b) VALUES (1, 10, 20)"],
    );
    assert!(
        s.up_sql().contains("RENAME"),
        "a swap is generated:\n{}",
        s.up_sql()
    );
    s.up(target).expect("the swap applies");
    assert_eq!(target.count("SELECT a AS n FROM pairs"), 20);
    assert_eq!(target.count("SELECT b AS n FROM pairs"), 10);
    s.down(target).expect("and reverts");
    assert_eq!(target.count("SELECT a AS n FROM pairs"), 10);
    assert_eq!(target.count("SELECT b AS n FROM pairs"), 20);
}

/// `makemigrations` when a column becomes NOT NULL: without a terminal
/// and without `--fill` it refuses and writes nothing; with `--fill` the
/// value is in up.sql and in the rows.
fn fill_through_the_command<T: Target>(target: &mut T, project: &Project) {
    let url = target.url();
    let people = |nick: Column| table("people", vec![id_column("id"), nick]);
    project.models(&schema(vec![people(
        Column::new("nick", ColumnType::Varchar(40)).nullable(),
    )]));
    assert_eq!(
        status(&project.lback(&url, &["makemigrations", "create_people"])),
        0
    );
    assert_eq!(status(&project.lback(&url, &["migrate"])), 0);
    target.execute("INSERT INTO people (id, nick) VALUES (1, 'ann')");
    target.execute("INSERT INTO people (id, nick) VALUES (2, NULL)");
    project.models(&schema(vec![people(Column::new(
        "nick",
        ColumnType::Varchar(40),
    ))]));

    let refused = project.lback(&url, &["makemigrations", "require_nick"]);
    assert_ne!(status(&refused), 0);
    let message = stderr(&refused);
    assert!(
        message.contains("people.nick becomes NOT NULL")
            && message.contains("--fill people.nick=<value>"),
        "{message}"
    );
    assert_eq!(project.folders().len(), 1, "nothing written");

    let wrong = project.lback(
        &url,
        &["makemigrations", "require_nick", "--fill", "people.name=x"],
    );
    assert_ne!(status(&wrong), 0);
    assert!(
        stderr(&wrong).contains(
            "--fill people.name: this migration makes no column people.name NOT NULL; give \
             --fill only for a column that changes from Option<T> to T"
        ),
        "{}",
        stderr(&wrong)
    );

    let filled = project.lback(
        &url,
        &[
            "makemigrations",
            "require_nick",
            "--fill",
            "people.nick=unknown",
        ],
    );
    assert_eq!(status(&filled), 0, "{}", stderr(&filled));
    let folders = project.folders();
    let up =
        std::fs::read_to_string(project.migrations().join(&folders[1]).join("up.sql")).unwrap();
    assert!(up.contains("'unknown'"), "{up}");
    assert_eq!(status(&project.lback(&url, &["migrate"])), 0);
    assert_eq!(
        target.count("SELECT COUNT(*) AS n FROM people WHERE id = 2 AND nick = 'unknown'"),
        1
    );
}

/// `String` → `i64`: text that is no integer stops it (SQLite kept the
/// text in an INTEGER column; MariaDB refused half way, dirty).
fn text_to_an_integer<T: Target>(target: &mut T, _: &Project) {
    let before = one_table("codes", Column::new("code", ColumnType::Varchar(30)));
    let after = one_table("codes", Column::new("code", ColumnType::BigInt));
    let s = Scenario::new(
        target,
        before.clone(),
        after.clone(),
        &[],
        &[
            "INSERT INTO codes (id, code) VALUES (1, '42')",
            "INSERT INTO codes (id, code) VALUES (2, ' -7 ')",
            "INSERT INTO codes (id, code) VALUES (3, 'x9')",
        ],
    );
    s.assert_up_stopped(
        target,
        "the guard stops it",
        &[
            "lback guard: 1 row(s) of table codes have code that is not an integer",
            "(e.g. id = 3)",
        ],
    );
    target.execute("UPDATE codes SET code = '9' WHERE id = 3");
    s.up(target).expect("integers now");
    assert_eq!(target.introspect(), canonical(&after, T::DIALECT));
    assert_eq!(target.count("SELECT code AS n FROM codes WHERE id = 2"), -7);
}

/// Downs that re-add NOT NULL and a foreign key, after rows that break
/// them arrived: each stops at its guard before changing anything.
fn downs_re_adding_not_null_and_a_foreign_key<T: Target>(target: &mut T, _: &Project) {
    let authors = table("authors", vec![id_column("id")]);
    let books = |nick: Column| {
        table(
            "books",
            vec![
                id_column("id"),
                Column::new("author_id", ColumnType::BigInt),
                nick,
            ],
        )
    };
    let before = schema(vec![
        authors.clone(),
        books(Column::new("title", ColumnType::Varchar(20))).with_foreign_key(foreign_key(
            "books",
            "author_id",
            "authors",
        )),
    ]);
    let after = schema(vec![
        authors,
        books(Column::new("title", ColumnType::Varchar(20)).nullable()),
    ]);
    let s = Scenario::new(
        target,
        before,
        after.clone(),
        &[],
        &[
            "INSERT INTO authors (id) VALUES (1)",
            "INSERT INTO books (id, author_id, title) VALUES (1, 1, 'a')",
        ],
    );
    s.up(target).expect("relaxing applies");
    target.execute("INSERT INTO books (id, author_id, title) VALUES (2, 1, NULL)");
    target.execute("INSERT INTO books (id, author_id, title) VALUES (3, 99, 'orphan')");
    s.assert_down_stopped(
        target,
        "the guards stop the down",
        &[
            "lback guard: 1 row(s) of table books hold NULL in title",
            "(e.g. id = 2)",
        ],
    );
    target.execute("UPDATE books SET title = 'b' WHERE id = 2");
    s.assert_down_stopped(
        target,
        "the foreign key's guard stops it",
        &[
            "lback guard: 1 row(s) of table books have (author_id) values with no match in table authors (id)",
            "(e.g. id = 3)",
        ],
    );
    target.execute("DELETE FROM books WHERE id = 3");
    s.down(target).expect("the rows fit now");
    assert_eq!(target.count("SELECT COUNT(*) AS n FROM books"), 2);
}

/// SQLite: renaming a table by case only (`MixedCase` → `mixedcase`)
/// failed ("there is already another table or index with this name").
fn renaming_a_table_by_case<T: Target>(target: &mut T, _: &Project) {
    let columns = || {
        vec![
            id_column("id"),
            Column::new("label", ColumnType::Varchar(20)),
        ]
    };
    let before = schema(vec![table("MixedCase", columns())]);
    let mut renamed = table("mixedcase", columns());
    renamed.renamed_from = Some("MixedCase".into());
    let after = schema(vec![renamed]);
    let q = |name: &str| T::DIALECT.quote(name);
    let s = Scenario::new(
        target,
        before.clone(),
        after.clone(),
        &[],
        &[
            &format!("INSERT INTO {} (id, label) VALUES (1, 'a')", q("MixedCase")),
            &format!("INSERT INTO {} (id, label) VALUES (2, 'b')", q("MixedCase")),
        ],
    );
    s.up(target).expect("the rename applies");
    assert_eq!(target.introspect(), canonical(&after, T::DIALECT));
    assert_eq!(
        target.count(&format!("SELECT COUNT(*) AS n FROM {}", q("mixedcase"))),
        2
    );
    s.down(target).expect("and reverts");
    assert_eq!(target.introspect(), canonical(&before, T::DIALECT));
    assert_eq!(
        target.count(&format!("SELECT COUNT(*) AS n FROM {}", q("MixedCase"))),
        2
    );
}

/// A zoned timestamp (`DateTime<Utc>`, `OffsetDateTime`) holds the years
/// diesel's mapping takes: on MySQL/MariaDB `TIMESTAMP(6)` refused
/// 2040-01-01 (it ends in 2038); `DATETIME(6)` holds 1000 to 9999.
fn zoned_timestamps_hold_the_full_range<T: Target>(target: &mut T, _: &Project) {
    let events = one_table("events", Column::new("at", ColumnType::TimestampTz));
    let migrations = vec![generate(1, &Schema::new(), &events, &[], T::DIALECT)];
    migrate_to(target, &migrations, None).expect("applies");
    let values = [
        "1000-01-01 00:00:00",
        "1970-01-01 00:00:00",
        "2038-01-19 03:14:08",
        "2040-01-01 00:00:00",
        "9999-12-31 23:59:59.999999",
    ];
    let zone = if T::DIALECT == Dialect::Postgres {
        "+00"
    } else {
        ""
    };
    for (i, value) in values.iter().enumerate() {
        target.execute(&format!(
            "INSERT INTO events (id, at) VALUES ({}, '{value}{zone}')",
            i + 1
        ));
    }
    for (i, value) in values.iter().enumerate() {
        assert_eq!(
            target.count(&format!(
                "SELECT COUNT(*) AS n FROM events WHERE id = {} AND at = '{value}{zone}'",
                i + 1
            )),
            1,
            "{value} reads back"
        );
    }
}

/// The longest key MySQL/MariaDB hold whole: one `VARCHAR(768)` (3072
/// bytes in utf8mb4) is a full index, not a prefix; one character more is
/// refused by `check_dialect` (unit tests in `sql/check.rs`).
fn the_longest_key_is_indexed_whole<T: Target>(target: &mut T, _: &Project) {
    let t = schema(vec![table(
        "codes",
        vec![
            id_column("id"),
            Column::new("code", ColumnType::Varchar(768)),
        ],
    )
    .with_unique(unique("uq_codes_code", &["code"]))]);
    lback_core::sql::check_dialect(&t, T::DIALECT).expect("fits every dialect");
    let migrations = vec![generate(1, &Schema::new(), &t, &[], T::DIALECT)];
    migrate_to(target, &migrations, None).expect("applies");
    assert_eq!(target.introspect(), canonical(&t, T::DIALECT));
    if T::DIALECT == Dialect::Mysql {
        // The catalog itself: no prefix (SUB_PART), no hash.
        assert_eq!(
            target.count(
                "SELECT COUNT(*) AS n FROM information_schema.STATISTICS \
                 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'codes' \
                 AND INDEX_NAME = 'uq_codes_code' AND SUB_PART IS NULL AND INDEX_TYPE = 'BTREE'"
            ),
            1
        );
    }
}

/// MySQL/MariaDB: a foreign key column that also has `index` had two
/// identical indexes (the key's own and the declared one). One serves
/// both; dropping the declared index gives the key its own first, and
/// adding it back drops the key's own again.
fn one_index_serves_a_foreign_key<T: Target>(target: &mut T, _: &Project) {
    let customers = table("customers", vec![id_column("id")]);
    let orders = || {
        table(
            "orders",
            vec![
                id_column("id"),
                Column::new("customer_id", ColumnType::BigInt),
            ],
        )
        .with_foreign_key(foreign_key("orders", "customer_id", "customers"))
    };
    let indexed = schema(vec![
        customers.clone(),
        orders().with_index(lback::schema::Index {
            name: "ix_orders_customer_id".into(),
            columns: vec![Name::from("customer_id")].into(),
            unique: false,
        }),
    ]);
    let plain = schema(vec![customers, orders()]);
    let indexes_on_customer_id = |target: &mut T| {
        target.count(
            "SELECT COUNT(DISTINCT INDEX_NAME) AS n FROM information_schema.STATISTICS \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'orders' \
             AND COLUMN_NAME = 'customer_id' AND SEQ_IN_INDEX = 1",
        )
    };
    let s = Scenario::new(
        target,
        indexed.clone(),
        plain.clone(),
        &[],
        &[
            "INSERT INTO customers (id) VALUES (1)",
            "INSERT INTO orders (id, customer_id) VALUES (10, 1)",
        ],
    );
    assert_eq!(target.introspect(), canonical(&indexed, T::DIALECT));
    if T::DIALECT == Dialect::Mysql {
        assert_eq!(indexes_on_customer_id(target), 1, "one index, not two");
    }
    s.up(target).expect("dropping the declared index applies");
    assert_eq!(target.introspect(), canonical(&plain, T::DIALECT));
    if T::DIALECT == Dialect::Mysql {
        assert_eq!(indexes_on_customer_id(target), 1, "the key's own index");
    }
    s.down(target).expect("adding it back applies");
    assert_eq!(target.introspect(), canonical(&indexed, T::DIALECT));
    if T::DIALECT == Dialect::Mysql {
        assert_eq!(indexes_on_customer_id(target), 1, "one index again");
    }
    assert_eq!(target.count("SELECT COUNT(*) AS n FROM orders"), 1);
}

/// A down that cannot restore what its up dropped says so in down.sql
/// and in `rollback --dry-run`.
fn rollback_dry_run_says_what_is_not_restored<T: Target>(target: &mut T, project: &Project) {
    let url = target.url();
    let keep = table("keep", vec![id_column("id")]);
    let victim = table(
        "victim",
        vec![
            id_column("id"),
            Column::new("note", ColumnType::Varchar(20)),
        ],
    );
    project.models(&schema(vec![keep.clone(), victim]));
    assert_eq!(
        status(&project.lback(&url, &["makemigrations", "create"])),
        0
    );
    assert_eq!(status(&project.lback(&url, &["migrate"])), 0);
    target.execute("INSERT INTO victim (id, note) VALUES (1, 'precious')");
    project.models(&schema(vec![keep]));
    assert_eq!(
        status(&project.lback(&url, &["makemigrations", "drop_victim"])),
        0
    );
    assert_eq!(status(&project.lback(&url, &["migrate"])), 0);
    let folders = project.folders();
    let down =
        std::fs::read_to_string(project.migrations().join(&folders[1]).join("down.sql")).unwrap();
    let note = "-- lback: the up migration dropped table victim: this down creates it again empty (its rows are not restored)";
    assert!(down.lines().any(|l| l == note), "{down}");
    let dry_run = project.lback(&url, &["rollback", "victim", "--dry-run"]);
    assert_eq!(status(&dry_run), 0, "{}", stderr(&dry_run));
    let printed = String::from_utf8_lossy(&dry_run.stdout).into_owned();
    assert!(printed.contains(note), "{printed}");
}

fn null_to_not_null_without_fill<T: Target>(target: &mut T, _: &Project) {
    null_to_not_null(target, false);
}

fn null_to_not_null_with_fill<T: Target>(target: &mut T, _: &Project) {
    null_to_not_null(target, true);
}

/// One case per guarded type pair of `conversions::cases()`.
macro_rules! conversion_cases {
    ($($case:ident: $pair:literal),* $(,)?) => {
        $(
            fn $case<T: Target>(target: &mut T, _: &Project) {
                conversions::convert(target, &conversions::case($pair));
            }
        )*
    };
}

conversion_cases!(
    converting_text_bigint: "text_bigint",
    converting_text_bool: "text_bool",
    converting_text_date: "text_date",
    converting_text_time: "text_time",
    converting_text_timestamp: "text_timestamp",
    converting_text_uuid: "text_uuid",
    converting_text_double: "text_double",
    converting_text_decimal: "text_decimal",
    converting_text_json: "text_json",
    converting_double_integer: "double_integer",
    converting_double_real: "double_real",
    converting_decimal_integer: "decimal_integer",
    converting_decimal_double: "decimal_double",
    converting_bigint_double: "bigint_double",
    converting_integer_bool: "integer_bool",
    converting_integer_varchar: "integer_varchar",
    converting_timestamp_date: "timestamp_date",
    converting_date_timestamp: "date_timestamp",
);

/// Each case on a database of its own (the tables have the same name).
fn conversions_in_non_strict_mode<T: Target>(_: &mut T, _: &Project) {
    for name in conversions::NON_STRICT {
        let (project, mut target) = crate::scratch::<T>(name);
        conversions::in_non_strict_mode(&mut target, name);
        // The database first: a SQLite file lives in the project's directory.
        drop(target);
        drop(project);
    }
}

fn zoned_changes_are_utc<T: Target>(target: &mut T, _: &Project) {
    conversions::zoned_changes_are_utc(target);
}

backend_tests!(
    narrowing_a_length,
    narrowing_an_integer,
    reducing_a_scale,
    null_to_not_null_without_fill,
    null_to_not_null_with_fill,
    adding_a_unique_key,
    adding_a_foreign_key,
    reverting_a_dropped_referenced_table,
    reverting_a_dropped_unique_column,
    swapping_two_columns,
    renaming_a_table_by_case,
    zoned_timestamps_hold_the_full_range,
    the_longest_key_is_indexed_whole,
    one_index_serves_a_foreign_key,
    rollback_dry_run_says_what_is_not_restored,
    text_to_an_integer,
    downs_re_adding_not_null_and_a_foreign_key,
    converting_text_bigint,
    converting_text_bool,
    converting_text_date,
    converting_text_time,
    converting_text_timestamp,
    converting_text_uuid,
    converting_text_double,
    converting_text_decimal,
    converting_text_json,
    converting_double_integer,
    converting_double_real,
    converting_decimal_integer,
    converting_decimal_double,
    converting_bigint_double,
    converting_integer_bool,
    converting_integer_varchar,
    converting_timestamp_date,
    converting_date_timestamp,
    conversions_in_non_strict_mode,
    zoned_changes_are_utc,
    fill_through_the_command,
);
