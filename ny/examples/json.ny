// json.ny: reads a JSON document from standard input and prints it the way Python's
// `print(json.dumps(json.loads(text), indent=2, ensure_ascii=False))` does.
//
// Objects become MapBoxes (insertion-ordered, a repeated key keeps its first position and
// takes the last value, as in Python), arrays ArrayBoxes, strings Strings, numbers Integers
// (no fraction or exponent; must fit in i64) or Floats, true/false Bools, null void.
// Limitations: `\uXXXX` escapes must name code points below U+0100 (Python's
// `ensure_ascii=False` output only ever escapes control characters); integers must fit in
// 64 bits. Malformed input prints `invalid JSON at character N: ...` to stderr, status 1.

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
          if code > 255 { me.fail("\\u escapes above \\u00ff are not supported") }
          out = out + latin1().charAt(code)
          p = p + 4
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
    if is_float { v = text.toFloat() } else { v = text.toInteger() }
    if v == null { me.fail("bad number " + text) }
    me.pos = p
    return v
  }
}

// The characters U+0000 to U+00FF, indexed by code point.
function latin1() {
  return "\u{0}\u{1}\u{2}\u{3}\u{4}\u{5}\u{6}\u{7}\u{8}\u{9}\u{a}\u{b}\u{c}\u{d}\u{e}\u{f}\u{10}\u{11}\u{12}\u{13}\u{14}\u{15}\u{16}\u{17}\u{18}\u{19}\u{1a}\u{1b}\u{1c}\u{1d}\u{1e}\u{1f} !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~\u{7f}\u{80}\u{81}\u{82}\u{83}\u{84}\u{85}\u{86}\u{87}\u{88}\u{89}\u{8a}\u{8b}\u{8c}\u{8d}\u{8e}\u{8f}\u{90}\u{91}\u{92}\u{93}\u{94}\u{95}\u{96}\u{97}\u{98}\u{99}\u{9a}\u{9b}\u{9c}\u{9d}\u{9e}\u{9f}\u{a0}\u{a1}\u{a2}\u{a3}\u{a4}\u{a5}\u{a6}\u{a7}\u{a8}\u{a9}\u{aa}\u{ab}\u{ac}\u{ad}\u{ae}\u{af}\u{b0}\u{b1}\u{b2}\u{b3}\u{b4}\u{b5}\u{b6}\u{b7}\u{b8}\u{b9}\u{ba}\u{bb}\u{bc}\u{bd}\u{be}\u{bf}\u{c0}\u{c1}\u{c2}\u{c3}\u{c4}\u{c5}\u{c6}\u{c7}\u{c8}\u{c9}\u{ca}\u{cb}\u{cc}\u{cd}\u{ce}\u{cf}\u{d0}\u{d1}\u{d2}\u{d3}\u{d4}\u{d5}\u{d6}\u{d7}\u{d8}\u{d9}\u{da}\u{db}\u{dc}\u{dd}\u{de}\u{df}\u{e0}\u{e1}\u{e2}\u{e3}\u{e4}\u{e5}\u{e6}\u{e7}\u{e8}\u{e9}\u{ea}\u{eb}\u{ec}\u{ed}\u{ee}\u{ef}\u{f0}\u{f1}\u{f2}\u{f3}\u{f4}\u{f5}\u{f6}\u{f7}\u{f8}\u{f9}\u{fa}\u{fb}\u{fc}\u{fd}\u{fe}\u{ff}"
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
  return "\\u00" + hex2(latin1().indexOf(c))
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

// Python's repr of a float: MIR14 prints Rust's {:?} (same digits), whose exponent lacks
// Python's sign and two-digit padding: 1e16 -> 1e+16, 1e-7 -> 1e-07.
function format_float(f) {
  local s = "" + f
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
