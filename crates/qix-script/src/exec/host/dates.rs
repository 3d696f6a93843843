//! The date and time host functions: `Today`, `Now`, `Date`, `Time`, `Timestamp` and their `#` forms
//! that read text, `MakeDate`, `MakeTime`, and the parts `Year` ... `Second`. Formats default to the
//! script's `DateFormat`, `TimeFormat` and `TimestampFormat`, month and day names to its `MonthNames`,
//! `DayNames` (and their long forms).

use super::arg;
use crate::dates::{self, Names};
use crate::exec::Exec;
use qix_expr::Value;
use std::rc::Rc;

impl Exec<'_> {
    /// Date or time function `name` with its arguments; `Null` for a name that is none of them.
    pub(super) fn date_function(&mut self, name: &str, args: &[Value]) -> Value {
        match name {
            "Today" => {
                let d = dates::now().floor();
                Value::Dual(dates::format(d, &self.date_format(), &self.names()), d)
            }
            "Now" => {
                let d = dates::now();
                Value::Dual(dates::format(d, &self.timestamp_format(), &self.names()), d)
            }
            "Date" | "Time" | "Timestamp" => self.format_date(name, args),
            "Date#" | "Time#" | "Timestamp#" => self.interpret_date(name, args),
            "MakeDate" => self.make_date(args),
            "MakeTime" => {
                let h = arg(args, 0).num().unwrap_or(0.0);
                let m = arg(args, 1).num().unwrap_or(0.0);
                let s = arg(args, 2).num().unwrap_or(0.0);
                let n = (h * 3600.0 + m * 60.0 + s) / 86400.0;
                Value::Dual(dates::format(n, &self.time_format(), &self.names()), n)
            }
            "Year" | "Month" | "Day" | "Weekday" | "Week" | "Hour" | "Minute" | "Second" => {
                self.date_part(name, args)
            }
            _ => Value::Null,
        }
    }

    /// `Date`, `Time` or `Timestamp` (`name`) of a number, in the format given or the script's.
    fn format_date(&mut self, name: &str, args: &[Value]) -> Value {
        let Some(n) = arg(args, 0).num() else {
            return Value::Null;
        };
        let n = if name == "Date" { n.floor() } else { n };
        let format = arg(args, 1)
            .text()
            .unwrap_or_else(|| self.default_format(name));
        Value::Dual(dates::format(n, &format, &self.names()), n)
    }

    /// `Date#`, `Time#` or `Timestamp#` (`name`): the number a text reads as in the format given or the
    /// script's, with the text kept.
    fn interpret_date(&mut self, name: &str, args: &[Value]) -> Value {
        let Some(t) = arg(args, 0).text() else {
            return Value::Null;
        };
        let format = arg(args, 1)
            .text()
            .unwrap_or_else(|| self.default_format(name));
        match dates::parse(&t, &format, &self.names()) {
            Some(n) => Value::Dual(t, n),
            None => Value::Null,
        }
    }

    /// `MakeDate(year, month, day)` (month and day 1 by default).
    fn make_date(&mut self, args: &[Value]) -> Value {
        let y = arg(args, 0).num();
        let m = if args.len() > 1 {
            arg(args, 1).num()
        } else {
            Some(1.0)
        };
        let d = if args.len() > 2 {
            arg(args, 2).num()
        } else {
            Some(1.0)
        };
        match (y, m, d) {
            (Some(y), Some(m), Some(d)) if (1.0..=12.0).contains(&m) => {
                let n = dates::make_date(y as i64, m as i64, d as i64);
                Value::Dual(dates::format(n, &self.date_format(), &self.names()), n)
            }
            _ => Value::Null,
        }
    }

    /// `Year`, `Month` (with its name), `Day`, `Weekday` (with its name), `Week` (ISO), `Hour`,
    /// `Minute` or `Second` (`name`) of a date number.
    fn date_part(&mut self, name: &str, args: &[Value]) -> Value {
        let Some(n) = arg(args, 0).num() else {
            return Value::Null;
        };
        let (y, m, d, h, mi, s, _, wd) = dates::parts(n);
        let names = self.names();
        match name {
            "Year" => Value::Num(y as f64),
            "Month" => Value::Dual(
                names
                    .months
                    .get(m as usize - 1)
                    .cloned()
                    .unwrap_or_default(),
                m as f64,
            ),
            "Day" => Value::Num(d as f64),
            "Weekday" => Value::Dual(
                names.days.get(wd as usize).cloned().unwrap_or_default(),
                wd as f64,
            ),
            "Week" => Value::Num(dates::iso_week(n) as f64),
            "Hour" => Value::Num(h as f64),
            "Minute" => Value::Num(mi as f64),
            _ => Value::Num(s as f64),
        }
    }

    /// The script's format for `Date`, `Time` or `Timestamp` (with or without `#`).
    fn default_format(&self, name: &str) -> String {
        match name.trim_end_matches('#') {
            "Date" => self.date_format(),
            "Time" => self.time_format(),
            _ => self.timestamp_format(),
        }
    }

    fn date_format(&self) -> String {
        self.fmt_var("DateFormat", "YYYY-MM-DD")
    }

    fn timestamp_format(&self) -> String {
        self.fmt_var("TimestampFormat", "YYYY-MM-DD hh:mm:ss[.fff]")
    }

    fn time_format(&self) -> String {
        self.fmt_var("TimeFormat", "hh:mm:ss")
    }

    fn fmt_var(&self, name: &str, default: &str) -> String {
        self.var(name)
            .cloned()
            .unwrap_or_else(|| default.to_string())
    }

    /// The script's month and day names, built again after one of their variables changed.
    fn names(&mut self) -> Rc<Names> {
        if let Some(n) = &self.names {
            return n.clone();
        }
        let n = Rc::new(self.build_names());
        self.names = Some(n.clone());
        n
    }

    fn build_names(&self) -> Names {
        let mut n = Names::default();
        let list = |s: &String| s.split(';').map(str::to_string).collect::<Vec<_>>();
        if let Some(v) = self.var("MonthNames") {
            n.months = list(v);
        }
        if let Some(v) = self.var("LongMonthNames") {
            n.long_months = list(v);
        }
        if let Some(v) = self.var("DayNames") {
            n.days = list(v);
        }
        if let Some(v) = self.var("LongDayNames") {
            n.long_days = list(v);
        }
        n
    }
}
