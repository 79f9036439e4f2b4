//! Models that live in a crate of their own, as an application's models
//! crate would: lback's registry must find them from the binary that links
//! this crate.

/// A tag, in table `tags`.
#[derive(lback::Model)]
pub struct Tag {
    #[lback(primary_key)]
    pub id: i32,
    #[lback(unique, max_length = 64)]
    pub label: String,
}

/// A setting, keyed by its name.
#[derive(lback::Model)]
#[lback(table = "app_settings")]
pub struct Setting {
    #[lback(primary_key, max_length = 100)]
    pub key: String,
    pub value: Option<String>,
}
