// json.ny: reads a JSON document from standard input and prints it the way Python's
// `print(json.dumps(json.loads(text), indent=2, ensure_ascii=False))` does.
//
// Objects become MapBoxes (insertion-ordered, a repeated key keeps its first position and
// takes the last value, as in Python), arrays ArrayBoxes, strings Strings, numbers Integers
// (no fraction or exponent, fits in i64), BigInts (the same, wider than 64 bits: kept as their
// digits, which Python prints unchanged) or Floats, true/false Bools, null void. `\uXXXX`
// escapes may name any code point; a surrogate pair names one above U+FFFF. A lone surrogate
// is rejected (Python would accept it but cannot print it as UTF-8). Floats print as Python's
// repr: the shortest digits that read back as the same float, ties between two such
// candidates broken towards the even last digit. Malformed input prints
// `invalid JSON at character N: ...` to stderr, status 1.

// An integer too wide for 64 bits: its decimal digits (with an optional leading `-`).
box BigInt {
  init { digits }

  birth(digits) {
    me.digits = digits
  }
}

box Parser {
  init { src, pos, len }

  birth(src) {
    me.src = src
    me.pos = 0
    me.len = src.length()
  }

  fail(msg) {
    env.console.error("invalid JSON at character " + me.pos + ": " + msg)
    env.process.exit(1)
  }

  // The character at the current position, or "" at the end.
  peek() {
    if me.pos < me.len { return me.src.charAt(me.pos) }
    return ""
  }

  skip_ws() {
    local s = me.src
    local p = me.pos
    local n = me.len
    loop(p < n) {
      local c = s.charAt(p)
      if c != " " && c != "\n" && c != "\r" && c != "\t" { break }
      p = p + 1
    }
    me.pos = p
  }

  parse_value() {
    me.skip_ws()
    local c = me.peek()
    if c == "{" { return me.parse_object() }
    if c == "[" { return me.parse_array() }
    if c == "\"" { return me.parse_string() }
    if c == "t" {
      me.expect_word("true")
      return true
    }
    if c == "f" {
      me.expect_word("false")
      return false
    }
    if c == "n" {
      me.expect_word("null")
      return null
    }
    if c == "-" || (c >= "0" && c <= "9") { return me.parse_number() }
    if c == "" { me.fail("unexpected end of input") }
    me.fail("unexpected character " + c)
  }

  expect_word(w) {
    local end = me.pos + w.length()
    if end > me.len || me.src.substring(me.pos, end) != w { me.fail("expected " + w) }
    me.pos = end
  }

  parse_object() {
    me.pos = me.pos + 1
    local m = new MapBox()
    me.skip_ws()
    if me.peek() == "}" {
      me.pos = me.pos + 1
      return m
    }
    loop(true) {
      me.skip_ws()
      if me.peek() != "\"" { me.fail("expected a string key") }
      local k = me.parse_string()
      me.skip_ws()
      if me.peek() != ":" { me.fail("expected :") }
      me.pos = me.pos + 1
      m.set(k, me.parse_value())
      me.skip_ws()
      local c = me.peek()
      me.pos = me.pos + 1
      if c == "}" { return m }
      if c != "," { me.fail("expected , or }") }
    }
  }

  parse_array() {
    me.pos = me.pos + 1
    local a = new ArrayBox()
    me.skip_ws()
    if me.peek() == "]" {
      me.pos = me.pos + 1
      return a
    }
    loop(true) {
      a.push(me.parse_value())
      me.skip_ws()
      local c = me.peek()
      me.pos = me.pos + 1
      if c == "]" { return a }
      if c != "," { me.fail("expected , or ]") }
    }
  }

  // Four hex digits at position p, as an Integer.
  hex4(p) {
    if p + 4 > me.len { me.fail("truncated \\u escape") }
    local v = 0
    local i = 0
    loop(i < 4) {
      local d = "0123456789abcdef".indexOf(me.src.charAt(p + i).toLower())
      if d < 0 { me.fail("bad hex digit in \\u escape") }
      v = v * 16 + d
      i = i + 1
    }
    return v
  }

  // At an opening quote: the decoded string; the position moves past the closing quote.
  parse_string() {
    local s = me.src
    local n = me.len
    local p = me.pos + 1
    local start = p
    local out = ""
    loop(p < n) {
      local c = s.charAt(p)
      if c == "\"" {
        me.pos = p + 1
        if out == "" { return s.substring(start, p) }
        return out + s.substring(start, p)
      }
      if c == "\\" {
        out = out + s.substring(start, p)
        if p + 1 >= n {
          me.pos = p
          me.fail("unterminated string")
        }
        local e = s.charAt(p + 1)
        p = p + 2
        if e == "n" { out = out + "\n" }
        else if e == "t" { out = out + "\t" }
        else if e == "r" { out = out + "\r" }
        else if e == "b" { out = out + "\b" }
        else if e == "f" { out = out + "\f" }
        else if e == "/" { out = out + "/" }
        else if e == "\\" { out = out + "\\" }
        else if e == "\"" { out = out + "\"" }
        else if e == "u" {
          me.pos = p
          local code = me.hex4(p)
          p = p + 4
          if code >= 56320 && code < 57344 { me.fail("lone low surrogate in \\u escape") }
          if code >= 55296 && code < 56320 {
            // A high surrogate: a \uDC00-\uDFFF escape must follow; the pair names one code point.
            if p + 2 > n || s.substring(p, p + 2) != "\\u" { me.fail("lone high surrogate in \\u escape") }
            me.pos = p + 2
            local low = me.hex4(p + 2)
            if low < 56320 || low >= 57344 { me.fail("lone high surrogate in \\u escape") }
            code = 65536 + (code - 55296) * 1024 + (low - 56320)
            p = p + 6
          }
          out = out + code.toChar()
        } else {
          me.pos = p - 2
          me.fail("invalid escape")
        }
        start = p
        continue
      }
      p = p + 1
    }
    me.pos = p
    me.fail("unterminated string")
  }

  parse_number() {
    local s = me.src
    local p = me.pos
    local start = p
    local is_float = false
    if s.charAt(p) == "-" { p = p + 1 }
    loop(p < me.len) {
      local c = s.charAt(p)
      if c >= "0" && c <= "9" {
        p = p + 1
      } else if c == "." || c == "e" || c == "E" || c == "+" || c == "-" {
        is_float = true
        p = p + 1
      } else {
        break
      }
    }
    local text = s.substring(start, p)
    local v = null
    if is_float { v = text.toFloat() } else {
      v = text.toInteger()
      if v == null && is_digits(text) { v = new BigInt(text) }
    }
    if v == null { me.fail("bad number " + text) }
    me.pos = p
    return v
  }
}

// Whether text is an optional `-` and one or more decimal digits.
function is_digits(text) {
  local n = text.length()
  local i = 0
  if n > 0 && text.charAt(0) == "-" { i = 1 }
  if i >= n { return false }
  loop(i < n) {
    local c = text.charAt(i)
    if c < "0" || c > "9" { return false }
    i = i + 1
  }
  return true
}

// Two lowercase hex digits of 0 <= code < 256.
function hex2(code) {
  local digits = "0123456789abcdef"
  return digits.charAt(code / 16) + digits.charAt(code % 16)
}

// The JSON escape of one character that needs one.
function escape(c) {
  if c == "\"" { return "\\\"" }
  if c == "\\" { return "\\\\" }
  if c == "\n" { return "\\n" }
  if c == "\r" { return "\\r" }
  if c == "\t" { return "\\t" }
  if c == "\b" { return "\\b" }
  if c == "\f" { return "\\f" }
  return "\\u00" + hex2(c.codePointAt(0))
}

// A string as a JSON string literal: quotes, backslashes and control characters escaped,
// everything else (non-ASCII included) as is.
function quote(s) {
  local n = s.length()
  local out = "\""
  local start = 0
  local i = 0
  loop(i < n) {
    local c = s.charAt(i)
    if c < " " || c == "\"" || c == "\\" {
      out = out + s.substring(start, i) + escape(c)
      start = i + 1
    }
    i = i + 1
  }
  return out + s.substring(start, n) + "\""
}

// Rust's shortest digits s of the float f, with Python's tie-break. Both print the shortest
// digit string that reads back as f, the one closest to f if several do; when two are equally
// close (f lies exactly halfway, which needs 16 or more digits), Rust rounds the last digit up
// and Python picks the even one. The digits one up and one down are the candidates; the tie is
// exact when the halfway decimal I * 10^p (I ends in 5, p < 0) is a binary float, i.e. when
// 5^-p divides I and the quotient has at most 53 bits, and it reads as f.
function even_tie(s, f) {
  local e = s.indexOf("e")
  local mant = s
  local exp = 0
  if e >= 0 {
    mant = s.substring(0, e)
    exp = s.substring(e + 1, s.length()).toInteger()
  }
  local dot = mant.indexOf(".")
  local digits = mant
  if dot >= 0 {
    digits = mant.substring(0, dot) + mant.substring(dot + 1, mant.length())
    exp = exp - (mant.length() - dot - 1)
  }
  if digits.startsWith("-") { digits = digits.substring(1, digits.length()) }
  // Trailing zeros are not significant; leading zeros are not digits.
  loop(digits.endsWith("0")) {
    digits = digits.substring(0, digits.length() - 1)
    exp = exp + 1
  }
  loop(digits.startsWith("0")) { digits = digits.substring(1, digits.length()) }
  local n = digits.length()
  if n < 16 || exp >= 0 { return s }
  local last = digits.substring(n - 1, n).toInteger()
  if last % 2 == 0 { return s }
  local d = digits.toInteger()
  local neg = f < 0.0
  local step = -1
  loop(step <= 1) {
    local c = d + step
    local cf = ("" + c + "e" + exp).toFloat()
    if neg { cf = -cf }
    if cf == f {
      local low = d
      if c < d { low = c }
      if exact_half(low * 10 + 5, exp - 1) {
        local at = mant.length() - 1
        return s.substring(0, at) + (last + step) + s.substring(at + 1, s.length())
      }
    }
    step = step + 2
  }
  return s
}

// Whether the decimal i * 10^p (p < 0, i odd) is exactly a float of 53 significant bits.
function exact_half(i, p) {
  local q = -p
  loop(q > 0) {
    if i % 5 != 0 { return false }
    i = i / 5
    q = q - 1
  }
  return i < 9007199254740992
}

// Python's repr of a float: MIR14 prints Rust's {:?} (same digits), whose exponent lacks
// Python's sign and two-digit padding: 1e16 -> 1e+16, 1e-7 -> 1e-07.
function format_float(f) {
  local s = even_tie("" + f, f)
  if s == "inf" { return "Infinity" }
  if s == "-inf" { return "-Infinity" }
  local e = s.indexOf("e")
  if e < 0 { return s }
  local mant = s.substring(0, e)
  local ex = s.substring(e + 1, s.length())
  local sign = "+"
  if ex.startsWith("-") {
    sign = "-"
    ex = ex.substring(1, ex.length())
  }
  if ex.length() < 2 { ex = "0" + ex }
  return mant + "e" + sign + ex
}

// Appends the pretty form of v, at indentation ind, to the ArrayBox of pieces out.
function dump(v, ind, out) {
  local t = typeof(v)
  if t == "String" {
    out.push(quote(v))
  } else if t == "Integer" {
    out.push("" + v)
  } else if t == "Float" {
    out.push(format_float(v))
  } else if t == "Bool" {
    if v { out.push("true") } else { out.push("false") }
  } else if t == "Void" {
    out.push("null")
  } else if t == "BigInt" {
    out.push(v.digits)
  } else if t == "ArrayBox" {
    local n = v.length()
    if n == 0 {
      out.push("[]")
      return
    }
    local inner = ind + "  "
    out.push("[\n")
    local i = 0
    loop(i < n) {
      if i > 0 { out.push(",\n") }
      out.push(inner)
      dump(v.get(i), inner, out)
      i = i + 1
    }
    out.push("\n" + ind + "]")
  } else {
    local keys = v.keys()
    local n = keys.length()
    if n == 0 {
      out.push("{}")
      return
    }
    local inner = ind + "  "
    out.push("{\n")
    local i = 0
    loop(i < n) {
      if i > 0 { out.push(",\n") }
      local k = keys.get(i)
      out.push(inner)
      out.push(quote(k))
      out.push(": ")
      dump(v.get(k), inner, out)
      i = i + 1
    }
    out.push("\n" + ind + "}")
  }
}

function main() {
  local p = new Parser(env.stdin.read_all())
  local v = p.parse_value()
  p.skip_ws()
  if p.pos != p.len { p.fail("extra data after the document") }
  local out = []
  dump(v, "", out)
  print(out.join(""))
}
