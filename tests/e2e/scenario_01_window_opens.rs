//! Scenario 1: the window opens and its DOM is readable (the harness' own check: the app must
//! be usable before anything else).

use crate::harness::World;

pub async fn window_opens(world: &World) {
    let title = world.client().title().await.unwrap();
    assert_eq!(title, "Presence Bridge");
    let tabs = world.texts(".tabs [role=tab]").await;
    assert_eq!(tabs, ["Colleagues", "My status", "Settings"], "tab labels");
    // Nothing is open before anyone clicks: WebDriver reports no alert.
    assert!(
        world.client().get_alert_text().await.is_err(),
        "unexpected alert"
    );
}
