//! The command line's shape (clap).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::sql::Dialect;

/// Model-first migrations for diesel: generate migrations from your models,
/// review them, apply them.
///
/// The usual loop: change a model, `makemigrations <name>`, review the
/// files, `migrate`, commit models and migration together.
#[derive(Debug, Parser)]
// `about` is spelled out: clap's default would be lback-core's package
// description, which describes the crate, not the command.
#[command(
    name = "manage",
    version,
    about = "Model-first migrations for diesel: generate migrations and diesel's schema.rs from \
             your models, review them, apply them",
    long_about = None
)]
pub struct Cli {
    /// Database to connect to: a SQLite file path, `postgres://...` or
    /// `mysql://...`.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,

    /// The migrations folder.
    #[arg(long, default_value = "migrations", global = true)]
    pub migrations_dir: PathBuf,

    /// Read the models from a schema snapshot file instead of the models
    /// compiled into this binary (for the generic `lback` command).
    #[arg(long, global = true, value_name = "SCHEMA_JSON")]
    pub models: Option<PathBuf>,

    /// diesel's schema module that `makemigrations` writes with each
    /// migration (`none`: no schema.rs). Default: `diesel.toml`'s
    /// `[print_schema] file`, else `schema_file` in
    /// migrations/.lback/settings.json, else `src/schema.rs`.
    #[arg(long, global = true, value_name = "PATH|none")]
    pub schema_file: Option<String>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compare the models with the migrations and write a new migration.
    Makemigrations {
        /// Name of the migration: letters, digits and `_` (e.g. `add_users_table`).
        #[arg(required_unless_present = "check")]
        name: Option<String>,
        /// Write nothing; exit with status 3 if the models have changes no
        /// migration covers (for CI).
        #[arg(long)]
        check: bool,
        /// With --check: also exit with status 3 when the newest migration
        /// has an operation that blocks writes to its table for a scan or
        /// rewrite on a configured PostgreSQL or MySQL database.
        #[arg(long, requires = "check")]
        deny_blocking: bool,
        /// Print the summary and SQL; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Create a migration with empty SQL files to fill in by hand.
        #[arg(long)]
        empty: bool,
        /// Databases to generate SQL for (repeatable; the first is primary,
        /// whose SQL goes into up.sql/down.sql). Remembered in
        /// migrations/.lback/settings.json; defaults to the database URL's.
        #[arg(long = "dialect", value_parser = parse_dialect)]
        dialects: Vec<Dialect>,
        /// The value existing NULLs get where a column becomes NOT NULL:
        /// `table.column=value` (repeatable). Asked for on a terminal;
        /// required otherwise.
        #[arg(long = "fill", value_name = "TABLE.COLUMN=VALUE")]
        fills: Vec<String>,
        /// Read the models from the crate's source (`src/lib.rs`,
        /// `src/main.rs` and their modules, as the build script does) even
        /// when this binary has models compiled in. A binary without any
        /// (the generic `lback` command) always reads the source.
        #[arg(long)]
        from_source: bool,
        /// Accept finding no model at all: the migration then drops every
        /// table. Without it, no model is an error saying where lback looked.
        #[arg(long)]
        allow_no_models: bool,
    },
    /// Rewrite diesel's schema module (schema.rs) from the migrations'
    /// snapshot alone, e.g. after resolving a merge conflict in it.
    Schema {
        /// Write nothing; exit with status 3 if schema.rs is not what the
        /// snapshot says, naming the difference.
        #[arg(long)]
        check: bool,
    },
    /// Apply pending migrations, or migrate forwards or backwards to a version.
    Migrate {
        /// Target version (or `<version>_<name>`, or a unique prefix).
        version: Option<String>,
        /// Print what would run; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Only warn about an applied migration whose SQL changed since
        /// (normally refused).
        #[arg(long)]
        allow_changed: bool,
        /// Record the migrations as applied (or, going back to a version,
        /// as not applied) without running them: for a database that
        /// already has their changes.
        #[arg(long, conflicts_with = "dry_run")]
        fake: bool,
        /// Print nothing but warnings and errors (on a terminal, migrate
        /// otherwise shows each migration as it starts and ends).
        #[arg(long, short)]
        quiet: bool,
    },
    /// Revert the latest migration that changed a table, and every later
    /// migration that depends on it.
    Rollback {
        /// The table.
        table: String,
        /// Print the plan; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Also delete the reverted migration folders and rewind the
        /// snapshot (only when they are the newest ones): for the loop
        /// rollback, edit the model, makemigrations again.
        #[arg(long)]
        delete: bool,
        /// Do not ask when the rollback also changes other tables or drops
        /// data (for scripts; without a terminal it is refused otherwise).
        #[arg(long, short)]
        yes: bool,
    },
    /// List migrations: applied (with when), pending, failed or dirty.
    Showmigrations,
    /// Record how a dirty migration (one whose run stopped half way on
    /// MySQL/MariaDB) was put right by hand, so migrate can go on. `migrate`
    /// prints the exact steps when it refuses.
    #[command(group(clap::ArgGroup::new("resolution").required(true).args(["applied", "not_applied"])))]
    Resolve {
        /// The version (or `<version>_<name>`, or a unique prefix).
        version: String,
        /// All of the migration's changes are in the database now: record
        /// it as applied.
        #[arg(long)]
        applied: bool,
        /// None of its changes are in the database now: record it as not
        /// applied, so the next migrate runs it from its first statement.
        #[arg(long)]
        not_applied: bool,
    },
    /// Compare the live database with the schema the migrations build
    /// (drift): exit 0 when they match, 3 listing each difference.
    Check,
    /// Adopt an existing database: write its models (`#[derive(lback::Model)]`
    /// structs) to a file, and a baseline migration with the schema they
    /// say, recorded as applied on the database. What the models cannot say
    /// (views, triggers, CHECK constraints...) is listed as warnings.
    Inspect {
        /// The file to write the models to, e.g. `src/models.rs`.
        #[arg(long, short)]
        output: PathBuf,
        /// The baseline migration's name.
        #[arg(long, default_value = "baseline")]
        name: String,
        /// Overwrite the models file if it exists, and a schema.rs that
        /// differs from lback's beyond its header.
        #[arg(long)]
        force: bool,
    },
    /// Print a migration's SQL.
    Sqlmigrate {
        /// The version (or `<version>_<name>`, or a unique prefix).
        version: String,
        /// Print the down SQL instead.
        #[arg(long)]
        down: bool,
        /// The dialect (default: the database URL's, else the primary one).
        #[arg(long, value_parser = parse_dialect)]
        dialect: Option<Dialect>,
    },
}

fn parse_dialect(text: &str) -> Result<Dialect, String> {
    text.parse()
}
