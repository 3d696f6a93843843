//! Layouts computed from properties, in the real engine's shapes: `qHyperCubeDef` → `qHyperCube`,
//! `qListObjectDef` → `qListObject`, `qSelectionObjectDef` → `qSelectionObject`, `qFieldListDef` →
//! `qFieldList`, and `{qStringExpression}` / `{qValueExpression}` evaluated in place. Anything else in the
//! properties is copied as it is (custom properties are kept).

use super::eval::evaluate_in;
use super::fields::field_tags;
use super::View;
use qix_engine::{
    field_states_with, list_object, ColumnSort, DimensionDef, HyperCube, HyperCubeDef, ListSort,
    MeasureDef, State,
};
use serde_json::{json, Map, Value};

/// The selection state a definition is computed in: its own `qStateName`, else the object's.
fn state_of<'p>(def: &'p Value, object_state: Option<&'p str>) -> Option<&'p str> {
    def.get("qStateName")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .or(object_state)
}

/// A layout from properties.
pub fn layout(root: &View<'_>, props: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    let object_state = props
        .get("qStateName")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());
    let view = &root.in_state(object_state);
    for (k, v) in props {
        match (k.as_str(), v) {
            ("qHyperCubeDef", Value::Object(def)) => {
                let def_value = Value::Object(def.clone());
                let state = state_of(&def_value, object_state);
                let mut cube = hypercube(&root.in_state(state), def);
                if let (Some(name), Value::Object(c)) = (state, &mut cube) {
                    c.insert("qStateName".into(), json!(name));
                }
                out.insert("qHyperCube".into(), cube);
            }
            ("qListObjectDef", Value::Object(def)) => {
                let def_value = Value::Object(def.clone());
                let state = state_of(&def_value, object_state);
                let mut list = listobject(&root.in_state(state), def);
                if let (Some(name), Value::Object(l)) = (state, &mut list) {
                    l.insert("qStateName".into(), json!(name));
                }
                out.insert("qListObject".into(), list);
            }
            ("qSelectionObjectDef", def) => {
                let v = root.in_state(state_of(def, object_state));
                out.insert("qSelectionObject".into(), selection_object(&v));
            }
            ("qFieldListDef", _) => {
                out.insert("qFieldList".into(), field_list(view));
            }
            ("qDimensionListDef", def) => {
                out.insert(
                    "qDimensionList".into(),
                    item_list(view.doc.record.dimensions.values(), None, def),
                );
            }
            ("qMeasureListDef", def) => {
                out.insert(
                    "qMeasureList".into(),
                    item_list(view.doc.record.measures.values(), None, def),
                );
            }
            ("qAppObjectListDef", def) => {
                let t = def.get("qType").and_then(Value::as_str);
                out.insert(
                    "qAppObjectList".into(),
                    item_list(view.doc.record.objects.values(), t, def),
                );
            }
            ("qChildListDef", def) => {
                let parent = props["qInfo"]["qId"].as_str().unwrap_or("");
                out.insert("qChildList".into(), child_list(view.doc, parent, def));
            }
            ("qBookmarkListDef", def) => {
                let t = def.get("qType").and_then(Value::as_str);
                let props = view.doc.record.bookmarks.values().map(|b| &b.properties);
                out.insert("qBookmarkList".into(), item_list(props, t, def));
            }
            ("qVariableListDef", _) => {
                let items: Vec<Value> = view
                    .doc
                    .variables
                    .values()
                    .map(|v| json!({"qName": v.props.get("qName"), "qDefinition": v.props.get("qDefinition").cloned().unwrap_or(json!("")),
                                    "qInfo": v.props.get("qInfo"), "qMeta": {}, "qIsScriptCreated": false, "qData": {}}))
                    .collect();
                out.insert("qVariableList".into(), json!({"qItems": items}));
            }
            (_, Value::Object(inner)) => {
                out.insert(k.clone(), value(view, inner));
            }
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    out
}

/// A nested property: an expression to evaluate, or an object to lay out in turn.
fn value(view: &View<'_>, obj: &Map<String, Value>) -> Value {
    for (key, as_text) in [("qStringExpression", true), ("qValueExpression", false)] {
        if let Some(e) = obj.get(key) {
            let expr = e
                .get("qExpr")
                .and_then(Value::as_str)
                .or_else(|| e.as_str())
                .unwrap_or("");
            let v = evaluate_in(view.env, view.model(), view.state, expr);
            return match (v, as_text) {
                (Ok(v), true) => json!(v.text().unwrap_or_default()),
                (Ok(v), false) => v.num().map_or(json!("NaN"), |n| json!(n)),
                (Err(e), _) => json!(e),
            };
        }
    }
    Value::Object(layout(view, obj))
}

fn num_json(n: Option<f64>) -> Value {
    n.filter(|x| x.is_finite())
        .map_or(json!("NaN"), |x| json!(x))
}

fn sort_of(criteria: Option<&Value>) -> (ColumnSort, ListSort) {
    let c = criteria
        .and_then(|c| c.as_array())
        .and_then(|a| a.first())
        .cloned()
        .unwrap_or(Value::Null);
    let g = |k: &str| c.get(k).and_then(Value::as_i64).unwrap_or(0).clamp(-1, 1) as i8;
    (
        ColumnSort {
            by_numeric: g("qSortByNumeric"),
            by_ascii: g("qSortByAscii"),
            by_load_order: g("qSortByLoadOrder"),
            by_state: g("qSortByState"),
            by_expression: g("qSortByExpression"),
            expression: c
                .pointer("/qExpression/qv")
                .and_then(Value::as_str)
                .filter(|e| !e.trim().is_empty())
                .map(str::to_string),
        },
        ListSort {
            by_state: g("qSortByState"),
            by_frequency: g("qSortByFrequency"),
            by_numeric: g("qSortByNumeric"),
            by_ascii: g("qSortByAscii"),
            by_load_order: g("qSortByLoadOrder"),
        },
    )
}

/// A measure's `qSortIndicator`: `A` / `D` when its `qSortBy` sorts up / down by anything, else `N`.
fn measure_sort_indicator(m: &Value) -> &'static str {
    let by = m
        .get("qSortBy")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(k, _)| k.starts_with("qSortBy"))
        .filter_map(|(_, v)| v.as_i64())
        .find(|v| *v != 0);
    match by {
        Some(v) if v > 0 => "A",
        Some(_) => "D",
        None => "N",
    }
}

/// The number format the engine picks for a measure without one: integers for counts (as the real engine
/// reports for `Count(...)`), else unformatted.
fn auto_number_format(expr: &str) -> Value {
    let e = expr
        .trim_start_matches('=')
        .trim_start()
        .to_ascii_lowercase();
    if e.starts_with("count(") || e.starts_with("count (") {
        json!({"qType": "I", "qnDec": 0, "qUseThou": 1, "qFmt": "###0", "qDec": "."})
    } else {
        json!({"qType": "U", "qnDec": 0, "qUseThou": 0})
    }
}

fn field_of(dim: &Value) -> String {
    dim.pointer("/qDef/qFieldDefs/0")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

/// Items of a `q…ListDef`: every item (of type `only`, when given) with its info, meta and data.
fn item_list<'a>(
    items: impl Iterator<Item = &'a Map<String, Value>>,
    only: Option<&str>,
    def: &Value,
) -> Value {
    let list: Vec<Value> = items
        .filter(|p| only.is_none_or(|t| p["qInfo"]["qType"].as_str() == Some(t)))
        .map(|p| {
            let props = Value::Object(p.clone());
            json!({"qInfo": p["qInfo"], "qMeta": p.get("qMetaDef").cloned().unwrap_or(json!({})),
                   "qData": data_paths(&props, def.get("qData"))})
        })
        .collect();
    json!({"qItems": list})
}

/// The `qData` of a list item: each key of the list definition's `qData` is a JSON pointer into the
/// item's properties (`{"title": "/qMetaDef/title"}`); without one, the item's title.
pub fn data_paths(props: &Value, data: Option<&Value>) -> Value {
    match data.and_then(Value::as_object) {
        Some(paths) => {
            let out: Map<String, Value> = paths
                .iter()
                .map(|(k, path)| {
                    let v = path
                        .as_str()
                        .and_then(|p| props.pointer(p))
                        .cloned()
                        .unwrap_or(Value::Null);
                    (k.clone(), v)
                })
                .collect();
            Value::Object(out)
        }
        None => {
            let title = props
                .pointer("/qMetaDef/title")
                .or_else(|| props.pointer("/qDim/title"))
                .or_else(|| props.pointer("/qMeasure/qLabel"))
                .cloned()
                .unwrap_or(json!(""));
            json!({"title": title})
        }
    }
}

/// Replaces `qLibraryId` references to master dimensions and measures by their definitions.
pub fn resolve_library(view: &View<'_>, def: &Map<String, Value>) -> Map<String, Value> {
    let mut def = def.clone();
    if let Some(Value::Array(dims)) = def.get_mut("qDimensions") {
        for d in dims.iter_mut() {
            let lib = d
                .get("qLibraryId")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string);
            if let Some(m) = lib.and_then(|id| view.doc.record.dimensions.get(&id)) {
                d["qDef"] = m.get("qDim").cloned().unwrap_or(json!({}));
            }
        }
    }
    if let Some(Value::Array(ms)) = def.get_mut("qMeasures") {
        for d in ms.iter_mut() {
            let lib = d
                .get("qLibraryId")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string);
            if let Some(m) = lib.and_then(|id| view.doc.record.measures.get(&id)) {
                d["qDef"] = m.get("qMeasure").cloned().unwrap_or(json!({}));
            }
        }
    }
    // Master items may use `$(...)` too.
    super::dollar::expand_props(view, &mut def);
    def
}

/// The `qDimensions` and `qMeasures` arrays of a `qHyperCubeDef`.
fn columns_of(def: &Map<String, Value>) -> (Vec<Value>, Vec<Value>) {
    let get = |k: &str| {
        def.get(k)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    (get("qDimensions"), get("qMeasures"))
}

/// The engine's definition of a `qHyperCubeDef`.
pub fn cube_def(def: &Map<String, Value>) -> HyperCubeDef {
    let (dims, measures) = columns_of(def);
    HyperCubeDef {
        dimensions: dims
            .iter()
            .map(|d| DimensionDef {
                field: field_of(d),
                sort: sort_of(d.pointer("/qDef/qSortCriterias")).0,
            })
            .collect(),
        measures: measures
            .iter()
            .map(|m| {
                let n = m
                    .pointer("/qSortBy/qSortByNumeric")
                    .and_then(Value::as_i64)
                    .unwrap_or(0)
                    .clamp(-1, 1) as i8;
                MeasureDef {
                    expr: m
                        .pointer("/qDef/qDef")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                    sort: ColumnSort {
                        by_numeric: n,
                        ..Default::default()
                    },
                }
            })
            .collect(),
        suppress_zero: def
            .get("qSuppressZero")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        suppress_missing: def
            .get("qSuppressMissing")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        inter_column_sort: def
            .get("qInterColumnSortOrder")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_u64)
                    .map(|x| x as usize)
                    .collect()
            })
            .unwrap_or_default(),
    }
}

fn state_counts(view: &View<'_>, field: &str) -> (Value, usize) {
    let m = view.model();
    let Some(f) = m.field_id(field) else {
        return (json!({}), 0);
    };
    let inference = view.env.cache.inference(m, view.state);
    let mut c = [0usize; 7];
    for s in field_states_with(m, view.state, f, &inference) {
        c[match s {
            State::Locked => 0,
            State::Selected => 1,
            State::Optional => 2,
            State::Alternative => 3,
            State::Excluded => 4,
            State::SelectedExcluded => 5,
            State::LockedExcluded => 6,
        }] += 1;
    }
    (
        json!({"qLocked": c[0], "qSelected": c[1], "qOption": c[2], "qDeselected": 0, "qAlternative": c[3], "qExcluded": c[4], "qSelectedExcluded": c[5], "qLockedExcluded": c[6]}),
        m.fields[f].symbols.len(),
    )
}

fn dim_info(view: &View<'_>, dim: &Value, rows: usize) -> Value {
    let field = field_of(dim);
    let (counts, cardinal) = state_counts(view, &field);
    let label = dim
        .pointer("/qDef/qFieldLabels/0")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or(&field);
    let tags = view
        .model()
        .field_id(&field)
        .map(|f| field_tags(view.model(), f, None))
        .unwrap_or_default();
    json!({
        "qFallbackTitle": label, "qApprMaxGlyphCount": 1, "qCardinal": cardinal, "qSortIndicator": "N",
        "qGroupFallbackTitles": [field], "qGroupPos": 0, "qStateCounts": counts, "qTags": tags,
        "qDimensionType": if tags.iter().any(|t| t == "$numeric") { "N" } else { "D" }, "qGrouping": "N",
        "qNumFormat": {"qType": "U", "qnDec": 0, "qUseThou": 0}, "qIsAutoFormat": true, "qGroupFieldDefs": [field],
        "qMin": "NaN", "qMax": "NaN", "qAttrExprInfo": [], "qAttrDimInfo": [],
        "qCardinalities": {"qCardinal": cardinal, "qHypercubeCardinal": rows, "qAllValuesCardinal": -1},
    })
}

fn measure_cell(v: &qix_expr::Value) -> Value {
    match v.num() {
        Some(n) => {
            json!({"qText": v.text().unwrap_or_default(), "qNum": n, "qElemNumber": 0, "qState": "L"})
        }
        None if v.is_null() => {
            json!({"qText": "-", "qNum": "NaN", "qElemNumber": 0, "qState": "L", "qIsNull": true})
        }
        None => {
            json!({"qText": v.text().unwrap_or_default(), "qNum": "NaN", "qElemNumber": 0, "qState": "L"})
        }
    }
}

/// The rows of a page `{qTop, qLeft, qWidth, qHeight}` of a computed cube.
fn cube_page(cube: &HyperCube, ndims: usize, page: &Value) -> Value {
    let g = |k: &str| page.get(k).and_then(Value::as_u64).unwrap_or(0) as usize;
    let (top, left, width, height) = (g("qTop"), g("qLeft"), g("qWidth"), g("qHeight"));
    let ncols = ndims + cube.totals.len();
    let left = left.min(ncols);
    let width = width.min(ncols - left);
    let top = top.min(cube.rows.len());
    let height = height.min(cube.rows.len() - top);
    let matrix: Vec<Value> = cube.rows[top..top + height]
        .iter()
        .map(|r| {
            (left..left + width)
                .map(|c| {
                    if c < ndims {
                        let d = &r.dims[c];
                        match d.symbol {
                            Some(s) => json!({"qText": d.text, "qNum": num_json(d.num), "qElemNumber": s, "qState": d.state.letter()}),
                            None => json!({"qText": "-", "qNum": "NaN", "qElemNumber": -2, "qState": "O", "qIsNull": true}),
                        }
                    } else {
                        measure_cell(&r.measures[c - ndims])
                    }
                })
                .collect::<Vec<_>>()
                .into()
        })
        .collect();
    json!({"qMatrix": matrix, "qTails": [{"qUp": 0, "qDown": 0}], "qArea": {"qLeft": left, "qTop": top, "qWidth": width, "qHeight": height}})
}

/// Computes a cube for a `qHyperCubeDef` (through the shared cache).
pub fn compute_cube(
    view: &View<'_>,
    def: &Map<String, Value>,
) -> Result<std::sync::Arc<HyperCube>, String> {
    view.env
        .cache
        .hypercube(view.model(), view.state, &cube_def(def))
        .map_err(|e| e.to_string())
}

/// Pages of a cube (`GetHyperCubeData`).
pub fn cube_pages(
    view: &View<'_>,
    def: &Map<String, Value>,
    pages: &[Value],
) -> Result<Vec<Value>, String> {
    let def = &resolve_library(view, def);
    let cube = compute_cube(view, def)?;
    let ndims = cube_def(def).dimensions.len();
    Ok(pages.iter().map(|p| cube_page(&cube, ndims, p)).collect())
}

fn hypercube(view: &View<'_>, def: &Map<String, Value>) -> Value {
    let def = &resolve_library(view, def);
    let mut out = Map::new();
    // Custom properties inside the definition are copied, as the engine does.
    for (k, v) in def {
        if !k.starts_with('q') {
            out.insert(k.clone(), v.clone());
        }
    }
    let (dims, measures) = columns_of(def);
    let engine_def = cube_def(def);
    let order: Vec<usize> = if engine_def.inter_column_sort.is_empty() {
        (0..dims.len() + measures.len()).collect()
    } else {
        engine_def.inter_column_sort.clone()
    };
    match compute_cube(view, def) {
        Ok(cube) => {
            out.insert(
                "qSize".into(),
                json!({"qcx": dims.len() + measures.len(), "qcy": cube.rows.len()}),
            );
            out.insert(
                "qDimensionInfo".into(),
                dims.iter()
                    .map(|d| dim_info(view, d, cube.rows.len()))
                    .collect(),
            );
            let minfo: Vec<Value> = measures
                .iter()
                .enumerate()
                .map(|(i, m)| {
                    let expr = m.pointer("/qDef/qDef").and_then(Value::as_str).unwrap_or("");
                    let label = m.pointer("/qDef/qLabel").and_then(Value::as_str).filter(|s| !s.is_empty()).unwrap_or(expr);
                    let (lo, hi) = cube.measure_range[i];
                    json!({"qFallbackTitle": label, "qApprMaxGlyphCount": 1, "qCardinal": 0, "qSortIndicator": measure_sort_indicator(m),
                           "qNumFormat": auto_number_format(expr), "qMin": num_json(Some(lo)), "qMax": num_json(Some(hi)),
                           "qIsAutoFormat": true, "qAttrExprInfo": [], "qAttrDimInfo": [], "qTrendLines": []})
                })
                .collect();
            out.insert("qMeasureInfo".into(), Value::Array(minfo));
            out.insert("qEffectiveInterColumnSortOrder".into(), json!(order));
            out.insert(
                "qGrandTotalRow".into(),
                cube.totals
                    .iter()
                    .map(|v| {
                        let mut c = measure_cell(v);
                        c["qElemNumber"] = json!(-1);
                        c["qState"] = json!("X");
                        c["qIsTotalCell"] = json!(true);
                        c
                    })
                    .collect(),
            );
            let pages = def
                .get("qInitialDataFetch")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            match view.env.limits.check_pages(&pages) {
                Ok(()) => out.insert(
                    "qDataPages".into(),
                    pages
                        .iter()
                        .map(|p| cube_page(&cube, dims.len(), p))
                        .collect(),
                ),
                Err(e) => {
                    out.insert("qDataPages".into(), json!([]));
                    out.insert(
                        "qError".into(),
                        json!({"qErrorCode": e.code, "qContext": e.parameter}),
                    )
                }
            };
        }
        Err(e) => {
            out.insert(
                "qSize".into(),
                json!({"qcx": dims.len() + measures.len(), "qcy": 0}),
            );
            out.insert("qDimensionInfo".into(), json!([]));
            out.insert("qMeasureInfo".into(), json!([]));
            out.insert("qDataPages".into(), json!([]));
            out.insert("qError".into(), json!({"qErrorCode": 7005, "qContext": e}));
        }
    }
    for (k, v) in [
        ("qPivotDataPages", json!([])),
        ("qStackedDataPages", json!([])),
        ("qMode", json!("S")),
        ("qNoOfLeftDims", json!(-1)),
        ("qTreeNodesOnDim", json!([])),
        ("qColumnOrder", json!([])),
    ] {
        out.insert(k.into(), v);
    }
    Value::Object(out)
}

/// The values of a list object's field, sorted as its definition says.
pub fn list_rows(view: &View<'_>, def: &Map<String, Value>) -> Option<Vec<qix_engine::ListRow>> {
    let field = field_of(&Value::Object(def.clone()));
    let f = view.model().field_id(&field)?;
    let sort = match def.get("qDef").and_then(|d| d.get("qSortCriterias")) {
        Some(c) => sort_of(Some(c)).1,
        None => ListSort::list_box(),
    };
    Some(list_object(view.model(), view.state, f, &sort))
}

/// Pages of a list object (`GetListObjectData`).
pub fn list_pages(view: &View<'_>, def: &Map<String, Value>, pages: &[Value]) -> Vec<Value> {
    let rows = list_rows(view, def).unwrap_or_default();
    pages
        .iter()
        .map(|p| {
            let top = (p.get("qTop").and_then(Value::as_u64).unwrap_or(0) as usize).min(rows.len());
            let height = (p.get("qHeight").and_then(Value::as_u64).unwrap_or(0) as usize).min(rows.len() - top);
            let width = p.get("qWidth").and_then(Value::as_u64).unwrap_or(1).min(1) as usize;
            let matrix: Vec<Value> = rows[top..top + height]
                .iter()
                .map(|r| {
                    json!([{"qText": r.text, "qNum": num_json(r.num), "qElemNumber": r.symbol, "qState": r.state.letter(), "qFrequency": r.frequency.to_string()}])
                })
                .collect();
            json!({"qMatrix": matrix, "qTails": [], "qArea": {"qLeft": 0, "qTop": top, "qWidth": width, "qHeight": height}})
        })
        .collect()
}

fn listobject(view: &View<'_>, def: &Map<String, Value>) -> Value {
    let dim = json!({"qDef": def.get("qDef").cloned().unwrap_or_default()});
    let rows = list_rows(view, def);
    let n = rows.as_ref().map_or(0, Vec::len);
    let pages = def
        .get("qInitialDataFetch")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let too_many = view.env.limits.check_pages(&pages).err();
    let data_pages = match too_many {
        None => json!(list_pages(view, def, &pages)),
        Some(_) => json!([]),
    };
    let mut out = json!({
        "qSize": {"qcx": 1, "qcy": n},
        "qDimensionInfo": dim_info(view, &dim, n),
        "qExpressions": [],
        "qDataPages": data_pages,
    });
    if let Some(e) = too_many {
        out["qError"] = json!({"qErrorCode": e.code, "qContext": e.parameter});
    } else if rows.is_none() {
        out["qError"] =
            json!({"qErrorCode": 7005, "qContext": format!("field not found: {}", field_of(&dim))});
    }
    for (k, v) in def {
        if !k.starts_with('q') {
            out[k] = v.clone();
        }
    }
    out
}

fn selection_object(view: &View<'_>) -> Value {
    let m = view.model();
    let selections: Vec<Value> = view
        .state
        .selected_fields()
        .map(|(f, syms)| {
            let field = &m.fields[f];
            let texts: Vec<String> = syms.iter().map(|s| field.symbols.text(*s).into_owned()).collect();
            let shown = if texts.len() <= 6 { texts.join(", ") } else { format!("{} of {}", texts.len(), field.symbols.len()) };
            json!({"qField": field.name, "qTotal": field.symbols.len(), "qSelectedCount": syms.len(), "qSelected": shown,
                   "qLocked": view.state.is_locked(f), "qIsNum": false, "qTextSearch": "",
                   "qSelectedFieldSelectionInfo": texts.iter().map(|t| json!({"qName": t, "qFieldSelectionMode": "NORMAL"})).collect::<Vec<_>>(),
                   "qNotSelectedFieldSelectionInfo": [], "qRangeInfo": [], "qSortIndex": 0, "qStateCounts": state_counts(view, &field.name).0})
        })
        .collect();
    json!({"qBackCount": view.history.0, "qForwardCount": view.history.1, "qSelections": selections})
}

fn field_list(view: &View<'_>) -> Value {
    let m = view.model();
    let items: Vec<Value> = m
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            json!({"qName": f.name, "qCardinal": f.symbols.len(), "qTags": field_tags(m, i, view.data.tags.get(&f.name)),
                   "qSrcTables": f.tables.iter().map(|t| m.tables[*t].name.clone()).collect::<Vec<_>>()})
        })
        .collect();
    json!({"qItems": items})
}

/// `qChildListDef` → `qChildList`: `{qItems: [{qInfo, qData}]}` of the object's children.
pub fn child_list(doc: &crate::doc::DocState, parent: &str, def: &Value) -> Value {
    let items: Vec<Value> = doc
        .children(parent)
        .iter()
        .filter_map(|c| doc.object(c))
        .map(|p| {
            let props = Value::Object(p.clone());
            json!({"qInfo": p["qInfo"], "qData": data_paths(&props, def.get("qData"))})
        })
        .collect();
    json!({"qItems": items})
}
