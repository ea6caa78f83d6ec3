//! Pending scenario for the split end-to-end suite (one file per scenario, sharing one world):
//! not compiled yet (no `[[test]]` target, no `mod` line). Drop it in beside the other scenario
//! files once `tests/e2e.rs` is split, and adjust the `use` lines to the split harness.
//!
//! What it shows in the real window: "mueller", "muller" and "Müller" (and upper case) typed into
//! the search box list the same colleague. The office must have at least one colleague whose name
//! has an umlaut (the simulators' organisation draws surnames such as Müller, Krüger, Schröder).

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
    world.navigate("colleagues").await;
    // Someone the app knows whose name has an umlaut, from the default list (what the window
    // lists for an empty search box).
    let everyone = world
        .invoke("search_directory", json!({"query": ""}))
        .await;
    let name = everyone["colleagues"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["display_name"].as_str())
        .find(|name| name.contains(['ä', 'ö', 'ü']))
        .unwrap_or_else(|| panic!("no colleague with an umlaut: {everyone}"))
        .to_owned();
    let word = name
        .split(' ')
        .find(|w| w.contains(['ä', 'ö', 'ü']))
        .unwrap()
        .to_owned();
    let expanded = word
        .replace('ä', "ae")
        .replace('ö', "oe")
        .replace('ü', "ue")
        .to_lowercase();
    let stripped = word
        .replace('ä', "a")
        .replace('ö', "o")
        .replace('ü', "u")
        .to_lowercase();
    for query in [word.clone(), expanded, stripped, word.to_uppercase()] {
        search_for(world, &query).await;
        let name = name.clone();
        wait_for(
            &format!("`{query}` to list {name}"),
            WAIT,
            || {
                let name = name.clone();
                async move {
                    let shown = world.texts(".row:not([hidden]) .row__name").await;
                    shown
                        .iter()
                        .any(|n| *n == name)
                        .then_some(())
                        .ok_or(format!("{shown:?}"))
                }
            },
        )
        .await;
    }
    search_for(world, "").await;
}
