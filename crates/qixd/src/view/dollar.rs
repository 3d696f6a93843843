//! Dollar-sign expansion in chart expressions: `$(vName)` and `$(=expr)` in measures, dimensions,
//! `qStringExpression`s and `Evaluate` text are replaced before the expression is parsed, as Qlik does.
//!
//! A name is looked up among the app's variables (session and persistent), then among the variables the
//! load script left (`SET` / `LET`); an unknown name expands to nothing. A variable whose definition starts
//! with `=` expands to its computed value; `$(=expr)` to the value of `expr` over the current selections.
//! The text substitution itself is `qix_expr::expand_dollars`.

use crate::view::eval::evaluate_in;
use crate::view::View;
use serde_json::Value;

/// Whether a property key's string values (or arrays of strings) are expressions or field definitions.
/// (A `match`: every layout asks it of every key of its properties, and comparing a key with each name of
/// a list showed in profiles.)
fn is_expression_key(key: &str) -> bool {
    matches!(
        key,
        "qDef"
            | "qLabel"
            | "qLabelExpression"
            | "qExpr"
            | "qExpression"
            | "qFieldDefs"
            | "qFieldLabels"
            | "qStringExpression"
            | "qValueExpression"
            | "qv"
    )
}

/// `text` with every `$( ... )` expanded; text whose expansion fails (unterminated, self-referencing) is
/// left as written, so the parser reports the error in its own words.
pub fn expand(view: &View<'_>, text: &str) -> String {
    expand_at(view, text, 0)
}

fn expand_at(view: &View<'_>, text: &str, depth: usize) -> String {
    if !text.contains("$(") || depth > qix_expr::MAX_EXPANSION_DEPTH {
        return text.to_string();
    }
    qix_expr::expand_dollars(text, &mut |inner| Ok(resolve(view, inner, depth)))
        .unwrap_or_else(|_| text.to_string())
}

/// What one `$( ... )` stands for.
fn resolve(view: &View<'_>, inner: &str, depth: usize) -> String {
    if let Some(expr) = inner.strip_prefix('=') {
        return value_text(view, expr);
    }
    let name = inner.trim();
    let definition = view
        .doc
        .variable_id_by_name(name)
        .and_then(|id| view.doc.variable(&id))
        .and_then(|v| v.definition())
        .map(str::to_string)
        .or_else(|| view.data.script_variables.get(name).cloned())
        .unwrap_or_default();
    match definition.trim_start().strip_prefix('=') {
        Some(expr) => value_text(view, &expand_at(view, expr, depth + 1)),
        None => definition,
    }
}

/// The text of an expression's value; an expression that fails expands to nothing.
fn value_text(view: &View<'_>, expr: &str) -> String {
    evaluate_in(view, expr)
        .ok()
        .and_then(|v| v.text())
        .unwrap_or_default()
}

/// Whether [`expand_props`] would change anything: some expression in `props` holds a `$(`. (A layout
/// copies its properties only then.)
pub fn has_expansions(props: &serde_json::Map<String, Value>) -> bool {
    props
        .iter()
        .any(|(key, value)| has_expansion(value, is_expression_key(key)))
}

fn has_expansion(value: &Value, is_expression: bool) -> bool {
    match value {
        Value::String(s) => is_expression && s.contains("$("),
        Value::Array(items) => items.iter().any(|i| has_expansion(i, is_expression)),
        Value::Object(map) => has_expansions(map),
        _ => false,
    }
}

/// Expands the expressions found anywhere in `props` (under [`is_expression_key`]) in place.
pub fn expand_props(view: &View<'_>, props: &mut serde_json::Map<String, Value>) {
    for (key, value) in props.iter_mut() {
        expand_value(view, value, is_expression_key(key));
    }
}

fn expand_value(view: &View<'_>, value: &mut Value, is_expression: bool) {
    match value {
        Value::String(s) if is_expression && s.contains("$(") => *s = expand(view, s),
        Value::Array(items) => {
            for item in items {
                expand_value(view, item, is_expression);
            }
        }
        Value::Object(map) => expand_props(view, map),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::has_expansions;
    use serde_json::json;

    fn has(v: serde_json::Value) -> bool {
        has_expansions(v.as_object().expect("an object"))
    }

    #[test]
    fn only_expressions_with_a_dollar_call_need_expanding() {
        let measure =
            json!({"qHyperCubeDef": {"qMeasures": [{"qDef": {"qDef": "Sum($(vField))"}}]}});
        assert!(has(measure));
        assert!(has(
            json!({"qListObjectDef": {"qDef": {"qFieldDefs": ["=$(=Max(Year))"]}}})
        ));
        assert!(!has(
            json!({"qHyperCubeDef": {"qMeasures": [{"qDef": {"qDef": "Sum(Sales)"}}]}})
        ));
        // Not an expression: a title or a custom property is left as it is, as `expand_props` does.
        assert!(!has(
            json!({"title": "$(vTitle)", "custom": {"note": "$(x)"}})
        ));
    }
}
