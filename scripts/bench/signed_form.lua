-- wrk script for Twilio's webhooks: every request is one line of the
-- requests file, "<X-Twilio-Signature>\t<form body>", signed beforehand by
-- scripts/bench_channels.sh over PUBLIC_BASE_URL + the path (the api checks
-- each one). Arguments after wrk's `--`:
--   1 the requests file   2 the path   3 wrk's thread count (-t)
--   4 a piece every 200 answer must contain
-- Thread t of T takes lines t, t+T, t+2T, … (cycling), so no two threads
-- send the same line at once. With SIGNED_RATE=<requests/s> each thread
-- sends on a fixed schedule (wrk's delay(); latency counts from the send).
-- done() prints "answers: 200=<n> other=<n> unexpected=<n>" and the first
-- odd response.
local threads = {}
local rate = tonumber(os.getenv("SIGNED_RATE") or "") or 0

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_id", #threads)
end

function init(args)
  lines = {}
  for line in io.lines(args[1]) do
    local signature, body = line:match("^([^\t]+)\t(.*)$")
    if signature then lines[#lines + 1] = { signature, body } end
  end
  path = args[2]
  thread_count = tonumber(args[3])
  expected = args[4]
  counter, c200, cother, unexpected, sample = 0, 0, 0, 0, ""
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

function request()
  local line = lines[(counter * thread_count + thread_id - 1) % #lines + 1]
  counter = counter + 1
  return wrk.format(nil, path, { ["X-Twilio-Signature"] = line[1] }, line[2])
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
    typedef struct { long tv_sec; long tv_nsec; } signed_form_timespec;
    int clock_gettime(int clock_id, signed_form_timespec *tp);
  ]]
  local now = ffi.new("signed_form_timespec")
  local function now_ms()
    ffi.C.clock_gettime(1, now) -- CLOCK_MONOTONIC
    return tonumber(now.tv_sec) * 1000 + tonumber(now.tv_nsec) / 1e6
  end
  local started, sent
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
  io.write(string.format("answers: 200=%d other=%d unexpected=%d\n", ok, other, odd))
  if first ~= "" then io.write("first odd response: ", (first:gsub("\n", " ")), "\n") end
end
