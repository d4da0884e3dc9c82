# Dataloop's token request and decoded JWT (seeds 000 and 001), shared by their scripts. Needs lib/common.sh and
# ISSUER (the discovery document's issuer).

# The claims of "A decoded JWT will look like this", in the seed's order.
DATALOOP_JWT_CLAIMS='name nickname picture locale updated_at email email_verified iss sub aud iat exp'

# dataloop_token_request USER PASSWORD: the seed's request, byte for byte apart from the host.
dataloop_token_request() {
  call POST "$GATEHOUSE_URL/token?default" -H 'Content-Type: application/json' \
    -d "$(jq -n --arg u "$1" --arg p "$2" '{username:$u, password:$p, type:"user_credentials"}')"
  expect_status 200
  expect_has_keys 'access_token id_token refresh_token'
  printf '  note  the response also has %s (the seed shows three fields and "...")\n' \
    "$(json 'keys_unsorted - ["access_token","id_token","refresh_token"]')"
}

# dataloop_check_jwt EMAIL: the decoded JWT of the seed, claim by claim, and its 24 h expiry.
dataloop_check_jwt() {
  local claims
  claims="$(jwt_part "$(str .id_token)" 1)"
  expect_keys "$DATALOOP_JWT_CLAIMS" "$claims"
  expect_true '(.name | type == "string" and length > 0) and (.nickname | type == "string" and length > 0)' 'name and nickname are strings' "$claims"
  expect_true '.picture | test("^https://")' 'picture is a URL' "$claims"
  expect_true '.locale | test("^[a-z]{2}")' 'locale is a language tag' "$claims"
  expect_true '.updated_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$")' 'updated_at is like "2025-09-23T06:06:17.641Z"' "$claims"
  expect_eq .email "\"$1\"" "$claims"
  expect_true '.email_verified | type == "boolean"' 'email_verified is a boolean' "$claims"
  expect_eq .iss "\"$ISSUER\"" "$claims"
  expect_true '(.sub | type == "string" and length > 0) and (.aud | type == "string" and length > 0)' 'sub and aud are strings' "$claims"
  expect_true '(.iat | type == "number" and floor == .) and (.exp | type == "number" and floor == .)' 'iat and exp are whole seconds' "$claims"
  expect_eq '.exp - .iat' 86400 "$claims"
  ok 'the JWT expires 24 hours after it was issued'
  local access
  access="$(jwt_part "$(str .access_token)" 1)"
  expect_eq '.exp - .iat' 86400 "$access"
  ok 'the access token too'
}

# dataloop_issuer: sets ISSUER from the discovery document (every token's iss).
dataloop_issuer() {
  call GET "$GATEHOUSE_URL/.well-known/openid-configuration"
  expect_status 200
  ISSUER="$(str .issuer)"
  ok "issuer $ISSUER"
}

# dataloop_id_token_as_bearer ID_TOKEN URL: the seeds say "use the id_token (JWT) from the response as your
# authorization JWT". Gatehouse's API takes access tokens (RFC 9068) only: a known difference (docs/seeds.md).
dataloop_id_token_as_bearer() {
  call GET "$2" -H "Authorization: Bearer $1"
  if [ "$STATUS" = 200 ]; then
    ok 'the id_token works as a bearer token'
  else
    known_difference id-token-bearer "the id_token is refused as a bearer token (HTTP $STATUS: $(str .message)); the access_token works"
  fi
}
