//! The tags the engine gives a field.

use crate::doc::LoadedData;
use crate::sync::Recover;
use qix_engine::{DataModel, FieldId};
use std::sync::Arc;

/// [`field_tags`] of the app's data, its own tags worked out once per field (then the script's `extra`).
pub fn tags_of(data: &LoadedData, f: FieldId, extra: Option<&Vec<String>>) -> Vec<String> {
    let own = {
        let mut cache = data.system_tags.lock().recover();
        cache
            .entry(f)
            .or_insert_with(|| Arc::new(field_tags(&data.model, f, None)))
            .clone()
    };
    let mut tags = own.as_ref().clone();
    tags.extend(extra.into_iter().flatten().cloned());
    tags
}

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
        tags.extend(date_tags(model, f).iter().map(|t| t.to_string()));
    } else if !symbols.is_empty() {
        if (0..symbols.len() as u32).all(|s| symbols.text(s).is_ascii()) {
            tags.push("$ascii".into());
        }
        tags.push("$text".into());
    }
    tags.extend(extra.into_iter().flatten().cloned());
    tags
}

/// `$timestamp` and `$date`, as Qlik tags a field whose values are dates (their texts are their numbers
/// in the app's DateFormat), or `$timestamp` alone for timestamps (TimestampFormat). Judged on every value,
/// or on 1,000 spread over a larger field.
fn date_tags(model: &DataModel, f: FieldId) -> &'static [&'static str] {
    let symbols = &model.fields[f].symbols;
    let n = symbols.len();
    if n == 0 {
        return &[];
    }
    let step = n.div_ceil(1000).max(1);
    let locale = &model.locale;
    let reads_as = |format: &str| {
        (0..n).step_by(step).all(|s| {
            let s = s as u32;
            qix_expr::dates::format::format_date(symbols.num(s), format, locale).as_deref()
                == Some(symbols.text(s).as_ref())
        })
    };
    if reads_as(&locale.date_format) {
        &["$timestamp", "$date"]
    } else if reads_as(&locale.timestamp_format) {
        &["$timestamp"]
    } else {
        &[]
    }
}
