//! The libraries speak their own terms; the command line's words (flags such as `--out`, and
//! `harness <command>`) are the binary's to add (`crates/harness/src/hints.rs`). This test reads
//! the library crates' sources and fails on a string literal, outside comments and unit tests,
//! that holds such a word.

use std::path::{Path, PathBuf};

const LIBRARIES: [&str; 6] = ["bounded", "data", "lr_find", "models", "schedules", "train"];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The string literals of `code` (no raw strings in these crates' messages), with their lines.
fn literals(code: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let (mut in_string, mut escaped, mut current, mut line, mut start) =
        (false, false, String::new(), 1, 1);
    let mut chars = code.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\n' {
            line += 1;
        }
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => {
                    in_string = false;
                    found.push((start, std::mem::take(&mut current)));
                    continue;
                }
                _ => {}
            }
            current.push(c);
        } else if c == '/' && chars.peek() == Some(&'/') {
            // A comment, doc comments included: to the end of the line.
            for c in chars.by_ref() {
                if c == '\n' {
                    line += 1;
                    break;
                }
            }
        } else if c == '\'' {
            // A char literal such as '"' must not open a string.
            let rest: String = chars.clone().take(3).collect();
            if rest.starts_with("\"'") || rest.starts_with("\\\"'") {
                chars.nth(rest.find('\'').unwrap());
            }
        } else if c == '"' {
            (in_string, start) = (true, line);
        }
    }
    found
}

/// A word of the command line: `--flag`, or `harness` followed by one of its commands.
fn cli_word(text: &str) -> Option<&str> {
    let flag = text.match_indices("--").find(|(i, _)| {
        text[i + 2..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase())
            && (*i == 0 || !text[..*i].ends_with(|c: char| c.is_alphanumeric()))
    });
    if let Some((i, _)) = flag {
        return Some(&text[i..(i + 12).min(text.len())]);
    }
    COMMANDS.iter().find_map(|command| {
        let i = text.find(&format!("harness {command}"))?;
        Some(&text[i..i + 8 + command.len()])
    })
}

/// The binary's subcommands.
const COMMANDS: [&str; 7] = [
    "train",
    "schedule",
    "lr-find",
    "compare",
    "bench",
    "landscape",
    "data",
];

#[test]
fn the_scanner_finds_what_it_looks_for() {
    let code = "// --out in a comment\nlet a = \"use --out\"; let b = '\"'; let c = \"run `harness lr-find`\";\nlet d = \"a-b --\";";
    let words: Vec<_> = literals(code)
        .iter()
        .filter_map(|(line, s)| cli_word(s).map(|w| (*line, w.to_string())))
        .collect();
    assert_eq!(words.len(), 2, "{words:?}");
    assert_eq!(words[0].0, 2);
}

#[test]
fn library_messages_hold_no_command_line_words() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut offenders = Vec::new();
    for library in LIBRARIES {
        let mut files = Vec::new();
        sources(&root.join(library).join("src"), &mut files);
        assert!(!files.is_empty(), "no sources in {library}");
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            // Unit tests may name flags: they are not messages.
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            for (line, literal) in literals(code) {
                if let Some(word) = cli_word(&literal) {
                    offenders.push(format!("{}:{line}: {word:?}", file.display()));
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "command-line words in library messages (add them in crates/harness/src/hints.rs):\n{}",
        offenders.join("\n")
    );
}
