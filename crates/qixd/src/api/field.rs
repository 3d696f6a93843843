//! The Field class: selecting values of one field, by value, by search string or by state.

use super::{str_param, Ctx};
use crate::view::context::unknown_state;
use crate::view::eval::expression_matches;
use crate::view::select::find_value;
use crate::view::select::select_in;
use qix_engine::{field_states_in, DataModel, FieldId, Search, SelectionState, State};
use qix_protocol::{ErrorCode, RpcError};
use serde_json::{json, Map, Value};

/// Runs a Field method on field `name`; `None` when qixd does not implement it.
pub fn call(
    ctx: &mut Ctx<'_>,
    name: &str,
    state: &str,
    method: &str,
    p: &Map<String, Value>,
) -> Option<Result<Value, RpcError>> {
    let toggle = p
        .get("qToggleMode")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    Some(match method {
        "Select" | "ToggleSelect" if str_param(p, "qMatch").trim_start().starts_with('=') => {
            let text = str_param(p, "qMatch").trim_start();
            let expr = text.strip_prefix('=').unwrap_or(text);
            let t = method == "ToggleSelect";
            match expression_matches(ctx, name, state, expr) {
                Ok(hits) => change(ctx, name, state, move |s, _, f| {
                    if t {
                        s.toggle(f, &hits)
                    } else {
                        s.set(f, hits)
                    }
                }),
                Err(e) => Err(e),
            }
        }
        "Select" | "ToggleSelect" => {
            let search = Search::parse(str_param(p, "qMatch"));
            let t = method == "ToggleSelect";
            change_by_states(ctx, name, state, move |s, m, f, states| {
                let hits: Vec<u32> = (0..m.fields[f].symbols.len() as u32)
                    .filter(|x| {
                        !matches!(
                            states[*x as usize],
                            State::Excluded | State::SelectedExcluded | State::LockedExcluded
                        )
                    })
                    .filter(|x| search.matches(&m.fields[f].symbols.get(*x)))
                    .collect();
                if t {
                    s.toggle(f, &hits)
                } else {
                    s.set(f, hits)
                }
            })
        }
        "SelectValues" => {
            let values = p
                .get("qFieldValues")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            change(ctx, name, state, move |s, m, f| {
                let syms: Vec<u32> = values.iter().filter_map(|v| find_value(m, f, v)).collect();
                if toggle {
                    s.toggle(f, &syms)
                } else {
                    s.set(f, syms)
                }
            })
        }
        "LowLevelSelect" => {
            let values: Vec<u32> = p
                .get("qValues")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_u64)
                .map(|v| v as u32)
                .collect();
            change(ctx, name, state, move |s, m, f| {
                let n = m.fields[f].symbols.len() as u32;
                let syms: Vec<u32> = values.iter().copied().filter(|v| *v < n).collect();
                if toggle {
                    s.toggle(f, &syms)
                } else {
                    s.set(f, syms)
                }
            })
        }
        "SelectAll" => by_state(ctx, name, state, |st| {
            !matches!(
                st,
                State::Excluded | State::SelectedExcluded | State::LockedExcluded
            )
        }),
        "SelectPossible" => by_state(ctx, name, state, |st| {
            matches!(st, State::Optional | State::Selected | State::Locked)
        }),
        "SelectExcluded" => by_state(ctx, name, state, |st| {
            matches!(st, State::Excluded | State::Alternative)
        }),
        "SelectAlternative" => by_state(ctx, name, state, |st| st == State::Alternative),
        "Clear" => change(ctx, name, state, |s, _, f| s.clear(f)),
        "Lock" => change(ctx, name, state, |s, _, f| s.lock(f)),
        "Unlock" => change(ctx, name, state, |s, _, f| s.unlock(f)),
        "GetCardinal" => {
            field_id(ctx, name).map(|(m, f)| json!({"qReturn": m.fields[f].symbols.len()}))
        }
        "GetNxProperties" => Ok(json!({"qProperties": {"qOneAndOnlyOne": false}})),
        "GetAndMode" => Ok(json!({"qReturn": false})),
        _ => return super::missing_part("Field", method),
    })
}

fn field_id(
    ctx: &mut Ctx<'_>,
    name: &str,
) -> Result<(std::sync::Arc<DataModel>, FieldId), RpcError> {
    let model = ctx.doc()?.data().model.clone();
    // The field vanished in a reload while the handle was held.
    let f = model
        .field_id(name)
        .ok_or_else(|| RpcError::new(ErrorCode::NotFound, name.to_string()))?;
    Ok((model, f))
}

/// Applies `f` to the session's selections for this field.
fn change(
    ctx: &mut Ctx<'_>,
    name: &str,
    state_name: &str,
    f: impl FnOnce(&mut SelectionState, &DataModel, FieldId) -> bool,
) -> Result<Value, RpcError> {
    let (_, fid) = field_id(ctx, name)?;
    if ctx.doc()?.state(state_name).is_none() {
        return Err(unknown_state(state_name));
    }
    let changed = select_in(ctx, state_name, |s, m| f(s, m, fid))?;
    Ok(json!({"qReturn": changed}))
}

/// Applies `f` to the session's selections for this field, given the field's current states (their
/// inferences through the shared cache).
fn change_by_states(
    ctx: &mut Ctx<'_>,
    name: &str,
    state_name: &str,
    f: impl FnOnce(&mut SelectionState, &DataModel, FieldId, &[State]) -> bool,
) -> Result<Value, RpcError> {
    let (model, fid) = field_id(ctx, name)?;
    let state = ctx
        .doc()?
        .state(state_name)
        .ok_or_else(|| unknown_state(state_name))?
        .current()
        .clone();
    let cache = &ctx.env.cache;
    let inference = cache.inference(&model, &state);
    let states = field_states_in(&model, &state, fid, &inference, &|s| {
        cache.inference(&model, s)
    });
    let changed = select_in(ctx, state_name, |s, m| f(s, m, fid, &states))?;
    Ok(json!({"qReturn": changed}))
}

fn by_state(
    ctx: &mut Ctx<'_>,
    name: &str,
    state_name: &str,
    keep: impl Fn(State) -> bool,
) -> Result<Value, RpcError> {
    change_by_states(ctx, name, state_name, |s, _, f, states| {
        let syms: Vec<u32> = states
            .iter()
            .enumerate()
            .filter(|(_, st)| keep(**st))
            .map(|(i, _)| i as u32)
            .collect();
        s.set(f, syms)
    })
}
