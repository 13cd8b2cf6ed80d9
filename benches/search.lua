-- wrk script: each request searches the next query of $QUERIES (one URL-encoded query a line).
local queries = {}
local i = 0

function init(args)
  for line in io.lines(os.getenv("QUERIES")) do
    if #line > 0 then table.insert(queries, line) end
  end
  i = math.random(#queries)
end

function request()
  i = i % #queries + 1
  return wrk.format("GET", "/api/v1/guides/search?q=" .. queries[i])
end
