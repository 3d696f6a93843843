//! The cube options of a definition whose values are expressions: a dimension's `qNullSuppression` and
//! `qOtherTotalSpec` (its counts and limits are `ValueExpr`s, its labels `StringExpr`s) and the cube's
//! `qCalcCondition`. Parsed with the definition (parsing never fails: a missing or mistyped property is
//! its default), evaluated when the cube is computed.

use qix_engine::hypercube::{DimOptions, LimitCmp, Num, Others, OthersMode};
use serde_json::Value;

/// The text of a `ValueExpr` / `StringExpr` (`{"qv": "..."}`, or a bare string or number).
fn expr_text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Object(m) => expr_text(m.get("qv").or_else(|| m.get("qExpr"))),
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A dimension's options as written.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DimSpec {
    /// `qNullSuppression`.
    pub null_suppression: bool,
    /// `qOtherTotalSpec.qOtherMode` (`OTHER_OFF` when absent).
    pub other_mode: String,
    /// `qOtherCounted`.
    pub counted: Option<String>,
    /// `qOtherLimit`.
    pub limit: Option<String>,
    /// `qOtherLimitMode`.
    pub limit_cmp: LimitCmp,
    /// `qOtherSortMode` is not `OTHER_SORT_ASCENDING`.
    pub descending: bool,
    /// `qSuppressOther`.
    pub suppress_other: bool,
    /// `qForceBadValueKeeping` (default true).
    pub keep_bad_values: bool,
    /// `qOtherLabel` (the engine's default: `Others`).
    pub other_label: Option<String>,
    /// `qShowAll`: the excluded values are shown too (with `qSuppressZero` off).
    pub show_all: bool,
}

impl DimSpec {
    /// The options of an `NxDimension`.
    pub fn parse(d: &Value) -> DimSpec {
        let spec = d.get("qOtherTotalSpec").unwrap_or(&Value::Null);
        let text = |k: &str| spec.get(k).and_then(Value::as_str).unwrap_or("");
        DimSpec {
            null_suppression: d
                .get("qNullSuppression")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            other_mode: text("qOtherMode").to_string(),
            counted: expr_text(spec.get("qOtherCounted")),
            limit: expr_text(spec.get("qOtherLimit")),
            limit_cmp: match text("qOtherLimitMode") {
                "OTHER_GE_LIMIT" => LimitCmp::Ge,
                "OTHER_LE_LIMIT" => LimitCmp::Le,
                "OTHER_LT_LIMIT" => LimitCmp::Lt,
                _ => LimitCmp::Gt,
            },
            descending: text("qOtherSortMode") != "OTHER_SORT_ASCENDING",
            suppress_other: spec
                .get("qSuppressOther")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            keep_bad_values: spec
                .get("qForceBadValueKeeping")
                .and_then(Value::as_bool)
                .unwrap_or(true),
            other_label: expr_text(d.get("qOtherLabel")),
            show_all: d.get("qShowAll").and_then(Value::as_bool).unwrap_or(false),
        }
    }

    /// The engine's options, the expressions evaluated by `eval` (`None`: the expression failed).
    pub fn options(&self, eval: &dyn Fn(&str) -> Option<qix_expr::Value>) -> DimOptions {
        let number = |e: &Option<String>| {
            let e = e.as_deref()?;
            eval(e.trim_start().trim_start_matches('='))?.num()
        };
        let limit = Num(number(&self.limit).unwrap_or(0.0));
        let cmp = self.limit_cmp;
        let mode = match self.other_mode.as_str() {
            "OTHER_COUNTED" => {
                number(&self.counted).map(|n| OthersMode::Counted(n.max(0.0) as usize))
            }
            "OTHER_ABS_LIMITED" | "OTHER_REL_LIMITED" => Some(OthersMode::Limited {
                relative: self.other_mode == "OTHER_REL_LIMITED",
                limit,
                cmp,
            }),
            "OTHER_ABS_ACC_TARGET" | "OTHER_REL_ACC_TARGET" => Some(OthersMode::Accumulated {
                relative: self.other_mode == "OTHER_REL_ACC_TARGET",
                limit,
                cmp,
            }),
            _ => None,
        };
        let label = self
            .other_label
            .as_deref()
            .map(|l| match l.trim_start().strip_prefix('=') {
                Some(e) => eval(e).and_then(|v| v.text()).unwrap_or_default(),
                None => l.to_string(),
            })
            .unwrap_or_else(|| "Others".to_string());
        DimOptions {
            null_suppression: self.null_suppression,
            others: mode.map(|mode| Others {
                mode,
                descending: self.descending,
                suppress: self.suppress_other,
                keep_bad_values: self.keep_bad_values,
                label,
            }),
            show_all: self.show_all,
        }
    }
}

/// A cube's calculation condition (`qCalcCondition`, or the older `qCalcCond`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CalcCond {
    /// `qCond`: the cube is computed only when it is true.
    pub cond: Option<String>,
    /// `qMsg`: shown when it is not.
    pub msg: Option<String>,
}

impl CalcCond {
    /// The condition of a `qHyperCubeDef`.
    pub fn parse(def: &serde_json::Map<String, Value>) -> CalcCond {
        let c = def.get("qCalcCondition");
        CalcCond {
            cond: expr_text(c.and_then(|c| c.get("qCond")))
                .or_else(|| expr_text(def.get("qCalcCond"))),
            msg: expr_text(c.and_then(|c| c.get("qMsg"))),
        }
    }

    /// `None` when the cube may be computed (no condition, or a true one); else the message to show
    /// (empty when there is none).
    pub fn unmet(&self, eval: &dyn Fn(&str) -> Option<qix_expr::Value>) -> Option<String> {
        let cond = self.cond.as_deref()?;
        let holds = eval(cond.trim_start().trim_start_matches('=')).is_some_and(|v| v.truthy());
        if holds {
            return None;
        }
        let msg = self.msg.as_deref().unwrap_or("");
        Some(match msg.trim_start().strip_prefix('=') {
            Some(e) => eval(e).and_then(|v| v.text()).unwrap_or_default(),
            None => msg.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn eval(e: &str) -> Option<qix_expr::Value> {
        match e {
            "1+1" => Some(qix_expr::Value::Num(2.0)),
            "'Rest'" => Some(qix_expr::Value::Text("Rest".into())),
            "0" => Some(qix_expr::Value::Num(0.0)),
            _ => e.parse::<f64>().ok().map(qix_expr::Value::Num),
        }
    }

    #[test]
    fn other_total_spec_reads_as_qlik_defaults_it() {
        let spec = DimSpec::parse(&json!({"qNullSuppression": true,
            "qOtherTotalSpec": {"qOtherMode": "OTHER_COUNTED", "qOtherCounted": {"qv": "=1+1"}},
            "qOtherLabel": {"qv": "='Rest'"}}));
        let o = spec.options(&eval);
        assert!(o.null_suppression);
        let others = o.others.expect("an Others group");
        assert_eq!(others.mode, OthersMode::Counted(2));
        assert!(others.descending && !others.suppress && others.keep_bad_values);
        assert_eq!(others.label, "Rest");
        let off = DimSpec::parse(&json!({"qOtherTotalSpec": {"qOtherMode": "OTHER_OFF"}}));
        assert_eq!(off.options(&eval), DimOptions::default());
        let limited = DimSpec::parse(
            &json!({"qOtherTotalSpec": {"qOtherMode": "OTHER_REL_LIMITED",
            "qOtherLimit": {"qv": "25"}, "qOtherLimitMode": "OTHER_GE_LIMIT", "qOtherSortMode": "OTHER_SORT_ASCENDING"}}),
        );
        let o = limited.options(&eval).others.expect("an Others group");
        assert_eq!(o.label, "Others");
        assert!(!o.descending);
        assert_eq!(
            o.mode,
            OthersMode::Limited {
                relative: true,
                limit: Num(25.0),
                cmp: LimitCmp::Ge
            }
        );
    }

    #[test]
    fn a_calculation_condition_holds_or_gives_its_message() {
        let map = |v: Value| v.as_object().cloned().unwrap_or_default();
        let c = CalcCond::parse(&map(
            json!({"qCalcCondition": {"qCond": {"qv": "0"}, "qMsg": {"qv": "Pick one"}}}),
        ));
        assert_eq!(c.unmet(&eval), Some("Pick one".into()));
        let c = CalcCond::parse(&map(json!({"qCalcCond": {"qv": "=1+1"}})));
        assert_eq!(c.unmet(&eval), None);
        assert_eq!(CalcCond::parse(&map(json!({}))).unmet(&eval), None);
    }
}
