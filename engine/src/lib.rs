//! `mir14-engine`: embed MIR14 in a Rust program.
//!
//! The shape follows wasmtime's `Engine`/`Module`/`Store`+`Instance`, fitted to MIR14, where a
//! runtime (heap, method tables, streams) is made for one module:
//!
//! - an [`Engine`] says how modules run: the [`Backend`] (tiered, the default: the interpreter
//!   first and Cranelift for hot code; or only the reference interpreter; or only the Cranelift
//!   JIT) and whether calls may be metered with fuel;
//! - a [`Program`] is a module that has been verified once (from text, JSON or the builder API);
//! - an [`Instance`] is a program made ready to run on an engine (decoded or compiled once) with
//!   its own heap and streams: call any function by name with argument [`Value`]s and get the
//!   result value or a [`CallError`] (a trap, an exit request) back; set fuel, depth limit,
//!   program arguments and stdin/stdout/stderr between calls (any `Read`/`Write`, or captured in
//!   memory); allocate and inspect strings, arrays and maps from Rust.
//!
//! ```
//! use mir14_engine::{Backend, Engine, Program, Value};
//!
//! let program = Program::parse(
//!     "fib.mir",
//!     r#"
//! fn @fib(%n: Integer) -> Integer {
//! bb0:
//!   %two = const 2
//!   %small = compare lt %n, %two
//!   branch %small, base, rec
//! base:
//!   ret %n
//! rec:
//!   %one = const 1
//!   %n1 = binop sub %n, %one
//!   %a = call @fib(%n1)
//!   %n2 = binop sub %n, %two
//!   %b = call @fib(%n2)
//!   %r = binop add %a, %b
//!   ret %r
//! }
//!
//! fn @hello(%who) {
//! bb0:
//!   %hello = const "hello, "
//!   %s = binop add %hello, %who
//!   extern env.console.log(%s)
//!   ret %s
//! }
//! "#,
//! )?;
//! for backend in [Backend::Tiered, Backend::Vm, Backend::Jit] {
//!     let mut inst = Engine::new(backend).instantiate(&program)?;
//!     let r = inst.call("fib", &[Value::int(20)])?;
//!     assert_eq!(r.as_int(), Some(6765));
//!
//!     // Output is captured by default; boxes are made and read from Rust.
//!     let who = inst.alloc_str("embedder");
//!     let greeting = inst.call("hello", &[who])?;
//!     assert_eq!(inst.str(greeting), Some("hello, embedder"));
//!     assert_eq!(inst.take_stdout(), b"hello, embedder\n");
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Backends
//!
//! [`Backend`] lists what an engine can run on; each is an implementation of the private
//! `Executor` trait (decode or compile once, then `call(f, args)` on the instance's runtime), so
//! a further backend is one more variant and one more implementation.
//!
//! [`Backend::Tiered`] is the default ([`Engine::default`], as for `mir14 run`): an instance
//! starts in the interpreter with nothing compiled, compiles a function with Cranelift once
//! its calls plus taken loop back edges exceed [`Engine::tier_threshold`] and enters a hot
//! loop's compiled code at its header; compiled and interpreted frames share one depth count,
//! one fuel count and one heap, and what was compiled stays compiled for the instance's later
//! calls. Results, output, traps and backtraces are the interpreter's, byte for byte.
//! A function that makes a `tail call` stays in the interpreter.
//!
//! # Values and the collector
//!
//! A [`Value`] is a MIR14 value tagged with the instance it belongs to: heap values (String,
//! ArrayBox, MapBox, user boxes) and FunctionBoxes of one instance are refused by another
//! ([`CallError::ForeignValue`]). Every heap value an instance hands out (a call's result, an
//! allocation) stays alive until [`Instance::release_values`]; values reachable from them stay
//! alive too.

mod exec;
mod io;
mod value;

pub use exec::Backend;
pub use mir14_rt::{FfiType, HostFunctions, HostValue};
pub use value::{Value, ValueRef};

use exec::Executor;
use mir14_mir::{Diagnostic, FuncId, Module, SourceMap, Span, VerifyError};
use mir14_rt::{Config, MapKey, Runtime, Trap, TrapKind, Val};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

/// How modules run: the backend, and whether calls can be metered with fuel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Engine {
    backend: Backend,
    consume_fuel: bool,
    debug: Option<std::sync::Arc<mir14_rt::DebugInfo>>,
    tier_threshold: u64,
    tier_background: bool,
}

impl Default for Engine {
    /// An engine on the default backend ([`Backend::default`]: tiered where Cranelift supports
    /// the host), without fuel metering.
    fn default() -> Engine {
        Engine::new(Backend::default())
    }
}

impl Engine {
    /// An engine running on `backend`, without fuel metering.
    pub fn new(backend: Backend) -> Engine {
        Engine {
            backend,
            consume_fuel: false,
            debug: None,
            tier_threshold: mir14_tier::DEFAULT_THRESHOLD,
            tier_background: true,
        }
    }

    /// [`Backend::Tiered`]: a function is compiled once its calls plus taken loop back edges
    /// in the interpreter exceed `threshold` (default [`mir14_tier::DEFAULT_THRESHOLD`]; 0
    /// compiles every function at its first call, `u64::MAX` never compiles anything). Other
    /// backends ignore it.
    pub fn tier_threshold(mut self, threshold: u64) -> Engine {
        self.tier_threshold = threshold;
        self
    }

    /// [`Backend::Tiered`]: compile hot functions on a background thread while the
    /// interpreter keeps running them (the default; a function switches to compiled code at a
    /// call or loop back edge after its code is ready), or, with `false`, on the calling
    /// thread, which waits for each compile. Results are the same either way; threshold 0
    /// always compiles on the calling thread. Other backends ignore it.
    pub fn tier_background(mut self, on: bool) -> Engine {
        self.tier_background = on;
        self
    }

    /// Sets the source positions that the backtraces of traps show (spec §6); without them
    /// frames are named by function and block only.
    pub fn debug_info(mut self, debug: Option<std::sync::Arc<mir14_rt::DebugInfo>>) -> Engine {
        self.debug = debug;
        self
    }

    /// Enables fuel metering: [`Instance::set_fuel`] then limits the work of each call. The JIT
    /// compiles fuel checks only when this is on (spec §5), so it must be chosen before
    /// instantiating.
    pub fn consume_fuel(mut self, on: bool) -> Engine {
        self.consume_fuel = on;
        self
    }

    /// The backend.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Makes `program` ready to run: decodes it (vm, tiered) or compiles it (jit), with a fresh heap,
    /// captured output, empty stdin, no program arguments, the default depth limit (100000) and,
    /// if metered, unlimited fuel.
    pub fn instantiate(&self, program: &Program) -> Result<Instance, Error> {
        self.instantiate_with(program, Imports::default())
    }

    /// Like [`Engine::instantiate`], resolving the module's imports (`import c.NAME`,
    /// `import host.NAME`) with `imports`: an import that does not resolve is an
    /// [`Error::Backend`] naming it.
    pub fn instantiate_with(&self, program: &Program, imports: Imports) -> Result<Instance, Error> {
        let config = Config {
            libs: imports.libs,
            host: imports.host,
            debug: self.debug.clone(),
            ..Config::default()
        };
        let tier = mir14_tier::TierOptions {
            threshold: self.tier_threshold,
            background: self.tier_background,
        };
        let exec = exec::make(
            self.backend,
            &program.module,
            config,
            self.consume_fuel,
            tier,
        )
        .map_err(Error::Backend)?;
        let mut inst = Instance {
            exec,
            id: NEXT_INSTANCE.fetch_add(1, Ordering::Relaxed),
            consume_fuel: self.consume_fuel,
            module: program.module.clone(),
            base_roots: 0,
        };
        inst.base_roots = inst.rt().heap.root_mark();
        Ok(inst)
    }
}

/// What a module's imports resolve to (spec §Imports): the C libraries searched for
/// `import c.NAME` (paths or `NAME` for `libNAME.so`; the C library is searched last) and the
/// host functions registered from Rust for `import host.NAME`.
#[derive(Default)]
pub struct Imports {
    /// The libraries, in search order.
    pub libs: Vec<String>,
    /// The host functions.
    pub host: HostFunctions,
}

/// A verified module, ready to be instantiated on any engine.
#[derive(Clone, Debug)]
pub struct Program {
    module: Module,
}

impl Program {
    /// Parses the text form of a module and verifies it. `name` (a file name) is used in the
    /// messages of the error.
    pub fn parse(name: &str, text: &str) -> Result<Program, Error> {
        let (module, map) = mir14_mir::parse(text).map_err(|diagnostics| {
            Error::Parse(LoadError {
                name: name.to_owned(),
                text: text.to_owned(),
                diagnostics: diagnostics.into_iter().map(LoadDiagnostic::from).collect(),
            })
        })?;
        Program::checked(module, name, text, &map)
    }

    /// Reads the JSON form of a module and verifies it.
    pub fn from_json(name: &str, json: &str) -> Result<Program, Error> {
        let (module, map) = mir14_mir::json::from_json_with_map(json).map_err(|e| {
            Error::Json(format!(
                "{name}:{}:{}: error: {}",
                e.line, e.column, e.message
            ))
        })?;
        Program::checked(module, name, json, &map)
    }

    /// Verifies a module made another way (the builder API, a frontend). Errors carry no source
    /// positions.
    pub fn new(module: Module) -> Result<Program, Error> {
        Program::checked(module, "<module>", "", &SourceMap::default())
    }

    fn checked(module: Module, name: &str, text: &str, map: &SourceMap) -> Result<Program, Error> {
        match mir14_mir::verify(&module) {
            Ok(()) => Ok(Program { module }),
            Err(errors) => {
                // Without a position, a message (or related place) names its entity instead.
                let place = |loc, message: &str| match map.span(loc) {
                    Some(span) => (Some(span), message.to_owned()),
                    None => (
                        None,
                        mir14_mir::display::located_message(&module, loc, message),
                    ),
                };
                let diagnostics = errors
                    .iter()
                    .map(|e: &VerifyError| {
                        let (span, message) = place(e.location, &e.message);
                        LoadDiagnostic {
                            span: span.unwrap_or_default(),
                            message,
                            related: e.related.iter().map(|(l, w)| place(*l, w)).collect(),
                        }
                    })
                    .collect();
                Err(Error::Verify(LoadError {
                    name: name.to_owned(),
                    text: text.to_owned(),
                    diagnostics,
                }))
            }
        }
    }

    /// The module.
    pub fn module(&self) -> &Module {
        &self.module
    }
}

/// Diagnostics of a module that does not parse or verify, with the text they point into.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadError {
    /// The file name given when loading.
    pub name: String,
    /// The source text (empty for modules that did not come from text).
    pub text: String,
    /// Every problem found, each with its span in `text`.
    pub diagnostics: Vec<LoadDiagnostic>,
}

/// One problem of a [`LoadError`]: where it is, what is wrong, and the places that explain it.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadDiagnostic {
    /// Where the problem is in the text (an empty span for a module without text).
    pub span: Span,
    /// What is wrong (for a module without text, prefixed by the entity: `in @f, block bb1: ...`).
    pub message: String,
    /// Other places that explain a verifier error (the definition a use is not dominated by,
    /// the loop declaration, the first of two duplicates), each with what it is
    /// (`` `%x` is defined here``). A place without a span (a module without text) names its
    /// entity in the text instead. Parser errors have none.
    pub related: Vec<(Option<Span>, String)>,
}

impl From<Diagnostic> for LoadDiagnostic {
    /// A parser error: its span and message, no related places.
    fn from(d: Diagnostic) -> LoadDiagnostic {
        LoadDiagnostic {
            span: d.span,
            message: d.message,
            related: Vec::new(),
        }
    }
}

impl LoadError {
    /// Every problem rendered for a person (see `mir14-diag`): `name:line:col: error: message`,
    /// the source line and a caret line, each related place as a `note:` with its own source
    /// line (or as a `= note:` line when it has no position), and a "did you mean" help for
    /// unknown names; coloured with `color` (decide with [`mir14_diag::ColorChoice::resolve`]).
    pub fn render(&self, color: bool) -> String {
        self.diagnostics
            .iter()
            .map(|d| {
                let span = (!self.text.is_empty()).then_some(d.span);
                let mut report = mir14_diag::Report::error(&d.message, span)
                    .with_help(mir14_diag::did_you_mean(&d.message, &self.text));
                for (at, what) in &d.related {
                    report = match at {
                        Some(at) if span.is_some() => report.with_label(*at, what.clone()),
                        _ => report.with_note(what.clone()),
                    };
                }
                mir14_diag::render(&self.name, &self.text, &report, color)
            })
            .collect()
    }
}

impl fmt::Display for LoadError {
    /// One line per problem, `name:line:col: error: message` (the CLI's first lines), each
    /// followed by a line per related place, `name:line:col: note: what`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        let mut line = |f: &mut fmt::Formatter<'_>, span: Option<Span>, kind: &str, what: &str| {
            if !std::mem::take(&mut first) {
                writeln!(f)?;
            }
            match span.filter(|_| !self.text.is_empty()) {
                Some(span) => {
                    let (line, col) = mir14_mir::line_col(&self.text, span.start as usize);
                    write!(f, "{}:{line}:{col}: {kind}: {what}", self.name)
                }
                None => write!(f, "{}: {kind}: {what}", self.name),
            }
        };
        for d in &self.diagnostics {
            line(f, Some(d.span), "error", &d.message)?;
            for (at, what) in &d.related {
                line(f, *at, "note", what)?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for LoadError {}

/// Why a program could not be loaded or instantiated.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// The text does not parse.
    Parse(LoadError),
    /// The JSON does not read (`name:line:col: error: message`).
    Json(String),
    /// The module does not verify.
    Verify(LoadError),
    /// The backend cannot run the module (a compilation failure).
    Backend(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Parse(e) | Error::Verify(e) => e.fmt(f),
            Error::Json(s) | Error::Backend(s) => f.write_str(s),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Parse(e) | Error::Verify(e) => Some(e),
            _ => None,
        }
    }
}

/// A trap that ended a call: its kind, message and innermost location.
#[derive(Clone, Debug, PartialEq)]
pub struct TrapError {
    /// The kind (spec §6).
    pub kind: TrapKind,
    /// The message of the spec §6 catalogue.
    pub message: String,
    /// The innermost function (without `@`) and block label running when it happened.
    pub location: Option<(String, String)>,
}

impl fmt::Display for TrapError {
    /// `Kind: message (in @f, label)`, the trap line without its `error: ` prefix.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.name(), self.message)?;
        if let Some((func, block)) = &self.location {
            write!(f, " (in @{func}, {block})")?;
        }
        Ok(())
    }
}

impl std::error::Error for TrapError {}

/// Why a call returned no value.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum CallError {
    /// The program trapped (spec §6).
    Trap(TrapError),
    /// The program called `env.process.exit(code)`; the status is `code & 255`.
    Exit(i32),
    /// No function of that name; `suggestion` is the closest existing name, if any is close.
    UnknownFunction {
        /// The name asked for (without `@`).
        name: String,
        /// A function with a similar name.
        suggestion: Option<String>,
    },
    /// An argument is a heap value or FunctionBox of another instance.
    ForeignValue,
    /// Fuel was set on an engine made without [`Engine::consume_fuel`].
    FuelNotEnabled,
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Trap(t) => t.fmt(f),
            CallError::Exit(code) => write!(f, "the program exited with status {code}"),
            CallError::UnknownFunction { name, suggestion } => {
                write!(f, "no function @{name}")?;
                if let Some(s) = suggestion {
                    write!(f, " (did you mean @{s}?)")?;
                }
                Ok(())
            }
            CallError::ForeignValue => f.write_str("a value of another instance was passed"),
            CallError::FuelNotEnabled => {
                f.write_str("fuel needs an engine made with consume_fuel(true)")
            }
        }
    }
}

impl std::error::Error for CallError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CallError::Trap(t) => Some(t),
            _ => None,
        }
    }
}

static NEXT_INSTANCE: AtomicU64 = AtomicU64::new(1);

/// A program ready to run on one engine, with its own heap, streams and limits.
///
/// Calls run one at a time, each on a fresh thread whose native stack is sized for the depth
/// limit; the instance itself stays on the caller's thread.
pub struct Instance {
    exec: Box<dyn Executor>,
    id: u64,
    consume_fuel: bool,
    module: Module,
    base_roots: usize,
}

impl Instance {
    fn rt(&mut self) -> &mut Runtime {
        self.exec.runtime()
    }

    fn own(&self, v: Val) -> Value {
        Value::owned(v, self.id)
    }

    /// Checks that `v` may be used by this instance and returns its raw form.
    fn check(&self, v: Value) -> Result<Val, CallError> {
        v.raw_for(self.id).ok_or(CallError::ForeignValue)
    }

    /// The function named `name` (without `@`), or an [`CallError::UnknownFunction`] with the
    /// closest name as a suggestion.
    pub fn func(&self, name: &str) -> Result<FuncId, CallError> {
        let name = name.strip_prefix('@').unwrap_or(name);
        self.module
            .function_by_name(name)
            .ok_or_else(|| CallError::UnknownFunction {
                name: name.to_owned(),
                suggestion: mir14_diag::suggest(
                    name,
                    self.module.functions.values().map(|f| &*f.name),
                ),
            })
    }

    /// Calls the function named `name` with `args` and returns its result, or why there is none.
    /// A wrong argument count is a `TypeError` trap, as for any MIR call. Output written by the
    /// call stays in the instance's streams (see [`Instance::take_stdout`]).
    pub fn call(&mut self, name: &str, args: &[Value]) -> Result<Value, CallError> {
        let f = self.func(name)?;
        self.call_func(f, args)
    }

    /// Like [`Instance::call`] with a function id.
    pub fn call_func(&mut self, f: FuncId, args: &[Value]) -> Result<Value, CallError> {
        let raw = args
            .iter()
            .map(|a| self.check(*a))
            .collect::<Result<Vec<Val>, CallError>>()?;
        let r = self.exec.call(f, &raw);
        self.rt().flush();
        match r {
            Ok(v) => {
                self.rt().heap.push_root(v);
                Ok(self.own(v))
            }
            Err(t) => Err(self.trap_error(t)),
        }
    }

    /// Runs `@main` as `mir14 run` does: flushes stdout, writes a trap line to stderr, and
    /// returns the exit status (main's Integer result `& 255`, 0 for any other result, 101 after
    /// a trap, the code of `env.process.exit`). `None` if the module has no `@main`.
    pub fn run_main(&mut self) -> Option<i32> {
        let main = self.module.function_by_name("main")?;
        let r = self.exec.call(main, &[]);
        Some(self.rt().finish(r))
    }

    fn trap_error(&mut self, t: Trap) -> CallError {
        if let TrapKind::Exit(code) = t.kind {
            return CallError::Exit(code);
        }
        let rt = self.rt();
        let location = t.location.map(|(f, b)| {
            let label = rt
                .funcs
                .get(f.index())
                .and_then(|m| m.labels.get(b.index()))
                .map_or_else(|| "?".to_owned(), |l| l.clone());
            (rt.func_name(f).to_owned(), label)
        });
        CallError::Trap(TrapError {
            kind: t.kind,
            message: t.message,
            location,
        })
    }

    // ----- limits -----

    /// Sets the fuel of later calls (`None`: unlimited). Fuel left over carries to the next
    /// call. Needs an engine made with [`Engine::consume_fuel`] unless `fuel` is `None`.
    pub fn set_fuel(&mut self, fuel: Option<u64>) -> Result<(), CallError> {
        if fuel.is_some() && !self.consume_fuel {
            return Err(CallError::FuelNotEnabled);
        }
        let rt = self.rt();
        rt.fuel = fuel;
        rt.config.fuel = fuel;
        Ok(())
    }

    /// The fuel left (`None` when unlimited).
    pub fn fuel(&mut self) -> Option<u64> {
        self.rt().fuel
    }

    /// Sets the call depth limit of later calls (the outermost call is depth 1).
    pub fn set_max_depth(&mut self, max_depth: u64) {
        self.exec.set_max_depth(max_depth);
    }

    /// Sets the memory limit of later calls in bytes (`--max-heap`): past it a call traps
    /// `OutOfMemory` (spec §5).
    pub fn set_max_heap(&mut self, bytes: u64) {
        let rt = self.rt();
        rt.config.max_heap = bytes;
        rt.heap.set_limit(bytes);
    }

    /// Sets what `env.args()` returns.
    pub fn set_args(&mut self, args: Vec<String>) {
        self.rt().config.args = args;
    }

    // ----- boxes -----

    /// Allocates a String.
    pub fn alloc_str(&mut self, s: &str) -> Value {
        let v = self.rt().heap.alloc_str(s);
        self.rt().heap.push_root(v);
        self.own(v)
    }

    /// Allocates an ArrayBox holding `items`.
    pub fn alloc_array(&mut self, items: &[Value]) -> Result<Value, CallError> {
        let raw = items
            .iter()
            .map(|a| self.check(*a))
            .collect::<Result<Vec<Val>, CallError>>()?;
        let v = self.rt().heap.alloc_array(raw);
        self.rt().heap.push_root(v);
        Ok(self.own(v))
    }

    /// Allocates an empty MapBox.
    pub fn alloc_map(&mut self) -> Value {
        let v = self.rt().heap.alloc_map();
        self.rt().heap.push_root(v);
        self.own(v)
    }

    /// Sets `map[key] = value` (`map.set(key, value)`). Keys are Integers, Bools or Strings;
    /// anything else is the `TypeError` trap the program would get.
    pub fn map_set(&mut self, map: Value, key: Value, value: Value) -> Result<(), CallError> {
        let (m, k, v) = (self.check(map)?, self.check(key)?, self.check(value)?);
        if m.tag != mir14_rt::MAP {
            return Err(self.trap_error(Trap::type_error("not a MapBox")));
        }
        let Some(mk) = MapKey::of(k) else {
            return Err(self.trap_error(Trap::type_error("invalid map key")));
        };
        mir14_rt::map_mut(m).set(mk, k, v);
        Ok(())
    }

    /// Pushes `value` at the end of an ArrayBox.
    pub fn array_push(&mut self, array: Value, value: Value) -> Result<(), CallError> {
        let (a, v) = (self.check(array)?, self.check(value)?);
        if a.tag != mir14_rt::ARRAY {
            return Err(self.trap_error(Trap::type_error("not an ArrayBox")));
        }
        mir14_rt::array_mut(a).push(v);
        Ok(())
    }

    /// What `v` is, with the contents of Strings, arrays, maps and user boxes borrowed from the
    /// heap. `None` for a value of another instance.
    pub fn inspect(&self, v: Value) -> Option<ValueRef<'_>> {
        let raw = v.raw_for(self.id)?;
        Some(value::inspect(raw, &self.module, self.id))
    }

    /// The text of a String value.
    pub fn str(&self, v: Value) -> Option<&str> {
        match self.inspect(v)? {
            ValueRef::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The elements of an ArrayBox value.
    pub fn array(&self, v: Value) -> Option<Vec<Value>> {
        match self.inspect(v)? {
            ValueRef::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The entries of a MapBox value, in insertion order.
    pub fn map_entries(&self, v: Value) -> Option<Vec<(Value, Value)>> {
        match self.inspect(v)? {
            ValueRef::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The value of `key` in a MapBox, if present.
    pub fn map_get(&self, map: Value, key: Value) -> Option<Value> {
        let (m, k) = (map.raw_for(self.id)?, key.raw_for(self.id)?);
        if m.tag != mir14_rt::MAP {
            return None;
        }
        let v = mir14_rt::map_mut(m).get(&MapKey::of(k)?)?;
        Some(Value::owned(v, self.id))
    }

    /// A FunctionBox for the function named `name` (to pass where the program calls a value).
    pub fn function_value(&self, name: &str) -> Result<Value, CallError> {
        let f = self.func(name)?;
        Ok(self.own(Val::func(f)))
    }

    /// Lets the collector free every heap value handed out so far (results and allocations);
    /// they must not be used afterwards. Returns how many were released.
    pub fn release_values(&mut self) -> usize {
        let base = self.base_roots;
        let heap = &mut self.rt().heap;
        let n = heap.root_mark().saturating_sub(base);
        heap.pop_roots(base);
        // Values made before the release are no longer accepted.
        self.id = NEXT_INSTANCE.fetch_add(1, Ordering::Relaxed);
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_functions_suggest_close_names() {
        let p = Program::parse("s.mir", "fn @fib() {\nbb0:\n  ret\n}\n").unwrap();
        let i = Engine::new(Backend::Vm).instantiate(&p).unwrap();
        let Err(CallError::UnknownFunction { suggestion, .. }) = i.func("fbi") else {
            panic!("expected an unknown function");
        };
        assert_eq!(suggestion.as_deref(), Some("fib"));
        assert!(i.func("zzzzzz").is_err());
    }

    #[test]
    fn verify_errors_carry_their_related_places() {
        let src = "fn @main() {\nbb0:\n  %c = const true\n  branch %c, a, b\na:\n  %x = const 1\n  jump b\nb:\n  ret %x\n}\n";
        let Err(Error::Verify(e)) = Program::parse("t.mir", src) else {
            panic!("expected a verifier error");
        };
        assert_eq!(e.diagnostics.len(), 1);
        let d = &e.diagnostics[0];
        assert_eq!(d.related.len(), 1);
        assert_eq!(d.related[0].1, "`%x` is defined here");
        assert_eq!(
            e.to_string(),
            "t.mir:9:7: error: use of `%x` is not dominated by its definition\n\
             t.mir:6:3: note: `%x` is defined here"
        );
        assert_eq!(
            e.render(false),
            "t.mir:9:7: error: use of `%x` is not dominated by its definition\n  ret %x\n      ^^\n\
             t.mir:6:3: note: `%x` is defined here\n  %x = const 1\n  ^^\n"
        );
        // Without text, the related place names its entity.
        let (module, _) = mir14_mir::parse(src).unwrap();
        let Err(Error::Verify(e)) = Program::new(module) else {
            panic!("expected a verifier error");
        };
        let related = &e.diagnostics[0].related;
        assert_eq!(related.len(), 1);
        assert_eq!(related[0].0, None);
        assert!(related[0].1.starts_with("in @main, block a"), "{related:?}");
        assert!(
            related[0].1.ends_with(": `%x` is defined here"),
            "{related:?}"
        );
        assert!(
            e.to_string()
                .contains("\n<module>: note: in @main, block a"),
            "{e}"
        );
        assert!(
            e.render(false).contains("= note: in @main, block a"),
            "{}",
            e.render(false)
        );
        // Parser errors have none.
        let Err(Error::Parse(e)) = Program::parse("p.mir", "fn @main( {") else {
            panic!("expected a parse error");
        };
        assert!(e.diagnostics.iter().all(|d| d.related.is_empty()));
    }
}
