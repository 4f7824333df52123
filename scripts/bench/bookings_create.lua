-- wrk script for POST /api/v1/bookings. Arguments, after wrk's `--`:
--   1 slots file: "startsAt resourceId" lines (scripts/bench/bookings_slots.sql)
--   2 leads file: one lead id a line
--   3 the appointment type id
--   4 wrk's thread count (-t)
--   5 mode:
--     spread   every request its own line: thread t of T takes lines t, t+T, t+2T, …
--              (no two requests aim at the same resource and time)
--     race:N   every thread walks the lines in the same order, N requests per line
--              (with N = connections per thread, all connections race for each slot:
--              one 201, the others 409 slot_taken)
-- Leads are taken in turn. Authorization comes from wrk's -H flag.
-- Each thread counts responses by status; done() prints one line
--   "bookings: 201=<n> 409=<n> other=<n> lines=<highest line + 1> wrapped=<requests past the end>"
-- and, if any, the first response that was neither 201 nor 409.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_id", #threads)
end

function init(args)
  slots, leads = {}, {}
  for line in io.lines(args[1]) do
    local starts_at, resource = line:match("^(%S+) (%S+)$")
    if starts_at then slots[#slots + 1] = { starts_at, resource } end
  end
  for line in io.lines(args[2]) do
    if line:match("%S") then leads[#leads + 1] = line end
  end
  type_id = args[3]
  thread_count = tonumber(args[4])
  local race = args[5]:match("^race:(%d+)$")
  if race then
    per_line, stride, offset = tonumber(race), 1, 0
  elseif args[5] == "spread" then
    per_line, stride, offset = 1, thread_count, thread_id - 1
  else
    error("mode must be spread or race:N, got " .. tostring(args[5]))
  end
  if #slots == 0 or #leads == 0 then error("no slots or no leads") end
  counter, c201, c409, cother, lines, wrapped, sample = 0, 0, 0, 0, 0, 0, ""
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  local line = math.floor(counter / per_line) * stride + offset
  if line >= #slots then wrapped = wrapped + 1 end
  if line + 1 > lines then lines = line + 1 end
  local slot = slots[line % #slots + 1]
  local lead = leads[(counter * thread_count + thread_id - 1) % #leads + 1]
  counter = counter + 1
  local body = string.format('{"leadId":"%s","startsAt":"%s","resourceId":"%s","appointmentTypeId":"%s"}',
    lead, slot[1], slot[2], type_id)
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status == 201 then
    c201 = c201 + 1
  elseif status == 409 then
    c409 = c409 + 1
  else
    cother = cother + 1
    if sample == "" then sample = status .. " " .. (body or "") end
  end
end

function done(summary, latency, requests)
  local ok, taken, other, most, past, first = 0, 0, 0, 0, 0, ""
  for _, thread in ipairs(threads) do
    ok = ok + thread:get("c201")
    taken = taken + thread:get("c409")
    other = other + thread:get("cother")
    past = past + thread:get("wrapped")
    most = math.max(most, thread:get("lines"))
    if first == "" then first = thread:get("sample") end
  end
  io.write(string.format("bookings: 201=%d 409=%d other=%d lines=%d wrapped=%d\n", ok, taken, other, most, past))
  if first ~= "" then io.write("first other response: ", first, "\n") end
end
