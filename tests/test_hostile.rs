//! The git host is not trusted: commits it writes straight into the bare
//! remote with plain git can neither add a reader to an encrypted scope,
//! nor turn encryption off, nor make memories vanish. Members' own changes
//! still propagate with no manual step.

use std::path::{Path, PathBuf};

use proptest::prelude::*;

use crate::common::{bare_remote, blob, host_commit, paths_at, Device, Keyholder, TestEnv};

const SCOPE: &str = "team/core";
const META: [&str; 3] = [
    ".kioku/recipients",
    ".kioku/recipients.mac",
    ".kioku/scope-key.age",
];

struct Team {
    _dir: tempfile::TempDir,
    remote: PathBuf,
    url: String,
    a: Device,
    b: Device,
    host: Keyholder,
}

fn recipient(d: &Device) -> String {
    d.ok(&["key", "show"]).trim().to_owned()
}

/// Alice makes an encrypted team scope on a remote, adds Bob, saves one
/// observation; Bob joins. The host has an identity of its own.
fn team() -> Team {
    let dir = tempfile::tempdir().unwrap();
    let (remote, url) = bare_remote(dir.path(), "core");
    let a = TestEnv::device_with_own_identity("alice");
    let b = TestEnv::device_with_own_identity("bob");
    a.ok(&["init"]);
    b.ok(&["init"]);
    a.ok(&["scope", "add", SCOPE, "--remote", &url, "--encrypt"]);
    a.ok(&[
        "scope",
        "recipients",
        SCOPE,
        "add",
        &recipient(&b),
        "--name",
        "bob",
    ]);
    a.save_id(&["written before the host acted", "--scope", SCOPE]);
    a.ok(&["sync"]);
    b.ok(&["scope", "add", SCOPE, "--remote", &url]);
    Team {
        _dir: dir,
        remote,
        url,
        a,
        b,
        host: Keyholder::new(),
    }
}

fn sync_ok(d: &Device) -> String {
    let out = d.mem().args(["sync"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "[{}] sync: {stderr}", d.name);
    stderr
}

/// `mem sync` says `phrase` once and exits 5.
fn sync_refuses(d: &Device, phrase: &str) -> String {
    let out = d.mem().args(["sync"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(5), "[{}] sync: {stderr}", d.name);
    assert_eq!(stderr.matches(phrase).count(), 1, "[{}] {stderr}", d.name);
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

/// `mem doctor` names the problem and exits 1.
fn doctor_reports(d: &Device, phrase: &str) -> String {
    let out = d.mem().args(["doctor"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "[{}] doctor: {stdout}", d.name);
    assert!(stdout.contains(phrase), "[{}] doctor: {stdout}", d.name);
    stdout
}

fn titles(d: &Device) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(&d.ok(&[
        "list",
        "--all-projects",
        "-n",
        "1000",
        "--json",
        "--scope",
        SCOPE,
    ]))
    .unwrap();
    let mut t: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["title"].as_str().unwrap().to_owned())
        .collect();
    t.sort();
    t
}

/// Every content file of the remote's tree is ciphertext, and none of it
/// opens with `outsider`'s identity. (`.kioku/` is metadata; a key file the
/// host put back itself may open for whoever it was made for.)
fn sealed_against(remote: &Path, outsider: &Keyholder) {
    for path in paths_at(remote) {
        if path.starts_with(".kioku/") {
            continue;
        }
        assert!(path.ends_with(".age"), "plaintext on the remote: {path}");
        assert!(
            !outsider.can_read(&blob(remote, "main", &path)),
            "{path} opens with an identity no member added"
        );
    }
}

/// After the host acted and both members synced: each saves, both sync,
/// each reads the other's, the host reads nothing, nothing is lost.
fn members_still_private(t: &Team, expect_refusal: Option<&str>) {
    let sync = |d: &Device| match expect_refusal {
        Some(p) => {
            sync_refuses(d, p);
        }
        None => {
            sync_ok(d);
        }
    };
    let mut want = titles(&t.a);
    t.a.save_id(&["alice after the host acted", "--scope", SCOPE]);
    sync(&t.a);
    sync(&t.b);
    t.b.save_id(&["bob after the host acted", "--scope", SCOPE]);
    sync(&t.b);
    sync(&t.a);
    want.extend([
        "alice after the host acted".into(),
        "bob after the host acted".into(),
    ]);
    want.sort();
    assert_eq!(titles(&t.a), want);
    assert_eq!(titles(&t.b), want);
    sealed_against(&t.remote, &t.host);
}

#[test]
fn the_host_appending_its_own_recipient_is_refused() {
    let t = team();
    let mut list = blob(&t.remote, "main", ".kioku/recipients");
    list.extend(format!("{} # alice-backup\n", t.host.recipient).bytes());
    host_commit(&t.remote, &[(".kioku/recipients", list)], &[]);
    let said = sync_refuses(
        &t.a,
        "recipient list of scope 'team/core' changed on the remote",
    );
    assert!(said.contains("adds alice-backup"), "{said}");
    sync_refuses(&t.b, "changed on the remote");
    let doctor = doctor_reports(&t.a, "mem scope recipients team/core accept");
    assert!(
        doctor.contains(&format!("+ {}", t.host.recipient)),
        "{doctor}"
    );
    // The list the device shows is the one it verified.
    assert!(!t
        .a
        .ok(&["scope", "recipients", SCOPE, "list"])
        .contains(&t.host.recipient));
    members_still_private(&t, Some("changed on the remote"));
}

#[test]
fn the_host_replacing_the_list_is_refused() {
    let t = team();
    let list = format!("{} # alice\n", t.host.recipient).into_bytes();
    host_commit(&t.remote, &[(".kioku/recipients", list)], &[]);
    sync_refuses(&t.a, "changed on the remote");
    sync_refuses(&t.b, "changed on the remote");
    doctor_reports(&t.b, "accept");
    members_still_private(&t, Some("changed on the remote"));
    // Accepting is the user's explicit act; here Alice puts her own list back.
    let own = t.a.ok(&["scope", "recipients", SCOPE, "list"]);
    assert!(own.contains("bob"), "{own}");
}

#[test]
fn a_replayed_older_list_is_refused_after_a_removal() {
    let t = team();
    let carol = Keyholder::new();
    t.a.ok(&[
        "scope",
        "recipients",
        SCOPE,
        "add",
        &carol.recipient,
        "--name",
        "carol",
    ]);
    sync_ok(&t.a);
    sync_ok(&t.b);
    let old: Vec<(&str, Vec<u8>)> = META
        .iter()
        .map(|p| (*p, blob(&t.remote, "main", p)))
        .collect();
    t.a.ok(&["scope", "recipients", SCOPE, "rm", "carol"]);
    sync_ok(&t.a);
    sync_ok(&t.b);
    // The host puts back the list that still had Carol, MAC and all.
    host_commit(&t.remote, &old, &[]);
    let said = sync_refuses(&t.a, "older recipient list of scope 'team/core'");
    assert!(said.contains("re-add carol"), "{said}");
    sync_refuses(&t.b, "older recipient list");
    doctor_reports(&t.a, "older recipient list");
    members_still_private(&t, Some("older recipient list"));
    sealed_against(&t.remote, &carol);
}

#[test]
fn the_host_turning_encryption_off_is_refused() {
    let t = team();
    host_commit(
        &t.remote,
        &[(
            ".kioku/scope.yaml",
            b"format: 1\nscope: team/core\nencrypted: false\n".to_vec(),
        )],
        &[],
    );
    sync_refuses(
        &t.a,
        "the remote turned encryption off in scope 'team/core'",
    );
    sync_refuses(&t.b, "turned encryption off");
    doctor_reports(&t.a, "mem scope rekey team/core");
    members_still_private(&t, Some("turned encryption off"));
    // The fix writes the metadata back; the next syncs are quiet.
    t.a.ok(&["scope", "rekey", SCOPE]);
    sync_ok(&t.a);
    sync_ok(&t.b);
}

#[test]
fn observations_removed_by_the_host_are_kept() {
    let t = team();
    t.b.save_id(&["second one", "--scope", SCOPE]);
    sync_ok(&t.b);
    sync_ok(&t.a);
    let obs: Vec<String> = paths_at(&t.remote)
        .into_iter()
        .filter(|p| p.starts_with("obs/"))
        .collect();
    assert_eq!(obs.len(), 2);
    let refs: Vec<&str> = obs.iter().map(String::as_str).collect();
    host_commit(&t.remote, &[], &refs);
    sync_refuses(
        &t.a,
        "2 file(s) of scope 'team/core' were removed by the remote without a tombstone",
    );
    doctor_reports(&t.a, "removed by the remote without a tombstone");
    // Alice pushed them back: Bob's device has nothing to keep.
    for p in &obs {
        assert!(paths_at(&t.remote).contains(p), "{p} not restored");
    }
    sync_ok(&t.b);
    assert_eq!(
        titles(&t.b),
        vec!["second one", "written before the host acted"]
    );
    members_still_private(&t, None);
}

#[test]
fn messages_and_acks_removed_by_the_host_are_kept() {
    let t = team();
    t.a.ok(&[
        "send",
        "--to",
        "device:bob",
        "--scope",
        SCOPE,
        "--requires-ack",
        "the parser tests are half done",
    ]);
    t.a.ok(&[
        "send",
        "--to",
        "device:alice",
        "--scope",
        SCOPE,
        "acked already",
    ]);
    let id = t.a.ok(&["inbox", "--json"]);
    let id = serde_json::from_str::<serde_json::Value>(&id).unwrap()[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    t.a.ok(&["ack", &id]);
    sync_ok(&t.a);
    let planted: Vec<String> = paths_at(&t.remote)
        .into_iter()
        .filter(|p| p.starts_with("msg/") || p.starts_with("ack/"))
        .collect();
    assert_eq!(planted.len(), 3, "{planted:?}");
    let refs: Vec<&str> = planted.iter().map(String::as_str).collect();
    host_commit(&t.remote, &[], &refs);
    sync_refuses(&t.a, "were removed by the remote without a tombstone");
    for p in &planted {
        assert!(paths_at(&t.remote).contains(p), "{p} not restored");
    }
    sync_ok(&t.b);
    assert!(t
        .b
        .ok(&["inbox"])
        .contains("the parser tests are half done"));
}

#[test]
fn tombstones_removed_by_the_host_are_kept() {
    let t = team();
    let id = t.a.save_id(&["deleted on purpose", "--scope", SCOPE]);
    t.a.ok(&["delete", &id]);
    sync_ok(&t.a);
    sync_ok(&t.b);
    let tombs: Vec<String> = paths_at(&t.remote)
        .into_iter()
        .filter(|p| p.starts_with("tomb/"))
        .collect();
    assert_eq!(tombs.len(), 1);
    host_commit(&t.remote, &[], &[&tombs[0]]);
    // Bob's device keeps the tombstone and pushes it back, so Alice's
    // device sees nothing removed.
    sync_refuses(&t.b, "removed by the remote without a tombstone");
    doctor_reports(&t.b, "removed by the remote without a tombstone");
    sync_ok(&t.a);
    for d in [&t.a, &t.b] {
        assert!(!titles(d).contains(&"deleted on purpose".to_owned()));
    }
    // A member's own restore (saving it again) still propagates.
    t.a.save_id(&["deleted on purpose", "--scope", SCOPE]);
    sync_ok(&t.a);
    sync_ok(&t.b);
    assert!(titles(&t.b).contains(&"deleted on purpose".to_owned()));
    members_still_private(&t, None);
}

#[test]
fn a_list_and_mac_copied_from_another_scope_are_refused() {
    let t = team();
    // Alice shares another scope with the host itself: its list, MAC and
    // key file are valid — for that scope.
    let (_, other_url) = bare_remote(t._dir.path(), "shared");
    t.a.ok(&[
        "scope",
        "add",
        "team/shared",
        "--remote",
        &other_url,
        "--encrypt",
    ]);
    t.a.ok(&[
        "scope",
        "recipients",
        "team/shared",
        "add",
        &t.host.recipient,
        "--name",
        "host",
    ]);
    sync_ok(&t.a);
    let shared = t.a.env.scope_repo("team/shared");
    let copied: Vec<(&str, Vec<u8>)> = META
        .iter()
        .map(|p| (*p, blob(&shared, "main", p)))
        .collect();
    host_commit(&t.remote, &copied, &[]);
    sync_refuses(
        &t.a,
        "recipient list of scope 'team/core' changed on the remote",
    );
    // Bob cannot open the copied key: his device says it cannot check it.
    sync_refuses(&t.b, "recipient list of scope 'team/core'");
    doctor_reports(&t.a, "accept");
    members_still_private(&t, Some("recipient list of scope 'team/core'"));
}

#[test]
fn members_adding_and_removing_devices_need_no_manual_step() {
    let t = team();
    // Alice adds Dave: Bob's device picks it up, and Dave reads Bob's save.
    let dave = TestEnv::device_with_own_identity("dave");
    dave.ok(&["init"]);
    t.a.ok(&[
        "scope",
        "recipients",
        SCOPE,
        "add",
        &recipient(&dave),
        "--name",
        "dave",
    ]);
    sync_ok(&t.a);
    let quiet = sync_ok(&t.b);
    assert!(!quiet.contains("refused"), "{quiet}");
    assert!(t
        .b
        .ok(&["scope", "recipients", SCOPE, "list"])
        .contains("dave"));
    t.b.save_id(&["bob writes for dave too", "--scope", SCOPE]);
    sync_ok(&t.b);
    dave.ok(&["scope", "add", SCOPE, "--remote", &t.url]);
    let fingerprint = |d: &Device| {
        d.ok(&["scope", "recipients", SCOPE, "list"])
            .lines()
            .next()
            .unwrap()
            .to_owned()
    };
    assert_eq!(fingerprint(&dave), fingerprint(&t.b));
    assert!(titles(&dave).contains(&"bob writes for dave too".to_owned()));
    // Alice removes Dave: Bob's device follows, and Dave cannot read
    // what Bob saves afterwards.
    t.a.ok(&["scope", "recipients", SCOPE, "rm", "dave"]);
    sync_ok(&t.a);
    sync_ok(&t.b);
    let before: Vec<String> = paths_at(&t.remote);
    t.b.save_id(&["bob after dave left", "--scope", SCOPE]);
    sync_ok(&t.b);
    let dave_key = Keyholder {
        recipient: recipient(&dave),
        env: dave.env,
    };
    let new: Vec<String> = paths_at(&t.remote)
        .into_iter()
        .filter(|p| !before.contains(p))
        .collect();
    assert_eq!(new.len(), 1, "{new:?}");
    assert!(!dave_key.can_read(&blob(&t.remote, "main", &new[0])));
    sync_ok(&t.a);
    assert!(titles(&t.a).contains(&"bob after dave left".to_owned()));
}

#[test]
fn a_plaintext_scope_keeps_what_its_host_removes() {
    let dir = tempfile::tempdir().unwrap();
    let (remote, url) = bare_remote(dir.path(), "open");
    let a = TestEnv::device("laptop");
    a.ok(&["init"]);
    a.ok(&["scope", "add", "team/open", "--remote", &url]);
    let id = a.save_id(&["a plaintext note", "--scope", "team/open"]);
    sync_ok(&a);
    let obs: Vec<String> = paths_at(&remote)
        .into_iter()
        .filter(|p| p.starts_with("obs/"))
        .collect();
    host_commit(&remote, &[], &[&obs[0]]);
    sync_refuses(
        &a,
        "1 file(s) of scope 'team/open' were removed by the remote without a tombstone",
    );
    assert!(a.ok(&["get", &id]).contains("a plaintext note"));
    assert!(paths_at(&remote).contains(&obs[0]));
    // A member's deletion still goes through.
    a.ok(&["delete", &id]);
    sync_ok(&a);
}

#[test]
fn two_members_changing_the_list_at_once_are_joined() {
    let t = team();
    let (x, y) = (Keyholder::new(), Keyholder::new());
    t.a.ok(&[
        "scope",
        "recipients",
        SCOPE,
        "add",
        &x.recipient,
        "--name",
        "x",
    ]);
    t.b.ok(&[
        "scope",
        "recipients",
        SCOPE,
        "add",
        &y.recipient,
        "--name",
        "y",
    ]);
    sync_ok(&t.a);
    // Bob's device merges both changes, each checked, under a fresh key.
    sync_ok(&t.b);
    sync_ok(&t.a);
    for d in [&t.a, &t.b] {
        let list = d.ok(&["scope", "recipients", SCOPE, "list"]);
        assert!(
            list.contains(&x.recipient) && list.contains(&y.recipient),
            "{list}"
        );
    }
    let before = paths_at(&t.remote);
    t.a.save_id(&["for everyone the members added", "--scope", SCOPE]);
    sync_ok(&t.a);
    let new: Vec<String> = paths_at(&t.remote)
        .into_iter()
        .filter(|p| !before.contains(p))
        .collect();
    assert_eq!(new.len(), 1, "{new:?}");
    let sealed = blob(&t.remote, "main", &new[0]);
    assert!(x.can_read(&sealed) && y.can_read(&sealed));
    assert!(!t.host.can_read(&sealed));
}

#[derive(Debug, Clone)]
enum Step {
    /// A member adds a new device's key (and it is a reader from then on).
    MemberAdds,
    /// A member removes the newest added device, if any.
    MemberRemoves,
    /// The host appends its own key to the list.
    HostAppends,
    /// The host puts back the metadata of an earlier state.
    HostReplays,
    /// The host turns encryption off.
    HostFlips,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        Just(Step::MemberAdds),
        Just(Step::MemberRemoves),
        Just(Step::HostAppends),
        Just(Step::HostReplays),
        Just(Step::HostFlips),
    ]
}

proptest! {
    // Each case runs mem a few dozen times: a handful of cases.
    #![proptest_config(ProptestConfig { cases: 4, ..ProptestConfig::default() })]

    #[test]
    fn no_interleaving_ends_with_a_save_an_outsider_reads(steps in proptest::collection::vec(step(), 1..4)) {
        let t = team();
        let mut snapshots: Vec<Vec<(&str, Vec<u8>)>> = Vec::new();
        let mut added: Vec<Keyholder> = Vec::new();
        let mut removed: Vec<Keyholder> = Vec::new();
        for s in &steps {
            snapshots.push(META.iter().map(|p| (*p, blob(&t.remote, "main", p))).collect());
            match s {
                Step::MemberAdds => {
                    let k = Keyholder::new();
                    t.a.ok(&["scope", "recipients", SCOPE, "add", &k.recipient]);
                    added.push(k);
                }
                Step::MemberRemoves => {
                    if let Some(k) = added.pop() {
                        // Removing needs a list the device verified: accept
                        // first whatever it refused, as a user would.
                        let _ = t.a.mem().args(["scope", "recipients", SCOPE, "rm", &k.recipient]).output();
                        removed.push(k);
                    }
                }
                Step::HostAppends => {
                    let mut list = blob(&t.remote, "main", ".kioku/recipients");
                    list.extend(format!("{} # host\n", t.host.recipient).bytes());
                    host_commit(&t.remote, &[(".kioku/recipients", list)], &[]);
                }
                Step::HostReplays => {
                    let first = snapshots[0].clone();
                    host_commit(&t.remote, &first, &[]);
                }
                Step::HostFlips => host_commit(
                    &t.remote,
                    &[(".kioku/scope.yaml", b"format: 1\nscope: team/core\nencrypted: false\n".to_vec())],
                    &[],
                ),
            }
            for d in [&t.a, &t.b] {
                let out = d.mem().args(["sync"]).output().unwrap();
                let code = out.status.code();
                prop_assert!(code == Some(0) || code == Some(5), "{:?}", String::from_utf8_lossy(&out.stderr));
            }
        }
        let before = paths_at(&t.remote);
        t.a.save_id(&["the last word", "--scope", SCOPE]);
        let _ = t.a.mem().args(["sync"]).output().unwrap();
        let new: Vec<String> = paths_at(&t.remote).into_iter().filter(|p| !before.contains(p) && p.starts_with("obs/")).collect();
        prop_assert_eq!(new.len(), 1);
        let sealed = blob(&t.remote, "main", &new[0]);
        prop_assert!(!t.host.can_read(&sealed), "the host reads the last save after {:?}", steps);
        for k in &removed {
            prop_assert!(!k.can_read(&sealed), "a removed key reads the last save after {:?}", steps);
        }
    }
}
