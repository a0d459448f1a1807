"""MapBox methods, key rules, order and printing (brief §3, §8; spec §3-4)."""
from gen import case, trap

case("map_basic", "MapBox set/get/has/size; set returns void; get of a missing key is void;\nprinting in insertion order with quoted String keys.", r'''
%m = new MapBox()
log %m
%ka = const "a"
%one = const 1
%r = call %m.set(%ka, %one)
log %r
%two = const 2
%t = const true
call %m.set(%two, %t)
log %m
%n = call %m.size()
log %n
%g1 = call %m.get(%ka)
log %g1
%g2 = call %m.get(%two)
log %g2
%kz = const "zz"
%g3 = call %m.get(%kz)
log %g3
%h1 = call %m.has(%ka)
log %h1
%k2s = const "2"
%h2 = call %m.has(%k2s)
log %h2
''', "{}\nvoid\n{\"a\": 1, 2: true}\n2\n1\ntrue\nvoid\ntrue\nfalse\n")

case("map_distinct_keys", "1, \"1\" and true are three different keys; false is absent.", r'''
%m = new MapBox()
%i = const 1
%s = const "1"
%b = const true
%vi = const "int"
%vs = const "str"
%vb = const "bool"
call %m.set(%i, %vi)
call %m.set(%s, %vs)
call %m.set(%b, %vb)
%n = call %m.size()
log %n
%g1 = call %m.get(%i)
log %g1
%g2 = call %m.get(%s)
log %g2
%g3 = call %m.get(%b)
log %g3
%f = const false
%g4 = call %m.get(%f)
log %g4
log %m
''', "3\nint\nstr\nbool\nvoid\n{1: \"int\", \"1\": \"str\", true: \"bool\"}\n")

case("map_order", "Re-setting a key keeps its place; delete returns whether the key was present;\na deleted and re-set key moves to the end; keys()/values() follow the order.", r'''
%m = new MapBox()
%a = const "a"
%b = const "b"
%c = const "c"
%one = const 1
%two = const 2
%three = const 3
call %m.set(%a, %one)
call %m.set(%b, %two)
call %m.set(%c, %three)
%ten = const 10
call %m.set(%a, %ten)
log %m
%d1 = call %m.delete(%b)
log %d1
%d2 = call %m.delete(%b)
log %d2
log %m
%twenty = const 20
call %m.set(%b, %twenty)
log %m
%ks = call %m.keys()
log %ks
%vs = call %m.values()
log %vs
%n = call %m.size()
log %n
''', "{\"a\": 10, \"b\": 2, \"c\": 3}\ntrue\nfalse\n{\"a\": 10, \"c\": 3}\n{\"a\": 10, \"c\": 3, \"b\": 20}\n[\"a\", \"c\", \"b\"]\n[10, 3, 20]\n3\n")

case("map_keys_values_new", "keys() and values() return new arrays: changing them leaves the map alone.", r'''
%m = new MapBox()
%k = const "k"
%v = const 1
call %m.set(%k, %v)
%ks = call %m.keys()
%x = const "x"
call %ks.push(%x)
%vs = call %m.values()
call %vs.clear()
log %ks
log %vs
log %m
%t = typeop typeof %ks
log %t
''', "[\"k\", \"x\"]\n[]\n{\"k\": 1}\nArrayBox\n")

case("map_clear", "clear() empties the map and returns void; the map can be refilled.", r'''
%m = new MapBox()
%k = const "k"
%v = const 1
call %m.set(%k, %v)
%r = call %m.clear()
log %r
log %m
%n = call %m.size()
log %n
%h = call %m.has(%k)
log %h
%w = const 2
call %m.set(%w, %k)
log %m
''', "void\n{}\n0\nfalse\n{2: \"k\"}\n")

case("map_bool_int_keys", "Bool and negative Integer keys print bare; values of every kind print in\ntheir container forms.", r'''
%m = new MapBox()
%f = const false
%neg = const -5
%fl = const 0.5
%v = const void
%s = const "s"
call %m.set(%f, %fl)
call %m.set(%neg, %v)
call %m.set(%s, %s)
log %m
%g = call %m.get(%f)
log %g
''', "{false: 0.5, -5: void, \"s\": \"s\"}\n0.5\n")

case("map_float_key", "A Float key traps TypeError.", r'''
%m = new MapBox()
%k = const 1.5
%v = const 1
call %m.set(%k, %v)
log %m
''', "", trap("TypeError", "MapBox key must be Integer, Bool or String, got Float"))

case("map_void_key_get", "get(void) traps TypeError (key type checked on every key-taking method).", r'''
%m = new MapBox()
%k = const void
%r = call %m.get(%k)
log %r
''', "", trap("TypeError", "MapBox key must be Integer, Bool or String, got Void"))

case("map_array_key_has", "has(array) traps TypeError.", r'''
%m = new MapBox()
%k = new ArrayBox()
%r = call %m.has(%k)
log %r
''', "", trap("TypeError", "MapBox key must be Integer, Bool or String, got ArrayBox"))

case("map_nested_print", "Maps and arrays nest; a String key or value with quotes/newlines is escaped.", r'''
%m = new MapBox()
%one = const 1
%x = const "x"
%list = new ArrayBox(%one, %x)
%kl = const "list"
call %m.set(%kl, %list)
%sub = new MapBox()
%kk = const "k"
%v = const void
call %sub.set(%kk, %v)
%ks = const "sub"
call %m.set(%ks, %sub)
%q = const "a\"b"
%nl = const "line\nbreak"
call %m.set(%q, %nl)
log %m
%arr = new ArrayBox(%sub, %m)
log %arr
''', "{\"list\": [1, \"x\"], \"sub\": {\"k\": void}, \"a\\\"b\": \"line\\nbreak\"}\n[{\"k\": void}, {\"list\": [1, \"x\"], \"sub\": {\"k\": void}, \"a\\\"b\": \"line\\nbreak\"}]\n")

case("map_cycle", "A map containing itself prints the inner reference as {...}; an array cycle\nthrough a map prints [...] at the array.", r'''
%m = new MapBox()
%k = const "self"
call %m.set(%k, %m)
log %m
%a = new ArrayBox()
%m2 = new MapBox()
%one = const 1
call %m2.set(%one, %a)
call %a.push(%m2)
log %a
log %m2
''', "{\"self\": {...}}\n[{1: [...]}]\n{1: [{...}]}\n")

case("map_identity", "Maps have identity: equal contents are not equal; a map equals itself.", r'''
%a = new MapBox()
%b = new MapBox()
%e1 = compare eq %a, %b
log %e1
%e2 = compare eq %a, %a
log %e2
%e3 = call %a.equals(%b)
log %e3
%t = typeop typeof %a
log %t
''', "false\ntrue\nfalse\nMapBox\n")

case("map_get_arity", "get() without a key traps TypeError.", r'''
%m = new MapBox()
%r = call %m.get()
log %r
''', "", trap("TypeError", "wrong number of arguments to MapBox.get: expected 1, got 0"))

case("map_unknown_method", "MapBox has no method push: UnknownMethod.", r'''
%m = new MapBox()
%one = const 1
call %m.push(%one)
log %m
''', "", trap("UnknownMethod", "MapBox has no method push"))

case("map_int_key_order", "Integer keys keep insertion order (no sorting); keys() mixes key types.", r'''
%m = new MapBox()
%three = const 3
%one = const 1
%two = const 2
%s = const "1"
%t = const true
%v = const "v"
call %m.set(%three, %v)
call %m.set(%one, %v)
call %m.set(%two, %v)
call %m.set(%s, %v)
call %m.set(%t, %v)
%ks = call %m.keys()
log %ks
''', "[3, 1, 2, \"1\", true]\n")
