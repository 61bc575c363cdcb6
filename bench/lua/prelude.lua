-- Shared by every scenario (bench/wrk.py prepends it): thread numbering so request numbers never
-- repeat across threads, a unique Idempotency-Key per request, status counts, the first refusal's
-- text, and a JSON summary on stdout. `data` is the Lua table bench/wrk.py writes for the run.
local ffi = require("ffi")
ffi.cdef[[ typedef struct { long tv_sec; long tv_nsec; } bench_ts; int clock_gettime(int, bench_ts *); ]]
local ts = ffi.new("bench_ts")
local function now()
  ffi.C.clock_gettime(1, ts)  -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) / 1e9
end

local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  data = dofile(args[1])
  k, statuses, first_error, exhausted, started, last = 0, {}, nil, false, nil, nil
  math.randomseed(1000 + tid)
end

-- The next request number: thread t sends t, t + T, t + 2T, ... (T threads), so no two coincide.
function next_number()
  local n = tid + k * data.threads
  k = k + 1
  started = started or now()
  return n
end

function key(n)
  return data.nonce .. "-" .. n
end

function stop_exhausted()
  -- every prepared request was sent once; stop this thread rather than repeat one
  exhausted = true
  wrk.thread:stop()
end

function response(status, headers, body)
  last = now()
  local s = tostring(status)
  statuses[s] = (statuses[s] or 0) + 1
  if status ~= data.expect and first_error == nil then
    first_error = s .. ": " .. string.sub(body or "", 1, 300)
  end
end

local function json_string(s)
  return '"' .. string.gsub(s, '[%c"\\]', function(c) return string.format("\\u%04x", string.byte(c)) end) .. '"'
end

function done(summary, latency, requests)
  local counts, first, any_exhausted, t0, t1 = {}, nil, false, nil, nil
  for _, thread in ipairs(threads) do
    for s, n in pairs(thread:get("statuses") or {}) do counts[s] = (counts[s] or 0) + n end
    first = first or thread:get("first_error")
    any_exhausted = any_exhausted or thread:get("exhausted")
    local a, b = thread:get("started"), thread:get("last")
    if a and (t0 == nil or a < t0) then t0 = a end
    if b and (t1 == nil or b > t1) then t1 = b end
  end
  local parts = {}
  for s, n in pairs(counts) do table.insert(parts, json_string(s) .. ":" .. n) end
  local e = summary.errors
  io.write("BENCH_WRK_JSON {",
    '"requests":', summary.requests, ',"duration_us":', summary.duration,
    ',"active_seconds":', (t0 and t1) and string.format("%.6f", t1 - t0) or "null",
    ',"socket_errors":', e.connect + e.read + e.write + e.timeout, ',"timeouts":', e.timeout,
    ',"non_2xx_3xx":', e.status,
    ',"p50_us":', latency:percentile(50), ',"p95_us":', latency:percentile(95),
    ',"p99_us":', latency:percentile(99), ',"max_us":', latency.max,
    ',"statuses":{', table.concat(parts, ","), '}',
    ',"exhausted":', tostring(any_exhausted),
    ',"first_error":', first and json_string(first) or "null", "}\n")
end
