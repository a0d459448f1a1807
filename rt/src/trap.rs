//! Traps: the error kinds of spec §6, their location and backtrace.

use mir14_mir::{Block, FuncId};

/// What kind of trap (or the non-trap `Exit`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum TrapKind {
    /// An operand or argument of the wrong type, a wrong argument count, ...
    TypeError,
    /// Integer `div`/`mod` by zero.
    DivisionByZero,
    /// An index or range out of bounds.
    IndexOutOfBounds,
    /// A failed `typeop cast`.
    CastError,
    /// A method that the receiver's type does not have.
    UnknownMethod,
    /// A field that the user box does not have.
    UnknownField,
    /// The call depth limit was exceeded.
    StackOverflow,
    /// The fuel ran out.
    OutOfFuel,
    /// A file could not be read, or stdout could not be written.
    IoError,
    /// The live heap grew past the memory limit (`--max-heap`).
    OutOfMemory,
    /// Not a trap: `env.process.exit(code)`; the status is `code & 255`.
    Exit(i32),
}

impl TrapKind {
    /// The kind's name as printed in the trap line (`TypeError`, ...).
    pub fn name(self) -> &'static str {
        match self {
            TrapKind::TypeError => "TypeError",
            TrapKind::DivisionByZero => "DivisionByZero",
            TrapKind::IndexOutOfBounds => "IndexOutOfBounds",
            TrapKind::CastError => "CastError",
            TrapKind::UnknownMethod => "UnknownMethod",
            TrapKind::UnknownField => "UnknownField",
            TrapKind::StackOverflow => "StackOverflow",
            TrapKind::OutOfFuel => "OutOfFuel",
            TrapKind::IoError => "IoError",
            TrapKind::OutOfMemory => "OutOfMemory",
            TrapKind::Exit(_) => "Exit",
        }
    }
}

/// A trap (or an exit request) travelling up to the top level.
#[derive(Clone, Debug, PartialEq)]
pub struct Trap {
    /// The kind.
    pub kind: TrapKind,
    /// The message of the spec §6 catalogue.
    pub message: String,
    /// The innermost MIR function and block running when it happened; filled in by the backend
    /// (the first one to see it unlocated) via [`Trap::at`].
    pub location: Option<(FuncId, Block)>,
    /// The active MIR frames the trap unwound through, innermost first: each backend frame
    /// appends its own [`Site`] as the trap passes it ([`Trap::frame`]).
    pub backtrace: Vec<Site>,
}

/// Where one MIR frame was when a trap passed it: its function, block and instruction.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Site {
    /// The function.
    pub func: FuncId,
    /// The block.
    pub block: Block,
    /// The instruction's index in the block, or [`Site::ENTRY`] (the function's entry: depth,
    /// fuel and parameter checks) or [`Site::ARRIVE`] (arriving at the block over a fuel edge).
    pub inst: u32,
}

impl Site {
    /// The `inst` of a site at the function's entry.
    pub const ENTRY: u32 = u32::MAX;
    /// The `inst` of a site arriving at its block.
    pub const ARRIVE: u32 = u32::MAX - 1;

    /// The site of instruction `inst` of block `block` of `func`.
    pub fn new(func: FuncId, block: Block, inst: u32) -> Site {
        Site { func, block, inst }
    }

    /// The entry of `func` (its entry block).
    pub fn entry(func: FuncId) -> Site {
        Site::new(func, Block(0), Site::ENTRY)
    }
}

impl Trap {
    /// A trap of `kind` with `message`, not yet located.
    pub fn new(kind: TrapKind, message: impl Into<String>) -> Trap {
        Trap {
            kind,
            message: message.into(),
            location: None,
            backtrace: Vec::new(),
        }
    }

    /// A `TypeError`.
    pub fn type_error(message: impl Into<String>) -> Trap {
        Trap::new(TrapKind::TypeError, message)
    }

    /// The `TypeError` of a call with the wrong number of arguments (spec §6):
    /// `wrong number of arguments to WHAT: expected N, got M`, `what` as the program names the
    /// callee (`@f`, `Point.norm`, `new Point`). The one spelling of the message, for every
    /// backend.
    pub fn wrong_arity(what: &str, expected: usize, got: usize) -> Trap {
        Trap::type_error(format!(
            "wrong number of arguments to {what}: expected {expected}, got {got}"
        ))
    }

    /// The exit request of `env.process.exit(code)`.
    pub fn exit(code: i64) -> Trap {
        Trap::new(TrapKind::Exit((code & 255) as i32), "")
    }

    /// Sets the location unless one is already set (the innermost location wins).
    pub fn at(mut self, f: FuncId, b: Block) -> Trap {
        if self.location.is_none() {
            self.location = Some((f, b));
        }
        self
    }

    /// Appends the frame at `site` to the backtrace (the innermost frame first); the first
    /// frame also sets the location unless one is set.
    pub fn frame(mut self, site: Site) -> Trap {
        self.push_frame(site);
        self
    }

    /// [`Trap::frame`] in place.
    pub fn push_frame(&mut self, site: Site) {
        if self.location.is_none() {
            self.location = Some((site.func, site.block));
        }
        self.backtrace.push(site);
    }
}

impl std::fmt::Display for TrapKind {
    /// The kind's name ([`TrapKind::name`]).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::fmt::Display for Trap {
    /// `Kind: message`; the location needs the runtime's names ([`crate::Runtime::trap_line`]).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind {
            TrapKind::Exit(code) => write!(f, "exit with status {code}"),
            k => write!(f, "{k}: {}", self.message),
        }
    }
}

impl std::error::Error for Trap {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traps_display_kind_and_message() {
        let t = Trap::new(TrapKind::DivisionByZero, "division by zero");
        assert_eq!(t.to_string(), "DivisionByZero: division by zero");
        assert_eq!(Trap::exit(258).to_string(), "exit with status 2");
        assert_eq!(
            Trap::wrong_arity("new Point", 2, 1).to_string(),
            "TypeError: wrong number of arguments to new Point: expected 2, got 1"
        );
    }
}
