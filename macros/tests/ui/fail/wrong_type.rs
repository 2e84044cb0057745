// Wrong types, each on its own field: an integer for a number, a string for a closed enum and for
// a date-time, and an integer too narrow for the catalog's range.
eventcat_macros::include_catalog!("../../../../catalog", events = ["workflow.created"]);

#[derive(serde::Serialize, serde::Deserialize, eventcat_macros::Event)]
#[event(name = "workflow.created", version = "1.0.0", catalog = "../../../../catalog")]
struct Created {
    workflow_id: String,
    organization_id: String,
    created_by: String,
    workflow_name: String,
    category: String,
    node_count: u8,
    template_used: bool,
    template_id: Option<String>,
    complexity_score: u8,
    estimated_duration: u64,
    timestamp: String,
}

fn main() {}
