//! `vici recs`: the ML team's side of the recommendation store. `check-store` checks a store
//! against format v1 (recommendations.md) and exits non-zero on any problem, for their CI.
use anyhow::Context as _;
use vici_kit::Config;
use vici_recommendation::store::check::check;

pub async fn check_store(config: Config, url: Option<String>) -> anyhow::Result<()> {
    let url = url
        .or(config.cache_url)
        .filter(|u| u.starts_with("redis"))
        .context(
            "check-store reads a Redis store: give --cache-url redis://… or set cache_url \
         (`vici up`'s in-process store lives inside the running process)",
        )?;
    let cache = vici_cache::open(Some(&url)).await?;
    let report = check(&cache).await?;
    let generation = report.generation.as_deref().unwrap_or("none");
    println!("generation {generation}, {} rec: keys checked", report.keys);
    for problem in &report.problems {
        println!("  {problem}");
    }
    anyhow::ensure!(
        report.problems.is_empty(),
        "{} problem(s): the store does not keep format v1",
        report.problems.len()
    );
    println!("format v1: no problem found");
    Ok(())
}
