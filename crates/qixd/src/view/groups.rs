//! Drill-down dimensions (`qGrouping: "H"`, a master dimension or an inline one with several fields):
//! which field of the group a cube shows. The group shows its first field that has more than one
//! possible value — a field with one value possible drills down to the next — so the level follows the
//! session's selections, and `DrillUp` steps back by clearing the selections of the levels above.
//!
//! The definition is rewritten before it is parsed: `qFieldDefs` / `qFieldLabels` become the active
//! field and its label, and the group is kept in `qGroupFieldDefs`, `qGroupFieldLabels` and `qGroupPos`
//! for the layout's `qDimensionInfo`. A cyclic group (`"C"`) shows the field its `qActiveField` names
//! (0 by default; `StepCycle` / `SetActiveField` set it for the session as a soft patch).

use super::View;
use qix_engine::{ListSort, State};
use serde_json::{json, Map, Value};

/// The fields and labels of a grouped dimension's `qDef`, when it is a drill-down or cyclic group.
pub fn group_of(def: &Value) -> Option<(String, Vec<String>, Vec<String>)> {
    let grouping = def.get("qGrouping").and_then(Value::as_str)?;
    if grouping != "H" && grouping != "C" {
        return None;
    }
    let texts = |key: &str| super::defs::strings_at(def, key);
    let fields = texts("qFieldDefs");
    (!fields.is_empty()).then(|| (grouping.to_string(), fields, texts("qFieldLabels")))
}

/// How many values of `field` are possible in the view's state (0 for a field the model lacks).
fn possible(view: &View<'_>, field: &str) -> usize {
    let Some(f) = view.model().field_id(field) else {
        return 0;
    };
    let rows = view
        .env
        .cache
        .list_object(view.model(), view.state, f, &ListSort::default(), false);
    rows.iter()
        .filter(|r| matches!(r.state, State::Optional | State::Selected | State::Locked))
        .count()
}

/// The level a drill-down group shows: its first field with more than one possible value (the last
/// field when every level above has one).
pub fn drill_level(view: &View<'_>, fields: &[String]) -> usize {
    let last = fields.len().saturating_sub(1);
    (0..last)
        .find(|&i| possible(view, &fields[i]) != 1)
        .unwrap_or(last)
}

/// The active field of a cyclic group's `qDef` / `qDim` (`qActiveField`, 0 when absent).
pub fn active_field(qdef: &Value) -> usize {
    qdef.get("qActiveField")
        .and_then(Value::as_u64)
        .unwrap_or(0) as usize
}

/// A move of a cyclic group's active field: `StepCycle` by some steps (either way, wrapping round),
/// or `SetActiveField` to an index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cycle {
    /// Steps forward (negative: back).
    Step(i64),
    /// This field.
    Set(i64),
}

/// The active field after `to` in a group of `n` fields showing `current` — `None` when `Set` names
/// no field of the group. Shared by the master dimension's and a chart's own cycling; the step is
/// reduced before adding, so no client number overflows.
pub fn next_active(current: usize, n: usize, to: Cycle) -> Option<usize> {
    let n = i64::try_from(n.max(1)).unwrap_or(i64::MAX);
    let current = i64::try_from(current).unwrap_or(0).rem_euclid(n);
    let next = match to {
        Cycle::Step(steps) => (current + steps.rem_euclid(n)) % n,
        Cycle::Set(at) => (0..n).contains(&at).then_some(at)?,
    };
    usize::try_from(next).ok()
}

/// Rewrites one dimension's `qDef` to show its group's active field (see the module).
pub fn activate(view: &View<'_>, qdef: &mut Value) {
    let Some((grouping, fields, labels)) = group_of(qdef) else {
        return;
    };
    let pos = if grouping == "H" {
        drill_level(view, &fields)
    } else {
        active_field(qdef).min(fields.len() - 1)
    };
    let Value::Object(m) = qdef else {
        return;
    };
    let label = labels.get(pos).cloned().unwrap_or_default();
    m.insert("qGroupFieldDefs".into(), json!(fields));
    m.insert("qGroupFieldLabels".into(), json!(labels));
    m.insert("qGroupPos".into(), json!(pos));
    m.insert("qFieldDefs".into(), json!([fields[pos]]));
    m.insert("qFieldLabels".into(), json!([label]));
}

/// Rewrites every grouped dimension of a `qHyperCubeDef` (after its master items are in place).
pub fn activate_all(view: &View<'_>, def: &mut Map<String, Value>) {
    if let Some(Value::Array(dims)) = def.get_mut("qDimensions") {
        for d in dims.iter_mut() {
            if let Some(qdef) = d.get_mut("qDef") {
                activate(view, qdef);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycling_wraps_both_ways_and_sets_only_fields_of_the_group() {
        assert_eq!(next_active(1, 3, Cycle::Step(1)), Some(2));
        assert_eq!(next_active(2, 3, Cycle::Step(1)), Some(0));
        assert_eq!(next_active(0, 3, Cycle::Step(-1)), Some(2));
        // 2^63 - 1 ≡ 1 and -2^63 ≡ 1 (mod 3): one step on from 1, no overflow.
        assert_eq!(next_active(1, 3, Cycle::Step(i64::MAX)), Some(2));
        assert_eq!(next_active(1, 3, Cycle::Step(i64::MIN)), Some(2));
        assert_eq!(next_active(2, 3, Cycle::Set(0)), Some(0));
        assert_eq!(next_active(0, 3, Cycle::Set(3)), None);
        assert_eq!(next_active(0, 3, Cycle::Set(-1)), None);
        assert_eq!(
            next_active(0, 0, Cycle::Step(5)),
            Some(0),
            "an empty group stays"
        );
    }
}
