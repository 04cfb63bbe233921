//! `mem hook run CLIENT EVENT`: fails open. Whatever goes wrong — a broken
//! `MEM_HOME`, a bad payload, a panic, a stall — it prints valid JSON for the
//! client, exits 0 before the client's timeout, and leaves one line in
//! `<data dir>/logs/hooks.log`.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use kioku_mesh::agent::{run as agent_run, Client};
use kioku_mesh::paths::Paths;

use crate::cli::Ui;

/// The log is rotated to `hooks.log.1` past this many bytes.
const MAX_LOG_BYTES: u64 = 1 << 20;

pub fn run(ui: &mut Ui, client_name: &str, event: &str) -> anyhow::Result<()> {
    let started = Instant::now();
    let paths = Paths::from_env().ok();
    let Some(client) = Client::parse(client_name) else {
        log(
            paths.as_ref(),
            client_name,
            event,
            "is not a client mem knows (claude-code, codex, gemini): reinstall the hook with `mem hook install`",
        );
        ui.line("{}")?;
        return Ok(());
    };
    let deadline = std::env::var("MEM_HOOK_DEADLINE_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map(Duration::from_millis)
        .unwrap_or_else(|| client.deadline());
    // A panic must not print a backtrace into the client's stdout/stderr.
    std::panic::set_hook(Box::new(|_| {}));
    let (tx, rx) = mpsc::channel();
    let worker_paths = paths.clone();
    let event_name = event.to_owned();
    std::thread::spawn(move || {
        let result = std::panic::catch_unwind(|| work(worker_paths, client, &event_name));
        let _ = tx.send(result);
    });
    let fallback = client.output(event, None);
    let output = match rx.recv_timeout(deadline) {
        Ok(Ok(Ok(answer))) => {
            for note in &answer.notes {
                log(paths.as_ref(), client_name, event, note);
            }
            answer.output
        }
        Ok(Ok(Err(e))) => {
            log(paths.as_ref(), client_name, event, &format!("{e:#}"));
            fallback
        }
        Ok(Err(panic)) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            log(
                paths.as_ref(),
                client_name,
                event,
                &format!("internal error (a bug in mem; please report it): {what}"),
            );
            fallback
        }
        Err(_) => {
            log(
                paths.as_ref(),
                client_name,
                event,
                &format!(
                    "gave up after {} ms so the client does not time out; nothing was recorded for this event",
                    started.elapsed().as_millis()
                ),
            );
            fallback
        }
    };
    ui.line(serde_json::to_string(&output).unwrap_or_else(|_| "{}".into()))?;
    ui.flush()?;
    Ok(())
}

/// Read the payload and handle it (on the worker thread).
fn work(paths: Option<Paths>, client: Client, event: &str) -> anyhow::Result<agent_run::Answer> {
    if std::env::var_os("MEM_FAILPOINT").is_some_and(|v| v == "hook-stall") {
        std::thread::sleep(Duration::from_secs(3600));
    }
    if std::env::var_os("MEM_FAILPOINT").is_some_and(|v| v == "hook-panic") {
        panic!("hook-panic failpoint");
    }
    let paths = paths.ok_or_else(|| {
        anyhow::anyhow!("cannot find a home directory: set MEM_HOME for the client's hooks")
    })?;
    let mut input = Vec::new();
    std::io::stdin()
        .take(kioku_mesh::agent::payload::MAX_PAYLOAD_BYTES as u64)
        .read_to_end(&mut input)
        .map_err(|e| anyhow::anyhow!("cannot read the payload on stdin: {e}"))?;
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    Ok(agent_run::handle(&paths, client, event, &input, &cwd)?)
}

/// Append one line to the hook log; a log that cannot be written is
/// dropped silently (stdout belongs to the client, and stderr shows up in
/// its UI).
fn log(paths: Option<&Paths>, client: &str, event: &str, message: &str) {
    let Some(paths) = paths else { return };
    let dir = paths.data_dir().join("logs");
    let _ = write_log(&dir, client, event, message);
}

fn write_log(dir: &Path, client: &str, event: &str, message: &str) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join("hooks.log");
    if std::fs::metadata(&path).is_ok_and(|m| m.len() > MAX_LOG_BYTES) {
        std::fs::rename(&path, dir.join("hooks.log.1"))?;
    }
    let line = format!(
        "{} {client} {event}: {}\n",
        jiff::Timestamp::now()
            .round(jiff::Unit::Second)
            .unwrap_or_else(|_| jiff::Timestamp::now()),
        message.replace('\n', " ")
    );
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?
        .write_all(line.as_bytes())
}
