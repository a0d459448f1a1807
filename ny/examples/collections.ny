// ArrayBox and MapBox: literals, constructors and methods.
static box Main {
  main() {
    local a = [3, 1, 2]
    a.push(10)
    print(a)
    print(a.length())
    a.sort()
    print(a)
    print(a.get(3) * 2)
    local m = new MapBox()
    m.set("one", 1)
    m.set("two", 2)
    m.set("one", 11)
    print(m)
    print(m.keys())
    print(m.has("three"))
    local lit = %{"xs" => [1, "b", null], "n" => %{"k" => true}}
    print(lit)
    print(lit.get("xs").get(1))
    local words = "the quick brown fox".split(" ")
    print(words.length())
    print(words.join("-"))
    print(new ArrayBox(1, 2))
  }
}
