// An event the catalog does not have: the error is on the name.
#[derive(serde::Serialize, serde::Deserialize, eventcat_macros::Event)]
#[event(name = "user.teleported", version = "1.0.0", catalog = "../../../../catalog")]
struct Teleported {
    user_id: String,
}

fn main() {}
