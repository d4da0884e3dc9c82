# Dataloop's token request and decoded JWT (seeds 000 and 001), shared by their scripts. Needs lib/common.sh.

# dataloop_issuer: sets ISSUER from the discovery document (every token's iss).
dataloop_issuer() {
  call GET "$GATEHOUSE_URL/.well-known/openid-configuration"
  expect_status 200
  get .issuer ISSUER
  ok "issuer $ISSUER"
}

# dataloop_token_request USER PASSWORD [BODY]: POST /token?default with the seed's body (or BODY, the same in
# another spelling); sets ACCESS_TOKEN, ID_TOKEN, REFRESH_TOKEN.
dataloop_token_request() {
  local body="{\"username\": $(jstr "$1"), \"password\": $(jstr "$2"), \"type\": \"user_credentials\"}"
  call POST "$GATEHOUSE_URL/token?default" -H 'Content-Type: application/json' --data-binary "${3:-$body}"
  expect_status 200
  expect_json 'has_fields("access_token id_token refresh_token"),
    "note  the response also has \(keys_unsorted - ["access_token", "id_token", "refresh_token"] | join(", ")) (the seed shows three fields and \"...\")"'
  get '.access_token, .id_token, .refresh_token' ACCESS_TOKEN ID_TOKEN REFRESH_TOKEN
}

# dataloop_renew REFRESH_TOKEN: renews as dtlpy does, POST /token?default {"type":"refresh_token","refresh_token":...};
# the route's refresh tokens do not rotate by default, because dtlpy presents its original one at every renewal.
dataloop_renew() {
  call POST "$GATEHOUSE_URL/token?default" -H 'Content-Type: application/json' \
    --data-binary "{\"type\": \"refresh_token\", \"refresh_token\": $(jstr "$1")}"
  expect_status 200
  expect_json 'has_fields("access_token id_token refresh_token"),
    check("the same refresh token comes back (GATEHOUSE_DATALOOP_REFRESH_ROTATION=off)"; .refresh_token == $old)' --arg old "$1"
}

# dataloop_check_jwt EMAIL: "A decoded JWT will look like this": exactly the seed's claims, claim by claim, and
# "Expiration period is 24 hours".
dataloop_check_jwt() {
  expect_json '(.id_token | jwt(1) |
      fields("name nickname picture locale updated_at email email_verified iss sub aud iat exp"),
      check("name and nickname are strings"; (.name | type == "string" and length > 0) and (.nickname | type == "string" and length > 0)),
      check("picture is a URL"; .picture | test("^https://"); .picture),
      check("locale is a language tag"; .locale | test("^[a-z]{2}"); .locale),
      check("updated_at is like \"2025-09-23T06:06:17.641Z\""; .updated_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$"); .updated_at),
      eq(".email"; $email),
      check("email_verified is a boolean"; .email_verified | type == "boolean"; .email_verified),
      eq(".iss"; $issuer),
      check("sub and aud are strings"; (.sub | type == "string" and length > 0) and (.aud | type == "string" and length > 0); [.sub, .aud]),
      check("iat and exp are whole seconds"; [.iat, .exp] | all(type == "number" and floor == .); [.iat, .exp]),
      check("the JWT expires 24 hours after it was issued: exp - iat = 86400"; .exp - .iat == 86400; .exp - .iat)),
    (.access_token | jwt(1) | check("the access token expires 24 hours after it was issued too"; .exp - .iat == 86400; .exp - .iat)),
    (.access_token | jwt(0) | check("the access token is a JWT access token (typ at+jwt, RFC 9068)"; .typ == "at+jwt"; .typ))' \
    --arg email "$1" --arg issuer "$ISSUER"
}

# dataloop_id_token_as_bearer ID_TOKEN URL: the seeds say "use the id_token (JWT) from the response as your
# authorization JWT". Gatehouse's API takes access tokens (RFC 9068) only: a known difference (docs/seeds.md).
dataloop_id_token_as_bearer() {
  call GET "$2" -H "Authorization: Bearer $1"
  if [ "$STATUS" = 200 ]; then
    ok 'the id_token works as a bearer token'
  else
    get .message MESSAGE
    known_difference id-token-bearer "the id_token is refused as a bearer token (HTTP $STATUS: $MESSAGE); the access_token works"
  fi
}
