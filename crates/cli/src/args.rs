//! The command line: every subcommand, flag and its help text (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use hookgrid::{BatchStatus, DATA_DIR_ENV, DATABASE_ENV, ErrorRows, RowSet, Sort, View};

#[derive(Debug, Parser)]
#[command(
    name = "hookgrid",
    version,
    about = "Receive Flatfile imports over a webhook, review and export them"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct DataDirArg {
    /// Where Hookgrid keeps its data [default: ~/.local/share/hookgrid]
    #[arg(long, value_name = "D", env = DATA_DIR_ENV, global = true)]
    pub data_dir: Option<PathBuf>,
    /// Start on an empty (or another) ledger on purpose, where the data dir held one: it
    /// becomes the data dir's ledger, and the files derived from the one before are removed
    #[arg(long, env = "HOOKGRID_ACCEPT_EMPTY_LEDGER", global = true)]
    pub accept_empty_ledger: bool,
    /// Keep the ledger in this PostgreSQL database (postgres://user:password@host/db) instead
    /// of the data dir's SQLite file: several `serve` instances then share it, and the data
    /// dir keeps only what each derives
    #[arg(long, value_name = "URL", env = DATABASE_ENV, global = true, hide_env_values = true)]
    pub database: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the webhook listener until interrupted (Ctrl-C / SIGTERM)
    Serve {
        #[command(flatten)]
        dir: DataDirArg,
        /// Address to listen on (remembered) [default: 127.0.0.1:8787]
        #[arg(long, value_name = "ADDR", env = "HOOKGRID_LISTEN")]
        listen: Option<String>,
        /// Public base URL of your tunnel, e.g. https://abc.trycloudflare.com (remembered)
        #[arg(
            long,
            value_name = "URL",
            env = "HOOKGRID_PUBLIC_URL",
            conflicts_with = "tunnel"
        )]
        public_url: Option<String>,
        /// Start a tunnel to the listener and use its address as the public URL:
        /// cloudflared (a quick tunnel, no account) or ngrok; restarted when it exits
        #[arg(long, value_name = "TOOL", env = "HOOKGRID_TUNNEL")]
        tunnel: Option<hookgrid::connection::tunnel::Provider>,
        /// The tunnel tool's executable, when it is not on PATH
        #[arg(long, value_name = "PATH", requires = "tunnel")]
        tunnel_path: Option<std::path::PathBuf>,
        /// Largest request body accepted, in bytes
        #[arg(long, value_name = "BYTES", default_value_t = hookgrid::intake::http::DEFAULT_MAX_BODY)]
        max_body: usize,
        /// Require Standard Webhooks signatures made with this secret (whsec_…; remembered;
        /// an empty value stops requiring them)
        #[arg(
            long,
            value_name = "SECRET",
            env = "HOOKGRID_SIGNING_SECRET",
            hide_env_values = true
        )]
        signing_secret: Option<String>,
        #[command(flatten)]
        review: ReviewArgs,
        #[command(flatten)]
        connections: ConnectionArgs,
    },
    /// Print the full webhook URL to paste into Flatfile
    Url {
        #[command(flatten)]
        dir: DataDirArg,
        /// Public base URL of your tunnel (default: the one `serve` remembered, else local)
        #[arg(long, value_name = "URL")]
        public_url: Option<String>,
    },
    /// Print the webhook token, or replace it
    Token {
        #[command(flatten)]
        dir: DataDirArg,
        /// Make a new token; the old webhook URL stops working at once
        #[arg(long)]
        rotate: bool,
    },
    /// List imports, newest first
    Batches {
        #[command(flatten)]
        dir: DataDirArg,
        /// Only imports with this text in their batch id, event id, type, schema or customer
        #[arg(long, value_name = "TEXT")]
        search: Option<String>,
        /// Only complete or only incomplete imports
        #[arg(long, value_name = "STATUS")]
        status: Option<Status>,
        /// Only imports whose review status is this: new, in_review, approved or rejected
        #[arg(long, value_name = "STATUS")]
        review: Option<String>,
        /// Print one JSON array
        #[arg(long)]
        json: bool,
    },
    /// Show one import in detail: who sent it, its parts, what is missing
    Show {
        #[command(flatten)]
        dir: DataDirArg,
        /// Batch id, event id, or a unique prefix of either
        #[arg(long, value_name = "B")]
        batch: String,
        /// Print one JSON object
        #[arg(long, conflicts_with = "part")]
        json: bool,
        /// Save this part's body (numbered from 1) exactly as it arrived, to --out
        #[arg(long, value_name = "N", requires = "out")]
        part: Option<u32>,
        /// Where to save the part's body
        #[arg(long, value_name = "FILE", requires = "part")]
        out: Option<PathBuf>,
    },
    /// Print rows of an import
    Rows {
        #[command(flatten)]
        dir: DataDirArg,
        #[command(flatten)]
        view: ViewArgs,
        /// Rows to skip
        #[arg(long, value_name = "N", default_value_t = 0)]
        offset: usize,
        /// Rows to print
        #[arg(long, value_name = "N", default_value_t = 50)]
        limit: usize,
        /// Print {"total": N, "rows": [...]}
        #[arg(long)]
        json: bool,
        /// Add each row's configuration errors (`_errors`)
        #[arg(long)]
        with_errors: bool,
    },
    /// Summarise one column of a view: distinct, empty and missing counts and the most common
    /// values with their counts
    Values {
        #[command(flatten)]
        dir: DataDirArg,
        #[command(flatten)]
        view: ViewArgs,
        /// The column to summarise
        #[arg(long, value_name = "COL")]
        column: String,
        /// Values to list, most common first
        #[arg(long, value_name = "N", default_value_t = 20)]
        limit: usize,
        /// Print {"column", "rows", "distinct", "empty", "missing", "values": [{"value", "count"}], "more"}
        #[arg(long)]
        json: bool,
    },
    /// Write rows of an import to a .csv, .parquet or .xlsx file
    Export {
        #[command(flatten)]
        dir: DataDirArg,
        #[command(flatten)]
        view: ViewArgs,
        /// Output file; the format comes from its extension (.csv, .parquet, .xlsx)
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Also write the _row and _part columns
        #[arg(long)]
        meta: bool,
        /// Write every value exactly as it was sent (text), not the typed columns
        #[arg(long)]
        as_text: bool,
        /// Export an import that is still missing parts
        #[arg(long)]
        allow_incomplete: bool,
        /// Add an _errors column: each row's configuration errors as text
        #[arg(long)]
        with_errors: bool,
        /// A CSV for a person with a spreadsheet: a UTF-8 byte-order mark (so Excel reads
        /// accents and other scripts), and text cells that start like a formula (=, +, -, @,
        /// tab, CR) written with a leading ' so the spreadsheet shows them instead of running
        /// them; numbers are never changed. CSV only
        #[arg(long)]
        bom: bool,
        /// With --bom: the byte-order mark, but every cell exactly as it is
        #[arg(long, requires = "bom")]
        raw: bool,
        /// Headers and _errors by the configuration's labels ("First Name") instead of keys
        #[arg(long)]
        labels: bool,
        /// Add a _flag column: each flagged row's note (`hookgrid flag`)
        #[arg(long)]
        with_flags: bool,
        /// What Flatfile sent, without the reviewers' corrections (`hookgrid correct`)
        #[arg(long)]
        as_received: bool,
    },
    /// List rejected requests with their reasons, newest first, try them again, or dismiss
    /// them (a dismissed request is no longer listed or counted, and its body stays kept)
    #[command(group = clap::ArgGroup::new("act").args(["retry", "retry_all", "dismiss", "dismiss_refused"]))]
    Rejected {
        #[command(flatten)]
        dir: DataDirArg,
        /// Try this rejected request again, as if it had just arrived
        #[arg(long, value_name = "ID")]
        retry: Option<i64>,
        /// Try every rejected request not dismissed again, oldest first
        #[arg(long)]
        retry_all: bool,
        /// Dismiss this rejected request
        #[arg(long, value_name = "ID")]
        dismiss: Option<i64>,
        /// Dismiss every request that was tried again and refused again
        #[arg(long)]
        dismiss_refused: bool,
        /// List the dismissed requests too (each says whether it is)
        #[arg(long, conflicts_with = "act")]
        all: bool,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Import a Flatfile file as if it had been posted to the webhook: a workbook as the
    /// webhook-egress plugin sends it, or with --sheet a records response of Flatfile's API
    /// (`{"data": {"records": [...]}}`)
    Import {
        #[command(flatten)]
        dir: DataDirArg,
        /// The file (JSON)
        file: PathBuf,
        /// The sheet a records response is (its name; the import's batch)
        #[arg(long, value_name = "NAME")]
        sheet: Option<String>,
        /// Print JSON: each sheet's import
        #[arg(long)]
        json: bool,
    },
    /// Importer configurations: the rules that say why rows are invalid
    Schema {
        #[command(flatten)]
        dir: DataDirArg,
        #[command(subcommand)]
        action: SchemaAction,
    },
    /// Why an import's rows are invalid: how many rows each rule of its configuration flags
    Errors {
        #[command(flatten)]
        dir: DataDirArg,
        /// Batch id, event id, or a unique prefix of either
        #[arg(long, value_name = "B")]
        batch: String,
        /// Print one JSON object
        #[arg(long)]
        json: bool,
    },
    /// Set where an import stands with its reviewers (kept with who and when; every change
    /// is kept)
    Review {
        #[command(flatten)]
        dir: DataDirArg,
        /// Batch id, event id, or a unique prefix
        #[arg(long, value_name = "B")]
        batch: String,
        /// new, in_review, approved or rejected
        #[arg(long, value_name = "STATUS")]
        status: String,
        /// Why, in a sentence (kept with the decision)
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
    },
    /// Correct one cell (what was sent is kept beside it), or revert a correction
    #[command(group = clap::ArgGroup::new("what").args(["value", "revert"]).required(true))]
    Correct {
        #[command(flatten)]
        dir: DataDirArg,
        /// Batch id, event id, or a unique prefix
        #[arg(long, value_name = "B")]
        batch: String,
        /// The row's _row (from 0, as `rows --json` prints it)
        #[arg(long, value_name = "N", requires = "value")]
        row: Option<i64>,
        /// The column's name
        #[arg(long, value_name = "C", requires = "value")]
        column: Option<String>,
        /// The corrected value, as text (empty: an empty cell)
        #[arg(long, value_name = "V", requires_all = ["row", "column"], allow_hyphen_values = true)]
        value: Option<String>,
        /// Revert the correction with this id (`hookgrid corrections` lists them)
        #[arg(long, value_name = "ID", conflicts_with_all = ["row", "column", "value"])]
        revert: Option<i64>,
    },
    /// Find and replace exact text (case-sensitive, every occurrence) in one column of a view,
    /// applied as corrections in one step
    Replace {
        #[command(flatten)]
        dir: DataDirArg,
        #[command(flatten)]
        view: ViewArgs,
        /// The column to change
        #[arg(long, value_name = "C")]
        column: String,
        /// Exact text to find inside a cell
        #[arg(long, value_name = "TEXT", allow_hyphen_values = true)]
        find: String,
        /// What to put in its place (may be empty)
        #[arg(long = "replace", value_name = "TEXT", allow_hyphen_values = true)]
        with: String,
        /// Only count the cells it would change
        #[arg(long)]
        dry_run: bool,
    },
    /// List an import's corrections: each cell's value as sent and as corrected
    Corrections {
        #[command(flatten)]
        dir: DataDirArg,
        /// Batch id, event id, or a unique prefix
        #[arg(long, value_name = "B")]
        batch: String,
        /// Print one JSON array
        #[arg(long)]
        json: bool,
    },
    /// Flag one row, or every row of a view, with a note ("ask the customer")
    Flag {
        #[command(flatten)]
        dir: DataDirArg,
        #[command(flatten)]
        rows: RowsArgs,
        /// What to ask or check
        #[arg(long, value_name = "TEXT")]
        note: String,
    },
    /// Take the flags off one row, or off every row of a view
    Unflag {
        #[command(flatten)]
        dir: DataDirArg,
        #[command(flatten)]
        rows: RowsArgs,
    },
    /// Delete an import: its stored parts and its file (rejected requests stay)
    Delete {
        #[command(flatten)]
        dir: DataDirArg,
        /// Batch id, event id, or a unique prefix
        #[arg(long, value_name = "B")]
        batch: String,
    },
    /// Keep imports for N days after their last part, deleting older ones (now and hourly
    /// while serving), or keep them forever
    Retention {
        #[command(flatten)]
        dir: DataDirArg,
        /// Days to keep imports
        #[arg(
            long,
            value_name = "N",
            conflicts_with = "off",
            required_unless_present = "off"
        )]
        days: Option<u32>,
        /// Keep imports forever
        #[arg(long)]
        off: bool,
    },
    /// Manage who may use the review listener (`serve --review-listen`)
    User {
        #[command(flatten)]
        dir: DataDirArg,
        #[command(subcommand)]
        action: UserAction,
    },
    /// Copy the ledger (every request, import, account and the audit) to FILE, consistent
    /// while `serve` runs
    Backup {
        #[command(flatten)]
        dir: DataDirArg,
        /// Where the copy goes (replaced once it is complete)
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Copy the ledger into an empty one elsewhere and check the copy: a PostgreSQL database
    /// (for several `serve` instances) or a SQLite file. The source is left as it is
    Migrate {
        #[command(flatten)]
        dir: DataDirArg,
        /// Where to: postgres://user:password@host/db, or a SQLite file's path
        #[arg(long, value_name = "URL|FILE")]
        to: String,
    },
    /// Who deleted, retried, changed settings, users and tokens, and when; newest first
    Audit {
        #[command(flatten)]
        dir: DataDirArg,
        /// Print one JSON array
        #[arg(long)]
        json: bool,
    },
}

/// What a connection to either listener may cost while it makes no request.
#[derive(Debug, Args)]
pub struct ConnectionArgs {
    /// Seconds a request's headers may take to arrive; a connection slower than that is
    /// closed
    #[arg(
        long,
        value_name = "SECS",
        env = "HOOKGRID_HEADER_TIMEOUT",
        default_value_t = hookgrid::connection::guard::DEFAULT_HEADER_TIMEOUT.as_secs(),
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub header_timeout: u64,
    /// Seconds a kept-alive connection may wait for its next request
    #[arg(
        long,
        value_name = "SECS",
        env = "HOOKGRID_IDLE_TIMEOUT",
        default_value_t = hookgrid::connection::guard::DEFAULT_IDLE_TIMEOUT.as_secs(),
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub idle_timeout: u64,
    /// Connections open at once, both listeners together; past it, the one waiting longest
    /// without a request is closed for each new one [default: the open-file limit less an
    /// eighth]
    #[arg(
        long,
        value_name = "N",
        env = "HOOKGRID_MAX_CONNECTIONS",
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub max_connections: Option<u64>,
}

impl ConnectionArgs {
    pub fn policy(&self) -> hookgrid::connection::guard::Policy {
        let default = hookgrid::connection::guard::Policy::default();
        hookgrid::connection::guard::Policy {
            header_timeout: std::time::Duration::from_secs(self.header_timeout),
            idle_timeout: std::time::Duration::from_secs(self.idle_timeout),
            max_connections: self
                .max_connections
                .map_or(default.max_connections, |n| n as usize),
        }
    }
}

/// `serve`'s review listener: the UI and its commands over HTTP for a team.
#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// Also serve the review app (the UI, its commands and live updates, behind sign-in) on
    /// this address, e.g. 127.0.0.1:8788; off when unset. Never the webhook's port
    #[arg(long, value_name = "ADDR", env = "HOOKGRID_REVIEW_LISTEN")]
    pub review_listen: Option<String>,
    /// Memory the imports held open for reviewers may take together, in bytes; past it the
    /// least recently used is let go
    #[arg(
        long,
        value_name = "BYTES",
        env = "HOOKGRID_MEMORY_BUDGET",
        default_value_t = hookgrid::DEFAULT_MEMORY_BUDGET
    )]
    pub memory_budget: u64,
    /// Serve the review listener over HTTPS with this certificate chain (PEM)
    #[arg(
        long,
        value_name = "FILE",
        env = "HOOKGRID_TLS_CERT",
        requires = "tls_key",
        requires = "review_listen"
    )]
    pub tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM)
    #[arg(
        long,
        value_name = "FILE",
        env = "HOOKGRID_TLS_KEY",
        requires = "tls_cert"
    )]
    pub tls_key: Option<PathBuf>,
}

/// `hookgrid user …`
#[derive(Debug, Subcommand)]
pub enum UserAction {
    /// Add a user and print their initial password (once)
    Add {
        /// The name they sign in with
        name: String,
        /// What they may do: viewer (read, export), reviewer (also configurations, retries,
        /// decisions), admin (also deletes, settings, users)
        #[arg(long, value_name = "ROLE")]
        role: RoleArg,
        /// Read the password from the first line of stdin instead of making one
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users: name, role, created, last sign-in, tokens by label
    List {
        /// Print one JSON array
        #[arg(long)]
        json: bool,
    },
    /// Give a user another role
    Role {
        name: String,
        #[arg(value_name = "ROLE")]
        role: RoleArg,
    },
    /// Give a user a new password (printed once) and end their sign-ins
    Password {
        name: String,
        /// Read the password from the first line of stdin instead of making one
        #[arg(long)]
        password_stdin: bool,
    },
    /// Remove a user, their tokens and sign-ins
    Remove { name: String },
    /// Make an API token for a user (printed once), for a program or the desktop app
    Token {
        name: String,
        /// What the token is for (`laptop`, `backup script`): how it is listed and revoked
        #[arg(long, value_name = "L")]
        label: String,
    },
    /// Revoke a user's API token: it stops working on the next request
    Revoke {
        name: String,
        /// The token's label
        label: String,
    },
}

/// A role on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Admin,
    Reviewer,
    Viewer,
}

impl From<RoleArg> for hookgrid::api::Role {
    fn from(r: RoleArg) -> hookgrid::api::Role {
        match r {
            RoleArg::Admin => hookgrid::api::Role::Admin,
            RoleArg::Reviewer => hookgrid::api::Role::Reviewer,
            RoleArg::Viewer => hookgrid::api::Role::Viewer,
        }
    }
}

/// `hookgrid schema …`
#[derive(Debug, Subcommand)]
pub enum SchemaAction {
    /// Add an importer configuration (the settings object given to `new FlatfileImporter`,
    /// or its `fields` array, as JSON), or replace the one with the same name
    Add {
        /// The configuration's JSON file
        file: PathBuf,
        /// Its name [default: the file name without extension]
        #[arg(long, value_name = "N")]
        name: Option<String>,
        /// Apply it to imports with this schema id
        #[arg(long, value_name = "ID", conflicts_with_all = ["default", "for_sheet"])]
        for_schema: Option<i64>,
        /// Apply it to Flatfile Platform sheets with this slug (a workbook's sheet)
        #[arg(long, value_name = "SLUG", conflicts_with = "default")]
        for_sheet: Option<String>,
        /// Apply it to every import no other configuration claims
        #[arg(long)]
        default: bool,
        /// Answer a workbook's submit with the cells it rejects, so Flatfile marks them in the
        /// customer's own screen
        #[arg(long)]
        send_back: bool,
    },
    /// List configurations
    List {
        /// Print one JSON array
        #[arg(long)]
        json: bool,
    },
    /// Show a configuration's fields and validators
    Show {
        /// The configuration's name
        name: String,
        /// Print one JSON object
        #[arg(long)]
        json: bool,
    },
    /// Remove a configuration
    Remove {
        /// The configuration's name
        name: String,
    },
    /// Apply a configuration to one import, over the automatic choice
    Use {
        /// Batch id, event id, or a unique prefix of either
        #[arg(long, value_name = "B")]
        batch: String,
        /// The configuration's name (applied even when it does not fit the import's columns)
        #[arg(required_unless_present_any = ["automatic", "none"], conflicts_with_all = ["automatic", "none"])]
        name: Option<String>,
        /// Go back to the automatic choice (schema id, then the default, when it fits)
        #[arg(long, conflicts_with = "none")]
        automatic: bool,
        /// Give the import no configuration: none applies to it automatically
        #[arg(long)]
        none: bool,
    },
}

/// `--status` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Status {
    Complete,
    Incomplete,
}

impl From<Status> for BatchStatus {
    fn from(s: Status) -> BatchStatus {
        match s {
            Status::Complete => BatchStatus::Complete,
            Status::Incomplete => BatchStatus::Incomplete,
        }
    }
}

#[derive(Debug, Args)]
pub struct ViewArgs {
    /// Batch id, event id, or a unique prefix of either
    #[arg(long, value_name = "B")]
    pub batch: String,
    /// Which rows: all, valid or invalid
    #[arg(long, value_name = "ROWS", default_value = "all")]
    pub rows: RowSet,
    /// SQL condition over column names, e.g. "plan = 'team' AND seats > 10"; cells sent
    /// empty match "email = ''", missing or null ones "email IS NULL"
    #[arg(long = "where", value_name = "SQL")]
    pub filter: Option<String>,
    /// Case-insensitive text to find in any data column
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,
    /// Sort by a column: COL or COL:desc
    #[arg(long, value_name = "COL[:desc]")]
    pub sort: Option<Sort>,
    /// Only rows that break a rule of the import's configuration (`hookgrid schema`)
    #[arg(long, conflicts_with = "errors_in")]
    pub errors: bool,
    /// Only rows that break a rule of this column
    #[arg(long, value_name = "COL")]
    pub errors_in: Option<String>,
    /// Only rows a reviewer flagged (`hookgrid flag`)
    #[arg(long)]
    pub flagged: bool,
}

impl ViewArgs {
    pub fn view(&self) -> View {
        View {
            rows: self.rows,
            filter: self.filter.clone(),
            search: self.search.clone(),
            sort: self.sort.clone(),
            errors: (self.errors || self.errors_in.is_some()).then(|| ErrorRows {
                column: self.errors_in.clone(),
            }),
            flagged: self.flagged,
        }
    }
}

/// One row, or every row of a view (`flag`, `unflag`).
#[derive(Debug, Args)]
pub struct RowsArgs {
    #[command(flatten)]
    pub view: ViewArgs,
    /// The row's _row (from 0, as `rows --json` prints it); without it, every row of the view
    #[arg(long, value_name = "N", conflicts_with_all = ["filter", "search", "errors", "errors_in", "flagged"])]
    pub row: Option<i64>,
}
