//! The recommendation service's settings (`recommendation.*`): who writes the lists, whether
//! this process is the one that consumes events, how far back the pipeline remembers and how
//! old a list may be served.
use std::time::Duration;

use vici_kit::config::{ConfigError, Key, Section, Settings, key};

use crate::pipeline::taste::Focus;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lists {
    /// The built-in pipeline learns from the shop's events and writes every list.
    Builtin,
    /// An ML team's pipeline writes the lists (straight to Redis, or on the
    /// `recommendation-updates` topic); vici keeps only its own keys (recommendations.md §1).
    External,
}

#[derive(Clone, Debug)]
pub struct RecommendationConfig {
    pub lists: Lists,
    /// Whether this process consumes the shop's events (and an ML team's updates). A
    /// deployment runs one such process; serving replicas over the same store run without.
    pub consume: bool,
    /// How far back the pipeline learns from (and rebuilds from after a restart), in ms: a
    /// history older than this teaches nothing, imported or not.
    pub memory_ms: i64,
    /// How a shopper's personalised list reads their history.
    pub focus: Focus,
    /// A list type not written for longer than this counts as missing when served
    /// (recommendations.md §4): an external pipeline that stopped falls back to the next source
    /// instead of serving last week's lists. `None` (0, the default): lists never age out.
    pub max_list_age: Option<Duration>,
}

/// Days the pipeline remembers unless told otherwise.
const MEMORY_DAYS: &str = "30";
const DAY_MS: i64 = 24 * 3600 * 1000;

impl Section for RecommendationConfig {
    const KEYS: &'static [Key] = &[
        key(
            "recommendation.pipeline",
            "VICI_RECOMMENDATION_PIPELINE",
            Some("builtin"),
        ),
        key(
            "recommendation.consume",
            "VICI_RECOMMENDATION_CONSUME",
            Some("true"),
        ),
        key(
            "recommendation.personalize_by",
            "VICI_RECOMMENDATION_PERSONALIZE_BY",
            Some("recent"),
        ),
        key(
            "recommendation.memory_days",
            "VICI_RECOMMENDATION_MEMORY_DAYS",
            Some(MEMORY_DAYS),
        ),
        key(
            "recommendation.max_list_age_hours",
            "VICI_RECOMMENDATION_MAX_LIST_AGE_HOURS",
            Some("0"),
        ),
    ];

    fn parse(s: &Settings) -> Result<Self, ConfigError> {
        let lists = s.choice(
            "recommendation.pipeline",
            &[("builtin", Lists::Builtin), ("external", Lists::External)],
        )?;
        let focus = s.choice(
            "recommendation.personalize_by",
            &[("recent", Focus::Recent), ("profile", Focus::Profile)],
        )?;
        Ok(Self {
            lists,
            focus,
            consume: s.flag("recommendation.consume")?,
            memory_ms: s.number("recommendation.memory_days", 1..=3_650)? as i64 * DAY_MS,
            max_list_age: match s.number("recommendation.max_list_age_hours", 0..=24 * 365)? {
                0 => None,
                hours => Some(Duration::from_secs(hours * 3_600)),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use vici_kit::Config;

    use super::*;

    fn load(env: &[(&str, &str)]) -> Result<RecommendationConfig, ConfigError> {
        let env = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_sources(None, &env, &[RecommendationConfig::KEYS])?.section()
    }

    #[test]
    fn the_built_in_pipeline_consumes_unless_told_otherwise() {
        let default = load(&[]).unwrap();
        assert_eq!((default.lists, default.consume), (Lists::Builtin, true));
        assert_eq!(default.memory_ms, 30 * DAY_MS);
        let year = load(&[("VICI_RECOMMENDATION_MEMORY_DAYS", "365")]).unwrap();
        assert_eq!(year.memory_ms, 365 * DAY_MS);
        assert!(load(&[("VICI_RECOMMENDATION_MEMORY_DAYS", "0")]).is_err());
        assert_eq!(default.focus, Focus::Recent);
        assert_eq!(default.max_list_age, None);
        let aging = load(&[("VICI_RECOMMENDATION_MAX_LIST_AGE_HOURS", "48")]).unwrap();
        assert_eq!(aging.max_list_age, Some(Duration::from_secs(48 * 3_600)));
        assert!(load(&[("VICI_RECOMMENDATION_MAX_LIST_AGE_HOURS", "-1")]).is_err());
        let profile = load(&[("VICI_RECOMMENDATION_PERSONALIZE_BY", "profile")]).unwrap();
        assert_eq!(profile.focus, Focus::Profile);
        assert!(load(&[("VICI_RECOMMENDATION_PERSONALIZE_BY", "mood")]).is_err());
        let replica = load(&[
            ("VICI_RECOMMENDATION_PIPELINE", "external"),
            ("VICI_RECOMMENDATION_CONSUME", "false"),
        ])
        .unwrap();
        assert_eq!((replica.lists, replica.consume), (Lists::External, false));
        let wrong = load(&[("VICI_RECOMMENDATION_PIPELINE", "spark")]).unwrap_err();
        assert!(
            wrong
                .to_string()
                .contains("is not one of builtin, external"),
            "{wrong}"
        );
    }
}
