"""Externs (brief §9, spec §4): console, stdin, fs, args, process.exit."""
from gen import case, trap

case("extern_console_print", "env.console.print writes the string form without a newline; log adds one.", r'''
%a = const "a"
extern env.console.print(%a)
%one = const 1
extern env.console.print(%one)
%x = const "x"
%arr = new ArrayBox(%one, %x)
extern env.console.print(%arr)
%bang = const "!"
log %bang
%e = const ""
extern env.console.print(%e)
log %e
''', "a1[1, \"x\"]!\n\n")

case("extern_console_error", "env.console.error writes the string form and a newline to stderr; stdout is\nunaffected and the exit status stays 0.", r'''
%o = const "out"
log %o
%e = const "err line"
extern env.console.error(%e)
%one = const 1
%x = const "x"
%arr = new ArrayBox(%one, %x)
extern env.console.error(%arr)
%o2 = const "out2"
log %o2
''', "out\nout2\n", "err line\n[1, \"x\"]\n")

case("extern_console_error_then_trap", "console.error lines come before the trap line on stderr.", r'''
%e = const "warning"
extern env.console.error(%e)
%a = new ArrayBox()
%r = call %a.pop()
log %r
''', "", "warning\n" + trap("IndexOutOfBounds", "pop from empty ArrayBox"))

case("extern_console_results", "console.log / print / error return void.", r'''
%x = const "x"
%r1 = extern env.console.log(%x)
log %r1
%r2 = extern env.console.print(%x)
log %r2
%r3 = extern env.console.error(%x)
log %r3
''', "x\nvoid\nxvoid\nvoid\n", "x\n")

case("extern_read_line", "env.stdin.read_line strips \\n and a \\r before it, keeps empty lines, reads a\nlast line without newline, then returns void at end of input (repeatedly).", r'''
%l1 = extern env.stdin.read_line()
log %l1
%l2 = extern env.stdin.read_line()
log %l2
%l3 = extern env.stdin.read_line()
%n3 = call %l3.length()
log %n3
%l4 = extern env.stdin.read_line()
log %l4
%l5 = extern env.stdin.read_line()
%t5 = typeop typeof %l5
log %t5
%l6 = extern env.stdin.read_line()
%t6 = typeop typeof %l6
log %t6
%n1 = call %l1.length()
log %n1
''', "first\nsecond\n0\nthird\nVoid\nVoid\n5\n", stdin="first\r\nsecond\n\nthird")

case("extern_read_line_unicode", "read_line returns UTF-8 text; String methods count its scalar values.", r'''
%l = extern env.stdin.read_line()
%n = call %l.length()
log %n
%u = call %l.toUpper()
log %u
''', "5\nHÉLLO\n", stdin="héllo\n")

case("extern_read_all", "env.stdin.read_all returns the rest of the input (after read_line), then \"\";\nread_line at the end returns void.", r'''
%l1 = extern env.stdin.read_line()
log %l1
%rest = extern env.stdin.read_all()
log %rest
%again = extern env.stdin.read_all()
%n = call %again.length()
log %n
%l2 = extern env.stdin.read_line()
log %l2
''', "line1\nrest of\ninput\n\n0\nvoid\n", stdin="line1\nrest of\ninput\n")

case("extern_read_empty", "With no stdin, read_all is \"\" and read_line is void.", r'''
%a = extern env.stdin.read_all()
%n = call %a.length()
log %n
%t = typeop typeof %a
log %t
%l = extern env.stdin.read_line()
log %l
''', "0\nString\nvoid\n")

case("extern_sum_lines", "Reads Integers line by line until end of input and prints their sum\n(toInteger of each line, a loop on read_line's void).", r'''
fn @main() {
entry:
%zero = const 0
jump head
head:
%acc = phi [entry: %zero], [body: %acc2]
%line = extern env.stdin.read_line()
%done = typeop check %line Void
branch %done, exit, body
body:
%n = call %line.toInteger()
%acc2 = binop add %acc, %n
jump head
exit:
log %acc
ret
}
''', "60\n", stdin="10\n20\r\n30\n")

case("extern_fs_read_missing", "env.fs.read of a missing file traps IoError with Rust's io::Error text.\n(The absolute path does not exist on any test machine.)", r'''
%b = const "before"
log %b
%p = const "/nonexistent-mir14-dir/missing.txt"
%r = extern env.fs.read(%p)
log %r
''', "before\n", trap("IoError", "cannot read /nonexistent-mir14-dir/missing.txt: No such file or directory (os error 2)"))

case("extern_fs_read_devnull", "env.fs.read of /dev/null (exists on every Linux test machine, independent of\nthe working directory) returns the empty String.", r'''
%p = const "/dev/null"
%r = extern env.fs.read(%p)
%n = call %r.length()
log %n
%t = typeop typeof %r
log %t
''', "0\nString\n")

case("extern_fs_read_argtype", "env.fs.read of an Integer path traps TypeError.", r'''
%p = const 1
%r = extern env.fs.read(%p)
log %r
''', "", trap("TypeError", "argument 1 of env.fs.read must be String, got Integer"))

case("extern_args", "env.args() is an ArrayBox of the program arguments (Strings, spaces kept).", r'''
%a = extern env.args()
log %a
%n = call %a.length()
log %n
%two = const 2
%x = call %a.get(%two)
%t = typeop typeof %x
log %t
%i = call %x.toInteger()
%one = const 1
%s = binop add %i, %one
log %s
''', "[\"one\", \"two words\", \"3\"]\n3\nString\n4\n", args=["one", "two words", "3"])

case("extern_args_none", "Without arguments env.args() is an empty ArrayBox, a new one each call.", r'''
%a = extern env.args()
log %a
%b = extern env.args()
%one = const 1
call %a.push(%one)
log %b
''', "[]\n[]\n")

case("extern_exit_zero", "env.process.exit(0) ends the program at once with status 0; earlier output\nis flushed and nothing goes to stderr.", r'''
%b = const "bye"
log %b
%z = const 0
extern env.process.exit(%z)
%n = const "never"
log %n
''', "bye\n")

case("extern_exit_three", "env.process.exit(3): status 3, stdout flushed (also a print without newline).", r'''
%b = const "line"
log %b
%p = const "partial"
extern env.console.print(%p)
%c = const 3
extern env.process.exit(%c)
%n = const "never"
log %n
''', "line\npartial", exit=3)

case("extern_exit_300", "env.process.exit(300) exits with 300 & 255 = 44.", r'''
%c = const 300
extern env.process.exit(%c)
ret
''', "", exit=44)

case("extern_exit_negative", "env.process.exit(-1) exits with -1 & 255 = 255.", r'''
%c = const -1
extern env.process.exit(%c)
ret
''', "", exit=255)

case("extern_exit_nested", "env.process.exit inside a nested call ends the whole program (no return to\nthe caller, no stderr line).", r'''
fn @quit(%code) {
bb0:
%m = const "quitting"
log %m
extern env.process.exit(%code)
%n = const "never in quit"
log %n
ret
}

fn @main() {
bb0:
%seven = const 7
call @quit(%seven)
%n = const "never in main"
log %n
%z = const 0
ret %z
}
''', "quitting\n", exit=7)

case("extern_exit_after_error", "console.error output stays on stderr when the program then exits normally.", r'''
%e = const "to stderr"
extern env.console.error(%e)
%c = const 2
extern env.process.exit(%c)
ret
''', "", "to stderr\n", exit=2)

case("extern_exit_type", "env.process.exit with a String code traps TypeError (status 101).", r'''
%c = const "x"
extern env.process.exit(%c)
ret
''', "", trap("TypeError", "argument 1 of env.process.exit must be Integer, got String"))

case("extern_time_now_ms", "env.time.now_ms() returns an Integer that does not decrease (only\ndeterministic facts are printed).", r'''
%t1 = extern env.time.now_ms()
%t2 = extern env.time.now_ms()
%ty = typeop typeof %t1
log %ty
%le = compare le %t1, %t2
log %le
%z = const 0
%pos = compare gt %t1, %z
log %pos
''', "Integer\ntrue\ntrue\n")
