-- chat.lua: a multi-turn chat with an RWKV model; the conversation lives in
-- one RWKV state carried from turn to turn (no prompt is ever re-read).
--
--   rwkv-lua scripts/chat.lua [--model PATH] [-n N] [-t T] [--top-p P] [--seed S]
--   printf 'Hello\n/save s.bin\nHow are you?\n/quit\n' | rwkv-lua scripts/chat.lua
--
-- Each stdin line is a user message (works interactively and from a pipe).
-- Commands:
--   /save FILE   save the conversation state to FILE
--   /load FILE   restore a state saved by /save (same model)
--   /reset       forget the conversation
--   /help        list the commands
--   /quit        leave (end of input does too)
-- Turns use the RWKV "World" chat format: "User: ...\n\nAssistant: ...\n\n".
local rwkv = require "rwkv"

local function fail(msg)
  io.stderr:write("chat.lua: ", msg, "\n")
  os.exit(2)
end

local opts = {max_tokens = 200, temperature = 1, top_p = 0.3, stop = {"\n\n", "\nUser:"}}
local model_path = nil
local i = 1
local function num(name, int)
  local v = tonumber(arg[i + 1] or "")
  if int then v = math.tointeger(v) end
  if v == nil then fail(name .. " needs a number") end
  i = i + 1
  return v
end
while i <= #arg do
  local a = arg[i]
  if a == "--model" then model_path = arg[i + 1] or fail("--model needs a path"); i = i + 1
  elseif a == "-n" or a == "--max-tokens" then opts.max_tokens = num(a, true)
  elseif a == "-t" or a == "--temperature" then opts.temperature = num(a)
  elseif a == "--top-p" then opts.top_p = num(a)
  elseif a == "--seed" then opts.seed = num(a, true)
  elseif a == "-h" or a == "--help" then
    io.write("usage: rwkv-lua scripts/chat.lua [--model PATH] [-n N] [-t T] [--top-p P] [--seed S]\n")
    os.exit(0)
  else fail("unknown argument " .. a) end
  i = i + 1
end
if opts.max_tokens < 1 then fail("--max-tokens must be at least 1") end

local model = rwkv.load(model_path or rwkv.default_model)
local state = model:state()
local turns = 0 -- turns in the state (0: a fresh conversation)

local function say(...) io.write(...) io.stdout:flush() end

local commands = {}
function commands.save(file)
  if not file then return say("usage: /save FILE\n") end
  state:save(file)
  say(("[saved %d turn(s) to %s]\n"):format(turns, file))
end
function commands.load(file)
  if not file then return say("usage: /load FILE\n") end
  local loaded = rwkv.load_state(model, file)
  state:copy_from(loaded)
  loaded:close()
  turns = 1 -- unknown, but no longer fresh
  say(("[loaded %s]\n"):format(file))
end
function commands.reset()
  state:reset()
  turns = 0
  say("[conversation reset]\n")
end
function commands.help()
  say("/save FILE, /load FILE, /reset, /quit; anything else is a message\n")
end

say(("[rwkv-lua chat, model %s; /help for commands]\n"):format(model.info.path or "?"))
while true do
  say("> ")
  local line = io.read("l")
  if line == nil then say("\n") break end
  line = line:gsub("^%s+", ""):gsub("%s+$", "")
  local cmd, rest = line:match("^/(%a+)%s*(.-)$")
  if cmd == "quit" or cmd == "exit" then
    break
  elseif cmd then
    local f = commands[cmd]
    if not f then
      say(("[unknown command /%s; /help lists them]\n"):format(cmd))
    else
      -- a bad file must not end the session: report it and go on
      local ok, err = pcall(f, rest ~= "" and rest or nil)
      if not ok then say("[error: ", tostring(err), "]\n") end
    end
  elseif line ~= "" then
    -- the turn: the state already holds the conversation, feed only the new text
    local prompt = (turns > 0 and "\n\n" or "") .. "User: " .. line .. "\n\nAssistant:"
    local gopts = {state = state}
    for k, v in pairs(opts) do gopts[k] = v end
    say("Assistant:")
    for piece in model:generate(prompt, gopts) do say(piece) end
    say("\n")
    turns = turns + 1
  end
end
model:close()
