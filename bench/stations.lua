-- wrk script for bench/command_path.py: POST <path>, each request for a distinct village that the bench
-- imported beforehand. Request i of thread t (of n threads) takes village number k = offset + i*n + t:
-- area code <county><township k//999+1><village k%999+1>, the same formula as village_code() in
-- command_path.py; the offset lets successive runs against one store take villages not used yet.
-- wrk -s stations.lua <url> -- <threads> <county code> <offset> <path> [<bearer token>]
local next_thread = 0

function setup(thread)
  thread:set("tid", next_thread)
  next_thread = next_thread + 1
end

function init(args)
  nthreads = tonumber(args[1])
  county = args[2]
  offset = tonumber(args[3])
  path = args[4]
  headers = {["Content-Type"] = "application/json"}
  if args[5] and args[5] ~= "" then
    headers["Authorization"] = "Bearer " .. args[5]
  end
  sent = 0
end

function request()
  local k = offset + sent * nthreads + tid
  sent = sent + 1
  local code = string.format("%s%03d%03d", county, math.floor(k / 999) + 1, k % 999 + 1)
  local body = string.format('{"name":"室%d","tier":"village_room","area_code":"%s"}', k, code)
  return wrk.format("POST", path, headers, body)
end
