// Strings, escapes, arithmetic and comparison operators.
static box Main {
  main() {
    local s = "Hello"
    print(s + ", " + "ny" + "!")
    print(s.length())
    print(s.substring(1, 4))
    print(s.toUpper())
    print("tab:\t|quote:\"|")
    print("caf\u{e9} " + 1.5 + " " + true + " " + typeof(null))
    print(7 / 2)
    print(-7 % 3)
    print(7.0 / 2)
    print(2 + 3 * 4 - (1 + 1))
    print(1 < 2 == true)
    print(!false)
    print("abc" < "abd")
    return 3
  }
}
