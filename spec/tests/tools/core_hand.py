"""Hand-written core conformance programs with hand-computed expectations (gen_core.py checks
every one of them against the independent model in mirpy.py before writing any file).

Each entry: name, src, out (stdout), err (stderr, default empty), code (exit status, default 0),
and optionally fuel / max_depth (written to NAME.flags).
"""

HAND_TESTS = []


def T(name, src, out, err="", code=0, fuel=None, max_depth=100000):
    """Registers one program."""
    if err and code == 0:
        code = 101
    HAND_TESTS.append({"name": name, "src": src.lstrip("\n"), "out": out, "err": err,
                       "code": code, "fuel": fuel, "max_depth": max_depth})


def lines(*xs):
    """stdout made of these lines."""
    return "".join(f"{x}\n" for x in xs)


# ---- Const -----------------------------------------------------------------------------------

T("const_bool_void_null", r"""
; const true/false/void/null; null is read as void (one value, prints void)
fn @main() {
bb0:
  %t = const true
  %f = const false
  %v = const void
  %n = const null
  extern env.console.log(%t)
  extern env.console.log(%f)
  extern env.console.log(%v)
  extern env.console.log(%n)
  %eq = compare eq %v, %n
  extern env.console.log(%eq)
  %ty = typeop typeof %n
  extern env.console.log(%ty)
  ret
}
""", lines("true", "false", "void", "void", "true", "Void"))

T("const_function", r"""
; const @fn makes a FunctionBox that prints as <function @name> (methods and main too)
box Point { x }

fn @helper() {
bb0:
  ret
}

fn @Point.norm(%me) {
bb0:
  ret
}

fn @main() {
bb0:
  %h = const @helper
  %n = const @Point.norm
  %m = const @main
  extern env.console.log(%h)
  extern env.console.log(%n)
  extern env.console.log(%m)
  %t = typeop typeof %h
  extern env.console.log(%t)
  ret
}
""", lines("<function @helper>", "<function @Point.norm>", "<function @main>", "FunctionBox"))

# ---- Load / Store ----------------------------------------------------------------------------

T("loadstore_fields", r"""
; load/store on a user box: fields start void, hold any type, and a store is visible through
; every reference to the same box (identity); nested and cyclic boxes print per spec §3
box Point { x, y }

fn @main() {
bb0:
  %p = new Point()
  extern env.console.log(%p)
  %x0 = load %p.x
  extern env.console.log(%x0)
  %one = const 1
  %s = const "s"
  store %p.x = %one
  store %p.y = %s
  extern env.console.log(%p)
  %x1 = load %p.x
  extern env.console.log(%x1)
  %y1 = load %p.y
  extern env.console.log(%y1)
  %f = const 2.5
  store %p.x = %f
  %q = typeop cast %p Point
  %x2 = load %q.x
  extern env.console.log(%x2)
  %p2 = new Point()
  store %p2.x = %p
  extern env.console.log(%p2)
  store %p.y = %p
  extern env.console.log(%p)
  extern env.console.log(%p2)
  ret
}
""", lines("Point { x: void, y: void }", "void", 'Point { x: 1, y: "s" }', "1", "s", "2.5",
           'Point { x: Point { x: 2.5, y: "s" }, y: void }', "Point { x: 2.5, y: Point {...} }",
           "Point { x: Point { x: 2.5, y: Point {...} }, y: void }"))

T("loadstore_birth", r"""
; new Point(a, b) runs @Point.birth with the fresh box first; the fields it stores are visible
box Point { x, y }

fn @Point.birth(%me, %x, %y) {
bb0:
  store %me.x = %x
  store %me.y = %y
  ret
}

fn @main() {
bb0:
  %a = const 3
  %b = const 4
  %p = new Point(%a, %b)
  %x = load %p.x
  extern env.console.log(%x)
  %y = load %p.y
  extern env.console.log(%y)
  extern env.console.log(%p)
  %z = const 0
  ret %z
}
""", lines("3", "4", "Point { x: 3, y: 4 }"))

T("loadstore_empty_box", r"""
; a box without fields prints as `Empty {}`; its typeof is its name
box Empty {}

fn @main() {
bb0:
  %e = new Empty()
  extern env.console.log(%e)
  %t = typeop typeof %e
  extern env.console.log(%t)
  %c = typeop check %e Empty
  extern env.console.log(%c)
  ret
}
""", lines("Empty {}", "Empty", "true"))

T("loadstore_shared_field_name", r"""
; two boxes may declare the same field name; load/store use the runtime box's own field
box A { v }

box B { w, v }

fn @main() {
bb0:
  %a = new A()
  %b = new B()
  %one = const 1
  %two = const 2
  store %a.v = %one
  store %b.v = %two
  %x = load %a.v
  %y = load %b.v
  extern env.console.log(%x)
  extern env.console.log(%y)
  extern env.console.log(%b)
  ret
}
""", lines("1", "2", "B { w: void, v: 2 }"))

# ---- Branch / Jump / Return ------------------------------------------------------------------

T("branch_basic", r"""
; branch takes the first label on true and the second on false; a diamond joins with a phi
fn @main() {
bb0:
  %t = const true
  branch %t, yes1, no1
yes1:
  %a = const "took true"
  extern env.console.log(%a)
  %f = const false
  branch %f, yes2, no2
no1:
  %b = const "wrong 1"
  extern env.console.log(%b)
  ret
yes2:
  %c = const "wrong 2"
  extern env.console.log(%c)
  ret
no2:
  %d = const "took false"
  extern env.console.log(%d)
  %x = const 5
  %y = const 3
  %lt = compare lt %x, %y
  branch %lt, small, big
small:
  %s1 = const "small"
  jump join
big:
  %s2 = const "big"
  jump join
join:
  %s = phi [small: %s1], [big: %s2]
  extern env.console.log(%s)
  ret
}
""", lines("took true", "took false", "big"))

for tname, lit in [("integer", "1"), ("string", '"true"'), ("void", "void"), ("float", "1.0")]:
    tn = {"integer": "Integer", "string": "String", "void": "Void", "float": "Float"}[tname]
    T(f"branch_{tname}_trap", f"""
; branch on a {tn} (no truthiness) traps TypeError, located at the branching block
fn @main() {{
bb0:
  %before = const "before"
  extern env.console.log(%before)
  %c = const {lit}
  jump check
check:
  branch %c, yes, no
yes:
  ret
no:
  ret
}}
""", lines("before"),
      f"error: TypeError: branch condition must be Bool, got {tn} (in @main, check)\n")

T("jump_chain", r"""
; jumps follow labels, not layout order
fn @main() {
bb0:
  %a = const "a"
  extern env.console.log(%a)
  jump third
second:
  %c = const "c"
  extern env.console.log(%c)
  jump last
third:
  %b = const "b"
  extern env.console.log(%b)
  jump second
last:
  %d = const "d"
  extern env.console.log(%d)
  ret
}
""", lines("a", "b", "c", "d"))

T("ret_bare_main", r"""
; a bare ret in main returns void: exit status 0
fn @main() {
bb0:
  %s = const "hello"
  extern env.console.log(%s)
  ret
}
""", lines("hello"))

T("ret_bare_callee", r"""
; a bare ret returns void to the caller; ret %v returns %v; early returns from branches
fn @nothing() {
bb0:
  ret
}

fn @sign(%n) {
bb0:
  %z = const 0
  %neg = compare lt %n, %z
  branch %neg, minus, notneg
minus:
  %m = const -1
  ret %m
notneg:
  %pos = compare gt %n, %z
  branch %pos, plus, zero
plus:
  %p = const 1
  ret %p
zero:
  ret %z
}

fn @main() {
bb0:
  %r = call @nothing()
  extern env.console.log(%r)
  %t = typeop typeof %r
  extern env.console.log(%t)
  %a = const -5
  %b = const 0
  %c = const 9
  %ra = call @sign(%a)
  %rb = call @sign(%b)
  %rc = call @sign(%c)
  extern env.console.log(%ra)
  extern env.console.log(%rb)
  extern env.console.log(%rc)
  ret
}
""", lines("void", "Void", "-1", "0", "1"))

# ---- Exit status -----------------------------------------------------------------------------

for name, lit, code, what in [
        ("exit_zero", "0", 0, "main returning 0 exits 0"),
        ("exit_seven", "7", 7, "main returning 7 exits 7"),
        ("exit_255", "255", 255, "main returning 255 exits 255"),
        ("exit_256", "256", 0, "main returning 256 exits 256 & 255 = 0"),
        ("exit_300", "300", 44, "main returning 300 exits 300 & 255 = 44"),
        ("exit_minus_one", "-1", 255, "main returning -1 exits -1 & 255 = 255"),
        ("exit_minus_256", "-256", 0, "main returning -256 exits 0"),
        ("exit_i64_max", "9223372036854775807", 255, "main returning i64::MAX exits 255"),
        ("exit_i64_min", "-9223372036854775808", 0, "main returning i64::MIN exits 0"),
        ("exit_string", '"7"', 0, "main returning a String exits 0"),
        ("exit_float", "7.0", 0, "main returning a Float exits 0"),
        ("exit_bool", "true", 0, "main returning a Bool exits 0"),
        ("exit_void", "void", 0, "main returning void explicitly exits 0")]:
    T(name, f"""
; {what}
fn @main() {{
bb0:
  %r = const {lit}
  ret %r
}}
""", "", code=code)

T("exit_array", r"""
; main returning an ArrayBox (a non-Integer) exits 0
fn @main() {
bb0:
  %x = const 5
  %a = new ArrayBox(%x)
  ret %a
}
""", "")

# ---- Phi -------------------------------------------------------------------------------------

T("phi_swap", r"""
; phis have parallel-copy semantics: two phis exchanging values around a loop swap them
fn @main() {
  loop header=head body=body latch=latch exit=done
bb0:
  %one = const 1
  %two = const 2
  %zero = const 0
  %n = const 4
  %sp = const " "
  jump head
head:
  %a = phi [bb0: %one], [latch: %b]
  %b = phi [bb0: %two], [latch: %a]
  %i = phi [bb0: %zero], [latch: %i2]
  %c = compare lt %i, %n
  branch %c, body, done
body:
  extern env.console.print(%a)
  extern env.console.print(%sp)
  extern env.console.log(%b)
  %i2 = binop add %i, %one
  jump latch
latch:
  jump head
done:
  extern env.console.print(%a)
  extern env.console.print(%sp)
  extern env.console.log(%b)
  ret
}
""", lines("1 2", "2 1", "1 2", "2 1", "1 2"))

T("phi_rotate3", r"""
; three phis rotating values (a <- b, b <- c, c <- a) read all inputs before writing any
fn @main() {
  loop header=head body=body latch=latch exit=done
bb0:
  %one = const 1
  %two = const 2
  %three = const 3
  %zero = const 0
  %sp = const " "
  jump head
head:
  %a = phi [bb0: %one], [latch: %b]
  %b = phi [bb0: %two], [latch: %c]
  %c = phi [bb0: %three], [latch: %a]
  %i = phi [bb0: %zero], [latch: %i2]
  %go = compare lt %i, %three
  branch %go, body, done
body:
  extern env.console.print(%a)
  extern env.console.print(%sp)
  extern env.console.print(%b)
  extern env.console.print(%sp)
  extern env.console.log(%c)
  %i2 = binop add %i, %one
  jump latch
latch:
  jump head
done:
  extern env.console.print(%a)
  extern env.console.print(%sp)
  extern env.console.print(%b)
  extern env.console.print(%sp)
  extern env.console.log(%c)
  ret
}
""", lines("1 2 3", "2 3 1", "3 1 2", "1 2 3"))

T("phi_fib_loop", r"""
; loop-carried phis (a, b) <- (b, a + b): the Fibonacci numbers; the exit value is returned
fn @main() {
  loop header=head body=body latch=latch exit=done
bb0:
  %zero = const 0
  %one = const 1
  %ten = const 10
  jump head
head:
  %a = phi [bb0: %zero], [latch: %b]
  %b = phi [bb0: %one], [latch: %sum]
  %i = phi [bb0: %zero], [latch: %i2]
  %c = compare lt %i, %ten
  branch %c, body, done
body:
  extern env.console.log(%a)
  %sum = binop add %a, %b
  %i2 = binop add %i, %one
  jump latch
latch:
  jump head
done:
  extern env.console.log(%a)
  ret %a
}
""", lines(0, 1, 1, 2, 3, 5, 8, 13, 21, 34, 55), code=55)

T("phi_three_preds", r"""
; a join block with three predecessors picks the phi input of the edge actually taken
fn @name(%n) {
bb0:
  %z = const 0
  %one = const 1
  %s0 = const "zero"
  %s1 = const "one"
  %s2 = const "many"
  %is0 = compare eq %n, %z
  branch %is0, join, test1
test1:
  %is1 = compare eq %n, %one
  branch %is1, p1, p2
p1:
  jump join
p2:
  jump join
join:
  %r = phi [bb0: %s0], [p1: %s1], [p2: %s2]
  ret %r
}

fn @main() {
bb0:
  %a = const 0
  %b = const 1
  %c = const 5
  %ra = call @name(%a)
  %rb = call @name(%b)
  %rc = call @name(%c)
  extern env.console.log(%ra)
  extern env.console.log(%rb)
  extern env.console.log(%rc)
  ret
}
""", lines("zero", "one", "many"))

T("phi_self_input", r"""
; a header phi whose back-edge input is itself keeps its value; another counts iterations
fn @main() {
  loop header=head body=body latch=latch exit=done
bb0:
  %seven = const 7
  %zero = const 0
  %one = const 1
  %three = const 3
  jump head
head:
  %k = phi [bb0: %seven], [latch: %k]
  %i = phi [bb0: %zero], [latch: %i2]
  %c = compare lt %i, %three
  branch %c, body, done
body:
  extern env.console.log(%k)
  %i2 = binop add %i, %one
  jump latch
latch:
  jump head
done:
  extern env.console.log(%i)
  ret
}
""", lines(7, 7, 7, 3))

T("phi_same_value_two_preds", r"""
; a phi may take the same value from two predecessors
fn @main() {
bb0:
  %x = const "x"
  %t = const true
  branch %t, left, right
left:
  jump join
right:
  jump join
join:
  %p = phi [left: %x], [right: %x]
  extern env.console.log(%p)
  ret
}
""", lines("x"))

# ---- LoopForms -------------------------------------------------------------------------------

T("loop_sum", r"""
; a declared canonical loop summing 1..100; main returns 5050 -> exit 5050 & 255 = 186
fn @main() {
  loop header=head body=body latch=latch exit=done
bb0:
  %zero = const 0
  %one = const 1
  %limit = const 100
  jump head
head:
  %i = phi [bb0: %one], [latch: %i2]
  %s = phi [bb0: %zero], [latch: %s2]
  %c = compare le %i, %limit
  branch %c, body, done
body:
  %s2 = binop add %s, %i
  %i2 = binop add %i, %one
  jump latch
latch:
  jump head
done:
  extern env.console.log(%s)
  ret %s
}
""", lines(5050), code=186)

NESTED = r"""
; {what}
fn @main() {{
  loop header=oh body=ob latch=ol exit=od
  loop header=ih body=ib latch=il exit=id
bb0:
  %z = const 0
  %one = const 1
  %three = const 3
  %four = const 4
  %ten = const 10
  jump oh
oh:
  %i = phi [bb0: %z], [ol: %i2]
  %oc = compare lt %i, %three
  branch %oc, ob, od
ob:
  %base = binop mul %i, %ten
  jump ih
ih:
  %j = phi [ob: %z], [il: %j2]
  %ic = compare lt %j, %four
  branch %ic, ib, id
ib:
  %v = binop add %base, %j
  extern env.console.log(%v)
  %j2 = binop add %j, %one
  jump il
il:
  jump ih
id:
  %i2 = binop add %i, %one
  jump ol
ol:
  jump oh
od:
  ret %i
}}
"""
NESTED_OUT = lines(0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23)

T("loop_nested", NESTED.format(what="two declared nested loops (3 x 4 iterations); main returns 3"),
  NESTED_OUT, code=3)

T("loop_break", r"""
; break = jump to the loop exit from inside the body; the exit's phi tells which edge left
fn @main() {
  loop header=head body=body latch=latch exit=done
bb0:
  %z = const 0
  %one = const 1
  %hundred = const 100
  %fifty = const 50
  %ended = const "condition false"
  %broke = const "break"
  jump head
head:
  %i = phi [bb0: %z], [latch: %i2]
  %c = compare lt %i, %hundred
  branch %c, body, done
body:
  %sq = binop mul %i, %i
  %big = compare gt %sq, %fifty
  branch %big, done, cont
cont:
  extern env.console.log(%i)
  %i2 = binop add %i, %one
  jump latch
latch:
  jump head
done:
  %how = phi [head: %ended], [body: %broke]
  %at = phi [head: %i], [body: %i]
  extern env.console.log(%how)
  extern env.console.log(%at)
  ret
}
""", lines(0, 1, 2, 3, 4, 5, 6, 7, "break", 8))

T("loop_continue", r"""
; continue = jump to the latch, skipping the rest of the body (multiples of 3 are skipped)
fn @main() {
  loop header=head body=body latch=latch exit=done
bb0:
  %z = const 0
  %one = const 1
  %three = const 3
  %ten = const 10
  jump head
head:
  %i = phi [bb0: %z], [latch: %i2]
  %n = phi [bb0: %z], [latch: %n2]
  %c = compare lt %i, %ten
  branch %c, body, done
body:
  %i2 = binop add %i, %one
  %m = binop mod %i, %three
  %skip = compare eq %m, %z
  branch %skip, skipped, work
skipped:
  jump latch
work:
  extern env.console.log(%i)
  %w = binop add %n, %one
  jump latch
latch:
  %n2 = phi [skipped: %n], [work: %w]
  jump head
done:
  %msg = const "printed: "
  %s = binop add %msg, %n
  extern env.console.log(%s)
  ret
}
""", lines(1, 2, 4, 5, 7, 8, "printed: 6"))

T("loop_declared_break_block", r"""
; break = a block of the loop body (here under a nested if) that jumps to the exit; it is in the
; loop's region (reachable from the header without entering the exit); the exit's phi merges
; the header's value and the break block's; main returns 45 -> exit 45
fn @main() {
  loop header=head body=body latch=latch exit=done
bb0:
  %z = const 0
  %one = const 1
  %three = const 3
  %ten = const 10
  %forty = const 40
  jump head
head:
  %i = phi [bb0: %z], [latch: %i2]
  %s = phi [bb0: %z], [latch: %s2]
  %c = compare lt %i, %ten
  branch %c, body, done
body:
  %s2 = binop add %s, %i
  %m = binop mod %i, %three
  %third = compare eq %m, %z
  branch %third, check, latch
check:
  extern env.console.log(%s2)
  %over = compare gt %s2, %forty
  branch %over, brk, latch
brk:
  %msg = const "break"
  extern env.console.log(%msg)
  jump done
latch:
  %i2 = binop add %i, %one
  jump head
done:
  %r = phi [head: %s], [brk: %s2]
  extern env.console.log(%r)
  ret %r
}
""", lines(0, 6, 21, 45, "break", 45), code=45)

T("loop_declared_return", r"""
; ret from inside a declared loop: the returning block is in the loop's region, no detour
; through the exit; main returns the first result 64 -> exit 64
fn @first_square_over(%limit) -> Integer {
  loop header=head body=body latch=latch exit=done
entry:
  %one = const 1
  %ten = const 10
  jump head
head:
  %i = phi [entry: %one], [latch: %i2]
  %c = compare le %i, %ten
  branch %c, body, done
body:
  %sq = binop mul %i, %i
  %over = compare gt %sq, %limit
  branch %over, found, latch
found:
  extern env.console.log(%i)
  ret %sq
latch:
  %i2 = binop add %i, %one
  jump head
done:
  %none = const -1
  ret %none
}

fn @main() {
bb0:
  %l1 = const 50
  %r1 = call @first_square_over(%l1)
  extern env.console.log(%r1)
  %l2 = const 1000
  %r2 = call @first_square_over(%l2)
  extern env.console.log(%r2)
  %l3 = const 0
  %r3 = call @first_square_over(%l3)
  extern env.console.log(%r3)
  ret %r1
}
""", lines(8, 64, -1, 1, 1), code=64)

T("loop_undeclared_self", r"""
; a loop without a declaration: a single block that branches back to itself (sum 1..10)
fn @main() {
bb0:
  %z = const 0
  %one = const 1
  %ten = const 10
  jump spin
spin:
  %i = phi [bb0: %z], [spin: %i2]
  %s = phi [bb0: %z], [spin: %s2]
  %i2 = binop add %i, %one
  %s2 = binop add %s, %i2
  %c = compare lt %i2, %ten
  branch %c, spin, done
done:
  extern env.console.log(%s2)
  ret
}
""", lines(55))

T("loop_zero_iterations", r"""
; a declared loop whose condition is false at once never runs its body
fn @main() {
  loop header=head body=body latch=latch exit=done
bb0:
  %z = const 0
  %one = const 1
  jump head
head:
  %i = phi [bb0: %z], [latch: %i2]
  %c = compare lt %i, %z
  branch %c, body, done
body:
  %msg = const "body ran"
  extern env.console.log(%msg)
  %i2 = binop add %i, %one
  jump latch
latch:
  jump head
done:
  %end = const "done"
  extern env.console.log(%end)
  ret %i
}
""", lines("done"))

# ---- Global calls ----------------------------------------------------------------------------

T("call_fib", r"""
; recursive Global calls: naive Fibonacci
fn @fib(%n: Integer) -> Integer {
bb0:
  %two = const 2
  %small = compare lt %n, %two
  branch %small, base, rec
base:
  ret %n
rec:
  %one = const 1
  %n1 = binop sub %n, %one
  %n2 = binop sub %n, %two
  %a = call @fib(%n1)
  %b = call @fib(%n2)
  %r = binop add %a, %b
  ret %r
}

fn @main() {
bb0:
  %a = const 0
  %b = const 1
  %c = const 10
  %d = const 20
  %ra = call @fib(%a)
  %rb = call @fib(%b)
  %rc = call @fib(%c)
  %rd = call @fib(%d)
  extern env.console.log(%ra)
  extern env.console.log(%rb)
  extern env.console.log(%rc)
  extern env.console.log(%rd)
  ret
}
""", lines(0, 1, 55, 6765))

T("call_ackermann", r"""
; recursive Global calls with nested recursion: Ackermann's function on small arguments
fn @ack(%m, %n) {
bb0:
  %z = const 0
  %one = const 1
  %m0 = compare eq %m, %z
  branch %m0, m_zero, m_pos
m_zero:
  %r0 = binop add %n, %one
  ret %r0
m_pos:
  %mm = binop sub %m, %one
  %n0 = compare eq %n, %z
  branch %n0, n_zero, n_pos
n_zero:
  %r1 = call @ack(%mm, %one)
  ret %r1
n_pos:
  %nn = binop sub %n, %one
  %inner = call @ack(%m, %nn)
  %r2 = call @ack(%mm, %inner)
  ret %r2
}

fn @main() {
bb0:
  %c0 = const 0
  %c1 = const 1
  %c2 = const 2
  %c3 = const 3
  %a = call @ack(%c0, %c0)
  %b = call @ack(%c1, %c2)
  %c = call @ack(%c2, %c3)
  %d = call @ack(%c3, %c3)
  extern env.console.log(%a)
  extern env.console.log(%b)
  extern env.console.log(%c)
  extern env.console.log(%d)
  ret
}
""", lines(1, 4, 9, 61))

T("call_mutual", r"""
; mutual recursion between two Global functions (functions may be referenced before definition)
fn @main() {
bb0:
  %ten = const 10
  %seven = const 7
  %zero = const 0
  %a = call @even(%ten)
  %b = call @odd(%seven)
  %c = call @even(%seven)
  %d = call @odd(%zero)
  extern env.console.log(%a)
  extern env.console.log(%b)
  extern env.console.log(%c)
  extern env.console.log(%d)
  ret
}

fn @even(%n) {
bb0:
  %z = const 0
  %done = compare eq %n, %z
  branch %done, yes, more
yes:
  %t = const true
  ret %t
more:
  %one = const 1
  %m = binop sub %n, %one
  %r = call @odd(%m)
  ret %r
}

fn @odd(%n) {
bb0:
  %z = const 0
  %done = compare eq %n, %z
  branch %done, no, more
no:
  %f = const false
  ret %f
more:
  %one = const 1
  %m = binop sub %n, %one
  %r = call @even(%m)
  ret %r
}
""", lines("true", "true", "false", "false"))

T("call_argument_order", r"""
; arguments bind to parameters in order; the same value may be passed twice
fn @digits(%a, %b, %c) {
bb0:
  %hundred = const 100
  %ten = const 10
  %x = binop mul %a, %hundred
  %y = binop mul %b, %ten
  %s = binop add %x, %y
  %r = binop add %s, %c
  ret %r
}

fn @main() {
bb0:
  %one = const 1
  %two = const 2
  %three = const 3
  %r1 = call @digits(%one, %two, %three)
  %r2 = call @digits(%three, %two, %one)
  %r3 = call @digits(%two, %two, %one)
  extern env.console.log(%r1)
  extern env.console.log(%r2)
  extern env.console.log(%r3)
  ret
}
""", lines(123, 321, 221))

T("call_discard_result", r"""
; call and extern without a destination run for their effects; the result is discarded
fn @shout(%s) {
bb0:
  extern env.console.log(%s)
  %r = const 99
  ret %r
}

fn @main() {
bb0:
  %a = const "first"
  %b = const "second"
  call @shout(%a)
  call @shout(%b)
  ret
}
""", lines("first", "second"))

T("call_args_are_values", r"""
; boxes are passed by reference: a callee's store is visible to the caller; primitives are values
box Cell { v }

fn @bump(%c, %n) {
bb0:
  %one = const 1
  %old = load %c.v
  %new = binop add %old, %one
  store %c.v = %new
  %n2 = binop add %n, %one
  ret %n2
}

fn @main() {
bb0:
  %cell = new Cell()
  %zero = const 0
  store %cell.v = %zero
  %n = const 10
  %r1 = call @bump(%cell, %n)
  %r2 = call @bump(%cell, %n)
  %v = load %cell.v
  extern env.console.log(%v)
  extern env.console.log(%n)
  extern env.console.log(%r2)
  ret
}
""", lines(2, 10, 11))

T("call_function_value", r"""
; Callee::Value with a FunctionBox calls the function; FunctionBoxes can be passed and returned
fn @double(%x) {
bb0:
  %two = const 2
  %r = binop mul %x, %two
  ret %r
}

fn @twice(%f, %x) {
bb0:
  %a = call %f(%x)
  %b = call %f(%a)
  ret %b
}

fn @pick() {
bb0:
  %d = const @double
  ret %d
}

fn @main() {
bb0:
  %five = const 5
  %fv = const @double
  %r1 = call %fv(%five)
  extern env.console.log(%r1)
  %r2 = call @twice(%fv, %five)
  extern env.console.log(%r2)
  %g = call @pick()
  %r3 = call %g(%r2)
  extern env.console.log(%r3)
  %same = compare eq %g, %fv
  extern env.console.log(%same)
  ret
}
""", lines(10, 20, 40, "true"))

T("call_value_arity_trap", r"""
; calling a FunctionBox with the wrong number of arguments traps TypeError (located at the call)
fn @two(%a, %b) {
bb0:
  ret %a
}

fn @main() {
bb0:
  %before = const "before"
  extern env.console.log(%before)
  %f = const @two
  %x = const 1
  jump callsite
callsite:
  %r = call %f(%x)
  ret
}
""", lines("before"),
  "error: TypeError: wrong number of arguments to @two: expected 2, got 1 (in @main, callsite)\n")

T("call_not_callable_trap", r"""
; Callee::Value on an Integer traps TypeError `Integer is not callable`
fn @main() {
bb0:
  %before = const "before"
  extern env.console.log(%before)
  %n = const 5
  %r = call %n(%n)
  ret
}
""", lines("before"), "error: TypeError: Integer is not callable (in @main, bb0)\n")

T("trap_location_nested", r"""
; a trap is located in the innermost running function and the block of the trapping instruction;
; stdout written before the trap is flushed
fn @inner(%d) {
bb0:
  %msg = const "in inner"
  extern env.console.log(%msg)
  jump work
work:
  %ten = const 10
  %r = binop div %ten, %d
  ret %r
}

fn @outer(%d) {
bb0:
  %msg = const "in outer"
  extern env.console.log(%msg)
  %r = call @inner(%d)
  %after = const "back in outer"
  extern env.console.log(%after)
  ret %r
}

fn @main() {
bb0:
  %two = const 2
  %ok = call @outer(%two)
  extern env.console.log(%ok)
  %zero = const 0
  %bad = call @outer(%zero)
  ret %bad
}
""", lines("in outer", "in inner", "back in outer", 5, "in outer", "in inner"),
  "error: DivisionByZero: division by zero (in @inner, work)\n")

# ---- Compare: identity -----------------------------------------------------------------------

T("compare_identity", r"""
; eq/ne on boxes: ArrayBox, MapBox and user boxes by identity (a box equals only itself, also
; after mutation and when passed through a call); FunctionBox by function; operator boxes by
; operator
box Point { x, y }

fn @id(%v) {
bb0:
  ret %v
}

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
  %a1 = new ArrayBox()
  %a2 = new ArrayBox()
  %e1 = compare eq %a1, %a2
  extern env.console.log(%e1)
  %e2 = compare eq %a1, %a1
  extern env.console.log(%e2)
  %a3 = call @id(%a1)
  %e3 = compare eq %a3, %a1
  extern env.console.log(%e3)
  %n1 = compare ne %a1, %a2
  extern env.console.log(%n1)
  %m1 = new MapBox()
  %m2 = new MapBox()
  %e4 = compare eq %m1, %m2
  extern env.console.log(%e4)
  %e5 = compare eq %m2, %m2
  extern env.console.log(%e5)
  %one = const 1
  %p1 = new Point()
  %p2 = new Point()
  store %p1.x = %one
  store %p2.x = %one
  %e6 = compare eq %p1, %p2
  extern env.console.log(%e6)
  %p3 = call @id(%p1)
  store %p3.y = %one
  %e7 = compare eq %p1, %p3
  extern env.console.log(%e7)
  %f1 = const @f
  %f2 = const @f
  %g1 = const @g
  %e8 = compare eq %f1, %f2
  extern env.console.log(%e8)
  %e9 = compare eq %f1, %g1
  extern env.console.log(%e9)
  %o1 = new AddOperator()
  %o2 = new AddOperator()
  %o3 = new SubOperator()
  %o4 = new EqOperator()
  %o5 = new NeOperator()
  %e10 = compare eq %o1, %o2
  extern env.console.log(%e10)
  %e11 = compare eq %o1, %o3
  extern env.console.log(%e11)
  %e12 = compare ne %o4, %o5
  extern env.console.log(%e12)
  %e13 = compare eq %a1, %m1
  extern env.console.log(%e13)
  ret
}
""", lines("false", "true", "true", "true", "false", "true", "false", "true", "true", "false",
           "true", "false", "true", "false"))

# ---- Type annotations ------------------------------------------------------------------------

T("annot_ok", r"""
; parameter and return annotations that hold (every builtin type, aliases, Any, a user box)
box Point { x }

fn @all(%a: Integer, %b: Float, %c: Bool, %d: String, %e: Void, %g: ArrayBox, %h: MapBox, %k: FunctionBox, %m: AddOperator, %p: Point, %q: Any, %r: IntegerBox, %s: StringBox) -> String {
bb0:
  %ok = const "ok"
  ret %ok
}

fn @ident(%x: Any) -> Any {
bb0:
  ret %x
}

fn @nothing() -> Void {
bb0:
  ret
}

fn @num(%x: FloatBox) -> FloatBox {
bb0:
  ret %x
}

fn @main() {
bb0:
  %a = const 1
  %b = const 2.5
  %c = const true
  %d = const "s"
  %e = const void
  %g = new ArrayBox()
  %h = new MapBox()
  %k = const @nothing
  %m = new AddOperator()
  %p = new Point()
  %r1 = call @all(%a, %b, %c, %d, %e, %g, %h, %k, %m, %p, %p, %a, %d)
  extern env.console.log(%r1)
  %r2 = call @ident(%g)
  extern env.console.log(%r2)
  %r3 = call @nothing()
  extern env.console.log(%r3)
  %r4 = call @num(%b)
  extern env.console.log(%r4)
  ret
}
""", lines("ok", "[]", "void", "2.5"))

for name, params, args_lit, msg, what in [
        ("annot_param_trap", "%n: Integer", ['"5"'], "argument %n of @f must be Integer, got String",
         "a String passed to an Integer parameter"),
        ("annot_param_second_trap", "%a: Integer, %b: String", ["1", "2"],
         "argument %b of @f must be String, got Integer", "the second parameter's annotation"),
        ("annot_param_first_of_two_trap", "%a: Integer, %b: Integer", ['"x"', '"y"'],
         "argument %a of @f must be Integer, got String",
         "two violated annotations: the first parameter is reported"),
        ("annot_param_alias_trap", "%n: IntegerBox", ["1.5"],
         "argument %n of @f must be Integer, got Float",
         "an alias annotation (IntegerBox, printed as Integer) with a Float"),
        ("annot_param_float_int_trap", "%x: Float", ["1"],
         "argument %x of @f must be Float, got Integer",
         "an Integer passed to a Float parameter (no conversion)"),
        ("annot_param_void_trap", "%v: Void", ["0"], "argument %v of @f must be Void, got Integer",
         "an Integer passed to a Void parameter"),
        ("annot_param_operator_trap", "%o: AddOperator", ["sub_op"],
         "argument %o of @f must be AddOperator, got SubOperator",
         "a SubOperator passed to an AddOperator parameter")]:
    setup = []
    names = []
    for k, lit in enumerate(args_lit):
        if lit == "sub_op":
            setup.append(f"  %arg{k} = new SubOperator()")
        else:
            setup.append(f"  %arg{k} = const {lit}")
        names.append(f"%arg{k}")
    nl = "\n"
    T(name, f"""
; parameter annotation violated: {what}; traps TypeError at the callee's entry block
fn @f({params}) {{
entry:
  %msg = const "not reached"
  extern env.console.log(%msg)
  ret
}}

fn @main() {{
bb0:
  %before = const "before"
  extern env.console.log(%before)
{nl.join(setup)}
  call @f({", ".join(names)})
  ret
}}
""", lines("before"), f"error: TypeError: {msg} (in @f, entry)\n")

T("annot_param_userbox_trap", r"""
; parameter annotation violated: an Other box passed to a Point parameter
box Point { x }

box Other { y }

fn @f(%p: Point) {
entry:
  ret
}

fn @main() {
bb0:
  %before = const "before"
  extern env.console.log(%before)
  %o = new Other()
  call @f(%o)
  ret
}
""", lines("before"), "error: TypeError: argument %p of @f must be Point, got Other (in @f, entry)\n")

T("annot_value_call_trap", r"""
; annotations are checked on calls through a FunctionBox too
fn @f(%n: Integer) {
entry:
  ret %n
}

fn @main() {
bb0:
  %before = const "before"
  extern env.console.log(%before)
  %fv = const @f
  %s = const true
  %r = call %fv(%s)
  ret
}
""", lines("before"), "error: TypeError: argument %n of @f must be Integer, got Bool (in @f, entry)\n")

T("annot_return_trap", r"""
; return annotation violated: checked at the ret, located at the returning block
fn @f(%x) -> Integer {
bb0:
  %t = const true
  branch %t, done, other
other:
  ret %x
done:
  %s = const "text"
  ret %s
}

fn @main() {
bb0:
  %before = const "before"
  extern env.console.log(%before)
  %one = const 1
  %r = call @f(%one)
  ret
}
""", lines("before"), "error: TypeError: return value of @f must be Integer, got String (in @f, done)\n")

T("annot_return_bare_trap", r"""
; a bare ret returns void, which violates an Integer return annotation
fn @f() -> Integer {
start:
  ret
}

fn @main() {
bb0:
  %r = call @f()
  ret
}
""", "", "error: TypeError: return value of @f must be Integer, got Void (in @f, start)\n")

T("annot_return_int_for_float_trap", r"""
; an Integer returned under a Float annotation is not converted: TypeError
fn @f() -> Float {
bb0:
  %one = const 1
  ret %one
}

fn @main() {
bb0:
  %r = call @f()
  ret
}
""", "", "error: TypeError: return value of @f must be Float, got Integer (in @f, bb0)\n")

T("annot_main_return_ok", r"""
; main may carry a return annotation; an Integer result is the exit status
fn @main() -> Integer {
bb0:
  %r = const 3
  ret %r
}
""", "", code=3)

T("annot_main_return_trap", r"""
; main's return annotation is checked like any other
fn @main() -> Integer {
bb0:
  %before = const "before"
  extern env.console.log(%before)
  %r = const "x"
  ret %r
}
""", lines("before"), "error: TypeError: return value of @main must be Integer, got String (in @main, bb0)\n")

# ---- Call depth ------------------------------------------------------------------------------

REC = r"""
; {what}
fn @rec(%n) {{
entry:
  %k = const 33
  %m = binop mod %n, %k
  %z = const 0
  %c = compare eq %m, %z
  branch %c, show, go
show:
  extern env.console.log(%n)
  jump go
go:
  %one = const 1
  %n2 = binop add %n, %one
  %r = call @rec(%n2)
  ret %r
}}

fn @main() {{
bb0:
  %one = const 1
  %r = call @rec(%one)
  ret %r
}}
"""
T("depth_overflow_trap", REC.format(
    what="with --max-depth 100, main runs at depth 1 and @rec(n) at depth n + 1; entering\n"
         "; @rec(100) traps StackOverflow at @rec's entry block"),
  lines(33, 66, 99), "error: StackOverflow: call depth exceeded 100 (in @rec, entry)\n",
  max_depth=100)

DOWN = r"""
; {what}
fn @down(%n) {{
bb0:
  %z = const 0
  %done = compare eq %n, %z
  branch %done, base, more
base:
  ret %z
more:
  %one = const 1
  %m = binop sub %n, %one
  %r = call @down(%m)
  %r2 = binop add %r, %one
  ret %r2
}}

fn @main() {{
bb0:
  %n = const {n}
  %r = call @down(%n)
  extern env.console.log(%r)
  ret
}}
"""
T("depth_exact_limit_ok", DOWN.format(
    what="with --max-depth 5: main (depth 1) and @down(3..0) (depths 2..5) reach the limit "
         "exactly: no trap", n=3), lines(3), max_depth=5)
T("depth_one_over_limit_trap", DOWN.format(
    what="with --max-depth 5: @down(0) would run at depth 6: StackOverflow", n=4), "",
  "error: StackOverflow: call depth exceeded 5 (in @down, bb0)\n", max_depth=5)

T("depth_main_only", r"""
; with --max-depth 1 main itself runs; its first call traps
fn @f() {
bb0:
  ret
}

fn @main() {
bb0:
  %s = const "main runs"
  extern env.console.log(%s)
  call @f()
  ret
}
""", lines("main runs"), "error: StackOverflow: call depth exceeded 1 (in @f, bb0)\n", max_depth=1)

SUM = r"""
; {what}
fn @sum(%n) {{
bb0:
  %z = const 0
  %done = compare eq %n, %z
  branch %done, base, more
base:
  ret %z
more:
  %one = const 1
  %m = binop sub %n, %one
  %r = call @sum(%m)
  %s = binop add %r, %n
  ret %s
}}

fn @main() {{
bb0:
  %n = const {n}
  %r = call @sum(%n)
  extern env.console.log(%r)
  ret
}}
"""
T("depth_deep_ok", SUM.format(
    what="deep but legal recursion (depth 50002 under the default limit 100000) must not crash",
    n=50000), lines(1250025000))
T("depth_default_limit_ok", SUM.format(
    what="recursion to exactly the default limit: main plus @sum(99998..0) is depth 100000",
    n=99998), lines(4999850001))
T("depth_default_limit_trap", SUM.format(
    what="one call past the default limit: @sum(0) would run at depth 100001", n=99999), "",
  "error: StackOverflow: call depth exceeded 100000 (in @sum, bb0)\n")

# ---- Fuel ------------------------------------------------------------------------------------

FUEL_LOOP = r"""
; {what}
fn @main() {{
  loop header=head body=body latch=latch exit=done
bb0:
  %zero = const 0
  %ten = const 10
  %one = const 1
  jump head
head:
  %i = phi [bb0: %zero], [latch: %i2]
  %c = compare lt %i, %ten
  branch %c, body, done
body:
  extern env.console.log(%i)
  %i2 = binop add %i, %one
  jump latch
latch:
  jump head
done:
  ret %i
}}
"""
T("fuel_loop_exact", FUEL_LOOP.format(
    what="--fuel 11 is exactly enough: 1 for entering main + 10 taken back edges latch -> head\n"
         "; (forward edges are free)"),
  lines(*range(10)), code=10, fuel=11)
T("fuel_loop_backedge_trap", FUEL_LOOP.format(
    what="--fuel 10: main's entry and 9 back edges succeed; the 10th back edge traps OutOfFuel,\n"
         "; located at the block being arrived at (the header)"),
  lines(*range(10)), "error: OutOfFuel: fuel exhausted (in @main, head)\n", fuel=10)

FUEL_CALLS = r"""
; {what}
fn @f() {{
start:
  %s = const "in f"
  extern env.console.log(%s)
  ret
}}

fn @main() {{
bb0:
  %c1 = const "call 1"
  extern env.console.log(%c1)
  call @f()
  %c2 = const "call 2"
  extern env.console.log(%c2)
  call @f()
  %c3 = const "call 3"
  extern env.console.log(%c3)
  call @f()
  %end = const "end"
  extern env.console.log(%end)
  ret
}}
"""
T("fuel_entry_trap", FUEL_CALLS.format(
    what="--fuel 3: entering main and two calls of @f spend it all; the third entry of @f traps\n"
         "; at @f's entry block"),
  lines("call 1", "in f", "call 2", "in f", "call 3"),
  "error: OutOfFuel: fuel exhausted (in @f, start)\n", fuel=3)
T("fuel_entry_exact", FUEL_CALLS.format(
    what="--fuel 4 is exactly enough for main's entry and three calls"),
  lines("call 1", "in f", "call 2", "in f", "call 3", "in f", "end"), fuel=4)

T("fuel_zero_trap", r"""
; --fuel 0: entering main already traps, at main's entry block
fn @main() {
bb0:
  %s = const "not reached"
  extern env.console.log(%s)
  ret
}
""", "", "error: OutOfFuel: fuel exhausted (in @main, bb0)\n", fuel=0)

T("fuel_forward_edges_free", r"""
; --fuel 1: only main's entry spends fuel; jumps, branches and joins without back edges are free
fn @main() {
bb0:
  %t = const true
  %f = const false
  branch %t, a, b
a:
  %x = const "a"
  extern env.console.log(%x)
  jump c
b:
  jump c
c:
  branch %f, d, e
d:
  jump g
e:
  %y = const "e"
  extern env.console.log(%y)
  jump g
g:
  jump h
h:
  %z = const "h"
  extern env.console.log(%z)
  ret
}
""", lines("a", "e", "h"), fuel=1)

FIB = r"""
; {what}
fn @fib(%n) {{
bb0:
  %two = const 2
  %small = compare lt %n, %two
  branch %small, base, rec
base:
  ret %n
rec:
  %one = const 1
  %n1 = binop sub %n, %one
  %n2 = binop sub %n, %two
  %a = call @fib(%n1)
  %b = call @fib(%n2)
  %r = binop add %a, %b
  ret %r
}}

fn @main() {{
bb0:
  %s = const "start"
  extern env.console.log(%s)
  %five = const 5
  %r = call @fib(%five)
  extern env.console.log(%r)
  ret
}}
"""
T("fuel_recursion_exact", FIB.format(
    what="--fuel 16: fib(5) enters @fib 15 times, plus main's entry: exactly enough"),
  lines("start", 5), fuel=16)
T("fuel_recursion_trap", FIB.format(
    what="--fuel 15: the last of fib(5)'s 15 entries of @fib runs out of fuel"),
  lines("start"), "error: OutOfFuel: fuel exhausted (in @fib, bb0)\n", fuel=15)

SELF = r"""
; {what}
fn @main() {{
bb0:
  %z = const 0
  %one = const 1
  %five = const 5
  jump spin
spin:
  %i = phi [bb0: %z], [spin: %i2]
  extern env.console.log(%i)
  %i2 = binop add %i, %one
  %c = compare lt %i2, %five
  branch %c, spin, done
done:
  ret %i2
}}
"""
T("fuel_self_loop_exact", SELF.format(
    what="a block branching to itself takes a back edge: --fuel 5 = main's entry + 4 back edges"),
  lines(0, 1, 2, 3, 4), code=5, fuel=5)
T("fuel_self_loop_trap", SELF.format(
    what="--fuel 4: the 4th self back edge of `spin` runs out of fuel"),
  lines(0, 1, 2, 3), "error: OutOfFuel: fuel exhausted (in @main, spin)\n", fuel=4)

T("fuel_nested_exact", NESTED.format(
    what="nested loops with --fuel 16: main's entry + 3 x (4 inner + 1 outer) back edges"),
  NESTED_OUT, code=3, fuel=16)
T("fuel_nested_trap", NESTED.format(
    what="nested loops with --fuel 15: the last outer back edge (ol -> oh) runs out"),
  NESTED_OUT, "error: OutOfFuel: fuel exhausted (in @main, oh)\n", fuel=15)

T("fuel_before_annotation_trap", r"""
; on entry the fuel check comes before the argument annotation check (--fuel 1)
fn @f(%n: Integer) {
bb0:
  ret
}

fn @main() {
bb0:
  %s = const "s"
  call @f(%s)
  ret
}
""", "", "error: OutOfFuel: fuel exhausted (in @f, bb0)\n", fuel=1)

T("depth_before_fuel_trap", r"""
; on entry the depth check comes before the fuel check (--max-depth 1 --fuel 1)
fn @f() {
bb0:
  ret
}

fn @main() {
bb0:
  call @f()
  ret
}
""", "", "error: StackOverflow: call depth exceeded 1 (in @f, bb0)\n", fuel=1, max_depth=1)

RUNTIME_CALLS = r"""
; {what}
box P {{ v }}

fn @P.birth(%me, %v) {{
bb0:
  store %me.v = %v
  ret
}}

fn @P.toString(%me) {{
bb0:
  %pre = const "P#"
  %v = load %me.v
  %s = binop add %pre, %v
  ret %s
}}

fn @main() {{
bb0:
  %five = const 5
  %p = new P(%five)
  %made = const "made"
  extern env.console.log(%made)
  extern env.console.log(%p)
  ret
}}
"""
T("fuel_runtime_calls_exact", RUNTIME_CALLS.format(
    what="calls made by the runtime spend fuel like any other: --fuel 3 = main + birth + toString"),
  lines("made", "P#5"), fuel=3)
T("fuel_runtime_calls_trap", RUNTIME_CALLS.format(
    what="--fuel 2: main and birth run; the runtime's call of @P.toString (for printing) runs out"),
  lines("made"), "error: OutOfFuel: fuel exhausted (in @P.toString, bb0)\n", fuel=2)
T("depth_runtime_call_trap", RUNTIME_CALLS.format(
    what="calls made by the runtime count toward the call depth: with --max-depth 1, `new P`\n"
         "; traps entering @P.birth"),
  "", "error: StackOverflow: call depth exceeded 1 (in @P.birth, bb0)\n", max_depth=1)

T("fuel_irreducible_exact", r"""
; fuel is spent on the retreating edges of the reverse postorder (spec §5), which on an
; irreducible cycle includes one edge of the cycle even though no block dominates the other.
; DFS from bb0: bb0, a, b (then done); RPO = bb0, a, done, b, so only b -> a spends fuel.
; main's entry (1) + three b -> a edges (3) = 4 units: exactly enough
fn @main() {
bb0:
  %z = const 0
  %one = const 1
  %six = const 6
  %t = const true
  branch %t, a, b
a:
  %i = phi [bb0: %z], [b: %j2]
  extern env.console.log(%i)
  %i2 = binop add %i, %one
  %c = compare lt %i2, %six
  branch %c, b, done
b:
  %j = phi [bb0: %z], [a: %i2]
  %j2 = binop add %j, %one
  jump a
done:
  ret %i2
}
""", lines(0, 2, 4, 6), code=7, fuel=4)

T("fuel_irreducible_out", r"""
; as fuel_irreducible_exact with one unit less: the third b -> a edge runs out, at a
fn @main() {
bb0:
  %z = const 0
  %one = const 1
  %six = const 6
  %t = const true
  branch %t, a, b
a:
  %i = phi [bb0: %z], [b: %j2]
  extern env.console.log(%i)
  %i2 = binop add %i, %one
  %c = compare lt %i2, %six
  branch %c, b, done
b:
  %j = phi [bb0: %z], [a: %i2]
  %j2 = binop add %j, %one
  jump a
done:
  ret %i2
}
""", lines(0, 2, 4), err="error: OutOfFuel: fuel exhausted (in @main, a)\n", code=101, fuel=3)

DO_WHILE = r"""
; {what}
fn @main() {{
bb0:
  %z = const 0
  %one = const 1
  %five = const 5
  jump body
body:
  %i = phi [bb0: %z], [test: %i2]
  extern env.console.log(%i)
  %i2 = binop add %i, %one
  jump test
test:
  %c = compare lt %i2, %five
  branch %c, body, done
done:
  ret %i2
}}
"""
T("fuel_do_while_exact", DO_WHILE.format(
    what="an undeclared two-block do-while loop: the conditional edge test -> body is a back edge;\n"
         "; --fuel 5 = main's entry + 4 back edges"), lines(0, 1, 2, 3, 4), code=5, fuel=5)
T("fuel_do_while_trap", DO_WHILE.format(
    what="an undeclared two-block do-while loop with --fuel 3: the 3rd back edge test -> body traps"),
  lines(0, 1, 2), "error: OutOfFuel: fuel exhausted (in @main, body)\n", fuel=3)

LOOP_CALLS = r"""
; {what}
fn @f(%i) {{
bb0:
  extern env.console.log(%i)
  ret
}}

fn @main() {{
  loop header=head body=body latch=latch exit=done
bb0:
  %zero = const 0
  %one = const 1
  %three = const 3
  jump head
head:
  %i = phi [bb0: %zero], [latch: %i2]
  %c = compare lt %i, %three
  branch %c, body, done
body:
  call @f(%i)
  %i2 = binop add %i, %one
  jump latch
latch:
  jump head
done:
  %end = const "end"
  extern env.console.log(%end)
  ret
}}
"""
T("fuel_loop_calls_exact", LOOP_CALLS.format(
    what="a loop calling @f each iteration: main 1 + 3 x (call 1 + back edge 1) = 7 = --fuel 7"),
  lines(0, 1, 2, "end"), fuel=7)
T("fuel_loop_calls_backedge_trap", LOOP_CALLS.format(
    what="same loop, --fuel 6: the third call runs, then the third back edge runs out"),
  lines(0, 1, 2), "error: OutOfFuel: fuel exhausted (in @main, head)\n", fuel=6)
T("fuel_loop_calls_entry_trap", LOOP_CALLS.format(
    what="same loop, --fuel 5: the third call of @f runs out at @f's entry"),
  lines(0, 1), "error: OutOfFuel: fuel exhausted (in @f, bb0)\n", fuel=5)

T("compare_eq_ignores_methods", r"""
; compare eq on user boxes is identity even when the box defines equals/toString methods;
; typeof gives the box name, not the toString result
box Point { x }

fn @Point.equals(%me, %other) {
bb0:
  %t = const true
  ret %t
}

fn @Point.toString(%me) {
bb0:
  %s = const "same"
  ret %s
}

fn @main() {
bb0:
  %p = new Point()
  %q = new Point()
  %e = compare eq %p, %q
  extern env.console.log(%e)
  %n = compare ne %p, %q
  extern env.console.log(%n)
  %s = const "same"
  %e2 = compare eq %p, %s
  extern env.console.log(%e2)
  %t = typeop typeof %p
  extern env.console.log(%t)
  extern env.console.log(%p)
  ret
}
""", lines("false", "true", "false", "Point", "same"))

T("loop_return_inside", r"""
; a ret inside a loop's body leaves the function directly. (The loop is not declared; it is
; inferred, the block holding the ret being part of its region; loop_declared_return declares
; such a loop.)
fn @find(%target) {
bb0:
  %z = const 0
  %one = const 1
  %ten = const 10
  jump head
head:
  %i = phi [bb0: %z], [latch: %i2]
  %c = compare lt %i, %ten
  branch %c, body, done
body:
  %sq = binop mul %i, %i
  %hit = compare eq %sq, %target
  branch %hit, found, next
found:
  ret %i
next:
  %i2 = binop add %i, %one
  jump latch
latch:
  jump head
done:
  %none = const -1
  ret %none
}

fn @main() {
bb0:
  %a = const 49
  %b = const 50
  %ra = call @find(%a)
  %rb = call @find(%b)
  extern env.console.log(%ra)
  extern env.console.log(%rb)
  ret
}
""", lines(7, -1))

T("syntax_names_and_layout",
  "; value names made of digits or identifiers, keywords used as labels and value names,\n"
  "; comments after instructions, tabs, and an instruction spread over several lines\n"
  "; (whitespace, newlines included, only separates tokens)\n" + r"""fn @main() {
bb0:	; a comment after a label
	%0 = const 40	; a comment after an instruction
	%12 = const 2
	%_t1 = binop add %0, %12
	extern env.console.log(%_t1)
	jump loop
; a comment between blocks
loop:
  %const = const "keyword names"
  %phi = const true
  branch %phi, jump, ret
jump:
  extern env.console.log(%const)
  %x = binop
       mul
       %12 ,
       %12
  extern env.console.log(
    %x
  )
  jump ret
ret:
  ret
}
""", lines(42, "keyword names", 4))
