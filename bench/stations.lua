-- wrk script for bench/command_path.py: POST <path>, each request for a distinct village that the bench
-- imported beforehand. Request i of thread t (of n threads) takes village number k = offset + i*n + t:
-- area code <county><township k//999+1><village k%999+1>, the same formula as village_code() in
-- command_path.py; the offset lets successive runs against one store take villages not used yet.
-- Answers other than 2xx are counted per status and printed at the end ("status <code> <count>", and the
-- last such body), so the bench can say what went wrong.
-- wrk -s stations.lua <url> -- <threads> <county code> <offset> <path> [<bearer token>]
local next_thread = 0
local threads = {}

function setup(thread)
  thread:set("tid", next_thread)
  next_thread = next_thread + 1
  table.insert(threads, thread)
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
  bad = {}
end

function request()
  local k = offset + sent * nthreads + tid
  sent = sent + 1
  local code = string.format("%s%03d%03d", county, math.floor(k / 999) + 1, k % 999 + 1)
  local body = string.format('{"name":"室%d","tier":"village_room","area_code":"%s"}', k, code)
  return wrk.format("POST", path, headers, body)
end

function response(status, headers, body)
  if status < 200 or status >= 300 then
    bad[status] = (bad[status] or 0) + 1
    last_bad = string.gsub(body, "\n", " ")
  end
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("bad")) do
      io.write(string.format("status %d %d\n", status, count))
    end
    local body = thread:get("last_bad")
    if body then
      io.write("body " .. body .. "\n")
    end
  end
end
