//! The on-demand benchmark: `cargo bench --bench mem [-- SIZES…]`.
//!
//! Builds a corpus from real text on this machine — the Debian changelog
//! entries of the installed packages (`/usr/share/doc/*/changelog.Debian.gz`)
//! and the package descriptions (`apt-cache dumpavail`), topped up with
//! numbered variants to reach each size — imports it into a fresh store and
//! reports, per size (default 10000 and 100000):
//!
//! * p50/p95 of the whole `mem save`, `mem search` and `mem get` processes,
//! * `mem reindex` time,
//! * index and repository size after `git gc`, and repository growth per
//!   observation saved one by one,
//! * `rg` over `mem export --format markdown` for the same queries, as a
//!   ratio (skipped when `rg` is not installed: `apt-get install ripgrep`),
//! * the agent hooks: session start (characters and the block's own token
//!   estimate), recall at a prompt, a tool event's spool line.
//!
//! Targets are in benches/README.md. Nothing here runs in `cargo test`.

use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const QUERIES: &[&str] = &[
    "security",
    "memory leak",
    "upstream release",
    "CVE",
    "translation",
    "segfault",
    "python3",
    "build depends",
    "manpage",
    "library",
    "regression",
    "systemd",
];

struct Rec {
    title: String,
    body: String,
    author: Option<String>,
    created: Option<String>,
    tags: Vec<String>,
}

fn changelog_entries(out: &mut Vec<Rec>) {
    let Ok(dirs) = std::fs::read_dir("/usr/share/doc") else {
        return;
    };
    let mut paths: Vec<PathBuf> = dirs
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("changelog.Debian.gz"))
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    for path in paths {
        let Ok(file) = std::fs::File::open(&path) else {
            continue;
        };
        let mut text = String::new();
        if flate2::read::GzDecoder::new(file)
            .read_to_string(&mut text)
            .is_err()
        {
            continue;
        }
        let mut header: Option<String> = None;
        let mut body = String::new();
        for line in text.lines() {
            if !line.starts_with(' ') && line.contains(") ") && line.contains("urgency=") {
                header = Some(line.split(';').next().unwrap_or(line).to_owned());
                body.clear();
            } else if let Some(trailer) = line.strip_prefix(" -- ") {
                if let Some(h) = header.take() {
                    let (who, when) = trailer.split_once("  ").unwrap_or((trailer, ""));
                    let author = who.split('<').next().unwrap_or(who).trim().to_owned();
                    let created = jiff::fmt::rfc2822::parse(when.trim())
                        .ok()
                        .map(|z| kioku_mesh::time::format(z.timestamp()));
                    let pkg = h.split_whitespace().next().unwrap_or("").to_owned();
                    if !body.trim().is_empty() {
                        out.push(Rec {
                            title: h,
                            body: body.trim().to_owned(),
                            author: Some(author),
                            created,
                            tags: vec![pkg, "changelog".into()],
                        });
                    }
                }
                body.clear();
            } else if header.is_some() {
                body.push_str(line.trim_start());
                body.push('\n');
            }
        }
    }
}

fn descriptions(out: &mut Vec<Rec>) {
    let Ok(child) = Command::new("apt-cache")
        .arg("dumpavail")
        .stdout(Stdio::piped())
        .spawn()
    else {
        return;
    };
    let reader = std::io::BufReader::new(child.stdout.unwrap());
    let (mut pkg, mut title, mut body, mut in_desc) =
        (String::new(), String::new(), String::new(), false);
    let flush = |pkg: &str, title: &str, body: &str, out: &mut Vec<Rec>| {
        if !title.is_empty() {
            out.push(Rec {
                title: format!("{pkg}: {title}"),
                body: if body.trim().is_empty() {
                    title.to_owned()
                } else {
                    body.trim().to_owned()
                },
                author: None,
                created: None,
                tags: vec![pkg.to_owned(), "package".into()],
            });
        }
    };
    for line in reader.lines().map_while(Result::ok) {
        if line.is_empty() {
            flush(&pkg, &title, &body, out);
            title.clear();
            body.clear();
            in_desc = false;
        } else if let Some(p) = line.strip_prefix("Package: ") {
            pkg = p.to_owned();
        } else if let Some(d) = line.strip_prefix("Description: ") {
            title = d.to_owned();
            in_desc = true;
        } else if in_desc && line.starts_with(' ') {
            let l = line.trim();
            body.push_str(if l == "." { "" } else { l });
            body.push('\n');
        } else {
            in_desc = false;
        }
    }
    flush(&pkg, &title, &body, out);
}

/// The corpus as `mem import --from jsonl` reads it.
fn write_jsonl(recs: &[Rec], path: &Path) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for r in recs {
        let mut v = serde_json::json!({"title": r.title, "body": r.body, "tags": r.tags, "author": r.author});
        if let Some(c) = &r.created {
            v["created"] = c.clone().into();
        }
        writeln!(f, "{v}").unwrap();
    }
}

fn corpus(n: usize) -> Vec<Rec> {
    let mut base = Vec::new();
    changelog_entries(&mut base);
    let changelogs = base.len();
    descriptions(&mut base);
    let descs = base.len() - changelogs;
    // Several binary packages ship the same changelog: keep one copy, as
    // `mem import` would (same content, same id).
    let mut seen = std::collections::HashSet::new();
    base.retain(|r| seen.insert((r.title.clone(), r.body.clone())));
    // Undated records get dates spread over five years (deterministic), as a
    // store used for years has: a save then rewrites a day's tree of typical
    // size, not one holding every undated record.
    let start = jiff::Timestamp::from_second(1_640_995_200).unwrap(); // 2022-01-01
    for (i, r) in base.iter_mut().enumerate() {
        if r.created.is_none() {
            let offset = (i as i64 * 7919 * 60) % (5 * 365 * 86_400);
            r.created = Some(kioku_mesh::time::format(
                start
                    .checked_add(jiff::SignedDuration::from_secs(offset))
                    .unwrap(),
            ));
        }
    }
    eprintln!(
        "corpus: {changelogs} changelog entries, {descs} descriptions, {} distinct",
        base.len()
    );
    assert!(!base.is_empty(), "no Debian text found on this machine");
    let mut out = Vec::with_capacity(n);
    let mut round = 0;
    let big_day = big_day_size(n);
    while out.len() < n {
        for r in &base {
            if out.len() == n {
                break;
            }
            let suffix = if round == 0 {
                String::new()
            } else {
                format!(" (variant {round})")
            };
            // One record in 50 on one day (20,000 at 1,000,000), spread
            // over its hours: the day a busy team scope or an import of
            // undated records makes.
            let i = out.len();
            let created = if i % 50 == 7 && i / 50 < big_day {
                Some(format!(
                    "{BIG_DAY}T{:02}:{:02}:{:02}Z",
                    (i / 3600) % 24,
                    (i / 60) % 60,
                    i % 60
                ))
            } else {
                r.created.clone()
            };
            out.push(Rec {
                title: format!("{}{suffix}", r.title),
                body: format!("{}{suffix}", r.body),
                author: r.author.clone(),
                created,
                tags: r.tags.clone(),
            });
        }
        round += 1;
    }
    out
}

/// The day that holds one record in 50 of the corpus.
const BIG_DAY: &str = "2026-06-15";

/// How many records the corpus puts on [`BIG_DAY`]: one in 50.
fn big_day_size(n: usize) -> usize {
    n / 50
}

/// The `k` words (lower case, letters only, not in the query stopword
/// list) found in the most records, with the share of records holding each:
/// the searches where a word matches most of the store.
fn common_words(recs: &[Rec], k: usize) -> Vec<(String, f64)> {
    const SKIP: &[&str] = &[
        "the", "and", "for", "with", "from", "this", "that", "was", "are", "not", "new", "to",
        "of", "in", "a", "is", "on", "by", "it", "be", "as", "an", "or", "at", "into", "now",
        "use", "when", "which", "can", "its", "also", "all", "has", "have", "more", "no", "but",
        "if", "some", "so", "than", "other", "one", "do", "does", "been", "after", "only", "they",
    ];
    let mut df: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for r in recs {
        let text = format!("{} {}", r.title, r.body).to_lowercase();
        let words: std::collections::HashSet<&str> = text
            .split(|c: char| !c.is_ascii_alphabetic())
            .filter(|w| w.len() > 2 && !SKIP.contains(w))
            .collect();
        for w in words {
            *df.entry(w.to_owned()).or_default() += 1;
        }
    }
    let mut words: Vec<(String, usize)> = df.into_iter().collect();
    words.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    words
        .into_iter()
        .take(k)
        .map(|(w, n)| (w, n as f64 / recs.len() as f64))
        .collect()
}

struct Bench {
    bin: PathBuf,
    home: tempfile::TempDir,
    cwd: tempfile::TempDir,
    /// Peak resident set (KiB) per command, from one run of each under
    /// GNU time, and the peak of its own memory in that run (sampled).
    peaks: std::cell::RefCell<std::collections::BTreeMap<String, (u64, Option<u64>)>>,
}

/// A run of a command under GNU time: where it writes the peak, and the
/// sampler of its own memory ([`OwnMemory`]) once it has started.
struct Measured {
    file: PathBuf,
    own: Option<OwnMemory>,
}

/// Samples, every 10 ms until stopped, the own memory (`RssAnon` in
/// `/proc/PID/status`: heap and stacks, not the pages of mapped files) of
/// every process below GNU time's pid — `mem` and any `git` it starts;
/// the largest one process reached, in KiB. GNU time's peak also
/// counts the pages of the files a process maps (a scope's packs, read
/// through `mmap`), which are page cache the kernel can take back. A
/// sample can miss a peak shorter than 10 ms.
struct OwnMemory {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<Option<u64>>>,
}

impl OwnMemory {
    fn start(pid: u32) -> OwnMemory {
        use std::sync::atomic::Ordering;
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut peak = None;
            while !stopped.load(Ordering::Relaxed) {
                // Only processes below GNU time: none seen (a kernel
                // without `/proc/PID/task/TID/children`) means no figure.
                for p in descendants(pid) {
                    let kib = rss_anon_kib(p).unwrap_or(0);
                    peak = Some(peak.map_or(kib, |k: u64| k.max(kib)));
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            peak
        });
        OwnMemory {
            stop,
            thread: Some(thread),
        }
    }

    /// Stop sampling; the peak, if any process was seen.
    fn finish(mut self) -> Option<u64> {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.thread.take()?.join().ok().flatten()
    }
}

impl Drop for OwnMemory {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Every process below `pid`, from `/proc/PID/task/TID/children`.
fn descendants(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let mut todo = vec![pid];
    while let Some(p) = todo.pop() {
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{p}/task")) else {
            continue;
        };
        for task in tasks.filter_map(Result::ok) {
            let children =
                std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
            for c in children.split_whitespace().filter_map(|c| c.parse().ok()) {
                out.push(c);
                todo.push(c);
            }
        }
    }
    out
}

/// `RssAnon` of `pid`, in KiB.
fn rss_anon_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("RssAnon:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// GNU time, which reports a child's peak resident set (`%M`, KiB).
/// Measuring it here with `wait4(2)` would not do: a child forked from
/// this process inherits its high-water mark (the corpus in memory).
const TIME: &str = "/usr/bin/time";

impl Bench {
    fn new(bin: &Path) -> Bench {
        Bench {
            bin: bin.to_owned(),
            home: tempfile::tempdir().unwrap(),
            cwd: tempfile::tempdir().unwrap(),
            peaks: Default::default(),
        }
    }

    /// A command running `mem` that, the first time a `label` is seen,
    /// runs it under GNU time; then [`Bench::note_peak`] reads what it
    /// wrote. The extra process (about a millisecond) is in one sample per
    /// label only.
    fn cmd_for(&self, label: &str) -> (Command, Option<Measured>) {
        if self.peaks.borrow().contains_key(label) || !Path::new(TIME).exists() {
            return (self.cmd(), None);
        }
        let out = self
            .home
            .path()
            .join(format!(".peak-{}", self.peaks.borrow().len()));
        let mut c = Command::new(TIME);
        c.arg("-f")
            .arg("%M")
            .arg("-o")
            .arg(&out)
            .arg(&self.bin)
            .env("MEM_HOME", self.home.path())
            .env("USER", "bench")
            .env("MEM_DEVICE", "bench")
            .current_dir(self.cwd.path())
            .env_remove("MEM_NOW");
        (
            c,
            Some(Measured {
                file: out,
                own: None,
            }),
        )
    }

    /// Record under `label` the peak that GNU time wrote, and the peak of
    /// own memory sampled.
    fn note_peak(&self, label: &str, measured: Option<Measured>) {
        let Some(Measured { file, own }) = measured else {
            return;
        };
        let own = own.and_then(OwnMemory::finish);
        let kib = std::fs::read_to_string(&file)
            .ok()
            .and_then(|t| t.lines().last()?.trim().parse::<u64>().ok());
        let _ = std::fs::remove_file(&file);
        if let Some(kib) = kib {
            self.peaks.borrow_mut().insert(label.to_owned(), (kib, own));
        }
    }

    /// The peaks seen so far, largest first.
    fn report_peaks(&self) {
        if !Path::new(TIME).exists() {
            println!("  peak memory not measured: apt-get install time");
            return;
        }
        let mut peaks: Vec<(String, (u64, Option<u64>))> =
            self.peaks.borrow().clone().into_iter().collect();
        peaks.sort_by_key(|p| std::cmp::Reverse(p.1 .0));
        let mib = |k: u64| k as f64 / 1024.0;
        let list: Vec<String> = peaks
            .iter()
            .map(|(l, (k, own))| match own {
                // A command done within a sample or two shows none.
                Some(own) if *own > 0 => format!("{l} {:.0} ({:.0} own)", mib(*k), mib(*own)),
                _ => format!("{l} {:.0}", mib(*k)),
            })
            .collect();
        println!(
            "  peak memory, with mapped files (own memory), MiB: {}",
            list.join(", ")
        );
    }
}

impl Bench {
    fn cmd(&self) -> Command {
        let mut c = Command::new(&self.bin);
        c.env("MEM_HOME", self.home.path())
            .env("USER", "bench")
            .env("MEM_DEVICE", "bench")
            .current_dir(self.cwd.path())
            .env_remove("MEM_NOW");
        c
    }

    fn run(&self, args: &[&str]) -> (Duration, Vec<u8>) {
        let (mut cmd, mut peak) = self.cmd_for(args[0]);
        let start = Instant::now();
        let child = cmd
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("mem runs");
        if let Some(m) = &mut peak {
            m.own = Some(OwnMemory::start(child.id()));
        }
        let out = child.wait_with_output().expect("mem runs");
        let took = start.elapsed();
        self.note_peak(args[0], peak);
        assert!(
            out.status.success(),
            "mem {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        (took, out.stdout)
    }
}

fn percentile(samples: &mut [Duration], p: f64) -> f64 {
    samples.sort();
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[i].as_secs_f64() * 1000.0
}

fn dir_size(path: &Path) -> u64 {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return 0;
    };
    if !meta.is_dir() {
        return meta.len();
    }
    std::fs::read_dir(path)
        .map(|es| es.filter_map(|e| e.ok()).map(|e| dir_size(&e.path())).sum())
        .unwrap_or(0)
}

fn gc(repo: &Path) {
    let ok = Command::new("git")
        .arg("--git-dir")
        .arg(repo)
        .args(["gc", "-q", "--prune=now"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(ok, "git gc failed");
}

/// Wait while git's background pack runs in the bare repository `repo`
/// (`gitcli::background_pack_running`: git's `gc.pid`, or the lock of
/// mem's job that also writes a multi-pack index) or more packs than
/// `GC_AUTO_PACK_LIMIT` wait for it (an import starts it as it ends); how
/// long.
fn wait_for_background_pack(repo: &Path) -> Duration {
    use kioku_mesh::gitcli::GC_AUTO_PACK_LIMIT;
    let start = Instant::now();
    let packs = || {
        std::fs::read_dir(repo.join("objects/pack"))
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter(|e| e.path().extension().is_some_and(|x| x == "pack"))
                    .count()
            })
            .unwrap_or(0)
    };
    while (kioku_mesh::gitcli::background_pack_running(repo) || packs() > GC_AUTO_PACK_LIMIT)
        && start.elapsed() < Duration::from_secs(1800)
    {
        std::thread::sleep(Duration::from_millis(200));
    }
    if packs() > GC_AUTO_PACK_LIMIT {
        println!(
            "  (warning: {} still holds {} packs: git did not consolidate them)",
            repo.display(),
            packs()
        );
    }
    start.elapsed()
}

fn report(label: &str, samples: &mut [Duration]) -> f64 {
    let p50 = percentile(samples, 0.5);
    let p95 = percentile(samples, 0.95);
    println!(
        "  {label:<28} p50 {p50:8.1} ms   p95 {p95:8.1} ms   (n={})",
        samples.len()
    );
    p50
}

fn bench_size(bin: &Path, n: usize) {
    println!("\n== {n} observations ==");
    let b = Bench::new(bin);
    let recs = corpus(n);
    let jsonl = b.home.path().join("corpus.jsonl");
    write_jsonl(&recs, &jsonl);
    let raw_bytes: u64 = std::fs::metadata(&jsonl).unwrap().len();
    b.run(&["init"]);
    let (t, out) = b.run(&[
        "import",
        "--from",
        "jsonl",
        jsonl.to_str().unwrap(),
        "--scope",
        "local",
    ]);
    println!(
        "  import                       {:8.1} s    {}",
        t.as_secs_f64(),
        String::from_utf8_lossy(&out).trim()
    );
    let t = wait_for_background_pack(&b.home.path().join("scopes/local.git"));
    println!(
        "  background pack after import {:8.1} s (until the scope is one pack)",
        t.as_secs_f64()
    );
    let (t, _) = b.run(&["reindex"]);
    println!("  reindex                      {:8.2} s", t.as_secs_f64());

    let mut samples: Vec<Duration> = (0..60)
        .map(|i| {
            b.run(&[
                "save",
                &format!("benchmark note {i}: the cache TTL was raised after incident {i}"),
                "--scope",
                "local",
                "--tag",
                "bench",
            ])
            .0
        })
        .collect();
    report("mem save", &mut samples);
    // Into the corpus's big day: the save rewrites that day's tree.
    let mut samples: Vec<Duration> = (0..60)
        .map(|i| {
            let mut c = b.cmd();
            c.env("MEM_NOW", format!("{BIG_DAY}T23:59:{:02}Z", i % 60))
                .args([
                    "save",
                    &format!("big day note {i}: the deploy window moved after review {i}"),
                    "--scope",
                    "local",
                ])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            let start = Instant::now();
            let out = c.output().expect("mem runs");
            let took = start.elapsed();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            took
        })
        .collect();
    report(
        &format!("mem save into a day of {}", big_day_size(n)),
        &mut samples,
    );

    let mut samples = Vec::new();
    for _ in 0..4 {
        for q in QUERIES {
            samples.push(b.run(&["search", q, "--scope", "local"]).0);
        }
    }
    let search_p50 = report("mem search", &mut samples);
    let common = common_words(&recs, 4);
    let mut samples = Vec::new();
    for _ in 0..10 {
        for (w, _) in &common {
            samples.push(b.run(&["search", w, "--scope", "local"]).0);
        }
    }
    let shares: Vec<String> = common
        .iter()
        .map(|(w, s)| format!("{w} {:.0}%", s * 100.0))
        .collect();
    report(
        &format!("mem search, common words ({})", shares.join(", ")),
        &mut samples,
    );

    if n <= 20_000 {
        bench_encrypted(&b, &jsonl);
    }

    let (_, listing) = b.run(&["list", "--scope", "local", "--json", "-n", "200"]);
    let listing: serde_json::Value = serde_json::from_slice(&listing).unwrap();
    let ids: Vec<String> = listing
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap()[..10].to_owned())
        .collect();
    let mut samples: Vec<Duration> = ids
        .iter()
        .cycle()
        .take(60)
        .map(|id| b.run(&["get", id]).0)
        .collect();
    report("mem get", &mut samples);
    bench_hooks(&b);

    let repo = b.home.path().join("scopes/local.git");
    gc(&repo);
    let repo_bytes = dir_size(&repo);
    let index_bytes = dir_size(&b.home.path().join("index.sqlite"))
        + dir_size(&b.home.path().join("index.sqlite-wal"));
    println!(
        "  corpus as JSON lines         {:8.1} MiB",
        raw_bytes as f64 / 1048576.0
    );
    println!(
        "  repository after git gc      {:8.1} MiB",
        repo_bytes as f64 / 1048576.0
    );
    println!(
        "  index                        {:8.1} MiB",
        index_bytes as f64 / 1048576.0
    );

    // Growth per observation saved one by one (one commit each), after gc,
    // measured on a scope of its own so repacking the big one cannot skew it.
    b.run(&["scope", "add", "team/growth"]);
    let growth_repo = b.home.path().join("scopes/team/growth.git");
    gc(&growth_repo);
    let before = dir_size(&growth_repo);
    let mut obs_bytes = 0u64;
    for (i, r) in recs.iter().take(200).enumerate() {
        let text = format!("growth sample {i}: {}", r.body);
        let (_, out) = b.run(&[
            "save",
            &text,
            "--scope",
            "team/growth",
            "--tag",
            "growth",
            "--json",
        ]);
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let path = v["path"].as_str().unwrap();
        let file = Command::new("git")
            .arg("--git-dir")
            .arg(&growth_repo)
            .args(["cat-file", "-s", &format!("main:{path}")])
            .output()
            .unwrap();
        obs_bytes += String::from_utf8_lossy(&file.stdout)
            .trim()
            .parse::<u64>()
            .unwrap_or(0);
    }
    gc(&growth_repo);
    let growth = dir_size(&growth_repo).saturating_sub(before);
    println!(
        "  growth per saved observation {:8.0} bytes for {:.0} bytes of file ({:.2}x)",
        growth as f64 / 200.0,
        obs_bytes as f64 / 200.0,
        growth as f64 / obs_bytes as f64
    );

    // Sync: a second device clones the scope, the first adds 1,000
    // observations in one commit, the second pulls them (fetch, merge,
    // index update); then a sync with nothing to do.
    let remote = b.home.path().join("sync-remote.git");
    let ok = Command::new("git")
        .args(["init", "-q", "--bare", "-b", "main"])
        .arg(&remote)
        .status()
        .unwrap()
        .success();
    assert!(ok);
    let url = format!("file://{}", remote.display());
    b.run(&["scope", "remote", "local", &url]);
    let (t, _) = b.run(&["sync", "--scope", "local"]);
    println!(
        "  first push of the scope         {:8.1} s",
        t.as_secs_f64()
    );
    let other = Bench::new(&b.bin);
    other.run(&["init"]);
    let (t, _) = other.run(&["scope", "add", "team/bench", "--remote", &url]);
    let (t2, _) = other.run(&["list", "--scope", "team/bench", "-n", "1"]);
    println!(
        "  clone on a second device        {:8.1} s (+ {:.1} s first index)",
        t.as_secs_f64(),
        t2.as_secs_f64()
    );
    import_fresh(&b, &recs, "fresh");
    b.run(&["sync", "--scope", "local"]);
    let (t, _) = other.run(&["sync", "--scope", "team/bench"]);
    println!(
        "  sync pulling 1,000 new          {:8.2} s (target 3 s)",
        t.as_secs_f64()
    );
    let mut samples: Vec<Duration> = (0..10)
        .map(|_| other.run(&["sync", "--scope", "team/bench"]).0)
        .collect();
    report("mem sync with nothing to do", &mut samples);
    bench_https_sync(&b, &recs);

    b.report_peaks();
    other.report_peaks();
    if n > 100_000 {
        // A Markdown export of a million files is a test of the file
        // system, not of mem.
        println!("  rg comparison skipped above 100,000 observations");
    } else if Command::new("rg").arg("--version").output().is_ok() {
        let md = b.home.path().join("md");
        b.run(&[
            "export",
            "--format",
            "markdown",
            "--output",
            md.to_str().unwrap(),
            "--scope",
            "local",
        ]);
        let mut samples = Vec::new();
        for _ in 0..4 {
            for q in QUERIES {
                let start = Instant::now();
                let _ = Command::new("rg")
                    .args(["-i", "-l", "-F", q])
                    .arg(&md)
                    .stdout(Stdio::null())
                    .status();
                samples.push(start.elapsed());
            }
        }
        let rg_p50 = report("rg over markdown export", &mut samples);
        println!(
            "  mem search / rg (p50)        {:8.2}x",
            search_p50 / rg_p50
        );
    } else {
        println!("  rg not installed: apt-get install ripgrep for the comparison");
    }
}

/// The same corpus in the encrypted `user` scope: save and search against
/// the plaintext `local` figures above, and a rekey of the whole scope.
/// The agent hooks: session-start context injection and a tool event's
/// spool append, as a client runs them (payload on stdin).
fn bench_hooks(b: &Bench) {
    let cwd = b.cwd.path().display().to_string();
    let start = serde_json::json!({"session_id": "bench-session", "transcript_path": "/dev/null",
        "cwd": cwd, "hook_event_name": "SessionStart", "source": "startup"});
    let tool = serde_json::json!({"session_id": "bench-session", "transcript_path": "/dev/null",
        "cwd": cwd, "hook_event_name": "PostToolUse", "tool_name": "Edit",
        "tool_input": {"file_path": format!("{cwd}/src/lib.rs"), "old_string": "a", "new_string": "b"},
        "tool_response": {"filePath": format!("{cwd}/src/lib.rs"), "success": true}, "tool_use_id": "toolu_1"});
    let run = |event: &str, payload: &serde_json::Value| -> (Duration, Vec<u8>) {
        let label = format!("hook {event}");
        let (mut cmd, mut peak) = b.cmd_for(&label);
        let started = Instant::now();
        let mut child = cmd
            .args(["hook", "run", "claude-code", event])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("mem runs");
        if let Some(m) = &mut peak {
            m.own = Some(OwnMemory::start(child.id()));
        }
        child
            .stdin
            .take()
            .unwrap()
            .write_all(payload.to_string().as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let took = started.elapsed();
        b.note_peak(&label, peak);
        (took, out.stdout)
    };
    let (_, first) = run("SessionStart", &start);
    let answer: serde_json::Value = serde_json::from_slice(&first).unwrap();
    let injected = answer["hookSpecificOutput"]["additionalContext"]
        .as_str()
        .map_or(0, |c| c.chars().count());
    assert!(injected > 0, "no context injected: {answer}");
    // The block states its own size: "# Memories from mem (…), ~N tokens".
    let tokens = answer["hookSpecificOutput"]["additionalContext"]
        .as_str()
        .and_then(|c| c.lines().next())
        .and_then(|l| l.rsplit_once(", ~"))
        .map_or("?".to_owned(), |(_, t)| t.to_owned());
    let mut samples: Vec<Duration> = (0..40).map(|_| run("SessionStart", &start).0).collect();
    report(
        &format!("hook SessionStart ({injected} ch, {tokens})"),
        &mut samples,
    );
    // Recall at every prompt: a new session per prompt, so nothing is
    // held back as already shown.
    let mut recalled = Vec::new();
    let mut samples: Vec<Duration> = (0..60)
        .map(|i| {
            let prompt = serde_json::json!({"session_id": format!("bench-prompt-{i}"),
                "transcript_path": "/dev/null", "cwd": cwd, "hook_event_name": "UserPromptSubmit",
                "prompt": format!("what do we know about {}?", QUERIES[i % QUERIES.len()])});
            let (took, out) = run("UserPromptSubmit", &prompt);
            let answer: serde_json::Value = serde_json::from_slice(&out).unwrap_or_default();
            recalled.push(
                answer["hookSpecificOutput"]["additionalContext"]
                    .as_str()
                    .map_or(0, |c| c.chars().count()),
            );
            took
        })
        .collect();
    recalled.sort_unstable();
    report(
        &format!(
            "hook UserPromptSubmit (recall, median {} ch)",
            recalled[recalled.len() / 2]
        ),
        &mut samples,
    );
    let mut samples: Vec<Duration> = (0..60).map(|_| run("PostToolUse", &tool).0).collect();
    report("hook PostToolUse (spool)", &mut samples);
    let _ = std::fs::remove_dir_all(b.home.path().join("sessions"));
}

fn bench_encrypted(b: &Bench, jsonl: &Path) {
    println!("  -- encrypted user scope (age X25519, one recipient) --");
    let (t, _) = b.run(&[
        "import",
        "--from",
        "jsonl",
        jsonl.to_str().unwrap(),
        "--scope",
        "user",
    ]);
    println!("  import (encrypted)           {:8.1} s", t.as_secs_f64());
    wait_for_background_pack(&b.home.path().join("scopes/user.git"));
    let (t, _) = b.run(&["reindex"]);
    println!("  reindex (both scopes)        {:8.2} s", t.as_secs_f64());
    let mut samples: Vec<Duration> = (0..60)
        .map(|i| {
            b.run(&[
                "save",
                &format!("encrypted note {i}: the cache TTL was raised after incident {i}"),
                "--scope",
                "user",
                "--tag",
                "bench",
            ])
            .0
        })
        .collect();
    report("mem save (encrypted)", &mut samples);
    let mut samples = Vec::new();
    for _ in 0..4 {
        for q in QUERIES {
            samples.push(b.run(&["search", q, "--scope", "user"]).0);
        }
    }
    report("mem search (encrypted)", &mut samples);
    let (t, _) = b.run(&["scope", "rekey", "user"]);
    println!("  scope rekey (incl. index)    {:8.2} s", t.as_secs_f64());
}

/// Import 1,000 new observations (titled `{label} note N`) into `b`'s
/// `local` scope in one commit: what the other device then pulls.
fn import_fresh(b: &Bench, recs: &[Rec], label: &str) {
    let fresh = b.home.path().join(format!("{label}.jsonl"));
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&fresh).unwrap());
        for i in 0..1000 {
            writeln!(f, "{}", serde_json::json!({"title": format!("{label} note {i}"), "body": format!("{label} observation {i}: {}", recs[i % recs.len()].body)})).unwrap();
        }
    }
    let path = fresh.to_str().unwrap();
    b.run(&["import", "--from", "jsonl", path, "--scope", "local"]);
}

#[allow(dead_code)]
#[path = "../tests/common/servers.rs"]
mod servers;

/// The same sync figures over https: Apache with `git http-backend`, TLS
/// and basic auth on 127.0.0.1 (as the tests start it). Skipped, saying
/// why, where Apache cannot start.
fn bench_https_sync(b: &Bench, recs: &[Rec]) {
    let server = match servers::Apache::start() {
        Ok(s) => s,
        Err(why) => {
            println!("  (https sync skipped: {why})");
            return;
        }
    };
    server.create_repo("bench");
    let gitconfig = b.home.path().join("https-gitconfig");
    std::fs::write(
        &gitconfig,
        format!("[http]\n\tsslCAInfo = {}\n", server.ca().display()),
    )
    .unwrap();
    let with = |bench: &Bench, args: &[&str]| -> Duration {
        let started = Instant::now();
        let out = bench
            .cmd()
            .env("GIT_CONFIG_GLOBAL", &gitconfig)
            .env_remove("GIT_SSL_CAINFO")
            .stdin(Stdio::null())
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "mem {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        started.elapsed()
    };
    let url = server.url(Some(servers::WRITER), "bench");
    with(b, &["scope", "remote", "local", &url]);
    let t = with(b, &["sync", "--scope", "local"]);
    println!(
        "  https: first push of the scope  {:8.1} s",
        t.as_secs_f64()
    );
    let other = Bench::new(&b.bin);
    with(&other, &["init"]);
    let t = with(&other, &["scope", "add", "team/bench", "--remote", &url]);
    with(&other, &["list", "--scope", "team/bench", "-n", "1"]);
    println!(
        "  https: clone on a second device {:7.1} s",
        t.as_secs_f64()
    );
    import_fresh(b, recs, "https");
    with(b, &["sync", "--scope", "local"]);
    let t = with(&other, &["sync", "--scope", "team/bench"]);
    println!(
        "  https: sync pulling 1,000 new   {:8.2} s (target 3 s)",
        t.as_secs_f64()
    );
    let mut samples: Vec<Duration> = (0..10)
        .map(|_| with(&other, &["sync", "--scope", "team/bench"]))
        .collect();
    report("mem sync over https, nothing to do", &mut samples);
}

fn main() {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_mem"));
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![10_000, 100_000]
    } else {
        sizes
    };
    println!(
        "mem benchmark: {} (whole processes, this machine: {} cores)",
        bin.display(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    // `-- --corpus FILE N`: write the corpus of size N as JSON lines and
    // stop, to study the index or the repository by hand.
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--corpus") {
        let path = PathBuf::from(args.get(i + 1).expect("--corpus FILE"));
        write_jsonl(&corpus(sizes[0]), &path);
        return;
    }
    for n in sizes {
        bench_size(&bin, n);
    }
}
