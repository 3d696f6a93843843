//! Layouts computed from properties, in the real engine's shapes: `qHyperCubeDef` → `qHyperCube`,
//! `qListObjectDef` → `qListObject`, `qSelectionObjectDef` → `qSelectionObject`, `qFieldListDef` →
//! `qFieldList`, and `{qStringExpression}` / `{qValueExpression}` evaluated in place. Anything else in the
//! properties is copied as it is (custom properties are kept).

use super::defs::{state_of, CubeDef, ListDef, Page};
use super::eval::{evaluate_in, unmet_condition};
use super::fields::tags_of;
use super::library::resolve_library;
use super::minichart;
use super::page_text;
use super::pivotdef::Mode;
use super::render::{self, CubeResult, ListResult};
use super::View;
use crate::view::pointer::at;
use qix_engine::hypercube::pivot::Expansion;
use qix_engine::hypercube::StateCounts;
use qix_engine::{field_states_in, HyperCube, ListRow};
use qix_protocol::splice::{self, Splice};
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// The data pages a layout wrote as text ([`super::page_text`]), as splices of the result: where in it each
/// one goes. The path is that of the value being laid out.
#[derive(Debug, Default)]
pub struct Written {
    path: String,
    /// The pages written so far.
    pub splices: Vec<Splice>,
}

impl Written {
    /// Nothing written yet; the layout will sit at `path` (a JSON pointer) of the result.
    pub fn at(path: &str) -> Written {
        Written {
            path: path.to_string(),
            splices: Vec::new(),
        }
    }

    /// Runs `f` with the path one key deeper.
    fn under<T>(&mut self, key: &str, f: impl FnOnce(&mut Written) -> T) -> T {
        let len = self.path.len();
        splice::push_key(&mut self.path, key);
        let out = f(self);
        self.path.truncate(len);
        out
    }

    /// Records `parts` as the items of the array at `at` (a pointer's tokens, below the value laid out).
    fn parts(&mut self, at: &str, parts: Vec<String>) {
        for (i, json) in parts.into_iter().enumerate() {
            let pointer = format!("{}/{at}/{i}", self.path);
            self.splices.push(Splice { pointer, json });
        }
    }

    /// Records the text of the entry at `at`.
    fn part(&mut self, at: &str, json: String) {
        let pointer = format!("{}/{at}", self.path);
        self.splices.push(Splice { pointer, json });
    }
}

/// A layout from properties; data pages that can be are written as text into `written`.
pub fn layout(
    root: &View<'_>,
    props: &Map<String, Value>,
    written: &mut Written,
) -> Map<String, Value> {
    let mut out = Map::new();
    let object_state = props
        .get("qStateName")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());
    let view = &root.in_state(object_state);
    let id = props
        .get("qInfo")
        .and_then(|i| i.get("qId"))
        .and_then(Value::as_str);
    for (k, v) in props {
        match (k.as_str(), v) {
            ("qHyperCubeDef", Value::Object(def)) => {
                let state = state_of(v, object_state);
                // The session's expanded pivot nodes of this object, if any.
                let expansion = id.and_then(|id| view.doc.expansion(id, "/qHyperCubeDef"));
                let (mut cube, parts) = hypercube(&root.in_state(state), def, expansion);
                written.parts("qHyperCube/qDataPages", parts.pages);
                written.parts("qHyperCube/qDimensionInfo", parts.infos);
                if let (Some(name), Value::Object(c)) = (state, &mut cube) {
                    c.insert("qStateName".into(), json!(name));
                }
                // A layout that follows an expand or collapse says which cell it was.
                let last = id.and_then(|id| view.doc.last_expanded(id, "/qHyperCubeDef"));
                if let (Some((qx, qy)), Value::Object(c)) = (last, &mut cube) {
                    c.insert("qLastExpandedPos".into(), json!({"qx": qx, "qy": qy}));
                }
                out.insert("qHyperCube".into(), cube);
            }
            ("qListObjectDef", Value::Object(def)) => {
                let state = state_of(v, object_state);
                let search = id.and_then(|id| view.doc.list_search(id, "/qListObjectDef"));
                let (mut list, parts) = listobject(&root.in_state(state), def, search);
                written.parts("qListObject/qDataPages", parts.pages);
                if let Some(info) = parts.infos.into_iter().next() {
                    written.part("qListObject/qDimensionInfo", info);
                }
                if let (Some(name), Value::Object(l)) = (state, &mut list) {
                    l.insert("qStateName".into(), json!(name));
                }
                out.insert("qListObject".into(), list);
            }
            ("qSelectionObjectDef", def) => {
                let v = root.in_state(state_of(def, object_state));
                out.insert("qSelectionObject".into(), selection_object(&v));
            }
            ("qStaticContentUrlDef", def) => {
                out.insert("qStaticContentUrl".into(), static_content_url(def));
            }
            ("qFieldListDef", def) => {
                out.insert("qFieldList".into(), field_list(view, def));
            }
            ("qDimensionListDef", def) => {
                out.insert(
                    "qDimensionList".into(),
                    item_list(view.doc.record().dimensions.values(), None, def),
                );
            }
            ("qMeasureListDef", def) => {
                out.insert(
                    "qMeasureList".into(),
                    item_list(view.doc.record().measures.values(), None, def),
                );
            }
            ("qAppObjectListDef", def) => {
                let t = def.get("qType").and_then(Value::as_str);
                out.insert(
                    "qAppObjectList".into(),
                    item_list(view.doc.record().objects.values(), t, def),
                );
            }
            ("qChildListDef", def) => {
                let parent = props["qInfo"]["qId"].as_str().unwrap_or("");
                out.insert("qChildList".into(), child_list(view.doc, parent, def));
            }
            ("qBookmarkListDef", def) => {
                let t = def.get("qType").and_then(Value::as_str);
                let props = view.doc.record().bookmarks.values().map(|b| &b.properties);
                out.insert("qBookmarkList".into(), item_list(props, t, def));
            }
            ("qVariableListDef", def) => {
                let def = def.as_object().cloned().unwrap_or_default();
                let items = super::variables::variable_items(view, &def);
                out.insert("qVariableList".into(), json!({"qItems": items}));
            }
            (_, Value::Object(inner)) => {
                let v = written.under(k, |w| value(view, inner, w));
                out.insert(k.clone(), v);
            }
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    out
}

/// `qStaticContentUrlDef` laid out as `qStaticContentUrl`: the definition's `qUrl` and any other
/// (dynamic) properties it carries, as the real engine lays it out; anything but an object is empty.
pub fn static_content_url(def: &Value) -> Value {
    match def {
        Value::Object(m) => Value::Object(m.clone()),
        _ => json!({}),
    }
}

/// A nested property: an expression to evaluate, or an object to lay out in turn.
fn value(view: &View<'_>, obj: &Map<String, Value>, written: &mut Written) -> Value {
    for (key, as_text) in [("qStringExpression", true), ("qValueExpression", false)] {
        if let Some(e) = obj.get(key) {
            let expr = e
                .get("qExpr")
                .and_then(Value::as_str)
                .or_else(|| e.as_str())
                .unwrap_or("");
            let v = evaluate_in(view, expr);
            return match (v, as_text) {
                (Ok(v), true) => json!(v.text().unwrap_or_default()),
                (Ok(v), false) => v.num().map_or(json!("NaN"), |n| json!(n)),
                (Err(e), _) => json!(e),
            };
        }
    }
    Value::Object(layout(view, obj, written))
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
                        .and_then(|p| at(props, p))
                        .cloned()
                        .unwrap_or(Value::Null);
                    (k.clone(), v)
                })
                .collect();
            Value::Object(out)
        }
        None => {
            let title = at(props, "/qMetaDef/title")
                .or_else(|| at(props, "/qDim/title"))
                .or_else(|| at(props, "/qMeasure/qLabel"))
                .cloned()
                .unwrap_or(json!(""));
            json!({"title": title})
        }
    }
}

/// The parts of a laid out cube or list written as text: its initial data pages and its `qDimensionInfo`
/// entries (a list's one), each `null` in the value.
#[derive(Debug, Default)]
struct Parts {
    pages: Vec<String>,
    infos: Vec<String>,
}

/// A `qHyperCubeDef` laid out: master items resolved, the definition parsed once, the cube computed once
/// (through the shared cache, with each dimension's state counts), then rendered; with the initial data
/// pages written as text when they can be (a straight cube without mini charts or attributes), and its
/// dimensions' infos (without attributes); the layout holds `null` for each.
fn hypercube(
    view: &View<'_>,
    def: &Map<String, Value>,
    expansion: Option<&Expansion>,
) -> (Value, Parts) {
    let def = CubeDef::parse(&resolve_library(view, def));
    if let Some(msg) = unmet_condition(view, &def) {
        return (
            render::hypercube(&def, CubeResult::Condition(msg)),
            Parts::default(),
        );
    }
    let cube = match compute(view, &def) {
        Ok(cube) => cube,
        Err(e) => {
            return (
                render::hypercube(&def, CubeResult::Failed(e)),
                Parts::default(),
            )
        }
    };
    let tags = dimension_tags(view, &def);
    let pages = page_check(view, &def.initial_fetch);
    let pages_ok = pages.is_ok();
    // A pivot, stacked or tree cube has pages of its own: the straight ones are not rendered.
    let pivot = matches!(def.pivot.mode, Mode::Pivot | Mode::Stacked | Mode::Tree);
    let straight = pivot.then(|| CubeDef {
        initial_fetch: Vec::new(),
        ..def.clone()
    });
    let charts = minichart::compute(view, &def);
    let cells = render::Cells {
        def: straight.as_ref().unwrap_or(&def),
        model: view.model(),
    };
    let written = match pages_ok {
        true => (cells.def.initial_fetch.iter())
            .map(|p| cube_page_text(&cube, cells, &charts, p))
            .collect::<Option<Vec<String>>>(),
        false => None,
    };
    let infos = render::dim_info_texts(&cube, cells, &tags);
    let mut hc = render::hypercube(
        cells.def,
        CubeResult::Computed {
            cube: &cube,
            model: view.model(),
            tags: &tags,
            pages,
            pages_written: written.is_some(),
            infos_written: infos.is_some(),
        },
    );
    minichart::add_to_layout(&mut hc, &def, &cube, &charts);
    if let (Mode::Pivot | Mode::Stacked, Value::Object(m)) = (def.pivot.mode, &mut hc) {
        super::pivot_layout::add_to_layout(view, &def, expansion, m, pages_ok);
    }
    if let (Mode::Tree, Value::Object(m)) = (def.pivot.mode, &mut hc) {
        let levels = super::tree::compute(view, &def);
        let counts = levels
            .map(|l| super::tree::nodes_on_dim(&l))
            .unwrap_or_default();
        m.insert("qTreeNodesOnDim".into(), json!(counts));
    }
    let parts = Parts {
        pages: written.unwrap_or_default(),
        infos: infos.unwrap_or_default(),
    };
    (hc, parts)
}

/// Page `p` of `cube` written as text when it can be: not when a measure has a mini chart (added to the
/// page's cells as values), nor when a column has attributes ([`page_text::cube_page`]).
fn cube_page_text(
    cube: &HyperCube,
    cells: render::Cells<'_>,
    charts: &[Option<Result<minichart::MiniChart, String>>],
    p: &Page,
) -> Option<String> {
    let plain = charts.iter().all(Option::is_none);
    plain
        .then(|| page_text::cube_page(cube, cells, p))
        .flatten()
}

/// The cube of a parsed definition, through the shared cache.
fn compute(view: &View<'_>, def: &CubeDef) -> Result<Arc<HyperCube>, String> {
    view.env
        .cache
        .hypercube_with(
            view.model(),
            view.state,
            &def.engine_with(&|e| evaluate_in(view, e).ok()),
            &super::sets::ViewSets(view),
        )
        .map_err(|e| e.to_string())
}

/// The field tags of each dimension.
fn dimension_tags(view: &View<'_>, def: &CubeDef) -> Vec<Vec<String>> {
    let m = view.model();
    def.dimensions
        .iter()
        .map(|d| {
            m.field_id(&d.field)
                .map(|f| tags_of(view.data, f, None))
                .unwrap_or_default()
        })
        .collect()
}

/// Whether pages asking for these cells may be rendered (the 7009 limit), as the renderer takes it.
fn page_check(view: &View<'_>, pages: &[Page]) -> Result<(), (i64, String)> {
    view.env
        .limits
        .check_pages(pages)
        .map_err(|e| (e.code, e.parameter))
}

/// The cube of a `qHyperCubeDef`: master items resolved, parsed once, computed through the shared cache.
pub fn cube(
    view: &View<'_>,
    def: &Map<String, Value>,
) -> Result<(CubeDef, Arc<HyperCube>), String> {
    let def = CubeDef::parse(&resolve_library(view, def));
    let cube = compute(view, &def)?;
    Ok((def, cube))
}

/// Data pages as they go out: a JSON array, each page written as text left `null` in it.
#[derive(Debug, Default)]
pub struct Pages {
    array: Vec<Value>,
    /// Per page written as text: its place in the array, its text.
    written: Vec<(usize, String)>,
}

impl Pages {
    fn push_value(&mut self, page: Value) {
        self.array.push(page);
    }

    fn push_text(&mut self, page: String) {
        self.written.push((self.array.len(), page));
        self.array.push(Value::Null);
    }

    /// The result `{key: [pages]}` and the splices of its pages written as text.
    pub fn under(self, key: &str) -> (Value, Vec<Splice>) {
        let splices = (self.written.into_iter())
            .map(|(i, json)| Splice {
                pointer: format!("/{key}/{i}"),
                json,
            })
            .collect();
        (render::object([(key, Value::Array(self.array))]), splices)
    }
}

/// `GetHyperCubeData`: pages of the cube of a `qHyperCubeDef` (the caller checked their cells), written as
/// text where they can be (no mini charts, no attributes).
pub fn cube_pages(
    view: &View<'_>,
    def: &Map<String, Value>,
    pages: &[Page],
) -> Result<Pages, String> {
    // Master items and groups resolved, the definition parsed, once.
    let def = CubeDef::parse(&resolve_library(view, def));
    let mut out = Pages::default();
    if unmet_condition(view, &def).is_some() {
        // Not calculated: no data, as in the layout.
        return Ok(out);
    }
    let cube = compute(view, &def)?;
    let cells = render::Cells {
        def: &def,
        model: view.model(),
    };
    let charts = minichart::compute(view, &def);
    for p in pages {
        match cube_page_text(&cube, cells, &charts, p) {
            Some(text) => out.push_text(text),
            None => {
                let mut page = render::cube_page(&cube, cells, p);
                minichart::add_to_page(&mut page, p, &def, &cube, &charts);
                out.push_value(page);
            }
        }
    }
    Ok(out)
}

/// The values of a list object's field in its definition's order; `None` when the field does not exist.
pub fn list_rows(view: &View<'_>, def: &ListDef) -> Option<Arc<Vec<ListRow>>> {
    let f = view.model().field_id(&def.field)?;
    Some(
        view.env
            .cache
            .list_object(view.model(), view.state, f, &def.sort, def.frequency),
    )
}

/// `GetListObjectData`: pages of a `qListObjectDef` (the caller checked their cells), written as text.
pub fn list_pages(
    view: &View<'_>,
    def: &Map<String, Value>,
    pages: &[Page],
    search: Option<&str>,
) -> Pages {
    let rows = searched_rows(view, &ListDef::parse(def), search).unwrap_or_default();
    let mut out = Pages::default();
    for p in pages {
        out.push_text(page_text::list_page(rows.as_slice(), p));
    }
    out
}

/// [`list_rows`], only those a search in progress matches.
fn searched_rows(
    view: &View<'_>,
    def: &ListDef,
    search: Option<&str>,
) -> Option<Arc<Vec<ListRow>>> {
    let rows = list_rows(view, def)?;
    Some(match search {
        Some(text) => Arc::new(super::list_search::filter(&rows, text)),
        None => rows,
    })
}

/// A `qListObjectDef` laid out: parsed once, the field's values listed once (those a search in progress
/// matches), rendered, the initial data pages and `qDimensionInfo` written as text (the layout holds `null`
/// for each).
fn listobject(view: &View<'_>, def: &Map<String, Value>, search: Option<&str>) -> (Value, Parts) {
    let def = ListDef::parse(def);
    let m = view.model();
    let field = m.field_id(&def.field);
    let rows = searched_rows(view, &def, search);
    let tags = field
        .map(|f| tags_of(view.data, f, None))
        .unwrap_or_default();
    let pages = page_check(view, &def.initial_fetch);
    let listed = rows.as_deref().map_or(&[][..], Vec::as_slice);
    let written: Vec<String> = match pages.is_ok() {
        true => def
            .initial_fetch
            .iter()
            .map(|p| page_text::list_page(listed, p))
            .collect(),
        false => vec![],
    };
    let result = ListResult {
        rows: rows.as_deref().map(Vec::as_slice),
        cardinal: field.map_or(0, |f| m.fields[f].symbols.len()),
        tags: &tags,
        pages,
        pages_written: true,
        info_written: true,
    };
    let info = render::list_dim_info(&def, &result).to_text();
    let lo = render::listobject(&def, result);
    let parts = Parts {
        pages: written,
        infos: vec![info],
    };
    (lo, parts)
}

/// `qStateCounts` of a field (through the shared inference cache).
fn field_state_counts(view: &View<'_>, f: qix_engine::FieldId) -> Value {
    let m = view.model();
    let cache = &view.env.cache;
    let inference = cache.inference(m, view.state);
    let states = field_states_in(m, view.state, f, &inference, &|s| cache.inference(m, s));
    render::state_counts(&StateCounts::of(states))
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
                   "qNotSelectedFieldSelectionInfo": [], "qRangeInfo": [], "qSortIndex": 0, "qStateCounts": field_state_counts(view, f)})
        })
        .collect();
    json!({"qBackCount": view.history.0, "qForwardCount": view.history.1, "qSelections": selections})
}

fn field_list(view: &View<'_>, def: &Value) -> Value {
    let m = view.model();
    let mut items: Vec<Value> = m
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            json!({"qName": f.name, "qCardinal": f.symbols.len(), "qTags": tags_of(view.data, i, view.data.tags.get(&f.name)),
                   "qSrcTables": f.tables.iter().map(|t| m.tables[*t].name.clone()).collect::<Vec<_>>()})
        })
        .collect();
    if def.get("qShowSystem").and_then(Value::as_bool) == Some(true) {
        items.extend(super::system_fields::system_field_items(m));
    }
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
