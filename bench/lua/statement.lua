-- GET /api/v1/statements/{party_id} of a random household (auditor).
request = function()
  local n = next_number()
  local party = data.first_party + math.random(data.households) - 1
  return wrk.format("GET", string.format(data.path, party), {["Authorization"] = data.token})
end
