// The mini fixture, whose emitted code is also a golden file: optional, nullable and both, arrays
// of strings, integers narrowed to their range, and an environment-restricted field.
#![deny(warnings)]

eventcat_macros::include_catalog!("../../../../codegen/tests/fixtures/mini");

fn main() {
    let payload = serde_json::json!({
        "event_id": "0b0c4b5e-8c1e-4a43-9d7e-3f2f0c9a1b2c",
        "event_type": "shop.browsing",
        "event_name": "shop.item_viewed",
        "timestamp": "2026-11-26T10:00:00Z",
        "organization_id": "org-1",
        "version": "1.0.0",
        "source": "web",
        "environment": "production",
        "properties": {
            "item_id": "sku-1",
            "view_source": "search",
            "dwell_time": 3.5,
            "tags": ["sale"],
            "referrer": null
        }
    });
    let event: ShopItemViewed = serde_json::from_value(payload.clone()).unwrap();
    assert_eq!(event.properties.referrer, Some(None), "present and null");
    assert_eq!(serde_json::to_value(&event).unwrap(), payload);

    let mut absent = payload.clone();
    absent["properties"].as_object_mut().unwrap().remove("referrer");
    let event: ShopItemViewed = serde_json::from_value(absent.clone()).unwrap();
    assert_eq!(event.properties.referrer, None, "absent");
    assert_eq!(serde_json::to_value(&event).unwrap(), absent);

    let _: u16 = CheckoutCompletedProperties::item_count_type_check();
}

trait ItemCountType {
    fn item_count_type_check() -> u16;
}
impl ItemCountType for CheckoutCompletedProperties {
    fn item_count_type_check() -> u16 {
        // item_count ranges from 1 to 1000: the field is a u16.
        let properties: Option<CheckoutCompletedProperties> = None;
        properties.map_or(0, |p| p.item_count.get())
    }
}
