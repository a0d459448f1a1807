"""Integer and Float methods (brief §8, spec §4)."""
from gen import case, trap

case("int_abs", "Integer abs(); abs of i64::MIN wraps to i64::MIN.", r'''
%a = const -5
%r1 = call %a.abs()
log %r1
%b = const 7
%r2 = call %b.abs()
log %r2
%c = const 0
%r3 = call %c.abs()
log %r3
%m = const -9223372036854775808
%r4 = call %m.abs()
log %r4
''', "5\n7\n0\n-9223372036854775808\n")

case("int_min_max", "Integer min(x) / max(x).", r'''
%a = const 3
%b = const 8
%r1 = call %a.min(%b)
log %r1
%r2 = call %a.max(%b)
log %r2
%c = const -2
%d = const -9
%r3 = call %c.min(%d)
log %r3
%r4 = call %c.max(%d)
log %r4
%r5 = call %a.max(%a)
log %r5
''', "3\n8\n-9\n-2\n3\n")

case("int_min_float_arg", "Integer min(x) requires an Integer argument: a Float traps TypeError.", r'''
%a = const 3
%b = const 1.5
%r = call %a.min(%b)
log %r
''', "", trap("TypeError", "argument 1 of Integer.min must be Integer, got Float"))

case("int_tofloat", "Integer toFloat() converts (rounding to nearest); Floats print with {:?}\n(exponent form from 1e16 up).", r'''
%a = const 7
%r1 = call %a.toFloat()
log %r1
%b = const -3
%r2 = call %b.toFloat()
log %r2
%c = const 9007199254740993
%r3 = call %c.toFloat()
log %r3
%d = const 10000000000000000
%r4 = call %d.toFloat()
log %r4
%e = const 1000000000000000
%r5 = call %e.toFloat()
log %r5
%t = typeop typeof %r1
log %t
''', "7.0\n-3.0\n9007199254740992.0\n1e16\n1000000000000000.0\nFloat\n")

case("int_abs_arity", "Integer abs() with an argument traps TypeError.", r'''
%a = const -1
%b = const 1
%r = call %a.abs(%b)
log %r
''', "", trap("TypeError", "wrong number of arguments to Integer.abs: expected 0, got 1"))

case("int_unknown_method", "Integer has no method round: UnknownMethod.", r'''
%a = const 5
%r = call %a.round()
log %r
''', "", trap("UnknownMethod", "Integer has no method round"))

case("float_abs", "Float abs().", r'''
%a = const -2.5
%r1 = call %a.abs()
log %r1
%b = const -0.0
%r2 = call %b.abs()
log %r2
%c = const -inf
%r3 = call %c.abs()
log %r3
%d = const 3.0
%r4 = call %d.abs()
log %r4
''', "2.5\n0.0\ninf\n3.0\n")

case("float_floor_ceil", "Float floor() / ceil() return Floats (ceil(-0.5) is -0.0).", r'''
%a = const 2.7
%r1 = call %a.floor()
log %r1
%b = const -2.5
%r2 = call %b.floor()
log %r2
%c = const 2.1
%r3 = call %c.ceil()
log %r3
%r4 = call %b.ceil()
log %r4
%d = const 5.0
%r5 = call %d.floor()
log %r5
%e = const -0.5
%r6 = call %e.ceil()
log %r6
%t = typeop typeof %r1
log %t
''', "2.0\n-3.0\n3.0\n-2.0\n5.0\n-0.0\nFloat\n")

case("float_round", "Float round() rounds half away from zero and returns a Float.", r'''
%a = const 2.5
%r1 = call %a.round()
log %r1
%b = const -2.5
%r2 = call %b.round()
log %r2
%c = const 0.5
%r3 = call %c.round()
log %r3
%d = const 1.49
%r4 = call %d.round()
log %r4
%e = const -0.4
%r5 = call %e.round()
log %r5
%f = const -1.5
%r6 = call %f.round()
log %r6
%g = const 3.5
%r7 = call %g.round()
log %r7
''', "3.0\n-3.0\n1.0\n1.0\n-0.0\n-2.0\n4.0\n")

case("float_sqrt", "Float sqrt(); sqrt of a negative number is NaN.", r'''
%a = const 16.0
%r1 = call %a.sqrt()
log %r1
%b = const 2.0
%r2 = call %b.sqrt()
log %r2
%c = const 0.0
%r3 = call %c.sqrt()
log %r3
%d = const -1.0
%r4 = call %d.sqrt()
log %r4
''', "4.0\n1.4142135623730951\n0.0\nNaN\n")

case("float_tointeger", "Float toInteger() truncates toward zero.", r'''
%a = const 3.9
%r1 = call %a.toInteger()
log %r1
%b = const -3.9
%r2 = call %b.toInteger()
log %r2
%c = const 1e15
%r3 = call %c.toInteger()
log %r3
%d = const -0.5
%r4 = call %d.toInteger()
log %r4
%t = typeop typeof %r4
log %t
''', "3\n-3\n1000000000000000\n0\nInteger\n")

case("float_tointeger_nan", "Float toInteger() of NaN traps CastError.", r'''
%a = const NaN
%r = call %a.toInteger()
log %r
''', "", trap("CastError", "cannot cast Float NaN to Integer"))

case("float_tointeger_range", "Float toInteger() out of i64 range traps CastError; the Float prints with {:?}.", r'''
%a = const 1e19
%r = call %a.toInteger()
log %r
''', "", trap("CastError", "cannot cast Float 1e19 to Integer"))

case("float_tointeger_neginf", "Float toInteger() of -inf traps CastError.", r'''
%a = const -inf
%r = call %a.toInteger()
log %r
''', "", trap("CastError", "cannot cast Float -inf to Integer"))

case("float_unknown_method", "Float has no method min: UnknownMethod.", r'''
%a = const 1.5
%b = const 2.5
%r = call %a.min(%b)
log %r
''', "", trap("UnknownMethod", "Float has no method min"))
