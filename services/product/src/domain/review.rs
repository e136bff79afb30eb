//! Reviews: what a review must hold, how lists of them sort, and the star distribution of the
//! summary. Folding a new rating into the product's mean happens in one SQL statement
//! (`store::reviews::fold_into_product`) so concurrent reviews cannot lose an update.
use vici_kit::{Error, Result};

#[derive(Clone, Debug, PartialEq)]
pub struct Review {
    pub id: String,
    pub product_id: String,
    pub user_id: String,
    pub user_name: String,
    pub user_avatar: Option<String>,
    pub rating: u32,
    pub title: String,
    pub comment: String,
    pub images: Vec<String>,
    pub helpful: u64,
    pub verified: bool,
    pub created_at: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReviewSort {
    Newest,
    Helpful,
    RatingDesc,
    RatingAsc,
}

/// A review as submitted, before it is stored.
#[derive(Clone, Debug, Default)]
pub struct ReviewDraft {
    pub user_id: String,
    pub user_name: String,
    pub user_avatar: Option<String>,
    pub rating: u32,
    pub title: String,
    pub comment: String,
    pub images: Vec<String>,
}

impl ReviewDraft {
    pub fn validate(&mut self) -> Result<()> {
        if self.user_id.trim().is_empty() {
            return Err(Error::validation(
                "userId",
                "A review needs the reviewing user",
            ));
        }
        if !(1..=5).contains(&self.rating) {
            return Err(Error::validation(
                "rating",
                "`rating` must be a whole number from 1 to 5",
            ));
        }
        self.title = self.title.trim().to_string();
        self.comment = self.comment.trim().to_string();
        self.user_name = self.user_name.trim().to_string();
        if self.title.chars().count() > 200 {
            return Err(Error::validation(
                "title",
                "`title` must be at most 200 characters",
            ));
        }
        let printable = [
            ("title", &self.title, false),
            ("comment", &self.comment, true),
        ];
        for (field, text, multiline) in printable {
            if let Some(problem) = vici_types::text::unprintable(text, multiline) {
                return Err(Error::validation(field, format!("`{field}` {problem}")));
            }
        }
        if self.comment.chars().count() > 5_000 {
            return Err(Error::validation(
                "comment",
                "`comment` must be at most 5000 characters",
            ));
        }
        if self.images.len() > 10
            || self
                .images
                .iter()
                .any(|u| !(u.starts_with("https://") || u.starts_with("http://")))
        {
            return Err(Error::validation(
                "images",
                "At most 10 image URLs are allowed",
            ));
        }
        Ok(())
    }
}

/// Counts per star (index 0 = one star) from `(rating, count)` rows; out-of-range rows are
/// ignored rather than trusted.
pub fn distribution(rows: &[(i64, i64)]) -> [u64; 5] {
    let mut out = [0u64; 5];
    for &(rating, count) in rows {
        if (1..=5).contains(&rating) {
            out[(rating - 1) as usize] += count.max(0) as u64;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drafts_need_a_user_and_one_to_five_stars() {
        let mut ok = ReviewDraft {
            user_id: "u".into(),
            rating: 5,
            title: " Great ".into(),
            ..Default::default()
        };
        ok.validate().unwrap();
        assert_eq!(ok.title, "Great");
        let mut bad = ReviewDraft {
            user_id: "u".into(),
            rating: 6,
            ..Default::default()
        };
        assert!(bad.validate().unwrap_err().details.contains_key("rating"));
        let mut anon = ReviewDraft {
            rating: 3,
            ..Default::default()
        };
        assert!(anon.validate().is_err());
    }

    #[test]
    fn distribution_counts_each_star() {
        assert_eq!(distribution(&[(5, 3), (1, 1), (9, 4)]), [1, 0, 0, 0, 3]);
    }
}
