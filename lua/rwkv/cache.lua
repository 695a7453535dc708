-- rwkv.cache: caches for rwkv-lua.
--
--   cache.lru{max_entries = n, max_bytes = b [, on_evict = f]}
--       a least-recently-used map; every operation is O(1) (a hash from key to
--       node plus a doubly linked list ordered from most to least recently used).
--   cache.embeddings(model [, opts])
--       model:embed results cached by text; :get_many embeds all misses in ONE
--       model:embed_batch call.
--   cache.prefix(model [, opts])
--       RWKV states cached by token prefix: :state_for(ids) resumes from the
--       longest cached prefix instead of running the whole sequence again.
--
-- An RWKV state is a fixed-size summary of everything fed so far, so "the state
-- after tokens 1..k" is a perfect cache entry for any later sequence that starts
-- with those k tokens (the same idea as rwkv.cpp's and web-rwkv's state caches).
local M = {}

local function check_limit(v, what)
  if v == nil then return nil end
  if math.type(v) ~= "integer" or v < 0 then
    error(("rwkv.cache.lru: %s must be a non-negative integer, got %s"):format(what, tostring(v)), 3)
  end
  return v
end

---------------------------------------------------------------------------------
-- LRU
---------------------------------------------------------------------------------
local LRU = {}
LRU.__index = LRU

-- opts.max_entries, opts.max_bytes: either limit may be nil (unbounded).
-- opts.on_evict(key, value): called when an entry leaves the cache by eviction,
-- :remove, :clear or replacement by :put (e.g. to close a GPU state).
function M.lru(opts)
  opts = opts or {}
  if type(opts) ~= "table" then error("rwkv.cache.lru: options table expected", 2) end
  local self = setmetatable({}, LRU)
  self.max_entries = check_limit(opts.max_entries, "max_entries")
  self.max_bytes = check_limit(opts.max_bytes, "max_bytes")
  self.on_evict = opts.on_evict
  self:_init()
  return self
end

function LRU:_init()
  -- head/tail are sentinels: head.next is the most recently used node,
  -- tail.prev the least recently used one.
  self.head, self.tail = {}, {}
  self.head.next, self.tail.prev = self.tail, self.head
  self.map = {}
  self.n, self.bytes = 0, 0
  self.hits, self.misses, self.evictions = 0, 0, 0
end

local function unlink(node)
  node.prev.next, node.next.prev = node.next, node.prev
end

function LRU:_push_front(node)
  local first = self.head.next
  node.prev, node.next = self.head, first
  self.head.next, first.prev = node, node
end

-- Drop a node from the list and the map, telling on_evict unless quiet.
function LRU:_drop(node, quiet)
  unlink(node)
  self.map[node.key] = nil
  self.n = self.n - 1
  self.bytes = self.bytes - node.bytes
  if self.on_evict and not quiet then self.on_evict(node.key, node.value) end
end

-- The value for k (and mark it most recently used), or nil. Counts a hit or miss.
function LRU:get(k)
  local node = self.map[k]
  if not node then
    self.misses = self.misses + 1
    return nil
  end
  self.hits = self.hits + 1
  unlink(node)
  self:_push_front(node)
  return node.value
end

-- The value for k without touching the order or the statistics.
function LRU:peek(k)
  local node = self.map[k]
  return node and node.value
end

function LRU:has(k) return self.map[k] ~= nil end

-- Store v under k, costing `bytes` (default 0) against max_bytes. Evicts least
-- recently used entries until both limits hold. An entry that alone exceeds
-- max_bytes (or a cache with max_entries = 0) is not stored: returns false.
function LRU:put(k, v, bytes)
  if k == nil then error("rwkv.cache.lru:put: key is nil", 2) end
  if v == nil then error("rwkv.cache.lru:put: value is nil (use :remove)", 2) end
  bytes = bytes or 0
  if type(bytes) ~= "number" or bytes < 0 or bytes ~= bytes then
    error("rwkv.cache.lru:put: bytes must be a non-negative number, got " .. tostring(bytes), 2)
  end
  local old = self.map[k]
  if old then self:_drop(old, old.value == v) end -- same value again: keep it alive
  if (self.max_bytes and bytes > self.max_bytes) or self.max_entries == 0 then
    if self.on_evict then self.on_evict(k, v) end
    self.evictions = self.evictions + 1
    return false
  end
  local node = {key = k, value = v, bytes = bytes}
  self.map[k] = node
  self:_push_front(node)
  self.n = self.n + 1
  self.bytes = self.bytes + bytes
  while (self.max_entries and self.n > self.max_entries)
     or (self.max_bytes and self.bytes > self.max_bytes) do
    self:_drop(self.tail.prev)
    self.evictions = self.evictions + 1
  end
  return true
end

-- Remove k; returns its value (or nil when absent).
function LRU:remove(k)
  local node = self.map[k]
  if not node then return nil end
  self:_drop(node)
  return node.value
end

-- Remove every entry (on_evict sees each) and reset the statistics.
function LRU:clear()
  while self.n > 0 do self:_drop(self.tail.prev) end
  self:_init()
end

function LRU:stats()
  return {hits = self.hits, misses = self.misses, evictions = self.evictions,
          entries = self.n, bytes = self.bytes}
end

-- Keys from most to least recently used (for tests and debugging).
function LRU:keys()
  local out, node = {}, self.head.next
  while node ~= self.tail do
    out[#out + 1] = node.key
    node = node.next
  end
  return out
end

function LRU:__len() return self.n end

---------------------------------------------------------------------------------
-- embeddings
---------------------------------------------------------------------------------
local Emb = {}
Emb.__index = Emb

-- A cache key for a text or a table of token ids.
local function emb_key(x)
  if type(x) == "string" then return x end
  if type(x) == "table" then return "\0ids:" .. table.concat(x, ",") end
  error("rwkv.cache.embeddings: text or table of ids expected, got " .. type(x), 3)
end

-- opts: max_entries (default 4096), max_bytes, embed_opts (passed to
-- model:embed / model:embed_batch, e.g. {state = s}).
function M.embeddings(model, opts)
  if model == nil then error("rwkv.cache.embeddings: model expected", 2) end
  opts = opts or {}
  local self = setmetatable({}, Emb)
  self.model = model
  self.embed_opts = opts.embed_opts
  self.lru = M.lru{max_entries = opts.max_entries or 4096, max_bytes = opts.max_bytes}
  self.batches, self.embedded = 0, 0
  return self
end

-- The embedding of one text (model:embed on a miss).
function Emb:get(text)
  local k = emb_key(text)
  local v = self.lru:get(k)
  if v then return v end
  v = self.model:embed(text, self.embed_opts)
  self.embedded = self.embedded + 1
  self.lru:put(k, v, 4 * #v)
  return v
end

-- Embeddings of a list of texts, in order. Every miss (each distinct text once)
-- goes into a single model:embed_batch call.
function Emb:get_many(texts)
  if type(texts) ~= "table" then error("rwkv.cache.embeddings:get_many: table of texts expected", 2) end
  local out, todo, todo_keys, where = {}, {}, {}, {}
  for i, text in ipairs(texts) do
    local k = emb_key(text)
    local v = self.lru:get(k)
    if v then
      out[i] = v
    elseif where[k] then
      table.insert(where[k], i) -- the same text twice: embed it once
    else
      todo[#todo + 1] = text
      todo_keys[#todo_keys + 1] = k
      where[k] = {i}
    end
  end
  if #todo > 0 then
    local vecs = self.model:embed_batch(todo, self.embed_opts)
    self.batches = self.batches + 1
    self.embedded = self.embedded + #todo
    for j, k in ipairs(todo_keys) do
      local v = vecs[j]
      if v == nil then error("rwkv.cache.embeddings: embed_batch returned too few vectors", 2) end
      for _, i in ipairs(where[k]) do out[i] = v end
      self.lru:put(k, v, 4 * #v)
    end
  end
  return out
end

-- The LRU statistics plus batches (embed_batch calls) and embedded (texts run
-- through the model).
function Emb:stats()
  local s = self.lru:stats()
  s.batches, s.embedded = self.batches, self.embedded
  return s
end

function Emb:clear() self.lru:clear() end

---------------------------------------------------------------------------------
-- prefix states
---------------------------------------------------------------------------------
local Prefix = {}
Prefix.__index = Prefix

-- opts: chunk (store a state every `chunk` tokens, default 64), max_entries
-- (default 64), max_bytes, forward_opts (extra options for model:forward).
-- Cached states are owned by the cache and closed when evicted; state_for
-- always hands out a clone.
function M.prefix(model, opts)
  if model == nil then error("rwkv.cache.prefix: model expected", 2) end
  opts = opts or {}
  local chunk = opts.chunk or 64
  if math.type(chunk) ~= "integer" or chunk < 1 then
    error("rwkv.cache.prefix: chunk must be a positive integer, got " .. tostring(chunk), 2)
  end
  local self = setmetatable({}, Prefix)
  self.model, self.chunk = model, chunk
  -- lengths[L]: how many cached entries end at the off-boundary length L (the
  -- full sequences of earlier requests), so they can be found as prefixes too
  self.lengths = {}
  self.lru = M.lru{
    max_entries = opts.max_entries or 64, max_bytes = opts.max_bytes,
    on_evict = function(_, entry)
      if entry.n % chunk ~= 0 then
        local c = self.lengths[entry.n] - 1
        self.lengths[entry.n] = c > 0 and c or nil
      end
      if entry.state.close then entry.state:close() end
    end,
  }
  self.requests, self.tokens, self.reused, self.computed = 0, 0, 0, 0
  return self
end

-- Bytes of one state: 4 * the length of its CPU form (engine/rwkv.h layout:
-- per layer att_prev[n_embd], ffn_prev[n_embd], wkv[n_head][head_size]^2).
function Prefix:_state_bytes(state)
  if not self.state_bytes then
    local info = self.model.info
    if info and info.n_layer and info.n_embd and info.n_head and info.head_size then
      self.state_bytes = 4 * info.n_layer * (2 * info.n_embd + info.n_head * info.head_size * info.head_size)
    else
      self.state_bytes = 4 * #state:vector() -- one read-back, once
    end
  end
  return self.state_bytes
end

-- Keys: the ids joined by commas, so the key of a prefix is a prefix of the
-- full key (cut at the comma after its last id).
local function prefix_keys(ids)
  local s = table.concat(ids, ",")
  local ends, pos = {}, 0
  for i = 1, #ids do
    pos = pos + #tostring(ids[i])
    ends[i] = pos
    pos = pos + 1
  end
  return s, ends
end

-- A NEW state (the caller owns it) advanced over ids, plus the logits after the
-- last id when known (nil for an empty ids). The longest cached prefix (a
-- chunk boundary or the full sequence of an earlier request) is resumed;
-- states at the chunk boundaries passed and at the end are stored.
function Prefix:state_for(ids)
  if type(ids) ~= "table" then error("rwkv.cache.prefix:state_for: table of ids expected", 2) end
  local n = #ids
  self.requests = self.requests + 1
  self.tokens = self.tokens + n
  if n == 0 then return self.model:state(), nil end
  local s, ends = prefix_keys(ids)
  local function key(k) return s:sub(1, ends[k]) end

  -- The longest cached prefix: the full sequence, else the longest chunk
  -- boundary, else a longer earlier full sequence (probed with peek so that
  -- only the winner counts as a hit and moves to the front).
  local lru, start = self.lru, 0
  if lru:peek(key(n)) then
    start = n
  else
    for k = (n - 1) // self.chunk * self.chunk, self.chunk, -self.chunk do
      if lru:peek(key(k)) then start = k break end
    end
    for len in pairs(self.lengths) do
      if len > start and len < n and lru:peek(key(len)) then start = len end
    end
  end
  local entry
  if start > 0 then entry = lru:get(key(start)) else lru.misses = lru.misses + 1 end
  self.reused = self.reused + start

  local state = entry and entry.state:clone() or self.model:state()
  local logits = entry and entry.logits
  local fopts = {output = "last"}
  local pos = start
  while pos < n do
    local stop = math.min(n, (pos // self.chunk + 1) * self.chunk)
    logits = self.model:forward(table.move(ids, pos + 1, stop, 1, {}), state, fopts)
    self.computed = self.computed + (stop - pos)
    pos = stop
    if pos % self.chunk == 0 or pos == n then
      -- counted first: a refused put (too big) un-counts it through on_evict
      if pos % self.chunk ~= 0 then self.lengths[pos] = (self.lengths[pos] or 0) + 1 end
      self.lru:put(key(pos), {state = state:clone(), logits = logits, n = pos}, self:_state_bytes(state))
    end
  end
  return state, logits
end

-- LRU statistics plus requests, tokens (asked for), reused (resumed from the
-- cache) and computed (run through the model).
function Prefix:stats()
  local st = self.lru:stats()
  st.requests, st.tokens, st.reused, st.computed = self.requests, self.tokens, self.reused, self.computed
  return st
end

function Prefix:clear()
  self.lru:clear()
  self.lengths = {}
end

return M
