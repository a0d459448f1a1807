"""String methods (brief §8, spec §4): one behaviour per program."""
from gen import case, trap

case("string_length", "String length() counts Unicode scalar values, not bytes.", r'''
%s = const "héllo"
%n = call %s.length()
log %n
%e = const ""
%m = call %e.length()
log %m
%u = const "日本語🙂"
%k = call %u.length()
log %k
''', "5\n0\n4\n")

case("string_substring", "substring(start, end) counts scalar values; start == end gives \"\".", r'''
%s = const "héllo wörld"
%a = const 1
%b = const 4
%r1 = call %s.substring(%a, %b)
log %r1
%z = const 0
%c = const 11
%r2 = call %s.substring(%z, %c)
log %r2
%r3 = call %s.substring(%c, %c)
log %r3
%six = const 6
%eight = const 8
%r4 = call %s.substring(%six, %eight)
log %r4
''', "éll\nhéllo wörld\n\nwö\n")

case("string_substring_end_oob", "substring with end > length traps IndexOutOfBounds (range form);\nstdout printed before the trap is flushed.", r'''
%before = const "before"
log %before
%s = const "héllo"
%a = const 2
%b = const 9
%r = call %s.substring(%a, %b)
log %r
''', "before\n", trap("IndexOutOfBounds", "range 2..9 out of bounds for length 5"))

case("string_substring_reversed", "substring with start > end traps IndexOutOfBounds.", r'''
%s = const "héllo"
%a = const 3
%b = const 1
%r = call %s.substring(%a, %b)
log %r
''', "", trap("IndexOutOfBounds", "range 3..1 out of bounds for length 5"))

case("string_substring_negative", "substring with a negative start traps IndexOutOfBounds.", r'''
%s = const "héllo"
%a = const -1
%b = const 2
%r = call %s.substring(%a, %b)
log %r
''', "", trap("IndexOutOfBounds", "range -1..2 out of bounds for length 5"))

case("string_concat", "concat(x) is binop add: the argument's string form is appended.", r'''
%a = const "a"
%b = const "b"
%r1 = call %a.concat(%b)
log %r1
%p = const "n="
%i = const 42
%r2 = call %p.concat(%i)
log %r2
%f = const 1.5
%r3 = call %p.concat(%f)
log %r3
%t = const true
%r4 = call %p.concat(%t)
log %r4
%z = const "z"
%arr = new ArrayBox(%i, %z)
%r5 = call %p.concat(%arr)
log %r5
%e = const ""
%r6 = call %e.concat(%e)
%n6 = call %r6.length()
log %n6
''', "ab\nn=42\nn=1.5\nn=true\nn=[42, \"z\"]\n0\n")

case("string_concat_void", "concat(void) is binop add of String and Void: TypeError.", r'''
%a = const "a"
%v = const void
%r = call %a.concat(%v)
log %r
''', "", trap("TypeError", "cannot apply add to String and Void"))

case("string_indexof", "indexOf / lastIndexOf return scalar-value indexes, -1 when absent.", r'''
%s = const "héllo wörld"
%n1 = const "wö"
%r1 = call %s.indexOf(%n1)
log %r1
%n2 = const "l"
%r2 = call %s.indexOf(%n2)
log %r2
%n3 = const "xyz"
%r3 = call %s.indexOf(%n3)
log %r3
%r4 = call %s.lastIndexOf(%n2)
log %r4
%n5 = const "q"
%r5 = call %s.lastIndexOf(%n5)
log %r5
%n6 = const "ö"
%r6 = call %s.lastIndexOf(%n6)
log %r6
%n7 = const "héllo"
%r7 = call %s.indexOf(%n7)
log %r7
''', "6\n2\n-1\n9\n-1\n7\n0\n")

case("string_contains_starts_ends", "contains / startsWith / endsWith, including the empty needle (always true).", r'''
%s = const "héllo wörld"
%a = const "wör"
%r1 = call %s.contains(%a)
log %r1
%b = const "z"
%r2 = call %s.contains(%b)
log %r2
%e = const ""
%r3 = call %s.contains(%e)
log %r3
%c = const "hé"
%r4 = call %s.startsWith(%c)
log %r4
%d = const "é"
%r5 = call %s.startsWith(%d)
log %r5
%f = const "rld"
%r6 = call %s.endsWith(%f)
log %r6
%g = const "wö"
%r7 = call %s.endsWith(%g)
log %r7
%r8 = call %s.endsWith(%e)
log %r8
%r9 = call %s.startsWith(%s)
log %r9
''', "true\nfalse\ntrue\ntrue\nfalse\ntrue\nfalse\ntrue\ntrue\n")

case("string_replace", "replace(from, to) replaces every non-overlapping occurrence, left to right;\nan absent or empty `from` leaves the receiver unchanged.", r'''
%s = const "abcabc"
%f1 = const "bc"
%t1 = const "X"
%r1 = call %s.replace(%f1, %t1)
log %r1
%a = const "aaa"
%f2 = const "a"
%t2 = const "bb"
%r2 = call %a.replace(%f2, %t2)
log %r2
%h = const "héé"
%f3 = const "é"
%t3 = const "e"
%r3 = call %h.replace(%f3, %t3)
log %r3
%f4 = const "zz"
%r4 = call %s.replace(%f4, %t1)
log %r4
%e = const ""
%r5 = call %s.replace(%e, %t1)
log %r5
%q = const "aaaa"
%f6 = const "aa"
%r6 = call %q.replace(%f6, %f2)
log %r6
%r7 = call %s.replace(%f1, %e)
log %r7
''', "aXaX\nbbbbbb\nhee\nabcabc\nabcabc\naa\naa\n")

case("string_trim", "trim() removes Unicode whitespace (incl. U+00A0, U+3000) at both ends only.", r'''
%l = const "["
%r = const "]"
%s1 = const "\t  a b \n"
%t1 = call %s1.trim()
%u1 = binop add %l, %t1
%v1 = binop add %u1, %r
log %v1
%s2 = const "\u{3000}x\u{a0}"
%t2 = call %s2.trim()
%u2 = binop add %l, %t2
%v2 = binop add %u2, %r
log %v2
%s3 = const "   "
%t3 = call %s3.trim()
%u3 = binop add %l, %t3
%v3 = binop add %u3, %r
log %v3
%s4 = const "x"
%t4 = call %s4.trim()
%u4 = binop add %l, %t4
%v4 = binop add %u4, %r
log %v4
''', "[a b]\n[x]\n[]\n[x]\n")

case("string_case", "toUpper / toLower map non-ASCII letters too (Rust to_uppercase / to_lowercase).", r'''
%s = const "héllo World 1"
%u = call %s.toUpper()
log %u
%t = const "ÀB c"
%l = call %t.toLower()
log %l
''', "HÉLLO WORLD 1\nàb c\n")

case("string_split", "split(sep) returns an ArrayBox of Strings; empty fields are kept;\nthe empty separator splits into characters.", r'''
%s = const "a,b,,c"
%c = const ","
%r1 = call %s.split(%c)
log %r1
%h = const "héy"
%e = const ""
%r2 = call %h.split(%e)
log %r2
%x = const "x"
%a = const "abc"
%r3 = call %a.split(%x)
log %r3
%d = const "a::b"
%cc = const "::"
%r4 = call %d.split(%cc)
log %r4
%m = const ",a,"
%r5 = call %m.split(%c)
log %r5
%n = call %r5.length()
log %n
%t = typeop typeof %r1
log %t
''', "[\"a\", \"b\", \"\", \"c\"]\n[\"h\", \"é\", \"y\"]\n[\"abc\"]\n[\"a\", \"b\"]\n[\"\", \"a\", \"\"]\n3\nArrayBox\n")

case("string_charat", "charAt(i) returns a one-character String, indexed by scalar values.", r'''
%s = const "héllo"
%i0 = const 0
%i1 = const 1
%i4 = const 4
%r0 = call %s.charAt(%i0)
log %r0
%r1 = call %s.charAt(%i1)
log %r1
%r4 = call %s.charAt(%i4)
log %r4
%e = const "🙂x"
%r5 = call %e.charAt(%i1)
log %r5
%n = call %r1.length()
log %n
''', "h\né\no\nx\n1\n")

case("string_charat_oob", "charAt(length) traps IndexOutOfBounds.", r'''
%s = const "héllo"
%i = const 5
%r = call %s.charAt(%i)
log %r
''', "", trap("IndexOutOfBounds", "index 5 out of bounds for length 5"))

case("string_charat_negative", "charAt(-1) traps IndexOutOfBounds.", r'''
%s = const "héllo"
%i = const -1
%r = call %s.charAt(%i)
log %r
''', "", trap("IndexOutOfBounds", "index -1 out of bounds for length 5"))

case("string_tointeger", "toInteger() is str::parse::<i64>: optional sign and digits only;\nanything else (spaces, fractions, overflow, empty) returns void.", r'''
%s1 = const "42"
%r1 = call %s1.toInteger()
log %r1
%s2 = const "-7"
%r2 = call %s2.toInteger()
log %r2
%s3 = const "+5"
%r3 = call %s3.toInteger()
log %r3
%s4 = const "007"
%r4 = call %s4.toInteger()
log %r4
%s5 = const " 42"
%r5 = call %s5.toInteger()
log %r5
%s6 = const "4x"
%r6 = call %s6.toInteger()
log %r6
%s7 = const ""
%r7 = call %s7.toInteger()
log %r7
%s8 = const "1.5"
%r8 = call %s8.toInteger()
log %r8
%s9 = const "9223372036854775807"
%r9 = call %s9.toInteger()
log %r9
%s10 = const "9223372036854775808"
%r10 = call %s10.toInteger()
log %r10
%t1 = typeop typeof %r1
log %t1
%t5 = typeop typeof %r5
log %t5
''', "42\n-7\n5\n7\nvoid\nvoid\nvoid\nvoid\n9223372036854775807\nvoid\nInteger\nVoid\n")

case("string_tofloat", "toFloat() is str::parse::<f64>; failure returns void. Results print with {:?}.", r'''
%s1 = const "3.5"
%r1 = call %s1.toFloat()
log %r1
%s2 = const "-0.25"
%r2 = call %s2.toFloat()
log %r2
%s3 = const "1e3"
%r3 = call %s3.toFloat()
log %r3
%s4 = const "42"
%r4 = call %s4.toFloat()
log %r4
%s5 = const "abc"
%r5 = call %s5.toFloat()
log %r5
%s6 = const ""
%r6 = call %s6.toFloat()
log %r6
%s7 = const " 1.0"
%r7 = call %s7.toFloat()
log %r7
%s8 = const "1e-7"
%r8 = call %s8.toFloat()
log %r8
%s9 = const "12345678901234567890.0"
%r9 = call %s9.toFloat()
log %r9
%s10 = const "inf"
%r10 = call %s10.toFloat()
log %r10
%t4 = typeop typeof %r4
log %t4
%t5 = typeop typeof %r5
log %t5
''', "3.5\n-0.25\n1000.0\n42.0\nvoid\nvoid\nvoid\n1e-7\n1.2345678901234567e19\ninf\nFloat\nVoid\n")

case("string_arity_length", "A builtin String method called with the wrong number of arguments traps TypeError.", r'''
%s = const "abc"
%x = const 1
%r = call %s.length(%x)
log %r
''', "", trap("TypeError", "wrong number of arguments to String.length: expected 0, got 1"))

case("string_arity_substring", "substring with one argument traps TypeError.", r'''
%s = const "abc"
%x = const 1
%r = call %s.substring(%x)
log %r
''', "", trap("TypeError", "wrong number of arguments to String.substring: expected 2, got 1"))

case("string_argtype_substring1", "substring with a String start traps TypeError (argument 1).", r'''
%s = const "abc"
%a = const "a"
%b = const 1
%r = call %s.substring(%a, %b)
log %r
''', "", trap("TypeError", "argument 1 of String.substring must be Integer, got String"))

case("string_argtype_substring2", "substring with a Float end traps TypeError (argument 2).", r'''
%s = const "abc"
%a = const 0
%b = const 1.5
%r = call %s.substring(%a, %b)
log %r
''', "", trap("TypeError", "argument 2 of String.substring must be Integer, got Float"))

case("string_argtype_indexof", "indexOf with an Integer needle traps TypeError.", r'''
%s = const "a1"
%a = const 1
%r = call %s.indexOf(%a)
log %r
''', "", trap("TypeError", "argument 1 of String.indexOf must be String, got Integer"))

case("string_argtype_split", "split(void) traps TypeError.", r'''
%s = const "a b"
%v = const void
%r = call %s.split(%v)
log %r
''', "", trap("TypeError", "argument 1 of String.split must be String, got Void"))

case("string_unknown_method", "An unknown String method traps UnknownMethod.", r'''
%s = const "abc"
%r = call %s.foo()
log %r
''', "", trap("UnknownMethod", "String has no method foo"))
