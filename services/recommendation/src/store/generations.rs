//! The generations an admin sees and rolls back to: the current one and those `rec:current`
//! pointed at before it (`rec:published`, newest first), each with its meta, while its keys
//! live (an expired generation is not offered).
use vici_kit::Error;

use super::RecStore;
use super::keys::{PUBLISHED, PUBLISHED_KEPT, meta};

/// One generation as its meta describes it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GenerationInfo {
    pub id: String,
    pub model: String,
    pub model_version: String,
    /// List type → when its lists were last written (unix ms).
    pub updated_at: Vec<(String, i64)>,
    pub current: bool,
}

impl RecStore {
    /// The current generation first, then the earlier ones that still have their meta.
    pub async fn generations(&self) -> anyhow::Result<Vec<GenerationInfo>> {
        let current = self.cache.get_string(super::keys::CURRENT).await?;
        let earlier = self
            .cache
            .lrange(PUBLISHED, 0, PUBLISHED_KEPT as isize - 1)
            .await?;
        let mut found = Vec::new();
        for id in current
            .iter()
            .chain(earlier.iter().filter(|g| Some(*g) != current.as_ref()))
        {
            let fields = self.cache.hgetall(&meta(id)).await?;
            let is_current = Some(id) == current.as_ref();
            if fields.is_empty() && !is_current {
                continue;
            }
            let mut updated_at: Vec<(String, i64)> = fields
                .iter()
                .filter_map(|(k, v)| {
                    Some((k.strip_prefix("updated_at.")?.to_string(), v.parse().ok()?))
                })
                .collect();
            updated_at.sort();
            let field = |name: &str| fields.get(name).cloned().unwrap_or_default();
            found.push(GenerationInfo {
                id: id.clone(),
                model: field("model"),
                model_version: field("model_version"),
                updated_at,
                current: is_current,
            });
        }
        Ok(found)
    }

    /// Serves `to` (default: the newest earlier generation) instead of the current one.
    pub async fn roll_back(&self, to: Option<&str>) -> Result<Vec<GenerationInfo>, Error> {
        let all = self.generations().await.map_err(Error::internal)?;
        let earlier: Vec<&GenerationInfo> = all.iter().filter(|g| !g.current).collect();
        let target = match to {
            Some(id) => earlier
                .iter()
                .find(|g| g.id == id)
                .copied()
                .ok_or_else(|| {
                    Error::not_found(format!("Generation {id} is not one serving can go back to"))
                })?,
            None => earlier
                .first()
                .copied()
                .ok_or_else(|| Error::conflict("There is no earlier generation to roll back to"))?,
        };
        self.publish(&target.id).await.map_err(Error::internal)?;
        tracing::warn!(generation = %target.id, "recommendations rolled back");
        self.generations().await.map_err(Error::internal)
    }
}
