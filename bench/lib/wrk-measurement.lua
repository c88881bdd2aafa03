-- wrk script: one measurement per POST, each with its own (sensor_id, ms) so that the table's
-- idempotency key never drops one. The timestamp is the send time (gettimeofday through LuaJIT's
-- FFI), so the harness can measure POST -> row in PostgreSQL from it.
--   wrk -t1 -c64 -d10s -s wrk-measurement.lua http://127.0.0.1:8080/measurements -- PREFIX SENSORS
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_usec; } bench_timeval;
int gettimeofday(bench_timeval *tv, void *tz);
]]
local tv = ffi.new("bench_timeval")
local function now_ms()
  ffi.C.gettimeofday(tv, nil)
  return tonumber(tv.tv_sec) * 1000 + math.floor(tonumber(tv.tv_usec) / 1000)
end

local thread_count = 0
function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_id", thread_count)
end

local prefix, sensors, last, next_sensor, iso_ms, iso_text
function init(args)
  prefix = (args[1] or "wrk") .. "t" .. tostring(thread_id) .. "-"
  sensors = tonumber(args[2] or "10000")
  last = {}
  for i = 0, sensors - 1 do last[i] = 0 end
  next_sensor = 0
  iso_ms = -1
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  local s = next_sensor
  next_sensor = (next_sensor + 1) % sensors
  local ts = now_ms()
  if ts <= last[s] then ts = last[s] + 1 end
  last[s] = ts
  if ts ~= iso_ms then
    iso_ms = ts
    iso_text = os.date("!%Y-%m-%dT%H:%M:%S", math.floor(ts / 1000)) .. string.format(".%03dZ", ts % 1000)
  end
  local body = '{"sensor_id":"' .. prefix .. s .. '","temperature":' .. (12 + (s % 211) / 10) ..
      ',"timestamp":"' .. iso_text .. '"}'
  return wrk.format(nil, nil, nil, body)
end

-- One JSON line on stdout for the harness (bench/lib/wrk.ts).
function done(summary, latency, requests)
  io.write(string.format(
    '{"requests":%d,"durationUs":%d,"connectErrors":%d,"readErrors":%d,"writeErrors":%d,' ..
    '"statusErrors":%d,"timeouts":%d,"p50Us":%d,"p95Us":%d,"p99Us":%d,"maxUs":%d,"meanUs":%d}\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, math.floor(latency.mean)))
end
