//! Master items' kinds: what differs between a master dimension and a master measure.

use crate::handles::ObjectRef;
use qix_apps::AppRecord;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Which kind of master item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// `qDim`.
    Dimension,
    /// `qMeasure`.
    Measure,
}

impl Kind {
    /// The items of this kind in an app record.
    pub fn items(self, record: &AppRecord) -> &BTreeMap<String, Map<String, Value>> {
        match self {
            Kind::Dimension => &record.dimensions,
            Kind::Measure => &record.measures,
        }
    }
    /// [`Kind::items`], to change (through `DocState::change_record` and its siblings).
    pub fn items_mut(self, record: &mut AppRecord) -> &mut BTreeMap<String, Map<String, Value>> {
        match self {
            Kind::Dimension => &mut record.dimensions,
            Kind::Measure => &mut record.measures,
        }
    }
    pub fn object(self, id: &str) -> ObjectRef {
        match self {
            Kind::Dimension => ObjectRef::Dimension(id.to_string()),
            Kind::Measure => ObjectRef::Measure(id.to_string()),
        }
    }
    pub fn class(self) -> &'static str {
        match self {
            Kind::Dimension => "GenericDimension",
            Kind::Measure => "GenericMeasure",
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            Kind::Dimension => "qDim",
            Kind::Measure => "qMeasure",
        }
    }
    pub fn fill_defaults(self, props: &mut Map<String, Value>) {
        match self {
            Kind::Dimension => crate::view::defaults::dimension(props),
            Kind::Measure => crate::view::defaults::measure(props),
        }
    }
    pub fn default_type(self) -> &'static str {
        match self {
            Kind::Dimension => "dimension",
            Kind::Measure => "measure",
        }
    }
}
