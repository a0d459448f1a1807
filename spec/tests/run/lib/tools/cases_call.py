"""The four Callee kinds and operator boxes (brief §3, §5; spec §4)."""
from gen import case, trap

case("callee_global", "Callee::Global: a module function called by name, arguments in order.", r'''
fn @sub3(%a, %b, %c) {
bb0:
%t = binop sub %a, %b
%r = binop sub %t, %c
ret %r
}

fn @main() {
bb0:
%a = const 10
%b = const 3
%c = const 2
%r = call @sub3(%a, %b, %c)
log %r
ret
}
''', "5\n")

case("callee_function_box", "Callee::Value with a FunctionBox from `const @f`: printing, typeof, calling\ndirectly and through a higher-order function, equality by function.", r'''
fn @double(%n) {
bb0:
%two = const 2
%r = binop mul %n, %two
ret %r
}

fn @triple(%n) {
bb0:
%three = const 3
%r = binop mul %n, %three
ret %r
}

fn @twice(%f, %x) {
bb0:
%a = call %f(%x)
%b = call %f(%a)
ret %b
}

fn @main() {
bb0:
%f = const @double
log %f
%t = typeop typeof %f
log %t
%five = const 5
%r1 = call %f(%five)
log %r1
%g = const @triple
%r2 = call @twice(%g, %five)
log %r2
%f2 = const @double
%e1 = compare eq %f, %f2
log %e1
%e2 = compare eq %f, %g
log %e2
%c = typeop check %f FunctionBox
log %c
ret
}
''', "<function @double>\nFunctionBox\n10\n45\ntrue\nfalse\ntrue\n")

case("callee_function_box_arity", "Calling a FunctionBox with the wrong argument count traps TypeError.", r'''
fn @double(%n) {
bb0:
%r = binop add %n, %n
ret %r
}

fn @main() {
bb0:
%f = const @double
%a = const 1
%r = call %f(%a, %a)
log %r
ret
}
''', "", trap("TypeError", "wrong number of arguments to @double: expected 1, got 2"))

case("callee_function_box_in_array", "FunctionBoxes stored in an array and fetched back are still callable.", r'''
fn @inc(%n) {
bb0:
%one = const 1
%r = binop add %n, %one
ret %r
}

fn @neg(%n) {
bb0:
%r = unary neg %n
ret %r
}

fn @main() {
bb0:
%a = const @inc
%b = const @neg
%fs = new ArrayBox(%a, %b)
log %fs
%i0 = const 0
%i1 = const 1
%f0 = call %fs.get(%i0)
%f1 = call %fs.get(%i1)
%x = const 41
%y = call %f0(%x)
%z = call %f1(%y)
log %z
ret
}
''', "[<function @inc>, <function @neg>]\n-42\n")

case("callee_not_callable_integer", "Calling an Integer as a value traps TypeError.", r'''
%f = const 7
%a = const 1
%r = call %f(%a)
log %r
''', "", trap("TypeError", "Integer is not callable"))

case("callee_not_callable_string", "Calling a String as a value traps TypeError.", r'''
%f = const "f"
%r = call %f()
log %r
''', "", trap("TypeError", "String is not callable"))

case("callee_not_callable_array", "Calling an ArrayBox as a value traps TypeError.", r'''
%f = new ArrayBox()
%r = call %f()
log %r
''', "", trap("TypeError", "ArrayBox is not callable"))

case("callee_trap_in_callee", "A trap inside a called function is located in the callee and its block.", r'''
fn @get_third(%arr) {
entry:
%two = const 2
jump fetch
fetch:
%r = call %arr.get(%two)
ret %r
}

fn @main() {
bb0:
%one = const 1
%a = new ArrayBox(%one)
%f = const @get_third
%r = call %f(%a)
log %r
ret
}
''', "", trap("IndexOutOfBounds", "index 2 out of bounds for length 1", fn="get_third", block="fetch"))

case("callee_method_trap_location", "A trap inside a user method is located in @Box.method.", r'''
box Acc { total }

fn @Acc.add(%me, %x) {
bb0:
%t = load %me.total
%r = binop add %t, %x
store %me.total = %r
ret %r
}

fn @main() {
bb0:
%a = new Acc()
%z = const 0
store %a.total = %z
%five = const 5
%r1 = call %a.add(%five)
log %r1
%t = const true
%r2 = call %a.add(%t)
log %r2
ret
}
''', "5\n", trap("TypeError", "cannot apply add to Integer and Bool", fn="Acc.add"))

OPS = [("AddOperator", "10"), ("SubOperator", "4"), ("MulOperator", "21"), ("DivOperator", "2"),
       ("ModOperator", "1"), ("BandOperator", "3"), ("BorOperator", "7"), ("BxorOperator", "4"),
       ("ShlOperator", "56"), ("ShrOperator", "0"), ("EqOperator", "false"),
       ("NeOperator", "true"), ("LtOperator", "false"), ("LeOperator", "false"),
       ("GtOperator", "true"), ("GeOperator", "true")]


def op_apply_src():
    lines = ["%a = const 7", "%b = const 3"]
    for i, (name, _) in enumerate(OPS):
        lines += [f"%o{i} = new {name}()", f"%r{i} = call %o{i}.apply(%a, %b)", f"log %r{i}"]
    lines += ["%t = const true", "%f = const false",
              "%oand = new AndOperator()", "%rand = call %oand.apply(%t, %f)", "log %rand",
              "%oor = new OrOperator()", "%ror = call %oor.apply(%t, %f)", "log %ror"]
    return "\n".join(lines)


case("operator_apply_all", "All 18 operator boxes via apply(a, b): 16 on the Integers 7 and 3, and/or on\ntrue and false.", op_apply_src(),
     "".join(v + "\n" for _, v in OPS) + "false\ntrue\n")

ALL = [n for n, _ in OPS[:10]] + ["AndOperator", "OrOperator"] + [n for n, _ in OPS[10:]]


def op_print_src():
    lines = []
    for i, name in enumerate(ALL):
        lines += [f"%o{i} = new {name}()", f"log %o{i}", f"%t{i} = typeop typeof %o{i}", f"log %t{i}"]
    return "\n".join(lines)


case("operator_print", "Each operator box prints as <Name> and typeof gives its box name.", op_print_src(),
     "".join(f"<{n}>\n{n}\n" for n in ALL))

case("operator_call_as_value", "Calling an operator box as a value is the same as apply; operators follow\nBinOp/Compare rules (string concatenation, mixed numbers, Float division by 0,\narithmetic shift right, wrapping).", r'''
%add = new AddOperator()
%a = const 4
%b = const 3
%r1 = call %add(%a, %b)
log %r1
%s = const "n="
%r2 = call %add(%s, %a)
log %r2
%h = const 0.5
%r3 = call %add(%a, %h)
log %r3
%div = new DivOperator()
%one = const 1.0
%zero = const 0.0
%r4 = call %div(%one, %zero)
log %r4
%shr = new ShrOperator()
%m16 = const -16
%two = const 2
%r5 = call %shr(%m16, %two)
log %r5
%max = const 9223372036854775807
%i1 = const 1
%r6 = call %add(%max, %i1)
log %r6
%lt = new LtOperator()
%sa = const "a"
%sb = const "b"
%r7 = call %lt(%sa, %sb)
log %r7
%eq = new EqOperator()
%f1 = const 1.0
%r8 = call %eq(%i1, %f1)
log %r8
''', "7\nn=4\n4.5\ninf\n-4\n-9223372036854775808\ntrue\ntrue\n")

case("operator_equality", "Operator boxes are equal when they carry the same operator.", r'''
%a1 = new AddOperator()
%a2 = new AddOperator()
%s = new SubOperator()
%e1 = compare eq %a1, %a2
log %e1
%e2 = compare eq %a1, %s
log %e2
%e3 = compare ne %a1, %s
log %e3
%e4 = call %a1.equals(%a2)
log %e4
%one = const 1
%e5 = compare eq %a1, %one
log %e5
%c = typeop check %a1 AddOperator
log %c
%d = typeop check %a1 SubOperator
log %d
''', "true\nfalse\ntrue\ntrue\nfalse\ntrue\nfalse\n")

case("operator_fold", "An operator box passed to a MIR function that folds an array with it.", r'''
fn @fold(%arr, %op, %init) {
entry:
%n = call %arr.length()
%zero = const 0
%one = const 1
jump head
head:
%i = phi [entry: %zero], [next: %i2]
%acc = phi [entry: %init], [next: %acc2]
%c = compare lt %i, %n
branch %c, body, done
body:
%x = call %arr.get(%i)
%acc2 = call %op(%acc, %x)
jump next
next:
%i2 = binop add %i, %one
jump head
done:
ret %acc
}

fn @main() {
bb0:
%a = const 1
%b = const 2
%c = const 3
%d = const 4
%arr = new ArrayBox(%a, %b, %c, %d)
%add = new AddOperator()
%zero = const 0
%sum = call @fold(%arr, %add, %zero)
log %sum
%mul = new MulOperator()
%prod = call @fold(%arr, %mul, %a)
log %prod
%s = const ">"
%cat = call @fold(%arr, %add, %s)
log %cat
ret
}
''', "10\n24\n>1234\n")

case("operator_apply_type_error", "AddOperator.apply(1, true) traps like binop add.", r'''
%op = new AddOperator()
%a = const 1
%b = const true
%r = call %op.apply(%a, %b)
log %r
''', "", trap("TypeError", "cannot apply add to Integer and Bool"))

case("operator_apply_div_zero", "DivOperator on Integer zero traps DivisionByZero.", r'''
%op = new DivOperator()
%a = const 1
%b = const 0
%r = call %op(%a, %b)
log %r
''', "", trap("DivisionByZero", "division by zero"))

case("operator_compare_type_error", "LtOperator on a String and an Integer traps like compare lt.", r'''
%op = new LtOperator()
%a = const "a"
%b = const 1
%r = call %op.apply(%a, %b)
log %r
''', "", trap("TypeError", "cannot compare String and Integer with lt"))

case("operator_apply_arity", "apply with one argument traps TypeError.", r'''
%op = new AddOperator()
%a = const 1
%r = call %op.apply(%a)
log %r
''', "", trap("TypeError", "wrong number of arguments to AddOperator.apply: expected 2, got 1"))

case("operator_value_arity", "Calling an operator box as a value with three arguments traps TypeError.", r'''
%op = new MulOperator()
%a = const 1
%r = call %op(%a, %a, %a)
log %r
''', "", trap("TypeError", "wrong number of arguments to MulOperator.apply: expected 2, got 3"))

case("primitive_box_constructors", "new IntegerBox/FloatBox/BoolBox/StringBox(x) check and return x;\nnew VoidBox() is void.", r'''
%i = const 5
%a = new IntegerBox(%i)
log %a
%f = const 2.5
%b = new FloatBox(%f)
log %b
%t = const true
%c = new BoolBox(%t)
log %c
%s = const "s"
%d = new StringBox(%s)
log %d
%v = new VoidBox()
log %v
%e = compare eq %a, %i
log %e
%ty = typeop typeof %v
log %ty
''', "5\n2.5\ntrue\ns\nvoid\ntrue\nVoid\n")

case("primitive_box_constructor_type", "new IntegerBox of a String traps TypeError.", r'''
%s = const "5"
%a = new IntegerBox(%s)
log %a
''', "", trap("TypeError", "IntegerBox expects Integer, got String"))

case("callee_function_box_method", "A FunctionBox of a method function (`const @Point.sum`) is an ordinary\nfunction value taking the receiver as its first argument.", r'''
box Point { x, y }

fn @Point.sum(%me) {
bb0:
%x = load %me.x
%y = load %me.y
%s = binop add %x, %y
ret %s
}

fn @main() {
bb0:
%p = new Point()
%a = const 2
%b = const 5
store %p.x = %a
store %p.y = %b
%f = const @Point.sum
log %f
%r = call %f(%p)
log %r
ret
}
''', "<function @Point.sum>\n7\n")
