// A version the catalog does not have: the error is on the version.
#[derive(serde::Serialize, serde::Deserialize, eventcat_macros::Event)]
#[event(name = "user.logout", version = "2.0.0", catalog = "../../../../catalog")]
struct Logout {
    user_id: String,
}

fn main() {}
