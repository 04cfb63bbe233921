//! Agent hooks over a settings file's whole life: installing into files
//! that did not exist and uninstalling again leaves nothing behind (no file,
//! no backup of mem's own entries), a file that existed comes back byte for
//! byte; Gemini's trusted MCP server; and Claude Code's compaction, from
//! recorded `PreCompact` and `SessionStart` (source `compact`) payloads.

use serde_json::Value;

use crate::common::TestEnv;
use crate::test_agents::{assert_valid, hook, payload, project};

/// Every file and directory under `dir`, relative, sorted.
fn tree(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            out.push(p.strip_prefix(dir).unwrap().display().to_string());
            if p.is_dir() {
                stack.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn install_into_missing_settings_then_uninstall_leaves_nothing_behind() {
    for client in ["claude-code", "codex", "gemini"] {
        let env = TestEnv::new();
        env.ok(&["init"]);
        let before = tree(env.home.path());
        env.ok(&["hook", "install", "--client", client]);
        // A second install (now with the MCP server) changes a file mem made.
        env.ok(&["hook", "install", "--client", client, "--mcp"]);
        let installed = tree(env.home.path());
        assert!(installed.len() > before.len(), "{client}: {installed:?}");
        assert!(
            !installed.iter().any(|p| p.ends_with(".mem-backup")),
            "{client}: a backup of mem's own entries: {installed:?}"
        );
        // A dry run says so, and changes nothing.
        let dry = env.ok(&["hook", "uninstall", "--client", client, "--dry-run"]);
        assert!(dry.contains("would remove"), "{client}: {dry}");
        assert!(!dry.contains("\n+{}"), "{client}: {dry}");
        assert_eq!(tree(env.home.path()), installed, "{client}");
        let out = env.ok(&["hook", "uninstall", "--client", client]);
        assert!(out.contains("mem had created it"), "{client}: {out}");
        assert_eq!(tree(env.home.path()), before, "{client}");
    }
}

#[test]
fn uninstall_puts_a_file_that_existed_back_exactly() {
    let env = TestEnv::new();
    let path = env.home.path().join(".gemini/settings.json");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    // Written as no client would: mem's rendering differs, the backup does not.
    let original = "{ \"theme\":\"dark\" ,\n\n \"mcpServers\": {} }";
    std::fs::write(&path, original).unwrap();
    env.ok(&["hook", "install", "--client", "gemini", "--mcp"]);
    assert_ne!(std::fs::read_to_string(&path).unwrap(), original);
    // A dry run shows the original coming back.
    let dry = env.ok(&["hook", "uninstall", "--client", "gemini", "--dry-run"]);
    assert!(dry.contains("would restore"), "{dry}");
    assert!(dry.contains("+{ \"theme\":\"dark\" ,"), "{dry}");
    assert!(path.with_file_name("settings.json.mem-backup").exists());
    let out = env.ok(&["hook", "uninstall", "--client", "gemini"]);
    assert!(out.contains("restored"), "{out}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), original);
    assert!(!path.with_file_name("settings.json.mem-backup").exists());
}

#[test]
fn an_empty_settings_file_that_existed_is_kept() {
    let env = TestEnv::new();
    let path = env.home.path().join(".codex/hooks.json");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, "{}").unwrap();
    env.ok(&["hook", "install", "--client", "codex"]);
    env.ok(&["hook", "install", "--client", "codex", "--mcp"]);
    env.ok(&["hook", "uninstall", "--client", "codex"]);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "{}");
    assert!(!path.with_file_name("hooks.json.mem-backup").exists());
}

#[test]
fn gemini_trust_marks_the_mcp_server_trusted() {
    let env = TestEnv::new();
    let out = env
        .mem()
        .args(["hook", "install", "--client", "gemini", "--mcp"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.contains("--trust"),
        "says how to trust it: {stderr}"
    );
    let settings = env.home.path().join(".gemini/settings.json");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&settings).unwrap()).unwrap();
    assert!(v["mcpServers"]["kioku-mesh"]["trust"].is_null(), "{v}");
    env.ok(&["hook", "install", "--client", "gemini", "--trust"]);
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&settings).unwrap()).unwrap();
    assert_eq!(v["mcpServers"]["kioku-mesh"]["trust"], true, "{v}");
    assert_eq!(
        v["mcpServers"]["kioku-mesh"]["args"],
        serde_json::json!(["mcp"])
    );
    let again = env.ok(&["hook", "install", "--client", "gemini", "--trust"]);
    assert!(again.contains("nothing to do"), "{again}");
    let e = env.fails(
        &["hook", "install", "--client", "claude-code", "--trust"],
        2,
    );
    assert!(e.contains("--trust"), "{e}");
    env.ok(&["hook", "uninstall", "--client", "gemini"]);
    assert!(!settings.exists());
}

#[test]
fn claude_code_compaction_saves_the_session_and_reinjects_the_context() {
    let env = TestEnv::new();
    env.ok(&["init"]);
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
    // Installed: PreCompact, and session start on compaction.
    env.ok(&["hook", "install", "--client", "claude-code"]);
    let settings: Value = serde_json::from_str(
        &std::fs::read_to_string(env.home.path().join(".claude/settings.json")).unwrap(),
    )
    .unwrap();
    let pre = settings["hooks"]["PreCompact"][0]["hooks"][0]["command"]
        .as_str()
        .unwrap();
    assert!(pre.ends_with("hook run claude-code PreCompact"), "{pre}");
    assert!(settings["hooks"]["SessionStart"][0]["matcher"]
        .as_str()
        .unwrap()
        .contains("compact"));

    let cc = |event: &str| payload("claude-code", "/tmp/proj", event, &dir);
    hook(
        &env,
        "claude-code",
        "SessionStart",
        &cc("SessionStart"),
        &[],
    );
    // The recorded session id differs between the sessions; use the compact one's.
    let pre_compact = cc("PreCompact");
    let session = serde_json::from_slice::<Value>(&pre_compact).unwrap()["session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let prompt = String::from_utf8(cc("UserPromptSubmit")).unwrap();
    let prompt_session = serde_json::from_str::<Value>(&prompt).unwrap()["session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let prompt = prompt.replace(&prompt_session, &session);
    hook(
        &env,
        "claude-code",
        "UserPromptSubmit",
        prompt.as_bytes(),
        &[],
    );

    let out = hook(&env, "claude-code", "PreCompact", &pre_compact, &[]);
    assert_valid("claude-code", "PreCompact", &out);
    assert_eq!(out, serde_json::json!({}));
    // The session so far is saved, and its spool stays for the rest.
    let sessions = env.json(&["list", "--kind", "session", "--all-projects", "--json"]);
    assert_eq!(sessions.as_array().unwrap().len(), 1, "{sessions}");
    assert!(env
        .home
        .path()
        .join(format!("sessions/claude-code-{session}.jsonl"))
        .exists());

    let out = hook(
        &env,
        "claude-code",
        "SessionStart",
        &cc("SessionStart-compact"),
        &[],
    );
    assert_valid("claude-code", "SessionStart", &out);
    let ctx = out["hookSpecificOutput"]["additionalContext"]
        .as_str()
        .unwrap();
    assert!(ctx.contains("Staging API listens on port 8443"), "{ctx}");
}
