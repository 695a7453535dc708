-- generate.lua: continue a prompt with an RWKV model.
--
--   rwkv-lua scripts/generate.lua [options] [prompt words ...]
--   echo "Once upon a time" | rwkv-lua scripts/generate.lua -n 50
--
-- The prompt is the arguments joined by spaces, or stdin when there are none.
-- Options:
--   -n, --max-tokens N   tokens to generate (default 128)
--   -t, --temperature X  sampling temperature (default 1; 0 = greedy)
--   --top-p X            nucleus sampling (default: off)
--   --top-k N            keep the N most likely tokens (default: off)
--   --seed N             sampling seed (default: random)
--   --stop S             stop at this string (repeatable)
--   --model PATH         GGUF model (default: rwkv.default_model)
--   --stats              print tokens and speed to stderr
--   -h, --help           this help
local rwkv = require "rwkv"

local function usage(code)
  io.stderr:write([[
usage: rwkv-lua scripts/generate.lua [-n N] [-t T] [--top-p P] [--top-k K] [--seed S]
                                     [--stop STR] [--model PATH] [--stats] [prompt ...]
The prompt is the arguments, or stdin when none are given.
]])
  os.exit(code)
end

local function fail(msg)
  io.stderr:write("generate.lua: ", msg, "\n")
  os.exit(2)
end

-- parse the command line
local opts = {max_tokens = 128, temperature = 1}
local model_path, show_stats, words, stops = nil, false, {}, {}
local i = 1
local function value(name, conv)
  local v = arg[i + 1]
  if v == nil then fail(name .. " needs a value") end
  i = i + 1
  if conv then
    local x = conv(v)
    if x == nil then fail(("%s: %q is not a number"):format(name, v)) end
    return x
  end
  return v
end
local function int(v) return math.tointeger(tonumber(v)) end
while i <= #arg do
  local a = arg[i]
  if a == "-n" or a == "--max-tokens" then opts.max_tokens = value(a, int)
  elseif a == "-t" or a == "--temperature" then opts.temperature = value(a, tonumber)
  elseif a == "--top-p" then opts.top_p = value(a, tonumber)
  elseif a == "--top-k" then opts.top_k = value(a, int)
  elseif a == "--seed" then opts.seed = value(a, int)
  elseif a == "--stop" then stops[#stops + 1] = value(a)
  elseif a == "--model" then model_path = value(a)
  elseif a == "--stats" then show_stats = true
  elseif a == "-h" or a == "--help" then usage(0)
  elseif a == "--" then table.move(arg, i + 1, #arg, #words + 1, words); break
  elseif a:sub(1, 1) == "-" and #a > 1 then fail("unknown option " .. a)
  else words[#words + 1] = a end
  i = i + 1
end
if opts.max_tokens < 1 then fail("--max-tokens must be at least 1") end
if #stops > 0 then opts.stop = stops end

local prompt = #words > 0 and table.concat(words, " ") or io.read("a")
if prompt == nil or prompt == "" then fail("empty prompt (give it as arguments or on stdin)") end
prompt = prompt:gsub("\n$", "") -- a piped line's newline is not part of the prompt

local model = rwkv.load(model_path or rwkv.default_model)
local t0, n = os.clock(), 0
io.write(prompt)
for piece in model:generate(prompt, opts) do
  io.write(piece)
  io.stdout:flush()
  n = n + 1
end
io.write("\n")
if show_stats then
  local dt = os.clock() - t0
  io.stderr:write(("[%d pieces, %.2f s cpu, model %s]\n"):format(n, dt, model.info.path or "?"))
end
model:close()
