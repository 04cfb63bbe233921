//! The only place that writes to the terminal: stdout for data, stderr for
//! warnings, notices and progress. Colour only when stdout is a terminal and
//! `NO_COLOR` is unset; progress bars only when stderr is a terminal and the
//! output is not JSON.

use std::io::{IsTerminal, Write};

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

/// Writing to stdout failed. A closed pipe (`mem list | head`) is the
/// reader's choice and ends the command successfully; nothing else does.
#[derive(Debug, thiserror::Error)]
#[error("cannot write to standard output: {0}")]
pub struct StdoutClosed(pub std::io::Error);

impl StdoutClosed {
    /// Whether the reader closed the pipe.
    pub fn is_broken_pipe(&self) -> bool {
        self.0.kind() == std::io::ErrorKind::BrokenPipe
    }
}

/// Terminal state for one command run.
pub struct Ui {
    color: bool,
    stderr_color: bool,
    progress: bool,
    out: std::io::BufWriter<std::io::Stdout>,
}

const BOLD_RED: &str = "\x1b[1;31m";
const YELLOW: &str = "\x1b[33m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

/// Colour in the strings [`Ui::dim`] and [`Ui::highlight`] hand back is
/// marked with these private-use characters, not escape sequences, so that
/// [`safe`] can escape every control character of the text around it and
/// only then turn the marks into colour.
const MARKS: [(char, &str); 3] = [
    ('\u{F8F0}', BOLD_RED),
    ('\u{F8F1}', DIM),
    ('\u{F8F2}', RESET),
];

/// Every string reaches the terminal through here: control characters (a
/// teammate's memory, a server's message may hold any) are shown as text;
/// then this module's own colour marks become colour. With `one_line`, a
/// newline is shown as text too (a warning cannot forge a second line).
fn safe(text: &str, one_line: bool) -> String {
    let mut out = kioku_mesh::text::escape_controls(text, &[]).into_owned();
    if one_line {
        out = out.replace('\n', "\\n");
    }
    if out.contains(|c| MARKS.iter().any(|(m, _)| *m == c)) {
        for (mark, code) in MARKS {
            out = out.replace(mark, code);
        }
    }
    out
}

fn mark(code: &str) -> char {
    MARKS
        .iter()
        .find(|(_, c)| *c == code)
        .map(|(m, _)| *m)
        .expect("a colour with a mark")
}

impl Ui {
    /// Detect terminals and `NO_COLOR`.
    pub fn new() -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Ui {
            color: !no_color && std::io::stdout().is_terminal(),
            stderr_color: !no_color && std::io::stderr().is_terminal(),
            progress: std::io::stderr().is_terminal(),
            out: std::io::BufWriter::new(std::io::stdout()),
        }
    }

    /// Write one line of data to stdout, control characters shown as text
    /// (see [`safe`]).
    pub fn line(&mut self, text: impl AsRef<str>) -> Result<(), StdoutClosed> {
        writeln!(self.out, "{}", safe(text.as_ref(), false)).map_err(StdoutClosed)
    }

    /// Write `value` as pretty JSON to stdout.
    pub fn json<T: Serialize + ?Sized>(&mut self, value: &T) -> anyhow::Result<()> {
        serde_json::to_writer_pretty(&mut self.out, value).map_err(|e| StdoutClosed(e.into()))?;
        writeln!(self.out).map_err(StdoutClosed)?;
        Ok(())
    }

    /// Flush stdout.
    pub fn flush(&mut self) -> Result<(), StdoutClosed> {
        self.out.flush().map_err(StdoutClosed)
    }

    /// A warning on stderr.
    pub fn warn(&mut self, msg: &str) {
        let _ = self.out.flush();
        if self.stderr_color {
            eprintln!("{YELLOW}warning:{RESET} {}", safe(msg, true));
        } else {
            eprintln!("warning: {}", safe(msg, true));
        }
    }

    /// A notice on stderr.
    pub fn note(&mut self, msg: &str) {
        let _ = self.out.flush();
        eprintln!("note: {}", safe(msg, true));
    }

    /// An error on stderr.
    pub fn error(&mut self, msg: &str) {
        let _ = self.out.flush();
        if self.stderr_color {
            eprintln!("{BOLD_RED}error:{RESET} {}", safe(msg, true));
        } else {
            eprintln!("error: {}", safe(msg, true));
        }
    }

    /// `text` with byte `ranges` highlighted (bold red) when colour is on.
    pub fn highlight(&self, text: &str, ranges: &[(usize, usize)]) -> String {
        if !self.color || ranges.is_empty() {
            return text.to_owned();
        }
        let mut out = String::with_capacity(text.len() + ranges.len() * 12);
        let mut at = 0;
        for &(start, end) in ranges {
            if start < at || end > text.len() {
                continue;
            }
            out.push_str(&text[at..start]);
            out.push(mark(BOLD_RED));
            out.push_str(&text[start..end]);
            out.push(mark(RESET));
            at = end;
        }
        out.push_str(&text[at..]);
        out
    }

    /// `text` dimmed when colour is on.
    pub fn dim(&self, text: &str) -> String {
        if self.color {
            format!("{}{text}{}", mark(DIM), mark(RESET))
        } else {
            text.to_owned()
        }
    }

    /// A spinner with `message`, hidden unless stderr is a terminal and
    /// `quiet` is off; it appears only after a short delay.
    pub fn spinner(&self, quiet: bool, message: &str) -> ProgressBar {
        if !self.progress || quiet {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new_spinner();
        bar.set_message(message.to_owned());
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        bar
    }

    /// A progress bar of `len` steps, hidden unless stderr is a terminal and
    /// `json` is off; it appears only after a short delay.
    pub fn progress(&self, len: u64, json: bool, message: &str) -> ProgressBar {
        if !self.progress || json {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::with_draw_target(Some(len), indicatif::ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({eta})")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar.set_message(message.to_owned());
        bar
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_uis_own_colour_reaches_the_terminal() {
        let ui = Ui {
            color: true,
            stderr_color: true,
            progress: false,
            out: std::io::BufWriter::new(std::io::stdout()),
        };
        // A title that carries the very codes the Ui uses, and a newline.
        let line = format!("{} \x1b[2mfake\x1b[0m\x07", ui.dim("3f9a2c"));
        assert_eq!(
            safe(&line, false),
            format!("{DIM}3f9a2c{RESET} \\x1b[2mfake\\x1b[0m\\x07")
        );
        let hit = ui.highlight("find me", &[(5, 7)]);
        assert_eq!(safe(&hit, false), format!("find {BOLD_RED}me{RESET}"));
        assert_eq!(
            safe("server said\nerror: forged", true),
            "server said\\nerror: forged"
        );
        assert_eq!(safe("two\nlines", false), "two\nlines");
    }
}
