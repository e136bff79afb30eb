//! The evaluation data as the bench reads it: MovieLens-100K's ratings and films (the files of
//! RecBole's `ml-100k` example, fetched by bench/recs-quality.sh) and the two ways of splitting
//! them into what vici learns from and what it is asked to find.
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use anyhow::{Context, bail};

/// One rating: a user watched a film at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interaction {
    pub user: u32,
    pub item: u32,
    /// Unix seconds.
    pub at_s: i64,
}

pub struct Film {
    pub id: u32,
    pub title: String,
    pub year: String,
    pub genres: Vec<String>,
}

/// A product to put in the catalogue, by the key the data names it with.
pub struct Listing {
    pub key: u32,
    pub name: String,
    pub description: String,
    /// Its category's name (one category per distinct name).
    pub category: String,
    pub tags: Vec<String>,
}

/// One training purchase as imported: who, in which order, what, when.
#[derive(Clone, Copy, Debug)]
pub struct Purchase {
    pub shopper: u32,
    pub order: u64,
    pub item: u32,
    pub at_s: i64,
}

impl Film {
    /// The film as a product: its first genre its category, all of them its tags.
    pub fn listing(&self) -> Listing {
        Listing {
            key: self.id,
            name: self.title.clone(),
            description: format!("{} ({})", self.title, self.year),
            category: format!(
                "Films: {}",
                self.genres.first().map_or("Other", String::as_str)
            ),
            tags: self.genres.clone(),
        }
    }
}

impl Interaction {
    /// A rating as a purchase, in one order per rater and day.
    pub fn purchase(&self) -> Purchase {
        Purchase {
            shopper: self.user,
            order: (u64::from(self.user) << 32) | (self.at_s / 86_400) as u64,
            item: self.item,
            at_s: self.at_s,
        }
    }
}

pub struct MovieLens {
    pub interactions: Vec<Interaction>,
    pub films: Vec<Film>,
}

/// What vici learns from (in time order) and, per user, what it should find.
pub struct Split {
    pub train: Vec<Interaction>,
    pub held_out: HashMap<u32, Vec<u32>>,
}

impl Split {
    /// Each user's training items.
    pub fn seen(&self) -> HashMap<u32, Vec<u32>> {
        let mut seen: HashMap<u32, Vec<u32>> = HashMap::new();
        for i in &self.train {
            seen.entry(i.user).or_default().push(i.item);
        }
        seen
    }
}

/// Reads `ml-100k.inter` and `ml-100k.item` from `dir` (RecBole's atomic files: a typed header
/// line, then tab-separated fields).
pub fn load(dir: &Path) -> anyhow::Result<MovieLens> {
    let mut interactions = Vec::new();
    for [user, item, _rating, at] in rows(&dir.join("ml-100k.inter"))? {
        interactions.push(Interaction {
            user: user.parse()?,
            item: item.parse()?,
            at_s: at.parse::<f64>()? as i64,
        });
    }
    let mut films = Vec::new();
    for [id, title, year, class] in rows(&dir.join("ml-100k.item"))? {
        films.push(Film {
            id: id.parse()?,
            title,
            year,
            genres: class.split_whitespace().map(str::to_string).collect(),
        });
    }
    Ok(MovieLens {
        interactions,
        films,
    })
}

/// The four tab-separated fields of each line after the header.
fn rows(path: &Path) -> anyhow::Result<Vec<[String; 4]>> {
    let text = read(path)?;
    let mut rows = Vec::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        let fields: Vec<String> = line.split('\t').map(str::to_string).collect();
        let Ok(row) = <[String; 4]>::try_from(fields) else {
            bail!("{} line {}: not four fields", path.display(), n + 1);
        };
        rows.push(row);
    }
    Ok(rows)
}

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| {
        format!(
            "reading {} (bench/recs-quality.sh fetches it)",
            path.display()
        )
    })
}

/// Next item: each user's last rating held out, the rest replayed. Ratings of the same second
/// (half of MovieLens-100K's) keep the order of the file: ordering them by item id would
/// favour whoever guesses high ids.
pub fn next_item(ml: &MovieLens) -> Split {
    let mut train = Vec::new();
    let mut held_out = HashMap::new();
    for (user, mut rated) in by_user(ml) {
        rated.sort_by_key(|i| i.at_s);
        let last = rated.pop().expect("every user rated");
        held_out.insert(user, vec![last.item]);
        train.extend(rated);
    }
    in_time_order(&mut train);
    Split { train, held_out }
}

/// The Microsoft Recommenders protocol: each user's ratings shuffled (seeded) and split 75/25.
pub fn random_split(ml: &MovieLens, train_share: f64, seed: u64) -> Split {
    let mut rng = SplitMix(seed);
    let mut train = Vec::new();
    let mut held_out = HashMap::new();
    for (user, mut rated) in by_user(ml) {
        rng.shuffle(&mut rated);
        let keep = (rated.len() as f64 * train_share).round() as usize;
        let test = rated.split_off(keep);
        held_out.insert(user, test.iter().map(|i| i.item).collect());
        train.extend(rated);
    }
    in_time_order(&mut train);
    Split { train, held_out }
}

/// Each user's ratings in the file's order, users by id.
fn by_user(ml: &MovieLens) -> BTreeMap<u32, Vec<Interaction>> {
    let mut by_user: BTreeMap<u32, Vec<Interaction>> = BTreeMap::new();
    for i in &ml.interactions {
        by_user.entry(i.user).or_default().push(*i);
    }
    by_user
}

/// By time; a stable sort, so the same second keeps the file's order.
fn in_time_order(train: &mut [Interaction]) {
    train.sort_by_key(|i| i.at_s);
}

/// A small seeded generator (SplitMix64): the split is the same on every machine.
pub struct SplitMix(pub u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A draw below `n` (> 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Fisher–Yates.
    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rating(user: u32, item: u32, at_s: i64) -> Interaction {
        Interaction { user, item, at_s }
    }

    fn ml(interactions: Vec<Interaction>) -> MovieLens {
        MovieLens {
            interactions,
            films: Vec::new(),
        }
    }

    #[test]
    fn next_item_holds_out_each_users_last_rating() {
        let data = ml(vec![
            rating(1, 10, 5),
            rating(1, 11, 9),
            rating(1, 12, 7),
            rating(2, 20, 1),
            rating(2, 21, 1),
        ]);
        let split = next_item(&data);
        assert_eq!(split.held_out[&1], [11]);
        assert_eq!(split.held_out[&2], [21], "ties in the file's order");
        let order: Vec<u32> = split.train.iter().map(|i| i.item).collect();
        assert_eq!(order, [20, 10, 12], "in time order");
        let swapped = ml(vec![rating(2, 21, 1), rating(2, 20, 1)]);
        assert_eq!(next_item(&swapped).held_out[&2], [20]);
    }

    #[test]
    fn the_random_split_keeps_three_quarters_of_each_user_and_is_repeatable() {
        let data = ml((0..40)
            .map(|i| rating(1 + i % 2, i, i64::from(i)))
            .collect());
        let split = random_split(&data, 0.75, 42);
        assert_eq!(split.held_out[&1].len(), 5);
        assert_eq!(split.train.len(), 30);
        let again = random_split(&data, 0.75, 42);
        assert_eq!(split.held_out, again.held_out);
        assert_ne!(split.held_out, random_split(&data, 0.75, 7).held_out);
    }
}
