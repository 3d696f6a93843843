//! Bounds on what one script may make the engine do, so that no script — however deep, recursive or
//! large — can exhaust the stack or the memory of the process that runs it.
//!
//! The defaults keep a reload within a 2 MiB thread stack (a tokio blocking thread's) even in a debug
//! build; the server may lower or raise the row and memory bounds from its configuration. Going over a
//! bound fails the reload (or the syntax check) with an error naming the statement and its line.

/// How deep, how many rows and how many bytes a script may go.
///
/// ```
/// let limits = qix_script::Limits {
///     max_rows: 1_000_000,
///     ..qix_script::Limits::default()
/// };
/// assert_eq!(limits.max_nesting, qix_script::Limits::default().max_nesting);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Deepest nesting of control blocks (`IF`, `FOR`, `FOR EACH`, `DO`, `SWITCH`, `SUB`) in the script text, checked
    /// by the parser (and so by `CheckScriptSyntax`). Default [`Limits::DEFAULT_MAX_NESTING`].
    pub max_nesting: usize,
    /// Deepest chain of `CALL`s in progress (a SUB that calls itself counts every call). While the
    /// script runs, the control blocks open along that chain are bounded too, by `max_nesting +
    /// max_call_depth`. Default [`Limits::DEFAULT_MAX_CALL_DEPTH`].
    pub max_call_depth: usize,
    /// Most rows a reload may create in total: every row a source reads, every row a LOAD, JOIN or
    /// KEEP produces and every row `AUTOGENERATE` asks for counts, whether or not its table is kept.
    /// Default [`Limits::DEFAULT_MAX_ROWS`].
    pub max_rows: u64,
    /// Most bytes the script's tables may hold at once, estimated from their rows, cells and texts (or
    /// from their symbol tables for columns read by an optimized load), together with the table being
    /// loaded. Default [`Limits::DEFAULT_MAX_MEMORY`].
    pub max_memory: u64,
    /// Most rounds one `DO ... LOOP` may run (a loop whose condition never changes ends with an error
    /// instead of running until cancelled). Default [`Limits::DEFAULT_MAX_LOOP_ROUNDS`].
    pub max_loop_rounds: u64,
    /// Deepest chain of `$(Include=...)` files in progress (a file that includes itself counts every
    /// inclusion). Default [`Limits::DEFAULT_MAX_INCLUDE_DEPTH`].
    pub max_include_depth: usize,
}

impl Limits {
    /// Default [`Limits::max_nesting`]: real scripts nest a handful of blocks. With the default call
    /// depth, at most 128 blocks are open at run time, which take under half of a 2 MiB stack in an
    /// unoptimized build (about 300 overflow it there, about 600 with the workspace's `opt-level = 1`).
    pub const DEFAULT_MAX_NESTING: usize = 64;
    /// Default [`Limits::max_call_depth`].
    pub const DEFAULT_MAX_CALL_DEPTH: usize = 64;
    /// Default [`Limits::max_rows`]: 200 million rows.
    pub const DEFAULT_MAX_ROWS: u64 = 200_000_000;
    /// Default [`Limits::max_memory`]: 8 GiB.
    pub const DEFAULT_MAX_MEMORY: u64 = 8 << 30;
    /// Default [`Limits::max_loop_rounds`]: 10 million rounds.
    pub const DEFAULT_MAX_LOOP_ROUNDS: u64 = 10_000_000;
    /// Default [`Limits::max_include_depth`].
    pub const DEFAULT_MAX_INCLUDE_DEPTH: usize = 16;
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_nesting: Self::DEFAULT_MAX_NESTING,
            max_call_depth: Self::DEFAULT_MAX_CALL_DEPTH,
            max_rows: Self::DEFAULT_MAX_ROWS,
            max_memory: Self::DEFAULT_MAX_MEMORY,
            max_loop_rounds: Self::DEFAULT_MAX_LOOP_ROUNDS,
            max_include_depth: Self::DEFAULT_MAX_INCLUDE_DEPTH,
        }
    }
}
