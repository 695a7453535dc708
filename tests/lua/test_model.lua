-- test_model.lua: rwkv.load, model.info, tokenize, forward, embed, embed_batch,
-- close and misuse (host/lmodel.c). Run from the source root by ctest.
local rwkv = require "rwkv"
local testlib = require "tests.lua.testlib"
local fails, maxdiff = testlib.fails, testlib.maxdiff

-- default model and path resolution
assert(type(rwkv.default_model) == "string" and rwkv.default_model:match("tiny%-rwkv7%-834K%-F32%.gguf$"))
assert(io.open(rwkv.default_model, "rb")):close()
local m = rwkv.load(rwkv.default_model)
local byname = rwkv.load("tiny-rwkv7-834K-F32.gguf") -- not in the cwd: found in the models folder
assert(byname.info.path:match("/tiny%-rwkv7%-834K%-F32%.gguf$"), byname.info.path)
byname:close()
local noarg = rwkv.load() -- no path: the host's model (rwkv.model_path) or the default model
assert(noarg.info.path == rwkv.default_model)
noarg:close()
fails("no%-such%-model%.gguf", rwkv.load, "no-such-model.gguf")
fails("unknown option 'chunks'", rwkv.load, rwkv.default_model, {chunks = 4})
fails("option chunk", rwkv.load, rwkv.default_model, {chunk = -1})
fails("not an? %a+", rwkv.load, "tests/data/expected-logits-7v0-834K.bin")

-- info
local info = m.info
assert(info.arch == "rwkv7" and info.file_type == "F32")
assert(info.n_layer == 12 and info.n_embd == 64 and info.n_vocab == 256)
assert(info.n_head * info.head_size == 64 and info.n_ffn > 0)
assert(info.n_params > 800000 and info.gpu_bytes > 0 and info.load_ms >= 0)
assert(info.tensor_types.f32 and info.tensor_types.f32 > 0)
assert(type(info.renderer) == "string" and #info.renderer > 0)
assert(info.state_size == 12 * (2 * 64 + 64 * 64))
assert(tostring(m):match("^rwkv%.model%(.*F32, 12 layers"), tostring(m))

-- tokenizer
local ids = m:tokenize('"in')
assert(#ids == 3 and m:detokenize(ids) == '"in')
assert(m:detokenize({}) == "" and #m:tokenize("") == 0)
fails("outside the vocabulary", m.detokenize, m, {300})

-- forward: reference logits of '"in' from a zero state (tests/data/expected-logits-7v0-834K.bin)
local f = assert(io.open("tests/data/expected-logits-7v0-834K.bin", "rb"))
local raw = f:read("a")
f:close()
assert(#raw == 256 * 4)
local expected = {}
for i = 1, 256 do expected[i] = string.unpack("<f", raw, (i - 1) * 4 + 1) end
local s = m:state()
local logits = m:forward('"in', s)
assert(#logits == 256)
assert(maxdiff(logits, expected) < 1e-4, "logits differ from the reference by " .. maxdiff(logits, expected))
-- ids give the same; so does feeding token by token, and "none" then "last"
assert(maxdiff(m:forward(ids, m:state()), expected) < 1e-5)
local s2 = m:state()
assert(select("#", m:forward({ids[1], ids[2]}, s2, {output = "none"})) == 0)
assert(maxdiff(m:forward(ids[3], s2), expected) < 1e-5)
-- "all": one vector per token, the last equals "last"; chunk does not change results
local all = m:forward(ids, m:state(), {output = "all"})
assert(#all == 3 and #all[1] == 256 and maxdiff(all[3], expected) < 1e-5)
local first = m:forward(ids[1], m:state())
assert(maxdiff(all[1], first) < 1e-5)
local chunked = m:forward(ids, m:state(), {output = "all", chunk = 1})
for i = 1, 3 do assert(maxdiff(chunked[i], all[i]) < 1e-5) end

-- embed: the hidden vector (n_embd) of the last token
local e = m:embed('"in')
assert(#e == 64 and e:norm() > 0)
assert(maxdiff(m:embed(ids), e) < 1e-6)
local eall = m:embed('"in', {output = "all"})
assert(#eall == 3 and maxdiff(eall[3], e) < 1e-6 and maxdiff(eall[1], m:embed(ids[1])) < 1e-5)
local es = m:state()
m:embed('"i', {state = es}) -- the state is advanced
assert(maxdiff(m:embed("n", {state = es}), e) < 1e-5)
-- the hidden vector goes through the head: the logits are a linear map of it, so
-- states advanced by embed and by forward are the same
local fs, es2 = m:state(), m:state()
m:forward("hello", fs, {output = "none"})
m:embed("hello", {state = es2})
assert(maxdiff(fs:vector(), es2:vector()) < 1e-6)

-- embed_batch equals one-by-one embeds
local texts = {"hello", '"in', "a much longer text than the others", "x", {65, 66, 67}}
local batch = m:embed_batch(texts)
assert(#batch == #texts)
for i, t in ipairs(texts) do
  local d = maxdiff(batch[i], m:embed(t))
  assert(d < 1e-5, ("item %d differs by %g"):format(i, d))
end
assert(#m:embed_batch({}) == 0)
-- opts.state: each sequence starts from (a clone of) it; it is not advanced
local base = m:state()
m:forward("prefix ", base, {output = "none"})
local before = base:vector()
local b2 = m:embed_batch({"one", "two"}, {state = base})
assert(maxdiff(base:vector(), before) == 0, "embed_batch advanced opts.state")
assert(maxdiff(b2[1], m:embed("one", {state = base:clone()})) < 1e-5)
assert(maxdiff(b2[2], m:embed("two", {state = base:clone()})) < 1e-5)

-- misuse: empty input, bad ids, missing or foreign states, huge requests
fails("empty input", m.forward, m, "", m:state())
fails("empty input", m.forward, m, {}, m:state())
fails("element 2 is a non%-integral number", m.forward, m, {1, 1.5}, m:state())
fails("element 1 is string", m.forward, m, {"a"}, m:state())
fails("element 1 is token id 256, outside the vocabulary", m.forward, m, {256}, m:state())
fails("element 2 is token id %-1", m.forward, m, {1, -1}, m:state())
fails("token id 1000000000 is outside the vocabulary", m.forward, m, 1e9, m:state())
fails("state is required", m.forward, m, "a")
fails("unknown option 'outputs'", m.forward, m, "a", m:state(), {outputs = "all"})
fails("option output must be", m.forward, m, "a", m:state(), {output = "every"})
local huge = setmetatable({}, {__len = function() return 1e9 end})
fails("1000000000 tokens in one request is too many", m.forward, m, huge, m:state())
fails("too many", m.embed, m, huge)
fails("text of 67108865 bytes is too long", m.forward, m, ("a"):rep((1 << 26) + 1), m:state())
fails("10000000 items is too many", m.embed_batch, m, setmetatable({}, {__len = function() return 1e7 end}))
fails("item 2: empty input", m.embed_batch, m, {"a", ""})
fails("item 1: element 1 is token id 999", m.embed_batch, m, {{999}})
fails("only output \"last\"", m.embed_batch, m, {"a"}, {output = "all"})

-- a second model (other shape) and its states
local other = rwkv.load("tests/fuzz/corpus_gguf/d16-f32.gguf")
assert(other.info.n_embd == 16)
local os = other:state()
fails("state belongs to another model", m.forward, m, "a", os)
fails("state belongs to another model", m.embed, m, "a", {state = os})
fails("state belongs to another model", m.embed_batch, m, {"a"}, {state = os})
assert(#other:forward({1, 2}, os) == other.info.n_vocab)

-- its own GPU context (software device) gives the same logits
local sw = rwkv.load(rwkv.default_model, {software = true, chunk = 2})
assert(maxdiff(sw:forward('"in', sw:state()), expected) < 1e-4)
local sw_bytes = sw.info.gpu_bytes -- (alone in the software device's context)
sw:close()

-- lazy_head: embeddings without the head, then logits as with it (in that context, now empty)
local lz = rwkv.load(rwkv.default_model, {software = true, lazy_head = true})
assert(lz.info.gpu_bytes + 4 * m.info.n_embd * m.info.n_vocab <= sw_bytes, "the head is not on the GPU")
assert(maxdiff(lz:embed('"in'), m:embed('"in')) == 0)
assert(maxdiff(lz:forward('"in', lz:state()), expected) < 1e-4)
lz:close()
fails("lazy_head must be a boolean", rwkv.load, rwkv.default_model, {lazy_head = 1})

-- close: later use raises "model is closed" / "state is closed", never crashes
local live = other:state()
other:close()
fails("model is closed", other.forward, other, {1}, live)
fails("model is closed", other.state, other)
fails("model is closed", other.embed, other, {1})
fails("model is closed", other.tokenize, other, "a")
fails("state is closed", live.vector, live)
fails("state is closed", os.clone, os)
fails("state is closed", m.forward, m, "a", os)
assert(other.info.n_embd == 16, "info stays readable")
assert(tostring(other) == "rwkv.model(closed)")
other:close() -- twice is fine

-- __close and __gc
do
  local scoped <close> = rwkv.load(rwkv.default_model)
  assert(#scoped:embed("a") == 64)
end
for _ = 1, 3 do rwkv.load(rwkv.default_model):state() end
collectgarbage()
collectgarbage()

-- the model still works after all of this
assert(maxdiff(m:forward('"in', m:state()), expected) < 1e-4)
m:close()
print("test_model: ok")
