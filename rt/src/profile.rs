//! The profiler of `mir14 run --profile`: per function, the number of calls, the self time (time
//! spent in the function's own frames, not in its callees) and, when the backend counts them
//! (the interpreter), the number of executed instructions. Every backend reports through the
//! same [`Profile`], so the table has one format.

use mir14_mir::FuncId;
use std::time::{Duration, Instant};

/// The counters of one function.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FuncProfile {
    /// Activations entered.
    pub calls: u64,
    /// Time spent in the function's own frames.
    pub self_time: Duration,
    /// Executed instructions (counted by the interpreter only).
    pub insts: u64,
}

/// The profile of one run: counters by function index and the stack of active frames.
#[derive(Clone, Debug)]
pub struct Profile {
    /// The counters, by function index.
    pub funcs: Vec<FuncProfile>,
    stack: Vec<u32>,
    last: Instant,
    /// Whether instructions were counted (the table then has their column).
    pub counts_insts: bool,
}

impl Profile {
    /// An empty profile for `n` functions.
    pub fn new(n: usize, counts_insts: bool) -> Profile {
        Profile {
            funcs: vec![FuncProfile::default(); n],
            stack: Vec::new(),
            last: Instant::now(),
            counts_insts,
        }
    }

    /// Charges the time since the last event to the running frame.
    fn charge(&mut self) {
        let now = Instant::now();
        if let Some(&f) = self.stack.last() {
            if let Some(p) = self.funcs.get_mut(f as usize) {
                p.self_time += now - self.last;
            }
        }
        self.last = now;
    }

    /// An activation of `f` starts.
    pub fn enter(&mut self, f: FuncId) {
        self.charge();
        self.stack.push(f.0);
        if let Some(p) = self.funcs.get_mut(f.index()) {
            p.calls += 1;
        }
    }

    /// The innermost activation ends (by a return or a trap passing it).
    pub fn leave(&mut self) {
        self.charge();
        self.stack.pop();
    }

    /// Counts `n` executed instructions of `f`.
    #[inline]
    pub fn count_insts(&mut self, f: u32, n: u64) {
        if let Some(p) = self.funcs.get_mut(f as usize) {
            p.insts += n;
        }
    }

    /// Ends the run: charges the frames still active (a trap or an exit ended it).
    pub fn finish(&mut self) {
        self.charge();
        self.stack.clear();
    }

    /// The table (spec §9): a header line, then one line per function that was called, by
    /// self time (longest first; ties by calls, then name): name, calls, self time in
    /// milliseconds with three decimals and, when counted, instructions.
    pub fn table(&self, name: impl Fn(FuncId) -> String) -> String {
        let mut rows: Vec<(String, &FuncProfile)> = self
            .funcs
            .iter()
            .enumerate()
            .filter(|(_, p)| p.calls > 0)
            .map(|(i, p)| (format!("@{}", name(FuncId(i as u32))), p))
            .collect();
        rows.sort_by(|a, b| {
            b.1.self_time
                .cmp(&a.1.self_time)
                .then(b.1.calls.cmp(&a.1.calls))
                .then(a.0.cmp(&b.0))
        });
        let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0).max(8);
        let mut s = format!(
            "profile: {:<width$} {:>12} {:>12}",
            "function", "calls", "self ms"
        );
        if self.counts_insts {
            s.push_str(&format!(" {:>14}", "instructions"));
        }
        s.push('\n');
        for (n, p) in rows {
            let ms = p.self_time.as_secs_f64() * 1000.0;
            s.push_str(&format!("profile: {n:<width$} {:>12} {ms:>12.3}", p.calls));
            if self.counts_insts {
                s.push_str(&format!(" {:>14}", p.insts));
            }
            s.push('\n');
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_calls_and_instructions_and_sorts_by_time() {
        let mut p = Profile::new(3, true);
        p.enter(FuncId(0));
        p.count_insts(0, 1);
        p.enter(FuncId(1));
        p.count_insts(1, 2);
        std::thread::sleep(Duration::from_millis(5));
        p.leave();
        p.finish();
        assert_eq!(p.funcs[1].calls, 1);
        assert_eq!(p.funcs[1].insts, 2);
        assert!(p.funcs[1].self_time >= Duration::from_millis(5));
        let t = p.table(|f| ["main", "slow", "never"][f.index()].to_string());
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 3, "{t}");
        assert!(lines[0].contains("function") && lines[0].contains("instructions"));
        assert!(lines[1].starts_with("profile: @slow "), "{t}");
        assert!(lines[1].ends_with(" 2"), "{t}");
        assert!(!t.contains("@never"));
    }
}
