//! The variable list (`GetVariables`, a `qVariableListDef` layout): the app's variables (session ones with
//! `qShowSession`) and the load script's variables (`qIsScriptCreated`), the reserved ones — number
//! interpretation, error and script-control variables — only with `qShowReserved`, as Qlik lists them.

use super::View;
use serde_json::{json, Map, Value};

/// Script variables Qlik reserves (its number interpretation, error and script-control variables).
const RESERVED: &[&str] = &[
    "BrokenWeeks",
    "CollationLocale",
    "CreateSearchIndexOnReload",
    "DateFormat",
    "DayNames",
    "DecimalSep",
    "ErrorMode",
    "FirstMonthOfYear",
    "FirstWeekDay",
    "HidePrefix",
    "HideSuffix",
    "Include",
    "LongDayNames",
    "LongMonthNames",
    "MoneyDecimalSep",
    "MoneyFormat",
    "MoneyThousandSep",
    "MonthNames",
    "MustInclude",
    "NullDisplay",
    "NullInterpret",
    "NullValue",
    "NumericalAbbreviation",
    "OtherSymbol",
    "ReferenceDay",
    "ScriptError",
    "ScriptErrorCount",
    "ScriptErrorList",
    "StripComments",
    "ThousandSep",
    "TimeFormat",
    "TimestampFormat",
    "Verbatim",
];

/// Whether Qlik reserves the variable name.
pub fn is_reserved(name: &str) -> bool {
    RESERVED.iter().any(|r| r.eq_ignore_ascii_case(name))
}

/// The `NxVariableListItem`s a `VariableListDef` asks for.
pub fn variable_items(view: &View<'_>, def: &Map<String, Value>) -> Vec<Value> {
    let flag = |k: &str| def.get(k).and_then(Value::as_bool).unwrap_or(false);
    let (session_too, reserved_too) = (flag("qShowSession"), flag("qShowReserved"));
    let mut items: Vec<Value> = view
        .doc
        .variables()
        .values()
        .filter(|v| session_too || v.persistent)
        .map(|v| {
            let name = v.name().unwrap_or("");
            json!({"qName": name, "qDefinition": v.definition().unwrap_or(""),
                "qDescription": v.props.get("qComment").cloned().unwrap_or(json!("")),
                "qInfo": v.props.get("qInfo").cloned().unwrap_or(json!({})), "qMeta": {},
                "qIsConfig": false, "qIsReserved": is_reserved(name), "qIsScriptCreated": false, "qData": {}})
        })
        .collect();
    for (name, value) in &view.data.script_variables {
        let shadowed = view.doc.variable_id_by_name(name).is_some();
        if shadowed || (is_reserved(name) && !reserved_too) {
            continue;
        }
        items.push(json!({"qName": name, "qDefinition": value, "qDescription": "",
            "qInfo": {"qId": format!("script-variable:{name}"), "qType": "variable"}, "qMeta": {},
            "qIsConfig": false, "qIsReserved": is_reserved(name), "qIsScriptCreated": true, "qData": {}}));
    }
    items
}
