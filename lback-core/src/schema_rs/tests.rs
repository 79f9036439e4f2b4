use super::*;
use crate::schema::{Column, ColumnType, ForeignKey, ReferentialAction};

fn fk(name: &str, column: &str, table: &str, referenced: &str) -> ForeignKey {
    ForeignKey {
        name: name.to_owned().into(),
        columns: vec![column.to_owned().into()].into(),
        referenced_table: table.to_owned().into(),
        referenced_columns: vec![referenced.to_owned().into()].into(),
        on_delete: ReferentialAction::Cascade,
        on_update: ReferentialAction::NoAction,
    }
}

fn blog() -> Schema {
    let users = Table::new("users")
        .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
        .with_column(Column::new("email", ColumnType::Varchar(255)))
        .with_column(Column::new("bio", ColumnType::Text).nullable())
        .with_column(Column::new("type", ColumnType::Integer))
        .with_primary_key(["id"]);
    let posts = Table::new("posts")
        .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
        .with_column(Column::new("author_id", ColumnType::BigInt))
        .with_column(Column::new("posts", ColumnType::Boolean))
        .with_primary_key(["id"])
        .with_foreign_key(fk("fk_posts_author_id", "author_id", "users", "id"));
    let tags = Table::new("post tags")
        .with_column(Column::new("post_id", ColumnType::BigInt))
        .with_column(Column::new("tag", ColumnType::Varchar(40)))
        .with_primary_key(["post_id", "tag"])
        .with_foreign_key(fk("fk_tags_post", "post_id", "posts", "id"));
    Schema::from_tables([users, posts, tags]).unwrap()
}

#[test]
fn a_schema_becomes_the_module_diesel_print_schema_prints() {
    let text = render(&blog(), &[Dialect::Postgres], &Options::default()).unwrap();
    let expected = format!(
        "{HEADER}
diesel::table! {{
    #[sql_name = \"post tags\"]
    post_tags (post_id, tag) {{
        post_id -> Int8,
        #[max_length = 40]
        tag -> Varchar,
    }}
}}

diesel::table! {{
    posts (id) {{
        id -> Int8,
        author_id -> Int8,
        #[sql_name = \"posts\"]
        posts_ -> Bool,
    }}
}}

diesel::table! {{
    users (id) {{
        id -> Int8,
        #[max_length = 255]
        email -> Varchar,
        bio -> Nullable<Text>,
        #[sql_name = \"type\"]
        type_ -> Int4,
    }}
}}

diesel::joinable!(post_tags -> posts (post_id));
diesel::joinable!(posts -> users (author_id));

diesel::allow_tables_to_appear_in_same_query!(post_tags, posts, users,);
"
    );
    assert_eq!(text, expected);
}

#[test]
fn each_dialect_gets_its_own_types_and_several_get_portable_ones() {
    let sqlite = render(&blog(), &[Dialect::Sqlite], &Options::default()).unwrap();
    assert!(
        sqlite.contains("        id -> BigInt,\n        email -> Text,\n"),
        "{sqlite}"
    );
    let mysql = render(&blog(), &[Dialect::Mysql], &Options::default()).unwrap();
    assert!(mysql.contains("        id -> Bigint,\n        #[max_length = 255]\n        email -> Varchar,\n        bio -> Nullable<Longtext>,\n"), "{mysql}");
    let both = render(
        &blog(),
        &[Dialect::Sqlite, Dialect::Postgres],
        &Options::default(),
    )
    .unwrap();
    assert!(both.contains("        id -> BigInt,\n        #[max_length = 255]\n        email -> Varchar,\n        bio -> Nullable<Text>,\n"), "{both}");
}

#[test]
fn a_column_no_portable_type_describes_is_an_error_naming_it() {
    let events = Table::new("events")
        .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
        .with_column(Column::new("at", ColumnType::TimestampTz))
        .with_primary_key(["id"]);
    let schema = Schema::from_tables([events]).unwrap();
    let error = render(
        &schema,
        &[Dialect::Sqlite, Dialect::Postgres],
        &Options::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("column `events.at` (timestamptz)"),
        "{error}"
    );
    assert!(
        error.contains("`TimestamptzSqlite` on sqlite, `Timestamptz` on postgres"),
        "{error}"
    );
    assert!(render(&schema, &[Dialect::Postgres], &Options::default()).is_ok());
}

#[test]
fn joinable_is_left_out_where_diesel_cannot_express_it() {
    // Two foreign keys between the same tables, a self reference and a key
    // onto a non-key column: diesel_cli writes no joinable! for any.
    let users = Table::new("users")
        .with_column(Column::new("id", ColumnType::BigInt))
        .with_column(Column::new("email", ColumnType::Text))
        .with_column(Column::new("manager_id", ColumnType::BigInt).nullable())
        .with_primary_key(["id"])
        .with_foreign_key(fk("fk_m", "manager_id", "users", "id"));
    let posts = Table::new("posts")
        .with_column(Column::new("id", ColumnType::BigInt))
        .with_column(Column::new("author_id", ColumnType::BigInt))
        .with_column(Column::new("editor_id", ColumnType::BigInt))
        .with_primary_key(["id"])
        .with_foreign_key(fk("fk_a", "author_id", "users", "id"))
        .with_foreign_key(fk("fk_e", "editor_id", "users", "id"));
    let notes = Table::new("notes")
        .with_column(Column::new("id", ColumnType::BigInt))
        .with_column(Column::new("email", ColumnType::Text))
        .with_primary_key(["id"])
        .with_foreign_key(fk("fk_n", "email", "users", "email"));
    let schema = Schema::from_tables([users, posts, notes]).unwrap();
    let text = render(&schema, &[Dialect::Sqlite], &Options::default()).unwrap();
    assert!(!text.contains("joinable"), "{text}");
}

#[test]
fn custom_types_are_declared_in_sql_types_and_imported() {
    let moods = Table::new("people")
        .with_column(Column::new("id", ColumnType::BigInt))
        .with_column(Column::new("mood", ColumnType::Custom("mood".into())).nullable())
        .with_primary_key(["id"]);
    let schema = Schema::from_tables([moods]).unwrap();
    let text = render(&schema, &[Dialect::Postgres], &Options::default()).unwrap();
    assert!(
        text.contains(
            "pub mod sql_types {
    #[derive(diesel::query_builder::QueryId, Clone, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = \"mood\"))]
    pub struct Mood;
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Mood;

    people (id) {
        id -> Int8,
        mood -> Nullable<Mood>,
    }
}
"
        ),
        "{text}"
    );
}

#[test]
fn many_tables_are_laid_out_as_rustfmt_does() {
    let short: Vec<String> = (0..40).map(|i| format!("t{i:02}")).collect();
    let text = allow_tables(&short);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    assert!(
        lines[1].starts_with("    t00, t01,") && lines[1].len() == 98,
        "{text}"
    );
    let long: Vec<String> = (0..14).map(|i| format!("table_number_{i:02}")).collect();
    assert_eq!(allow_tables(&long).lines().count(), 16);
}

#[test]
fn differences_name_the_lines_that_differ() {
    let lines = differences("a\nb\nc\n", "a\nx\nc\n", 10);
    assert_eq!(lines, ["+ b", "- x"]);
    assert!(differences("a\n", "a\n", 10).is_empty());
}
