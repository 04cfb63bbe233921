use crate::common::{git, TestEnv};

#[test]
fn layers_apply_in_order_and_doctor_names_them() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    std::fs::write(
        env.home.path().join("config.yaml"),
        "user_id: alice\ndevice: laptop\ndefault_scope: local\nlimit: 3\n",
    )
    .unwrap();
    let project = env.cwd.path().join("proj");
    std::fs::create_dir_all(project.join("deep")).unwrap();
    // A project file may pick an existing scope and a project, nothing else.
    std::fs::write(
        project.join(".kioku-mesh.yaml"),
        "default_scope: user\nproject: example.org/proj\nuser_id: mallory\n",
    )
    .unwrap();

    let at = |dir: &std::path::Path, args: &[&str], envs: &[(&str, &str)]| -> serde_json::Value {
        let mut cmd = env.mem();
        cmd.current_dir(dir).args(args);
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };

    let outside = at(env.cwd.path(), &["save", "outside", "--json"], &[]);
    assert_eq!(outside["scope"], "local");
    let inside = at(&project.join("deep"), &["save", "inside", "--json"], &[]);
    assert_eq!(inside["scope"], "user");
    let got = at(
        env.cwd.path(),
        &["get", inside["id"].as_str().unwrap(), "--json"],
        &[],
    );
    assert_eq!(got["author"], "alice", "a project file cannot set user_id");
    assert_eq!(got["project"], "example.org/proj");
    let by_env = at(
        &project,
        &["save", "env wins", "--json"],
        &[("MEM_SCOPE", "local"), ("MEM_USER_ID", "bob")],
    );
    assert_eq!(by_env["scope"], "local");
    let by_flag = at(
        &project,
        &["save", "flag wins", "--scope", "user", "--json"],
        &[("MEM_SCOPE", "local")],
    );
    assert_eq!(by_flag["scope"], "user");

    let out = env
        .mem()
        .current_dir(&project)
        .args(["doctor", "--json"])
        .env("MEM_DEVICE", "envbox")
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let setting = |name: &str| {
        report["settings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(setting("user_id")["value"], "alice");
    assert_eq!(setting("user_id")["source"]["layer"], "user");
    assert_eq!(setting("device")["source"]["layer"], "env");
    assert_eq!(setting("default_scope")["source"]["layer"], "project");
    assert_eq!(setting("limit")["value"], "3");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("'user_id' cannot be set by a project file"),
        "{stderr}"
    );

    std::fs::write(
        project.join(".kioku-mesh.yaml"),
        "default_scope: team/evil\n",
    )
    .unwrap();
    let out = env
        .mem()
        .current_dir(&project)
        .args(["save", "x", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["scope"], "local");
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a scope on this device"));
    assert!(!env.home.path().join("scopes/team").exists());
}

#[test]
fn broken_config_is_one_clear_error() {
    let env = TestEnv::new();
    std::fs::write(env.home.path().join("config.yaml"), "user_id: [unclosed\n").unwrap();
    let stderr = env.fails(&["list"], 1);
    assert!(
        stderr.contains("config.yaml") && stderr.contains("fix the file"),
        "{stderr}"
    );
    std::fs::write(env.home.path().join("config.yaml"), "limit: many\n").unwrap();
    let stderr = env.fails(&["list"], 1);
    assert!(stderr.contains("limit"), "{stderr}");
}

#[test]
fn doctor_on_a_healthy_store() {
    let env = TestEnv::new();
    let fresh = env.output(&["doctor"]);
    assert_eq!(fresh.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&fresh.stdout).contains("mem init"));
    env.save("healthy", &[]);
    let out = env.ok(&["doctor"]);
    assert!(out.contains("git version"), "{out}");
    assert!(out.contains("encrypted, 1 recipient(s)"), "{out}");
    assert!(out.contains("no problems found"), "{out}");
    let v = env.json(&["doctor", "--json"]);
    let user = v["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "user")
        .unwrap()
        .clone();
    assert_eq!(user["encrypted"], true);
    assert_eq!(user["readable_here"], true);
    assert_eq!(user["undecryptable_files"], 0);
    assert!(v["identity"]["recipient"]
        .as_str()
        .unwrap()
        .starts_with("age1"));
    assert_eq!(
        user["head"].as_str().unwrap(),
        git(&env.scope_repo("user"), &["rev-parse", "main"]).trim()
    );
    assert_eq!(v["index"]["mode"], "600");
}

#[test]
fn a_malformed_project_file_is_ignored_with_a_warning() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    std::fs::write(
        env.cwd.path().join(".kioku-mesh.yaml"),
        "default_scope: [unclosed\n  bad: : yaml\n",
    )
    .unwrap();
    let out = env.output(&["save", "saved beside a broken project file"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(".kioku-mesh.yaml") && stderr.contains("line 2"),
        "{stderr}"
    );
    assert!(stderr.contains("ignored"), "{stderr}");
    let found = env.ok(&["search", "broken", "--all-projects"]);
    assert!(
        found.contains("saved beside a broken project file"),
        "{found}"
    );
    let out = env.output(&["doctor"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains(".kioku-mesh.yaml"));
}

#[test]
fn without_user_or_logname_the_author_is_gits_user_name() {
    let env = TestEnv::new();
    let gitconfig = env.home.path().join("gitconfig");
    std::fs::write(&gitconfig, "[user]\n\tname = Ada Lovelace\n").unwrap();
    let out = env
        .mem()
        .env_remove("USER")
        .env("GIT_CONFIG_GLOBAL", &gitconfig)
        .args(["save", "who saved this", "--scope", "local", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed = env.ok(&["list", "--scope", "local", "--json"]);
    assert!(listed.contains("\"author\": \"Ada Lovelace\""), "{listed}");
}

#[test]
fn init_without_any_user_name_says_how_to_set_one() {
    let env = TestEnv::new();
    let out = env
        .mem()
        .env_remove("USER")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .arg("init")
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no user name was found") && stderr.contains("user_id in"),
        "{stderr}"
    );
    // Not written down: a name given later applies.
    env.ok(&["save", "who saved this", "--scope", "local"]);
    let listed = env.ok(&["list", "--scope", "local", "--json"]);
    assert!(listed.contains("\"author\": \"tester\""), "{listed}");
}

#[test]
fn doctor_runs_with_a_malformed_config_and_names_file_and_line() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    let config = env.home.path().join("config.yaml");
    std::fs::write(&config, "user_id: [broken\n").unwrap();
    let err = env.fails(&["list"], 1);
    assert!(
        err.contains("config.yaml") && err.contains("line 2"),
        "{err}"
    );
    let out = env.output(&["doctor", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let problems = report["problems"].to_string();
    assert!(
        problems.contains("config.yaml") && problems.contains("line 2"),
        "{problems}"
    );
    assert!(
        !report["scopes"].as_array().unwrap().is_empty(),
        "the rest is still checked"
    );
}
