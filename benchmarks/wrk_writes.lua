-- Sends WRK_METHOD requests cycling through the paths listed (one per line) in the file named by
-- WRK_PATHS, with the Authorization header in WRK_AUTH. A WRK_BODY, if given, is sent as JSON with
-- every "{n}" in it replaced by a request counter (distinct emails or names per request; run wrk
-- with one thread so the counter is unique in the run).
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do paths[#paths + 1] = line end
local method = os.getenv("WRK_METHOD") or "GET"
local body = os.getenv("WRK_BODY")
if body == "" then body = nil end
local headers = {}
local auth = os.getenv("WRK_AUTH")
if auth and auth ~= "" then headers["Authorization"] = auth end
if body then headers["Content-Type"] = "application/json" end
local counter = 0

request = function()
  counter = counter + 1
  local path = paths[(counter - 1) % #paths + 1]
  if body then
    return wrk.format(method, path, headers, (body:gsub("{n}", tostring(counter))))
  end
  return wrk.format(method, path, headers)
end

done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format("WRK_RESULT %d %d %d %d %d\n", summary.requests, summary.duration, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout, latency:percentile(50)))
end
