use crate::common::{git, TestEnv};

#[test]
fn init_creates_config_and_scopes_once() {
    let env = TestEnv::new();
    let out = env.ok(&["init"]);
    assert!(out.contains("created scope local"), "{out}");
    assert!(out.contains("created scope user"), "{out}");
    let config = std::fs::read_to_string(env.home.path().join("config.yaml")).unwrap();
    assert!(config.contains("user_id: tester"), "{config}");
    assert!(config.contains("device: testbox"), "{config}");
    for scope in ["local", "user"] {
        let repo = env.scope_repo(scope);
        assert_eq!(
            git(&repo, &["rev-parse", "--is-bare-repository"]).trim(),
            "true"
        );
        assert_eq!(env.tree_paths(scope), vec![".kioku/scope.yaml"]);
        let meta = git(&repo, &["show", "main:.kioku/scope.yaml"]);
        assert!(meta.contains(&format!("scope: {scope}")), "{meta}");
        assert!(meta.contains("encrypted: false"), "{meta}");
        assert!(meta.contains("format: 1"), "{meta}");
    }
    let again = env.ok(&["init"]);
    assert!(again.contains("already set up"), "{again}");
    assert_eq!(
        git(&env.scope_repo("user"), &["rev-list", "--count", "main"]).trim(),
        "1"
    );
}

#[test]
fn init_json_lists_scopes() {
    let env = TestEnv::new();
    let v = env.json(&["init", "--json"]);
    assert_eq!(v["scopes"], serde_json::json!(["local", "user"]));
    assert_eq!(v["created"].as_array().unwrap().len(), 3);
}

#[test]
fn first_save_sets_up_the_store() {
    let env = TestEnv::new();
    let out = env.output(&["save", "first memory"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("set up mem in"));
    assert!(env.scope_repo("local").exists());
}

#[test]
fn help_does_not_touch_disk() {
    let env = TestEnv::new();
    env.ok(&["--help"]);
    env.ok(&["save", "--help"]);
    assert_eq!(std::fs::read_dir(env.home.path()).unwrap().count(), 0);
}
