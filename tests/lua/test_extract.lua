-- test_extract.lua: lua/rwkv/extract.lua on the shipped tiny model and the
-- example email, plus the scripts run through the rwkv-lua binary with piped
-- input. ctest runs it from the source root as `rwkv-lua tests/lua/test_extract.lua`.
local rwkv = require "rwkv"
local cjson = require "cjson"
local cache = require "rwkv.cache"
local extract = require "rwkv.extract"

local function fails(pattern, f, ...)
  local ok, msg = pcall(f, ...)
  assert(not ok, "expected an error matching " .. pattern)
  assert(tostring(msg):find(pattern, 1, true), "error '" .. tostring(msg) .. "' does not match " .. pattern)
end

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

local tmp = os.tmpname()
local function write(path, s)
  local f = assert(io.open(path, "wb"))
  f:write(s)
  f:close()
end

---------------------------------------------------------------------------------
-- schema parsing and the JSON writer (no model)
---------------------------------------------------------------------------------
do
  local s = extract.parse_schema{{name = "a", description = "the a"}, "b: the b: really", " c "}
  assert(#s == 3 and s[1].name == "a" and s[1].description == "the a")
  assert(s[2].name == "b" and s[2].description == "the b: really")
  assert(s[3].name == "c" and s[3].description == "")
  fails("entry 2 has no name", extract.parse_schema, {"a: x", {description = "y"}})
  fails("appears twice", extract.parse_schema, {"a: x", "a: y"})
  fails("no fields", extract.parse_schema, {})
  fails("schema must be a list", extract.parse_schema, "a: x")
  local schema = extract.load_schema("scripts/data/schema.json")
  assert(#schema == 7 and schema[1].name == "sender_name" and schema[7].name == "urgency")
  write(tmp, "[{\"name\": 3}]")
  fails("entry 1 has no name", extract.load_schema, tmp)
  write(tmp, "[oops")
  fails("is not valid JSON", extract.load_schema, tmp)
  fails("cannot open schema", extract.load_schema, "no/such/schema.json")

  local lines = extract.split_lines("  first \r\n\n\nsecond\n   \nthird")
  assert(#lines == 3 and lines[1] == "first" and lines[3] == "third")

  -- to_json: valid JSON, escapes, stable key order, NaN/inf made finite
  local r = {fields = {{name = "q\"\n\0", value = "é\t", score = 0 / 0, rank = 1, evidence = ""}},
             timings = {total_ms = math.huge}, document = {tokens = 3, lines = 0}}
  for _, indent in ipairs{false, "  "} do
    local text = extract.to_json(r, {indent = indent or nil})
    local back = cjson.decode(text)
    assert(back.fields[1].name == "q\"\n\0" and back.fields[1].value == "é\t")
    assert(back.fields[1].score == 0 and back.timings.total_ms == 0 and back.document.tokens == 3)
    assert(text:find('"name".-"value".-"score"'), "key order")
  end
  assert(extract.to_json({a = {}}) == '{"a":[]}')
end

---------------------------------------------------------------------------------
-- the pipeline on the tiny model and the example email
---------------------------------------------------------------------------------
local model = rwkv.load(rwkv.default_model)
local email = read("scripts/data/email.txt")
local schema = extract.load_schema("scripts/data/schema.json")

-- count the model calls: the document must be run once and the embeddings batched
local counts = {embed = 0, embed_batch = 0, generate = 0, batch = 0}
local counting = setmetatable({}, {__index = function(_, k)
  local v = model[k]
  if type(v) ~= "function" then return v end
  return function(_, ...)
    if counts[k] then counts[k] = counts[k] + 1 end
    if k == "embed_batch" then counts.batch = #select(1, ...) end
    return v(model, ...)
  end
end})

local emb = cache.embeddings(counting)
local result = extract.run(counting, email, schema, {max_tokens = 8, cache = emb})
assert(counts.embed == 1, "the document is run once, got " .. counts.embed)
assert(counts.embed_batch == 1, "lines and fields embedded in one batch, got " .. counts.embed_batch)
local lines = extract.split_lines(email)
assert(counts.batch == #lines + #schema, "batch of " .. counts.batch)
assert(counts.generate == #schema)

-- the JSON: valid, every field present in schema order with a value, score, evidence
local text = extract.to_json(result, {indent = "  "})
local doc = cjson.decode(text)
assert(#doc.fields == #schema)
local ranks = {}
for i, f in ipairs(doc.fields) do
  assert(f.name == schema[i].name, "field " .. i .. " is " .. tostring(f.name))
  assert(type(f.value) == "string" and not f.value:find("\n"), "value of " .. f.name)
  assert(type(f.score) == "number" and f.score >= -1.0001 and f.score <= 1.0001, "score of " .. f.name)
  assert(type(f.evidence) == "string" and f.evidence ~= "", "evidence of " .. f.name)
  local found = false
  for _, l in ipairs(lines) do found = found or l == f.evidence end
  assert(found, "the evidence is a line of the email")
  local rank = math.tointeger(f.rank) -- cjson decodes every number as a float
  assert(rank and rank >= 1 and rank <= #schema and not ranks[rank], "rank of " .. f.name)
  ranks[rank] = f
  assert(f.finish == "max_tokens" or f.finish == "stop_string" or f.finish == "eos" or f.finish == "stop_token")
end
for r = 1, #schema - 1 do assert(ranks[r].score >= ranks[r + 1].score, "ranked by score") end
assert(doc.document.tokens > 100 and doc.document.lines == #lines)
for _, k in ipairs{"document_ms", "embed_ms", "rank_ms", "generate_ms", "total_ms"} do
  assert(type(doc.timings[k]) == "number" and doc.timings[k] >= 0, k)
end
assert(cjson.decode(extract.to_json(result)).fields[1].name == "sender_name", "compact JSON")

-- greedy and deterministic: a second run gives the same values, and the
-- embeddings all come from the cache (no new batch)
counts.embed_batch = 0
local again = extract.run(counting, email, schema, {max_tokens = 8, cache = emb})
assert(counts.embed_batch == 0, "second run: embeddings cached")
for i, f in ipairs(again.fields) do
  assert(f.value == result.fields[i].value, "same value for " .. f.name)
  assert(f.evidence == result.fields[i].evidence)
end

-- the value is what the model writes from a clone of the document state
do
  local f = result.fields[1]
  local s = model:state()
  model:forward(model:tokenize(extract.document_prompt:format(email)), s, {output = "none"})
  local want = model:generate(extract.field_prompt:format(f.evidence, f.name, f.description),
    {state = s, temperature = 0, max_tokens = 8, stop = "\n", on_token = function() end})
  assert(want:gsub("^%s+", ""):gsub("%s+$", "") == f.value, "value of the first field")
end

fails("email is empty", extract.run, model, " \n ", schema)
fails("email text expected", extract.run, model, nil, schema)
fails("no fields", extract.run, model, email, {})
model:close()

---------------------------------------------------------------------------------
-- the scripts through the rwkv-lua binary, with piped input
---------------------------------------------------------------------------------
local exe = arg[-1]
assert(exe and exe:match("rwkv%-lua$"), tostring(exe))
local function sh(s) return "'" .. s:gsub("'", "'\\''") .. "'" end
local function run(cmd, input)
  local full = cmd
  if input then
    write(tmp, input)
    full = cmd .. " < " .. sh(tmp)
  end
  local p = assert(io.popen(full .. " 2>&1"))
  local out = p:read("a")
  local ok, how, code = p:close()
  return out, ok and 0 or code, how
end

-- extract.lua: JSON on stdout for the default email and schema
do
  local out, code = run(sh(exe) .. " scripts/extract.lua --compact -n 4")
  assert(code == 0, "extract.lua exit " .. tostring(code) .. ": " .. out)
  local r = cjson.decode(out)
  assert(#r.fields == #schema and r.fields[3].name == "invoice_number")
  -- a schema of its own and a short email on stdin
  local schema_file = tmp .. ".json"
  write(schema_file, '["who: the sender", {"name": "when", "description": "the date"}]')
  out, code = run(sh(exe) .. " scripts/extract.lua -n 2 - " .. sh(schema_file),
    "From: Bob <bob@example.com>\nSee you on Monday at 10.\nBob\n")
  assert(code == 0, "extract.lua exit " .. tostring(code) .. ": " .. out)
  r = cjson.decode(out)
  assert(#r.fields == 2 and r.fields[1].name == "who" and r.fields[2].name == "when")
  os.remove(schema_file)
  out, code = run(sh(exe) .. " scripts/extract.lua no/such/email.txt")
  assert(code ~= 0 and out:find("cannot open email"), out)
end

-- generate.lua: prompt from stdin and from arguments, greedy is deterministic
do
  local out1, code1 = run(sh(exe) .. " scripts/generate.lua -n 8 -t 0", "Hello there\n")
  assert(code1 == 0, "generate.lua exit " .. tostring(code1) .. ": " .. out1)
  assert(out1:sub(1, 11) == "Hello there", out1)
  local out2, code2 = run(sh(exe) .. " scripts/generate.lua -n 8 -t 0 Hello there")
  assert(code2 == 0 and out2 == out1, "same prompt, same greedy output")
  local out3, code3 = run(sh(exe) .. " scripts/generate.lua -n 5 --top-p 0.9 --seed 7 -t 0.8 --model "
    .. sh(rwkv.default_model) .. " Once")
  assert(code3 == 0 and out3:sub(1, 4) == "Once", out3)
  local out4, code4 = run(sh(exe) .. " scripts/generate.lua --bogus x")
  assert(code4 ~= 0 and out4:find("unknown option"), out4)
end

-- chat.lua: turns, /save, /reset, /load, /quit from a pipe
do
  local state_file = tmp .. ".state"
  local input = table.concat({
    "Hi, who are you?",
    "/save " .. state_file,
    "And what can you do?",
    "/reset",
    "/load " .. state_file,
    "/load no/such/state.bin",
    "/frobnicate",
    "Bye",
    "/quit",
    "this line is never read",
  }, "\n") .. "\n"
  local out, code = run(sh(exe) .. " scripts/chat.lua -n 6 --seed 1", input)
  assert(code == 0, "chat.lua exit " .. tostring(code) .. ": " .. out)
  local replies = select(2, out:gsub("Assistant:", ""))
  assert(replies == 3, "three replies, got " .. replies .. ":\n" .. out)
  assert(out:find("[saved", 1, true) and out:find("[conversation reset]", 1, true))
  assert(out:find("[loaded", 1, true) and out:find("[error:", 1, true) and out:find("unknown command", 1, true))
  -- the saved state is a real state file of this model
  local m = rwkv.load(rwkv.default_model)
  local st = rwkv.load_state(m, state_file)
  assert(#st:vector() > 0)
  m:close()
  os.remove(state_file)
  -- end of input without /quit also ends cleanly
  local out2, code2 = run(sh(exe) .. " scripts/chat.lua -n 3", "hello\n")
  assert(code2 == 0 and select(2, out2:gsub("Assistant:", "")) == 1, out2)
end

-- embed.lua: a similarity matrix with ones on the diagonal
do
  local out, code = run(sh(exe) .. " scripts/embed.lua", "a cat\na dog\n\na car\n")
  assert(code == 0, "embed.lua exit " .. tostring(code) .. ": " .. out)
  local rows = {}
  for label, rest in out:gmatch("\n%s*%[(%d)%]([%d%. %-]+)") do rows[tonumber(label)] = rest end
  assert(#rows == 3, out)
  for r = 1, 3 do
    local vals = {}
    for x in rows[r]:gmatch("%S+") do vals[#vals + 1] = tonumber(x) end
    assert(#vals == 3 and math.abs(vals[r] - 1) < 1e-3, "row " .. r .. ": " .. rows[r])
  end
  local out2, code2 = run(sh(exe) .. " scripts/embed.lua 'one text' 'another text'")
  assert(code2 == 0 and out2:find("[2] another text", 1, true), out2)
end

os.remove(tmp)
print("test_extract: ok")
