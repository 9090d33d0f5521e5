-- wrk script: POST one new purchase per request, each with a unique id (thread number + count).
local counter = 0

local threads = {}

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  counter = 0
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"id":"WRK-%d-%d-%d","customer":"C%07d","currency":"EUR","occurred_at":"2026-10-30T12:00:00Z","store":"Baixa","total":"6.50"}',
    RUN_ID or 0, thread_id, counter, (counter % 1000) + 1)
  wrk.headers["Content-Type"] = "application/json"
  return wrk.format("POST", "/v1/purchases", nil, body)
end
