//! From the shopper's words to a tantivy query: BM25 on exact words with per-field boosts (the
//! name counts most), fuzzy matches for typos (`domain::text::typo_distance`) and the last word
//! as a prefix (it is usually still being typed). Fuzzy and prefix matches score a constant
//! below a typical exact match, so exact words rank first.
use tantivy::Term;
use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, StopWordFilter,
    TextAnalyzer,
};

use crate::domain::text::typo_distance;

/// The analyzer of indexed text: words, lower-cased, accents folded, English stop words out.
pub const ANALYZER: &str = "vici";

pub fn index_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(StopWordFilter::new(Language::English).expect("tantivy ships English stop words"))
        .build()
}

/// The query side keeps stop words so the last, half-typed word ("in" of "instant") survives.
fn query_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// One analysed query word.
#[derive(Clone, Debug, PartialEq)]
pub struct Word {
    pub text: String,
    /// Not a stop word, so it is in the index as typed.
    pub indexed: bool,
    /// The last word: also matched as a prefix.
    pub prefix: bool,
}

/// Analyses `text` into query words; stop words are kept only as the last word's prefix.
pub fn words(text: &str, min_prefix_len: usize) -> Vec<Word> {
    let mut raw = Vec::new();
    query_analyzer()
        .token_stream(text)
        .process(&mut |t| raw.push(t.text.clone()));
    let mut stop_check = index_analyzer();
    let last = raw.len().saturating_sub(1);
    raw.into_iter()
        .enumerate()
        .filter_map(|(i, text)| {
            let mut indexed = false;
            stop_check
                .token_stream(&text)
                .process(&mut |_| indexed = true);
            let prefix = i == last && text.chars().count() >= min_prefix_len;
            (indexed || prefix).then_some(Word {
                text,
                indexed,
                prefix,
            })
        })
        .collect()
}

/// The indexed text fields with their weight, and whether typos and prefixes apply to them.
#[derive(Clone, Copy)]
pub struct WeightedField {
    pub field: Field,
    pub boost: f32,
    pub fuzzy: bool,
    pub prefix: bool,
}

/// Relative score of a typo or prefix match, against 1.0 for a field's exact-word weight; BM25
/// of a real word is usually well above 1, so a typo never outranks the word spelled right.
const FUZZY_WEIGHT: f32 = 0.6;
const PREFIX_WEIGHT: f32 = 0.5;

/// Whether every word must match (the first try) or any may (the fallback when none match all).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    All,
    Any,
}

pub fn build(fields: &[WeightedField], words: &[Word], mode: Mode) -> Box<dyn Query> {
    let occur = if mode == Mode::All {
        Occur::Must
    } else {
        Occur::Should
    };
    Box::new(BooleanQuery::new(
        words
            .iter()
            .map(|w| (occur, word_query(fields, w)))
            .collect(),
    ))
}

/// Any field matching the word, exactly, with a typo or as a prefix; scores add up.
fn word_query(fields: &[WeightedField], w: &Word) -> Box<dyn Query> {
    let distance = typo_distance(&w.text);
    let mut any: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let mut push = |q: Box<dyn Query>, boost: f32| {
        any.push((Occur::Should, Box::new(BoostQuery::new(q, boost)) as _))
    };
    for f in fields {
        let term = Term::from_field_text(f.field, &w.text);
        if w.indexed {
            push(
                Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs)),
                f.boost,
            );
            if f.fuzzy && distance > 0 {
                push(
                    Box::new(FuzzyTermQuery::new(term.clone(), distance, true)),
                    f.boost * FUZZY_WEIGHT,
                );
            }
        }
        if w.prefix && f.prefix {
            push(
                Box::new(FuzzyTermQuery::new_prefix(term, 0, true)),
                f.boost * PREFIX_WEIGHT,
            );
        }
    }
    Box::new(BooleanQuery::new(any))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_words_survive_only_as_the_typed_prefix() {
        let w = words("The North Face in", 1);
        let texts: Vec<_> = w
            .iter()
            .map(|w| (w.text.as_str(), w.indexed, w.prefix))
            .collect();
        assert_eq!(
            texts,
            [
                ("north", true, false),
                ("face", true, false),
                ("in", false, true)
            ]
        );
        assert!(words("the", 2).iter().all(|w| w.prefix));
        assert!(words("", 1).is_empty());
        assert_eq!(words("Crème", 1)[0].text, "creme");
    }
}
