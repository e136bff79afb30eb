//! Whether a store keeps format v1 (recommendations.md): its format marker, its pointer and the
//! current generation's meta, and every `rec:` key's type and cap. `vici recs check-store`
//! prints what this finds, for an ML team's CI to run against the store its job wrote.
use vici_cache::SharedCache;

use super::keys::{
    CURRENT, FORMAT, FORMAT_KEY, HIDDEN, HISTORY_CAP, NEW_ARRIVALS, PUBLISHED, PUBLISHED_KEPT,
    RELEVANCE_CAP, TOMBSTONES, VIEWED_CAP, meta,
};

/// What a check found.
#[derive(Debug, Default, PartialEq)]
pub struct Report {
    /// `rec:` keys looked at.
    pub keys: usize,
    pub generation: Option<String>,
    /// One line per problem: the key, then what is wrong with it.
    pub problems: Vec<String>,
}

/// Meta fields every published generation declares.
const META_REQUIRED: [&str; 2] = ["model", "model_version"];

pub async fn check(cache: &SharedCache) -> anyhow::Result<Report> {
    let mut report = Report::default();
    match cache.get_string(FORMAT_KEY).await? {
        Some(format) if format == FORMAT => {}
        Some(other) => {
            // Nothing else is read in a format this check does not know.
            report
                .problems
                .push(format!("{FORMAT_KEY}: declares {other}, not {FORMAT}"));
            return Ok(report);
        }
        None => report.problems.push(format!("{FORMAT_KEY}: missing")),
    }
    report.generation = cache.get_string(CURRENT).await?;
    match &report.generation {
        None => report
            .problems
            .push(format!("{CURRENT}: missing: no generation is served")),
        Some(generation) => {
            let fields = cache.hgetall(&meta(generation)).await?;
            for field in META_REQUIRED.iter().filter(|f| !fields.contains_key(**f)) {
                report
                    .problems
                    .push(format!("{}: no `{field}`", meta(generation)));
            }
        }
    }
    for key in cache.keys_with_prefix("rec:").await? {
        report.keys += 1;
        let Some((kind, cap)) = shape(&key) else {
            report
                .problems
                .push(format!("{key}: not a key of format v1"));
            continue;
        };
        let Some(found) = cache.key_type(&key).await? else {
            continue; // Expired since it was listed.
        };
        if found != kind {
            report
                .problems
                .push(format!("{key}: a {found}, not a {kind}"));
            continue;
        }
        if let Some(cap) = cap {
            let size = match kind {
                "zset" => cache.zcard(&key).await?,
                _ => cache.lrange(&key, 0, -1).await?.len(),
            };
            if size > cap {
                report
                    .problems
                    .push(format!("{key}: {size} members, more than {cap}"));
            }
        }
    }
    Ok(report)
}

/// The type and cap the format gives `key`; `None` for a key it does not name.
fn shape(key: &str) -> Option<(&'static str, Option<usize>)> {
    let relevance = Some(("zset", Some(RELEVANCE_CAP)));
    let history = Some(("zset", Some(HISTORY_CAP)));
    let parts: Vec<&str> = key.split(':').collect();
    match parts.as_slice() {
        _ if key == FORMAT_KEY || key == CURRENT => Some(("string", None)),
        _ if key == HIDDEN => Some(("set", None)),
        _ if key == NEW_ARRIVALS || key == TOMBSTONES => Some(("zset", None)),
        _ if key == PUBLISHED => Some(("list", Some(PUBLISHED_KEPT))),
        ["rec", "live", "session", _, "viewed"] => Some(("list", Some(VIEWED_CAP))),
        ["rec", "live", "session" | "user", _, "history"] => history,
        ["rec", "live", "user", _, "bought"] => history,
        ["rec", "g", _, "meta"] => Some(("hash", None)),
        ["rec", "g", _, "trending" | "popular"] => relevance,
        ["rec", "g", _, "trending", "category", _] => relevance,
        ["rec", "g", _, "user", _, "personalized" | "buy_again"] => relevance,
        ["rec", "g", _, "product", _, "similar" | "bought_together"] => relevance,
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_of_the_format_has_its_shape() {
        let cases = [
            ("rec:format", Some(("string", None))),
            ("rec:g:7:user:u1:personalized", Some(("zset", Some(100)))),
            (
                "rec:g:7:product:p1:bought_together",
                Some(("zset", Some(100))),
            ),
            ("rec:g:7:trending:category:c1", Some(("zset", Some(100)))),
            ("rec:g:7:meta", Some(("hash", None))),
            ("rec:live:session:s1:viewed", Some(("list", Some(20)))),
            ("rec:live:user:u1:history", Some(("zset", Some(50)))),
            ("rec:live:user:u1:bought", Some(("zset", Some(50)))),
            ("rec:tombstones", Some(("zset", None))),
            ("rec:g:7:user:u1:favourites", None),
            ("rec:other", None),
        ];
        for (key, expected) in cases {
            assert_eq!(shape(key), expected, "{key}");
        }
    }
}
