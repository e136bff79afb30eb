//! Text rules of search: how far a typo may be, how a corrected query is proposed, how ratings
//! are shown.

/// Ratings are stored exactly (a running mean) and shown with one decimal.
pub fn display_rating(rating: f64) -> f64 {
    (rating * 10.0).round() / 10.0
}

/// Edits a query word may be away from an indexed word: none for short words (too many false
/// friends), one from 4 letters, two from 8.
pub fn typo_distance(word: &str) -> u8 {
    match word.chars().count() {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// Lower-case alphanumeric words of `text`, apostrophes kept inside words out ("levi's" → "levis").
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’'))
        .map(|w| {
            w.chars()
                .filter(|c| c.is_alphanumeric())
                .collect::<String>()
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// Levenshtein distance with an adjacent transposition counted as one edit (the common typo).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut prev2 = vec![0usize; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = cur[j].min(prev2[j - 2] + 1);
            }
        }
        prev2 = std::mem::replace(&mut prev, cur);
    }
    prev[b.len()]
}

/// The query as the shopper probably meant it, from the words of the best matches: each query
/// word missing from those words is replaced by the closest one within its typo distance, and
/// the last word, still being typed, is completed by the most common word it begins. `None`
/// when nothing would change.
pub fn corrected_query(query: &str, best_matches: &[&str]) -> Option<String> {
    let query_words = words(query);
    let vocabulary: Vec<String> = best_matches.iter().flat_map(|m| words(m)).collect();
    if query_words.is_empty() || vocabulary.is_empty() {
        return None;
    }
    let last = query_words.len() - 1;
    let corrected: Vec<String> = query_words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            if vocabulary.contains(w) {
                return w.clone();
            }
            let typo = vocabulary
                .iter()
                .map(|v| (edit_distance(w, v), v))
                .filter(|(d, _)| *d <= usize::from(typo_distance(w)))
                .min_by_key(|(d, _)| *d)
                .map(|(_, v)| v.clone());
            let completion = || {
                (i == last && w.len() >= 2)
                    .then(|| most_common_completion(w, &vocabulary))
                    .flatten()
            };
            typo.or_else(completion).unwrap_or_else(|| w.clone())
        })
        .collect();
    (corrected != query_words).then(|| corrected.join(" "))
}

/// The "did you mean" list of a search: the corrected query when there is one, then the names
/// of the best matches, without repeats or the query itself, at most `max`.
pub fn suggestions(query: &str, best_matches: &[&str], max: usize) -> Vec<String> {
    let mut out: Vec<String> = corrected_query(query, best_matches).into_iter().collect();
    let typed = query.trim().to_lowercase();
    for name in best_matches {
        let seen = out.iter().any(|o| o.eq_ignore_ascii_case(name));
        if !seen && name.to_lowercase() != typed {
            out.push((*name).to_string());
        }
    }
    out.truncate(max);
    out
}

fn most_common_completion(prefix: &str, vocabulary: &[String]) -> Option<String> {
    let mut counts: Vec<(&String, usize)> = Vec::new();
    for v in vocabulary
        .iter()
        .filter(|v| v.starts_with(prefix) && v.len() > prefix.len())
    {
        match counts.iter_mut().find(|(w, _)| *w == v) {
            Some((_, n)) => *n += 1,
            None => counts.push((v, 1)),
        }
    }
    // Most frequent first; the first seen (the better-ranked match) wins a tie.
    counts
        .iter()
        .enumerate()
        .max_by_key(|(i, (_, n))| (*n, std::cmp::Reverse(*i)))
        .map(|(_, (w, _))| (*w).clone())
}

/// Whether some word of `text` starts with each word of `prefix` (autocomplete of names).
pub fn words_start_with(text: &str, prefix: &str) -> bool {
    let text_words = words(text);
    let wanted = words(prefix);
    !wanted.is_empty()
        && wanted
            .iter()
            .all(|p| text_words.iter().any(|w| w.starts_with(p.as_str())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_show_one_decimal() {
        assert_eq!(display_rating(3.96), 4.0);
        assert_eq!(display_rating(4.84), 4.8);
    }

    #[test]
    fn typo_budget_grows_with_word_length() {
        assert_eq!(typo_distance("mac"), 0);
        assert_eq!(typo_distance("macbok"), 1);
        assert_eq!(typo_distance("headphons"), 2);
    }

    #[test]
    fn words_split_on_symbols_and_keep_possessives_whole() {
        assert_eq!(
            words("Levi's 501-Original  JEANS"),
            ["levis", "501", "original", "jeans"]
        );
        assert_eq!(words("MacBook Pro 16\" M3"), ["macbook", "pro", "16", "m3"]);
    }

    #[test]
    fn edit_distance_counts_transpositions_once() {
        assert_eq!(edit_distance("macbok", "macbook"), 1);
        assert_eq!(edit_distance("hedaphones", "headphones"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn queries_are_corrected_and_completed_from_the_best_matches() {
        let names = ["Apple MacBook Pro 16\" M3", "Apple AirPods Pro 2nd Gen"];
        assert_eq!(
            corrected_query("macbok pro", &names).as_deref(),
            Some("macbook pro")
        );
        assert_eq!(
            corrected_query("apple air", &names).as_deref(),
            Some("apple airpods")
        );
        assert_eq!(corrected_query("apple", &names), None);
        assert_eq!(corrected_query("zzzz", &names), None);
    }

    #[test]
    fn suggestions_lead_with_the_correction_then_best_names() {
        let names = [
            "Apple MacBook Pro 16\" M3",
            "Apple MacBook Pro 16\" M3",
            "Dell XPS 15",
        ];
        assert_eq!(
            suggestions("macbok", &names, 5),
            ["macbook", "Apple MacBook Pro 16\" M3", "Dell XPS 15"]
        );
        assert_eq!(
            suggestions("dell xps 15", &names[2..], 5),
            Vec::<String>::new()
        );
        assert_eq!(suggestions("macbok", &names, 1).len(), 1);
    }

    #[test]
    fn autocomplete_matches_word_prefixes() {
        assert!(words_start_with("Audio & Video", "vid"));
        assert!(words_start_with("Audio & Video", "au vi"));
        assert!(!words_start_with("Audio & Video", "deo"));
        assert!(!words_start_with("Audio", ""));
    }
}
