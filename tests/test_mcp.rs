//! `mem mcp` driven over real stdio JSON-RPC: initialize, tools/list, and a
//! tools/call of every tool, checked against the store through the CLI.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Stdio};

use serde_json::{json, Value};

use crate::common::TestEnv;

struct Session {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next_id: u64,
}

impl Session {
    fn start(env: &TestEnv) -> Session {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("mem"))
            .arg("mcp")
            .env_clear()
            .envs(env.vars())
            .current_dir(env.cwd.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let mut s = Session {
            child,
            stdin,
            stdout,
            next_id: 1,
        };
        let init = s.request(
            "initialize",
            json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}),
        );
        assert_eq!(init["serverInfo"]["name"], "kioku-mesh", "{init}");
        assert!(init["capabilities"]["tools"].is_object(), "{init}");
        s.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        s
    }

    fn send(&mut self, msg: &Value) {
        writeln!(self.stdin, "{msg}").unwrap();
        self.stdin.flush().unwrap();
    }

    /// Send a request and return its `result` (every stdout line must be JSON-RPC).
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let mut line = String::new();
            assert!(
                self.stdout.read_line(&mut line).unwrap() > 0,
                "server closed stdout"
            );
            let msg: Value = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("stdout carries only protocol, got {line:?}: {e}"));
            assert_eq!(msg["jsonrpc"], "2.0", "{msg}");
            if msg["id"] == id {
                assert!(msg["error"].is_null(), "{method}: {msg}");
                return msg["result"].clone();
            }
        }
    }

    /// `tools/call`; returns (text, isError).
    fn call(&mut self, tool: &str, args: Value) -> (String, bool) {
        let r = self.request("tools/call", json!({"name": tool, "arguments": args}));
        let text = r["content"][0]["text"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        (text, r["isError"].as_bool().unwrap_or(false))
    }

    fn ok(&mut self, tool: &str, args: Value) -> String {
        let (text, is_error) = self.call(tool, args);
        assert!(!is_error, "{tool} failed: {text}");
        text
    }

    fn close(mut self) {
        drop(self.stdin);
        let status = self.child.wait().unwrap();
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut self.child.stderr.take().unwrap(), &mut stderr).unwrap();
        assert!(status.success(), "mem mcp exited {status}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn lists_the_kioku_mesh_tools_with_their_parameter_names() {
    let env = TestEnv::new();
    let mut s = Session::start(&env);
    let list = s.request("tools/list", json!({}));
    let tools = list["tools"].as_array().unwrap();
    let mut names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "delete_memory",
            "get_memory",
            "get_memory_status",
            "recall_context",
            "save_observation",
            "search_memory"
        ]
    );
    let save = tools
        .iter()
        .find(|t| t["name"] == "save_observation")
        .unwrap();
    let required: Vec<&str> = save["inputSchema"]["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for p in ["content", "subject", "summary"] {
        assert!(required.contains(&p), "{save}");
    }
    for p in [
        "memory_type",
        "importance",
        "tags",
        "source_files",
        "supersedes",
        "visibility",
        "project",
    ] {
        assert!(
            save["inputSchema"]["properties"][p].is_object(),
            "{p}: {save}"
        );
    }
    s.close();
}

#[test]
fn every_tool_works_on_the_real_store() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    let mut s = Session::start(&env);

    let status: Value = serde_json::from_str(&s.ok("get_memory_status", json!({}))).unwrap();
    assert_eq!(status["initialised"], true);

    let saved: Value = serde_json::from_str(&s.ok(
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
    ))
    .unwrap();
    let id = saved["id"].as_str().unwrap().to_owned();
    assert_eq!(saved["scope"], "local");
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

    let hits: Value =
        serde_json::from_str(&s.ok("search_memory", json!({"query": "jitter"}))).unwrap();
    let hits = hits.as_array().unwrap();
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0]["id"], id.as_str());
    assert_eq!(hits[0]["title"], "retry policy");
    assert_eq!(hits[0]["kind"], "decision");
    assert_eq!(hits[0]["date"], "2026-11-22");
    assert!(hits[0]["snippet"].as_str().unwrap().contains("jitter"));
    assert!(
        hits[0]["body"].is_null(),
        "search answers compactly: {}",
        hits[0]
    );
    let recent: Value = serde_json::from_str(&s.ok("search_memory", json!({}))).unwrap();
    assert_eq!(recent.as_array().unwrap().len(), 2, "{recent}");

    let whole: Value =
        serde_json::from_str(&s.ok("get_memory", json!({"observation_id": &id[..12]}))).unwrap();
    assert_eq!(
        whole["body"],
        "All outbound HTTP calls retry three times with full jitter."
    );
    assert_eq!(whole["tags"], json!(["http"]));

    let context = s.ok("recall_context", json!({"query": "staging"}));
    assert!(
        context.contains("retry policy") && context.contains("Staging API"),
        "{context}"
    );
    assert!(context.contains(&other[..12]), "{context}");

    let deleted: Value = serde_json::from_str(&s.ok(
        "delete_memory",
        json!({"observation_id": id, "reason": "moved to docs"}),
    ))
    .unwrap();
    assert_eq!(deleted["deleted_in"], json!(["local"]));
    assert!(!env.ids(&["list"]).contains(&id));

    let (text, is_error) = s.call("get_memory", json!({"observation_id": "abcdef123456"}));
    assert!(is_error, "{text}");
    assert!(text.contains("abcdef123456"), "{text}");
    let (text, is_error) = s.call(
        "save_observation",
        json!({"subject": "x", "summary": "y", "content": "z", "memory_type": "gossip"}),
    );
    assert!(
        is_error && text.contains("'gossip' is not a kind"),
        "{text}"
    );
    let (text, is_error) = s.call(
        "save_observation",
        json!({"subject": "x", "summary": "y", "content": "z", "visibility": "team"}),
    );
    assert!(is_error && text.contains("no team scope"), "{text}");

    let status: Value = serde_json::from_str(&s.ok("get_memory_status", json!({}))).unwrap();
    let user = status["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["scope"] == "user")
        .unwrap();
    assert_eq!(user["live"], 1, "{status}");
    s.close();
}
