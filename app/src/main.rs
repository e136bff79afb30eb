//! The `vici` binary: one executable that runs the whole shop (`up`) or chosen services (`serve`),
//! and administers their databases (`migrate`, `seed`) and configuration (`config`).

mod history;
mod recs;
mod run;
mod services;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

// Every request allocates many short-lived buffers (protobuf, JSON, SQL rows); glibc's malloc
// spent ~19 % of the listing path's CPU in a profile. See bench/RESULTS.md for the A/B.
// Built without transparent huge pages (Cargo.toml: `no_thp`): with them a few touched bytes of
// its arena made 2 MiB resident, 45 of the 52 MiB of an idle `vici up` (docs/decisions.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use vici_kit::{Config, ServiceName};

#[derive(Parser)]
#[command(
    name = "vici",
    version,
    about = "vici: the backend of an online shop, eleven services in one binary"
)]
struct Cli {
    /// Configuration file (default: ./vici.toml when present). Environment variables override it.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone, Default)]
struct Overrides {
    /// Where embedded databases, files and the search index live (VICI_DATA_DIR).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// First of the eleven consecutive ports, the gateway's (VICI_PORT_BASE).
    #[arg(long, value_name = "N")]
    port_base: Option<u16>,
}

#[derive(Subcommand)]
enum Command {
    /// Run all eleven services in this process; seeds the demo shop on an empty data dir.
    Up(Overrides),
    /// Run only the named services (one per container in production).
    Serve {
        #[command(flatten)]
        overrides: Overrides,
        /// Services to run: gateway auth user product inventory cart order payment
        /// recommendation event notification.
        #[arg(required = true, value_parser = parse_service)]
        services: Vec<ServiceName>,
    },
    /// Create databases and apply migrations (all services, or the named ones).
    Migrate {
        #[command(flatten)]
        overrides: Overrides,
        #[arg(value_parser = parse_service)]
        services: Vec<ServiceName>,
    },
    /// Load catalogue data into every service's database (idempotent).
    Seed {
        #[command(flatten)]
        overrides: Overrides,
        /// The bundled demo shop (the default).
        #[arg(long, conflicts_with_all = ["file", "synthetic"])]
        demo: bool,
        /// A catalogue file in the format of seed/catalog.json.
        #[arg(long, value_name = "FILE", conflicts_with = "synthetic")]
        file: Option<PathBuf>,
        /// N generated products over the demo categories, for benchmarks.
        #[arg(long, value_name = "N")]
        synthetic: Option<usize>,
        #[command(flatten)]
        history: history::HistoryArgs,
    },
    /// Print the effective configuration, secrets masked.
    Config(Overrides),
    /// The recommendation store, as the ML team's CI checks it.
    Recs {
        #[command(subcommand)]
        command: RecsCommand,
    },
    /// The shop's notification messages.
    Notify {
        #[command(subcommand)]
        command: NotifyCommand,
    },
    /// Print a new token-signing keyring (JSON) for `VICI_AUTH_SIGNING_KEYS`, the secret every
    /// auth process of a cluster shares. To rotate, add its key to the existing keyring.
    Keyring,
}

#[derive(Subcommand)]
enum RecsCommand {
    /// Check a store against format v1 (recommendations.md): its marker, pointer, meta and
    /// every `rec:` key's type and cap. Exits 1 on any problem.
    CheckStore {
        /// The store's Redis (default: the configured cache_url).
        #[arg(long, value_name = "URL")]
        cache_url: Option<String>,
    },
}

#[derive(Subcommand)]
enum NotifyCommand {
    /// Render a template (welcome, verify_email, order_shipped, …) with sample data to files:
    /// OUT/<template>.<locale>.txt (subject first), .html and, for SMS and in-app, .short.txt.
    Preview {
        template: String,
        /// A language tag (de, de-AT, …); a locale without the template falls back to English.
        #[arg(long, default_value = "en")]
        locale: String,
        /// The directory the files are written to.
        #[arg(long, value_name = "DIR", default_value = ".")]
        out: PathBuf,
    },
}

fn parse_service(s: &str) -> Result<ServiceName, String> {
    s.parse()
}

fn load_config(file: Option<&PathBuf>, o: &Overrides) -> anyhow::Result<Config> {
    // Flags are the most specific source: they act as environment overrides.
    // SAFETY: set before any thread is spawned (the runtime is built after this).
    unsafe {
        if let Some(d) = &o.data_dir {
            std::env::set_var("VICI_DATA_DIR", d);
        }
        if let Some(p) = o.port_base {
            std::env::set_var("VICI_PORT_BASE", p.to_string());
        }
    }
    let config = Config::load(file.map(PathBuf::as_path), &services::config_keys())?;
    // Every section is checked before anything starts, whichever services this process runs.
    for s in services::all() {
        s.check_config(&config.settings)?;
    }
    Ok(config)
}

/// The effective configuration: every set key with its source, what unset engines fall back
/// to, and where each service listens, is reached and keeps its data.
fn print_config(config: &Config) {
    for (key, value, source) in config.describe() {
        println!("{key} = {value:?}    # {source}");
    }
    let embedded = [
        (
            "database_url",
            config.database_url.is_none(),
            "SQLite file per service under data_dir",
        ),
        ("cache_url", config.cache_url.is_none(), "in-process cache"),
        ("bus_url", config.bus_url.is_none(), "in-process event bus"),
        (
            "blob_url",
            config.blob_url.is_none(),
            "directory data_dir/blobs",
        ),
    ];
    for (key, unset, meaning) in embedded {
        if unset {
            println!("# {key} unset: {meaning}");
        }
    }
    println!("# public_url = {:?}", config.public_url);
    for s in ServiceName::ALL {
        let db = if s.has_database() {
            vici_kit::config::mask_url(&config.database_url_for(s))
        } else {
            "-".into()
        };
        println!(
            "# {s:<14} port {}  reached at {}  database {db}",
            config.port_of(s),
            config.service_url(s)
        );
    }
}

fn main() -> ExitCode {
    // What the shop writes (databases, key files, images) is readable by its own user only:
    // files 0600, directories 0700.
    // SAFETY: umask only sets the process's file-creation mask; no thread runs yet.
    unsafe { libc::umask(0o077) };
    let cli = Cli::parse();
    if let Command::Keyring = cli.command {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        println!("{}", vici_auth::new_keyring_json(now));
        return ExitCode::SUCCESS;
    }
    let overrides = match &cli.command {
        Command::Keyring | Command::Recs { .. } | Command::Notify { .. } => Overrides::default(),
        Command::Up(o) | Command::Config(o) => o.clone(),
        Command::Serve { overrides, .. }
        | Command::Migrate { overrides, .. }
        | Command::Seed { overrides, .. } => overrides.clone(),
    };
    let config = match load_config(cli.config.as_ref(), &overrides) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("vici: {e:#}");
            return ExitCode::from(2);
        }
    };
    vici_kit::telemetry::init(config.log_format, &config.log_level);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Up(_) => run::up(config).await,
            Command::Serve { services, .. } => run::serve(config, services).await,
            Command::Migrate { services, .. } => run::migrate(config, services).await,
            Command::Seed {
                file,
                synthetic,
                history,
                ..
            } => run::seed(config, file, synthetic, history).await,
            Command::Config(_) => {
                print_config(&config);
                Ok(())
            }
            Command::Recs {
                command: RecsCommand::CheckStore { cache_url },
            } => recs::check_store(config, cache_url).await,
            Command::Notify {
                command:
                    NotifyCommand::Preview {
                        template,
                        locale,
                        out,
                    },
            } => {
                let written = vici_notification::message::preview::preview(
                    &template,
                    &locale,
                    &config.public_url,
                    &out,
                )?;
                for file in written {
                    println!("{}", file.display());
                }
                Ok(())
            }
            Command::Keyring => Ok(()),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vici: {e:#}");
            ExitCode::FAILURE
        }
    }
}
