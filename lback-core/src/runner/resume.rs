//! Going on with a MySQL/MariaDB migration whose run stopped half way,
//! where the answer is certain: which statements a new lock holder may run
//! again after a dead holder ([`Repeat::of`]), and how it tells whether the
//! statement that was in flight took effect.
//!
//! A statement in flight when its process died either took effect or did
//! not (MariaDB 10.6+ and MySQL 8.0 make each DDL statement atomic), and
//! lback cannot tell which from its own records. It can for two kinds:
//!
//! - statements that change nothing ([`Repeat::Harmless`]: a migration's
//!   guard prelude, run again from its start; `SELECT SLEEP(n)`): run again;
//! - DDL that creates or drops one named object ([`Ddl`]): a table, a
//!   column, an index. Run again, it either takes effect (it had not) or
//!   fails with the error that says the object is already there (or
//!   already gone); the server never lets both runs succeed, however the
//!   two overlap (under Galera's TOI the second waits behind the first;
//!   on one server, behind its metadata lock). That error means the dead
//!   holder's run took effect only when the object was absent (present)
//!   before that run: lback checks so before recording the statement as
//!   next ([`Ddl::probe_sql`]; the row's state is then `checked`).
//!
//! Anything else (data changes, a `MODIFY COLUMN`, several clauses in one
//! `ALTER TABLE`, names qualified with a database, a run left after a
//! statement that changed its session: [`changes_the_session`]) stays
//! dirty, with the recovery steps.

mod parse;

use crate::sql::Dialect;
use parse::{tokens, Parser, Token};

/// A state of `__lback_attempts`: the run stopped before or during its
/// current statement, which is a [`Ddl`] whose object was checked to be as
/// before the statement just before lback recorded it as next.
#[cfg_attr(not(feature = "mysql"), allow(dead_code))]
pub(crate) const CHECKED: &str = "checked";

/// Where a run left half way goes on: statement `from` (0-based) and the
/// ones after it. `in_flight`: statement `from` was in flight when its
/// holder died; run again, the error that says it had taken effect counts
/// as done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resume {
    /// The first statement to run.
    pub from: usize,
    /// The statement in flight, when it is a DDL statement to recognise.
    pub in_flight: Option<Ddl>,
    /// In words, for the report.
    pub note: String,
}

impl Resume {
    /// Statement `done` (0-based) of `total` of migration `id` is one of
    /// its guards, which change no table: the run goes on from the first.
    pub fn from_guards(id: &str, done: usize, total: usize) -> Resume {
        Resume {
            from: 0,
            in_flight: None,
            note: format!(
                "{}; that statement is one of its guards, which change no table, so lback \
                 ran the migration from its first statement",
                left_at(id, done, total)
            ),
        }
    }

    /// Statement `done` changes nothing: the run goes on from it.
    pub fn harmless(id: &str, done: usize, total: usize) -> Resume {
        Resume {
            from: done,
            in_flight: None,
            note: format!(
                "{}; that statement changes nothing, so lback ran it again and went on",
                left_at(id, done, total)
            ),
        }
    }

    /// Statement `done` is `ddl`, checked before it ran: the run goes on
    /// from it, its error that says it had taken effect counting as done.
    pub fn ddl(id: &str, done: usize, total: usize, ddl: Ddl) -> Resume {
        Resume {
            from: done,
            in_flight: Some(ddl),
            note: format!(
                "{}; lback ran that statement again (the server's error would have said it \
                 had taken effect) and went on",
                left_at(id, done, total)
            ),
        }
    }
}

/// The start of a [`Resume`]'s note.
fn left_at(id: &str, done: usize, total: usize) -> String {
    format!(
        "migration {id} was left at statement {} of {total} by a process that ended",
        done + 1
    )
}

/// How a statement may be run again after a holder died during it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Repeat {
    /// It changes nothing: running it again is running it once.
    Harmless,
    /// A DDL statement that creates or drops one named object.
    Ddl(Ddl),
}

/// A DDL statement whose whole effect shows as one object being there or
/// not, and which fails when run again after it took effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ddl {
    /// The object.
    pub object: Object,
    /// `true`: it creates the object; `false`: it drops it.
    pub creates: bool,
}

/// A named object of the current database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Object {
    /// A table.
    Table(String),
    /// A column of a table.
    Column {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// An index of a table.
    Index {
        /// The table.
        table: String,
        /// The index.
        index: String,
    },
}

impl Repeat {
    /// How `statement` may be run again, or `None` when it may not.
    pub fn of(statement: &str) -> Option<Repeat> {
        let mut tokens = tokens(statement)?;
        while tokens.last() == Some(&Token::Punct(';')) {
            tokens.pop();
        }
        // One statement: a `;` before the end starts another.
        if tokens.contains(&Token::Punct(';')) {
            return None;
        }
        let mut p = Parser {
            tokens: &tokens,
            at: 0,
        };
        let repeat = if p.words(&["SELECT", "SLEEP"]) || p.words(&["DO", "SLEEP"]) {
            let _ = p.punct('(') && p.number() && p.punct(')');
            Repeat::Harmless
        } else if p.words(&["CREATE", "TABLE"]) {
            let table = p.name()?;
            // Columns follow, not `LIKE` or `AS SELECT` (which copy rows).
            if !p.peek_punct('(') || p.top_level_word("SELECT") {
                return None;
            }
            p.at = tokens.len();
            Repeat::Ddl(Ddl {
                object: Object::Table(table),
                creates: true,
            })
        } else if p.words(&["CREATE", "INDEX"]) || p.words(&["CREATE", "UNIQUE", "INDEX"]) {
            let index = p.name()?;
            if !p.words(&["ON"]) {
                return None;
            }
            let table = p.name()?;
            p.at = tokens.len();
            Repeat::Ddl(Ddl {
                object: Object::Index { table, index },
                creates: true,
            })
        } else if p.words(&["DROP", "TABLE"]) {
            let table = p.name()?;
            Repeat::Ddl(Ddl {
                object: Object::Table(table),
                creates: false,
            })
        } else if p.words(&["DROP", "INDEX"]) {
            let index = p.name()?;
            if !p.words(&["ON"]) {
                return None;
            }
            let table = p.name()?;
            Repeat::Ddl(Ddl {
                object: Object::Index { table, index },
                creates: false,
            })
        } else if p.words(&["ALTER", "TABLE"]) {
            let table = p.name()?;
            // One clause: a comma outside parentheses starts another.
            if p.top_level_punct(',') {
                return None;
            }
            let ddl = p.alter_clause(table)?;
            p.at = tokens.len();
            Repeat::Ddl(ddl)
        } else {
            return None;
        };
        // Nothing after what was read.
        (p.at == tokens.len()).then_some(repeat)
    }
}

/// Whether `statement` may change what later statements of the same
/// session do (`SET`, `USE`, a temporary table, a user variable; a `CALL`,
/// whose procedure may do any of these; a prepared statement, an open
/// transaction or `HANDLER`), so that
/// a new holder, in a session of its own, may not go on after it without
/// running it: a run left past it is not resumed. `true` when unsure.
pub fn changes_the_session(statement: &str) -> bool {
    let Some(tokens) = tokens(statement) else {
        return true;
    };
    let word = |t: &Token, w: &str| matches!(t, Token::Word(x) if x.eq_ignore_ascii_case(w));
    let first = tokens.first();
    const SESSION: &[&str] = &[
        "SET",
        "USE",
        "DECLARE",
        "LOCK",
        "CALL",
        "PREPARE",
        "EXECUTE",
        "DEALLOCATE",
        "BEGIN",
        "START",
        "XA",
        "HANDLER",
    ];
    first.is_some_and(|t| SESSION.iter().any(|w| word(t, w)))
        || tokens
            .iter()
            .any(|t| word(t, "TEMPORARY") || *t == Token::Punct('@'))
}

impl Ddl {
    /// A query counting the object in the current database (`n`: 0 when
    /// absent).
    pub fn probe_sql(&self) -> String {
        let d = Dialect::Mysql;
        let lit = |s: &str| d.string_literal(s);
        match &self.object {
            Object::Table(table) => format!(
                "SELECT COUNT(*) AS n FROM information_schema.TABLES \
                 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = {}",
                lit(table)
            ),
            Object::Column { table, column } => format!(
                "SELECT COUNT(*) AS n FROM information_schema.COLUMNS \
                 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = {} AND COLUMN_NAME = {}",
                lit(table),
                lit(column)
            ),
            Object::Index { table, index } => format!(
                "SELECT COUNT(*) AS n FROM information_schema.STATISTICS \
                 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = {} AND INDEX_NAME = {}",
                lit(table),
                lit(index)
            ),
        }
    }

    /// Whether the database's `message`, for this statement run again,
    /// says it had taken effect already: the object it creates is there,
    /// the one it drops is gone.
    pub fn already_done(&self, message: &str) -> bool {
        let m = message.to_lowercase();
        let is = |expected: String| m == expected.to_lowercase();
        match (&self.object, self.creates) {
            // 1050
            (Object::Table(t), true) => is(format!("Table '{t}' already exists")),
            // 1051: `Unknown table 'db.t'`
            (Object::Table(t), false) => {
                m.starts_with("unknown table '") && m.ends_with(&format!(".{}'", t.to_lowercase()))
            }
            // 1060
            (Object::Column { column, .. }, true) => {
                is(format!("Duplicate column name '{column}'"))
            }
            // 1061
            (Object::Index { index, .. }, true) => is(format!("Duplicate key name '{index}'")),
            // 1091: MariaDB `Can't DROP COLUMN `c`; check that it exists`
            // (`INDEX` for an index), MySQL `Can't DROP 'c'; check that
            // column/key exists`.
            (Object::Column { column: name, .. }, false) => {
                is(format!("Can't DROP COLUMN `{name}`; check that it exists"))
                    || is(format!("Can't DROP '{name}'; check that column/key exists"))
            }
            (Object::Index { index: name, .. }, false) => {
                is(format!("Can't DROP INDEX `{name}`; check that it exists"))
                    || is(format!("Can't DROP '{name}'; check that column/key exists"))
            }
        }
    }

    /// Whether the object is there after the statement took effect.
    pub fn present_after(&self) -> bool {
        self.creates
    }
}

/// Whether a server's `VERSION()` makes each DDL statement atomic (it
/// either took effect or did not, crash or no crash): MariaDB 10.6 and
/// later, MySQL 8.0 and later.
pub fn atomic_ddl(version: &str) -> bool {
    let mut parts = version.split(|c: char| !c.is_ascii_digit());
    let major: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    let minor: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    if version.to_ascii_lowercase().contains("mariadb") {
        (major, minor) >= (10, 6)
    } else {
        major >= 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ddl(sql: &str) -> Ddl {
        match Repeat::of(sql) {
            Some(Repeat::Ddl(ddl)) => ddl,
            other => panic!("{sql}: {other:?}"),
        }
    }

    fn table(t: &str) -> Object {
        Object::Table(t.to_owned())
    }

    #[test]
    fn ddl_on_one_named_object_is_recognised_with_its_object() {
        let created = ddl("-- lback: generated\nCREATE TABLE `products` (\n  `id` BIGINT NOT NULL,\n  `name` VARCHAR(20) DEFAULT 'a, b',\n  PRIMARY KEY (`id`)\n);");
        assert_eq!(created.object, table("products"));
        assert!(created.creates && created.present_after());
        assert_eq!(ddl("drop table Orders").object, table("Orders"));
        assert!(!ddl("DROP TABLE `orders`").creates);
        assert_eq!(
            ddl("CREATE UNIQUE INDEX `ix_a` ON `t` (`a`, `b`)").object,
            Object::Index {
                table: "t".into(),
                index: "ix_a".into()
            }
        );
        assert_eq!(
            ddl("ALTER TABLE `customers` ADD COLUMN `phone` VARCHAR(40) NULL").object,
            Object::Column {
                table: "customers".into(),
                column: "phone".into()
            }
        );
        let dropped = ddl("ALTER TABLE t DROP c");
        assert_eq!(
            dropped.object,
            Object::Column {
                table: "t".into(),
                column: "c".into()
            }
        );
        assert!(!dropped.creates);
        assert_eq!(
            ddl("ALTER TABLE t ADD INDEX ix (a)").object,
            Object::Index {
                table: "t".into(),
                index: "ix".into()
            }
        );
        assert!(!ddl("DROP INDEX `ix` ON `t`").creates);
    }

    #[test]
    fn statements_whose_effect_cannot_be_told_are_not_recognised() {
        for sql in [
            "INSERT INTO t VALUES (1)",
            "UPDATE t SET a = 1",
            "ALTER TABLE t MODIFY a INT NOT NULL",
            "ALTER TABLE t ADD COLUMN a INT, ADD COLUMN b INT",
            "ALTER TABLE t ALGORITHM=INSTANT, ADD COLUMN a INT",
            "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES u (id)",
            "ALTER TABLE t ADD UNIQUE INDEX ix (a)",
            "ALTER TABLE t DROP FOREIGN KEY fk",
            "ALTER TABLE t DROP COLUMN IF EXISTS c",
            "CREATE TABLE IF NOT EXISTS t (a INT)",
            "CREATE TABLE t AS SELECT 1 AS a",
            "CREATE TABLE t (a INT) SELECT 1 AS a",
            "CREATE TABLE t LIKE u",
            "CREATE TABLE other.t (a INT)",
            "CREATE TEMPORARY TABLE t (a INT)",
            "CREATE OR REPLACE TABLE t (a INT)",
            "DROP TABLE t, u",
            "DROP TABLE IF EXISTS t",
            "DROP INDEX ix",
            "SELECT SLEEP(1), f()",
            "SELECT sleep(1) INTO @a",
            "CALL p()",
            "CREATE TABLE `t (a INT)",
        ] {
            assert_eq!(Repeat::of(sql), None, "{sql}");
        }
    }

    #[test]
    fn text_the_server_would_run_beyond_the_one_statement_is_not_recognised() {
        for sql in [
            // A second statement in the same text.
            "CREATE INDEX ix ON t (a); DROP TABLE u",
            "ALTER TABLE t ADD COLUMN c INT; UPDATE t SET c = 1",
            "CREATE TABLE t (a INT); INSERT INTO t VALUES (1);",
            "DROP TABLE t; DROP TABLE u",
            // Comments the server runs.
            "ALTER TABLE t ADD COLUMN c INT /*!, DROP COLUMN d */",
            "DROP TABLE t /*M!, u */",
            "CREATE TABLE t (a INT) /*!50100 SELECT 1 AS a */",
            // `--` without a space is two minus signs, not a comment.
            "ALTER TABLE t ADD COLUMN c INT DEFAULT 1--1, ADD COLUMN d INT",
            // MariaDB 11.7's vector index, not a column named `VECTOR`.
            "ALTER TABLE t ADD VECTOR INDEX ix (v)",
        ] {
            assert_eq!(Repeat::of(sql), None, "{sql}");
        }
        // Comments that are comments, and a trailing `;`, change nothing.
        let commented = ddl("ALTER TABLE t /* why */ ADD COLUMN c INT -- note\n# more\n;;");
        assert_eq!(
            commented.object,
            Object::Column {
                table: "t".into(),
                column: "c".into()
            }
        );
        assert_eq!(ddl("DROP TABLE t --\n").object, table("t"));
    }

    #[test]
    fn an_error_about_another_kind_of_object_or_more_words_is_not_done() {
        let drop_column = ddl("ALTER TABLE t DROP COLUMN c");
        assert!(!drop_column.already_done("Can't DROP INDEX `c`; check that it exists"));
        let drop_index = ddl("ALTER TABLE t DROP INDEX c");
        assert!(drop_index.already_done("Can't DROP INDEX `c`; check that it exists"));
        assert!(!drop_index.already_done("Can't DROP COLUMN `c`; check that it exists"));
        assert!(drop_index.already_done("Can't DROP 'c'; check that column/key exists"));
        let create = ddl("CREATE TABLE `Orders` (id INT)");
        assert!(create.already_done("Table 'Orders' already exists"));
        assert!(!create.already_done("Table 'Orders' already exists in 'x.y'"));
        let column = ddl("ALTER TABLE t ADD c INT");
        assert!(!column.already_done("Duplicate column name 'c' in 'u'"));
    }

    #[test]
    fn a_resume_says_where_the_run_was_left_and_what_lback_did() {
        let left =
            "migration 20260101000000_a was left at statement 3 of 4 by a process that ended";
        let guards = Resume::from_guards("20260101000000_a", 2, 4);
        assert_eq!(guards.from, 0);
        assert_eq!(
            guards.note,
            format!(
                "{left}; that statement is one of its guards, which change no table, so lback \
                 ran the migration from its first statement"
            )
        );
        let harmless = Resume::harmless("20260101000000_a", 2, 4);
        assert_eq!(harmless.from, 2);
        assert_eq!(
            harmless.note,
            format!("{left}; that statement changes nothing, so lback ran it again and went on")
        );
        let again = Resume::ddl("20260101000000_a", 2, 4, ddl("DROP TABLE t"));
        assert_eq!((again.from, again.in_flight.is_some()), (2, true));
        assert!(again.note.starts_with(&format!("{left}; lback ran")));
        for note in [guards.note, harmless.note, again.note] {
            assert!(!note.contains("  "), "one space between words: {note}");
        }
    }

    #[test]
    fn statements_that_change_the_session_are_told() {
        for sql in [
            "SET foreign_key_checks = 0",
            "set names utf8mb4",
            "USE other",
            "CREATE TEMPORARY TABLE t (a INT)",
            "DROP TEMPORARY TABLE t",
            "SELECT MAX(id) INTO @top FROM t",
            "UPDATE t SET a = @@SESSION.sql_mode",
            "CALL fill()",
            "PREPARE s FROM 'SELECT 1'",
            "START TRANSACTION",
            "CREATE TABLE `t (a INT)",
        ] {
            assert!(changes_the_session(sql), "{sql}");
        }
        for sql in [
            "CREATE TABLE t (a INT, note VARCHAR(20) DEFAULT 'a@b')",
            "UPDATE t SET a = 1 -- SET b\n",
            "ALTER TABLE `temporary` ADD COLUMN `set` INT",
            "INSERT INTO t (a) VALUES (1)",
        ] {
            assert!(!changes_the_session(sql), "{sql}");
        }
    }

    #[test]
    fn a_sleep_changes_nothing() {
        assert_eq!(Repeat::of("SELECT SLEEP(8)"), Some(Repeat::Harmless));
        assert_eq!(Repeat::of("do sleep(0.5);"), Some(Repeat::Harmless));
    }

    #[test]
    fn the_error_of_a_second_run_is_told_from_other_errors() {
        let create = ddl("CREATE TABLE `products` (id INT)");
        assert!(create.already_done("Table 'products' already exists"));
        assert!(!create.already_done("Table 'orders' already exists"));
        assert!(!create.already_done("Lock wait timeout exceeded; try restarting transaction"));
        let drop = ddl("DROP TABLE products");
        assert!(drop.already_done("Unknown table 'lback_x.products'"));
        assert!(!drop.already_done("Unknown table 'lback_x.orders'"));
        let column = ddl("ALTER TABLE c ADD COLUMN `phone` INT");
        assert!(column.already_done("Duplicate column name 'phone'"));
        assert!(!column.already_done("Duplicate column name 'email'"));
        let index = ddl("CREATE INDEX ix_a ON t (a)");
        assert!(index.already_done("Duplicate key name 'ix_a'"));
        let drop_column = ddl("ALTER TABLE t DROP COLUMN c");
        assert!(drop_column.already_done("Can't DROP COLUMN `c`; check that it exists"));
        assert!(drop_column.already_done("Can't DROP 'c'; check that column/key exists"));
        assert!(!drop_column.already_done("Can't DROP COLUMN `d`; check that it exists"));
        let drop_index = ddl("DROP INDEX ix ON t");
        assert!(drop_index.already_done("Can't DROP INDEX `ix`; check that it exists"));
    }

    #[test]
    fn atomic_ddl_from_mariadb_10_6_and_mysql_8() {
        assert!(atomic_ddl("10.11.19-MariaDB-0+deb12u1"));
        assert!(atomic_ddl("10.6.0-MariaDB"));
        assert!(!atomic_ddl("10.5.27-MariaDB-log"));
        assert!(atomic_ddl("8.0.36"));
        assert!(!atomic_ddl("5.7.44-log"));
        assert!(!atomic_ddl(""));
    }
}
