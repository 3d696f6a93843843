//! Command-line flags and their `QIXD_*` environment variables.

use clap::{Parser, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;

/// Whether the engine runs for one person on their desktop or behind authentication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// No authentication: every client is `Personal\Me`; Random sessions without an app are allowed.
    Desktop,
    /// A user is required on every connection (JWT or trusted header); Random sessions without an app are
    /// refused, as Qlik's proxy does.
    Server,
}

/// qixd: a Qlik-compatible associative engine speaking QIX (JSON-RPC 2.0 over WebSocket).
#[derive(Debug, Clone, Parser)]
#[command(name = "qixd", version, about)]
pub struct Config {
    /// Address to listen on for WebSocket, /healthcheck and /metrics.
    #[arg(long, env = "QIXD_LISTEN", default_value = "127.0.0.1:9076")]
    pub listen: SocketAddr,

    /// Folder holding persistent apps (created if missing).
    #[arg(long, env = "QIXD_APPS_DIR", default_value = "./apps")]
    pub apps_dir: PathBuf,

    /// Folder behind `lib://data/` in load scripts.
    #[arg(long, env = "QIXD_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    /// desktop (no auth, user Personal\Me) or server (a user is required on every connection).
    #[arg(long, env = "QIXD_MODE", value_enum, default_value = "desktop")]
    pub mode: Mode,

    /// Secret for HS256/HS384/HS512 JWTs in `Authorization: Bearer`.
    #[arg(long, env = "QIXD_JWT_SECRET")]
    pub jwt_secret: Option<String>,

    /// PEM file with the public key for RS256 or ES256 JWTs.
    #[arg(long, env = "QIXD_JWT_PUBLIC_KEY")]
    pub jwt_public_key: Option<PathBuf>,

    /// Trust `X-Qlik-User: UserDirectory=D; UserId=U` (only behind a proxy that sets it).
    #[arg(long, env = "QIXD_TRUST_USER_HEADER")]
    pub trust_user_header: bool,

    /// Seconds a session with no sockets lives when its URL sets no `/ttl/`.
    #[arg(long, env = "QIXD_SESSION_TTL", default_value_t = 0)]
    pub session_ttl: u64,

    /// Upper bound for any session TTL, in seconds.
    #[arg(long, env = "QIXD_MAX_SESSION_TTL", default_value_t = 1800)]
    pub max_session_ttl: u64,

    /// Live sessions one user may have at once; 0 means unlimited.
    #[arg(long, env = "QIXD_MAX_SESSIONS_PER_USER", default_value_t = 0)]
    pub max_sessions_per_user: usize,

    /// Create (if missing) and load the demo app "qixd demo" at start.
    #[arg(long, env = "QIXD_DEMO")]
    pub demo: bool,

    /// PEM certificate chain: serve `wss://` / `https://` instead of plain `ws://` (with --tls-key).
    #[arg(long, env = "QIXD_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// PEM private key of --tls-cert.
    #[arg(long, env = "QIXD_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// PEM CA certificate(s): every client must present a certificate signed by one (as Qlik's port
    /// 4747 requires; combine with --trust-user-header so only certificate holders can name the user).
    #[arg(long, env = "QIXD_TLS_CLIENT_CA", requires = "tls_cert")]
    pub tls_client_ca: Option<PathBuf>,

    /// Largest WebSocket message accepted, in bytes; a larger one closes the socket (code 1009).
    #[arg(long, env = "QIXD_MAX_MESSAGE_BYTES", default_value_t = 64 * 1024 * 1024)]
    pub max_message_bytes: usize,

    /// Deepest nesting of an object's property tree (SetProperties, ApplyPatches ...); deeper is refused.
    #[arg(long, env = "QIXD_MAX_PROPERTY_DEPTH", default_value_t = 100, value_parser = clap::value_parser!(u16).range(1..=120))]
    pub max_property_depth: u16,

    /// Largest property tree of one object, in bytes of JSON.
    #[arg(long, env = "QIXD_MAX_PROPERTY_BYTES", default_value_t = 16 * 1024 * 1024)]
    pub max_property_bytes: usize,

    /// Most cells one GetHyperCubeData / GetListObjectData call may ask for (Qlik: 10,000; error 7009).
    #[arg(long, env = "QIXD_MAX_PAGE_CELLS", default_value_t = 10_000)]
    pub max_page_cells: u64,

    /// Bytes that may wait unsent for one socket; a client that stops reading past this is disconnected.
    #[arg(long, env = "QIXD_MAX_OUTGOING_BYTES", default_value_t = 256 * 1024 * 1024)]
    pub max_outgoing_bytes: usize,

    /// JSON values one frame may hold (counted before parsing); more is refused with -32600.
    #[arg(long, env = "QIXD_MAX_FRAME_VALUES", default_value_t = 4_000_000)]
    pub max_frame_values: usize,

    /// Most rows one reload may create in all (every row read, loaded, joined or generated counts).
    #[arg(long, env = "QIXD_MAX_RELOAD_ROWS", default_value_t = qix_script::Limits::DEFAULT_MAX_ROWS)]
    pub max_reload_rows: u64,

    /// Most bytes the tables of one reload may hold at once (estimated); a reload past it fails naming
    /// the statement, and the previous data stays. Default: half the machine's (or container's) memory.
    #[arg(long, alias = "max-reload-memory", env = "QIXD_MAX_RELOAD_BYTES")]
    pub max_reload_bytes: Option<u64>,

    /// Deepest nesting of control blocks (IF, FOR, DO, SUB, SWITCH) in a load script.
    #[arg(long, env = "QIXD_MAX_SCRIPT_NESTING", default_value_t = qix_script::Limits::DEFAULT_MAX_NESTING)]
    pub max_script_nesting: usize,

    /// Deepest chain of CALLs in progress in a load script (a SUB calling itself counts each call).
    #[arg(long, env = "QIXD_MAX_SCRIPT_CALL_DEPTH", default_value_t = qix_script::Limits::DEFAULT_MAX_CALL_DEPTH)]
    pub max_script_call_depth: usize,

    /// Folders (besides --data-dir) that folder connections may point to in server mode.
    #[arg(
        long = "allow-folder",
        env = "QIXD_ALLOW_FOLDERS",
        value_delimiter = ','
    )]
    pub allow_folders: Vec<PathBuf>,

    /// Mebibytes the results shared by sessions may hold (selection row sets, hypercubes, list objects;
    /// a third each, least recently used evicted first): a repeated selection state is answered from
    /// them without a scan. Default: a sixteenth of the machine's memory (Qlik's engine lets its cache
    /// grow to most of it); they are dropped when no session is left.
    #[arg(long, env = "QIXD_CACHE_MB")]
    pub cache_mb: Option<usize>,

    /// Give memory back to the system as soon as sessions end, at some cost in speed: with glibc, the
    /// binary restarts itself at once with its per-thread caches, fast bins and thread-stack cache off
    /// (measured with bench/load-test: RSS after 2,000 sockets close 1.08-1.17× the start; the default,
    /// which empties the long-lived threads' caches once the last session ends, 1.06-1.08×; wire-bench's
    /// requests 5-15% slower). Off by default: the caches are what makes small requests fast.
    #[arg(long, env = "QIXD_RETURN_MEMORY")]
    pub return_memory: bool,

    /// Gives freed memory back to the system; run when no session is left, after a reload and after the
    /// demo app loads (the binary passes its allocator's trim here; tests and embedders may leave it unset).
    #[arg(skip)]
    pub release_memory: Option<fn()>,

    /// Empties the allocator's caches of threads that live on (run when no session is left, before
    /// `release_memory`: blocks parked there keep their pages from going back). The binary passes its
    /// own for glibc; tests and embedders may leave it unset.
    #[arg(skip)]
    pub empty_thread_caches: Option<fn()>,

    /// Users (`DIRECTORY\id`, comma-separated) who may delete, save and open any app in server mode.
    #[arg(long, env = "QIXD_ADMIN_USERS", value_delimiter = ',')]
    pub admin_users: Vec<String>,

    /// This node's name in a cluster: reported by /healthcheck (`nodeId`) and in the `X-Qixd-Node` header
    /// of every response, and written as the owner of its session snapshots. Default: the host name and
    /// the port (`host-9076`), stable across restarts on one machine.
    #[arg(long, env = "QIXD_NODE_ID")]
    pub node_id: Option<String>,

    /// Folder for session snapshots (sessions with a TTL survive a restart, and a node that dies has its
    /// sessions restored by the next node a client reaches); shared by the nodes of a cluster. Default:
    /// `.sessions` in --apps-dir, so nodes sharing the apps folder share it too.
    #[arg(long, env = "QIXD_SESSIONS_DIR")]
    pub sessions_dir: Option<PathBuf>,

    /// A JWT claim that makes its bearer an admin of the session inspector (`/sessions`, `/api/v1/...`)
    /// in server mode when it is `true` (or the text `true`).
    #[arg(long, env = "QIXD_ADMIN_CLAIM")]
    pub admin_claim: Option<String>,
}

impl Config {
    /// What one reload may do, from the flags.
    pub fn script_limits(&self) -> qix_script::Limits {
        qix_script::Limits {
            max_nesting: self.max_script_nesting,
            max_call_depth: self.max_script_call_depth,
            max_rows: self.max_reload_rows,
            max_memory: self.max_reload_bytes.unwrap_or_else(default_reload_memory),
            ..qix_script::Limits::default()
        }
    }

    /// The limits the flags set.
    pub fn limits(&self) -> crate::limits::Limits {
        crate::limits::Limits {
            max_property_depth: usize::from(self.max_property_depth),
            max_property_bytes: self.max_property_bytes,
            max_page_cells: self.max_page_cells,
            max_outgoing_bytes: self.max_outgoing_bytes,
            max_frame_values: self.max_frame_values,
            max_child_depth: usize::from(self.max_property_depth),
        }
    }

    /// Where session snapshots go: --sessions-dir, else `.sessions` in the apps folder.
    pub fn sessions_dir(&self) -> PathBuf {
        self.sessions_dir
            .clone()
            .unwrap_or_else(|| self.apps_dir.join(".sessions"))
    }

    /// Bytes the shared result cache may hold: `--cache-mb`, else a sixteenth of the machine's memory but
    /// at least 64 MiB (256 MiB where the memory cannot be read).
    pub fn cache_bytes(&self) -> usize {
        let default = || machine_memory().map_or(256 << 20, |m| ((m / 16) as usize).max(64 << 20));
        self.cache_mb
            .map_or_else(default, |mb| mb.saturating_mul(1 << 20))
    }

    /// A configuration with every default, for tests and embedding.
    pub fn defaults() -> Config {
        Config::parse_from(["qixd"])
    }
}

/// The memory this process may use, in bytes: the machine's (`MemTotal` in `/proc/meminfo`), or its
/// container's limit (cgroup v2 `memory.max`, v1 `memory.limit_in_bytes`) when that is lower.
fn machine_memory() -> Option<u64> {
    let total = std::fs::read_to_string("/proc/meminfo").ok().and_then(|m| {
        m.lines()
            .find(|l| l.starts_with("MemTotal:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map(|kb| kb * 1024)
    });
    let limit = [
        "/sys/fs/cgroup/memory.max",
        "/sys/fs/cgroup/memory/memory.limit_in_bytes",
    ]
    .iter()
    .filter_map(|p| std::fs::read_to_string(p).ok())
    .filter_map(|v| v.trim().parse::<u64>().ok())
    .min();
    match (total, limit) {
        (Some(t), Some(l)) => Some(t.min(l)),
        (t, l) => t.or(l),
    }
}

/// The default memory budget of a reload: half the machine's (or container's) memory, or
/// [`qix_script::Limits::DEFAULT_MAX_MEMORY`] where that cannot be read.
fn default_reload_memory() -> u64 {
    machine_memory().map_or(qix_script::Limits::DEFAULT_MAX_MEMORY, |m| m / 2)
}
