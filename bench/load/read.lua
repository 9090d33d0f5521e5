-- wrk: a customer's record, a different one each request (C0000001..C0002000).
local n = 0
function request()
  n = n + 1
  return wrk.format("GET", string.format("/v1/customers/C%07d", (n * 7919) % 2000 + 1))
end
