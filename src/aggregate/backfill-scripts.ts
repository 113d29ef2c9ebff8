/**
 * The backfill's state changes as atomic Redis scripts. Every key a script takes is derived
 * from the backfill's hash key (`<hash>:done`, `<hash>:quarantined`), so on a Redis Cluster
 * they share its hash tag and slot. A backfill runs in numbered runs: asking again for a
 * finished one starts the next run, and everything a chunk job of an earlier run still does is
 * refused, so a late job never counts into the new run's figures.
 */

/**
 * Creates a backfill, resumes an unfinished one, or starts the next run of a finished one, in
 * one step, so two `backfill` commands racing on the same range start one run between them.
 */
export const beginRunScript = `
-- KEYS[1]  backfill hash
-- KEYS[2]  set of finished chunk numbers (of the current run)
-- KEYS[3]  hash of quarantined chunk numbers (of the current run)
-- ARGV[1]  now (epoch ms)
-- ARGV[2]  do not start before (epoch ms)
-- ARGV[3]  "1": a new run takes the plan in ARGV[4..5]; "0": it keeps the stored one
-- ARGV[4]  the plan's number of chunk jobs
-- ARGV[5]  the plan's spans (chunks per job, comma-separated; "" for one job per chunk)
-- ARGV[6]  n, the number of stat fields that follow
-- ARGV[7 .. 6+n]  stat field names (reset for a new run)
-- ARGV[7+n ..]    pairs: definition field, value (written only when the backfill is created)
-- returns  { action, run }: action "created", "rescan" (a finished backfill's next run),
--          "resume-cancelled" or "resume" (chunks pending, running or failed); a resumed
--          run keeps its plan, whatever this request planned
local hash = KEYS[1]
local n = tonumber(ARGV[6])
local function takePlan()
  if ARGV[3] ~= '1' then return end
  redis.call('HSET', hash, 'chunks', ARGV[4])
  if ARGV[5] == '' then redis.call('HDEL', hash, 'chunkSpans') else redis.call('HSET', hash, 'chunkSpans', ARGV[5]) end
end
local status = redis.call('HGET', hash, 'status')
if not status then
  for i = 7 + n, #ARGV, 2 do redis.call('HSET', hash, ARGV[i], ARGV[i + 1]) end
  takePlan()
  redis.call('HSET', hash, 'run', 1, 'status', 'scheduled', 'chunksDone', 0, 'createdAtMs', ARGV[1], 'startAtMs', ARGV[2])
  return { 'created', 1 }
end
local run = tonumber(redis.call('HGET', hash, 'run') or '1')
if status == 'done' then
  local previous = { run = tostring(run), chunksDone = redis.call('HGET', hash, 'chunksDone') or '0', chunksQuarantined = redis.call('HGET', hash, 'chunksQuarantined') or '0',
    startedAtMs = redis.call('HGET', hash, 'startedAtMs') or '', finishedAtMs = redis.call('HGET', hash, 'finishedAtMs') or '', stats = {} }
  for i = 7, 6 + n do
    previous.stats[ARGV[i]] = redis.call('HGET', hash, ARGV[i]) or '0'
    redis.call('HSET', hash, ARGV[i], 0)
  end
  previous.chunks = redis.call('HGET', hash, 'chunks') or '0'
  takePlan()
  run = run + 1
  redis.call('HSET', hash, 'previousRun', cjson.encode(previous), 'run', run, 'status', 'scheduled', 'startAtMs', ARGV[2], 'chunksDone', 0, 'chunksQuarantined', 0)
  redis.call('HDEL', hash, 'startedAtMs', 'finishedAtMs')
  redis.call('DEL', KEYS[2], KEYS[3])
  return { 'rescan', run }
end
if status == 'cancelled' then
  redis.call('HSET', hash, 'status', 'scheduled', 'startAtMs', ARGV[2])
  return { 'resume-cancelled', run }
end
return { 'resume', run }
`;

/** A chunk job about to scan: goes on only when its backfill exists, is not cancelled and is on the job's run. */
export const chunkStartScript = `
-- KEYS[1]  backfill hash
-- ARGV[1]  run the chunk job belongs to
-- ARGV[2]  now (epoch ms)
-- returns  1 to scan, 0 to skip (backfill gone or cancelled, or the job is of an earlier run)
local state = redis.call('HMGET', KEYS[1], 'status', 'run')
if not state[1] or state[1] == 'cancelled' then return 0 end
if tonumber(state[2] or '1') ~= tonumber(ARGV[1]) then return 0 end
redis.call('HSETNX', KEYS[1], 'startedAtMs', ARGV[2])
if state[1] == 'scheduled' then redis.call('HSET', KEYS[1], 'status', 'running') end
return 1
`;

/** A chunk finished: counted once per run, and the run is done when its last chunk is. */
export const chunkDoneScript = `
-- KEYS[1]  backfill hash
-- KEYS[2]  set of finished chunk numbers (of the current run)
-- ARGV[1]  chunk number
-- ARGV[2]  now (epoch ms)
-- ARGV[3]  run the chunk job belongs to
-- ARGV[4+] pairs: stat field, increment
-- returns  number of finished chunks of the run (a chunk finishing twice is counted once);
--          -1 when the backfill is gone, -2 when the job is of an earlier run (not counted)
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if tonumber(redis.call('HGET', KEYS[1], 'run') or '1') ~= tonumber(ARGV[3]) then return -2 end
if redis.call('SADD', KEYS[2], ARGV[1]) == 1 then
  for i = 4, #ARGV, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
local done = redis.call('SCARD', KEYS[2])
redis.call('HSET', KEYS[1], 'chunksDone', done)
if done >= tonumber(redis.call('HGET', KEYS[1], 'chunks')) and redis.call('HGET', KEYS[1], 'status') ~= 'cancelled' then
  redis.call('HSET', KEYS[1], 'status', 'done')
  redis.call('HSETNX', KEYS[1], 'finishedAtMs', ARGV[2])
end
return done
`;
