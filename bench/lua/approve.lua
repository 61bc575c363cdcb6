-- POST /api/v1/payments/{id}/approve: each pending payment once, by an approver of its county.
-- When every one was sent, the thread stops; the request already being built repeats an earlier one
-- with the same Idempotency-Key, which the service replays without writing anything.
request = function()
  local n = next_number()
  if n >= #data.ids then
    stop_exhausted()
    n = n % #data.ids
  end
  return wrk.format("POST", string.format(data.path, data.ids[n + 1]),
    {["Authorization"] = data.tokens[data.county[n + 1] + 1], ["Idempotency-Key"] = key(n)}, "")
end
