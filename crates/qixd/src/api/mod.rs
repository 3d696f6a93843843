//! The QIX classes: a request's handle picks the class, the spec binds and type-checks its params, and the
//! class's module runs the method on the session state — one dispatch per class.
//!
//! Every method runs under the session lock with the session's state in a [`Ctx`]; what it changes for other
//! sockets is collected in [`crate::doc::Effects`] and fanned out once the method returns. A method that runs
//! long (DoReload) hands back deferred work: it runs with the lock released (other sockets of the session
//! keep working, GetProgress and CancelReload answer), then finishes under the lock like any method.
//!
//! The class modules (`global`, `doc`, `object`, `field`, `variable`, `master`, `bookmark`) import only this
//! module and the view layer ([`crate::view`]), never each other.

mod bookmark;
mod doc;
mod field;
mod global;
mod master;
mod object;
mod variable;

pub use crate::env::Env;
pub use crate::view::context::{
    no_active_doc, obj_param, object_interface, patches_param, str_param, Ctx,
};

use crate::delta::Sent;
use crate::handles::ObjectRef;
use crate::session::{Session, SessionState, SocketId};
use crate::view::master::Kind;
use qix_protocol::splice::Splice;
use qix_protocol::{Request, Response, RpcError, Spec};
use serde_json::{json, Value};
use std::borrow::Cow;

/// Methods that only read: a request of one of them that reports no change leaves nothing a session
/// snapshot holds changed, so it does not cost a snapshot. Any other method counts as a change.
const READS: &[&str] = &[
    "EngineVersion",
    "ProductVersion",
    "IsDesktopMode",
    "GetDocList",
    "GetProgress",
    "GetLayout",
    "GetProperties",
    "GetEffectiveProperties",
    "GetFullPropertyTree",
    "GetInfo",
    "GetHyperCubeData",
    "GetHyperCubePivotData",
    "GetHyperCubeStackData",
    "GetListObjectData",
    "GetAppLayout",
    "GetAppProperties",
    "GetScript",
    "GetObject",
    "GetField",
    "GetVariableByName",
    "GetVariableById",
    "GetTablesAndKeys",
    "GetAllInfos",
    "GetChildInfos",
    "GetFieldDescription",
    "Evaluate",
    "EvaluateEx",
];

/// Whether `method` only reads (see [`READS`]).
pub fn only_reads(method: &str) -> bool {
    READS.contains(&method)
}

/// Answers one request on a socket of `session`.
pub fn handle_request(env: &Env, session: &Session, socket: SocketId, req: &Request) -> Response {
    if let Some(response) = shared_layout(env, session, socket, req) {
        return response;
    }
    let mut state = session.lock();
    let object = state
        .sockets
        .get(&socket)
        .and_then(|link| link.handles.resolve(req.handle));
    let Some(object) = object else {
        return Response {
            id: req.id.clone(),
            outcome: Err(RpcError::invalid_handle()),
            change: vec![],
            close: vec![],
            delta: false,
            splices: vec![],
        };
    };
    let (mut outcome, mut effects, deferred, mut splices) = {
        let mut ctx = Ctx::new(env, &session.key, &mut state, socket);
        ctx.request_id = Some(req.id.clone());
        let outcome = call(&mut ctx, &object, req);
        (
            outcome,
            std::mem::take(&mut ctx.effects),
            ctx.deferred.take(),
            std::mem::take(&mut ctx.splices),
        )
    };
    if let Some(work) = deferred {
        // Long work runs without the lock, then finishes under it again.
        drop(state);
        let finish = work(env);
        state = session.lock();
        let mut ctx = Ctx::new(env, &session.key, &mut state, socket);
        outcome = finish(&mut ctx);
        effects = std::mem::take(&mut ctx.effects);
        splices = std::mem::take(&mut ctx.splices);
    }
    if outcome.is_err() {
        splices.clear();
    }
    respond(&mut state, socket, req, outcome, &effects, splices)
}

/// `GetLayout` of a generic object computed under the session's shared lock, so that the layouts a sheet
/// asks for together after a click are computed in parallel rather than one after another. The object is
/// then marked laid out under the write lock, and only if nothing was written to the session in between;
/// otherwise (and for anything else: another method, an unknown handle, bad params, no open app) `None`,
/// and the request runs the usual way — a layout never validates an object against a state it was not
/// computed from.
fn shared_layout(
    env: &Env,
    session: &Session,
    socket: SocketId,
    req: &Request,
) -> Option<Response> {
    if req.method != "GetLayout" {
        return None;
    }
    let (computed, id, seen) = {
        let (state, seen) = session.read();
        let object = state.sockets.get(&socket)?.handles.resolve(req.handle)?;
        bound_params(env, object.class(), req).ok()?;
        let ObjectRef::Object(id) = object else {
            return None;
        };
        let doc = state.doc.as_ref()?;
        (object::computed_layout(env, doc, &id), id, seen)
    };
    let mut state = session.lock_uncounted();
    let kept = session.writes() == seen;
    crate::telemetry::shared_layout(kept);
    if !kept {
        return None;
    }
    state.doc.as_mut()?.validate(&ObjectRef::Object(id));
    let (outcome, splices) = match computed {
        Ok((layout, splices)) => (Ok(layout), splices),
        Err(e) => (Err(e), vec![]),
    };
    let effects = Default::default();
    Some(respond(&mut state, socket, req, outcome, &effects, splices))
}

/// The response to `req`: its outcome (with the parts of it written as text already, `splices`), the
/// changes fanned out to the session's sockets (the caller's own in the response), the result turned into
/// JSON Patches when the client asked for delta mode (the written parts diffed as text).
fn respond(
    state: &mut SessionState,
    socket: SocketId,
    req: &Request,
    outcome: Result<Value, RpcError>,
    effects: &crate::doc::Effects,
    splices: Vec<Splice>,
) -> Response {
    let (change, close) = state.fan_out(socket, effects);
    let mut response = Response {
        id: req.id.clone(),
        outcome,
        change,
        close,
        delta: false,
        splices,
    };
    if req.delta && DELTA_METHODS.contains(&req.method.as_str()) {
        if let (Some(link), Ok(result)) = (state.sockets.get_mut(&socket), &mut response.outcome) {
            let splices = std::mem::take(&mut response.splices);
            response.splices = to_delta(
                &mut link.delta_base,
                req.handle,
                &req.method,
                result,
                splices,
            );
            response.delta = true;
        }
    }
    response
}

/// Methods answered with JSON Patches when the client asks for delta mode: the ones whose results are
/// large and change little between calls.
const DELTA_METHODS: &[&str] = &[
    "GetLayout",
    "GetProperties",
    "GetEffectiveProperties",
    "GetAppLayout",
    "GetAppProperties",
    "GetHyperCubeData",
    "GetListObjectData",
];

/// Turns every key of `result` into a JSON Patch against the previous value sent for the same handle,
/// method and key ([`crate::delta`]), and remembers the new values; `splices` are the parts of `result`
/// written as text, and the parts of the patches are returned.
fn to_delta(
    bases: &mut std::collections::HashMap<(i64, String, String), Sent>,
    handle: i64,
    method: &str,
    result: &mut Value,
    mut splices: Vec<Splice>,
) -> Vec<Splice> {
    let Value::Object(map) = result else {
        qix_protocol::splice::resolve(result, splices);
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, value) in map.iter_mut() {
        let mut prefix = String::new();
        qix_protocol::splice::push_key(&mut prefix, key);
        let (mine, rest): (Vec<Splice>, Vec<Splice>) =
            (splices.into_iter()).partition(|s| qix_protocol::splice::within(&s.pointer, &prefix));
        splices = rest;
        let new = Sent {
            value: std::mem::take(value),
            parts: (mine.into_iter())
                .map(|s| Splice {
                    pointer: s.pointer[prefix.len()..].to_string(),
                    json: s.json,
                })
                .collect(),
        };
        let k = (handle, method.to_string(), key.clone());
        let (patch, parts) = crate::delta::patch_sent(bases.get(&k), &new);
        *value = patch;
        out.extend(parts.into_iter().map(|p| Splice {
            pointer: format!("{prefix}{}", p.pointer),
            json: p.json,
        }));
        bases.insert(k, new);
    }
    out
}

fn call(ctx: &mut Ctx<'_>, object: &ObjectRef, req: &Request) -> Result<Value, RpcError> {
    let class = object.class();
    let params = bound_params(ctx.env, class, req)?;
    let result = match object {
        ObjectRef::Global => global::call(ctx, &req.method, &params),
        ObjectRef::Doc => doc::call(ctx, &req.method, &params),
        ObjectRef::Object(id) => object::call(ctx, id, &req.method, &params),
        ObjectRef::Variable(id) => variable::call(ctx, id, &req.method, &params),
        ObjectRef::Field(name, state) => field::call(ctx, name, state, &req.method, &params),
        ObjectRef::Dimension(id) => master::call(ctx, Kind::Dimension, id, &req.method, &params),
        ObjectRef::Measure(id) => master::call(ctx, Kind::Measure, id, &req.method, &params),
        ObjectRef::Bookmark(id) => bookmark::call(ctx, id, &req.method, &params),
    };
    result.unwrap_or_else(|| {
        Err(RpcError::method_not_found(format!(
            "{class}.{} is not implemented by qixd yet",
            req.method
        )))
    })
}

/// Enum params the spec types as strings that old clients send as the enum's number (`GetBNF` with
/// `qBnfType: 0`, which the real engine accepts): the number becomes the enum's title before binding.
/// `req`'s params bound to the signature of its method on `class` and type-checked (the method must exist,
/// the params not nest too deep): the one check every request passes before it runs.
fn bound_params(
    env: &Env,
    class: &str,
    req: &Request,
) -> Result<serde_json::Map<String, Value>, RpcError> {
    let spec = Spec::global()
        .method(class, &req.method)
        .ok_or_else(|| RpcError::method_not_found(req.method.clone()))?;
    env.limits.check_depth(&req.params)?;
    spec.bind(&numeric_enums(&req.method, &req.params))
}

fn numeric_enums<'a>(method: &str, params: &'a Value) -> Cow<'a, Value> {
    const BNF: [&str; 2] = ["S", "E"];
    if !method.contains("BNF") {
        return Cow::Borrowed(params);
    }
    let title = |v: &Value| match v.as_u64() {
        Some(n) if (n as usize) < BNF.len() => json!(BNF[n as usize]),
        _ => v.clone(),
    };
    match params {
        Value::Object(m) if m.get("qBnfType").is_some_and(Value::is_number) => {
            let mut m = m.clone();
            let t = title(&m["qBnfType"]);
            m.insert("qBnfType".into(), t);
            Cow::Owned(Value::Object(m))
        }
        Value::Array(a) if a.first().is_some_and(Value::is_number) => {
            let mut a = a.clone();
            a[0] = title(&a[0]);
            Cow::Owned(Value::Array(a))
        }
        _ => Cow::Borrowed(params),
    }
}

/// A result of one key, `{key: value}`, taking `value` as it is (`json!` would copy it, and a layout or a
/// data page is tens of kilobytes).
pub fn result(key: &str, value: impl Into<Value>) -> Value {
    crate::view::render::object([(key, value.into())])
}

/// The engine's error for a feature its product edition lacks (`LOCERR_GENERIC_UNSUPPORTED_IN_PRODUCT_VERSION`,
/// 17): what Qlik's engine without a repository or hub (Qlik Core) answers for publishing, streams,
/// approvals, database and custom connectors. `what` names the feature.
pub fn unsupported(what: &str) -> RpcError {
    RpcError {
        code: 17,
        parameter: what.to_string(),
        message: "Unsupported in product version".into(),
    }
}

/// The engine's `LOCERR_GENERIC_NOT_IMPLEMENTED` (20): a part of the engine qixd does not have yet (tree
/// data, search, profiling). `what` names the part.
pub fn not_implemented(what: &str) -> RpcError {
    RpcError {
        code: 20,
        parameter: what.to_string(),
        message: "Not implemented".into(),
    }
}

/// The answer for a method of `class` that needs a part qixd does not have: Qlik Sense Enterprise's
/// publishing and approval (17, as the engine without a repository answers) or an engine feature not built
/// yet (20: tree and binned data, drill-down and cyclic groups, list searches, snapshots,
/// continuous ranges). `None` for any other method: it is not a QIX method of the class.
pub fn missing_part(class: &str, method: &str) -> Option<Result<Value, RpcError>> {
    const EDITION: &[&str] = &["Publish", "UnPublish", "Approve", "UnApprove"];
    const MISSING: &[(&str, &[&str])] = &[
        (
            "GenericObject",
            &[
                "ClearSoftPatches",
                "SelectListObjectAlternative",
                "SelectListObjectContinuousRange",
                "Lock",
                "Unlock",
                "GetLinkedObjects",
                "CopyFrom",
                "CreateGroup",
                "AddGroupMembers",
                "RemoveGroupMembers",
                "RemoveGroup",
                "SetGroupLabel",
            ],
        ),
        ("GenericDimension", &["GetLinkedObjects"]),
        ("GenericMeasure", &["GetLinkedObjects"]),
        (
            "GenericBookmark",
            &["GetFieldValues", "GetFieldValuesEx", "ApplyAndVerify"],
        ),
        (
            "Field",
            &["ClearAllButThis", "SetAndMode", "SetNxProperties"],
        ),
    ];
    if EDITION.contains(&method) {
        return Some(Err(unsupported(method)));
    }
    MISSING
        .iter()
        .any(|(c, ms)| *c == class && ms.contains(&method))
        .then(|| Err(not_implemented(method)))
}

/// The script a new app starts with: the main tab with the locale variables, as the engine writes it.
pub const DEFAULT_SCRIPT: &str = concat!(
    "///$tab Main\r\n",
    "SET ThousandSep=',';\r\n",
    "SET DecimalSep='.';\r\n",
    "SET MoneyThousandSep=',';\r\n",
    "SET MoneyDecimalSep='.';\r\n",
    "SET MoneyFormat='$ ###0.00;-$ ###0.00';\r\n",
    "SET TimeFormat='h:mm:ss TT';\r\n",
    "SET DateFormat='M/D/YYYY';\r\n",
    "SET TimestampFormat='M/D/YYYY h:mm:ss[.fff] TT';\r\n",
    "SET FirstWeekDay=6;\r\n",
    "SET BrokenWeeks=1;\r\n",
    "SET ReferenceDay=0;\r\n",
    "SET FirstMonthOfYear=1;\r\n",
    "SET CollationLocale='en-US';\r\n",
    "SET CreateSearchIndexOnReload=1;\r\n",
    "SET MonthNames='Jan;Feb;Mar;Apr;May;Jun;Jul;Aug;Sep;Oct;Nov;Dec';\r\n",
    "SET LongMonthNames='January;February;March;April;May;June;July;August;September;October;November;December';\r\n",
    "SET DayNames='Mon;Tue;Wed;Thu;Fri;Sat;Sun';\r\n",
    "SET LongDayNames='Monday;Tuesday;Wednesday;Thursday;Friday;Saturday;Sunday';\r\n",
    "SET NumericalAbbreviation='3:k;6:M;9:G;12:T;15:P;18:E;21:Z;24:Y;-3:m;-6:\u{3bc};-9:n;-12:p;-15:f;-18:a;-21:z;-24:y';\r\n",
);
