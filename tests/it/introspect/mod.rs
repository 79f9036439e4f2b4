//! Introspection of each database: tables written the way lback renders
//! them read back to the exact schema, `canonical` of the model they came
//! from equals what was read, an empty database is an empty schema; the
//! hand-written DDL and the expected schemas are each dialect's own
//! (`sqlite_ddl.rs`, `postgres_ddl.rs`, `mysql_ddl.rs`, with the forms no lback
//! renderer writes but a hand-made database may hold).

pub(crate) mod model;
#[cfg(feature = "mysql")]
mod mysql_ddl;
#[cfg(feature = "postgres")]
mod postgres_ddl;
mod rendered;
mod sqlite_ddl;

use lback_core::introspect::canonical;
use lback_core::schema::Schema;
use lback_core::sql::Dialect;

use crate::targets::Target;
use crate::workflow::Project;
use model::assert_same;

backend_tests!(
    lback_rendering_reads_back_exactly,
    canonical_model_equals_introspection,
    an_empty_database_is_an_empty_schema
);

/// The dialect's rendering of its models, the models, and the schema that
/// rendering must read back as.
fn fixture(dialect: Dialect) -> (&'static str, Schema, Schema) {
    match dialect {
        Dialect::Sqlite => (
            sqlite_ddl::RENDERED,
            sqlite_ddl::rendered_schema(true),
            sqlite_ddl::rendered_schema(false),
        ),
        #[cfg(feature = "postgres")]
        Dialect::Postgres => (
            postgres_ddl::RENDERED,
            postgres_ddl::rendered_schema(true),
            postgres_ddl::rendered_schema(false),
        ),
        #[cfg(feature = "mysql")]
        Dialect::Mysql => (
            mysql_ddl::RENDERED,
            mysql_ddl::rendered_schema(true),
            mysql_ddl::rendered_schema(false),
        ),
        #[allow(unreachable_patterns)]
        other => unreachable!("{other} is not compiled in"),
    }
}

fn lback_rendering_reads_back_exactly<T: Target>(db: &mut T, _: &Project) {
    let (rendered, _, expected) = fixture(T::DIALECT);
    db.execute(rendered);
    let read = db.introspect();
    assert_same(&read, &expected, "introspected");
    // The same twice: nothing depends on catalog order.
    assert_eq!(db.introspect(), read);
}

fn canonical_model_equals_introspection<T: Target>(db: &mut T, _: &Project) {
    let (rendered, model, _) = fixture(T::DIALECT);
    db.execute(rendered);
    let read = db.introspect();
    assert_ne!(
        model, read,
        "the dialect is lossy: the test must show canonical at work"
    );
    assert_same(&canonical(&model, T::DIALECT), &read, "canonical(model)");
    assert_same(
        &canonical(&read, T::DIALECT),
        &read,
        "canonical(introspected)",
    );
}

fn an_empty_database_is_an_empty_schema<T: Target>(db: &mut T, _: &Project) {
    assert!(db.introspect().is_empty());
}
