//! The defaults the real engine fills into the properties it stores, so GetProperties answers what Qlik's
//! engine answers (recorded from Qlik Core in `shared/reference/real-engine-golden`). Filling never
//! overwrites what a client set; a default object merges into a client object key by key.

use serde_json::{json, Map, Value};

/// Merges `defaults` under `target`: missing keys are added, objects present on both sides merge.
fn fill(target: &mut Map<String, Value>, defaults: Value) {
    let Value::Object(defaults) = defaults else {
        return;
    };
    for (k, d) in defaults {
        match (target.get_mut(&k), d) {
            (None, d) => {
                target.insert(k, d);
            }
            (Some(Value::Object(t)), d @ Value::Object(_)) => fill(t, d),
            _ => {}
        }
    }
}

fn other_total_spec() -> Value {
    json!({"qOtherMode": "OTHER_OFF", "qOtherCounted": {}, "qOtherLimit": {}, "qOtherLimitMode": "OTHER_GT_LIMIT",
           "qForceBadValueKeeping": true, "qApplyEvenWhenPossiblyWrongResult": true,
           "qOtherSortMode": "OTHER_SORT_DESCENDING", "qTotalMode": "TOTAL_OFF", "qReferencedExpression": {}})
}

fn calc_condition() -> Value {
    json!({"qCond": {}, "qMsg": {}})
}

/// A chart dimension's defaults. One referencing a master item (`qLibraryId`) gets no `qActiveField`:
/// there an absent one means "the master's active field" and a present one (even 0) the chart's own
/// choice (see `library::resolve_library`), so a default 0 would pin every chart to the first field.
fn cube_dimension(d: &mut Map<String, Value>) {
    let library = d
        .get("qLibraryId")
        .and_then(Value::as_str)
        .is_some_and(|s| !s.is_empty());
    let mut qdef = json!({"qGrouping": "N", "qFieldDefs": [], "qFieldLabels": [], "qSortCriterias": [],
                          "qNumberPresentations": []});
    if let (false, Value::Object(q)) = (library, &mut qdef) {
        q.insert("qActiveField".into(), json!(0));
    }
    fill(
        d,
        json!({
            "qDef": qdef,
            "qOtherTotalSpec": other_total_spec(), "qOtherLabel": {}, "qTotalLabel": {}, "qCalcCond": {},
            "qAttributeExpressions": [], "qAttributeDimensions": [], "qCalcCondition": calc_condition()
        }),
    );
}

fn cube_measure(m: &mut Map<String, Value>) {
    fill(
        m,
        json!({
            "qDef": {"qTags": [], "qGrouping": "N", "qDef": "", "qAccumulate": 0, "qActiveExpression": 0,
                     "qExpressions": []},
            "qSortBy": {"qExpression": {}},
            "qAttributeExpressions": [], "qAttributeDimensions": [], "qCalcCond": {},
            "qCalcCondition": calc_condition(), "qTrendLines": [],
            "qMiniChartDef": {"qSortBy": {"qExpression": {}}, "qOtherTotalSpec": other_total_spec(),
                              "qMaxNumberPoints": -1, "qAttributeExpressions": []}
        }),
    );
}

fn hypercube(def: &mut Map<String, Value>) {
    for (key, column) in [
        ("qDimensions", cube_dimension as fn(&mut Map<String, Value>)),
        ("qMeasures", cube_measure),
    ] {
        if let Some(Value::Array(items)) = def.get_mut(key) {
            for item in items.iter_mut().filter_map(Value::as_object_mut) {
                column(item);
            }
        }
    }
    if let Some(Value::Array(pages)) = def.get_mut("qInitialDataFetch") {
        for page in pages.iter_mut().filter_map(Value::as_object_mut) {
            fill(
                page,
                json!({"qLeft": 0, "qTop": 0, "qWidth": 0, "qHeight": 0}),
            );
        }
    }
    fill(
        def,
        json!({
            "qDimensions": [], "qMeasures": [], "qInterColumnSortOrder": [], "qInitialDataFetch": [],
            "qReductionMode": "N", "qMode": "S", "qPseudoDimPos": -1, "qNoOfLeftDims": -1,
            "qMaxStackedCells": 5000, "qCalcCond": {}, "qTitle": {}, "qCalcCondition": calc_condition(),
            "qColumnOrder": [], "qExpansionState": [], "qDynamicScript": []
        }),
    );
}

/// A generic object's properties: its top-level `qHyperCubeDef` gets its defaults. Definitions deeper
/// down are stored as given — the real engine leaves them alone too (a recorded property tree keeps a
/// bare `qHyperCubeDef` under `qUndoExclude`).
pub fn object(props: &mut Map<String, Value>) {
    if let Some(Value::Object(def)) = props.get_mut("qHyperCubeDef") {
        hypercube(def);
    }
}

/// A master dimension's properties.
pub fn dimension(props: &mut Map<String, Value>) {
    fill(
        props,
        json!({"qDim": {"qGrouping": "N", "qFieldDefs": [], "qFieldLabels": []}}),
    );
}

/// A master measure's properties.
pub fn measure(props: &mut Map<String, Value>) {
    fill(
        props,
        json!({"qMeasure": {"qDef": "", "qGrouping": "N", "qExpressions": [], "qActiveExpression": 0,
                            "qNumFormat": {"qType": "U", "qnDec": 10, "qUseThou": 0}}}),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_fill_in_and_never_overwrite() {
        let mut p = json!({"qInfo": {"qId": "o"}, "qHyperCubeDef": {
            "qDimensions": [{"qDef": {"qFieldDefs": ["x"], "qSortCriterias": [{"qSortByAscii": 1}]}}],
            "qMeasures": [{"qDef": {"qDef": "Sum(y)"}, "qSortBy": {"qSortByNumeric": -1}}],
            "qMode": "K", "custom": 1
        }, "nested": {"qHyperCubeDef": {}}});
        object(p.as_object_mut().unwrap());
        let c = &p["qHyperCubeDef"];
        assert_eq!(c["qMode"], "K");
        assert_eq!(c["custom"], 1);
        assert_eq!(c["qNoOfLeftDims"], -1);
        assert_eq!(
            c["qDimensions"][0]["qDef"]["qSortCriterias"],
            json!([{"qSortByAscii": 1}])
        );
        assert_eq!(c["qDimensions"][0]["qDef"]["qGrouping"], "N");
        assert_eq!(
            c["qMeasures"][0]["qSortBy"],
            json!({"qSortByNumeric": -1, "qExpression": {}})
        );
        assert_eq!(c["qMeasures"][0]["qDef"]["qDef"], "Sum(y)");
        assert_eq!(p["nested"]["qHyperCubeDef"], json!({}));
    }
}
