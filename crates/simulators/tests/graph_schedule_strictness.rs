//! The simulator's `getSchedule` rejects what Graph rejects and answers in Graph's shape.

#[path = "graph_common.rs"]
mod common;

use std::time::{Duration, SystemTime};

use common::{error_code, graph, sign_in, ALL_SCOPES};
use reqwest::Method;
use serde_json::{json, Value};
use simulators::graph::{
    GraphSimSetup, GraphSimulator, SimEvent, SimFreeBusy, SimWorkingHours, SimZone,
};

const PATH: &str = "/me/calendar/getSchedule";

fn scopes() -> String {
    format!("{ALL_SCOPES} Calendars.ReadBasic")
}

fn period(start: &str, end: &str, zone: &str) -> (Value, Value) {
    (
        json!({"dateTime": start, "timeZone": zone}),
        json!({"dateTime": end, "timeZone": zone}),
    )
}

fn request(schedules: &[String], start: Value, end: Value) -> Value {
    json!({"schedules": schedules, "startTime": start, "endTime": end, "availabilityViewInterval": 30})
}

async fn setup() -> (GraphSimulator, String, Vec<String>) {
    let sim = GraphSimulator::start(GraphSimSetup {
        colleagues: 30,
        ..GraphSimSetup::default()
    })
    .await
    .unwrap();
    let tokens = sign_in(&sim, &scopes()).await;
    let mails = sim
        .control()
        .users()
        .iter()
        .map(|u| u.mail.clone())
        .collect();
    (sim, tokens.access, mails)
}

#[tokio::test]
async fn documented_limits_and_errors() {
    let (sim, token, mails) = setup().await;
    let (start, end) = period("2024-12-05T00:00:00", "2024-12-07T00:00:00", "UTC");
    let post = |body: Value, headers: Vec<(&'static str, &'static str)>| {
        let sim = &sim;
        let token = token.clone();
        async move { graph(sim, &token, Method::POST, PATH, Some(body), &headers).await }
    };

    let (status, body) = post(request(&mails[..20], start.clone(), end.clone()), vec![]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["value"].as_array().unwrap().len(), 20);

    let (status, body) = post(request(&mails[..21], start.clone(), end.clone()), vec![]).await;
    assert_eq!(status, 400);
    assert_eq!(error_code(&body), "ErrorMailboxDataArrayTooBig");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("allowed size = 20; the actual size = 21"));

    // 62 days is one day too many; 61 days and 23 hours are fine.
    let (long_start, too_long) = period("2024-01-01T00:00:00", "2024-03-03T00:00:00", "UTC");
    let (status, body) = post(request(&mails[..1], long_start.clone(), too_long), vec![]).await;
    assert_eq!(
        (status, error_code(&body)),
        (400, "ErrorInvalidTimeInterval")
    );
    let (_, almost) = period("", "2024-03-02T23:00:00", "UTC");
    let (status, _) = post(request(&mails[..1], long_start, almost), vec![]).await;
    assert_eq!(status, 200);
    let (status, body) = post(request(&mails[..1], end.clone(), start.clone()), vec![]).await;
    assert_eq!(
        (status, error_code(&body)),
        (400, "ErrorInvalidTimeInterval")
    );

    for interval in [json!(4), json!(1441), json!("3000")] {
        let mut body = request(&mails[..1], start.clone(), end.clone());
        body["availabilityViewInterval"] = interval;
        let (status, body) = post(body, vec![]).await;
        assert_eq!(
            (status, error_code(&body)),
            (400, "ErrorInvalidMergedFreeBusyInterval")
        );
    }
    let (short_start, short_end) = period("2024-12-05T09:00:00", "2024-12-05T09:20:00", "UTC");
    let (status, body) = post(request(&mails[..1], short_start, short_end), vec![]).await;
    assert_eq!(
        (status, error_code(&body)),
        (400, "ErrorInvalidMergedFreeBusyInterval"),
        "an interval longer than the period"
    );
    let mut null_interval = request(&mails[..1], start.clone(), end.clone());
    null_interval["availabilityViewInterval"] = Value::Null;
    assert_eq!(post(null_interval, vec![]).await.0, 500);

    let (mars_start, mars_end) = period("2024-12-05T00:00:00", "2024-12-06T00:00:00", "Mars Time");
    let (status, body) = post(request(&mails[..1], mars_start, mars_end), vec![]).await;
    assert_eq!(
        (status, error_code(&body)),
        (400, "TimeZoneNotSupportedException")
    );
    let (status, body) = post(
        request(&mails[..1], start.clone(), end.clone()),
        vec![("Prefer", "outlook.timezone=\"Atlantis Standard Time\"")],
    )
    .await;
    assert_eq!(
        (status, error_code(&body)),
        (400, "TimeZoneNotSupportedException")
    );

    let (status, body) = post(json!({"startTime": start, "endTime": end}), vec![]).await;
    assert_eq!((status, error_code(&body)), (400, "ErrorInvalidParameter"));

    // PascalCase parameter names, as on Graph's concept page, and the interval as a string.
    let (status, body) = post(
        json!({
            "Schedules": [mails[1]],
            "StartTime": {"dateTime": "2024-12-05T09:00:00", "timeZone": "Pacific Standard Time"},
            "EndTime": {"dateTime": "2024-12-05T18:00:00", "timeZone": "Pacific Standard Time"},
            "availabilityViewInterval": "15",
        }),
        vec![],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["value"][0]["availabilityView"].as_str().unwrap().len(),
        36
    );

    // Not JSON.
    let response = common::http()
        .post(format!("{}{PATH}", sim.graph_url()))
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body("schedules=a")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn missing_permission_is_403_access_denied() {
    let (sim, _, mails) = setup().await;
    let presence_only = sign_in(&sim, ALL_SCOPES).await;
    let (start, end) = period("2024-12-05T00:00:00", "2024-12-07T00:00:00", "UTC");
    let (status, body) = graph(
        &sim,
        &presence_only.access,
        Method::POST,
        PATH,
        Some(request(&mails[..2], start, end)),
        &[],
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(error_code(&body), "ErrorAccessDenied");
    assert!(body["error"]["innerError"]["request-id"].is_string());
}

#[tokio::test]
async fn the_users_path_serves_the_signed_in_user_only() {
    let (sim, token, mails) = setup().await;
    let users = sim.control().users();
    let (start, end) = period("2024-12-05T00:00:00", "2024-12-07T00:00:00", "UTC");
    let body = request(&mails[..2], start, end);
    for (id, expected) in [
        (users[0].id.to_string(), 200),
        (users[0].user_principal_name.clone(), 200),
        (users[1].id.to_string(), 403),
    ] {
        let (status, answer) = graph(
            &sim,
            &token,
            Method::POST,
            &format!("/users/{id}/calendar/getSchedule"),
            Some(body.clone()),
            &[],
        )
        .await;
        assert_eq!(status, expected, "{id}: {answer}");
    }
}

#[tokio::test]
async fn answers_in_graphs_shape_in_the_preferred_zone() {
    let (sim, token, mails) = setup().await;
    let users = sim.control().users();
    let calendars = sim.control().calendars();
    let anna = users[1].id;
    // 2024-12-05 09:00 and 10:30 UTC.
    let nine = SystemTime::UNIX_EPOCH + Duration::from_secs(1_733_389_200);
    calendars.set_events(
        anna,
        vec![
            SimEvent {
                start: nine,
                end: nine + Duration::from_secs(90 * 60),
                status: SimFreeBusy::Busy,
                subject: "Budget review".into(),
                location: "Room Rhein".into(),
                private: false,
            },
            SimEvent {
                start: nine + Duration::from_secs(3600),
                end: nine + Duration::from_secs(2 * 3600),
                status: SimFreeBusy::Tentative,
                subject: "Private thing".into(),
                location: "Somewhere".into(),
                private: true,
            },
        ],
    );
    calendars.set_working_hours(
        anna,
        SimWorkingHours {
            days: [true, true, true, true, true, false, false],
            start: (8, 0),
            end: (17, 0),
            zone: SimZone::CustomPacific,
        },
    );
    let (start, end) = period("2024-12-05T08:00:00", "2024-12-05T12:00:00", "UTC");
    let unknown = "nobody@contoso.com".to_owned();
    let (status, body) = graph(
        &sim,
        &token,
        Method::POST,
        PATH,
        Some(request(&[mails[1].clone(), unknown.clone()], start, end)),
        &[("Prefer", "outlook.timezone=\"W. Europe Standard Time\"")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let anna_info = &body["value"][0];
    assert_eq!(anna_info["scheduleId"], mails[1].as_str());
    // 08:00-12:00 UTC in half hours: free, free, busy, busy, busy(+tentative), tentative, free, free.
    assert_eq!(anna_info["availabilityView"], "00222100");
    let items = anna_info["scheduleItems"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["status"], "busy");
    assert_eq!(items[0]["subject"], "Budget review");
    assert_eq!(items[0]["location"], "Room Rhein");
    assert_eq!(items[0]["isPrivate"], false);
    assert_eq!(items[0]["start"]["dateTime"], "2024-12-05T10:00:00.0000000");
    assert_eq!(items[0]["start"]["timeZone"], "W. Europe Standard Time");
    assert_eq!(items[1]["status"], "tentative");
    assert_eq!(items[1]["isPrivate"], true);
    assert!(items[1].get("subject").is_none() && items[1].get("location").is_none());
    let hours = &anna_info["workingHours"];
    assert_eq!(hours["daysOfWeek"].as_array().unwrap().len(), 5);
    assert_eq!(hours["startTime"], "08:00:00.0000000");
    assert_eq!(
        hours["timeZone"]["@odata.type"],
        "#microsoft.graph.customTimeZone"
    );
    assert_eq!(hours["timeZone"]["bias"], 480);

    let nobody = &body["value"][1];
    assert_eq!(nobody["scheduleId"], unknown.as_str());
    assert_eq!(nobody["error"]["responseCode"], "5009");
    assert!(nobody.get("scheduleItems").is_none());
}

#[tokio::test]
async fn generated_calendars_have_subjects_and_working_hours() {
    let (sim, token, mails) = setup().await;
    let (start, end) = period("2024-12-02T00:00:00", "2024-12-07T00:00:00", "UTC");
    let (status, body) = graph(
        &sim,
        &token,
        Method::POST,
        PATH,
        Some(request(&mails[..20], start, end)),
        &[],
    )
    .await;
    assert_eq!(status, 200);
    let infos = body["value"].as_array().unwrap();
    let items: Vec<&Value> = infos
        .iter()
        .flat_map(|i| i["scheduleItems"].as_array().unwrap())
        .collect();
    assert!(items.len() > 20, "a working week has meetings");
    assert!(items.iter().any(|i| i["subject"].is_string()));
    assert!(infos
        .iter()
        .all(|i| i["workingHours"]["daysOfWeek"].is_array()));
    assert!(items.iter().all(|i| i["start"]["dateTime"]
        .as_str()
        .unwrap()
        .ends_with(".0000000")
        && i["start"]["timeZone"] == "UTC"));
}
