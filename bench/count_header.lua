-- wrk script: counts the responses whose header <name> (first argument after --) equals
-- <value> (second argument); prints "COUNTED <matching> OF <all>" when done (bench/load.py).
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  name, value, matching, all = args[1], args[2], 0, 0
end

function response(status, headers, body)
  all = all + 1
  if headers[name] == value then
    matching = matching + 1
  end
end

function done(summary, latency, requests)
  local m, a = 0, 0
  for _, thread in ipairs(threads) do
    m = m + thread:get("matching")
    a = a + thread:get("all")
  end
  io.write(string.format("COUNTED %d OF %d\n", m, a))
end
