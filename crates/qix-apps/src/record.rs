//! The persistent part of one app.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// What an app keeps across restarts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppRecord {
    /// The app id (a GUID): what `OpenDoc` takes and what the session URL names.
    pub id: String,
    /// The title shown in app lists (`qTitle`).
    pub title: String,
    /// The load script.
    #[serde(default)]
    pub script: String,
    /// The user who created the app, `DIRECTORY\id`; empty for an app everyone shares (the demo app, or
    /// one made before apps had owners). Server mode's access rule rests on it.
    #[serde(default)]
    pub owner: String,
    /// App properties as set by `SetAppProperties`, custom (dynamic) ones included; `qTitle` is kept
    /// in [`AppRecord::title`].
    #[serde(default)]
    pub properties: Map<String, Value>,
    /// When the app was created, ISO-8601 UTC.
    pub created: String,
    /// When the app was last saved, ISO-8601 UTC.
    pub modified: String,
    /// When the app was last reloaded, ISO-8601 UTC; empty when never.
    #[serde(default)]
    pub last_reload_time: String,
    /// Folder data connections (`CreateConnection`), by name: the folder each one reads.
    #[serde(default)]
    pub connections: std::collections::BTreeMap<String, String>,
    /// Which saved data version (`data-<n>` folder) belongs to this record; 0 when the app has no saved data.
    #[serde(default)]
    pub data_version: u64,
    /// How many times the app was saved: each save stores one more than the stored record had. Nodes
    /// sharing one apps folder compare it to tell whether their copy is the stored one (a save made
    /// elsewhere since a session opened the app shows as a higher stored revision).
    #[serde(default)]
    pub revision: u64,
    /// Persistent generic objects (`CreateObject`) by id, with their properties.
    #[serde(default)]
    pub objects: std::collections::BTreeMap<String, serde_json::Map<String, serde_json::Value>>,
    /// Master dimensions (`CreateDimension`) by id, with their properties.
    #[serde(default)]
    pub dimensions: std::collections::BTreeMap<String, serde_json::Map<String, serde_json::Value>>,
    /// Master measures (`CreateMeasure`) by id, with their properties.
    #[serde(default)]
    pub measures: std::collections::BTreeMap<String, serde_json::Map<String, serde_json::Value>>,
    /// Persistent variables (`CreateVariableEx`) by id, with their properties.
    #[serde(default)]
    pub variables: std::collections::BTreeMap<String, serde_json::Map<String, serde_json::Value>>,
    /// Bookmarks (`CreateBookmark`) by id: their properties and the selections they recall.
    #[serde(default)]
    pub bookmarks: std::collections::BTreeMap<String, BookmarkRecord>,
    /// Alternate states (`AddAlternateState`), by name.
    #[serde(default)]
    pub state_names: Vec<String>,
    /// Child objects (`CreateChild`): parent id → its children's ids, in their order.
    #[serde(default)]
    pub children: std::collections::BTreeMap<String, Vec<String>>,
}

/// A bookmark: what `GetProperties` shows, and the selection state it recalls.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BookmarkRecord {
    /// `qInfo`, `qMetaDef` and custom properties.
    pub properties: Map<String, Value>,
    /// The selected values, field by field, as `FieldValue`s (`{qText, qIsNumeric, qNumber}`), so the
    /// bookmark still applies after a reload changed the symbol numbers.
    pub fields: Vec<BookmarkField>,
    /// When it was created or last changed, ISO-8601 UTC.
    pub modified: String,
    /// The selections of alternate states, by state name (states without selections are left out).
    #[serde(default)]
    pub states: std::collections::BTreeMap<String, Vec<BookmarkField>>,
    /// With `qIncludeVariables`: every variable's `BookmarkVariableItem` (`{qName, qValue, qDefinition}`)
    /// when the bookmark was made; applying the bookmark gives the variables these definitions back.
    #[serde(default)]
    pub variables: Vec<Value>,
    /// `CreateBookmarkEx`'s `qObjectIdsToPatch`: the soft patches those objects had, as `NxPatches`
    /// (`{qInfo, qPatches: [NxPatch], qChildren}`); applying the bookmark gives them back.
    #[serde(default)]
    pub patches: Vec<Value>,
}

/// One field's selection in a bookmark.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BookmarkField {
    /// The field name.
    pub name: String,
    /// The selected values as `FieldValue`s.
    pub values: Vec<Value>,
    /// Whether the field was locked.
    #[serde(default)]
    pub locked: bool,
}

impl AppRecord {
    /// A new, empty app with a fresh GUID.
    pub fn new(title: &str) -> AppRecord {
        let now = now_iso();
        AppRecord {
            id: uuid::Uuid::new_v4().to_string(),
            title: title.to_string(),
            script: String::new(),
            owner: String::new(),
            properties: Map::new(),
            created: now.clone(),
            modified: now,
            last_reload_time: String::new(),
            connections: Default::default(),
            data_version: 0,
            revision: 0,
            objects: Default::default(),
            dimensions: Default::default(),
            measures: Default::default(),
            variables: Default::default(),
            bookmarks: Default::default(),
            children: Default::default(),
            state_names: Default::default(),
        }
    }
}

/// The current time as the engine writes it: `2024-01-31T12:34:56.789Z`.
pub fn now_iso() -> String {
    let now = time::OffsetDateTime::now_utc();
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    now.format(&format).unwrap_or_default()
}
