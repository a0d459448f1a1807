"""Table-shaped core conformance programs (many cases per program) and one-trap programs built
from templates. Used by gen_core.py.

Table programs print one line per case, `label: result`: the label, a String constant, with
`env.console.print`, then the result with `env.console.log`. Their expectations come from the independent model in mirpy.py; a few values in each
table are also spot-checked by hand in HAND_SPOT_CHECKS below.

Trap programs carry their expected stderr line written by hand.
"""

I64_MAX = "9223372036854775807"
I64_MIN = "-9223372036854775808"


def mir_str(s):
    """A MIR14 string literal for `s`."""
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


class Prog:
    """Builds the body of `@main` as straight-line code."""

    def __init__(self):
        self.lines = []
        self.n = 0

    def fresh(self, base):
        self.n += 1
        return f"%{base}{self.n}"

    def emit(self, text):
        self.lines.append("  " + text)

    def const(self, lit):
        v = self.fresh("c")
        self.emit(f"{v} = const {lit}")
        return v

    def show(self, label, v):
        """Prints `label` (env.console.print) then the string form of `v` and a newline."""
        lab = self.const(mir_str(label))
        self.emit(f"extern env.console.print({lab})")
        self.emit(f"extern env.console.log({v})")

    def value(self, spec, name=None):
        """Makes a value from a spec: a literal's text, or one of the MAKERS kinds. `name` (with
        its `%`) is the value to define; a fresh one by default."""
        v = name or self.fresh("v")
        if spec in MAKERS:
            for line in MAKERS[spec]:
                self.emit(line.replace("%V", v).replace("%T", v + "_t"))
        else:
            self.emit(f"{v} = const {spec}")
        return v

    def text(self, header, prelude=""):
        body = "\n".join(self.lines)
        if prelude == SUPPORT and not any(w in body for w in ("Point", "Other", "@f", "@g", "load", "store")):
            prelude = ""  # the program does not use the support items
        head = "".join(f"; {h}\n" for h in header.strip().split("\n"))
        return (f"{head}{prelude}fn @main() {{\nbb0:\n" + "\n".join(self.lines)
                + "\n  ret\n}\n")


# Non-literal values. `%V` is the value being made, `%T` a temporary.
MAKERS = {
    "array": ["%T = const 1", "%V = new ArrayBox(%T)"],
    "empty_array": ["%V = new ArrayBox()"],
    "map": ["%V = new MapBox()"],
    "point": ["%V = new Point()"],
    "other": ["%V = new Other()"],
    "fn_f": ["%V = const @f"],
    "fn_g": ["%V = const @g"],
    "add_op": ["%V = new AddOperator()"],
    "sub_op": ["%V = new SubOperator()"],
    "eq_op": ["%V = new EqOperator()"],
}

# Boxes and functions that table programs may refer to.
SUPPORT = """box Point { x, y }

box Other { z }

fn @f() {
bb0:
  ret
}

fn @g() {
bb0:
  ret
}

"""

PRETTY = {"array": "[1]", "empty_array": "[]", "map": "{}", "point": "Point", "other": "Other",
          "fn_f": "@f", "fn_g": "@g", "add_op": "AddOperator", "sub_op": "SubOperator",
          "eq_op": "EqOperator"}


def pretty(spec):
    return PRETTY.get(spec, spec)


def binop_table(name, header, cases):
    """One line per (op, a, b)."""
    p = Prog()
    for op, a, b in cases:
        va = p.value(a)
        vb = p.value(b)
        r = p.fresh("r")
        p.emit(f"{r} = binop {op} {va}, {vb}")
        p.show(f"{pretty(a)} {op} {pretty(b)} = ", r)
    return {"name": name, "src": p.text(header, SUPPORT), "table": True}


def compare_table(name, header, cases):
    """One line per (op, a, b)."""
    p = Prog()
    for op, a, b in cases:
        va = p.value(a)
        vb = p.value(b)
        r = p.fresh("r")
        p.emit(f"{r} = compare {op} {va}, {vb}")
        p.show(f"{pretty(a)} {op} {pretty(b)}: ", r)
    return {"name": name, "src": p.text(header, SUPPORT), "table": True}


def unary_table(name, header, cases):
    p = Prog()
    for op, a in cases:
        va = p.value(a)
        r = p.fresh("r")
        p.emit(f"{r} = unary {op} {va}")
        p.show(f"{op} {pretty(a)} = ", r)
    return {"name": name, "src": p.text(header, SUPPORT), "table": True}


def trap_prog(name, header, setup, trapping, err, support=SUPPORT):
    """A program that prints `before`, then runs `trapping` on values made by `setup` (list of
    value specs bound to %a, %b, ...), and must trap with stderr `err`."""
    p = Prog()
    p.emit('%before = const "before"')
    p.emit("extern env.console.log(%before)")
    for k, spec in enumerate(setup):
        p.value(spec, "%" + "ab"[k])
    p.emit(trapping)
    p.emit('%after = const "not reached"')
    p.emit("extern env.console.log(%after)")
    return {"name": name, "src": p.text(header, support), "out": "before\n",
            "err": err + "\n", "code": 101}


TABLE_TESTS = []

# ---- unary ----------------------------------------------------------------------------------
TABLE_TESTS.append(unary_table(
    "unary_neg_integer", "unary neg on Integers, wrapping: neg MIN = MIN",
    [("neg", "0"), ("neg", "5"), ("neg", "-5"), ("neg", I64_MAX), ("neg", I64_MIN),
     ("neg", "-9223372036854775807")]))
TABLE_TESTS.append(unary_table(
    "unary_neg_float", "unary neg on Floats: signed zeros, infinities, NaN",
    [("neg", "0.0"), ("neg", "-0.0"), ("neg", "1.5"), ("neg", "-2.25"), ("neg", "inf"),
     ("neg", "-inf"), ("neg", "NaN"), ("neg", "1e100"), ("neg", "5e-324")]))
TABLE_TESTS.append(unary_table(
    "unary_not_bool", "unary not on Bools",
    [("not", "true"), ("not", "false")]))
TABLE_TESTS.append(unary_table(
    "unary_bitnot_integer", "unary bitnot on Integers (two's complement)",
    [("bitnot", "0"), ("bitnot", "-1"), ("bitnot", "5"), ("bitnot", "-6"),
     ("bitnot", I64_MAX), ("bitnot", I64_MIN), ("bitnot", "255")]))

for nm, op, spec, tname in [
        ("unary_neg_bool_trap", "neg", "true", "Bool"),
        ("unary_neg_string_trap", "neg", '"5"', "String"),
        ("unary_neg_void_trap", "neg", "void", "Void"),
        ("unary_neg_array_trap", "neg", "array", "ArrayBox"),
        ("unary_neg_function_trap", "neg", "fn_f", "FunctionBox"),
        ("unary_not_integer_trap", "not", "0", "Integer"),
        ("unary_not_void_trap", "not", "void", "Void"),
        ("unary_not_point_trap", "not", "point", "Point"),
        ("unary_bitnot_float_trap", "bitnot", "1.0", "Float"),
        ("unary_bitnot_bool_trap", "bitnot", "false", "Bool"),
        ("unary_bitnot_string_trap", "bitnot", '"x"', "String")]:
    TABLE_TESTS.append(trap_prog(
        nm, f"unary {op} on a {tname} traps TypeError", [spec], f"%r = unary {op} %a",
        f"error: TypeError: cannot apply {op} to {tname} (in @main, bb0)"))

# ---- binop: Integer x Integer ---------------------------------------------------------------
TABLE_TESTS.append(binop_table(
    "binop_int_add_sub_mul", "Integer add/sub/mul, wrapping at the i64 limits",
    [("add", "1", "2"), ("add", "-5", "3"), ("add", I64_MAX, "1"), ("add", I64_MIN, "-1"),
     ("add", I64_MAX, I64_MAX), ("add", I64_MIN, I64_MIN),
     ("sub", "3", "5"), ("sub", I64_MIN, "1"), ("sub", I64_MAX, "-1"), ("sub", "0", I64_MIN),
     ("mul", "6", "7"), ("mul", "-6", "7"), ("mul", I64_MAX, "2"), ("mul", I64_MIN, "-1"),
     ("mul", "3037000500", "3037000500"), ("mul", "4294967296", "4294967296"),
     ("mul", "-1", "-1")]))
TABLE_TESTS.append(binop_table(
    "binop_int_div_mod", "Integer div truncates toward zero, mod has the dividend's sign; "
    "MIN div -1 = MIN, MIN mod -1 = 0",
    [("div", "7", "2"), ("div", "-7", "2"), ("div", "7", "-2"), ("div", "-7", "-2"),
     ("div", "0", "5"), ("div", "5", "7"), ("div", "-5", "7"), ("div", I64_MIN, "-1"),
     ("div", I64_MIN, "1"), ("div", I64_MAX, "-1"), ("div", I64_MIN, "2"),
     ("div", I64_MIN, I64_MIN), ("div", I64_MAX, I64_MIN),
     ("mod", "7", "2"), ("mod", "-7", "2"), ("mod", "7", "-2"), ("mod", "-7", "-2"),
     ("mod", "0", "5"), ("mod", "5", "7"), ("mod", "-5", "7"), ("mod", I64_MIN, "-1"),
     ("mod", I64_MIN, I64_MAX), ("mod", I64_MAX, I64_MIN), ("mod", I64_MIN, "10"),
     ("mod", "6", "3"), ("mod", "-6", "3")]))
TABLE_TESTS.append(binop_table(
    "binop_int_bitwise", "Integer band/bor/bxor, including negative operands",
    [("band", "12", "10"), ("bor", "12", "10"), ("bxor", "12", "10"),
     ("band", "-1", "255"), ("bor", "-256", "255"), ("bxor", "-1", "5"),
     ("band", I64_MIN, "-1"), ("bor", I64_MIN, I64_MAX), ("bxor", I64_MIN, I64_MAX),
     ("band", "0", "-1"), ("bxor", "7", "7")]))
TABLE_TESTS.append(binop_table(
    "binop_int_shifts", "shl/shr use the amount mod 64 (64 -> 0, 65 -> 1, -1 -> 63); shr is "
    "arithmetic",
    [("shl", "1", "0"), ("shl", "1", "1"), ("shl", "1", "62"), ("shl", "1", "63"),
     ("shl", "1", "64"), ("shl", "1", "65"), ("shl", "1", "-1"), ("shl", "1", "127"),
     ("shl", "1", "-64"), ("shl", "3", "62"), ("shl", "-1", "1"), ("shl", "5", "128"),
     ("shr", "-8", "1"), ("shr", "8", "1"), ("shr", "-1", "63"), ("shr", I64_MIN, "63"),
     ("shr", I64_MIN, "1"), ("shr", I64_MAX, "62"), ("shr", "-1", "64"), ("shr", "256", "64"),
     ("shr", "256", "65"), ("shr", I64_MIN, "-1"), ("shr", "-7", "1"), ("shr", "7", "-63")]))

# ---- binop: Float and mixed -----------------------------------------------------------------
TABLE_TESTS.append(binop_table(
    "binop_float_arith", "Float add/sub/mul/div (IEEE), printed with Rust's {:?}",
    [("add", "0.1", "0.2"), ("add", "1.5", "2.5"), ("add", "-0.0", "0.0"),
     ("add", "-0.0", "-0.0"), ("add", "inf", "-inf"), ("add", "inf", "1.0"),
     ("add", "1e308", "1e308"), ("add", "NaN", "1.0"),
     ("sub", "0.3", "0.1"), ("sub", "1.0", "1.0"), ("sub", "inf", "inf"), ("sub", "0.0", "0.0"),
     ("mul", "1.5", "2.0"), ("mul", "1e308", "10.0"), ("mul", "-1e308", "10.0"),
     ("mul", "0.0", "-1.0"), ("mul", "inf", "0.0"), ("mul", "1e-200", "1e-200"),
     ("mul", "0.1", "3.0"),
     ("div", "1.0", "3.0"), ("div", "10.0", "4.0"), ("div", "1.0", "8.0"), ("div", "1e16", "1.0"),
     ("div", "1.0", "10000.0"), ("div", "1.0", "100000.0"), ("div", "inf", "inf"),
     ("div", "2.0", "inf"), ("div", "-2.0", "inf")]))
TABLE_TESTS.append(binop_table(
    "binop_float_div_zero", "Float division by zero gives inf/-inf/NaN and does not trap",
    [("div", "1.0", "0.0"), ("div", "-1.0", "0.0"), ("div", "1.0", "-0.0"),
     ("div", "-1.0", "-0.0"), ("div", "0.0", "0.0"), ("div", "-0.0", "0.0"),
     ("div", "NaN", "0.0"), ("div", "inf", "0.0"), ("div", "1e-300", "0.0")]))
TABLE_TESTS.append(binop_table(
    "binop_float_mod", "Float mod is Rust's % (fmod): sign of the dividend, x mod 0.0 = NaN",
    [("mod", "7.5", "2.0"), ("mod", "-7.5", "2.0"), ("mod", "7.5", "-2.0"),
     ("mod", "-7.5", "-2.0"), ("mod", "1.0", "0.0"), ("mod", "inf", "2.0"),
     ("mod", "5.0", "inf"), ("mod", "-5.0", "inf"), ("mod", "-0.0", "1.0"),
     ("mod", "0.3", "0.1"), ("mod", "NaN", "1.0"), ("mod", "6.0", "3.0"),
     ("mod", "-6.0", "3.0"), ("mod", "1e300", "7.0")]))
TABLE_TESTS.append(binop_table(
    "binop_mixed_int_float", "Integer x Float (either order) converts the Integer to Float for "
    "add/sub/mul/div/mod; div by 0.0 does not trap",
    [("add", "1", "0.5"), ("add", "0.5", "1"), ("sub", "1", "0.25"), ("sub", "0.25", "1"),
     ("mul", "3", "1.5"), ("mul", "1.5", "3"), ("div", "7", "2.0"), ("div", "7.0", "2"),
     ("div", "1", "0.0"), ("div", "-1", "0.0"), ("div", "0", "0.0"), ("div", "1.0", "0"),
     ("div", "0.0", "0"), ("mod", "7", "2.5"), ("mod", "-7", "2.5"), ("mod", "7.5", "2"),
     ("mod", "5", "0.0"), ("mod", "5.0", "0"), ("add", "9007199254740993", "0.0"),
     ("add", I64_MAX, "0.0"), ("mul", "2", "inf"), ("add", "1", "NaN"),
     ("sub", "0", "0.0"), ("mul", "0", "-1.0")]))

# ---- binop: String concatenation ------------------------------------------------------------
TABLE_TESTS.append(binop_table(
    "binop_concat", "add with a String on either side concatenates string forms, for every "
    "non-Void type on the other side",
    [("add", '"ab"', '"cd"'), ("add", '""', '""'), ("add", '"n="', "42"), ("add", "-7", '"x"'),
     ("add", '"f="', "1.0"), ("add", '"f="', "-0.0"), ("add", '"f="', "1e100"),
     ("add", '"f="', "NaN"), ("add", "inf", '"!"'), ("add", '"f="', "0.00001"),
     ("add", '"b="', "true"), ("add", "false", '"!"'), ("add", '"a="', "array"),
     ("add", "empty_array", '"<"'), ("add", '"m="', "map"), ("add", '"p="', "point"),
     ("add", "other", '"<"'), ("add", '"fn="', "fn_f"), ("add", "fn_g", '"<"'),
     ("add", '"op="', "add_op"), ("add", "eq_op", '"<"'), ("add", '"\\u{e9}"', '"\\u{1F600}"'),
     ("add", '"q"', '"\\"\\\\"')]))

# ---- binop: Bool --------------------------------------------------------------------------
TABLE_TESTS.append(binop_table(
    "binop_bool_and_or", "and/or on Bools (full truth tables)",
    [(op, a, b) for op in ("and", "or") for a in ("false", "true") for b in ("false", "true")]))

# ---- binop traps --------------------------------------------------------------------------
for nm, op, a, b, ta, tb in [
        ("binop_concat_void_trap", "add", '"s"', "void", "String", "Void"),
        ("binop_concat_void_left_trap", "add", "void", '"s"', "Void", "String"),
        ("binop_add_int_bool_trap", "add", "1", "true", "Integer", "Bool"),
        ("binop_add_bool_bool_trap", "add", "true", "true", "Bool", "Bool"),
        ("binop_add_void_void_trap", "add", "void", "void", "Void", "Void"),
        ("binop_add_int_void_trap", "add", "1", "void", "Integer", "Void"),
        ("binop_add_array_int_trap", "add", "array", "1", "ArrayBox", "Integer"),
        ("binop_add_function_int_trap", "add", "fn_f", "1", "FunctionBox", "Integer"),
        ("binop_add_map_map_trap", "add", "map", "map", "MapBox", "MapBox"),
        ("binop_sub_string_int_trap", "sub", '"a"', "1", "String", "Integer"),
        ("binop_sub_int_point_trap", "sub", "1", "point", "Integer", "Point"),
        ("binop_mul_int_string_trap", "mul", "2", '"ab"', "Integer", "String"),
        ("binop_mul_float_bool_trap", "mul", "1.5", "true", "Float", "Bool"),
        ("binop_div_bool_int_trap", "div", "true", "1", "Bool", "Integer"),
        ("binop_mod_string_string_trap", "mod", '"a"', '"b"', "String", "String"),
        ("binop_band_float_trap", "band", "1.0", "2.0", "Float", "Float"),
        ("binop_bor_int_float_trap", "bor", "1", "2.0", "Integer", "Float"),
        ("binop_bxor_bool_trap", "bxor", "true", "false", "Bool", "Bool"),
        ("binop_shl_float_trap", "shl", "1.0", "2", "Float", "Integer"),
        ("binop_shr_int_float_trap", "shr", "8", "1.0", "Integer", "Float"),
        ("binop_and_int_trap", "and", "1", "1", "Integer", "Integer"),
        ("binop_or_bool_int_trap", "or", "true", "0", "Bool", "Integer"),
        ("binop_and_void_bool_trap", "and", "void", "true", "Void", "Bool"),
        ("binop_add_operator_trap", "add", "add_op", "add_op", "AddOperator", "AddOperator")]:
    TABLE_TESTS.append(trap_prog(
        nm, f"binop {op} on {ta} and {tb} traps TypeError", [a, b], f"%r = binop {op} %a, %b",
        f"error: TypeError: cannot apply {op} to {ta} and {tb} (in @main, bb0)"))
for nm, op, a, b, msg in [
        ("binop_div_int_zero_trap", "div", "7", "0", "division by zero"),
        ("binop_mod_int_zero_trap", "mod", "7", "0", "modulo by zero"),
        ("binop_div_min_zero_trap", "div", I64_MIN, "0", "division by zero"),
        ("binop_mod_zero_zero_trap", "mod", "0", "0", "modulo by zero")]:
    TABLE_TESTS.append(trap_prog(
        nm, f"Integer {op} by zero traps DivisionByZero", [a, b], f"%r = binop {op} %a, %b",
        f"error: DivisionByZero: {msg} (in @main, bb0)"))

# ---- compare ------------------------------------------------------------------------------
EQ_VALUES = ["1", "1.0", "1.5", "true", '"1"', '""', "void", "array", "empty_array", "map",
             "fn_f", "add_op", "point"]


def eq_matrix(name, op):
    """Every pair of EQ_VALUES, each value made once (so a box compared with itself is the same
    box)."""
    p = Prog()
    vals = [p.value(s) for s in EQ_VALUES]
    for sa, va in zip(EQ_VALUES, vals):
        for sb, vb in zip(EQ_VALUES, vals):
            r = p.fresh("r")
            p.emit(f"{r} = compare {op} {va}, {vb}")
            p.show(f"{pretty(sa)} {op} {pretty(sb)}: ", r)
    hdr = (f"compare {op} across every pair of types: same-type primitives by value, Integer vs "
           f"Float numerically,\nboxes by identity, different types unequal")
    return {"name": name, "src": p.text(hdr, SUPPORT), "table": True}


TABLE_TESTS.append(eq_matrix("compare_eq_matrix", "eq"))
TABLE_TESTS.append(eq_matrix("compare_ne_matrix", "ne"))
TABLE_TESTS.append(compare_table(
    "compare_eq_numbers_exact", "eq/ne between Integers and Floats is exact (no rounding of the "
    "Integer); NaN is unequal to everything",
    [("eq", "9007199254740993", "9007199254740992.0"),
     ("eq", "9007199254740992", "9007199254740992.0"),
     ("ne", "9007199254740993", "9007199254740992.0"),
     ("eq", "9007199254740992.0", "9007199254740993"),
     ("eq", I64_MAX, "9223372036854775807.0"), ("eq", I64_MIN, "-9223372036854775808.0"),
     ("eq", "0", "-0.0"), ("eq", "-0.0", "0.0"), ("eq", "NaN", "NaN"), ("ne", "NaN", "NaN"),
     ("eq", "1", "NaN"), ("ne", "NaN", "1"), ("eq", "inf", "inf"), ("eq", "-inf", "inf"),
     ("eq", "3", "3.0"), ("eq", "3", "3.5"), ("eq", "7", "7"), ("ne", "7", "8"),
     ("eq", "1e100", "1e100"), ("eq", "NaN", "void")]))
TABLE_TESTS.append(compare_table(
    "compare_eq_primitives", "eq/ne on Strings, Bools and Void; values of different types are "
    "never equal",
    [("eq", '"a"', '"a"'), ("eq", '"a"', '"A"'), ("eq", '""', '""'), ("ne", '"ab"', '"abc"'),
     ("eq", '"\\u{e9}"', '"\u00e9"'), ("eq", "true", "true"), ("eq", "true", "false"),
     ("ne", "false", "false"), ("eq", "void", "void"), ("eq", "void", "null"),
     ("ne", "void", "void"), ("eq", "void", "0"), ("eq", '""', "void"), ("eq", "0", "false"),
     ("eq", "1", "true"), ("eq", '"1"', "1"), ("eq", '"true"', "true"), ("eq", '"1.0"', "1.0"),
     ("eq", '"void"', "void"), ("ne", '"1"', "1")]))
TABLE_TESTS.append(compare_table(
    "compare_order_numbers", "lt/le/gt/ge on Integers and Floats, mixed comparisons exact, "
    "NaN unordered",
    [("lt", "1", "2"), ("le", "2", "2"), ("gt", "-1", "-2"), ("ge", "-3", "-2"),
     ("lt", I64_MIN, I64_MAX), ("gt", I64_MIN, "0"),
     ("lt", "1.5", "2.5"), ("le", "-0.0", "0.0"), ("lt", "-0.0", "0.0"), ("ge", "0.0", "-0.0"),
     ("lt", "-inf", "inf"), ("gt", "inf", "1e308"),
     ("lt", "1", "1.5"), ("gt", "2", "1.5"), ("le", "2", "2.0"), ("ge", "2.0", "3"),
     ("lt", I64_MAX, "9223372036854775808.0"), ("ge", I64_MAX, "9223372036854775808.0"),
     ("gt", "9007199254740993", "9007199254740992.0"),
     ("lt", "9007199254740992.0", "9007199254740993"),
     ("le", "9007199254740993", "9007199254740992.0"),
     ("lt", "-inf", I64_MIN), ("gt", "inf", I64_MAX),
     ("lt", "NaN", "1"), ("le", "NaN", "NaN"), ("gt", "1.0", "NaN"), ("ge", "NaN", "inf"),
     ("lt", "1", "NaN")]))
TABLE_TESTS.append(compare_table(
    "compare_order_strings", "lt/le/gt/ge on Strings compare UTF-8 bytes",
    [("lt", '"a"', '"b"'), ("lt", '"Z"', '"a"'), ("lt", '""', '"a"'), ("gt", '""', '"a"'),
     ("lt", '"ab"', '"b"'), ("gt", '"abc"', '"ab"'), ("le", '"abc"', '"abc"'),
     ("ge", '"abc"', '"abd"'), ("lt", '"z"', '"\\u{e9}"'), ("lt", '"\\u{ff61}"', '"\\u{1f600}"'),
     ("gt", '"\\u{1f600}"', '"\\u{ff61}"'), ("lt", '"10"', '"9"'), ("lt", '"a"', '"a\\u{0}"'),
     ("lt", '"A"', '"a"')]))
for nm, op, a, b, ta, tb in [
        ("compare_lt_string_int_trap", "lt", '"1"', "2", "String", "Integer"),
        ("compare_gt_int_string_trap", "gt", "1", '"2"', "Integer", "String"),
        ("compare_ge_bool_trap", "ge", "true", "false", "Bool", "Bool"),
        ("compare_le_void_trap", "le", "void", "void", "Void", "Void"),
        ("compare_gt_array_trap", "gt", "array", "array", "ArrayBox", "ArrayBox"),
        ("compare_lt_int_bool_trap", "lt", "1", "true", "Integer", "Bool"),
        ("compare_lt_float_void_trap", "lt", "1.5", "void", "Float", "Void"),
        ("compare_ge_point_trap", "ge", "point", "point", "Point", "Point")]:
    TABLE_TESTS.append(trap_prog(
        nm, f"compare {op} on {ta} and {tb} traps TypeError", [a, b],
        f"%r = compare {op} %a, %b",
        f"error: TypeError: cannot compare {ta} and {tb} with {op} (in @main, bb0)"))

# ---- typeop -------------------------------------------------------------------------------
CHECK_TYPES = ["Integer", "Float", "Bool", "String", "Void", "ArrayBox", "MapBox", "FunctionBox",
               "IntegerBox", "FloatBox", "BoolBox", "StringBox", "VoidBox", "Any", "AddOperator",
               "SubOperator", "EqOperator", "Point", "Other"]
for kind, specs in [("integer", ["0", "-7"]), ("float", ["1.0", "NaN", "-0.0"]),
                    ("bool", ["true", "false"]), ("string", ['""', '"1"']),
                    ("void", ["void", "null"]), ("array", ["array", "empty_array"]),
                    ("map", ["map"]), ("function", ["fn_f"]), ("operator", ["add_op", "eq_op"]),
                    ("userbox", ["point", "other"])]:
    p = Prog()
    for spec in specs:
        v = p.value(spec)
        for t in CHECK_TYPES:
            r = p.fresh("r")
            p.emit(f"{r} = typeop check {v} {t}")
            p.show(f"{pretty(spec)} is {t}: ", r)
    TABLE_TESTS.append({
        "name": f"typeop_check_{kind}",
        "src": p.text(f"typeop check of {kind} values against every type name (aliases, Any, "
                      f"operator boxes, user boxes)", SUPPORT),
        "table": True})

p = Prog()
for spec in ["0", I64_MIN, "1.5", "-0.0", "NaN", "inf", "true", "false", '""', '"Integer"', "void",
             "null", "array", "empty_array", "map", "fn_f", "fn_g", "add_op", "sub_op", "eq_op",
             "point", "other"]:
    v = p.value(spec)
    r = p.fresh("r")
    p.emit(f"{r} = typeop typeof {v}")
    p.show(f"typeof {pretty(spec)} = ", r)
TABLE_TESTS.append({"name": "typeop_typeof_all",
                    "src": p.text("typeop typeof of every kind of value", SUPPORT),
                    "table": True})

OPS = ["Add", "Sub", "Mul", "Div", "Mod", "Band", "Bor", "Bxor", "Shl", "Shr", "And", "Or", "Eq",
       "Ne", "Lt", "Le", "Gt", "Ge"]
p = Prog()
expect = []
for o in OPS:
    v = p.fresh("op")
    p.emit(f"{v} = new {o}Operator()")
    p.emit(f"extern env.console.log({v})")
    r = p.fresh("r")
    p.emit(f"{r} = typeop typeof {v}")
    p.emit(f"extern env.console.log({r})")
    c = p.fresh("r")
    p.emit(f"{c} = typeop check {v} {o}Operator")
    p.emit(f"extern env.console.log({c})")
    expect += [f"<{o}Operator>", f"{o}Operator", "true"]
TABLE_TESTS.append({"name": "typeop_operator_boxes",
                    "src": p.text("every operator box: its string form, typeof, and check against "
                                  "its own type name"),
                    "out": "".join(x + "\n" for x in expect)})

p = Prog()
for spec, t in [("1", "Float"), ("-3", "Float"), ("0", "Float"), ("9007199254740993", "Float"),
                (I64_MAX, "Float"), (I64_MIN, "Float"), ("3.7", "Integer"), ("-3.7", "Integer"),
                ("0.99", "Integer"), ("-0.99", "Integer"), ("-0.0", "Integer"), ("1e18", "Integer"),
                ("-9223372036854775808.0", "Integer"), ("9223372036854774784.0", "Integer"),
                ("2251799813685248.5", "Integer"), ("5", "Integer"), ("2.5", "Float"),
                ("NaN", "Float"), ('"s"', "String"), ("true", "Bool"), ("void", "Void"),
                ("array", "ArrayBox"), ("map", "MapBox"), ("fn_f", "FunctionBox"),
                ("add_op", "AddOperator"), ("point", "Point"), ("7", "Any"), ("NaN", "Any"),
                ("point", "Any"), ("7", "IntegerBox"), ("7", "FloatBox"), ("7.9", "IntegerBox"),
                ('"s"', "StringBox"), ("false", "BoolBox"), ("void", "VoidBox")]:
    v = p.value(spec)
    r = p.fresh("r")
    p.emit(f"{r} = typeop cast {v} {t}")
    ty = p.fresh("t")
    p.emit(f"{ty} = typeop typeof {r}")
    p.show(f"cast {pretty(spec)} {t} = ", r)
    p.show("  typeof: ", ty)
TABLE_TESTS.append({"name": "typeop_cast_ok",
                    "src": p.text("typeop cast that succeeds: Integer->Float converts, "
                                  "Float->Integer truncates toward zero,\nsame type / Any / "
                                  "alias returns the value", SUPPORT),
                    "table": True})
for nm, spec, t, msg in [
        ("typeop_cast_nan_trap", "NaN", "Integer", "cannot cast Float NaN to Integer"),
        ("typeop_cast_inf_trap", "inf", "Integer", "cannot cast Float inf to Integer"),
        ("typeop_cast_neg_inf_trap", "-inf", "Integer", "cannot cast Float -inf to Integer"),
        ("typeop_cast_too_big_trap", "9223372036854775808.0", "Integer",
         "cannot cast Float 9.223372036854776e18 to Integer"),
        ("typeop_cast_too_small_trap", "-9223372036854777856.0", "Integer",
         "cannot cast Float -9.223372036854778e18 to Integer"),
        ("typeop_cast_1e100_trap", "1e100", "Integer", "cannot cast Float 1e100 to Integer"),
        ("typeop_cast_string_integer_trap", '"12"', "Integer", "cannot cast String to Integer"),
        ("typeop_cast_bool_float_trap", "true", "Float", "cannot cast Bool to Float"),
        ("typeop_cast_integer_string_trap", "12", "String", "cannot cast Integer to String"),
        ("typeop_cast_integer_bool_trap", "1", "Bool", "cannot cast Integer to Bool"),
        ("typeop_cast_void_integer_trap", "void", "Integer", "cannot cast Void to Integer"),
        ("typeop_cast_float_void_trap", "0.0", "Void", "cannot cast Float to Void"),
        ("typeop_cast_array_map_trap", "array", "MapBox", "cannot cast ArrayBox to MapBox"),
        ("typeop_cast_point_other_trap", "point", "Other", "cannot cast Point to Other"),
        ("typeop_cast_function_operator_trap", "fn_f", "AddOperator",
         "cannot cast FunctionBox to AddOperator"),
        ("typeop_cast_operator_other_operator_trap", "add_op", "SubOperator",
         "cannot cast AddOperator to SubOperator")]:
    TABLE_TESTS.append(trap_prog(
        nm, f"typeop cast {pretty(spec)} to {t} traps CastError", [spec],
        f"%r = typeop cast %a {t}", f"error: CastError: {msg} (in @main, bb0)"))

# ---- load/store traps -----------------------------------------------------------------------
for nm, spec, inst, kind, msg, hdr in [
        ("load_unknown_field_trap", "point", "%r = load %a.z", "UnknownField",
         "Point has no field z", "load of a field that Point lacks (declared by Other)"),
        ("store_unknown_field_trap", "other", "store %a.x = %a", "UnknownField",
         "Other has no field x", "store to a field that Other lacks (declared by Point)"),
        ("load_integer_trap", "5", "%r = load %a.x", "TypeError", "cannot load field x of Integer",
         "load from an Integer"),
        ("store_string_trap", '"s"', "store %a.y = %a", "TypeError",
         "cannot store field y of String", "store into a String"),
        ("load_array_trap", "array", "%r = load %a.x", "TypeError",
         "cannot load field x of ArrayBox", "load from an ArrayBox"),
        ("store_map_trap", "map", "store %a.z = %a", "TypeError", "cannot store field z of MapBox",
         "store into a MapBox"),
        ("load_void_trap", "void", "%r = load %a.x", "TypeError", "cannot load field x of Void",
         "load from void"),
        ("load_function_trap", "fn_f", "%r = load %a.y", "TypeError",
         "cannot load field y of FunctionBox", "load from a FunctionBox")]:
    TABLE_TESTS.append(trap_prog(nm, f"{hdr} traps {kind}", [spec], inst,
                                 f"error: {kind}: {msg} (in @main, bb0)"))

# ---- const literals -------------------------------------------------------------------------
p = Prog()
for lit in ["0", "1", "-7", "42", "007", "-0", I64_MAX, I64_MIN, "1000000"]:
    v = p.const(lit)
    p.emit(f"extern env.console.log({v})")
TABLE_TESTS.append({"name": "const_integers", "src": p.text(
    "const Integer literals, including the i64 limits, leading zeros and -0"),
    "out": "0\n1\n-7\n42\n7\n0\n9223372036854775807\n-9223372036854775808\n1000000\n"})

FLOATS = [("1.0", "1.0"), ("3.5", "3.5"), ("-2.25", "-2.25"), ("0.0", "0.0"), ("-0.0", "-0.0"),
          ("1e100", "1e100"), ("2.5e-3", "0.0025"), ("1E5", "100000.0"), ("2.5e+3", "2500.0"),
          ("1e16", "1e16"), ("1e15", "1000000000000000.0"), ("9999999999999998.0",
                                                             "9999999999999998.0"),
          ("0.0001", "0.0001"), ("0.00001", "1e-5"), ("1e-5", "1e-5"), ("0.1", "0.1"),
          ("0.30000000000000004", "0.30000000000000004"), ("123456789.125", "123456789.125"),
          ("5e-324", "5e-324"), ("1.7976931348623157e308", "1.7976931348623157e308"),
          ("12345678901234567890.0", "1.2345678901234567e19"), ("-1.5e-7", "-1.5e-7"),
          ("100.0", "100.0"), ("1e0", "1.0"), ("0.5e1", "5.0"), ("123e-2", "1.23"),
          ("1e-4", "0.0001"), ("1e21", "1e21"), ("2e-10", "2e-10"), ("1.25e17", "1.25e17"),
          ("inf", "inf"), ("-inf", "-inf"), ("NaN", "NaN")]
p = Prog()
for lit, _ in FLOATS:
    v = p.const(lit)
    p.emit(f"extern env.console.log({v})")
TABLE_TESTS.append({"name": "const_floats", "src": p.text(
    "const Float literals: fraction/exponent forms, -0.0, inf/-inf/NaN; printed with Rust's {:?}\n"
    "(exponent form below 1e-4 and from 1e16 up)"),
    "out": "".join(e + "\n" for _, e in FLOATS)})

STRINGS = [('""', ""), ('"hello"', "hello"), ('"a\\tb"', "a\tb"), ('"line1\\nline2"',
                                                                  "line1\nline2"),
           ('"q\\"q"', 'q"q'), ('"back\\\\slash"', "back\\slash"), ('"cr\\rx"', "cr\rx"),
           ('"\\u{41}\\u{62}"', "Ab"), ('"\\u{e9}t\\u{E9}"', "\u00e9t\u00e9"),
           ('"\\u{1F600}"', "\U0001F600"), ('"\\u{000041}"', "A"), ('"; not a comment"',
                                                                    "; not a comment"),
           ('"raw \u00fc\u4e2d"', "raw \u00fc\u4e2d"), ('"null"', "null"), ('"%x @f"', "%x @f")]
p = Prog()
for lit, _ in STRINGS:
    v = p.const(lit)
    p.emit(f"extern env.console.log({v})")
TABLE_TESTS.append({"name": "const_strings", "src": p.text(
    "const String literals with every escape (\\n \\t \\r \\\\ \\\" \\u{...}); at top level a "
    "String prints as itself"),
    "out": "".join(e + "\n" for _, e in STRINGS)})

# Spot checks of table outputs, computed by hand: (test, line that must appear in its stdout).
HAND_SPOT_CHECKS = [
    ("unary_neg_integer", "neg -9223372036854775808 = -9223372036854775808"),
    ("unary_neg_float", "neg 0.0 = -0.0"),
    ("unary_bitnot_integer", "bitnot 9223372036854775807 = -9223372036854775808"),
    ("binop_int_add_sub_mul", "9223372036854775807 add 1 = -9223372036854775808"),
    ("binop_int_add_sub_mul", "3037000500 mul 3037000500 = -9223372036709301616"),
    ("binop_int_add_sub_mul", "4294967296 mul 4294967296 = 0"),
    ("binop_int_div_mod", "-7 div 2 = -3"),
    ("binop_int_div_mod", "-7 mod 2 = -1"),
    ("binop_int_div_mod", "7 mod -2 = 1"),
    ("binop_int_div_mod", "-9223372036854775808 div -1 = -9223372036854775808"),
    ("binop_int_div_mod", "-9223372036854775808 mod -1 = 0"),
    ("binop_int_div_mod", "-9223372036854775808 mod 9223372036854775807 = -1"),
    ("binop_int_div_mod", "9223372036854775807 mod -9223372036854775808 = 9223372036854775807"),
    ("binop_int_shifts", "1 shl 64 = 1"),
    ("binop_int_shifts", "1 shl 65 = 2"),
    ("binop_int_shifts", "1 shl -1 = -9223372036854775808"),
    ("binop_int_shifts", "-8 shr 1 = -4"),
    ("binop_int_shifts", "-9223372036854775808 shr 63 = -1"),
    ("binop_int_shifts", "7 shr -63 = 3"),
    ("binop_int_shifts", "3 shl 62 = -4611686018427387904"),
    ("binop_float_arith", "0.1 add 0.2 = 0.30000000000000004"),
    ("binop_float_arith", "1e308 mul 10.0 = inf"),
    ("binop_float_arith", "inf sub inf = NaN"),
    ("binop_float_arith", "1.0 div 100000.0 = 1e-5"),
    ("binop_float_arith", "1.0 div 10000.0 = 0.0001"),
    ("binop_float_arith", "-2.0 div inf = -0.0"),
    ("binop_float_div_zero", "1.0 div -0.0 = -inf"),
    ("binop_float_div_zero", "0.0 div 0.0 = NaN"),
    ("binop_float_mod", "-7.5 mod 2.0 = -1.5"),
    ("binop_float_mod", "5.0 mod inf = 5.0"),
    ("binop_float_mod", "1.0 mod 0.0 = NaN"),
    ("binop_mixed_int_float", "7 div 2.0 = 3.5"),
    ("binop_mixed_int_float", "1 div 0.0 = inf"),
    ("binop_mixed_int_float", "9007199254740993 add 0.0 = 9007199254740992.0"),
    ("binop_mixed_int_float", "9223372036854775807 add 0.0 = 9.223372036854776e18"),
    ("binop_mixed_int_float", "-7 mod 2.5 = -2.0"),
    ("binop_concat", '"n=" add 42 = n=42'),
    ("binop_concat", '"a=" add [1] = a=[1]'),
    ("binop_concat", '"p=" add Point = p=Point { x: void, y: void }'),
    ("binop_concat", 'Other add "<" = Other { z: void }<'),
    ("binop_concat", '"fn=" add @f = fn=<function @f>'),
    ("binop_concat", '"op=" add AddOperator = op=<AddOperator>'),
    ("binop_concat", '"f=" add 0.00001 = f=1e-5'),
    ("binop_concat", '"m=" add {} = m={}'),
    ("binop_bool_and_or", "true and false = false"),
    ("binop_bool_and_or", "false or true = true"),
    ("compare_eq_matrix", "1 eq 1.0: true"),
    ("compare_eq_matrix", "1 eq true: false"),
    ("compare_eq_matrix", "[1] eq [1]: true"),
    ("compare_eq_matrix", "[] eq {}: false"),
    ("compare_eq_matrix", 'void eq "": false'),
    ("compare_ne_matrix", "Point ne Point: false"),
    ("compare_eq_numbers_exact", "9007199254740993 eq 9007199254740992.0: false"),
    ("compare_eq_numbers_exact", "9223372036854775807 eq 9223372036854775807.0: false"),
    ("compare_eq_numbers_exact", "-9223372036854775808 eq -9223372036854775808.0: true"),
    ("compare_eq_numbers_exact", "NaN ne NaN: true"),
    ("compare_order_numbers", "9223372036854775807 lt 9223372036854775808.0: true"),
    ("compare_order_numbers", "9007199254740993 le 9007199254740992.0: false"),
    ("compare_order_numbers", "NaN ge inf: false"),
    ("compare_order_strings", '"z" lt "\\u{e9}": true'),
    ("compare_order_strings", '"\\u{ff61}" lt "\\u{1f600}": true'),
    ("compare_order_strings", '"10" lt "9": true'),
    ("typeop_check_integer", "0 is IntegerBox: true"),
    ("typeop_check_integer", "0 is Float: false"),
    ("typeop_check_void", "null is Void: true"),
    ("typeop_check_userbox", "Point is Other: false"),
    ("typeop_check_userbox", "Other is Any: true"),
    ("typeop_check_operator", "AddOperator is SubOperator: false"),
    ("typeop_check_float", "NaN is FloatBox: true"),
    ("typeop_typeof_all", "typeof null = Void"),
    ("typeop_typeof_all", "typeof @f = FunctionBox"),
    ("typeop_typeof_all", "typeof Point = Point"),
    ("typeop_cast_ok", "cast 9007199254740993 Float = 9007199254740992.0"),
    ("typeop_cast_ok", "cast -3.7 Integer = -3"),
    ("typeop_cast_ok", "cast -0.0 Integer = 0"),
    ("typeop_cast_ok", "cast -9223372036854775808.0 Integer = -9223372036854775808"),
    ("typeop_cast_ok", "cast 9223372036854774784.0 Integer = 9223372036854774784"),
    ("typeop_cast_ok", "cast 2251799813685248.5 Integer = 2251799813685248"),
    ("typeop_cast_ok", "cast 7 FloatBox = 7.0"),
    ("typeop_cast_ok", "cast 7.9 IntegerBox = 7"),
]
