// template_id is optional in the catalog ("if applicable"): its field must be an Option.
eventcat_macros::include_catalog!("../../../../catalog", events = ["workflow.created"]);

#[derive(serde::Serialize, serde::Deserialize, eventcat_macros::Event)]
#[event(name = "workflow.created", version = "1.0.0", catalog = "../../../../catalog")]
struct Created {
    workflow_id: String,
    organization_id: String,
    created_by: String,
    workflow_name: String,
    category: String,
    node_count: u64,
    template_used: bool,
    template_id: String,
    complexity_score: u8,
    estimated_duration: f64,
    timestamp: time::OffsetDateTime,
}

fn main() {}
