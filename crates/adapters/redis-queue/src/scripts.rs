//! The Lua scripts. Each runs atomically in Redis, which is what makes a
//! multi-key step (promote a retry, settle an entry, re-drive a dead one)
//! happen once even when several workers attempt it at the same moment.

use redis::Script;
use std::sync::LazyLock;

/// One claim step: promote due delayed jobs, then take over up to `count`
/// stalled entries and read new ones for the rest (without blocking: the
/// blocking read, if needed, is a separate command).
///
/// KEYS: stream, delayed, delayed:jobs, reclaim-cursor.
/// ARGV: now (ms), promotion limit, group, consumer, min idle (ms), count.
/// Returns `{"entries", entry id, job id, job JSON, …}` (one triple per
/// entry, at least one), or `{"none", next due (ms) or ""}`.
pub static CLAIM: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local function field(kv, name)
  for i = 1, #kv, 2 do
    if kv[i] == name then return kv[i + 1] end
  end
  return ''
end

local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
for _, id in ipairs(due) do
  local job = redis.call('HGET', KEYS[3], id) or ''
  redis.call('XADD', KEYS[1], '*', 'id', id, 'job', job)
  redis.call('ZREM', KEYS[2], id)
  redis.call('HDEL', KEYS[3], id)
end

local count = tonumber(ARGV[6])
local out = {'entries'}
local taken = 0
local function take(entry)
  out[#out + 1] = entry[1]
  out[#out + 1] = field(entry[2], 'id')
  out[#out + 1] = field(entry[2], 'job')
  taken = taken + 1
end

local cursor = redis.call('GET', KEYS[4]) or '0-0'
local reclaimed = redis.call('XAUTOCLAIM', KEYS[1], ARGV[3], ARGV[4], ARGV[5], cursor, 'COUNT', count)
if reclaimed[1] ~= cursor then
  redis.call('SET', KEYS[4], reclaimed[1])
end
for _, entry in ipairs(reclaimed[2]) do
  if entry and taken < count then take(entry) end
end

if taken < count then
  local read = redis.call('XREADGROUP', 'GROUP', ARGV[3], ARGV[4], 'COUNT', count - taken, 'STREAMS', KEYS[1], '>')
  if read and read[1] then
    for _, entry in ipairs(read[1][2]) do take(entry) end
  end
end
if taken > 0 then return out end

local next_due = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
return {'none', next_due[2] or ''}
",
    )
});

/// Acknowledges and deletes a claimed entry and, only if it was still
/// pending (a stale or repeated call acknowledges nothing), does the
/// follow-up: `ack` nothing more, `retry` schedules it in `delayed`, `dead`
/// appends it to the dead stream, `requeue` appends it to the stream again.
///
/// `ack` and `dead` end the job's life in Redis, so they also drop its
/// `enqueued` marker.
///
/// KEYS: stream, delayed, delayed:jobs, dead, enqueued marker.
/// ARGV: group, entry id, action, job id, job JSON, due (ms), error.
/// Returns 1 if the entry was pending, else 0.
pub static SETTLE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local acked = redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
if acked == 0 then return 0 end
local action = ARGV[3]
if action == 'ack' then
  redis.call('DEL', KEYS[5])
elseif action == 'retry' then
  redis.call('ZADD', KEYS[2], ARGV[6], ARGV[4])
  redis.call('HSET', KEYS[3], ARGV[4], ARGV[5])
elseif action == 'dead' then
  redis.call('XADD', KEYS[4], '*', 'id', ARGV[4], 'job', ARGV[5], 'error', ARGV[7])
  redis.call('DEL', KEYS[5])
elseif action == 'requeue' then
  redis.call('XADD', KEYS[1], '*', 'id', ARGV[4], 'job', ARGV[5])
end
return 1
",
    )
});

/// [`SETTLE`]'s `ack` for many entries at once (the completions of a
/// process's claimers that arrive together, see `crate::acks`): each entry is
/// acknowledged and deleted, and its job's marker dropped if it was pending.
///
/// KEYS: stream, then the enqueued marker of each entry.
/// ARGV: group, then each entry id (in the markers' order).
/// Returns per entry 1 if it was pending, else 0.
pub static ACK_MANY: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local pending = {}
for i = 2, #ARGV do
  local acked = redis.call('XACK', KEYS[1], ARGV[1], ARGV[i])
  redis.call('XDEL', KEYS[1], ARGV[i])
  if acked == 1 then redis.call('DEL', KEYS[i]) end
  pending[i - 1] = acked
end
return pending
",
    )
});

/// Hands a new job to Redis once: sets the `enqueued` marker and, only if
/// it was not there, appends the job to the stream (due now) or to
/// `delayed` (due later). The marker lives until the job is completed or
/// dead (or its lifetime, a safety net, runs out), so an enqueue repeated
/// after a half-failed first one adds the job if and only if it is missing.
///
/// KEYS: enqueued marker, stream, delayed, delayed:jobs.
/// ARGV: job id, job JSON, due (ms, 0 = now), marker lifetime (ms).
/// Returns 1 if added, 0 if the marker said it already was.
pub static ENQUEUE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[4]) then return 0 end
if tonumber(ARGV[3]) > 0 then
  redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
  redis.call('HSET', KEYS[4], ARGV[1], ARGV[2])
else
  redis.call('XADD', KEYS[2], '*', 'id', ARGV[1], 'job', ARGV[2])
end
return 1
",
    )
});

/// Moves one dead entry back to the stream, if it is still in the dead
/// stream (so two concurrent re-drives move it once), and marks the job
/// as being in Redis again.
///
/// KEYS: dead, stream, enqueued marker. ARGV: dead entry id, job id, job JSON, marker lifetime (ms).
/// Returns 1 if moved, else 0.
pub static REDRIVE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('XDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('XADD', KEYS[2], '*', 'id', ARGV[2], 'job', ARGV[3])
redis.call('SET', KEYS[3], '1', 'PX', ARGV[4])
return 1
",
    )
});

/// Renews a delivery's lease (a heartbeat): resets the entry's idle time, so
/// `XAUTOCLAIM` does not hand it to another worker, but only while the entry
/// is still pending for this consumer (after a take-over, or a Redis that
/// lost it, the heartbeat fails instead of stealing it back).
///
/// KEYS: stream. ARGV: group, entry id, consumer.
/// Returns 1 if renewed, else 0.
pub static EXTEND: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1, ARGV[3])
if #pending == 0 then return 0 end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[3], 0, ARGV[2], 'JUSTID')
return 1
",
    )
});

/// Releases a lock taken with `SET NX`, only if this holder still holds it.
///
/// KEYS: lock. ARGV: token. Returns 1 if released.
pub static UNLOCK: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
",
    )
});
