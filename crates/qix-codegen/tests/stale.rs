//! The committed typed API and signature table must be exactly what the generator writes from the
//! committed spec.

use std::path::Path;

#[test]
fn generated_api_is_up_to_date() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let files = qix_codegen::generate_at(&root).expect("the generator runs");
    assert_eq!(files.len(), 3);
    for (name, code) in files {
        let path = root.join(&name);
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == code,
            "{} is stale: run `cargo run -p qix-codegen` and commit the result",
            path.display()
        );
    }
}
