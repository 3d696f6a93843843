//! The typed QIX API, generated from the engine's OpenRPC spec by `cargo run -p qix-codegen`.
//! `types`: every schema of the spec as a serde type; `methods`: one handle type per class.

pub mod methods;
pub mod types;
