// The Lua scripts the cluster runs in Redis. Each touches the keys of one swarm only (all
// hash-tagged with its info hash, see keys in wire.ts), so an announce is one round trip and
// the scripts run unchanged on Redis Cluster. Per swarm:
//   P  sorted set: peer id (hex) -> expiry time (ms); S the same for seeders only
//   R  hash: peer id -> route "node|conn|uploaded|downloaded|lastSeen|name"
//   I  hash: completed (the scrape's `downloaded`), name, size, fs (name came from a seeder)
// Every key expires one peer lifetime after the swarm's last announce.

// Drops at most 64 expired members per call: bounded work, and an active swarm sheds its
// dead weight over a few announces.
const TRIM = `
local old = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1], 'LIMIT', 0, 64)
if #old > 0 then
  redis.call('ZREM', KEYS[1], unpack(old))
  redis.call('ZREM', KEYS[2], unpack(old))
  redis.call('HDEL', KEYS[3], unpack(old))
end
`

/**
 * KEYS P S R I; ARGV now, expiresAt, peer, route, seeder (1|0), event, pool, ttlMs, catalogue
 * (1|0), name, size. Adds or refreshes the peer, counts a completion, records the file's name,
 * and returns {complete, incomplete, id1, route1, id2, route2, ...}: up to `pool` random live
 * other members with their routes, for the caller's weighted pick.
 */
const ANNOUNCE = TRIM + `
local id = ARGV[3]
local seeder = ARGV[5] == '1'
local was = redis.call('ZSCORE', KEYS[1], id)
local wasSeeder = redis.call('ZSCORE', KEYS[2], id)
if seeder and ((was and not wasSeeder) or (not was and ARGV[6] == 'completed')) then
  redis.call('HINCRBY', KEYS[4], 'completed', 1)
end
redis.call('ZADD', KEYS[1], ARGV[2], id)
if seeder then redis.call('ZADD', KEYS[2], ARGV[2], id) elseif wasSeeder then redis.call('ZREM', KEYS[2], id) end
redis.call('HSET', KEYS[3], id, ARGV[4])
if ARGV[9] == '1' then
  -- First name wins, except that a seeder's word replaces a leecher's.
  if redis.call('HEXISTS', KEYS[4], 'name') == 0 or (seeder and redis.call('HGET', KEYS[4], 'fs') ~= '1') then
    if ARGV[10] ~= '' then redis.call('HSET', KEYS[4], 'name', ARGV[10]) end
    if ARGV[11] ~= '' then redis.call('HSET', KEYS[4], 'size', ARGV[11]) end
    redis.call('HSET', KEYS[4], 'fs', seeder and '1' or '0')
  end
end
for k = 1, 4 do redis.call('PEXPIRE', KEYS[k], ARGV[8]) end
local total = redis.call('ZCOUNT', KEYS[1], ARGV[1], '+inf')
local seeds = redis.call('ZCOUNT', KEYS[2], ARGV[1], '+inf')
local out = {seeds, total - seeds}
local pool = tonumber(ARGV[7])
if pool > 0 and total > 1 then
  local cands = redis.call('ZRANDMEMBER', KEYS[1], pool)
  local routes = redis.call('HMGET', KEYS[3], unpack(cands))
  local scores = redis.call('ZMSCORE', KEYS[1], unpack(cands))
  local now = tonumber(ARGV[1])
  for k = 1, #cands do
    if cands[k] ~= id and routes[k] and scores[k] and tonumber(scores[k]) >= now then
      out[#out + 1] = cands[k]
      out[#out + 1] = routes[k]
    end
  end
end
return out
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

export const SCRIPTS = { tsAnnounce: ANNOUNCE, tsLeave: LEAVE, tsCounts: COUNTS, tsDetail: DETAIL } as const
export type ScriptName = keyof typeof SCRIPTS
