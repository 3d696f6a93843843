//! The command line: global flags (where the engine is, which app, which session, how to authenticate)
//! and the commands, as clap derives them.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Drive a Qlik engine (qixd or Qlik Sense) from scripts: apps, load scripts, reloads, selections,
/// objects and master items.
///
/// Exit codes: 0 ok, 1 the engine answered an error, 2 bad usage, 3 cannot connect or not allowed,
/// 4 a local file cannot be read, 5 a reload failed or a script has syntax errors.
#[derive(Debug, Parser)]
#[command(name = "qix", version, about, long_about)]
pub struct Cli {
    /// Engine URL: ws://, wss://, http(s):// with an optional virtual-proxy prefix.
    #[arg(
        long,
        global = true,
        env = "QIX_ENGINE",
        default_value = "ws://localhost:9076"
    )]
    pub engine: String,
    /// The app to work on (its id).
    #[arg(long, global = true, env = "QIX_APP")]
    pub app: Option<String>,
    /// Join the session with this identity (a custom session shared by whoever uses it).
    #[arg(long, global = true, env = "QIX_IDENTITY")]
    pub identity: Option<String>,
    /// Keep the session alive this many seconds after the command ends, so the next command finds its
    /// selections.
    #[arg(long, global = true, env = "QIX_TTL")]
    pub ttl: Option<u64>,
    /// Authenticate with this JWT (`Authorization: Bearer`).
    #[arg(long, global = true, env = "QIX_JWT", conflicts_with = "header_user")]
    pub jwt: Option<String>,
    /// Authenticate with a trusted user header, e.g. `UserDirectory=CORP; UserId=ann`.
    #[arg(long, global = true, env = "QIX_HEADER_USER")]
    pub header_user: Option<String>,
    /// The header `--header-user` goes in.
    #[arg(long, global = true, default_value = "X-Qlik-User")]
    pub header_name: String,
    /// Print JSON instead of tables, for scripts.
    #[arg(long, global = true)]
    pub json: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List, create or remove apps.
    #[command(subcommand)]
    Apps(AppsCommand),
    /// Read, replace or check the app's load script.
    #[command(subcommand)]
    Script(ScriptCommand),
    /// Reload the app's data (and save it), showing progress.
    Reload(ReloadArgs),
    /// Evaluate an expression, over the whole selection or per dimension value.
    Eval(EvalArgs),
    /// The fields of the data model.
    Fields,
    /// The values of a field, with their selection states.
    Values(ValuesArgs),
    /// The tables of the data model.
    Tables,
    /// Select values in a field (in the session: use --ttl to keep it for the next command).
    Select(SelectArgs),
    /// The session's current selections.
    Selections,
    /// The app's objects.
    #[command(subcommand)]
    Object(ObjectCommand),
    /// Master measures.
    #[command(subcommand)]
    Measure(MasterCommand),
    /// Master dimensions.
    #[command(subcommand)]
    Dimension(MasterCommand),
    /// Variables.
    #[command(subcommand)]
    Variable(MasterCommand),
    /// Save the app.
    Save,
}

/// `apps ...`
#[derive(Debug, Subcommand)]
pub enum AppsCommand {
    /// List the apps.
    Ls,
    /// Create an app; prints its id.
    Create {
        /// The app's title.
        title: String,
    },
    /// Delete an app.
    Rm {
        /// The app's id.
        id: String,
    },
}

/// `script ...`
#[derive(Debug, Subcommand)]
pub enum ScriptCommand {
    /// Print the script.
    Get,
    /// Replace the script with a file's contents and save the app.
    Set {
        /// The script file.
        file: PathBuf,
    },
    /// Check the script's syntax (the app's, or a file's without changing the app).
    Check {
        /// A script file to check instead of the app's script.
        file: Option<PathBuf>,
    },
}

/// `reload`
#[derive(Debug, Args)]
pub struct ReloadArgs {
    /// Do not save the app after a successful reload.
    #[arg(long)]
    pub no_save: bool,
}

/// `eval`
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The expression, e.g. `Sum(Sales)`.
    pub expression: String,
    /// Group by these dimensions (fields).
    #[arg(long = "by")]
    pub by: Vec<String>,
}

/// `values`
#[derive(Debug, Args)]
pub struct ValuesArgs {
    /// The field.
    pub field: String,
    /// At most this many values.
    #[arg(long, default_value_t = 1000)]
    pub limit: i64,
}

/// `select`
#[derive(Debug, Args)]
pub struct SelectArgs {
    /// The field.
    pub field: String,
    /// The values to select (none clears the field).
    pub values: Vec<String>,
}

/// `object ...`
#[derive(Debug, Subcommand)]
pub enum ObjectCommand {
    /// List the app's objects.
    Ls,
    /// Print an object's properties.
    Properties {
        /// The object id.
        id: String,
    },
    /// Print an object's layout.
    Layout {
        /// The object id.
        id: String,
    },
    /// Print the data of an object's hypercube or list object as a table.
    Data {
        /// The object id.
        id: String,
    },
}

/// `measure ...`, `dimension ...`, `variable ...`
#[derive(Debug, Subcommand)]
pub enum MasterCommand {
    /// List them.
    Ls,
    /// Create or update them from a JSON file of properties (one object or an array), then save.
    Set {
        /// The JSON file.
        file: PathBuf,
    },
}
