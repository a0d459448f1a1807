-- json.lua: the algorithm of ny/examples/json.ny in Lua, for the JSON benchmark. Reads a JSON
-- document from standard input and prints it the way Python's
-- `print(json.dumps(json.loads(text), indent=2, ensure_ascii=False))` does.
--
-- The same algorithm: a parser object with src/pos/len fields and peek/skip_ws methods,
-- one-character substrings in the scan loops, substring-based string and number decoding,
-- insertion-ordered maps (a key list beside a table), and the output as pieces joined once at
-- the end. Runs on Lua 5.4 and LuaJIT; on LuaJIT (no 64-bit integers) integers are int64
-- cdata. Same limitations as json.ny: `\u` escapes below U+0100 only.

local IS54 = math.type ~= nil
local ffi = nil
if not IS54 then
  ffi = require("ffi")
  ffi.cdef("long long strtoll(const char *s, char **end, int base);")
end

local NULL = {}

local Parser = {}
Parser.__index = Parser

local function new_parser(src)
  return setmetatable({ src = src, pos = 1, len = #src }, Parser)
end

function Parser:fail(msg)
  io.stdout:flush()
  io.stderr:write("invalid JSON at character " .. (self.pos - 1) .. ": " .. msg .. "\n")
  os.exit(1)
end

-- The character at the current position, or "" at the end.
function Parser:peek()
  if self.pos <= self.len then return self.src:sub(self.pos, self.pos) end
  return ""
end

function Parser:skip_ws()
  local s, p, n = self.src, self.pos, self.len
  while p <= n do
    local c = s:sub(p, p)
    if c ~= " " and c ~= "\n" and c ~= "\r" and c ~= "\t" then break end
    p = p + 1
  end
  self.pos = p
end

function Parser:parse_value()
  self:skip_ws()
  local c = self:peek()
  if c == "{" then return self:parse_object() end
  if c == "[" then return self:parse_array() end
  if c == "\"" then return self:parse_string() end
  if c == "t" then
    self:expect_word("true")
    return true
  end
  if c == "f" then
    self:expect_word("false")
    return false
  end
  if c == "n" then
    self:expect_word("null")
    return NULL
  end
  if c == "-" or (c >= "0" and c <= "9") then return self:parse_number() end
  if c == "" then self:fail("unexpected end of input") end
  self:fail("unexpected character " .. c)
end

function Parser:expect_word(w)
  local e = self.pos + #w
  if e > self.len + 1 or self.src:sub(self.pos, e - 1) ~= w then self:fail("expected " .. w) end
  self.pos = e
end

-- A map: keys in insertion order and their values.
local function new_map()
  return { kind = "map", keys = {}, n = 0, vals = {} }
end

local function map_set(m, k, v)
  if m.vals[k] == nil then
    m.n = m.n + 1
    m.keys[m.n] = k
  end
  m.vals[k] = v
end

function Parser:parse_object()
  self.pos = self.pos + 1
  local m = new_map()
  self:skip_ws()
  if self:peek() == "}" then
    self.pos = self.pos + 1
    return m
  end
  while true do
    self:skip_ws()
    if self:peek() ~= "\"" then self:fail("expected a string key") end
    local k = self:parse_string()
    self:skip_ws()
    if self:peek() ~= ":" then self:fail("expected :") end
    self.pos = self.pos + 1
    map_set(m, k, self:parse_value())
    self:skip_ws()
    local c = self:peek()
    self.pos = self.pos + 1
    if c == "}" then return m end
    if c ~= "," then self:fail("expected , or }") end
  end
end

function Parser:parse_array()
  self.pos = self.pos + 1
  local a = { kind = "array", n = 0 }
  self:skip_ws()
  if self:peek() == "]" then
    self.pos = self.pos + 1
    return a
  end
  while true do
    local n = a.n + 1
    a[n] = self:parse_value()
    a.n = n
    self:skip_ws()
    local c = self:peek()
    self.pos = self.pos + 1
    if c == "]" then return a end
    if c ~= "," then self:fail("expected , or ]") end
  end
end

-- Four hex digits at position p, as an integer.
function Parser:hex4(p)
  if p + 4 > self.len + 1 then self:fail("truncated \\u escape") end
  local v = 0
  for i = 0, 3 do
    local d = string.find("0123456789abcdef", self.src:sub(p + i, p + i):lower(), 1, true)
    if d == nil then self:fail("bad hex digit in \\u escape") end
    v = v * 16 + (d - 1)
  end
  return v
end

-- The UTF-8 text of a code point below U+0100.
local function latin1(code)
  if code < 128 then return string.char(code) end
  return string.char(0xC0 + math.floor(code / 64), 0x80 + code % 64)
end

local ESC = { n = "\n", t = "\t", r = "\r", b = "\b", f = "\f", ["/"] = "/", ["\\"] = "\\",
  ["\""] = "\"" }

-- At an opening quote: the decoded string; the position moves past the closing quote.
function Parser:parse_string()
  local s, n = self.src, self.len
  local p = self.pos + 1
  local start = p
  local out = ""
  while p <= n do
    local c = s:sub(p, p)
    if c == "\"" then
      self.pos = p + 1
      if out == "" then return s:sub(start, p - 1) end
      return out .. s:sub(start, p - 1)
    end
    if c == "\\" then
      out = out .. s:sub(start, p - 1)
      if p + 1 > n then
        self.pos = p
        self:fail("unterminated string")
      end
      local e = s:sub(p + 1, p + 1)
      p = p + 2
      if ESC[e] then
        out = out .. ESC[e]
      elseif e == "u" then
        self.pos = p
        local code = self:hex4(p)
        if code > 255 then self:fail("\\u escapes above \\u00ff are not supported") end
        out = out .. latin1(code)
        p = p + 4
      else
        self.pos = p - 2
        self:fail("invalid escape")
      end
      start = p
    else
      p = p + 1
    end
  end
  self.pos = p
  self:fail("unterminated string")
end

local function to_integer(text)
  if IS54 then return math.tointeger(tonumber(text)) end
  return ffi.C.strtoll(text, nil, 10)
end

function Parser:parse_number()
  local s = self.src
  local p = self.pos
  local start = p
  local is_float = false
  if s:sub(p, p) == "-" then p = p + 1 end
  while p <= self.len do
    local c = s:sub(p, p)
    if c >= "0" and c <= "9" then
      p = p + 1
    elseif c == "." or c == "e" or c == "E" or c == "+" or c == "-" then
      is_float = true
      p = p + 1
    else
      break
    end
  end
  local text = s:sub(start, p - 1)
  local v
  if is_float then v = tonumber(text) else v = to_integer(text) end
  if v == nil then self:fail("bad number " .. text) end
  if is_float and IS54 then v = v + 0.0 end
  self.pos = p
  return v
end

-- The JSON escape of one character that needs one.
local function escape(c)
  if c == "\"" then return "\\\"" end
  if c == "\\" then return "\\\\" end
  if c == "\n" then return "\\n" end
  if c == "\r" then return "\\r" end
  if c == "\t" then return "\\t" end
  if c == "\b" then return "\\b" end
  if c == "\f" then return "\\f" end
  return string.format("\\u%04x", c:byte())
end

-- A string as a JSON string literal.
local function quote(s)
  local n = #s
  local out = "\""
  local start = 1
  for i = 1, n do
    local c = s:sub(i, i)
    if c < " " or c == "\"" or c == "\\" then
      out = out .. s:sub(start, i - 1) .. escape(c)
      start = i + 1
    end
  end
  return out .. s:sub(start, n) .. "\""
end

-- Python's repr of a float: the shortest digits that round-trip, in fixed notation when the
-- decimal exponent is in -4..15, else d.ddde+XX.
local function format_float(f)
  if f == math.huge then return "Infinity" end
  if f == -math.huge then return "-Infinity" end
  if f == 0 then
    if 1 / f < 0 then return "-0.0" end
    return "0.0"
  end
  local s
  for prec = 0, 16 do
    s = string.format("%." .. prec .. "e", f)
    if tonumber(s) == f then break end
  end
  local sign, d1, rest, ex = s:match("^(-?)(%d)%.?(%d*)e([-+]%d+)$")
  local digits = (d1 .. rest):gsub("0+$", "")
  if digits == "" then digits = "0" end
  local e = tonumber(ex)
  if e >= -4 and e < 16 then
    if e >= 0 then
      if #digits <= e + 1 then
        return sign .. digits .. string.rep("0", e + 1 - #digits) .. ".0"
      end
      return sign .. digits:sub(1, e + 1) .. "." .. digits:sub(e + 2)
    end
    return sign .. "0." .. string.rep("0", -e - 1) .. digits
  end
  local m = digits:sub(1, 1)
  if #digits > 1 then m = m .. "." .. digits:sub(2) end
  local es = "+"
  if e < 0 then
    es = "-"
    e = -e
  end
  if e < 10 then return sign .. m .. "e" .. es .. "0" .. e end
  return sign .. m .. "e" .. es .. e
end

-- Appends the pretty form of v, at indentation ind, to the pieces out (out.n of them).
local function dump(v, ind, out)
  local t = type(v)
  if t == "string" then
    out.n = out.n + 1
    out[out.n] = quote(v)
  elseif t == "number" then
    out.n = out.n + 1
    if IS54 and math.type(v) == "integer" then
      out[out.n] = string.format("%d", v)
    else
      out[out.n] = format_float(v)
    end
  elseif t == "cdata" then
    out.n = out.n + 1
    out[out.n] = tostring(v):sub(1, -3)
  elseif t == "boolean" then
    out.n = out.n + 1
    if v then out[out.n] = "true" else out[out.n] = "false" end
  elseif v == NULL then
    out.n = out.n + 1
    out[out.n] = "null"
  elseif v.kind == "array" then
    local n = v.n
    if n == 0 then
      out.n = out.n + 1
      out[out.n] = "[]"
      return
    end
    local inner = ind .. "  "
    out.n = out.n + 1
    out[out.n] = "[\n"
    for i = 1, n do
      if i > 1 then
        out.n = out.n + 1
        out[out.n] = ",\n"
      end
      out.n = out.n + 1
      out[out.n] = inner
      dump(v[i], inner, out)
    end
    out.n = out.n + 1
    out[out.n] = "\n" .. ind .. "]"
  else
    local keys, n = v.keys, v.n
    if n == 0 then
      out.n = out.n + 1
      out[out.n] = "{}"
      return
    end
    local inner = ind .. "  "
    out.n = out.n + 1
    out[out.n] = "{\n"
    for i = 1, n do
      if i > 1 then
        out.n = out.n + 1
        out[out.n] = ",\n"
      end
      local k = keys[i]
      out.n = out.n + 1
      out[out.n] = inner
      out.n = out.n + 1
      out[out.n] = quote(k)
      out.n = out.n + 1
      out[out.n] = ": "
      dump(v.vals[k], inner, out)
    end
    out.n = out.n + 1
    out[out.n] = "\n" .. ind .. "}"
  end
end

local p = new_parser(io.read("a"))
local v = p:parse_value()
p:skip_ws()
if p.pos ~= p.len + 1 then p:fail("extra data after the document") end
local out = { n = 0 }
dump(v, "", out)
io.write(table.concat(out), "\n")
