//! Checking what the database applied against the migrations at hand:
//! pure functions, tested without a database.

use std::time::Duration;

use super::MigrationSql;
use crate::sql::Dialect;
use crate::Error;

/// What to do when an applied migration's SQL changed afterwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnChanged {
    /// Refuse to run (the default): the database may not be what the files say.
    #[default]
    Refuse,
    /// Go on, and report it in [`MigrationReport::warnings`](super::MigrationReport).
    Warn,
}

/// How long a migration's statements wait for a lock by default
/// ([`MigrateOptions::lock_timeout`]).
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(5);

/// Options of a migrate or rollback run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct MigrateOptions {
    /// An applied migration whose up SQL changed since.
    pub on_changed: OnChanged,
    /// A database that differs from its migrations after the run
    /// (`lback::migrate_with` only; see [`crate::drift`]).
    pub on_drift: crate::drift::OnDrift,
    /// How long each statement of a migration waits for a lock before it
    /// fails (PostgreSQL `lock_timeout`, MySQL/MariaDB `lock_wait_timeout`,
    /// in whole seconds there): a migration queued behind a long
    /// transaction fails fast instead of making every query on the table
    /// wait behind it. [`DEFAULT_LOCK_TIMEOUT`] unless set; `None` leaves
    /// the server's setting. A migration's `metadata.toml` can set its own
    /// (`lock_timeout_ms = 30000`), and the command line takes the
    /// project's from `.lback/settings.json` (`"lock_timeout_ms"`).
    /// SQLite has no such setting (it waits up to its busy timeout).
    pub lock_timeout: Option<Duration>,
    /// How many times a migration that timed out waiting for a lock is run
    /// again, when nothing of it took effect (0: never).
    pub lock_retries: u32,
    /// The pause before each of those runs.
    pub retry_delay: Duration,
}

impl Default for MigrateOptions {
    fn default() -> Self {
        MigrateOptions {
            on_changed: OnChanged::Refuse,
            on_drift: crate::drift::OnDrift::default(),
            lock_timeout: Some(DEFAULT_LOCK_TIMEOUT),
            lock_retries: 0,
            retry_delay: Duration::from_secs(1),
        }
    }
}

impl MigrateOptions {
    /// Only warn about applied migrations whose SQL changed.
    pub fn warn_on_changed(mut self) -> Self {
        self.on_changed = OnChanged::Warn;
        self
    }

    /// After applying, compare the database with the migrations' snapshot
    /// and list each difference (drift) in the report's warnings.
    pub fn warn_on_drift(mut self) -> Self {
        self.on_drift = crate::drift::OnDrift::Warn;
        self
    }

    /// After applying, compare the database with the migrations' snapshot
    /// and fail ([`Error::Drift`]) when they differ.
    pub fn refuse_drift(mut self) -> Self {
        self.on_drift = crate::drift::OnDrift::Refuse;
        self
    }

    /// How long each statement waits for a lock (`None`: as the server is
    /// configured); see [`lock_timeout`](Self#structfield.lock_timeout).
    pub fn lock_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.lock_timeout = timeout;
        self
    }

    /// Runs a migration that timed out waiting for a lock up to `retries`
    /// more times, `delay` apart, when nothing of it took effect.
    pub fn retry_on_lock_timeout(mut self, retries: u32, delay: Duration) -> Self {
        self.lock_retries = retries;
        self.retry_delay = delay;
        self
    }
}

/// The checksum of a migration's SQL: FNV-1a (64 bits, hex) over the text
/// with line endings normalised, so a checkout with CRLF does not count as
/// a change.
///
/// ```
/// use lback_core::runner::checksum;
///
/// assert_eq!(checksum("SELECT 1;\r\n"), checksum("SELECT 1;\n"));
/// assert_ne!(checksum("SELECT 1;"), checksum("SELECT 2;"));
/// ```
pub fn checksum(sql: &str) -> String {
    // One pass, no copy: `\r\n` and a lone `\r` hash as `\n`.
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    let mut bytes = sql.bytes().peekable();
    while let Some(byte) = bytes.next() {
        let byte = match byte {
            b'\r' if bytes.peek() == Some(&b'\n') => continue,
            b'\r' => b'\n',
            other => other,
        };
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// One applied migration as recorded: version and the checksum of what ran.
#[derive(Debug, Clone, Copy)]
pub struct Recorded<'a> {
    /// The version.
    pub version: &'a str,
    /// The checksum stored when it ran, as its text's bytes (`None`:
    /// applied by another tool). Bytes, so a start compares a thousand of
    /// them without checking each is UTF-8.
    pub checksum: Option<&'a [u8]>,
}

/// Compares what was applied with the migrations at hand. An applied
/// migration whose up SQL changed is refused (or, with [`OnChanged::Warn`],
/// reported); one the migrations do not contain is reported. Returns the
/// warnings, in version order.
pub fn verify(
    migrations: &[&dyn MigrationSql],
    applied: &[Recorded<'_>],
    dialect: Dialect,
    options: MigrateOptions,
) -> Result<Vec<String>, Error> {
    verify_counting(migrations, applied, dialect, options).map(|(warnings, _)| warnings)
}

/// [`verify`], and how many of `migrations` are applied (each at most once:
/// versions are unique in the table), so a start with nothing pending needs
/// no plan.
pub(crate) fn verify_counting(
    migrations: &[&dyn MigrationSql],
    applied: &[Recorded<'_>],
    dialect: Dialect,
    options: MigrateOptions,
) -> Result<(Vec<String>, usize), Error> {
    let mut warnings = Vec::new();
    let mut matched = 0;
    // Both lists sorted by version (usually they are already, so sorting is
    // one pass), then merged: a scan of the migrations per record made
    // startup quadratic (1,000 migrations: most of `lback::migrate`).
    let sorted = super::plan::in_order(migrations, |m| m.version());
    let records = super::plan::in_order(applied, |r| r.version);
    let mut next = sorted.iter().peekable();
    for record in records.iter() {
        while next.next_if(|m| m.version() < record.version).is_some() {}
        let Some(migration) = next.peek().filter(|m| m.version() == record.version) else {
            warnings.push(format!(
                "version {} is applied to the database but no migration here has it \
                 (deleted, or applied by a newer build of the application?)",
                record.version
            ));
            continue;
        };
        matched += 1;
        let Some(stored) = record.checksum else {
            continue;
        };
        if migration.checksum(dialect)?.as_bytes() != stored {
            match options.on_changed {
                OnChanged::Refuse => {
                    return Err(Error::ChangedAfterApplied {
                        migration: migration.id().into_owned(),
                    })
                }
                OnChanged::Warn => warnings.push(format!(
                    "migration {} was applied, but its up SQL has changed since",
                    migration.id()
                )),
            }
        }
    }
    Ok((warnings, matched))
}

#[cfg(test)]
pub(super) mod tests {
    use std::borrow::Cow;

    use super::*;

    /// A migration: its version and up SQL (also `step`'s tests').
    pub(in crate::runner) struct Fake(pub &'static str, pub &'static str);

    impl MigrationSql for Fake {
        fn version(&self) -> &str {
            self.0
        }
        fn id(&self) -> Cow<'_, str> {
            Cow::Owned(format!("{}_m", self.0))
        }
        fn up(&self, _: Dialect) -> Result<Cow<'_, str>, Error> {
            Ok(Cow::Borrowed(self.1))
        }
        fn down(&self, _: Dialect) -> Result<Option<Cow<'_, str>>, Error> {
            Ok(None)
        }
        fn needs_foreign_keys_off(&self, _: Dialect) -> bool {
            false
        }
        fn tables(&self) -> Vec<&str> {
            Vec::new()
        }
    }

    #[test]
    fn checksum_normalises_line_endings_like_the_definition() {
        let definition = |sql: &str| {
            let normalised = sql.replace("\r\n", "\n").replace('\r', "\n");
            let hash = normalised
                .bytes()
                .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
                    (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
                });
            format!("{hash:016x}")
        };
        for sql in [
            "",
            "SELECT 1;",
            "a\r\nb\rc\nd\r",
            "\r\r\n\n\r",
            "CREATE TABLE \"é\" (id INT);\r\n",
        ] {
            assert_eq!(checksum(sql), definition(sql), "{sql:?}");
        }
    }

    #[test]
    fn an_edited_applied_migration_is_refused_or_reported() {
        let m = Fake("20260101000001", "CREATE TABLE t (id INT);\n");
        let list: Vec<&dyn MigrationSql> = vec![&m];
        let old = checksum("CREATE TABLE t (id BIGINT);\n");
        let applied = [Recorded {
            version: "20260101000001",
            checksum: Some(old.as_bytes()),
        }];
        let error =
            verify(&list, &applied, Dialect::Sqlite, MigrateOptions::default()).unwrap_err();
        assert!(
            error.to_string().starts_with(
                "migration 20260101000001_m was applied, but its up SQL has changed since"
            ),
            "{error}"
        );
        let warnings = verify(
            &list,
            &applied,
            Dialect::Sqlite,
            MigrateOptions::default().warn_on_changed(),
        )
        .unwrap();
        assert_eq!(
            warnings,
            ["migration 20260101000001_m was applied, but its up SQL has changed since"]
        );
    }

    #[test]
    fn records_and_migrations_in_any_order_are_matched_by_version() {
        let a = Fake("20260101000001", "SELECT 1;");
        let b = Fake("20260101000002", "SELECT 2;");
        let c = Fake("20260101000003", "SELECT 3;");
        let list: Vec<&dyn MigrationSql> = vec![&c, &a, &b];
        let (sum_a, sum_b, sum_c) = (checksum(a.1), checksum(b.1), checksum(c.1));
        let record = |version, checksum| Recorded { version, checksum };
        let applied = [
            record("20260101000003", Some(sum_c.as_bytes())),
            record("20260101000009", None),
            record("20260101000001", Some(sum_a.as_bytes())),
            record("20260101000000", None),
            record("20260101000002", Some(sum_b.as_bytes())),
        ];
        let warnings = verify(&list, &applied, Dialect::Sqlite, MigrateOptions::default()).unwrap();
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].starts_with("version 20260101000000 "));
        assert!(warnings[1].starts_with("version 20260101000009 "));
        let applied = [
            record("20260101000003", Some(sum_c.as_bytes())),
            record("20260101000001", Some(sum_b.as_bytes())),
        ];
        let error =
            verify(&list, &applied, Dialect::Sqlite, MigrateOptions::default()).unwrap_err();
        assert!(
            error.to_string().starts_with("migration 20260101000001_m "),
            "{error}"
        );
    }

    #[test]
    fn unchanged_unknown_and_foreign_records() {
        let m = Fake("20260101000001", "SELECT 1;\r\n");
        let list: Vec<&dyn MigrationSql> = vec![&m];
        let same = checksum("SELECT 1;\n");
        let applied = [
            Recorded {
                version: "20260101000001",
                checksum: Some(same.as_bytes()),
            },
            Recorded {
                version: "20250101000000",
                checksum: None,
            },
        ];
        let warnings = verify(&list, &applied, Dialect::Sqlite, MigrateOptions::default()).unwrap();
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].starts_with(
            "version 20250101000000 is applied to the database but no migration here has it"
        ));
        // Applied by another tool: no checksum to compare, nothing said.
        let applied = [Recorded {
            version: "20260101000001",
            checksum: None,
        }];
        assert!(
            verify(&list, &applied, Dialect::Sqlite, MigrateOptions::default())
                .unwrap()
                .is_empty()
        );
    }
}
