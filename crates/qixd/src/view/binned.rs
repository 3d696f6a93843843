//! `GetHyperCubeBinnedData`: a scatter plot of more points than it can draw gets a grid of cells with
//! the number of points in each, as sn-scatter-plot asks for (one dimension; the first measure is x, the
//! second y).
//!
//! The grid is Qlik's adaptive grid, a quadtree over the requested data range (`qDataRanges[0]`: `qLeft`
//! is the lowest x, `qTop` the highest y, `qWidth` / `qHeight` the spans): at depth `d` it has `2^d`
//! cells a side, and a request of `qQueryLevel` `n` is answered at depth `n + 1` (level 5 is a 64 × 64
//! grid, as the real engine answers sn-scatter-plot) — coarsened a depth at a time (four cells into
//! their parent) while more than `qMaxNbrCells` cells hold points. When the points in the range are no
//! more than `qMaxNbrCells`, they are returned as points instead (the first page empty, the second the
//! rows). Every `qBinningMethod` gets this grid: sn-scatter-plot only asks for the adaptive one (0), and
//! there is no recorded answer of the hexagonal (1) or uniform (2) ones to follow.
//!
//! Bounds: the client asks for pages of the whole cube (`qcx × qcy`), so the page limit of
//! `GetHyperCubeData` does not apply; instead `qMaxNbrCells` is capped at the server's page cells (0 or
//! more means the cap), and the points page is cut to rows whose cells fit that cap. The grid is counted
//! sparsely (only cells with points), so `qQueryLevel` costs nothing by itself.
//!
//! The pages, as the client reads them: page 0 row 0 holds the densest cell's count (`qNum`); each next
//! row is a cell — `qText` its rectangle `[left, top, right, bottom]` in data units (JSON text), `qNum`
//! its count, `qElemNumber` its quadtree node number, `4^depth` plus the cell's Morton code (column bits
//! at even positions, row-from-the-top bits at odd ones), as the real engine numbers them. Phases:
//! [`BinRequest::parse`], [`bin`], [`render`].

use super::defs::Page;
use super::render::{cube_page, Cells};
use qix_engine::HyperCube;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// The data range the grid covers.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Range {
    left: f64,
    top: f64,
    width: f64,
    height: f64,
}

/// What a `GetHyperCubeBinnedData` call asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct BinRequest {
    /// `qPages` (the points' pages).
    pub pages: Vec<Page>,
    range: Option<Range>,
    /// `qMaxNbrCells`, within `1..=cap`.
    max_cells: usize,
    /// `qQueryLevel`, within `0..=20`.
    level: u32,
    /// The most cells one answer may hold (the server's page cells).
    cap: usize,
}

impl BinRequest {
    /// The request of the call's params, answered in at most `cap` cells (the server's page cells).
    pub fn parse(p: &Map<String, Value>, cap: usize) -> BinRequest {
        let num = |v: &Value, k: &str| v.get(k).and_then(Value::as_f64);
        let range = p
            .get("qDataRanges")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
            .and_then(|r| {
                Some(Range {
                    left: num(r, "qLeft")?,
                    top: num(r, "qTop")?,
                    width: num(r, "qWidth")?,
                    height: num(r, "qHeight")?,
                })
            })
            .filter(|r| {
                [r.left, r.top, r.width, r.height]
                    .iter()
                    .all(|x| x.is_finite())
            });
        let int = |k: &str| p.get(k).and_then(Value::as_i64).unwrap_or(0);
        let cap = cap.max(1);
        let max_cells = usize::try_from(int("qMaxNbrCells"))
            .ok()
            .filter(|&n| n > 0)
            .map_or(cap, |n| n.min(cap));
        BinRequest {
            pages: Page::parse_all(p.get("qPages")),
            range,
            max_cells,
            level: int("qQueryLevel").clamp(0, 20) as u32,
            cap,
        }
    }
}

/// One cell of the grid with points in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// Quadtree node number: `4^depth` plus the cell's Morton code.
    pub id: u64,
    /// `[left, top, right, bottom]`.
    pub rect: [f64; 4],
    /// Points in it.
    pub count: usize,
}

/// The answer: the points themselves (their row indexes), or a grid.
#[derive(Debug, Clone, PartialEq)]
pub enum Binned {
    /// Few enough points: the rows in the range.
    Points(Vec<usize>),
    /// The cells with points.
    Grid(Vec<Cell>),
}

/// The (x, y) of a row: its first two measures, when both are numbers.
fn point(cube: &HyperCube, row: usize) -> Option<(f64, f64)> {
    let m = &cube.rows.get(row)?.measures;
    Some((m.first()?.num()?, m.get(1)?.num()?))
}

/// The range covering every point (from the measures' ranges), when none is asked for.
fn whole(cube: &HyperCube) -> Range {
    let (x0, x1) = cube.measure_range.first().copied().unwrap_or((0.0, 0.0));
    let (y0, y1) = cube.measure_range.get(1).copied().unwrap_or((0.0, 0.0));
    let fin = |x: f64| if x.is_finite() { x } else { 0.0 };
    Range {
        left: fin(x0),
        top: fin(y1),
        width: fin(x1 - x0),
        height: fin(y1 - y0),
    }
}

/// Bins the cube's points as `req` asks.
pub fn bin(cube: &HyperCube, req: &BinRequest) -> Binned {
    let r = req.range.unwrap_or_else(|| whole(cube));
    let (x1, y0) = (r.left + r.width, r.top - r.height);
    let inside = |(x, y): (f64, f64)| x >= r.left && x <= x1 && y >= y0 && y <= r.top;
    let rows: Vec<usize> = (0..cube.rows.len())
        .filter(|&i| point(cube, i).is_some_and(inside))
        .collect();
    if rows.len() <= req.max_cells {
        return Binned::Points(rows);
    }
    let mut depth = req.level + 1;
    let mut counts = count_cells(cube, &rows, r, depth);
    while counts.len() > req.max_cells && depth > 0 {
        counts = coarsen(counts);
        depth -= 1;
    }
    let side = (1u64 << depth) as f64;
    let (cw, ch) = (r.width / side, r.height / side);
    let mut cells: Vec<Cell> = counts
        .into_iter()
        .map(|(code, count)| {
            let (col, row) = unmorton(code);
            let (left, top) = (r.left + col as f64 * cw, r.top - row as f64 * ch);
            Cell {
                id: (1u64 << (2 * depth)) + code,
                rect: [left, top, left + cw, top - ch],
                count,
            }
        })
        .collect();
    cells.sort_by_key(|c| c.id);
    Binned::Grid(cells)
}

/// The points of `rows` per cell of the grid at `depth` over `r`, by the cell's Morton code; only cells
/// with points are held, so the map is never bigger than the points.
fn count_cells(cube: &HyperCube, rows: &[usize], r: Range, depth: u32) -> HashMap<u64, usize> {
    let side = 1u64 << depth;
    let y0 = r.top - r.height;
    let at = |v: f64, span: f64| match span > 0.0 {
        true => ((v / span * side as f64) as u64).min(side - 1),
        false => 0,
    };
    let mut counts = HashMap::new();
    for (x, y) in rows.iter().filter_map(|&i| point(cube, i)) {
        // Cells are half-open, [low, high) on both axes (the last one closed).
        let from_top = side - 1 - at(y - y0, r.height);
        *counts
            .entry(morton(at(x - r.left, r.width), from_top))
            .or_insert(0) += 1;
    }
    counts
}

/// The counts one depth up: four cells are their parent, whose code is theirs without its last two bits.
fn coarsen(counts: HashMap<u64, usize>) -> HashMap<u64, usize> {
    let mut up = HashMap::with_capacity(counts.len() / 2);
    for (code, n) in counts {
        *up.entry(code >> 2).or_insert(0) += n;
    }
    up
}

/// The Morton code of a cell: the column's bits at even positions, the row's at odd ones.
fn morton(col: u64, row: u64) -> u64 {
    (0..32).fold(0, |code, b| {
        code | ((col >> b) & 1) << (2 * b) | ((row >> b) & 1) << (2 * b + 1)
    })
}

/// The (column, row) of a Morton code.
fn unmorton(code: u64) -> (u64, u64) {
    (0..32).fold((0, 0), |(col, row), b| {
        (
            col | ((code >> (2 * b)) & 1) << b,
            row | ((code >> (2 * b + 1)) & 1) << b,
        )
    })
}

/// The points page: the first one asked for (else every row), cut to the rows whose cells fit the cap.
fn points_page(req: &BinRequest, width: usize, rows: usize) -> Page {
    let mut page = req.pages.first().copied().unwrap_or(Page {
        left: 0,
        top: 0,
        width,
        height: rows,
    });
    let columns = page.width.min(width.saturating_sub(page.left)).max(1);
    page.height = page.height.min(req.cap / columns);
    page
}

/// The two pages the client reads: the grid (empty for points) and the points (empty for a grid).
pub fn render(cube: &HyperCube, cells: Cells<'_>, req: &BinRequest, binned: &Binned) -> Vec<Value> {
    let empty = json!({"qMatrix": [], "qTails": [], "qArea": {"qLeft": 0, "qTop": 0, "qWidth": 0, "qHeight": 0}});
    match binned {
        Binned::Points(rows) => {
            let shown = HyperCube {
                rows: rows.iter().map(|&i| cube.rows[i].clone()).collect(),
                totals: cube.totals.clone(),
                dim_info: cube.dim_info.clone(),
                measure_range: cube.measure_range.clone(),
                measure_errors: cube.measure_errors.clone(),
                calculated: cube.calculated.clone(),
            };
            let page = points_page(req, cells.def.width(), shown.rows.len());
            vec![empty, cube_page(&shown, cells, &page)]
        }
        Binned::Grid(grid) => {
            let densest = grid.iter().map(|c| c.count).max().unwrap_or(0);
            let head = json!([{"qText": "", "qNum": densest, "qElemNumber": 0, "qState": "L"}]);
            let rows = grid.iter().map(|c| {
                let rect = json!(c.rect).to_string();
                json!([{"qText": rect, "qNum": c.count, "qElemNumber": c.id, "qState": "L"}])
            });
            let matrix: Vec<Value> = std::iter::once(head).chain(rows).collect();
            // The area spans the cube's columns, as the real engine reports it (each cell is one).
            let area = json!({"qLeft": 0, "qTop": 0, "qWidth": cells.def.width(), "qHeight": matrix.len()});
            vec![
                json!({"qMatrix": matrix, "qTails": [], "qArea": area}),
                empty,
            ]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: Value, cap: usize) -> BinRequest {
        BinRequest::parse(v.as_object().unwrap_or(&Map::new()), cap)
    }

    #[test]
    fn max_cells_are_capped_and_zero_means_the_cap() {
        assert_eq!(parse(json!({"qMaxNbrCells": 500}), 10_000).max_cells, 500);
        assert_eq!(parse(json!({"qMaxNbrCells": 0}), 10_000).max_cells, 10_000);
        assert_eq!(parse(json!({"qMaxNbrCells": -3}), 10_000).max_cells, 10_000);
        let huge = parse(
            json!({"qMaxNbrCells": i64::MAX, "qQueryLevel": i64::MAX}),
            10_000,
        );
        assert_eq!((huge.max_cells, huge.level), (10_000, 20));
    }

    #[test]
    fn cells_are_numbered_as_the_real_engine_numbers_them() {
        // Recorded from Qlik's engine (sn-scatter-plot's binned fixture, level 5, so depth 6): the cell
        // [2067.359375, 13.078125, 2115.4375, 12.65625] of a 64 × 64 grid from x 0, y 27 is 7239.
        let (cw, ch) = (48.078125, 0.421875);
        let (col, row) = ((2067.359375 / cw) as u64, ((27.0 - 13.078125) / ch) as u64);
        assert_eq!((col, row), (43, 33));
        assert_eq!(4u64.pow(6) + morton(col, row), 7239);
        for (col, row) in [(0, 0), (1, 0), (0, 1), (63, 62), (1 << 20, 5)] {
            assert_eq!(unmorton(morton(col, row)), (col, row));
        }
        let mut four = HashMap::new();
        for code in [
            morton(2, 2),
            morton(3, 2),
            morton(2, 3),
            morton(3, 3),
            morton(0, 0),
        ] {
            four.insert(code, 1);
        }
        let up = coarsen(four);
        assert_eq!((up[&morton(1, 1)], up[&morton(0, 0)]), (4, 1));
    }

    #[test]
    fn the_points_page_is_cut_to_the_cap() {
        let req = parse(
            json!({"qPages": [{"qTop": 0, "qLeft": 0, "qWidth": 3, "qHeight": 12000}]}),
            10_000,
        );
        assert_eq!(points_page(&req, 3, 4000).height, 3333);
        let none = parse(json!({}), 10_000);
        assert_eq!(points_page(&none, 2, 9000).height, 5000);
        let wide = parse(
            json!({"qPages": [{"qLeft": 1, "qWidth": 50, "qHeight": 100}]}),
            10,
        );
        assert_eq!(points_page(&wide, 3, 100).height, 5, "2 columns left of 3");
    }
}
