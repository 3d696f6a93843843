//! Set analysis: the syntax tree of a set expression (`{$<Year={2020}>}`, `{1-$}`, `{BM01*$<F=P(G)>}`),
//! its re-parsable text form, and its parser.
//!
//! What a set *means* (which rows it stands for) is the engine's business: this module only reads and
//! writes the grammar Qlik documents under "Set analysis" — identifiers, set operators, modifiers with
//! element sets (value lists, searches, other fields, `P()` / `E()`), `StateA::Field` references.
//!
//! Choices worth knowing:
//! - `*` and `/` bind tighter than `+` and `-` (between sets and between element sets alike); all are
//!   left-associative.
//! - In a value list, `'text'` is a literal (case-sensitive, one value), `"text"`, `[text]` and `` `text` ``
//!   are searches (wildcards, `>=2020<2023`, `=expression`), and an unquoted word is a literal, or a
//!   number when it reads as one.
//! - The parser recurses only through parentheses and `P()`/`E()`, at most [`MAX_SET_DEPTH`] deep.

use std::fmt;

/// How deep parentheses and `P()` / `E()` may nest inside one set expression.
pub const MAX_SET_DEPTH: usize = 32;

/// A set expression: the part between the braces of `Sum({...} x)`.
#[derive(Debug, Clone, PartialEq)]
pub enum SetExpr {
    /// An identifier with optional modifiers: `$`, `1<Year={2020}>`, `BM01`, or just `<F={a}>` (then the
    /// identifier is `$`).
    Term {
        /// The base set; `None` when only a modifier is written (the current selection).
        ident: Option<SetIdent>,
        /// Field modifiers applied to the base, in order.
        modifiers: Vec<FieldModifier>,
    },
    /// Two sets combined.
    Op(SetOp, Box<SetExpr>, Box<SetExpr>),
}

/// A set identifier.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SetIdent {
    /// `$`: the current selection (of the object's state).
    Current,
    /// `1`: everything, no selection.
    All,
    /// `$1`, `$2`, ...: the selection that many steps back in the selection history.
    Back(u32),
    /// `$_1`, ...: that many steps forward.
    Forward(u32),
    /// A bookmark id or name, or an alternate state's name.
    Named(String),
}

/// An operator between sets or between element sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetOp {
    /// `+`: union.
    Union,
    /// `-`: exclusion (in the left, not in the right).
    Exclusion,
    /// `*`: intersection.
    Intersection,
    /// `/`: symmetric difference (in exactly one).
    SymmetricDifference,
}

impl SetOp {
    fn symbol(self) -> char {
        match self {
            SetOp::Union => '+',
            SetOp::Exclusion => '-',
            SetOp::Intersection => '*',
            SetOp::SymmetricDifference => '/',
        }
    }

    fn of(c: char) -> Option<SetOp> {
        Some(match c {
            '+' => SetOp::Union,
            '-' => SetOp::Exclusion,
            '*' => SetOp::Intersection,
            '/' => SetOp::SymmetricDifference,
            _ => return None,
        })
    }

    fn binds_tight(self) -> bool {
        matches!(self, SetOp::Intersection | SetOp::SymmetricDifference)
    }
}

/// A field named in a set expression, optionally in another state: `Year`, `[Order Date]`, `StateA::Year`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FieldRef {
    /// The alternate state (`StateA::F`); `None` for the set's own.
    pub state: Option<String>,
    /// The field name.
    pub name: String,
}

/// One `Field = elements` inside `<...>`.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldModifier {
    /// The field whose selection is replaced or changed.
    pub field: FieldRef,
    /// `None` for `=`; `Some(op)` for `+=`, `-=`, `*=`, `/=` (the element set combined with the base's
    /// selection of the field).
    pub assign: Option<SetOp>,
    /// The element set; `None` for `F=` (clear the field's selection).
    pub values: Option<ElementSet>,
}

/// A set of values of a field.
#[derive(Debug, Clone, PartialEq)]
pub enum ElementSet {
    /// `{a, 'b', "c*", 2020}`.
    List(Vec<Element>),
    /// Another field's selected values: `<OrderDate = DeliveryDate>`, `<F = StateA::F>`.
    Field(FieldRef),
    /// `P({set} field)` (possible values) or `E({set} field)` (excluded values); the field defaults to
    /// the modified one, the set to `$`.
    Function {
        /// `E()` rather than `P()`.
        excluded: bool,
        /// The set the values are taken in.
        set: Option<Box<SetExpr>>,
        /// Whose values; `None` for the modified field.
        field: Option<FieldRef>,
    },
    /// Two element sets combined.
    Op(SetOp, Box<ElementSet>, Box<ElementSet>),
}

/// One entry of a value list.
#[derive(Debug, Clone, PartialEq)]
pub enum Element {
    /// A number: matches the value with that number.
    Num(f64),
    /// A literal (`'New Zealand'` or an unquoted word): matches the value with exactly that text.
    Literal(String),
    /// A search (`"C*"`, `">=2015<2016"`, `"=Sum(Sales)>1000"`).
    Search(String),
}

fn write_name(f: &mut fmt::Formatter<'_>, name: &str) -> fmt::Result {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '%' | '#' | '@'));
    if plain {
        f.write_str(name)
    } else {
        write!(f, "[{}]", name.replace(']', "]]"))
    }
}

impl fmt::Display for FieldRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(s) = &self.state {
            write_name(f, s)?;
            f.write_str("::")?;
        }
        write_name(f, &self.name)
    }
}

impl fmt::Display for SetIdent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetIdent::Current => f.write_str("$"),
            SetIdent::All => f.write_str("1"),
            SetIdent::Back(n) => write!(f, "${n}"),
            SetIdent::Forward(n) => write!(f, "$_{n}"),
            SetIdent::Named(n) => write_name(f, n),
        }
    }
}

/// Written without the outer braces: `$<Year={2020}>`, `(1 - $)`.
impl fmt::Display for SetExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetExpr::Term { ident, modifiers } => {
                if let Some(i) = ident {
                    write!(f, "{i}")?;
                }
                if !modifiers.is_empty() || ident.is_none() {
                    f.write_str("<")?;
                    for (i, m) in modifiers.iter().enumerate() {
                        if i > 0 {
                            f.write_str(", ")?;
                        }
                        write!(f, "{m}")?;
                    }
                    f.write_str(">")?;
                }
                Ok(())
            }
            SetExpr::Op(op, l, r) => write!(f, "({l} {} {r})", op.symbol()),
        }
    }
}

impl fmt::Display for FieldModifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.field)?;
        if let Some(op) = self.assign {
            write!(f, " {}", op.symbol())?;
        } else {
            f.write_str(" ")?;
        }
        f.write_str("=")?;
        if let Some(v) = &self.values {
            write!(f, " {v}")?;
        }
        Ok(())
    }
}

impl fmt::Display for ElementSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ElementSet::List(items) => {
                f.write_str("{")?;
                for (i, e) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    match e {
                        Element::Num(n) => write!(f, "{n}")?,
                        Element::Literal(s) => write!(f, "'{}'", s.replace('\'', "''"))?,
                        Element::Search(s) => write!(f, "\"{}\"", s.replace('"', "\"\""))?,
                    }
                }
                f.write_str("}")
            }
            ElementSet::Field(r) => write!(f, "{r}"),
            ElementSet::Function {
                excluded,
                set,
                field,
            } => {
                f.write_str(if *excluded { "E(" } else { "P(" })?;
                if let Some(s) = set {
                    write!(f, "{{{s}}}")?;
                    if field.is_some() {
                        f.write_str(" ")?;
                    }
                }
                if let Some(r) = field {
                    write!(f, "{r}")?;
                }
                f.write_str(")")
            }
            ElementSet::Op(op, l, r) => write!(f, "({l} {} {r})", op.symbol()),
        }
    }
}

/// Why a set expression does not parse: a message and the byte offset in the set's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SetError {
    pub position: usize,
    pub message: String,
}

/// Parses the text between the outer braces of a set expression.
pub(crate) fn parse_set(text: &str) -> Result<SetExpr, SetError> {
    let mut p = SetParser {
        text,
        pos: 0,
        depth: 0,
    };
    let set = p.set_expr()?;
    p.skip_ws();
    if p.pos < text.len() {
        return Err(p.error(format!("unexpected '{}' in set expression", p.rest_word())));
    }
    Ok(set)
}

struct SetParser<'a> {
    text: &'a str,
    pos: usize,
    depth: usize,
}

impl SetParser<'_> {
    fn error(&self, message: impl Into<String>) -> SetError {
        SetError {
            position: self.pos,
            message: message.into(),
        }
    }

    fn peek(&self) -> Option<char> {
        self.text.get(self.pos..).and_then(|s| s.chars().next())
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.text.get(self.pos..).and_then(|s| s.chars().nth(n))
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char, what: &str) -> Result<(), SetError> {
        if self.eat(c) {
            Ok(())
        } else {
            let found = self.rest_word();
            Err(self.error(format!("expected '{c}' {what}, found '{found}'")))
        }
    }

    fn rest_word(&self) -> String {
        let rest = self.text.get(self.pos..).unwrap_or("");
        if rest.is_empty() {
            return "the end of the set expression".into();
        }
        rest.chars().take(12).collect()
    }

    fn enter(&mut self) -> Result<(), SetError> {
        self.depth += 1;
        if self.depth > MAX_SET_DEPTH {
            return Err(self.error(format!(
                "set expression is nested too deeply (more than {MAX_SET_DEPTH} levels)"
            )));
        }
        Ok(())
    }

    /// A binary operator next (not `+=` and the like, which belong to a modifier).
    fn op_next(&mut self) -> Option<SetOp> {
        self.skip_ws();
        let op = SetOp::of(self.peek()?)?;
        (self.peek_at(1) != Some('=')).then_some(op)
    }

    /// `term (op term)*` with `*` `/` binding tighter than `+` `-`.
    fn set_expr(&mut self) -> Result<SetExpr, SetError> {
        let first = self.set_term()?;
        let mut rest = Vec::new();
        while let Some(op) = self.op_next() {
            self.bump();
            rest.push((op, self.set_term()?));
        }
        Ok(fold_ops(first, rest, SetExpr::Op))
    }

    fn set_term(&mut self) -> Result<SetExpr, SetError> {
        self.skip_ws();
        if self.eat('(') {
            self.enter()?;
            let e = self.set_expr()?;
            self.expect(')', "to close '(' in the set expression")?;
            self.depth -= 1;
            return Ok(e);
        }
        let ident = match self.peek() {
            Some('<') => None,
            Some(_) => Some(self.ident()?),
            None => return Err(self.error("expected a set identifier or a modifier '<...>'")),
        };
        self.skip_ws();
        let modifiers = if self.peek() == Some('<') {
            self.modifiers()?
        } else {
            Vec::new()
        };
        Ok(SetExpr::Term { ident, modifiers })
    }

    fn digits(&mut self) -> Option<u32> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.bump();
        }
        self.text.get(start..self.pos)?.parse().ok()
    }

    fn ident(&mut self) -> Result<SetIdent, SetError> {
        match self.peek() {
            Some('$') => {
                self.bump();
                if self.peek() == Some('_') {
                    self.bump();
                    let n = self
                        .digits()
                        .ok_or_else(|| self.error("expected a number after '$_'"))?;
                    return Ok(SetIdent::Forward(n));
                }
                Ok(self.digits().map_or(SetIdent::Current, SetIdent::Back))
            }
            Some('1') if !self.peek_at(1).is_some_and(|c| c.is_alphanumeric()) => {
                self.bump();
                Ok(SetIdent::All)
            }
            _ => Ok(SetIdent::Named(self.name()?)),
        }
    }

    /// A bare or `[bracketed]` name.
    fn name(&mut self) -> Result<String, SetError> {
        self.skip_ws();
        if self.peek() == Some('[') {
            self.bump();
            return self.quoted(']');
        }
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '%' | '#' | '@' | '$'))
        {
            self.bump();
        }
        if start == self.pos {
            let found = self.rest_word();
            return Err(self.error(format!("expected a name, found '{found}'")));
        }
        Ok(self.text.get(start..self.pos).unwrap_or("").to_string())
    }

    /// The text up to `close` (doubled `close` standing for itself), after the opening character.
    fn quoted(&mut self, close: char) -> Result<String, SetError> {
        let rest = self.text.get(self.pos..).unwrap_or("");
        match crate::lexer::unquote(rest, close) {
            Some((text, used)) => {
                self.pos += used;
                Ok(text)
            }
            None => Err(self.error(format!("missing closing {close}"))),
        }
    }

    fn field_ref(&mut self) -> Result<FieldRef, SetError> {
        let first = self.name()?;
        self.skip_ws();
        if self
            .text
            .get(self.pos..)
            .is_some_and(|r| r.starts_with("::"))
        {
            self.pos += 2;
            let name = self.name()?;
            return Ok(FieldRef {
                state: Some(first),
                name,
            });
        }
        Ok(FieldRef {
            state: None,
            name: first,
        })
    }

    fn modifiers(&mut self) -> Result<Vec<FieldModifier>, SetError> {
        self.expect('<', "to open a modifier")?;
        let mut out = Vec::new();
        if self.eat('>') {
            return Ok(out);
        }
        loop {
            out.push(self.modifier()?);
            if self.eat(',') {
                continue;
            }
            self.expect('>', "to close the modifier")?;
            return Ok(out);
        }
    }

    fn modifier(&mut self) -> Result<FieldModifier, SetError> {
        let field = self.field_ref()?;
        self.skip_ws();
        let assign = match self.peek().and_then(SetOp::of) {
            Some(op) if self.peek_at(1) == Some('=') => {
                self.bump();
                Some(op)
            }
            _ => None,
        };
        self.expect('=', &format!("after the field {field} in a modifier"))?;
        self.skip_ws();
        let values = match self.peek() {
            Some(',' | '>') => None,
            _ => Some(self.element_expr()?),
        };
        Ok(FieldModifier {
            field,
            assign,
            values,
        })
    }

    fn element_expr(&mut self) -> Result<ElementSet, SetError> {
        let first = self.element_term()?;
        let mut rest = Vec::new();
        while let Some(op) = self.op_next() {
            self.bump();
            rest.push((op, self.element_term()?));
        }
        Ok(fold_ops(first, rest, ElementSet::Op))
    }

    fn element_term(&mut self) -> Result<ElementSet, SetError> {
        self.skip_ws();
        match self.peek() {
            Some('{') => {
                self.bump();
                self.value_list()
            }
            Some('(') => {
                self.bump();
                self.enter()?;
                let e = self.element_expr()?;
                self.expect(')', "to close '(' in an element set")?;
                self.depth -= 1;
                Ok(e)
            }
            Some('P' | 'p' | 'E' | 'e') if self.peek_at(1) == Some('(') => self.function(),
            _ => Ok(ElementSet::Field(self.field_ref()?)),
        }
    }

    /// `P({set} field)` / `E(...)`, at the `P`.
    fn function(&mut self) -> Result<ElementSet, SetError> {
        let excluded = matches!(self.bump(), Some('E' | 'e'));
        self.bump(); // '('
        self.enter()?;
        let set = if self.eat('{') {
            let s = self.set_expr()?;
            self.expect('}', "to close the set of P() or E()")?;
            Some(Box::new(s))
        } else {
            None
        };
        let field = if self.eat(')') {
            None
        } else {
            let f = self.field_ref()?;
            self.expect(')', "to close P() or E()")?;
            Some(f)
        };
        self.depth -= 1;
        Ok(ElementSet::Function {
            excluded,
            set,
            field,
        })
    }

    /// The values of `{...}` after the `{`.
    fn value_list(&mut self) -> Result<ElementSet, SetError> {
        let mut items = Vec::new();
        if self.eat('}') {
            return Ok(ElementSet::List(items));
        }
        loop {
            self.skip_ws();
            let item = match self.peek() {
                Some('\'') => {
                    self.bump();
                    Element::Literal(self.quoted('\'')?)
                }
                Some(q @ ('"' | '`')) => {
                    self.bump();
                    Element::Search(self.quoted(q)?)
                }
                Some('[') => {
                    self.bump();
                    Element::Search(self.quoted(']')?)
                }
                _ => self.bare_value()?,
            };
            items.push(item);
            if self.eat(',') {
                continue;
            }
            self.expect('}', "to close the value list")?;
            return Ok(ElementSet::List(items));
        }
    }

    /// An unquoted value: up to the next `,` or `}`, trimmed; a number when it reads as one.
    fn bare_value(&mut self) -> Result<Element, SetError> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c != ',' && c != '}') {
            self.bump();
        }
        let word = self.text.get(start..self.pos).unwrap_or("").trim();
        if word.is_empty() {
            self.pos = start;
            return Err(self.error("expected a value in the value list"));
        }
        Ok(match word.parse::<f64>() {
            Ok(n) if n.is_finite() => Element::Num(n),
            _ => Element::Literal(word.to_string()),
        })
    }
}

/// Folds `first op0 t1 op1 t2 ...` into a tree: tight operators (`*`, `/`) first, then `+` / `-`, each
/// left-associative.
fn fold_ops<T>(first: T, rest: Vec<(SetOp, T)>, mk: fn(SetOp, Box<T>, Box<T>) -> T) -> T {
    // First pass: combine tight operators into their left operand.
    let mut head = first;
    let mut loose: Vec<(SetOp, T)> = Vec::new();
    for (op, t) in rest {
        if !op.binds_tight() {
            loose.push((op, t));
            continue;
        }
        match loose.pop() {
            Some((lop, l)) => loose.push((lop, mk(op, Box::new(l), Box::new(t)))),
            None => head = mk(op, Box::new(head), Box::new(t)),
        }
    }
    loose
        .into_iter()
        .fold(head, |acc, (op, t)| mk(op, Box::new(acc), Box::new(t)))
}
