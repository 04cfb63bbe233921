//! Bodies stored compressed in the index.
//!
//! The `obs.body` column holds a body as TEXT when it is short or does not
//! compress, and otherwise as a BLOB of raw DEFLATE (RFC 1951, via `flate2`).
//! Bodies are most of the index's bytes and prose compresses to about half,
//! so this is what keeps the index within twice the corpus (issue 16's
//! target). Readers go through [`body_from`]; SQL that matches on the text
//! calls the `body_text(x)` function [`register`] adds to each connection.

use std::io::Write;

use rusqlite::functions::FunctionFlags;
use rusqlite::types::{Value, ValueRef};

/// Bodies shorter than this (bytes) are stored as text: DEFLATE gains little
/// on them and reading them back should cost nothing.
const MIN_PACKED: usize = 256;

/// The column value for `body`: TEXT, or a BLOB of raw DEFLATE when that is
/// at most 80 % of the text's size.
pub(super) fn body_value(body: &str) -> Value {
    if body.len() >= MIN_PACKED {
        let mut enc =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        if enc.write_all(body.as_bytes()).is_ok() {
            if let Ok(packed) = enc.finish() {
                if packed.len() * 5 <= body.len() * 4 {
                    return Value::Blob(packed);
                }
            }
        }
    }
    Value::Text(body.to_owned())
}

/// The body a column value holds. A BLOB that does not inflate to UTF-8
/// (a damaged index) reads as an empty body; `mem reindex` rebuilds it.
pub(super) fn body_from(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
        ValueRef::Blob(b) => inflate(b).unwrap_or_default(),
        _ => String::new(),
    }
}

thread_local! {
    /// One inflater per thread, reset for each body: a new one allocates
    /// and clears its window and tables (about 1 M instructions, where a
    /// short body takes a few thousand to inflate).
    static INFLATER: std::cell::RefCell<flate2::Decompress> =
        std::cell::RefCell::new(flate2::Decompress::new(false));
}

fn inflate(packed: &[u8]) -> Option<String> {
    use flate2::{FlushDecompress, Status};
    INFLATER.with(|inflater| {
        let mut d = inflater.borrow_mut();
        d.reset(false);
        let mut out = Vec::with_capacity(packed.len().saturating_mul(3).max(256));
        loop {
            let (read, written) = (d.total_in(), out.len());
            let consumed = usize::try_from(read).ok()?;
            let status = d
                .decompress_vec(packed.get(consumed..)?, &mut out, FlushDecompress::None)
                .ok()?;
            if status == Status::StreamEnd {
                break;
            }
            if out.len() == out.capacity() {
                out.reserve(out.capacity());
            } else if d.total_in() == read && out.len() == written {
                // No progress with room to write: the stream is cut short.
                return None;
            }
        }
        String::from_utf8(out).ok()
    })
}

/// Add `body_text(x)` — the text of a `body` column value — to `conn`.
///
/// # Errors
/// SQLite's, when the function cannot be registered.
pub(super) fn register(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function(
        "body_text",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| Ok(body_from(ctx.get_raw(0))),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_prose_is_packed_and_reads_back() {
        let body = "The cache TTL was raised after the incident. ".repeat(20);
        let v = body_value(&body);
        let Value::Blob(packed) = &v else {
            panic!("long prose should be packed")
        };
        assert!(packed.len() < body.len() / 2);
        assert_eq!(body_from(ValueRef::Blob(packed)), body);
    }

    #[test]
    fn bodies_inflate_one_after_another_whatever_their_ratio() {
        // 200 KB of one repeated line packs to about 1 %: the output must
        // grow far past its first guess. Then a different body, then a cut
        // one, through the same reused inflater.
        let big = "the same line again and again\n".repeat(7_000);
        let other = "Deploy checklist: drain, migrate, restart, verify. ".repeat(12);
        let (Value::Blob(big_packed), Value::Blob(other_packed)) =
            (body_value(&big), body_value(&other))
        else {
            panic!("both should be packed")
        };
        assert!(big_packed.len() * 50 < big.len());
        assert_eq!(body_from(ValueRef::Blob(&big_packed)), big);
        assert_eq!(body_from(ValueRef::Blob(&other_packed)), other);
        let cut = &other_packed[..other_packed.len() / 2];
        assert_eq!(body_from(ValueRef::Blob(cut)), "");
        assert_eq!(body_from(ValueRef::Blob(&big_packed)), big);
    }

    #[test]
    fn short_or_incompressible_text_stays_text() {
        assert_eq!(body_value("short"), Value::Text("short".into()));
        // 400 printable characters from a xorshift generator: DEFLATE
        // cannot save a fifth on text with no repeats and 94 symbols.
        let mut noise = String::new();
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        while noise.len() < 400 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            noise.push(char::from(b'!' + (x % 94) as u8));
        }
        assert!(matches!(body_value(&noise), Value::Text(_)));
    }

    #[test]
    fn sql_can_match_on_a_packed_body() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        register(&conn).unwrap();
        conn.execute_batch("CREATE TABLE t(body)").unwrap();
        let body = format!("{} needle {}", "hay ".repeat(100), "stack ".repeat(100));
        conn.execute("INSERT INTO t VALUES (?1)", [body_value(&body)])
            .unwrap();
        let n: i64 = conn
            .query_row(
                "SELECT count(*) FROM t WHERE body_text(body) LIKE '%needle%'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 1);
    }
}
