-- An ordinary read load, not a saturating one: each connection waits
-- DELAY_MS (default 4) between requests, so 4 connections offer about
-- 1,000 req/s and the latency measured is that of a request arriving at a
-- busy server, not of a queue the load generator built itself.
local pause = tonumber(os.getenv("DELAY_MS") or "4")

function delay()
  return pause
end
