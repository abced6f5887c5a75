use std::{net::SocketAddr, path::PathBuf};

use anyhow::Context;
use clap::{Parser, Subcommand};
use portal_server::{demo, http, identity::legacy_import, Config};
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(name = "portal-server", about = "The unified brand portal server")]
struct Cli {
    /// TOML config file; PORTAL_* environment variables override it.
    #[arg(long, global = true, env = "PORTAL_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (the default).
    Serve {
        /// Load the demo stores, dealers and accounts first.
        #[arg(long)]
        demo: bool,
    },
    /// Load the demo stores, dealers, accounts and catalog, then exit.
    SeedDemo {
        /// How many SKUs the generated catalog has (about three per product).
        #[arg(long, default_value_t = demo::DEFAULT_SKUS)]
        skus: usize,
    },
    /// Merge a legacy user-center export (CSV) into unified accounts and write a report.
    ImportLegacy {
        csv: PathBuf,
        /// Where to write the JSON report (default: print it).
        #[arg(long)]
        report: Option<PathBuf>,
    },
    /// Copy a pilot's SQLite database into an empty PostgreSQL database, then check the copy (row
    /// counts, every store's stock). Stop the pilot's server first.
    Migrate {
        /// The SQLite file.
        #[arg(long)]
        from: PathBuf,
        /// The PostgreSQL address (postgres://user:password@host:port/database).
        #[arg(long)]
        to: String,
    },
    /// Plant demo behaviour (households with latent preferences) on the catalog, for the
    /// recommenders, the offline evaluation and the benchmarks. Idempotent for a seed.
    SeedBehaviour {
        #[arg(long, default_value_t = 3000)]
        households: usize,
        /// Over the last this many days.
        #[arg(long, default_value_t = 180)]
        days: i64,
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
    /// Offline evaluation: split the behaviour by time, train every recommender on the past and
    /// rank the whole catalog for each person; prints HR, NDCG, precision, recall at k and
    /// coverage beside the popularity baseline.
    Evaluate {
        /// The last this many days are the test period.
        #[arg(long, default_value_t = 14)]
        test_days: i64,
        #[arg(long, default_value_t = 10)]
        k: usize,
        /// Collaborative filtering's factors, iterations, λ and α (the served defaults otherwise).
        #[arg(long)]
        factors: Option<usize>,
        #[arg(long)]
        iterations: Option<usize>,
        #[arg(long)]
        regularization: Option<f64>,
        #[arg(long)]
        alpha: Option<f64>,
    },
    /// Print the OpenAPI document.
    Openapi,
}

fn init_logging() {
    let filter = EnvFilter::try_from_env("PORTAL_LOG").unwrap_or_else(|_| EnvFilter::new("info,tower_http=info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(ansi).with_writer(std::io::stderr);
    if std::env::var("PORTAL_LOG_FORMAT").as_deref() == Ok("json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_logging();
    let command = cli.command.unwrap_or(Command::Serve { demo: false });
    if let Command::Openapi = command {
        println!("{}", serde_json::to_string_pretty(&http::openapi())?);
        return Ok(());
    }
    let config = Config::load(cli.config.as_deref())?;
    if let Command::Migrate { from, to } = &command {
        let report = portal_server::db::copy_from_sqlite::copy(from, to, config.database_ca_file.as_deref())
            .with_context(|| format!("cannot copy {} into PostgreSQL", from.display()))?;
        let total: i64 = report.rows.values().sum();
        println!("{}", serde_json::to_string_pretty(&report)?);
        eprintln!(
            "copied {total} rows in {} tables; counts and the stock of {} store SKUs agree",
            report.rows.len(),
            report.stock_checked
        );
        return Ok(());
    }
    if let Command::Serve { demo } = command {
        return serve(config, demo).await;
    }
    let portal = portal_server::open(config).context("cannot open the server's database")?;
    match command {
        Command::SeedDemo { skus } => {
            let created = demo::seed(&portal, skus).await?;
            println!("demo data ready ({created} accounts created)");
        }
        Command::SeedBehaviour { households, days, seed } => {
            let new = portal_server::marketing::planted::seed_behaviour(&portal, households, days, seed)
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.0))?;
            println!("{new} behaviour events planted for {households} households over {days} days");
        }
        Command::Evaluate { test_days, k, factors, iterations, regularization, alpha } => {
            let d = portal_marketing::als::AlsParams::default();
            let als = portal_marketing::als::AlsParams {
                factors: factors.unwrap_or(d.factors),
                iterations: iterations.unwrap_or(d.iterations),
                regularization: regularization.unwrap_or(d.regularization),
                alpha: alpha.unwrap_or(d.alpha),
                ..d
            };
            let evaluation = portal_server::marketing::evaluation::evaluate_database(&portal, test_days, k, als)
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.0))?;
            print!("{}", evaluation.table(k));
        }
        Command::ImportLegacy { csv, report } => {
            let file = std::fs::File::open(&csv).with_context(|| format!("cannot open {}", csv.display()))?;
            let result = legacy_import::import(portal.db.as_ref(), file).await?;
            let json = serde_json::to_string_pretty(&result)?;
            eprintln!(
                "{} records: {} merged, {} created, {} skipped, {} conflicts, {} rejected",
                result.records,
                result.merged.len(),
                result.created.len(),
                result.skipped.len(),
                result.conflicts.len(),
                result.rejected.len()
            );
            match report {
                Some(path) => {
                    std::fs::write(&path, json).with_context(|| format!("cannot write {}", path.display()))?
                }
                None => println!("{json}"),
            }
        }
        Command::Serve { .. } | Command::Openapi | Command::Migrate { .. } => unreachable!(),
    }
    Ok(())
}

/// Serves the API. The address is taken first and answers 503 (`/readyz` included) while the
/// database is opened and migrated, then the full API.
async fn serve(config: Config, demo: bool) -> anyhow::Result<()> {
    let listen = config.listen;
    let socket = std::net::TcpListener::bind(listen).with_context(|| format!("cannot listen on {listen}"))?;
    socket.set_nonblocking(true)?;
    let address = socket.local_addr()?;
    let (opened, starting_done) = tokio::sync::oneshot::channel::<()>();
    let starting_listener = tokio::net::TcpListener::from_std(socket.try_clone()?)?;
    let starting = tokio::spawn(async move {
        axum::serve(starting_listener, http::starting())
            .with_graceful_shutdown(async {
                let _ = starting_done.await;
            })
            .await
    });
    tracing::info!(%address, "starting: answering 503 until the database is ready");
    let portal = tokio::task::spawn_blocking(move || portal_server::open(config))
        .await?
        .context("cannot open the server's database")?;
    if demo {
        let created = demo::seed(&portal, demo::DEFAULT_SKUS).await?;
        tracing::info!(created, "demo data ready");
    }
    let _ = opened.send(());
    // The 503 answers in flight get a moment to finish; a connection that never ends its request
    // does not hold the instance back.
    let mut starting = starting;
    if tokio::time::timeout(std::time::Duration::from_secs(3), &mut starting).await.is_err() {
        starting.abort();
    }
    let listener = tokio::net::TcpListener::from_std(socket)?;
    tracing::info!(address = %listener.local_addr()?, dev_mode = portal.config.dev_mode, "portal server listening");
    portal.marketing.spawn_tag_passes();
    portal.marketing.spawn_trigger_passes();
    portal.campaigns.spawn_sender(
        portal.config.campaign_interval_secs,
        portal_campaigns::policy::Caps { per_day: portal.config.campaign_cap_per_day.max(1), ..Default::default() },
    );
    portal.campaigns.spawn_dispatcher(portal.config.campaign_interval_secs);
    portal.live.spawn_watch(portal.db.clone(), std::time::Duration::from_secs(portal.config.live_sweep_secs.max(1)));
    let beating = portal.clone();
    tokio::spawn(async move {
        loop {
            if let Err(e) = beating.console.heartbeat().await {
                tracing::warn!(error = ?e, "the instance's heartbeat was not written; trying again");
            }
            tokio::time::sleep(std::time::Duration::from_secs(portal_server::console::HEARTBEAT_SECS)).await;
        }
    });
    let pruner = portal.clone();
    tokio::spawn(async move {
        let every = std::time::Duration::from_secs(pruner.config.prune_interval_secs.max(1));
        loop {
            // The ended days first: retention never takes what a day not yet sealed reads.
            match pruner.marketing.roll_up_report().await {
                Ok(0) => {}
                Ok(days) => tracing::info!(days, "report days rolled up"),
                Err(e) => tracing::warn!(error = ?e, "the report's days could not be rolled up; trying again later"),
            }
            match pruner.prune().await {
                Ok(c) => {
                    tracing::info!(codes = c.codes, attempts = c.attempts, sessions = c.sessions, "pruned")
                }
                Err(e) => tracing::warn!(error = %e, "pruning failed; trying again later"),
            }
            tokio::time::sleep(every).await;
        }
    });
    let live = portal.live.clone();
    axum::serve(listener, http::app(portal).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async move {
            shutdown().await;
            // Live connections never end by themselves: they are ended so the instance can stop.
            live.close();
        })
        .await?;
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut signal) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
