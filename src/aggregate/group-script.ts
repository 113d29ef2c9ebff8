/**
 * The aggregation as one atomic Redis script. Adding an event is a set insertion plus a
 * min/max update, so applying the same event twice, in any order, from any worker, leaves the
 * same state: counting is idempotent by construction. The count is the set's cardinality.
 */
export const addEventsScript = `
-- KEYS[1]  group state hash (first, firstRef, last, lastRef, meta, seeded, index, extra, written)
-- KEYS[2]  set of counted event refs ("index|id")
-- ARGV[1]  expire-at, unix seconds; keys never expire earlier than this after the call
-- ARGV[2]  "1" to mark the state as seeded from the stored finding, else "0"
-- ARGV[3]  concrete findings index to remember ("" keeps the current one)
-- ARGV[4]  events of a truncated stored finding whose refs are unknown (kept as the maximum seen)
-- ARGV[5]  count the stored finding was last written with ("" leaves the mark as it is)
-- ARGV[6+] triples: event ref, event time (epoch ms, or "" to only count the ref), metadata JSON
-- returns  { count (refs + extra), first, last, meta, seeded ("1"/"0"), index, firstRef, lastRef, written ("" if never) }
local hash, set = KEYS[1], KEYS[2]
local first = tonumber(redis.call('HGET', hash, 'first'))
local firstRef = redis.call('HGET', hash, 'firstRef') or ''
local last = tonumber(redis.call('HGET', hash, 'last'))
for i = 6, #ARGV, 3 do
  local ref, tstr, meta = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  redis.call('SADD', set, ref)
  local t = tonumber(tstr)
  if t ~= nil then
    if first == nil or t < first or (t == first and ref < firstRef) then
      first, firstRef = t, ref
      redis.call('HSET', hash, 'first', tstr, 'firstRef', ref)
      if meta ~= '' then redis.call('HSET', hash, 'meta', meta) end
    end
    if last == nil or t > last then
      last = t
      redis.call('HSET', hash, 'last', tstr, 'lastRef', ref)
    end
  end
end
if ARGV[2] == '1' then redis.call('HSET', hash, 'seeded', '1') end
local extra = tonumber(ARGV[4]) or 0
if extra > (tonumber(redis.call('HGET', hash, 'extra')) or 0) then redis.call('HSET', hash, 'extra', ARGV[4]) end
if ARGV[3] ~= '' then redis.call('HSET', hash, 'index', ARGV[3]) end
if ARGV[5] ~= '' then redis.call('HSET', hash, 'written', ARGV[5]) end
local expireAt = tonumber(ARGV[1])
local now = tonumber(redis.call('TIME')[1])
for _, key in ipairs({ hash, set }) do
  if redis.call('EXISTS', key) == 1 then
    local ttl = redis.call('TTL', key)
    if ttl < 0 or now + ttl < expireAt then redis.call('EXPIREAT', key, expireAt) end
  end
end
return {
  redis.call('SCARD', set) + (tonumber(redis.call('HGET', hash, 'extra')) or 0),
  redis.call('HGET', hash, 'first') or '',
  redis.call('HGET', hash, 'last') or '',
  redis.call('HGET', hash, 'meta') or '',
  redis.call('HGET', hash, 'seeded') or '0',
  redis.call('HGET', hash, 'index') or '',
  redis.call('HGET', hash, 'firstRef') or '',
  redis.call('HGET', hash, 'lastRef') or '',
  redis.call('HGET', hash, 'written') or ''
}
`;
