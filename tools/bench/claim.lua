-- wrk script: PUT /allocations/{new consumer} claiming VCPU 1 + 64 MB on a
-- random provider from the file named by BENCH_RPS.
local rps = {}
for line in io.lines(os.getenv("BENCH_RPS")) do rps[#rps + 1] = line end
math.randomseed(os.time() + math.floor(os.clock() * 1000000))

local function uuid()
  return (string.gsub("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", "[xy]", function(c)
    local v = (c == "x") and math.random(0, 15) or math.random(8, 11)
    return string.format("%x", v)
  end))
end

local headers = {
  ["X-Auth-Token"] = "admin",
  ["OpenStack-API-Version"] = "placement 1.39",
  ["Content-Type"] = "application/json",
}

request = function()
  local body = string.format('{"allocations": {"%s": {"resources": {"VCPU": 1, "MEMORY_MB": 64}}}, '
    .. '"project_id": "bench", "user_id": "bench", "consumer_generation": null, '
    .. '"consumer_type": "INSTANCE"}', rps[math.random(#rps)])
  return wrk.format("PUT", "/allocations/" .. uuid(), headers, body)
end

