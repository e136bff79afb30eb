//! The eleven services, their names and port offsets.
use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ServiceName {
    Gateway,
    Auth,
    User,
    Product,
    Inventory,
    Cart,
    Order,
    Payment,
    Recommendation,
    Event,
    Notification,
}

impl ServiceName {
    /// In port order: the service at index `i` listens on `port_base + i`.
    pub const ALL: [ServiceName; 11] = [
        Self::Gateway,
        Self::Auth,
        Self::User,
        Self::Product,
        Self::Inventory,
        Self::Cart,
        Self::Order,
        Self::Payment,
        Self::Recommendation,
        Self::Event,
        Self::Notification,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Gateway => "gateway",
            Self::Auth => "auth",
            Self::User => "user",
            Self::Product => "product",
            Self::Inventory => "inventory",
            Self::Cart => "cart",
            Self::Order => "order",
            Self::Payment => "payment",
            Self::Recommendation => "recommendation",
            Self::Event => "event",
            Self::Notification => "notification",
        }
    }

    pub fn port_offset(self) -> u16 {
        Self::ALL.iter().position(|s| *s == self).expect("listed") as u16
    }

    /// Whether the service keeps its own SQL database (the gateway is stateless).
    pub fn has_database(self) -> bool {
        self != Self::Gateway
    }
}

impl fmt::Display for ServiceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ServiceName {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|n| n.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Self::ALL.iter().map(|n| n.as_str()).collect();
                format!(
                    "unknown service `{s}` (expected one of: {})",
                    names.join(", ")
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_follow_the_documented_order() {
        assert_eq!(ServiceName::Gateway.port_offset(), 0);
        assert_eq!(ServiceName::Product.port_offset(), 3);
        assert_eq!(ServiceName::Notification.port_offset(), 10);
    }

    #[test]
    fn names_round_trip() {
        for s in ServiceName::ALL {
            assert_eq!(s.as_str().parse::<ServiceName>().unwrap(), s);
        }
        assert!("shipping".parse::<ServiceName>().is_err());
    }
}
