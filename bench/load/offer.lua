-- wrk: the retention desk's decision for a cancellation, over the subscriptions in SUBS.
local n = 0
local subs = {}
for id in string.gmatch(os.getenv("SUBS") or "", "[^,]+") do table.insert(subs, id) end
function request()
  n = n + 1
  return wrk.format("GET", "/v1/subscriptions/" .. subs[n % #subs + 1] .. "/offers?reason=too_expensive")
end
