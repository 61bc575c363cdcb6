-- POST /api/v1/payments: request n is a (household, program, period) no other request of the run
-- names (the same order as bench.scenarios.PaymentPlan), entered by an official of the payee's county.
request = function()
  local n = next_number()
  if n >= data.capacity then stop_exhausted() end
  local households = #data.households
  local per_period = households * #data.program_ids[1]
  local period = math.floor(n / per_period)
  local rest = n % per_period
  local program = math.floor(rest / households)
  local i = rest % households + 1
  local county = data.county[i]
  local mu = 100 + (n * 37) % 2900
  local body = string.format(
    '{"program_id":%d,"payee_party_id":%d,"period":"%s","area_mu":"%d.%02d","memo":"bench payment %d"}',
    data.program_ids[county + 1][program + 1], data.households[i], data.periods[(period % #data.periods) + 1],
    math.floor(mu / 100), mu % 100, n)
  return wrk.format("POST", data.path, {["Authorization"] = data.tokens[county + 1],
    ["Content-Type"] = "application/json", ["Idempotency-Key"] = key(n)}, body)
end
