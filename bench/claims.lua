-- wrk script for claims: PUT /allocations/{new consumer} with the body of
-- BENCH_BODY (a JSON allocation body with the provider uuid as %RP%), the
-- providers of BENCH_PROVIDERS (one uuid a line) taken round robin.  The
-- consumer uuid carries BENCH_TAG (8 hex digits) in its last group, so
-- bench/bench.py finds this run's consumers afterwards.
local threads = {}
local counter = 0

function setup(thread)
    counter = counter + 1
    thread:set("tid", counter)
    table.insert(threads, thread)
end

function init(args)
    ok, conflict, bad, s5xx, seq = 0, 0, 0, 0, 0
    rps = {}
    for line in io.lines(os.getenv("BENCH_PROVIDERS")) do table.insert(rps, line) end
    local f = io.open(os.getenv("BENCH_BODY")); body = f:read("*a"); f:close()
    tag = os.getenv("BENCH_TAG")
    math.randomseed(os.time() * 100 + tid)
end

function request()
    seq = seq + 1
    local rp = rps[((seq * 7 + tid) % #rps) + 1]
    local consumer = string.format("%08x-%04x-4%03x-8000-%s%04x",
        math.random(0, 0x7fffffff), tid, seq % 4096, tag, seq % 65536)
    local b = string.gsub(body, "%%RP%%", rp)
    local h = {["Content-Type"] = "application/json"}
    for k, v in pairs(wrk.headers) do h[k] = v end
    return wrk.format("PUT", "/allocations/" .. consumer, h, b)
end

function response(status, headers, body)
    if status >= 200 and status < 300 then ok = ok + 1
    elseif status == 409 then conflict = conflict + 1
    elseif status >= 500 then s5xx = s5xx + 1
    else bad = bad + 1 end
end

function done(summary, latency, requests)
    local o, c, b, f = 0, 0, 0, 0
    for _, t in ipairs(threads) do
        o = o + t:get("ok"); c = c + t:get("conflict"); b = b + t:get("bad"); f = f + t:get("s5xx")
    end
    io.write(string.format('BENCH {"ok": %d, "conflict": %d, "bad": %d, "s5xx": %d, "p50_ms": %.3f, "p99_ms": %.3f}\n',
        o, c, b, f, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
