//! The table of services: the only place that knows every service crate.
use vici_kit::ServiceName;
use vici_kit::config::Key;
use vici_platform::Service;

/// Every service, in port order.
pub fn all() -> [Service; 11] {
    let table = [
        vici_gateway::service(),
        vici_auth::service(),
        vici_user::service(),
        vici_product::service(),
        vici_inventory::service(),
        vici_cart::service(),
        vici_order::service(),
        vici_payment::service(),
        vici_recommendation::service(),
        vici_event::service(),
        vici_notification::service(),
    ];
    debug_assert!(table.iter().map(|s| s.name).eq(ServiceName::ALL));
    table
}

/// The named services' entries, in port order, each once.
pub fn named(names: &[ServiceName]) -> Vec<Service> {
    all()
        .into_iter()
        .filter(|s| names.contains(&s.name))
        .collect()
}

/// The keys of every service's configuration section.
pub fn config_keys() -> Vec<&'static [Key]> {
    all().iter().map(|s| s.config_keys).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_table_lists_every_service_in_port_order() {
        let names: Vec<_> = super::all().iter().map(|s| s.name).collect();
        assert_eq!(names, vici_kit::ServiceName::ALL);
    }
}
