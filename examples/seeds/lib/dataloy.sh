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
    BODY="$(jq -c --arg id "$1" 'map(select(.identifier == $id)) | first' <<<"$BODY")"
  else
    expect_status 201
  fi
  get '.id, .token_lifetime' API_ID API_LIFETIME
  ok "API $1 is $API_ID, token lifetime $API_LIFETIME s"
}

# dataloy_setup: one API per environment and an M2M client (a Gatehouse bot) allowed to call both;
# sets CLIENT_ID and CLIENT_SECRET ("Your M2M Client ID / Secret").
dataloy_setup() {
  admin_login
  dataloy_ensure_api https://dataloy '{"identifier":"https://dataloy","name":"Dataloy (production)"}'
  local prod="$API_ID" dev bot
  [ "$API_LIFETIME" = 86400 ] || differs "https://dataloy already exists with token_lifetime $API_LIFETIME; the seed's tokens live 86400 s"
  dataloy_ensure_api https://dataloy.dev "{\"identifier\":\"https://dataloy.dev\",\"name\":\"Dataloy (test and dev)\",\"token_lifetime\":$DATALOY_DEV_LIFETIME}"
  dev="$API_ID"
  DATALOY_DEV_LIFETIME="$API_LIFETIME"
  [ "$DATALOY_DEV_LIFETIME" -le 120 ] ||
    differs "https://dataloy.dev exists with token_lifetime $DATALOY_DEV_LIFETIME s; set it to 30 (PATCH /api/v1/apis/$dev) so the expiry step ends in a run"
  admin_api POST /api/v1/projects "{\"name\":\"dataloy-$SEED\"}"
  expect_status 201
  get .id PROJECT_ID
  admin_api POST "/api/v1/projects/$PROJECT_ID/bots" "{\"name\":\"dataloy-m2m-$RUN\"}"
  expect_status 201
  get '.id, .client_id, .client_secret' bot CLIENT_ID CLIENT_SECRET
  # The two APIs are global (the installation's): the admin gives the project access to them, and the project's
  # owner (the admin here, who created it) grants its bot within that access (docs/authorization.md).
  local api
  for api in "$prod" "$dev"; do
    admin_api PUT "/api/v1/apis/$api/access/$PROJECT_ID" '{"scopes":[]}'
    expect_status 200
    admin_api PUT "/api/v1/apis/$api/grants/$bot" '{"scopes":[]}'
    expect_status 200
  done
  ok "M2M client $CLIENT_ID may call https://dataloy and https://dataloy.dev"
}

# dataloy_payload AUDIENCE: the seed's POST payload.
dataloy_payload() {
  printf '{"client_id":%s,"client_secret":%s,"audience":%s,"grant_type":"client_credentials"}' \
    "$(jstr "$CLIENT_ID")" "$(jstr "$CLIENT_SECRET")" "$(jstr "$1")"
}

# dataloy_check_response AUDIENCE EXPIRES_IN: exactly {"access_token","expires_in","token_type":"Bearer"}; sets TOKEN.
dataloy_check_response() {
  expect_status 200
  expect_json 'fields("access_token expires_in token_type"), eq(".expires_in"; $expires), eq(".token_type"; "Bearer"),
    (.access_token | jwt(0) | check("access_token is a JWT access token (typ at+jwt, RFC 9068)"; .typ == "at+jwt"; .typ)),
    (.access_token | jwt(1) | eq(".aud"; $aud), eq(".client_id"; $client),
      check("it expires expires_in seconds after it was issued"; .exp - .iat == $expires; .exp - .iat))' \
    --arg aud "$1" --argjson expires "$2" --arg client "$CLIENT_ID"
  [ "$(header cache-control)" = no-store ] || differs "Cache-Control: $(header cache-control), expected no-store"
  get .access_token TOKEN
}

# dataloy_expect_refused TOKEN API_URL: a token for the other environment's audience is refused.
dataloy_expect_refused() {
  call GET "$2/api/v1/datasets" -H "Authorization: Bearer $1"
  expect_error_shape 401 GET "$2/api/v1/datasets" '"note  refused: \(.message)"'
  [ "$(header x-auth-reason)" = token_invalid ] || differs "X-Auth-Reason: $(header x-auth-reason), expected token_invalid"
  ok 'X-Auth-Reason: token_invalid'
}

# dataloy_expect_expired TOKEN API_URL: waits until TOKEN has expired (plus the API's clock tolerance), then checks
# the seed's 401 body field by field.
dataloy_expect_expired() {
  local token="$1" url="$2$DATALOY_RESOURCE" exp now deadline
  exp="$(jwt_claim "$token" exp)"
  now="$(date +%s)"
  printf '  wait  the token expires in %s s; calling until the API says it has\n' "$((exp - now))"
  if [ "$exp" -gt "$now" ]; then sleep "$((exp - now))"; fi
  deadline=$((exp + 60))
  while :; do
    call GET "$url" -H "Authorization: Bearer $token"
    [ "$STATUS" = 200 ] || break
    [ "$(date +%s)" -lt "$deadline" ] || differs "the API still accepts the token 60 s after its exp"
    sleep 1
  done
  expect_error_shape 401 GET "$url" 'eq(".statusText"; "Unauthorized"), eq(".message"; "Token expired.")'
  [ "$(header x-auth-reason)" = token_expired ] || differs "X-Auth-Reason: $(header x-auth-reason), expected token_expired"
  ok 'X-Auth-Reason: token_expired'
  case "$(header www-authenticate)" in
    'Bearer error="invalid_token"'*) ok "WWW-Authenticate: $(header www-authenticate)" ;;
    *) differs "WWW-Authenticate: $(header www-authenticate)" ;;
  esac
}
