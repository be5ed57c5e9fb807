//! The command line: argument parsing, logging, exit codes.

/// `println!` for command output: when the reader goes away (`lockdown checks list | head`)
/// the process ends quietly with status 0, as command-line tools do, instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::write_stdout(format_args!($($arg)*), true)
    };
}

/// `print!` for command output, with [`out!`]'s handling of a closed pipe.
macro_rules! out_raw {
    ($($arg:tt)*) => {
        $crate::cli::write_stdout(format_args!($($arg)*), false)
    };
}

mod checks;
mod config_file;
mod frameworks;
mod history;
mod scan;
mod send;
mod verify;

use crate::collect::config_items::SettingsSource;
use crate::emit::Format;
use crate::evaluate::Severity;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

/// Writes command output; a closed pipe ends the process quietly, another write error ends
/// it with the runtime exit code.
pub(crate) fn write_stdout(text: std::fmt::Arguments<'_>, newline: bool) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let written = stdout
        .write_fmt(text)
        .and_then(|()| {
            if newline {
                stdout.write_all(b"\n")
            } else {
                Ok(())
            }
        })
        .and_then(|()| stdout.flush());
    match written {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => {
            eprintln!("error: cannot write to standard output: {e}");
            std::process::exit(exit::RUNTIME.into());
        }
    }
}

/// Exit codes, documented in `--help` and the README.
pub mod exit {
    /// Scan completed; nothing at or above `--fail-on` failed.
    pub const OK: u8 = 0;
    /// Runtime failure (no credentials, unreadable output path, ...).
    pub const RUNTIME: u8 = 1;
    /// Bad usage or configuration: flags, check files, snapshots.
    pub const USAGE: u8 = 2;
    /// A check at or above `--fail-on` failed.
    pub const FAILED_CHECKS: u8 = 3;
    /// With `--fail-on`: nothing failed, but some checks could not be evaluated (ERROR).
    pub const INCOMPLETE: u8 = 4;
    /// Some findings could not be delivered to a `--send-to` sink; they were spooled.
    pub const DELIVERY_FAILED: u8 = 5;
    /// `lockdown verify`: a signed output or its manifest was altered.
    pub const VERIFY_FAILED: u8 = 6;
}

const AFTER_HELP: &str = "\
Examples:
  lockdown scan --demo
      evaluate the built-in demo account (no AWS needed)
  lockdown scan --profile prod --fail-on high
      scan the account of profile `prod`; exit 3 on a high or critical FAIL
  lockdown scan --org --org-role-name LockdownScanRole --output-dir out/
      every active account of the organization, one result set with a section per account
  lockdown scan --output results.json
      JSON findings to a file, summary on stderr
  lockdown scan --framework soc2 --format json,ocsf,html --output-dir out/
      several formats, one file each, with a SOC 2 compliance report
  lockdown scan --send-to splunk-hec:https://splunk:8088 --send-to s3://audit/lockdown
      deliver findings (HEC token in LOCKDOWN_SPLUNK_TOKEN)
  lockdown collect -o snap.json && lockdown scan --snapshot snap.json
      collect once, evaluate offline as often as you like
  lockdown scan --baseline last.json --save-baseline last.json --only-changes --send-to splunk-hec:https://splunk:8088
      a scheduled run that sends only new, changed and resolved findings
  lockdown checks list
      the check catalog

Exit codes:
  0 ok · 1 runtime error · 2 usage or configuration error
  3 a check at or above --fail-on failed
  4 (with --fail-on) nothing failed but some checks could not be evaluated
  5 a sink did not take every finding (they were spooled; see `lockdown send`)
  6 `lockdown verify` found an altered file

Credentials come from the standard AWS chain (environment, profile, SSO, web identity,
container or instance metadata). AWS_ENDPOINT_URL points lockdown at another endpoint.";

/// Scan AWS accounts for misconfigurations and map results to compliance controls.
#[derive(Debug, Parser)]
#[command(name = "lockdown", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// No progress display and no summary on stderr.
    #[arg(long, short, global = true)]
    quiet: bool,
    /// More log output on stderr (-v info, -vv debug, -vvv trace).
    #[arg(long, short, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    /// Log line format.
    #[arg(long, value_enum, default_value_t = LogFormat::Text, global = true)]
    log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Collect from AWS (or read a snapshot) and evaluate the checks.
    #[command(after_help = AFTER_HELP)]
    Scan(Box<scan::ScanArgs>),
    /// Collect from AWS and save a snapshot without evaluating it.
    Collect(scan::CollectArgs),
    /// Browse and test the check catalog.
    #[command(subcommand)]
    Checks(checks::ChecksCommand),
    /// Compliance report for frameworks from a saved results file (`scan --output`).
    Report(frameworks::ReportArgs),
    /// Browse framework catalogs, unified controls and their mapping to checks.
    #[command(subcommand)]
    Frameworks(frameworks::FrameworksCommand),
    /// Re-deliver findings that sinks did not take (spooled by `scan --send-to`).
    Send(send::SendArgs),
    /// The scan history (`scan --history`): runs, timelines, period reports for auditors.
    History {
        #[command(subcommand)]
        command: history::HistoryCommand,
        #[command(flatten)]
        db: history::DatabaseArg,
    },
    /// Create an Ed25519 key pair for `scan --sign`.
    Keygen(verify::KeygenArgs),
    /// Check a signed run: every file's SHA-256 and the manifest's signature.
    Verify(verify::VerifyArgs),
    /// Print the read-only IAM policy lockdown needs: exactly the actions its collectors call
    /// (plus, for the sinks named with --send-to, the write each delivery makes).
    IamPolicy(IamPolicyArgs),
    /// Serve AWS Lambda invocations (provided.al2023 runtime; also what the binary does when
    /// installed as `bootstrap`). Events: {"accounts", "org", "regions", "checks",
    /// "frameworks", "outputs", "role_name"}; see docs/deployment.md.
    Lambda,
    /// Print a shell completion script: `lockdown completions bash > /etc/bash_completion.d/lockdown`
    /// (zsh: into a directory on $fpath as `_lockdown`; fish: ~/.config/fish/completions/lockdown.fish;
    /// powershell: append to $PROFILE).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): `lockdown man > lockdown.1 && man ./lockdown.1`.
    Man,
}

/// Options of `lockdown iam-policy`.
#[derive(Debug, Args)]
struct IamPolicyArgs {
    /// Also grant what delivering to these sinks needs (s3:PutObject on the prefix,
    /// securityhub:BatchImportFindings), in a separate statement.
    #[arg(long, value_name = "SINK", value_parser = clap::value_parser!(crate::emit::sink::Sink))]
    send_to: Vec<crate::emit::sink::Sink>,
    /// The policy of the principal running `scan --org`: list the organization's accounts and
    /// assume this role in them (the member role itself needs the plain policy).
    #[arg(long, value_name = "ROLE_NAME")]
    org_role_name: Option<String>,
}

/// How to reach AWS for a live scan.
#[derive(Debug, Clone, Args)]
struct AwsArgs {
    /// Named profile from ~/.aws/config (default: the standard credential chain).
    #[arg(long, env = "AWS_PROFILE")]
    profile: Option<String>,
    /// Region for global-service endpoints (default: from the profile or AWS_REGION).
    #[arg(long)]
    region: Option<String>,
    /// Role to assume before scanning (e.g. a read-only audit role in another account).
    #[arg(long)]
    role_arn: Option<String>,
    /// External id required by the trust policy of the role assumed (--role-arn, or with
    /// --org the role in each member account).
    #[arg(long)]
    external_id: Option<String>,
    /// Attempts per API call, first one included (retries use the SDK's backoff).
    #[arg(long, default_value_t = crate::collect::DEFAULT_MAX_ATTEMPTS, value_parser = clap::value_parser!(u32).range(1..=20))]
    max_attempts: u32,
    /// How the SDK retries throttled and failed calls: `standard` (exponential backoff with
    /// jitter) or `adaptive` (also slows the client's own request rate when throttled).
    #[arg(long, value_enum, default_value_t = RetryMode::Standard)]
    retry_mode: RetryMode,
    /// Requests per second to each AWS service in each account and region (a token bucket
    /// shared by every task calling the service there, retries included, so a scan never
    /// spends the rate production shares). Default: 20, and ec2=10, iam=8, organizations=5,
    /// cloudtrail=5 (about half of what AWS allows); none for s3, whose rates are per bucket.
    /// N sets every service; 0: no limit.
    #[arg(long, value_name = "N")]
    request_rate: Option<u32>,
    /// Per-service request rates (SERVICE=N, the signing name: ec2, iam, s3, ...), over the
    /// defaults or --request-rate; 0: no limit.
    #[arg(long, value_name = "SERVICE=N", value_delimiter = ',')]
    service_rate: Vec<String>,
    /// Where resource settings come from: `direct` (the services' own APIs) or `config` (AWS
    /// Config's configuration items, 100 resources a call, where Config records what a check
    /// reads and the item is fresh; direct reads for the rest). Today: S3 buckets' policy,
    /// ACL, Block Public Access, logging, lifecycle, encryption, versioning, Object Lock and
    /// notification destinations; KMS keys' description and rotation status.
    /// [default: direct]
    #[arg(long, value_enum)]
    source: Option<SettingsSource>,
    /// With --source config: the oldest configuration item used, in hours; older items are
    /// read directly.
    #[arg(long, value_name = "HOURS", default_value_t = crate::collect::config_items::DEFAULT_MAX_AGE_HOURS, value_parser = clap::value_parser!(u64).range(1..=8760))]
    config_max_age: u64,
    /// With --source config: read the items through this AWS Config aggregator (e.g. the
    /// organization aggregator of a delegated administrator account), in the home region
    /// (--region), with the credentials lockdown runs with, instead of each account's own
    /// Config: member roles need no Config permission, and one call reads 100 resources of
    /// any region. Items of another account than the one asked about are not used.
    #[arg(long, value_name = "NAME")]
    config_aggregator: Option<String>,
    /// Time limit per API call attempt, in seconds.
    #[arg(long, default_value_t = crate::collect::DEFAULT_ATTEMPT_TIMEOUT_SECS, value_parser = clap::value_parser!(u64).range(1..=600))]
    timeout: u64,
    /// Regions to scan, comma-separated, or `all` (every region enabled in the account).
    #[arg(long, value_delimiter = ',', default_value = "all")]
    regions: Vec<String>,
    /// Region × service collections running at once (per account).
    #[arg(long, default_value_t = crate::collect::DEFAULT_CONCURRENCY as u16, value_parser = clap::value_parser!(u16).range(1..=64))]
    concurrency: u16,
    #[command(flatten)]
    org: OrgArgs,
    #[command(flatten)]
    okta: OktaArgs,
}

/// Okta, a second identity provider scanned beside AWS.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Okta")]
struct OktaArgs {
    /// Also scan this Okta org (https://ORG.okta.com): policies, users, admins, API tokens,
    /// network zones, automations and log streams through the Management API, read only. Credentials come from the
    /// environment, never an argument: an API token in LOCKDOWN_OKTA_TOKEN (or the file named
    /// by LOCKDOWN_OKTA_TOKEN_FILE) of a Read-only Administrator, or an OAuth service app:
    /// LOCKDOWN_OKTA_CLIENT_ID with its PKCS#8 private key in LOCKDOWN_OKTA_PRIVATE_KEY(_FILE)
    /// (and LOCKDOWN_OKTA_KEY_ID), granted okta.policies.read, okta.users.read,
    /// okta.roles.read, okta.apiTokens.read, okta.logStreams.read, okta.authenticators.read
    /// and okta.networkZones.read.
    #[arg(long, value_name = "URL", env = "LOCKDOWN_OKTA_ORG")]
    okta_org: Option<String>,
    /// Do not call AWS: scan the Okta org only (needs --okta-org).
    #[arg(long, requires = "okta_org")]
    skip_aws: bool,
}

/// Scanning a whole AWS Organization.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Organization")]
struct OrgArgs {
    /// Scan every active account of the AWS Organization: run with credentials of the
    /// management account (or a delegated administrator); lockdown assumes --org-role-name in
    /// each account. Suspended and closed accounts are skipped and listed.
    #[arg(long)]
    org: bool,
    /// Exactly these account ids, comma-separated: their role is assumed directly, without
    /// listing the organization (what one Lambda invocation of a fan-out does).
    #[arg(long, value_delimiter = ',', requires = "org", conflicts_with = "org_unit", value_parser = account_id)]
    accounts: Vec<String>,
    /// Leave out these account ids, comma-separated.
    #[arg(long, value_delimiter = ',', requires = "org", value_parser = account_id)]
    exclude_accounts: Vec<String>,
    /// Only accounts under these organizational units (ou-...) or the root (r-...), at any
    /// depth; comma-separated.
    #[arg(long, value_delimiter = ',', requires = "org", value_name = "OU")]
    org_unit: Vec<String>,
    /// Role assumed in each member account (deploy/member-role.yaml creates it).
    #[arg(long, default_value = crate::collect::org::DEFAULT_ROLE_NAME, requires = "org")]
    org_role_name: String,
    /// Session name of assumed roles (--role-arn, --org), as CloudTrail records it.
    #[arg(long, default_value = crate::collect::DEFAULT_SESSION_NAME)]
    session_name: String,
    /// Accounts collected at once. Each account has its own API rate limits, so this bounds
    /// memory and the caller's STS and network load rather than throttling.
    #[arg(long, default_value_t = crate::collect::org::DEFAULT_ACCOUNT_CONCURRENCY as u16, value_parser = clap::value_parser!(u16).range(1..=64))]
    account_concurrency: u16,
}

/// An AWS account id: twelve digits.
fn account_id(text: &str) -> Result<String, String> {
    if text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()) {
        Ok(text.to_owned())
    } else {
        Err("an AWS account id is 12 digits, e.g. 123456789012".to_owned())
    }
}

/// The AWS SDK retry strategies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum RetryMode {
    Standard,
    Adaptive,
}

/// Which checks run and how.
#[derive(Debug, Clone, Args)]
struct CheckArgs {
    /// Only these checks: ids, prefixes or globs, comma-separated (e.g. `iam_root_*`,
    /// `s3_*_public*`).
    #[arg(long, value_delimiter = ',')]
    checks: Vec<String>,
    /// Leave out these checks: ids, prefixes or globs, comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "CHECKS")]
    exclude_checks: Vec<String>,
    /// Only the checks of these AWS services, comma-separated (e.g. `s3,iam`); a scan then
    /// collects only what those checks read. `lockdown checks list` shows each check's service.
    #[arg(long, value_delimiter = ',', value_name = "SERVICES")]
    services: Vec<String>,
    /// Leave out the checks of these AWS services, comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "SERVICES")]
    exclude_services: Vec<String>,
    /// Only checks of at least this severity.
    #[arg(long, value_enum)]
    severity: Option<Severity>,
    /// Also load check files (*.toml) from this directory; repeatable.
    #[arg(long, value_name = "DIR")]
    checks_dir: Vec<PathBuf>,
    /// Override a check parameter, e.g. `--set iam_access_key_rotated.max_age_days=60`.
    #[arg(long, value_name = "CHECK.PARAM=VALUE")]
    set: Vec<String>,
    /// Parameters from the configuration file, applied before `--set`.
    #[arg(skip)]
    config_params: Vec<config_file::ParamValue>,
}

impl CheckArgs {
    /// The checks these arguments select.
    fn selection(&self) -> crate::evaluate::Selection {
        crate::evaluate::Selection {
            patterns: self.checks.clone(),
            exclude: self.exclude_checks.clone(),
            services: self.services.clone(),
            exclude_services: self.exclude_services.clone(),
            min_severity: self.severity,
        }
    }
}

/// Compliance frameworks to report against.
#[derive(Debug, Clone, Args)]
struct FrameworkArgs {
    /// Report compliance against these frameworks, comma-separated (e.g. `soc2,iso27001_2022`);
    /// `lockdown frameworks list` shows the ids.
    #[arg(long, value_delimiter = ',')]
    framework: Vec<String>,
    /// Load your own control framework (CSV with columns id,title,maps_to,references,automation;
    /// or TOML); its id is the file name. Repeatable.
    #[arg(long, value_name = "FILE")]
    framework_file: Vec<PathBuf>,
}

/// Output options of a scan.
#[derive(Debug, Clone, Args)]
struct OutputArgs {
    /// Write machine-readable results here (`-` for stdout). Without it, results go to stdout
    /// when stdout is not a terminal.
    #[arg(long, short, conflicts_with = "output_dir")]
    output: Option<PathBuf>,
    /// Write one file per format into this directory, named
    /// `lockdown-<account>-<time>.<ext>`; needed for several formats at once.
    #[arg(long, value_name = "DIR")]
    output_dir: Option<PathBuf>,
    /// Results formats, comma-separated (e.g. `json,ocsf,html`).
    #[arg(long, value_enum, value_delimiter = ',', default_value = "json")]
    format: Vec<Format>,
    /// Sign the files written: a `*.manifest.json` beside them holds each file's SHA-256 and an
    /// Ed25519 signature made with this private key (from `lockdown keygen`).
    #[arg(long, value_name = "KEY_FILE")]
    sign: Option<PathBuf>,
    /// Exit with code 3 when a check of this severity or higher fails (for CI gating).
    #[arg(long, value_enum)]
    fail_on: Option<Severity>,
    /// Resources listed per failing check in the summary.
    #[arg(long, default_value_t = 10)]
    summary_limit: usize,
    /// Compare with a previous run's JSON results: each finding is marked new, unchanged,
    /// changed or resolved (failures whose resource is gone come back as resolved).
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// With --baseline, or --history (changes since the latest recorded run): write and send
    /// only what changed (new, changed, resolved). `--fail-on` still looks at every finding.
    #[arg(long)]
    only_changes: bool,
    /// Write every finding of this run (JSON) here, as the next run's --baseline; may be the
    /// --baseline file itself, which is replaced only once the run has been evaluated.
    #[arg(long, value_name = "FILE")]
    save_baseline: Option<PathBuf>,
    /// Record this run in the scan history (SQLite; default path
    /// ~/.local/state/lockdown/history.db), for `lockdown history` period reports. Without
    /// --baseline, changes (new, changed, resolved) are judged against the latest recorded run.
    #[arg(long, value_name = "PATH", num_args = 0..=1, default_missing_value = "")]
    history: Option<PathBuf>,
}

/// A user-facing failure with its exit code.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    fn usage(message: impl std::fmt::Display) -> Self {
        Self {
            code: exit::USAGE,
            message: message.to_string(),
        }
    }
    fn runtime(message: impl std::fmt::Display) -> Self {
        Self {
            code: exit::RUNTIME,
            message: message.to_string(),
        }
    }
}

/// Process-wide settings every command needs.
#[derive(Debug, Clone, Copy)]
struct Ui {
    /// Progress and summary on stderr.
    human: bool,
}

fn init_logging(cli: &Cli) {
    let level = match cli.verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("LOCKDOWN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("lockdown={level}")));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match cli.log_format {
        LogFormat::Text => builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// The IAM policy document granting the permission of every action the collectors declare,
/// and nothing else; plus the delivery permissions of `sinks` in their own statements.
pub fn iam_policy(sinks: &[crate::emit::sink::Sink], org_role_name: Option<&str>) -> String {
    iam_policy_for(&crate::collect::all_actions(), sinks, org_role_name)
}

/// The IAM policy document granting the permissions of `actions` (and the delivery and
/// organization statements).
pub fn iam_policy_for(
    actions: &[&str],
    sinks: &[crate::emit::sink::Sink],
    org_role_name: Option<&str>,
) -> String {
    let permissions = crate::collect::permissions(actions);
    let mut statements = vec![serde_json::json!({
        "Sid": "LockdownReadOnlyScan",
        "Effect": "Allow",
        "Action": permissions,
        "Resource": "*",
    })];
    if let Some(role_name) = org_role_name {
        statements.extend(crate::collect::org::policy_statements(role_name));
    }
    statements.extend(
        sinks
            .iter()
            .filter_map(crate::emit::sink::Sink::delivery_statement),
    );
    let policy = serde_json::json!({"Version": "2012-10-17", "Statement": statements});
    serde_json::to_string_pretty(&policy).expect("a JSON value serializes")
}

/// Parses arguments, runs the command and returns the process exit code.
pub fn main() -> ExitCode {
    // The Lambda runtime `provided.al2023` starts the executable named `bootstrap`.
    let invoked_as = std::env::args_os().next().map(PathBuf::from);
    let cli = if invoked_as.as_deref().and_then(|p| p.file_name()) == Some("bootstrap".as_ref()) {
        Cli::parse_from(["lockdown", "lambda"])
    } else {
        Cli::parse()
    };
    init_logging(&cli);
    let ui = Ui { human: !cli.quiet };
    let result = match cli.command {
        Command::Scan(args) => scan::scan(*args, ui),
        Command::Collect(args) => scan::collect(args, ui),
        Command::Send(args) => send::send(args, ui.human),
        Command::History { command, db } => history::run(command, &db),
        Command::Keygen(args) => verify::keygen(args),
        Command::Verify(args) => verify::verify(args),
        Command::Checks(command) => checks::run(command),
        Command::Report(args) => frameworks::report(args),
        Command::Frameworks(command) => frameworks::run(command),
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut command, "lockdown", &mut script);
            out_raw!("{}", String::from_utf8_lossy(&script));
            Ok(exit::OK)
        }
        Command::Man => {
            let mut page = Vec::new();
            clap_mangen::Man::new(<Cli as clap::CommandFactory>::command())
                .render(&mut page)
                .map(|()| {
                    out_raw!("{}", String::from_utf8_lossy(&page));
                    exit::OK
                })
                .map_err(Failure::runtime)
        }
        Command::Lambda => crate::lambda::run()
            .map(|()| exit::OK)
            .map_err(Failure::runtime),
        Command::IamPolicy(args) => {
            out!(
                "{}",
                iam_policy(&args.send_to, args.org_role_name.as_deref())
            );
            Ok(exit::OK)
        }
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}
