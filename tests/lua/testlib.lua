-- testlib.lua: helpers shared by the Lua tests (require "tests.lua.testlib" from
-- the source root, where ctest runs them).
local T = {}

-- f(...) must raise an error whose message matches pattern.
function T.fails(pattern, f, ...)
  local ok, msg = pcall(f, ...)
  assert(not ok, "expected an error matching " .. pattern)
  assert(tostring(msg):find(pattern), "error '" .. tostring(msg) .. "' does not match " .. pattern)
end

-- Largest |a[i] - b[i]| of two vectors (or tables) of the same length.
function T.maxdiff(a, b)
  assert(#a == #b, ("lengths %d and %d"):format(#a, #b))
  local d = 0
  for i = 1, #a do d = math.max(d, math.abs(a[i] - b[i])) end
  return d
end

return T
