#!/usr/bin/env bash
# Seed 002 (Dataloy, "Authentication / Authorization"), step by step against Gatehouse: the client credentials
# POST with the seed's payload, as JSON and as a form, answered with exactly {"access_token","expires_in":86400,
# "token_type":"Bearer"}; one audience per environment (https://dataloy, https://dataloy.dev), each refused by the
# other's API; the token reused while valid; the seed's 401 body for an expired token.
#
#   GATEHOUSE_ADMIN_EMAIL=... GATEHOUSE_ADMIN_PASSWORD=... DATALOY_API_URL=http://127.0.0.1:8082 \
#   DATALOY_DEV_API_URL=http://127.0.0.1:8083 examples/seeds/002_dataloy.sh http://127.0.0.1:8080
# (the two example APIs: see lib/dataloy.sh). Takes about 40 s: it waits for a 30 s dev token to expire.
SEED=002
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/dataloy.sh"

step setup 'the APIs https://dataloy and https://dataloy.dev, and an M2M client allowed to call them'
dataloy_setup

step token.expiring 'a token for https://dataloy.dev (30 s) taken first, so that it runs out while the other steps go on'
call POST "$GATEHOUSE_URL/oauth/token" -H 'Content-Type: application/json' -d "$(dataloy_payload https://dataloy.dev)"
dataloy_check_response https://dataloy.dev "$DATALOY_DEV_LIFETIME"
EXPIRING_TOKEN="$TOKEN"

step token.json 'POST {"client_id","client_secret","audience":"https://dataloy","grant_type":"client_credentials"} to the token URL'
call POST "$GATEHOUSE_URL/oauth/token" -H 'Content-Type: application/json' -d "$(dataloy_payload https://dataloy)"
dataloy_check_response https://dataloy 86400
PROD_TOKEN="$TOKEN"

step token.form 'the same parameters as an application/x-www-form-urlencoded body'
call POST "$GATEHOUSE_URL/oauth/token" --data-urlencode "client_id=$CLIENT_ID" --data-urlencode "client_secret=$CLIENT_SECRET" \
  --data-urlencode audience=https://dataloy --data-urlencode grant_type=client_credentials
dataloy_check_response https://dataloy 86400

step token.dev 'the payload with "audience":"https://dataloy.dev" (test and DEV environments)'
call POST "$GATEHOUSE_URL/oauth/token" -H 'Content-Type: application/json' -d "$(dataloy_payload https://dataloy.dev)"
dataloy_check_response https://dataloy.dev "$DATALOY_DEV_LIFETIME"
DEV_TOKEN="$TOKEN"

step call 'curl https://{URL}/ws/rest/{Resource} -H "Authorization: Bearer eyJ..."'
call GET "$DATALOY_API_URL$DATALOY_RESOURCE" -H "Authorization: Bearer $PROD_TOKEN"
expect_status 200
expect_json 'check("the resource is returned"; .data | type == "array"; .)'
call GET "$DATALOY_DEV_API_URL$DATALOY_RESOURCE" -H "Authorization: Bearer $DEV_TOKEN"
expect_status 200

step environments 'one audience per environment: a token for one is refused by the other'
dataloy_expect_refused "$PROD_TOKEN" "$DATALOY_DEV_API_URL"
dataloy_expect_refused "$DEV_TOKEN" "$DATALOY_API_URL"

step reuse '"use the same token as long as it is valid"'
for i in 1 2 3; do
  call GET "$DATALOY_API_URL$DATALOY_RESOURCE" -H "Authorization: Bearer $PROD_TOKEN"
  expect_status 200
done

step expired '"When an endpoint is invoked with an expired token the server sends a HTTP 401 response"'
dataloy_expect_expired "$EXPIRING_TOKEN" "$DATALOY_DEV_API_URL"

finish Dataloy
