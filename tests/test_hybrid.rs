//! Hybrid search with an embedding model (`mem model`), on tiny Model2Vec
//! models the tests write themselves: a WordPiece `tokenizer.json` of a
//! few dozen words and a `model.safetensors` whose vectors put words of
//! one topic on one axis, so a paraphrase sharing no word with a memory is
//! still nearest to it.

use std::path::{Path, PathBuf};

use crate::common::TestEnv;

/// The words of the tiny models and their topic (axis 0 to 3).
const WORDS: &[(&str, usize)] = &[
    ("pottery", 0),
    ("ceramics", 0),
    ("class", 0),
    ("workshop", 0),
    ("clay", 0),
    ("deploy", 1),
    ("server", 1),
    ("release", 1),
    ("database", 2),
    ("backup", 2),
    ("nightly", 2),
    ("melanie", 3),
    ("joined", 3),
    ("runs", 3),
    ("the", 3),
    ("on", 3),
    ("friday", 3),
    ("a", 3),
];

/// Write a Model2Vec model into `dir`: token `i` of [`WORDS`] gets a unit
/// vector on the axis `axis(topic)` names (4 dimensions).
fn write_model(dir: &Path, axis: impl Fn(usize) -> usize) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let mut vocab = serde_json::Map::new();
    vocab.insert("[PAD]".into(), 0.into());
    vocab.insert("[UNK]".into(), 1.into());
    for (i, (w, _)) in WORDS.iter().enumerate() {
        vocab.insert((*w).into(), (i + 2).into());
    }
    let tokenizer = serde_json::json!({
        "version": "1.0",
        "normalizer": {"type": "BertNormalizer", "clean_text": true,
                       "handle_chinese_chars": true, "strip_accents": null, "lowercase": true},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "model": {"type": "WordPiece", "unk_token": "[UNK]",
                  "continuing_subword_prefix": "##", "max_input_chars_per_word": 100,
                  "vocab": vocab},
    });
    std::fs::write(dir.join("tokenizer.json"), tokenizer.to_string()).unwrap();
    let rows = WORDS.len() + 2;
    let mut data = Vec::new();
    for row in 0..rows {
        let mut v = [0f32; 4];
        if row >= 2 {
            // Filler words weigh little, so the topic words decide.
            let topic = WORDS[row - 2].1;
            v[axis(topic)] = if topic == 3 { 0.1 } else { 1.0 };
        }
        for x in v {
            data.extend_from_slice(&x.to_le_bytes());
        }
    }
    let header = serde_json::json!({
        "embeddings": {"dtype": "F32", "shape": [rows, 4], "data_offsets": [0, data.len()]}
    })
    .to_string();
    let mut file = (header.len() as u64).to_le_bytes().to_vec();
    file.extend_from_slice(header.as_bytes());
    file.extend_from_slice(&data);
    std::fs::write(dir.join("model.safetensors"), file).unwrap();
    std::fs::write(dir.join("config.json"), r#"{"normalize": true}"#).unwrap();
    dir.to_owned()
}

/// Write the tiny model (each topic on its own axis) into `MEM_HOME/tiny`
/// and make it the one in use.
fn set_tiny_model(env: &TestEnv) {
    let model = write_model(&env.home.path().join("tiny"), |t| t);
    env.ok(&["model", "set", model.to_str().unwrap()]);
}

/// A store with three memories on three topics.
fn store(env: &TestEnv) -> (String, String, String) {
    env.ok(&["init"]);
    let art = env.save("Melanie joined a ceramics workshop", &["--title", "Hobby"]);
    let ops = env.save("Deploy the server on Friday", &["--title", "Release"]);
    let data = env.save("Database backup runs nightly", &["--title", "Backups"]);
    (art, ops, data)
}

fn first_hit(env: &TestEnv, query: &str) -> Option<String> {
    env.ids(&["search", query]).into_iter().next()
}

#[test]
fn a_paraphrase_with_no_shared_word_is_found() {
    let env = TestEnv::new();
    let (art, _, _) = store(&env);
    // By words alone, nothing holds "pottery" or "class".
    assert_eq!(first_hit(&env, "pottery class"), None);
    set_tiny_model(&env);
    assert_eq!(first_hit(&env, "pottery class").as_deref(), Some(&*art));
    // A memory saved after the model is set gets its vector too.
    let clay = env.save("Clay", &["--title", "Clay"]);
    let hits = env.ids(&["search", "pottery"]);
    assert!(hits.contains(&clay), "{hits:?}");
    let shown = env.ok(&["model"]);
    assert!(shown.starts_with("search: hybrid (bm25 + tiny"), "{shown}");
    assert!(
        shown.contains("4 vectors in the index, 8 bytes each"),
        "{shown}"
    );
    assert!(env.ok(&["doctor"]).contains("search: hybrid"));
}

#[test]
fn without_a_model_search_is_lexical_as_before() {
    let env = TestEnv::new();
    let (art, ops, _) = store(&env);
    assert!(env.ok(&["model"]).starts_with("search: lexical"));
    assert!(env.ok(&["doctor"]).contains("search: lexical"));
    assert_eq!(env.ids(&["search", "deploy"]), vec![ops.clone()]);
    set_tiny_model(&env);
    assert_eq!(first_hit(&env, "pottery class").as_deref(), Some(&*art));
    // Off again: one result by words, and the paraphrase is not found.
    assert_eq!(
        env.ok(&["model", "off"]).trim(),
        "model off: search ranks by words only"
    );
    assert_eq!(env.ids(&["search", "deploy"]), vec![ops]);
    assert_eq!(first_hit(&env, "pottery class"), None);
    assert!(!env.home.path().join("model").exists());
    assert_eq!(env.json(&["model", "--json"])["mode"], "lexical");
}

#[test]
fn memories_found_only_by_a_distant_vector_are_left_out() {
    let env = TestEnv::new();
    let (art, ops, data) = store(&env);
    set_tiny_model(&env);
    // The other two memories are on other topics (cosine 0 to "deploy"):
    // below the floor, so only the memory holding the word is found.
    assert_eq!(env.ids(&["search", "deploy"]), vec![ops.clone()]);
    assert_eq!(env.ids(&["search", "nightly backup"]), vec![data.clone()]);
    // A paraphrase is still found by meaning alone (cosine near 1).
    assert_eq!(env.ids(&["search", "pottery class"]), vec![art.clone()]);
    // With the floor lowered to -1, the nearest vectors come back whatever
    // their distance, as before the floor.
    let all = env.ok_with(
        &[("MEM_HYBRID_MIN_SIMILARITY", "-1")],
        &["search", "deploy", "--json"],
    );
    for id in [&art, &ops, &data] {
        assert!(all.contains(id.as_str()), "{all}");
    }
    // In JSON, a memory found by its words has its bm25 rank, one found by
    // meaning alone has none; both have their similarity.
    let both: serde_json::Value = serde_json::from_str(&env.ok_with(
        &[("MEM_HYBRID_MIN_SIMILARITY", "-1")],
        &["search", "deploy", "--json"],
    ))
    .unwrap();
    for hit in both.as_array().unwrap() {
        assert!(hit["similarity"].is_number(), "{hit}");
        assert_eq!(hit["rank"].is_number(), hit["id"] == ops.as_str(), "{hit}");
    }
    // A value out of range is a warning, and the default is used.
    let out = env.output_with(
        &[("MEM_HYBRID_MIN_SIMILARITY", "2")],
        &["search", "deploy", "--json"],
    );
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.trim_end(),
        "warning: MEM_HYBRID_MIN_SIMILARITY is \"2\", not a number from -1 to 1; using 0.4"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&art));
    // A bm25 candidate stays whatever its similarity: "melanie" is a filler
    // word of the model, far from the memory's topic, but the memory holds it.
    let far = env.ok_with(
        &[("MEM_HYBRID_MIN_SIMILARITY", "0.99")],
        &["search", "melanie", "--json"],
    );
    assert!(far.contains(&art), "{far}");
}

#[test]
fn a_model_switch_rebuilds_the_vectors() {
    let env = TestEnv::new();
    let (art, ops, _) = store(&env);
    let first = write_model(&env.home.path().join("one"), |t| t);
    env.ok(&["model", "set", first.to_str().unwrap()]);
    assert_eq!(first_hit(&env, "pottery class").as_deref(), Some(&*art));
    // The second model swaps the art and ops axes: with the first
    // model's vectors left in the index, "pottery class" would now be
    // nearest to the release memory.
    let second = write_model(&env.home.path().join("two"), |t| match t {
        0 => 1,
        1 => 0,
        t => t,
    });
    env.ok(&["model", "set", second.to_str().unwrap()]);
    assert_eq!(first_hit(&env, "pottery class").as_deref(), Some(&*art));
    assert_ne!(first_hit(&env, "pottery class").as_deref(), Some(&*ops));
    // A reindex computes them again with the model in use.
    env.ok(&["reindex"]);
    assert_eq!(first_hit(&env, "pottery class").as_deref(), Some(&*art));
    assert!(env.ok(&["model"]).contains("3 vectors in the index"));
}

#[test]
fn a_long_body_stored_compressed_gets_its_vector() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    // Over 256 bytes and repetitive: the index stores it as DEFLATE.
    let body = "Melanie joined a ceramics workshop on Friday. ".repeat(12);
    let long = env.save(&body, &["--title", "Hobby"]);
    env.save("Deploy the server", &["--title", "Release"]);
    let model = write_model(&env.home.path().join("tiny"), |t| t);
    let out = env.output(&["model", "set", model.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && stderr.is_empty(), "{stderr}");
    assert!(env.ok(&["model"]).contains("2 vectors in the index"));
    assert_eq!(first_hit(&env, "pottery class").as_deref(), Some(&*long));
}

#[test]
fn vectors_folded_into_blocks_are_searched_and_kept_exact() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    // Enough observations for the index to fold their vectors into blocks
    // (a quarter block: 1,820 records, each a rowid and a four-bit sketch).
    let file = env.home.path().join("many.jsonl");
    let mut lines = String::new();
    for i in 0..2_000 {
        let (title, body) = if i % 100 == 7 {
            (format!("Hobby {i}"), "Melanie joined a ceramics workshop")
        } else {
            (format!("Release {i}"), "Deploy the server on Friday")
        };
        lines.push_str(&serde_json::json!({"title": title, "body": body}).to_string());
        lines.push('\n');
    }
    std::fs::write(&file, lines).unwrap();
    env.ok(&["import", "--from", "jsonl", file.to_str().unwrap()]);
    set_tiny_model(&env);
    let blocks = || -> i64 {
        let db = env.home.path().join("index.sqlite");
        let conn = rusqlite::Connection::open(db).unwrap();
        conn.query_row("SELECT count(*) FROM vec_blocks", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(blocks(), 1);
    // Each vector (8 bytes) has its sketch in the block (with its rowid: 9).
    let shown = env.ok(&["model"]);
    assert!(
        shown.contains("2000 vectors in the index, 17 bytes each"),
        "{shown}"
    );
    // No word shared: only the vectors in the block find the hobbies.
    let titles = |query: &str| -> Vec<String> {
        let hits = env.json(&["search", query, "--limit", "11", "--json"]);
        hits.as_array()
            .unwrap()
            .iter()
            .map(|h| h["title"].as_str().unwrap().to_owned())
            .collect()
    };
    let found = titles("pottery class");
    assert_eq!(found.len(), 11);
    assert!(
        found[..11].iter().all(|t| t.starts_with("Hobby ")),
        "{found:?}"
    );
    // One saved after the fold is in the gap, and found beside them.
    let late = env.save("Clay", &["--title", "Late hobby"]);
    assert!(env
        .ids(&["search", "pottery class", "--limit", "12"])
        .contains(&late));
    // A model switch drops the blocks with the vectors, and folds anew:
    // in the new model, database words mean what ceramics words do.
    // (Before the switch nothing is near "database backup": every
    // similarity ties, and the 20 hobbies are not the 11 found.)
    let before = titles("database backup");
    assert!(
        before.iter().filter(|t| t.starts_with("Hobby ")).count() < 11,
        "{before:?}"
    );
    let swapped = write_model(
        &env.home.path().join("swapped"),
        |t| if t == 2 { 0 } else { t },
    );
    env.ok(&["model", "set", swapped.to_str().unwrap()]);
    assert_eq!(blocks(), 1);
    assert!(titles("database backup")[..11]
        .iter()
        .all(|t| t.starts_with("Hobby ") || t == "Late hobby"));
}

#[test]
fn a_bad_model_directory_is_one_sentence() {
    let env = TestEnv::new();
    store(&env);
    let missing = env.home.path().join("nowhere");
    let err = env.fails(&["model", "set", missing.to_str().unwrap()], 1);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("is not a Model2Vec model directory: it does not exist"),
        "{err}"
    );
    let file = env.home.path().join("config.yaml");
    let err = env.fails(&["model", "set", file.to_str().unwrap()], 1);
    assert!(err.contains("it is not a directory"), "{err}");
    let empty = env.home.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let err = env.fails(&["model", "set", empty.to_str().unwrap()], 1);
    assert!(err.contains("tokenizer.json cannot be read"), "{err}");
    assert!(env.ok(&["model"]).starts_with("search: lexical"));
}

#[test]
fn a_vanished_model_falls_back_to_words_with_a_warning() {
    let env = TestEnv::new();
    let (_, ops, _) = store(&env);
    set_tiny_model(&env);
    std::fs::remove_file(env.home.path().join("model/model.bin")).unwrap();
    let out = env.output(&["search", "deploy", "--json"]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("model.bin is missing: run `mem model set DIR` again, or `mem model off`"),
        "{stderr}"
    );
    let hits: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(hits[0]["id"], ops.as_str());
    let doctor = env.output(&["doctor"]);
    let text = String::from_utf8_lossy(&doctor.stdout);
    assert!(
        text.contains("search: lexical (model tiny set but unusable)"),
        "{text}"
    );
    assert!(text.contains("fix: mem model set DIR"), "{text}");
}

/// The block `mem hook run claude-code UserPromptSubmit` injects for
/// `prompt` in a new session `session` (empty when nothing), with `vars`
/// set.
fn recalled(env: &TestEnv, prompt: &str, session: &str, vars: &[(&str, &str)]) -> String {
    let input = serde_json::json!({
        "session_id": session,
        "transcript_path": "/dev/null",
        "cwd": env.cwd.path(),
        "hook_event_name": "UserPromptSubmit",
        "prompt": prompt,
    });
    let out = crate::test_agents::hook(
        env,
        "claude-code",
        "UserPromptSubmit",
        input.to_string().as_bytes(),
        vars,
    );
    out["hookSpecificOutput"]["additionalContext"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn with_a_model_prompt_recall_asks_for_meaning_too() {
    let env = TestEnv::new();
    let (art, ops, _) = store(&env);
    // By words, a prompt naming Friday brings the release memory, and one
    // about pottery (a word no memory holds) brings nothing.
    assert!(recalled(&env, "Friday?", "w1", &[]).contains(&ops[..12]));
    assert_eq!(recalled(&env, "pottery class", "w2", &[]), "");
    set_tiny_model(&env);
    // "Friday" is a filler word of the release memory, far from its
    // meaning (similarity about 0.1, under the 0.4 floor): it stays out.
    assert_eq!(recalled(&env, "Friday?", "m1", &[]), "");
    // The floor is what keeps it out.
    let block = recalled(&env, "Friday?", "m2", &[("MEM_RECALL_SIMILARITY", "-1")]);
    assert!(block.contains(&ops[..12]), "{block}");
    // Asking for no words, the ceramics workshop comes by meaning alone
    // (similarity near 1), and the release memory does not.
    let block = recalled(
        &env,
        "pottery class",
        "m3",
        &[("MEM_RECALL_THRESHOLD", "0")],
    );
    assert!(block.contains(&art[..12]), "{block}");
    assert!(!block.contains(&ops[..12]), "{block}");
    // Recall's own floor decides, not search's: lowered to -1, a memory
    // far from the prompt (similarity 0, under search's 0.4) comes too.
    let block = recalled(
        &env,
        "pottery class",
        "m4",
        &[
            ("MEM_RECALL_THRESHOLD", "0"),
            ("MEM_RECALL_SIMILARITY", "-1"),
        ],
    );
    assert!(block.contains(&art[..12]), "{block}");
    assert!(block.contains(&ops[..12]), "{block}");
}

/// A one-thread HTTP server on 127.0.0.1 serving the files of `dir` under
/// `/owner/tiny/resolve/main/`, 404 for anything else; it stops after
/// `requests` requests.
fn serve(dir: PathBuf, requests: usize) -> String {
    use std::io::{BufRead, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(requests) {
            let Ok(mut stream) = stream else { continue };
            let mut line = String::new();
            let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
            reader.read_line(&mut line).unwrap();
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap() == 0 || header == "\r\n" {
                    break;
                }
            }
            let path = line.split(' ').nth(1).unwrap_or("");
            let body = path
                .strip_prefix("/owner/tiny/resolve/main/")
                .and_then(|f| std::fs::read(dir.join(f)).ok());
            let (status, body) = match body {
                Some(b) => ("200 OK", b),
                None => ("404 Not Found", b"missing".to_vec()),
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    format!("http://{addr}")
}

#[test]
fn a_model_is_downloaded_from_its_home() {
    let env = TestEnv::new();
    let (art, _, _) = store(&env);
    let model = write_model(&env.home.path().join("served"), |t| t);
    let url = serve(model, 3);
    env.ok(&["model", "download", "owner/tiny", "--from", &url]);
    assert_eq!(first_hit(&env, "pottery class").as_deref(), Some(&*art));
    assert!(env
        .ok(&["model"])
        .starts_with("search: hybrid (bm25 + owner/tiny"));
    // A model the server does not have: one sentence naming the URL.
    let url = serve(env.home.path().join("nothing"), 1);
    let err = env.fails(&["model", "download", "owner/tiny", "--from", &url], 1);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("could not download http://127.0.0.1:"),
        "{err}"
    );
    assert!(err.contains("the server answered HTTP 404"), "{err}");
}
