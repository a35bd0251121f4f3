-- wrk script for GETs: counts answers by status class and prints them as
-- one JSON line after wrk's own report (bench/bench.py reads it).
local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    ok, bad, s5xx = 0, 0, 0
end

function response(status, headers, body)
    if status >= 200 and status < 300 then ok = ok + 1
    elseif status >= 500 then s5xx = s5xx + 1
    else bad = bad + 1 end
end

function done(summary, latency, requests)
    local o, b, f = 0, 0, 0
    for _, t in ipairs(threads) do
        o = o + t:get("ok"); b = b + t:get("bad"); f = f + t:get("s5xx")
    end
    io.write(string.format('BENCH {"ok": %d, "bad": %d, "s5xx": %d, "p50_ms": %.3f, "p99_ms": %.3f}\n',
        o, b, f, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
