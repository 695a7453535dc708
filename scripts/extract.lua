-- extract.lua: extract fields from an email as JSON (the rwkv.extract pipeline).
--
--   rwkv-lua scripts/extract.lua [--model PATH] [--max-tokens N] [--compact] [EMAIL [SCHEMA]]
--
-- EMAIL defaults to scripts/data/email.txt ("-" reads stdin), SCHEMA to
-- scripts/data/schema.json (a JSON list of {"name", "description"} objects or
-- "name: description" strings). Prints the result as JSON on stdout.
local rwkv = require "rwkv"
local extract = require "rwkv.extract"

-- the data folder next to this script, so it runs from any directory
local here = (arg[0]:match("^(.*)[/\\]") or ".")
local email_path, schema_path = here .. "/data/email.txt", here .. "/data/schema.json"

local function fail(msg)
  io.stderr:write("extract.lua: ", msg, "\n")
  os.exit(2)
end

local model_path, max_tokens, indent, files = nil, 24, "  ", {}
local i = 1
while i <= #arg do
  local a = arg[i]
  if a == "--model" then model_path = arg[i + 1] or fail("--model needs a path"); i = i + 1
  elseif a == "--max-tokens" or a == "-n" then
    max_tokens = math.tointeger(tonumber(arg[i + 1] or "")) or fail(a .. " needs an integer")
    i = i + 1
  elseif a == "--compact" then indent = nil
  elseif a == "-h" or a == "--help" then
    io.write("usage: rwkv-lua scripts/extract.lua [--model PATH] [--max-tokens N] [--compact] [EMAIL [SCHEMA]]\n")
    os.exit(0)
  elseif a:sub(1, 1) == "-" and a ~= "-" then fail("unknown option " .. a)
  else files[#files + 1] = a end
  i = i + 1
end
if #files > 2 then fail("at most two files: EMAIL and SCHEMA") end
email_path, schema_path = files[1] or email_path, files[2] or schema_path

local email
if email_path == "-" then
  email = io.read("a")
else
  local f, why = io.open(email_path, "rb")
  if not f then fail("cannot open email " .. tostring(why)) end
  email = f:read("a")
  f:close()
end
local ok, schema = pcall(extract.load_schema, schema_path)
if not ok then fail(schema) end

local model = rwkv.load(model_path or rwkv.default_model)
local ok2, result = pcall(extract.run, model, email, schema, {max_tokens = max_tokens})
if not ok2 then fail(result) end
result.model = model.info.path
io.write(extract.to_json(result, {indent = indent}), "\n")
model:close()
