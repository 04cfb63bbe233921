//! `mem mcp` driven by a real MCP client library (rmcp's client over a
//! child process's stdio): tools/list titles, annotations and schemas,
//! object results, every tool with kioku-mesh's own argument shapes
//! (nulls, numeric strings, defaults), failures as `isError` results —
//! each checked against the store through the CLI.

use rmcp::model::{CallToolRequestParams, CallToolResult, Tool};
use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{json, Value};

use crate::common::TestEnv;

struct Client {
    rt: tokio::runtime::Runtime,
    service: Option<RunningService<RoleClient, ()>>,
}

impl Client {
    fn start(env: &TestEnv) -> Client {
        Client::start_with(env, &[])
    }

    fn start_with(env: &TestEnv, extra: &[(&str, &str)]) -> Client {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let mut cmd = tokio::process::Command::new(assert_cmd::cargo::cargo_bin("mem"));
        cmd.arg("mcp")
            .env_clear()
            .envs(env.vars())
            .envs(extra.iter().copied())
            .current_dir(env.cwd.path());
        let service = rt.block_on(async {
            let (transport, _stderr) = TokioChildProcess::builder(cmd)
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            ().serve(transport).await.unwrap()
        });
        let info = service.peer_info().unwrap();
        assert_eq!(info.server_info.as_ref().unwrap().name, "kioku-mesh");
        assert!(info.capabilities.tools.is_some());
        Client {
            rt,
            service: Some(service),
        }
    }

    fn tools(&self) -> Vec<Tool> {
        let s = self.service.as_ref().unwrap();
        self.rt.block_on(s.list_all_tools()).unwrap()
    }

    /// `tools/call`: a protocol error fails the test; the result may be an error result.
    fn call(&self, tool: &str, args: Value) -> CallToolResult {
        let s = self.service.as_ref().unwrap();
        let mut params = CallToolRequestParams::new(tool.to_owned());
        if let Value::Object(map) = args {
            params = params.with_arguments(map);
        }
        self.rt
            .block_on(s.call_tool(params))
            .unwrap_or_else(|e| panic!("{tool}: protocol error {e}"))
    }

    /// A successful call's structured result (always an object), checked
    /// against the text content, which carries the same JSON.
    fn ok(&self, tool: &str, args: Value) -> Value {
        let r = self.call(tool, args);
        assert_ne!(r.is_error, Some(true), "{tool} failed: {}", text(&r));
        let structured = r.structured_content.clone().expect("structured content");
        assert!(structured.is_object(), "{tool}: {structured}");
        let from_text: Value = serde_json::from_str(&text(&r)).unwrap();
        assert_eq!(from_text, structured);
        structured
    }

    /// A failed call's one sentence.
    fn fails(&self, tool: &str, args: Value) -> String {
        let r = self.call(tool, args);
        assert_eq!(r.is_error, Some(true), "{tool} succeeded: {}", text(&r));
        let t = text(&r);
        assert!(!t.contains('\n') && !t.is_empty(), "{t:?}");
        t
    }

    fn close(mut self) {
        let s = self.service.take().unwrap();
        self.rt.block_on(s.cancel()).unwrap();
    }
}

fn text(r: &CallToolResult) -> String {
    r.content
        .first()
        .and_then(|c| c.as_text())
        .map(|t| t.text.clone())
        .unwrap_or_default()
}

fn tool<'a>(tools: &'a [Tool], name: &str) -> &'a Tool {
    tools.iter().find(|t| t.name == name).unwrap()
}

#[test]
fn tools_are_titled_annotated_and_answer_objects_with_plain_schemas() {
    let env = TestEnv::new();
    let c = Client::start(&env);
    let tools = c.tools();
    let mut names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "ack_message",
            "check_messages",
            "delete_memory",
            "drain_pending_puts",
            "get_memory",
            "get_memory_status",
            "purge_expired_messages",
            "recall_context",
            "save_observation",
            "search_memory",
            "send_message"
        ]
    );
    for t in &tools {
        let a = t
            .annotations
            .as_ref()
            .unwrap_or_else(|| panic!("{}", t.name));
        assert!(t.title.is_some() && a.title.is_some(), "{}", t.name);
        assert_eq!(a.open_world_hint, Some(false), "{}", t.name);
        // Plain types: no null unions, no uint/int64 formats (Gemini warns).
        let input = serde_json::to_string(&t.input_schema).unwrap();
        assert!(
            !input.contains("null") && !input.contains("format"),
            "{}: {input}",
            t.name
        );
        if !t.name.contains("message") {
            let output = t
                .output_schema
                .as_ref()
                .unwrap_or_else(|| panic!("{}", t.name));
            assert_eq!(output["type"], "object", "{}", t.name);
            let output = serde_json::to_string(output).unwrap();
            assert!(!output.contains("\"null\""), "{}: {output}", t.name);
        }
    }
    for read in [
        "search_memory",
        "get_memory",
        "recall_context",
        "get_memory_status",
    ] {
        let a = tool(&tools, read).annotations.clone().unwrap();
        assert_eq!(a.read_only_hint, Some(true), "{read}");
    }
    let delete = tool(&tools, "delete_memory").annotations.clone().unwrap();
    assert_eq!(
        (delete.read_only_hint, delete.destructive_hint),
        (Some(false), Some(true))
    );
    let save = tool(&tools, "save_observation");
    let a = save.annotations.clone().unwrap();
    assert_eq!(
        (a.read_only_hint, a.destructive_hint),
        (Some(false), Some(false))
    );
    let schema = &save.input_schema;
    // kioku-mesh's schema requires only content.
    assert_eq!(schema["required"], json!(["content"]));
    for p in [
        "content",
        "subject",
        "summary",
        "project",
        "tags",
        "memory_type",
        "importance",
        "source_files",
        "references",
        "supersedes",
        "visibility",
        "expires_at",
        "ttl_sec",
    ] {
        assert!(schema["properties"][p].is_object(), "{p}: {schema:?}");
    }
    assert_eq!(schema["properties"]["importance"]["type"], "integer");
    assert_eq!(schema["properties"]["tags"]["type"], "array");
    let search = &tool(&tools, "search_memory").input_schema;
    for p in [
        "query",
        "agent_family",
        "client_id",
        "pc_id",
        "session_id",
        "project",
        "since_iso",
        "limit",
        "include_superseded",
        "search_mode",
    ] {
        assert!(search["properties"][p].is_object(), "{p}");
    }
    let recall = &tool(&tools, "recall_context").input_schema;
    for p in [
        "query",
        "project",
        "memory_types",
        "source_files",
        "references",
        "since_iso",
        "limit",
        "search_mode",
    ] {
        assert!(recall["properties"][p].is_object(), "{p}");
    }
    // An empty store answers objects too.
    assert_eq!(c.ok("search_memory", json!({}))["results"], json!([]));
    c.close();
}

#[test]
fn every_tool_works_on_the_real_store() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    let c = Client::start(&env);

    let status = c.ok("get_memory_status", json!({}));
    assert_eq!(status["initialised"], true);
    assert_eq!(status["device"], "testbox");

    let saved = c.ok(
        "save_observation",
        json!({
            "subject": "retry policy",
            "summary": "HTTP calls retry 3 times with jitter",
            "content": "All outbound HTTP calls retry three times with full jitter.",
            "memory_type": "decision",
            "importance": 9,
            "tags": ["http"],
            "source_files": ["src/net.rs"],
            "visibility": "local",
        }),
    );
    let id = saved["id"].as_str().unwrap().to_owned();
    assert_eq!(saved["observation_id"], id.as_str());
    assert_eq!(saved["scope"], "local");
    assert_eq!(saved["status"], "saved");
    assert_eq!(saved["warnings"], json!(["importance 9 was clamped to 5"]));
    // What the CLI sees: subject → title, summary, content → body, clamped importance.
    let got = env.json(&["get", &id, "--json"]);
    assert_eq!(got["title"], "retry policy");
    assert_eq!(got["summary"], "HTTP calls retry 3 times with jitter");
    assert_eq!(
        got["body"],
        "All outbound HTTP calls retry three times with full jitter."
    );
    assert_eq!(got["kind"], "decision");
    assert_eq!(got["importance"], 5);
    assert_eq!(got["files"], json!(["src/net.rs"]));

    // A save from the CLI is seen by the running server at once.
    let other = env.save("Staging API listens on port 8443", &[]);

    let found = c.ok("search_memory", json!({"query": "jitter"}));
    let hits = found["results"].as_array().unwrap();
    assert_eq!(found["count"], 1);
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0]["id"], id.as_str());
    assert_eq!(hits[0]["title"], "retry policy");
    assert_eq!(hits[0]["kind"], "decision");
    assert_eq!(hits[0]["date"], "2026-11-22");
    assert_eq!(hits[0]["state"], "live");
    assert!(hits[0]["snippet"].as_str().unwrap().contains("jitter"));
    assert!(hits[0]["body"].is_null(), "compact: {}", hits[0]);
    let recent = c.ok("search_memory", json!({}));
    assert_eq!(recent["results"].as_array().unwrap().len(), 2, "{recent}");

    let whole = c.ok("get_memory", json!({"observation_id": &id[..12]}));
    assert_eq!(
        whole["body"],
        "All outbound HTTP calls retry three times with full jitter."
    );
    assert_eq!(whole["tags"], json!(["http"]));
    assert_eq!(whole["state"], "live");

    let recall = c.ok("recall_context", json!({"query": "staging"}));
    let md = recall["markdown"].as_str().unwrap();
    assert!(
        md.contains("retry policy") && md.contains("Staging API"),
        "{md}"
    );
    assert!(md.contains(&other[..12]), "{md}");
    assert_eq!(recall["count"], 2);

    let deleted = c.ok(
        "delete_memory",
        json!({"observation_id": id, "reason": "moved to docs"}),
    );
    assert_eq!(deleted["deleted_in"], json!(["local"]));
    assert_eq!(deleted["status"], "deleted");
    assert!(!env.ids(&["list"]).contains(&id));
    let gone = c.ok("get_memory", json!({"observation_id": id}));
    assert_eq!(gone["state"], "deleted");

    let t = c.fails("get_memory", json!({"observation_id": "abcdef123456"}));
    assert!(t.contains("abcdef123456"), "{t}");
    let t = c.fails(
        "save_observation",
        json!({"subject": "x", "summary": "y", "content": "z", "memory_type": "gossip"}),
    );
    assert!(t.contains("'gossip' is not a kind"), "{t}");
    let t = c.fails(
        "save_observation",
        json!({"subject": "x", "summary": "y", "content": "z", "visibility": "team"}),
    );
    assert!(t.contains("no team scope"), "{t}");
    // Malformed arguments are an error result too, not a protocol error.
    let t = c.fails("search_memory", json!({"limit": "five"}));
    assert!(t.contains("limit") || t.contains("five"), "{t}");
    let t = c.fails("save_observation", json!({"subject": "no content"}));
    assert!(t.contains("content"), "{t}");

    let status = c.ok("get_memory_status", json!({}));
    let user = status["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["scope"] == "user")
        .unwrap();
    assert_eq!(user["live"], 1, "{status}");
    c.close();
}

/// kioku-mesh's own argument shapes: what its schema allows (nulls, empty
/// strings for "not given", numbers as strings from the inspector CLI) and
/// its defaults, each doing what the README's compatibility table says.
#[test]
fn kioku_mesh_argument_shapes_do_what_the_compatibility_table_says() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    let c = Client::start_with(&env, &[("MEM_AGENT", "codex"), ("MEM_SESSION", "s-1")]);

    // save_observation exactly as kioku-mesh's schema shapes it.
    let saved = c.ok(
        "save_observation",
        json!({
            "content": "The parser keeps byte offsets, not char offsets.",
            "project": "",
            "tags": null,
            "memory_type": "note",
            "subject": "parser offsets",
            "summary": "byte offsets",
            "source_files": null,
            "references": ["PR#12", "issue-7"],
            "supersedes": null,
            "visibility": "",
            "expires_at": "",
            "ttl_sec": "0",
        }),
    );
    let id = saved["id"].as_str().unwrap().to_owned();
    assert!(saved.get("expires_at").is_none(), "{saved}");
    let got = env.json(&["get", &id, "--json"]);
    // kioku-mesh's default importance is 2; references are kept.
    assert_eq!(got["importance"], 2);
    assert_eq!(got["tags"], json!([]));
    assert_eq!(got["agent"], "codex");
    let whole = c.ok("get_memory", json!({"observation_id": id}));
    assert_eq!(whole["references"], json!(["PR#12", "issue-7"]));
    assert_eq!(whole["session"], "s-1");
    // Numbers as strings; importance clamped.
    let second = c.ok(
        "save_observation",
        json!({"content": "Lexer tokens carry spans.", "subject": "lexer spans",
               "summary": "spans", "importance": "4", "memory_type": "pattern",
               "source_files": ["src/lexer.rs"]}),
    );
    let second = second["id"].as_str().unwrap().to_owned();
    assert_eq!(env.json(&["get", &second, "--json"])["importance"], 4);
    let t = c.fails(
        "save_observation",
        json!({"content": "x", "subject": "x", "summary": "x", "visibility": "mesh"}),
    );
    assert!(t.contains("mesh"), "{t}");
    let t = c.fails(
        "save_observation",
        json!({"content": "x", "subject": "x", "summary": "x", "ttl_sec": -5}),
    );
    assert!(t.contains("negative"), "{t}");

    // search_memory: numeric-string limit, identity filters honoured.
    let one = c.ok("search_memory", json!({"query": "", "limit": "1"}));
    assert_eq!(one["count"], 1);
    let mine = c.ok(
        "search_memory",
        json!({"agent_family": "codex", "session_id": "s-1", "pc_id": "testbox",
               "include_superseded": "false", "since_iso": "2026-11-01", "limit": 50}),
    );
    assert_eq!(mine["count"], 2, "{mine}");
    let none = c.ok("search_memory", json!({"agent_family": "gemini"}));
    assert_eq!(none["count"], 0);
    let none = c.ok("search_memory", json!({"pc_id": "elsewhere"}));
    assert_eq!(none["count"], 0);
    let t = c.fails("search_memory", json!({"client_id": "codex@laptop"}));
    assert!(t.contains("client_id"), "{t}");
    // search_mode: "or" finds either word; "and" falls back like mem; bad values are refused.
    let or = c.ok(
        "search_memory",
        json!({"query": "parser lexer", "search_mode": "or"}),
    );
    assert_eq!(or["count"], 2, "{or}");
    let and = c.ok(
        "search_memory",
        json!({"query": "parser byte", "search_mode": "and"}),
    );
    assert_eq!(and["count"], 1, "{and}");
    let t = c.fails(
        "search_memory",
        json!({"query": "x", "search_mode": "fuzzy"}),
    );
    assert!(t.contains("search_mode"), "{t}");

    // recall_context with kioku-mesh's filters.
    let r = c.ok(
        "recall_context",
        json!({"query": "", "project": "", "memory_types": ["pattern"], "source_files": null,
               "references": null, "since_iso": "", "limit": 20, "search_mode": "and_or"}),
    );
    assert_eq!(r["ids"], json!([second]));
    assert!(
        r["markdown"].as_str().unwrap().contains("lexer spans"),
        "{r}"
    );
    let r = c.ok("recall_context", json!({"references": ["PR#12"]}));
    assert_eq!(r["ids"], json!([id]));
    let r = c.ok("recall_context", json!({"source_files": ["src/lexer.rs"]}));
    assert_eq!(r["ids"], json!([second]));
    let r = c.ok("recall_context", json!({"limit": "1"}));
    assert_eq!(
        (r["count"].as_u64(), r["omitted"].as_u64()),
        (Some(1), Some(1)),
        "{r}"
    );
    let r = c.ok("recall_context", json!({"since_iso": "2026-11-23"}));
    assert_eq!(r["count"], 0, "{r}");
    let t = c.fails("recall_context", json!({"memory_types": ["gossip"]}));
    assert!(t.contains("gossip"), "{t}");

    // drain_pending_puts: nothing is ever pending.
    let d = c.ok("drain_pending_puts", json!({"limit": null}));
    assert_eq!(
        (d["drained"].as_u64(), d["remaining"].as_u64()),
        (Some(0), Some(0))
    );
    c.fails("drain_pending_puts", json!({"limit": 0}));

    // An expiry in the past: saved, hidden from search and recall, shown
    // with its state when asked for everything.
    let expired = c.ok(
        "save_observation",
        json!({"content": "The freeze ended yesterday.", "subject": "freeze",
               "summary": "over", "expires_at": "2026-11-21T00:00:00Z"}),
    );
    assert_eq!(expired["expires_at"], "2026-11-21T00:00:00Z");
    let gone = c.ok("search_memory", json!({"query": "freeze"}));
    assert_eq!(gone["count"], 0, "{gone}");
    let all = c.ok(
        "search_memory",
        json!({"query": "freeze", "include_superseded": true}),
    );
    assert_eq!(all["results"][0]["state"], "expired", "{all}");
    let r = c.ok("recall_context", json!({}));
    assert!(!r["markdown"].as_str().unwrap().contains("freeze"), "{r}");
    let soon = c.ok(
        "save_observation",
        json!({"content": "Staging is frozen for an hour.", "subject": "staging freeze",
               "summary": "an hour", "ttl_sec": "3600", "expires_at": null}),
    );
    assert_eq!(soon["expires_at"], "2026-11-22T11:00:00Z");

    // delete twice: the second says so.
    c.ok(
        "delete_memory",
        json!({"observation_id": second, "reason": ""}),
    );
    let again = c.ok(
        "delete_memory",
        json!({"observation_id": second, "reason": null}),
    );
    assert_eq!(again["status"], "already-deleted");
    c.close();
}

#[test]
fn messaging_tools_send_check_ack_and_purge() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    // An old message, already expired by the fixed clock.
    env.mem()
        .env("MEM_NOW", "2026-11-20T00:00:00Z")
        .args(["send", "--to", "agent:codex", "--ttl", "1h", "Old news"])
        .assert()
        .success();
    let c = Client::start_with(&env, &[("MEM_AGENT", "codex"), ("MEM_SESSION", "s-1")]);
    let sent = c.ok(
        "send_message",
        json!({"to": "agent:codex", "body": "Review PR 42 before merging",
               "subject": "review", "requires_ack": true, "ttl_sec": 3600}),
    );
    assert_eq!(sent["status"], "sent", "{sent}");
    assert_eq!(sent["scope"], "user", "{sent}");
    assert_eq!(sent["expires_at"], "2026-11-22T11:00:00Z", "{sent}");
    let id = sent["msg_id"].as_str().unwrap().to_owned();
    c.ok(
        "send_message",
        json!({"to": "agent:gemini", "body": "Not for codex"}),
    );

    let got = c.ok("check_messages", json!({}));
    assert_eq!(got["count"], 1, "{got}");
    let m = &got["messages"][0];
    assert_eq!(m["msg_id"], id.as_str());
    assert_eq!(m["body"], "Review PR 42 before merging");
    assert_eq!(m["sender"]["agent_id"], "codex");
    assert_eq!(m["sender"]["session_id"], "s-1");
    assert_eq!(m["recipient"]["kind"], "agent");
    assert_eq!(
        (m["requires_ack"].as_bool(), m["acked"].as_bool()),
        (Some(true), Some(false))
    );
    let both = c.ok("check_messages", json!({"include_expired": true}));
    assert_eq!(both["count"], 2, "{both}");
    let one = c.ok(
        "check_messages",
        json!({"include_expired": true, "limit": 1}),
    );
    assert_eq!(
        (one["count"].as_u64(), one["truncated"].as_bool()),
        (Some(1), Some(true))
    );

    // recall_context (the session-start block) shows it first.
    let r = c.ok("recall_context", json!({}));
    let md = r["markdown"].as_str().unwrap();
    assert!(md.contains("Review PR 42 before merging"), "{md}");
    assert!(!md.contains("Not for codex"), "{md}");

    // The CLI's inbox sees it for the same agent, and not for another.
    assert!(env
        .ok(&["inbox", "--agent", "codex"])
        .contains("Review PR 42"));
    assert!(!env
        .ok(&["inbox", "--agent", "claude-code"])
        .contains("Review PR 42"));

    let acked = c.ok("ack_message", json!({"msg_id": &id[..10]}));
    assert_eq!(acked["status"], "acked", "{acked}");
    assert_eq!(acked["msg_id"], id.as_str());
    let again = c.ok("ack_message", json!({"msg_id": id}));
    assert_eq!(again["status"], "already-acked", "{again}");
    assert_eq!(c.ok("check_messages", json!({}))["count"], 0);
    let with_acked = c.ok("check_messages", json!({"include_acked": true}));
    assert_eq!(with_acked["messages"][0]["acked"], true, "{with_acked}");
    let t = c.fails(
        "ack_message",
        json!({"msg_id": "0123456789abcdef0123456789abcdef"}),
    );
    assert!(t.contains("no single message"), "{t}");
    let t = c.fails("ack_message", json!({"msg_id": id, "visibility": "local"}));
    assert!(t.contains("holds no message"), "{t}");
    let t = c.fails("send_message", json!({"to": "codex", "body": "x"}));
    assert!(t.contains("agent:FAMILY"), "{t}");

    // Purging removes the expired one now, and leaves the rest.
    let purged = c.ok("purge_expired_messages", json!({}));
    assert_eq!(purged["purged"], 1, "{purged}");
    let left = c.ok(
        "check_messages",
        json!({"include_expired": true, "include_acked": true}),
    );
    assert_eq!(left["count"], 1, "{left}");
    assert_eq!(left["messages"][0]["msg_id"], id.as_str());
    c.close();
}
