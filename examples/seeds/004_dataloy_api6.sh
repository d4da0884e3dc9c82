#!/usr/bin/env bash
# Seed 004 (Dataloy API 6.0, "Authentication/Authorization"), step by step against Gatehouse: the one-line
# client credentials payload, the exact three-field response, the API call with the seed's curl options, and the
# 401 body for an expired token with the request URI (query string included) in "uri".
#
#   GATEHOUSE_ADMIN_EMAIL=... GATEHOUSE_ADMIN_PASSWORD=... DATALOY_API_URL=http://127.0.0.1:8082 \
#   DATALOY_DEV_API_URL=http://127.0.0.1:8083 examples/seeds/004_dataloy_api6.sh http://127.0.0.1:8080
# (the two example APIs: see lib/dataloy.sh). Takes about 40 s: it waits for a 30 s token to expire.
SEED=004
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/dataloy.sh"

step setup 'your API (https://dataloy; https://dataloy.dev issues 30 s tokens for the expiry step) and an M2M client'
dataloy_setup

# payload AUDIENCE: the seed's one-line body, with its spacing.
payload() {
  printf '{ "client_id":%s, "client_secret":%s, "audience":%s, "grant_type":"client_credentials" }' \
    "$(jstr "$CLIENT_ID")" "$(jstr "$CLIENT_SECRET")" "$(jstr "$1")"
}

step token.short 'a token from the API whose tokens live 30 s, to see it expire at the end'
call POST "$GATEHOUSE_URL/oauth/token" -H 'Content-Type: application/json' --data-binary "$(payload https://dataloy.dev)"
dataloy_check_response https://dataloy.dev "$DATALOY_DEV_LIFETIME"
SHORT_TOKEN="$TOKEN"

step token 'Example POST to token URL: { "client_id":"...", "client_secret":"...", "audience":"...", "grant_type":"client_credentials" }'
call POST "$GATEHOUSE_URL/oauth/token" -H 'Content-Type: application/json' --data-binary "$(payload https://dataloy)"
dataloy_check_response https://dataloy 86400
ACCESS_TOKEN="$TOKEN"

step call "curl --request GET --url https://myapi.com/api --header 'authorization: Bearer ACCESS_TOKEN' --header 'content-type: application/json'"
call GET "$DATALOY_API_URL/api/v1/datasets" --header "authorization: Bearer $ACCESS_TOKEN" --header 'content-type: application/json'
expect_status 200
expect_json 'check("the API answers"; .data | type == "array"; .)'
dataloy_expect_refused "$ACCESS_TOKEN" "$DATALOY_DEV_API_URL"

step reuse '"use the same token as long as it is valid"'
call GET "$DATALOY_API_URL/api/v1/datasets" --header "authorization: Bearer $ACCESS_TOKEN" --header 'content-type: application/json'
expect_status 200

step expired 'an expired token: 401 {"statusCode":401,"statusText":"Unauthorized","message":"Token expired.",...,"uri":"http://.../Cargo?filter=..."}'
dataloy_expect_expired "$SHORT_TOKEN" "$DATALOY_DEV_API_URL"

finish 'Dataloy API 6.0'
