//! Property: random saves, keyed edits and deletes on three devices, synced
//! in random order, always converge — the same observations and the same
//! merge records everywhere, and nothing ever saved is lost.

use std::collections::BTreeSet;

use proptest::prelude::*;

use crate::common::{bare_remote, Device, TestEnv};

#[derive(Debug, Clone)]
enum Op {
    Save { device: usize, key: Option<u8> },
    Delete { device: usize, pick: usize },
    Sync { device: usize },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..3usize, proptest::option::of(0..2u8)).prop_map(|(device, key)| Op::Save { device, key }),
        1 => (0..3usize, 0..50usize).prop_map(|(device, pick)| Op::Delete { device, pick }),
        3 => (0..3usize).prop_map(|device| Op::Sync { device }),
    ]
}

fn sync(d: &Device) {
    let out = d.mem().arg("sync").output().unwrap();
    // 0: clean; 3: merge records are open. Anything else is a failure.
    assert!(
        matches!(out.status.code(), Some(0 | 3)),
        "[{}] sync: {}",
        d.name,
        String::from_utf8_lossy(&out.stderr)
    );
}

fn records(d: &Device) -> BTreeSet<String> {
    let out = d
        .mem()
        .args(["conflicts", "list", "--all", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

fn live(d: &Device) -> Vec<String> {
    d.list_ids(&[])
}

proptest! {
    // A fixed seed: CI must not depend on the draw; each case runs ~40 mem processes.
    #![proptest_config(ProptestConfig {
        cases: 4,
        max_shrink_iters: 0,
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x6b696f6b75),
        ..ProptestConfig::default()
    })]
    #[test]
    fn three_devices_always_converge(ops in proptest::collection::vec(op(), 4..14)) {
        let tmp = tempfile::tempdir().unwrap();
        let (_, url) = bare_remote(tmp.path(), "user");
        let devices: Vec<Device> = ["a", "b", "c"].iter().map(|n| TestEnv::device(n)).collect();
        devices[0].ok(&["init", "--remote", &url]);
        devices[0].ok(&["sync"]);
        devices[1].ok(&["init", "--remote", &url]);
        devices[2].ok(&["init", "--remote", &url]);
        let mut saved: Vec<String> = Vec::new();
        for (n, op) in ops.iter().enumerate() {
            match op {
                Op::Save { device, key } => {
                    let text = format!("note {n} from {}", devices[*device].name);
                    let mut args = vec!["save", text.as_str(), "--json"];
                    let key = key.map(|k| format!("topic-{k}"));
                    if let Some(k) = &key {
                        args.extend(["--key", k.as_str()]);
                    }
                    let v: serde_json::Value = serde_json::from_str(&devices[*device].ok(&args)).unwrap();
                    saved.push(v["id"].as_str().unwrap().to_owned());
                }
                Op::Delete { device, pick } => {
                    let here = live(&devices[*device]);
                    if !here.is_empty() {
                        devices[*device].ok(&["delete", &here[pick % here.len()]]);
                    }
                }
                Op::Sync { device } => sync(&devices[*device]),
            }
        }
        for _ in 0..2 {
            for d in &devices {
                sync(d);
            }
        }
        let want = devices[0].all_ids();
        let want_live = live(&devices[0]);
        let want_records = records(&devices[0]);
        for d in &devices[1..] {
            prop_assert_eq!(&d.all_ids(), &want, "observations differ on {}", d.name);
            prop_assert_eq!(&live(d), &want_live, "live observations differ on {}", d.name);
            prop_assert_eq!(&records(d), &want_records, "merge records differ on {}", d.name);
        }
        for id in &saved {
            prop_assert!(want.contains(id), "lost {}", id);
        }
    }
}
