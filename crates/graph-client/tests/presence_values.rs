//! Graph's presence strings arrive in mixed case and grow new values; none may break parsing.

mod common;

use common::Harness;
use graph_client::ScopeRequest;
use simulators::graph::GraphSimSetup;

#[tokio::test]
async fn camel_case_and_unknown_values_are_kept_verbatim() {
    let h = Harness::start(GraphSimSetup::default()).await;
    let graph = h.graph(ScopeRequest::default()).await;
    let control = h.sim.control();
    let ids = control.colleague_ids();
    control.set_raw_presence(ids[0], "busy", "inAMeeting");
    control.set_raw_presence(ids[1], "Focusing", "SomethingNew");
    control.set_presence(ids[2], "DoNotDisturb", "Presenting");
    control.set_out_of_office(ids[2], Some("Back on Monday"));
    control.sign_out_of_teams(ids[3]);

    let colleagues: Vec<String> = ids[..4].iter().map(|id| id.to_string()).collect();
    let snapshot = graph.poll_presence(&h.me(), &colleagues).await.unwrap();
    let get = |i: usize| &snapshot.colleagues[&ids[i].to_string()];

    assert_eq!(get(0).availability, "busy");
    assert_eq!(get(0).activity, "inAMeeting");
    assert!(get(0).availability_is("Busy") && get(0).activity_is("InAMeeting"));
    assert_eq!(get(1).availability, "Focusing");
    assert_eq!(get(1).activity, "SomethingNew");
    assert_eq!(
        (get(2).availability.as_str(), get(2).activity.as_str()),
        ("DoNotDisturb", "Presenting")
    );
    assert!(get(2).out_of_office);
    assert_eq!(
        get(2).out_of_office_message.as_deref(),
        Some("Back on Monday")
    );
    assert_eq!(
        (get(3).availability.as_str(), get(3).activity.as_str()),
        ("Offline", "Offline")
    );
    assert!(get(3).sequence_number.is_some());

    let own = graph.my_presence().await.unwrap();
    assert_eq!(own.id, h.me());
    assert_eq!(own.availability, "Available");
}
