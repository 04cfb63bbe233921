//! `mem search`.

use clap::Args;
use kioku_mesh::index::SearchQuery;
use kioku_mesh::text;

use super::filter::FilterArgs;
use super::output::{human_line, Summary};
use super::{flush_notices, Ctx, Ui, UsageError};

/// Search observations (FTS5, ranked by bm25).
///
/// Ask in words or as a question: words are matched in any order (English
/// words by their stem), common words ("when", "did", "the") are left out
/// unless the query has nothing else, and observations holding more of the
/// words rank higher, but any one word is enough to be listed. A "quoted
/// phrase" must appear as written; when nothing holds it, its words are
/// searched instead, with a note. Chinese, Japanese and Korean are matched
/// by two-character pieces, so any word of two or more characters is found
/// inside longer text. Operators and punctuation are searched as plain
/// text. By default: live observations of the current project and
/// project-less ones.
#[derive(Args, Debug)]
pub struct SearchArgs {
    /// What to look for.
    #[arg(value_name = "QUERY", required = true, num_args = 1..)]
    query: Vec<String>,
    #[command(flatten)]
    filter: FilterArgs,
    /// Print results as a JSON array.
    #[arg(long)]
    json: bool,
}

pub fn run(ui: &mut Ui, ctx: &Ctx, args: SearchArgs) -> anyhow::Result<()> {
    let query = args.query.join(" ");
    if query.trim().is_empty() {
        return Err(UsageError(
            "the query is empty: give the words to look for, e.g. `mem search cache ttl`".into(),
        )
        .into());
    }
    let mut mem = ctx.mem(ui, &args.filter.flags())?;
    let filter = args.filter.filter(&mem)?;
    let result = mem.search_scored(&query, &filter);
    flush_notices(ui, &mut mem);
    let hits = result?;
    let needles: Vec<String> = {
        let parsed = SearchQuery::parse(&query);
        if parsed.is_empty() {
            vec![query.trim().to_owned()]
        } else {
            parsed.needles()
        }
    };
    if args.json {
        let out: Vec<Summary> = hits
            .iter()
            .map(|scored| {
                let h = &scored.hit;
                let mut s = Summary::of_hit(h);
                s.snippet = Some(text::snippet(&h.row.obs.body, &needles, 160).0);
                s.rank = scored.lexical.then_some(h.rank);
                s.similarity = scored.similarity;
                s
            })
            .collect();
        return ui.json(&out);
    }
    if hits.is_empty() {
        ui.note(&format!("nothing found for '{query}'"));
        return Ok(());
    }
    for hit in hits.iter().map(|s| &s.hit) {
        let line = human_line(ui, &hit.row);
        ui.line(line)?;
        let (snip, ranges) = text::snippet(&hit.row.obs.body, &needles, 100);
        let snip = ui.highlight(&snip, &ranges);
        ui.line(format!("    {snip}"))?;
    }
    Ok(())
}
