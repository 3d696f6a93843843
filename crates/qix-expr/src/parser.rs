//! Operator-precedence (shunting-yard) parser, without recursion: text to [`Expr`].

use crate::ast::{AggFunc, Aggr, AggrFn, AggrSort, AggrSortBy, BinOp, Expr};
use crate::functions;
use crate::lexer::{tokenize, Tok, Token};
use crate::set::{parse_set, SetExpr, SetIdent};

/// How many levels deep a parsed tree may be (a literal or field is one level, each operator, call or
/// aggregation over it one more). Deeper input is refused with an error rather than risking the stack in
/// [`crate::eval`], `Display`, comparisons or when the tree is dropped, which recurse over the tree.
/// Parentheses that add no node do not count.
pub const MAX_DEPTH: usize = 256;

/// Why a text is not a valid expression, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at position {position}")]
pub struct ParseError {
    /// Byte offset in the parsed text of the token (or character) where the problem was found; the
    /// text's length when it ended too early.
    pub position: usize,
    /// What is wrong, e.g. `expected ')' to close 'Sum(' but reached the end of the expression`.
    pub message: String,
}

impl ParseError {
    /// The 1-based line and column (counted in characters) of [`ParseError::position`] in `text`, which
    /// must be the text that was parsed. A position past the end counts as the end.
    pub fn line_col(&self, text: &str) -> (usize, usize) {
        let mut line = 1;
        let mut col = 1;
        for (i, c) in text.char_indices() {
            if i >= self.position {
                break;
            }
            if c == '\n' {
                line += 1;
                col = 1;
            } else {
                col += 1;
            }
        }
        (line, col)
    }
}

/// Parses one expression.
///
/// White space and newlines may appear anywhere between tokens, as may `// line` and `/* block */`
/// comments; a leading `=` is skipped. Keywords (`and`, `or`, `not`, `DISTINCT`, `TOTAL`) and function
/// names are case-insensitive. Unknown functions, wrong argument counts, an aggregation inside another
/// aggregation and trees deeper than [`MAX_DEPTH`] are errors.
///
/// The parser does not recurse: its stack use does not grow with the nesting of the text.
pub fn parse(text: &str) -> Result<Expr, ParseError> {
    let mut p = Parser {
        toks: tokenize(text),
        i: 0,
        operands: Vec::new(),
        frames: Vec::new(),
    };
    if p.kind(0) == &Tok::Eq {
        p.i += 1;
    }
    p.run()
}

fn err(position: usize, message: impl Into<String>) -> ParseError {
    ParseError {
        position,
        message: message.into(),
    }
}

/// `s`, cut to its first 30 characters.
fn short(s: &str) -> String {
    match s.char_indices().nth(30) {
        Some((i, _)) => format!("{}...", s.get(..i).unwrap_or("")),
        None => s.to_string(),
    }
}

/// How a token is named in an error message.
fn describe(t: &Tok) -> String {
    match t {
        Tok::Num(n) => format!("number {n}"),
        Tok::Str(s) => format!("string '{}'", short(s)),
        Tok::Name(s) => format!("'{}'", short(s)),
        Tok::Quoted(s) => format!("field [{}]", short(s)),
        Tok::LParen => "'('".into(),
        Tok::RParen => "')'".into(),
        Tok::Comma => "','".into(),
        Tok::Plus => "'+'".into(),
        Tok::Minus => "'-'".into(),
        Tok::Star => "'*'".into(),
        Tok::Slash => "'/'".into(),
        Tok::Caret => "'^'".into(),
        Tok::Amp => "'&'".into(),
        Tok::Eq => "'='".into(),
        Tok::Ne => "'<>'".into(),
        Tok::Lt => "'<'".into(),
        Tok::Le => "'<='".into(),
        Tok::Gt => "'>'".into(),
        Tok::Ge => "'>='".into(),
        Tok::Set(_) => "a set expression '{...}'".into(),
        Tok::End => "the end of the expression".into(),
        Tok::Error(e) => e.message.clone(),
    }
}

/// The chart row functions that take `TOTAL` before their arguments.
const TOTAL_CAPABLE: [&str; 8] = [
    "Above", "Below", "Top", "Bottom", "RowNo", "NoOfRows", "Rank", "HRank",
];

/// Binding power of the operand of prefix `not`: looser than comparisons, tighter than `and`.
const NOT_BP: u8 = 6;

/// Binding power of the operand of unary `-`: tighter than every binary operator, `^` included.
const UNARY_BP: u8 = 18;

/// The binary operator a token stands for, with its left and right binding powers. An operator on the
/// stack with right power `r` takes a following operator with left power `l` into its right operand
/// when `l >= r`.
fn infix(t: &Tok) -> Option<(BinOp, u8, u8)> {
    let op = match t {
        Tok::Name(n) if n.eq_ignore_ascii_case("or") => BinOp::Or,
        Tok::Name(n) if n.eq_ignore_ascii_case("and") => BinOp::And,
        Tok::Eq => BinOp::Eq,
        Tok::Ne => BinOp::Ne,
        Tok::Lt => BinOp::Lt,
        Tok::Le => BinOp::Le,
        Tok::Gt => BinOp::Gt,
        Tok::Ge => BinOp::Ge,
        Tok::Amp => BinOp::Concat,
        Tok::Plus => BinOp::Add,
        Tok::Minus => BinOp::Sub,
        Tok::Star => BinOp::Mul,
        Tok::Slash => BinOp::Div,
        Tok::Caret => BinOp::Pow,
        _ => return None,
    };
    let (l, r) = match op {
        BinOp::Or => (2, 3),
        BinOp::And => (4, 5),
        // prefix `not` sits here (NOT_BP)
        BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => (8, 9),
        BinOp::Concat => (10, 11),
        BinOp::Add | BinOp::Sub => (12, 13),
        BinOp::Mul | BinOp::Div => (14, 15),
        // right-associative
        BinOp::Pow => (17, 16),
    };
    Some((op, l, r))
}

/// A parsed subtree and its depth.
type Node = (Expr, usize);

/// Something waiting on the parser's stack for its operands or its closing `)`.
enum Frame {
    /// A binary operator whose left operand is on the operand stack.
    Binary { op: BinOp, rbp: u8, at: usize },
    /// Unary minus.
    Neg { at: usize },
    /// Prefix `not`.
    Not { at: usize },
    /// An opening parenthesis.
    Paren,
    /// A scalar call; its arguments are the operands from `base` on.
    Call {
        name: &'static str,
        min: usize,
        max: Option<usize>,
        at: usize,
        base: usize,
        total: bool,
    },
    /// An aggregation; its arguments are the operands from `base` on.
    Aggr {
        func: AggFunc,
        quals: Qualifiers,
        at: usize,
        base: usize,
    },
    /// `Aggr(`: the expression, then the dimension fields, are the operands from `base` on.
    AggrFn(Box<AggrOpen>),
}

/// An `Aggr(` being read.
struct AggrOpen {
    nodistinct: bool,
    set: Option<SetExpr>,
    /// Sorts of structured parameters, by argument index (1: the first dimension).
    sorts: Vec<(usize, AggrSort)>,
    at: usize,
    base: usize,
}

/// What may stand between an aggregation's `(` and its expression.
#[derive(Default)]
struct Qualifiers {
    set: Option<SetExpr>,
    distinct: bool,
    total: bool,
    total_fields: Vec<String>,
}

impl Frame {
    /// The binding power below which an operator ends this frame's operand (0: only `)`/`,` end it).
    fn rbp(&self) -> u8 {
        match self {
            Frame::Binary { rbp, .. } => *rbp,
            Frame::Neg { .. } => UNARY_BP,
            Frame::Not { .. } => NOT_BP,
            Frame::Paren | Frame::Call { .. } | Frame::Aggr { .. } | Frame::AggrFn(_) => 0,
        }
    }

    /// How the `)` that closes this frame is described in errors.
    fn closing(&self) -> Option<String> {
        match self {
            Frame::Paren => Some("to close '('".into()),
            Frame::Call { name, .. } => Some(format!("to close '{name}('")),
            Frame::Aggr { func, .. } => Some(format!("to close '{}('", func.name())),
            Frame::AggrFn(_) => Some("to close 'Aggr('".into()),
            _ => None,
        }
    }
}

static END: Token = Token {
    tok: Tok::End,
    start: 0,
};

struct Parser {
    toks: Vec<Token>,
    i: usize,
    /// Finished subtrees.
    operands: Vec<Node>,
    /// Operators, parentheses and calls still open.
    frames: Vec<Frame>,
}

/// A node over children of depth `child_depth`, refused when the tree gets too deep.
fn node(e: Expr, child_depth: usize, at: usize) -> Result<Node, ParseError> {
    let d = child_depth + 1;
    if d > MAX_DEPTH {
        Err(err(
            at,
            format!("expression is nested too deeply (more than {MAX_DEPTH} levels)"),
        ))
    } else {
        Ok((e, d))
    }
}

impl Parser {
    fn tok(&self, ahead: usize) -> &Token {
        self.toks
            .get(self.i + ahead)
            .or_else(|| self.toks.last())
            .unwrap_or(&END)
    }

    fn kind(&self, ahead: usize) -> &Tok {
        &self.tok(ahead).tok
    }

    /// The current token, or the lexing error found here.
    fn cur(&self) -> Result<&Token, ParseError> {
        let t = self.tok(0);
        match &t.tok {
            Tok::Error(e) => Err(e.clone()),
            _ => Ok(t),
        }
    }

    fn pos(&self) -> usize {
        self.tok(0).start
    }

    /// Is the token `ahead` the bare word `kw` (any case)?
    fn is_kw(&self, ahead: usize, kw: &str) -> bool {
        matches!(self.kind(ahead), Tok::Name(n) if n.eq_ignore_ascii_case(kw))
    }

    fn pop_operand(&mut self, at: usize) -> Result<Node, ParseError> {
        self.operands
            .pop()
            .ok_or_else(|| err(at, "internal error: missing operand"))
    }

    /// Applies the operators on top of the stack while their operand ends before an operator of left
    /// binding power `lbp` (0: all of them, up to the innermost parenthesis or call).
    fn reduce(&mut self, lbp: u8) -> Result<(), ParseError> {
        while let Some(f) = self.frames.last() {
            if !matches!(
                f,
                Frame::Binary { .. } | Frame::Neg { .. } | Frame::Not { .. }
            ) || lbp >= f.rbp()
            {
                break;
            }
            let Some(f) = self.frames.pop() else { break };
            let n = match f {
                Frame::Binary { op, at, .. } => {
                    let r = self.pop_operand(at)?;
                    let l = self.pop_operand(at)?;
                    node(
                        Expr::Binary(op, Box::new(l.0), Box::new(r.0)),
                        l.1.max(r.1),
                        at,
                    )?
                }
                Frame::Neg { at } => {
                    let (e, d) = self.pop_operand(at)?;
                    node(Expr::Neg(Box::new(e)), d, at)?
                }
                Frame::Not { at } => {
                    let (e, d) = self.pop_operand(at)?;
                    node(Expr::Not(Box::new(e)), d, at)?
                }
                _ => break,
            };
            self.operands.push(n);
        }
        Ok(())
    }

    /// The innermost open parenthesis or call, described for a "expected ')'" message.
    fn open_closing(&self) -> Option<String> {
        self.frames.iter().rev().find_map(Frame::closing)
    }

    fn run(&mut self) -> Result<Expr, ParseError> {
        loop {
            self.operand()?;
            // After an operand: binary operators, ')' and ',' may follow.
            loop {
                let t = self.cur()?;
                let at = t.start;
                if let Some((op, lbp, rbp)) = infix(&t.tok) {
                    self.reduce(lbp)?;
                    self.frames.push(Frame::Binary { op, rbp, at });
                    self.i += 1;
                    break;
                }
                match &t.tok {
                    Tok::RParen if self.open_closing().is_some() => {
                        self.i += 1;
                        self.reduce(0)?;
                        self.close(at)?;
                    }
                    Tok::Comma
                        if matches!(
                            self.frames.iter().rev().find(|f| f.closing().is_some()),
                            Some(Frame::Call { .. } | Frame::Aggr { .. } | Frame::AggrFn(_))
                        ) =>
                    {
                        self.i += 1;
                        self.reduce(0)?;
                        break;
                    }
                    Tok::End if self.open_closing().is_none() => {
                        self.reduce(0)?;
                        let (e, _) = self.pop_operand(at)?;
                        return Ok(e);
                    }
                    other => {
                        let message = match (self.open_closing(), other) {
                            (Some(what), Tok::End) => {
                                format!("expected ')' {what} but reached the end of the expression")
                            }
                            (Some(what), other) => {
                                format!("expected ')' {what}, found {}", describe(other))
                            }
                            (None, other) => format!(
                                "expected an operator or the end of the expression, found {}",
                                describe(other)
                            ),
                        };
                        return Err(err(at, message));
                    }
                }
            }
        }
    }

    /// Reads prefix operators, parentheses and call openings up to and including one complete
    /// operand (a literal, a field or an argument-less call), which it pushes.
    fn operand(&mut self) -> Result<(), ParseError> {
        loop {
            let t = self.cur()?;
            let at = t.start;
            match &t.tok {
                Tok::Minus => {
                    self.frames.push(Frame::Neg { at });
                    self.i += 1;
                }
                Tok::Plus => self.i += 1,
                Tok::LParen if self.at_aggr_dimension() => {
                    self.structured_parameter()?;
                    return Ok(());
                }
                Tok::LParen => {
                    self.frames.push(Frame::Paren);
                    self.i += 1;
                }
                Tok::Name(n)
                    if n.eq_ignore_ascii_case("not")
                        && self.frames.last().map_or(0, Frame::rbp) <= NOT_BP =>
                {
                    self.frames.push(Frame::Not { at });
                    self.i += 1;
                }
                Tok::Name(n)
                    if ["and", "or", "not"]
                        .iter()
                        .any(|k| k.eq_ignore_ascii_case(n)) =>
                {
                    return Err(err(
                        at,
                        format!("expected an expression, found the keyword '{n}'"),
                    ));
                }
                Tok::Name(n) if self.kind(1) == &Tok::LParen => {
                    let name = n.clone();
                    if self.open_call(name, at)? {
                        return Ok(());
                    }
                }
                Tok::Name(n) => {
                    let e = Expr::Field(n.clone());
                    self.i += 1;
                    self.operands.push((e, 1));
                    return Ok(());
                }
                Tok::Num(x) => {
                    let e = Expr::Num(*x);
                    self.i += 1;
                    self.operands.push((e, 1));
                    return Ok(());
                }
                Tok::Str(s) => {
                    let e = Expr::Str(s.clone());
                    self.i += 1;
                    self.operands.push((e, 1));
                    return Ok(());
                }
                Tok::Quoted(s) => {
                    let e = Expr::Field(s.clone());
                    self.i += 1;
                    self.operands.push((e, 1));
                    return Ok(());
                }
                Tok::End => return Err(err(at, "unexpected end of expression")),
                other => {
                    return Err(err(
                        at,
                        format!("expected an expression, found {}", describe(other)),
                    ))
                }
            }
        }
    }

    /// Opens a call; the current token is its name, the next one `(`. Returns whether the call is
    /// already complete (pushed as an operand) rather than waiting for its arguments.
    fn open_call(&mut self, name: String, at: usize) -> Result<bool, ParseError> {
        if name.eq_ignore_ascii_case("aggr") {
            self.i += 2;
            let mut set = None;
            if let Tok::Set(text) = self.kind(0) {
                let offset = self.pos() + 1;
                set = Some(parse_set(text).map_err(|e| err(offset + e.position, e.message))?);
                self.i += 1;
            }
            let nodistinct = self.is_kw(0, "nodistinct") && self.starts_operand(1);
            if nodistinct {
                self.i += 1;
            }
            self.frames.push(Frame::AggrFn(Box::new(AggrOpen {
                nodistinct,
                set,
                sorts: Vec::new(),
                at,
                base: self.operands.len(),
            })));
            return Ok(false);
        }
        if let Some(func) = AggFunc::from_name(&name) {
            let inside = self
                .frames
                .iter()
                .rev()
                .find(|f| matches!(f, Frame::Aggr { .. } | Frame::AggrFn(_)));
            if matches!(inside, Some(Frame::Aggr { .. })) {
                return Err(err(
                    at,
                    format!(
                        "nested aggregation: '{}' inside another aggregation",
                        func.name()
                    ),
                ));
            }
            self.i += 2;
            return self.open_aggregation(func, at);
        }
        let Some(spec) = functions::lookup(&name) else {
            let message = if name == "$" {
                "dollar-sign expansion '$(...)' is not supported".to_string()
            } else {
                format!("unknown function '{name}'")
            };
            return Err(err(at, message));
        };
        self.i += 2;
        // `Above(TOTAL Sum(x))`, `RowNo(TOTAL)`: chart row functions over the whole column.
        let total = TOTAL_CAPABLE.contains(&spec.name)
            && self.is_kw(0, "total")
            && (self.kind(1) == &Tok::RParen || self.starts_operand(1));
        if total {
            self.i += 1;
        }
        let frame = Frame::Call {
            name: spec.name,
            min: spec.min,
            max: spec.max,
            at,
            base: self.operands.len(),
            total,
        };
        if self.kind(0) == &Tok::RParen {
            self.i += 1;
            self.frames.push(frame);
            self.close(at)?;
            return Ok(true);
        }
        self.frames.push(frame);
        Ok(false)
    }

    /// Pops the innermost parenthesis or call after its `)` was read (at `at`), the operators inside
    /// having been applied.
    fn close(&mut self, at: usize) -> Result<(), ParseError> {
        match self.frames.pop() {
            Some(Frame::Paren) => Ok(()),
            Some(Frame::Call {
                name,
                min,
                max,
                at,
                base,
                total,
            }) => {
                let args = self.operands.split_off(base.min(self.operands.len()));
                let n = args.len();
                if n < min || max.is_some_and(|m| n > m) {
                    return Err(err(at, arity_message(name, min, max, n)));
                }
                let depth = args.iter().map(|a| a.1).max().unwrap_or(0);
                let args = args.into_iter().map(|a| a.0).collect();
                let call = node(
                    Expr::Call {
                        name: name.to_string(),
                        args,
                        total,
                    },
                    depth,
                    at,
                )?;
                self.operands.push(call);
                Ok(())
            }
            Some(Frame::AggrFn(open)) => {
                let args = self.operands.split_off(open.base.min(self.operands.len()));
                self.close_aggr_fn(*open, args)
            }
            Some(Frame::Aggr {
                func,
                quals,
                at,
                base,
            }) => {
                let args = self.operands.split_off(base.min(self.operands.len()));
                let (min, max) = func.arity();
                if args.len() < min || args.len() > max {
                    return Err(err(
                        at,
                        arity_message(func.name(), min, Some(max), args.len()),
                    ));
                }
                let depth = args.iter().map(|a| a.1).max().unwrap_or(0);
                let mut args = args.into_iter().map(|a| a.0);
                let Some(arg) = args.next() else {
                    return Err(err(at, "internal error: missing argument"));
                };
                let aggr = node(
                    Expr::Aggr(Aggr {
                        func,
                        distinct: quals.distinct,
                        total: quals.total,
                        total_fields: quals.total_fields,
                        set: quals.set,
                        arg: Box::new(arg),
                        extra: args.collect(),
                    }),
                    depth,
                    at,
                )?;
                self.operands.push(aggr);
                Ok(())
            }
            _ => Err(err(at, "internal error: ')' without '('")),
        }
    }

    /// Can the token `ahead` start the aggregated expression (so that a preceding `DISTINCT`/`TOTAL` is a
    /// keyword and not a field of that name)?
    fn starts_operand(&self, ahead: usize) -> bool {
        match self.kind(ahead) {
            Tok::Num(_) | Tok::Str(_) | Tok::Quoted(_) | Tok::LParen | Tok::Minus | Tok::Plus => {
                true
            }
            Tok::Name(n) => !["and", "or"].iter().any(|k| k.eq_ignore_ascii_case(n)),
            _ => false,
        }
    }

    /// Reads a set expression, `ALL`, `DISTINCT`, `TOTAL [<fields>]` and `*` after `Name(`, then opens the
    /// aggregation. Returns whether it is already complete (`Count(*)`).
    fn open_aggregation(&mut self, func: AggFunc, at: usize) -> Result<bool, ParseError> {
        let mut quals = Qualifiers::default();
        if let Tok::Set(text) = self.kind(0) {
            let offset = self.pos() + 1;
            let set = parse_set(text).map_err(|e| err(offset + e.position, e.message))?;
            quals.set = Some(set);
            self.i += 1;
        }
        self.qualifiers(func, &mut quals)?;
        let frame = Frame::Aggr {
            func,
            quals,
            at,
            base: self.operands.len(),
        };
        if func == AggFunc::Count && self.kind(0) == &Tok::Star && self.kind(1) == &Tok::RParen {
            self.i += 2;
            self.operands.push((Expr::Num(1.0), 1));
            self.frames.push(frame);
            self.close(at)?;
            return Ok(true);
        }
        if self.kind(0) == &Tok::RParen {
            return Err(err(
                self.pos(),
                format!("'{}' needs an expression to aggregate", func.name()),
            ));
        }
        self.frames.push(frame);
        Ok(false)
    }

    /// Reads `ALL`, `DISTINCT` and `TOTAL [<fields>]`, each at most once, in any order.
    fn qualifiers(&mut self, func: AggFunc, quals: &mut Qualifiers) -> Result<(), ParseError> {
        loop {
            let count_star = func == AggFunc::Count
                && self.kind(1) == &Tok::Star
                && self.kind(2) == &Tok::RParen;
            let operand_follows = self.starts_operand(1) || count_star;
            if !quals.distinct && self.is_kw(0, "distinct") && operand_follows {
                quals.distinct = true;
                self.i += 1;
            } else if quals.set.is_none() && self.is_kw(0, "all") && operand_follows {
                // QlikView's ALL: every row, ignoring the chart's dimensions.
                quals.set = Some(SetExpr::Term {
                    ident: Some(SetIdent::All),
                    modifiers: Vec::new(),
                });
                quals.total = true;
                self.i += 1;
            } else if !quals.total
                && self.is_kw(0, "total")
                && (self.kind(1) == &Tok::Lt || operand_follows)
            {
                quals.total = true;
                self.i += 1;
                if self.kind(0) == &Tok::Lt {
                    quals.total_fields = self.total_fields()?;
                }
            } else {
                return Ok(());
            }
        }
    }

    /// Builds `Aggr(...)` from its arguments: an expression with an aggregation, then fields.
    fn close_aggr_fn(&mut self, open: AggrOpen, args: Vec<Node>) -> Result<(), ParseError> {
        let at = open.at;
        if args.len() < 2 {
            return Err(err(at, arity_message("Aggr", 2, None, args.len())));
        }
        let depth = args.iter().map(|a| a.1).max().unwrap_or(0);
        let mut args = args.into_iter().map(|a| a.0);
        let Some(expr) = args.next() else {
            return Err(err(at, "internal error: missing argument"));
        };
        if !crate::ast::has_aggregation(&expr) {
            return Err(err(
                at,
                "the first argument of 'Aggr' must contain an aggregation",
            ));
        }
        let mut dims = Vec::new();
        for a in args {
            match a {
                Expr::Field(name) => dims.push(name),
                other => {
                    return Err(err(
                        at,
                        format!("the dimensions of 'Aggr' must be fields, found {other}"),
                    ))
                }
            }
        }
        let mut sorts = vec![None; dims.len()];
        for (i, s) in open.sorts {
            if let Some(slot) = i.checked_sub(1).and_then(|i| sorts.get_mut(i)) {
                *slot = Some(s);
            }
        }
        let n = node(
            Expr::AggrFn(Box::new(AggrFn {
                nodistinct: open.nodistinct,
                set: open.set,
                expr,
                dims,
                sorts,
            })),
            depth,
            at,
        )?;
        self.operands.push(n);
        Ok(())
    }

    /// Is the parser at a dimension argument of `Aggr(` (after its expression)?
    fn at_aggr_dimension(&self) -> bool {
        match self.frames.last() {
            Some(Frame::AggrFn(open)) => self.operands.len() > open.base,
            _ => false,
        }
    }

    /// Reads a structured parameter of `Aggr()`, `(Field)` or `(Field, (SORT_TYPE, ORDERING))`, at its
    /// `(`: pushes the field and records the sort in the open `Aggr(` frame.
    fn structured_parameter(&mut self) -> Result<(), ParseError> {
        self.i += 1; // '('
        let t = self.cur()?;
        let field = match &t.tok {
            Tok::Name(n) | Tok::Quoted(n) => n.clone(),
            other => {
                return Err(err(
                    t.start,
                    format!(
                        "expected a field in an Aggr dimension, found {}",
                        describe(other)
                    ),
                ))
            }
        };
        self.i += 1;
        let mut sort = None;
        if self.kind(0) == &Tok::Comma {
            self.i += 1;
            sort = Some(self.aggr_sort()?);
        }
        self.expect_rparen("to close the Aggr dimension")?;
        if let (Some(Frame::AggrFn(open)), Some(s)) = (self.frames.last_mut(), sort) {
            open.sorts.push((self.operands.len() - open.base, s));
        }
        self.operands.push((Expr::Field(field), 1));
        Ok(())
    }

    /// `(NUMERIC, ASCENDING)` and the like.
    fn aggr_sort(&mut self) -> Result<AggrSort, ParseError> {
        let t = self.cur()?;
        if t.tok != Tok::LParen {
            return Err(err(
                t.start,
                "expected '(' before the sort of an Aggr dimension",
            ));
        }
        self.i += 1;
        let word = |p: &Self| match p.kind(0) {
            Tok::Name(n) => Some(n.clone()),
            _ => None,
        };
        let at = self.pos();
        let by = word(self)
            .and_then(|w| AggrSortBy::from_keyword(&w))
            .ok_or_else(|| err(at, "expected NUMERIC, TEXT, FREQUENCY or LOAD_ORDER"))?;
        self.i += 1;
        let mut descending = false;
        if self.kind(0) == &Tok::Comma {
            self.i += 1;
            let at = self.pos();
            descending = match word(self).map(|w| w.to_ascii_uppercase()).as_deref() {
                Some("ASCENDING") => false,
                Some("DESCENDING" | "REVERSE") => true,
                _ => return Err(err(at, "expected ASCENDING, DESCENDING or REVERSE")),
            };
            self.i += 1;
        }
        self.expect_rparen("to close the sort of an Aggr dimension")?;
        Ok(AggrSort { by, descending })
    }

    fn expect_rparen(&mut self, what: &str) -> Result<(), ParseError> {
        let t = self.cur()?;
        if t.tok != Tok::RParen {
            return Err(err(
                t.start,
                format!("expected ')' {what}, found {}", describe(&t.tok)),
            ));
        }
        self.i += 1;
        Ok(())
    }

    /// Reads `<field, field, ...>` after `TOTAL`.
    fn total_fields(&mut self) -> Result<Vec<String>, ParseError> {
        self.i += 1; // '<'
        let mut fields = Vec::new();
        loop {
            let t = self.cur()?;
            match &t.tok {
                Tok::Name(n) | Tok::Quoted(n) => {
                    fields.push(n.clone());
                    self.i += 1;
                }
                _ => {
                    return Err(err(
                        t.start,
                        format!(
                            "expected a field name in TOTAL <...>, found {}",
                            describe(&t.tok)
                        ),
                    ))
                }
            }
            let t = self.cur()?;
            match t.tok {
                Tok::Comma => self.i += 1,
                Tok::Gt => {
                    self.i += 1;
                    return Ok(fields);
                }
                _ => {
                    return Err(err(
                        t.start,
                        format!(
                            "expected ',' or '>' in TOTAL <...>, found {}",
                            describe(&t.tok)
                        ),
                    ))
                }
            }
        }
    }
}

fn arity_message(name: &str, min: usize, max: Option<usize>, got: usize) -> String {
    let plural = |n: usize| if n == 1 { "argument" } else { "arguments" };
    let expected = match max {
        Some(m) if m == min => format!("{min} {}", plural(min)),
        Some(m) => format!("{min} to {m} arguments"),
        None => format!("at least {min} {}", plural(min)),
    };
    format!("'{name}' takes {expected}, got {got}")
}
