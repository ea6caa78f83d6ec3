//! Scenario 14: a colleague's calendar, set on the simulated Exchange, shows on the contact card
//! as "In a meeting until … · free from …" (and in short beside the status in the list), in the
//! language the window speaks at that point (German after scenarios 10 and 11), on the user's
//! clock. The meeting's subject and location, which the mailbox shares, appear nowhere.

use std::time::{Duration, SystemTime};

use presence_core::free_busy::LocalMoment;
use presence_core::jiff::tz::TimeZone;
use presence_core::jiff::Timestamp;
use serde_json::json;
use simulators::graph::{SimEvent, SimFreeBusy, SimWorkingHours, SimZone};
use window_model::free_busy::{card_text, short_text, FreeBusy, Moment};
use window_model::i18n::Lang;

use crate::harness::{wait_for, World, WAIT};

const SUBJECT: &str = "Betriebsrat vertraulich";
const LOCATION: &str = "Raum Zugspitze";

pub async fn free_busy_on_the_card(world: &World) {
    let who = &world.office.colleagues()[5].graph;
    // Two meetings back to back from a quarter of an hour ago, then free.
    let minute = Duration::from_secs(60);
    let now = SystemTime::now();
    let first_ends = now + 40 * minute;
    let free_from = now + 70 * minute;
    let meeting = |start, end| SimEvent {
        start,
        end,
        status: SimFreeBusy::Busy,
        subject: SUBJECT.into(),
        location: LOCATION.into(),
        private: false,
    };
    let calendars = world.graph().control().calendars();
    calendars.set_working_hours(
        who.id,
        SimWorkingHours {
            days: [true; 7],
            start: (0, 0),
            end: (0, 0),
            zone: SimZone::Windows("W. Europe Standard Time"),
        },
    );
    calendars.set_events(
        who.id,
        vec![
            meeting(now - 15 * minute, first_ends),
            meeting(first_ends, free_from),
        ],
    );

    // What the card must say: the window's language, the times on this computer's clock.
    let lang = match world.js("return document.documentElement.lang").await {
        Ok(value) if value == json!("de") => Lang::De,
        _ => Lang::En,
    };
    let zone = TimeZone::system();
    let moment = |at: SystemTime| {
        Moment::from(&LocalMoment::new(
            Timestamp::try_from(at).unwrap(),
            Timestamp::now(),
            &zone,
        ))
    };
    let expected = FreeBusy::InMeeting {
        tentative: false,
        until: moment(first_ends),
        free_from: Some(moment(free_from)),
    };
    let line = card_text(lang, &expected).unwrap();
    let short = short_text(lang, &expected).unwrap();

    // Open the colleague's card the way a person does: search, then select the row.
    world.navigate("colleagues").await;
    world
        .js(&format!(
            "const s = document.getElementById('search'); s.value = {}; \
             s.dispatchEvent(new Event('input'));",
            json!(who.display_name)
        ))
        .await
        .unwrap();
    wait_for("the colleague in the results", WAIT, || async move {
        let names = world.texts(".row:not([hidden]) .row__name").await;
        names
            .iter()
            .any(|n| n == &who.display_name)
            .then_some(())
            .ok_or(format!("{names:?}"))
    })
    .await;
    world
        .js(&format!(
            "const row = [...document.querySelectorAll('.row:not([hidden])')]\
               .find(r => r.querySelector('.row__name').textContent === {});\
             row.dispatchEvent(new MouseEvent('mousedown', {{bubbles: true}}));",
            json!(who.display_name)
        ))
        .await
        .unwrap();
    let line = &line;
    wait_for("the free/busy line on the card", WAIT, || async move {
        let name = world.texts("#card-name").await;
        let shown = world.texts(".card__freebusytext").await;
        (name == [who.display_name.clone()] && shown == [line.clone()])
            .then_some(())
            .ok_or(format!("card {name:?}: {shown:?}, expected {line:?}"))
    })
    .await;
    let short = &short;
    wait_for("the short form in the list", WAIT, || async move {
        let shown = world
            .texts(".row:not([hidden]).row--selected .row__freebusy")
            .await;
        (shown == [short.clone()])
            .then_some(())
            .ok_or(format!("{shown:?}, expected {short:?}"))
    })
    .await;

    // The app asked Exchange for this calendar, and kept only status and times.
    let asked = world
        .graph()
        .control()
        .log()
        .matching("POST", "/v1.0/me/calendar/getSchedule");
    assert!(
        asked
            .iter()
            .any(|r| r.body.to_lowercase().contains(&who.mail.to_lowercase())),
        "no getSchedule for {}",
        who.mail
    );
    let page = world.js("return document.body.innerText").await.unwrap();
    let state = world.state().await.to_string();
    for secret in [SUBJECT, LOCATION] {
        assert!(
            !page.to_string().contains(secret),
            "the window shows {secret:?}"
        );
        assert!(!state.contains(secret), "the state holds {secret:?}");
    }
    world.screenshot("free-busy-card").await;
}
