// The Lua scripts the cluster runs in Redis. Each touches the keys of one swarm only (all
// hash-tagged with its info hash, see keys in wire.ts), so an announce is one round trip and
// the scripts run unchanged on Redis Cluster. Per swarm:
//   P  sorted set: peer id (hex) -> expiry time (ms); S the same for seeders only
//   R  hash: peer id -> route "node|conn|uploaded|downloaded|lastSeen|name"
//   I  hash: completed (the scrape's `downloaded`), name, size, fs (name came from a seeder)
// Every key expires one to one and an eighth peer lifetimes after the swarm's last announce.

// One announce, as a Lua function so that one call can carry one announce or a node's whole
// turn of them (tsAnnounceMany). Its arguments come packed in one string (announce-wire.ts):
// now, expiresAt, peer, route, seeder (1|0), event, pool, ttlMs, catalogue (1|0), name, size,
// separated by '\n'. Drops at most 64 expired members per call first: bounded work, and an
// active swarm sheds its dead weight over a few announces. Adds or refreshes the peer, counts a
// completion, records the file's name, and returns one string "complete\nincomplete" followed
// by "\nid\nroute head" for up to `pool` random live other members, leechers only when the
// announcer seeds (the head is the route's
// "node|conn|uploaded": all the caller's weighted pick and relay need).
const ANNOUNCE_FN = `
local function announce(P, S, R, I, packed)
  local f, at = {}, 1
  for k = 1, 10 do
    local e = string.find(packed, '\\n', at, true)
    if not e then return redis.error_reply('malformed announce') end
    f[k] = string.sub(packed, at, e - 1)
    at = e + 1
  end
  f[11] = string.sub(packed, at)
  local now, expiresAt, id, route, seederArg, event, poolArg, ttl, cat, name, size = unpack(f)
  -- Numbers cross into Redis as strings where we can: Redis 7.0 turns a Lua number into a
  -- command argument with printf's %.17g, and each number printed or parsed costs thousands of
  -- instructions (a callgrind profile of this script found a tenth of Redis's spent on them).
  local old = redis.call('ZRANGEBYSCORE', P, '-inf', '(' .. now, 'LIMIT', '0', '64')
  -- Fewer than 64 expired: they are all gone now, so every member left is live (S holds
  -- members of P only, with the same expiry) and neither counts nor candidates need scores.
  local allLive = #old < 64
  if #old > 0 then
    redis.call('ZREM', P, unpack(old))
    redis.call('ZREM', S, unpack(old))
    redis.call('HDEL', R, unpack(old))
  end
  local seeder = seederArg == '1'
  -- The writes' own replies say what was there before (ZADD: 1 = a new member; ZREM: 1 = it
  -- was a seeder), so no ZSCORE reads first: each redis.call is a good part of a script's cost.
  local isNew = redis.call('ZADD', P, expiresAt, id) == 1
  local newSeeder, wasSeeder = false, false
  if seeder then
    newSeeder = redis.call('ZADD', S, expiresAt, id) == 1
    wasSeeder = not newSeeder
  else
    wasSeeder = redis.call('ZREM', S, id) == 1
  end
  local wroteI = false
  if seeder and ((not isNew and not wasSeeder) or (isNew and event == 'completed')) then
    redis.call('HINCRBY', I, 'completed', 1)
    wroteI = true
  end
  redis.call('HSET', R, id, route)
  if cat == '1' then
    -- First name wins, except that a seeder's word replaces a leecher's.
    if redis.call('HEXISTS', I, 'name') == 0 or (seeder and redis.call('HGET', I, 'fs') ~= '1') then
      if name ~= '' then redis.call('HSET', I, 'name', name) end
      if size ~= '' then redis.call('HSET', I, 'size', size) end
      redis.call('HSET', I, 'fs', seeder and '1' or '0')
      wroteI = true
    end
  end
  -- The four keys' lifetimes move together, by up to an eighth of a lifetime at once: one PTTL
  -- read on most announces instead of four PEXPIREs. A key that may have just been created
  -- (a new member in P or S, a write to I) has all four set at once, so none is left without
  -- an expiry. Every key thus expires one to one and an eighth lifetimes after the last announce.
  local ttlMs = tonumber(ttl)
  if isNew or newSeeder or wroteI or redis.call('PTTL', P) < ttlMs then
    local keep = string.format('%d', ttlMs + math.ceil(ttlMs / 8))
    redis.call('PEXPIRE', P, keep)
    redis.call('PEXPIRE', S, keep)
    redis.call('PEXPIRE', R, keep)
    redis.call('PEXPIRE', I, keep)
  end
  local total, seeds
  if allLive then
    total = redis.call('ZCARD', P)
    seeds = redis.call('ZCARD', S)
  else
    total = redis.call('ZCOUNT', P, now, '+inf')
    seeds = redis.call('ZCOUNT', S, now, '+inf')
  end
  -- %d, not tostring's %.14g: integers without the floating-point printer.
  local out = {string.format('%d\\n%d', seeds, total - seeds)}
  if poolArg ~= '0' and total > 1 then
    local cands = redis.call('ZRANDMEMBER', P, poolArg)
    local routes = redis.call('HMGET', R, unpack(cands))
    local scores = allLive and {} or redis.call('ZMSCORE', P, unpack(cands))
    -- Two seeders have nothing to trade: a seeder's offers go to leechers only.
    local seeding = seeder and redis.call('ZMSCORE', S, unpack(cands)) or {}
    local t = not allLive and tonumber(now)
    for k = 1, #cands do
      if cands[k] ~= id and routes[k] and not seeding[k] and (allLive or (scores[k] and tonumber(scores[k]) >= t)) then
        local head = string.match(routes[k], '^[^|]*|[^|]*|[^|]*')
        if head then
          out[#out + 1] = cands[k]
          out[#out + 1] = head
        end
      end
    end
  end
  return table.concat(out, '\\n')
end
`

/** KEYS P S R I; ARGV the packed announce. One announce; its reply as described above. */
const ANNOUNCE = ANNOUNCE_FN + `
return announce(KEYS[1], KEYS[2], KEYS[3], KEYS[4], ARGV[1])
`

/**
 * N announces in one call: KEYS the four keys of each, ARGV the packed announces, both in
 * order. Returns the N replies in order. One call instead of N saves the client's per-command
 * work (a command object, a promise and a callback per announce) and Redis's per-call
 * dispatch. Every key is declared, but they span several swarms, so on Redis Cluster the
 * caller must group a batch by hash slot (a standalone Redis takes any mix).
 */
const ANNOUNCE_MANY = ANNOUNCE_FN + `
local res = {}
for i = 1, #ARGV do
  local k = (i - 1) * 4
  res[i] = announce(KEYS[k + 1], KEYS[k + 2], KEYS[k + 3], KEYS[k + 4], ARGV[i])
end
return res
`

/**
 * KEYS P S R; ARGV now, peer, route prefix ("node|conn|"). Removes the peer only while its
 * route still names that node and connection: a peer that reconnected elsewhere survives the
 * old socket's close. Returns {removed (1|0), complete, incomplete}.
 */
const LEAVE = `
local v = redis.call('HGET', KEYS[3], ARGV[2])
local removed = 0
if v and string.sub(v, 1, #ARGV[3]) == ARGV[3] then
  redis.call('ZREM', KEYS[1], ARGV[2])
  redis.call('ZREM', KEYS[2], ARGV[2])
  redis.call('HDEL', KEYS[3], ARGV[2])
  removed = 1
end
local total = redis.call('ZCOUNT', KEYS[1], ARGV[1], '+inf')
local seeds = redis.call('ZCOUNT', KEYS[2], ARGV[1], '+inf')
return {removed, seeds, total - seeds}
`

/** KEYS P S I; ARGV now. Returns {complete, incomplete, completed, name, size} ('' = none). */
const COUNTS = `
local total = redis.call('ZCOUNT', KEYS[1], ARGV[1], '+inf')
local seeds = redis.call('ZCOUNT', KEYS[2], ARGV[1], '+inf')
local info = redis.call('HMGET', KEYS[3], 'completed', 'name', 'size')
return {seeds, total - seeds, tonumber(info[1] or '0'), info[2] or '', info[3] or ''}
`

/**
 * KEYS P S R I; ARGV now, max. The swarm's live members (at most `max`):
 * {complete, incomplete, completed, name, size, id1, expiry1, seeder1 (1|0), route1, ...}.
 */
const DETAIL = `
local total = redis.call('ZCOUNT', KEYS[1], ARGV[1], '+inf')
local seeds = redis.call('ZCOUNT', KEYS[2], ARGV[1], '+inf')
local info = redis.call('HMGET', KEYS[4], 'completed', 'name', 'size')
local out = {seeds, total - seeds, tonumber(info[1] or '0'), info[2] or '', info[3] or ''}
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf', 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
for k = 1, #ids, 2 do
  local route = redis.call('HGET', KEYS[3], ids[k])
  if route then
    local s = redis.call('ZSCORE', KEYS[2], ids[k])
    out[#out + 1] = ids[k]
    out[#out + 1] = ids[k + 1]
    out[#out + 1] = s and 1 or 0
    out[#out + 1] = route
  end
end
return out
`

export const SCRIPTS = { tsAnnounce: ANNOUNCE, tsAnnounceMany: ANNOUNCE_MANY, tsLeave: LEAVE, tsCounts: COUNTS, tsDetail: DETAIL } as const
export type ScriptName = keyof typeof SCRIPTS
