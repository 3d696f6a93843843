//! The Doc class: the session's open app — layout, properties, script, session objects and variables, save.

use crate::api::Ctx;
use crate::handles::ObjectRef;
use crate::view::context::store_error;
use crate::view::props::privileges;
use qix_protocol::{ErrorCode, RpcError};
use serde_json::{json, Map, Value};

/// `AddAlternateState` (an app-level name, saved by DoSave) / `AddSessionAlternateState` (this session
/// only). Its selections start empty.
pub fn add_state(ctx: &mut Ctx<'_>, name: &str, in_app: bool) -> Result<Value, RpcError> {
    if name.is_empty() || name == "$" {
        return Err(RpcError::invalid_params(format!(
            "{name:?} cannot name an alternate state"
        )));
    }
    let (doc, effects) = ctx.doc_effects()?;
    doc.add_state(name, in_app, effects);
    Ok(json!({}))
}

/// `RemoveAlternateState` / `RemoveSessionAlternateState`: objects in that state fall back to the default.
pub fn remove_state(ctx: &mut Ctx<'_>, name: &str) -> Result<bool, RpcError> {
    let (doc, effects) = ctx.doc_effects()?;
    Ok(doc.remove_state(name, effects))
}

pub fn app_layout(ctx: &mut Ctx<'_>) -> Result<Value, RpcError> {
    let doc = ctx.doc()?;
    doc.validate(&ObjectRef::Doc);
    let r = doc.record();
    let mut layout = r.properties.clone();
    let fixed = json!({
        "qTitle": r.title,
        "qFileName": r.id,
        "qLastReloadTime": r.last_reload_time,
        "qModified": doc.is_modified(),
        "qHasScript": !r.script.is_empty(),
        "qStateNames": r.state_names,
        "qMeta": privileges(),
        "qLocaleInfo": locale_info(),
        "qHasData": false,
        "qReadOnly": false,
        "qIsOpenedWithoutData": false,
        "qIsSessionApp": doc.is_session_app(),
        "qThumbnail": thumbnail(&r.properties),
    });
    if let Value::Object(fixed) = fixed {
        layout.extend(fixed);
    }
    Ok(crate::api::result("qLayout", layout))
}

/// The app layout's `qThumbnail` (a `StaticContentUrl`): the app properties' `qThumbnail`
/// `qStaticContentUrlDef` laid out, with an empty `qUrl` when none was set.
fn thumbnail(props: &Map<String, Value>) -> Value {
    let def = props
        .get("qThumbnail")
        .and_then(|t| t.get("qStaticContentUrlDef"))
        .unwrap_or(&Value::Null);
    let mut url = crate::view::layout::static_content_url(def);
    if let Value::Object(m) = &mut url {
        m.entry("qUrl").or_insert_with(|| json!(""));
    }
    url
}

/// The locale the default script sets (en-US conventions).
pub fn locale_info() -> Value {
    json!({
        "qDecimalSep": ".", "qThousandSep": ",", "qListSep": ",", "qMoneyDecimalSep": ".",
        "qMoneyThousandSep": ",", "qCurrentYear": 2026, "qMoneyFmt": "$ ###0.00;-$ ###0.00",
        "qTimeFmt": "h:mm:ss TT", "qDateFmt": "M/D/YYYY", "qTimestampFmt": "M/D/YYYY h:mm:ss[.fff] TT",
        "qCalendarStrings": {
            "qDayNames": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"],
            "qMonthNames": ["Jan","Feb","Mar","Apr","May","Jun","Jul","Aug","Sep","Oct","Nov","Dec"],
            "qLongDayNames": ["Monday","Tuesday","Wednesday","Thursday","Friday","Saturday","Sunday"],
            "qLongMonthNames": ["January","February","March","April","May","June","July","August",
                                "September","October","November","December"]
        },
        "qFirstWeekDay": 6, "qBrokenWeeks": true, "qReferenceDay": 0, "qFirstMonthOfYear": 1,
        "qCollation": "en-US",
        "qNumericalAbbreviation": "3:k;6:M;9:G;12:T;15:P;18:E;21:Z;24:Y;-3:m;-6:\u{3bc};-9:n;-12:p;-15:f;-18:a;-21:z;-24:y"
    })
}

pub fn app_properties(ctx: &mut Ctx<'_>) -> Result<Value, RpcError> {
    let r = ctx.doc()?.record();
    let mut props = r.properties.clone();
    // Favourite variables are kept among the properties but are not one (see SetFavoriteVariables).
    props.remove("qFavoriteVariables");
    props.insert("qTitle".into(), json!(r.title));
    props.insert("qLastReloadTime".into(), json!(r.last_reload_time));
    props
        .entry("qThumbnail")
        .or_insert_with(|| json!({"qStaticContentUrlDef": {}}));
    Ok(crate::api::result("qProp", props))
}

pub fn set_app_properties(
    ctx: &mut Ctx<'_>,
    mut props: Map<String, Value>,
) -> Result<Value, RpcError> {
    let (doc, effects) = ctx.doc_effects()?;
    let title = match props.remove("qTitle") {
        Some(Value::String(title)) => Some(title),
        Some(_) => return Err(RpcError::invalid_params("qProp.qTitle must be a string")),
        None => None,
    };
    // qLastReloadTime is the engine's to set, not the client's.
    props.remove("qLastReloadTime");
    doc.change_record(&[ObjectRef::Doc], effects, |r| {
        if let Some(title) = title {
            r.title = title;
        }
        r.properties = props;
    });
    Ok(json!({}))
}

pub fn set_script(ctx: &mut Ctx<'_>, script: &str) -> Result<Value, RpcError> {
    let (doc, effects) = ctx.doc_effects()?;
    doc.change_record(&[ObjectRef::Doc], effects, |r| {
        r.script = script.to_string()
    });
    Ok(json!({}))
}

/// `Doc.SaveAs`: a copy of the app as the session has it (objects, variables, script and data, saved or
/// not) stored as a new app named `name` — how a session app becomes an ordinary app. The new app's id
/// follows CreateApp's rule (the name when it can be an id and is free, else a GUID); the user owns it.
pub fn save_as(ctx: &mut Ctx<'_>, name: &str) -> Result<Value, RpcError> {
    if name.trim().is_empty() {
        return Err(RpcError::new(
            ErrorCode::InvalidParams,
            "qNewAppName is empty",
        ));
    }
    let env = ctx.env;
    let owner = crate::rights::Rights::owner_name(ctx.user());
    let (doc, _) = ctx.doc_effects()?;
    doc.fold_for_save();
    let mut record = qix_apps::AppRecord::clone(doc.record());
    let fresh = qix_apps::AppRecord::new(name);
    record.id = if qix_apps::AppStore::is_valid_id(name) {
        name.to_string()
    } else {
        fresh.id
    };
    if env.store.exists(&record.id) {
        return Err(RpcError::new(
            ErrorCode::AppAlreadyExists,
            format!("an app with the id {:?} exists", record.id),
        ));
    }
    record.title = name.to_string();
    record.owner = owner;
    record.data_version = 0;
    let stored = env.store.insert(record).map_err(store_error)?;
    let files = crate::persist::export(doc.data());
    let app = env.store.lock(&stored.id).map_err(store_error)?;
    let saved = app.save(&stored, Some(&files)).map_err(store_error)?;
    drop(app);
    env.publish(&saved.id, saved.data_version, doc.data().clone());
    Ok(json!({"qNewAppId": saved.id}))
}

/// `DoSave`: stores the session's working copy (and its data, unless storage already holds it) as the
/// app, publishes the data to sessions that open the app later, and leaves the app unmodified.
pub fn save(ctx: &mut Ctx<'_>) -> Result<Value, RpcError> {
    let env = ctx.env;
    let (doc, effects) = ctx.doc_effects()?;
    if doc.is_session_app() {
        return Err(RpcError::new(
            ErrorCode::NotSupportedForSessionApp,
            "a session app cannot be saved",
        ));
    }
    doc.fold_for_save();
    let record = doc.record();
    // One save of the app at a time, from writing its data to publishing it: the last save wins whole.
    let app = env.store.lock(&record.id).map_err(store_error)?;
    let stored = app.get().map_err(store_error)?;
    // The saved record names this session's data: the version it was saved as, while that is still the
    // stored one; else (reloaded, or another session saved since) a new version.
    let same = doc.data_is_saved()
        && record.data_version == stored.data_version
        && app.has_data(stored.data_version);
    if stored.revision != record.revision {
        // Another session or node saved the app since this copy was opened: this save replaces it whole.
        tracing::info!(app = %record.id, opened = record.revision, stored = stored.revision,
                       "DoSave replaces a save made since this session opened the app (the last save wins)");
    }
    let files = (!same).then(|| crate::persist::export(doc.data()));
    let saved = app.save(record, files.as_deref()).map_err(store_error)?;
    let version = saved.data_version;
    doc.saved(saved, effects);
    // Sessions that open the app from now on start from this data.
    env.publish(doc.id(), version, doc.data().clone());
    drop(app);
    Ok(json!({}))
}
