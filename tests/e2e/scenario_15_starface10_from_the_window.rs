//! Scenario 15: moving to a STARFACE 10 whose admin switched the classic login off, from the
//! window alone. A second PBX (OAuth only, its own self-signed certificate) joins the world; the
//! user types its address into Settings. The window shows that the PBX presents another
//! certificate than the pinned one (fingerprint, subject, validity: the connection is blocked),
//! the user trusts it, and the stored password is not sent there (it belongs to the first PBX):
//! the window asks for it, then for the OAuth client secret, and the sync runs on OAuth. Neither
//! secret reaches a log file, the journal or the settings file. At the end the world goes back
//! to the first PBX, which asks for its password again (the keychain now holds the new one).

use serde_json::{json, Value};
use simulators::starface::{Organisation, SimSettings, StarfaceSimulator, OAUTH_TOKEN_PATH};
use starface_client::CertificatePin;

use crate::harness::{wait_for, World, LOGIN, PASSWORD, WAIT};
use crate::strings::{s, tr, translations};

/// Distinctive, so the scan for them cannot match the app's own words.
const NEW_PASSWORD: &str = "Pw-e2e-4kq7-starface10";
const CLIENT_SECRET: &str = "Cs-e2e-91zd-rest-api";
const SUBJECT: &str = "STARFACE 10 Test-PBX";

/// The second PBX, serving a self-signed certificate with a name a person can recognise.
async fn oauth_only_pbx(world: &World) -> (StarfaceSimulator, CertificatePin) {
    let mut params =
        rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, SUBJECT);
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    let pbx = StarfaceSimulator::start_tls(
        Organisation::new(world.pbx().users()),
        SimSettings {
            oauth_client_secret: CLIENT_SECRET.into(),
            ..SimSettings::starface_10_oauth_only()
        },
        &cert.pem(),
        &key.serialize_pem(),
    )
    .await
    .unwrap();
    pbx.set_password(LOGIN, NEW_PASSWORD);
    (pbx, CertificatePin::of_certificate(cert.der()))
}

/// Types `value` into the text field `id` and leaves it, as a person does.
async fn type_into(world: &World, id: &str, value: &str) {
    world
        .js(&format!(
            "const f = document.getElementById({id}); f.value = {value}; \
             f.dispatchEvent(new Event('input')); f.dispatchEvent(new Event('blur'));",
            id = json!(id),
            value = json!(value)
        ))
        .await
        .unwrap();
}

/// Types a secret into the password field `id` and presses Enter.
async fn enter_secret(world: &World, id: &str, value: &str) {
    world
        .js(&format!(
            "const f = document.getElementById({id}); f.value = {value}; \
             f.dispatchEvent(new KeyboardEvent('keydown', {{key: 'Enter', bubbles: true}}));",
            id = json!(id),
            value = json!(value)
        ))
        .await
        .unwrap();
}

/// The text of `css`, or "" while there is no such element.
async fn text_of(world: &World, css: &str) -> String {
    world
        .js(&format!(
            "const el = document.querySelector({}); return el ? el.textContent : ''",
            json!(css)
        ))
        .await
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Scrolls the settings so that `css` is near the top, for a screenshot that shows it.
async fn scroll_to(world: &World, css: &str) {
    world
        .js(&format!(
            "const sc = document.querySelector('#screen-settings .screen__scroll');              const el = document.querySelector({});              if (sc && el) sc.scrollTop += el.getBoundingClientRect().top - sc.getBoundingClientRect().top - 110;",
            json!(css)
        ))
        .await
        .unwrap();
}

async fn starface_account(world: &World) -> Value {
    world.state().await["accounts"]["starface"].clone()
}

/// Waits until the STARFACE account asks for `secret` because of `need`.
async fn wait_for_need(world: &World, secret: &str, need: &str) -> Value {
    let what = format!("the window to ask for the {secret} ({need})");
    wait_for(&what, WAIT, || async move {
        let account = starface_account(world).await;
        (s(&account, "state") == "sign_in_needed"
            && s(&account, "needs.secret") == secret
            && s(&account, "needs.need") == need)
            .then(|| account.clone())
            .ok_or(account.to_string())
    })
    .await
}

pub async fn starface10_from_the_window(world: &World) {
    let original_config = std::fs::read_to_string(&world.config).unwrap();
    let lang = world
        .js("return document.documentElement.lang")
        .await
        .unwrap()
        .as_str()
        .unwrap_or("en")
        .to_owned();
    let strings = &translations(&lang);
    let control = world.graph().control();
    let (pbx10, pin10) = oauth_only_pbx(world).await;
    let url10 = pbx10.base_url();

    // The user enters the new PBX's address.
    world.navigate("settings").await;
    type_into(world, "f-starface-url", &url10).await;
    let url10 = &url10;
    wait_for("the new URL saved", WAIT, || async move {
        let file = std::fs::read_to_string(&world.config).unwrap_or_default();
        file.contains(url10.as_str()).then_some(()).ok_or(file)
    })
    .await;

    // The pinned certificate is the first PBX's: the connection is blocked, and the window shows
    // what the new one presents, never "presents the pinned certificate".
    let pin10_text = pin10.to_string();
    let blocked = tr(strings, "settings.certificate.changed");
    wait_for("the changed certificate in the window", WAIT, || async {
        let presented = text_of(world, "#certificate-presented").await;
        let verdict = text_of(world, "#certificate-verdict").await;
        (presented == pin10_text && verdict == blocked)
            .then_some(())
            .ok_or(format!("{presented} / {verdict}"))
    })
    .await;
    let subject = world.text("#certificate-subject").await;
    assert!(subject.contains(SUBJECT), "{subject}");
    let validity = world.text("#certificate-validity").await;
    assert!(!validity.is_empty(), "validity shown");
    let certificate = starface_account(world).await["certificate"].clone();
    assert_eq!(s(&certificate, "trusted"), &json!(false), "{certificate}");
    assert!(
        s(&certificate, "not_before").as_u64() < s(&certificate, "not_after").as_u64(),
        "{certificate}"
    );
    // Meanwhile the stored password is not sent there: it belongs to the first PBX.
    let first_url = world.pbx().base_url();
    let account = wait_for_need(world, "password", "stored_for_another_server").await;
    assert_eq!(
        s(&account, "needs.stored_for"),
        &json!(format!("{LOGIN} at {first_url}"))
    );
    scroll_to(world, "#settings-certificate").await;
    world
        .screenshot(&format!("15-certificate-changed-{lang}"))
        .await;
    assert!(
        pbx10.request_log().is_empty(),
        "only TLS handshakes so far: {:?}",
        pbx10.request_log().entries()
    );

    // Trust it: pinned in the settings file.
    world.click("#certificate-trust").await;
    wait_for("the new certificate pinned", WAIT, || async {
        let file = std::fs::read_to_string(&world.config).unwrap_or_default();
        file.contains(&pin10_text).then_some(()).ok_or(file)
    })
    .await;

    // Trusted now, but the stored password still belongs to the first PBX: the window asks.
    wait_for("the certificate trusted", WAIT, || async {
        let certificate = starface_account(world).await["certificate"].clone();
        (s(&certificate, "trusted") == &json!(true)
            && s(&certificate, "fingerprint") == &json!(pin10_text))
            .then_some(())
            .ok_or(certificate.to_string())
    })
    .await;
    wait_for_need(world, "password", "stored_for_another_server").await;
    let warnings = world.state().await["warnings"].to_string();
    assert!(warnings.contains("starface_secret_needed"), "{warnings}");
    let sign_in_needed = tr(strings, "settings.starface.state.sign_in_needed");
    wait_for("the tray to ask for the sign-in", WAIT, || async {
        let tray = world.tray();
        (tray.starts_with("icon=Error") && tray.contains(&sign_in_needed))
            .then_some(())
            .ok_or(tray)
    })
    .await;
    scroll_to(world, "#f-starface-url").await;
    world
        .screenshot(&format!("15-password-needed-{lang}"))
        .await;
    assert!(
        pbx10
            .request_log()
            .entries()
            .iter()
            .all(|r| r.method != "POST"),
        "a login reached the new PBX: {:?}",
        pbx10.request_log().entries()
    );

    // The password: the PBX only signs in with OAuth, so the window asks for the client secret.
    control.set_presence(world.me.id, "Available", "Available");
    enter_secret(world, "f-starface-password", NEW_PASSWORD).await;
    wait_for_need(world, "client_secret", "classic_login_disabled").await;
    scroll_to(world, "#f-starface-url").await;
    world
        .screenshot(&format!("15-client-secret-needed-{lang}"))
        .await;

    // The client secret: the sync runs on OAuth.
    enter_secret(world, "f-starface-client-secret", CLIENT_SECRET).await;
    wait_for("STARFACE connected over OAuth", WAIT, || async {
        let account = starface_account(world).await;
        (s(&account, "state") == "connected")
            .then_some(())
            .ok_or(account.to_string())
    })
    .await;
    control.set_presence(world.me.id, "DoNotDisturb", "DoNotDisturb");
    let pbx10 = &pbx10;
    wait_for("DND on in the new PBX", WAIT, || async move {
        pbx10
            .phone_config(LOGIN)
            .do_not_disturb
            .then_some(())
            .ok_or(world.diagnostics("starface"))
    })
    .await;
    let log = pbx10.request_log().entries();
    assert!(log
        .iter()
        .any(|r| r.method == "POST" && r.path == OAUTH_TOKEN_PATH && r.status == 200));
    assert!(
        log.iter().all(|r| r.header("authtoken").is_none()),
        "nothing signed in the classic way"
    );
    assert!(log.iter().any(|r| r
        .header("authorization")
        .is_some_and(|a| a.starts_with("Bearer "))));
    control.set_presence(world.me.id, "Available", "Available");
    let settings = world.invoke("get_settings", json!({})).await;
    assert_eq!(s(&settings, "secrets.starface_password"), &json!(true));
    assert_eq!(s(&settings, "secrets.starface_client_secret"), &json!(true));
    scroll_to(world, "#f-starface-url").await;
    world.screenshot(&format!("15-connected-{lang}")).await;

    // Neither secret in a log file, the journal, the settings file or what the window got.
    for (path, contents) in files_written(world) {
        for secret in [NEW_PASSWORD, CLIENT_SECRET] {
            assert!(!contents.contains(secret), "{secret} is in {path}");
        }
    }
    let seen = format!("{}{}", world.state().await, settings);
    for secret in [NEW_PASSWORD, CLIENT_SECRET] {
        assert!(!seen.contains(secret), "{secret} reached the window");
    }

    // Back to the first PBX (the file as it was): its password is asked for again, since the
    // keychain now keeps the new PBX's.
    std::fs::write(&world.config, original_config).unwrap();
    wait_for_need(world, "password", "stored_for_another_server").await;
    world.navigate("settings").await;
    enter_secret(world, "f-starface-password", PASSWORD).await;
    wait_for("the first PBX connected again", WAIT, || async {
        let account = starface_account(world).await;
        (s(&account, "state") == "connected")
            .then_some(())
            .ok_or(account.to_string())
    })
    .await;
}

/// Every file under the session's home except the keyring's own (encrypted) ones: settings,
/// logs, the journal, the test hooks' files.
fn files_written(world: &World) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut dirs = vec![world.session.home().to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                if !path.ends_with("keyrings") {
                    dirs.push(path);
                }
            } else if let Ok(bytes) = std::fs::read(&path) {
                found.push((
                    path.display().to_string(),
                    String::from_utf8_lossy(&bytes).into_owned(),
                ));
            }
        }
    }
    assert!(
        found.iter().any(|(path, _)| path.ends_with("journal.log")),
        "the journal is among the files"
    );
    found
}
