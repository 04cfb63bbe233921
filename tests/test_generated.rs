//! The checked-in man pages and completions must match what the clap
//! definition renders now. `MEM_BLESS=1 cargo test` rewrites them.

use std::path::Path;

use crate::common::TestEnv;

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .map(|e| {
            e.filter_map(|e| e.ok())
                .map(|e| {
                    (
                        e.file_name().to_string_lossy().into_owned(),
                        std::fs::read(e.path()).unwrap(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

#[test]
fn man_pages_and_completions_are_fresh() {
    let env = TestEnv::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("MEM_BLESS").is_some() {
        env.ok(&["generate-docs", "--out", root.to_str().unwrap()]);
        return;
    }
    let out = tempfile::tempdir().unwrap();
    env.ok(&["generate-docs", "--out", out.path().to_str().unwrap()]);
    for dir in ["man", "completions"] {
        let want = files(&out.path().join(dir));
        let have = files(&root.join(dir));
        let names = |v: &[(String, Vec<u8>)]| v.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
        assert_eq!(
            names(&have),
            names(&want),
            "{dir}/ is stale: run MEM_BLESS=1 cargo test"
        );
        for ((name, a), (_, b)) in have.iter().zip(&want) {
            assert!(a == b, "{dir}/{name} is stale: run MEM_BLESS=1 cargo test");
        }
    }
    assert!(files(&out.path().join("man"))
        .iter()
        .any(|(n, _)| n == "mem-save.1"));
}
