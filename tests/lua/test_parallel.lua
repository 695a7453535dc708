-- rwkv.parallel: lockstep generation with batched forwards equals one-by-one
-- generation (greedy), a seed reproduces sampled texts, stop strings cut.
local parallel = require "rwkv.parallel"
local m = rwkv.load(rwkv.default_model)
local prompts = {"The quick brown fox", "Hello", "Once upon a time, there was"}

local texts, reasons = parallel.generate(m, prompts, {max_tokens = 24})
for i, p in ipairs(prompts) do
  local one = {}
  for piece in m:generate(p, {max_tokens = 24, temperature = 0}) do one[#one + 1] = piece end
  assert(texts[i] == table.concat(one), ("prompt %d: parallel %q vs single %q"):format(i, texts[i], table.concat(one)))
  assert(reasons[i] == "max_tokens")
end

-- forward_batch: logits equal model:forward's, states advanced independently
local s1, s2 = m:state(), m:state()
local out = m:forward_batch({"abc", "xy"}, {s1, s2})
local r1 = m:forward("abc", m:state())
assert(#out == 2 and #out[1] == 256)
for j = 1, 256 do assert(math.abs(out[1][j] - r1[j]) < 1e-5) end
assert(not pcall(m.forward_batch, m, {"a"}, {s1, s2}), "length mismatch must raise")
assert(not pcall(m.forward_batch, m, {"a", "b"}, {s1, s1}), "a state given twice must raise")

-- sampling: same seed, same texts; a stop string ends a sequence without appearing
local a = parallel.generate(m, prompts, {max_tokens = 30, temperature = 1.0, top_k = 20, seed = 7})
local b = parallel.generate(m, prompts, {max_tokens = 30, temperature = 1.0, top_k = 20, seed = 7})
for i = 1, #prompts do assert(a[i] == b[i]) end
local cut, why = parallel.generate(m, {"The quick brown fox"}, {max_tokens = 24, stop = "the"})
assert(why[1] == "stop" and not cut[1]:find("the", 1, true), cut[1])
print("parallel ok")
