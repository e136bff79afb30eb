//! The gRPC handler: decodes a request, asks [`crate::serve`] and encodes the answer with a
//! fresh request id, which the gateway's impression event and the clicks after it carry.
use std::sync::Arc;

use tonic::{Request, Response, Status};
use vici_kit::Error;
use vici_proto::recommendation::v1 as pb;
use vici_proto::recommendation::v1::recommendation_service_server::RecommendationService;

use crate::serve::{self, Ask, Shelf};
use crate::store::RecStore;
use crate::store::generations::GenerationInfo;
use crate::store::keys::RELEVANCE_CAP;

pub struct RecommendationApi {
    pub store: Arc<RecStore>,
}

#[tonic::async_trait]
impl RecommendationService for RecommendationApi {
    #[tracing::instrument(skip_all, fields(kind = r.get_ref().kind))]
    async fn recommend(
        &self,
        r: Request<pb::RecommendRequest>,
    ) -> Result<Response<pb::Recommendations>, Status> {
        let r = r.into_inner();
        let shelf = shelf(r.kind)?;
        let product = r.product_id.as_deref().filter(|p| !p.is_empty());
        if matches!(shelf, Shelf::Related | Shelf::FrequentlyBoughtTogether) && product.is_none() {
            return Err(
                Error::validation("productId", "Say which product the list is about").into(),
            );
        }
        let limit = r.limit as usize;
        if !(1..=RELEVANCE_CAP).contains(&limit) {
            let message = format!("limit must be between 1 and {RELEVANCE_CAP}");
            return Err(Error::validation("limit", message).into());
        }
        let ask = Ask {
            shelf,
            user: r.user_id.as_deref().filter(|u| !u.is_empty()),
            session: r.session_id.as_deref().filter(|s| !s.is_empty()),
            product,
            categories: &r.category_ids,
            limit,
        };
        let answer = serve::answer(&self.store, &ask)
            .await
            .map_err(|e| Error::internal(e.context("reading the recommendation store")))?;
        Ok(Response::new(pb::Recommendations {
            items: answer
                .items
                .into_iter()
                .map(|(product_id, source)| pb::Recommended {
                    product_id,
                    source: source.to_string(),
                })
                .collect(),
            request_id: vici_types::new_id(),
            generation: answer.generation.unwrap_or_default(),
            model_version: answer.model_version.unwrap_or_default(),
            avoid_ids: answer.avoid,
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn get_generations(
        &self,
        _: Request<pb::GetGenerationsRequest>,
    ) -> Result<Response<pb::Generations>, Status> {
        let found = self.store.generations().await.map_err(|e| {
            Error::internal(e.context("reading the recommendation store's generations"))
        })?;
        Ok(Response::new(generations(found)))
    }

    #[tracing::instrument(skip_all)]
    async fn roll_back(
        &self,
        r: Request<pb::RollBackRequest>,
    ) -> Result<Response<pb::Generations>, Status> {
        let to = r.into_inner().generation.filter(|g| !g.is_empty());
        let found = self.store.roll_back(to.as_deref()).await?;
        Ok(Response::new(generations(found)))
    }
}

/// The admin's view of the store: its generations and this replica's pipeline lag.
fn generations(found: Vec<GenerationInfo>) -> pb::Generations {
    let batch = crate::pipeline::consume::last_batch();
    pb::Generations {
        generations: found
            .into_iter()
            .map(|g| pb::Generation {
                id: g.id,
                model: g.model,
                model_version: g.model_version,
                updated_at: g.updated_at.into_iter().collect(),
                current: g.current,
            })
            .collect(),
        pipeline_lag_ms: batch.map(|(_, lag)| lag),
        pipeline_batch_at: batch.map(|(at, _)| at),
    }
}

fn shelf(kind: i32) -> Result<Shelf, Status> {
    use pb::RecommendationKind as K;
    Ok(match K::try_from(kind).unwrap_or(K::Unspecified) {
        K::Recommended => Shelf::Recommended,
        K::Trending => Shelf::Trending,
        K::NewArrivals => Shelf::NewArrivals,
        K::RecentlyViewed => Shelf::RecentlyViewed,
        K::Related => Shelf::Related,
        K::FrequentlyBoughtTogether => Shelf::FrequentlyBoughtTogether,
        K::Unspecified => return Err(Error::validation("kind", "Say which list to show").into()),
    })
}
