//! Evaluating chart expressions over a view's data and selections, and reading variable definitions as values.

use super::context::{unknown_state, Ctx};
use super::defs::CubeDef;
use super::sets::ViewSets;
use super::View;
use qix_engine::HyperCubeDef;
use qix_protocol::RpcError;
use serde_json::{json, Value};

/// Why the cube of `def` is not calculated in `view`: its `qCalcCondition` is unmet (the message to
/// show). Every layout and data method of a cube asks this first, and answers no data then.
pub fn unmet_condition(view: &View<'_>, def: &CubeDef) -> Option<String> {
    def.calc_cond.unmet(&|e| evaluate_in(view, e).ok())
}

/// Evaluates `expr` over the view's whole selection (no dimensions).
pub fn evaluate_in(view: &View<'_>, expr: &str) -> Result<qix_expr::Value, String> {
    let parsed = qix_expr::parse(expr).map_err(|e| format!("Error in expression: {e}"))?;
    let (env, model, state) = (view.env, view.model(), view.state);
    if !qix_expr::has_aggregation(&parsed) {
        // Constants and scalar functions; a bare field is its only possible value.
        struct Only<'a, 'v>(&'a View<'v>);
        impl qix_expr::Scope for Only<'_, '_> {
            fn field(&mut self, name: &str) -> qix_expr::Value {
                let only = format!("Only([{}])", name.replace(']', "]]"));
                let def = HyperCubeDef::of(&[], &[&only]);
                let v = self.0;
                v.env
                    .cache
                    .hypercube(v.model(), v.state, &def)
                    .ok()
                    .and_then(|c| c.totals.first().cloned())
                    .unwrap_or(qix_expr::Value::Null)
            }
            fn aggregate(&mut self, _: &qix_expr::Aggr) -> qix_expr::Value {
                qix_expr::Value::Null
            }
            fn locale(&self) -> &qix_expr::Locale {
                &self.0.model().locale
            }
            fn call(&mut self, name: &str, args: &[qix_expr::Value]) -> qix_expr::Value {
                let v = self.0;
                let inference = v.env.cache.inference(v.model(), v.state);
                let infer = |s: &qix_engine::SelectionState| v.env.cache.inference(v.model(), s);
                qix_engine::fieldfns::FieldFns::new(v.model(), v.state, &inference, &infer)
                    .call(name, args)
                    .unwrap_or(qix_expr::Value::Null)
            }
        }
        return Ok(qix_expr::eval(&parsed, &mut Only(view)));
    }
    let def = HyperCubeDef::of(&[], &[expr]);
    let cube = env
        .cache
        .hypercube_with(model, state, &def, &ViewSets(view))
        .map_err(|e| format!("Error: {e}"))?;
    if let Some(Some(e)) = cube.measure_errors.first() {
        return Err(format!("Error: {e}"));
    }
    Ok(cube
        .totals
        .first()
        .cloned()
        .unwrap_or(qix_expr::Value::Null))
}

/// `qText` and `qNum` of a definition; `qNum` is the engine's `"NaN"` for text.
pub fn value_of(definition: &str) -> (String, Value) {
    match definition.trim().parse::<f64>() {
        Ok(n) if n.is_finite() => (definition.to_string(), json!(n)),
        _ => (definition.to_string(), json!("NaN")),
    }
}

/// Numbers as the engine prints them by default: integers without a decimal point.
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// The values of `field` for which `expr` (an expression search, `=Sum(Sales)>3000` without the `=`) is
/// true, computed per value over the session's selections in `state_name` — what `Field.Select` with a
/// search string starting with `=` selects.
pub fn expression_matches(
    ctx: &mut Ctx<'_>,
    field: &str,
    state_name: &str,
    expr: &str,
) -> Result<Vec<u32>, RpcError> {
    let env = ctx.env;
    let doc = ctx.doc()?;
    if doc.state(state_name).is_none() {
        return Err(unknown_state(state_name));
    }
    let view = View::of(env, doc).in_state(Some(state_name));
    let def = qix_engine::HyperCubeDef::of(&[field], &[expr]);
    let Ok(cube) = env
        .cache
        .hypercube_with(view.model(), view.state, &def, &ViewSets(&view))
    else {
        return Ok(Vec::new());
    };
    Ok(cube
        .rows
        .iter()
        .filter(|r| r.measures.first().is_some_and(|v| v.truthy()))
        .filter_map(|r| r.dims.first().and_then(|d| d.symbol))
        .collect())
}
