// Boxes: fields (init), a constructor (birth), methods, `me`, toString.
box Point {
  init { x, y }

  birth(x, y) {
    me.x = x
    me.y = y
  }

  add(other) { return new Point(me.x + other.x, me.y + other.y) }

  toString() { return "(" + me.x + ", " + me.y + ")" }
}

box Counter {
  init { n }
  birth() { me.n = 0 }

  inc() {
    me.n = me.n + 1
    return me
  }
}

box Bare {
  init { a, b }
}

static box Main {
  main() {
    local p = new Point(1, 2)
    local q = p.add(new Point(10, 20))
    print(q)
    print([p, q])
    local c = new Counter()
    c.inc().inc().inc()
    print(c.n)
    local b = new Bare()
    b.a = "s"
    print(b)
    print(typeof(b))
    p.x = 5
    print(p.toString() + "!")
  }
}
