//! The MIR14 data model: modules, box declarations, functions, blocks and the 14 instructions.
//!
//! This file declares data only; the semantics of each instruction is written in its doc comment
//! and, normatively, in `spec/MIR14.md`. The reference interpreter (`mir14-vm`) implements it.
//!
//! # Canonical numbering
//!
//! Entities are `u32` ids into arenas. A function's blocks are stored in layout order (the order
//! the text form prints them; the first is the entry). Its values are numbered *canonically*:
//! parameters first, then each instruction result in block order. The parser, the JSON reader and
//! the builder all produce canonical functions, so that two modules
//! that print the same compare equal with `==`. [`Function::canonicalize`] renumbers any other.

use crate::entity::Arena;
use crate::entity_id;
use std::fmt;

entity_id!(
    /// An SSA value of one function. Prints as `%name`.
    Value
);
entity_id!(
    /// A basic block of one function. Prints as its label, e.g. `bb0`.
    Block
);
entity_id!(
    /// A function of a module. Prints as `@name`.
    FuncId
);
entity_id!(
    /// A `box` declaration of a module. Prints as the box's name, e.g. `Point`.
    BoxId
);
entity_id!(
    /// An `import` declaration of a module. Prints as its dotted name, e.g. `c.puts`.
    ImportId
);

/// A whole MIR14 program: box declarations and functions.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Module {
    /// The `box` declarations, in the order written.
    pub boxes: Arena<BoxId, BoxDecl>,
    /// The functions, in the order written. Methods of box `B` are functions named `B.m`.
    pub functions: Arena<FuncId, Function>,
    /// The `import` declarations (C functions and host functions), in the order written.
    pub imports: Arena<ImportId, Import>,
}

/// An `import` declaration: `import c.strlen(String) -> Integer` (spec §Imports).
///
/// It declares a function outside the module that `extern c.strlen(args)` calls: a C function
/// (`c.`), resolved in the libraries given to the run, or a host function (`host.`) that the
/// embedding program registers. Calls are checked statically against the declaration (the
/// argument count) and dynamically (each argument's type, before the function runs).
#[derive(Clone, Debug, PartialEq)]
pub struct Import {
    /// Where the function comes from.
    pub kind: ImportKind,
    /// The symbol (for C) or the registered name (for host functions): an identifier.
    pub name: String,
    /// The parameter types; never [`FfiType::Void`].
    pub params: Vec<FfiType>,
    /// The result type.
    pub ret: FfiType,
}

impl Import {
    /// The dotted name that `extern` uses: `c.strlen`, `host.greet`.
    pub fn full_name(&self) -> String {
        format!("{}.{}", self.kind.prefix(), self.name)
    }
}

/// Where an imported function comes from.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum ImportKind {
    /// `c.NAME`: a C function of a library (or the C library itself).
    C,
    /// `host.NAME`: a function registered by the program that embeds mir14.
    Host,
}

impl ImportKind {
    /// The namespace prefix: `c` or `host`.
    pub fn prefix(self) -> &'static str {
        match self {
            ImportKind::C => "c",
            ImportKind::Host => "host",
        }
    }

    /// The kind with this prefix.
    pub fn from_prefix(s: &str) -> Option<ImportKind> {
        match s {
            "c" => Some(ImportKind::C),
            "host" => Some(ImportKind::Host),
            _ => None,
        }
    }
}

/// A type at the boundary of an imported function (spec §Imports).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum FfiType {
    /// `Integer`: C `int64_t`.
    Integer,
    /// `Float`: C `double`.
    Float,
    /// `Bool`: C `bool`.
    Bool,
    /// `String`: a NUL-terminated UTF-8 `const char *` (an argument is valid during the call; a
    /// result is copied into a new String, and NULL becomes `void`).
    String,
    /// `Void`: a result only; the call returns `void`.
    Void,
}

impl FfiType {
    /// Every type, in a fixed order.
    pub const ALL: [FfiType; 5] = [
        FfiType::Integer,
        FfiType::Float,
        FfiType::Bool,
        FfiType::String,
        FfiType::Void,
    ];

    /// The spelling: `Integer`, `Float`, `Bool`, `String`, `Void`.
    pub fn name(self) -> &'static str {
        match self {
            FfiType::Integer => "Integer",
            FfiType::Float => "Float",
            FfiType::Bool => "Bool",
            FfiType::String => "String",
            FfiType::Void => "Void",
        }
    }

    /// The type with this spelling.
    pub fn from_name(s: &str) -> Option<FfiType> {
        FfiType::ALL.into_iter().find(|t| t.name() == s)
    }
}

/// A user box declaration: `box Point { x, y }`.
#[derive(Clone, Debug, PartialEq)]
pub struct BoxDecl {
    /// The box (type) name, an identifier.
    pub name: String,
    /// The field names, in declaration order. Instances start with every field `void`.
    pub fields: Vec<String>,
}

/// A function: parameters, an optional return annotation, declared loops and blocks.
#[derive(Clone, Debug, PartialEq)]
pub struct Function {
    /// The name without the `@`; methods are named `Box.method`.
    pub name: String,
    /// The parameters, each an SSA value defined on entry, with an optional checked annotation.
    pub params: Vec<Param>,
    /// The checked return type annotation (`-> Integer`), if any.
    pub ret_type: Option<TypeName>,
    /// Every SSA value of the function, in canonical order.
    pub values: Arena<Value, ValueData>,
    /// The blocks in layout order; the first is the entry.
    pub blocks: Arena<Block, BlockData>,
    /// The declared loops (`loop header=... body=... latch=... exit=...`).
    pub loops: Vec<LoopForm>,
}

/// A function parameter: `%n` or `%n: Integer`.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    /// The value the parameter defines.
    pub value: Value,
    /// A checked annotation: an argument of another type traps `TypeError` at entry.
    pub ty: Option<TypeName>,
}

/// Per-value data: the name it is printed with (without the `%`).
#[derive(Clone, Debug, PartialEq)]
pub struct ValueData {
    /// Digits or an identifier; unique within the function.
    pub name: String,
}

/// A basic block: a label and its instructions, phis first, one terminator last.
#[derive(Clone, Debug, PartialEq)]
pub struct BlockData {
    /// The label, an identifier; unique within the function.
    pub label: String,
    /// The instructions in order.
    pub insts: Vec<Inst>,
}

/// A declared LoopForm: one natural loop in canonical shape (spec §LoopForm).
///
/// `preheader → header (phis) → body … → latch → header`; the header ends in a Branch to `body`
/// or `exit`; `latch` is the only block with an edge back to `header`; every edge leaving the
/// loop goes to `exit`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct LoopForm {
    /// The loop header: the target of the back edge, dominating every block of the loop.
    pub header: Block,
    /// The first block of the body: the header's Branch target inside the loop.
    pub body: Block,
    /// The latch: the single source of the back edge to the header.
    pub latch: Block,
    /// The exit: the header's Branch target outside the loop, and the target of `break`.
    pub exit: Block,
}

/// One MIR14 instruction. There are exactly 14 kinds.
///
/// `dest` is the SSA value an instruction defines. Operands of the wrong dynamic type trap
/// `TypeError` when the instruction runs; the verifier checks structure, not dynamic types.
#[derive(Clone, Debug, PartialEq)]
pub enum Inst {
    /// Instruction 1: `%d = const <literal>`: an Integer, Float, Bool, String, `void`, or `@fn` (a FunctionBox).
    Const {
        /// The result.
        dest: Value,
        /// The literal.
        value: Constant,
    },
    /// Instruction 2: `%d = unary <op> %a`: `neg` (Integer, wrapping; or Float), `not` (Bool only),
    /// `bitnot` (Integer only). Other operand types trap `TypeError`.
    Unary {
        /// The result.
        dest: Value,
        /// The operator.
        op: UnaryOp,
        /// The operand.
        arg: Value,
    },
    /// Instruction 3: `%d = binop <op> %a, %b`: arithmetic, bitwise, logical and string concatenation, by the
    /// rules of spec §BinOp (wrapping Integer arithmetic, IEEE Float, mixed promotion, `add` with
    /// a String concatenates; `div`/`mod` by Integer zero trap `DivisionByZero`).
    Binary {
        /// The result.
        dest: Value,
        /// The operator.
        op: BinOp,
        /// The left operand.
        lhs: Value,
        /// The right operand.
        rhs: Value,
    },
    /// Instruction 4: `%d = compare <op> %a, %b`: a Bool. `eq`/`ne` are total (identity for boxes with
    /// identity); `lt le gt ge` order numbers (mixed allowed) and Strings (by bytes), else trap
    /// `TypeError`.
    Compare {
        /// The result, a Bool.
        dest: Value,
        /// The comparison.
        op: CmpOp,
        /// The left operand.
        lhs: Value,
        /// The right operand.
        rhs: Value,
    },
    /// Instruction 5: `%d = typeop check %a T` (Bool), `typeop cast %a T` (converts or traps `CastError`),
    /// `typeop typeof %a` (the type name as a String).
    TypeOp {
        /// The result.
        dest: Value,
        /// Which type operation.
        op: TypeOpKind,
        /// The operand.
        arg: Value,
    },
    /// Instruction 6: `%d = load %obj.field`: reads a field of a user box instance. A receiver that is not a
    /// user box traps `TypeError`; a box without that field traps `UnknownField`.
    Load {
        /// The result.
        dest: Value,
        /// The user box instance.
        obj: Value,
        /// The field name.
        field: String,
    },
    /// Instruction 7: `store %obj.field = %v`: writes a field of a user box instance (traps as Load).
    Store {
        /// The user box instance.
        obj: Value,
        /// The field name.
        field: String,
        /// The value stored.
        value: Value,
    },
    /// Instruction 8: `branch %c, bbT, bbF`: terminator. `%c` must be a Bool (no truthiness), else `TypeError`.
    Branch {
        /// The condition.
        cond: Value,
        /// Taken when `cond` is true.
        then_block: Block,
        /// Taken when `cond` is false.
        else_block: Block,
    },
    /// Instruction 9: `jump bbN`: terminator, unconditional.
    Jump {
        /// The successor.
        target: Block,
    },
    /// Instruction 10: `ret %v` or `ret` (returns `void`): terminator.
    Return {
        /// The returned value; `None` returns `void`.
        value: Option<Value>,
    },
    /// Instruction 11: `%d = phi [bb0: %a], [bb2: %b]`: the value from the predecessor control came from.
    /// Phis lead their block, have exactly one input per predecessor, and all phis of a block read
    /// their inputs before any of them is written (parallel copy).
    Phi {
        /// The result.
        dest: Value,
        /// One `(predecessor, value)` pair per predecessor, in the order written.
        inputs: Vec<(Block, Value)>,
    },
    /// Instruction 12: `%d = new Class(args)`: a builtin box (`ArrayBox` with its initial elements, `MapBox`,
    /// an operator box, or a primitive `*Box` checking its one argument) or a user box (fields
    /// start `void`, then `birth` runs with the arguments if the box declares it).
    NewBox {
        /// The new box.
        dest: Value,
        /// What to make.
        class: BoxClass,
        /// Constructor arguments.
        args: Vec<Value>,
    },
    /// Instruction 13: `%d = call <callee>(args)`: a call through a [`Callee`] that is `Global`, `Method` or
    /// `Value` (never `Extern`). `dest` may be omitted; the result is then discarded. Marked `tail`
    /// (`%d = tail call ...`), it must be followed at once by `ret %d` (`ret` without `dest`).
    Call {
        /// The result, if kept.
        dest: Option<Value>,
        /// What is called.
        callee: Callee,
        /// The arguments (not counting a method's receiver).
        args: Vec<Value>,
        /// `tail call`: the call replaces the caller's activation (spec §4.1, §5). The verifier
        /// requires a `ret` of its result right after it.
        tail: bool,
    },
    /// Instruction 14: `%d = extern env.console.log(args)`: a host function; the callee is always
    /// [`Callee::Extern`]. `dest` may be omitted.
    ExternCall {
        /// The result, if kept.
        dest: Option<Value>,
        /// Always `Callee::Extern`.
        callee: Callee,
        /// The arguments.
        args: Vec<Value>,
    },
}

/// The target of a call instruction (spec §Callee). One type for every call, so analyses (the
/// call graph, an inliner) see all calls alike.
#[derive(Clone, Debug, PartialEq)]
pub enum Callee {
    /// `call @f(args)`: a module function, resolved statically.
    Global(FuncId),
    /// `call %r.m(args)` (dynamic dispatch on the receiver's runtime type, `box_name == None`) or
    /// `call %r.Point::m(args)` (static: the receiver must be a `Point`, else `TypeError`).
    Method {
        /// The statically named box, if any.
        box_name: Option<BoxId>,
        /// The method name.
        method: String,
        /// The receiver, passed as the method function's first parameter.
        receiver: Value,
    },
    /// `call %f(args)`: `%f` is a FunctionBox, an operator box, or a user box with `apply`.
    Value(Value),
    /// `extern env.console.log(args)`: a host function (spec §Externs).
    Extern(ExternFn),
    /// `extern c.strlen(args)`: a function declared by an `import` of the module (spec
    /// §Imports); only in `ExternCall`.
    Import(ImportId),
}

/// A literal of a `const` instruction.
#[derive(Clone, Debug, PartialEq)]
pub enum Constant {
    /// An Integer: `42`, `-7`.
    Int(i64),
    /// A Float: `3.5`, `1e100`, `-0.0`, `inf`, `-inf`, `NaN`.
    Float(Ieee64),
    /// `true` or `false`.
    Bool(bool),
    /// A String literal (already unescaped).
    Str(String),
    /// `void` (alias `null`).
    Void,
    /// `@f`: a FunctionBox referring to a module function.
    Func(FuncId),
}

/// An f64 compared and hashed by its bits, so that modules holding NaN constants compare equal to
/// themselves. NaNs are canonicalised to one quiet NaN on construction.
#[derive(Copy, Clone, PartialEq, Eq, Hash)]
pub struct Ieee64(u64);

impl Ieee64 {
    /// Wraps a float (every NaN becomes the canonical quiet NaN).
    pub fn new(x: f64) -> Self {
        if x.is_nan() {
            Ieee64(f64::NAN.to_bits())
        } else {
            Ieee64(x.to_bits())
        }
    }

    /// The float.
    pub fn get(self) -> f64 {
        f64::from_bits(self.0)
    }
}

impl fmt::Debug for Ieee64 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.get())
    }
}

impl From<f64> for Ieee64 {
    fn from(x: f64) -> Self {
        Ieee64::new(x)
    }
}

/// The operators of `unary`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `neg`: Integer (wrapping) or Float negation.
    Neg,
    /// `not`: Bool negation.
    Not,
    /// `bitnot`: Integer bitwise complement.
    BitNot,
}

/// The operators of `binop` (and of the matching operator boxes).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BinOp {
    /// `add`: numbers, or concatenation when either side is a String.
    Add,
    /// `sub`.
    Sub,
    /// `mul`.
    Mul,
    /// `div`: Integer truncates toward zero.
    Div,
    /// `mod`: Integer remainder with the sign of the dividend; Float fmod.
    Mod,
    /// `band`: Integer bitwise and.
    Band,
    /// `bor`: Integer bitwise or.
    Bor,
    /// `bxor`: Integer bitwise xor.
    Bxor,
    /// `shl`: shift left by the amount mod 64.
    Shl,
    /// `shr`: arithmetic shift right by the amount mod 64.
    Shr,
    /// `and`: Bool and, not short-circuit.
    And,
    /// `or`: Bool or, not short-circuit.
    Or,
}

/// The operators of `compare` (and of the matching operator boxes).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CmpOp {
    /// `eq`.
    Eq,
    /// `ne`.
    Ne,
    /// `lt`.
    Lt,
    /// `le`.
    Le,
    /// `gt`.
    Gt,
    /// `ge`.
    Ge,
}

/// An operator, as carried by an operator box (`AddOperator`, `EqOperator`, ...).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Operator {
    /// A BinOp operator.
    Bin(BinOp),
    /// A Compare operator.
    Cmp(CmpOp),
}

/// What a `typeop` does.
#[derive(Clone, Debug, PartialEq)]
pub enum TypeOpKind {
    /// `check T`: a Bool, true iff the operand has type `T`.
    Check(TypeName),
    /// `cast T`: the operand if it has type `T`; Integer→Float converts; Float→Integer truncates
    /// (NaN/out of range trap `CastError`); otherwise traps `CastError`.
    Cast(TypeName),
    /// `typeof`: the operand's type name as a String.
    TypeOf,
}

/// A type name, as used by `typeop` and annotations. `IntegerBox` etc. are parsed as aliases of
/// the primitive names and print as the primitive names.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum TypeName {
    /// `Integer` (alias `IntegerBox`).
    Integer,
    /// `Float` (alias `FloatBox`).
    Float,
    /// `Bool` (alias `BoolBox`).
    Bool,
    /// `String` (alias `StringBox`).
    String,
    /// `Void` (alias `VoidBox`).
    Void,
    /// `ArrayBox`.
    Array,
    /// `MapBox`.
    Map,
    /// `FunctionBox`.
    Function,
    /// An operator box type, e.g. `AddOperator`.
    Operator(Operator),
    /// A user box type.
    User(BoxId),
    /// `Any`: every value has it.
    Any,
}

/// What a `new` instruction makes.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum BoxClass {
    /// `new ArrayBox(elems...)`: an array holding the arguments.
    Array,
    /// `new MapBox()`: an empty map.
    Map,
    /// `new AddOperator()` etc.: an operator box; no arguments.
    Operator(Operator),
    /// `new IntegerBox(%x)` etc.: checks that its one argument has the primitive type and returns
    /// it (`new VoidBox()` takes no argument and returns `void`). The `TypeName` is one of
    /// `Integer Float Bool String Void`.
    Primitive(TypeName),
    /// `new Point(args...)`: a user box instance.
    User(BoxId),
}

/// The host functions reachable with `extern` (spec §Externs).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum ExternFn {
    /// `env.console.log(x)`: the string form of `x` and a newline, to stdout.
    ConsoleLog,
    /// `env.console.print(x)`: the string form of `x`, to stdout.
    ConsolePrint,
    /// `env.console.error(x)`: the string form of `x` and a newline, to stderr.
    ConsoleError,
    /// `env.stdin.read_line()`: the next line without its newline, or `void` at end of input.
    StdinReadLine,
    /// `env.stdin.read_all()`: the rest of stdin as a String.
    StdinReadAll,
    /// `env.fs.read(path)`: the file's contents; a missing file traps `IoError`.
    FsRead,
    /// `env.args()`: an ArrayBox of the program's arguments (Strings).
    Args,
    /// `env.process.exit(code)`: ends the program with the Integer status `code & 255`.
    ProcessExit,
    /// `env.time.now_ms()`: milliseconds since the Unix epoch (non-deterministic).
    TimeNowMs,
    /// `env.get(name)`: the environment variable `name` as a String, or `void` when it is not
    /// set (or not Unicode).
    EnvGet,
    /// `env.set(name, value)`: sets the environment variable `name` of the process to `value`.
    EnvSet,
}

impl ExternFn {
    /// Every extern, in a fixed order.
    pub const ALL: [ExternFn; 11] = [
        ExternFn::ConsoleLog,
        ExternFn::ConsolePrint,
        ExternFn::ConsoleError,
        ExternFn::StdinReadLine,
        ExternFn::StdinReadAll,
        ExternFn::FsRead,
        ExternFn::Args,
        ExternFn::ProcessExit,
        ExternFn::TimeNowMs,
        ExternFn::EnvGet,
        ExternFn::EnvSet,
    ];

    /// The dotted name, e.g. `env.console.log`.
    pub fn name(self) -> &'static str {
        match self {
            ExternFn::ConsoleLog => "env.console.log",
            ExternFn::ConsolePrint => "env.console.print",
            ExternFn::ConsoleError => "env.console.error",
            ExternFn::StdinReadLine => "env.stdin.read_line",
            ExternFn::StdinReadAll => "env.stdin.read_all",
            ExternFn::FsRead => "env.fs.read",
            ExternFn::Args => "env.args",
            ExternFn::ProcessExit => "env.process.exit",
            ExternFn::TimeNowMs => "env.time.now_ms",
            ExternFn::EnvGet => "env.get",
            ExternFn::EnvSet => "env.set",
        }
    }

    /// The extern with this dotted name.
    pub fn from_name(name: &str) -> Option<ExternFn> {
        ExternFn::ALL.into_iter().find(|e| e.name() == name)
    }

    /// The number of arguments it takes.
    pub fn arity(self) -> usize {
        match self {
            ExternFn::ConsoleLog
            | ExternFn::ConsolePrint
            | ExternFn::ConsoleError
            | ExternFn::FsRead
            | ExternFn::ProcessExit
            | ExternFn::EnvGet => 1,
            ExternFn::EnvSet => 2,
            ExternFn::StdinReadLine
            | ExternFn::StdinReadAll
            | ExternFn::Args
            | ExternFn::TimeNowMs => 0,
        }
    }
}

impl UnaryOp {
    /// Every unary operator.
    pub const ALL: [UnaryOp; 3] = [UnaryOp::Neg, UnaryOp::Not, UnaryOp::BitNot];

    /// The text-form mnemonic.
    pub fn name(self) -> &'static str {
        match self {
            UnaryOp::Neg => "neg",
            UnaryOp::Not => "not",
            UnaryOp::BitNot => "bitnot",
        }
    }

    /// The operator with this mnemonic.
    pub fn from_name(s: &str) -> Option<UnaryOp> {
        UnaryOp::ALL.into_iter().find(|o| o.name() == s)
    }
}

impl BinOp {
    /// Every binary operator.
    pub const ALL: [BinOp; 12] = [
        BinOp::Add,
        BinOp::Sub,
        BinOp::Mul,
        BinOp::Div,
        BinOp::Mod,
        BinOp::Band,
        BinOp::Bor,
        BinOp::Bxor,
        BinOp::Shl,
        BinOp::Shr,
        BinOp::And,
        BinOp::Or,
    ];

    /// The text-form mnemonic.
    pub fn name(self) -> &'static str {
        match self {
            BinOp::Add => "add",
            BinOp::Sub => "sub",
            BinOp::Mul => "mul",
            BinOp::Div => "div",
            BinOp::Mod => "mod",
            BinOp::Band => "band",
            BinOp::Bor => "bor",
            BinOp::Bxor => "bxor",
            BinOp::Shl => "shl",
            BinOp::Shr => "shr",
            BinOp::And => "and",
            BinOp::Or => "or",
        }
    }

    /// The operator with this mnemonic.
    pub fn from_name(s: &str) -> Option<BinOp> {
        BinOp::ALL.into_iter().find(|o| o.name() == s)
    }
}

impl CmpOp {
    /// Every comparison.
    pub const ALL: [CmpOp; 6] = [
        CmpOp::Eq,
        CmpOp::Ne,
        CmpOp::Lt,
        CmpOp::Le,
        CmpOp::Gt,
        CmpOp::Ge,
    ];

    /// The text-form mnemonic.
    pub fn name(self) -> &'static str {
        match self {
            CmpOp::Eq => "eq",
            CmpOp::Ne => "ne",
            CmpOp::Lt => "lt",
            CmpOp::Le => "le",
            CmpOp::Gt => "gt",
            CmpOp::Ge => "ge",
        }
    }

    /// The comparison with this mnemonic.
    pub fn from_name(s: &str) -> Option<CmpOp> {
        CmpOp::ALL.into_iter().find(|o| o.name() == s)
    }
}

impl Operator {
    /// Every operator, BinOps first.
    pub fn all() -> impl Iterator<Item = Operator> {
        BinOp::ALL
            .into_iter()
            .map(Operator::Bin)
            .chain(CmpOp::ALL.into_iter().map(Operator::Cmp))
    }

    /// The operator box name, e.g. `AddOperator`, `GeOperator`.
    pub fn box_name(self) -> &'static str {
        match self {
            Operator::Bin(BinOp::Add) => "AddOperator",
            Operator::Bin(BinOp::Sub) => "SubOperator",
            Operator::Bin(BinOp::Mul) => "MulOperator",
            Operator::Bin(BinOp::Div) => "DivOperator",
            Operator::Bin(BinOp::Mod) => "ModOperator",
            Operator::Bin(BinOp::Band) => "BandOperator",
            Operator::Bin(BinOp::Bor) => "BorOperator",
            Operator::Bin(BinOp::Bxor) => "BxorOperator",
            Operator::Bin(BinOp::Shl) => "ShlOperator",
            Operator::Bin(BinOp::Shr) => "ShrOperator",
            Operator::Bin(BinOp::And) => "AndOperator",
            Operator::Bin(BinOp::Or) => "OrOperator",
            Operator::Cmp(CmpOp::Eq) => "EqOperator",
            Operator::Cmp(CmpOp::Ne) => "NeOperator",
            Operator::Cmp(CmpOp::Lt) => "LtOperator",
            Operator::Cmp(CmpOp::Le) => "LeOperator",
            Operator::Cmp(CmpOp::Gt) => "GtOperator",
            Operator::Cmp(CmpOp::Ge) => "GeOperator",
        }
    }

    /// The operator whose box is named `name`.
    pub fn from_box_name(name: &str) -> Option<Operator> {
        Operator::all().find(|o| o.box_name() == name)
    }
}

impl TypeName {
    /// Resolves a builtin type name (`Integer`, `IntegerBox`, `ArrayBox`, `AddOperator`, `Any`,
    /// ...). User box names are resolved by the caller, which knows the module.
    pub fn builtin(name: &str) -> Option<TypeName> {
        Some(match name {
            "Integer" | "IntegerBox" => TypeName::Integer,
            "Float" | "FloatBox" => TypeName::Float,
            "Bool" | "BoolBox" => TypeName::Bool,
            "String" | "StringBox" => TypeName::String,
            "Void" | "VoidBox" => TypeName::Void,
            "ArrayBox" => TypeName::Array,
            "MapBox" => TypeName::Map,
            "FunctionBox" => TypeName::Function,
            "Any" => TypeName::Any,
            _ => return Operator::from_box_name(name).map(TypeName::Operator),
        })
    }

    /// The canonical name of a builtin type; `None` for user boxes (look the name up in the module).
    pub fn builtin_name(self) -> Option<&'static str> {
        Some(match self {
            TypeName::Integer => "Integer",
            TypeName::Float => "Float",
            TypeName::Bool => "Bool",
            TypeName::String => "String",
            TypeName::Void => "Void",
            TypeName::Array => "ArrayBox",
            TypeName::Map => "MapBox",
            TypeName::Function => "FunctionBox",
            TypeName::Any => "Any",
            TypeName::Operator(op) => op.box_name(),
            TypeName::User(_) => return None,
        })
    }
}

impl BoxClass {
    /// Resolves a builtin class name of `new` (`ArrayBox`, `MapBox`, `IntegerBox`, `AddOperator`,
    /// ...). User box names are resolved by the caller.
    pub fn builtin(name: &str) -> Option<BoxClass> {
        Some(match name {
            "ArrayBox" => BoxClass::Array,
            "MapBox" => BoxClass::Map,
            "IntegerBox" => BoxClass::Primitive(TypeName::Integer),
            "FloatBox" => BoxClass::Primitive(TypeName::Float),
            "BoolBox" => BoxClass::Primitive(TypeName::Bool),
            "StringBox" => BoxClass::Primitive(TypeName::String),
            "VoidBox" => BoxClass::Primitive(TypeName::Void),
            _ => return Operator::from_box_name(name).map(BoxClass::Operator),
        })
    }

    /// The printed name of a builtin class; `None` for user boxes.
    pub fn builtin_name(self) -> Option<&'static str> {
        Some(match self {
            BoxClass::Array => "ArrayBox",
            BoxClass::Map => "MapBox",
            BoxClass::Operator(op) => op.box_name(),
            BoxClass::Primitive(TypeName::Integer) => "IntegerBox",
            BoxClass::Primitive(TypeName::Float) => "FloatBox",
            BoxClass::Primitive(TypeName::Bool) => "BoolBox",
            BoxClass::Primitive(TypeName::String) => "StringBox",
            BoxClass::Primitive(_) => "VoidBox",
            BoxClass::User(_) => return None,
        })
    }

    /// The number of constructor arguments a builtin class takes; `None` when any number is
    /// allowed (`ArrayBox`) or it depends on the module (user boxes: `birth`'s arity, or 0).
    pub fn builtin_arity(self) -> Option<usize> {
        match self {
            BoxClass::Array | BoxClass::User(_) => None,
            BoxClass::Map | BoxClass::Operator(_) => Some(0),
            BoxClass::Primitive(TypeName::Void) => Some(0),
            BoxClass::Primitive(_) => Some(1),
        }
    }
}

impl Inst {
    /// True for a `tail call`.
    pub fn is_tail_call(&self) -> bool {
        matches!(self, Inst::Call { tail: true, .. })
    }

    /// The value this instruction defines, if any.
    pub fn dest(&self) -> Option<Value> {
        match self {
            Inst::Const { dest, .. }
            | Inst::Unary { dest, .. }
            | Inst::Binary { dest, .. }
            | Inst::Compare { dest, .. }
            | Inst::TypeOp { dest, .. }
            | Inst::Load { dest, .. }
            | Inst::Phi { dest, .. }
            | Inst::NewBox { dest, .. } => Some(*dest),
            Inst::Call { dest, .. } | Inst::ExternCall { dest, .. } => *dest,
            Inst::Store { .. } | Inst::Branch { .. } | Inst::Jump { .. } | Inst::Return { .. } => {
                None
            }
        }
    }

    /// The value this instruction defines, mutably.
    pub fn dest_mut(&mut self) -> Option<&mut Value> {
        match self {
            Inst::Const { dest, .. }
            | Inst::Unary { dest, .. }
            | Inst::Binary { dest, .. }
            | Inst::Compare { dest, .. }
            | Inst::TypeOp { dest, .. }
            | Inst::Load { dest, .. }
            | Inst::Phi { dest, .. }
            | Inst::NewBox { dest, .. } => Some(dest),
            Inst::Call { dest, .. } | Inst::ExternCall { dest, .. } => dest.as_mut(),
            Inst::Store { .. } | Inst::Branch { .. } | Inst::Jump { .. } | Inst::Return { .. } => {
                None
            }
        }
    }

    /// Calls `f` on every value this instruction reads, in operand order (a method receiver
    /// before the arguments; phi inputs in order).
    pub fn for_each_use(&self, mut f: impl FnMut(Value)) {
        match self {
            Inst::Const { .. } | Inst::Jump { .. } => {}
            Inst::Unary { arg, .. } | Inst::TypeOp { arg, .. } => f(*arg),
            Inst::Binary { lhs, rhs, .. } | Inst::Compare { lhs, rhs, .. } => {
                f(*lhs);
                f(*rhs);
            }
            Inst::Load { obj, .. } => f(*obj),
            Inst::Store { obj, value, .. } => {
                f(*obj);
                f(*value);
            }
            Inst::Branch { cond, .. } => f(*cond),
            Inst::Return { value } => {
                if let Some(v) = value {
                    f(*v)
                }
            }
            Inst::Phi { inputs, .. } => inputs.iter().for_each(|(_, v)| f(*v)),
            Inst::NewBox { args, .. } => args.iter().for_each(|v| f(*v)),
            Inst::Call { callee, args, .. } | Inst::ExternCall { callee, args, .. } => {
                match callee {
                    Callee::Method { receiver, .. } => f(*receiver),
                    Callee::Value(v) => f(*v),
                    Callee::Global(_) | Callee::Extern(_) | Callee::Import(_) => {}
                }
                args.iter().for_each(|v| f(*v));
            }
        }
    }

    /// Calls `f` on every value operand, mutably (for renaming).
    pub fn map_uses(&mut self, mut f: impl FnMut(&mut Value)) {
        match self {
            Inst::Const { .. } | Inst::Jump { .. } => {}
            Inst::Unary { arg, .. } | Inst::TypeOp { arg, .. } => f(arg),
            Inst::Binary { lhs, rhs, .. } | Inst::Compare { lhs, rhs, .. } => {
                f(lhs);
                f(rhs);
            }
            Inst::Load { obj, .. } => f(obj),
            Inst::Store { obj, value, .. } => {
                f(obj);
                f(value);
            }
            Inst::Branch { cond, .. } => f(cond),
            Inst::Return { value } => {
                if let Some(v) = value {
                    f(v)
                }
            }
            Inst::Phi { inputs, .. } => inputs.iter_mut().for_each(|(_, v)| f(v)),
            Inst::NewBox { args, .. } => args.iter_mut().for_each(f),
            Inst::Call { callee, args, .. } | Inst::ExternCall { callee, args, .. } => {
                match callee {
                    Callee::Method { receiver, .. } => f(receiver),
                    Callee::Value(v) => f(v),
                    Callee::Global(_) | Callee::Extern(_) | Callee::Import(_) => {}
                }
                args.iter_mut().for_each(f);
            }
        }
    }

    /// True for Branch, Jump and Return.
    pub fn is_terminator(&self) -> bool {
        matches!(
            self,
            Inst::Branch { .. } | Inst::Jump { .. } | Inst::Return { .. }
        )
    }

    /// The successor blocks of a terminator, in order (empty for Return and non-terminators).
    pub fn successors(&self) -> Vec<Block> {
        match self {
            Inst::Branch {
                then_block,
                else_block,
                ..
            } => vec![*then_block, *else_block],
            Inst::Jump { target } => vec![*target],
            _ => Vec::new(),
        }
    }

    /// The instruction's opcode name, as it begins its text form (`const`, `binop`, `phi`, ...).
    pub fn opcode_name(&self) -> &'static str {
        match self {
            Inst::Const { .. } => "const",
            Inst::Unary { .. } => "unary",
            Inst::Binary { .. } => "binop",
            Inst::Compare { .. } => "compare",
            Inst::TypeOp { .. } => "typeop",
            Inst::Load { .. } => "load",
            Inst::Store { .. } => "store",
            Inst::Branch { .. } => "branch",
            Inst::Jump { .. } => "jump",
            Inst::Return { .. } => "ret",
            Inst::Phi { .. } => "phi",
            Inst::NewBox { .. } => "new",
            Inst::Call { .. } => "call",
            Inst::ExternCall { .. } => "extern",
        }
    }
}

impl Module {
    /// An empty module.
    pub fn new() -> Self {
        Module::default()
    }

    /// The function named `name` (without `@`).
    pub fn function_by_name(&self, name: &str) -> Option<FuncId> {
        self.functions
            .iter()
            .find(|(_, f)| f.name == name)
            .map(|(id, _)| id)
    }

    /// The import whose dotted name is `name` (`c.strlen`); the first one if declared twice.
    pub fn import_by_name(&self, name: &str) -> Option<ImportId> {
        let (prefix, rest) = name.split_once('.')?;
        let kind = ImportKind::from_prefix(prefix)?;
        self.imports
            .iter()
            .find(|(_, i)| i.kind == kind && i.name == rest)
            .map(|(id, _)| id)
    }

    /// The box declared as `name`.
    pub fn box_by_name(&self, name: &str) -> Option<BoxId> {
        self.boxes
            .iter()
            .find(|(_, b)| b.name == name)
            .map(|(id, _)| id)
    }

    /// The method `method` of user box `b`: the function named `B.method`.
    pub fn method(&self, b: BoxId, method: &str) -> Option<FuncId> {
        let name = format!("{}.{}", self.boxes[b].name, method);
        self.function_by_name(&name)
    }

    /// The printed name of a type (`Integer`, `ArrayBox`, or a user box's name).
    pub fn type_name(&self, ty: TypeName) -> &str {
        match ty {
            TypeName::User(b) => &self.boxes[b].name,
            other => other.builtin_name().expect("builtin type"),
        }
    }

    /// Resolves a type name, user boxes included (`None` if unknown).
    pub fn resolve_type(&self, name: &str) -> Option<TypeName> {
        TypeName::builtin(name).or_else(|| self.box_by_name(name).map(TypeName::User))
    }

    /// Resolves a class name of `new`, user boxes included (`None` if unknown).
    pub fn resolve_class(&self, name: &str) -> Option<BoxClass> {
        BoxClass::builtin(name).or_else(|| self.box_by_name(name).map(BoxClass::User))
    }

    /// The printed name of a class of `new`.
    pub fn class_name(&self, class: BoxClass) -> &str {
        match class {
            BoxClass::User(b) => &self.boxes[b].name,
            other => other.builtin_name().expect("builtin class"),
        }
    }
}

/// The values of a function that one unit of call depth covers ([`Function::depth_units`]):
/// a function of at most this many values counts 1 per activation.
pub const VALUES_PER_DEPTH_UNIT: usize = 1024;

impl Function {
    /// A function with no parameters, values or blocks.
    pub fn new(name: impl Into<String>) -> Self {
        Function {
            name: name.into(),
            params: Vec::new(),
            ret_type: None,
            values: Arena::new(),
            blocks: Arena::new(),
            loops: Vec::new(),
        }
    }

    /// The entry block (the first), if the function has any block.
    pub fn entry(&self) -> Option<Block> {
        if self.blocks.is_empty() {
            None
        } else {
            Some(Block(0))
        }
    }

    /// The name of a value, as printed (without `%`).
    pub fn value_name(&self, v: Value) -> &str {
        &self.values[v].name
    }

    /// The label of a block.
    pub fn block_label(&self, b: Block) -> &str {
        &self.blocks[b].label
    }

    /// The units of call depth one activation of this function counts (spec §5, "Limits"): one
    /// per [`VALUES_PER_DEPTH_UNIT`] values or part of it (its value table: parameters and
    /// instruction results), at least 1. The depth limit bounds what the frames of a run hold,
    /// whatever its functions hold.
    pub fn depth_units(&self) -> u64 {
        (self.values.len().max(1) as u64).div_ceil(VALUES_PER_DEPTH_UNIT as u64)
    }

    /// The block labelled `label`.
    pub fn block_by_label(&self, label: &str) -> Option<Block> {
        self.blocks
            .iter()
            .find(|(_, b)| b.label == label)
            .map(|(id, _)| id)
    }

    /// The value named `name`.
    pub fn value_by_name(&self, name: &str) -> Option<Value> {
        self.values
            .iter()
            .find(|(_, v)| v.name == name)
            .map(|(id, _)| id)
    }

    /// The terminator of block `b`: its last instruction if that is a terminator.
    pub fn terminator(&self, b: Block) -> Option<&Inst> {
        self.blocks[b].insts.last().filter(|i| i.is_terminator())
    }

    /// The successors of block `b`, from its terminator.
    pub fn successors(&self, b: Block) -> Vec<Block> {
        self.terminator(b).map(Inst::successors).unwrap_or_default()
    }

    /// The number of instructions in the function.
    pub fn inst_count(&self) -> usize {
        self.blocks.values().map(|b| b.insts.len()).sum()
    }

    /// Renumbers values canonically (parameters first, then results in block order) and drops
    /// values that are defined nowhere but used nowhere either. Values used but never defined are
    /// kept, numbered after every defined value in order of first use, so that the verifier can
    /// still report them. Names are kept.
    pub fn canonicalize(&mut self) {
        let old = std::mem::take(&mut self.values);
        let mut map: Vec<Option<Value>> = vec![None; old.len()];
        let mut values: Arena<Value, ValueData> = Arena::new();
        let assign =
            |v: Value, map: &mut Vec<Option<Value>>, values: &mut Arena<Value, ValueData>| {
                if let Some(slot) = map.get_mut(v.index()) {
                    if slot.is_none() {
                        *slot = Some(values.push(old[v].clone()));
                    }
                }
            };
        for p in &self.params {
            assign(p.value, &mut map, &mut values);
        }
        for b in self.blocks.values() {
            for inst in &b.insts {
                if let Some(d) = inst.dest() {
                    assign(d, &mut map, &mut values);
                }
            }
        }
        for b in self.blocks.values() {
            for inst in &b.insts {
                inst.for_each_use(|u| assign(u, &mut map, &mut values));
            }
        }
        let remap = |v: &mut Value| {
            if let Some(Some(n)) = map.get(v.index()) {
                *v = *n;
            }
        };
        for p in &mut self.params {
            remap(&mut p.value);
        }
        for b in self.blocks.values_mut() {
            for inst in &mut b.insts {
                if let Some(d) = inst.dest_mut() {
                    remap(d);
                }
                inst.map_uses(remap);
            }
        }
        self.values = values;
    }
}
