//! `customerdesk`: the one binary. Configuration comes from flags and `CUSTOMERDESK_*` /
//! `DATABASE_URL` environment variables; SQLite in `./data` when nothing is set.

mod bench;
mod demo;

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use desk_core::{CoreError, Desk, NewTenantInput, NewUserInput};

#[derive(Parser)]
#[command(name = "customerdesk", version, about = "Self-hosted, multi-tenant customer-support helpdesk")]
struct Cli {
    #[command(flatten)]
    db: DbArgs,
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
    let store = desk_store::open(db.database_url.as_deref(), &db.data_dir).await.with_context(|| match &db.database_url {
        Some(_) => "opening the database named by DATABASE_URL".to_owned(),
        None => format!("opening the SQLite database in {}", db.data_dir.display()),
    })?;
    Ok(Desk::new(store))
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
            let desk = open(&cli.db).await?;
            if demo {
                demo::seed(&desk).await?;
            }
            let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("binding {listen}"))?;
            let addr = listener.local_addr()?;
            tracing::info!(%addr, backend = ?desk.store().backend(), "serving");
            println!("CustomerDesk listening on http://{addr}");
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
        Command::Demo => {
            let desk = open(&cli.db).await?;
            demo::seed(&desk).await?;
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
