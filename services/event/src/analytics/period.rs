//! The period an analytics question asks about: its first and last day (both included, UTC),
//! the period of the same length just before it, and the buckets of a chart by day, week
//! (from Monday) or month. Days are unix days. Pure; a bad question is a validation error
//! naming the parameter.
use chrono::{Datelike, NaiveDate};
use vici_kit::Error;

/// The longest period asked about: two years and a day, so a year compares with the last.
pub const MAX_DAYS: i64 = 732;
/// The default period: the last 30 days, today included.
pub const DEFAULT_DAYS: i64 = 30;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub from: i64,
    pub to: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interval {
    Day,
    Week,
    Month,
}

impl Interval {
    pub fn parse(raw: Option<&str>) -> Result<Self, Error> {
        match raw.map(str::trim).unwrap_or("day") {
            "" | "day" => Ok(Interval::Day),
            "week" => Ok(Interval::Week),
            "month" => Ok(Interval::Month),
            other => Err(Error::validation(
                "interval",
                format!("`interval` must be day, week or month, not `{other}`"),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Interval::Day => "day",
            Interval::Week => "week",
            Interval::Month => "month",
        }
    }

    /// The first day of the bucket `day` falls in.
    fn start(self, day: i64) -> i64 {
        match self {
            Interval::Day => day,
            // Unix day 4 (1970-01-05) was a Monday.
            Interval::Week => day - (day - 4).rem_euclid(7),
            Interval::Month => {
                let date = date_of(day);
                day - i64::from(date.day0())
            }
        }
    }
}

impl Period {
    /// The period `from`..=`to` as asked (dates or RFC 3339 times); unset ends make the last
    /// [`DEFAULT_DAYS`] days up to `today`, or that many days from or up to the end given.
    pub fn parse(from: Option<&str>, to: Option<&str>, today: i64) -> Result<Self, Error> {
        let from = from.map(|raw| day("from", raw)).transpose()?;
        let to = to.map(|raw| day("to", raw)).transpose()?;
        let (from, to) = match (from, to) {
            (Some(f), Some(t)) => (f, t),
            (Some(f), None) => (f, (f + DEFAULT_DAYS - 1).min(today.max(f))),
            (None, Some(t)) => (t - DEFAULT_DAYS + 1, t),
            (None, None) => (today - DEFAULT_DAYS + 1, today),
        };
        if from > to {
            return Err(Error::validation("from", "`from` must not be after `to`"));
        }
        if to - from + 1 > MAX_DAYS {
            return Err(Error::validation(
                "to",
                format!("A period may span at most {MAX_DAYS} days"),
            ));
        }
        Ok(Period { from, to })
    }

    pub fn days(self) -> i64 {
        self.to - self.from + 1
    }

    /// The period of the same length that ends the day before this one starts.
    pub fn previous(self) -> Period {
        Period {
            from: self.from - self.days(),
            to: self.from - 1,
        }
    }

    /// The first day in this period of each bucket it touches, in order.
    pub fn buckets(self, interval: Interval) -> Vec<i64> {
        let mut starts = Vec::new();
        let mut day = self.from;
        while day <= self.to {
            starts.push(day);
            let next = match interval {
                Interval::Day => day + 1,
                Interval::Week => interval.start(day) + 7,
                Interval::Month => {
                    let d = date_of(day);
                    let (y, m) = if d.month() == 12 {
                        (d.year() + 1, 1)
                    } else {
                        (d.year(), d.month() + 1)
                    };
                    day_number(
                        NaiveDate::from_ymd_opt(y, m, 1).expect("the first of a month exists"),
                    )
                }
            };
            day = next;
        }
        starts
    }

    /// The bucket (index into [`Period::buckets`]) of `day`, a day of this period.
    pub fn bucket_of(self, interval: Interval, day: i64, buckets: &[i64]) -> usize {
        let start = interval.start(day).max(self.from);
        buckets
            .partition_point(|b| *b < start)
            .min(buckets.len().saturating_sub(1))
    }
}

/// The unix day of a `YYYY-MM-DD` date or an RFC 3339 time given as `field`.
fn day(field: &str, raw: &str) -> Result<i64, Error> {
    let raw = raw.trim();
    if let Ok(date) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        return Ok(day_number(date));
    }
    chrono::DateTime::parse_from_rfc3339(raw)
        .map(|t| t.timestamp_millis().div_euclid(super::facts::DAY_MS))
        .map_err(|_| {
            Error::validation(
                field,
                format!("`{field}` must be a date (YYYY-MM-DD) or an RFC 3339 time"),
            )
        })
}

fn day_number(date: NaiveDate) -> i64 {
    (date - NaiveDate::from_ymd_opt(1970, 1, 1).expect("the epoch")).num_days()
}

/// The date of unix day `day`.
pub fn date_of(day: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("the epoch") + chrono::Duration::days(day)
}

/// `YYYY-MM-DD` of unix day `day`.
pub fn label(day: i64) -> String {
    date_of(day).format("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> i64 {
        day("t", s).unwrap()
    }

    #[test]
    fn the_default_is_the_last_thirty_days() {
        let today = d("2026-12-06");
        let p = Period::parse(None, None, today).unwrap();
        assert_eq!(
            (label(p.from), label(p.to)),
            ("2026-11-07".into(), "2026-12-06".into())
        );
        assert_eq!(
            p.previous(),
            Period {
                from: d("2026-10-08"),
                to: d("2026-11-06")
            }
        );
    }

    #[test]
    fn bad_periods_name_their_parameter() {
        let today = d("2026-12-06");
        let e = Period::parse(Some("2026-13-01"), None, today).unwrap_err();
        assert_eq!(
            e.details["from"],
            "`from` must be a date (YYYY-MM-DD) or an RFC 3339 time"
        );
        assert!(Period::parse(Some("2026-12-02"), Some("2026-12-01"), today).is_err());
        assert!(Period::parse(Some("2020-01-01"), Some("2026-01-01"), today).is_err());
        assert!(Interval::parse(Some("year")).is_err());
        let t =
            Period::parse(Some("2026-12-01T23:30:00+02:00"), Some("2026-12-01"), today).unwrap();
        assert_eq!(label(t.from), "2026-12-01", "a time is read in UTC");
    }

    #[test]
    fn weeks_start_on_monday_and_months_on_the_first() {
        let p = Period {
            from: d("2026-11-27"),
            to: d("2026-12-09"),
        };
        let weeks: Vec<String> = p.buckets(Interval::Week).into_iter().map(label).collect();
        assert_eq!(weeks, ["2026-11-27", "2026-11-30", "2026-12-07"]);
        let months: Vec<String> = p.buckets(Interval::Month).into_iter().map(label).collect();
        assert_eq!(months, ["2026-11-27", "2026-12-01"]);
        let b = p.buckets(Interval::Week);
        assert_eq!(p.bucket_of(Interval::Week, d("2026-11-29"), &b), 0);
        assert_eq!(p.bucket_of(Interval::Week, d("2026-12-06"), &b), 1);
        assert_eq!(p.bucket_of(Interval::Week, d("2026-12-09"), &b), 2);
        assert_eq!(p.buckets(Interval::Day).len(), 13);
    }
}
