-- POST a two-posting entry: a posted transfer from a source account to a fund (the ledger's own
-- route, or the hello-world app's echo of the same body). The pair and the amount vary per request.
request = function()
  local n = next_number()
  local pair = data.pairs[math.random(#data.pairs)]
  local fen = 100 + (n * 7919) % 99900
  local amount = string.format("%d.%02d", math.floor(fen / 100), fen % 100)
  local body = string.format(
    '{"kind":"funding","memo":"bench entry %d","metadata":{"county_code":"%s"},'
    .. '"postings":[{"account_id":%d,"amount":"%s"},{"account_id":%d,"amount":"-%s"}]}',
    n, pair[3], pair[1], amount, pair[2], amount)
  return wrk.format("POST", data.path, {["Authorization"] = data.token,
    ["Content-Type"] = "application/json", ["Idempotency-Key"] = key(n)}, body)
end
