// A field the catalog does not have is an error on that field.
eventcat_macros::include_catalog!("../../../../catalog", events = ["user.logout"]);

#[derive(serde::Serialize, serde::Deserialize, eventcat_macros::Event)]
#[event(name = "user.logout", version = "1.0.0", catalog = "../../../../catalog")]
struct Logout {
    user_id: String,
    organization_id: String,
    session_id: String,
    session_duration: f64,
    logout_reason: String,
    logout_timestamp: time::OffsetDateTime,
    device_id: String,
}

fn main() {}
