-- wrk: a new purchase each request (a unique id per thread and count), acknowledged once durable.
local n = 0
local threads = 0
tid = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function request()
  n = n + 1
  local body = string.format(
    '{"id":"LOAD-%s-%d-%d","customer":"C%07d","currency":"EUR","occurred_at":"2026-10-30T12:00:00Z","store":"Baixa","total":"6.50"}',
    os.getenv("RUN") or "0", tid, n, (n * 31) % 2000 + 1)
  wrk.headers["Content-Type"] = "application/json"
  return wrk.format("POST", "/v1/purchases", nil, body)
end
