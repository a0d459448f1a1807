#!/usr/bin/env python3
"""mirpy: a small, independent Python model of MIR14's core semantics.

It exists only to compute (and cross-check) the expected outputs of the conformance programs in
spec/tests/run/core/. It is written from the brief (§3, §4, §10) and spec/MIR14.md (§1-§6), not
from the Rust code, so that the expected files are an independent computation.

Scope: the text form (parser), a light verifier (names, terminators, phis, dominance, declared
loops), and an executor for all 14 instructions with user boxes, ArrayBox/MapBox construction,
operator boxes, FunctionBoxes, the universal methods, `env.console.log/print/error` and
`env.process.exit`, call depth and fuel. Builtin container/string methods, `import`
declarations and tail calls are out of scope and raise `Unsupported`. The verifier's messages
are those of spec §7.1 (names in backquotes), so they can be compared with `mir14 check`.

Usage: mirpy.py prog.mir [--fuel N] [--max-depth N]  (prints stdout/stderr, exits like mir14 run)
"""

import math
import os
from decimal import Decimal
import re
import sys
import threading

I64_MIN = -(1 << 63)
I64_MAX = (1 << 63) - 1


class Unsupported(Exception):
    """A feature this model does not implement (never a MIR14 trap)."""


class ParseError(Exception):
    """The program text is malformed or fails the light verifier."""


class Trap(Exception):
    """A MIR14 trap: kind, message, and (function, block) once located."""

    def __init__(self, kind, msg, loc=None):
        super().__init__(f"{kind}: {msg}")
        self.kind = kind
        self.msg = msg
        self.loc = loc
        # The backtrace (spec §6): (function, block, (line, col)) per frame, innermost first.
        self.frames = []

    def frame(self, fname, label, pos):
        """Appends the frame a trap passes (the first one also locates it)."""
        if self.loc is None:
            self.loc = (fname, label)
        self.frames.append((fname, label, pos))


class ExitProgram(Exception):
    """env.process.exit(code)."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


# ---------------------------------------------------------------------------------------------
# Values. Primitives are tagged tuples so that Python's bool/int/float mixing cannot leak in.


def I(v):
    """An Integer value (wrapped into i64)."""
    return ("Integer", wrap(v))


def F(v):
    """A Float value."""
    return ("Float", float(v))


def B(v):
    """A Bool value."""
    return ("Bool", bool(v))


def S(v):
    """A String value."""
    return ("String", v)


VOID = ("Void", None)


class Arr:
    """An ArrayBox (identity semantics)."""

    def __init__(self, items):
        self.items = list(items)


class Map:
    """A MapBox (identity semantics, insertion-ordered)."""

    def __init__(self):
        self.entries = []


class UserBox:
    """An instance of a user `box` declaration."""

    def __init__(self, name, fields):
        self.name = name
        self.fields = {f: VOID for f in fields}


class FuncBox:
    """A FunctionBox; equal by function."""

    def __init__(self, name):
        self.name = name


OPERATORS = {
    "AddOperator": ("bin", "add"), "SubOperator": ("bin", "sub"), "MulOperator": ("bin", "mul"),
    "DivOperator": ("bin", "div"), "ModOperator": ("bin", "mod"), "BandOperator": ("bin", "band"),
    "BorOperator": ("bin", "bor"), "BxorOperator": ("bin", "bxor"), "ShlOperator": ("bin", "shl"),
    "ShrOperator": ("bin", "shr"), "AndOperator": ("bin", "and"), "OrOperator": ("bin", "or"),
    "EqOperator": ("cmp", "eq"), "NeOperator": ("cmp", "ne"), "LtOperator": ("cmp", "lt"),
    "LeOperator": ("cmp", "le"), "GtOperator": ("cmp", "gt"), "GeOperator": ("cmp", "ge"),
}


class OpBox:
    """An operator box; equal by operator."""

    def __init__(self, name):
        self.name = name


ALIASES = {"IntegerBox": "Integer", "FloatBox": "Float", "BoolBox": "Bool",
           "StringBox": "String", "VoidBox": "Void"}
BUILTIN_TYPES = {"Integer", "Float", "Bool", "String", "Void", "ArrayBox", "MapBox",
                 "FunctionBox", "Any"} | set(OPERATORS)


def type_name(v):
    """The `typeof` name of a value."""
    if isinstance(v, tuple):
        return v[0]
    if isinstance(v, Arr):
        return "ArrayBox"
    if isinstance(v, Map):
        return "MapBox"
    if isinstance(v, UserBox):
        return v.name
    if isinstance(v, FuncBox):
        return "FunctionBox"
    if isinstance(v, OpBox):
        return v.name
    raise AssertionError(v)


def wrap(x):
    """Two's complement wrap of a Python int into i64."""
    return ((x - I64_MIN) % (1 << 64)) + I64_MIN


# ---------------------------------------------------------------------------------------------
# Float formatting: Rust's `{:?}` for f64.


def shortest_digits(x):
    """Shortest round-trip decimal digits of a finite positive float: (digits, exp10) with
    value = 0.d1d2...dn * 10**exp10. Python's repr gives the same shortest digits as Rust."""
    r = repr(x)
    if "e" in r:
        mant, e = r.split("e")
        e = int(e)
    else:
        mant, e = r, 0
    if "." in mant:
        ip, fp = mant.split(".")
    else:
        ip, fp = mant, ""
    digits = ip + fp
    point = len(ip) + e  # decimal point position relative to the digit string start
    stripped = digits.lstrip("0")
    point -= len(digits) - len(stripped)
    digits = stripped.rstrip("0")
    # Python breaks an exact tie between two shortest candidates to even; Rust's flt2dec takes
    # the upper one. Detect the tie with exact decimal arithmetic and move up.
    exact = Decimal(x)
    unit = Decimal(1).scaleb(point - len(digits))
    cand = Decimal(int(digits)) * unit
    if exact - cand == unit / 2:
        up = str(int(digits) + 1)
        if float(Decimal(int(up)) * unit) == x:
            if len(up) > len(digits):
                point += 1
            digits = up.rstrip("0")
    return digits, point


def fmt_float(x):
    """Rust `format!("{:?}", x)` for an f64."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    sign = "-" if math.copysign(1.0, x) < 0 else ""
    a = abs(x)
    if a == 0.0:
        return sign + "0.0"
    digits, point = shortest_digits(a)
    if a < 1e-4 or a >= 1e16:
        rest = digits[1:]
        return sign + digits[0] + ("." + rest if rest else "") + "e" + str(point - 1)
    if point <= 0:
        return sign + "0." + "0" * (-point) + digits
    if point < len(digits):
        return sign + digits[:point] + "." + digits[point:]
    return sign + digits + "0" * (point - len(digits)) + ".0"


def escape_str(s):
    """A string quoted with the escapes of spec §1 (as inside containers)."""
    out = ['"']
    for ch in s:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append("\\u{%x}" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# Pure operator semantics (brief §4.1-§4.3).

NUM = ("Integer", "Float")


def float_div(a, b):
    """IEEE division (Python raises on a zero divisor)."""
    if b == 0.0:
        if math.isnan(a) or a == 0.0:
            return math.nan
        neg = (math.copysign(1.0, a) < 0) != (math.copysign(1.0, b) < 0)
        return -math.inf if neg else math.inf
    return a / b


def float_mod(a, b):
    """C fmod / Rust `%` on f64."""
    try:
        return math.fmod(a, b)
    except ValueError:
        return math.nan


def int_div(a, b):
    """Truncating division, wrapping (MIN div -1 = MIN)."""
    q = abs(a) // abs(b)
    if (a < 0) != (b < 0):
        q = -q
    return wrap(q)


def int_mod(a, b):
    """Remainder with the dividend's sign (MIN mod -1 = 0)."""
    r = abs(a) % abs(b)
    return -r if a < 0 else r


def unary(op, a):
    """`unary op a`."""
    t = type_name(a)
    if op == "neg" and t == "Integer":
        return I(-a[1])
    if op == "neg" and t == "Float":
        return F(-a[1])
    if op == "not" and t == "Bool":
        return B(not a[1])
    if op == "bitnot" and t == "Integer":
        return I(~a[1])
    raise Trap("TypeError", f"cannot apply {op} to {t}")


def binop(op, a, b, fmt=None):
    """`binop op a, b`; `fmt` gives string forms for concatenation."""
    ta, tb = type_name(a), type_name(b)
    if op == "add" and "String" in (ta, tb) and "Void" not in (ta, tb):
        return S(fmt(a) + fmt(b))
    if ta == "Integer" and tb == "Integer":
        x, y = a[1], b[1]
        if op == "add":
            return I(x + y)
        if op == "sub":
            return I(x - y)
        if op == "mul":
            return I(x * y)
        if op == "div":
            if y == 0:
                raise Trap("DivisionByZero", "division by zero")
            return I(int_div(x, y))
        if op == "mod":
            if y == 0:
                raise Trap("DivisionByZero", "modulo by zero")
            return I(int_mod(x, y))
        if op == "band":
            return I(x & y)
        if op == "bor":
            return I(x | y)
        if op == "bxor":
            return I(x ^ y)
        if op == "shl":
            return I(x << (y & 63))
        if op == "shr":
            return I(x >> (y & 63))
    if ta in NUM and tb in NUM and op in ("add", "sub", "mul", "div", "mod"):
        x, y = float(a[1]), float(b[1])
        if op == "add":
            return F(x + y)
        if op == "sub":
            return F(x - y)
        if op == "mul":
            return F(x * y)
        if op == "div":
            return F(float_div(x, y))
        return F(float_mod(x, y))
    if ta == "Bool" and tb == "Bool" and op in ("and", "or"):
        return B(a[1] and b[1]) if op == "and" else B(a[1] or b[1])
    raise Trap("TypeError", f"cannot apply {op} to {ta} and {tb}")


def values_equal(a, b):
    """`compare eq` (total)."""
    ta, tb = type_name(a), type_name(b)
    if ta in NUM and tb in NUM:
        return a[1] == b[1]  # Python compares int and float exactly; NaN is unequal
    if ta != tb:
        return False
    if isinstance(a, tuple):
        return a[1] == b[1]
    if isinstance(a, (FuncBox, OpBox)):
        return a.name == b.name
    return a is b


def compare(op, a, b):
    """`compare op a, b`."""
    if op == "eq":
        return B(values_equal(a, b))
    if op == "ne":
        return B(not values_equal(a, b))
    ta, tb = type_name(a), type_name(b)
    if ta in NUM and tb in NUM:
        x, y = a[1], b[1]  # exact int/float comparisons
    elif ta == "String" and tb == "String":
        x, y = a[1].encode("utf-8"), b[1].encode("utf-8")
    else:
        raise Trap("TypeError", f"cannot compare {ta} and {tb} with {op}")
    return B({"lt": x < y, "le": x <= y, "gt": x > y, "ge": x >= y}[op])


def canon_type(t):
    """Resolves type aliases."""
    return ALIASES.get(t, t)


def check(v, t):
    """`typeop check v T`."""
    t = canon_type(t)
    return B(t == "Any" or type_name(v) == t)


def cast(v, t):
    """`typeop cast v T`."""
    t = canon_type(t)
    tv = type_name(v)
    if t == "Any" or tv == t:
        return v
    if tv == "Integer" and t == "Float":
        return F(float(v[1]))
    if tv == "Float" and t == "Integer":
        x = v[1]
        if math.isnan(x) or math.isinf(x) or not (I64_MIN <= math.trunc(x) <= I64_MAX):
            raise Trap("CastError", f"cannot cast Float {fmt_float(x)} to Integer")
        return I(math.trunc(x))
    raise Trap("CastError", f"cannot cast {tv} to {t}")


# ---------------------------------------------------------------------------------------------
# Lexer and parser for the text form (spec §1-§2).

TOKEN_RE = re.compile(r"""
    (?P<ws>[ \t\r\n]+|;[^\n]*)
  | (?P<str>")
  | (?P<float>-?[0-9]+(?:\.[0-9]+(?:[eE][+-]?[0-9]+)?|[eE][+-]?[0-9]+))
  | (?P<int>-?[0-9]+)
  | (?P<ninf>-inf\b)
  | (?P<value>%[A-Za-z0-9_]+)
  | (?P<func>@[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<punct>::|->|[{}()\[\],:=.])
""", re.X)


def lex(text):
    """Splits the text into (kind, value, line, column) tokens."""
    toks = []
    i = 0
    line = 1
    while i < len(text):
        m = TOKEN_RE.match(text, i)
        if not m:
            raise ParseError(f"line {line}: bad character {text[i]!r}")
        kind = m.lastgroup
        if kind == "ws":
            line += m.group().count("\n")
            i = m.end()
            continue
        if kind == "str":
            j = i + 1
            buf = []
            while True:
                if j >= len(text):
                    raise ParseError("unterminated string")
                c = text[j]
                if c == '"':
                    j += 1
                    break
                if c == "\n":
                    raise ParseError("unterminated string")
                if c == "\\":
                    e = text[j + 1]
                    if e in 'nrt"\\':
                        buf.append({"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}[e])
                        j += 2
                    elif e == "u":
                        m2 = re.compile(r"\\u\{([0-9a-fA-F]{1,6})\}").match(text, j)
                        if not m2:
                            raise ParseError("invalid escape")
                        cp = int(m2.group(1), 16)
                        if cp > 0x10FFFF or 0xD800 <= cp <= 0xDFFF:
                            raise ParseError("invalid escape")
                        buf.append(chr(cp))
                        j = m2.end()
                    else:
                        raise ParseError("invalid escape")
                else:
                    buf.append(c)
                    j += 1
            toks.append(("str", "".join(buf), line, i - text.rfind("\n", 0, i)))
            i = j
            continue
        toks.append((kind, m.group(), line, i - text.rfind("\n", 0, i)))
        i = m.end()
    toks.append(("eof", None, line, 1))
    return toks


class Function:
    """A parsed function."""

    def __init__(self, name):
        self.name = name
        self.params = []  # (name, type or None)
        self.ret = None
        self.loops = []
        self.blocks = {}  # label -> list of instructions (dicts)
        self.order = []
        self.pos = None  # (line, column) of `fn`
        self.label_pos = {}  # label -> (line, column)


class Module:
    """A parsed module: boxes (name -> fields) and functions (name -> Function)."""

    def __init__(self):
        self.boxes = {}
        self.funcs = {}


class Parser:
    """Recursive-descent parser of spec §2."""

    def __init__(self, text):
        self.t = lex(text)
        self.p = 0

    def peek(self, k=0):
        return self.t[self.p + k]

    def next(self):
        tok = self.t[self.p]
        self.p += 1
        return tok

    def expect(self, kind, val=None):
        tok = self.next()
        if tok[0] != kind or (val is not None and tok[1] != val):
            raise ParseError(f"line {tok[2]}: expected `{val or kind}`, found `{tok[1]}`")
        return tok[1]

    def is_(self, kind, val=None, k=0):
        tok = self.peek(k)
        return tok[0] == kind and (val is None or tok[1] == val)

    def module(self):
        m = Module()
        while not self.is_("eof"):
            at = self.peek()
            kw = self.expect("ident")
            if kw == "box":
                name = self.expect("ident")
                self.expect("punct", "{")
                fields = []
                while not self.is_("punct", "}"):
                    fields.append(self.expect("ident"))
                    if not self.is_("punct", "}"):
                        self.expect("punct", ",")
                self.expect("punct", "}")
                if name in m.boxes:
                    raise ParseError(f"duplicate box `{name}`")
                if name in BUILTIN_TYPES or name in ALIASES:
                    raise ParseError(f"box name `{name}` is a builtin type")
                for k, fld in enumerate(fields):
                    if fld in fields[:k]:
                        raise ParseError(f"duplicate field `{fld}` in box `{name}`")
                m.boxes[name] = fields
            elif kw == "fn":
                f = self.function()
                f.pos = (at[2], at[3])
                if f.name in m.funcs:
                    raise ParseError(f"duplicate function `@{f.name}`")
                m.funcs[f.name] = f
            elif kw == "import":
                raise Unsupported("import declarations (spec §4.9)")
            else:
                raise ParseError(f"expected `box`, `fn` or `import`, found `{kw}`")
        return m

    def function(self):
        f = Function(self.expect("func")[1:])
        self.expect("punct", "(")
        while not self.is_("punct", ")"):
            v = self.expect("value")
            ty = None
            if self.is_("punct", ":"):
                self.next()
                ty = self.expect("ident")
            f.params.append((v, ty))
            if not self.is_("punct", ")"):
                self.expect("punct", ",")
        self.expect("punct", ")")
        if self.is_("punct", "->"):
            self.next()
            f.ret = self.expect("ident")
        self.expect("punct", "{")
        while self.is_("ident", "loop"):
            self.next()
            lp = {}
            for key in ("header", "body", "latch", "exit"):
                self.expect("ident", key)
                self.expect("punct", "=")
                lp[key] = self.expect("ident")
            f.loops.append(lp)
        while not self.is_("punct", "}"):
            at = self.peek()
            label = self.expect("ident")
            f.label_pos[label] = (at[2], at[3])
            self.expect("punct", ":")
            if label in f.blocks:
                raise ParseError(f"duplicate block label `{label}`")
            f.blocks[label] = []
            f.order.append(label)
            while not (self.is_("punct", "}") or (self.is_("ident") and self.is_("punct", ":", 1))):
                f.blocks[label].append(self.inst())
        self.expect("punct", "}")
        if not f.order:
            raise ParseError(f"function `@{f.name}` has no blocks")
        return f

    def args(self):
        self.expect("punct", "(")
        out = []
        while not self.is_("punct", ")"):
            out.append(self.expect("value"))
            if not self.is_("punct", ")"):
                self.expect("punct", ",")
        self.expect("punct", ")")
        return out

    def literal(self):
        kind, val, line = self.next()[:3]
        if kind == "int":
            v = int(val)
            if not I64_MIN <= v <= I64_MAX:
                raise ParseError("integer literal out of range")
            return I(v)
        if kind == "float":
            x = float(val)
            if math.isinf(x):
                raise ParseError("float literal out of range")
            return F(x)
        if kind == "ninf":
            return F(-math.inf)
        if kind == "ident":
            return {"inf": F(math.inf), "NaN": F(math.nan), "true": B(True), "false": B(False),
                    "void": VOID, "null": VOID}[val]
        if kind == "str":
            return S(val)
        if kind == "func":
            return ("FuncRef", val[1:])
        raise ParseError(f"line {line}: bad literal {val!r}")

    def callee(self):
        if self.is_("func"):
            return ("global", self.next()[1][1:])
        v = self.expect("value")
        if self.is_("punct", "."):
            self.next()
            m = self.expect("ident")
            if self.is_("punct", "::"):
                self.next()
                return ("static", v, m, self.expect("ident"))
            return ("method", v, m)
        return ("value", v)

    def inst(self):
        line = self.peek()[2]
        pos = (line, self.peek()[3])
        dest = None
        if self.is_("value"):
            dest = self.next()[1]
            self.expect("punct", "=")
        op = self.expect("ident")
        i = {"op": op, "dest": dest, "line": line, "pos": pos}
        if op == "const":
            i["lit"] = self.literal()
        elif op == "unary":
            i["kind"] = self.expect("ident")
            i["a"] = self.expect("value")
        elif op in ("binop", "compare"):
            i["kind"] = self.expect("ident")
            i["a"] = self.expect("value")
            self.expect("punct", ",")
            i["b"] = self.expect("value")
        elif op == "typeop":
            i["kind"] = self.expect("ident")
            i["a"] = self.expect("value")
            if i["kind"] in ("check", "cast"):
                i["ty"] = self.expect("ident")
        elif op == "load":
            i["a"] = self.expect("value")
            self.expect("punct", ".")
            i["field"] = self.expect("ident")
        elif op == "store":
            i["a"] = self.expect("value")
            self.expect("punct", ".")
            i["field"] = self.expect("ident")
            self.expect("punct", "=")
            i["b"] = self.expect("value")
        elif op == "branch":
            i["a"] = self.expect("value")
            self.expect("punct", ",")
            i["t"] = self.expect("ident")
            self.expect("punct", ",")
            i["f"] = self.expect("ident")
        elif op == "jump":
            i["t"] = self.expect("ident")
        elif op == "ret":
            i["a"] = self.next()[1] if self.is_("value") else None
        elif op == "phi":
            ins = []
            while self.is_("punct", "["):
                self.next()
                lab = self.expect("ident")
                self.expect("punct", ":")
                ins.append((lab, self.expect("value")))
                self.expect("punct", "]")
                if self.is_("punct", ","):
                    self.next()
            i["ins"] = ins
        elif op == "new":
            i["cls"] = self.expect("ident")
            i["args"] = self.args()
        elif op == "call":
            i["callee"] = self.callee()
            i["args"] = self.args()
        elif op == "extern":
            name = self.expect("ident")
            while self.is_("punct", "."):
                self.next()
                name += "." + self.expect("ident")
            i["name"] = name
            i["args"] = self.args()
        elif op == "tail":
            raise Unsupported("tail calls")
        else:
            raise ParseError(f"line {line}: unknown instruction `{op}`")
        return i


TERMINATORS = ("branch", "jump", "ret")
EXTERN_ARITY = {"env.console.log": 1, "env.console.print": 1, "env.console.error": 1,
                "env.stdin.read_line": 0, "env.stdin.read_all": 0, "env.fs.read": 1,
                "env.args": 0, "env.process.exit": 1, "env.time.now_ms": 0}


def succs(f, label):
    """Successor labels of a block."""
    term = f.blocks[label][-1]
    if term["op"] == "branch":
        return [term["t"], term["f"]]
    if term["op"] == "jump":
        return [term["t"]]
    return []


def fuel_edges(f):
    """The edges that spend fuel (spec §5): (from, to) with to not after from in the reverse
    postorder of a depth-first search from the entry visiting successors in terminator order."""
    post, seen = [], set()

    def dfs(b):
        seen.add(b)
        for s in dict.fromkeys(succs(f, b)):
            if s not in seen:
                dfs(s)
        post.append(b)

    dfs(f.order[0])
    rpo = {b: i for i, b in enumerate(reversed(post))}
    return {(a, b) for a in rpo for b in succs(f, a) if rpo[b] <= rpo[a]}


def dominators(f):
    """label -> set of dominating labels (reachable blocks only)."""
    entry = f.order[0]
    reach = []
    stack = [entry]
    seen = set()
    while stack:
        b = stack.pop()
        if b in seen:
            continue
        seen.add(b)
        reach.append(b)
        stack.extend(succs(f, b))
    preds = {b: [] for b in f.order}
    for b in reach:
        for s in succs(f, b):
            preds[s].append(b)
    dom = {b: set(reach) for b in reach}
    dom[entry] = {entry}
    changed = True
    while changed:
        changed = False
        for b in reach:
            if b == entry:
                continue
            new = set(reach)
            for p in preds[b]:
                if p in dom:
                    new &= dom[p]
            new |= {b}
            if new != dom[b]:
                dom[b] = new
                changed = True
    return dom


def preds_of(f):
    """label -> list of predecessor labels (every block, reachable or not)."""
    preds = {b: [] for b in f.order}
    for b in f.order:
        for s in succs(f, b):
            preds[s].append(b)
    return preds


def uses(i):
    """The value names an instruction uses (phi inputs excluded)."""
    out = []
    for k in ("a", "b"):
        if i.get(k):
            out.append(i[k])
    out.extend(i.get("args", []))
    c = i.get("callee")
    if c and c[0] != "global":
        out.append(c[1])
    return out


def verify(m):
    """A light verifier: enough to catch mistakes in hand-written test programs."""
    for f in m.funcs.values():
        if "." in f.name:
            box = f.name.split(".")[0]
            if box not in m.boxes:
                raise ParseError(f"method `@{f.name}` of undeclared box `{box}`")
            if not f.params:
                raise ParseError(f"method `@{f.name}` needs a receiver parameter")
        for lab in f.order:
            insts = f.blocks[lab]
            if not insts or insts[-1]["op"] not in TERMINATORS:
                raise ParseError(f"@{f.name}: block `{lab}` does not end with a terminator")
            for i in insts[:-1]:
                if i["op"] in TERMINATORS:
                    raise ParseError(f"@{f.name}: terminator before the end of block `{lab}`")
            seen_non_phi = False
            for i in insts:
                if i["op"] == "phi" and seen_non_phi:
                    raise ParseError(f"@{f.name}: phi must lead its block (`{lab}`)")
                if i["op"] != "phi":
                    seen_non_phi = True
            for s in succs(f, lab):
                if s not in f.blocks:
                    raise ParseError(f"@{f.name}: unknown block `{s}`")
            for i in insts:
                for p, _ in i["ins"] if i["op"] == "phi" else []:
                    if p not in f.blocks:
                        raise ParseError(f"@{f.name}: unknown block `{p}`")
                if i["op"] == "phi" and lab == f.order[0]:
                    raise ParseError(f"@{f.name}: entry block cannot have phis")
        if f.ret is not None and canon_type(f.ret) not in BUILTIN_TYPES and f.ret not in m.boxes:
            raise ParseError(f"unknown type `{f.ret}`")
        # Definitions.
        defs = {}
        for p, ty in f.params:
            if p in defs:
                raise ParseError(f"@{f.name}: value `{p}` is defined more than once")
            defs[p] = (None, -1)
            if ty is not None and canon_type(ty) not in BUILTIN_TYPES and ty not in m.boxes:
                raise ParseError(f"unknown type `{ty}`")
        for lab in f.order:
            for idx, i in enumerate(f.blocks[lab]):
                if i["dest"]:
                    if i["dest"] in defs:
                        raise ParseError(
                            f"@{f.name}: value `{i['dest']}` is defined more than once")
                    defs[i["dest"]] = (lab, idx)
        preds = preds_of(f)
        entry = f.order[0]
        if preds[entry]:
            raise ParseError(f"@{f.name}: entry block `{entry}` cannot be a branch target")
        dom = dominators(f)

        def dominated(v, lab, idx):
            if v not in defs:
                raise ParseError(f"@{f.name}: value `{v}` is used but never defined")
            dlab, didx = defs[v]
            if dlab is None or lab not in dom:
                return True
            if dlab == lab:
                return didx < idx
            return dlab in dom[lab]

        for lab in f.order:
            for idx, i in enumerate(f.blocks[lab]):
                if i["op"] == "phi":
                    got = [p for p, _ in i["ins"]]
                    for k, p in enumerate(got):
                        if p in got[:k]:
                            raise ParseError(f"@{f.name}: phi has more than one input for `{p}`")
                        if p not in preds[lab]:
                            raise ParseError(
                                f"@{f.name}: phi input from `{p}`, which is not a predecessor")
                    for p in preds[lab]:
                        if p not in got:
                            raise ParseError(f"@{f.name}: phi has no input for predecessor `{p}`")
                    for p, v in i["ins"]:
                        if not dominated(v, p, len(f.blocks[p])):
                            raise ParseError(f"@{f.name}: use of `{v}` is not dominated by its "
                                             f"definition")
                for v in uses(i):
                    if not dominated(v, lab, idx):
                        raise ParseError(f"@{f.name}: use of `{v}` is not dominated by its "
                                         f"definition")
                if i["op"] == "call" and i["callee"][0] == "global":
                    g = m.funcs.get(i["callee"][1])
                    if g is None:
                        raise ParseError(f"unknown function `@{i['callee'][1]}`")
                    if len(g.params) != len(i["args"]):
                        raise ParseError(f"wrong number of arguments to `@{g.name}`: expected "
                                         f"{len(g.params)}, got {len(i['args'])}")
                if i["op"] == "call" and i["callee"][0] == "static":
                    box, meth = i["callee"][2], i["callee"][3]
                    if box not in m.boxes:
                        raise ParseError(f"unknown box `{box}`")
                    g = m.funcs.get(box + "." + meth)
                    if g is None:
                        raise ParseError(f"unknown method `{box}::{meth}`")
                    if len(g.params) != len(i["args"]) + 1:
                        raise ParseError(f"wrong number of arguments to `{g.name}`: expected "
                                         f"{len(g.params) - 1}, got {len(i['args'])}")
                if i["op"] == "const" and i["lit"][0] == "FuncRef" and i["lit"][1] not in m.funcs:
                    raise ParseError(f"unknown function `@{i['lit'][1]}`")
                if i["op"] == "extern":
                    want = EXTERN_ARITY.get(i["name"])
                    if want is None:
                        raise ParseError(f"unknown extern `{i['name']}`")
                    if want != len(i["args"]):
                        raise ParseError(f"wrong number of arguments to `{i['name']}`: expected "
                                         f"{want}, got {len(i['args'])}")
                if i["op"] in ("load", "store"):
                    if not any(i["field"] in fs for fs in m.boxes.values()):
                        raise ParseError(f"no box declares field `{i['field']}`")
                if i["op"] == "typeop" and "ty" in i:
                    t = canon_type(i["ty"])
                    if t not in BUILTIN_TYPES and t not in m.boxes:
                        raise ParseError(f"unknown type `{t}`")
                if i["op"] == "new":
                    cls = i["cls"]
                    n = len(i["args"])
                    if cls in m.boxes:
                        birth = m.funcs.get(cls + ".birth")
                        want = len(birth.params) - 1 if birth else 0
                    elif cls in ("MapBox", "VoidBox") or cls in OPERATORS:
                        want = 0
                    elif cls in ALIASES:
                        want = 1
                    elif cls == "ArrayBox":
                        want = n
                    else:
                        raise ParseError(f"unknown box `{cls}`")
                    if n != want:
                        raise ParseError(f"wrong number of arguments to `new {cls}`: expected "
                                         f"{want}, got {n}")
        # Declared loops (spec §7 rule 7, the parts the tests rely on).
        headers = set()
        for lp in f.loops:
            h, body, latch, ex = lp["header"], lp["body"], lp["latch"], lp["exit"]
            for b in (h, body, latch, ex):
                if b not in f.blocks:
                    raise ParseError(f"unknown block `{b}`")
            if h in headers:
                raise ParseError(f"block `{h}` is the header of more than one loop")
            headers.add(h)
            term = f.blocks[h][-1]
            # The region: every block reachable from the header without entering the exit.
            loop = set()
            stack = [h]
            while stack:
                b = stack.pop()
                if b in loop:
                    continue
                loop.add(b)
                stack.extend(s for s in succs(f, b) if s != ex)
            for b in sorted(loop, key=f.order.index):
                if b != h and (b not in dom or h not in dom[b]):
                    raise ParseError(f"loop header `{h}` does not dominate `{b}`")
            if h not in succs(f, latch):
                raise ParseError(f"latch `{latch}` has no edge to header `{h}`")
            if latch not in loop:
                raise ParseError(f"latch `{latch}` is not inside the loop of header `{h}`")
            for p in preds[h]:
                back = p in dom and h in dom[p]
                if p != latch and (p in loop or back):
                    raise ParseError(f"back edge from `{p}` to header `{h}` is not from the latch "
                                     f"`{latch}`")
            for s in succs(f, latch):
                if s != h and latch in dom and s in dom[latch]:
                    raise ParseError(f"latch `{latch}` also has a back edge to `{s}`")
            if (term["op"] != "branch" or {term["t"], term["f"]} != {body, ex} or body == ex
                    or body not in loop or ex in loop):
                raise ParseError(f"header `{h}` must end with a branch to body `{body}` and exit "
                                 f"`{ex}`")
        if f.name == "main" and f.params:
            raise ParseError("`@main` must not have parameters")


# ---------------------------------------------------------------------------------------------
# Executor.


class Machine:
    """Runs a verified module."""

    def __init__(self, m, fuel=None, max_depth=100000):
        self.m = m
        self.fuel = fuel
        self.max_depth = max_depth
        self.depth = 0
        self.out = []
        self.err = []
        self.fuel_edges = {name: fuel_edges(f) for name, f in m.funcs.items()}
        self.printing = []

    # String forms (brief §3, spec §3).
    def fmt(self, v, nested=False):
        if isinstance(v, tuple):
            t, x = v
            if t == "Integer":
                return str(x)
            if t == "Float":
                return fmt_float(x)
            if t == "Bool":
                return "true" if x else "false"
            if t == "Void":
                return "void"
            return escape_str(x) if nested else x
        if isinstance(v, FuncBox):
            return f"<function @{v.name}>"
        if isinstance(v, OpBox):
            return f"<{v.name}>"
        if isinstance(v, UserBox) and (v.name + ".toString") in self.m.funcs \
                and len(self.m.funcs[v.name + ".toString"].params) == 1:
            r = self.call(v.name + ".toString", [v])
            if type_name(r) != "String":
                raise Trap("TypeError",
                           f"{v.name}.toString must return String, got {type_name(r)}")
            return r[1]
        if any(p is v for p in self.printing):
            return {Arr: "[...]", Map: "{...}"}.get(type(v), f"{type_name(v)} {{...}}")
        self.printing.append(v)
        try:
            if isinstance(v, Arr):
                return "[" + ", ".join(self.fmt(x, True) for x in v.items) + "]"
            if isinstance(v, Map):
                return "{" + ", ".join(self.fmt(k, True) + ": " + self.fmt(x, True)
                                       for k, x in v.entries) + "}"
            if not v.fields:
                return f"{v.name} {{}}"
            return v.name + " { " + ", ".join(f"{k}: {self.fmt(x, True)}"
                                              for k, x in v.fields.items()) + " }"
        finally:
            self.printing.pop()

    def spend(self, fname, label, entry=False):
        if self.fuel is None:
            return
        if self.fuel == 0:
            t = Trap("OutOfFuel", "fuel exhausted")
            f = self.m.funcs[fname]
            # At a function's entry: the `fn` line; arriving at a block: its label.
            t.frame(fname, label, f.pos if entry else f.label_pos[label])
            raise t
        self.fuel -= 1

    def call(self, fname, args):
        f = self.m.funcs[fname]
        entry = f.order[0]
        if len(args) != len(f.params):
            raise Trap("TypeError", f"wrong number of arguments to @{fname}: expected "
                                    f"{len(f.params)}, got {len(args)}")
        if self.depth >= self.max_depth:
            t = Trap("StackOverflow", f"call depth exceeded {self.max_depth}")
            t.frame(fname, entry, f.pos)
            raise t
        self.spend(fname, entry, True)
        for (p, ty), a in zip(f.params, args):
            if ty is not None and not check(a, ty)[1]:
                t = Trap("TypeError", f"argument {p} of @{fname} must be {canon_type(ty)}, got "
                                      f"{type_name(a)}")
                t.frame(fname, entry, f.pos)
                raise t
        self.depth += 1
        try:
            return self.run(f, args)
        finally:
            self.depth -= 1

    def run(self, f, args):
        env = {p: a for (p, _), a in zip(f.params, args)}
        label = f.order[0]
        prev = None
        fuel_edges = self.fuel_edges[f.name]
        while True:
            insts = f.blocks[label]
            try:
                # Phis: parallel copy.
                k = 0
                vals = []
                while k < len(insts) and insts[k]["op"] == "phi":
                    src = dict(insts[k]["ins"])[prev]
                    vals.append((insts[k]["dest"], env[src]))
                    k += 1
                for d, v in vals:
                    env[d] = v
                for i in insts[k:]:
                    cur = i
                    r = self.exec(f, i, env)
                    if i["op"] == "ret":
                        if f.ret is not None and not check(r, f.ret)[1]:
                            raise Trap("TypeError", f"return value of @{f.name} must be "
                                       f"{canon_type(f.ret)}, got {type_name(r)}")
                        return r
                    if i["op"] in ("jump", "branch"):
                        nxt = r
                        break
                    if i["dest"]:
                        env[i["dest"]] = r
            except Trap as t:
                t.frame(f.name, label, cur["pos"])
                raise
            # Taking a fuel edge spends fuel (at the block arrived at).
            if (label, nxt) in fuel_edges:
                self.spend(f.name, nxt)
            prev, label = label, nxt

    def exec(self, f, i, env):
        op = i["op"]
        g = env.__getitem__
        if op == "const":
            lit = i["lit"]
            return FuncBox(lit[1]) if lit[0] == "FuncRef" else lit
        if op == "unary":
            return unary(i["kind"], g(i["a"]))
        if op == "binop":
            return binop(i["kind"], g(i["a"]), g(i["b"]), self.fmt)
        if op == "compare":
            return compare(i["kind"], g(i["a"]), g(i["b"]))
        if op == "typeop":
            if i["kind"] == "check":
                return check(g(i["a"]), i["ty"])
            if i["kind"] == "cast":
                return cast(g(i["a"]), i["ty"])
            return S(type_name(g(i["a"])))
        if op in ("load", "store"):
            o = g(i["a"])
            verb = "load" if op == "load" else "store"
            if not isinstance(o, UserBox):
                raise Trap("TypeError", f"cannot {verb} field {i['field']} of {type_name(o)}")
            if i["field"] not in o.fields:
                raise Trap("UnknownField", f"{o.name} has no field {i['field']}")
            if op == "load":
                return o.fields[i["field"]]
            o.fields[i["field"]] = g(i["b"])
            return None
        if op == "branch":
            c = g(i["a"])
            if type_name(c) != "Bool":
                raise Trap("TypeError", f"branch condition must be Bool, got {type_name(c)}")
            return i["t"] if c[1] else i["f"]
        if op == "jump":
            return i["t"]
        if op == "ret":
            return g(i["a"]) if i["a"] else VOID
        if op == "new":
            args = [g(a) for a in i["args"]]
            cls = i["cls"]
            if cls == "ArrayBox":
                return Arr(args)
            if cls == "MapBox":
                return Map()
            if cls in OPERATORS:
                return OpBox(cls)
            if cls == "VoidBox":
                return VOID
            if cls in ALIASES:
                t = ALIASES[cls]
                if type_name(args[0]) != t:
                    raise Trap("TypeError", f"{cls} expects {t}, got {type_name(args[0])}")
                return args[0]
            obj = UserBox(cls, self.m.boxes[cls])
            if cls + ".birth" in self.m.funcs:
                self.call(cls + ".birth", [obj] + args)
            return obj
        if op == "call":
            args = [g(a) for a in i["args"]]
            c = i["callee"]
            if c[0] == "global":
                return self.call(c[1], args)
            if c[0] == "value":
                return self.call_value(g(c[1]), args)
            recv = g(c[1])
            if c[0] == "static":
                bname, meth = c[2], c[3]
                if type_name(recv) != bname:
                    raise Trap("TypeError", f"expected {bname} receiver for {bname}::{meth}, got "
                                            f"{type_name(recv)}")
                return self.call(bname + "." + meth, [recv] + args)
            return self.call_method(recv, c[2], args)
        if op == "extern":
            args = [g(a) for a in i["args"]]
            name = i["name"]
            if name == "env.console.log":
                self.out.append(self.fmt(args[0]) + "\n")
            elif name == "env.console.print":
                self.out.append(self.fmt(args[0]))
            elif name == "env.console.error":
                self.err.append(self.fmt(args[0]) + "\n")
            elif name == "env.process.exit":
                if type_name(args[0]) != "Integer":
                    raise Trap("TypeError", f"argument 1 of env.process.exit must be Integer, got "
                                            f"{type_name(args[0])}")
                raise ExitProgram(args[0][1] & 255)
            else:
                raise Unsupported(name)
            return VOID
        raise Unsupported(op)

    def call_value(self, fv, args):
        if isinstance(fv, FuncBox):
            return self.call(fv.name, args)
        if isinstance(fv, OpBox):
            return self.apply_op(fv, args)
        if isinstance(fv, UserBox) and fv.name + ".apply" in self.m.funcs:
            return self.call(fv.name + ".apply", [fv] + args)
        raise Trap("TypeError", f"{type_name(fv)} is not callable")

    def apply_op(self, ob, args):
        if len(args) != 2:
            raise Trap("TypeError", f"wrong number of arguments to {ob.name}.apply: expected 2, "
                                    f"got {len(args)}")
        kind, op = OPERATORS[ob.name]
        if kind == "bin":
            return binop(op, args[0], args[1], self.fmt)
        return compare(op, args[0], args[1])

    def call_method(self, recv, meth, args):
        t = type_name(recv)
        if isinstance(recv, UserBox) and t + "." + meth in self.m.funcs:
            return self.call(t + "." + meth, [recv] + args)
        if isinstance(recv, OpBox) and meth == "apply":
            return self.apply_op(recv, args)
        universal = {"toString": 0, "equals": 1, "typeName": 0}
        if meth in universal:
            if len(args) != universal[meth]:
                raise Trap("TypeError", f"wrong number of arguments to {t}.{meth}: expected "
                                        f"{universal[meth]}, got {len(args)}")
            if meth == "toString":
                return S(self.fmt(recv))
            if meth == "equals":
                return B(values_equal(recv, args[0]))
            return S(t)
        if isinstance(recv, UserBox):
            raise Trap("UnknownMethod", f"{t} has no method {meth}")
        raise Unsupported(f"builtin method {t}.{meth}")


def backtrace(frames, file):
    """The backtrace lines of spec §6: one per frame, innermost first; of more than 20 frames
    the first and last 10, with a line counting the others."""
    lines = [f"  at @{fn}, {lab} ({file}:{pos[0]}:{pos[1]})\n" for fn, lab, pos in frames]
    if len(lines) > 20:
        lines = lines[:10] + [f"  ... {len(lines) - 20} more frames ...\n"] + lines[-10:]
    return "".join(lines)


def run_program(text, fuel=None, max_depth=100000, file="prog.mir"):
    """Parses, verifies and runs a program read from `file` (the name backtraces print):
    returns (stdout, stderr, exit status)."""
    m = Parser(text).module()
    verify(m)
    result = {}

    def go():
        mach = Machine(m, fuel, max_depth)
        try:
            r = mach.call("main", [])
            code = r[1] & 255 if type_name(r) == "Integer" else 0
            result["r"] = ("".join(mach.out), "".join(mach.err), code)
        except ExitProgram as e:
            result["r"] = ("".join(mach.out), "".join(mach.err), e.code)
        except Trap as t:
            fn, lab = t.loc
            err = "".join(mach.err) + f"error: {t.kind}: {t.msg} (in @{fn}, {lab})\n"
            err += backtrace(t.frames, file)
            result["r"] = ("".join(mach.out), err, 101)
        except BaseException as e:  # noqa: BLE001 - reported to the caller
            result["e"] = e

    sys.setrecursionlimit(2_000_000)
    threading.stack_size(1 << 30)
    th = threading.Thread(target=go)
    th.start()
    th.join()
    if "e" in result:
        raise result["e"]
    return result["r"]


def main():
    args = sys.argv[1:]
    fuel = None
    depth = 100000
    path = None
    k = 0
    while k < len(args):
        if args[k] == "--fuel":
            fuel = int(args[k + 1])
            k += 2
        elif args[k] == "--max-depth":
            depth = int(args[k + 1])
            k += 2
        else:
            path = args[k]
            k += 1
    with open(path, encoding="utf-8") as fh:
        out, err, code = run_program(fh.read(), fuel, depth, os.path.basename(path))
    sys.stdout.write(out)
    sys.stderr.write(err)
    sys.exit(code)


if __name__ == "__main__":
    main()
