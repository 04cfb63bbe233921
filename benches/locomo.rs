//! Retrieval quality on LoCoMo: `cargo bench --bench locomo`.
//!
//! LoCoMo (Maharana et al., "Evaluating Very Long-Term Conversational Memory
//! of LLM Agents", ACL 2024) holds 10 long conversations (272 sessions, 5,882
//! dialog turns) and 1,986 questions naming the dialog turns that hold their
//! answer. Its licence (CC BY-NC 4.0) is not this project's, so the data is
//! never part of it: the harness reads `locomo10.json` from `$MEM_LOCOMO`
//! (the file or its directory), else from `../shared/memory-bench/data/locomo/`
//! relative to the project root; without it, it says where to get the file
//! and stops.
//!
//! Each conversation is imported into a fresh store twice — one observation
//! per session, then one per dialog turn — and every question with evidence
//! (1,982) is asked with the real binary, `mem search QUESTION --limit 10
//! --json`, against its own conversation only. As a reference, the same
//! texts go into a plain FTS5 table (`unicode61`, no stemming) queried with
//! every question word joined by `OR` and ranked by FTS5's default `bm25()`,
//! in the same run.
//!
//! Metrics, per category and overall, at both granularities:
//! * `R_any@k`: some evidence unit is in the top k;
//! * `R_all@k`: every evidence unit is in the top k;
//! * `frac@k`: the share of the evidence units in the top k (the LoCoMo
//!   paper's "recall accuracy");
//! * `NDCG@10` with binary relevance.
//!
//! With `-- prompt` it also measures recall at every prompt: each question
//! is sent as a Claude Code `UserPromptSubmit` payload to
//! `mem hook run claude-code UserPromptSubmit` (a new session per question,
//! one store per session-level conversation); the injected block should hold
//! the evidence for answerable questions and be empty for adversarial
//! (category 5) ones.
//!
//! With `MEM_BENCH_MODEL=DIR` (a Model2Vec model directory, e.g. the one
//! the README's "Hybrid search" recipe distils from all-MiniLM-L6-v2), each
//! store is then switched to hybrid search
//! with `mem model set DIR` and every question asked again: the `hybrid`
//! rows, and the prompt hook measured in hybrid mode.
//!
//! Nothing here runs in `cargo test`.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Categories as LoCoMo numbers them (`task_eval/evaluation_stats.py`).
const CATEGORIES: [(u64, &str); 5] = [
    (1, "multi-hop"),
    (2, "temporal"),
    (3, "open-domain"),
    (4, "single-hop"),
    (5, "adversarial"),
];

/// Where the data is looked for: `$MEM_LOCOMO` (the JSON file or the
/// directory holding it), else `../shared/memory-bench/data/locomo/`
/// relative to the project root.
fn data_path() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let p = std::env::var_os("MEM_LOCOMO")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/memory-bench/data/locomo"));
    if p.is_dir() {
        p.join("locomo10.json")
    } else {
        p
    }
}

struct Unit {
    /// `S<n>` for a session, the dialog id (`D<n>:<t>`) for a turn.
    key: String,
    title: String,
    body: String,
}

struct Question {
    text: String,
    category: u64,
    /// Gold sessions (`S<n>`) and gold turns (`D<n>:<t>`).
    sessions: BTreeSet<String>,
    turns: BTreeSet<String>,
}

struct Conversation {
    id: String,
    sessions: Vec<Unit>,
    turns: Vec<Unit>,
    questions: Vec<Question>,
}

fn load(path: &Path) -> Vec<Conversation> {
    let text = std::fs::read_to_string(path).expect("the LoCoMo file is readable");
    let data: Vec<Value> = serde_json::from_str(&text).expect("the LoCoMo file is JSON");
    let evidence = regex::Regex::new(r"D\s*:?\s*(\d+)\s*:\s*(\d+)").unwrap();
    let mut out = Vec::new();
    for conv in &data {
        let c = &conv["conversation"];
        let mut sessions = Vec::new();
        let mut turns = Vec::new();
        for n in 1.. {
            let Some(list) = c.get(format!("session_{n}")).and_then(Value::as_array) else {
                if n > 40 {
                    break;
                }
                continue;
            };
            let date = c[format!("session_{n}_date_time")]
                .as_str()
                .unwrap_or("")
                .to_owned();
            let mut lines = Vec::new();
            for t in list {
                let speaker = t["speaker"].as_str().unwrap_or("");
                let said = t["text"].as_str().unwrap_or("");
                let dia = t["dia_id"].as_str().unwrap_or("");
                lines.push(format!("{speaker}: {said}"));
                if let Some(m) = evidence.captures(dia) {
                    turns.push(Unit {
                        key: format!(
                            "D{}:{}",
                            &m[1].parse::<u32>().unwrap(),
                            &m[2].parse::<u32>().unwrap()
                        ),
                        title: format!("{speaker}, {date}"),
                        body: said.to_owned(),
                    });
                }
            }
            sessions.push(Unit {
                key: format!("S{n}"),
                title: format!("Session {n}, {date}"),
                body: lines.join("\n"),
            });
        }
        let mut questions = Vec::new();
        for q in conv["qa"].as_array().into_iter().flatten() {
            let mut sessions = BTreeSet::new();
            let mut turns = BTreeSet::new();
            for ev in q["evidence"].as_array().into_iter().flatten() {
                for m in evidence.captures_iter(ev.as_str().unwrap_or("")) {
                    let s: u32 = m[1].parse().unwrap();
                    let t: u32 = m[2].parse().unwrap();
                    sessions.insert(format!("S{s}"));
                    turns.insert(format!("D{s}:{t}"));
                }
            }
            if sessions.is_empty() {
                continue;
            }
            questions.push(Question {
                text: q["question"].as_str().unwrap_or("").to_owned(),
                category: q["category"].as_u64().unwrap_or(0),
                sessions,
                turns,
            });
        }
        out.push(Conversation {
            id: conv["sample_id"].as_str().unwrap_or("").to_owned(),
            sessions,
            turns,
            questions,
        });
    }
    out
}

/// A fresh store holding `units`, imported with the real binary.
struct Store {
    bin: PathBuf,
    home: tempfile::TempDir,
    cwd: tempfile::TempDir,
}

impl Store {
    fn new(bin: &Path, units: &[Unit]) -> Store {
        let s = Store {
            bin: bin.to_owned(),
            home: tempfile::tempdir().unwrap(),
            cwd: tempfile::tempdir().unwrap(),
        };
        let file = s.home.path().join("units.jsonl");
        let mut w = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
        for u in units {
            let line = serde_json::json!({
                "title": u.title, "body": u.body, "key": u.key, "kind": "note",
            });
            writeln!(w, "{line}").unwrap();
        }
        w.flush().unwrap();
        drop(w);
        let out = s
            .cmd()
            .args(["import", "--from", "jsonl"])
            .arg(&file)
            .args(["--scope", "local"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "import: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        s
    }

    /// `mem model set DIR`: hybrid search from here on.
    fn set_model(&self, dir: &Path) {
        let out = self.cmd().args(["model", "set"]).arg(dir).output().unwrap();
        assert!(
            out.status.success(),
            "model set: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new(&self.bin);
        c.env("MEM_HOME", self.home.path())
            .env("USER", "bench")
            .env("MEM_DEVICE", "bench")
            .current_dir(self.cwd.path())
            .stdin(Stdio::null());
        c
    }

    /// Keys of `mem search QUESTION --limit k --json`, best first, with
    /// `env` set for the process (e.g. `MEM_HYBRID_WEIGHT`).
    fn search(&self, question: &str, k: usize, env: &[(&str, &str)]) -> (Vec<String>, Duration) {
        let start = Instant::now();
        let out = self
            .cmd()
            .envs(env.iter().copied())
            .args([
                "search",
                "--limit",
                &k.to_string(),
                "--json",
                "--",
                question,
            ])
            .output()
            .unwrap();
        let took = start.elapsed();
        assert!(
            out.status.success(),
            "search {question:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let hits: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
        let keys = hits
            .iter()
            .filter_map(|h| h["key"].as_str().map(str::to_owned))
            .collect();
        (keys, took)
    }

    /// The block `mem hook run claude-code UserPromptSubmit` injects for
    /// `prompt` (empty when nothing), and how long the process took.
    fn prompt_hook(&self, prompt: &str, session: &str, env: &[(&str, &str)]) -> (String, Duration) {
        let payload = serde_json::json!({
            "session_id": session,
            "transcript_path": "/dev/null",
            "cwd": self.cwd.path(),
            "hook_event_name": "UserPromptSubmit",
            "prompt": prompt,
        });
        let start = Instant::now();
        let mut child = self
            .cmd()
            .envs(env.iter().copied())
            .args(["hook", "run", "claude-code", "UserPromptSubmit"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(payload.to_string().as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let took = start.elapsed();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let block = serde_json::from_str::<Value>(&stdout)
            .ok()
            .and_then(|v| {
                v["hookSpecificOutput"]["additionalContext"]
                    .as_str()
                    .map(str::to_owned)
            })
            .unwrap_or_default();
        (block, took)
    }
}

/// Plain BM25 as a reference: the same title and body in an FTS5 table
/// with the `unicode61` tokenizer (no stemming), every question word joined
/// by `OR`, ranked by FTS5's default `bm25()` (k1 = 1.2, b = 0.75).
struct Plain {
    conn: rusqlite::Connection,
    keys: Vec<String>,
}

impl Plain {
    fn new(units: &[Unit]) -> Plain {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE VIRTUAL TABLE t USING fts5(text, tokenize='unicode61')")
            .unwrap();
        for (i, u) in units.iter().enumerate() {
            conn.execute(
                "INSERT INTO t(rowid, text) VALUES (?1, ?2)",
                rusqlite::params![i as i64, format!("{}\n{}", u.title, u.body)],
            )
            .unwrap();
        }
        Plain {
            conn,
            keys: units.iter().map(|u| u.key.clone()).collect(),
        }
    }

    fn search(&self, question: &str, k: usize) -> Vec<String> {
        let words: Vec<String> = question
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| format!("\"{}\"", w.to_lowercase()))
            .collect();
        if words.is_empty() {
            return Vec::new();
        }
        let mut stmt = self
            .conn
            .prepare_cached("SELECT rowid FROM t WHERE t MATCH ?1 ORDER BY bm25(t) LIMIT ?2")
            .unwrap();
        stmt.query_map(rusqlite::params![words.join(" OR "), k as i64], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap()
        .map(|r| self.keys[r.unwrap() as usize].clone())
        .collect()
    }
}

/// Sums of the per-question metrics.
#[derive(Default, Clone)]
struct Score {
    n: usize,
    any5: f64,
    any10: f64,
    all5: f64,
    all10: f64,
    frac5: f64,
    frac10: f64,
    ndcg10: f64,
    /// Searches that returned fewer than 10 results.
    short: usize,
}

impl Score {
    fn add(&mut self, gold: &BTreeSet<String>, got: &[String]) {
        let hit = |k: usize| got.iter().take(k).filter(|g| gold.contains(*g)).count();
        let (h5, h10) = (hit(5), hit(10));
        let n = gold.len();
        self.n += 1;
        self.any5 += f64::from(u8::from(h5 > 0));
        self.any10 += f64::from(u8::from(h10 > 0));
        self.all5 += f64::from(u8::from(h5 == n));
        self.all10 += f64::from(u8::from(h10 == n));
        self.frac5 += h5 as f64 / n as f64;
        self.frac10 += h10 as f64 / n as f64;
        let dcg: f64 = got
            .iter()
            .take(10)
            .enumerate()
            .filter(|(_, g)| gold.contains(*g))
            .map(|(i, _)| 1.0 / (i as f64 + 2.0).log2())
            .sum();
        let ideal: f64 = (0..n.min(10)).map(|i| 1.0 / (i as f64 + 2.0).log2()).sum();
        self.ndcg10 += dcg / ideal;
        self.short += usize::from(got.len() < 10);
    }

    fn row(&self) -> String {
        let n = self.n.max(1) as f64;
        format!(
            "{:5.3} {:5.3}  {:5.3} {:5.3}  {:5.3} {:5.3}  {:5.3}  {:4}",
            self.any5 / n,
            self.any10 / n,
            self.all5 / n,
            self.all10 / n,
            self.frac5 / n,
            self.frac10 / n,
            self.ndcg10 / n,
            self.short
        )
    }
}

type Scores = BTreeMap<(String, u64), Score>;

fn percentile(samples: &mut [Duration], p: f64) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    samples.sort();
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[i].as_secs_f64() * 1000.0
}

/// The Model2Vec model directory for hybrid figures: `$MEM_BENCH_MODEL`.
fn model_dir() -> Option<PathBuf> {
    std::env::var_os("MEM_BENCH_MODEL").map(PathBuf::from)
}

/// A comma-separated list from the environment variable `name`, or `default`
/// when unset: `MEM_BENCH_WEIGHTS` (vector weights for the hybrid rows, each
/// passed as `MEM_HYBRID_WEIGHT`; the empty string for mem's default) and
/// `MEM_BENCH_RECALL` (prompt-recall settings, `THRESHOLD/SIMILARITY`, each
/// passed as `MEM_RECALL_THRESHOLD` and `MEM_RECALL_SIMILARITY`).
fn list(name: &str, default: &str) -> Vec<String> {
    std::env::var(name)
        .unwrap_or_else(|_| default.to_owned())
        .split(',')
        .map(|s| s.trim().to_owned())
        .collect()
}

/// The name of a hybrid row: `hybrid` at mem's default weight, else
/// `hybrid w=WEIGHT`.
fn hybrid_name(weight: &str) -> String {
    if weight.is_empty() {
        "hybrid".into()
    } else {
        format!("hybrid w={weight}")
    }
}

fn retrieval(bin: &Path, convs: &[Conversation], granularity: &str) {
    let weights = list("MEM_BENCH_WEIGHTS", "");
    let mut scores: Scores = BTreeMap::new();
    let mut times = Vec::new();
    let mut hybrid_times = Vec::new();
    for c in convs {
        let units = if granularity == "session" {
            &c.sessions
        } else {
            &c.turns
        };
        let store = Store::new(bin, units);
        let plain = Plain::new(units);
        for q in &c.questions {
            let gold = if granularity == "session" {
                &q.sessions
            } else {
                &q.turns
            };
            let (got, took) = store.search(&q.text, 10, &[]);
            times.push(took);
            let reference = plain.search(&q.text, 10);
            for cat in [0, q.category] {
                scores
                    .entry(("mem".into(), cat))
                    .or_default()
                    .add(gold, &got);
                scores
                    .entry(("bm25".into(), cat))
                    .or_default()
                    .add(gold, &reference);
            }
        }
        if let Some(dir) = model_dir() {
            store.set_model(&dir);
            for weight in &weights {
                let system = hybrid_name(weight);
                let env: Vec<(&str, &str)> = if weight.is_empty() {
                    Vec::new()
                } else {
                    vec![("MEM_HYBRID_WEIGHT", weight.as_str())]
                };
                for q in &c.questions {
                    let gold = if granularity == "session" {
                        &q.sessions
                    } else {
                        &q.turns
                    };
                    let (got, took) = store.search(&q.text, 10, &env);
                    hybrid_times.push(took);
                    for cat in [0, q.category] {
                        scores
                            .entry((system.clone(), cat))
                            .or_default()
                            .add(gold, &got);
                    }
                }
            }
        }
        eprint!("{} ", c.id);
    }
    eprintln!();
    println!(
        "\n{granularity} level ({} units, {} questions; mem search p50 {:.1} ms, p95 {:.1} ms)",
        convs
            .iter()
            .map(|c| if granularity == "session" {
                c.sessions.len()
            } else {
                c.turns.len()
            })
            .sum::<usize>(),
        scores[&("mem".to_owned(), 0)].n,
        percentile(&mut times, 0.5),
        percentile(&mut times, 0.95),
    );
    if !hybrid_times.is_empty() {
        println!(
            "hybrid ({}): mem search p50 {:.1} ms, p95 {:.1} ms",
            model_dir().unwrap().display(),
            percentile(&mut hybrid_times, 0.5),
            percentile(&mut hybrid_times, 0.95),
        );
    }
    println!(
        "{:<24} {:>11}  {:>11}  {:>11}  {:>5}  <10",
        "", "R_any@5/10", "R_all@5/10", "frac@5/10", "NDCG"
    );
    let mut cats = vec![(0u64, "all")];
    cats.extend(CATEGORIES);
    for (cat, name) in cats {
        let mut systems = vec!["mem".to_owned()];
        systems.extend(weights.iter().map(|w| hybrid_name(w)));
        systems.push("bm25".into());
        for system in systems {
            if let Some(s) = scores.get(&(system.clone(), cat)) {
                println!("{:<24} {}", format!("{name} ({}) {system}", s.n), s.row());
            }
        }
    }
}

/// What one prompt-recall setting got over all questions.
#[derive(Default)]
struct Recalled {
    answerable: usize,
    holds: usize,
    adversarial: usize,
    empty: usize,
    chars: Vec<usize>,
    times: Vec<Duration>,
}

fn prompt_recall(bin: &Path, convs: &[Conversation]) {
    // "lexical" first; then, with a model, one row per `MEM_BENCH_RECALL` setting.
    let settings = list("MEM_BENCH_RECALL", "");
    let mut rows: BTreeMap<String, Recalled> = BTreeMap::new();
    let mut order = vec!["lexical".to_owned()];
    if model_dir().is_some() {
        order.extend(settings.iter().map(|s| format!("hybrid {s}")));
    }
    for c in convs {
        // Turn granularity: the block must carry the evidence turn itself.
        let store = Store::new(bin, &c.turns);
        for (n, name) in order.iter().enumerate() {
            if n == 1 {
                store.set_model(&model_dir().expect("hybrid rows need a model"));
            }
            let setting = name.strip_prefix("hybrid ").unwrap_or("");
            let mut env = Vec::new();
            if let Some((threshold, floor)) = setting.split_once('/') {
                env.push(("MEM_RECALL_THRESHOLD", threshold));
                env.push(("MEM_RECALL_SIMILARITY", floor));
            }
            let row = rows.entry(name.clone()).or_default();
            for (i, q) in c.questions.iter().enumerate() {
                let session = format!("{}-{n}-{i}", c.id);
                let (block, took) = store.prompt_hook(&q.text, &session, &env);
                row.times.push(took);
                if q.category == 5 {
                    row.adversarial += 1;
                    row.empty += usize::from(block.is_empty());
                } else {
                    row.answerable += 1;
                    let keys: Vec<&str> = q.turns.iter().map(String::as_str).collect();
                    // The block names each memory by its title; the turn's text is
                    // what shows it holds the evidence.
                    let found = c
                        .turns
                        .iter()
                        .filter(|u| keys.contains(&u.key.as_str()))
                        .any(|u| !u.body.is_empty() && block.contains(first_words(&u.body)));
                    row.holds += usize::from(found);
                }
                if !block.is_empty() {
                    row.chars.push(block.chars().count());
                }
            }
        }
        eprint!("{} ", c.id);
    }
    eprintln!();
    println!("\nprompt hook (turn level; hybrid rows: MEM_RECALL_THRESHOLD/MEM_RECALL_SIMILARITY, empty for the defaults)");
    for name in &order {
        let r = rows.get_mut(name).expect("measured");
        r.chars.sort_unstable();
        println!(
            "{name:<16} evidence in the block {}/{} ({:.3}); empty for adversarial {}/{} ({:.3}); blocks {}, median {} chars; hook p50 {:.1} ms, p95 {:.1} ms",
            r.holds,
            r.answerable,
            r.holds as f64 / r.answerable.max(1) as f64,
            r.empty,
            r.adversarial,
            r.empty as f64 / r.adversarial.max(1) as f64,
            r.chars.len(),
            r.chars.get(r.chars.len() / 2).copied().unwrap_or(0),
            percentile(&mut r.times, 0.5),
            percentile(&mut r.times, 0.95)
        );
    }
}

/// The first 40 characters of `text` (whole characters), as a needle that
/// survives the block's trimming of long bodies.
fn first_words(text: &str) -> &str {
    match text.char_indices().nth(40) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

fn main() {
    let path = data_path();
    if !path.is_file() {
        println!(
            "LoCoMo data not found at {}.\n\
             Get locomo10.json from https://github.com/snap-research/LoCoMo (data/locomo10.json, \
             licence CC BY-NC 4.0) and point MEM_LOCOMO at it (the file or its directory).",
            path.display()
        );
        return;
    }
    // MEM_BIN measures another build (e.g. the previous release) in the same harness.
    let bin = std::env::var_os("MEM_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_mem")));
    let args: Vec<String> = std::env::args().skip(1).collect();
    let convs = load(&path);
    println!(
        "LoCoMo: {} conversations, {} sessions, {} turns, {} questions with evidence ({})",
        convs.len(),
        convs.iter().map(|c| c.sessions.len()).sum::<usize>(),
        convs.iter().map(|c| c.turns.len()).sum::<usize>(),
        convs.iter().map(|c| c.questions.len()).sum::<usize>(),
        path.display()
    );
    let only = |what: &str| args.iter().any(|a| a == what);
    let any = ["session", "turn", "prompt"].iter().any(|w| only(w));
    for g in ["session", "turn"] {
        if !any || only(g) {
            retrieval(&bin, &convs, g);
        }
    }
    if only("prompt") {
        prompt_recall(&bin, &convs);
    }
}
