// @generated automatically by lback from the models (migrations/.lback/schema.json).
// Do not edit: change the models and run `lback makemigrations <name>` (or `lback schema`).

diesel::table! {
    lists (id) {
        id -> BigInt,
        name -> Text,
    }
}

diesel::table! {
    tasks (id) {
        id -> BigInt,
        list_id -> BigInt,
        title -> Text,
        done -> Bool,
    }
}

diesel::joinable!(tasks -> lists (list_id));

diesel::allow_tables_to_appear_in_same_query!(lists, tasks,);
