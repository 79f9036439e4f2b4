#!/usr/bin/env bash
# Build-script generation on the buildgen example, in a scratch copy
# (nothing here is modified): the committed models and migrations are in
# step, the app migrates at startup, a model change becomes a migration at
# the next `cargo build`, which the app then applies; a build with nothing
# changed does not run the build script; a check build fails on a change
# that has no migration.
#
#   bash examples/buildgen/walkthrough.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cp -r "$here/src" "$here/migrations" "$here/build.rs" "$work/"
sed "s|path = \"../..|path = \"$repo|" "$here/Cargo.toml" > "$work/Cargo.toml"
printf '\n[workspace]\n' >> "$work/Cargo.toml"
cp "$repo/Cargo.lock" "$work/"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target/walkthrough}"
export DATABASE_URL="$work/buildgen.db"
# This walkthrough shows generation; CI exports LBACK_BUILD=check.
export LBACK_BUILD=generate
unset LBACK_MIGRATION_NAME
cd "$work"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
build() { echo "\$ cargo build $*"; cargo build --offline "$@" 2>&1 | grep -E "lback|Fresh buildgen|Running .*build-script-build|error" || true; }

say "The committed models and migrations are in step: a check build passes"
LBACK_BUILD=check cargo build -q --offline

say "The app starts and brings its database up to date"
cargo run -q --offline

say "1. Modify a model: Task gets a priority"
perl -0pi -e 's/(    pub done: bool,\n\})/    pub done: bool,\n    #[lback(default = 0)]\n    pub priority: i32,\n}/' src/models.rs
grep -n "priority" src/models.rs

say "A check build (CI, release) fails now: the change has no migration"
if LBACK_BUILD=check cargo build -q --offline; then
  echo "the check build should have failed" >&2
  exit 1
fi

say "2. cargo build writes the migration and embeds it"
build
ls migrations

say "3. Review the generated SQL"
cat migrations/*_add_tasks_priority/up.sql

say "4. The app applies it at startup"
cargo run -q --offline

say "Nothing changed: the next build does not run the build script"
build -v

say "5. Commit src/models.rs and migrations/ together."
