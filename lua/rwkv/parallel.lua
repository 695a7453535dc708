-- rwkv.parallel: several generations in lockstep, one batched forward pass per
-- step (model:forward_batch), e.g. a value for each schema field at once.
--
--   local parallel = require "rwkv.parallel"
--   local texts = parallel.generate(model, {"prompt 1", "prompt 2"}, {max_tokens = 20})
--
-- opts: max_tokens (default 64), temperature (default 0 = greedy), top_k (sampling
-- among the k best; default 0 = all), seed, stop (a string that ends a sequence; not
-- included), states (a list of states to continue from; default fresh ones; they are
-- advanced). Returns the list of texts and the list of reasons ("max_tokens", "stop").
local M = {}

-- Pick a token from a logits vector: argmax, or a draw at temperature t among the
-- top k (all when k is 0) with rng (a function returning [0, 1)).
local function pick(logits, t, k, rng)
  if t == 0 then return logits:argmax() - 1 end
  local idx, val = logits:topk(k > 0 and k or #logits)
  local best, weights, sum = val[1], {}, 0
  for i = 1, #idx do
    weights[i] = math.exp((val[i] - best) / t)
    sum = sum + weights[i]
  end
  local r = rng() * sum
  for i = 1, #idx do
    r = r - weights[i]
    if r < 0 then return idx[i] - 1 end
  end
  return idx[#idx] - 1
end

function M.generate(model, prompts, opts)
  opts = opts or {}
  local n = #prompts
  assert(n >= 1, "parallel.generate: no prompts")
  local max_tokens = opts.max_tokens or 64
  assert(math.type(max_tokens) == "integer" and max_tokens >= 1, "parallel.generate: max_tokens must be >= 1")
  local t, k = opts.temperature or 0, opts.top_k or 0
  local rng = math.random
  if opts.seed then
    -- a private generator: same seed, same texts, whatever else uses math.random
    local x = opts.seed
    rng = function()
      x = (x * 6364136223846793005 + 1442695040888963407) & 0x7fffffffffffffff
      return (x >> 11) / 4503599627370496.0
    end
  end
  local states, texts, reasons, active = {}, {}, {}, {}
  for i = 1, n do
    states[i] = opts.states and opts.states[i] or model:state()
    texts[i], active[i] = {}, true
  end
  -- the prompts in one pass, then one token per active sequence per pass
  local logits = model:forward_batch(prompts, states)
  for _ = 1, max_tokens do
    local ids, sts, who = {}, {}, {}
    for i = 1, n do
      if active[i] then
        local tok = pick(logits[i], t, k, rng)
        local parts = texts[i]
        parts[#parts + 1] = model:detokenize({tok})
        if opts.stop then
          local s = table.concat(parts)
          local at = s:find(opts.stop, 1, true)
          if at then
            texts[i] = {s:sub(1, at - 1)}
            active[i], reasons[i] = false, "stop"
          end
        end
        if active[i] then
          ids[#ids + 1], sts[#sts + 1], who[#who + 1] = {tok}, states[i], i
        end
      end
    end
    if #ids == 0 then break end
    local out = model:forward_batch(ids, sts)
    logits = {}
    for j, i in ipairs(who) do logits[i] = out[j] end
  end
  local result = {}
  for i = 1, n do
    result[i] = table.concat(texts[i])
    reasons[i] = reasons[i] or "max_tokens"
  end
  return result, reasons
end

return M
