-- wrk script of bench/guessers.py: wrong passwords posted to /login, each connection a guesser.
-- The accounts tried go round a file of email addresses (one a line); the client's address, sent
-- as X-Forwarded-For (the app trusts one proxy in this bench), changes every ADDRESS_EVERY tries,
-- as a guesser with many addresses would, in 198.18.0.0/15 (set aside for benchmarks).
--   wrk -t2 -c10 -d15s -s bench/wrk_guessers.lua http://127.0.0.1:8111 -- COOKIE TOKEN emails.txt

local ADDRESS_EVERY = 25
local threads = {}

function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end

local emails = {}
local cookie, token
local sent = 0
counts = {}

function init(args)
  cookie, token = args[1], args[2]
  for line in io.lines(args[3]) do
    table.insert(emails, line)
  end
end

function request()
  sent = sent + 1
  local email = emails[(sent * 7 + index * 13) % #emails + 1]
  local address = math.floor(sent / ADDRESS_EVERY) + index * 20000
  local forwarded = string.format("198.%d.%d.%d", 18 + math.floor(address / 65536) % 2, math.floor(address / 256) % 256, address % 256)
  local body = "csrf_token=" .. token .. "&email=" .. email .. "&password=guess-" .. sent .. "-" .. index
  local headers = {
    ["Cookie"] = cookie,
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Forwarded-For"] = forwarded,
  }
  return wrk.format("POST", "/login", headers, body)
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    local mine = thread:get("counts")
    for status, count in pairs(mine) do
      total[status] = (total[status] or 0) + count
    end
  end
  for status, count in pairs(total) do
    io.write(string.format("status %d %d\n", status, count))
  end
end
