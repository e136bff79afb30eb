//! The `vici-bench` command line: `load`, `baseline`, `reserve`, `checkout`, `recs`, `fetch`,
//! `rss`, `wait-ready`, `report`.
use std::io::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use vici_bench::baseline::{self, BaselineConfig};
use vici_bench::checkout::{self, CheckoutConfig};
use vici_bench::client::{RequestSpec, Target, parse_header, send_once};
use vici_bench::load::{self, LoadConfig};
use vici_bench::procs::{self, WaitConfig};
use vici_bench::quality;
use vici_bench::report;
use vici_bench::reserve::{self, ReserveConfig};
use vici_bench::variants::{self, Variation};

#[derive(Parser)]
#[command(
    name = "vici-bench",
    about = "Benchmark tooling for vici (see bench/README.md)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// What `load` and `fetch` send: a `GET` unless told otherwise.
#[derive(Args)]
struct RequestArgs {
    /// HTTP method.
    #[arg(long, default_value = "GET")]
    method: String,
    /// Extra request header `Name: value` (repeatable); replaces a default header of that name.
    #[arg(long = "header", value_name = "NAME: VALUE")]
    headers: Vec<String>,
    /// Request body, sent with Content-Length (and `Content-Type: application/json` unless a
    /// --header sets it).
    #[arg(long)]
    body_file: Option<PathBuf>,
}

impl RequestArgs {
    fn spec(&self) -> anyhow::Result<RequestSpec> {
        Ok(RequestSpec {
            method: self.method.clone(),
            headers: self
                .headers
                .iter()
                .map(|h| parse_header(h))
                .collect::<anyhow::Result<_>>()?,
            body: match &self.body_file {
                Some(path) => Some(
                    std::fs::read(path).with_context(|| format!("reading {}", path.display()))?,
                ),
                None => None,
            },
        })
    }
}

#[derive(Subcommand)]
enum Command {
    /// Closed-loop HTTP/1.1 load: C keep-alive connections, one worker task each.
    Load {
        #[arg(long)]
        url: String,
        #[command(flatten)]
        request: RequestArgs,
        /// One `Name: value` header per line, in addition to the --header ones: connection i
        /// sends line i mod N (e.g. one bearer token, so one user, per connection).
        #[arg(long)]
        header_file: Option<PathBuf>,
        /// With --header-file: the k-th request of connection i (of C) sends line (i + k·C) mod
        /// N, so fewer connections than lines still use every line, none shared when C divides N.
        #[arg(long, requires = "header_file")]
        spread_headers: bool,
        /// One request body per line, instead of --body-file: each connection steps through
        /// them request by request, starting at line i (e.g. a different product each time).
        #[arg(long, conflicts_with = "body_file")]
        body_lines: Option<PathBuf>,
        #[arg(long, default_value_t = 1)]
        connections: usize,
        /// Measured time, after the warm-up.
        #[arg(long, default_value_t = 10.0)]
        duration_secs: f64,
        /// Requests are sent but not counted for this long first.
        #[arg(long, default_value_t = 0.0)]
        warmup_secs: f64,
        /// Per connect and per request; slower ones count as errors.
        #[arg(long, default_value_t = 5.0)]
        timeout_secs: f64,
        /// Requests per second over all connections (open loop); as fast as answered without.
        #[arg(long)]
        rate: Option<f64>,
        /// Runtime worker threads of the load generator (default: one per core).
        #[arg(long)]
        threads: Option<usize>,
        /// Print one JSON object instead of the summary.
        #[arg(long)]
        json: bool,
    },
    /// Serve the bytes of a file from memory for every GET: the baseline vici is compared against.
    Baseline {
        #[arg(long)]
        port: u16,
        #[arg(long)]
        body_file: PathBuf,
        #[arg(long, default_value = "application/json")]
        content_type: String,
        #[arg(long, default_value = "127.0.0.1")]
        bind: IpAddr,
        /// Extra response header `name: value` (repeatable).
        #[arg(long = "header", value_name = "NAME: VALUE")]
        headers: Vec<String>,
        /// Answer every method (reading the request body), not only GET and HEAD.
        #[arg(long)]
        any_method: bool,
        /// Status of the answers, e.g. 201 to stand in for a creating POST.
        #[arg(long, default_value_t = 200)]
        status: u16,
        /// Runtime worker threads (default: one per core, like vici).
        #[arg(long)]
        threads: Option<usize>,
    },
    /// gRPC load on inventory reservations of one item: N `Reserve` calls (quantity 1, a fresh
    /// order id each) shared by C tasks, with the stock read before and after; fails when the
    /// stock moved by other than the successful reservations (oversold).
    Reserve {
        /// The inventory service's gRPC address.
        #[arg(long)]
        url: String,
        #[arg(long)]
        product: String,
        #[arg(long, default_value_t = 1)]
        concurrency: usize,
        /// Total calls.
        #[arg(long, default_value_t = 1000)]
        requests: u64,
        /// Hold of each reservation; long, so that none expires during a run.
        #[arg(long, default_value_t = 3600)]
        ttl_secs: u32,
        #[arg(long, default_value_t = 5.0)]
        timeout_secs: f64,
        /// Send `GetStockLevels` for the product instead: the cost of a trivial read on the same
        /// path, to state reservations/s as a ratio.
        #[arg(long)]
        baseline: bool,
        #[arg(long)]
        threads: Option<usize>,
        #[arg(long)]
        json: bool,
    },
    /// Closed-loop shoppers through the gateway: each adds one unit of its product to its cart
    /// and confirms the checkout (a fresh Idempotency-Key each time), again and again; with
    /// --inventory, fails when the products' stock moved by other than the checkouts (oversold).
    Checkout {
        /// The gateway's API base, e.g. http://127.0.0.1:3000/api.
        #[arg(long)]
        api: String,
        /// One `Name: value` header per line (a bearer token): one shopper per line.
        #[arg(long)]
        header_file: PathBuf,
        /// One product id per line: shopper i buys line i mod N (one line: a hot product).
        #[arg(long)]
        products_file: PathBuf,
        #[arg(long, default_value = "pm_card_visa")]
        payment_method: String,
        /// The inventory service's gRPC address, for the stock checks before and after.
        #[arg(long)]
        inventory: Option<String>,
        /// A shopper stops at its first out-of-stock answer.
        #[arg(long)]
        until_sold_out: bool,
        #[arg(long, default_value_t = 10.0)]
        duration_secs: f64,
        #[arg(long, default_value_t = 0.0)]
        warmup_secs: f64,
        #[arg(long, default_value_t = 30.0)]
        timeout_secs: f64,
        #[arg(long)]
        threads: Option<usize>,
        #[arg(long)]
        json: bool,
    },
    /// One request (GET unless told otherwise); fails unless it answers 2xx. Writes the body to
    /// --out or stdout.
    Fetch {
        #[arg(long)]
        url: String,
        #[command(flatten)]
        request: RequestArgs,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Resident memory (VmRSS, and the peak VmHWM) of a process, from /proc.
    Rss {
        #[arg(long)]
        pid: u32,
        /// Print only VmRSS in KiB.
        #[arg(long, conflicts_with = "json")]
        kib: bool,
        #[arg(long)]
        json: bool,
    },
    /// Poll a URL until it answers 2xx (and the expected JSON fields); print the elapsed ms.
    WaitReady {
        #[arg(long)]
        url: String,
        #[arg(long, default_value_t = 30.0)]
        timeout_secs: f64,
        #[arg(long, default_value_t = 10)]
        interval_ms: u64,
        /// Top-level JSON string field the body must have, `key=value` (repeatable).
        #[arg(long = "expect-json", value_name = "KEY=VALUE")]
        expect: Vec<String>,
        /// Fail at once when this process exits.
        #[arg(long)]
        pid: Option<u32>,
        /// Count the elapsed time from this instant (`date +%s%N`) rather than from now.
        #[arg(long)]
        since_unix_ns: Option<u128>,
    },
    /// Recommendation quality on MovieLens-100K and The Complete Journey through a fresh
    /// `vici up`'s API (the binary in VICI_BIN), against baselines on the same split
    /// (bench/recs-quality.sh).
    Recs {
        /// The folder holding ml-100k.inter and ml-100k.item, or (baskets) transactions.tsv
        /// and products.tsv.
        #[arg(long)]
        data: PathBuf,
        #[arg(long, value_enum)]
        protocol: quality::Protocol,
        /// How vici's personalised lists read a history (recommendation.personalize_by).
        #[arg(long, default_value = "recent")]
        personalize_by: String,
        /// The report section the metric records belong to.
        #[arg(long)]
        section: String,
    },
    /// Render a results file (JSON lines written by bench/run.sh) as Markdown tables of medians.
    Report {
        #[arg(long)]
        results: PathBuf,
    },
}

fn runtime(threads: Option<usize>) -> anyhow::Result<tokio::runtime::Runtime> {
    let mut b = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = threads {
        b.worker_threads(n.max(1));
    }
    Ok(b.enable_all().build()?)
}

/// Prints a run's report: one JSON object with `--json`, else its human-readable summary.
fn print_report<R: serde::Serialize>(
    report: &R,
    json: bool,
    human: impl FnOnce(&R) -> String,
) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string(report)?);
    } else {
        print!("{}", human(report));
    }
    Ok(())
}

fn secs(s: f64, flag: &str) -> anyhow::Result<Duration> {
    Duration::try_from_secs_f64(s)
        .with_context(|| format!("{flag} must be a non-negative number of seconds"))
}

fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Load {
            url,
            request,
            header_file,
            spread_headers,
            body_lines,
            connections,
            duration_secs,
            warmup_secs,
            timeout_secs,
            rate,
            threads,
            json,
        } => {
            let config = LoadConfig {
                rate,
                url,
                request: request.spec()?,
                variation: Variation::from_files(
                    header_file.as_deref(),
                    body_lines.as_deref(),
                    spread_headers,
                )?,
                connections,
                duration: secs(duration_secs, "--duration-secs")?,
                warmup: secs(warmup_secs, "--warmup-secs")?,
                timeout: secs(timeout_secs, "--timeout-secs")?,
            };
            let report = runtime(threads)?.block_on(load::run(&config))?;
            print_report(&report, json, |r| r.human())?;
        }
        Command::Baseline {
            port,
            body_file,
            content_type,
            bind,
            headers,
            any_method,
            status,
            threads,
        } => {
            let body = std::fs::read(&body_file)
                .with_context(|| format!("reading {}", body_file.display()))?;
            let headers = headers
                .iter()
                .map(|h| {
                    h.split_once(':')
                        .map(|(n, v)| (n.to_string(), v.to_string()))
                })
                .collect::<Option<Vec<_>>>()
                .context("--header must look like `name: value`")?;
            let config = BaselineConfig {
                addr: SocketAddr::new(bind, port),
                body: body.into(),
                content_type,
                headers,
                any_method,
                status: axum::http::StatusCode::from_u16(status).context("--status")?,
            };
            runtime(threads)?.block_on(baseline::serve(config))?;
        }
        Command::Reserve {
            url,
            product,
            concurrency,
            requests,
            ttl_secs,
            timeout_secs,
            baseline,
            threads,
            json,
        } => {
            let config = ReserveConfig {
                url,
                product_id: product,
                concurrency,
                requests,
                ttl_secs,
                timeout: secs(timeout_secs, "--timeout-secs")?,
                baseline,
            };
            let report = runtime(threads)?.block_on(reserve::run(&config))?;
            print_report(&report, json, |r| r.human())?;
            anyhow::ensure!(
                !report.oversold,
                "oversold: {}",
                report.violations.join("; ")
            );
        }
        Command::Checkout {
            api,
            header_file,
            products_file,
            payment_method,
            inventory,
            until_sold_out,
            duration_secs,
            warmup_secs,
            timeout_secs,
            threads,
            json,
        } => {
            let config = CheckoutConfig {
                api,
                shoppers: variants::lines(&header_file)?
                    .iter()
                    .map(|l| parse_header(l))
                    .collect::<anyhow::Result<_>>()
                    .with_context(|| format!("in {}", header_file.display()))?,
                products: variants::lines(&products_file)?,
                payment_method,
                inventory,
                until_sold_out,
                duration: secs(duration_secs, "--duration-secs")?,
                warmup: secs(warmup_secs, "--warmup-secs")?,
                timeout: secs(timeout_secs, "--timeout-secs")?,
            };
            let report = runtime(threads)?.block_on(checkout::run(&config))?;
            print_report(&report, json, |r| r.human())?;
            anyhow::ensure!(
                !report.oversold,
                "oversold: {}",
                report.violations.join("; ")
            );
        }
        Command::Fetch { url, request, out } => {
            let target = Target::parse(&url)?.with(&request.spec()?)?;
            let r = runtime(Some(1))?
                .block_on(async {
                    tokio::time::timeout(Duration::from_secs(30), send_once(&target))
                        .await
                        .context("timed out after 30 s")
                })
                .and_then(|r| Ok(r?))
                .with_context(|| format!("{} {url}", request.method))?;
            let body = r.body.unwrap_or_default();
            let text: String = String::from_utf8_lossy(&body).chars().take(300).collect();
            anyhow::ensure!(
                (200..300).contains(&r.status),
                "{} {url} answered {}: {text}",
                request.method,
                r.status
            );
            eprintln!(
                "{url}: {}, {} bytes, content-type {}",
                r.status,
                body.len(),
                r.content_type.as_deref().unwrap_or("none")
            );
            match out {
                Some(path) => std::fs::write(&path, &body)
                    .with_context(|| format!("writing {}", path.display()))?,
                None => std::io::stdout().write_all(&body)?,
            }
        }
        Command::Rss { pid, kib, json } => {
            let r = procs::rss(pid)?;
            if kib {
                println!("{}", r.rss_kib);
            } else if json {
                println!("{}", serde_json::to_string(&r)?);
            } else {
                println!(
                    "pid {pid}: VmRSS {:.1} MiB, VmHWM {:.1} MiB",
                    r.rss_kib as f64 / 1024.0,
                    r.hwm_kib as f64 / 1024.0
                );
            }
        }
        Command::WaitReady {
            url,
            timeout_secs,
            interval_ms,
            expect,
            pid,
            since_unix_ns,
        } => {
            let expect = expect
                .iter()
                .map(|e| {
                    e.split_once('=')
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                })
                .collect::<Option<Vec<_>>>()
                .context("--expect-json must look like `key=value`")?;
            let config = WaitConfig {
                url,
                timeout: secs(timeout_secs, "--timeout-secs")?,
                interval: Duration::from_millis(interval_ms.max(1)),
                expect,
                pid,
                since_unix_ns,
            };
            let elapsed = runtime(Some(1))?.block_on(procs::wait_ready(&config))?;
            println!("{elapsed:.1}");
        }
        Command::Recs {
            data,
            protocol,
            personalize_by,
            section,
        } => {
            let evaluated = quality::evaluate(&data, protocol, &personalize_by);
            let outcome = runtime(None)?.block_on(evaluated)?;
            quality::print(&outcome, protocol, &section);
        }
        Command::Report { results } => {
            let text = std::fs::read_to_string(&results)
                .with_context(|| format!("reading {}", results.display()))?;
            print!("{}", report::render(&report::parse(&text)?));
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    match run(Cli::parse().command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vici-bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}
