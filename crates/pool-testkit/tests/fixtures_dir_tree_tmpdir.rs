//! `DirTree::generate` reports an unusable system temporary directory as an error.
//! (Its own test binary: it changes `TMPDIR` for the whole process.)

use pool_testkit::fixtures::{DirTree, DirTreeSpec, FixtureError};

#[test]
fn generate_errors_when_temp_dir_is_missing() {
    let parent = tempfile::tempdir().unwrap();
    std::env::set_var("TMPDIR", parent.path().join("missing"));
    let result = DirTree::generate(DirTreeSpec::default());
    std::env::remove_var("TMPDIR");
    assert!(matches!(
        result,
        Err(FixtureError::Io {
            op: "create temp dir",
            ..
        })
    ));
}
