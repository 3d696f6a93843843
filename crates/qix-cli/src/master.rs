//! `measure`, `dimension` and `variable`: list the app's master items and variables, and create or update
//! them from JSON files of properties (what `GetProperties` returns), then save.

use crate::args::MasterCommand;
use crate::commands::read_file;
use crate::output::{Report, Table};
use crate::{Failure, Target};
use qix::types::{GenericDimensionProperties, GenericMeasureProperties, GenericVariableProperties};
use qix::{App, Error};
use serde_json::{json, Value};

/// Which kind of item.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// Master measures.
    Measure,
    /// Master dimensions.
    Dimension,
    /// Variables.
    Variable,
}

/// Runs `ls` or `set FILE` for one kind.
pub async fn run(t: &Target<'_>, kind: Kind, c: &MasterCommand) -> Result<Report, Failure> {
    let app = t.app().await?;
    match c {
        MasterCommand::Ls => list(&app, kind).await,
        MasterCommand::Set { file } => {
            let text = read_file(file)?;
            let doc: Value = serde_json::from_str(&text)
                .map_err(|e| Failure::new(4, format!("{}: {e}", file.display())))?;
            let items = match doc {
                Value::Array(items) => items,
                one => vec![one],
            };
            let mut table = Table::new(&["Id", "Action"]);
            for item in items {
                let (id, action) = set(&app, kind, item).await.map_err(|f| {
                    Failure::new(f.code, format!("{}: {}", file.display(), f.message))
                })?;
                table.row(vec![json!(id), json!(action)]);
            }
            app.do_save(None).await?;
            Ok(Report::Table(table))
        }
    }
}

fn bad(e: serde_json::Error) -> Failure {
    Failure::new(4, e.to_string())
}

async fn list(app: &App, kind: Kind) -> Result<Report, Failure> {
    let wanted = match kind {
        Kind::Measure => "measure",
        Kind::Dimension => "dimension",
        Kind::Variable => "variable",
    };
    let mut table = match kind {
        Kind::Measure => Table::new(&["Id", "Label", "Definition"]),
        Kind::Dimension => Table::new(&["Id", "Label", "Fields"]),
        Kind::Variable => Table::new(&["Id", "Name", "Definition"]),
    };
    if let Kind::Variable = kind {
        let object = app
            .create_session_object(
                &serde_json::from_value(json!({"qInfo": {"qType": "qix-cli-variables"}, "qVariableListDef": {"qType": "variable"}}))
                    .map_err(bad)?,
            )
            .await?;
        let layout = object.get_layout().await;
        let _ = app.destroy_session_object(object.generic_id()).await;
        let list = layout?
            .variable_list()
            .transpose()
            .map_err(|e| Failure::new(1, e.to_string()))?
            .unwrap_or_default();
        for v in list.items.unwrap_or_default() {
            table.row(vec![
                json!(v.info.and_then(|i| i.id).unwrap_or_default()),
                json!(v.name.unwrap_or_default()),
                json!(v.definition.unwrap_or_default()),
            ]);
        }
        return Ok(Report::Table(table));
    }
    for info in app.get_all_infos().await? {
        if info.r#type.as_deref() != Some(wanted) {
            continue;
        }
        let id = info.id.unwrap_or_default();
        match kind {
            Kind::Measure => {
                let p = app.get_measure(&id).await?.get_properties().await?;
                let m = p.measure.unwrap_or_default();
                table.row(vec![
                    json!(id),
                    json!(m.label.unwrap_or_default()),
                    json!(m.def.unwrap_or_default()),
                ]);
            }
            _ => {
                let p = app.get_dimension(&id).await?.get_properties().await?;
                let d = p.dim.unwrap_or_default();
                let label = d
                    .field_labels
                    .and_then(|l| l.into_iter().next())
                    .filter(|l| !l.is_empty())
                    .or_else(|| {
                        p.meta_def.and_then(|m| {
                            m.get("title").and_then(Value::as_str).map(str::to_string)
                        })
                    })
                    .unwrap_or_default();
                table.row(vec![
                    json!(id),
                    json!(label),
                    json!(d.field_defs.unwrap_or_default().join(", ")),
                ]);
            }
        }
    }
    Ok(Report::Table(table))
}

/// Creates or updates one item; answers its id and what was done.
async fn set(app: &App, kind: Kind, item: Value) -> Result<(String, &'static str), Failure> {
    let id = item["qInfo"]["qId"].as_str().map(str::to_string);
    match kind {
        Kind::Measure => {
            let props: GenericMeasureProperties = serde_json::from_value(item).map_err(bad)?;
            let id = id.ok_or_else(|| Failure::new(4, "a measure needs qInfo.qId"))?;
            match app.get_measure(&id).await {
                Ok(m) => {
                    m.set_properties(&props).await?;
                    Ok((id, "updated"))
                }
                Err(Error::ObjectNotFound(_)) => {
                    app.create_measure(&props).await?;
                    Ok((id, "created"))
                }
                Err(e) => Err(e.into()),
            }
        }
        Kind::Dimension => {
            let props: GenericDimensionProperties = serde_json::from_value(item).map_err(bad)?;
            let id = id.ok_or_else(|| Failure::new(4, "a dimension needs qInfo.qId"))?;
            match app.get_dimension(&id).await {
                Ok(d) => {
                    d.set_properties(&props).await?;
                    Ok((id, "updated"))
                }
                Err(Error::ObjectNotFound(_)) => {
                    app.create_dimension(&props).await?;
                    Ok((id, "created"))
                }
                Err(e) => Err(e.into()),
            }
        }
        Kind::Variable => {
            let props: GenericVariableProperties = serde_json::from_value(item).map_err(bad)?;
            let name = props
                .name
                .clone()
                .ok_or_else(|| Failure::new(4, "a variable needs qName"))?;
            match app.get_variable_by_name(&name).await {
                Ok(v) => {
                    v.set_properties(&props).await?;
                    Ok((name, "updated"))
                }
                Err(Error::ObjectNotFound(_)) | Err(Error::Engine(_)) => {
                    app.create_variable_ex(&props).await?;
                    Ok((name, "created"))
                }
                Err(e) => Err(e.into()),
            }
        }
    }
}
