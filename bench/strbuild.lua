local n = tonumber(arg[1])
local s = ""
for i = 1, n do
  s = s .. "ab"
end
print(#s)
