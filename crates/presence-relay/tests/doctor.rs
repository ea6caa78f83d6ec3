//! `presence-relay doctor` and the binary's command line, against a real TLS `nats-server` and
//! the Graph simulator, with secrets in files only the service user may read.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use presence_relay::doctor::{self, Outcome};
use presence_relay::{Relay, RelayConfig, Role};
use simulators::graph::{DEFAULT_TENANT_ID, RELAY_CLIENT_ID};
use support::nats::{NatsCluster, RELAY_PASSWORD};
use support::*;

fn private_file(path: &Path, text: &str, mode: u32) {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn write_config(
    dir: &Path,
    nats: &NatsCluster,
    sim: &simulators::graph::GraphSimulator,
) -> std::path::PathBuf {
    private_file(
        &dir.join("client-secret"),
        &format!("{APP_SECRET}\n"),
        0o600,
    );
    private_file(&dir.join("nats-password"), RELAY_PASSWORD, 0o600);
    let servers: Vec<String> = nats.urls().iter().map(|u| format!("\"{u}\"")).collect();
    let config = format!(
        r#"
[microsoft]
tenant = "{DEFAULT_TENANT_ID}"
client_id = "{RELAY_CLIENT_ID}"
client_secret_file = "{dir}/client-secret"
authority = "{authority}"
graph = "{graph}"

[nats]
servers = [{servers}]
user = "relay"
password_file = "{dir}/nats-password"
ca_file = "{ca}"
replicas = 1
"#,
        dir = dir.display(),
        authority = sim.base_url(),
        graph = sim.graph_url(),
        servers = servers.join(", "),
        ca = nats.ca_file.display(),
    );
    let path = dir.join("relay.toml");
    std::fs::write(&path, config).unwrap();
    path
}

fn outcome<'a>(checks: &'a [doctor::Check], name: &str) -> &'a Outcome {
    &checks
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no check {name}"))
        .outcome
}

// Multi-threaded: the simulator and the relay must keep answering while the test waits for
// the binary.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_checks_every_link_and_refuses_a_readable_secret_file() {
    let nats = NatsCluster::start(1).await;
    let sim = graph_simulator(20).await;
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path(), &nats, &sim);
    let config = RelayConfig::load(&path).unwrap();
    let no_keychain = || -> std::sync::Arc<dyn keychain::SecretStore> {
        std::sync::Arc::new(keychain::MemoryStore::new())
    };

    // Before any relay ran: everything answers, the bucket does not exist yet.
    let checks = doctor::run(&config, &no_keychain).await;
    for name in [
        "secrets",
        "Entra sign-in",
        "Graph directory",
        "Graph presence",
        "NATS",
    ] {
        assert!(
            matches!(outcome(&checks, name), Outcome::Ok(_)),
            "{}",
            doctor::render(&checks)
        );
    }
    assert!(matches!(outcome(&checks, "bucket"), Outcome::Warning(_)));

    // With a relay polling: the bucket and the lease are fine.
    let mut relay = RunningRelay::start(Relay::new(
        app_graph(&sim),
        nats.relay_connection(),
        settings("relay-a", 1),
    ));
    relay
        .wait_for_role(Role::Leader, Duration::from_secs(20))
        .await;
    relay.wait_for_cycles(1, Duration::from_secs(20)).await;
    let checks = doctor::run(&config, &no_keychain).await;
    assert!(doctor::all_passed(&checks), "{}", doctor::render(&checks));
    let rendered = doctor::render(&checks);
    assert!(rendered.contains("held by relay-a"), "{rendered}");
    assert!(!rendered.contains(APP_SECRET) && !rendered.contains(RELAY_PASSWORD));

    // The binary says the same, with exit code 0.
    let output = Command::new(env!("CARGO_BIN_EXE_presence-relay"))
        .arg("doctor")
        .arg("--config")
        .arg(&path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("[ok  ] Graph presence"), "{stdout}");

    // A secret file others can read is refused, naming the key and the fix.
    std::fs::set_permissions(
        dir.path().join("nats-password"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let checks = doctor::run(&config, &no_keychain).await;
    match outcome(&checks, "secrets") {
        Outcome::Failed(reason) => assert!(
            reason.contains("nats.password") && reason.contains("chmod 600"),
            "{reason}"
        ),
        other => panic!("expected a failure, got {other:?}"),
    }
    assert!(!doctor::all_passed(&checks));
    let output = Command::new(env!("CARGO_BIN_EXE_presence-relay"))
        .args(["run", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "the relay refuses to start");
    assert!(String::from_utf8_lossy(&output.stderr).contains("0644"));
    relay.stop().await;
}

#[test]
fn help_and_a_broken_config_file() {
    let output = Command::new(env!("CARGO_BIN_EXE_presence-relay"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success());
    for word in ["run", "doctor", "check-config", "--config", "RELAY.md"] {
        assert!(help.contains(word), "--help lacks {word}:\n{help}");
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("relay.toml");
    std::fs::write(
        &path,
        "[microsoft]\ntenant = \"common\"\nclient_id = \"x\"\n",
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_presence-relay"))
        .args(["check-config", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("relay.toml") && stderr.contains("nats"),
        "{stderr}"
    );
}
