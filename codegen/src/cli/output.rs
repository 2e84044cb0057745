//! The conventions every command shares: colour (`--color`, `NO_COLOR`), `--quiet`, plurals,
//! and one JSON document on stdout for `--format json`, also when the command fails.

use std::io::IsTerminal;

use clap::ValueEnum;

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// When stdout is a terminal and `NO_COLOR` is unset or empty.
    Auto,
    /// Always, even into a pipe or with `NO_COLOR` set.
    Always,
    /// Never.
    Never,
}

/// The options every command takes, resolved once.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    /// Colour human output (ANSI).
    pub color: bool,
    /// Print only findings and errors: no progress lines, no summaries of clean runs.
    pub quiet: bool,
}

impl Output {
    pub fn new(choice: ColorChoice, quiet: bool) -> Self {
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
                let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
                std::io::stdout().is_terminal() && !no_color && !dumb
            }
        };
        Output { color, quiet }
    }

    /// `text` in bold red (errors), when colour is on.
    pub fn red(&self, text: &str) -> String {
        self.paint("1;31", text)
    }

    /// `text` in bold yellow (warnings), when colour is on.
    pub fn yellow(&self, text: &str) -> String {
        self.paint("1;33", text)
    }

    /// `text` in bold, when colour is on.
    pub fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }

    /// `text` in green (success), when colour is on.
    pub fn green(&self, text: &str) -> String {
        self.paint("32", text)
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
}

/// `1 error`, `2 errors`, `0 errors`.
pub fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("{count} {noun}")
    } else if let Some(stem) = noun.strip_suffix('y') {
        format!("{count} {stem}ies")
    } else {
        format!("{count} {noun}s")
    }
}

/// What kind of failure a command hit, for the JSON error document and the exit code (2).
pub fn failure_kind(error: &(dyn std::error::Error + 'static)) -> &'static str {
    if error.downcast_ref::<clap::Error>().is_some() {
        "usage"
    } else if error.downcast_ref::<super::paths::PathError>().is_some()
        || matches!(
            error.downcast_ref::<eventcat::LoadError>(),
            Some(eventcat::LoadError::NotADirectory(_))
        )
    {
        "path"
    } else if error.downcast_ref::<std::io::Error>().is_some()
        || error.downcast_ref::<eventcat::LoadError>().is_some()
    {
        "io"
    } else if error
        .downcast_ref::<eventcat::compat::source::SourceError>()
        .is_some()
        || matches!(
            error.downcast_ref::<eventcat::compat::CompatError>(),
            Some(eventcat::compat::CompatError::Source(_))
        )
    {
        "git"
    } else {
        "error"
    }
}

/// The one JSON document of a failed command: `{"ok": false, "error": {kind, message, causes}}`.
pub fn error_document(kind: &str, error: &(dyn std::error::Error + 'static)) -> serde_json::Value {
    let mut causes = Vec::new();
    let mut source = error.source();
    while let Some(cause) = source {
        causes.push(cause.to_string());
        source = cause.source();
    }
    serde_json::json!({
        "ok": false,
        "error": {
            "kind": kind,
            "message": error.to_string(),
            "causes": causes,
        }
    })
}

/// `println!` that hands the write's error back instead of panicking: when stdout is a pipe
/// the reader closed (`eventcat lint --list-rules | head -1`), the command stops and `main` ends
/// quietly, as ripgrep does (see [`is_broken_pipe`]).
macro_rules! outln {
    ($($arg:tt)*) => {{
        use ::std::io::Write as _;
        writeln!(::std::io::stdout().lock(), $($arg)*)
    }};
}
pub(crate) use outln;

/// `print!` that hands the write's error back, like [`outln!`].
macro_rules! out {
    ($($arg:tt)*) => {{
        use ::std::io::Write as _;
        write!(::std::io::stdout().lock(), $($arg)*)
    }};
}
pub(crate) use out;

/// Prints a JSON document on stdout, pretty, with a trailing newline.
pub fn print_json(document: &serde_json::Value) -> std::io::Result<()> {
    outln!(
        "{}",
        serde_json::to_string_pretty(document).expect("a JSON value serializes")
    )
}

/// Whether the error, or any error under it, is a write to a pipe whose reader has gone. The
/// Rust runtime ignores SIGPIPE, so instead of dying of the signal as a C program would, a
/// closed stdout comes back as this error; like ripgrep, the CLIs then exit 0 without a word
/// (`eventcat ... | head -1` is a normal way to use a command, not a failure).
pub fn is_broken_pipe(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(error) = next {
        if error
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
        {
            return true;
        }
        next = error.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::plural;

    #[test]
    fn plurals() {
        for (count, noun, expected) in [
            (0, "error", "0 errors"),
            (1, "error", "1 error"),
            (2, "warning", "2 warnings"),
            (1, "file", "1 file"),
            (3, "entry", "3 entries"),
        ] {
            assert_eq!(plural(count, noun), expected);
        }
    }
}
