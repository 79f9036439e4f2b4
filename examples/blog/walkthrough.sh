#!/usr/bin/env bash
# The whole lback workflow on the blog example, in a scratch copy (nothing
# here is modified): add a field to a struct that diesel queries too, one
# `lback makemigrations` (migration + src/schema.rs), `cargo run` (builds,
# migrates, queries the new column's table), roll back, migrate again.
#
#   bash examples/blog/walkthrough.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cp -r "$here/src" "$here/migrations" "$work/"
sed "s|path = \"../..\"|path = \"$repo\"|" "$here/Cargo.toml" > "$work/Cargo.toml"
printf '\n[workspace]\n' >> "$work/Cargo.toml"
cp "$repo/Cargo.lock" "$work/"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target/walkthrough}"
export DATABASE_URL="$work/blog.db"
cd "$work"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
manage() { echo "\$ manage $*"; cargo run -q --offline --bin manage -- "$@"; }
# The generic command, as `cargo install lback --features cli` gives it.
cargo build -q --offline --manifest-path "$repo/Cargo.toml" --bin lback --features cli
lback() { echo "\$ lback $*"; "$CARGO_TARGET_DIR/debug/lback" "$@"; }

say "The app starts and brings its database up to date"
cargo run -q --offline --bin blog

say "1. Modify a model: Post gets a 'views' counter"
perl -0pi -e 's/(    pub body: String,\n\}\n\n\/\/\/ A comment)/    pub body: String,\n    #[lback(default = 0)]\n    pub views: i32,\n}\n\n\/\/\/ A comment/' src/models.rs
grep -n "views" src/models.rs

say "CI would now fail: models changed without a migration (and the crate does not compile: src/schema.rs is behind)"
lback makemigrations --check || echo "(exit status $?)"

say "2. One command: the migration and diesel's schema.rs, read from the source"
lback makemigrations add_post_views
grep -n "views" src/schema.rs

say "3. Review the generated SQL"
cat migrations/*_add_post_views/up.sql

say "The app builds again and applies the migration at startup"
cargo run -q --offline --bin blog

say "4. The application's own manage binary works as well"
manage makemigrations --check
manage showmigrations

say "Roll back the latest change to posts, then migrate again"
manage rollback posts --yes   # it drops the column: confirmed for the script
manage migrate

say "The app, rebuilt, finds nothing pending"
cargo run -q --offline --bin blog
say "5. Commit src/models.rs and migrations/ together."
