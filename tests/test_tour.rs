//! The README's first command runs fixtures/tour/tour.sh: keep it working.

use std::path::Path;

#[test]
fn the_tour_runs() {
    let bin_dir = assert_cmd::cargo::cargo_bin("mem")
        .parent()
        .unwrap()
        .to_owned();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().unwrap();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap());
    let out = std::process::Command::new("bash")
        .arg(root.join("fixtures/tour/tour.sh"))
        .env_clear()
        .env("PATH", path)
        .env("TMPDIR", tmp.path())
        .env("USER", "tourist")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("中文检索使用二元分词"), "{stdout}");
    assert!(stdout.contains("日本語の検索"), "{stdout}");
    assert!(stdout.contains("[superseded]"), "{stdout}");
    assert!(stdout.contains("[deleted]"), "{stdout}");
    assert!(stdout.contains("no problems found"), "{stdout}");
    assert!(stdout.contains(".age"), "{stdout}");
    assert!(stdout.contains("additionalContext"), "{stdout}");
    assert!(
        stdout.contains("Session: Write a note that the staging API"),
        "{stdout}"
    );
}
