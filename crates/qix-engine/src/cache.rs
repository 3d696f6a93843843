//! Results keyed by (data model, selection state, definition), so a repeated state is answered without a
//! scan. Shared by every session of an app: two sessions with the same selections share results. Bounded
//! by bytes (each kind of result gets a third of the budget, least recently used evicted first), with
//! hits, misses and bytes per kind for the metrics.

use crate::budget_lru::{BudgetLru, CacheStats};
use crate::hypercube::{compute_with, CubeError, HyperCube, HyperCubeDef};
use crate::inference::{infer_from, Inference};
use crate::listobject::{list_object_in, ListRow, ListSort};
use crate::model::DataModel;
use crate::model::FieldId;
use crate::selection::SelectionState;
use crate::sets::{named_idents, NoSetBase, SetBase, Sets};
use crate::singleflight::SingleFlight;
use std::sync::{Arc, Mutex, MutexGuard};

type InferenceKey = (u64, SelectionState);
/// The states the set identifiers of a definition named when it was computed (bookmarks, alternate
/// states, history steps) are part of the key: the same text means other rows once they change.
type CubeKey = (
    u64,
    SelectionState,
    HyperCubeDef,
    Vec<Option<SelectionState>>,
);
type ListKey = (u64, SelectionState, FieldId, ListSort, bool);

/// LRUs of inferences, hypercubes and list objects.
pub struct ResultCache {
    inferences: Mutex<BudgetLru<InferenceKey, Arc<Inference>>>,
    cubes: Mutex<BudgetLru<CubeKey, Arc<HyperCube>>>,
    lists: Mutex<BudgetLru<ListKey, Arc<Vec<ListRow>>>>,
    /// Inferences and cubes being computed: sessions asking for the same one at once wait for it.
    inferring: SingleFlight<InferenceKey, Arc<Inference>>,
    computing: SingleFlight<CubeKey, Result<Arc<HyperCube>, CubeError>>,
}

impl std::fmt::Debug for ResultCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResultCache")
            .field("stats", &self.stats())
            .finish()
    }
}

impl ResultCache {
    /// A cache holding results of about `budget` bytes in all.
    pub fn new(budget: usize) -> ResultCache {
        let third = budget / 3;
        ResultCache {
            inferences: Mutex::new(BudgetLru::new(third)),
            cubes: Mutex::new(BudgetLru::new(third)),
            lists: Mutex::new(BudgetLru::new(third)),
            inferring: SingleFlight::new(),
            computing: SingleFlight::new(),
        }
    }

    /// Per kind of result (`inference`, `hypercube`, `list`): entries, bytes, hits and misses.
    pub fn stats(&self) -> [(&'static str, CacheStats); 3] {
        [
            ("inference", self.lock_inf().stats()),
            ("hypercube", self.lock_cubes().stats()),
            ("list", self.lock_lists().stats()),
        ]
    }

    /// Inference for `state`, computed once per (model, state).
    pub fn inference(&self, model: &DataModel, state: &SelectionState) -> Arc<Inference> {
        let key = (model.id, state.clone());
        if let Some(hit) = self.lock_inf().get(&key) {
            return hit.clone();
        }
        self.inferring.run(&key, || {
            // A state with one selection fewer (the one before a click) is computed from, when held.
            let known = |s: &SelectionState| self.lock_inf().peek(&(model.id, s.clone()));
            let result = Arc::new(infer_from(model, state, &known));
            let bytes = result.bytes() + state_bytes(state);
            self.lock_inf().put(key.clone(), result.clone(), bytes);
            result
        })
    }

    /// A hypercube, computed once per (model, state, definition), with no set identifiers but `$` and `1`.
    pub fn hypercube(
        &self,
        model: &DataModel,
        state: &SelectionState,
        def: &HyperCubeDef,
    ) -> Result<Arc<HyperCube>, CubeError> {
        self.hypercube_with(model, state, def, &NoSetBase)
    }

    /// A hypercube whose set identifiers `base` knows, computed once per (model, state, definition, the
    /// states its identifiers name); the sets' inferences go through this cache too.
    pub fn hypercube_with(
        &self,
        model: &DataModel,
        state: &SelectionState,
        def: &HyperCubeDef,
        base: &dyn SetBase,
    ) -> Result<Arc<HyperCube>, CubeError> {
        // Every expression the cube computes: measures, attribute expressions, dimension sort expressions.
        let texts: Vec<&str> = def
            .measures
            .iter()
            .map(|m| m.expr.as_str())
            .chain(def.attributes.iter().map(String::as_str))
            .chain(
                def.dimensions
                    .iter()
                    .filter_map(|d| d.sort.expression.as_deref()),
            )
            .collect();
        let named = if texts.iter().any(|e| e.contains('{')) {
            // Expressions that do not parse name nothing (their columns carry their errors).
            let parsed: Vec<_> = texts
                .iter()
                .filter_map(|e| qix_expr::parse(e).ok())
                .collect();
            named_idents(&parsed)
                .iter()
                .map(|i| base.state_of(i))
                .collect()
        } else {
            Vec::new()
        };
        let key = (model.id, state.clone(), def.clone(), named);
        if let Some(hit) = self.lock_cubes().get(&key) {
            return Ok(hit.clone());
        }
        self.computing.run(&key, || {
            let inference = self.inference(model, state);
            let infer = |s: &SelectionState| self.inference(model, s);
            let sets = Sets::new(model, state, base, &infer);
            let cube = Arc::new(compute_with(model, state, &inference, def, &sets)?);
            let key_bytes = state_bytes(state)
                + def_bytes(def)
                + key.3.iter().flatten().map(state_bytes).sum::<usize>();
            self.lock_cubes().put(
                key.clone(),
                cube.clone(),
                cube.estimated_bytes() + key_bytes,
            );
            Ok(cube)
        })
    }

    /// Forgets every result (when no session is left to ask for them, their memory goes back).
    pub fn clear(&self) {
        self.lock_inf().clear();
        self.lock_cubes().clear();
        self.lock_lists().clear();
    }

    /// A list object's rows, computed once per (model, state, field, sort, whether frequencies are
    /// counted).
    pub fn list_object(
        &self,
        model: &DataModel,
        state: &SelectionState,
        field: FieldId,
        sort: &ListSort,
        frequency: bool,
    ) -> Arc<Vec<ListRow>> {
        let key = (model.id, state.clone(), field, *sort, frequency);
        if let Some(hit) = self.lock_lists().get(&key) {
            return hit.clone();
        }
        let inference = self.inference(model, state);
        let infer = |s: &SelectionState| self.inference(model, s);
        let rows = Arc::new(list_object_in(
            model, state, &inference, field, sort, frequency, &infer,
        ));
        let texts: usize = rows.iter().map(|r| r.text.len()).sum();
        let bytes = rows.len() * std::mem::size_of::<ListRow>() + texts + state_bytes(state);
        self.lock_lists().put(key, rows.clone(), bytes);
        rows
    }

    fn lock_lists(&self) -> MutexGuard<'_, BudgetLru<ListKey, Arc<Vec<ListRow>>>> {
        self.lists.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn lock_inf(&self) -> MutexGuard<'_, BudgetLru<InferenceKey, Arc<Inference>>> {
        self.inferences.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn lock_cubes(&self) -> MutexGuard<'_, BudgetLru<CubeKey, Arc<HyperCube>>> {
        self.cubes.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// About the bytes a selection state takes as part of a key (a large selection is a large key).
fn state_bytes(state: &SelectionState) -> usize {
    state
        .selected_fields()
        .map(|(_, symbols)| 64 + symbols.len() * 4)
        .sum()
}

/// About the bytes a definition takes as part of a key: its expressions' texts and fixed parts.
fn def_bytes(def: &HyperCubeDef) -> usize {
    let texts: usize = def.measures.iter().map(|m| m.expr.len()).sum::<usize>()
        + def.dimensions.iter().map(|d| d.field.len()).sum::<usize>()
        + def.attributes.iter().map(String::len).sum::<usize>();
    256 + 128 * (def.measures.len() + def.dimensions.len()) + texts
}
