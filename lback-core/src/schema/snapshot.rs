//! The snapshot form of a [`Schema`]: JSON laid out for review.
//!
//! Tables, columns and keys each take one line, so a model change shows up
//! in a pull request as a small diff. Writing is deterministic byte for
//! byte; reading refuses unknown fields and reports the line at fault.

use std::fmt::Write as _;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Schema, Table};
use crate::Error;

/// The version of the snapshot form this build writes and reads.
pub const SNAPSHOT_FORMAT: u32 = 1;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SnapshotFile {
    #[serde(deserialize_with = "known_format")]
    lback_snapshot: u32,
    tables: Schema,
}

fn known_format<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    let version = u32::deserialize(deserializer)?;
    if version != SNAPSHOT_FORMAT {
        return Err(de::Error::custom(format_args!(
            "snapshot format {version} is not supported by this lback (it reads format {SNAPSHOT_FORMAT}); \
             use the lback version that wrote it, or regenerate the snapshot"
        )));
    }
    Ok(version)
}

impl Serialize for Schema {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.len()))?;
        for table in self.tables() {
            seq.serialize_element(table)?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for Schema {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Tables;
        impl<'de> Visitor<'de> for Tables {
            type Value = Schema;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a list of tables")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Schema, A::Error> {
                let mut schema = Schema::new();
                while let Some(table) = seq.next_element_seed(NewTable(&schema))? {
                    schema.upsert(table);
                }
                Ok(schema)
            }
        }
        deserializer.deserialize_seq(Tables)
    }
}

/// Reads one table and refuses a name already read. The check runs while
/// the table's own braces are being read, so the error names its line
/// rather than the end of the whole list.
struct NewTable<'a>(&'a Schema);

impl<'de> de::DeserializeSeed<'de> for NewTable<'_> {
    type Value = Table;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Table, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for NewTable<'_> {
    type Value = Table;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a table")
    }

    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Table, A::Error> {
        let table = Table::deserialize(de::value::MapAccessDeserializer::new(map))?;
        if self.0.table(&table.name).is_some() {
            return Err(de::Error::custom(format_args!(
                "table `{}` appears twice",
                table.name
            )));
        }
        Ok(table)
    }
}

impl Schema {
    /// Writes the snapshot form: deterministic, one line per column, key or
    /// index, ending in a newline.
    ///
    /// ```
    /// use lback_core::schema::{Column, ColumnType, Schema, Table};
    ///
    /// let schema = Schema::from_tables([Table::new("tags")
    ///     .with_column(Column::new("id", ColumnType::Integer).auto_increment())
    ///     .with_primary_key(["id"])]).unwrap();
    /// let text = schema.to_snapshot();
    /// assert!(text.contains(r#"{"name": "id", "type": "integer", "auto_increment": true}"#));
    /// assert_eq!(Schema::from_snapshot(&text).unwrap(), schema);
    /// ```
    pub fn to_snapshot(&self) -> String {
        let file = SnapshotFile {
            lback_snapshot: SNAPSHOT_FORMAT,
            tables: self.clone(),
        };
        let value = serde_json::to_value(&file).expect("a schema always converts to JSON");
        let mut out = String::new();
        write_value(&mut out, &value, 0);
        out.push('\n');
        out
    }

    /// Reads the snapshot form back.
    ///
    /// Unknown fields, malformed values, duplicate tables and a format this
    /// version does not know are errors naming the line and column.
    pub fn from_snapshot(text: &str) -> Result<Self, Error> {
        serde_json::from_str::<SnapshotFile>(text)
            .map(|file| file.tables)
            .map_err(|e| Error::Snapshot {
                line: e.line(),
                column: e.column(),
                message: strip_position(&e.to_string()),
            })
    }
}

/// serde_json appends " at line L column C"; the error reports those itself.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

/// Depth at which containers are written on one line: 0 is the file, 1 the
/// list of tables, 2 a table, 3 a table's lists, 4 a column or key.
const INLINE_DEPTH: usize = 4;

fn write_value(out: &mut String, value: &Value, depth: usize) {
    let inline = depth >= INLINE_DEPTH
        || matches!(value, Value::Array(items) if items.iter().all(|v| !v.is_object() && !v.is_array()));
    match value {
        Value::Array(items) if !inline && !items.is_empty() => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                indent(out, depth + 1);
                write_value(out, item, depth + 1);
            }
            out.push('\n');
            indent(out, depth);
            out.push(']');
        }
        Value::Object(fields) if !inline && !fields.is_empty() => {
            out.push('{');
            for (i, (key, item)) in fields.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                indent(out, depth + 1);
                write_string(out, key);
                out.push_str(": ");
                write_value(out, item, depth + 1);
            }
            out.push('\n');
            indent(out, depth);
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(out, item, depth + 1);
            }
            out.push(']');
        }
        Value::Object(fields) => {
            out.push('{');
            for (i, (key, item)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_string(out, key);
                out.push_str(": ");
                write_value(out, item, depth + 1);
            }
            out.push('}');
        }
        Value::String(text) => write_string(out, text),
        scalar => {
            let _ = write!(out, "{scalar}");
        }
    }
}

fn write_string(out: &mut String, text: &str) {
    out.push_str(&serde_json::to_string(text).expect("a string always converts to JSON"));
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("  ");
    }
}
