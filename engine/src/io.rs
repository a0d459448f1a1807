//! The streams of an instance: captured in memory, inherited from the process, or any
//! `Read`/`Write` the embedder gives.

use crate::Instance;
use mir14_rt::{Io, Sink, Source};
use std::io::{BufReader, BufWriter, Cursor, Read, Write};

/// Captured stdout and stderr, empty stdin: what a new instance starts with.
pub(crate) fn captured() -> Io {
    Io::captured(Vec::new())
}

/// Takes the bytes of a capturing sink, leaving it empty (and capturing).
fn take(sink: &mut Sink) -> Vec<u8> {
    match sink {
        Sink::Buffer(v) => std::mem::take(v),
        _ => Vec::new(),
    }
}

impl Instance {
    /// Replaces the streams through `f`, which gets the current ones.
    fn with_io(&mut self, f: impl FnOnce(Io) -> Io) {
        let rt = self.rt();
        let old = rt.set_io(captured());
        rt.set_io(f(old));
    }

    /// Later calls read stdin from `input` (buffered by the instance).
    pub fn set_stdin(&mut self, input: impl Read + Send + 'static) {
        let stdin = Source::Reader(Box::new(BufReader::new(input)));
        self.with_io(|io| Io { stdin, ..io });
    }

    /// Later calls read stdin from these bytes.
    pub fn set_stdin_bytes(&mut self, input: impl Into<Vec<u8>>) {
        let stdin = Source::Buffer(Cursor::new(input.into()));
        self.with_io(|io| Io { stdin, ..io });
    }

    /// Later calls write stdout to `out` (flushed at the end of every call).
    pub fn set_stdout(&mut self, out: impl Write + Send + 'static) {
        let stdout = Sink::Writer(Box::new(out));
        self.with_io(|io| Io { stdout, ..io });
    }

    /// Later calls write stderr to `out`.
    pub fn set_stderr(&mut self, out: impl Write + Send + 'static) {
        let stderr = Sink::Writer(Box::new(out));
        self.with_io(|io| Io { stderr, ..io });
    }

    /// Later calls write stdout and stderr to memory (the default), read by
    /// [`Instance::take_stdout`] and [`Instance::take_stderr`].
    pub fn capture_output(&mut self) {
        self.with_io(|io| Io {
            stdout: Sink::Buffer(Vec::new()),
            stderr: Sink::Buffer(Vec::new()),
            ..io
        });
    }

    /// Later calls use the process's stdin, stdout (buffered, flushed at the end of each call)
    /// and stderr.
    pub fn inherit_stdio(&mut self) {
        self.with_io(|_| Io {
            stdout: Sink::Stdout(BufWriter::with_capacity(1 << 16, std::io::stdout())),
            stderr: Sink::Stderr(std::io::stderr()),
            stdin: Source::Reader(Box::new(BufReader::new(std::io::stdin()))),
        });
    }

    /// The stdout captured since the last take (empty unless capturing).
    pub fn take_stdout(&mut self) -> Vec<u8> {
        take(&mut self.rt().io.stdout)
    }

    /// The stderr captured since the last take (empty unless capturing).
    pub fn take_stderr(&mut self) -> Vec<u8> {
        take(&mut self.rt().io.stderr)
    }
}
