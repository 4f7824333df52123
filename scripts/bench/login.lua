-- POST /api/v1/auth/login, cycling through the storm's ACCOUNTS accounts
-- (storm-1@example.com … with PASSWORD; bench_login.sh registers them).
-- A storm is many people logging in at once: the same account logging in
-- concurrently from one address is treated as guessing (each attempt counts
-- as a failure until its password is proven) and locked, by design.
local accounts = tonumber(os.getenv("ACCOUNTS"))
local password = os.getenv("PASSWORD")
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("offset", threads * 7)
end

function init(_)
  counter = offset or 0
end

function request()
  counter = counter + 1
  local body = string.format('{"email":"storm-%d@example.com","password":"%s"}', counter % accounts + 1, password)
  return wrk.format("POST", nil, { ["Content-Type"] = "application/json" }, body)
end
