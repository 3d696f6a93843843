//! Attribute expressions and attribute dimensions of cube columns laid out as the real engine does: per
//! cell `qAttrExps: {qValues: [{qText, qNum}]}` and `qAttrDims: {qValues: [{qText, qElemNo}]}`, per column
//! `qAttrExprInfo` (range, title, number format) and `qAttrDimInfo`. The engine computed the values as
//! hidden measures of the same cube ([`qix_engine::CubeRow::attrs`], every column's in column order).

use super::defs::{AttrDim, AttrExpr, Attributes, CubeDef};
use qix_engine::{DataModel, HyperCube};
use qix_expr::Value as X;
use serde_json::{json, Map, Value};

/// A number as JSON, `"NaN"` when there is none.
fn num_or_nan(n: Option<f64>) -> Value {
    n.filter(|x| x.is_finite())
        .map_or(json!("NaN"), |x| json!(x))
}

/// Where each column's attribute values start in a row's [`qix_engine::CubeRow::attrs`].
pub fn offsets(def: &CubeDef) -> Vec<usize> {
    let mut at = 0;
    def.column_attrs()
        .map(|a| {
            at += a.len();
            at - a.len()
        })
        .collect()
}

/// Adds `qAttrExps` / `qAttrDims` to a cell of a column with attributes; `values` are the row's values
/// of that column's attributes.
pub fn add_to_cell(cell: &mut Value, attrs: &Attributes, values: &[X], model: &DataModel) {
    if attrs.is_empty() {
        return;
    }
    let (exprs, dims) = values.split_at(attrs.exprs.len().min(values.len()));
    let exps: Vec<Value> = attrs
        .exprs
        .iter()
        .zip(exprs)
        .map(|(a, v)| simple_value(a, v, model))
        .collect();
    cell["qAttrExps"] = json!({ "qValues": exps });
    if !attrs.dims.is_empty() {
        let dims: Vec<Value> = attrs
            .dims
            .iter()
            .zip(dims)
            .map(|(d, v)| dim_value(d, v, model))
            .collect();
        cell["qAttrDims"] = json!({ "qValues": dims });
    }
}

/// An `NxSimpleValue`: the text (in the expression's number format, if any) and the number.
fn simple_value(a: &AttrExpr, v: &X, model: &DataModel) -> Value {
    let text = a
        .num_format
        .as_ref()
        .and_then(|f| f.text(v, &model.locale))
        .or_else(|| v.text())
        .unwrap_or_default();
    json!({"qText": text, "qNum": num_or_nan(v.own_num())})
}

/// An `NxSimpleDimValue`: the field's value on the row and its element number (-2: none or several).
fn dim_value(d: &AttrDim, v: &X, model: &DataModel) -> Value {
    let Some(text) = v.text() else {
        return json!({"qText": "-", "qElemNo": -2});
    };
    let elem = model
        .field_id(&d.field)
        .and_then(|f| model.fields[f].symbols.find_text(&text));
    json!({"qText": text, "qElemNo": elem.map_or(-2, i64::from)})
}

/// `qAttrExprInfo` of a column whose attribute values start at `offset` in the rows.
pub fn expr_infos(attrs: &Attributes, cube: &HyperCube, offset: usize) -> Value {
    attrs
        .exprs
        .iter()
        .enumerate()
        .map(|(i, a)| expr_info(a, cube, offset + i))
        .collect()
}

/// One `NxAttrExprInfo`: min and max of the numbers (with their texts), title, number format, and the
/// definition's own (non-`q`) properties.
fn expr_info(a: &AttrExpr, cube: &HyperCube, at: usize) -> Value {
    let nums = cube
        .rows
        .iter()
        .filter_map(|r| r.attrs.get(at).and_then(X::own_num))
        .filter(|n| n.is_finite());
    let range = nums.fold(None, |acc: Option<(f64, f64)>, n| {
        Some(acc.map_or((n, n), |(lo, hi)| (lo.min(n), hi.max(n))))
    });
    let mut info = Map::new();
    info.insert("qMin".into(), num_or_nan(range.map(|r| r.0)));
    info.insert("qMax".into(), num_or_nan(range.map(|r| r.1)));
    info.insert(
        "qFallbackTitle".into(),
        json!(a.label.as_deref().unwrap_or(&a.expr)),
    );
    if let Some((lo, hi)) = range {
        info.insert("qMinText".into(), json!(X::Num(lo).text()));
        info.insert("qMaxText".into(), json!(X::Num(hi).text()));
    }
    let (format, auto) = match &a.num_format {
        Some(f) => (f.json.clone(), false),
        None if range.is_some() => (
            json!({"qType": "R", "qnDec": 0, "qUseThou": 0, "qFmt": "##############", "qDec": ".", "qThou": ","}),
            true,
        ),
        None => (json!({"qType": "U", "qnDec": 0, "qUseThou": 0}), true),
    };
    info.insert("qNumFormat".into(), format);
    info.insert("qIsAutoFormat".into(), json!(auto));
    info.extend(a.custom.clone());
    Value::Object(info)
}

/// `qAttrDimInfo` of a column: each attribute dimension's field facts over `rows` rows.
pub fn dim_infos(attrs: &Attributes, model: &DataModel, rows: usize) -> Value {
    attrs
        .dims
        .iter()
        .map(|d| {
            let field = model.field_id(&d.field);
            let cardinal = field.map_or(0, |f| model.fields[f].symbols.len());
            let mut info = json!({"qCardinal": cardinal, "qSize": {"qcx": 1, "qcy": rows},
                                  "qFallbackTitle": d.field, "qLocked": false, "qIsCalculated": false});
            if field.is_none() {
                info["qError"] = json!({"qErrorCode": 7005, "qContext": d.field});
            }
            if let Value::Object(m) = &mut info {
                m.extend(d.custom.clone());
            }
            info
        })
        .collect()
}
