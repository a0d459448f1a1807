"""ArrayBox methods, traps, printing and identity (brief §8, spec §3-4)."""
from gen import case, trap

case("array_new_print", "new ArrayBox(args) holds the args in order; strings print quoted inside.", r'''
%e = new ArrayBox()
log %e
%a = const 1
%b = const "x"
%c = const 2.5
%d = const true
%v = const void
%arr = new ArrayBox(%a, %b, %c, %d, %v)
log %arr
%n = call %arr.length()
log %n
%z = call %e.length()
log %z
''', "[]\n[1, \"x\", 2.5, true, void]\n5\n0\n")

case("array_get_set", "get(i) reads; set(i, v) replaces and returns void.", r'''
%a = const 10
%b = const 20
%c = const 30
%arr = new ArrayBox(%a, %b, %c)
%i = const 1
%g = call %arr.get(%i)
log %g
%s = const "b"
%r = call %arr.set(%i, %s)
log %r
log %arr
%j = const 2
%g2 = call %arr.get(%j)
log %g2
''', "20\nvoid\n[10, \"b\", 30]\n30\n")

case("array_push_pop", "push(v) appends and returns void; pop() removes and returns the last element.", r'''
%arr = new ArrayBox()
%a = const 1
%r1 = call %arr.push(%a)
log %r1
%b = const "two"
call %arr.push(%b)
log %arr
%p = call %arr.pop()
log %p
log %arr
%n = call %arr.length()
log %n
''', "void\n[1, \"two\"]\ntwo\n[1]\n1\n")

case("array_insert_remove", "insert(i, v) for 0 <= i <= length; remove(i) returns the removed element.", r'''
%a = const 1
%b = const 2
%c = const 3
%arr = new ArrayBox(%a, %b, %c)
%z = const 0
%r1 = call %arr.insert(%z, %z)
log %r1
log %arr
%four = const 4
%nine = const 9
call %arr.insert(%four, %nine)
log %arr
%two = const 2
%m = const "m"
call %arr.insert(%two, %m)
log %arr
%x = call %arr.remove(%two)
log %x
log %arr
%y = call %arr.remove(%z)
log %y
log %arr
''', "void\n[0, 1, 2, 3]\n[0, 1, 2, 3, 9]\n[0, 1, \"m\", 2, 3, 9]\nm\n[0, 1, 2, 3, 9]\n0\n[1, 2, 3, 9]\n")

case("array_clear", "clear() empties the array in place and returns void.", r'''
%a = const 1
%arr = new ArrayBox(%a, %a)
%r = call %arr.clear()
log %r
log %arr
%n = call %arr.length()
log %n
''', "void\n[]\n0\n")

case("array_contains_indexof", "contains / indexOf use compare eq: numeric across Integer/Float, identity for\nboxes, NaN equals nothing; indexOf returns -1 when absent.", r'''
%one = const 1
%x = const "x"
%two = const 2.0
%v = const void
%b = new ArrayBox()
%nan = const NaN
%arr = new ArrayBox(%one, %x, %two, %v, %b, %nan)
%i2 = const 2
%r1 = call %arr.contains(%i2)
log %r1
%s1 = const "1"
%r2 = call %arr.contains(%s1)
log %r2
%r3 = call %arr.contains(%v)
log %r3
%r4 = call %arr.indexOf(%x)
log %r4
%r5 = call %arr.indexOf(%i2)
log %r5
%seven = const 7
%r6 = call %arr.indexOf(%seven)
log %r6
%r7 = call %arr.contains(%b)
log %r7
%other = new ArrayBox()
%r8 = call %arr.contains(%other)
log %r8
%r9 = call %arr.indexOf(%b)
log %r9
%r10 = call %arr.contains(%nan)
log %r10
%r11 = call %arr.indexOf(%nan)
log %r11
''', "true\nfalse\ntrue\n1\n2\n-1\ntrue\nfalse\n4\nfalse\n-1\n")

case("array_join", "join(sep) joins the elements' top-level string forms (a nested array keeps its\nquoted strings, a top-level String element does not).", r'''
%a = const "a"
%b = const 1
%c = const 2.5
%d = const true
%v = const void
%arr = new ArrayBox(%a, %b, %c, %d, %v)
%sep = const ", "
%r1 = call %arr.join(%sep)
log %r1
%e = const ""
%r2 = call %arr.join(%e)
log %r2
%empty = new ArrayBox()
%dash = const "-"
%r3 = call %empty.join(%dash)
%n3 = call %r3.length()
log %n3
%q = const "b"
%inner = new ArrayBox(%b, %q)
%cs = const "c"
%outer = new ArrayBox(%inner, %cs)
%bar = const "|"
%r4 = call %outer.join(%bar)
log %r4
''', "a, 1, 2.5, true, void\na12.5truevoid\n0\n[1, \"b\"]|c\n")

case("array_sort_numbers", "sort() orders Integers and Floats together numerically, in place; returns void.", r'''
%a = const 3
%b = const 1.5
%c = const -2
%d = const 2
%e = const 0
%arr = new ArrayBox(%a, %b, %c, %d, %e)
%r = call %arr.sort()
log %r
log %arr
''', "void\n[-2, 0, 1.5, 2, 3]\n")

case("array_sort_stable", "sort() is stable: 1.0 and 1 compare equal and keep their order.", r'''
%a = const 2
%b = const 1.0
%c = const 1
%d = const 0.5
%arr = new ArrayBox(%a, %b, %c, %d)
call %arr.sort()
log %arr
%e = const 1
%f = const 1.0
%arr2 = new ArrayBox(%e, %f, %d)
call %arr2.sort()
log %arr2
''', "[0.5, 1.0, 1, 2]\n[0.5, 1, 1.0]\n")

case("array_sort_strings", "sort() orders Strings by bytes (uppercase before lowercase, é after z).", r'''
%a = const "b"
%b = const "a"
%c = const "B"
%d = const "é"
%e = const "ab"
%f = const ""
%g = const "z"
%arr = new ArrayBox(%a, %b, %c, %d, %e, %f, %g)
call %arr.sort()
log %arr
''', "[\"\", \"B\", \"a\", \"ab\", \"b\", \"z\", \"é\"]\n")

case("array_sort_small", "sort() of an empty and of a one-element array.", r'''
%e = new ArrayBox()
call %e.sort()
log %e
%five = const 5
%one = new ArrayBox(%five)
call %one.sort()
log %one
''', "[]\n[5]\n")

case("array_sort_mixed", "sort() of an Integer and a String traps TypeError. (The message names the later\nelement first, as a stable insertion step compares element 1 against element 0.)", r'''
%a = const 1
%b = const "a"
%arr = new ArrayBox(%a, %b)
call %arr.sort()
log %arr
''', "", trap("TypeError", "cannot compare String and Integer with lt"))

case("array_sort_bools", "sort() of Bools traps TypeError: Bools are not ordered.", r'''
%a = const true
%b = const false
%arr = new ArrayBox(%a, %b)
call %arr.sort()
log %arr
''', "", trap("TypeError", "cannot compare Bool and Bool with lt"))

case("array_reverse", "reverse() reverses in place and returns void.", r'''
%a = const 1
%b = const 2
%c = const 3
%d = const "x"
%arr = new ArrayBox(%a, %b, %c, %d)
%r = call %arr.reverse()
log %r
log %arr
%e = new ArrayBox()
call %e.reverse()
log %e
''', "void\n[\"x\", 3, 2, 1]\n[]\n")

case("array_slice", "slice(start, end) returns a new array; mutating it leaves the original alone.", r'''
%i0 = const 0
%i1 = const 1
%i2 = const 2
%i3 = const 3
%i4 = const 4
%i5 = const 5
%arr = new ArrayBox(%i0, %i1, %i2, %i3, %i4)
%s1 = call %arr.slice(%i1, %i3)
log %s1
%s2 = call %arr.slice(%i0, %i5)
log %s2
%s3 = call %arr.slice(%i2, %i2)
log %s3
%nine = const 9
call %s1.push(%nine)
log %s1
log %arr
%same = compare eq %s2, %arr
log %same
''', "[1, 2]\n[0, 1, 2, 3, 4]\n[]\n[1, 2, 9]\n[0, 1, 2, 3, 4]\nfalse\n")

case("array_slice_oob", "slice with end > length traps IndexOutOfBounds.", r'''
%a = const 1
%b = const 2
%c = const 3
%arr = new ArrayBox(%a, %b, %c)
%s = const 2
%e = const 5
%r = call %arr.slice(%s, %e)
log %r
''', "", trap("IndexOutOfBounds", "range 2..5 out of bounds for length 3"))

case("array_slice_reversed", "slice with start > end traps IndexOutOfBounds.", r'''
%a = const 1
%b = const 2
%c = const 3
%arr = new ArrayBox(%a, %b, %c)
%r = call %arr.slice(%b, %a)
log %r
''', "", trap("IndexOutOfBounds", "range 2..1 out of bounds for length 3"))

case("array_get_oob", "get(i) with i >= length traps IndexOutOfBounds; output before it is kept.", r'''
%a = const 1
%b = const 2
%c = const 3
%arr = new ArrayBox(%a, %b, %c)
log %arr
%i = const 5
%r = call %arr.get(%i)
log %r
''', "[1, 2, 3]\n", trap("IndexOutOfBounds", "index 5 out of bounds for length 3"))

case("array_get_negative", "get(-1) traps IndexOutOfBounds (no negative indexing).", r'''
%a = const 1
%b = const 2
%c = const 3
%arr = new ArrayBox(%a, %b, %c)
%i = const -1
%r = call %arr.get(%i)
log %r
''', "", trap("IndexOutOfBounds", "index -1 out of bounds for length 3"))

case("array_set_oob", "set(length, v) traps IndexOutOfBounds (set does not append).", r'''
%a = const 1
%b = const 2
%c = const 3
%arr = new ArrayBox(%a, %b, %c)
call %arr.set(%c, %a)
log %arr
''', "", trap("IndexOutOfBounds", "index 3 out of bounds for length 3"))

case("array_remove_oob", "remove(length) traps IndexOutOfBounds.", r'''
%a = const 1
%b = const 2
%c = const 3
%arr = new ArrayBox(%a, %b, %c)
%r = call %arr.remove(%c)
log %r
''', "", trap("IndexOutOfBounds", "index 3 out of bounds for length 3"))

case("array_pop_empty", "pop() of an empty array traps IndexOutOfBounds.", r'''
%arr = new ArrayBox()
%r = call %arr.pop()
log %r
''', "", trap("IndexOutOfBounds", "pop from empty ArrayBox"))

case("array_get_argtype", "get with a String index traps TypeError.", r'''
%a = const 1
%arr = new ArrayBox(%a)
%i = const "0"
%r = call %arr.get(%i)
log %r
''', "", trap("TypeError", "argument 1 of ArrayBox.get must be Integer, got String"))

case("array_join_argtype", "join with an Integer separator traps TypeError.", r'''
%a = const 1
%arr = new ArrayBox(%a)
%r = call %arr.join(%a)
log %r
''', "", trap("TypeError", "argument 1 of ArrayBox.join must be String, got Integer"))

case("array_push_arity", "push() without an argument traps TypeError.", r'''
%arr = new ArrayBox()
call %arr.push()
log %arr
''', "", trap("TypeError", "wrong number of arguments to ArrayBox.push: expected 1, got 0"))

case("array_unknown_method", "ArrayBox has no method keys (MapBox has): UnknownMethod.", r'''
%arr = new ArrayBox()
%r = call %arr.keys()
log %r
''', "", trap("UnknownMethod", "ArrayBox has no method keys"))

case("array_identity", "Arrays have identity: a mutation through one reference is seen through the\nother; two arrays with equal contents are not equal.", r'''
fn @id(%x) {
bb0:
ret %x
}

fn @add_two(%arr) {
bb0:
%t = const 2
call %arr.push(%t)
ret
}

fn @main() {
bb0:
%one = const 1
%a = new ArrayBox(%one)
%b = call @id(%a)
%three = const 3
call %b.push(%three)
log %a
call @add_two(%a)
log %b
%same = compare eq %a, %b
log %same
%c = new ArrayBox(%one, %three, %three)
call %c.pop()
%c2 = const 2
call %c.push(%c2)
log %c
%eq = compare eq %a, %c
log %eq
%ne = compare ne %a, %c
log %ne
%eq2 = call %a.equals(%b)
log %eq2
ret
}
''', "[1, 3]\n[1, 3, 2]\ntrue\n[1, 3, 2]\nfalse\ntrue\ntrue\n")

case("array_nested_print", "Nested arrays print recursively; strings inside containers are quoted and\nescaped (\\\" \\\\ \\n \\t \\r, \\u{..} for other control characters); at top\nlevel a String prints as itself.", r'''
%one = const 1
%a = const "a"
%in1 = new ArrayBox(%one, %a)
%in2 = new ArrayBox()
%q = const "q\"x\n"
%t = const "t\tb\\s\r"
%c = const "\u{1}\u{7f}é"
%in3 = new ArrayBox(%q, %t, %c)
%two = const 2
%deep = new ArrayBox(%two)
%in4 = new ArrayBox(%deep)
%arr = new ArrayBox(%in1, %in2, %in3, %in4)
log %arr
log %q
''', "[[1, \"a\"], [], [\"q\\\"x\\n\", \"t\\tb\\\\s\\r\", \"\\u{1}\\u{7f}é\"], [[2]]]\nq\"x\n\n")

case("array_cycle", "An array containing itself prints the inner reference as [...].", r'''
%one = const 1
%a = new ArrayBox(%one)
call %a.push(%a)
log %a
%n = call %a.length()
log %n
''', "[1, [...]]\n2\n")

case("array_cycle_two", "A two-array cycle: each prints until it reaches the array being printed.", r'''
%a = new ArrayBox()
%b = new ArrayBox(%a)
call %a.push(%b)
log %a
log %b
''', "[[[...]]]\n[[[...]]]\n")

case("array_shared_not_cycle", "The same array twice in another is not a cycle: it prints in full both times.", r'''
%one = const 1
%x = new ArrayBox(%one)
%y = new ArrayBox(%x, %x)
log %y
%z = new ArrayBox(%y, %x)
log %z
''', "[[1], [1]]\n[[[1], [1]], [1]]\n")

case("array_typeof", "typeof / typeName / check of an ArrayBox.", r'''
%a = new ArrayBox()
%t = typeop typeof %a
log %t
%n = call %a.typeName()
log %n
%c = typeop check %a ArrayBox
log %c
%d = typeop check %a MapBox
log %d
''', "ArrayBox\nArrayBox\ntrue\nfalse\n")

case("array_insert_oob", "insert(i, v) with i > length traps IndexOutOfBounds.", r'''
%a = const 1
%b = const 2
%c = const 3
%arr = new ArrayBox(%a, %b, %c)
%i = const 5
call %arr.insert(%i, %a)
log %arr
''', "", trap("IndexOutOfBounds", "index 5 out of bounds for length 3"))

case("array_slice_negative", "slice with a negative start traps IndexOutOfBounds.", r'''
%a = const 1
%b = const 2
%c = const 3
%arr = new ArrayBox(%a, %b, %c)
%m = const -1
%r = call %arr.slice(%m, %b)
log %r
''', "", trap("IndexOutOfBounds", "range -1..2 out of bounds for length 3"))

case("array_join_floats_boxes", "join uses each element's top-level string form: Floats with {:?}, a user\nbox's default form, a map, a FunctionBox.", r'''
box Pt { x }

fn @f() {
bb0:
ret
}

fn @main() {
bb0:
%a = const 0.1
%b = const 1e100
%c = new Pt()
%m = new MapBox()
%k = const "k"
call %m.set(%k, %k)
%fn = const @f
%arr = new ArrayBox(%a, %b, %c, %m, %fn)
%sep = const " | "
%s = call %arr.join(%sep)
log %s
ret
}
''', "0.1 | 1e100 | Pt { x: void } | {\"k\": \"k\"} | <function @f>\n")
