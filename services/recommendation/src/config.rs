//! The recommendation service's settings (`recommendation.*`): who writes the lists.
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
}

impl Section for RecommendationConfig {
    const KEYS: &'static [Key] = &[key(
        "recommendation.pipeline",
        "VICI_RECOMMENDATION_PIPELINE",
        Some("builtin"),
    )];

    fn parse(s: &Settings) -> Result<Self, ConfigError> {
        let name = "recommendation.pipeline";
        let lists = match s.text(name).as_deref().unwrap_or("builtin") {
            "builtin" => Lists::Builtin,
            "external" => Lists::External,
            other => {
                return Err(s.error(name, format!("`{other}` is neither builtin nor external")));
            }
        };
        Ok(Self { lists })
    }
}
