-- wrk script for POST /api/v1/chat/{leadId}/messages: one receptionist turn
-- per request. Arguments, after wrk's `--`:
--   1 leads file: one lead id a line (scripts/bench_receptionist.sh shuffles it)
--   2 what the lead says (the "content"; channel is always "chat")
--   3 wrk's thread count (-t)
--   4 a piece of the reply every 200 must contain (the script checks the answer)
-- Thread t of T takes leads t, t+T, t+2T, … in turn, so the requests one
-- thread has in flight (one per connection) are for different leads and no
-- two threads share a lead: a lead never has two turns at once, as in life
-- (concurrent turns of one conversation are checked on their own by the
-- script). Authorization comes from wrk's -H flag.
--
-- Pacing: with RECEPTIONIST_RATE=<turns/s> in the environment, each thread
-- sends on a fixed schedule of RATE/T turns per second (wrk's delay(): a
-- connection waits for its slot; latency counts from the send), so the run
-- measures latency at that load instead of the saturation throughput.
-- Without it there is no delay() at all (wrk then takes no timer detour).
--
-- done() prints one line
--   "turns: 200=<n> other=<n> unexpected=<n>"
-- (unexpected: 200s whose body lacks argument 4) and, if any, the first
-- response that was not a 200 or not the expected answer.
local threads = {}
local rate = tonumber(os.getenv("RECEPTIONIST_RATE") or "") or 0

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_id", #threads)
end

function init(args)
  leads = {}
  for line in io.lines(args[1]) do
    if line:match("%S") then leads[#leads + 1] = line:match("^%s*(%S+)") end
  end
  thread_count = tonumber(args[3])
  expected = args[4]
  if #leads < 2 * thread_count then error("not enough leads in " .. args[1]) end
  local content = args[2]:gsub('\\', '\\\\'):gsub('"', '\\"')
  body = string.format('{"content":"%s","channel":"chat"}', content)
  counter, c200, cother, unexpected, sample = 0, 0, 0, 0, ""
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  local lead = leads[(counter * thread_count + thread_id - 1) % #leads + 1]
  counter = counter + 1
  return wrk.format(nil, "/api/v1/chat/" .. lead .. "/messages", nil, body)
end

function response(status, headers, reply)
  if status == 200 then
    c200 = c200 + 1
    if not (reply or ""):find(expected, 1, true) then
      unexpected = unexpected + 1
      if sample == "" then sample = "200 " .. (reply or "") end
    end
  else
    cother = cother + 1
    if sample == "" then sample = status .. " " .. (reply or "") end
  end
end

if rate > 0 then
  local ffi = require("ffi")
  ffi.cdef [[
    typedef struct { long tv_sec; long tv_nsec; } receptionist_timespec;
    int clock_gettime(int clock_id, receptionist_timespec *tp);
  ]]
  local now = ffi.new("receptionist_timespec")
  local function now_ms()
    ffi.C.clock_gettime(1, now) -- CLOCK_MONOTONIC
    return tonumber(now.tv_sec) * 1000 + tonumber(now.tv_nsec) / 1e6
  end
  local started, sent

  -- Called before every request of every connection: the n-th request of
  -- the thread goes at started + n × interval (or at once when that is past).
  function delay()
    local interval = 1000 * thread_count / rate
    local t = now_ms()
    if not started then started, sent = t, 0 end
    local due = started + sent * interval
    sent = sent + 1
    if due <= t then return 0 end
    return math.floor(due - t + 0.5)
  end
end

function done(summary, latency, requests)
  local ok, other, odd, first = 0, 0, 0, ""
  for _, thread in ipairs(threads) do
    ok = ok + thread:get("c200")
    other = other + thread:get("cother")
    odd = odd + thread:get("unexpected")
    if first == "" then first = thread:get("sample") end
  end
  io.write(string.format("turns: 200=%d other=%d unexpected=%d\n", ok, other, odd))
  if first ~= "" then io.write("first odd response: ", (first:gsub("\n", " ")), "\n") end
end
