//! The schema diff and SQL rendering (what `makemigrations` computes) on
//! large schemas: 1,000 and 10,000 tables of 20 columns each (so the larger
//! schema is exactly ten times the smaller), with a foreign key, an index
//! and a unique constraint per table.
//!
//! Measured: `create` — diff from the empty schema and render every table
//! (the first migration of a project, the most SQL there can be), for
//! SQLite and PostgreSQL; `unchanged` — diff of the schema against an equal
//! copy (what `makemigrations --check` does on every CI run); and, as a
//! reference measured in the same run, `snapshot` — writing the schema's
//! snapshot (`Schema::to_snapshot`), which makemigrations does too.
//!
//! Memory is counted by a global allocator of this file: peak bytes live
//! above what was live before, bytes and allocations in all, while one
//! `create` (SQLite) runs. Counting costs one relaxed atomic load per
//! allocation while it is off (during the timings).

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use lback_core::diff::diff;
use lback_core::schema::{
    Column, ColumnType, DefaultValue, ForeignKey, Index, ReferentialAction, Schema, Table,
    UniqueConstraint,
};
use lback_core::sql::{render, Dialect};

mod support;
use support::{Id, Suite};

const SIZES: [usize; 2] = [1_000, 10_000];
const COLUMNS: usize = 20;
/// The target for 1,000 tables.
const BUDGET_1000: Duration = Duration::from_millis(20);
/// "Linear growth" from 1,000 to 10,000 tables, with a fifth of slack for
/// caches that a ten times larger working set no longer fits in.
const LINEAR_SLACK: f64 = 1.2;

struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static LIVE: AtomicI64 = AtomicI64::new(0);
static PEAK: AtomicI64 = AtomicI64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

fn allocated(size: usize) {
    let now = LIVE.fetch_add(size as i64, Relaxed) + size as i64;
    PEAK.fetch_max(now, Relaxed);
    BYTES.fetch_add(size as u64, Relaxed);
    ALLOCATIONS.fetch_add(1, Relaxed);
}

// SAFETY: every call is forwarded to the system allocator unchanged; the
// counters only observe sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = System.alloc(layout);
        if !ptr.is_null() && COUNTING.load(Relaxed) {
            allocated(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if COUNTING.load(Relaxed) {
            LIVE.fetch_sub(layout.size() as i64, Relaxed);
        }
        System.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = System.realloc(ptr, layout, new_size);
        if !new.is_null() && COUNTING.load(Relaxed) {
            LIVE.fetch_sub(layout.size() as i64, Relaxed);
            allocated(new_size);
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// What one run of `work` allocated.
struct Memory {
    peak: u64,
    bytes: u64,
    allocations: u64,
}

fn measure_memory<T>(work: impl FnOnce() -> T) -> Memory {
    for counter in [&LIVE, &PEAK] {
        counter.store(0, Relaxed);
    }
    BYTES.store(0, Relaxed);
    ALLOCATIONS.store(0, Relaxed);
    COUNTING.store(true, Relaxed);
    let result = work();
    COUNTING.store(false, Relaxed);
    drop(result);
    Memory {
        peak: PEAK.load(Relaxed).max(0) as u64,
        bytes: BYTES.load(Relaxed),
        allocations: ALLOCATIONS.load(Relaxed),
    }
}

/// `tables` tables of [`COLUMNS`] columns: a key, a foreign key to the
/// previous table, and a mix of types, nullability and defaults.
fn schema(tables: usize) -> Schema {
    let name = |i: usize| format!("table_{i:05}");
    let types = [
        ColumnType::Varchar(255),
        ColumnType::Text,
        ColumnType::Integer,
        ColumnType::Boolean,
        ColumnType::Double,
        ColumnType::Timestamp,
    ];
    Schema::from_tables((0..tables).map(|i| {
        let table = name(i);
        let mut t = Table::new(table.clone())
            .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
            .with_column(Column::new("parent_id", ColumnType::BigInt).nullable())
            .with_primary_key(["id"]);
        for c in 2..COLUMNS {
            let ty = types[c % types.len()].clone();
            let mut column = Column::new(format!("column_{c:02}"), ty.clone());
            match (c % 3, &ty) {
                (0, _) => column = column.nullable(),
                (1, ColumnType::Integer) => column = column.with_default(DefaultValue::Int(0)),
                (1, ColumnType::Boolean) => column = column.with_default(DefaultValue::Bool(false)),
                _ => {}
            }
            t = t.with_column(column);
        }
        t = t
            .with_index(Index {
                name: format!("ix_{table}_column_02").into(),
                columns: vec!["column_02".into()].into(),
                unique: false,
            })
            .with_unique(UniqueConstraint {
                name: format!("uq_{table}_column_03").into(),
                columns: vec!["column_03".into()].into(),
            });
        if i > 0 {
            t = t.with_foreign_key(ForeignKey {
                name: format!("fk_{table}_parent_id").into(),
                columns: vec!["parent_id".into()].into(),
                referenced_table: name(i - 1).into(),
                referenced_columns: vec!["id".into()].into(),
                on_delete: ReferentialAction::SetNull,
                on_update: ReferentialAction::NoAction,
            });
        }
        t
    }))
    .expect("distinct table names")
}

fn create(schema: &Schema, dialect: Dialect) -> usize {
    let empty = Schema::new();
    let operations = diff(&empty, schema);
    render(&operations, &empty, dialect).statements.len()
}

/// `LBACK_BENCH_ONCE=<create_sqlite|unchanged>_<tables>`: runs that work
/// once inside [`counted_work`] and exits, for an instruction count
/// (`valgrind --tool=callgrind --toggle-collect=*counted_work*`; `run.sh`
/// does it): counts do not depend on caches or on other processes, so
/// their growth shows whether the algorithm is linear.
fn run_once(spec: &str) {
    let (what, n) = spec.rsplit_once('_').expect("<work>_<tables>");
    let schema = schema(n.parse().expect("a number of tables"));
    let copy = schema.clone();
    let result = counted_work(what, &schema, &copy);
    println!("{spec}: {result}");
}

#[inline(never)]
fn counted_work(what: &str, schema: &Schema, copy: &Schema) -> usize {
    match what {
        "create_sqlite" => create(schema, Dialect::Sqlite),
        "unchanged" => diff(schema, copy).len(),
        other => panic!("unknown work `{other}`"),
    }
}

fn main() {
    if let Ok(spec) = std::env::var("LBACK_BENCH_ONCE") {
        return run_once(&spec);
    }
    let mut suite = Suite::new("diff_render");
    let schemas: Vec<(usize, Schema)> = SIZES.iter().map(|&n| (n, schema(n))).collect();
    for (n, schema) in &schemas {
        let copy = schema.clone();
        assert!(diff(schema, &copy).is_empty());
        assert!(
            create(schema, Dialect::Sqlite) >= n * 3,
            "table, index, unique"
        );
    }

    let mut g = suite.criterion.benchmark_group("diff_render");
    g.sample_size(20).measurement_time(Duration::from_secs(5));
    for (n, schema) in &schemas {
        g.bench_function(format!("create_sqlite_{n}"), |b| {
            b.iter(|| black_box(create(schema, Dialect::Sqlite)))
        });
        g.bench_function(format!("create_postgres_{n}"), |b| {
            b.iter(|| black_box(create(schema, Dialect::Postgres)))
        });
        let copy = schema.clone();
        g.bench_function(format!("unchanged_{n}"), |b| {
            b.iter(|| black_box(diff(schema, &copy).len()))
        });
        g.bench_function(format!("snapshot_{n}"), |b| {
            b.iter(|| black_box(schema.to_snapshot().len()))
        });
    }
    g.finish();

    let [small, large] = SIZES;
    let id = |what: &str, n: usize| format!("{what}_{n}");
    let g = "diff_render";
    for what in ["create_sqlite", "create_postgres", "unchanged"] {
        let (s, l) = (id(what, small), id(what, large));
        if let Some(t) = suite.median(Id(g, &s)) {
            if what.starts_with("create") {
                suite.row(
                    &format!("diff + render, {small} tables × {COLUMNS} columns, {what}: time vs the issue's budget"),
                    &support::time(t),
                    &format!("budget {}", support::time(BUDGET_1000)),
                    t.as_secs_f64() / BUDGET_1000.as_secs_f64(),
                    Some(1.0),
                );
            }
        }
        suite.ratio(
            &format!("{what}: {large} vs {small} tables (time growth; linear = 10×)"),
            Id(g, &l),
            Id(g, &s),
            Some(10.0 * LINEAR_SLACK),
        );
        for n in SIZES {
            if what == "create_sqlite" {
                suite.ratio(
                    &format!("{what}, {n} tables: diff + render vs writing the snapshot"),
                    Id(g, &id(what, n)),
                    Id(g, &id("snapshot", n)),
                    None,
                );
            }
        }
    }

    // Memory: one run each, outside criterion.
    let memory: Vec<(usize, Memory, Memory)> = schemas
        .iter()
        .map(|(n, schema)| {
            let copy = schema.clone();
            (
                *n,
                measure_memory(|| create(schema, Dialect::Sqlite)),
                measure_memory(|| diff(schema, &copy)),
            )
        })
        .collect();
    for (what, pick) in [
        (
            "create_sqlite",
            (|m: &(usize, Memory, Memory)| &m.1) as fn(&_) -> &Memory,
        ),
        ("unchanged", |m| &m.2),
    ] {
        let (s, l) = (pick(&memory[0]), pick(&memory[1]));
        suite.row(
            &format!("{what}: peak memory, {large} vs {small} tables (linear = 10×)"),
            &support::bytes(l.peak),
            &format!("{small} tables {}", support::bytes(s.peak)),
            l.peak as f64 / s.peak.max(1) as f64,
            Some(10.0 * LINEAR_SLACK),
        );
        suite.row(
            &format!("{what}: allocations, {large} vs {small} tables (linear = 10×)"),
            &format!("{} ({})", l.allocations, support::bytes(l.bytes)),
            &format!(
                "{small} tables {} ({})",
                s.allocations,
                support::bytes(s.bytes)
            ),
            l.allocations as f64 / s.allocations.max(1) as f64,
            Some(10.0 * LINEAR_SLACK),
        );
    }
    let inputs: Vec<String> = SIZES
        .iter()
        .map(|&n| {
            let built = measure_memory(|| std::hint::black_box(schema(n)));
            format!("{n} tables {}", support::bytes(built.peak))
        })
        .collect();
    suite.note(format!(
        "{COLUMNS} columns per table at both sizes; per table one foreign key (to the \
         previous table), one index, one unique constraint; the input schema itself \
         takes {}",
        inputs.join(", ")
    ));
    suite.note(
        "memory: peak = most bytes live at once above what was live before (the input \
         schema is not counted, the result is); allocations and bytes in all, one run",
    );
    suite.finish();
}
