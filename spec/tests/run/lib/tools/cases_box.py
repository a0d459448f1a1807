"""User boxes, universal methods and string forms (brief §3-5, spec §3-4)."""
from gen import case, trap

POINT = r'''
box Point { x, y }

fn @Point.birth(%me, %x, %y) {
bb0:
store %me.x = %x
store %me.y = %y
ret
}
'''

case("universal_tostring", "toString() on every kind of value gives its top-level string form (a String).", POINT + r'''
fn @f() {
bb0:
ret
}

fn @main() {
bb0:
%i = const 42
%s1 = call %i.toString()
log %s1
%fl = const 2.5
%s2 = call %fl.toString()
log %s2
%b = const true
%s3 = call %b.toString()
log %s3
%v = const void
%s4 = call %v.toString()
log %s4
%str = const "s"
%s5 = call %str.toString()
log %s5
%a = new ArrayBox(%i, %str)
%s6 = call %a.toString()
log %s6
%m = new MapBox()
call %m.set(%str, %str)
%s7 = call %m.toString()
log %s7
%fn = const @f
%s8 = call %fn.toString()
log %s8
%op = new AddOperator()
%s9 = call %op.toString()
log %s9
%p = new Point(%i, %str)
%s10 = call %p.toString()
log %s10
%t = typeop typeof %s6
log %t
%n = call %s6.length()
log %n
ret
}
''', "42\n2.5\ntrue\nvoid\ns\n[42, \"s\"]\n{\"s\": \"s\"}\n<function @f>\n<AddOperator>\nPoint { x: 42, y: \"s\" }\nString\n9\n")

case("universal_typename", "typeName() equals typeof on every kind of value.", POINT + r'''
fn @f() {
bb0:
ret
}

fn @main() {
bb0:
%i = const 42
%t1 = call %i.typeName()
log %t1
%fl = const 2.5
%t2 = call %fl.typeName()
log %t2
%b = const false
%t3 = call %b.typeName()
log %t3
%v = const void
%t4 = call %v.typeName()
log %t4
%str = const "s"
%t5 = call %str.typeName()
log %t5
%a = new ArrayBox()
%t6 = call %a.typeName()
log %t6
%m = new MapBox()
%t7 = call %m.typeName()
log %t7
%fn = const @f
%t8 = call %fn.typeName()
log %t8
%op = new GeOperator()
%t9 = call %op.typeName()
log %t9
%p = new Point(%i, %i)
%t10 = call %p.typeName()
log %t10
%t11 = typeop typeof %p
%same = compare eq %t10, %t11
log %same
ret
}
''', "Integer\nFloat\nBool\nVoid\nString\nArrayBox\nMapBox\nFunctionBox\nGeOperator\nPoint\ntrue\n")

case("universal_equals", "equals(x) is compare eq: numbers across types, NaN unequal to itself,\nidentity for boxes, FunctionBoxes by function, operator boxes by operator.", r'''
fn @f() {
bb0:
ret
}

fn @g() {
bb0:
ret
}

fn @main() {
bb0:
%one = const 1
%onef = const 1.0
%ones = const "1"
%e1 = call %one.equals(%onef)
log %e1
%e2 = call %one.equals(%ones)
log %e2
%a = const "a"
%a2 = const "a"
%e3 = call %a.equals(%a2)
log %e3
%v = const void
%v2 = const void
%e4 = call %v.equals(%v2)
log %e4
%nan = const NaN
%e5 = call %nan.equals(%nan)
log %e5
%arr = new ArrayBox()
%arr2 = new ArrayBox()
%e6 = call %arr.equals(%arr)
log %e6
%e7 = call %arr.equals(%arr2)
log %e7
%f1 = const @f
%f2 = const @f
%g1 = const @g
%e8 = call %f1.equals(%f2)
log %e8
%e9 = call %f1.equals(%g1)
log %e9
%o1 = new AddOperator()
%o2 = new AddOperator()
%e10 = call %o1.equals(%o2)
log %e10
%e11 = call %v.equals(%one)
log %e11
ret
}
''', "true\nfalse\ntrue\ntrue\nfalse\ntrue\nfalse\ntrue\nfalse\ntrue\nfalse\n")

case("universal_equals_arity", "equals() without an argument traps TypeError.", r'''
%a = const 1
%r = call %a.equals()
log %r
''', "", trap("TypeError", "wrong number of arguments to Integer.equals: expected 1, got 0"))

case("universal_tostring_arity", "toString(x) with an argument traps TypeError.", r'''
%a = const true
%r = call %a.toString(%a)
log %r
''', "", trap("TypeError", "wrong number of arguments to Bool.toString: expected 0, got 1"))

case("unknown_method_void", "void has only the universal methods: length() traps UnknownMethod.", r'''
%v = const void
%r = call %v.length()
log %r
''', "", trap("UnknownMethod", "Void has no method length"))

case("unknown_method_bool", "Bool has no method not: UnknownMethod.", r'''
%b = const true
%r = call %b.not()
log %r
''', "", trap("UnknownMethod", "Bool has no method not"))

case("unknown_method_user", "A user box without @Point.norm and no such builtin: UnknownMethod.", POINT + r'''
fn @main() {
bb0:
%one = const 1
%p = new Point(%one, %one)
%r = call %p.norm()
log %r
ret
}
''', "", trap("UnknownMethod", "Point has no method norm"))

case("unknown_method_operator", "Operator boxes have apply but no other builtin method: UnknownMethod.", r'''
%op = new AddOperator()
%r = call %op.run()
log %r
''', "", trap("UnknownMethod", "AddOperator has no method run"))

case("box_fields_void", "Without birth, new Point() takes no argument and every field starts void.", r'''
box Point { x, y }

fn @main() {
bb0:
%p = new Point()
log %p
%x = load %p.x
log %x
%t = typeop typeof %x
log %t
ret
}
''', "Point { x: void, y: void }\nvoid\nVoid\n")

case("box_birth", "new Point(a, b) runs @Point.birth with the new instance first; fields print\nin declaration order, Strings quoted.", POINT + r'''
fn @main() {
bb0:
%one = const 1
%s = const "s"
%p = new Point(%one, %s)
log %p
%y = load %p.y
log %y
ret
}
''', "Point { x: 1, y: \"s\" }\ns\n")

case("box_birth_order", "birth sees fields already void and may store them in any order; fields it\ndoes not store stay void.", r'''
box Triple { a, b, c }

fn @Triple.birth(%me, %v) {
bb0:
%before = load %me.a
log %before
store %me.c = %v
ret
}

fn @main() {
bb0:
%v = const 3
%t = new Triple(%v)
log %t
ret
}
''', "void\nTriple { a: void, b: void, c: 3 }\n")

case("box_empty", "A box without fields prints `Empty {}`.", r'''
box Empty {}

fn @main() {
bb0:
%e = new Empty()
log %e
%t = typeop typeof %e
log %t
%a = new ArrayBox(%e, %e)
log %a
ret
}
''', "Empty {}\nEmpty\n[Empty {}, Empty {}]\n")

case("box_methods", "User methods: dynamic `call %p.m()` and static `call %p.Point::m()` both call\n@Point.m with the receiver first.", POINT + r'''
fn @Point.sum(%me) {
bb0:
%x = load %me.x
%y = load %me.y
%s = binop add %x, %y
ret %s
}

fn @Point.scale(%me, %k) {
bb0:
%x = load %me.x
%y = load %me.y
%x2 = binop mul %x, %k
%y2 = binop mul %y, %k
store %me.x = %x2
store %me.y = %y2
ret %me
}

fn @main() {
bb0:
%three = const 3
%four = const 4
%p = new Point(%three, %four)
%s1 = call %p.sum()
log %s1
%s2 = call %p.Point::sum()
log %s2
%ten = const 10
%q = call %p.scale(%ten)
log %q
%same = compare eq %p, %q
log %same
%two = const 2
call %p.Point::scale(%two)
log %p
ret
}
''', "7\n7\nPoint { x: 30, y: 40 }\ntrue\nPoint { x: 60, y: 80 }\n")

case("box_user_method_first", "A user method named like a universal method (@Point.equals) is found first.", POINT + r'''
fn @Point.equals(%me, %other) {
bb0:
%r = const "custom"
ret %r
}

fn @main() {
bb0:
%one = const 1
%p = new Point(%one, %one)
%r = call %p.equals(%p)
log %r
%t = call %p.typeName()
log %t
ret
}
''', "custom\nPoint\n")

case("box_static_wrong_box", "A static call Point::sum on another box type traps TypeError.", POINT + r'''
box Other { x }

fn @Point.sum(%me) {
bb0:
%x = load %me.x
ret %x
}

fn @main() {
bb0:
%o = new Other()
%r = call %o.Point::sum()
log %r
ret
}
''', "", trap("TypeError", "expected Point receiver for Point::sum, got Other"))

case("box_static_integer", "A static call Point::norm on an Integer traps TypeError.", POINT + r'''
fn @Point.norm(%me) {
bb0:
%x = load %me.x
ret %x
}

fn @main() {
bb0:
%i = const 5
%r = call %i.Point::norm()
log %r
ret
}
''', "", trap("TypeError", "expected Point receiver for Point::norm, got Integer"))

case("box_method_arity", "A dynamic user method call with the wrong argument count traps TypeError\n(the count excludes the receiver), in the caller.", POINT + r'''
fn @Point.sum(%me) {
bb0:
%x = load %me.x
ret %x
}

fn @main() {
bb0:
%one = const 1
%p = new Point(%one, %one)
%r = call %p.sum(%one)
log %r
ret
}
''', "", trap("TypeError", "wrong number of arguments to Point.sum: expected 0, got 1"))

case("box_store_load", "store then load; a field may hold any type, including the box itself.", r'''
box Cell { v }

fn @main() {
bb0:
%c = new Cell()
%one = const 1
store %c.v = %one
%a = load %c.v
log %a
%s = const "str"
store %c.v = %s
%b = load %c.v
log %b
log %c
%arr = new ArrayBox(%one)
store %c.v = %arr
%g = load %c.v
call %g.push(%one)
log %c
ret
}
''', "1\nstr\nCell { v: \"str\" }\nCell { v: [1, 1] }\n")

case("box_identity", "User boxes compare by identity; aliasing through a function shows mutations.", POINT + r'''
fn @move(%p) {
bb0:
%z = const 0
store %p.x = %z
ret
}

fn @main() {
bb0:
%one = const 1
%two = const 2
%p1 = new Point(%one, %two)
%p2 = new Point(%one, %two)
%e1 = compare eq %p1, %p2
log %e1
%e2 = compare eq %p1, %p1
log %e2
call @move(%p1)
log %p1
log %p2
%e3 = call %p1.equals(%p2)
log %e3
ret
}
''', "false\ntrue\nPoint { x: 0, y: 2 }\nPoint { x: 1, y: 2 }\nfalse\n")

case("box_typeop", "typeof / check / cast with user box names.", POINT + r'''
box Other { z }

fn @main() {
bb0:
%one = const 1
%p = new Point(%one, %one)
%t = typeop typeof %p
log %t
%c1 = typeop check %p Point
log %c1
%c2 = typeop check %p Any
log %c2
%c3 = typeop check %p Other
log %c3
%c4 = typeop check %p ArrayBox
log %c4
%c5 = typeop check %one Point
log %c5
%q = typeop cast %p Point
log %q
ret
}
''', "Point\ntrue\ntrue\nfalse\nfalse\nfalse\nPoint { x: 1, y: 1 }\n")

case("box_cast_wrong", "cast of a Point to another box type traps CastError.", POINT + r'''
box Other { z }

fn @main() {
bb0:
%one = const 1
%p = new Point(%one, %one)
%q = typeop cast %p Other
log %q
ret
}
''', "", trap("CastError", "cannot cast Point to Other"))

case("box_unknown_field_load", "load of a field the instance's box lacks traps UnknownField.", POINT + r'''
box Other { z }

fn @main() {
bb0:
%one = const 1
%p = new Point(%one, %one)
%z = load %p.z
log %z
ret
}
''', "", trap("UnknownField", "Point has no field z"))

case("box_unknown_field_store", "store to a field the instance's box lacks traps UnknownField.", POINT + r'''
box Other { z }

fn @main() {
bb0:
%one = const 1
%p = new Point(%one, %one)
store %p.z = %one
log %p
ret
}
''', "", trap("UnknownField", "Point has no field z"))

case("box_load_non_box", "load on an Integer traps TypeError.", POINT + r'''
fn @main() {
bb0:
%one = const 1
%x = load %one.x
log %x
ret
}
''', "", trap("TypeError", "cannot load field x of Integer"))

case("box_store_non_box", "store on an ArrayBox traps TypeError.", POINT + r'''
fn @main() {
bb0:
%one = const 1
%a = new ArrayBox()
store %a.x = %one
log %a
ret
}
''', "", trap("TypeError", "cannot store field x of ArrayBox"))

case("box_cycle", "A user box reachable from itself prints the inner reference as `Node {...}`.", r'''
box Node { v, next }

fn @main() {
bb0:
%n = new Node()
%one = const 1
store %n.v = %one
store %n.next = %n
log %n
%m = new Node()
store %m.next = %n
log %m
ret
}
''', "Node { v: 1, next: Node {...} }\nNode { v: void, next: Node { v: 1, next: Node {...} } }\n")

case("box_nested_forms", "A user box holding containers, strings with escapes and another box.", POINT + r'''
box Wrap { items, inner }

fn @main() {
bb0:
%w = new Wrap()
%q = const "say \"hi\"\n"
%one = const 1
%m = new MapBox()
call %m.set(%q, %one)
%a = new ArrayBox(%q, %m)
store %w.items = %a
%p = new Point(%one, %q)
store %w.inner = %p
log %w
%arr = new ArrayBox(%w)
log %arr
ret
}
''', "Wrap { items: [\"say \\\"hi\\\"\\n\", {\"say \\\"hi\\\"\\n\": 1}], inner: Point { x: 1, y: \"say \\\"hi\\\"\\n\" } }\n[Wrap { items: [\"say \\\"hi\\\"\\n\", {\"say \\\"hi\\\"\\n\": 1}], inner: Point { x: 1, y: \"say \\\"hi\\\"\\n\" } }]\n")

TOSTR = r'''
box P { x }

fn @P.toString(%me) {
bb0:
%l = const "P("
%x = load %me.x
%a = binop add %l, %x
%r = const ")"
%b = binop add %a, %r
ret %b
}
'''

case("box_tostring_user", "A user toString() is used by console.log, inside containers (unquoted), in\nstring concatenation, by join, and by an explicit toString() call.", TOSTR + r'''
fn @main() {
bb0:
%one = const 1
%p = new P()
store %p.x = %one
log %p
%s = const "s"
%arr = new ArrayBox(%p, %s)
log %arr
%pre = const "v="
%c = binop add %pre, %p
log %c
%c2 = binop add %p, %pre
log %c2
%m = new MapBox()
call %m.set(%s, %p)
log %m
%sep = const ";"
%j = call %arr.join(%sep)
log %j
%t = call %p.toString()
log %t
ret
}
''', "P(1)\n[P(1), \"s\"]\nv=P(1)\nP(1)v=\n{\"s\": P(1)}\nP(1);s\nP(1)\n")

case("box_tostring_nonstring", "A user toString() returning a non-String traps TypeError when a string form\nis taken (located in the caller that asked for the string form).", r'''
box P { x }

fn @P.toString(%me) {
bb0:
%r = const 5
ret %r
}

fn @main() {
bb0:
%before = const "before"
log %before
%p = new P()
log %p
ret
}
''', "before\n", trap("TypeError", "P.toString must return String, got Integer"))

case("box_tostring_with_param", "A toString method taking an argument besides the receiver is not used for\nstring forms (the default form is printed), but can still be called.", r'''
box P { x }

fn @P.toString(%me, %prefix) {
bb0:
ret %prefix
}

fn @main() {
bb0:
%one = const 1
%p = new P()
store %p.x = %one
log %p
%s = const "custom"
%r = call %p.toString(%s)
log %r
ret
}
''', "P { x: 1 }\ncustom\n")

case("box_apply_value", "A user box with an apply method can be called as a value and via apply.", r'''
box Adder { n }

fn @Adder.birth(%me, %n) {
bb0:
store %me.n = %n
ret
}

fn @Adder.apply(%me, %x) {
bb0:
%n = load %me.n
%r = binop add %n, %x
ret %r
}

fn @main() {
bb0:
%ten = const 10
%add10 = new Adder(%ten)
%five = const 5
%r1 = call %add10(%five)
log %r1
%r2 = call %add10.apply(%five)
log %r2
%s = const "x"
%r3 = call %add10(%s)
log %r3
ret
}
''', "15\n15\n10x\n")

case("box_not_callable", "Calling a user box without apply as a value traps TypeError.", POINT + r'''
fn @main() {
bb0:
%one = const 1
%p = new Point(%one, %one)
%r = call %p(%one)
log %r
ret
}
''', "", trap("TypeError", "Point is not callable"))

case("string_forms_floats", "Floats print with Rust's {:?} at top level and inside containers.", r'''
%a = const 1.0
%b = const 0.1
%c = const -0.0
%d = const 1e100
%e = const inf
%f = const -inf
%g = const NaN
%h = const 1e-7
%i = const 2.5e-3
%arr = new ArrayBox(%a, %b, %c, %d, %e, %f, %g, %h, %i)
log %arr
%y = const 0.2
%z = binop add %b, %y
log %z
log %d
log %g
''', "[1.0, 0.1, -0.0, 1e100, inf, -inf, NaN, 1e-7, 0.0025]\n0.30000000000000004\n1e100\nNaN\n")

case("string_forms_callables", "FunctionBoxes and operator boxes print as <function @f> / <AddOperator>,\nthe same inside containers and in concatenation.", r'''
fn @f() {
bb0:
ret
}

fn @main() {
bb0:
%fn = const @f
log %fn
%op = new AddOperator()
%arr = new ArrayBox(%fn, %op)
log %arr
%s = const "call "
%c = binop add %s, %fn
log %c
ret
}
''', "<function @f>\n[<function @f>, <AddOperator>]\ncall <function @f>\n")

case("string_forms_concat_containers", "binop add of a String and a container concatenates the container's string\nform (quoted strings inside, none for the top-level String).", r'''
%s = const "a"
%b = const "b"
%one = const 1
%arr = new ArrayBox(%one, %b)
%r1 = binop add %s, %arr
log %r1
%m = new MapBox()
%r2 = binop add %m, %s
log %r2
%v = const void
%inner = new ArrayBox(%v)
%r3 = binop add %s, %inner
log %r3
''', "a[1, \"b\"]\n{}a\na[void]\n")

case("box_tostring_trap_inside", "A trap inside a user toString() that the runtime called (for console.log) is\nlocated in @P.toString: runtime-made calls are calls like any other.", r'''
box P { x }

fn @P.toString(%me) {
bb0:
%x = load %me.x
%z = const 0
%r = binop div %x, %z
%s = const "never"
ret %s
}

fn @main() {
bb0:
%p = new P()
%one = const 1
store %p.x = %one
%arr = new ArrayBox(%p)
log %arr
ret
}
''', "", trap("DivisionByZero", "division by zero", fn="P.toString"))

case("box_birth_trap_inside", "A trap inside birth is located in @P.birth.", r'''
box P { x }

fn @P.birth(%me, %v) {
start:
%n = call %v.length()
store %me.x = %n
ret
}

fn @main() {
bb0:
%s = const "abc"
%p = new P(%s)
log %p
%i = const 5
%q = new P(%i)
log %q
ret
}
''', "P { x: 3 }\n", trap("UnknownMethod", "Integer has no method length", fn="P.birth", block="start"))

case("box_tostring_nested", "A field holding a box with a user toString prints through it, unquoted; a\nString field of the outer box stays quoted.", TOSTR + r'''
box Wrap { p, s }

fn @main() {
bb0:
%w = new Wrap()
%p = new P()
%two = const 2
store %p.x = %two
store %w.p = %p
%s = const "s"
store %w.s = %s
log %w
ret
}
''', "Wrap { p: P(2), s: \"s\" }\n")

case("runtime_call_depth_tostring", "The runtime's call of a user toString counts toward the call depth: with\n--max-depth 1 it traps StackOverflow in the callee at its entry block.", r'''
box P { x }

fn @P.toString(%me) {
entry:
%s = const "P"
ret %s
}

fn @main() {
bb0:
%b = const "before"
log %b
%p = new P()
log %p
ret
}
''', "before\n", trap("StackOverflow", "call depth exceeded 1", fn="P.toString", block="entry"),
     flags="--max-depth 1")

case("runtime_call_fuel_birth", "The runtime's call of birth spends fuel on entry like any call: with --fuel 1\nmain's entry takes the only unit and birth's entry runs out.", r'''
box P { x }

fn @P.birth(%me, %x) {
init:
store %me.x = %x
ret
}

fn @main() {
bb0:
%one = const 1
%p = new P(%one)
log %p
ret
}
''', "", trap("OutOfFuel", "fuel exhausted", fn="P.birth", block="init"), flags="--fuel 1")

case("runtime_call_fuel_apply", "Calling a user box as a value calls its apply method, which spends fuel:\nwith --fuel 2 the first call runs and the second runs out.", r'''
box Twice { k }

fn @Twice.apply(%me, %x) {
go:
%r = binop mul %x, %x
ret %r
}

fn @main() {
bb0:
%t = new Twice()
%three = const 3
%a = call %t(%three)
log %a
%b = call %t(%a)
log %b
ret
}
''', "9\n", trap("OutOfFuel", "fuel exhausted", fn="Twice.apply", block="go"), flags="--fuel 2")
