-- test_state.lua: model:state, clone, reset, copy_from, vector, set, save,
-- rwkv.load_state, close and lifetimes (host/lmodel.c).
local rwkv = require "rwkv"
local testlib = require "tests.lua.testlib"
local fails, maxdiff = testlib.fails, testlib.maxdiff

local m = rwkv.load(rwkv.default_model)
local size = m.info.state_size
assert(size == 12 * (2 * 64 + 64 * 64))

-- a new state is zeros; forward changes it
local s = m:state()
assert(s.model == m)
assert(tostring(s):match("^rwkv%.state%(50688 floats%)$"), tostring(s))
assert(s:size() == size)
local v0 = s:vector()
assert(#v0 == size and v0:norm() == 0)
local l1 = m:forward("Hello", s)
local v1 = s:vector()
assert(v1:norm() > 0)
-- layout: layer 0's att_prev is the ln1 output of the last token, ffn_prev its ln2 output;
-- neither is all zeros after a token
assert(v1:slice(1, 64):norm() > 0 and v1:slice(65, 128):norm() > 0)

-- clone: same floats, independent afterwards
local c = s:clone()
assert(c.model == m and maxdiff(c:vector(), v1) == 0)
local la = m:forward(" world", s)
local lb = m:forward(" world", c)
assert(maxdiff(la, lb) == 0)
m:forward("!", c, {output = "none"})
assert(maxdiff(c:vector(), s:vector()) > 0)

-- reset returns the state, back to zeros; forward from it matches a fresh state
assert(c:reset() == c and c:vector():norm() == 0)
assert(maxdiff(m:forward("Hello", c), l1) == 0)

-- copy_from
local d = m:state()
assert(d:copy_from(s) == d and maxdiff(d:vector(), s:vector()) == 0)
d:copy_from(d) -- itself: no change
assert(maxdiff(d:vector(), s:vector()) == 0)

-- set: write a vector back; forward agrees with the original
local e = m:state()
assert(e:set(s:vector()) == e)
assert(maxdiff(m:forward("x", e), m:forward("x", s:clone())) == 0)
-- an edited vector comes back as written
local w = s:vector()
w[1], w[size] = 0.5, -2
e:set(w)
local back = e:vector()
assert(back[1] == 0.5 and back[size] == -2 and maxdiff(back, w) == 0)
fails("the vector has 3 floats, the state needs 50688", e.set, e, rwkv.vector({1, 2, 3}))
fails("rwkv%.vector expected", e.set, e, {1, 2, 3})

-- save / load_state round trip, damaged files refused
local dir = os.getenv("TMPDIR") or "/tmp"
local path = ("%s/rwkv-lua-test-state-%d.bin"):format(dir, math.random(1, 1 << 30))
assert(s:save(path) == s)
local r = rwkv.load_state(m, path)
assert(r.model == m and maxdiff(r:vector(), s:vector()) == 0)
assert(maxdiff(m:forward("z", r), m:forward("z", s:clone())) == 0)
local f = assert(io.open(path, "rb"))
local bytes = f:read("a")
f:close()
local function write(p, data)
  local g = assert(io.open(p, "wb"))
  g:write(data)
  g:close()
end
local bad = path .. ".bad"
local mid = #bytes // 2
write(bad, bytes:sub(1, mid - 1) .. string.char((bytes:byte(mid) + 1) % 256) .. bytes:sub(mid + 1))
fails("rwkv%.load_state: .*%.bad", rwkv.load_state, m, bad)
write(bad, bytes:sub(1, #bytes - 7))
fails("rwkv%.load_state: .*%.bad", rwkv.load_state, m, bad)
write(bad, "")
fails("rwkv%.load_state", rwkv.load_state, m, bad)
write(bad, ("\0"):rep(#bytes))
fails("rwkv%.load_state", rwkv.load_state, m, bad)
fails("rwkv%.load_state: .*no%-such", rwkv.load_state, m, path .. ".no-such")
-- other shapes are refused
local other = rwkv.load("tests/fuzz/corpus_gguf/d16-f32.gguf")
fails("layers", rwkv.load_state, other, path)
os.remove(bad)
os.remove(path)
fails("state:save", s.save, s, dir .. "/no-such-dir/x/state.bin")

-- states of different models do not mix
local os_ = other:state()
fails("different models", s.copy_from, s, os_)
fails("state belongs to another model", m.forward, m, "a", os_)
assert(os_.model == other)

-- a state keeps its model alive
local orphan = (function() return rwkv.load(rwkv.default_model):state() end)()
collectgarbage()
collectgarbage()
assert(#orphan.model:forward("a", orphan) == 256)
orphan.model:close()

-- state:close; model:close closes its states
local t = m:state()
t:close()
fails("state is closed", t.vector, t)
fails("state is closed", t.clone, t)
fails("state is closed", m.forward, m, "a", t)
fails("state is closed", d.copy_from, d, t)
assert(tostring(t) == "rwkv.state(closed)")
t:close() -- twice is fine
do
  local scoped <close> = m:state()
  m:forward("a", scoped, {output = "none"})
end

-- many states: the pool grows, and collected states give their slots back
local many = {}
for i = 1, 40 do many[i] = m:state() end
for i = 1, 40, 7 do m:forward({i}, many[i], {output = "none"}) end
assert(many[8]:vector():norm() > 0 and many[2]:vector():norm() == 0)
many = nil
collectgarbage()
collectgarbage()
for _ = 1, 10 do m:state() end

local keep = m:state()
m:forward("abc", keep)
other:close()
fails("state is closed %(its model is closed%)", os_.vector, os_)
fails("model is closed", rwkv.load_state, other, path)
m:close()
fails("state is closed", keep.vector, keep)
fails("state is closed", s.reset, s)
fails("state is closed", s.save, s, path)
fails("model is closed", m.state, m)
assert(keep.model == m)
collectgarbage()
print("test_state: ok")
