//! Two models that declare one table are refused with both names.

#[derive(lback::Model)]
#[lback(table = "accounts")]
pub struct Account {
    #[lback(primary_key)]
    pub id: i64,
}

#[derive(lback::Model)]
#[lback(table = "accounts")]
pub struct NewAccount {
    #[lback(primary_key)]
    pub id: i64,
    pub name: String,
}

#[test]
fn try_registry_names_both_models() {
    let error = lback::try_registry().unwrap_err();
    assert!(
        matches!(error, lback::Error::DuplicateModel { .. }),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "table `accounts` is declared by two models, `registry_conflicts::Account` and \
         `registry_conflicts::NewAccount`; derive lback::Model on only one struct per table \
         (the others can keep their diesel derives)"
    );
}

#[test]
#[should_panic(expected = "table `accounts` is declared by two models")]
fn registry_panics_with_the_same_message() {
    lback::registry();
}
