-- test_generate.lua: model:generate, iterator and on_token forms, options,
-- stop strings/ids, errors in callbacks and loops, interrupts (host/lmodel.c).
local rwkv = require "rwkv"
local testlib = require "tests.lua.testlib"
local fails = testlib.fails

local m = rwkv.load(rwkv.default_model)

-- iterator form: pieces and ids; the generator is the to-be-closed value
local function run(prompt, opts)
  local pieces, ids = {}, {}
  for piece, id in m:generate(prompt, opts) do
    assert(type(piece) == "string" and #piece > 0)
    assert(math.type(id) == "integer" and id >= 0 and id < 256)
    pieces[#pieces + 1] = piece
    ids[#ids + 1] = id
  end
  return table.concat(pieces), ids
end

-- greedy: temperature 0 equals top_k 1, and equals argmax of forward's logits
local greedy = run("Hello", {max_tokens = 12, temperature = 0})
assert(#greedy > 0)
assert(run("Hello", {max_tokens = 12, top_k = 1}) == greedy)
assert(run("Hello", {max_tokens = 12, top_k = 1, temperature = 0.7}) == greedy)
do
  local s = m:state()
  local logits = m:forward("Hello", s)
  local text = {}
  for _ = 1, 12 do
    local id = logits:argmax() - 1
    text[#text + 1] = m:detokenize({id})
    logits = m:forward(id, s)
  end
  assert(table.concat(text) == greedy, ("argmax text %q, generate %q"):format(table.concat(text), greedy))
end
-- prompt as ids
assert(run(m:tokenize("Hello"), {max_tokens = 12, temperature = 0}) == greedy)

-- on_token form: same text as the iterator form, and the reason
local seen = {}
local text, reason = m:generate("Hello", {max_tokens = 12, temperature = 0, on_token = function(piece, id)
  assert(type(piece) == "string" and math.type(id) == "integer")
  seen[#seen + 1] = piece
end})
assert(text == greedy and reason == "max_tokens" and table.concat(seen) == greedy)

-- the iterator's generator knows its reason and count
do
  local it, g = m:generate("Hello", {max_tokens = 5, temperature = 0})
  for _ in it, g do end
  assert(g:reason() == "max_tokens" and g:count() == 5, tostring(g:reason()))
  assert(g() == nil, "a finished generator returns nil")
end

-- a seed reproduces sampling; different seeds may differ, same seed never does
local sa = run("Once", {max_tokens = 24, temperature = 1.0, seed = 42})
local sb = run("Once", {max_tokens = 24, temperature = 1.0, seed = 42})
assert(sa == sb, "same seed, different text")
local seeds_differ = false
for seed = 1, 5 do
  if run("Once", {max_tokens = 24, temperature = 1.5, seed = seed}) ~= sa then seeds_differ = true end
end
assert(seeds_differ, "sampling ignores the seed")
local st, sr = m:generate("Once", {max_tokens = 24, temperature = 1.0, seed = 42, on_token = function() end})
assert(st == sa and sr == "max_tokens")
-- other sampler options run and stay reproducible
local opts = {max_tokens = 16, temperature = 0.9, top_p = 0.8, top_k = 40, min_p = 0.05, presence_penalty = 0.3,
              frequency_penalty = 0.2, penalty_decay = 0.99, repetition_penalty = 1.1, seed = 7}
assert(run("Once", opts) == run("Once", opts))

-- stop strings are not emitted
local long = run("Hello", {max_tokens = 40, temperature = 0})
assert(#long >= 8, long)
local stop = long:sub(5, 7)
local at = long:find(stop, 1, true)
local want = long:sub(1, at - 1)
local got, why = m:generate("Hello", {max_tokens = 40, temperature = 0, stop = stop, on_token = function() end})
assert(got == want and why == "stop_string", ("stop %q: got %q want %q (%s)"):format(stop, got, want, tostring(why)))
assert(run("Hello", {max_tokens = 40, temperature = 0, stop = {"\1never", stop}}) == want)
assert(not run("Hello", {max_tokens = 40, temperature = 0, stop = {stop}}):find(stop, 1, true))

-- stop_ids: the greedy first token stops at once
local _, first_ids = run("Hello", {max_tokens = 1, temperature = 0})
local t0, r0 = m:generate("Hello", {temperature = 0, stop_ids = {first_ids[1]}, on_token = function() end})
assert(t0 == "" and r0 == "stop_token", tostring(r0))

-- on_token returning false stops after that piece
local n = 0
local t1, r1 = m:generate("Hello", {max_tokens = 20, temperature = 0, on_token = function()
  n = n + 1
  return false
end})
assert(n == 1 and r1 == "callback" and #t1 > 0 and greedy:sub(1, #t1) == t1)

-- opts.state: continue from it, and it is advanced
do
  local s = m:state()
  m:forward("Hel", s, {output = "none"})
  local cont = run("lo", {max_tokens = 12, temperature = 0, state = s})
  assert(cont == greedy, ("continued %q, want %q"):format(cont, greedy))
  local s2 = m:state()
  m:forward("Hello", s2, {output = "none"})
  local ids = m:tokenize(greedy)
  m:forward(ids, s2, {output = "none"})
  -- the state saw the prompt and every generated token (the last one is fed back too)
  local diff = 0
  local a, b = s:vector(), s2:vector()
  for i = 1, #a do diff = math.max(diff, math.abs(a[i] - b[i])) end
  assert(diff < 1e-5, "generate did not advance opts.state by the prompt and the tokens: " .. diff)
end

-- misuse
fails("max_tokens is 0", m.generate, m, "Hello", {max_tokens = 0})
fails("max_tokens is %-3", m.generate, m, "Hello", {max_tokens = -3})
fails("max_tokens must be an integer", m.generate, m, "Hello", {max_tokens = 1.5})
fails("empty input", m.generate, m, "", {})
fails("empty input", m.generate, m, {}, {})
fails("element 1 is token id 300", m.generate, m, {300}, {})
fails("element 2 is a non%-integral number", m.generate, m, {1, 2.5}, {})
fails("unknown option 'max_token'", m.generate, m, "Hello", {max_token = 3})
fails("stop string is empty", m.generate, m, "Hello", {stop = ""})
fails("stop%[2%] must be a string", m.generate, m, "Hello", {stop = {"a", 3}})
fails("stop_ids%[1%] is 256", m.generate, m, "Hello", {stop_ids = {256}})
fails("on_token must be a function", m.generate, m, "Hello", {on_token = 3})
fails("generate: .*temperature", m.generate, m, "Hello", {temperature = -1})
local other = rwkv.load("tests/fuzz/corpus_gguf/d16-f32.gguf")
fails("state belongs to another model", m.generate, m, "Hello", {state = other:state()})

-- errors inside on_token propagate; the model stays usable
fails("boom", m.generate, m, "Hello", {temperature = 0, on_token = function() error("boom") end})
assert(run("Hello", {max_tokens = 12, temperature = 0}) == greedy)
-- errors and breaks inside iterator loops: the generator is closed by the for loop
fails("inside", function()
  for _ in m:generate("Hello", {temperature = 0}) do error("inside") end
end)
for _ in m:generate("Hello", {temperature = 0}) do break end
assert(run("Hello", {max_tokens = 12, temperature = 0}) == greedy)

-- an interrupt (Ctrl-C in the REPL: a hook raising "interrupted!") lands between pieces
local count = 0
fails("interrupted!", function()
  for _ in m:generate("Hello", {max_tokens = 50, temperature = 0}) do
    count = count + 1
    if count == 3 then
      debug.sethook(function() debug.sethook(); error("interrupted!") end, "", 1)
    end
  end
end)
assert(count == 3, count)
count = 0
fails("interrupted!", m.generate, m, "Hello", {max_tokens = 50, temperature = 0, on_token = function()
  count = count + 1
  if count == 2 then debug.sethook(function() debug.sethook(); error("interrupted!") end, "", 1) end
end})
assert(count == 2, count)
assert(run("Hello", {max_tokens = 12, temperature = 0}) == greedy)

-- interleaving: a sampling generator is unaffected by other passes on the model ...
do
  local want_text = run("Once", {max_tokens = 10, temperature = 1.0, seed = 5})
  local parts = {}
  for piece in m:generate("Once", {max_tokens = 10, temperature = 1.0, seed = 5}) do
    parts[#parts + 1] = piece
    m:forward("noise", m:state(), {output = "none"})
  end
  assert(table.concat(parts) == want_text)
end
-- ... while a greedy one (which picks on the GPU from the model's last logits) refuses
fails("another forward pass", function()
  for _ in m:generate("Hello", {max_tokens = 10, temperature = 0}) do
    m:forward("noise", m:state(), {output = "none"})
  end
end)
assert(run("Hello", {max_tokens = 12, temperature = 0}) == greedy)

-- closing the model ends its generators; closing the state ends one
do
  local s = m:state()
  local it, g = m:generate("Hello", {temperature = 0, state = s})
  assert(it(g))
  s:close()
  fails("state is closed", it, g)
  assert(g() == nil)
end
do
  local m2 = rwkv.load(rwkv.default_model)
  local it, g = m2:generate("Hello", {temperature = 0})
  assert(it(g))
  m2:close()
  fails("model is closed", it, g)
  fails("model is closed", m2.generate, m2, "Hello")
end
-- generators left unfinished are collected
for _ = 1, 5 do
  local it, g = m:generate("Hello", {max_tokens = 100, temperature = 1, seed = 1})
  it(g)
end
collectgarbage()
collectgarbage()
assert(run("Hello", {max_tokens = 12, temperature = 0}) == greedy)
m:close()
other:close()
print("test_generate: ok")
