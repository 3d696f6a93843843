//! A dimension's `qDimensionInfo` entry, one definition for its two ways out: a JSON value (what the
//! renderer builds where attribute infos are added to it) and JSON text written straight into a layout
//! (see [`qix_protocol::splice`]). Built as a value, an entry of some twenty keys cost a map, a string and
//! a hash per key — more than its cube's data page written as text.

use super::defs::CubeDimension;
use qix_engine::hypercube::{DimInfo, StateCounts};
use serde::Serialize;
use serde_json::Value;

/// One `qDimensionInfo` entry: its field's facts (from the engine), its tags and the cube's row count.
#[derive(Debug, Serialize)]
pub struct Info<'a> {
    #[serde(rename = "qFallbackTitle")]
    fallback_title: &'a str,
    #[serde(rename = "qApprMaxGlyphCount")]
    appr_max_glyph_count: u32,
    #[serde(rename = "qCardinal")]
    cardinal: usize,
    #[serde(rename = "qSortIndicator")]
    sort_indicator: &'static str,
    #[serde(rename = "qGroupFallbackTitles")]
    group_fallback_titles: Vec<&'a str>,
    #[serde(rename = "qGroupPos")]
    group_pos: usize,
    #[serde(rename = "qStateCounts")]
    state_counts: Counts,
    #[serde(rename = "qTags")]
    tags: &'a [String],
    #[serde(rename = "qDimensionType")]
    dimension_type: &'static str,
    #[serde(rename = "qGrouping")]
    grouping: &'a str,
    #[serde(rename = "qNumFormat")]
    num_format: AutoFormat,
    #[serde(rename = "qIsAutoFormat")]
    is_auto_format: bool,
    #[serde(rename = "qGroupFieldDefs")]
    group_field_defs: &'a [String],
    #[serde(rename = "qMin")]
    min: &'static str,
    #[serde(rename = "qMax")]
    max: &'static str,
    #[serde(rename = "qAttrExprInfo")]
    attr_expr_info: [u8; 0],
    #[serde(rename = "qAttrDimInfo")]
    attr_dim_info: [u8; 0],
    #[serde(rename = "qCardinalities")]
    cardinalities: Cardinalities,
    /// As the real engine writes it: only when true (a recorded layout of a field dimension lacks it).
    #[serde(rename = "qIsCalculated", skip_serializing_if = "Option::is_none")]
    is_calculated: Option<bool>,
    #[serde(rename = "qIsCyclic", skip_serializing_if = "Option::is_none")]
    is_cyclic: Option<bool>,
}

/// `qStateCounts`.
#[derive(Debug, Serialize)]
pub struct Counts {
    #[serde(rename = "qLocked")]
    locked: usize,
    #[serde(rename = "qSelected")]
    selected: usize,
    #[serde(rename = "qOption")]
    option: usize,
    #[serde(rename = "qDeselected")]
    deselected: usize,
    #[serde(rename = "qAlternative")]
    alternative: usize,
    #[serde(rename = "qExcluded")]
    excluded: usize,
    #[serde(rename = "qSelectedExcluded")]
    selected_excluded: usize,
    #[serde(rename = "qLockedExcluded")]
    locked_excluded: usize,
}

impl Counts {
    /// The engine's counts as the layout names them.
    pub fn of(c: &StateCounts) -> Counts {
        Counts {
            locked: c.locked,
            selected: c.selected,
            option: c.option,
            deselected: 0,
            alternative: c.alternative,
            excluded: c.excluded,
            selected_excluded: c.selected_excluded,
            locked_excluded: c.locked_excluded,
        }
    }
}

/// The number format of a dimension the engine formats itself.
#[derive(Debug, Serialize)]
struct AutoFormat {
    #[serde(rename = "qType")]
    kind: &'static str,
    #[serde(rename = "qnDec")]
    decimals: u32,
    #[serde(rename = "qUseThou")]
    use_thousands: u32,
}

/// `qCardinalities`.
#[derive(Debug, Serialize)]
struct Cardinalities {
    #[serde(rename = "qCardinal")]
    cardinal: usize,
    #[serde(rename = "qHypercubeCardinal")]
    hypercube_cardinal: usize,
    #[serde(rename = "qAllValuesCardinal")]
    all_values_cardinal: i64,
}

impl<'a> Info<'a> {
    /// The entry of `dim` over a cube of `rows` rows.
    pub fn new(
        dim: &'a CubeDimension,
        info: &DimInfo,
        tags: &'a [String],
        rows: usize,
    ) -> Info<'a> {
        let field = dim.field.as_str();
        let numeric = tags.iter().any(|t| t == "$numeric");
        let mut out = Info {
            fallback_title: dim.label.as_deref().unwrap_or(field),
            appr_max_glyph_count: 1,
            cardinal: info.cardinal,
            sort_indicator: "N",
            group_fallback_titles: vec![field],
            group_pos: 0,
            state_counts: Counts::of(&info.state_counts),
            tags,
            dimension_type: if numeric { "N" } else { "D" },
            grouping: "N",
            num_format: AutoFormat {
                kind: "U",
                decimals: 0,
                use_thousands: 0,
            },
            is_auto_format: true,
            group_field_defs: std::slice::from_ref(&dim.field),
            min: "NaN",
            max: "NaN",
            attr_expr_info: [],
            attr_dim_info: [],
            cardinalities: Cardinalities {
                cardinal: info.cardinal,
                hypercube_cardinal: rows,
                all_values_cardinal: -1,
            },
            is_calculated: qix_engine::hypercube::is_calculated(field).then_some(true),
            is_cyclic: None,
        };
        if let Some(g) = &dim.group {
            // Each level's label when it has one, else its field.
            let titles = (g.fields.iter().enumerate()).map(|(i, f)| {
                g.labels
                    .get(i)
                    .filter(|l| !l.is_empty())
                    .unwrap_or(f)
                    .as_str()
            });
            out.group_fallback_titles = titles.collect();
            out.grouping = &g.grouping;
            out.group_field_defs = &g.fields;
            out.group_pos = g.pos;
            out.is_cyclic = (g.grouping == "C").then_some(true);
        }
        out
    }

    /// The entry as a JSON value.
    pub fn to_value(&self) -> Value {
        // Serializing plain fields into a value cannot fail.
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// The entry as JSON text: exactly what writing [`Info::to_value`] would give.
    pub fn to_text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::defs::DimGroup;
    use serde_json::json;

    /// The entry as the renderer wrote it before it had a type (`json!`, keys in the engine's order).
    fn as_before(dim: &CubeDimension, info: &DimInfo, tags: &[String], rows: usize) -> Value {
        let field = &dim.field;
        let label = dim.label.as_deref().unwrap_or(field);
        let numeric = tags.iter().any(|t| t == "$numeric");
        let c = &info.state_counts;
        let counts = json!({"qLocked": c.locked, "qSelected": c.selected, "qOption": c.option, "qDeselected": 0,
           "qAlternative": c.alternative, "qExcluded": c.excluded, "qSelectedExcluded": c.selected_excluded,
           "qLockedExcluded": c.locked_excluded});
        let mut out = json!({
            "qFallbackTitle": label, "qApprMaxGlyphCount": 1, "qCardinal": info.cardinal, "qSortIndicator": "N",
            "qGroupFallbackTitles": [field], "qGroupPos": 0, "qStateCounts": counts,
            "qTags": tags, "qDimensionType": if numeric { "N" } else { "D" }, "qGrouping": "N",
            "qNumFormat": {"qType": "U", "qnDec": 0, "qUseThou": 0}, "qIsAutoFormat": true, "qGroupFieldDefs": [field],
            "qMin": "NaN", "qMax": "NaN", "qAttrExprInfo": [], "qAttrDimInfo": [],
            "qCardinalities": {"qCardinal": info.cardinal, "qHypercubeCardinal": rows, "qAllValuesCardinal": -1},
        });
        if qix_engine::hypercube::is_calculated(field) {
            out["qIsCalculated"] = json!(true);
        }
        if let Some(g) = &dim.group {
            let titles: Vec<&str> = (g.fields.iter().enumerate())
                .map(|(i, f)| {
                    g.labels
                        .get(i)
                        .filter(|l| !l.is_empty())
                        .unwrap_or(f)
                        .as_str()
                })
                .collect();
            out["qGrouping"] = json!(g.grouping);
            out["qGroupFieldDefs"] = json!(g.fields);
            out["qGroupFallbackTitles"] = json!(titles);
            out["qGroupPos"] = json!(g.pos);
            if g.grouping == "C" {
                out["qIsCyclic"] = json!(true);
            }
        }
        out
    }

    fn dim(field: &str, label: Option<&str>, group: Option<DimGroup>) -> CubeDimension {
        CubeDimension {
            field: field.into(),
            label: label.map(str::to_string),
            sort: Default::default(),
            attrs: Default::default(),
            options: Default::default(),
            group,
        }
    }

    #[test]
    fn an_entry_reads_as_before_as_a_value_and_as_text() {
        let group = |grouping: &str| DimGroup {
            grouping: grouping.into(),
            fields: vec!["Year".into(), "Month".into()],
            labels: vec!["".into(), "Mon \"th\"".into()],
            pos: 1,
        };
        let dims = [
            dim("Region", None, None),
            dim("Region", Some("Área"), None),
            dim("=Year(Date)", None, None),
            dim("Year", None, Some(group("H"))),
            dim("Year", Some("Time"), Some(group("C"))),
        ];
        let info = DimInfo {
            cardinal: 12,
            state_counts: StateCounts {
                selected: 1,
                excluded: 2,
                alternative: 3,
                ..Default::default()
            },
        };
        let tag_sets = [vec![], vec!["$numeric".to_string(), "$integer".to_string()]];
        for d in &dims {
            for tags in &tag_sets {
                let entry = Info::new(d, &info, tags, 7);
                let want = as_before(d, &info, tags, 7);
                assert_eq!(entry.to_value(), want, "{d:?}");
                assert_eq!(entry.to_text(), want.to_string(), "{d:?}");
            }
        }
    }
}
