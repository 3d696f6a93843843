//! The tags the engine gives a field.

use qix_engine::{DataModel, FieldId};

/// The tags the engine gives a field: `$key`, `$numeric`, `$integer`, `$text`, `$ascii`.
pub fn field_tags(model: &DataModel, f: FieldId, extra: Option<&Vec<String>>) -> Vec<String> {
    let field = &model.fields[f];
    let symbols = &field.symbols;
    let mut tags = Vec::new();
    if field.is_key() {
        tags.push("$key".to_string());
    }
    let numeric = !symbols.is_empty() && symbols.all_numeric();
    if numeric {
        tags.push("$numeric".into());
        if symbols.nums().iter().all(|n| n.fract() == 0.0) {
            tags.push("$integer".into());
        }
    } else if !symbols.is_empty() {
        if (0..symbols.len() as u32).all(|s| symbols.text(s).is_ascii()) {
            tags.push("$ascii".into());
        }
        tags.push("$text".into());
    }
    tags.extend(extra.into_iter().flatten().cloned());
    tags
}
