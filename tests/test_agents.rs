//! `mem hook install|uninstall|run` for Claude Code, Codex CLI and Gemini
//! CLI: settings merged and restored byte for byte, every recorded payload
//! replayed and its answer checked against the client's output schema, a
//! whole session folded into one `session` observation, and failing open.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{fixture, git, TestEnv};

/// Each client, the directory its recorded payloads ran in, its settings
/// file under HOME, and its timeout as it spells it.
pub const CLIENTS: [(&str, &str, &str, u64); 3] = [
    ("claude-code", "/tmp/proj", ".claude/settings.json", 10),
    ("codex", "/tmp/xproj", ".codex/hooks.json", 10),
    ("gemini", "/tmp/gproj", ".gemini/settings.json", 10_000),
];

/// Events in session order, per client.
fn session_events(client: &str) -> &'static [&'static str] {
    match client {
        "claude-code" => &[
            "SessionStart",
            "UserPromptSubmit",
            "PostToolUse",
            "Stop",
            "SessionEnd",
        ],
        "codex" => &["SessionStart", "UserPromptSubmit", "PostToolUse", "Stop"],
        _ => &[
            "SessionStart",
            "BeforeAgent",
            "AfterTool",
            "AfterAgent",
            "SessionEnd",
        ],
    }
}

/// A git work tree whose origin makes it the project `github.com/acme/widgets`.
pub fn project(env: &TestEnv) -> PathBuf {
    let dir = env.cwd.path().join("widgets");
    std::fs::create_dir_all(&dir).unwrap();
    git(&dir, &["init", "-q"]);
    git(
        &dir,
        &[
            "remote",
            "add",
            "origin",
            "https://github.com/acme/widgets.git",
        ],
    );
    dir
}

/// A recorded payload with its project directory moved to `dir`.
pub fn payload(client: &str, recorded_in: &str, event: &str, dir: &Path) -> Vec<u8> {
    let text = std::fs::read_to_string(fixture(&format!("hooks/{client}/{event}.json"))).unwrap();
    text.replace(&format!("\"{recorded_in}"), &format!("\"{}", dir.display()))
        .replace(&format!(":{recorded_in}/"), &format!(":{}/", dir.display()))
        .into_bytes()
}

/// `mem hook run CLIENT EVENT` with `input` on stdin: exit 0 and one JSON
/// object on stdout, which is returned.
pub fn hook(
    env: &TestEnv,
    client: &str,
    event: &str,
    input: &[u8],
    extra_env: &[(&str, &str)],
) -> Value {
    let mut cmd = env.mem();
    cmd.args(["hook", "run", client, event])
        .write_stdin(input.to_vec());
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "hook run {client} {event}: {stderr}"
    );
    assert!(
        stderr.is_empty(),
        "hook run {client} {event} wrote to stderr: {stderr}"
    );
    assert_eq!(
        stdout.lines().count(),
        1,
        "stdout is one JSON line: {stdout}"
    );
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {stdout}"))
}

fn schema(client: &str) -> jsonschema::Validator {
    let text =
        std::fs::read_to_string(fixture(&format!("hooks/{client}/output.schema.json"))).unwrap();
    jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).unwrap()
}

pub fn assert_valid(client: &str, event: &str, output: &Value) {
    let errors: Vec<String> = schema(client)
        .iter_errors(output)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{client} {event}: {output} breaks the schema: {errors:?}"
    );
}

/// The user's own settings, written as the clients write them
/// (`JSON.stringify(…, null, 2)`), with a hook of their own on an event mem uses.
fn user_settings(client: &str) -> String {
    let event = session_events(client)[0];
    format!(
        "{{\n  \"model\": \"opus\",\n  \"permissions\": {{\n    \"allow\": [\n      \"Bash(ls:*)\"\n    ],\n    \"deny\": []\n  }},\n  \"hooks\": {{\n    \"{event}\": [\n      {{\n        \"hooks\": [\n          {{\n            \"type\": \"command\",\n            \"command\": \"echo hello from the user\"\n          }}\n        ]\n      }}\n    ]\n  }},\n  \"ünïcode\": \"kept — as is\"\n}}\n"
    )
}

#[test]
fn install_merges_and_uninstall_restores_each_clients_settings_byte_for_byte() {
    for (client, _, file, timeout) in CLIENTS {
        let env = TestEnv::new();
        let path = env.home.path().join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let original = user_settings(client);
        std::fs::write(&path, &original).unwrap();

        let out = env.ok(&["hook", "install", "--client", client]);
        assert!(out.contains(&path.display().to_string()), "{out}");
        let installed = std::fs::read_to_string(&path).unwrap();
        let v: Value = serde_json::from_str(&installed).unwrap();
        assert_eq!(v["model"], "opus");
        assert_eq!(v["permissions"]["allow"][0], "Bash(ls:*)");
        assert_eq!(v["ünïcode"], "kept — as is");
        for event in session_events(client) {
            let groups = v["hooks"][event]
                .as_array()
                .unwrap_or_else(|| panic!("{client}: no {event}"));
            let ours: Vec<&Value> = groups
                .iter()
                .flat_map(|g| g["hooks"].as_array().unwrap())
                .filter(|h| h["command"].as_str().unwrap().contains(" hook run "))
                .collect();
            assert_eq!(ours.len(), 1, "{client} {event}: {installed}");
            let command = ours[0]["command"].as_str().unwrap();
            assert!(
                command.ends_with(&format!(" hook run {client} {event}")),
                "{command}"
            );
            assert!(
                command.contains("MEM_HOME="),
                "the hook must find this MEM_HOME: {command}"
            );
            assert_eq!(ours[0]["type"], "command");
            assert_eq!(ours[0]["timeout"], timeout, "{client} {event}");
        }
        // The user's own hook is still there, first.
        let first = session_events(client)[0];
        assert_eq!(
            v["hooks"][first][0]["hooks"][0]["command"],
            "echo hello from the user"
        );
        if client == "claude-code" {
            assert_eq!(
                v["hooks"]["SessionStart"][1]["matcher"],
                "startup|resume|clear|compact"
            );
        }
        // The backup is the file as it was.
        let backup = path.with_file_name(format!(
            "{}.mem-backup",
            path.file_name().unwrap().to_str().unwrap()
        ));
        assert_eq!(std::fs::read_to_string(&backup).unwrap(), original);

        // Installing twice changes nothing.
        let again = env.ok(&["hook", "install", "--client", client]);
        assert!(again.contains("nothing to do"), "{again}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), installed);

        env.ok(&["hook", "uninstall", "--client", client]);
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            original,
            "{client}"
        );
        let none = env.ok(&["hook", "uninstall", "--client", client]);
        assert!(none.contains("nothing to do"), "{none}");
    }
}

#[test]
fn codex_install_says_hooks_need_trust() {
    let env = TestEnv::new();
    let out = env
        .mem()
        .args(["hook", "install", "--client", "codex"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("/hooks") && stderr.contains("Trust"),
        "{stderr}"
    );
    let v: Value = serde_json::from_str(
        &std::fs::read_to_string(env.home.path().join(".codex/hooks.json")).unwrap(),
    )
    .unwrap();
    assert!(
        v["hooks"]["SessionEnd"].is_null(),
        "Codex has no SessionEnd event"
    );
}

#[test]
fn dry_run_prints_the_diff_and_writes_nothing() {
    for (client, _, file, _) in CLIENTS {
        let env = TestEnv::new();
        let path = env.home.path().join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, user_settings(client)).unwrap();
        let out = env.ok(&["hook", "install", "--client", client, "--dry-run"]);
        assert!(out.contains(&format!("--- {}", path.display())), "{out}");
        let added: Vec<&str> = out
            .lines()
            .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
            .collect();
        assert!(
            added
                .iter()
                .any(|l| l.contains(&format!("hook run {client} "))),
            "{out}"
        );
        assert!(
            out.lines()
                .all(|l| !l.starts_with('-') || l.starts_with("---")),
            "only additions: {out}"
        );
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            user_settings(client)
        );
        assert!(!path.with_extension("json.mem-backup").exists());
        // And for uninstall after a real install.
        env.ok(&["hook", "install", "--client", client]);
        let installed = std::fs::read_to_string(&path).unwrap();
        let out = env.ok(&["hook", "uninstall", "--client", client, "--dry-run"]);
        assert!(
            out.lines()
                .any(|l| l.starts_with('-') && l.contains("hook run")),
            "{out}"
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), installed);
    }
}

#[test]
fn project_install_writes_the_repositorys_settings() {
    for (client, _, file, _) in CLIENTS {
        let env = TestEnv::new();
        let root = project(&env);
        let sub = root.join("src/deep");
        std::fs::create_dir_all(&sub).unwrap();
        let out = env
            .mem()
            .current_dir(&sub)
            .args(["hook", "install", "--client", client, "--project"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        // Shared through the repository: `mem` on PATH, no MEM_HOME of this machine.
        assert!(
            text.contains(&format!("\"mem hook run {client} ")),
            "{text}"
        );
        assert!(!text.contains("MEM_HOME"), "{text}");
        assert!(
            !env.home.path().join(file).exists(),
            "user-level settings untouched"
        );
    }
}

#[test]
fn broken_settings_are_refused_and_left_alone() {
    let env = TestEnv::new();
    let path = env.home.path().join(".claude/settings.json");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, "{ \"hooks\": [1, 2 }").unwrap();
    let err = env.fails(&["hook", "install", "--client", "claude-code"], 1);
    assert!(
        err.contains("settings.json") && err.contains("not valid JSON"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "{ \"hooks\": [1, 2 }"
    );
    std::fs::write(&path, "{\"hooks\": [1]}").unwrap();
    let err = env.fails(&["hook", "install", "--client", "claude-code"], 1);
    assert!(err.contains("`hooks` that is not an object"), "{err}");
    assert!(!path.with_file_name("settings.json.mem-backup").exists());
}

#[test]
fn every_recorded_payload_gets_an_answer_the_client_accepts() {
    for (client, recorded_in, _, _) in CLIENTS {
        let env = TestEnv::new();
        let dir = project(&env);
        env.mem()
            .current_dir(&dir)
            .args([
                "save",
                "Staging API listens on port 8443",
                "--kind",
                "decision",
            ])
            .assert()
            .success();
        for event in session_events(client) {
            let out = hook(
                &env,
                client,
                event,
                &payload(client, recorded_in, event, &dir),
                &[],
            );
            assert_valid(client, event, &out);
            if *event == "SessionStart" {
                let hso = &out["hookSpecificOutput"];
                assert_eq!(hso["hookEventName"], "SessionStart", "{out}");
                let ctx = hso["additionalContext"].as_str().unwrap();
                assert!(ctx.contains("Staging API listens on port 8443"), "{ctx}");
                assert!(ctx.contains("github.com/acme/widgets"), "{ctx}");
                assert!(!ctx.contains('<') && !ctx.contains('>'), "no tags: {ctx}");
            } else {
                assert_eq!(out, serde_json::json!({}), "{client} {event}");
            }
        }
        let log = env.home.path().join("logs/hooks.log");
        assert!(
            !log.exists(),
            "{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }
}

fn session_rows(env: &TestEnv, dir: &Path) -> Vec<Value> {
    let out = env
        .mem()
        .current_dir(dir)
        .args(["list", "--kind", "session", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    serde_json::from_slice::<Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn a_whole_session_leaves_one_session_observation_the_next_session_sees() {
    for (client, recorded_in, _, _) in CLIENTS {
        let env = TestEnv::new();
        env.ok(&["init"]);
        let dir = project(&env);
        for event in session_events(client) {
            hook(
                &env,
                client,
                event,
                &payload(client, recorded_in, event, &dir),
                &[],
            );
        }
        let rows = session_rows(&env, &dir);
        assert_eq!(rows.len(), 1, "{client}: {rows:?}");
        let id = rows[0]["id"].as_str().unwrap();
        let full = env.json(&["get", id, "--json"]);
        let body = full["body"].as_str().unwrap();
        assert!(
            body.contains("Write a note that the staging API uses port 8443"),
            "{body}"
        );
        assert!(
            body.contains("staging API listens on port 8443"),
            "last reply: {body}"
        );
        assert_eq!(full["project"], "github.com/acme/widgets");
        assert_eq!(full["agent"], client);
        assert_eq!(full["scope"], "user", "the default scope");
        if client != "codex" {
            // Codex's shell call names no file; the others name NOTES.md.
            assert_eq!(full["files"], serde_json::json!(["NOTES.md"]), "{client}");
            let spools: Vec<_> = std::fs::read_dir(env.home.path().join("sessions"))
                .unwrap()
                .collect();
            assert!(
                spools.is_empty(),
                "the spool is gone once the session ended"
            );
        } else {
            assert!(body.contains("Bash ×1"), "{body}");
        }
        // The next session starts with it.
        let start = payload(client, recorded_in, "SessionStart", &dir);
        let out = hook(&env, client, "SessionStart", &start, &[]);
        let ctx = out["hookSpecificOutput"]["additionalContext"]
            .as_str()
            .unwrap();
        assert!(
            ctx.contains("Session: Write a note that the staging API"),
            "{client}: {ctx}"
        );
        assert!(ctx.contains(&id[..12]), "short id for `mem get`: {ctx}");
    }
}

#[test]
fn a_codex_session_folded_at_every_turn_stays_one_observation() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    let dir = project(&env);
    let p = |e: &str| payload("codex", "/tmp/xproj", e, &dir);
    hook(
        &env,
        "codex",
        "UserPromptSubmit",
        &p("UserPromptSubmit"),
        &[],
    );
    hook(&env, "codex", "Stop", &p("Stop"), &[]);
    let second = String::from_utf8(p("UserPromptSubmit")).unwrap().replace(
        "Write a note that the staging API uses port 8443",
        "Now document the retry policy",
    );
    hook(&env, "codex", "UserPromptSubmit", second.as_bytes(), &[]);
    hook(&env, "codex", "PostToolUse", &p("PostToolUse"), &[]);
    hook(&env, "codex", "Stop", &p("Stop"), &[]);
    let rows = session_rows(&env, &dir);
    assert_eq!(rows.len(), 1, "{rows:?}");
    let body = env.json(&["get", rows[0]["id"].as_str().unwrap(), "--json"])["body"].clone();
    assert!(
        body.as_str()
            .unwrap()
            .contains("Now document the retry policy"),
        "{body}"
    );
}

#[test]
fn gemini_prompts_lose_the_context_gemini_prepended() {
    // Gemini CLI -p puts the session-start context in front of the prompt
    // (seen with the real client): the session records what the user typed.
    let env = TestEnv::new();
    env.ok(&["init"]);
    let dir = project(&env);
    let p = |e: &str| payload("gemini", "/tmp/gproj", e, &dir);
    let wrapped = String::from_utf8(p("BeforeAgent")).unwrap().replace(
        "\"prompt\":\"Write a note",
        "\"prompt\":\"<hook_context># Memories from mem\\n- old note\\n</hook_context>\\n\\nWrite a note",
    );
    assert!(wrapped.contains("<hook_context>"), "{wrapped}");
    hook(&env, "gemini", "BeforeAgent", wrapped.as_bytes(), &[]);
    hook(&env, "gemini", "SessionEnd", &p("SessionEnd"), &[]);
    let rows = session_rows(&env, &dir);
    assert_eq!(
        rows[0]["title"],
        "Session: Write a note that the staging API uses port 8443"
    );
    let body = env.json(&["get", rows[0]["id"].as_str().unwrap(), "--json"])["body"].clone();
    assert!(!body.as_str().unwrap().contains("old note"), "{body}");
}

#[test]
fn session_text_is_private_stripped_and_secrets_redacted() {
    let env = TestEnv::new();
    env.ok(&["init", "--encrypt"]);
    let dir = project(&env);
    let p = |e: &str| payload("claude-code", "/tmp/proj", e, &dir);
    let prompt = String::from_utf8(p("UserPromptSubmit")).unwrap().replace(
        "Write a note that the staging API uses port 8443",
        "Deploy with key AKIAIOSFODNN7EXAMPLE <private>my password is hunter2</private> today",
    );
    hook(
        &env,
        "claude-code",
        "UserPromptSubmit",
        prompt.as_bytes(),
        &[],
    );
    let spool = std::fs::read_dir(env.home.path().join("sessions"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let spooled = std::fs::read_to_string(&spool).unwrap();
    assert!(
        !spooled.contains("hunter2") && !spooled.contains("AKIAIOSFODNN7EXAMPLE"),
        "{spooled}"
    );
    hook(&env, "claude-code", "SessionEnd", &p("SessionEnd"), &[]);
    let rows = session_rows(&env, &dir);
    let body = env.json(&["get", rows[0]["id"].as_str().unwrap(), "--json"])["body"].clone();
    let body = body.as_str().unwrap();
    assert!(body.contains("Deploy with key [REDACTED:"), "{body}");
    assert!(
        !body.contains("hunter2") && !body.contains("AKIAIOSFODNN7EXAMPLE"),
        "{body}"
    );
}

#[test]
fn hooks_fail_open() {
    let env = TestEnv::new();
    let dir = project(&env);
    // MEM_HOME is a file: nothing can be read or written, every event still answers.
    let broken = env.cwd.path().join("not-a-dir");
    std::fs::write(&broken, "x").unwrap();
    let broken = broken.to_str().unwrap();
    for (client, recorded_in, _, _) in CLIENTS {
        for event in session_events(client) {
            let out = hook(
                &env,
                client,
                event,
                &payload(client, recorded_in, event, &dir),
                &[("MEM_HOME", broken)],
            );
            assert_valid(client, event, &out);
        }
    }
    assert_eq!(std::fs::read_to_string(broken).unwrap(), "x");

    // Not JSON, an unknown client: `{}` and a log line each.
    env.ok(&["init"]);
    let out = hook(&env, "gemini", "AfterTool", b"tool output, not JSON", &[]);
    assert_eq!(out, serde_json::json!({}));
    let out = hook(&env, "vscode", "Stop", b"{}", &[]);
    assert_eq!(out, serde_json::json!({}));
    let log = std::fs::read_to_string(env.home.path().join("logs/hooks.log")).unwrap();
    assert!(
        log.contains("gemini AfterTool: the payload on stdin is not a JSON object"),
        "{log}"
    );
    assert!(
        log.contains("vscode Stop: is not a client mem knows"),
        "{log}"
    );

    // A stall is cut off at the deadline; a panic prints nothing.
    let started = Instant::now();
    let start = payload("claude-code", "/tmp/proj", "SessionStart", &dir);
    let out = hook(
        &env,
        "claude-code",
        "SessionStart",
        &start,
        &[
            ("MEM_FAILPOINT", "hook-stall"),
            ("MEM_HOOK_DEADLINE_MS", "300"),
        ],
    );
    assert_eq!(out, serde_json::json!({}));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let out = hook(
        &env,
        "codex",
        "Stop",
        b"{}",
        &[("MEM_FAILPOINT", "hook-panic")],
    );
    assert_eq!(out, serde_json::json!({}));
    let log = std::fs::read_to_string(env.home.path().join("logs/hooks.log")).unwrap();
    assert!(
        log.contains("claude-code SessionStart: gave up after"),
        "{log}"
    );
    assert!(log.contains("codex Stop: internal error"), "{log}");
}

#[test]
fn nothing_is_created_when_mem_is_not_set_up() {
    let env = TestEnv::new();
    let dir = project(&env);
    for event in session_events("gemini") {
        hook(
            &env,
            "gemini",
            event,
            &payload("gemini", "/tmp/gproj", event, &dir),
            &[],
        );
    }
    assert!(!env.home.path().join("scopes").exists());
    let log = std::fs::read_to_string(env.home.path().join("logs/hooks.log")).unwrap();
    assert!(log.contains("mem is not set up (run `mem init`)"), "{log}");
}

#[test]
fn mcp_registration_is_merged_kept_idempotent_and_removed() {
    let env = TestEnv::new();
    let home = env.home.path();
    // Claude Code: ~/.claude.json, which holds much else.
    std::fs::write(home.join(".claude.json"), "{\n  \"numStartups\": 3,\n  \"mcpServers\": {\n    \"github\": {\n      \"command\": \"gh-mcp\"\n    }\n  }\n}\n").unwrap();
    // Codex: config.toml with comments.
    std::fs::create_dir_all(home.join(".codex")).unwrap();
    let toml = "# my codex settings\nmodel = \"o3\"  # fast one\n";
    std::fs::write(home.join(".codex/config.toml"), toml).unwrap();
    for (client, _, _, _) in CLIENTS {
        env.ok(&["hook", "install", "--client", client, "--mcp"]);
        let again = env.ok(&["hook", "install", "--client", client, "--mcp"]);
        assert!(again.contains("nothing to do"), "{client}: {again}");
    }
    let claude: Value =
        serde_json::from_str(&std::fs::read_to_string(home.join(".claude.json")).unwrap()).unwrap();
    assert_eq!(claude["numStartups"], 3);
    assert_eq!(claude["mcpServers"]["github"]["command"], "gh-mcp");
    let server = &claude["mcpServers"]["kioku-mesh"];
    assert!(
        server["command"].as_str().unwrap().ends_with("/mem"),
        "{server}"
    );
    assert_eq!(server["args"], serde_json::json!(["mcp"]));
    assert_eq!(server["env"]["MEM_HOME"], home.to_str().unwrap());
    let codex = std::fs::read_to_string(home.join(".codex/config.toml")).unwrap();
    assert!(codex.starts_with(toml), "{codex}");
    assert!(
        codex.contains("[mcp_servers.kioku-mesh]") && codex.contains("args = [\"mcp\"]"),
        "{codex}"
    );
    let gemini: Value =
        serde_json::from_str(&std::fs::read_to_string(home.join(".gemini/settings.json")).unwrap())
            .unwrap();
    assert_eq!(
        gemini["mcpServers"]["kioku-mesh"]["args"],
        serde_json::json!(["mcp"])
    );
    assert!(gemini["hooks"]["AfterTool"].is_array());

    for (client, _, _, _) in CLIENTS {
        env.ok(&["hook", "uninstall", "--client", client]);
    }
    assert_eq!(
        std::fs::read_to_string(home.join(".claude.json")).unwrap(),
        "{\n  \"numStartups\": 3,\n  \"mcpServers\": {\n    \"github\": {\n      \"command\": \"gh-mcp\"\n    }\n  }\n}\n"
    );
    assert_eq!(
        std::fs::read_to_string(home.join(".codex/config.toml")).unwrap(),
        toml
    );
    // mem created Gemini's settings: uninstalling removes them, backup and all.
    assert!(!home.join(".gemini").exists());

    // Another program registered under the name is not replaced.
    let theirs =
        "{\"mcpServers\": {\"kioku-mesh\": {\"command\": \"uvx\", \"args\": [\"kioku-mesh\"]}}}";
    std::fs::write(home.join(".claude.json"), theirs).unwrap();
    let err = env.fails(&["hook", "install", "--client", "claude-code", "--mcp"], 1);
    assert!(
        err.contains("another program") && err.contains("uvx"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(home.join(".claude.json")).unwrap(),
        theirs
    );
}

#[test]
fn doctor_reports_hooks_per_client_and_flags_incomplete_ones() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    env.ok(&["hook", "install", "--client", "gemini"]);
    let v = env.json(&["doctor", "--json"]);
    let agents = v["agents"].as_array().unwrap();
    let state =
        |name: &str| agents.iter().find(|a| a["client"] == name).unwrap()["installed"].clone();
    assert_eq!(state("gemini"), true, "{v}");
    assert_eq!(state("claude-code"), false, "{v}");
    // A hand edit drops one of mem's events: doctor says which and how to fix it.
    let path = env.home.path().join(".gemini/settings.json");
    let mut settings: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    settings["hooks"]
        .as_object_mut()
        .unwrap()
        .remove("AfterTool");
    std::fs::write(&path, settings.to_string()).unwrap();
    let out = env.output(&["doctor"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("lack AfterTool")
            && stdout.contains("fix: mem hook install --client gemini"),
        "{stdout}"
    );
    env.ok(&["hook", "install", "--client", "gemini"]);
    env.ok(&["doctor"]);
}
