# Dataloy's client credentials flow (seeds 002 and 004), shared by their scripts. Needs lib/common.sh.
#
# Two example APIs stand for Dataloy's environments, each verifying its own audience with @gatehouse/verify:
#   GATEHOUSE_ISSUER=$GATEHOUSE_URL AUDIENCE=https://dataloy     PORT=8082 npm start -w examples/resource-api
#   GATEHOUSE_ISSUER=$GATEHOUSE_URL AUDIENCE=https://dataloy.dev PORT=8083 npm start -w examples/resource-api
# and DATALOY_API_URL / DATALOY_DEV_API_URL say where they listen.

DATALOY_API_URL="${DATALOY_API_URL:-http://127.0.0.1:8082}"
DATALOY_API_URL="${DATALOY_API_URL%/}"
DATALOY_DEV_API_URL="${DATALOY_DEV_API_URL:-http://127.0.0.1:8083}"
DATALOY_DEV_API_URL="${DATALOY_DEV_API_URL%/}"
# The dev environment's tokens live 30 s (Gatehouse's minimum) so that the expired-token step is seen in a run.
DATALOY_DEV_LIFETIME=30
# The seed's protected resource and query (".../ws/rest/Cargo?filter=subCargos.freight%28GTE%292500000"), on the
# example API's protected collection.
DATALOY_RESOURCE='/api/v1/datasets?filter=subCargos.freight%28GTE%292500000'

# dataloy_ensure_api IDENTIFIER CREATE_JSON: registers the API, or finds it when it already is; sets API_ID, API_LIFETIME.
dataloy_ensure_api() {
  admin_api POST /api/v1/apis "$2"
  if [ "$STATUS" = 409 ]; then
    admin_api GET /api/v1/apis
    expect_status 200
    BODY="$(json "map(select(.identifier == \"$1\")) | first")"
  else
    expect_status 201
  fi
  API_ID="$(str .id)"
  API_LIFETIME="$(str .token_lifetime)"
  ok "API $1 is $API_ID, token lifetime $API_LIFETIME s"
}

# dataloy_setup: one API per environment and an M2M client (a Gatehouse bot) allowed to call both;
# sets CLIENT_ID and CLIENT_SECRET ("Your M2M Client ID / Secret").
dataloy_setup() {
  admin_login
  dataloy_ensure_api https://dataloy '{"identifier":"https://dataloy","name":"Dataloy (production)"}'
  local prod="$API_ID"
  [ "$API_LIFETIME" = 86400 ] || differs "https://dataloy already exists with token_lifetime $API_LIFETIME; the seed's tokens live 86400 s"
  dataloy_ensure_api https://dataloy.dev "{\"identifier\":\"https://dataloy.dev\",\"name\":\"Dataloy (test and dev)\",\"token_lifetime\":$DATALOY_DEV_LIFETIME}"
  local dev="$API_ID"
  DATALOY_DEV_LIFETIME="$API_LIFETIME"
  [ "$DATALOY_DEV_LIFETIME" -le 120 ] ||
    differs "https://dataloy.dev exists with token_lifetime $DATALOY_DEV_LIFETIME s; set it to 30 (PATCH /api/v1/apis/$dev) so the expiry step ends in a run"
  admin_api POST /api/v1/projects "{\"name\":\"dataloy-$SEED\"}"
  expect_status 201
  admin_api POST "/api/v1/projects/$(str .id)/bots" "{\"name\":\"dataloy-m2m-$RUN\"}"
  expect_status 201
  CLIENT_ID="$(str .client_id)"
  CLIENT_SECRET="$(str .client_secret)"
  local bot
  bot="$(str .id)"
  admin_api PUT "/api/v1/apis/$prod/grants/$bot" '{"scopes":[]}'
  expect_status 200
  admin_api PUT "/api/v1/apis/$dev/grants/$bot" '{"scopes":[]}'
  expect_status 200
  ok "M2M client $CLIENT_ID may call https://dataloy and https://dataloy.dev"
}

# dataloy_payload AUDIENCE: the seed's POST payload.
dataloy_payload() {
  jq -cn --arg id "$CLIENT_ID" --arg secret "$CLIENT_SECRET" --arg aud "$1" \
    '{client_id:$id, client_secret:$secret, audience:$aud, grant_type:"client_credentials"}'
}

# dataloy_check_response AUDIENCE EXPIRES_IN: exactly {"access_token","expires_in","token_type":"Bearer"}.
dataloy_check_response() {
  expect_status 200
  expect_keys 'access_token expires_in token_type'
  expect_eq .expires_in "$2"
  expect_eq .token_type '"Bearer"'
  local token header claims
  token="$(str .access_token)"
  header="$(jwt_part "$token" 0)"
  claims="$(jwt_part "$token" 1)"
  expect_true '.typ == "at+jwt"' 'access_token is a JWT access token (RFC 9068)' "$header"
  expect_eq .aud "\"$1\"" "$claims"
  expect_eq .client_id "\"$CLIENT_ID\"" "$claims"
  expect_eq '.exp - .iat' "$2" "$claims"
  TOKEN="$token"
}

# dataloy_expect_refused TOKEN API_URL: a token for the other environment's audience is refused.
dataloy_expect_refused() {
  call GET "$2/api/v1/datasets" -H "Authorization: Bearer $1"
  expect_error_shape 401 GET "$2/api/v1/datasets"
  [ "$(header x-auth-reason)" = token_invalid ] || differs "X-Auth-Reason: $(header x-auth-reason), expected token_invalid"
  ok "refused: $(str .message)"
}

# dataloy_expect_expired TOKEN API_URL: waits until TOKEN has expired (plus the API's clock tolerance), then checks
# the seed's 401 body field by field.
dataloy_expect_expired() {
  local token="$1" url="$2$DATALOY_RESOURCE" exp now deadline
  exp="$(jwt_part "$token" 1 | jq .exp)"
  now="$(date +%s)"
  printf '  wait  the token expires in %s s; calling until the API says it has\n' "$((exp - now))"
  [ "$exp" -gt "$now" ] && sleep "$((exp - now))"
  deadline=$((exp + 60))
  while :; do
    call GET "$url" -H "Authorization: Bearer $token"
    [ "$STATUS" = 200 ] || break
    [ "$(date +%s)" -lt "$deadline" ] || differs "the API still accepts the token 60 s after its exp"
    sleep 1
  done
  expect_error_shape 401 GET "$url"
  expect_eq .statusText '"Unauthorized"'
  expect_eq .message '"Token expired."'
  [ "$(header x-auth-reason)" = token_expired ] || differs "X-Auth-Reason: $(header x-auth-reason), expected token_expired"
  ok 'X-Auth-Reason: token_expired'
  case "$(header www-authenticate)" in
    'Bearer error="invalid_token"'*) ok "WWW-Authenticate: $(header www-authenticate)" ;;
    *) differs "WWW-Authenticate: $(header www-authenticate)" ;;
  esac
}
