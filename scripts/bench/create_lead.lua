-- wrk script for POST /api/v1/leads: every request creates a new lead with a
-- phone and email no other request (and no seeded lead) uses. wrk gives each
-- thread its own Lua state, so `setup` (run in the main state) numbers the
-- threads and each thread counts its own requests: thread t's n-th lead gets
-- phone +1 <area t> 8XX-XXXX (8000000 + n; seeded locals start with 2..7,
-- pgbench's with 9), distinct for up to 8 threads and 999,999 requests each.
-- The area codes are valid in libphonenumber, which the api checks.
-- Authorization comes from wrk's -H flag (it lands in wrk.headers).
local threads = 0
local areas = { 212, 213, 214, 215, 216, 217, 218, 219 }

function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
  thread:set("area", areas[(threads - 1) % #areas + 1])
end

function init(_)
  counter = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"name":"Bench Lead %d-%d","phone":"+1%d%07d","email":"bench.t%d.%d@example.com"}',
    thread_id, counter, area, 8000000 + counter, thread_id, counter)
  return wrk.format(nil, nil, nil, body)
end
