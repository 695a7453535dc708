-- rwkv.extract: pull named fields out of an email with an RWKV model.
--
--   local extract = require "rwkv.extract"
--   local result = extract.run(model, email_text, schema [, opts])
--   print(extract.to_json(result))
--
-- schema: a list of {name = "...", description = "..."} tables or
-- "name: description" strings (extract.load_schema reads one from a JSON file).
--
-- The pipeline, step by step:
--   1. Document: the email is framed by an instruction prompt and run through
--      the model ONCE with model:embed{state = s}; that single pass leaves the
--      document state in s and returns the document embedding (the hidden
--      vector after the last token).
--   2. Embeddings: every non-empty line of the email and every field's
--      "name: description" are embedded in one batch through the embeddings
--      cache (rwkv.cache.embeddings -> one model:embed_batch for all misses).
--   3. Ranking: a field's score is the cosine similarity of its embedding and
--      the document embedding; its evidence is the email line whose embedding
--      is the most similar to the field's. Fields are ranked by score.
--   4. Values: for each field a CLONE of the document state continues with a
--      short field prompt (the evidence line, then "name (description):") and
--      the model writes the value greedily, stopping at a newline. Since the
--      document is never run again, each field costs only its prompt and value
--      tokens (the RWKV state is the whole context).
--
-- With the shipped tiny random-weight model the values are nonsense; the
-- pipeline and its JSON are the same as with a real RWKV-7 model.
local cjson = require "cjson"
local cache = require "rwkv.cache"

local M = {}

-- The instruction that frames the email (the document prompt).
M.document_prompt = "Instruction: Read the email below and extract the requested fields. "
  .. "Answer each field with a short value taken from the email, or \"none\".\n\nEmail:\n%s\n\n"

-- The per-field prompt, continued from the document state: evidence line,
-- field name, description.
M.field_prompt = "Relevant line: %s\n%s (%s):"

local function trim(s) return (s:gsub("^%s+", ""):gsub("%s+$", "")) end

-- A clock in seconds: rwkv.clock when the host provides one, else os.clock.
local function default_clock()
  local ok, rwkv = pcall(require, "rwkv")
  if ok and type(rwkv) == "table" and type(rwkv.clock) == "function" then return rwkv.clock end
  return os.clock
end

-- Normalise a schema to a list of {name =, description =}; raises an error
-- naming the entry at fault.
function M.parse_schema(schema)
  if type(schema) ~= "table" then error("rwkv.extract: schema must be a list, got " .. type(schema), 2) end
  local out, seen = {}, {}
  for i, f in ipairs(schema) do
    local name, desc
    if type(f) == "string" then
      name, desc = f:match("^%s*([^:]-)%s*:%s*(.-)%s*$")
      if not name then name, desc = trim(f), "" end
    elseif type(f) == "table" then
      name, desc = f.name, f.description
      if desc == nil or desc == cjson.null then desc = "" end
    end
    if type(name) ~= "string" or trim(name) == "" then
      error(("rwkv.extract: schema entry %d has no name"):format(i), 2)
    end
    if type(desc) ~= "string" then
      error(("rwkv.extract: schema entry %d (%s): description must be a string"):format(i, name), 2)
    end
    name = trim(name)
    if seen[name] then error(("rwkv.extract: schema entry %d: field %q appears twice"):format(i, name), 2) end
    seen[name] = true
    out[#out + 1] = {name = name, description = trim(desc)}
  end
  if #out == 0 then error("rwkv.extract: the schema has no fields", 2) end
  return out
end

-- Read a schema from a JSON file: a list of {"name", "description"} objects or
-- "name: description" strings, or an object {"fields": [...]}.
function M.load_schema(path)
  local f, why = io.open(path, "rb")
  if not f then error("rwkv.extract: cannot open schema " .. tostring(why), 2) end
  local text = f:read("a")
  f:close()
  local ok, doc = pcall(cjson.decode, text)
  if not ok then error(("rwkv.extract: %s is not valid JSON: %s"):format(path, tostring(doc)), 2) end
  if type(doc) == "table" and doc.fields then doc = doc.fields end
  local ok2, schema = pcall(M.parse_schema, doc)
  if not ok2 then error(("%s (in %s)"):format(schema, path), 2) end
  return schema
end

-- The non-empty lines of the email (trimmed), the candidates for evidence.
function M.split_lines(text)
  local lines = {}
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    line = trim(line:gsub("\r", ""))
    if line ~= "" then lines[#lines + 1] = line end
  end
  return lines
end

local function finite(x) return (x == x and x ~= math.huge and x ~= -math.huge) and x or 0 end

-- Run the pipeline. opts:
--   max_tokens  tokens per value (default 24)
--   cache       an rwkv.cache.embeddings to reuse across calls (default: a new one)
--   clock       function returning seconds (default rwkv.clock or os.clock)
--   gen         extra model:generate options (e.g. {temperature = 0.3, seed = 1})
-- Returns {fields = {{name, description, value, score, rank, evidence,
-- evidence_score, finish}, ...} in schema order, timings = {... in ms},
-- document = {tokens, lines}}.
function M.run(model, email, schema, opts)
  opts = opts or {}
  if type(email) ~= "string" then error("rwkv.extract.run: email text expected, got " .. type(email), 2) end
  if trim(email) == "" then error("rwkv.extract.run: the email is empty", 2) end
  local fields = M.parse_schema(schema)
  local clock = opts.clock or default_clock()
  local emb = opts.cache or cache.embeddings(model)
  local max_tokens = opts.max_tokens or 24
  local timings = {}
  local t0 = clock()
  local t = t0
  local function lap(what)
    local now = clock()
    timings[what] = (now - t) * 1000
    t = now
  end

  -- 1. the document: one pass gives the state and the document embedding
  local doc_ids = model:tokenize(M.document_prompt:format(email))
  local doc_state = model:state()
  local doc_vec = model:embed(doc_ids, {state = doc_state})
  lap("document_ms")

  -- 2. lines and field descriptions, embedded in one batch
  local lines = M.split_lines(email)
  local texts = {}
  for i, line in ipairs(lines) do texts[i] = line end
  for _, f in ipairs(fields) do
    texts[#texts + 1] = f.description ~= "" and (f.name .. ": " .. f.description) or f.name
  end
  local vecs = emb:get_many(texts)
  lap("embed_ms")

  -- 3. score each field against the document, pick its evidence line, rank
  local order = {}
  for i, f in ipairs(fields) do
    local fv = vecs[#lines + i]
    f.score = finite(fv:cosine(doc_vec))
    f.evidence_score = -math.huge
    for j, line in ipairs(lines) do
      local s = finite(fv:cosine(vecs[j]))
      if s > f.evidence_score then f.evidence, f.evidence_score = line, s end
    end
    if not f.evidence then f.evidence, f.evidence_score = "", 0 end
    order[i] = i
  end
  table.sort(order, function(a, b)
    if fields[a].score ~= fields[b].score then return fields[a].score > fields[b].score end
    return a < b
  end)
  for rank, i in ipairs(order) do fields[i].rank = rank end
  lap("rank_ms")

  -- 4. each value from a clone of the document state (the document is not rerun)
  for _, f in ipairs(fields) do
    local s = doc_state:clone()
    local gopts = {state = s, temperature = 0, max_tokens = max_tokens, stop = "\n",
                   on_token = function() end}
    for k, v in pairs(opts.gen or {}) do gopts[k] = v end
    local prompt = M.field_prompt:format(f.evidence, f.name, f.description ~= "" and f.description or f.name)
    local text, reason = model:generate(prompt, gopts)
    f.value, f.finish = trim(text or ""), reason
    if s.close then s:close() end
  end
  lap("generate_ms")
  if doc_state.close then doc_state:close() end

  timings.total_ms = (clock() - t0) * 1000
  return {fields = fields, timings = timings,
          document = {tokens = #doc_ids, lines = #lines}}
end

---------------------------------------------------------------------------------
-- JSON
---------------------------------------------------------------------------------
-- Keys in this order first, the rest sorted, so the output is stable.
local KEY_ORDER = {"fields", "name", "value", "score", "rank", "evidence", "evidence_score",
                   "description", "finish", "document", "timings"}
local KEY_RANK = {}
for i, k in ipairs(KEY_ORDER) do KEY_RANK[k] = i end

local function is_list(t)
  local n = #t
  for k in pairs(t) do
    if math.type(k) ~= "integer" or k < 1 or k > n then return false end
  end
  return true
end

local function encode(v, indent, out, depth)
  if depth > 64 then error("rwkv.extract.to_json: nested too deeply", 0) end
  local tv = type(v)
  if tv == "number" then
    out[#out + 1] = cjson.encode(finite(v))
  elseif tv ~= "table" then
    out[#out + 1] = cjson.encode(v) -- strings (escaped by cjson), booleans, cjson.null
  else
    local pad = indent and ("\n" .. indent:rep(depth + 1)) or ""
    local close = indent and ("\n" .. indent:rep(depth)) or ""
    local sep = indent and ": " or ":"
    if is_list(v) and (#v > 0 or next(v) == nil) then
      if #v == 0 then out[#out + 1] = "[]" return end
      out[#out + 1] = "["
      for i = 1, #v do
        out[#out + 1] = (i > 1 and "," or "") .. pad
        encode(v[i], indent, out, depth + 1)
      end
      out[#out + 1] = close .. "]"
    else
      local keys = {}
      for k in pairs(v) do keys[#keys + 1] = tostring(k) end
      table.sort(keys, function(a, b)
        local ra, rb = KEY_RANK[a] or 1000, KEY_RANK[b] or 1000
        if ra ~= rb then return ra < rb end
        return a < b
      end)
      out[#out + 1] = "{"
      for i, k in ipairs(keys) do
        local val = v[k]
        if val == nil then val = v[tonumber(k)] end
        out[#out + 1] = (i > 1 and "," or "") .. pad .. cjson.encode(k) .. sep
        encode(val, indent, out, depth + 1)
      end
      out[#out + 1] = close .. "}"
    end
  end
end

-- The result as JSON text (strings escaped by cjson; stable key order).
-- opts.indent: a string such as "  " for pretty output (default compact).
function M.to_json(result, opts)
  local out = {}
  encode(result, opts and opts.indent, out, 0)
  return table.concat(out)
end

return M
