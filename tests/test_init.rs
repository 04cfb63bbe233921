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
    // The identity is created, private, and is the user scope's recipient.
    let identity = env.home.path().join("identity.txt");
    let key = std::fs::read_to_string(&identity).unwrap();
    assert!(key.contains("AGE-SECRET-KEY-1"), "{key}");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&identity).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let recipient = env.ok(&["key", "show"]).trim().to_owned();
    assert!(recipient.starts_with("age1"), "{recipient}");
    assert!(out.contains(&recipient), "{out}");
    for (scope, encrypted) in [("local", false), ("user", true)] {
        let repo = env.scope_repo(scope);
        assert_eq!(
            git(&repo, &["rev-parse", "--is-bare-repository"]).trim(),
            "true"
        );
        let meta = git(&repo, &["show", "main:.kioku/scope.yaml"]);
        assert!(meta.contains(&format!("scope: {scope}")), "{meta}");
        assert!(meta.contains(&format!("encrypted: {encrypted}")), "{meta}");
        assert!(meta.contains("format: 1"), "{meta}");
        if encrypted {
            assert_eq!(
                env.tree_paths(scope),
                vec![
                    ".kioku/recipients",
                    ".kioku/recipients.mac",
                    ".kioku/scope-key.age",
                    ".kioku/scope.yaml"
                ]
            );
            let list = git(&repo, &["show", "main:.kioku/recipients"]);
            assert!(
                list.contains(&format!("{recipient} # tester@testbox")),
                "{list}"
            );
        } else {
            assert_eq!(env.tree_paths(scope), vec![".kioku/scope.yaml"]);
        }
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
    assert_eq!(v["created"].as_array().unwrap().len(), 4);
    assert!(v["recipient"].as_str().unwrap().starts_with("age1"));
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
