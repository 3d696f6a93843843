//! Object definitions parsed once from their property JSON into Rust types: a `qHyperCubeDef` into a
//! [`CubeDef`], a `qListObjectDef` into a [`ListDef`], data pages into [`Page`]s — with the real engine's
//! defaults for whatever a client left out. The engine computes from these, and the renderer
//! ([`super::render`]) reads them back for the layout, so no property path is read twice.
//!
//! Parsing never fails: the engine reads missing or mistyped properties as their defaults, and so does this.

use super::cubeopts::{CalcCond, DimSpec};
use super::numfmt::NumFormat;
use super::pivotdef::PivotDef;
use crate::view::pointer::at;
use qix_engine::{ColumnSort, DimensionDef, HyperCubeDef, ListSort, MeasureDef};
use serde_json::{Map, Value};

/// One `NxPage`: `{qTop, qLeft, qWidth, qHeight}` (absent numbers are 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Page {
    /// First row.
    pub top: usize,
    /// First column.
    pub left: usize,
    /// Columns.
    pub width: usize,
    /// Rows.
    pub height: usize,
}

impl Page {
    /// The page a JSON `NxPage` asks for.
    pub fn parse(page: &Value) -> Page {
        let g = |k: &str| {
            page.get(k)
                .and_then(Value::as_u64)
                .map_or(0, |n| usize::try_from(n).unwrap_or(usize::MAX))
        };
        Page {
            top: g("qTop"),
            left: g("qLeft"),
            width: g("qWidth"),
            height: g("qHeight"),
        }
    }

    /// Every page of a JSON array of `NxPage`s.
    pub fn parse_all(pages: Option<&Value>) -> Vec<Page> {
        pages
            .and_then(Value::as_array)
            .map(|a| a.iter().map(Page::parse).collect())
            .unwrap_or_default()
    }
}

/// One dimension of a cube.
#[derive(Debug, Clone, PartialEq)]
pub struct CubeDimension {
    /// `qDef.qFieldDefs[0]`.
    pub field: String,
    /// `qDef.qFieldLabels[0]` when not empty.
    pub label: Option<String>,
    /// `qDef.qSortCriterias[0]`.
    pub sort: ColumnSort,
    /// `qAttributeExpressions` and `qAttributeDimensions`.
    pub attrs: Attributes,
    /// `qNullSuppression`, `qOtherTotalSpec`, `qOtherLabel`.
    pub options: DimSpec,
    /// A drill-down or cyclic group (`qGrouping` H or C): its kind, fields, labels and the active
    /// level (set by `groups::activate`).
    pub group: Option<DimGroup>,
}

/// The group of a drill-down or cyclic dimension.
#[derive(Debug, Clone, PartialEq)]
pub struct DimGroup {
    /// `H` (drill-down) or `C` (cyclic).
    pub grouping: String,
    /// The group's fields.
    pub fields: Vec<String>,
    /// Their labels (may be fewer, or empty).
    pub labels: Vec<String>,
    /// The level shown.
    pub pos: usize,
}

/// One `NxAttrExprDef`: an expression computed per row of the cube, like a measure, but not a column.
#[derive(Debug, Clone, PartialEq)]
pub struct AttrExpr {
    /// `qExpression` (a master measure's definition when it names one by `qLibraryId`).
    pub expr: String,
    /// `qLabel` when not empty.
    pub label: Option<String>,
    /// `qNumFormat`, when it formats.
    pub num_format: Option<NumFormat>,
    /// Properties not starting with `q` (the engine copies them into `qAttrExprInfo`).
    pub custom: Map<String, Value>,
}

/// One `NxAttrDimDef`: a field whose value on each row of the cube is reported with the cell.
#[derive(Debug, Clone, PartialEq)]
pub struct AttrDim {
    /// `qDef`: the field.
    pub field: String,
    /// Properties not starting with `q` (copied into `qAttrDimInfo`).
    pub custom: Map<String, Value>,
}

/// The attribute expressions and dimensions of a cube column.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Attributes {
    /// `qAttributeExpressions`.
    pub exprs: Vec<AttrExpr>,
    /// `qAttributeDimensions`.
    pub dims: Vec<AttrDim>,
}

impl Attributes {
    /// The attributes of a cube column (`NxDimension` / `NxMeasure`).
    fn parse(column: &Value) -> Attributes {
        let items = |k: &str| {
            column
                .get(k)
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or(&[])
        };
        Attributes {
            exprs: items("qAttributeExpressions")
                .iter()
                .map(attr_expr)
                .collect(),
            dims: items("qAttributeDimensions")
                .iter()
                .map(|d| AttrDim {
                    field: text_at(d, "/qDef").unwrap_or_default(),
                    custom: custom_of(d),
                })
                .collect(),
        }
    }

    /// What the engine computes for them, in order: each expression, then each dimension's value.
    pub fn engine(&self) -> impl Iterator<Item = String> + '_ {
        let exprs = self.exprs.iter().map(|a| a.expr.clone());
        exprs.chain(self.dims.iter().map(|d| only_of(&d.field)))
    }

    /// How many values each row has of them.
    pub fn len(&self) -> usize {
        self.exprs.len() + self.dims.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// `Only([field])`: the value of an attribute dimension on a row (NULL when the row has several).
fn only_of(field: &str) -> String {
    let f = field.trim_start_matches('=');
    if f.starts_with('[') {
        format!("Only({f})")
    } else {
        format!("Only([{}])", f.replace(']', "]]"))
    }
}

fn attr_expr(a: &Value) -> AttrExpr {
    AttrExpr {
        expr: text_at(a, "/qExpression").unwrap_or_default(),
        label: text_at(a, "/qLabel"),
        num_format: NumFormat::parse(a.get("qNumFormat")),
        custom: custom_of(a),
    }
}

/// One measure of a cube.
#[derive(Debug, Clone, PartialEq)]
pub struct CubeMeasure {
    /// `qDef.qDef`.
    pub expr: String,
    /// `qDef.qLabel` when not empty.
    pub label: Option<String>,
    /// `qSortBy.qSortByNumeric`, clamped to -1..=1.
    pub sort_numeric: i8,
    /// `qSortIndicator` of the layout: `A` / `D` when `qSortBy` sorts up / down by anything, else `N`.
    pub sort_indicator: &'static str,
    /// `qDef.qNumFormat`, when it formats the cells' texts.
    pub num_format: Option<NumFormat>,
    /// `qDef.qNumFormat` as given (echoed by the layout), if any.
    pub num_format_json: Option<Value>,
    /// `qAttributeExpressions` and `qAttributeDimensions`.
    pub attrs: Attributes,
    /// `qMiniChartDef.qDef`: the field of the measure's mini chart, when it has one.
    pub mini_chart: Option<String>,
    /// `qMiniChartDef.qMaxNumberPoints` when positive: the most points of a row's mini chart.
    pub mini_chart_points: Option<usize>,
    /// `qDef.qBrutalSum`: the total is the sum of the rows' values, not the expression over all rows.
    pub brutal_sum: bool,
}

/// A `qHyperCubeDef`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CubeDef {
    /// `qDimensions`.
    pub dimensions: Vec<CubeDimension>,
    /// `qMeasures`.
    pub measures: Vec<CubeMeasure>,
    /// `qInterColumnSortOrder` (empty: columns in order).
    pub inter_column_sort: Vec<usize>,
    /// `qSuppressZero`.
    pub suppress_zero: bool,
    /// `qSuppressMissing`.
    pub suppress_missing: bool,
    /// `qInitialDataFetch`.
    pub initial_fetch: Vec<Page>,
    /// `qCalcCondition` (or `qCalcCond`).
    pub calc_cond: CalcCond,
    /// `qColumnOrder` (echoed by the layout: clients display the columns in that order).
    pub column_order: Vec<i64>,
    /// Properties not starting with `q`: the engine copies them into the layout.
    pub custom: Map<String, Value>,
    /// `qMode` and the pivot and stacked parts.
    pub pivot: PivotDef,
}

impl CubeDef {
    /// Parses a `qHyperCubeDef` (master items already resolved).
    pub fn parse(def: &Map<String, Value>) -> CubeDef {
        let array = |k: &str| {
            def.get(k)
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or(&[])
        };
        let measures: Vec<CubeMeasure> = array("qMeasures").iter().map(measure).collect();
        CubeDef {
            pivot: PivotDef::parse(def, measures.len()),
            dimensions: array("qDimensions").iter().map(dimension).collect(),
            measures,
            inter_column_sort: array("qInterColumnSortOrder")
                .iter()
                .filter_map(Value::as_u64)
                .filter_map(|x| usize::try_from(x).ok())
                .collect(),
            suppress_zero: flag(def, "qSuppressZero"),
            suppress_missing: flag(def, "qSuppressMissing"),
            initial_fetch: Page::parse_all(def.get("qInitialDataFetch")),
            calc_cond: CalcCond::parse(def),
            column_order: array("qColumnOrder")
                .iter()
                .filter_map(Value::as_i64)
                .collect(),
            custom: custom(def),
        }
    }

    /// Columns: dimensions, then measures.
    pub fn width(&self) -> usize {
        self.dimensions.len() + self.measures.len()
    }

    /// The column order the layout reports (`qEffectiveInterColumnSortOrder`).
    pub fn effective_sort_order(&self) -> Vec<usize> {
        if self.inter_column_sort.is_empty() {
            (0..self.width()).collect()
        } else {
            self.inter_column_sort.clone()
        }
    }

    /// The attributes of each column (dimensions, then measures), as the engine's attribute values of a
    /// row follow them.
    pub fn column_attrs(&self) -> impl Iterator<Item = &Attributes> {
        let dims = self.dimensions.iter().map(|d| &d.attrs);
        dims.chain(self.measures.iter().map(|m| &m.attrs))
    }

    /// What the engine computes, with option expressions read as plain numbers and texts.
    pub fn engine(&self) -> HyperCubeDef {
        self.engine_with(&|e| Some(literal(e)))
    }

    /// What the engine computes, option expressions (Others counts, limits, labels) evaluated by
    /// `eval`.
    pub fn engine_with(&self, eval: &dyn Fn(&str) -> Option<qix_expr::Value>) -> HyperCubeDef {
        HyperCubeDef {
            dimensions: self
                .dimensions
                .iter()
                .map(|d| DimensionDef {
                    field: d.field.clone(),
                    sort: d.sort.clone(),
                })
                .collect(),
            measures: self
                .measures
                .iter()
                .map(|m| MeasureDef {
                    expr: m.expr.clone(),
                    sort: ColumnSort {
                        by_numeric: m.sort_numeric,
                        ..Default::default()
                    },
                })
                .collect(),
            suppress_zero: self.suppress_zero,
            suppress_missing: self.suppress_missing,
            include_zero: !self.suppress_zero,
            inter_column_sort: self.inter_column_sort.clone(),
            attributes: self.column_attrs().flat_map(Attributes::engine).collect(),
            dim_options: self
                .dimensions
                .iter()
                .map(|d| d.options.options(eval))
                .collect(),
            rows_only: false,
        }
    }
}

/// An option expression read without evaluating it: a number, else its text.
fn literal(e: &str) -> qix_expr::Value {
    let t = e.trim();
    match t.parse::<f64>() {
        Ok(n) => qix_expr::Value::Num(n),
        Err(_) => qix_expr::Value::Text(t.trim_matches('\'').to_string()),
    }
}

/// A `qListObjectDef`.
#[derive(Debug, Clone, PartialEq)]
pub struct ListDef {
    /// `qDef.qFieldDefs[0]`.
    pub field: String,
    /// `qDef.qSortCriterias[0]`, or the list box's default order (state, then load order).
    pub sort: ListSort,
    /// `qInitialDataFetch`.
    pub initial_fetch: Vec<Page>,
    /// Whether cells carry `qFrequency`: a `qFrequencyMode` other than none (`N`, the default). Each mode
    /// gives the value's count of possible rows.
    pub frequency: bool,
    /// The `qDef` as given: the layout's `qDimensionInfo` is made from it.
    pub dim: Value,
    /// Properties not starting with `q`: the engine copies them into the layout.
    pub custom: Map<String, Value>,
}

impl ListDef {
    /// Parses a `qListObjectDef` (a master dimension already resolved).
    pub fn parse(def: &Map<String, Value>) -> ListDef {
        let q_def = def.get("qDef").cloned().unwrap_or_default();
        let sort = match q_def.get("qSortCriterias") {
            Some(c) => sort_criteria(Some(c)).1,
            None => ListSort::list_box(),
        };
        ListDef {
            field: field_of(&q_def),
            sort,
            initial_fetch: Page::parse_all(def.get("qInitialDataFetch")),
            frequency: def
                .get("qFrequencyMode")
                .and_then(Value::as_str)
                .is_some_and(|m| !matches!(m, "" | "N" | "NX_FREQUENCY_NONE")),
            dim: serde_json::json!({ "qDef": q_def }),
            custom: custom(def),
        }
    }
}

/// The selection state a definition is computed in: its own `qStateName`, else the object's.
pub fn state_of<'p>(def: &'p Value, object_state: Option<&'p str>) -> Option<&'p str> {
    def.get("qStateName")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .or(object_state)
}

fn flag(def: &Map<String, Value>, key: &str) -> bool {
    def.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn custom_of(v: &Value) -> Map<String, Value> {
    v.as_object().map(custom).unwrap_or_default()
}

fn custom(def: &Map<String, Value>) -> Map<String, Value> {
    def.iter()
        .filter(|(k, _)| !k.starts_with('q'))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// `qDef.qFieldDefs[0]` of a dimension (empty when absent).
pub fn field_of(dim_or_def: &Value) -> String {
    at(dim_or_def, "/qDef/qFieldDefs/0")
        .or_else(|| at(dim_or_def, "/qFieldDefs/0"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

fn text_at(v: &Value, pointer: &str) -> Option<String> {
    at(v, pointer)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn dimension(d: &Value) -> CubeDimension {
    CubeDimension {
        field: field_of(d),
        label: text_at(d, "/qDef/qFieldLabels/0"),
        sort: sort_criteria(at(d, "/qDef/qSortCriterias")).0,
        attrs: Attributes::parse(d),
        options: DimSpec::parse(d),
        group: dim_group(d),
    }
}

/// The strings of the array at `key` of `v` (none when it is missing or not an array).
pub fn strings_at(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The group `groups::activate` left in a dimension's `qDef`.
fn dim_group(d: &Value) -> Option<DimGroup> {
    let qdef = d.get("qDef")?;
    let grouping = qdef.get("qGrouping").and_then(Value::as_str)?;
    let texts = |key: &str| strings_at(qdef, key);
    let fields = texts("qGroupFieldDefs");
    (matches!(grouping, "H" | "C") && !fields.is_empty()).then(|| DimGroup {
        grouping: grouping.to_string(),
        labels: texts("qGroupFieldLabels"),
        pos: qdef.get("qGroupPos").and_then(Value::as_u64).unwrap_or(0) as usize,
        fields,
    })
}

fn measure(m: &Value) -> CubeMeasure {
    let sort_numeric = at(m, "/qSortBy/qSortByNumeric")
        .and_then(Value::as_i64)
        .unwrap_or(0)
        .clamp(-1, 1) as i8;
    CubeMeasure {
        expr: at(m, "/qDef/qDef")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        label: text_at(m, "/qDef/qLabel"),
        sort_numeric,
        sort_indicator: sort_indicator(m),
        num_format: NumFormat::parse(at(m, "/qDef/qNumFormat")),
        num_format_json: at(m, "/qDef/qNumFormat").filter(|f| f.is_object()).cloned(),
        attrs: Attributes::parse(m),
        mini_chart: text_at(m, "/qMiniChartDef/qDef"),
        mini_chart_points: at(m, "/qMiniChartDef/qMaxNumberPoints")
            .and_then(Value::as_u64)
            .filter(|n| *n > 0)
            .and_then(|n| usize::try_from(n).ok()),
        brutal_sum: at(m, "/qDef/qBrutalSum")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    }
}

/// `A` / `D` when the measure's `qSortBy` sorts up / down by anything, else `N`.
fn sort_indicator(m: &Value) -> &'static str {
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

/// The first of `qSortCriterias`, as a cube column's sort and as a list's.
pub fn sort_criteria(criteria: Option<&Value>) -> (ColumnSort, ListSort) {
    let c = criteria
        .and_then(Value::as_array)
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
            expression: at(&c, "/qExpression/qv")
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => unreachable!("an object"),
        }
    }

    #[test]
    fn a_cube_definition_is_read_once_with_the_engines_defaults() {
        let def = CubeDef::parse(&map(json!({
            "qDimensions": [{"qDef": {"qFieldDefs": ["Region"], "qFieldLabels": [""],
                             "qSortCriterias": [{"qSortByAscii": 5, "qExpression": {"qv": " "}}]}}],
            "qMeasures": [{"qDef": {"qDef": "Sum(Amount)", "qLabel": "Revenue"}, "qSortBy": {"qSortByNumeric": -1}},
                          {"qDef": {"qDef": "Count(x)"}}],
            "qInitialDataFetch": [{"qTop": 2, "qWidth": 3, "qHeight": 10}],
            "qSuppressZero": true, "qInterColumnSortOrder": [2, 0, 1],
            "myCustom": {"a": 1}, "qStateName": "$"
        })));
        assert_eq!(def.dimensions[0].field, "Region");
        assert_eq!(def.dimensions[0].label, None);
        assert_eq!(def.dimensions[0].sort.by_ascii, 1, "clamped");
        assert_eq!(
            def.dimensions[0].sort.expression, None,
            "a blank expression is none"
        );
        assert_eq!(def.measures[0].label.as_deref(), Some("Revenue"));
        assert_eq!(
            (def.measures[0].sort_numeric, def.measures[0].sort_indicator),
            (-1, "D")
        );
        assert_eq!(def.measures[1].sort_indicator, "N");
        assert_eq!(
            def.initial_fetch,
            vec![Page {
                top: 2,
                left: 0,
                width: 3,
                height: 10
            }]
        );
        assert!(def.suppress_zero && !def.suppress_missing);
        assert_eq!(def.effective_sort_order(), vec![2, 0, 1]);
        assert_eq!(def.custom, map(json!({"myCustom": {"a": 1}})));
        let engine = def.engine();
        assert_eq!(engine.dimensions[0].field, "Region");
        assert_eq!(engine.measures[0].sort.by_numeric, -1);
        assert_eq!(engine.inter_column_sort, vec![2, 0, 1]);
    }

    #[test]
    fn missing_and_mistyped_properties_read_as_defaults() {
        let def = CubeDef::parse(&map(json!({"qDimensions": "nope", "qMeasures": [7],
                                             "qInitialDataFetch": [{"qTop": -1, "qHeight": "x"}]})));
        assert!(def.dimensions.is_empty());
        assert_eq!(def.measures[0].expr, "");
        assert_eq!(def.initial_fetch, vec![Page::default()]);
        assert_eq!(def.effective_sort_order(), vec![0]);
        let list = ListDef::parse(&map(json!({})));
        assert_eq!(list.field, "");
        assert_eq!(list.sort, ListSort::list_box());
    }

    #[test]
    fn a_list_definition_keeps_its_field_sort_and_custom_properties() {
        let list = ListDef::parse(&map(json!({
            "qDef": {"qFieldDefs": ["Category"], "qSortCriterias": [{"qSortByNumeric": 1}]},
            "qInitialDataFetch": [{"qWidth": 1, "qHeight": 50}], "extra": true
        })));
        assert_eq!(list.field, "Category");
        assert_eq!(list.sort.by_numeric, 1);
        assert_eq!(list.initial_fetch[0].height, 50);
        assert_eq!(list.custom, map(json!({"extra": true})));
        assert_eq!(field_of(&list.dim), "Category");
    }

    #[test]
    fn a_definition_names_its_own_state_or_takes_the_objects() {
        assert_eq!(state_of(&json!({"qStateName": "A"}), Some("B")), Some("A"));
        assert_eq!(state_of(&json!({"qStateName": ""}), Some("B")), Some("B"));
        assert_eq!(state_of(&json!({}), None), None);
    }
}
