//! Search in the real window: "mueller", "muller", "Müller" and "MÜLLER" typed into the search box
//! list the same colleague. The colleague is new to the directory, so the app has never seen them:
//! "mueller" finds them through Graph (the app also asks for the umlaut spelling), and from then on
//! the app knows them, so "muller" (typed without an umlaut key) finds them too.

use serde_json::json;

use crate::harness::{wait_for, World, WAIT};

/// Types `query` into the search box as the window's own input handler sees it.
async fn search_for(world: &World, query: &str) {
    world
        .js(&format!(
            "const s = document.getElementById('search'); s.value = {}; \
             s.dispatchEvent(new Event('input'));",
            json!(query)
        ))
        .await
        .unwrap();
}

pub async fn umlauts_find_the_same_colleague_however_they_are_typed(world: &World) {
    const NAME: &str = "Jürgen Müller";
    let control = world.graph().control();
    let new = control.add_users(1)[0];
    control.set_display_name(new, NAME);
    world.navigate("colleagues").await;
    for query in ["mueller", "muller", "Müller", "MÜLLER"] {
        search_for(world, query).await;
        wait_for(&format!("`{query}` to list {NAME}"), WAIT, || async move {
            let shown = world.texts(".row:not([hidden]) .row__name").await;
            shown
                .iter()
                .any(|n| n == NAME)
                .then_some(())
                .ok_or(format!("{shown:?}"))
        })
        .await;
    }
    search_for(world, "").await;
}
