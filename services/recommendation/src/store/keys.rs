//! The key names and caps of the recommendation store, format v1 (recommendations.md §1–3):
//! each key is spelt here once, for the pipeline, the serving side and the store's check.

/// `rec:format`'s value: the format's name and major version.
pub const FORMAT: &str = "vici-recs/1";
pub const FORMAT_KEY: &str = "rec:format";
/// The generation serving reads.
pub const CURRENT: &str = "rec:current";
/// Products never to serve: deleted, inactive, out of stock.
pub const HIDDEN: &str = "rec:hidden";
/// Product id → creation time (unix s).
pub const NEW_ARRIVALS: &str = "rec:new_arrivals";
/// Erased user ids → time; writers skip them.
pub const TOMBSTONES: &str = "rec:tombstones";
/// vici-owned: the generations `rec:current` pointed at before, newest first, so an admin can
/// roll back (kept for [`PUBLISHED_KEPT`] flips).
pub const PUBLISHED: &str = "rec:published";
pub const PUBLISHED_KEPT: usize = 10;

/// Members a relevance list keeps: beyond 128 Redis leaves its compact encoding.
pub const RELEVANCE_CAP: usize = 100;
/// Products a user's or session's history keeps.
pub const HISTORY_CAP: usize = 50;
/// Products a session's recently-viewed list keeps.
pub const VIEWED_CAP: usize = 20;

/// A list of a generation (recommendations.md §2), by what it is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum List<'a> {
    Personalized { user: &'a str },
    Similar { product: &'a str },
    BoughtTogether { product: &'a str },
    BuyAgain { user: &'a str },
    Trending,
    TrendingInCategory { category: &'a str },
    Popular,
}

impl List<'_> {
    /// Its key in generation `generation`.
    pub fn key(&self, generation: &str) -> String {
        let g = format!("rec:g:{generation}");
        match self {
            List::Personalized { user } => format!("{g}:user:{user}:personalized"),
            List::Similar { product } => format!("{g}:product:{product}:similar"),
            List::BoughtTogether { product } => format!("{g}:product:{product}:bought_together"),
            List::BuyAgain { user } => format!("{g}:user:{user}:buy_again"),
            List::Trending => format!("{g}:trending"),
            List::TrendingInCategory { category } => format!("{g}:trending:category:{category}"),
            List::Popular => format!("{g}:popular"),
        }
    }

    /// Whether the list is one shopper's (else every shopper is shown the same).
    pub fn is_personal(&self) -> bool {
        matches!(self, List::Personalized { .. } | List::BuyAgain { .. })
    }

    /// The list type, as `meta` names it (`updated_at.{listType}`) and answers name a source.
    pub fn list_type(&self) -> &'static str {
        match self {
            List::Personalized { .. } => "personalized",
            List::Similar { .. } => "similar",
            List::BoughtTogether { .. } => "bought_together",
            List::BuyAgain { .. } => "buy_again",
            List::Trending | List::TrendingInCategory { .. } => "trending",
            List::Popular => "popular",
        }
    }
}

/// The metadata hash of generation `generation`.
pub fn meta(generation: &str) -> String {
    format!("rec:g:{generation}:meta")
}

/// Recently viewed by an anonymous session, newest first.
pub fn session_viewed(session: &str) -> String {
    format!("rec:live:session:{session}:viewed")
}

/// Product → last interaction time (unix ms) of a signed-in user.
pub fn user_history(user: &str) -> String {
    format!("rec:live:user:{user}:history")
}

/// Product → time (unix ms) a signed-in user last bought it: vici's own addition to the
/// `rec:live:*` keys (additive, as format v1 allows), so no list serves what was just bought.
pub fn user_bought(user: &str) -> String {
    format!("rec:live:user:{user}:bought")
}

/// Product → last interaction time (unix ms) of an anonymous session.
pub fn session_history(session: &str) -> String {
    format!("rec:live:session:{session}:history")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_spelt_as_the_format_says() {
        let cases = [
            (
                List::Personalized { user: "u1" },
                "rec:g:7:user:u1:personalized",
            ),
            (
                List::Similar { product: "p1" },
                "rec:g:7:product:p1:similar",
            ),
            (
                List::BoughtTogether { product: "p1" },
                "rec:g:7:product:p1:bought_together",
            ),
            (List::BuyAgain { user: "u1" }, "rec:g:7:user:u1:buy_again"),
            (List::Trending, "rec:g:7:trending"),
            (
                List::TrendingInCategory { category: "c1" },
                "rec:g:7:trending:category:c1",
            ),
            (List::Popular, "rec:g:7:popular"),
        ];
        for (list, key) in cases {
            assert_eq!(list.key("7"), key);
        }
        assert_eq!(meta("7"), "rec:g:7:meta");
        assert_eq!(session_viewed("s"), "rec:live:session:s:viewed");
        assert_eq!(user_history("u"), "rec:live:user:u:history");
        assert_eq!(session_history("s"), "rec:live:session:s:history");
        assert_eq!(user_bought("u"), "rec:live:user:u:bought");
    }
}
