-- wrk script for bench/command_path.py: POST /stations, each request for a distinct village that the
-- bench imported beforehand. Request i of thread t (of n threads) takes village number k = i*n + t:
-- area code <county><township k//999+1><village k%999+1>, the same formula as village_code() in
-- command_path.py. wrk -s stations.lua <url> -- <threads> <county code>
local next_thread = 0

function setup(thread)
  thread:set("tid", next_thread)
  next_thread = next_thread + 1
end

function init(args)
  nthreads = tonumber(args[1])
  county = args[2]
  sent = 0
end

function request()
  local k = sent * nthreads + tid
  sent = sent + 1
  local code = string.format("%s%03d%03d", county, math.floor(k / 999) + 1, k % 999 + 1)
  local body = string.format('{"name":"室%d","tier":"village_room","area_code":"%s"}', k, code)
  return wrk.format("POST", "/stations", {["Content-Type"] = "application/json"}, body)
end
