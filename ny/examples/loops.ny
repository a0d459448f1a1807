// Loops with break, continue and return; short-circuit && and ||; function values.
function noisy(label, value) {
  print(label)
  return value
}

function find(arr, x) {
  local i = 0
  loop(i < arr.length()) {
    if arr.get(i) == x { return i }
    i = i + 1
  }
  return -1
}

function fib(n) {
  if n < 2 { return n }
  return fib(n - 1) + fib(n - 2)
}

function main() {
  local i = 0
  local odds = []
  loop(i < 10) {
    i = i + 1
    if i % 2 == 0 { continue }
    if i > 7 { break }
    odds.push(i)
  }
  print(odds.join(","))
  print(i)

  // Nested loops; the inner one ends with break.
  local total = 0
  local r = 1
  loop(r <= 3) {
    local c = 1
    loop(true) {
      if c > r { break }
      total = total + r * c
      c = c + 1
    }
    r = r + 1
  }
  print(total)

  if noisy("a", false) && noisy("b", true) { print("yes") } else { print("no") }
  if noisy("c", true) || noisy("d", true) { print("yes") }
  print(noisy("e", true) && noisy("f", false))

  // A condition with && is tested at the top of every iteration.
  local n = 0
  loop(n < 100 && n * n < 50) { n = n + 1 }
  print(n)

  local k = 0
  local s = 0
  loop(k < 10 && s < 1000) {
    k = k + 1
    if k == 3 || k == 5 { continue }
    s = s + k
  }
  print(s)

  print(find([5, 7, 9], 9))
  print(find([5, 7, 9], 4))
  print(fib(20))
  local f = fib
  print(f(10))
}
