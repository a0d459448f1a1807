//! Comparing outcomes: [`first_difference`] names the first difference between two runs (for
//! `mir14 parity` and `mir14 fuzz` reports), [`diff`] shows two outputs line by line (for test
//! failures).

use crate::process::Outcome;

/// The first difference between two outcomes, described for a person; `None` if identical.
/// The status is compared first (`exit status: A S, B S`), then stdout, then stderr (`STREAM
/// line N:` with the first differing line of each, quoted, or `(end of output)`).
pub fn first_difference(a_name: &str, a: &Outcome, b_name: &str, b: &Outcome) -> Option<String> {
    if a.status != b.status {
        return Some(format!(
            "exit status: {a_name} {}, {b_name} {}",
            a.status, b.status
        ));
    }
    for (stream, x, y) in [
        ("stdout", &a.stdout, &b.stdout),
        ("stderr", &a.stderr, &b.stderr),
    ] {
        if x == y {
            continue;
        }
        let xs: Vec<&[u8]> = x.split_inclusive(|c| *c == b'\n').collect();
        let ys: Vec<&[u8]> = y.split_inclusive(|c| *c == b'\n').collect();
        let line = xs.iter().zip(&ys).take_while(|(p, q)| p == q).count();
        let show = |l: Option<&&[u8]>| match l {
            Some(l) => format!("{:?}", String::from_utf8_lossy(l)),
            None => "(end of output)".to_string(),
        };
        return Some(format!(
            "{stream} line {}:\n  {a_name}: {}\n  {b_name}: {}",
            line + 1,
            show(xs.get(line)),
            show(ys.get(line))
        ));
    }
    None
}

/// The first difference between the first run's outcome and any other's (runs named by
/// `names`, in the same order as `outcomes`; see [`first_difference`]), or `None` when they all
/// agree.
pub fn first_divergence<S: AsRef<str>>(names: &[S], outcomes: &[Outcome]) -> Option<String> {
    let (a, first) = (names.first()?.as_ref(), outcomes.first()?);
    names
        .iter()
        .zip(outcomes)
        .skip(1)
        .find_map(|(b, o)| first_difference(a, first, b.as_ref(), o))
}

/// A line diff of `expected` against `actual` (`- ` expected only, `+ ` actual only, three
/// lines of context), or an explanation when they differ only in invalid UTF-8 bytes.
pub fn diff(expected: &[u8], actual: &[u8]) -> String {
    let e = String::from_utf8_lossy(expected);
    let a = String::from_utf8_lossy(actual);
    if e == a {
        return "  (the outputs differ only in bytes that are not valid UTF-8)\n".to_string();
    }
    let el: Vec<&str> = e.split_inclusive('\n').collect();
    let al: Vec<&str> = a.split_inclusive('\n').collect();
    const LIMIT: usize = 3000;
    if el.len() > LIMIT || al.len() > LIMIT {
        // Too long for the quadratic diff: show the first differing line.
        let i = el.iter().zip(&al).take_while(|(x, y)| x == y).count();
        return format!(
            "  first difference at line {}:\n- {}+ {}",
            i + 1,
            show(el.get(i).copied().unwrap_or("<end of output>\n")),
            show(al.get(i).copied().unwrap_or("<end of output>\n"))
        );
    }
    // Longest common subsequence table, from the ends.
    let (n, m) = (el.len(), al.len());
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if el[i] == al[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    // Walk it into a list of (marker, line).
    let mut ops: Vec<(char, &str)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && el[i] == al[j] {
            ops.push((' ', el[i]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            ops.push(('-', el[i]));
            i += 1;
        } else {
            ops.push(('+', al[j]));
            j += 1;
        }
    }
    // Keep changes and three lines of context around them.
    let near_change = |k: usize| {
        let lo = k.saturating_sub(3);
        let hi = (k + 3).min(ops.len() - 1);
        (lo..=hi).any(|x| ops[x].0 != ' ')
    };
    let mut text = String::new();
    let mut skipped = false;
    for (k, (mark, line)) in ops.iter().enumerate() {
        if near_change(k) {
            if skipped {
                text.push_str("  ...\n");
                skipped = false;
            }
            text.push(*mark);
            text.push(' ');
            text.push_str(&show(line));
        } else {
            skipped = true;
        }
    }
    if skipped {
        text.push_str("  ...\n");
    }
    text
}

/// A line for a diff: control characters made visible, and a marker if it has no final newline.
fn show(line: &str) -> String {
    let (body, newline) = match line.strip_suffix('\n') {
        Some(b) => (b, true),
        None => (line, false),
    };
    let mut s = String::new();
    for c in body.chars() {
        if c.is_control() && c != '\t' {
            s.extend(c.escape_default());
        } else {
            s.push(c);
        }
    }
    if !newline {
        s.push_str("  <no newline at end>");
    }
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::process::Status;

    fn outcome(stdout: &str, stderr: &str, status: Status) -> Outcome {
        Outcome {
            stdout: stdout.into(),
            stderr: stderr.into(),
            status,
            time: std::time::Duration::ZERO,
        }
    }

    #[test]
    fn identical_outcomes_have_no_difference() {
        let a = outcome("1\n2\n", "", Status::Exit(0));
        let mut b = a.clone();
        b.time = std::time::Duration::from_secs(1);
        assert_eq!(first_difference("vm", &a, "jit", &b), None);
    }

    #[test]
    fn the_first_differing_line_is_named() {
        let a = outcome("1\n2\n3\n", "", Status::Exit(0));
        let b = outcome("1\n2\n4\n", "", Status::Exit(0));
        assert_eq!(
            first_difference("vm", &a, "jit", &b).unwrap(),
            "stdout line 3:\n  vm: \"3\\n\"\n  jit: \"4\\n\""
        );
        let short = outcome("1\n", "", Status::Exit(0));
        assert_eq!(
            first_difference("vm", &a, "jit", &short).unwrap(),
            "stdout line 2:\n  vm: \"2\\n\"\n  jit: (end of output)"
        );
    }

    #[test]
    fn status_is_compared_first_then_stderr() {
        let a = outcome("", "error: x\n", Status::Exit(101));
        let b = outcome("", "error: y\n", Status::Exit(101));
        let c = outcome("", "error: x\n", Status::Signal(11));
        assert_eq!(
            first_difference("vm", &a, "aot", &c).unwrap(),
            "exit status: vm exit 101, aot killed by signal 11"
        );
        assert!(first_difference("vm", &a, "jit", &b)
            .unwrap()
            .starts_with("stderr line 1:"));
        let t = outcome("", "", Status::Timeout);
        assert_eq!(
            first_difference("a", &t, "b", &outcome("", "", Status::Exit(0))).unwrap(),
            "exit status: a timed out, b exit 0"
        );
    }

    #[test]
    fn the_first_diverging_run_is_reported() {
        let ok = outcome("1\n", "", Status::Exit(0));
        let bad = outcome("2\n", "", Status::Exit(0));
        let runs = [
            ok.clone(),
            ok.clone(),
            bad,
            outcome("", "", Status::Timeout),
        ];
        assert_eq!(first_divergence(&["a", "b"], &runs[..2]), None);
        assert_eq!(
            first_divergence(&["a", "b", "c", "d"], &runs).unwrap(),
            "stdout line 1:\n  a: \"1\\n\"\n  c: \"2\\n\""
        );
        assert_eq!(first_divergence::<&str>(&[], &[]), None);
    }

    #[test]
    fn diff_shows_changes_with_context() {
        let d = diff(b"a\nb\nc\n", b"a\nB\nc");
        assert_eq!(d, "  a\n- b\n- c\n+ B\n+ c  <no newline at end>\n");
        let long: Vec<u8> = (0..10)
            .flat_map(|i| format!("{i}\n").into_bytes())
            .collect();
        let mut other = long.clone();
        other[0] = b'X';
        assert_eq!(diff(&long, &other), "- 0\n+ X\n  1\n  2\n  3\n  ...\n");
        assert_eq!(
            diff(b"\xff", b"\xfe"),
            "  (the outputs differ only in bytes that are not valid UTF-8)\n"
        );
    }
}
