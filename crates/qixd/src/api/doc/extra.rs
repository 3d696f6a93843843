//! Doc methods around the app rather than its data: the grammar for the expression editor, lineage,
//! favourite variables, the file browser over folder connections, the undo history, and the answers for
//! what qixd does not have (database connectors, publishing).

use super::super::{not_implemented, str_param, unsupported, Ctx};
use crate::view;
use crate::view::bnf::{self, BnfType};
use crate::view::files;
use qix_protocol::{ErrorCode, RpcError};
use serde_json::{json, Map, Value};

/// The app property (hidden from GetAppProperties) that keeps `SetFavoriteVariables`' names.
pub const FAVORITES: &str = "qFavoriteVariables";

/// Runs one of this module's Doc methods; `None` when it is not one of them.
pub fn call(
    ctx: &mut Ctx<'_>,
    method: &str,
    p: &Map<String, Value>,
) -> Option<Result<Value, RpcError>> {
    Some(match method {
        "GetExpressionBNF" | "GetExpressionBNFHash" => {
            let defs = bnf::defs(BnfType::Expression);
            let hash = bnf::hash(&bnf::text(&defs));
            Ok(if method == "GetExpressionBNF" {
                json!({"qBnfDefs": defs, "qBnfHash": hash})
            } else {
                json!({"qBnfHash": hash})
            })
        }
        "GetLineage" => ctx.doc().map(|d| json!({"qLineage": lineage(&d.record().script)})),
        "GetFavoriteVariables" => ctx
            .doc()
            .map(|d| json!({"qNames": d.record().properties.get(FAVORITES).cloned().unwrap_or(json!([]))})),
        "SetFavoriteVariables" => set_favorites(ctx, p),
        "GetFieldsFromExpression" => Ok(json!({"qFieldNames": fields_of(str_param(p, "qExpr"))})),
        "ExpandExpression" => expand(ctx, str_param(p, "qExpression")),
        "GetIncludeFileContent" => files::resolve(ctx, None, str_param(p, "qPath"))
            .and_then(|path| files::head(&path))
            .map(|text| json!({"qContent": text})),
        "GetFolderItemsForConnection" => in_connection(ctx, p)
            .map(|path| json!({"qFolderItems": files::list(&path)})),
        "GuessFileType" => in_connection(ctx, p).map(|path| json!({"qDataFormat": files::guess(&path)})),
        "GetFileTables" | "GetFileTablesEx" | "GetFileTableFields" | "GetFileTablePreview" => {
            file_table(ctx, method, p)
        }
        "GetMatchingFields" | "FindMatchingFields" => matching_fields(ctx, p),
        // The session's changes of persistent objects, undone and redone one at a time.
        "Undo" | "Redo" => ctx.doc_effects().map(|(doc, effects)| {
            let done = if method == "Undo" {
                doc.undo(effects)
            } else {
                doc.redo(effects)
            };
            json!({"qSuccess": done})
        }),
        "ClearUndoBuffer" => ctx.doc_effects().map(|(doc, _)| {
            doc.clear_undo();
            json!({})
        }),
        _ => unsupported_or_missing(method)?,
    })
}

/// The answers for the parts qixd does not have: Qlik Sense Enterprise / Cloud features (17) and engine
/// features not built yet (20); `None` for any other method.
fn unsupported_or_missing(method: &str) -> Option<Result<Value, RpcError>> {
    const EDITION: &[&str] = &[
        "Publish",
        "ExportReducedData",
        "ChangeSessionAppOwner",
        "ChangeSessionAppSpace",
        "TransformApp",
        "CreateDraft",
        "CommitDraft",
        "DestroyDraft",
        "GetDatabaseInfo",
        "GetDatabases",
        "GetDatabaseOwners",
        "GetDatabaseTables",
        "GetDatabaseTableFields",
        "GetDatabaseTablePreview",
        "SendGenericCommandToCustomConnector",
        "GetFieldsResourceIds",
    ];
    const MISSING: &[&str] = &[
        "Scramble",
        "GetAssociationScores",
        "AddFieldFromExpression",
        "SearchValues",
        "GetTableProfileData",
        "StoreTempSelectionState",
        "RestoreTempSelectionState",
        "CreateTemporaryBookmark",
        "ApplyTemporaryBookmark",
        "ReplaceBookmark",
        "GetSetAnalysis",
        "CloneBookmark",
        "ClearAllSoftPatches",
        "GetVariable",
    ];
    if EDITION.contains(&method) {
        Some(Err(unsupported(method)))
    } else if MISSING.contains(&method) {
        Some(Err(not_implemented(method)))
    } else {
        None
    }
}

/// The data sources the script loads from, in order, as `LineageInfo` (`qDiscriminator`: the file, or
/// `INLINE;` / `RESIDENT <table>;` / `AUTOGENERATE;`), each once.
pub fn lineage(script: &str) -> Vec<Value> {
    let mut out: Vec<String> = vec![];
    let words: Vec<&str> = script.split_whitespace().collect();
    for (i, w) in words.iter().enumerate() {
        let next = words.get(i + 1).copied().unwrap_or("");
        let lower = w.to_ascii_lowercase();
        let found = if lower == "from" && !next.is_empty() {
            Some(
                next.trim_matches(|c| c == '[' || c == ']' || c == '\'' || c == '"' || c == ';')
                    .to_string(),
            )
        } else if lower.starts_with("inline") {
            Some("INLINE;".into())
        } else if lower == "resident" {
            Some(format!("RESIDENT {};", next.trim_end_matches(';')))
        } else if lower.starts_with("autogenerate") {
            Some("AUTOGENERATE;".into())
        } else {
            None
        };
        if let Some(f) = found.filter(|f| !out.contains(f)) {
            out.push(f);
        }
    }
    out.into_iter()
        .map(|d| json!({"qDiscriminator": d, "qStatement": ""}))
        .collect()
}

/// `SetFavoriteVariables`: the names, kept with the app (saved by DoSave).
fn set_favorites(ctx: &mut Ctx<'_>, p: &Map<String, Value>) -> Result<Value, RpcError> {
    let names = p.get("qNames").cloned().unwrap_or(json!([]));
    let (doc, effects) = ctx.doc_effects()?;
    doc.change_record(&[], effects, |r| {
        r.properties.insert(FAVORITES.into(), names)
    });
    Ok(json!({}))
}

/// The fields an expression reads; none when it does not parse.
fn fields_of(expr: &str) -> Vec<String> {
    // `field_names` lists each field once.
    qix_expr::parse(expr)
        .map(|e| qix_expr::field_names(&e))
        .unwrap_or_default()
}

/// `ExpandExpression`: the text after dollar-sign expansion.
fn expand(ctx: &mut Ctx<'_>, text: &str) -> Result<Value, RpcError> {
    let env = ctx.env;
    let doc = ctx.doc()?;
    let v = view::View::of(env, doc);
    Ok(json!({"qExpandedExpression": view::dollar::expand(&v, text)}))
}

/// The path `qRelativePath` names in connection `qConnectionId`.
fn in_connection(
    ctx: &mut Ctx<'_>,
    p: &Map<String, Value>,
) -> Result<std::path::PathBuf, RpcError> {
    files::resolve(
        ctx,
        Some(str_param(p, "qConnectionId")),
        str_param(p, "qRelativePath"),
    )
}

/// The table of a text file: its name (`GetFileTables`), with fields (`GetFileTablesEx`,
/// `GetFileTableFields`) or its first rows (`GetFileTablePreview`).
fn file_table(ctx: &mut Ctx<'_>, method: &str, p: &Map<String, Value>) -> Result<Value, RpcError> {
    let path = in_connection(ctx, p)?;
    if path.is_dir() {
        return Err(RpcError::new(
            ErrorCode::NotFound,
            str_param(p, "qRelativePath"),
        ));
    }
    let format = p.get("qDataFormat").cloned().unwrap_or(json!({}));
    let (name, fields) = files::text_table(&path, &format)?;
    let data_fields: Vec<Value> = fields
        .iter()
        .map(|f| json!({"qName": f, "qIsKey": false, "qOriginalFieldName": f}))
        .collect();
    Ok(match method {
        "GetFileTables" => json!({"qTables": [{"qName": name, "qType": "TABLE"}]}),
        "GetFileTablesEx" => {
            json!({"qTables": [{"qName": name, "qFields": data_fields, "qFormatSpec": ""}]})
        }
        "GetFileTableFields" => json!({"qFields": data_fields, "qFormatSpec": ""}),
        _ => {
            let text = files::head(&path)?;
            let rows: Vec<Value> = files::rows(&text, files::delimiter_of(&format), 100)
                .into_iter()
                .map(|r| json!({"qValues": r}))
                .collect();
            json!({"qPreview": rows, "qFormatSpec": ""})
        }
    })
}

/// `GetMatchingFields` (fields carrying every tag, or one of them with `qMatchingFieldMode`
/// `MATCHINGFIELDMODE_MATCH_ONE`) / `FindMatchingFields` (fields carrying every tag, other than the field
/// named), as `NxMatchingFieldInfo`.
fn matching_fields(ctx: &mut Ctx<'_>, p: &Map<String, Value>) -> Result<Value, RpcError> {
    let tags: Vec<String> = p
        .get("qTags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| t.as_str().map(str::to_string))
        .collect();
    let except = str_param(p, "qFieldName").to_string();
    let any = match p.get("qMatchingFieldMode") {
        Some(Value::String(m)) => m == "MATCHINGFIELDMODE_MATCH_ONE",
        Some(Value::Number(n)) => n.as_u64() == Some(1),
        _ => false,
    };
    let data = ctx.doc()?.data().clone();
    let model = &data.model;
    let list: Vec<Value> = (0..model.fields.len())
        .filter_map(|f| {
            // The field's derived tags as cached with the data, then the script's own.
            let ftags = view::fields::tags_of(&data, f, data.tags.get(&model.fields[f].name));
            let name = model.fields[f].name.clone();
            let hit = |t: &String| ftags.contains(t);
            let matched = if any {
                tags.iter().any(hit)
            } else {
                tags.iter().all(hit)
            };
            (name != except && matched).then(|| json!({"qName": name, "qTags": ftags}))
        })
        .collect();
    Ok(json!({"qFieldNames": list}))
}
