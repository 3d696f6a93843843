//! The commands: each opens the session its flags name, makes typed QIX calls and returns a [`Report`].
//! Helpers that need a computed layout (field lists, list objects, current selections, grouped evaluation)
//! create a session object, read it and destroy it again.

use crate::args::{AppsCommand, Command, EvalArgs, ObjectCommand, ScriptCommand, SelectArgs};
use crate::output::{Report, Table};
use crate::{master, Failure, Target};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use qix::types::{FieldValue, GenericObjectProperties, NxCell, NxPage, Size};
use qix::{App, GenericObject};
use serde_json::{json, Value};
use std::time::Duration;

/// Runs one command.
pub async fn run(t: &Target<'_>, command: &Command) -> Result<Report, Failure> {
    match command {
        Command::Apps(c) => apps(t, c).await,
        Command::Script(c) => script(t, c).await,
        Command::Reload(a) => reload(t, a.no_save).await,
        Command::Eval(a) => eval(t, a).await,
        Command::Fields => fields(t).await,
        Command::Values(a) => values(t, &a.field, a.limit).await,
        Command::Tables => tables(t).await,
        Command::Select(a) => select(t, a).await,
        Command::Selections => selections(&t.app().await?).await,
        Command::Object(c) => object(t, c).await,
        Command::Measure(c) => master::run(t, master::Kind::Measure, c).await,
        Command::Dimension(c) => master::run(t, master::Kind::Dimension, c).await,
        Command::Variable(c) => master::run(t, master::Kind::Variable, c).await,
        Command::Save => {
            t.app().await?.do_save(None).await?;
            Ok(Report::Line("saved".into(), json!(true)))
        }
    }
}

/// Reads a local file, or fails with exit code 4.
pub(crate) fn read_file(path: &std::path::Path) -> Result<String, Failure> {
    std::fs::read_to_string(path)
        .map_err(|e| Failure::new(4, format!("cannot read {}: {e}", path.display())))
}

async fn apps(t: &Target<'_>, c: &AppsCommand) -> Result<Report, Failure> {
    let hub = t.hub().await?;
    match c {
        AppsCommand::Ls => {
            let mut table = Table::new(&["Id", "Title", "Last reload"]);
            for d in hub.get_doc_list().await? {
                table.row(vec![
                    json!(d.doc_id.unwrap_or_default()),
                    json!(d.title.or(d.doc_name).unwrap_or_default()),
                    json!(d.last_reload_time.unwrap_or_default()),
                ]);
            }
            Ok(Report::Table(table))
        }
        AppsCommand::Create { title } => {
            let r = hub.create_app(title, None, None).await?;
            let id = r.app_id.unwrap_or_default();
            Ok(Report::Line(id.clone(), json!(id)))
        }
        AppsCommand::Rm { id } => {
            if hub.delete_app(id).await? {
                Ok(Report::Line(format!("deleted {id}"), json!(id)))
            } else {
                Err(Failure::new(1, format!("the engine did not delete {id}")))
            }
        }
    }
}

async fn script(t: &Target<'_>, c: &ScriptCommand) -> Result<Report, Failure> {
    let app = t.app().await?;
    match c {
        ScriptCommand::Get => Ok(Report::Text(app.get_script().await?)),
        ScriptCommand::Set { file } => {
            let text = read_file(file)?;
            app.set_script(&text).await?;
            app.do_save(None).await?;
            let lines = text.lines().count();
            Ok(Report::Line(
                format!("script set ({lines} lines), app saved"),
                json!(lines),
            ))
        }
        ScriptCommand::Check { file } => {
            let errors = match file {
                None => app.check_script_syntax().await?,
                Some(f) => {
                    // Check the file's script, then put the session's script back as it was.
                    let text = read_file(f)?;
                    let before = app.get_script().await?;
                    app.set_script(&text).await?;
                    let errors = app.check_script_syntax().await;
                    app.set_script(&before).await?;
                    errors?
                }
            };
            if errors.is_empty() {
                return Ok(Report::Line("no syntax errors".into(), json!([])));
            }
            let mut table = Table::new(&["Tab", "Line", "Column", "Length"]);
            for e in &errors {
                table.row(vec![
                    json!(e.tab_ix.unwrap_or(0)),
                    json!(e.line_in_tab.unwrap_or(0) + 1),
                    json!(e.col_in_line.unwrap_or(0) + 1),
                    json!(e.err_len.unwrap_or(0)),
                ]);
            }
            Err(Failure {
                code: 5,
                message: format!("{} syntax error(s)", errors.len()),
                report: Some(Box::new(Report::Table(table))),
            })
        }
    }
}

async fn reload(t: &Target<'_>, no_save: bool) -> Result<Report, Failure> {
    let app = t.app().await?;
    let global = app.global();
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {elapsed} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    let reload = app.do_reload_ex(None);
    tokio::pin!(reload);
    let mut printed = 0;
    let mut show = |log: &str, bar: &ProgressBar| {
        let lines: Vec<&str> = log.lines().collect();
        for l in lines.iter().skip(printed) {
            bar.suspend(|| eprintln!("{l}"));
        }
        printed = printed.max(lines.len());
    };
    let outcome = loop {
        tokio::select! {
            r = &mut reload => break r,
            _ = tokio::time::sleep(Duration::from_millis(200)) => {
                if let Ok(p) = global.get_progress(0).await {
                    show(p.persistent_progress.as_deref().unwrap_or(""), &bar);
                    bar.set_message(p.transient_progress.unwrap_or_default());
                }
            }
        }
    };
    let result = outcome?;
    let progress = global.get_progress(0).await?;
    show(progress.persistent_progress.as_deref().unwrap_or(""), &bar);
    bar.finish_and_clear();
    if result.success != Some(true) {
        let errors: Vec<String> = progress
            .error_data
            .unwrap_or_default()
            .into_iter()
            .filter_map(|e| e.error_string)
            .collect();
        let why = if errors.is_empty() {
            "the reload failed".to_string()
        } else {
            format!("the reload failed: {}", errors.join("; "))
        };
        return Err(Failure::new(5, why));
    }
    if !no_save {
        app.do_save(None).await?;
    }
    let mut report = tables_of(&app).await?;
    if let Report::Table(t) = &mut report {
        t.headers[0] = "Table loaded".into();
    }
    Ok(report)
}

/// A session object from JSON properties; destroyed again by [`done`].
async fn temp_object(app: &App, props: Value) -> Result<GenericObject, Failure> {
    let props: GenericObjectProperties =
        serde_json::from_value(props).map_err(|e| Failure::new(1, e.to_string()))?;
    Ok(app.create_session_object(&props).await?)
}

async fn done(app: &App, object: &GenericObject) {
    let _ = app.destroy_session_object(object.generic_id()).await;
}

/// A value cell (a dimension or a list value) as its text.
fn text_cell(c: &NxCell) -> Value {
    c.text.as_ref().map_or(Value::Null, |t| json!(t))
}

/// A measure cell as JSON: its number when it has one, else its text.
fn cell(c: &NxCell) -> Value {
    match (c.num, &c.text) {
        (Some(n), _) if n.is_finite() => {
            if n.fract() == 0.0 && n.abs() < 9e15 {
                json!(n as i64)
            } else {
                json!(n)
            }
        }
        (_, Some(t)) => json!(t),
        _ => Value::Null,
    }
}

/// Every row of a hypercube or list object (`path` is `/qHyperCubeDef` or `/qListObjectDef`).
async fn all_rows(
    object: &GenericObject,
    path: &str,
    width: i64,
    height: i64,
    list: bool,
) -> Result<Vec<Vec<NxCell>>, Failure> {
    let mut rows = vec![];
    let chunk = (10_000 / width.max(1)).max(1);
    let mut top = 0;
    while top < height {
        let page = NxPage {
            top: Some(top),
            left: Some(0),
            width: Some(width),
            height: Some(chunk.min(height - top)),
            ..Default::default()
        };
        let pages = if list {
            object.get_list_object_data(path, &[page]).await?
        } else {
            object.get_hyper_cube_data(path, &[page]).await?
        };
        let got: Vec<Vec<NxCell>> = pages
            .into_iter()
            .flat_map(|p| p.matrix.unwrap_or_default())
            .collect();
        if got.is_empty() {
            break;
        }
        top += got.len() as i64;
        rows.extend(got);
    }
    Ok(rows)
}

async fn eval(t: &Target<'_>, a: &EvalArgs) -> Result<Report, Failure> {
    let app = t.app().await?;
    if a.by.is_empty() {
        let v = app.evaluate_ex(&a.expression).await?;
        let text = v.text.clone().unwrap_or_default();
        let machine = match (v.is_numeric, v.number) {
            (Some(true), Some(n)) if n.is_finite() => json!(n),
            _ => json!(text),
        };
        return Ok(Report::Line(text, machine));
    }
    let dims: Vec<Value> =
        a.by.iter()
            .map(|d| json!({"qDef": {"qFieldDefs": [d]}}))
            .collect();
    let object = temp_object(
        &app,
        json!({"qInfo": {"qType": "qix-cli-eval"}, "qHyperCubeDef": {
            "qDimensions": dims,
            "qMeasures": [{"qDef": {"qDef": a.expression}}],
            "qInterColumnSortOrder": (0..a.by.len()).collect::<Vec<_>>()
        }}),
    )
    .await?;
    let result = cube_table(&object).await;
    done(&app, &object).await;
    result
}

/// The data of an object's top-level hypercube as a table.
async fn cube_table(object: &GenericObject) -> Result<Report, Failure> {
    let layout = object.get_layout().await?;
    let cube = match layout.hyper_cube() {
        Some(c) => c.map_err(|e| Failure::new(1, e.to_string()))?,
        None => return Err(Failure::new(1, "no hypercube")),
    };
    if let Some(e) = cube.error.as_ref().and_then(|e| e.error_code) {
        return Err(Failure::new(1, format!("the hypercube has error {e}")));
    }
    let mut headers: Vec<String> = vec![];
    for d in cube.dimension_info.unwrap_or_default() {
        headers.push(d.fallback_title.unwrap_or_default());
    }
    let measures = cube.measure_info.unwrap_or_default();
    let cube_measures = measures.len();
    for m in measures {
        headers.push(m.fallback_title.unwrap_or_default());
    }
    let size = cube.size.unwrap_or_default();
    let (width, height) = (size.cx.unwrap_or(0), size.cy.unwrap_or(0));
    let rows = all_rows(object, "/qHyperCubeDef", width, height, false).await?;
    let mut table = Table {
        headers,
        rows: vec![],
    };
    let dims = table.headers.len() - cube_measures;
    for r in rows {
        table.row(
            r.iter()
                .enumerate()
                .map(|(i, c)| if i < dims { text_cell(c) } else { cell(c) })
                .collect(),
        );
    }
    Ok(Report::Table(table))
}

async fn fields(t: &Target<'_>) -> Result<Report, Failure> {
    let app = t.app().await?;
    let object = temp_object(
        &app,
        json!({"qInfo": {"qType": "qix-cli-fields"}, "qFieldListDef": {"qShowSystem": false}}),
    )
    .await?;
    let layout = object.get_layout().await;
    done(&app, &object).await;
    let list = layout?
        .field_list()
        .transpose()
        .map_err(|e| Failure::new(1, e.to_string()))?
        .unwrap_or_default();
    let mut table = Table::new(&["Field", "Distinct values", "Tags"]);
    for f in list.items.unwrap_or_default() {
        table.row(vec![
            json!(f.name.unwrap_or_default()),
            json!(f.cardinal.unwrap_or(0)),
            json!(f.tags.unwrap_or_default().join(", ")),
        ]);
    }
    Ok(Report::Table(table))
}

async fn values(t: &Target<'_>, field: &str, limit: i64) -> Result<Report, Failure> {
    let app = t.app().await?;
    let object = temp_object(
        &app,
        json!({"qInfo": {"qType": "qix-cli-values"}, "qListObjectDef": {"qDef": {"qFieldDefs": [field]}}}),
    )
    .await?;
    let result = async {
        let layout = object.get_layout().await?;
        let list = layout
            .list_object()
            .transpose()
            .map_err(|e| Failure::new(1, e.to_string()))?
            .unwrap_or_default();
        if let Some(e) = list.dimension_info.as_ref().and_then(|d| d.error.as_ref()) {
            return Err(Failure::new(
                1,
                format!("{field}: error {}", e.error_code.unwrap_or(0)),
            ));
        }
        let height = list.size.and_then(|s| s.cy).unwrap_or(0).min(limit);
        let rows = all_rows(&object, "/qListObjectDef", 1, height, true).await?;
        let mut table = Table::new(&["Value", "State"]);
        for r in rows {
            if let Some(c) = r.first() {
                let state = c.state.as_ref().map(|s| s.as_str().to_string());
                table.row(vec![text_cell(c), json!(state.unwrap_or_default())]);
            }
        }
        Ok(Report::Table(table))
    }
    .await;
    done(&app, &object).await;
    result
}

async fn tables_of(app: &App) -> Result<Report, Failure> {
    let size = Size {
        cx: Some(0),
        cy: Some(0),
        ..Default::default()
    };
    let tk = app
        .get_tables_and_keys(&size, &size, 0, false, false, None)
        .await?;
    let mut table = Table::new(&["Table", "Rows", "Fields", "Keys"]);
    for t in tk.tr.unwrap_or_default() {
        let fields = t.fields.unwrap_or_default();
        let keys: Vec<String> = fields
            .iter()
            .filter(|f| f.key_type.as_ref().is_some_and(|k| k.as_str() != "NOT_KEY"))
            .filter_map(|f| f.name.clone())
            .collect();
        table.row(vec![
            json!(t.name.unwrap_or_default()),
            json!(t.no_of_rows.unwrap_or(0)),
            json!(fields.len()),
            json!(keys.join(", ")),
        ]);
    }
    Ok(Report::Table(table))
}

async fn tables(t: &Target<'_>) -> Result<Report, Failure> {
    tables_of(&t.app().await?).await
}

async fn select(t: &Target<'_>, a: &SelectArgs) -> Result<Report, Failure> {
    let app = t.app().await?;
    let field = app.get_field(&a.field, None).await?;
    if a.values.is_empty() {
        field.clear().await?;
    } else {
        let values: Vec<FieldValue> = a
            .values
            .iter()
            .map(|v| match v.parse::<f64>() {
                Ok(n) if n.is_finite() => FieldValue {
                    text: Some(v.clone()),
                    is_numeric: Some(true),
                    number: Some(n),
                    ..Default::default()
                },
                _ => FieldValue {
                    text: Some(v.clone()),
                    ..Default::default()
                },
            })
            .collect();
        if !field.select_values(&values, None, None).await? {
            return Err(Failure::new(
                1,
                format!("the engine did not select in {}", a.field),
            ));
        }
    }
    selections(&app).await
}

async fn selections(app: &App) -> Result<Report, Failure> {
    let object = temp_object(
        app,
        json!({"qInfo": {"qType": "qix-cli-selections"}, "qSelectionObjectDef": {}}),
    )
    .await?;
    let layout = object.get_layout().await;
    done(app, &object).await;
    let sel = layout?
        .selection_object()
        .transpose()
        .map_err(|e| Failure::new(1, e.to_string()))?
        .unwrap_or_default();
    let mut table = Table::new(&["Field", "Selected", "Count", "Of"]);
    for s in sel.selections.unwrap_or_default() {
        table.row(vec![
            json!(s.field.unwrap_or_default()),
            json!(s.selected.unwrap_or_default()),
            json!(s.selected_count.unwrap_or(0)),
            json!(s.total.unwrap_or(0)),
        ]);
    }
    Ok(Report::Table(table))
}

async fn object(t: &Target<'_>, c: &ObjectCommand) -> Result<Report, Failure> {
    let app = t.app().await?;
    let json_of =
        |v: Result<Value, serde_json::Error>| v.map_err(|e| Failure::new(1, e.to_string()));
    match c {
        ObjectCommand::Ls => {
            let mut table = Table::new(&["Id", "Type"]);
            for i in app.get_all_infos().await? {
                table.row(vec![
                    json!(i.id.unwrap_or_default()),
                    json!(i.r#type.unwrap_or_default()),
                ]);
            }
            Ok(Report::Table(table))
        }
        ObjectCommand::Properties { id } => {
            let o = app.get_object(id).await?;
            Ok(Report::Json(json_of(serde_json::to_value(
                o.get_properties().await?,
            ))?))
        }
        ObjectCommand::Layout { id } => {
            let o = app.get_object(id).await?;
            Ok(Report::Json(json_of(serde_json::to_value(
                o.get_layout().await?,
            ))?))
        }
        ObjectCommand::Data { id } => {
            let o = app.get_object(id).await?;
            let layout = o.get_layout().await?;
            if layout.hyper_cube().is_some() {
                return cube_table(&o).await;
            }
            if let Some(list) = layout.list_object() {
                let list = list.map_err(|e| Failure::new(1, e.to_string()))?;
                let title = list
                    .dimension_info
                    .and_then(|d| d.fallback_title)
                    .unwrap_or_default();
                let height = list.size.and_then(|s| s.cy).unwrap_or(0);
                let mut table = Table {
                    headers: vec![title, "State".into()],
                    rows: vec![],
                };
                for r in all_rows(&o, "/qListObjectDef", 1, height, true).await? {
                    if let Some(c) = r.first() {
                        let state = c.state.as_ref().map(|s| s.as_str().to_string());
                        table.row(vec![text_cell(c), json!(state.unwrap_or_default())]);
                    }
                }
                return Ok(Report::Table(table));
            }
            Err(Failure::new(
                1,
                format!("{id} has no hypercube or list object at its top level"),
            ))
        }
    }
}
