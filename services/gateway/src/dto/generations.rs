//! The recommendation store's generations as an admin sees them (beyond the contract: the
//! admin console's recommendations page reads it).
use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;
use vici_proto::recommendation::v1 as pb;

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GenerationDto {
    id: String,
    model: String,
    model_version: String,
    /// List type → when its lists were last written.
    updated_at: BTreeMap<String, String>,
    current: bool,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GenerationsDto {
    /// The current generation first, then those it was published over, newest first.
    generations: Vec<GenerationDto>,
    /// From an event to its lists written, at the pipeline's last batch (the replica asked).
    pipeline_lag_ms: Option<i64>,
    pipeline_batch_at: Option<String>,
}

impl From<pb::Generations> for GenerationsDto {
    fn from(g: pb::Generations) -> Self {
        Self {
            generations: g
                .generations
                .into_iter()
                .map(|g| GenerationDto {
                    id: g.id,
                    model: g.model,
                    model_version: g.model_version,
                    updated_at: g
                        .updated_at
                        .into_iter()
                        .map(|(k, v)| (k, rfc3339(v)))
                        .collect(),
                    current: g.current,
                })
                .collect(),
            pipeline_lag_ms: g.pipeline_lag_ms,
            pipeline_batch_at: g.pipeline_batch_at.map(rfc3339),
        }
    }
}
