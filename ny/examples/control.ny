// Control flow corner cases: return/continue in both arms of an if inside a loop, dead code
// after them, continue and break in a nested loop whose condition short-circuits.
static box Main {
  f(n) {
    local i = 0
    loop(i < n) {
      i = i + 1
      if i == 3 { return "three" } else { continue }
      print("never")
    }
    return "none"
  }
  g() {
    local out = []
    local a = 0
    loop(a < 3) {
      a = a + 1
      local b = 0
      loop(b < 3 && a != 2) {
        b = b + 1
        if b == 2 { continue }
        if a == 3 && b == 3 { break }
        out.push(a * 10 + b)
      }
      if a == 2 { continue } else { out.push(0) }
    }
    return out
  }
  h() {
    loop(true) {
      if true { break } else { return 1 }
    }
    local x
    return x
  }
  main() {
    print(f(5))
    print(f(2))
    print(g())
    print(h())
  }
}
