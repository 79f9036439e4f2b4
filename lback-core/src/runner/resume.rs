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
//! `ALTER TABLE`, names qualified with a database) stays dirty, with the
//! recovery steps.

use crate::sql::Dialect;

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
        let tokens = tokens(statement)?;
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
        // Nothing after what was read (a `;` aside).
        while p.punct(';') {}
        (p.at == tokens.len()).then_some(repeat)
    }
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
        let quoted = |name: &str| {
            let name = name.to_lowercase();
            m.contains(&format!("'{name}'")) || m.contains(&format!("`{name}`"))
        };
        match (&self.object, self.creates) {
            // 1050
            (Object::Table(t), true) => {
                m.starts_with("table '") && m.ends_with("' already exists") && quoted(t)
            }
            // 1051: `Unknown table 'db.t'`
            (Object::Table(t), false) => {
                m.starts_with("unknown table '") && m.ends_with(&format!(".{}'", t.to_lowercase()))
            }
            // 1060
            (Object::Column { column, .. }, true) => {
                m.starts_with("duplicate column name") && quoted(column)
            }
            // 1061
            (Object::Index { index, .. }, true) => {
                m.starts_with("duplicate key name") && quoted(index)
            }
            // 1091: MariaDB `Can't DROP COLUMN `c`; check that it exists`,
            // MySQL `Can't DROP 'c'; check that column/key exists`.
            (Object::Column { column: name, .. }, false)
            | (Object::Index { index: name, .. }, false) => {
                m.starts_with("can't drop") && m.contains("check that") && quoted(name)
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

/// A token of a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// A word or number, unquoted, as written.
    Word(String),
    /// A backquoted name, as written.
    Quoted(String),
    /// A string literal (its text does not matter).
    Text,
    /// Any other character.
    Punct(char),
}

/// The statement's tokens, comments dropped; `None` when a quote or
/// comment does not end.
fn tokens(statement: &str) -> Option<Vec<Token>> {
    let chars: Vec<char> = statement.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c.is_whitespace() {
            i += 1;
        } else if c == '#' || (c == '-' && next == Some('-')) {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let rest: String = chars[i + 2..].iter().collect();
            let end = rest.find("*/")?;
            i += 2 + rest[..end].chars().count() + 2;
        } else if c == '`' {
            let mut name = String::new();
            i += 1;
            loop {
                match (chars.get(i), chars.get(i + 1)) {
                    (Some('`'), Some('`')) => {
                        name.push('`');
                        i += 2;
                    }
                    (Some('`'), _) => {
                        i += 1;
                        break;
                    }
                    (Some(ch), _) => {
                        name.push(*ch);
                        i += 1;
                    }
                    (None, _) => return None,
                }
            }
            out.push(Token::Quoted(name));
        } else if c == '\'' || c == '"' {
            i += 1;
            loop {
                match (chars.get(i), chars.get(i + 1)) {
                    (Some('\\'), Some(_)) => i += 2,
                    (Some(q), Some(q2)) if *q == c && *q2 == c => i += 2,
                    (Some(q), _) if *q == c => {
                        i += 1;
                        break;
                    }
                    (Some(_), _) => i += 1,
                    (None, _) => return None,
                }
            }
            out.push(Token::Text);
        } else if c.is_alphanumeric() || c == '_' || c == '$' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            out.push(Token::Word(word));
        } else {
            out.push(Token::Punct(c));
            i += 1;
        }
    }
    Some(out)
}

struct Parser<'a> {
    tokens: &'a [Token],
    at: usize,
}

impl Parser<'_> {
    /// Reads these words, or nothing.
    fn words(&mut self, words: &[&str]) -> bool {
        let fits = words.iter().enumerate().all(|(k, w)| {
            matches!(self.tokens.get(self.at + k), Some(Token::Word(x)) if x.eq_ignore_ascii_case(w))
        });
        if fits {
            self.at += words.len();
        }
        fits
    }

    fn punct(&mut self, c: char) -> bool {
        let fits = self.peek_punct(c);
        if fits {
            self.at += 1;
        }
        fits
    }

    fn peek_punct(&self, c: char) -> bool {
        self.tokens.get(self.at) == Some(&Token::Punct(c))
    }

    fn number(&mut self) -> bool {
        let fits = matches!(self.tokens.get(self.at), Some(Token::Word(w))
            if w.chars().all(|c| c.is_ascii_digit()));
        if fits {
            self.at += 1;
            // A fraction: `1.5`.
            if self.peek_punct('.')
                && matches!(self.tokens.get(self.at + 1), Some(Token::Word(w))
                    if w.chars().all(|c| c.is_ascii_digit()))
            {
                self.at += 2;
            }
        }
        fits
    }

    /// An unqualified name (not a keyword that would change the
    /// statement's meaning: `IF`, `TEMPORARY`, ...).
    fn name(&mut self) -> Option<String> {
        let name = match self.tokens.get(self.at)? {
            Token::Quoted(name) => name.clone(),
            Token::Word(word)
                if !matches!(
                    word.to_ascii_uppercase().as_str(),
                    "IF" | "TEMPORARY" | "ONLINE" | "IGNORE" | "OR" | "ON" | "WAIT" | "NOWAIT"
                ) && !word.starts_with(|c: char| c.is_ascii_digit()) =>
            {
                word.clone()
            }
            _ => return None,
        };
        self.at += 1;
        // `db`.`t`: another database; not resumed.
        if self.peek_punct('.') {
            return None;
        }
        Some(name)
    }

    fn top_level(&self, found: impl Fn(&Token) -> bool) -> bool {
        let mut depth = 0i32;
        for token in &self.tokens[self.at..] {
            match token {
                Token::Punct('(') => depth += 1,
                Token::Punct(')') => depth -= 1,
                t if depth == 0 && found(t) => return true,
                _ => {}
            }
        }
        false
    }

    fn top_level_punct(&self, c: char) -> bool {
        self.top_level(|t| *t == Token::Punct(c))
    }

    fn top_level_word(&self, w: &str) -> bool {
        self.top_level(|t| matches!(t, Token::Word(x) if x.eq_ignore_ascii_case(w)))
    }

    /// The one clause of an `ALTER TABLE` that adds or drops a column or
    /// an index.
    fn alter_clause(&mut self, table: String) -> Option<Ddl> {
        const NOT_COLUMNS: &[&str] = &[
            "INDEX",
            "KEY",
            "CONSTRAINT",
            "PRIMARY",
            "UNIQUE",
            "FOREIGN",
            "FULLTEXT",
            "SPATIAL",
            "CHECK",
            "PERIOD",
            "SYSTEM",
            "PARTITION",
            "IF",
        ];
        let creates = if self.words(&["ADD"]) {
            true
        } else if self.words(&["DROP"]) {
            false
        } else {
            return None;
        };
        if self.words(&["INDEX"]) || self.words(&["KEY"]) {
            let index = self.name()?;
            if creates && !self.peek_punct('(') {
                return None;
            }
            return Some(Ddl {
                object: Object::Index { table, index },
                creates,
            });
        }
        let explicit = self.words(&["COLUMN"]);
        if !explicit {
            if let Some(Token::Word(w)) = self.tokens.get(self.at) {
                if NOT_COLUMNS.contains(&w.to_ascii_uppercase().as_str()) {
                    return None;
                }
            }
        }
        if self.peek_punct('(') {
            return None;
        }
        let column = self.name()?;
        if !creates && self.at != self.tokens.len() && !self.peek_punct(';') {
            // `DROP c CASCADE` and the like.
            return None;
        }
        Some(Ddl {
            object: Object::Column { table, column },
            creates,
        })
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
