//! End to end in the real app: the app binary with `--features test-hooks` under tauri-driver +
//! WebKitWebDriver, a real gnome-keyring, real dunst, a real Prosody, and the simulated office
//! (both simulators). One app instance serves the scenarios, restarted twice: to prove the sign-in
//! sticks, and in a German locale without a language setting. Each scenario asserts what a person
//! sees in the window and what the servers received.
//!
//! One world ([`harness::World`]), one scenario per `scenario_NN_*.rs`, run in the order of their
//! numbers: each starts from where the one before left the app (signed in by scenario 3, German
//! from scenario 10 on). A failing scenario does not stop the others: all run, then the test fails
//! listing every failure. Screenshots go to `target/e2e-screenshots/` (CI artifacts).
//!
//! Run alone: `cargo test --features test-hooks --test e2e -- --nocapture` (drives the debug
//! binary cargo builds for it); without the feature it builds one with the hooks in
//! `target/e2e-app`.

mod harness;
mod scenario_01_window_opens;
mod scenario_02_refused_sign_in;
mod scenario_03_sign_in;
mod scenario_04_meeting_sets_dnd;
mod scenario_05_notify_when_available;
mod scenario_06_hostile_names;
mod scenario_07_mapping_edit;
mod scenario_08_pause_and_resume;
mod scenario_09_throttling_and_expiry;
mod scenario_10_german_everywhere;
mod scenario_11_german_from_the_locale;
mod scenario_12_search_umlauts;
mod scenario_13_on_the_phone;
mod scenario_14_free_busy_card;
mod scenario_15_starface10_from_the_window;
mod scenario_16_tray_colleagues;
mod scenario_17_layout_and_accessibility;
mod scenario_18_hooks;
mod screenshots;
mod strings;

use std::panic::AssertUnwindSafe;
use std::time::Instant;

use futures::FutureExt;
use harness::World;

#[test]
fn e2e_real_app_through_webdriver() {
    let app = harness::build_app();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap();
    let started = Instant::now();
    let failures = rt.block_on(async move {
        let mut world = World::start(app, "en_GB.UTF-8").await;
        let mut failures: Vec<String> = Vec::new();
        macro_rules! scenario {
            ($name:literal, $body:expr) => {{
                let t = Instant::now();
                let result = AssertUnwindSafe($body).catch_unwind().await;
                match result {
                    Ok(()) => eprintln!("e2e: PASS {} ({:.0?})", $name, t.elapsed()),
                    Err(panic) => {
                        let message = panic
                            .downcast_ref::<String>()
                            .cloned()
                            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                            .unwrap_or_default();
                        eprintln!("e2e: FAIL {} ({:.0?}): {message}", $name, t.elapsed());
                        eprintln!("e2e: {}", world.failure_report());
                        // An app that died fails its scenario, not every one after it.
                        world.reopen_if_broken().await;
                        failures.push(format!("{}: {message}", $name));
                    }
                }
            }};
        }
        scenario!(
            "1 window opens, DOM readable",
            scenario_01_window_opens::window_opens(&world)
        );
        scenario!(
            "2 a refused sign-in ends with its reason",
            scenario_02_refused_sign_in::refused_sign_in_shows_why(&world)
        );
        let mut signed_in = false;
        scenario!("3 sign-in through the UI survives a restart", async {
            scenario_03_sign_in::sign_in_through_ui(&mut world).await;
            signed_in = true;
        });
        if !signed_in {
            eprintln!("e2e: signing in by command line so the other scenarios can run");
            world.quit_app().await;
            harness::sign_in_by_command_line(&world);
            world.open_app().await;
        }
        scenario!(
            "4 meeting -> DND, chat status, journal",
            scenario_04_meeting_sets_dnd::meeting_sets_dnd_and_chat(&world)
        );
        scenario!(
            "5 notify when available + chat deep link",
            scenario_05_notify_when_available::notify_when_available(&world)
        );
        scenario!(
            "6 hostile names render as text",
            scenario_06_hostile_names::hostile_names_are_text(&world)
        );
        scenario!("screenshots (en)", screenshots::screenshots(&world, "en"));
        scenario!(
            "7 mapping row edited in the UI",
            scenario_07_mapping_edit::mapping_edit_leaves_dnd_alone(&world)
        );
        scenario!(
            "8 pause 15 min from the UI, resume",
            scenario_08_pause_and_resume::pause_and_resume(&world)
        );
        scenario!(
            "9 429s and STARFACE token expiry",
            scenario_09_throttling_and_expiry::recovers_from_throttling_and_expiry(&world)
        );
        scenario!(
            "17 layout, accessibility and keyboard (English)",
            scenario_17_layout_and_accessibility::layout_and_accessibility(&world, "en")
        );
        scenario!(
            "10 German on every screen",
            scenario_10_german_everywhere::german_everywhere(&world)
        );
        scenario!("screenshots (de)", screenshots::screenshots(&world, "de"));
        scenario!(
            "11 German from the OS locale (LANG=de_DE.UTF-8, no language setting)",
            scenario_11_german_from_the_locale::german_from_the_locale(&mut world)
        );
        scenario!(
            "12 mueller, muller and Müller find the same colleague",
            scenario_12_search_umlauts::umlauts_find_the_same_colleague_however_they_are_typed(
                &world
            )
        );
        scenario!(
            "14 free/busy on the contact card",
            scenario_14_free_busy_card::free_busy_on_the_card(&world)
        );
        scenario!(
            "16 colleagues in the tray: who, status, actions, no idle updates",
            scenario_16_tray_colleagues::tray_colleagues(&world)
        );
        scenario!(
            "18 a status hook set up in the window, tested, its result on My status",
            scenario_18_hooks::status_hook_from_the_window(&world)
        );
        scenario!(
            "17 layout, accessibility and keyboard (German)",
            scenario_17_layout_and_accessibility::layout_and_accessibility(&world, "de")
        );
        scenario!(
            "15 STARFACE 10 with OAuth only, from the window",
            scenario_15_starface10_from_the_window::starface10_from_the_window(&world)
        );
        // Last: it moves the app to a STARFACE 10 with OAuth, which the scenarios above do not expect.
        scenario!(
            "13 a colleague's call shows \"on the phone\" and back (OneHub)",
            scenario_13_on_the_phone::colleague_on_the_phone(&mut world)
        );
        world.quit_app().await;
        failures
    });
    eprintln!("e2e: all scenarios took {:.0?}", started.elapsed());
    assert!(
        failures.is_empty(),
        "failed scenarios:\n{}",
        failures.join("\n\n")
    );
}
