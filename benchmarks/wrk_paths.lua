-- Cycles through the request paths listed (one per line) in the file named by WRK_PATHS,
-- adding the Authorization header given in WRK_AUTH, if any.
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do paths[#paths + 1] = line end
local auth = os.getenv("WRK_AUTH")
local counter = 0

request = function()
  counter = counter % #paths + 1
  local headers = {}
  if auth and auth ~= "" then headers["Authorization"] = auth end
  return wrk.format("GET", paths[counter], headers)
end

done = function(summary, latency, requests)
  io.write(string.format("WRK_RESULT %d %d %d\n", summary.requests, summary.duration,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
