//! The recommendation service's settings (`recommendation.*`): who writes the lists, and
//! whether this process is the one that consumes events.
use vici_kit::config::{ConfigError, Key, Section, Settings, key};

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
}

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
    ];

    fn parse(s: &Settings) -> Result<Self, ConfigError> {
        let name = "recommendation.pipeline";
        let lists = match s.text(name).as_deref().unwrap_or("builtin") {
            "builtin" => Lists::Builtin,
            "external" => Lists::External,
            other => {
                return Err(s.error(name, format!("`{other}` is neither builtin nor external")));
            }
        };
        Ok(Self {
            lists,
            consume: s.flag("recommendation.consume")?,
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
        let replica = load(&[
            ("VICI_RECOMMENDATION_PIPELINE", "external"),
            ("VICI_RECOMMENDATION_CONSUME", "false"),
        ])
        .unwrap();
        assert_eq!((replica.lists, replica.consume), (Lists::External, false));
        let wrong = load(&[("VICI_RECOMMENDATION_PIPELINE", "spark")]).unwrap_err();
        assert!(
            wrong.to_string().contains("neither builtin nor external"),
            "{wrong}"
        );
    }
}
