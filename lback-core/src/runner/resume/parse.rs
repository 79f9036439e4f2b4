//! The tokens of a statement and a small reader over them, for
//! [`Repeat::of`](super::Repeat::of).

use super::{Ddl, Object};

/// A token of a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Token {
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
/// comment does not end, or when a comment is one the server runs or reads
/// (MySQL's `/*! … */`, MariaDB's `/*M! … */`, hints `/*+ … */`): what
/// they hold would go unseen.
pub(super) fn tokens(statement: &str) -> Option<Vec<Token>> {
    let chars: Vec<char> = statement.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c.is_whitespace() {
            i += 1;
        } else if c == '#' || (c == '-' && next == Some('-') && dashes_comment(&chars[i + 2..])) {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            if matches!(chars.get(i + 2), Some('!' | '+'))
                || (chars.get(i + 2) == Some(&'M') && chars.get(i + 3) == Some(&'!'))
            {
                return None;
            }
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

/// Whether `--` followed by `rest` starts a comment: on MySQL only when
/// a space or control character (or the end) follows; `1--1` is `1 - -1`.
fn dashes_comment(rest: &[char]) -> bool {
    rest.first()
        .is_none_or(|c| c.is_whitespace() || c.is_control())
}

pub(super) struct Parser<'a> {
    pub(super) tokens: &'a [Token],
    pub(super) at: usize,
}

impl Parser<'_> {
    /// Reads these words, or nothing.
    pub(super) fn words(&mut self, words: &[&str]) -> bool {
        let fits = words.iter().enumerate().all(|(k, w)| {
            matches!(self.tokens.get(self.at + k), Some(Token::Word(x)) if x.eq_ignore_ascii_case(w))
        });
        if fits {
            self.at += words.len();
        }
        fits
    }

    pub(super) fn punct(&mut self, c: char) -> bool {
        let fits = self.peek_punct(c);
        if fits {
            self.at += 1;
        }
        fits
    }

    pub(super) fn peek_punct(&self, c: char) -> bool {
        self.tokens.get(self.at) == Some(&Token::Punct(c))
    }

    pub(super) fn number(&mut self) -> bool {
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
    pub(super) fn name(&mut self) -> Option<String> {
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

    pub(super) fn top_level_punct(&self, c: char) -> bool {
        self.top_level(|t| *t == Token::Punct(c))
    }

    pub(super) fn top_level_word(&self, w: &str) -> bool {
        self.top_level(|t| matches!(t, Token::Word(x) if x.eq_ignore_ascii_case(w)))
    }

    /// The one clause of an `ALTER TABLE` that adds or drops a column or
    /// an index.
    pub(super) fn alter_clause(&mut self, table: String) -> Option<Ddl> {
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
            "VECTOR",
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
