-- test_rwkv.lua: the `rwkv` module (host/lrwkv.c) and the host setup (package.path,
-- arg). ctest runs it from the source root as `rwkv-lua tests/lua/test_rwkv.lua`.
local rwkv = require "rwkv"

local function fails(pattern, f, ...)
  local ok, msg = pcall(f, ...)
  assert(not ok, "expected an error matching " .. pattern)
  assert(tostring(msg):find(pattern), "error '" .. tostring(msg) .. "' does not match " .. pattern)
end

-- module basics: preloaded, same table as the global, version
assert(package.preload.rwkv, "rwkv is preloaded")
assert(_G.rwkv == rwkv and package.loaded.rwkv == rwkv)
assert(type(rwkv.version) == "string" and rwkv.version:match("^%d+%.%d+%.%d+$"))
assert(rwkv.model_path == nil, "no default model in the plain interpreter")
assert(type(rwkv.load) == "function", "rwkv.load has its place")

-- package.path starts with the project's lua/ folder, ?.lua and ?/init.lua
local first = package.path:match("^[^;]+")
assert(first:match("/lua/%?%.lua$"), package.path)
local dir = first:gsub("%?%.lua$", "")
assert(package.path:find(dir .. "?/init.lua", 1, true), package.path)

-- arg: script at 0, interpreter before it
assert(arg[0]:match("test_rwkv%.lua$"), tostring(arg[0]))
assert(arg[-1]:match("rwkv%-lua$"), tostring(arg[-1]))
assert(select("#", ...) == 0)

-- tokenizer against the reference vectors
local vocab = "tests/data/tokenizer/rwkv_vocab_v20230424.txt"
local tok = rwkv.tokenizer(vocab)
assert(tok:vocab_size() >= 65529, tok:vocab_size())
assert(tostring(tok):match("^rwkv%.tokenizer%(%d+ tokens%)$"), tostring(tok))

local function unhex(h) return (h:gsub("..", function(x) return string.char(tonumber(x, 16)) end)) end
local f = assert(io.open("tests/data/tokenizer/vectors.txt", "rb"))
local cases = 0
while true do
  local head = f:read("l")
  if not head then break end
  local n, len = head:match("^CASE (%d+) (%d+)$")
  assert(n, "bad case header " .. head)
  local text = unhex(f:read("l"))
  assert(#text == tonumber(len))
  local want = {}
  for id in f:read("l"):gmatch("%d+") do want[#want + 1] = tonumber(id) end
  local got = tok:tokenize(text)
  assert(#got == #want, ("case %s: %d ids, want %d"):format(n, #got, #want))
  for i = 1, #want do assert(got[i] == want[i], ("case %s: id %d is %d, want %d"):format(n, i, got[i], want[i])) end
  assert(tok:detokenize(got) == text, "case " .. n .. " round trip")
  cases = cases + 1
  if cases == 12 then break end
end
f:close()
assert(cases == 12)

-- small cases and errors
local ids = tok:tokenize("Hello world")
assert(#ids >= 2 and tok:detokenize(ids) == "Hello world")
assert(#tok:tokenize("") == 0 and tok:detokenize({}) == "")
assert(tok:detokenize(ids[1]) == tok:detokenize({ids[1]}), "a single id")
local long = string.rep("abc ", 5000)
assert(tok:detokenize(tok:tokenize(long)) == long, "output longer than the first guess")
fails("string expected", tok.tokenize, tok, nil)
fails("table expected", tok.detokenize, tok, "x")
fails("element 2 is a string", tok.detokenize, tok, {1, "x"})
fails("detokenize", tok.detokenize, tok, {1, 999999})
fails("out of range", tok.detokenize, tok, {2 ^ 40})
fails("rwkv.tokenizer expected", tok.tokenize, {}, "x")
fails("string expected", rwkv.tokenizer)
fails("no/such/vocab.txt", rwkv.tokenizer, "no/such/vocab.txt")
do
  local t2 <close> = rwkv.tokenizer(vocab)
  assert(#t2:tokenize("x") == 1)
end
tok:close()
fails("closed", tok.tokenize, tok, "x")
assert(tostring(tok) == "rwkv.tokenizer(closed)")

-- GPU info (llvmpipe on the test machine); the GPU is opened once per state
local gi = rwkv.gpu_info()
for _, k in ipairs{"platform", "device", "vendor", "renderer", "version", "glsl"} do
  assert(type(gi[k]) == "string", k)
end
assert(gi.version:find("OpenGL ES 3", 1, true), gi.version)
assert(gi.gles_minor == 1 or gi.gles_minor == 2)
assert(type(gi.software) == "boolean" and type(gi.has_subgroup) == "boolean")
assert(math.type(gi.max_ssbo) == "integer" and gi.max_ssbo > 0)
assert(gi.max_invocations >= 128 and gi.max_shared >= 16384 and gi.max_ssbo_bindings >= 4)
local gi2 = rwkv.gpu_info()
assert(gi2.renderer == gi.renderer)

print("test_rwkv: ok")
