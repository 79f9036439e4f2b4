//! Deciding what to run: pure functions over the migrations and the
//! versions applied, so every rule is unit-tested without a database.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt;

use super::{Direction, MigrationSql};
use crate::schema::Schema;
use crate::Error;

/// One thing to do.
#[derive(Clone, Copy)]
pub enum Step<'a> {
    /// Run the migration's up SQL.
    Apply(&'a dyn MigrationSql),
    /// Run its down SQL.
    Revert(&'a dyn MigrationSql),
}

impl<'a> Step<'a> {
    /// The migration and which way it runs.
    pub fn parts(&self) -> (&'a dyn MigrationSql, Direction) {
        match *self {
            Step::Apply(m) => (m, Direction::Up),
            Step::Revert(m) => (m, Direction::Down),
        }
    }
}

/// What a command will do, in order.
#[derive(Clone, Default)]
pub struct Plan<'a> {
    /// The steps.
    pub steps: Vec<Step<'a>>,
}

impl Plan<'_> {
    /// Whether there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

impl fmt::Display for Plan<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for step in &self.steps {
            match step {
                Step::Apply(m) => writeln!(f, "  apply  {}", m.id())?,
                Step::Revert(m) => writeln!(f, "  revert {}", m.id())?,
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Plan<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// `items` in the order of `key`: borrowed when they already are (as
/// embedded migrations and most databases' rows are), a sorted copy
/// otherwise. Checking costs one comparison per item; copying and sorting
/// was most of what a start spends outside the database.
pub(super) fn in_order<'a, T: Clone>(items: &'a [T], key: impl Fn(&T) -> &str) -> Cow<'a, [T]> {
    if items.is_sorted_by(|a, b| key(a) <= key(b)) {
        Cow::Borrowed(items)
    } else {
        let mut list = items.to_vec();
        list.sort_by(|a, b| key(a).cmp(key(b)));
        Cow::Owned(list)
    }
}

fn sorted<'a, 'm>(migrations: &'a [&'m dyn MigrationSql]) -> Cow<'a, [&'m dyn MigrationSql]> {
    in_order(migrations, |m| m.version())
}

/// Whether each of `sorted` (sorted by version) is among `applied`: one
/// merge of two sorted lists. A scan of `applied` per migration made the
/// startup path quadratic (with 1,000 migrations it was most of
/// `lback::migrate`), and even a hash set costs more than the merge (the
/// versions usually arrive sorted, so sorting them is one pass).
pub(super) fn applied_flags(sorted: &[&dyn MigrationSql], applied: &[String]) -> Vec<bool> {
    let versions = in_order(applied, String::as_str);
    let mut next = versions.iter().map(String::as_str).peekable();
    sorted
        .iter()
        .map(|m| {
            let version = m.version();
            while next.next_if(|v| *v < version).is_some() {}
            next.peek() == Some(&version)
        })
        .collect()
}

/// Finds a migration by version, by `<version>_<name>`, or by a prefix of
/// the version that only one has.
pub fn find<'a>(
    migrations: &[&'a dyn MigrationSql],
    wanted: &str,
) -> Result<&'a dyn MigrationSql, Error> {
    if let Some(m) = migrations
        .iter()
        .find(|m| m.version() == wanted || m.id() == wanted)
    {
        return Ok(*m);
    }
    let matching: Vec<_> = migrations
        .iter()
        .filter(|m| !wanted.is_empty() && m.version().starts_with(wanted))
        .collect();
    match matching.as_slice() {
        [one] => Ok(**one),
        [] => Err(Error::UnknownMigration {
            wanted: wanted.to_owned(),
            known: migrations.iter().map(|m| m.id().into_owned()).collect(),
        }),
        many => Err(Error::AmbiguousMigration {
            wanted: wanted.to_owned(),
            matching: many.iter().map(|m| m.id().into_owned()).collect(),
        }),
    }
}

/// The plan of `migrate [<target>]`: without a target, every pending
/// migration, oldest first; with one, revert what was applied after it
/// (newest first) and apply what is pending up to it.
pub fn plan_migrate<'a>(
    migrations: &[&'a dyn MigrationSql],
    applied: &[String],
    target: Option<&str>,
) -> Result<Plan<'a>, Error> {
    let all = sorted(migrations);
    let flags = applied_flags(&all, applied);
    let mut plan = Plan::default();
    let Some(target) = target else {
        plan.steps = all
            .iter()
            .zip(&flags)
            .filter(|(_, applied)| !**applied)
            .map(|(m, _)| Step::Apply(*m))
            .collect();
        return Ok(plan);
    };
    let target = find(&all, target)?;
    let version = target.version().to_owned();
    for (m, _) in all
        .iter()
        .zip(&flags)
        .rev()
        .filter(|(m, applied)| **applied && m.version() > version.as_str())
    {
        plan.steps.push(Step::Revert(*m));
    }
    for (m, _) in all
        .iter()
        .zip(&flags)
        .filter(|(m, applied)| !**applied && m.version() <= version.as_str())
    {
        plan.steps.push(Step::Apply(*m));
    }
    Ok(plan)
}

/// The plan of `rollback <table>`: the latest applied migration that
/// touched `table`, and every later applied migration that depends on it —
/// it touches one of the tables involved so far, or a table with a foreign
/// key to or from one of them (per `schema`, the current models) — newest
/// first.
pub fn plan_rollback<'a>(
    migrations: &[&'a dyn MigrationSql],
    applied: &[String],
    table: &str,
    schema: &Schema,
) -> Result<Plan<'a>, Error> {
    let all = sorted(migrations);
    let flags = applied_flags(&all, applied);
    let done: Vec<&dyn MigrationSql> = all
        .iter()
        .zip(flags)
        .filter_map(|(m, applied)| applied.then_some(*m))
        .collect();
    let Some(start) = done.iter().rposition(|m| m.tables().contains(&table)) else {
        let mut known: BTreeSet<String> = BTreeSet::new();
        for m in &done {
            known.extend(m.tables().into_iter().map(str::to_owned));
        }
        return Err(Error::NothingToRollback {
            table: table.to_owned(),
            known: known.into_iter().collect(),
        });
    };
    let mut involved: BTreeSet<String> = BTreeSet::new();
    let mut chosen = vec![done[start]];
    extend_involved(&mut involved, &done[start].tables(), schema);
    for m in &done[start + 1..] {
        if m.tables().iter().any(|t| involved.contains(*t)) {
            chosen.push(*m);
            extend_involved(&mut involved, &m.tables(), schema);
        }
    }
    Ok(Plan {
        steps: chosen.into_iter().rev().map(Step::Revert).collect(),
    })
}

fn extend_involved(involved: &mut BTreeSet<String>, tables: &[&str], schema: &Schema) {
    for table in tables {
        involved.insert((*table).to_owned());
        for other in schema.tables() {
            let refers_to = other
                .foreign_keys
                .iter()
                .any(|fk| fk.referenced_table == *table);
            let referred_by = other.name == *table;
            if refers_to {
                involved.insert(other.name.to_string());
            }
            if referred_by {
                involved.extend(
                    other
                        .foreign_keys
                        .iter()
                        .map(|fk| fk.referenced_table.to_string()),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::schema::{Column, ColumnType, ForeignKey, ReferentialAction, Table};
    use crate::sql::Dialect;

    struct Fake {
        version: &'static str,
        tables: Vec<&'static str>,
    }

    impl MigrationSql for Fake {
        fn version(&self) -> &str {
            self.version
        }
        fn id(&self) -> Cow<'_, str> {
            Cow::Owned(format!("{}_m", self.version))
        }
        fn up(&self, _: Dialect) -> Result<Cow<'_, str>, Error> {
            Ok(Cow::Borrowed("SELECT 1"))
        }
        fn down(&self, _: Dialect) -> Result<Option<Cow<'_, str>>, Error> {
            Ok(Some(Cow::Borrowed("SELECT 1")))
        }
        fn needs_foreign_keys_off(&self, _: Dialect) -> bool {
            false
        }
        fn tables(&self) -> Vec<&str> {
            self.tables.clone()
        }
    }

    fn fakes() -> Vec<Fake> {
        vec![
            Fake {
                version: "20260101000001",
                tables: vec!["users"],
            },
            Fake {
                version: "20260101000002",
                tables: vec!["posts", "users"],
            },
            Fake {
                version: "20260101000003",
                tables: vec!["tags"],
            },
            Fake {
                version: "20260101000004",
                tables: vec!["users"],
            },
            Fake {
                version: "20260101000005",
                tables: vec!["comments"],
            },
        ]
    }

    fn ids(plan: &Plan) -> Vec<String> {
        plan.to_string()
            .lines()
            .map(|l| l.trim().to_owned())
            .collect()
    }

    fn schema() -> Schema {
        let id = || Column::new("id", ColumnType::BigInt);
        let fk = |from: &str, to: &str| ForeignKey {
            name: format!("fk_{from}_{to}").into(),
            columns: vec!["id".into()].into(),
            referenced_table: to.to_owned().into(),
            referenced_columns: vec!["id".into()].into(),
            on_delete: ReferentialAction::NoAction,
            on_update: ReferentialAction::NoAction,
        };
        Schema::from_tables([
            Table::new("users").with_column(id()),
            Table::new("posts")
                .with_column(id())
                .with_foreign_key(fk("posts", "users")),
            Table::new("comments")
                .with_column(id())
                .with_foreign_key(fk("comments", "posts")),
            Table::new("tags").with_column(id()),
        ])
        .unwrap()
    }

    #[test]
    fn migrate_applies_every_pending_migration_in_order() {
        let fakes = fakes();
        let all: Vec<&dyn MigrationSql> =
            fakes.iter().rev().map(|f| f as &dyn MigrationSql).collect();
        let applied = vec!["20260101000001".to_owned(), "20260101000003".to_owned()];
        let plan = plan_migrate(&all, &applied, None).unwrap();
        assert_eq!(
            ids(&plan),
            [
                "apply  20260101000002_m",
                "apply  20260101000004_m",
                "apply  20260101000005_m"
            ]
        );
    }

    #[test]
    fn applied_versions_in_any_order_and_unknown_ones_are_merged_right() {
        let fakes = fakes();
        let all: Vec<&dyn MigrationSql> = fakes.iter().map(|f| f as &dyn MigrationSql).collect();
        let applied: Vec<String> = [
            "20260101000005",
            "20250101000000",
            "20260101000002",
            "20260101000002",
            "20260101000003x",
            "20270101000000",
        ]
        .map(str::to_owned)
        .to_vec();
        assert_eq!(
            applied_flags(&all, &applied),
            [false, true, false, false, true]
        );
        assert_eq!(applied_flags(&all, &[]), [false; 5]);
        assert_eq!(applied_flags(&[], &applied), Vec::<bool>::new());
    }

    #[test]
    fn migrate_to_a_version_goes_backwards_or_forwards() {
        let fakes = fakes();
        let all: Vec<&dyn MigrationSql> = fakes.iter().map(|f| f as &dyn MigrationSql).collect();
        let applied: Vec<String> = fakes.iter().take(4).map(|f| f.version.to_owned()).collect();
        let back = plan_migrate(&all, &applied, Some("20260101000002")).unwrap();
        assert_eq!(
            ids(&back),
            ["revert 20260101000004_m", "revert 20260101000003_m"]
        );
        let forward = plan_migrate(&all, &applied[..1], Some("20260101000003_m")).unwrap();
        assert_eq!(
            ids(&forward),
            ["apply  20260101000002_m", "apply  20260101000003_m"]
        );
        let error = plan_migrate(&all, &applied, Some("2026"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("matches several migrations"), "{error}");
        let error = plan_migrate(&all, &applied, Some("1999"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("no migration `1999`"), "{error}");
    }

    #[test]
    fn rollback_takes_the_latest_change_and_what_depends_on_it() {
        let fakes = fakes();
        let all: Vec<&dyn MigrationSql> = fakes.iter().map(|f| f as &dyn MigrationSql).collect();
        let applied: Vec<String> = fakes.iter().map(|f| f.version.to_owned()).collect();
        // posts: the latest change is 2; 4 touches users (posts → users), 5
        // touches comments (comments → posts); 3 (tags) is unrelated.
        let plan = plan_rollback(&all, &applied, "posts", &schema()).unwrap();
        assert_eq!(
            ids(&plan),
            [
                "revert 20260101000005_m",
                "revert 20260101000004_m",
                "revert 20260101000002_m"
            ]
        );
        let plan = plan_rollback(&all, &applied, "tags", &schema()).unwrap();
        assert_eq!(ids(&plan), ["revert 20260101000003_m"]);
    }

    #[test]
    fn rollback_of_an_untouched_table_names_the_tables_it_knows() {
        let fakes = fakes();
        let all: Vec<&dyn MigrationSql> = fakes.iter().map(|f| f as &dyn MigrationSql).collect();
        let applied = vec!["20260101000001".to_owned()];
        let error = plan_rollback(&all, &applied, "posts", &schema())
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            "no applied migration touched table `posts`; tables with applied migrations: users"
        );
    }
}
