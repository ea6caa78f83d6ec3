//! The servers for `benches/app-figures.py`'s "configured" runs: the simulated office in its own
//! process (so its CPU and memory are not counted as the app's), a settings file that points
//! the app at it, and the office's user approving every device-code sign-in (for
//! `presence-bridge login microsoft --device-code`).
//!
//! `cargo run --release -p soak --bin figure-servers -- --config FILE [--poll-secs 10]
//! [--debounce-secs 3] [--colleagues 25]`
//!
//! Prints `ready` once the file is written; runs until stdin is closed.

use std::io::Read;
use std::path::PathBuf;

use simulators::graph::DEFAULT_CLIENT_ID;
use simulators::office::Office;
use soak::{LOGIN, PBX_PASSWORD};

struct Args {
    config: PathBuf,
    poll_secs: u64,
    debounce_secs: u64,
    colleagues: usize,
}

fn args() -> Result<Args, String> {
    let mut config = None;
    let mut poll_secs = 10;
    let mut debounce_secs = 3;
    let mut colleagues = 25;
    let raw: Vec<String> = std::env::args().skip(1).collect();
    for pair in raw.chunks(2) {
        let value = pair
            .get(1)
            .ok_or_else(|| format!("{} needs a value", pair[0]))?;
        let number = || {
            value
                .parse::<u64>()
                .map_err(|_| format!("{}: not a number: {value}", pair[0]))
        };
        match pair[0].as_str() {
            "--config" => config = Some(PathBuf::from(value)),
            "--poll-secs" => poll_secs = number()?,
            "--debounce-secs" => debounce_secs = number()?,
            "--colleagues" => colleagues = number()? as usize,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(Args {
        config: config.ok_or("--config FILE is required")?,
        poll_secs,
        debounce_secs,
        colleagues,
    })
}

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() -> Result<(), String> {
    let args = args()?;
    let office = Office::builder()
        .colleagues(args.colleagues)
        .device_code_interval(1)
        .password(PBX_PASSWORD)
        .start()
        .await
        .map_err(|e| e.to_string())?;
    let (graph, pbx) = (office.graph(), office.pbx());
    // The favourites are watched whatever `/me/people` answers, so the app polls a known number
    // of colleagues.
    let favourites = office
        .colleagues()
        .iter()
        .take(args.colleagues)
        .map(|person| format!("{:?}", person.graph.mail))
        .collect::<Vec<_>>()
        .join(", ");
    let config = format!(
        "[microsoft]\nclient_id = \"{DEFAULT_CLIENT_ID}\"\nauthority = \"{}\"\ngraph_base = \"{}\"\n\n\
         [starface]\nurl = \"{}\"\nlogin = \"{LOGIN}\"\nallow_insecure_http = true\nxmpp_enabled = false\n\n\
         [sync]\npoll_interval_secs = {}\ndebounce_secs = {}\n\n\
         [ui]\nlanguage = \"en\"\nfavourites = [{favourites}]\n",
        graph.base_url(),
        graph.graph_url(),
        pbx.base_url(),
        args.poll_secs,
        args.debounce_secs,
    );
    std::fs::write(&args.config, config).map_err(|e| format!("{}: {e}", args.config.display()))?;

    let approving = office.approver().keep_approving();
    println!("ready");
    // Ends when the figures script closes our stdin (or dies).
    tokio::task::spawn_blocking(|| {
        let mut sink = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut sink);
    })
    .await
    .map_err(|e| e.to_string())?;
    drop(approving);
    office.stop().await;
    Ok(())
}
