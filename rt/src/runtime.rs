//! The [`Runtime`]: heap, run-time module metadata, I/O, limits and counters.

use crate::debug::DebugInfo;
use crate::heap::{user_mut, Heap};
use crate::map::FxHashMap;
use crate::methods::Builtin;
use crate::profile::Profile;
use crate::trap::{Site, Trap, TrapKind};
use crate::value::{Val, INT, USER};
use mir14_mir::{Block, BoxId, FuncId, Module, TypeName};
use std::io::{BufRead, BufWriter, Cursor, Stderr, Stdout, Write};

/// Backtraces of at most this many frames are printed in full.
pub const BACKTRACE_FULL: usize = 20;
/// Of a longer backtrace, this many innermost and outermost frames are printed.
pub const BACKTRACE_KEEP: usize = 10;

/// Limits and program arguments of one run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The maximum call depth (number of active MIR activations; main is 1). Default 100000.
    pub max_depth: u64,
    /// The fuel (`--fuel N`); `None` means unlimited and uncounted.
    pub fuel: Option<u64>,
    /// The program's arguments, returned by `env.args()`.
    pub args: Vec<String>,
    /// Where the module's instructions were written, for the positions in backtraces (spec §6);
    /// `None` prints frames without positions.
    pub debug: Option<std::sync::Arc<DebugInfo>>,
    /// `--profile`: count calls and self time per function ([`Runtime::profile`]) and print the
    /// table after the run.
    pub profile: bool,
    /// The libraries searched for `import c.NAME` functions, in order (`--lib`): a path to a
    /// shared library or a name `NAME` for `libNAME.so`; the C library is always searched last.
    pub libs: Vec<String>,
    /// The host functions registered by an embedding program (`import host.NAME`).
    pub host: crate::ffi::HostFunctions,
    /// The memory limit in bytes (`--max-heap`): past it the program traps `OutOfMemory`.
    pub max_heap: u64,
}

/// The memory limit when `--max-heap` is not given: half of the machine's physical memory
/// (Linux `/proc/meminfo`; 4 GiB where it cannot be read), so that a program that allocates
/// without end traps before the machine runs out.
pub fn default_max_heap() -> u64 {
    let total = std::fs::read_to_string("/proc/meminfo").ok().and_then(|m| {
        let line = m.lines().find(|l| l.starts_with("MemTotal:"))?;
        let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb.saturating_mul(1024))
    });
    total.map_or(4 << 30, |t| (t / 2).max(64 << 20))
}

impl Runtime {
    /// The `OutOfMemory` trap of the memory limit (spec §6), if the heap is exhausted.
    pub fn memory_trap(&self) -> Option<Trap> {
        self.heap.exhausted().then(|| {
            Trap::new(
                TrapKind::OutOfMemory,
                format!("memory limit of {} bytes exceeded", self.heap.limit()),
            )
        })
    }
}

impl Default for Config {
    fn default() -> Config {
        Config {
            max_depth: 100_000,
            fuel: None,
            args: Vec::new(),
            debug: None,
            profile: false,
            libs: Vec::new(),
            host: crate::ffi::HostFunctions::new(),
            max_heap: default_max_heap(),
        }
    }
}

/// Where program output goes.
pub enum Sink {
    /// The process's stdout, buffered.
    Stdout(BufWriter<Stdout>),
    /// The process's stderr, unbuffered.
    Stderr(Stderr),
    /// An in-memory buffer (tests, the parity harness).
    Buffer(Vec<u8>),
    /// Any writer, written as the program writes (an embedder's stream).
    Writer(Box<dyn Write + Send>),
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Sink::Stdout(w) => w.write(buf),
            Sink::Stderr(w) => w.write(buf),
            Sink::Buffer(v) => v.write(buf),
            Sink::Writer(w) => w.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Sink::Stdout(w) => w.flush(),
            Sink::Stderr(w) => w.flush(),
            Sink::Buffer(_) => Ok(()),
            Sink::Writer(w) => w.flush(),
        }
    }
}

/// Where program input comes from.
pub enum Source {
    /// The process's stdin.
    Stdin(std::io::StdinLock<'static>),
    /// An in-memory input.
    Buffer(Cursor<Vec<u8>>),
    /// Any buffered reader (an embedder's stream).
    Reader(Box<dyn BufRead + Send>),
}

impl Source {
    fn reader(&mut self) -> &mut dyn BufRead {
        match self {
            Source::Stdin(r) => r,
            Source::Buffer(c) => c,
            Source::Reader(r) => r,
        }
    }
}

/// The program's standard streams.
pub struct Io {
    /// stdout (buffered; flushed at the end and before anything goes to stderr).
    pub stdout: Sink,
    /// stderr.
    pub stderr: Sink,
    /// stdin.
    pub stdin: Source,
}

impl Io {
    /// The process's real stdin, stdout and stderr.
    pub fn real() -> Io {
        Io {
            stdout: Sink::Stdout(BufWriter::with_capacity(1 << 16, std::io::stdout())),
            stderr: Sink::Stderr(std::io::stderr()),
            stdin: Source::Stdin(std::io::stdin().lock()),
        }
    }

    /// In-memory streams: stdin reads `input`; stdout and stderr are captured.
    pub fn captured(input: Vec<u8>) -> Io {
        Io {
            stdout: Sink::Buffer(Vec::new()),
            stderr: Sink::Buffer(Vec::new()),
            stdin: Source::Buffer(Cursor::new(input)),
        }
    }
}

/// The callback through which the runtime runs MIR code (a user `toString`, `birth`, `apply`, a
/// user method reached from [`Runtime::call_method`], a FunctionBox called by
/// [`Runtime::call_value`]). Implemented by each backend.
pub trait Host {
    /// Calls module function `f` with `args` as a MIR call like any other: the callee counts
    /// depth and fuel ([`Runtime::enter_function`]), checks annotations, and returns its result.
    /// The argument count is already checked by the runtime.
    fn call_function(&mut self, rt: &mut Runtime, f: FuncId, args: &[Val]) -> Result<Val, Trap>;
}

/// Run-time facts about one function.
#[derive(Clone, Debug)]
pub struct FuncMeta {
    /// The name without `@`.
    pub name: String,
    /// The parameter names (without `%`) and annotations.
    pub params: Vec<(String, Option<TypeName>)>,
    /// The return annotation.
    pub ret: Option<TypeName>,
    /// The block labels, by block index (for trap locations).
    pub labels: Vec<String>,
}

/// Run-time facts about one user box.
#[derive(Clone, Debug)]
pub struct BoxMeta {
    /// The box name.
    pub name: String,
    /// The field names in declaration order.
    pub fields: Vec<String>,
    /// `@B.birth`, if declared.
    pub birth: Option<FuncId>,
    /// `@B.toString`, if declared with only the receiver parameter (used by string forms).
    pub to_string: Option<FuncId>,
    /// `@B.apply`, if declared (makes instances callable).
    pub apply: Option<FuncId>,
}

/// The MIR14 runtime shared by every backend. See the crate docs for the API overview.
pub struct Runtime {
    /// The box heap.
    pub heap: Heap,
    /// The program's streams.
    pub io: Io,
    /// The limits and arguments of this run.
    pub config: Config,
    /// The current call depth: the depth units of the active MIR activations (spec §5).
    pub depth: u64,
    /// The remaining fuel, if fuel is counted.
    pub fuel: Option<u64>,
    /// A trap waiting to be picked up (for C ABI wrappers that cannot return a `Result`).
    pub pending: Option<Trap>,
    /// The profile of `--profile` runs (backends call [`Profile::enter`] and
    /// [`Profile::leave`] around each activation).
    pub profile: Option<Box<Profile>>,
    /// Per function, by `FuncId` index.
    pub funcs: Vec<FuncMeta>,
    /// Per user box, by `BoxId` index.
    pub boxes: Vec<BoxMeta>,
    pub(crate) method_names: Vec<String>,
    pub(crate) method_ids: FxHashMap<String, u32>,
    pub(crate) method_builtin: Vec<Option<Builtin>>,
    pub(crate) user_methods: FxHashMap<(u32, u32), FuncId>,
    pub(crate) field_names: Vec<String>,
    pub(crate) field_ids: FxHashMap<String, u32>,
    /// `field_slots[box][field id]` = slot index or `u32::MAX`.
    pub(crate) field_slots: Vec<Vec<u32>>,
    /// Interned type-name Strings for `typeof`: builtin names first, then box names.
    pub(crate) type_strs: FxHashMap<String, Val>,
    /// The module's String constants, one pinned String per distinct text
    /// ([`Runtime::constant_str`]).
    pub(crate) const_strs: FxHashMap<String, Val>,
    /// Containers whose string form is being built (cycle detection), by address: in order,
    /// and as a set.
    pub(crate) printing: Vec<u64>,
    pub(crate) printing_set:
        std::collections::HashSet<u64, std::hash::BuildHasherDefault<crate::map::FxHasher>>,
    stdin_eof: bool,
    /// The module's imports, by `ImportId` index (spec §Imports).
    pub imports: Vec<crate::ffi::ImportMeta>,
    /// The C strings passed to the import being called (freed at the next call).
    pub(crate) ffi_scratch: Vec<std::ffi::CString>,
    /// The first error writing stdout (other than a broken pipe), reported at the end of the
    /// run; output after it is dropped.
    stdout_error: Option<String>,
}

const NO_SLOT: u32 = u32::MAX;

impl Runtime {
    /// Builds the runtime for `module` (which must be verified) with `config` and `io`.
    pub fn new(module: &Module, config: Config, io: Io) -> Runtime {
        let funcs: Vec<FuncMeta> = module
            .functions
            .values()
            .map(|f| FuncMeta {
                name: f.name.clone(),
                params: f
                    .params
                    .iter()
                    .map(|p| {
                        let name = f
                            .values
                            .get(p.value)
                            .map(|v| v.name.clone())
                            .unwrap_or_default();
                        (name, p.ty)
                    })
                    .collect(),
                ret: f.ret_type,
                labels: f.blocks.values().map(|b| b.label.clone()).collect(),
            })
            .collect();
        let profile = config
            .profile
            .then(|| Box::new(Profile::new(funcs.len(), false)));
        let imports = crate::ffi::ImportMeta::of_module(module, &config);
        let mut rt = Runtime {
            imports,
            ffi_scratch: Vec::new(),
            heap: Heap::new(),
            io,
            fuel: config.fuel,
            config,
            depth: 0,
            pending: None,
            profile,
            funcs,
            boxes: Vec::new(),
            method_names: Vec::new(),
            method_ids: FxHashMap::default(),
            method_builtin: Vec::new(),
            user_methods: FxHashMap::default(),
            field_names: Vec::new(),
            field_ids: FxHashMap::default(),
            field_slots: Vec::new(),
            type_strs: FxHashMap::default(),
            const_strs: FxHashMap::default(),
            printing: Vec::new(),
            printing_set: Default::default(),
            stdin_eof: false,
            stdout_error: None,
        };
        rt.heap.set_limit(rt.config.max_heap);
        // The one-character ASCII Strings exist from the start on every backend (compiled
        // code's inline `charAt` reads their table), so every backend counts them as live alike
        // (spec §5).
        rt.heap.ascii_chars();
        // Intern every builtin method name first.
        for b in Builtin::ALL {
            rt.method_id(b.name());
        }
        // Boxes, their methods and fields.
        for (bid, b) in module.boxes.iter() {
            let find = |m: &str| module.method(bid, m);
            let to_string = find("toString").filter(|f| module.functions[*f].params.len() == 1);
            rt.boxes.push(BoxMeta {
                name: b.name.clone(),
                fields: b.fields.clone(),
                birth: find("birth"),
                to_string,
                apply: find("apply"),
            });
            for fname in &b.fields {
                rt.field_id(fname);
            }
        }
        // Methods: functions named `Box.m` whose box exists.
        for (fid, f) in module.functions.iter() {
            if let Some((bname, m)) = f.name.split_once('.') {
                if let Some(bid) = module.box_by_name(bname) {
                    let mid = rt.method_id(m);
                    rt.user_methods.insert((bid.0, mid), fid);
                }
            }
        }
        // Field slot tables.
        let nf = rt.field_names.len();
        rt.field_slots = rt
            .boxes
            .iter()
            .map(|b| {
                let mut t = vec![NO_SLOT; nf];
                for (slot, fname) in b.fields.iter().enumerate() {
                    t[rt.field_ids[fname] as usize] = slot as u32;
                }
                t
            })
            .collect();
        rt
    }

    // ----- names -----

    /// The id of method name `name` (interned; stable for the runtime's life). Backends resolve
    /// method names once, then pass ids to [`Runtime::call_method`] and friends.
    pub fn method_id(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.method_ids.get(name) {
            return id;
        }
        let id = self.method_names.len() as u32;
        self.method_names.push(name.to_owned());
        self.method_ids.insert(name.to_owned(), id);
        self.method_builtin.push(Builtin::from_name(name));
        id
    }

    /// The name of method id `id`.
    pub fn method_name(&self, id: u32) -> &str {
        self.method_names
            .get(id as usize)
            .map(String::as_str)
            .unwrap_or("?")
    }

    /// The id of field name `name` (interned). Ids of names no box declares find no slot, so
    /// loads and stores through them trap `UnknownField`.
    pub fn field_id(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.field_ids.get(name) {
            return id;
        }
        let id = self.field_names.len() as u32;
        self.field_names.push(name.to_owned());
        self.field_ids.insert(name.to_owned(), id);
        id
    }

    /// The user method `@B.m` for a user box `b` and method id `m`.
    #[inline]
    pub fn user_method(&self, b: u32, m: u32) -> Option<FuncId> {
        if self.user_methods.is_empty() {
            return None;
        }
        self.user_methods.get(&(b, m)).copied()
    }

    /// The function name (without `@`) of `f`.
    pub fn func_name(&self, f: FuncId) -> &str {
        self.funcs
            .get(f.index())
            .map(|m| m.name.as_str())
            .unwrap_or("?")
    }

    /// The number of parameters of `f`.
    pub fn arity(&self, f: FuncId) -> usize {
        self.funcs.get(f.index()).map_or(0, |m| m.params.len())
    }

    /// The box name of user box `b`.
    pub fn box_name(&self, b: u32) -> &str {
        self.boxes
            .get(b as usize)
            .map(|m| m.name.as_str())
            .unwrap_or("?")
    }

    // ----- user boxes -----

    /// A new instance of user box `b`, every field `void` (`birth` is the caller's business:
    /// call [`Runtime::birth_of`] with the constructor arguments).
    pub fn new_user(&mut self, b: BoxId) -> Val {
        let n = self.boxes.get(b.index()).map_or(0, |m| m.fields.len());
        self.heap.alloc_user(b.0, n)
    }

    /// The `birth` method of user box `b`, if declared.
    pub fn birth_of(&self, b: BoxId) -> Option<FuncId> {
        self.boxes.get(b.index()).and_then(|m| m.birth)
    }

    /// `new B(args)` in full: allocates, checks the constructor arity, runs `birth` through the
    /// host. Returns the instance.
    pub fn new_user_full(
        &mut self,
        host: &mut dyn Host,
        b: BoxId,
        args: &[Val],
    ) -> Result<Val, Trap> {
        let obj = self.new_user(b);
        match self.birth_of(b) {
            Some(f) => {
                self.check_arity_named(&format!("{}.birth", self.box_name(b.0)), f, 1, args.len())?;
                let mut full = Vec::with_capacity(args.len() + 1);
                full.push(obj);
                full.extend_from_slice(args);
                // `birth` may collect: keep the new instance alive until it is returned.
                let mark = self.heap.root_mark();
                self.heap.push_root(obj);
                let r = host.call_function(self, f, &full);
                self.heap.pop_roots(mark);
                r?;
            }
            None => {
                if !args.is_empty() {
                    let what = format!("new {}", self.box_name(b.0));
                    return Err(Trap::wrong_arity(&what, 0, args.len()));
                }
            }
        }
        Ok(obj)
    }

    /// Checks that `got` arguments (plus `extra` implicit ones, e.g. the receiver) fit `f`,
    /// else the [`Trap::wrong_arity`] of `what` (the callee as the program names it: `@f`,
    /// `Point.norm`). Every backend checks the arity of an outermost call with it.
    pub fn check_arity_named(
        &self,
        what: &str,
        f: FuncId,
        extra: usize,
        got: usize,
    ) -> Result<(), Trap> {
        let want = self.arity(f).saturating_sub(extra);
        if want != got || self.arity(f) < extra {
            return Err(Trap::wrong_arity(what, want, got));
        }
        Ok(())
    }

    /// Reads field `fid` (from [`Runtime::field_id`]) of `obj`.
    #[inline]
    pub fn load_field(&self, obj: Val, fid: u32) -> Result<Val, Trap> {
        let slot = self.field_slot(obj, fid, "load")?;
        Ok(user_mut(obj).fields[slot])
    }

    /// Writes field `fid` of `obj`.
    #[inline]
    pub fn store_field(&mut self, obj: Val, fid: u32, v: Val) -> Result<(), Trap> {
        let slot = self.field_slot(obj, fid, "store")?;
        user_mut(obj).fields[slot] = v;
        Ok(())
    }

    #[inline]
    fn field_slot(&self, obj: Val, fid: u32, what: &str) -> Result<usize, Trap> {
        if obj.tag != USER {
            return Err(Trap::type_error(format!(
                "cannot {what} field {} of {}",
                self.field_names.get(fid as usize).map_or("?", |s| s),
                self.type_name(obj)
            )));
        }
        let b = user_mut(obj).box_id as usize;
        match self.field_slots[b].get(fid as usize) {
            Some(&s) if s != NO_SLOT => Ok(s as usize),
            _ => Err(Trap::new(
                TrapKind::UnknownField,
                format!(
                    "{} has no field {}",
                    self.boxes[b].name,
                    self.field_names.get(fid as usize).map_or("?", |s| s)
                ),
            )),
        }
    }

    // ----- depth, fuel, annotations -----

    /// Function entry bookkeeping, in spec §5 order: the depth check (trap `StackOverflow` when
    /// the depth plus `units`, the callee's [`mir14_mir::Function::depth_units`], would exceed
    /// the limit), then one unit of fuel (trap `OutOfFuel`). Traps are located at `f`'s entry
    /// block. On success the depth grows by `units`; call [`Runtime::leave_function`] with the
    /// same `units` when the activation ends.
    #[inline]
    pub fn enter_function(&mut self, f: FuncId, units: u64) -> Result<(), Trap> {
        if self.depth.saturating_add(units) > self.config.max_depth {
            return Err(Trap::new(
                TrapKind::StackOverflow,
                format!("call depth exceeded {}", self.config.max_depth),
            )
            .at(f, Block(0)));
        }
        self.depth += units;
        if self.fuel.is_some() {
            self.spend_fuel().map_err(|t| t.at(f, Block(0)))?;
        }
        Ok(())
    }

    /// Ends an activation of `units` depth units started by [`Runtime::enter_function`].
    #[inline]
    pub fn leave_function(&mut self, units: u64) {
        self.depth = self.depth.saturating_sub(units);
    }

    /// Spends one unit of fuel (function entry or taken back edge), if fuel is counted.
    /// Unlocated `OutOfFuel` trap when none is left.
    #[inline]
    pub fn spend_fuel(&mut self) -> Result<(), Trap> {
        match &mut self.fuel {
            None => Ok(()),
            Some(0) => Err(Trap::new(TrapKind::OutOfFuel, "fuel exhausted")),
            Some(n) => {
                *n -= 1;
                Ok(())
            }
        }
    }

    /// Checks the parameter annotations of `f` against `args` (in parameter order). Located at
    /// `f`'s entry block.
    pub fn check_params(&self, f: FuncId, args: &[Val]) -> Result<(), Trap> {
        let Some(m) = self.funcs.get(f.index()) else {
            return Ok(());
        };
        for ((name, ty), a) in m.params.iter().zip(args) {
            if let Some(ty) = ty {
                if !self.has_type(*a, *ty) {
                    return Err(Trap::type_error(format!(
                        "argument %{} of @{} must be {}, got {}",
                        name,
                        m.name,
                        self.type_name_of(*ty),
                        self.type_name(*a)
                    ))
                    .at(f, Block(0)));
                }
            }
        }
        Ok(())
    }

    /// True when `f` has at least one annotated parameter.
    pub fn has_param_annotations(&self, f: FuncId) -> bool {
        self.funcs
            .get(f.index())
            .is_some_and(|m| m.params.iter().any(|p| p.1.is_some()))
    }

    /// Checks `f`'s return annotation against `v` (unlocated: the backend locates it at the `ret`).
    pub fn check_return(&self, f: FuncId, v: Val) -> Result<(), Trap> {
        if let Some(Some(ty)) = self.funcs.get(f.index()).map(|m| m.ret) {
            if !self.has_type(v, ty) {
                return Err(Trap::type_error(format!(
                    "return value of @{} must be {}, got {}",
                    self.funcs[f.index()].name,
                    self.type_name_of(ty),
                    self.type_name(v)
                )));
            }
        }
        Ok(())
    }

    // ----- I/O -----

    /// Writes bytes to the program's stdout (buffered). The first write error is remembered
    /// for [`Runtime::finish`] (spec §4.1); output after it is dropped.
    pub fn write_stdout(&mut self, b: &[u8]) {
        if self.stdout_error.is_none() {
            let r = self.io.stdout.write_all(b);
            self.note_stdout(r);
        }
    }

    /// Writes bytes to the program's stderr, flushing stdout first. Errors writing stderr are
    /// ignored (nothing remains to report them on).
    pub fn write_stderr(&mut self, b: &[u8]) {
        self.flush();
        let _ = self.io.stderr.write_all(b);
    }

    /// Replaces the program's streams (between calls of an embedder), flushing the old stdout
    /// first; returns the old streams. Input starts afresh: the end of the old stdin is forgotten.
    pub fn set_io(&mut self, io: Io) -> Io {
        self.flush();
        self.stdin_eof = false;
        std::mem::replace(&mut self.io, io)
    }

    /// Flushes stdout, remembering a write error like [`Runtime::write_stdout`].
    pub fn flush(&mut self) {
        if self.stdout_error.is_none() {
            let r = self.io.stdout.flush();
            self.note_stdout(r);
        }
    }

    /// Records the outcome of a stdout write: a broken pipe (the reader went away) is not an
    /// error of the program and is ignored, as everywhere in the tool; any other error is kept.
    fn note_stdout(&mut self, r: std::io::Result<()>) {
        if let Err(e) = r {
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                self.stdout_error = Some(e.to_string());
                // Drop the rest of the buffer: writing it again would fail again.
                if let Sink::Stdout(w) =
                    std::mem::replace(&mut self.io.stdout, Sink::Buffer(Vec::new()))
                {
                    let (_, _) = w.into_parts();
                }
            }
        }
    }

    /// Reads one line from stdin without its `\n` (and a `\r` before it); `None` at end of input.
    pub(crate) fn read_line(&mut self) -> Option<String> {
        if self.stdin_eof {
            return None;
        }
        let mut buf = Vec::new();
        match self.io.stdin.reader().read_until(b'\n', &mut buf) {
            Ok(0) | Err(_) => {
                self.stdin_eof = true;
                None
            }
            Ok(_) => {
                if buf.last() == Some(&b'\n') {
                    buf.pop();
                    if buf.last() == Some(&b'\r') {
                        buf.pop();
                    }
                }
                Some(String::from_utf8_lossy(&buf).into_owned())
            }
        }
    }

    /// Reads the rest of stdin.
    pub(crate) fn read_all(&mut self) -> String {
        let mut buf = Vec::new();
        let _ = self.io.stdin.reader().read_to_end(&mut buf);
        self.stdin_eof = true;
        String::from_utf8_lossy(&buf).into_owned()
    }

    /// The captured stdout (empty unless the runtime was built with [`Io::captured`]).
    pub fn captured_stdout(&self) -> &[u8] {
        match &self.io.stdout {
            Sink::Buffer(v) => v,
            _ => &[],
        }
    }

    /// The captured stderr (empty unless the runtime was built with [`Io::captured`]).
    pub fn captured_stderr(&self) -> &[u8] {
        match &self.io.stderr {
            Sink::Buffer(v) => v,
            _ => &[],
        }
    }

    // ----- the end of a run -----

    /// The trap line `error: Kind: message (in @f, label)` (without newline); `None` for `Exit`.
    pub fn trap_line(&self, t: &Trap) -> Option<String> {
        if let TrapKind::Exit(_) = t.kind {
            return None;
        }
        let mut s = format!("error: {}: {}", t.kind.name(), t.message);
        if let Some((f, b)) = t.location {
            let fm = self.funcs.get(f.index());
            let label = fm
                .and_then(|m| m.labels.get(b.index()))
                .map_or("?", |l| l.as_str());
            s.push_str(&format!(" (in @{}, {})", self.func_name(f), label));
        }
        Some(s)
    }

    /// The line of one backtrace frame: `  at @f, label (FILE:LINE:COL)`, without the position
    /// when none is recorded.
    pub fn frame_line(&self, site: Site) -> String {
        let label = self
            .funcs
            .get(site.func.index())
            .and_then(|m| m.labels.get(site.block.index()))
            .map_or("?", |l| l.as_str());
        let mut s = format!("  at @{}, {}", self.func_name(site.func), label);
        if let Some(d) = &self.config.debug {
            if let Some(p) = d.position(site) {
                s.push_str(&format!(" ({}:{}:{})", d.file_of(p), p.line, p.col));
            }
        }
        s
    }

    /// The backtrace lines of a trap (spec §6), each ending in a newline: one per frame,
    /// innermost first; of more than [`BACKTRACE_FULL`] frames only the first and last
    /// [`BACKTRACE_KEEP`] are printed, with a line counting the others between them.
    pub fn backtrace(&self, t: &Trap) -> String {
        let n = t.backtrace.len();
        let mut s = String::new();
        for (i, site) in t.backtrace.iter().enumerate() {
            if n > BACKTRACE_FULL && i >= BACKTRACE_KEEP && i < n - BACKTRACE_KEEP {
                if i == BACKTRACE_KEEP {
                    let skipped = n - 2 * BACKTRACE_KEEP;
                    s.push_str(&format!("  ... {skipped} more frames ...\n"));
                }
                continue;
            }
            s.push_str(&self.frame_line(*site));
            s.push('\n');
        }
        s
    }

    /// Finishes a run: flushes stdout; for a trap prints its line and backtrace on stderr. Returns the exit
    /// status: main's Integer result `& 255`, 0 for any other result, 101 for a trap, the code for
    /// `Exit`.
    pub fn finish(&mut self, result: Result<Val, Trap>) -> i32 {
        self.flush();
        let status = self.finish_result(result);
        if let Some(mut p) = self.profile.take() {
            p.finish();
            let table = p.table(|f| self.func_name(f).to_string());
            self.write_stderr(table.as_bytes());
            let _ = self.io.stderr.flush();
        }
        match self.stdout_error.take() {
            Some(e) => {
                let line = format!("error: IoError: cannot write to stdout: {e}\n");
                let _ = self.io.stderr.write_all(line.as_bytes());
                let _ = self.io.stderr.flush();
                101
            }
            None => status,
        }
    }

    /// The status of a finished run, with the trap line and backtrace printed (see
    /// [`Runtime::finish`]).
    fn finish_result(&mut self, result: Result<Val, Trap>) -> i32 {
        match result {
            Ok(v) if v.tag == INT => (v.as_int() & 255) as i32,
            Ok(_) => 0,
            Err(t) => match t.kind {
                TrapKind::Exit(code) => code,
                _ => {
                    let mut text = self.trap_line(&t).unwrap_or_default();
                    text.push('\n');
                    text.push_str(&self.backtrace(&t));
                    self.write_stderr(text.as_bytes());
                    let _ = self.io.stderr.flush();
                    101
                }
            },
        }
    }
}

/// Test helpers shared by the unit tests of this crate.
#[cfg(test)]
pub(crate) mod testutil {
    use super::*;

    /// A host for modules without functions: any call is a test failure.
    pub struct NoHost;

    impl Host for NoHost {
        fn call_function(&mut self, _: &mut Runtime, f: FuncId, _: &[Val]) -> Result<Val, Trap> {
            panic!("unexpected call of function {f:?}")
        }
    }

    /// A runtime for an empty module with captured I/O.
    pub fn rt() -> Runtime {
        Runtime::new(&Module::new(), Config::default(), Io::captured(Vec::new()))
    }
}

#[cfg(test)]
mod tests {
    use super::testutil::*;
    use super::*;
    use mir14_mir::{BoxDecl, Function, Param, ValueData};

    #[test]
    fn depth_and_fuel() {
        let mut m = Module::new();
        let mut f = Function::new("main");
        f.blocks.push(mir14_mir::BlockData {
            label: "entry".into(),
            insts: vec![],
        });
        m.functions.push(f);
        let cfg = Config {
            max_depth: 2,
            fuel: Some(2),
            max_heap: 1 << 30,
            ..Config::default()
        };
        let mut rt = Runtime::new(&m, cfg, Io::captured(vec![]));
        rt.enter_function(FuncId(0), 1).unwrap();
        rt.enter_function(FuncId(0), 1).unwrap();
        let t = rt.enter_function(FuncId(0), 1).unwrap_err();
        assert_eq!(t.kind, TrapKind::StackOverflow);
        assert_eq!(
            rt.trap_line(&t).unwrap(),
            "error: StackOverflow: call depth exceeded 2 (in @main, entry)"
        );
        rt.leave_function(1);
        // Fuel: 2 units were spent by the two entries.
        let t = rt.enter_function(FuncId(0), 1).unwrap_err();
        assert_eq!(t.kind, TrapKind::OutOfFuel);
        assert_eq!(t.message, "fuel exhausted");
        // A heavier activation needs room for all its units: at depth 0 of 2, 3 units trap.
        rt.depth = 0;
        let t = rt.enter_function(FuncId(0), 3).unwrap_err();
        assert_eq!(t.kind, TrapKind::StackOverflow);
    }

    #[test]
    fn annotations_and_fields() {
        let mut m = Module::new();
        m.boxes.push(BoxDecl {
            name: "Point".into(),
            fields: vec!["x".into(), "y".into()],
        });
        let mut f = Function::new("f");
        let v = f.values.push(ValueData { name: "n".into() });
        f.params.push(Param {
            value: v,
            ty: Some(TypeName::Integer),
        });
        f.ret_type = Some(TypeName::String);
        m.functions.push(f);
        let mut rt = Runtime::new(&m, Config::default(), Io::captured(vec![]));
        let s = rt.heap.alloc_str("s");
        assert!(rt.check_params(FuncId(0), &[Val::int(1)]).is_ok());
        let t = rt.check_params(FuncId(0), &[s]).unwrap_err();
        assert_eq!(t.message, "argument %n of @f must be Integer, got String");
        let t = rt.check_return(FuncId(0), Val::int(1)).unwrap_err();
        assert_eq!(t.message, "return value of @f must be String, got Integer");
        let p = rt.new_user(BoxId(0));
        let fy = rt.field_id("y");
        let fz = rt.field_id("z");
        rt.store_field(p, fy, Val::int(7)).unwrap();
        assert_eq!(rt.load_field(p, fy).unwrap(), Val::int(7));
        assert_eq!(rt.load_field(p, rt.field_ids["x"]).unwrap(), Val::VOID);
        let t = rt.load_field(p, fz).unwrap_err();
        assert_eq!(
            (t.kind, t.message.as_str()),
            (TrapKind::UnknownField, "Point has no field z")
        );
        let t = rt.store_field(Val::int(1), fy, Val::VOID).unwrap_err();
        assert_eq!(t.message, "cannot store field y of Integer");
    }

    #[test]
    fn finish_statuses() {
        let mut r = rt();
        assert_eq!(r.finish(Ok(Val::int(300))), 44);
        assert_eq!(r.finish(Ok(Val::int(-1))), 255);
        assert_eq!(r.finish(Ok(Val::TRUE)), 0);
        assert_eq!(r.finish(Err(Trap::exit(257))), 1);
        assert!(r.captured_stderr().is_empty());
        r.write_stdout(b"out");
        assert_eq!(r.finish(Err(Trap::type_error("boom"))), 101);
        assert_eq!(r.captured_stderr(), b"error: TypeError: boom\n");
        assert_eq!(r.captured_stdout(), b"out");
    }

    #[test]
    fn stdin_lines() {
        let mut r = Runtime::new(
            &Module::new(),
            Config::default(),
            Io::captured(b"a\r\nb\n\nlast".to_vec()),
        );
        assert_eq!(r.read_line().as_deref(), Some("a"));
        assert_eq!(r.read_line().as_deref(), Some("b"));
        assert_eq!(r.read_line().as_deref(), Some(""));
        assert_eq!(r.read_line().as_deref(), Some("last"));
        assert_eq!(r.read_line(), None);
    }

    #[test]
    fn backtraces_name_frames_with_positions_and_elide_the_middle() {
        let src = "fn @main() {\nbb0:\n  %x = const 1\n  ret %x\n}\n";
        let (m, map) = mir14_mir::parse(src).unwrap();
        let debug = DebugInfo::from_source_map("p.mir", src, &m, &map);
        let cfg = Config {
            debug: Some(std::sync::Arc::new(debug)),
            ..Config::default()
        };
        let rt = Runtime::new(&m, cfg, Io::captured(vec![]));
        let main = FuncId(0);
        let t = Trap::type_error("x").frame(Site::new(main, Block(0), 1));
        assert_eq!(rt.backtrace(&t), "  at @main, bb0 (p.mir:4:3)\n");
        // An instruction without a position, and the entry (the `fn` line).
        let t = Trap::type_error("x")
            .frame(Site::new(main, Block(0), 9))
            .frame(Site::entry(main));
        assert_eq!(
            rt.backtrace(&t),
            "  at @main, bb0\n  at @main, bb0 (p.mir:1:1)\n"
        );
        let mut t = Trap::type_error("x");
        for _ in 0..BACKTRACE_FULL {
            t.push_frame(Site::new(main, Block(0), 1));
        }
        assert_eq!(rt.backtrace(&t).lines().count(), BACKTRACE_FULL);
        t.push_frame(Site::entry(main));
        let text = rt.backtrace(&t);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2 * BACKTRACE_KEEP + 1);
        assert_eq!(lines[BACKTRACE_KEEP], "  ... 1 more frames ...");
        assert_eq!(lines.last(), Some(&"  at @main, bb0 (p.mir:1:1)"));
        // The location is the innermost frame's.
        assert_eq!(t.location, Some((main, Block(0))));
    }
}
