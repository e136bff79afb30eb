//! Turns the JSON lines `bench/run.sh` and `bench/identity.sh` collect (load runs and single
//! metrics) into Markdown tables of medians: per scenario and connection count, the subject
//! against a reference (the baseline, or another variant of the same request) and the median of
//! their paired req/s ratios.
use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::Context as _;
use serde::Deserialize;

use crate::load::LoadReport;
use crate::stats::{median, spread_pct};

/// The target name that marks baseline runs; any other target is the subject (vici). A section
/// can name another reference by marking its runs `"reference": true`.
pub const BASELINE: &str = "baseline";

/// One line of the results file.
#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Record {
    Load {
        section: String,
        scenario: String,
        target: String,
        result: LoadReport,
        /// This run is the reference the section's other target is compared against (the
        /// target named [`BASELINE`] is the reference without this mark).
        #[serde(default)]
        reference: bool,
    },
    Metric {
        section: String,
        name: String,
        unit: String,
        value: f64,
    },
}

/// Parses JSON lines, skipping blank ones; a bad line is an error naming its number.
pub fn parse(text: &str) -> anyhow::Result<Vec<Record>> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).with_context(|| format!("results line {}: {l}", i + 1))
        })
        .collect()
}

type Runs<'a> = Vec<&'a LoadReport>;
/// Load runs grouped by (scenario, connections), then by target.
type Groups<'a> = [((String, usize), BTreeMap<String, Runs<'a>>)];

#[derive(Default)]
struct Section<'a> {
    /// (scenario, connections) → target → runs, in first-appearance order.
    loads: Vec<((String, usize), BTreeMap<String, Runs<'a>>)>,
    metrics: Vec<((String, String), Vec<f64>)>,
    /// The target marked as the reference, if any.
    reference: Option<String>,
}

/// Renders every section as a `###` heading with its table.
pub fn render(records: &[Record]) -> String {
    let mut order: Vec<String> = Vec::new();
    let mut sections: BTreeMap<String, Section> = BTreeMap::new();
    for r in records {
        let name = match r {
            Record::Load { section, .. } | Record::Metric { section, .. } => section,
        };
        if !order.contains(name) {
            order.push(name.clone());
        }
        let s = sections.entry(name.clone()).or_default();
        match r {
            Record::Load {
                scenario,
                target,
                result,
                reference,
                ..
            } => {
                if *reference {
                    s.reference = Some(target.clone());
                }
                let key = (scenario.clone(), result.connections);
                let i = s
                    .loads
                    .iter()
                    .position(|(k, _)| *k == key)
                    .unwrap_or_else(|| {
                        s.loads.push((key, BTreeMap::new()));
                        s.loads.len() - 1
                    });
                s.loads[i].1.entry(target.clone()).or_default().push(result);
            }
            Record::Metric {
                name, unit, value, ..
            } => {
                let key = (name.clone(), unit.clone());
                match s.metrics.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, v)) => v.push(*value),
                    None => s.metrics.push((key, vec![*value])),
                }
            }
        }
    }
    let mut out = String::new();
    for name in order {
        let s = &sections[&name];
        let _ = writeln!(out, "### {name}\n");
        if !s.metrics.is_empty() {
            metric_table(&mut out, &s.metrics);
        }
        if !s.loads.is_empty() {
            let reference = s.reference.as_deref().unwrap_or(BASELINE);
            if s.loads
                .iter()
                .any(|(_, t)| t.contains_key(reference) && t.len() > 1)
            {
                comparison_table(&mut out, &s.loads, reference);
            } else {
                load_table(&mut out, &s.loads);
            }
        }
    }
    out
}

fn metric_table(out: &mut String, metrics: &[((String, String), Vec<f64>)]) {
    out.push_str("| Metric | Median | Unit | Runs | Values |\n|---|---:|---|---:|---|\n");
    for ((name, unit), values) in metrics {
        let all: Vec<String> = values.iter().map(|v| num(*v)).collect();
        let _ = writeln!(
            out,
            "| {name} | {} | {unit} | {} | {} |",
            num(median(values)),
            values.len(),
            all.join(", ")
        );
    }
    out.push('\n');
}

struct Summary {
    rps: f64,
    p50: f64,
    p90: f64,
    p99: f64,
    max: f64,
    spread: f64,
    errors: u64,
    runs: usize,
}

fn summarize(runs: &Runs) -> Summary {
    let pick = |f: fn(&LoadReport) -> f64| median(&runs.iter().map(|r| f(r)).collect::<Vec<_>>());
    let rps: Vec<f64> = runs.iter().map(|r| r.requests_per_sec).collect();
    Summary {
        rps: median(&rps),
        p50: pick(|r| r.latency_ms.p50),
        p90: pick(|r| r.latency_ms.p90),
        p99: pick(|r| r.latency_ms.p99),
        max: pick(|r| r.latency_ms.max),
        spread: spread_pct(&rps),
        errors: runs.iter().map(|r| r.errors).sum(),
        runs: runs.len(),
    }
}

fn comparison_table(out: &mut String, loads: &Groups, reference: &str) {
    let subject = loads
        .iter()
        .flat_map(|(_, t)| t.keys())
        .find(|k| k.as_str() != reference)
        .cloned()
        .unwrap_or_else(|| "vici".into());
    let _ = writeln!(
        out,
        "| Scenario | Conns | {subject} req/s | p50 ms | p99 ms | {reference} req/s | {reference} p50 ms \
         | {reference} p99 ms | ratio | ratio range | errors | runs |"
    );
    out.push_str("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    let mut errors = 0;
    for ((scenario, conns), targets) in loads {
        let (Some(v), Some(b)) = (targets.get(&subject), targets.get(reference)) else {
            let _ = writeln!(
                out,
                "| {scenario} | {conns} | missing {subject} or {reference} runs | | | | | | | | | |"
            );
            continue;
        };
        let ratios = paired_ratios(v, b);
        let (lo, hi) = min_max(&ratios);
        let (v, b) = (summarize(v), summarize(b));
        errors += v.errors + b.errors;
        let _ = writeln!(
            out,
            "| {scenario} | {conns} | {:.0} | {} | {} | {:.0} | {} | {} | {} | {}–{} | {} | {} |",
            v.rps,
            num(v.p50),
            num(v.p99),
            b.rps,
            num(b.p50),
            num(b.p99),
            ratio(median(&ratios)),
            ratio(lo),
            ratio(hi),
            v.errors + b.errors,
            ratios.len(),
        );
    }
    let meaning = if reference == BASELINE {
        "1.00 = as fast as serving the same bytes from memory"
    } else {
        "1.00 = no cost over the reference"
    };
    out.push_str(&format!(
        "\nratio = median over runs of ({subject} req/s ÷ {reference} req/s), each {subject} run paired with \
         the {reference} run next to it in time, so that the machine's drift cancels out (higher is better; \
         {meaning}). Other columns are medians over runs.\n\n"
    ));
    warn_errors(out, errors);
}

/// Subject ÷ reference req/s of the i-th runs of each, which the scripts make adjacent in time.
fn paired_ratios(subject: &Runs, baseline: &Runs) -> Vec<f64> {
    subject
        .iter()
        .zip(baseline)
        .map(|(s, b)| s.requests_per_sec / b.requests_per_sec)
        .collect()
}

fn min_max(values: &[f64]) -> (f64, f64) {
    values
        .iter()
        .fold((f64::NAN, f64::NAN), |(lo, hi), &x| (lo.min(x), hi.max(x)))
}

fn load_table(out: &mut String, loads: &Groups) {
    out.push_str("| Scenario | Target | Conns | req/s | p50 ms | p90 ms | p99 ms | max ms | errors | runs | spread |\n");
    out.push_str("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    let mut errors = 0;
    for ((scenario, conns), targets) in loads {
        for (target, runs) in targets {
            let s = summarize(runs);
            errors += s.errors;
            let _ = writeln!(
                out,
                "| {scenario} | {target} | {conns} | {:.0} | {} | {} | {} | {} | {} | {} | {:.0}% |",
                s.rps,
                num(s.p50),
                num(s.p90),
                num(s.p99),
                num(s.max),
                s.errors,
                s.runs,
                s.spread
            );
        }
    }
    out.push_str(
        "\nAll columns are medians over runs; spread = (max − min) ÷ median of req/s.\n\n",
    );
    warn_errors(out, errors);
}

fn warn_errors(out: &mut String, errors: u64) {
    if errors > 0 {
        let _ = writeln!(
            out,
            "**Warning: {errors} failed requests in these runs; the numbers above are suspect.**\n"
        );
    }
}

/// Two decimals, or three below 0.1 (a write against an in-memory answer is 0.017, not 0.02).
fn ratio(v: f64) -> String {
    if v.abs() < 0.1 {
        format!("{v:.3}")
    } else {
        format!("{v:.2}")
    }
}

/// About three significant digits: 0.123, 1.23, 12.3, 1234.
fn num(v: f64) -> String {
    match v.abs() {
        x if x.is_nan() => "–".into(),
        x if x < 1.0 => format!("{v:.3}"),
        x if x < 10.0 => format!("{v:.2}"),
        x if x < 1000.0 => format!("{v:.1}"),
        _ => format!("{v:.0}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(section: &str, target: &str, conns: usize, rps: f64, p99: f64) -> String {
        format!(
            r#"{{"kind":"load","section":"{section}","scenario":"list","target":"{target}","result":{{"url":"u","connections":{conns},"duration_secs":10,"warmup_secs":2,"requests":1,"errors":0,"requests_per_sec":{rps},"latency_ms":{{"mean":1,"p50":1,"p90":1,"p99":{p99},"max":2}},"body_bytes":10,"connects":{conns},"error_kinds":{{}}}}}}"#
        )
    }

    #[test]
    fn renders_medians_and_ratios() {
        let mut lines = vec![
            r#"{"kind":"metric","section":"Startup","name":"idle RSS","unit":"MiB","value":30}"#
                .to_string(),
        ];
        for (v, b) in [(500.0, 1000.0), (400.0, 500.0), (600.0, 1100.0)] {
            lines.push(load("Catalogue", "vici", 1, v, 2.0));
            lines.push(load("Catalogue", "baseline", 1, b, 1.0));
        }
        lines.push(load("Search", "vici", 64, 300.0, 9.0));
        let md = render(&parse(&lines.join("\n")).unwrap());
        assert!(md.contains("### Startup"), "{md}");
        assert!(md.contains("| idle RSS | 30.0 | MiB | 1 | 30.0 |"), "{md}");
        // Paired ratios 0.50, 0.80, 0.55: their median, not the ratio of the medians (0.50).
        let row =
            "| list | 1 | 500 | 1.00 | 2.00 | 1000 | 1.00 | 1.00 | 0.55 | 0.50–0.80 | 0 | 3 |";
        assert!(md.contains(row), "{md}");
        assert!(md.contains("| list | vici | 64 | 300 |"), "{md}");
        assert_eq!(
            (ratio(0.0174), ratio(0.55)),
            ("0.017".into(), "0.55".into())
        );
        assert!(
            md.find("### Startup") < md.find("### Catalogue")
                && md.find("### Catalogue") < md.find("### Search")
        );
    }

    #[test]
    fn a_marked_reference_replaces_the_baseline() {
        let mut lines = Vec::new();
        for (with, without) in [(900.0, 1000.0), (450.0, 500.0)] {
            lines.push(load("Token", "with token", 64, with, 2.0));
            let anon = load("Token", "anonymous", 64, without, 1.0);
            lines.push(anon.replacen('{', r#"{"reference":true,"#, 1));
        }
        let md = render(&parse(&lines.join("\n")).unwrap());
        assert!(
            md.contains("| with token req/s | p50 ms | p99 ms | anonymous req/s |"),
            "{md}"
        );
        let row =
            "| list | 64 | 675 | 1.00 | 2.00 | 750 | 1.00 | 1.00 | 0.90 | 0.90–0.90 | 0 | 2 |";
        assert!(md.contains(row), "{md}");
        assert!(md.contains("(with token req/s ÷ anonymous req/s)"), "{md}");
    }

    #[test]
    fn bad_lines_are_named() {
        let e = parse("\n{\"kind\":\"nope\"}").unwrap_err();
        assert!(format!("{e:#}").contains("line 2"), "{e:#}");
    }
}
