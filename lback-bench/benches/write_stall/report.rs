//! The report: a table of the figures per case, and what they mean.

use std::fmt::Write as _;
use std::time::Duration;

use crate::cases::Outcome;
use crate::schemas::{Change, Form};
use crate::support;
use crate::{Config, ACCOUNTS, TARGET};

/// Why `database` cannot make `change` without blocking writers, if it
/// cannot (the target is then not applied).
fn cannot_online(database: &str, change: Change) -> Option<&'static str> {
    match (database, change) {
        ("mysql", Change::AddForeignKey) => Some(
            "InnoDB adds a foreign key in place only with `foreign_key_checks = 0`, which \
             leaves existing rows unchecked; with the checks on it copies the table \
             (`ALGORITHM=COPY`, writes blocked), so lback keeps the plain form",
        ),
        _ => None,
    }
}

pub(crate) fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1e3;
    if ms >= 100.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{ms:.1} ms")
    }
}

/// The machine's load average (1, 5, 15 minutes), for the report.
pub(crate) fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}

/// The median (the lower one of an even count).
fn median(mut values: Vec<Duration>) -> Duration {
    values.sort_unstable();
    values[(values.len() - 1) / 2]
}

/// Prints the report of every outcome, and saves it as
/// `target/lback-bench/results/write_stall.md`.
pub(crate) fn report(cfg: &Config, outcomes: &[Outcome], notes: &[String]) {
    let mut out = String::from("### write_stall\n\n");
    let cases = by_case(outcomes);
    write_table(&mut out, &cases);
    out.push('\n');
    for line in explanations(cfg, &cases, notes) {
        writeln!(out, "- {line}").unwrap();
    }
    support::save_results("write_stall", out);
}

/// The rounds of each case, in the order the cases first ran.
fn by_case(outcomes: &[Outcome]) -> Vec<Vec<&Outcome>> {
    let mut cases: Vec<Vec<&Outcome>> = Vec::new();
    for o in outcomes {
        match cases
            .iter_mut()
            .find(|c| c[0].database == o.database && c[0].change == o.change && c[0].form == o.form)
        {
            Some(case) => case.push(o),
            None => cases.push(vec![o]),
        }
    }
    cases
}

/// The table: one row per case, its figures the medians over its rounds.
fn write_table(out: &mut String, cases: &[Vec<&Outcome>]) {
    if cases.is_empty() {
        out.push_str("(no figure: the filter or LBACK_STALL_DATABASES left out every case)\n");
    } else {
        out.push_str(
            "| database | change | lback's SQL | migration | longest stall | worst round (began at) | slowest write | p99 write | before: longest stall / p99 | target | met |\n\
             | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n",
        );
        for rounds in cases {
            let o = rounds[0];
            let med =
                |f: &dyn Fn(&Outcome) -> Duration| median(rounds.iter().map(|o| f(o)).collect());
            let longest = med(&|o| o.during.longest_stall);
            let worst = rounds
                .iter()
                .max_by_key(|o| o.during.longest_stall)
                .expect("one round at least");
            let (target, met) = match o.form {
                Form::Online if cannot_online(o.database, o.change).is_some() => {
                    ("—".to_owned(), "cannot (see below)")
                }
                Form::Online => (
                    format!("≤ {} ms", TARGET.as_millis()),
                    if longest <= TARGET { "yes" } else { "**no**" },
                ),
                Form::Plain => ("—".to_owned(), "—"),
            };
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} ({} of {}) | {} | {} | {} / {} | {target} | {met} |",
                o.product,
                o.change.describe(),
                o.form.name(),
                ms(med(&|o| o.migration)),
                ms(longest),
                ms(worst.during.longest_stall),
                ms(worst.stall_at),
                ms(worst.migration),
                ms(med(&|o| o.during.max_latency)),
                ms(med(&|o| o.during.p99)),
                ms(med(&|o| o.before.longest_stall)),
                ms(med(&|o| o.before.p99)),
            )
            .unwrap();
        }
    }
}

/// The lines under the table: how the figures were measured, the notes,
/// the changes a database cannot make online, and each case's SQL.
fn explanations(cfg: &Config, cases: &[Vec<&Outcome>], notes: &[String]) -> Vec<String> {
    let mut lines = vec![
        format!(
            "`items`: {} rows, 7 columns, primary key only; `accounts`: {ACCOUNTS} rows; a fresh copy of both per case",
            cfg.rows
        ),
        format!(
            "{} writers, each its own connection and thread, alternating an INSERT and an UPDATE of a random row, one autocommit statement each; {} ms of writing before the change (the *before* figures, first fifth left out) and {} ms after",
            cfg.writers,
            cfg.warmup.as_millis(),
            cfg.cooldown.as_millis()
        ),
        "applied by lback's runner (`runner::migrate`, default options: lock timeout 5 s) from a migrations folder lback wrote (`Draft`, `Migrations::write`; `online_ddl` off = *plain*, on = *online*); *migration* is the runner's whole call; *longest stall* the largest gap between two completed writes of one writer overlapping the migration; *slowest write* and *p99 write* over the writes overlapping it".to_owned(),
        format!(
            "{} round(s) of every case; each figure is the median over the rounds (the target is checked against the median longest stall); *worst round*: the largest longest stall of any round, and when in its migration that gap began",
            cfg.rounds
        ),
    ];
    lines.extend(notes.iter().cloned());
    let mut cannot: Vec<_> = cases
        .iter()
        .map(|rounds| rounds[0])
        .filter_map(|o| {
            Some((
                o.product.as_str(),
                o.change,
                cannot_online(o.database, o.change)?,
            ))
        })
        .collect();
    cannot.dedup_by_key(|(d, c, _)| (*d, *c));
    for (database, change, why) in cannot {
        lines.push(format!(
            "{database}, {}: no online form: {why}",
            change.describe()
        ));
    }
    for o in cases.iter().map(|rounds| rounds[0]) {
        lines.push(format!(
            "{} / {} / {} (migrations {}): {}",
            o.database,
            o.change.name(),
            o.form.name(),
            o.migrations
                .iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", "),
            o.statements
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    lines
}
