-- embed.lua: cosine similarity matrix of texts embedded by an RWKV model.
--
--   rwkv-lua scripts/embed.lua "first text" "second text" ...
--   printf 'a cat\na dog\na car\n' | rwkv-lua scripts/embed.lua
--
-- Texts are the arguments, or the non-empty lines of stdin when there are none.
-- All texts are embedded in one batch (rwkv.cache.embeddings -> embed_batch).
-- Options: --model PATH (default rwkv.default_model), -h/--help.
local rwkv = require "rwkv"
local cache = require "rwkv.cache"

local model_path, texts = nil, {}
local i = 1
while i <= #arg do
  local a = arg[i]
  if a == "--model" then
    model_path = arg[i + 1]
    if not model_path then io.stderr:write("embed.lua: --model needs a path\n") os.exit(2) end
    i = i + 1
  elseif a == "-h" or a == "--help" then
    io.write("usage: rwkv-lua scripts/embed.lua [--model PATH] [text ...]  (or texts as lines of stdin)\n")
    os.exit(0)
  else
    texts[#texts + 1] = a
  end
  i = i + 1
end
if #texts == 0 then
  for line in io.lines() do
    if line:match("%S") then texts[#texts + 1] = line end
  end
end
if #texts == 0 then io.stderr:write("embed.lua: no texts (give them as arguments or lines of stdin)\n") os.exit(2) end

-- embeddings only: the output head is never uploaded (lazy_head)
local model = rwkv.load(model_path or rwkv.default_model, {lazy_head = true})
local vecs = cache.embeddings(model):get_many(texts)

-- the matrix: one row per text, labelled by index; the texts are listed first
for k, t in ipairs(texts) do
  io.write(("[%d] %s\n"):format(k, #t > 60 and (t:sub(1, 57) .. "...") or t))
end
io.write("\n      ")
for k = 1, #texts do io.write(("%8s"):format("[" .. k .. "]")) end
io.write("\n")
for r = 1, #texts do
  io.write(("%6s"):format("[" .. r .. "]"))
  for c = 1, #texts do io.write(("%8.4f"):format(vecs[r]:cosine(vecs[c]))) end
  io.write("\n")
end
model:close()
