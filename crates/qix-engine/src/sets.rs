//! Set analysis: which rows a set expression (`{$<Year={2020}>}`, `{1-$}`, `{BM01*$}`) stands for.
//!
//! A set is computed with the engine's own inference: an identifier names a selection state (`$` the
//! current one, `1` none, the rest through the host's [`SetBase`]: history steps, bookmarks, alternate
//! states), modifiers replace or change the selection of fields in a copy of it, and the resulting state
//! is inferred like any selection (so a repeated set is a cache hit). Set operators between sets combine
//! the inferred row sets table by table ([`Inference::combine`]). A modifier whose values match nothing
//! makes the set empty — no rows at all — rather than clearing the field.
//!
//! Within one computation every set is computed once ([`Sets`] memoizes by the set's text), however many
//! cells or measures name it.
//!
//! What it is not for: parsing (qix-expr) or knowing what bookmarks and states exist (the host).

use crate::bits::Bits;
use crate::dual::Dual;
use crate::hypercube::{self, CalcDim, DimensionDef, HyperCubeDef, MeasureDef};
use crate::inference::{infer, Inference};
use crate::model::{DataModel, FieldId};
use crate::search::Search;
use crate::selection::SelectionState;
use qix_expr::{Element, ElementSet, Expr, FieldModifier, FieldRef, SetExpr, SetIdent, SetOp};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

/// What set identifiers other than `$` and `1` stand for; the host (the server) knows them.
pub trait SetBase {
    /// The selection state `ident` names: `$1` / `$_1` (history steps), a bookmark (id or name) or an
    /// alternate state's current selections. `None` when nothing has that name.
    fn state_of(&self, ident: &SetIdent) -> Option<SelectionState>;
}

/// A host with no history, bookmarks or alternate states.
pub struct NoSetBase;

impl SetBase for NoSetBase {
    fn state_of(&self, _: &SetIdent) -> Option<SelectionState> {
        None
    }
}

/// Why a set expression cannot be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SetError {
    /// No bookmark, state or history step has this name.
    #[error("unknown set identifier {0}")]
    UnknownIdent(String),
    /// A modifier names a field the model lacks.
    #[error("field not found in set modifier: {0}")]
    UnknownField(String),
    /// An expression search (`"=Sum(Sales)>100"`) does not compute.
    #[error("bad search expression {expr:?}: {message}")]
    BadSearch {
        /// The search text.
        expr: String,
        /// Why.
        message: String,
    },
}

/// How a state is inferred: through the host's cache, or directly.
pub type InferFn<'a> = &'a dyn Fn(&SelectionState) -> Arc<Inference>;

/// Computes sets for one request: the model, the current selection (`$`), the host's identifiers and a
/// memo of the sets computed so far.
pub struct Sets<'a> {
    model: &'a DataModel,
    current: &'a SelectionState,
    base: &'a dyn SetBase,
    infer: InferFn<'a>,
    memo: RefCell<HashMap<String, Arc<Inference>>>,
    /// Calculated dimensions worked out in this request, by their text.
    calc: RefCell<HashMap<String, Arc<CalcDim>>>,
}

impl<'a> Sets<'a> {
    /// Sets over `model` where `$` is `current`; states are inferred with `infer`.
    pub fn new(
        model: &'a DataModel,
        current: &'a SelectionState,
        base: &'a dyn SetBase,
        infer: InferFn<'a>,
    ) -> Sets<'a> {
        Sets {
            model,
            current,
            base,
            infer,
            memo: RefCell::new(HashMap::new()),
            calc: RefCell::new(HashMap::new()),
        }
    }

    /// The current selection (`$`).
    pub fn current(&self) -> &SelectionState {
        self.current
    }

    /// The rows of `set`, computed once per request.
    pub fn rows(&self, set: &SetExpr) -> Result<Arc<Inference>, SetError> {
        let key = set.to_string();
        if let Some(hit) = self.memo.borrow().get(&key) {
            return Ok(hit.clone());
        }
        let rows = match set {
            SetExpr::Term { ident, modifiers } => {
                let base = self.ident_state(ident.as_ref())?;
                match self.modify(&base, modifiers)? {
                    Some(state) => (self.infer)(&state),
                    None => Arc::new(Inference::nothing(self.model)),
                }
            }
            SetExpr::Op(op, l, r) => {
                let (l, r) = (self.rows(l)?, self.rows(r)?);
                Arc::new(Inference::combine(self.model, &l, &r, *op))
            }
        };
        self.memo.borrow_mut().insert(key, rows.clone());
        Ok(rows)
    }

    /// The inference of any selection state, through the host's cache when it has one.
    pub fn infer_state(&self, state: &SelectionState) -> Arc<Inference> {
        (self.infer)(state)
    }

    /// The calculated dimensions worked out in this request (sub-cubes reuse them), by their text.
    pub(crate) fn calc_dims(&self) -> &RefCell<HashMap<String, Arc<CalcDim>>> {
        &self.calc
    }

    /// The rows of the current selection.
    pub fn current_rows(&self) -> Arc<Inference> {
        (self.infer)(self.current)
    }

    fn ident_state(&self, ident: Option<&SetIdent>) -> Result<SelectionState, SetError> {
        match ident {
            None | Some(SetIdent::Current) => Ok(self.current.clone()),
            Some(SetIdent::All) => Ok(SelectionState::new()),
            Some(other) => self
                .base
                .state_of(other)
                .ok_or_else(|| SetError::UnknownIdent(other.to_string())),
        }
    }

    fn field(&self, name: &str) -> Result<FieldId, SetError> {
        self.model
            .field_id(name)
            .ok_or_else(|| SetError::UnknownField(name.to_string()))
    }

    /// `base` with `modifiers` applied; `None` when a modifier leaves a field with no value.
    fn modify(
        &self,
        base: &SelectionState,
        modifiers: &[FieldModifier],
    ) -> Result<Option<SelectionState>, SetError> {
        let mut state = base.clone();
        for m in modifiers {
            let f = self.field(&m.field.name)?;
            let Some(values) = &m.values else {
                state.replace(f, Vec::new());
                continue;
            };
            let mut result = self.elements(f, values, base)?;
            if let Some(op) = m.assign {
                let mut from = self.selected_or_all(base, f);
                apply(&mut from, &result, op);
                result = from;
            }
            if result.count() == 0 {
                return Ok(None);
            }
            state.replace(f, result.iter().map(|s| s as u32).collect());
        }
        Ok(Some(state))
    }

    /// The symbols of `f` selected in `state`, or all of them when none is selected.
    fn selected_or_all(&self, state: &SelectionState, f: FieldId) -> Bits {
        let n = self.model.fields[f].symbols.len();
        match state.selected(f) {
            Some(sel) => bits_of(n, sel.iter().map(|&s| s as usize)),
            None => Bits::full(n),
        }
    }

    /// The symbols of field `f` an element set stands for (`base`: the modified identifier's state).
    fn elements(
        &self,
        f: FieldId,
        set: &ElementSet,
        base: &SelectionState,
    ) -> Result<Bits, SetError> {
        match set {
            ElementSet::List(items) => self.list(f, items, base),
            ElementSet::Field(r) => self.field_values(f, r, base),
            ElementSet::Function {
                excluded,
                set,
                field,
            } => {
                let rows = match set {
                    Some(s) => self.rows(s)?,
                    None => self.current_rows(),
                };
                let g = match field {
                    Some(r) => self.field(&r.name)?,
                    None => f,
                };
                let n = self.model.fields[g].symbols.len();
                let mut values = match rows.possible(self.model, g) {
                    Some(p) => (*p).clone(),
                    None => Bits::full(n),
                };
                if *excluded {
                    let mut all = Bits::full(n);
                    all.difference_with(&values);
                    values = all;
                }
                Ok(self.map_values(g, f, &values))
            }
            ElementSet::Op(op, l, r) => {
                let mut a = self.elements(f, l, base)?;
                let b = self.elements(f, r, base)?;
                apply(&mut a, &b, *op);
                Ok(a)
            }
        }
    }

    /// A value list: numbers and literals matched exactly, searches as in a list box.
    fn list(&self, f: FieldId, items: &[Element], base: &SelectionState) -> Result<Bits, SetError> {
        let symbols = &self.model.fields[f].symbols;
        let mut out = Bits::empty(symbols.len());
        for item in items {
            match item {
                Element::Num(n) => {
                    if let Some(s) = symbols.find(&Dual::number(*n)) {
                        out.insert(s as usize);
                    }
                }
                Element::Literal(t) => {
                    let found = symbols.find_text(t).or_else(|| {
                        crate::dual::parse_number(t).and_then(|n| symbols.find(&Dual::number(n)))
                    });
                    if let Some(s) = found {
                        out.insert(s as usize);
                    }
                }
                Element::Search(t) if t.trim_start().starts_with('=') => {
                    out.union_with(&self.expression_search(f, t, base)?);
                }
                Element::Search(t) => {
                    let search = Search::parse(t);
                    for (i, v) in symbols.iter().enumerate() {
                        if search.matches(&v) {
                            out.insert(i);
                        }
                    }
                }
            }
        }
        Ok(out)
    }

    /// `"=Sum(Sales)>1000"`: the values of `f` for which the expression is true, computed per value
    /// in the identifier's state.
    fn expression_search(
        &self,
        f: FieldId,
        text: &str,
        base: &SelectionState,
    ) -> Result<Bits, SetError> {
        let expr = text.trim_start().trim_start_matches('=');
        let def = HyperCubeDef {
            dimensions: vec![DimensionDef {
                field: self.model.fields[f].name.clone(),
                sort: Default::default(),
            }],
            measures: vec![MeasureDef {
                expr: expr.to_string(),
                sort: Default::default(),
            }],
            ..Default::default()
        };
        let inference = (self.infer)(base);
        let inner = Sets::new(self.model, base, self.base, self.infer);
        let (rows, _) =
            hypercube::rows_with(self.model, base, &inference, &def, &inner).map_err(|e| {
                SetError::BadSearch {
                    expr: text.to_string(),
                    message: e.to_string(),
                }
            })?;
        let mut out = Bits::empty(self.model.fields[f].symbols.len());
        for r in rows {
            let keep = r.measures.first().is_some_and(|v| v.truthy());
            if let (true, Some(s)) = (keep, r.dims.first().and_then(|d| d.symbol)) {
                out.insert(s as usize);
            }
        }
        Ok(out)
    }

    /// `<F = G>` / `<F = StateA::G>`: the values selected in `G` (all its possible values when none is
    /// selected), as values of `f`.
    fn field_values(
        &self,
        f: FieldId,
        r: &FieldRef,
        base: &SelectionState,
    ) -> Result<Bits, SetError> {
        let g = self.field(&r.name)?;
        let state = match &r.state {
            Some(name) => self.ident_state(Some(&SetIdent::Named(name.clone())))?,
            None => base.clone(),
        };
        let n = self.model.fields[g].symbols.len();
        let values = match state.selected(g) {
            Some(sel) => bits_of(n, sel.iter().map(|&s| s as usize)),
            None => match (self.infer)(&state).possible(self.model, g) {
                Some(p) => (*p).clone(),
                None => Bits::full(n),
            },
        };
        Ok(self.map_values(g, f, &values))
    }

    /// Values of field `from` as symbols of field `to` (matched by value).
    fn map_values(&self, from: FieldId, to: FieldId, values: &Bits) -> Bits {
        if from == to {
            return values.clone();
        }
        let (src, dst) = (
            &self.model.fields[from].symbols,
            &self.model.fields[to].symbols,
        );
        let mut out = Bits::empty(dst.len());
        for s in values.iter() {
            if let Some(t) = dst.find(&src.get(s as u32)) {
                out.insert(t as usize);
            }
        }
        out
    }
}

/// `a op= b`.
fn apply(a: &mut Bits, b: &Bits, op: SetOp) {
    match op {
        SetOp::Union => a.union_with(b),
        SetOp::Exclusion => a.difference_with(b),
        SetOp::Intersection => a.intersect_with(b),
        SetOp::SymmetricDifference => a.symmetric_difference_with(b),
    }
}

fn bits_of(n: usize, members: impl Iterator<Item = usize>) -> Bits {
    let mut b = Bits::empty(n);
    for m in members.filter(|&m| m < n) {
        b.insert(m);
    }
    b
}

/// Every set identifier other than `$` and `1` that `exprs` name (in sets, in `P()`/`E()` and as the
/// state of `StateA::F`), first seen first: what a cached result depends on besides the selection.
pub fn named_idents<'e>(exprs: impl IntoIterator<Item = &'e Expr>) -> Vec<SetIdent> {
    let mut out = Vec::new();
    for e in exprs {
        walk_expr(e, &mut out);
    }
    out
}

fn walk_expr(e: &Expr, out: &mut Vec<SetIdent>) {
    match e {
        Expr::Num(_) | Expr::Str(_) | Expr::Field(_) => {}
        Expr::Neg(x) | Expr::Not(x) => walk_expr(x, out),
        Expr::Binary(_, l, r) => {
            walk_expr(l, out);
            walk_expr(r, out);
        }
        Expr::Call { args, .. } => args.iter().for_each(|a| walk_expr(a, out)),
        Expr::Aggr(a) => {
            if let Some(s) = &a.set {
                walk_set(s, out);
            }
            walk_expr(&a.arg, out);
        }
        Expr::AggrFn(a) => {
            if let Some(s) = &a.set {
                walk_set(s, out);
            }
            walk_expr(&a.expr, out);
        }
    }
}

fn push(ident: SetIdent, out: &mut Vec<SetIdent>) {
    if !matches!(ident, SetIdent::Current | SetIdent::All) && !out.contains(&ident) {
        out.push(ident);
    }
}

fn walk_set(s: &SetExpr, out: &mut Vec<SetIdent>) {
    match s {
        SetExpr::Term { ident, modifiers } => {
            if let Some(i) = ident {
                push(i.clone(), out);
            }
            for m in modifiers {
                if let Some(v) = &m.values {
                    walk_elements(v, out);
                }
            }
        }
        SetExpr::Op(_, l, r) => {
            walk_set(l, out);
            walk_set(r, out);
        }
    }
}

fn walk_elements(e: &ElementSet, out: &mut Vec<SetIdent>) {
    match e {
        ElementSet::List(items) => {
            for i in items {
                // An expression search may name sets of its own.
                if let Element::Search(t) = i {
                    if let Some(expr) = t.trim_start().strip_prefix('=') {
                        if let Ok(parsed) = qix_expr::parse(expr) {
                            walk_expr(&parsed, out);
                        }
                    }
                }
            }
        }
        ElementSet::Field(r) => {
            if let Some(s) = &r.state {
                push(SetIdent::Named(s.clone()), out);
            }
        }
        ElementSet::Function { set, .. } => {
            if let Some(s) = set {
                walk_set(s, out);
            }
        }
        ElementSet::Op(_, l, r) => {
            walk_elements(l, out);
            walk_elements(r, out);
        }
    }
}

/// Infers without a cache (for hosts that have none).
pub fn infer_uncached(model: &DataModel) -> impl Fn(&SelectionState) -> Arc<Inference> + '_ {
    move |state| Arc::new(infer(model, state))
}
