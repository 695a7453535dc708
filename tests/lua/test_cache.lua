-- test_cache.lua: lua/rwkv/cache.lua (LRU, embeddings cache, prefix state cache).
-- ctest runs it from the source root as `rwkv-lua tests/lua/test_cache.lua`.
-- The LRU and the caches' bookkeeping are checked against stub models; the
-- prefix cache is then checked on the shipped tiny model (states equal to the
-- ones computed from scratch).
local rwkv = require "rwkv"
local cache = require "rwkv.cache"

local function fails(pattern, f, ...)
  local ok, msg = pcall(f, ...)
  assert(not ok, "expected an error matching " .. pattern)
  assert(tostring(msg):find(pattern), "error '" .. tostring(msg) .. "' does not match " .. pattern)
end

local function same_list(got, want, what)
  assert(#got == #want, ("%s: %d items, want %d"):format(what, #got, #want))
  for i = 1, #want do
    assert(got[i] == want[i], ("%s: item %d is %s, want %s"):format(what, i, tostring(got[i]), tostring(want[i])))
  end
end

local function check_stats(st, want, what)
  for k, v in pairs(want) do
    assert(st[k] == v, ("%s: stats.%s = %s, want %s"):format(what, k, tostring(st[k]), tostring(v)))
  end
end

---------------------------------------------------------------------------------
-- LRU by entries
---------------------------------------------------------------------------------
do
  local c = cache.lru{max_entries = 3}
  assert(c:get("a") == nil)
  assert(c:put("a", 1) and c:put("b", 2) and c:put("c", 3))
  same_list(c:keys(), {"c", "b", "a"}, "order after puts")
  assert(c:get("a") == 1) -- a becomes most recent
  same_list(c:keys(), {"a", "c", "b"}, "order after get")
  assert(c:put("d", 4)) -- evicts b, the least recently used
  assert(c:get("b") == nil and c:get("c") == 3 and c:get("d") == 4)
  same_list(c:keys(), {"d", "c", "a"}, "order after eviction")
  check_stats(c:stats(), {hits = 3, misses = 2, evictions = 1, entries = 3, bytes = 0}, "entries")
  assert(#c == 3)
  -- peek does not count or reorder
  assert(c:peek("a") == 1 and c:peek("zz") == nil)
  same_list(c:keys(), {"d", "c", "a"}, "peek keeps order")
  check_stats(c:stats(), {hits = 3, misses = 2}, "peek")
  -- replace keeps one entry, moves it to the front
  assert(c:put("a", 10))
  same_list(c:keys(), {"a", "d", "c"}, "replace")
  assert(c:get("a") == 10 and c:stats().entries == 3)
  -- remove
  assert(c:remove("d") == 4 and c:remove("d") == nil)
  same_list(c:keys(), {"a", "c"}, "remove")
  -- any key type works
  local t = {}
  assert(c:put(t, "table key") and c:get(t) == "table key")
  c:clear()
  check_stats(c:stats(), {hits = 0, misses = 0, evictions = 0, entries = 0, bytes = 0}, "clear")
  assert(c:get("a") == nil)
end

---------------------------------------------------------------------------------
-- LRU by bytes, both limits, on_evict, limits 0, errors
---------------------------------------------------------------------------------
do
  local evicted = {}
  local c = cache.lru{max_bytes = 100, on_evict = function(k, v) evicted[#evicted + 1] = k .. "=" .. v end}
  assert(c:put("a", "A", 40) and c:put("b", "B", 40))
  check_stats(c:stats(), {entries = 2, bytes = 80, evictions = 0}, "bytes 1")
  assert(c:get("a") == "A") -- b is now the oldest
  assert(c:put("c", "C", 30)) -- 110 > 100: b goes
  same_list(evicted, {"b=B"}, "evicted by bytes")
  check_stats(c:stats(), {entries = 2, bytes = 70, evictions = 1}, "bytes 2")
  assert(c:put("d", "D", 100)) -- needs everything else gone
  same_list(evicted, {"b=B", "a=A", "c=C"}, "evicted to make room")
  check_stats(c:stats(), {entries = 1, bytes = 100, evictions = 3}, "bytes 3")
  assert(c:put("e", "E", 101) == false, "bigger than the cache: not stored")
  assert(c:get("e") == nil and c:get("d") == "D")
  check_stats(c:stats(), {entries = 1, bytes = 100, evictions = 4}, "too big")
  -- replacing an entry adjusts the byte count (and on_evict sees the old value)
  assert(c:put("d", "D2", 10))
  check_stats(c:stats(), {entries = 1, bytes = 10}, "replace bytes")
  assert(evicted[#evicted] == "d=D")
  c:remove("d")
  check_stats(c:stats(), {entries = 0, bytes = 0}, "remove bytes")

  local both = cache.lru{max_entries = 2, max_bytes = 10}
  both:put(1, "x", 3); both:put(2, "y", 3); both:put(3, "z", 3) -- entries limit bites
  check_stats(both:stats(), {entries = 2, bytes = 6, evictions = 1}, "both 1")
  assert(both:get(1) == nil)
  both:put(4, "w", 9) -- bytes limit bites: 2 and 3 go
  check_stats(both:stats(), {entries = 1, bytes = 9, evictions = 3}, "both 2")

  local zero = cache.lru{max_entries = 0}
  assert(zero:put("a", 1) == false and zero:get("a") == nil)

  -- a big cache keeps exactly the newest max_entries keys
  local big = cache.lru{max_entries = 1000}
  for i = 1, 5000 do big:put(i, i * 2, 1) end
  check_stats(big:stats(), {entries = 1000, bytes = 1000, evictions = 4000}, "big")
  assert(big:get(4000) == nil and big:get(4001) == 8002 and big:get(5000) == 10000)

  fails("max_entries", cache.lru, {max_entries = -1})
  fails("max_bytes", cache.lru, {max_bytes = 1.5})
  fails("options table", cache.lru, 5)
  fails("key is nil", c.put, c, nil, 1)
  fails("value is nil", c.put, c, "k", nil)
  fails("bytes", c.put, c, "k", 1, -3)
end

---------------------------------------------------------------------------------
-- embeddings cache over a counting stub model
---------------------------------------------------------------------------------
do
  local calls = {embed = 0, embed_batch = 0, batch_sizes = {}}
  local function fake(text) -- a deterministic 4-float embedding of a text
    if type(text) == "table" then text = table.concat(text, " ") end
    local h = 0
    for i = 1, #text do h = (h * 31 + text:byte(i)) % 1000 end
    return rwkv.vector{#text, h, 1, -1}
  end
  local stub = {
    embed = function(_, text) calls.embed = calls.embed + 1; return fake(text) end,
    embed_batch = function(_, texts)
      calls.embed_batch = calls.embed_batch + 1
      calls.batch_sizes[#calls.batch_sizes + 1] = #texts
      local out = {}
      for i, t in ipairs(texts) do out[i] = fake(t) end
      return out
    end,
  }
  local ec = cache.embeddings(stub, {max_entries = 10})
  local v = ec:get("hello")
  assert(calls.embed == 1 and v[1] == 5)
  assert(ec:get("hello") == v and calls.embed == 1, "second get is a hit")
  check_stats(ec:stats(), {hits = 1, misses = 1, entries = 1, bytes = 16, embedded = 1}, "emb get")

  -- get_many: hello is cached; the 3 distinct misses go in ONE embed_batch call
  local texts = {"a", "hello", "bb", "a", "ccc"}
  local vs = ec:get_many(texts)
  assert(calls.embed_batch == 1 and calls.embed == 1)
  same_list(calls.batch_sizes, {3}, "batch size")
  for i, t in ipairs(texts) do
    assert(vs[i][1] == #t and vs[i][2] == fake(t)[2], "vector " .. i)
  end
  assert(vs[1] == vs[4], "duplicates share the vector")
  assert(vs[2] == v)
  check_stats(ec:stats(), {entries = 4, bytes = 64, batches = 1, embedded = 4}, "emb many")
  -- all cached now: no call at all
  ec:get_many(texts)
  assert(calls.embed_batch == 1 and calls.embed == 1)
  -- token-id tables work as keys too
  ec:get_many({{1, 2, 3}, "zz"})
  assert(calls.embed_batch == 2)
  same_list(calls.batch_sizes, {3, 2}, "batch sizes")
  -- eviction by bytes
  local small = cache.embeddings(stub, {max_bytes = 32})
  small:get_many({"x", "y", "z"})
  check_stats(small:stats(), {entries = 2, bytes = 32, evictions = 1}, "emb bytes")
  fails("table of texts", ec.get_many, ec, "x")
end

---------------------------------------------------------------------------------
-- prefix cache over a stub model: which tokens are computed
---------------------------------------------------------------------------------
do
  -- a stub state is a running hash of the ids fed to it
  local St = {}
  St.__index = St
  function St:clone() return setmetatable({h = self.h, n = self.n}, St) end
  function St:close() self.closed = true end
  local fed = 0
  local stub = {
    state = function() return setmetatable({h = 0, n = 0}, St) end,
    forward = function(_, ids, s)
      assert(not s.closed, "forward on a closed state")
      for _, id in ipairs(ids) do s.h = (s.h * 131 + id + 1) % 65521 end
      s.n = s.n + #ids
      fed = fed + #ids
      return rwkv.vector{s.h}
    end,
    info = {n_layer = 1, n_embd = 2, n_head = 1, head_size = 2},
  }
  local function scratch(ids)
    local s = stub.state(); stub.forward(nil, ids, s); return s
  end
  local function seq(n, base) local t = {}; for i = 1, n do t[i] = (base or 0) + i end; return t end

  local pc = cache.prefix(stub, {chunk = 4, max_entries = 100})
  local a = seq(10)
  local s1, l1 = pc:state_for(a)
  assert(fed == 10 and s1.h == scratch(a).h and l1[1] == s1.h)
  fed = 0
  -- stored: boundaries 4, 8 and the full 10 -> 3 entries of 4*(4+4) bytes
  check_stats(pc:stats(), {entries = 3, bytes = 3 * 32, computed = 10, reused = 0}, "prefix 1")
  -- the same sequence again: nothing computed, a new object each time
  local s2, l2 = pc:state_for(a)
  assert(fed == 0 and s2 ~= s1 and s2.h == s1.h and l2[1] == l1[1])
  -- a longer one with the same first 10: resumes at 10
  local b = seq(13); b[11], b[12], b[13] = 50, 51, 52
  local s3 = pc:state_for(b)
  assert(fed == 3 and s3.h == scratch(b).h, "resumed from the full 10")
  fed = 0
  -- diverging at token 7: resumes at the chunk boundary 4
  local c = seq(9); c[7] = 99
  local s4 = pc:state_for(c)
  assert(fed == 5 and s4.h == scratch(c).h, "resumed from boundary 4, fed " .. fed)
  fed = 0
  -- diverging at token 1: from scratch
  local s5 = pc:state_for(seq(5, 100))
  assert(fed == 5 and s5.h == scratch(seq(5, 100)).h)
  fed = 0
  check_stats(pc:stats(), {requests = 5, tokens = 10 + 10 + 13 + 9 + 5, reused = 10 + 10 + 4, computed = 10 + 3 + 5 + 5}, "prefix 2")
  -- an empty sequence: a zero state
  local s0 = pc:state_for({})
  assert(s0.n == 0 and s0.h == 0)
  -- handed-out states are independent of the cached ones
  stub.forward(nil, {7, 7, 7}, s2)
  local s6 = pc:state_for(a)
  assert(s6.h == s1.h)
  -- evicted states are closed
  local tiny = cache.prefix(stub, {chunk = 4, max_entries = 1})
  local first = tiny:state_for(seq(4))
  assert(not first.closed, "handed-out state stays open")
  tiny:state_for(seq(4, 10))
  check_stats(tiny:stats(), {entries = 1, evictions = 1}, "tiny")
  -- states bigger than max_bytes are never kept (and leave no length behind)
  local none = cache.prefix(stub, {chunk = 4, max_bytes = 10})
  none:state_for(seq(6)); none:state_for(seq(7))
  check_stats(none:stats(), {entries = 0, reused = 0, computed = 13}, "none")
  assert(next(none.lengths) == nil)
  fails("chunk", cache.prefix, stub, {chunk = 0})
  fails("table of ids", pc.state_for, pc, "text")
end

---------------------------------------------------------------------------------
-- prefix cache on the real tiny model: same states as from scratch
---------------------------------------------------------------------------------
do
  local model = rwkv.load(rwkv.default_model)
  local function max_diff(s, t)
    local a, b = s:vector(), t:vector()
    assert(#a == #b and #a > 0)
    local d = 0
    for i = 1, #a do d = math.max(d, math.abs(a[i] - b[i])) end
    return d
  end
  local function scratch(ids)
    local s = model:state()
    model:forward(ids, s, {output = "none"})
    return s
  end
  local ids = model:tokenize(("The quick brown fox jumps over the lazy dog. "):rep(4))
  assert(#ids > 40, #ids)
  local pc = cache.prefix(model, {chunk = 16, max_entries = 16})
  local s1, logits1 = pc:state_for(ids)
  assert(max_diff(s1, scratch(ids)) < 1e-5)
  assert(#logits1 == model.info.n_vocab)
  check_stats(pc:stats(), {computed = #ids, reused = 0, bytes = pc:stats().entries * #s1:vector() * 4}, "real 1")

  -- extend: only the new tokens are computed
  local more = model:tokenize(" And then it ran away.")
  local longer = table.move(more, 1, #more, #ids + 1, table.move(ids, 1, #ids, 1, {}))
  local s2 = pc:state_for(longer)
  check_stats(pc:stats(), {computed = #ids + #more, reused = #ids}, "real 2")
  assert(max_diff(s2, scratch(longer)) < 1e-5, "resumed state equals the state from scratch")

  -- change a token after the second boundary: resume at 32
  local edited = table.move(ids, 1, #ids, 1, {})
  edited[35] = (edited[35] % 200) + 1
  local before = pc:stats().computed
  local s3 = pc:state_for(edited)
  assert(pc:stats().computed - before == #edited - 32, "resumed at boundary 32")
  assert(max_diff(s3, scratch(edited)) < 1e-5)

  -- a handed-out state is a clone: advancing it leaves the cache alone
  model:forward(more, s1, {output = "none"})
  local s4 = pc:state_for(ids)
  assert(max_diff(s4, scratch(ids)) < 1e-5)

  -- the embeddings cache on the real model: one batch, same vectors as embed
  local ec = cache.embeddings(model)
  local vs = ec:get_many({"invoice number", "meeting date", "invoice number"})
  assert(ec:stats().batches == 1 and ec:stats().embedded == 2)
  assert(#vs[1] == model.info.n_embd and vs[1] == vs[3])
  local single = model:embed("meeting date")
  for i = 1, #single do assert(math.abs(single[i] - vs[2][i]) < 1e-4, "batched embedding " .. i) end
  model:close()
end

print("test_cache: ok")
