-- wrk script of bench/scale.py: each thread sends its share of the requests of a file,
-- one per line, "METHOD<TAB>PATH<TAB>COOKIE<TAB>BODY", in turn, starting again at the end
-- (every thread sends all of them when there are fewer lines than threads).
--   wrk -t2 -c4 -d10s -s bench/wrk_requests.lua http://127.0.0.1:8101 -- requests.tsv 2

local threads = 0

function setup(thread)
  thread:set("index", threads)
  threads = threads + 1
end

local mine = {}
local position = 1

function init(args)
  local count = tonumber(args[2])
  local lines = {}
  for line in io.lines(args[1]) do
    table.insert(lines, line)
  end
  if #lines < count then
    count = 1 -- too few to share: every thread sends them all
  end
  for line_number, line in ipairs(lines) do
    if (line_number - 1) % count == index % count then
      local method, path, cookie, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t?(.*)$")
      local headers = { ["Cookie"] = cookie }
      if method == "POST" then
        headers["Content-Type"] = "application/x-www-form-urlencoded"
      end
      table.insert(mine, wrk.format(method, path, headers, body ~= "" and body or nil))
    end
  end
end

function request()
  local prepared = mine[position]
  position = position % #mine + 1
  return prepared
end
