#!/usr/bin/env bash
# Seed 001 (Dataloop, "Get an Authentication Token"), step by step against Gatehouse: POST /token?default with the
# seed's one-line body; the response's access_token, id_token and refresh_token; the decoded JWT; the 24 h
# expiry read from exp to refresh before it; the JWT as a bearer token.
#
#   GATEHOUSE_ADMIN_EMAIL=... GATEHOUSE_ADMIN_PASSWORD=... examples/seeds/001_dataloop_token.sh http://127.0.0.1:8080
SEED=001
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/dataloop.sh"

step setup '"Once you have your API Credentials set": a user with an email and a password'
admin_login
USER_EMAIL="user.$RUN@example.com"
USER_PASSWORD="user password $RUN"
admin_api POST /api/v1/users "$(jq -cn --arg e "$USER_EMAIL" --arg p "$USER_PASSWORD" '{email:$e, password:$p, name:"Name"}')"
expect_status 201
dataloop_issuer

step token 'POST /token?default  Content-Type: application/json  { "username": ..., "password": ..., "type": "user_credentials"}'
# The body exactly as the seed writes it, one line with its spacing.
call POST "$GATEHOUSE_URL/token?default" -H 'Content-Type: application/json' \
  --data-binary "{ \"username\": $(jq -cn --arg u "$USER_EMAIL" '$u'), \"password\": $(jq -cn --arg p "$USER_PASSWORD" '$p'), \"type\": \"user_credentials\"}"
expect_status 200
expect_has_keys 'access_token id_token refresh_token'
ACCESS="$(str .access_token)"
ID_TOKEN="$(str .id_token)"
REFRESH="$(str .refresh_token)"

step jwt 'decode the JWT: "Expiration period is 24 hours"'
dataloop_check_jwt "$USER_EMAIL"

step exp '"extract the exp field to get your JWT lifetime" and refresh before it'
EXP="$(jwt_part "$ID_TOKEN" 1 | jq .exp)"
LEFT=$((EXP - $(date +%s)))
[ "$LEFT" -gt 86000 ] && [ "$LEFT" -le 86400 ] || differs "the JWT expires in $LEFT s, expected about 86400 s"
ok "the JWT expires in $LEFT s; refresh it before then:"
call POST "$GATEHOUSE_URL/oauth/token" --data-urlencode grant_type=refresh_token --data-urlencode "refresh_token=$REFRESH"
expect_status 200
expect_has_keys 'access_token id_token refresh_token'
ACCESS="$(str .access_token)"

step bearer '"Continue to use the JWT for HTTP request to the platform (with bearer authentication)"'
call GET "$GATEHOUSE_URL/api/v1/users/me" -H "Authorization: Bearer $ACCESS"
expect_status 200
expect_eq .email "\"$USER_EMAIL\""
dataloop_id_token_as_bearer "$ID_TOKEN" "$GATEHOUSE_URL/api/v1/users/me"

finish Dataloop
