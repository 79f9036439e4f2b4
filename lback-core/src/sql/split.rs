//! Splitting a migration script into its statements, so the runner can run
//! them one at a time and name the one that fails (and, on MySQL, record
//! how far a migration got).
//!
//! This is a lexer, not a parser: it knows where quotes, comments and
//! bodies begin and end, which is all splitting needs. A `;` ends a
//! statement unless it is inside
//! - a string or quoted identifier (`'…'`, `"…"`, `` `…` `` on SQLite and
//!   MySQL, `[…]` on SQLite; doubled quotes and, on MySQL and in
//!   PostgreSQL's `E'…'`, backslash escapes),
//! - a comment (`-- …`, `/* … */`, nested on PostgreSQL, `# …` on MySQL),
//! - a PostgreSQL dollar-quoted body (`$$ … $$`, `$tag$ … $tag$`),
//! - parentheses,
//! - the body of a `CREATE TRIGGER` / `PROCEDURE` / `FUNCTION` / `EVENT`
//!   (`BEGIN … END`, counting `CASE … END` and skipping MySQL's `END IF`,
//!   `END LOOP`, `END WHILE`, `END REPEAT`).
//!
//! When the script does not end cleanly (an unterminated quote, comment or
//! body), the splitter does not guess: the whole script is one statement,
//! run as it is.

use super::Dialect;

/// The statements of `script`, in order: each without its `;`, without the
/// whitespace and comments before it and without trailing whitespace.
/// Stretches holding only comments and whitespace are not statements.
///
/// ```
/// use lback_core::sql::{split_statements, Dialect};
///
/// let script = "-- add a column\nALTER TABLE t ADD COLUMN note TEXT DEFAULT 'a;b';\n\
///               CREATE INDEX t_note ON t (note);\n";
/// assert_eq!(
///     split_statements(script, Dialect::Sqlite),
///     ["ALTER TABLE t ADD COLUMN note TEXT DEFAULT 'a;b'", "CREATE INDEX t_note ON t (note)"]
/// );
/// ```
pub fn split_statements(script: &str, dialect: Dialect) -> Vec<&str> {
    match split_cleanly(script, dialect) {
        Some(statements) => statements,
        None => {
            let whole = script.trim();
            if whole.is_empty() {
                Vec::new()
            } else {
                vec![whole]
            }
        }
    }
}

/// The statements of `script` as [`split_statements`] gives them, or `None`
/// when the script does not end cleanly (inside a quote, comment or body).
/// When it does, text appended after `"\n;\n"` is a statement of its own.
///
/// ```
/// use lback_core::sql::{split_cleanly, Dialect};
///
/// assert_eq!(split_cleanly("SELECT 1; -- done", Dialect::Postgres), Some(vec!["SELECT 1"]));
/// assert_eq!(split_cleanly("SELECT 'unterminated", Dialect::Postgres), None);
/// ```
pub fn split_cleanly(script: &str, dialect: Dialect) -> Option<Vec<&str>> {
    Splitter::new(script, dialect).run()
}

struct Splitter<'a> {
    text: &'a str,
    bytes: &'a [u8],
    dialect: Dialect,
    pos: usize,
    statements: Vec<&'a str>,
    /// Where the current statement's first code starts.
    start: Option<usize>,
    parens: usize,
    /// `BEGIN`/`CASE` minus `END` inside a routine or trigger body.
    body: isize,
    /// The first words of the current statement (upper case), enough to
    /// tell a trigger or routine.
    words: Vec<String>,
    /// The previous word was `END` (MySQL's `END IF` does not close a body).
    after_end: bool,
}

impl<'a> Splitter<'a> {
    fn new(text: &'a str, dialect: Dialect) -> Self {
        Splitter {
            text,
            bytes: text.as_bytes(),
            dialect,
            pos: 0,
            statements: Vec::new(),
            start: None,
            parens: 0,
            body: 0,
            words: Vec::new(),
            after_end: false,
        }
    }

    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos + ahead).copied()
    }

    fn mark_code(&mut self, at: usize) {
        if self.start.is_none() {
            self.start = Some(at);
        }
    }

    /// `None` when the script does not end cleanly.
    fn run(mut self) -> Option<Vec<&'a str>> {
        while let Some(b) = self.peek(0) {
            let at = self.pos;
            match b {
                b';' if self.parens == 0 && self.body <= 0 => {
                    self.end_statement(at);
                    self.pos += 1;
                }
                b'-' if self.peek(1) == Some(b'-') && self.line_comment_after_dashes() => {
                    self.skip_line();
                }
                b'#' if self.dialect == Dialect::Mysql => self.skip_line(),
                b'/' if self.peek(1) == Some(b'*') => {
                    // MySQL runs `/*! … */` (MariaDB also `/*M! … */`) and
                    // reads hints in `/*+ … */`.
                    if self.dialect == Dialect::Mysql
                        && (matches!(self.peek(2), Some(b'!' | b'+'))
                            || (self.peek(2) == Some(b'M') && self.peek(3) == Some(b'!')))
                    {
                        self.mark_code(at);
                    }
                    self.skip_block_comment()?;
                }
                b'\'' => {
                    self.mark_code(at);
                    let escapes = match self.dialect {
                        Dialect::Mysql => true,
                        // `E'…'`: the E is a word of its own.
                        Dialect::Postgres => {
                            at > 0
                                && matches!(self.bytes[at - 1], b'E' | b'e')
                                && (at < 2 || !is_word_byte(self.bytes[at - 2]))
                        }
                        Dialect::Sqlite => false,
                    };
                    self.skip_quoted(b'\'', escapes)?;
                }
                b'"' => {
                    self.mark_code(at);
                    self.skip_quoted(b'"', self.dialect == Dialect::Mysql)?;
                }
                b'`' if self.dialect != Dialect::Postgres => {
                    self.mark_code(at);
                    self.skip_quoted(b'`', false)?;
                }
                b'[' if self.dialect == Dialect::Sqlite => {
                    self.mark_code(at);
                    self.pos = at + 1 + self.text[at + 1..].find(']')? + 1;
                }
                b'$' if self.dialect == Dialect::Postgres && self.dollar_tag().is_some() => {
                    self.mark_code(at);
                    let tag = self.dollar_tag()?;
                    let after = at + tag.len();
                    self.pos = after + self.text[after..].find(tag)? + tag.len();
                }
                b'(' => {
                    self.mark_code(at);
                    self.parens += 1;
                    self.after_end = false;
                    self.pos += 1;
                }
                b')' => {
                    self.mark_code(at);
                    self.parens = self.parens.checked_sub(1)?;
                    self.after_end = false;
                    self.pos += 1;
                }
                b if b.is_ascii_alphabetic() || b == b'_' => self.word(at),
                b if b.is_ascii_whitespace() => self.pos += 1,
                _ => {
                    self.mark_code(at);
                    self.after_end = false;
                    // Whole characters: the text is sliced at these positions.
                    self.pos += self.text[at..].chars().next().map_or(1, char::len_utf8);
                }
            }
        }
        if self.parens != 0 || self.body > 0 {
            return None;
        }
        self.end_statement(self.bytes.len());
        Some(self.statements)
    }

    fn end_statement(&mut self, at: usize) {
        if let Some(start) = self.start.take() {
            let statement = self.text[start..at].trim_end();
            if !statement.is_empty() {
                self.statements.push(statement);
            }
        }
        self.words.clear();
        self.body = 0;
        self.after_end = false;
    }

    /// `--` starts a comment everywhere but MySQL, where it needs a space
    /// (or control character, or the end) after it.
    fn line_comment_after_dashes(&self) -> bool {
        self.dialect != Dialect::Mysql
            || self
                .peek(2)
                .is_none_or(|c| c.is_ascii_whitespace() || c.is_ascii_control())
    }

    fn skip_line(&mut self) {
        self.pos = match self.text[self.pos..].find('\n') {
            Some(offset) => self.pos + offset + 1,
            None => self.bytes.len(),
        };
    }

    fn skip_block_comment(&mut self) -> Option<()> {
        let nests = self.dialect == Dialect::Postgres;
        let mut depth = 0usize;
        while self.pos < self.bytes.len() {
            if self.peek(0) == Some(b'/') && self.peek(1) == Some(b'*') && (nests || depth == 0) {
                depth += 1;
                self.pos += 2;
            } else if self.peek(0) == Some(b'*') && self.peek(1) == Some(b'/') {
                depth -= 1;
                self.pos += 2;
                if depth == 0 {
                    return Some(());
                }
            } else {
                self.pos += 1;
            }
        }
        None
    }

    /// Skips a quoted string or identifier; a doubled quote is an escaped
    /// one, and with `backslash` so is `\` followed by anything.
    fn skip_quoted(&mut self, quote: u8, backslash: bool) -> Option<()> {
        self.pos += 1;
        while let Some(b) = self.peek(0) {
            if backslash && b == b'\\' {
                self.pos += 2;
            } else if b == quote {
                if self.peek(1) == Some(quote) {
                    self.pos += 2;
                } else {
                    self.pos += 1;
                    self.after_end = false;
                    return Some(());
                }
            } else {
                self.pos += 1;
            }
        }
        None
    }

    /// At a `$`: the dollar-quote tag starting here (`$$`, `$body$`), if it
    /// is one (`$1` is a parameter; `a$b` is part of an identifier).
    fn dollar_tag(&self) -> Option<&'a str> {
        let at = self.pos;
        if at > 0 && is_word_byte(self.bytes[at - 1]) {
            return None;
        }
        let rest = &self.bytes[at + 1..];
        let len = rest
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
            .count();
        if rest.first().is_some_and(u8::is_ascii_digit) || rest.get(len) != Some(&b'$') {
            return None;
        }
        Some(&self.text[at..at + len + 2])
    }

    fn word(&mut self, at: usize) {
        self.mark_code(at);
        let len = self.bytes[at..]
            .iter()
            .take_while(|b| is_word_byte(**b))
            .count();
        self.pos = at + len;
        let word = self.text[at..self.pos].to_ascii_uppercase();
        let after_end = std::mem::take(&mut self.after_end);
        if self.parens == 0 && self.has_body() {
            match word.as_str() {
                // `END CASE` closes the CASE already counted.
                "CASE" if after_end => {}
                "BEGIN" | "CASE" => self.body += 1,
                "END" => {
                    self.body -= 1;
                    self.after_end = true;
                }
                // MySQL's `END IF` and friends close what was never counted.
                "IF" | "LOOP" | "WHILE" | "REPEAT" if after_end => self.body += 1,
                _ => {}
            }
        }
        if self.words.len() < 8 {
            self.words.push(word);
        }
    }

    /// Whether the current statement creates a trigger or routine, whose
    /// body may hold `;`.
    fn has_body(&self) -> bool {
        if self.words.first().is_none_or(|w| w != "CREATE") {
            return false;
        }
        for word in &self.words[1..] {
            match word.as_str() {
                "TRIGGER" | "PROCEDURE" | "FUNCTION" | "EVENT" => return true,
                // `CREATE TABLE event ...`: a table, not an event.
                "TABLE" | "VIEW" | "INDEX" | "SCHEMA" | "DATABASE" | "SEQUENCE" | "TYPE" => {
                    return false
                }
                _ => {}
            }
        }
        false
    }
}

/// A byte that continues a word (identifiers may hold `$` on PostgreSQL
/// and MySQL).
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn split(script: &str, dialect: Dialect) -> Vec<&str> {
        split_statements(script, dialect)
    }

    #[test]
    fn plain_statements_and_comments() {
        let script = "-- header; not a statement\n\
                      CREATE TABLE a (id INTEGER); /* c; */ CREATE TABLE b (id INTEGER)\n\
                      ;\n   -- trailing comment;\n";
        for dialect in Dialect::ALL {
            assert_eq!(
                split(script, dialect),
                ["CREATE TABLE a (id INTEGER)", "CREATE TABLE b (id INTEGER)"]
            );
        }
        assert!(split("  -- nothing\n/* at all */ ;; \n", Dialect::Sqlite).is_empty());
        assert_eq!(split("SELECT 1", Dialect::Postgres), ["SELECT 1"]);
    }

    #[test]
    fn quotes_hide_semicolons() {
        assert_eq!(
            split(
                r#"INSERT INTO "a;b" VALUES ('x;''y'); SELECT "q"";""#,
                Dialect::Postgres
            ),
            [r#"INSERT INTO "a;b" VALUES ('x;''y')"#, r#"SELECT "q"";""#]
        );
        assert_eq!(
            split(
                r"INSERT INTO t VALUES ('a\';b'); SELECT `x;y`",
                Dialect::Mysql
            ),
            [r"INSERT INTO t VALUES ('a\';b')", "SELECT `x;y`"]
        );
        // A backslash is an ordinary character in standard SQL strings...
        assert_eq!(
            split(r"SELECT 'a\'; SELECT 2", Dialect::Postgres),
            [r"SELECT 'a\'", "SELECT 2"]
        );
        // ...but an escape in PostgreSQL's E'' strings.
        assert_eq!(
            split(r"SELECT E'a\';b'; SELECT 2", Dialect::Postgres),
            [r"SELECT E'a\';b'", "SELECT 2"]
        );
        assert_eq!(
            split("SELECT [a;b] FROM t; SELECT 2", Dialect::Sqlite),
            ["SELECT [a;b] FROM t", "SELECT 2"]
        );
    }

    #[test]
    fn comment_rules_per_dialect() {
        // MySQL: `--` needs a space; `#` is a comment.
        assert_eq!(
            split("SELECT 1--1;\n# x; y\nSELECT 2", Dialect::Mysql),
            ["SELECT 1--1", "SELECT 2"]
        );
        assert_eq!(
            split("SELECT 1 # 2; SELECT 3", Dialect::Postgres),
            ["SELECT 1 # 2", "SELECT 3"]
        );
        // PostgreSQL block comments nest.
        assert_eq!(
            split("/* a /* b; */ c; */ SELECT 1; SELECT 2", Dialect::Postgres),
            ["SELECT 1", "SELECT 2"]
        );
        // MySQL (and MariaDB) executable comments are statements.
        assert_eq!(
            split(
                "/*!40101 SET NAMES utf8 */;\n/*M!100616 SET NOTE_VERBOSITY=0 */;\nSELECT 1;",
                Dialect::Mysql
            ),
            [
                "/*!40101 SET NAMES utf8 */",
                "/*M!100616 SET NOTE_VERBOSITY=0 */",
                "SELECT 1"
            ]
        );
    }

    #[test]
    fn dollar_quoted_bodies() {
        let script = "CREATE FUNCTION f() RETURNS trigger AS $body$\nBEGIN\n  NEW.x := 1; RETURN NEW;\nEND;\n$body$ LANGUAGE plpgsql;\nSELECT $$a;b$$, $1;";
        assert_eq!(
            split(script, Dialect::Postgres),
            [
                "CREATE FUNCTION f() RETURNS trigger AS $body$\nBEGIN\n  NEW.x := 1; RETURN NEW;\nEND;\n$body$ LANGUAGE plpgsql",
                "SELECT $$a;b$$, $1"
            ]
        );
        // `a$b$` is an identifier, not a dollar quote.
        assert_eq!(
            split("SELECT a$b$; SELECT 2", Dialect::Postgres),
            ["SELECT a$b$", "SELECT 2"]
        );
    }

    #[test]
    fn trigger_and_routine_bodies() {
        let trigger = "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  UPDATE a SET n = CASE WHEN n > 0 THEN 1 ELSE 0 END;\n  DELETE FROM b;\nEND";
        let script = format!("{trigger};\nCREATE TABLE c (id INTEGER);");
        assert_eq!(
            split(&script, Dialect::Sqlite),
            [trigger, "CREATE TABLE c (id INTEGER)"]
        );
        let procedure = "CREATE PROCEDURE p() BEGIN\n  IF 1 THEN SELECT 1; END IF;\n  w: WHILE 0 DO SELECT 2; END WHILE w;\n  CASE 1 WHEN 1 THEN SELECT 3; END CASE;\nEND";
        let script = format!("{procedure};\nSELECT 4;");
        assert_eq!(split(&script, Dialect::Mysql), [procedure, "SELECT 4"]);
        // PostgreSQL's SQL-standard bodies.
        let function = "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END";
        assert_eq!(
            split(&format!("{function}; SELECT 2"), Dialect::Postgres),
            [function, "SELECT 2"]
        );
        // A table named like a routine kind is a table: its `begin` and
        // `end` columns open nothing.
        assert_eq!(
            split(
                "CREATE TABLE event AS SELECT begin, id FROM t; SELECT 2",
                Dialect::Mysql
            ),
            ["CREATE TABLE event AS SELECT begin, id FROM t", "SELECT 2"]
        );
        // A transaction's BEGIN outside a body is a statement of its own.
        assert_eq!(
            split("BEGIN; SELECT 1; COMMIT;", Dialect::Sqlite),
            ["BEGIN", "SELECT 1", "COMMIT"]
        );
    }

    #[test]
    fn semicolons_in_parentheses() {
        assert_eq!(
            split(
                "CREATE RULE r AS ON INSERT TO t DO ALSO (SELECT 1; SELECT 2); SELECT 3",
                Dialect::Postgres
            ),
            [
                "CREATE RULE r AS ON INSERT TO t DO ALSO (SELECT 1; SELECT 2)",
                "SELECT 3"
            ]
        );
    }

    #[test]
    fn unclean_scripts_run_whole() {
        for script in [
            "SELECT 'open; SELECT 2",
            "SELECT (1; SELECT 2",
            "SELECT 1); SELECT 2",
            "/* open; SELECT 2",
            "CREATE TRIGGER t BEGIN SELECT 1; SELECT 2",
        ] {
            assert_eq!(split(script, Dialect::Sqlite), [script], "{script}");
        }
        assert_eq!(
            split("SELECT $x$ open; SELECT 2 ", Dialect::Postgres),
            ["SELECT $x$ open; SELECT 2"]
        );
    }

    #[test]
    fn multibyte_text() {
        assert_eq!(
            split("SELECT 'é;ü' ; SELECT «x»; SELECT 3", Dialect::Sqlite),
            ["SELECT 'é;ü'", "SELECT «x»", "SELECT 3"]
        );
    }

    /// Pieces of statements that hide `;` from a naive splitter.
    fn piece() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "SELECT 1",
            "x",
            "'a;b'",
            "'it''s;'",
            "\"q;\"\"\"",
            "(1; 2)",
            "/* c; */",
            "-- d;\n",
            "é",
            "CASE WHEN a THEN b END",
            "  ",
            "\n",
        ])
    }

    fn statement() -> impl Strategy<Value = String> {
        (
            prop::sample::select(vec!["SELECT", "INSERT", "UPDATE", "ALTER"]),
            prop::collection::vec(piece(), 0..6),
        )
            .prop_map(|(head, pieces)| {
                let mut s = head.to_owned();
                for p in pieces {
                    s.push(' ');
                    s.push_str(p);
                }
                // Trailing whitespace and comments belong to no statement.
                let mut s = s.trim_end().to_owned();
                if s.ends_with("-- d;") {
                    s.push_str("\nx");
                }
                s
            })
    }

    proptest! {
        /// Joining statements with `;` and splitting gives them back, on
        /// every dialect.
        #[test]
        fn split_inverts_join(statements in prop::collection::vec(statement(), 0..8)) {
            let script = statements.iter().map(|s| format!("{s};\n")).collect::<String>();
            for dialect in Dialect::ALL {
                prop_assert_eq!(split(&script, dialect), statements.clone());
            }
        }
    }
}
