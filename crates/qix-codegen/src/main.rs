//! `cargo run -p qix-codegen` rewrites `crates/qix/src/generated/` and the server's signature table
//! (`crates/qix-protocol/src/spec/methods.rs`) from the OpenRPC spec.

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    match qix_codegen::write_all(&root) {
        Ok(files) => {
            for f in files {
                println!("wrote {}", f.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("qix-codegen: {e}");
            ExitCode::FAILURE
        }
    }
}
