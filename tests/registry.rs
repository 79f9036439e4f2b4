//! `lback::registry()` collects the models of every crate the binary links,
//! deterministically.

use lback::schema::{Column, ColumnType, ReferentialAction};
use lback::{Model, Schema};

// The models crate is referred to only through this import: it is enough
// for its models to be linked and registered.
use extra_models as _;

/// A model of this crate that references a table of the other crate.
#[derive(lback::Model)]
pub struct TaggedThing {
    #[lback(primary_key)]
    pub id: i64,
    #[lback(references = "tags(id)", on_delete = "cascade")]
    pub tag_id: i32,
}

#[test]
fn models_of_both_crates_are_collected_in_table_order() {
    let schema = lback::registry();
    let names: Vec<&str> = schema.tables().map(|t| t.name.as_ref()).collect();
    assert_eq!(names, ["app_settings", "tagged_things", "tags"]);

    let paths: Vec<&str> = lback::models().iter().map(|m| m.rust_path()).collect();
    assert_eq!(
        paths,
        [
            "extra_models::Setting",
            "registry::TaggedThing",
            "extra_models::Tag"
        ]
    );
}

#[test]
fn the_other_crates_tables_arrive_whole() {
    let schema = lback::registry();
    let tags = schema.table("tags").expect("tags is registered");
    assert_eq!(
        tags.columns.as_ref(),
        [
            Column::new("id", ColumnType::Integer).auto_increment(),
            Column::new("label", ColumnType::Varchar(64)),
        ]
    );
    assert_eq!(tags.unique_constraints[0].name, "uq_tags_label");
    let settings = schema.table("app_settings").unwrap();
    assert_eq!(settings.primary_key.as_ref(), ["key"]);
    assert!(
        !settings.columns[0].auto_increment,
        "a text key does not auto-increment"
    );

    let fk = &schema.table("tagged_things").unwrap().foreign_keys[0];
    assert_eq!(fk.referenced_table, "tags");
    assert_eq!(fk.on_delete, ReferentialAction::Cascade);
}

#[test]
fn the_registry_is_deterministic() {
    let first = lback::registry();
    let second = lback::registry();
    assert_eq!(first, second);
    assert_eq!(first.to_snapshot(), second.to_snapshot());
}

#[test]
fn an_explicit_list_gives_the_same_tables() {
    let explicit = Schema::from_tables([
        extra_models::Tag::table(),
        extra_models::Setting::table(),
        TaggedThing::table(),
    ])
    .unwrap();
    assert_eq!(explicit, lback::registry());
}

#[test]
fn an_explicit_list_refuses_a_table_twice() {
    let error =
        Schema::from_tables([extra_models::Tag::table(), extra_models::Tag::table()]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "table `tags` appears twice in one schema"
    );
}
