//! Customers: who bought, and who came back, in any period, exactly and fast. Each customer
//! gets a small number (`seq`); each day keeps three sets of those numbers as compressed
//! bitmaps (roaring): who had a counted order placed that day (`buyers`), who had two or more
//! (`repeaters`), and whose first order it was (`newcomers`). A period's customers are the
//! union of its buyers; the returning ones are those not new in the period, or who bought
//! twice in it. A year is 366 small bitmaps, not a million rows; the per-(day, customer)
//! order counts stay in `analytics_customer_days`, which decides when a number joins or
//! leaves a day's set.
use std::collections::{BTreeMap, HashMap};

use roaring::RoaringBitmap;
use sqlx::{AnyConnection, Row as _};
use vici_store::Db;
use vici_store::sql::{Param, Sql};

use super::period::Period;
use super::rows::upsert;
use super::tally::Tally;

type Result<T> = std::result::Result<T, sqlx::Error>;

/// The counter that hands out customers' numbers.
const SEQ: &str = "seq:customer";

/// What changes in one day's sets.
#[derive(Default)]
struct DayChange {
    buyers: (Vec<u32>, Vec<u32>),
    repeaters: (Vec<u32>, Vec<u32>),
    newcomers: (Vec<u32>, Vec<u32>),
}

/// Adds the batch's counted orders per customer and per (day, customer), keeps the days' sets
/// in step; how many customers started (or stopped) having a counted order.
pub async fn write(conn: &mut AnyConnection, t: &Tally) -> Result<i64> {
    let users: Vec<&String> = t
        .customers
        .iter()
        .filter(|(_, c)| c.orders != 0)
        .map(|(u, _)| u)
        .collect();
    if users.is_empty() {
        return Ok(0);
    }
    let mut first_days: HashMap<String, i64> = HashMap::new();
    let mut sql = Sql::new("SELECT user_id, first_day FROM analytics_customers WHERE user_id IN ");
    sql.bind_list(users.iter().map(|u| u.as_str()));
    for r in sql.query().fetch_all(&mut *conn).await? {
        first_days.insert(r.try_get("user_id")?, r.try_get("first_day")?);
    }
    let newcomers = users
        .iter()
        .filter(|u| !first_days.contains_key(**u))
        .count() as i64;
    let mut next_seq = reserve(conn, newcomers).await?;
    let rows: Vec<Vec<Param>> = users
        .iter()
        .map(|u| {
            let c = &t.customers[*u];
            let seq = if first_days.contains_key(*u) {
                0
            } else {
                next_seq += 1;
                next_seq - 1
            };
            vec![
                u.as_str().into(),
                seq.into(),
                c.first_day.into(),
                c.orders.into(),
            ]
        })
        .collect();
    let stored = upsert(
        conn,
        "INSERT INTO analytics_customers (user_id, seq, first_day, orders) VALUES ",
        &rows,
        " ON CONFLICT (user_id) DO UPDATE SET orders = analytics_customers.orders + excluded.orders, \
         first_day = CASE WHEN excluded.first_day < analytics_customers.first_day \
         THEN excluded.first_day ELSE analytics_customers.first_day END \
         RETURNING user_id, seq, first_day, orders",
    )
    .await?;
    let mut changes: BTreeMap<i64, DayChange> = BTreeMap::new();
    let mut seqs: HashMap<String, u32> = HashMap::new();
    let mut started = 0;
    for r in stored {
        let user: String = r.try_get("user_id")?;
        let seq = u32::try_from(r.try_get::<i64, _>("seq")?).unwrap_or(u32::MAX);
        let (first_day, after): (i64, i64) = (r.try_get("first_day")?, r.try_get("orders")?);
        let before = after - t.customers[&user].orders;
        started += i64::from(after > 0) - i64::from(before > 0);
        match first_days.get(&user) {
            None => changes.entry(first_day).or_default().newcomers.0.push(seq),
            Some(&was) if was != first_day => {
                changes.entry(was).or_default().newcomers.1.push(seq);
                changes.entry(first_day).or_default().newcomers.0.push(seq);
            }
            Some(_) => {}
        }
        seqs.insert(user, seq);
    }
    let rows: Vec<Vec<Param>> = t
        .customer_days
        .iter()
        .filter(|(_, n)| **n != 0)
        .map(|((day, user), n)| vec![(*day).into(), user.into(), (*n).into()])
        .collect();
    let counted = upsert(
        conn,
        "INSERT INTO analytics_customer_days (day, user_id, orders) VALUES ",
        &rows,
        " ON CONFLICT (day, user_id) DO UPDATE SET \
         orders = analytics_customer_days.orders + excluded.orders RETURNING day, user_id, orders",
    )
    .await?;
    for r in counted {
        let (day, user): (i64, String) = (r.try_get("day")?, r.try_get("user_id")?);
        let after: i64 = r.try_get("orders")?;
        let before = after - t.customer_days[&(day, user.clone())];
        let Some(&seq) = seqs.get(&user) else {
            continue;
        };
        let change = changes.entry(day).or_default();
        for (set, threshold) in [(&mut change.buyers, 1), (&mut change.repeaters, 2)] {
            match (before >= threshold, after >= threshold) {
                (false, true) => set.0.push(seq),
                (true, false) => set.1.push(seq),
                _ => {}
            }
        }
    }
    apply(conn, changes).await?;
    Ok(started)
}

/// Numbers for `n` new customers: the first of a block of `n` no one else gets.
async fn reserve(conn: &mut AnyConnection, n: i64) -> Result<i64> {
    if n == 0 {
        return Ok(0);
    }
    let row = sqlx::query(
        "INSERT INTO analytics_counters (name, value) VALUES ($1, $2) ON CONFLICT (name) \
         DO UPDATE SET value = analytics_counters.value + excluded.value RETURNING value",
    )
    .bind(SEQ)
    .bind(n)
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get::<i64, _>("value")? - n)
}

fn bitmap(bytes: &[u8]) -> RoaringBitmap {
    RoaringBitmap::deserialize_from(bytes).unwrap_or_default()
}

fn bytes(set: &RoaringBitmap) -> Vec<u8> {
    let mut out = Vec::with_capacity(set.serialized_size());
    set.serialize_into(&mut out)
        .expect("writing to memory cannot fail");
    out
}

/// Applies the days' changes, each day's row locked while it is read and written (another
/// replica's batch waits for it instead of overwriting it).
async fn apply(conn: &mut AnyConnection, changes: BTreeMap<i64, DayChange>) -> Result<()> {
    let empty = bytes(&RoaringBitmap::new());
    for (day, change) in changes {
        sqlx::query(
            "INSERT INTO analytics_customer_sets (day, buyers, repeaters, newcomers) \
             VALUES ($1, $2, $2, $2) ON CONFLICT (day) DO NOTHING",
        )
        .bind(day)
        .bind(&empty)
        .execute(&mut *conn)
        .await?;
        sqlx::query("UPDATE analytics_customer_sets SET day = day WHERE day = $1")
            .bind(day)
            .execute(&mut *conn)
            .await?;
        let row = sqlx::query(
            "SELECT buyers, repeaters, newcomers FROM analytics_customer_sets WHERE day = $1",
        )
        .bind(day)
        .fetch_one(&mut *conn)
        .await?;
        let mut sets = [
            (bitmap(&row.try_get::<Vec<u8>, _>("buyers")?), change.buyers),
            (
                bitmap(&row.try_get::<Vec<u8>, _>("repeaters")?),
                change.repeaters,
            ),
            (
                bitmap(&row.try_get::<Vec<u8>, _>("newcomers")?),
                change.newcomers,
            ),
        ];
        for (set, (added, removed)) in &mut sets {
            set.extend(added.iter().copied());
            for seq in removed.iter() {
                set.remove(*seq);
            }
        }
        let [buyers, repeaters, newcomers] = sets.map(|(set, _)| bytes(&set));
        sqlx::query("UPDATE analytics_customer_sets SET buyers = $2, repeaters = $3, newcomers = $4 WHERE day = $1")
            .bind(day)
            .bind(buyers)
            .bind(repeaters)
            .bind(newcomers)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Customers with a counted order in the period, and those of them who are returning: their
/// first order was before the period, or they bought twice in it.
pub async fn of_period(db: &Db, p: Period) -> Result<(i64, i64)> {
    let rows = sqlx::query(
        "SELECT buyers, repeaters, newcomers FROM analytics_customer_sets WHERE day BETWEEN $1 AND $2",
    )
    .bind(p.from)
    .bind(p.to)
    .fetch_all(db.reader())
    .await?;
    let mut days = Vec::with_capacity(rows.len());
    for r in &rows {
        days.push([
            bitmap(&r.try_get::<Vec<u8>, _>("buyers")?),
            bitmap(&r.try_get::<Vec<u8>, _>("repeaters")?),
            bitmap(&r.try_get::<Vec<u8>, _>("newcomers")?),
        ]);
    }
    Ok(count(&days))
}

/// (customers, returning) of days' `[buyers, repeaters, newcomers]`.
fn count(days: &[[RoaringBitmap; 3]]) -> (i64, i64) {
    let (mut buyers, mut twice, mut new) = (
        RoaringBitmap::new(),
        RoaringBitmap::new(),
        RoaringBitmap::new(),
    );
    for [day_buyers, day_repeaters, day_newcomers] in days {
        twice |= &buyers & day_buyers;
        twice |= day_repeaters;
        buyers |= day_buyers;
        new |= day_newcomers;
    }
    let returning = (&buyers - &new) | (&twice & &buyers);
    (buyers.len() as i64, returning.len() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(seqs: &[u32]) -> RoaringBitmap {
        seqs.iter().copied().collect()
    }

    #[test]
    fn returning_customers_came_before_the_period_or_twice_in_it() {
        // 1 new and once; 2 new and on two days; 3 from before; 4 new, twice in one day.
        let days = [
            [set(&[1, 2, 3]), set(&[]), set(&[1, 2])],
            [set(&[2, 4]), set(&[4]), set(&[4])],
        ];
        assert_eq!(count(&days), (4, 3));
        assert_eq!(count(&[]), (0, 0));
    }

    #[test]
    fn a_set_survives_its_bytes() {
        let s = set(&[1, 70_000, 4_000_000]);
        assert_eq!(bitmap(&bytes(&s)), s);
        assert!(bitmap(b"not a bitmap").is_empty());
    }
}
