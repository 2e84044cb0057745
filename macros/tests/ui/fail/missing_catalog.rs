// A catalog path that does not exist, in both macros.
eventcat_macros::include_catalog!("../../../../no/such/catalog");

#[derive(serde::Serialize, serde::Deserialize, eventcat_macros::Event)]
#[event(name = "user.logout", version = "1.0.0", catalog = "no/such/catalog")]
struct Logout {
    user_id: String,
}

fn main() {}
