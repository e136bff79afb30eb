//! Reviews: lists with the product's rating summary, posting one (folded into the product's
//! rating in the same transaction) and helpful votes.
use vici_kit::{Error, Result};
use vici_store::error::SqlxResultExt as _;
use vici_store::now_ms;
use vici_types::new_id;

use super::{Service, visible};
use crate::domain::review::{Review, ReviewDraft, ReviewSort, distribution};
use crate::domain::text::display_rating;
use crate::{events, store};
use vici_proto::paging::Page;

/// The summary beside a review list: the product's own aggregate and the stored stars.
#[derive(Clone, Debug, PartialEq)]
pub struct ReviewSummary {
    pub average: f64,
    pub count: u64,
    pub distribution: [u64; 5],
}

impl Service {
    pub async fn list_reviews(
        &self,
        product_id: &str,
        sort: ReviewSort,
        page: Page,
    ) -> Result<(Vec<Review>, u64, ReviewSummary)> {
        let mut conn = self
            .read_conn("taking a read connection for the reviews")
            .await?;
        let found = store::products::get(&mut conn, Some(product_id.trim()), None).await?;
        let product = visible(found, false)?;
        let (reviews, total) = store::reviews::list(&mut conn, &product.id, sort, page).await?;
        let stars = store::reviews::star_counts(&mut conn, &product.id).await?;
        let summary = ReviewSummary {
            average: display_rating(product.rating),
            count: product.review_count.max(0) as u64,
            distribution: distribution(&stars),
        };
        Ok((reviews, total, summary))
    }

    /// One review per user per product (a second → CONFLICT); the product's rating becomes
    /// the weighted mean including it and `product.updated` announces the new rating.
    pub async fn create_review(&self, product_id: &str, mut draft: ReviewDraft) -> Result<Review> {
        draft.validate()?;
        let now = now_ms();
        let mut tx = self
            .db
            .begin()
            .await
            .db_err("starting the new-review transaction")?;
        let found = store::products::get(&mut tx, Some(product_id.trim()), None).await?;
        let product = visible(found, false)?;
        // Whatever the caller said: only a paid order makes a review verified.
        let verified =
            store::purchases::has_bought(&mut tx, draft.user_id.trim(), &product.id).await?;
        let review = Review {
            id: new_id(),
            product_id: product.id.clone(),
            user_id: draft.user_id.trim().to_string(),
            user_name: draft.user_name,
            user_avatar: draft.user_avatar,
            rating: draft.rating,
            title: draft.title,
            comment: draft.comment,
            images: draft.images,
            helpful: 0,
            verified,
            created_at: now,
        };
        if !store::reviews::insert(&mut tx, &review).await? {
            return Err(Error::conflict("You have already reviewed this product")
                .with_detail("productId", "already reviewed"));
        }
        store::reviews::fold_into_product(&mut tx, &product.id, review.rating, now).await?;
        let rated = store::products::get(&mut tx, Some(&product.id), None)
            .await?
            .ok_or_else(|| {
                Error::internal(anyhow::anyhow!(
                    "product {} vanished inside its own transaction",
                    product.id
                ))
            })?;
        events::emit(
            &mut tx,
            &events::updated(&rated, &["rating", "reviewCount"]),
        )
        .await?;
        tx.commit().await.db_err("committing the new review")?;
        self.outbox.wake();
        self.reindex(vec![product.id]).await;
        Ok(review)
    }

    /// Counts `user_id`'s helpful vote on a review once; voting again changes nothing.
    pub async fn mark_helpful(&self, review_id: &str, user_id: &str) -> Result<Review> {
        if user_id.trim().is_empty() {
            return Err(Error::validation(
                "userId",
                "A helpful vote needs the voting user",
            ));
        }
        let mut tx = self
            .db
            .begin()
            .await
            .db_err("starting the helpful-vote transaction")?;
        if store::reviews::get(&mut tx, review_id.trim())
            .await?
            .is_none()
        {
            return Err(Error::not_found("Review not found"));
        }
        store::reviews::vote_helpful(&mut tx, review_id.trim(), user_id.trim(), now_ms()).await?;
        let review = store::reviews::get(&mut tx, review_id.trim()).await?;
        tx.commit().await.db_err("committing the helpful vote")?;
        review.ok_or_else(|| Error::not_found("Review not found"))
    }
}
