//! Every `#[lback(...)]` attribute and every supported type reaches the
//! schema, and the derive agrees with the source-only reading the build
//! script uses.

use lback::schema::{
    Column, ColumnType, DefaultValue, ForeignKey, Index, ReferentialAction, Table, UniqueConstraint,
};
use lback::{HasColumnType, Model};

/// Defines a model and keeps its source, to read it again with the parser
/// the build script uses.
macro_rules! model {
    ($source:ident, $($item:tt)*) => {
        #[derive(lback::Model)]
        #[allow(dead_code)]
        $($item)*
        const $source: &str = stringify!($($item)*);
    };
}

model!(
    AUTHOR_SOURCE,
    #[lback(table = "people", renamed_from = "authors")]
    pub struct Author {
        #[lback(primary_key, column = "author_id")]
        id: i32,
        #[lback(unique, max_length = 320)]
        email: String,
        #[lback(index, renamed_from = "nickname")]
        handle: Option<String>,
        #[lback(skip)]
        cached_score: Vec<u32>,
    }
);

model!(
    ARTICLE_SOURCE,
    // A column in two lists trips clippy's `duplicated_attributes`, which
    // wrongly assumes every attribute is a set (rust-clippy#13238).
    #[allow(clippy::duplicated_attributes)]
    #[lback(
        index(author, published_on),
        index(slug, unique, name = "article_slug_key"),
        unique(author, title),
        unique(title, subtitle, name = "title_pair")
    )]
    pub struct Article {
        #[lback(primary_key, auto_increment = false)]
        id: i64,
        #[lback(
            references = "people(author_id)",
            on_delete = "cascade",
            on_update = "restrict"
        )]
        author: i32,
        #[lback(
            references = "people(author_id)",
            on_delete = "set_null",
            on_update = "no_action"
        )]
        editor: Option<i32>,
        #[lback(
            default = 1,
            references = "people(author_id)",
            on_delete = "set_default"
        )]
        reviewer: i32,
        title: String,
        subtitle: Option<String>,
        slug: String,
        published_on: Option<chrono::NaiveDate>,
        #[lback(default = -5)]
        score: i16,
        #[lback(default = 2.5)]
        weight: f64,
        #[lback(default = true)]
        visible: bool,
        #[lback(default = "draft", max_length = 16)]
        state: String,
        #[lback(default_sql = "CURRENT_TIMESTAMP")]
        created_at: chrono::NaiveDateTime,
        #[lback(precision = 10, scale = 2)]
        price: bigdecimal::BigDecimal,
        #[lback(sql_type = "citext")]
        r#type: String,
        #[lback(sql_type = "varchar(8)")]
        code: Option<Code>,
    }
);

/// A user newtype, stored through its own `sql_type` above.
pub struct Code(pub String);

model!(
    EVERY_TYPE_SOURCE,
    #[lback(primary_key(a, b))]
    pub struct EveryType {
        a: i16,
        b: i32,
        c: i64,
        d: f32,
        e: f64,
        f: bool,
        g: String,
        h: Vec<u8>,
        i: chrono::NaiveDate,
        j: chrono::NaiveTime,
        k: chrono::NaiveDateTime,
        l: chrono::DateTime<chrono::Utc>,
        m: time::Date,
        n: time::Time,
        o: time::PrimitiveDateTime,
        p: time::OffsetDateTime,
        q: uuid::Uuid,
        r: serde_json::Value,
        s: bigdecimal::BigDecimal,
        t: Option<i64>,
        u: Option<uuid::Uuid>,
        v: std::string::String,
    }
);

/// An email address, mapped by implementing the trait.
pub struct Email(pub String);

impl HasColumnType for Email {
    const COLUMN_TYPE: ColumnType = ColumnType::Varchar(320);
}

type UserId = i64;
type MaybeNote = Option<String>;

#[derive(lback::Model)]
pub struct BlogPost {
    #[lback(primary_key)]
    pub id: UserId,
    pub email: Email,
    pub note: MaybeNote,
    #[lback(max_length = 12)]
    pub short_note: MaybeNote,
}

fn names(list: &[&str]) -> Vec<lback::schema::Name> {
    list.iter().map(|n| n.to_string().into()).collect()
}

#[test]
fn struct_and_field_attributes_reach_the_table() {
    let expected = Table {
        renamed_from: Some("authors".into()),
        ..Table::new("people")
            .with_column(Column::new("author_id", ColumnType::Integer).auto_increment())
            .with_column(Column::new("email", ColumnType::Varchar(320)))
            .with_column(
                Column::new("handle", ColumnType::Text)
                    .nullable()
                    .renamed_from("nickname"),
            )
            .with_primary_key(["author_id"])
            .with_index(Index {
                name: "ix_people_handle".into(),
                columns: names(&["handle"]).into(),
                unique: false,
            })
            .with_unique(UniqueConstraint {
                name: "uq_people_email".into(),
                columns: names(&["email"]).into(),
            })
    };
    assert_eq!(Author::table(), &expected);
}

#[test]
fn keys_indexes_defaults_and_foreign_keys_reach_the_table() {
    let table = Article::table();
    assert_eq!(table.name, "articles");
    let column = |name: &str| table.column(name).unwrap().clone();
    assert_eq!(
        column("id"),
        Column::new("id", ColumnType::BigInt),
        "auto_increment = false"
    );
    assert_eq!(
        column("editor"),
        Column::new("editor", ColumnType::Integer).nullable()
    );
    assert_eq!(
        column("published_on"),
        Column::new("published_on", ColumnType::Date).nullable()
    );
    assert_eq!(column("score").default, Some(DefaultValue::Int(-5)));
    assert_eq!(column("weight").default, Some(DefaultValue::Float(2.5)));
    assert_eq!(column("visible").default, Some(DefaultValue::Bool(true)));
    assert_eq!(
        column("state"),
        Column::new("state", ColumnType::Varchar(16))
            .with_default(DefaultValue::Text("draft".into()))
    );
    assert_eq!(
        column("created_at").default,
        Some(DefaultValue::Sql("CURRENT_TIMESTAMP".into()))
    );
    assert_eq!(
        column("price").ty,
        ColumnType::Decimal {
            precision: Some(10),
            scale: Some(2)
        }
    );
    assert_eq!(
        column("type").ty,
        ColumnType::Custom("citext".into()),
        "raw identifiers lose `r#`"
    );
    assert_eq!(
        column("code"),
        Column::new("code", ColumnType::Varchar(8)).nullable()
    );

    assert_eq!(
        table.indexes.as_ref(),
        [
            Index {
                name: "article_slug_key".into(),
                columns: names(&["slug"]).into(),
                unique: true
            },
            Index {
                name: "ix_articles_author_published_on".into(),
                columns: names(&["author", "published_on"]).into(),
                unique: false,
            },
        ]
    );
    assert_eq!(
        table.unique_constraints.as_ref(),
        [
            UniqueConstraint {
                name: "title_pair".into(),
                columns: names(&["title", "subtitle"]).into()
            },
            UniqueConstraint {
                name: "uq_articles_author_title".into(),
                columns: names(&["author", "title"]).into(),
            },
        ]
    );
    let fk = |column: &str, on_delete, on_update| ForeignKey {
        name: format!("fk_articles_{column}").into(),
        columns: names(&[column]).into(),
        referenced_table: "people".into(),
        referenced_columns: names(&["author_id"]).into(),
        on_delete,
        on_update,
    };
    use ReferentialAction::*;
    assert_eq!(
        table.foreign_keys.as_ref(),
        [
            fk("author", Cascade, Restrict),
            fk("editor", SetNull, NoAction),
            fk("reviewer", SetDefault, NoAction),
        ]
    );
}

#[test]
fn every_supported_type_maps_to_its_column_type() {
    use ColumnType::*;
    let table = EveryType::table();
    let types: Vec<(&str, ColumnType, bool)> = table
        .columns
        .iter()
        .map(|c| (c.name.as_ref(), c.ty.clone(), c.nullable))
        .collect();
    let decimal = Decimal {
        precision: None,
        scale: None,
    };
    assert_eq!(
        types,
        [
            ("a", SmallInt, false),
            ("b", Integer, false),
            ("c", BigInt, false),
            ("d", Real, false),
            ("e", Double, false),
            ("f", Boolean, false),
            ("g", Text, false),
            ("h", Binary, false),
            ("i", Date, false),
            ("j", Time, false),
            ("k", Timestamp, false),
            ("l", TimestampTz, false),
            ("m", Date, false),
            ("n", Time, false),
            ("o", Timestamp, false),
            ("p", TimestampTz, false),
            ("q", Uuid, false),
            ("r", Json, false),
            ("s", decimal, false),
            ("t", BigInt, true),
            ("u", Uuid, true),
            ("v", Text, false),
        ]
    );
    assert_eq!(table.primary_key.as_ref(), ["a", "b"]);
    assert!(
        table.columns.iter().all(|c| !c.auto_increment),
        "a composite key does not auto-increment"
    );
}

#[test]
fn newtypes_and_aliases_map_through_the_trait() {
    let table = BlogPost::table();
    assert_eq!(
        table.name, "blog_posts",
        "diesel's naming: snake_case plus s"
    );
    assert_eq!(
        table.columns.as_ref(),
        [
            Column::new("id", ColumnType::BigInt).auto_increment(),
            Column::new("email", ColumnType::Varchar(320)),
            Column::new("note", ColumnType::Text).nullable(),
            Column::new("short_note", ColumnType::Varchar(12)).nullable(),
        ]
    );
}

#[test]
fn the_derive_and_the_source_reading_agree() {
    let sources = [
        (AUTHOR_SOURCE, Author::table()),
        (ARTICLE_SOURCE, Article::table()),
        (EVERY_TYPE_SOURCE, EveryType::table()),
    ];
    for (source, derived) in sources {
        let input: syn::DeriveInput = syn::parse_str(source).unwrap();
        let read = lback_core::parse::parse_model(&input)
            .unwrap()
            .to_table()
            .unwrap();
        assert_eq!(&read, derived, "{source}");
    }
}

/// The sources above as a crate's file, read by the build script's API:
/// its scanning (derive detection, `use` handling) adds nothing that could
/// make it disagree with the derive.
#[test]
fn the_derive_and_the_build_script_agree() {
    let dir = std::env::temp_dir().join(format!("lback-attributes-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let source = format!(
        "#[derive(lback::Model)]\n{AUTHOR_SOURCE}\n\
         #[derive(Debug, lback::Model)]\n{ARTICLE_SOURCE}\n\
         use lback::Model as Table;\n#[derive(Table)]\n{EVERY_TYPE_SOURCE}\n"
    );
    std::fs::write(dir.join("src/models.rs"), source).unwrap();
    let read = lback::build::Builder::new()
        .manifest_dir(&dir)
        .models_in("src/models.rs")
        .read_models();
    let _ = std::fs::remove_dir_all(&dir);
    let read = read.unwrap().schema;
    let derived =
        lback::Schema::from_tables([Author::table(), Article::table(), EveryType::table()])
            .unwrap();
    assert_eq!(read, derived);
}

/// Where only the derive knows the type (an alias, a newtype mapped by
/// `HasColumnType`), the build script stops and says what to add.
#[test]
fn the_build_script_asks_for_sql_type_where_it_cannot_know_the_type() {
    let dir = std::env::temp_dir().join(format!("lback-attributes-newtype-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("src/lib.rs"),
        "#[derive(lback::Model)]\npub struct BlogPost {\n    #[lback(primary_key)]\n    pub id: UserId,\n    pub email: Email,\n}\n",
    )
    .unwrap();
    let read = lback::build::Builder::new()
        .manifest_dir(&dir)
        .read_models();
    let _ = std::fs::remove_dir_all(&dir);
    let errors: Vec<String> = match read.unwrap_err() {
        lback::Error::ModelSource(errors) => errors.iter().map(|e| e.to_string()).collect(),
        other => panic!("{other}"),
    };
    assert_eq!(
        errors,
        [
            "src/lib.rs:4:13: lback cannot tell the column type of field `id` from its Rust type \
             alone (the build script reads the source, where a type alias or a `HasColumnType` \
             impl is out of sight); add `#[lback(sql_type = \"...\")]` to the field (e.g. \
             \"bigint\", \"varchar(64)\", or any SQL type)",
            "src/lib.rs:5:16: lback cannot tell the column type of field `email` from its Rust \
             type alone (the build script reads the source, where a type alias or a \
             `HasColumnType` impl is out of sight); add `#[lback(sql_type = \"...\")]` to the \
             field (e.g. \"bigint\", \"varchar(64)\", or any SQL type)",
        ]
    );
}

#[test]
fn the_models_of_this_file_form_a_valid_schema() {
    let schema = lback::try_registry().unwrap();
    assert_eq!(schema.len(), 6);
}

/// What `Shipment` references: a composite primary key.
#[derive(lback::Model)]
#[lback(table = "shop orders", primary_key(shop_id, number))]
#[allow(dead_code)]
pub struct ShopOrder {
    shop_id: i64,
    number: i32,
}

model!(
    SHIPMENT_SOURCE,
    #[lback(primary_key(id))]
    #[lback(foreign_key(
        shop,
        order_no,
        references = "shop orders(shop_id, number)",
        on_delete = "cascade",
        on_update = "restrict",
        name = "fk_shipment_order"
    ))]
    pub struct Shipment {
        id: i64,
        shop: i64,
        #[lback(column = "order_no")]
        number: i32,
    }
);

#[test]
fn a_composite_foreign_key_reaches_the_table_and_reads_the_same_from_source() {
    assert_eq!(
        Shipment::table().foreign_keys.as_ref(),
        [ForeignKey {
            name: "fk_shipment_order".into(),
            columns: vec!["shop".into(), "order_no".into()].into(),
            referenced_table: "shop orders".into(),
            referenced_columns: vec!["shop_id".into(), "number".into()].into(),
            on_delete: ReferentialAction::Cascade,
            on_update: ReferentialAction::Restrict,
        }]
    );
    let input: syn::DeriveInput = syn::parse_str(SHIPMENT_SOURCE).unwrap();
    let read = lback_core::parse::parse_model(&input)
        .unwrap()
        .to_table()
        .unwrap();
    assert_eq!(&read, Shipment::table());
}
