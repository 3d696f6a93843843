//! Data pages written straight to JSON text, for layouts: a page is most of a layout's cells, and written
//! this way it costs no map, key string or hash per cell (see [`qix_protocol::splice`]). The text is exactly
//! what writing the renderer's value of the same page would give ([`super::render::cube_page`],
//! [`super::render::list_page`]); cells with attributes are left to the renderer.

use super::cell::Cell;
use super::defs::Page;
use super::render::{list_area, Area, Cells};
use qix_engine::{HyperCube, ListRow};
use std::io::Write;

/// A page of a computed cube; `None` when a column has attributes (`qAttrExps`, `qAttrDims`).
pub fn cube_page(cube: &HyperCube, cells: Cells<'_>, page: &Page) -> Option<String> {
    if cells.any_attributes() {
        return None;
    }
    let area = Area::clip(page, cells.columns(cube), cube.rows.len());
    let rows = &cube.rows[area.top..area.top + area.height];
    let mut out = Vec::with_capacity(96 + rows.len() * area.width * 72);
    out.extend_from_slice(br#"{"qMatrix":["#);
    for (i, r) in rows.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'[');
        for c in area.left..area.left + area.width {
            if c > area.left {
                out.push(b',');
            }
            cells.cell(r, c).write(&mut out);
        }
        out.push(b']');
    }
    out.extend_from_slice(br#"],"qTails":[{"qUp":0,"qDown":0}],"qArea":"#);
    finish(out, area)
}

/// A page of a list object.
pub fn list_page(rows: &[ListRow], page: &Page) -> String {
    let area = list_area(rows, page);
    let rows = &rows[area.top..area.top + area.height];
    let mut out = Vec::with_capacity(96 + rows.len() * 80);
    out.extend_from_slice(br#"{"qMatrix":["#);
    for (i, r) in rows.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'[');
        Cell::list(r).write(&mut out);
        out.push(b']');
    }
    out.extend_from_slice(br#"],"qTails":[],"qArea":"#);
    finish(out, area).unwrap_or_default()
}

/// Writes `qArea` and closes the page.
fn finish(mut out: Vec<u8>, a: Area) -> Option<String> {
    // Writing to a vector cannot fail; serde_json writes UTF-8.
    let _ = write!(
        out,
        r#"{{"qLeft":{},"qTop":{},"qWidth":{},"qHeight":{}}}}}"#,
        a.left, a.top, a.width, a.height
    );
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::defs::CubeDef;
    use crate::view::render;
    use qix_engine::hypercube::{DimCell, DimInfo};
    use qix_engine::{CubeRow, DataModel, State};
    use qix_expr::Value as X;
    use serde_json::json;

    fn dim(symbol: Option<u32>, text: &str, num: Option<f64>, other: bool) -> DimCell {
        DimCell {
            symbol,
            text: text.into(),
            num,
            state: State::Selected,
            other,
        }
    }

    /// A cube of every kind of cell: text and numeric dimensions, NULL and Others cells; numbers, duals,
    /// texts, NULLs and infinities as measures, the second measure in a number format.
    fn cube() -> HyperCube {
        let rows = vec![
            (
                dim(Some(0), "East \"1\"", None, false),
                X::Num(10.5),
                X::Num(1234.5),
            ),
            (dim(None, "-", None, false), X::Null, X::Null),
            (
                dim(Some(7), "2024", Some(2024.0), false),
                X::Dual("3 kg".into(), 3.0),
                X::Text("x".into()),
            ),
            (
                dim(Some(1), "Others", None, true),
                X::Num(f64::INFINITY),
                X::Num(-0.25),
            ),
        ];
        HyperCube {
            rows: rows
                .into_iter()
                .map(|(d, a, b)| CubeRow {
                    dims: [d.clone(), d].into_iter().collect(),
                    measures: [a, b].into_iter().collect(),
                    attrs: vec![],
                })
                .collect(),
            totals: vec![X::Num(1.0), X::Num(2.0)],
            dim_info: vec![DimInfo::default(), DimInfo::default()],
            measure_range: vec![(0.0, 1.0), (0.0, 1.0)],
            measure_errors: vec![None, None],
            calculated: vec![None, None],
        }
    }

    fn def() -> CubeDef {
        let props = json!({"qDimensions": [{"qDef": {"qFieldDefs": ["A"]}}, {"qDef": {"qFieldDefs": ["B"]}}],
                           "qMeasures": [{"qDef": {"qDef": "Sum(x)"}},
                                         {"qDef": {"qDef": "Sum(y)", "qNumFormat": {"qType": "F", "qnDec": 2, "qUseThou": 1, "qFmt": "#,##0.00", "qDec": ".", "qThou": ","}}}]});
        CubeDef::parse(props.as_object().expect("an object"))
    }

    fn page(left: usize, top: usize, width: usize, height: usize) -> Page {
        Page {
            left,
            top,
            width,
            height,
        }
    }

    /// Pages inside the cube, clipped by it, and past it.
    fn pages() -> Vec<Page> {
        vec![
            page(0, 0, 4, 4),
            page(1, 1, 2, 2),
            page(3, 2, 9, 9),
            page(0, 9, 4, 4),
            page(9, 0, 4, 4),
            page(0, 0, 0, 0),
        ]
    }

    #[test]
    fn a_cube_page_written_is_the_rendered_page() {
        let (cube, def, model) = (cube(), def(), DataModel::empty());
        let cells = Cells {
            def: &def,
            model: &model,
        };
        for p in pages() {
            let text = cube_page(&cube, cells, &p).expect("no attributes");
            let value = render::cube_page(&cube, cells, &p);
            assert_eq!(text, value.to_string(), "{p:?}");
        }
    }

    #[test]
    fn a_cube_with_attributes_is_left_to_the_renderer() {
        let props = json!({"qDimensions": [{"qDef": {"qFieldDefs": ["A"]}, "qAttributeExpressions": [{"qExpression": "1"}]}],
                           "qMeasures": []});
        let def = CubeDef::parse(props.as_object().expect("an object"));
        let model = DataModel::empty();
        let cells = Cells {
            def: &def,
            model: &model,
        };
        assert_eq!(cube_page(&cube(), cells, &page(0, 0, 1, 1)), None);
    }

    #[test]
    fn a_list_page_written_is_the_rendered_page() {
        let row = |s: u32, state, num, frequency| ListRow {
            symbol: s,
            state,
            text: format!("v{s} \\ é"),
            num,
            frequency,
        };
        let rows = vec![
            row(0, State::Selected, Some(1.0), Some(3)),
            row(1, State::Excluded, None, None),
            row(2, State::Alternative, Some(f64::NAN), Some(0)),
        ];
        for p in pages() {
            let text = list_page(&rows, &p);
            assert_eq!(text, render::list_page(&rows, &p).to_string(), "{p:?}");
        }
    }
}
