-- test_vector.lua: the rwkv.vector type (host/lvector.c). Run as `rwkv-lua test_vector.lua`.
local rwkv = require "rwkv"
local V = rwkv.vector

local function near(a, b, tol) return math.abs(a - b) <= (tol or 1e-6) end
local function fails(pattern, f, ...)
  local ok, msg = pcall(f, ...)
  assert(not ok, "expected an error matching " .. pattern)
  assert(tostring(msg):find(pattern), "error '" .. tostring(msg) .. "' does not match " .. pattern)
end

-- constructor: from a length (zeros), from a table, copy of a vector
local z = V(4)
assert(#z == 4)
for i = 1, 4 do assert(z[i] == 0) end
assert(#V(0) == 0)
local v = V{1, 2, 3}
assert(#v == 3 and v[1] == 1 and v[2] == 2 and v[3] == 3)
local c = V(v)
c[1] = 10
assert(v[1] == 1 and c[1] == 10, "copy is independent")
fails("non%-negative integer", V, -1)
fails("non%-negative integer", V, 1.5)
fails("element 2 is a string", V, {1, "x", 3})
fails("number, table or vector", V, "abc")
fails("number, table or vector", V)

-- indexing, assignment, bounds (1-based), float32 storage
v[2] = 0.5
assert(v[2] == 0.5)
v[2.0] = 2                                  -- integral float keys are indices
assert(v[2] == 2)
local f = V{0.1}
assert(f[1] ~= 0.1 and near(f[1], 0.1, 1e-7), "stored as float32")
fails("out of range", function() return v[0] end)
fails("out of range", function() return v[4] end)
fails("out of range", function() v[4] = 1 end)
fails("out of range", function() return v[-1] end)
fails("must be an integer", function() return v[1.5] end)
fails("must be an integer", function() v.x = 1 end)
fails("number expected", function() v[1] = "a" end)
assert(v.nosuchmethod == nil)

-- totable
local t = V{3, 1, 2}:totable()
assert(#t == 3 and t[1] == 3 and t[2] == 1 and t[3] == 2)
assert(#V(0):totable() == 0)

-- dot, norm, cosine (computed in double)
local a, b = V{1, 2, 3}, V{4, -5, 6}
assert(a:dot(b) == 1 * 4 - 2 * 5 + 3 * 6)
assert(near(V{3, 4}:norm(), 5))
assert(V(3):norm() == 0)
assert(near(a:cosine(b), 12 / (math.sqrt(14) * math.sqrt(77)), 1e-12))
assert(near(a:cosine(a), 1, 1e-12))
assert(near(V{1, 0}:cosine(V{-1, 0}), -1, 1e-12))
assert(V(2):cosine(V{1, 1}) == 0, "zero vector gives cosine 0")
fails("length mismatch %(3 vs 2%)", a.dot, a, V{1, 2})
fails("length mismatch", a.cosine, a, V(4))
fails("rwkv.vector expected", a.dot, a, {1, 2, 3})
-- the double sum keeps precision where float accumulation would not
local big = {}
for i = 1, 1000 do big[i] = (i % 2 == 0) and 1e4 or 1e-4 end
local bv = V(big)
assert(near(bv:dot(V(1000):slice(1) ), 0))
local ones = {}
for i = 1, 1000 do ones[i] = 1 end
assert(near(bv:dot(V(ones)), 500 * 1e4 + 500 * 1e-4, 1e-6))

-- argmax (1-based, first on ties, nil when empty)
assert(V{1, 5, 3}:argmax() == 2)
assert(V{7, 7, 1}:argmax() == 1)
assert(V{-3, -1, -2}:argmax() == 2)
assert(V(0):argmax() == nil)
assert(V{0 / 0, 1, 2}:argmax() == 3, "NaN never wins")

-- topk: sorted descending, k clamped, ties by index
local idx, val = V{0.1, 0.9, 0.5, 0.7, 0.3}:topk(3)
assert(#idx == 3 and #val == 3)
assert(idx[1] == 2 and idx[2] == 4 and idx[3] == 3)
assert(near(val[1], 0.9) and near(val[2], 0.7) and near(val[3], 0.5))
idx, val = V{1, 2}:topk(10)
assert(#idx == 2 and idx[1] == 2 and idx[2] == 1 and val[1] == 2)
idx, val = V{1, 2}:topk(0)
assert(#idx == 0 and #val == 0)
idx = V{1, 2}:topk(-5)
assert(#idx == 0)
idx = V{5, 5, 5}:topk(2)
assert(idx[1] == 1 and idx[2] == 2)
-- larger random case against a sort
local r, n = {}, 300
math.randomseed(7)
for i = 1, n do r[i] = math.random(-1000, 1000) / 7 end
local rv = V(r)
local order = {}
for i = 1, n do order[i] = i end
local rf = rv:totable()
table.sort(order, function(x, y) if rf[x] ~= rf[y] then return rf[x] > rf[y] end return x < y end)
idx, val = rv:topk(25)
for i = 1, 25 do assert(idx[i] == order[i] and val[i] == rf[order[i]], "topk rank " .. i) end
fails("number expected", rv.topk, rv, "x")

-- slice (string.sub rules)
local s = V{1, 2, 3, 4, 5}
local s1 = s:slice(2, 4)
assert(#s1 == 3 and s1[1] == 2 and s1[3] == 4)
assert(#s:slice(3) == 3 and s:slice(3)[1] == 3)
assert(#s:slice(-2) == 2 and s:slice(-2)[1] == 4)
assert(#s:slice(4, 2) == 0)
assert(#s:slice(0, 100) == 5)
s1[1] = 99
assert(s[2] == 2, "slice is a copy")

-- tostring
assert(tostring(V{0.1, 0.2, 0.3}) == "vector(3): [0.1, 0.2, 0.3]", tostring(V{0.1, 0.2, 0.3}))
assert(tostring(V(0)) == "vector(0): []")
local long = tostring(V(100))
assert(long:match("^vector%(100%): %[0, 0, 0, 0, 0, 0, %.%.%., 0, 0%]$"), long)
assert(#long < 60)

-- methods reject non-vectors
fails("rwkv.vector expected", V{1}.norm, {})
print("test_vector: ok")
