local n = tonumber(arg[1])
local arr = {}
for i = 0, n - 1 do
  arr[#arr + 1] = i
end
local s = 0
for j = 1, n do
  s = s + arr[j]
end
print(string.format("%d", s))
