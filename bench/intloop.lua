-- Lua 5.4 has exact 64-bit integers: (i * i) % 7 as in the other versions. LuaJIT's numbers
-- are doubles, inexact for i * i > 2^53, so there it computes ((i % 7)^2) % 7, which is equal.
local n = tonumber(arg[1])
local s = 0
if math.type then
  for i = 0, n - 1 do
    s = s + (i * i) % 7
  end
else
  for i = 0, n - 1 do
    local r = i % 7
    s = s + (r * r) % 7
  end
end
print(string.format("%d", s))
