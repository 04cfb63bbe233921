//! Recall at every prompt: `mem hook run CLIENT UserPromptSubmit` (Gemini:
//! `BeforeAgent`) answers the recorded prompt payloads with the memories
//! relevant to the prompt — budgeted, never twice in a session, nothing
//! when nothing is relevant, and only for the clients it is on for.

use serde_json::Value;

use crate::common::TestEnv;
use crate::test_agents::{assert_valid, hook, payload, project, CLIENTS};

/// The prompt event of each client.
fn prompt_event(client: &str) -> &'static str {
    if client == "gemini" {
        "BeforeAgent"
    } else {
        "UserPromptSubmit"
    }
}

/// The injected block, empty when the answer adds nothing.
fn block(out: &Value) -> String {
    out["hookSpecificOutput"]["additionalContext"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// A store with one memory relevant to the recorded prompt ("Write a note
/// that the staging API uses port 8443") and two that are not.
fn store(env: &TestEnv) -> String {
    env.ok(&["init"]);
    env.save("The release train leaves every Friday", &[]);
    env.save("Use ripgrep rather than grep in scripts", &[]);
    env.save(
        "The staging API uses port 8443 behind the VPN; production uses 443",
        &["--title", "Staging API port"],
    )
}

#[test]
fn each_client_gets_the_relevant_memory_once() {
    for (client, recorded_in, _, _) in CLIENTS {
        let env = TestEnv::new();
        let id = store(&env);
        let dir = project(&env);
        let event = prompt_event(client);
        let input = payload(client, recorded_in, event, &dir);
        let out = hook(&env, client, event, &input, &[]);
        assert_valid(client, event, &out);
        let text = block(&out);
        assert!(text.contains(&id[..12]), "{client}: {text}");
        assert!(text.contains("Staging API port"), "{client}: {text}");
        assert!(!text.contains("ripgrep") && !text.contains("Friday"));
        assert!(text.chars().count() <= 1_500);
        assert_eq!(out["hookSpecificOutput"]["hookEventName"], event);
        // The same session is not told twice…
        let again = hook(&env, client, event, &input, &[]);
        assert_eq!(again, serde_json::json!({}), "{client}");
        // …but another session is.
        let other = String::from_utf8(input.clone()).unwrap().replacen(
            "\"session_id\":\"",
            "\"session_id\":\"x",
            1,
        );
        let out = hook(&env, client, event, other.as_bytes(), &[]);
        assert!(block(&out).contains(&id[..12]), "{client}");
    }
}

#[test]
fn an_irrelevant_prompt_gets_nothing_and_is_still_recorded() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    env.save("The release train leaves every Friday", &[]);
    env.save("Parser errors carry the line and column", &[]);
    let dir = project(&env);
    let input = payload("claude-code", "/tmp/proj", "UserPromptSubmit", &dir);
    let out = hook(&env, "claude-code", "UserPromptSubmit", &input, &[]);
    assert_eq!(out, serde_json::json!({}));
    let spools = env.home.path().join("sessions");
    let spooled: String = std::fs::read_dir(&spools)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert!(spooled.contains("staging API uses port 8443"), "{spooled}");
}

#[test]
fn what_session_start_showed_is_not_recalled() {
    let env = TestEnv::new();
    let id = store(&env);
    let dir = project(&env);
    let start = payload("claude-code", "/tmp/proj", "SessionStart", &dir);
    let out = hook(&env, "claude-code", "SessionStart", &start, &[]);
    assert!(block(&out).contains(&id[..12]));
    let input = payload("claude-code", "/tmp/proj", "UserPromptSubmit", &dir);
    let out = hook(&env, "claude-code", "UserPromptSubmit", &input, &[]);
    assert_eq!(out, serde_json::json!({}));
}

#[test]
fn recall_is_budgeted_and_can_be_turned_off_per_client() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    let long = "The staging API uses port 8443. ".repeat(40);
    for i in 0..6 {
        env.save(
            &format!("{long} Note {i}."),
            &["--title", &format!("Staging API {i}")],
        );
    }
    let dir = project(&env);
    let input = payload("claude-code", "/tmp/proj", "UserPromptSubmit", &dir);
    let out = hook(&env, "claude-code", "UserPromptSubmit", &input, &[]);
    let text = block(&out);
    assert!(text.chars().count() <= 1_500, "{}", text.len());
    assert_eq!(text.matches("Staging API").count(), 3, "{text}");
    // A smaller budget from the environment.
    let other = payload("codex", "/tmp/xproj", "UserPromptSubmit", &dir);
    let out = hook(
        &env,
        "codex",
        "UserPromptSubmit",
        &other,
        &[("MEM_RECALL_BUDGET", "400")],
    );
    let text = block(&out);
    assert!(!text.is_empty() && text.chars().count() <= 400, "{text}");
    // On for Gemini only (config file): Claude Code gets nothing.
    std::fs::write(
        env.home.path().join("config.yaml"),
        format!(
            "{}recall: gemini\n",
            std::fs::read_to_string(env.home.path().join("config.yaml")).unwrap()
        ),
    )
    .unwrap();
    let fresh =
        String::from_utf8(input)
            .unwrap()
            .replacen("\"session_id\":\"", "\"session_id\":\"y", 1);
    let out = hook(
        &env,
        "claude-code",
        "UserPromptSubmit",
        fresh.as_bytes(),
        &[],
    );
    assert_eq!(out, serde_json::json!({}));
    let gemini = payload("gemini", "/tmp/gproj", "BeforeAgent", &dir);
    let out = hook(&env, "gemini", "BeforeAgent", &gemini, &[]);
    assert!(!block(&out).is_empty());
    let out = hook(
        &env,
        "gemini",
        "BeforeAgent",
        &String::from_utf8(gemini)
            .unwrap()
            .replacen("\"session_id\":\"", "\"session_id\":\"z", 1)
            .into_bytes(),
        &[("MEM_RECALL", "false")],
    );
    assert_eq!(out, serde_json::json!({}));
}

#[test]
fn a_failing_recall_still_records_the_prompt_and_answers() {
    let env = TestEnv::new();
    store(&env);
    let dir = project(&env);
    let config = env.home.path().join("config.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}recall_budget: lots\n")).unwrap();
    let input = payload("claude-code", "/tmp/proj", "UserPromptSubmit", &dir);
    let out = hook(&env, "claude-code", "UserPromptSubmit", &input, &[]);
    assert_eq!(out, serde_json::json!({}));
    let log = std::fs::read_to_string(env.home.path().join("logs/hooks.log")).unwrap();
    assert!(
        log.contains("recall") && log.contains("recall_budget 'lots'"),
        "{log}"
    );
    let spooled: String = std::fs::read_dir(env.home.path().join("sessions"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert!(spooled.contains("staging API uses port 8443"), "{spooled}");
}

#[test]
fn the_list_of_shown_memories_goes_with_the_session() {
    let env = TestEnv::new();
    store(&env);
    let dir = project(&env);
    let input = payload("claude-code", "/tmp/proj", "UserPromptSubmit", &dir);
    let out = hook(&env, "claude-code", "UserPromptSubmit", &input, &[]);
    assert!(!block(&out).is_empty());
    let listed = |ext: &str| {
        std::fs::read_dir(env.home.path().join("sessions"))
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().extension().unwrap() == ext)
            .count()
    };
    assert_eq!(listed("recalled"), 1);
    let end = payload("claude-code", "/tmp/proj", "SessionEnd", &dir);
    hook(&env, "claude-code", "SessionEnd", &end, &[]);
    assert_eq!(listed("recalled"), 0);
}

#[test]
fn words_no_memory_holds_do_not_count_against_relevance() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    // Holds four of the prompt's seven search words ("write", "note" and
    // "uses" are in no memory).
    let id = env.save(
        "The staging API listens on port 8443 behind the VPN",
        &["--title", "Staging API"],
    );
    env.save("Parser errors carry the line and column", &[]);
    let dir = project(&env);
    let input = payload("claude-code", "/tmp/proj", "UserPromptSubmit", &dir);
    let out = hook(&env, "claude-code", "UserPromptSubmit", &input, &[]);
    assert!(block(&out).contains(&id[..12]), "{out}");
}
