-- wrk script of benchmarks/http_suite.py.
--
--   wrk -s benchmarks/http_suite.lua <url> -- <requests file> <wrk threads>
--
-- The requests file has one request a line, "METHOD<TAB>PATH<TAB>BODY" (the body may be
-- empty); the headers come from wrk's -H options. Each wrk thread takes every n-th line
-- and sends its lines in turn, so a file of one-time form keys or of different cases
-- sends each line once until the file is used up (then it starts again and counts a wrap).
-- At the end it prints one line, "RESULT {json}": requests, duration, latency percentiles
-- in microseconds, socket errors, the count of each HTTP status and the wraps.

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  local path = args[1]
  local share = tonumber(args[2] or "1")
  lines = {}
  local number = 0
  for line in io.lines(path) do
    if line ~= "" then
      if number % share == id then
        local method, target, body = line:match("^(%u+)\t([^\t]*)\t?(.*)$")
        if body == "" then
          body = nil
        end
        table.insert(lines, wrk.format(method, target, nil, body))
      end
      number = number + 1
    end
  end
  if #lines == 0 then
    error("no requests for thread " .. id .. " in " .. path)
  end
  position = 0
  wraps = 0
  statuses = {}
end

function request()
  position = position + 1
  if position > #lines then
    position = 1
    wraps = wraps + 1
  end
  return lines[position]
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
end

function done(summary, latency, requests)
  local merged = {}
  local wrapped = 0
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      merged[status] = (merged[status] or 0) + count
    end
    wrapped = wrapped + thread:get("wraps")
  end
  local parts = {}
  for status, count in pairs(merged) do
    table.insert(parts, string.format('"%s": %d', status, count))
  end
  local errors = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, '
      .. '"max_us": %d, "connect_errors": %d, "read_errors": %d, "write_errors": %d, '
      .. '"timeouts": %d, "statuses": {%s}, "wraps": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, errors.connect, errors.read, errors.write,
    errors.timeout, table.concat(parts, ", "), wrapped
  ))
end
