local function tarai(x, y, z)
  if x <= y then return y end
  return tarai(tarai(x - 1, y, z), tarai(y - 1, z, x), tarai(z - 1, x, y))
end
print(tarai(tonumber(arg[1]), tonumber(arg[2]), tonumber(arg[3])))
