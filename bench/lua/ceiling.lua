-- The load generator's own ceiling: GET against a server that answers with canned bytes.
request = function()
  local n = next_number()
  return wrk.format("GET", data.path, {["Idempotency-Key"] = key(n)})
end
