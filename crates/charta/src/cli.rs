//! Command-line interface. Every option can also be set by an environment
//! variable, shown in `--help` and documented in `.env.sample`.

use anyhow::{Context, Result, bail};
use charta_domain::CatalogSet;
use charta_release::SigningKey;
use charta_store::{DEFAULT_DATABASE_URL, Store};
use charta_web::config::{ProviderConfig, ProvidersFile};
use charta_web::{AppState, WebConfig};
use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Charta: co-author, review and publish security specifications.
#[derive(Debug, Parser)]
#[command(name = "charta", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve Charta over HTTP. Runs pending database migrations first,
    /// unless told not to with `--migrate false`.
    Serve(ServeArgs),
    /// Start a demo instance on a local SQLite file, seeded with a working
    /// group, three member foundations and a specification with its history.
    Demo(DemoArgs),
    /// Apply pending database migrations and exit.
    Migrate(MigrateArgs),
    /// Import working group and specification files. A directory is read
    /// recursively: group files first, then specifications in path order. A
    /// changed specification becomes a new version; an unchanged one is
    /// skipped. Each file is imported whole or not at all.
    Import(ImportArgs),
    /// Write a stored specification version in the reviewable file format.
    Export(ExportArgs),
    /// Check or read the append-only audit log of changes.
    Audit(AuditArgs),
    /// Grant or remove platform administration. The person must have signed
    /// in once, so that their account exists.
    Admin(AdminArgs),
    /// Check a published release against the instance's public key, by its
    /// URL or as a downloaded directory, naming every file that does not
    /// match. Needs no database.
    Verify(crate::verify::VerifyArgs),
    /// Write a consistent snapshot of the whole database (every table,
    /// release files, the audit chain) to a new file, while the server runs.
    Backup(BackupArgs),
    /// Load a backup into an empty database of either backend (the way to
    /// move from SQLite to PostgreSQL), then check its audit chain.
    Restore(BackupArgs),
    /// Write every published release, the feeds and the public key as
    /// static files at the instance's paths, for any static host or CDN.
    Mirror(MirrorArgs),
    /// Run only the background jobs (ballots closing at their deadline,
    /// purging expired sessions, signing audit checkpoints), for
    /// deployments that keep them apart from the web nodes (which then run
    /// with `--jobs false`). Any number may run against one database.
    Worker(WorkerArgs),
}

#[derive(Debug, Args)]
pub struct WorkerArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// The instance's public URL, named in the audit checkpoints it signs
    /// (as for `charta serve`).
    #[arg(
        long,
        env = "CHARTA_PUBLIC_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    pub public_url: String,
    /// The release key file, which signs audit checkpoints. It must exist:
    /// a worker never creates a key.
    #[arg(long, env = "CHARTA_RELEASE_KEY", default_value = "charta-release.key")]
    pub release_key: PathBuf,
    /// How often to look for ballots past their deadline, in seconds.
    #[arg(long, env = "CHARTA_BALLOT_SWEEP_SECONDS", default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub ballot_sweep_seconds: u64,
    /// Serve Prometheus metrics (job runs) at http://ADDRESS/metrics.
    #[arg(long, env = "CHARTA_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
    #[command(flatten)]
    pub notify: NotifyArgs,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// The backup file (gzip-compressed JSON lines).
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct AdminArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(subcommand)]
    pub action: AdminAction,
}

#[derive(Debug, Subcommand)]
pub enum AdminAction {
    /// Make the account with this e-mail address a platform administrator.
    Grant {
        /// E-mail address the person's provider reported at sign-in.
        email: String,
    },
    /// Remove platform administration from the account with this e-mail address.
    Revoke { email: String },
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// PostgreSQL only: after migrating (as the role that owns the schema),
    /// give this login role what `charta serve` needs and nothing more:
    /// reading and writing rows, never altering tables or their triggers;
    /// append-only tables only take new rows. Run it after every migration.
    #[arg(long, value_name = "ROLE")]
    pub grant_to: Option<String>,
}

#[derive(Debug, Args)]
pub struct DbArgs {
    /// Database URL: sqlite://FILE or postgres://USER:PASSWORD@HOST/DB.
    #[arg(long, env = "CHARTA_DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
    /// PostgreSQL only: seconds to keep trying while the server cannot be
    /// reached yet or is still starting, as when the database and Charta's
    /// containers start together. A wrong password fails at once.
    #[arg(long, env = "CHARTA_DATABASE_WAIT", value_name = "SECONDS", default_value_t = DEFAULT_DATABASE_WAIT)]
    pub database_wait: u64,
}

/// Default of `--database-wait`: long enough for PostgreSQL's first start
/// in a container, which initialises its data directory.
pub const DEFAULT_DATABASE_WAIT: u64 = 60;

impl DbArgs {
    fn wait(&self) -> Duration {
        Duration::from_secs(self.database_wait)
    }
}

#[derive(Debug, Args)]
pub struct HttpArgs {
    /// Address to listen on.
    #[arg(long, env = "CHARTA_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Address for Prometheus metrics (`GET /metrics`), such as
    /// 127.0.0.1:9464; off when unset. Kept off the public port.
    #[arg(long, env = "CHARTA_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
    /// Seconds a request may take before it is answered with 503.
    #[arg(long, env = "CHARTA_REQUEST_TIMEOUT", default_value_t = 30)]
    pub request_timeout: u64,
    /// Largest request body accepted, in bytes.
    #[arg(long, env = "CHARTA_MAX_BODY_BYTES", default_value_t = charta_domain::format::MAX_SPEC_BYTES)]
    pub max_body_bytes: usize,
    /// Seconds between looks for ballots past their deadline, which are then
    /// closed with the tally at the deadline.
    #[arg(long, env = "CHARTA_BALLOT_SWEEP_SECONDS", default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub ballot_sweep_seconds: u64,
    /// How many CPU-heavy pieces of work (parsing submitted files, diffs)
    /// run at once; further ones wait. Default: one fewer than the cores.
    #[arg(long, env = "CHARTA_CPU_WORKERS", value_parser = clap::value_parser!(u64).range(1..=256))]
    pub cpu_workers: Option<u64>,
    /// Requests per minute one client address may make to the expensive
    /// public endpoints (validation, diffs, search, coverage, feeds);
    /// 0 turns the limit off.
    #[arg(long, env = "CHARTA_EXPENSIVE_PER_MINUTE", default_value_t = 120)]
    pub expensive_per_minute: u32,
    #[command(flatten)]
    pub notify: NotifyArgs,
}

/// Where notifications go.
#[derive(Debug, Args, Clone)]
pub struct NotifyArgs {
    /// SMTP server for e-mail: smtp://user:password@host:587 (STARTTLS),
    /// smtps://user:password@host:465 (TLS), or smtp://localhost:25 (plain,
    /// loopback only). Unset: no e-mail is sent.
    #[arg(long, env = "CHARTA_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The From of every message.
    #[arg(
        long,
        env = "CHARTA_MAIL_FROM",
        default_value = "Charta <charta@localhost>"
    )]
    pub mail_from: String,
    /// Deliver webhooks to loopback and private network addresses too.
    /// Only for tests and closed networks: it lets group chairs make
    /// Charta send requests inside the operator's network.
    #[arg(long, env = "CHARTA_WEBHOOK_ALLOW_PRIVATE", default_value_t = false, action = clap::ArgAction::Set)]
    pub webhook_allow_private: bool,
}

impl NotifyArgs {
    /// The settings, checked: a bad SMTP URL or From address stops the
    /// start with a message naming the setting.
    pub fn settings(&self, demo: bool) -> Result<charta_app::notify::NotifySettings> {
        use charta_app::notify::{MailTransport, NotifySettings, mail::Mailer};
        let transport = match (&self.smtp_url, demo) {
            (Some(url), _) if !url.trim().is_empty() => MailTransport::Smtp(url.trim().to_string()),
            (_, true) => MailTransport::Mailbox,
            _ => MailTransport::Off,
        };
        let settings = NotifySettings {
            transport,
            mail_from: self.mail_from.clone(),
            allow_private_webhooks: self.webhook_allow_private,
            ..NotifySettings::default()
        };
        Mailer::new(&settings).map_err(|e| anyhow::anyhow!("{e}"))?;
        match &settings.transport {
            MailTransport::Off => tracing::info!(
                "no mail server is configured (CHARTA_SMTP_URL): notifications go to webhooks only"
            ),
            MailTransport::Mailbox => tracing::info!(
                "mail is kept in the local mailbox at /mailbox instead of being sent"
            ),
            MailTransport::Smtp(url) => tracing::info!(
                smtp = %charta_app::notify::mail::redact(url),
                "mail goes out through SMTP"
            ),
        }
        Ok(settings)
    }
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub http: HttpArgs,
    #[command(flatten)]
    pub auth: AuthArgs,
    /// File holding the Ed25519 key that signs releases, readable by this
    /// user only and never stored in the database. Its public half is served
    /// at /.well-known/charta/release-key.
    #[arg(long, env = "CHARTA_RELEASE_KEY", default_value = "charta-release.key")]
    pub release_key: PathBuf,
    /// Create the release key file if it does not exist. Without this flag a
    /// missing key file stops the server: a new key would silently make every
    /// later release unverifiable against the key consumers already trust.
    #[arg(long, env = "CHARTA_CREATE_RELEASE_KEY")]
    pub create_release_key: bool,
    /// Apply pending database migrations before serving. With `false` the
    /// server never alters the schema and refuses to start while migrations
    /// are pending: for deployments where Charta's database role does not
    /// own the schema and `charta migrate` runs as the owner.
    #[arg(long, env = "CHARTA_MIGRATE", default_value_t = true, action = clap::ArgAction::Set)]
    pub migrate: bool,
    /// After each publication, write a static mirror of every release, the
    /// feeds and the public key into this directory (as `charta mirror`).
    #[arg(long, env = "CHARTA_MIRROR_DIR")]
    pub mirror_dir: Option<PathBuf>,
    /// Run the background jobs in this process. Set `false` on web nodes
    /// when `charta worker` processes run them.
    #[arg(long, env = "CHARTA_JOBS", default_value_t = true, action = clap::ArgAction::Set)]
    pub jobs: bool,
}

#[derive(Debug, Args)]
pub struct MirrorArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// The instance's public URL, which links in feeds and release pages
    /// point to (as for `charta serve`).
    #[arg(
        long,
        env = "CHARTA_PUBLIC_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    pub public_url: String,
    /// The release key file, for the public key the mirror publishes.
    #[arg(long, env = "CHARTA_RELEASE_KEY", default_value = "charta-release.key")]
    pub release_key: PathBuf,
    /// The directory to write; created if missing, files in it replaced.
    pub dir: PathBuf,
}

/// The demo's own key file, in the working directory. The demo never reads
/// `CHARTA_RELEASE_KEY`, so that trying Charta out cannot sign anything with
/// (or overwrite) a real instance's key.
const DEMO_RELEASE_KEY: &str = "charta-demo-release.key";

/// Sign-in settings. One provider can be given with the four `CHARTA_OIDC_*`
/// variables; several come from a providers file.
#[derive(Debug, Args)]
pub struct AuthArgs {
    /// The address people reach Charta at, such as https://charta.example.org
    /// (default: http:// plus the listen address). The OpenID Connect redirect
    /// URI is this plus /auth/callback.
    #[arg(long, env = "CHARTA_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Issuer URL of the OpenID Connect provider.
    #[arg(long, env = "CHARTA_OIDC_ISSUER")]
    pub oidc_issuer: Option<String>,
    /// Client id registered with the provider.
    #[arg(long, env = "CHARTA_OIDC_CLIENT_ID")]
    pub oidc_client_id: Option<String>,
    /// Client secret registered with the provider.
    #[arg(long, env = "CHARTA_OIDC_CLIENT_SECRET", hide_env_values = true)]
    pub oidc_client_secret: Option<String>,
    /// Name shown on the sign-in button for that provider.
    #[arg(
        long,
        env = "CHARTA_OIDC_NAME",
        default_value = "your organisation's account"
    )]
    pub oidc_name: String,
    /// A YAML file listing several providers (see README).
    #[arg(long, env = "CHARTA_OIDC_PROVIDERS_FILE")]
    pub oidc_providers_file: Option<PathBuf>,
    /// Comma-separated `acr` values that count as multi-factor sign-in (an
    /// `amr` containing `mfa` always counts). The first is requested on step-up.
    #[arg(long, env = "CHARTA_MFA_ACR", value_delimiter = ',')]
    pub mfa_acr: Vec<String>,
    /// Minutes without activity after which a session ends.
    #[arg(long, env = "CHARTA_SESSION_IDLE_MINUTES", default_value_t = 120)]
    pub session_idle_minutes: i64,
    /// Hours after sign-in at which a session ends regardless of activity.
    #[arg(long, env = "CHARTA_SESSION_HOURS", default_value_t = 12)]
    pub session_hours: i64,
    /// Minutes for which a provider authentication counts as recent: older
    /// ones are sent back to the provider before privileged actions and
    /// before creating an API token.
    #[arg(long, env = "CHARTA_FRESH_SIGN_IN_MINUTES", default_value_t = 15,
          value_parser = clap::value_parser!(i64).range(1..=1440))]
    pub fresh_sign_in_minutes: i64,
    /// Comma-separated ID token signature algorithms to accept; public-key
    /// algorithms only (RS256, RS384, RS512, PS256, PS384, PS512, ES256,
    /// ES384, ES512, EdDSA).
    #[arg(
        long,
        env = "CHARTA_OIDC_ALGORITHMS",
        value_delimiter = ',',
        default_value = "RS256,ES256,EdDSA"
    )]
    pub oidc_algorithms: Vec<String>,
    /// Comma-separated addresses or ranges (such as 10.0.0.0/8) of reverse
    /// proxies whose X-Forwarded-For header names the client (for
    /// per-client limits).
    #[arg(long, env = "CHARTA_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<String>,
}

impl AuthArgs {
    fn providers(&self) -> Result<Vec<ProviderConfig>> {
        let mut providers = Vec::new();
        if let Some(path) = &self.oidc_providers_file {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            providers = ProvidersFile::parse(&text)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        }
        match (
            &self.oidc_issuer,
            &self.oidc_client_id,
            &self.oidc_client_secret,
        ) {
            (Some(issuer), Some(id), Some(secret)) => providers.push(ProviderConfig {
                id: "default".into(),
                name: self.oidc_name.clone(),
                issuer: issuer.clone(),
                client_id: id.clone(),
                client_secret: secret.clone(),
            }),
            (None, None, None) => {}
            _ => bail!(
                "set all three of CHARTA_OIDC_ISSUER, CHARTA_OIDC_CLIENT_ID and CHARTA_OIDC_CLIENT_SECRET, or none"
            ),
        }
        Ok(providers)
    }

    fn apply(&self, config: &mut WebConfig, listen: SocketAddr) -> Result<()> {
        config.public_url = self
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{listen}"))
            .trim_end_matches('/')
            .to_string();
        if !(config.public_url.starts_with("http://") || config.public_url.starts_with("https://"))
        {
            bail!("CHARTA_PUBLIC_URL must start with https:// (or http:// for local use)");
        }
        config.providers = self.providers()?;
        config.mfa_acr = self
            .mfa_acr
            .iter()
            .filter(|a| !a.is_empty())
            .cloned()
            .collect();
        if self.session_idle_minutes < 1 || self.session_hours < 1 {
            bail!("session durations must be positive");
        }
        config.session_idle = time::Duration::minutes(self.session_idle_minutes);
        config.session_lifetime = time::Duration::hours(self.session_hours);
        config.fresh_sign_in = time::Duration::minutes(self.fresh_sign_in_minutes);
        config.id_token_algorithms = Vec::new();
        for alg in self
            .oidc_algorithms
            .iter()
            .map(|a| a.trim())
            .filter(|a| !a.is_empty())
        {
            if !charta_web::config::ASYMMETRIC_ALGORITHMS.contains(&alg) {
                bail!(
                    "CHARTA_OIDC_ALGORITHMS: {alg} is not accepted; use public-key algorithms only: {}",
                    charta_web::config::ASYMMETRIC_ALGORITHMS.join(", ")
                );
            }
            config.id_token_algorithms.push(alg.to_string());
        }
        if config.id_token_algorithms.is_empty() {
            bail!("CHARTA_OIDC_ALGORITHMS names no algorithm");
        }
        config.trusted_proxies = self
            .trusted_proxies
            .iter()
            .map(|a| a.trim())
            .filter(|a| !a.is_empty())
            .map(|a| {
                a.parse::<charta_web::client_addr::Network>()
                    .map_err(|e| anyhow::anyhow!("CHARTA_TRUSTED_PROXIES: {e}"))
            })
            .collect::<Result<_>>()?;
        Ok(())
    }
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Database URL for the demo.
    #[arg(
        long,
        env = "CHARTA_DEMO_DATABASE_URL",
        default_value = "sqlite://charta-demo.db"
    )]
    pub database_url: String,
    /// Delete the demo database first and seed it again.
    #[arg(long)]
    pub reset: bool,
    #[command(flatten)]
    pub http: HttpArgs,
    #[command(flatten)]
    pub auth: AuthArgs,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// A .yaml file, or a directory of them.
    pub path: PathBuf,
    /// Recorded with each new version, like a commit message.
    #[arg(long, short, default_value = "Imported from file")]
    pub message: String,
    /// Recorded as the author of each new version.
    #[arg(long, default_value = "charta import")]
    pub author: String,
    /// Create new specifications as drafts, readable only by their working
    /// group's members until the chair publishes them.
    #[arg(long)]
    pub draft: bool,
    /// `charta` for working group and specification files; `gemara` reads
    /// Gemara layer-2 control catalogs (a file, or a directory of family
    /// files) into a reference catalog file, written to `--output` or
    /// standard output, and stores nothing.
    #[arg(long, value_enum, default_value_t = FileFormat::Charta)]
    pub format: FileFormat,
    /// Gemara: the slug of the reference catalog to write.
    #[arg(long)]
    pub catalog: Option<String>,
    /// Gemara: the catalog's title.
    #[arg(long)]
    pub title: Option<String>,
    /// Gemara: the edition of the source, such as v2026.02.19.
    #[arg(long)]
    pub edition: Option<String>,
    /// Gemara: the day the catalog was made, YYYY-MM-DD.
    #[arg(long)]
    pub revised: Option<String>,
    /// Gemara: who publishes the source.
    #[arg(long)]
    pub publisher: Option<String>,
    /// Gemara: where the source lives.
    #[arg(long)]
    pub source: Option<String>,
    /// Gemara: write the reference catalog here instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// The file formats `charta import` and `charta export` read and write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FileFormat {
    /// Charta's own specification and working group files.
    Charta,
    /// Gemara layer-2 control catalogs, as the OSPS Baseline is published.
    Gemara,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Slug of the specification, such as steward-baseline.
    pub spec: String,
    /// Version number (default: the newest).
    #[arg(long)]
    pub version: Option<i64>,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// `charta` writes the specification file; `gemara` writes the version
    /// as a Gemara layer-2 control catalog.
    #[arg(long, value_enum, default_value_t = FileFormat::Charta)]
    pub format: FileFormat,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: crate::audit::AuditCommand,
}

/// Runs the chosen command.
pub async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Serve(a) => {
            let key = release_key(&a.release_key, a.create_release_key)?;
            let mirror_dir = a.mirror_dir.clone();
            let store = if a.migrate {
                open(&a.db).await?
            } else {
                open_current(&a.db, true).await?
            };
            let state = app_state(store, &a.http, &a.auth, key, false, mirror_dir, a.jobs)?;
            serve_state(state, &a.http).await
        }
        Command::Demo(a) => {
            if !a.http.listen.ip().is_loopback() {
                bail!(
                    "the demo only listens on a loopback address (such as 127.0.0.1:8080), not {}: its data and sign-in are for trying Charta out",
                    a.http.listen
                );
            }
            if a.reset {
                crate::demo::remove_sqlite_file(&a.database_url)?;
            }
            let key = release_key(Path::new(DEMO_RELEASE_KEY), true)?;
            let store = open(&DbArgs {
                database_url: a.database_url.clone(),
                database_wait: DEFAULT_DATABASE_WAIT,
            })
            .await?;
            let state = app_state(store, &a.http, &a.auth, key, true, None, true)?;
            crate::demo::seed(&state).await?;
            serve_state(state, &a.http).await
        }
        Command::Worker(a) => crate::worker::run(a).await,
        Command::Migrate(a) => {
            let store = open(&a.db).await?;
            let granted = match &a.grant_to {
                Some(role) => store.grant_to(role).await.with_context(|| {
                    format!("cannot give the database role {role:?} its privileges")
                }),
                None => Ok(()),
            };
            store.close().await;
            granted?;
            println!("Database is up to date.");
            if let Some(role) = &a.grant_to {
                println!("Role {role} may read and write rows, and cannot alter the schema.");
            }
            Ok(())
        }
        Command::Import(a) if a.format == FileFormat::Gemara => crate::gemara::import_catalog(&a),
        Command::Import(a) => {
            let store = open(&a.db).await?;
            let result = crate::files::import(
                &store,
                &catalogs()?,
                &a.path,
                &a.message,
                &a.author,
                a.draft,
            )
            .await;
            store.close().await;
            result
        }
        Command::Export(a) => {
            let store = open(&a.db).await?;
            let result = match a.format {
                FileFormat::Charta => {
                    crate::files::export(&store, &a.spec, a.version, a.output.as_deref()).await
                }
                FileFormat::Gemara => crate::gemara::export_spec(&store, &catalogs()?, &a).await,
            };
            store.close().await;
            result
        }
        Command::Admin(a) => {
            let store = open(&a.db).await?;
            let result = set_admin(&store, &a.action).await;
            store.close().await;
            result
        }
        Command::Audit(a) => {
            let store = open(a.command.db()).await?;
            let result = crate::audit::run(&store, &a.command).await;
            store.close().await;
            result
        }
        Command::Verify(a) => crate::verify::run(a).await.map_err(anyhow::Error::from),
        Command::Backup(a) => {
            let store = open_current(&a.db, false).await?;
            let result = crate::backup::backup(&store, &a.file).await;
            store.close().await;
            result
        }
        Command::Mirror(a) => {
            let key = release_key(&a.release_key, false)?;
            let store = open_current(&a.db, false).await?;
            let config = WebConfig {
                public_url: a.public_url.trim_end_matches('/').to_string(),
                ..WebConfig::default()
            };
            let state =
                AppState::with_release_key(store.clone(), Arc::new(catalogs()?), config, Some(key));
            let result = charta_web::mirror::write(&state, &a.dir).await;
            store.close().await;
            let m = result?;
            println!(
                "Mirrored {} files ({} bytes) into {}.",
                m.files,
                m.bytes,
                a.dir.display()
            );
            Ok(())
        }
        Command::Restore(a) => {
            let store = open(&a.db).await?;
            let result = crate::backup::restore(&store, &a.file).await;
            store.close().await;
            result
        }
    }
}

/// The catalogs compiled into this binary.
pub fn catalogs() -> Result<CatalogSet> {
    CatalogSet::builtin().context("the built-in reference catalogs are invalid")
}

/// Opens the database and applies pending migrations.
async fn open(db: &DbArgs) -> Result<Store> {
    let store = connect(db).await?;
    store.migrate().await.context(
        "cannot migrate the database (migrations need the role that owns the schema: run `charta migrate` as that role)",
    )?;
    Ok(store)
}

/// Opens the database without altering it, refusing a schema that lacks
/// any of this build's migrations.
///
/// The long-running commands (`serve`, `worker`) pass `wait`: while
/// migrations are pending they wait up to `--database-wait` for `charta
/// migrate` to apply them, as when a deployment starts its nodes and its
/// migration job together, instead of exiting to be restarted. One-off
/// commands (`backup`, `mirror`) refuse at once.
pub async fn open_current(db: &DbArgs, wait: bool) -> Result<Store> {
    let store = connect(db).await?;
    let deadline = tokio::time::Instant::now() + if wait { db.wait() } else { Duration::ZERO };
    let mut told = false;
    loop {
        // The serving role may not read the migrations table between the
        // owner migrating and granting it its rights: that is waited for too.
        let why = match pending(&store).await {
            Ok(pending) => match pending.first() {
                None => {
                    if told {
                        tracing::info!("the migrations are applied; starting");
                    }
                    return Ok(store);
                }
                Some(first) => format!(
                    "the database lacks {} of this build's migrations (from {first})",
                    pending.len()
                ),
            },
            Err(e) => format!("{e:#}"),
        };
        if tokio::time::Instant::now() >= deadline {
            let waited = if wait {
                format!(
                    ", and nothing changed that within {} s (CHARTA_DATABASE_WAIT)",
                    db.database_wait
                )
            } else {
                String::new()
            };
            bail!(
                "{why}{waited}; run `charta migrate` as the role that owns the schema, with --grant-to this role on PostgreSQL, then start again"
            );
        }
        if !told {
            tracing::warn!(
                wait_seconds = db.database_wait,
                "{why}; waiting for `charta migrate`"
            );
            told = true;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn pending(store: &Store) -> Result<Vec<String>> {
    store
        .pending_migrations()
        .await
        .context("cannot read which migrations the database has")
}

async fn connect(db: &DbArgs) -> Result<Store> {
    Store::connect_waiting(&db.database_url, db.wait())
        .await
        .with_context(|| {
            format!(
                "cannot open the database ({})",
                charta_store::Backend::from_url(&db.database_url)
                    .map(|b| b.as_str())
                    .unwrap_or("unknown backend")
            )
        })
}

/// Loads the release signing key, creating it only when `create` is set.
pub fn release_key(path: &Path, create: bool) -> Result<SigningKey> {
    let loaded = if create {
        charta_release::key::load_or_create(path)
    } else {
        charta_release::key::load(path)
    };
    let key = match loaded {
        Err(charta_release::ReleaseError::Io { source, .. })
            if source.kind() == std::io::ErrorKind::NotFound =>
        {
            bail!(
                "the release key file {} does not exist. If this is a new instance, start it once with --create-release-key (or CHARTA_CREATE_RELEASE_KEY=true) and back the file up; if the instance has published releases, restore the key file from its backup, since releases signed with a new key no longer verify against the key consumers trust",
                path.display()
            )
        }
        other => {
            other.with_context(|| format!("cannot use the release key file {}", path.display()))?
        }
    };
    tracing::info!(
        key = %path.display(),
        key_id = %charta_release::key_id(&key.verifying_key()),
        "release signing key loaded"
    );
    Ok(key)
}

/// The application state from the flags: configuration, catalogs and the
/// release signing key.
fn app_state(
    store: Store,
    http: &HttpArgs,
    auth: &AuthArgs,
    key: SigningKey,
    demo: bool,
    mirror_dir: Option<PathBuf>,
    run_jobs: bool,
) -> Result<AppState> {
    let mut config = WebConfig {
        mirror_dir,
        run_jobs,
        max_body_bytes: http.max_body_bytes,
        request_timeout: Duration::from_secs(http.request_timeout),
        ballot_sweep: Duration::from_secs(http.ballot_sweep_seconds),
        cpu_workers: http
            .cpu_workers
            .map_or_else(charta_app::cpu::Pool::default_size, |n| n as usize),
        expensive_per_minute: http.expensive_per_minute,
        demo,
        notify: http.notify.settings(demo)?,
        ..WebConfig::default()
    };
    auth.apply(&mut config, http.listen)?;
    if config.providers.is_empty() && !demo {
        tracing::warn!(
            "no OpenID Connect provider is configured: nobody can sign in (see README, \"Signing in\")"
        );
    }
    Ok(AppState::with_release_key(
        store,
        Arc::new(catalogs()?),
        config,
        Some(key),
    ))
}

/// Serves `state` until Ctrl-C or SIGTERM.
async fn serve_state(state: AppState, http: &HttpArgs) -> Result<()> {
    let store = state.store.clone();
    let listener = tokio::net::TcpListener::bind(http.listen)
        .await
        .with_context(|| format!("cannot listen on {}", http.listen))?;
    let addr = listener.local_addr()?;
    let metrics = match http.metrics_listen {
        Some(at) => {
            let l = tokio::net::TcpListener::bind(at)
                .await
                .with_context(|| format!("cannot listen for metrics on {at}"))?;
            tracing::info!(listen = %at, "metrics at http://{at}/metrics");
            let for_metrics = state.clone();
            Some(tokio::spawn(async move {
                if let Err(e) = charta_web::metrics::serve(l, for_metrics).await {
                    tracing::warn!("the metrics listener stopped: {e}");
                }
            }))
        }
        None => None,
    };
    tracing::info!(listen = %addr, backend = store.backend().as_str(), "Charta is serving on http://{addr}/");
    charta_web::serve(listener, state, shutdown_signal()).await?;
    if let Some(m) = metrics {
        m.abort();
    }
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Completes on Ctrl-C or SIGTERM, so that requests in flight can finish.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

async fn set_admin(store: &Store, action: &AdminAction) -> Result<()> {
    let (email, grant) = match action {
        AdminAction::Grant { email } => (email, true),
        AdminAction::Revoke { email } => (email, false),
    };
    let mut users = store.users_by_email(email).await?;
    if grant {
        // Anyone can type any address into an account at a lax provider;
        // only an address the provider verified may make an administrator.
        let unverified = users.iter().filter(|u| !u.email_verified).count();
        users.retain(|u| u.email_verified);
        if users.is_empty() && unverified > 0 {
            bail!(
                "the account with the e-mail address {email} has an address its provider did not verify (email_verified); the person must verify it with their provider and sign in again"
            );
        }
    }
    let user = match users.as_slice() {
        [] => {
            bail!("no account has the e-mail address {email}; the person must sign in once first")
        }
        [one] => one,
        many => bail!(
            "{} accounts have the e-mail address {email} (from different providers: {}); this command needs an unambiguous address",
            many.len(),
            many.iter()
                .map(|u| u.issuer.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    store
        .set_platform_admin(user.id, grant, "charta admin")
        .await?;
    println!(
        "{} is {} a platform administrator",
        email,
        if grant { "now" } else { "no longer" }
    );
    Ok(())
}
