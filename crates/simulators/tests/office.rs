//! The office: both simulators serve the same people (read over their own APIs, as a client
//! would), the user starts the day available with DND off, and the approver plays the user at
//! the device-code page.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sha2::{Digest, Sha512};
use simulators::graph::DEFAULT_CLIENT_ID;
use simulators::office::{Office, USER_LOGIN};

// User.Read.All: the full profile, phones included.
const SCOPE: &str = "offline_access User.Read User.Read.All Presence.Read.All";

/// A device-code sign-in started over HTTP: `(device_code, user_code)`.
async fn start_device_sign_in(office: &Office) -> (String, String) {
    let device: Value = reqwest::Client::new()
        .post(format!(
            "{}/organizations/oauth2/v2.0/devicecode",
            office.graph().base_url()
        ))
        .form(&[("client_id", DEFAULT_CLIENT_ID), ("scope", SCOPE)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (
        device["device_code"].as_str().unwrap().to_owned(),
        device["user_code"].as_str().unwrap().to_owned(),
    )
}

/// One poll of the token endpoint: the access token, or the OAuth error code.
async fn poll_token(office: &Office, device_code: &str) -> Result<String, String> {
    let token: Value = reqwest::Client::new()
        .post(format!(
            "{}/organizations/oauth2/v2.0/token",
            office.graph().base_url()
        ))
        .form(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("client_id", DEFAULT_CLIENT_ID),
            ("device_code", device_code),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    match token["access_token"].as_str() {
        Some(access) => Ok(access.to_owned()),
        None => Err(token["error"].as_str().unwrap_or_default().to_owned()),
    }
}

fn sha512_hex(input: &str) -> String {
    hex::encode(Sha512::digest(input.as_bytes()))
}

/// STARFACE REST nonce login as `login`; the `authToken`.
async fn pbx_token(office: &Office, login: &str) -> String {
    let http = reqwest::Client::new();
    let base = office.pbx().base_url();
    let template: Value = http
        .get(format!("{base}/rest/login"))
        .header("X-Version", "2")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let nonce = template["nonce"].as_str().unwrap();
    let password = sha512_hex(office.password());
    let secret = format!(
        "{login}:{}",
        sha512_hex(&format!("{login}{nonce}{password}"))
    );
    let body: Value = http
        .post(format!("{base}/rest/login"))
        .header("X-Version", "2")
        .json(&json!({"loginType": "Internal", "nonce": nonce, "secret": secret}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["token"]
        .as_str()
        .unwrap_or_else(|| panic!("login {login}: {body}"))
        .to_owned()
}

#[tokio::test]
async fn both_services_serve_the_same_people() {
    let office = Office::builder()
        .colleagues(12)
        .password("office-pw")
        .start()
        .await
        .unwrap();
    let (device_code, user_code) = start_device_sign_in(&office).await;
    assert_eq!(
        poll_token(&office, &device_code).await,
        Err("authorization_pending".to_owned())
    );
    assert_eq!(office.approver().approve_waiting(), 1, "{user_code}");
    let access = poll_token(&office, &device_code).await.expect("signed in");

    let http = reqwest::Client::new();
    let me: Value = http
        .get(format!("{}/me", office.graph().graph_url()))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["id"], json!(office.me().id().to_string()));
    let users: Value = http
        .get(format!(
            "{}/users?$top=999&$select=givenName,surname,mail,businessPhones",
            office.graph().graph_url()
        ))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let users = users["value"].as_array().unwrap();
    assert_eq!(users.len(), 13);

    let token = pbx_token(&office, USER_LOGIN).await;
    let contacts: Value = http
        .get(format!(
            "{}/rest/contacts?pagesize=100",
            office.pbx().base_url()
        ))
        .header("X-Version", "2")
        .header("authToken", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // summaryValues: family name, first name, e-mail.
    let on_the_pbx: HashMap<String, (Value, Value, Value)> = contacts["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let summary = &c["summaryValues"];
            (
                summary[2].as_str().unwrap().to_owned(),
                (
                    summary[1].clone(),
                    summary[0].clone(),
                    c["additionalValues"]["INTERNALPHONE"].clone(),
                ),
            )
        })
        .collect();
    assert_eq!(on_the_pbx.len(), users.len());
    for user in users {
        let mail = user["mail"].as_str().unwrap();
        let (first, family, number) = on_the_pbx
            .get(mail)
            .unwrap_or_else(|| panic!("{mail} is not on the PBX"));
        assert_eq!((first, family), (&user["givenName"], &user["surname"]));
        let phone = user["businessPhones"][0].as_str().unwrap();
        let extension = phone.rsplit(' ').next().unwrap();
        assert_eq!(number, &json!(extension), "{mail}: {phone}");
    }
    // Every colleague can log in with their own login and the office's password.
    for person in office.colleagues().iter().take(2) {
        pbx_token(&office, &person.login).await;
    }
    office.stop().await;
}

#[tokio::test]
async fn the_user_starts_available_with_dnd_off_and_is_steered_on_both_sides() {
    let office = Office::builder().colleagues(2).start().await.unwrap();
    let me = office.me();
    assert_eq!(me.login, USER_LOGIN);
    assert_eq!(
        office.graph().control().signed_in_user().id,
        me.id(),
        "the user is the one Entra signs in"
    );
    let control = office.graph().control();
    assert_eq!(
        control.presence_of(me.id()),
        ("Available".to_owned(), "Available".to_owned())
    );
    assert!(!office.dnd());
    office.set_teams("Busy", "InAMeeting");
    assert_eq!(
        control.presence_of(me.id()),
        ("Busy".to_owned(), "InAMeeting".to_owned())
    );
    office.pbx().press_dnd_on_phone(&me.login, true);
    assert!(office.dnd());
    // The colleagues' phones are theirs, not the user's.
    office
        .pbx()
        .press_dnd_on_phone(&office.colleagues()[0].login, false);
    assert!(office.dnd());
    office.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keep_approving_approves_until_dropped() {
    let office = Office::builder()
        .colleagues(1)
        .device_code_interval(1)
        .start()
        .await
        .unwrap();
    let approving = office.approver().keep_approving();
    let (device_code, _) = start_device_sign_in(&office).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match poll_token(&office, &device_code).await {
            Ok(_) => break,
            Err(error) => assert!(Instant::now() < deadline, "not approved in time: {error}"),
        }
        tokio::time::sleep(Duration::from_millis(1100)).await;
    }
    drop(approving);
    let (device_code, _) = start_device_sign_in(&office).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(office.graph().control().pending_user_codes().len(), 1);
    assert_eq!(
        poll_token(&office, &device_code).await,
        Err("authorization_pending".to_owned())
    );
    office.stop().await;
}

/// With OneHub: the PBX names it in its login config, OneHub knows the PBX's people under their
/// account ids and takes the PBX's OAuth tokens (the mapping dies with the session), and a call
/// shows on both. OneHub speaks TLS only, so it needs the PBX's certificate.
#[tokio::test]
async fn onehub_beside_the_pbx_takes_its_tokens_and_shows_its_calls() {
    assert!(matches!(
        Office::builder().colleagues(1).onehub().start().await,
        Err(simulators::office::OfficeError::OneHubNeedsTls)
    ));
    let office = Office::builder()
        .colleagues(2)
        .pbx_tls_self_signed()
        .unwrap()
        .onehub()
        .start()
        .await
        .unwrap();
    assert!(office.pbx_certificate_der().is_some());
    let hub = office.onehub().unwrap();
    // The test talks to its own loopback PBX; the certificate is made per run.
    let http = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap();
    let base = office.pbx().base_url();
    assert!(base.starts_with("https://"));
    let config: Value = http
        .get(format!("{base}/rpc/oauth/login-config"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        config["gRpcUrl"],
        json!(format!("grpcs://127.0.0.1:{}", hub.port()))
    );

    let colleague = &office.colleagues()[0];
    let account = office.account_id(&colleague.login).unwrap().to_string();
    assert_eq!(hub.user(&account).email, colleague.graph.mail);

    let token: Value = http
        .post(format!("{base}/auth/realms/pbx/oauth2/token"))
        .form(&[
            ("grant_type", "password"),
            ("client_id", "rest-client-headless"),
            ("client_secret", office.pbx().oauth_client_secret().as_str()),
            ("username", USER_LOGIN),
            ("password", office.password()),
            ("scope", "login"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let access = token["access_token"].as_str().expect("an access token");
    let me = office.account_id(USER_LOGIN).unwrap();
    assert_eq!(office.pbx().oauth_account_id(access), Some(me));
    assert_eq!(office.pbx().oauth_account_id("made-up"), None);
    office.pbx().revoke_oauth_sessions(USER_LOGIN);
    assert_eq!(office.pbx().oauth_account_id(access), None);

    let free = onehub_proto::presence::TelephonyState::Available as i32;
    let active = onehub_proto::presence::TelephonyState::Active as i32;
    assert_eq!(hub.user(&account).telephony, free);
    let call = office.start_call(&colleague.login);
    assert_eq!(hub.user(&account).telephony, active);
    office.end_call(&colleague.login, &call);
    assert_eq!(hub.user(&account).telephony, free);
    office.stop().await;
}
