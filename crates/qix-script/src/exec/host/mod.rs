//! What expressions see of the running script: the record being loaded ([`RowCtx`]), the scopes that
//! evaluate outside a record ([`NoRow`]) and in one ([`RowScope`], with `Previous`), the locale the
//! script's variables set, and the host functions. Those about records, `Rand` and `Evaluate` are here;
//! those that read the script's tables' rows are in `tables`, the mappings in `mapping`, the tables'
//! names and fields in `catalog`, the AutoNumber counters in `counters`. Dates, formatting and
//! interpretation are `qix-expr`'s own functions, which read the locale from the scope.

mod catalog;
mod counters;
mod fieldvalues;
mod mapping;
mod tables;

use super::cells::to_value;
use super::{Cell, Exec};
use qix_expr::{Aggr, Expr, Locale, Scope, Value};

/// Evaluates expressions outside rows (LET, IF, FOR, DO, SWITCH): a name is the script variable of
/// that name (`LET i = i + 1`, as Qlik reads it), a number when its text reads as one; NULL when there
/// is no such variable.
pub(super) struct NoRow<'e, 'a> {
    pub(super) ex: &'e mut Exec<'a>,
}

impl Scope for NoRow<'_, '_> {
    fn field(&mut self, name: &str) -> Value {
        match self.ex.vars.get(name) {
            Some(v) => match qix_expr::parse_number(v) {
                Some(n) => Value::Dual(v.clone(), n),
                None => Value::Text(v.clone()),
            },
            None => Value::Null,
        }
    }
    fn aggregate(&mut self, _: &Aggr) -> Value {
        Value::Null
    }
    fn call(&mut self, name: &str, args: &[Value]) -> Value {
        self.ex.host(name, args, None)
    }
    fn locale(&self) -> &Locale {
        &self.ex.locale
    }
}

/// Row context for LOAD expressions.
pub(super) struct RowCtx<'r> {
    /// The input's field names.
    pub(super) fields: &'r [String],
    /// The input record's cells.
    pub(super) row: &'r [Cell],
    /// `RecNo()`: the input record's number (1-based).
    pub(super) recno: usize,
    /// `RowNo()`: the number the row gets in its table (1-based).
    pub(super) rowno: usize,
    /// `IterNo()`: the WHILE round on this record (1-based).
    pub(super) iterno: usize,
    /// The input records before this one that WHERE kept, the nearest first (for `Previous()`, which
    /// nests to reach further back).
    pub(super) back: &'r [&'r [Cell]],
}

/// Evaluates LOAD expressions on a record.
pub(super) struct RowScope<'e, 'a, 'r> {
    pub(super) ex: &'e mut Exec<'a>,
    pub(super) ctx: &'r RowCtx<'r>,
}

impl Scope for RowScope<'_, '_, '_> {
    fn field(&mut self, name: &str) -> Value {
        match self.ctx.fields.iter().position(|f| f == name) {
            Some(i) => self.ctx.row.get(i).map_or(Value::Null, to_value),
            None => Value::Null,
        }
    }
    fn aggregate(&mut self, _: &Aggr) -> Value {
        Value::Null
    }
    fn call(&mut self, name: &str, args: &[Value]) -> Value {
        self.ex.host(name, args, Some(self.ctx))
    }
    fn locale(&self) -> &Locale {
        &self.ex.locale
    }
    fn previous(&mut self, expr: &Expr) -> Value {
        let Some((prev, further)) = self.ctx.back.split_first() else {
            return Value::Null;
        };
        let ctx = RowCtx {
            fields: self.ctx.fields,
            row: prev,
            recno: self.ctx.recno.saturating_sub(1),
            rowno: self.ctx.rowno.saturating_sub(1),
            iterno: 1,
            back: further,
        };
        qix_expr::eval(
            expr,
            &mut RowScope {
                ex: self.ex,
                ctx: &ctx,
            },
        )
    }
}

/// How deep `Evaluate` calls may nest.
const MAX_EVALUATE_DEPTH: usize = 16;

/// Argument `i` of a host function, `Null` when there is none.
fn arg(args: &[Value], i: usize) -> Value {
    args.get(i).cloned().unwrap_or(Value::Null)
}

impl Exec<'_> {
    /// Host function `name` with its evaluated arguments; `row` is the record being loaded (none outside
    /// a LOAD). A name that is not a host function gives `Null`.
    pub(super) fn host(&mut self, name: &str, args: &[Value], row: Option<&RowCtx<'_>>) -> Value {
        match name {
            "RecNo" => row.map_or(Value::Null, |r| Value::Num(r.recno as f64)),
            "RowNo" => row.map_or(Value::Null, |r| Value::Num(r.rowno as f64)),
            "IterNo" => row.map_or(Value::Null, |r| Value::Num(r.iterno as f64)),
            "Rand" => self.rand(),
            "ApplyMap" => self.apply_map(args),
            "Exists" => self.exists(args, row),
            "Peek" => self.peek(args),
            "NoOfRows" => self.no_of_rows(args),
            "FieldValueCount" => self.field_value_count(args),
            "FieldValue" => self.field_value(args),
            "FieldIndex" => self.field_index(args),
            "Lookup" => self.lookup(args),
            "MapSubString" => self.map_substring(args),
            "AutoNumber" | "AutoNumberHash128" | "AutoNumberHash256" => self.autonumber(name, args),
            "NoOfTables" | "TableName" | "TableNumber" | "NoOfFields" | "FieldName"
            | "FieldNumber" => self.catalog(name, args),
            "Evaluate" => self.evaluate(args, row),
            "FileName" | "FileBaseName" | "FilePath" | "FileDir" | "FileExtension" | "FileSize"
            | "FileTime" => self.file_function(name, args),
            _ => Value::Null,
        }
    }

    /// `Evaluate(text)`: the text parsed as an expression and evaluated where the call is (on the
    /// record being loaded, if any); NULL when it is not a valid expression, and past
    /// [`MAX_EVALUATE_DEPTH`] nested calls (an expression that evaluates itself).
    fn evaluate(&mut self, args: &[Value], row: Option<&RowCtx<'_>>) -> Value {
        let Some(text) = arg(args, 0).text() else {
            return Value::Null;
        };
        let Ok(expr) = qix_expr::parse(&text) else {
            return Value::Null;
        };
        if self.evaluating >= MAX_EVALUATE_DEPTH {
            return Value::Null;
        }
        self.evaluating += 1;
        let value = match row {
            Some(ctx) => qix_expr::eval(&expr, &mut RowScope { ex: self, ctx }),
            None => qix_expr::eval(&expr, &mut NoRow { ex: self }),
        };
        self.evaluating -= 1;
        value
    }

    /// `Rand()`: the next number of the script's xorshift64* generator, in [0, 1).
    fn rand(&mut self) -> Value {
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        let v = self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D);
        Value::Num((v >> 11) as f64 / (1u64 << 53) as f64)
    }
}
