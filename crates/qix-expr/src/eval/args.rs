//! The evaluated arguments of one function call, as the function families take them: each argument is
//! taken out once (no clone), and an argument that is missing reads as `Null`.

use super::int;
use crate::value::Value;

/// The evaluated arguments of one call.
pub(super) struct Args {
    values: Vec<Value>,
}

impl Args {
    pub(super) fn new(values: Vec<Value>) -> Self {
        Args { values }
    }

    /// How many arguments the call has.
    pub(super) fn len(&self) -> usize {
        self.values.len()
    }

    /// Argument `i`, taken out of the call (taking it again gives `Null`); `Null` when there is none.
    pub(super) fn take(&mut self, i: usize) -> Value {
        self.values
            .get_mut(i)
            .map_or(Value::Null, |v| std::mem::replace(v, Value::Null))
    }

    /// The text of argument `i`, if it has one.
    pub(super) fn text(&mut self, i: usize) -> Option<String> {
        self.take(i).text()
    }

    /// The number of argument `i`, if it has one.
    pub(super) fn num(&mut self, i: usize) -> Option<f64> {
        self.take(i).num()
    }

    /// The integer part of argument `i`'s number (saturating), if it has one.
    pub(super) fn int(&mut self, i: usize) -> Option<i64> {
        int(&self.take(i))
    }
}
