-- wrk: a redemption of the cookie reward for one of the 200 members given points for the run,
-- each with its own Idempotency-Key.
local n = 0
local threads = 0
tid = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function request()
  n = n + 1
  local body = string.format('{"program":"sub-points","customer":"C%07d","reward":"cookie"}', n % 200 + 1)
  -- wrk.headers holds the -H headers (the API key); a headers table given to format would replace them.
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Idempotency-Key"] = string.format("LOAD-%s-%d-%d", os.getenv("RUN") or "0", tid, n)
  return wrk.format("POST", "/v1/loyalty/redemptions", nil, body)
end
