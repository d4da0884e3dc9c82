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
admin_api POST /api/v1/users "{\"email\":$(jstr "$USER_EMAIL"),\"password\":$(jstr "$USER_PASSWORD"),\"name\":\"Name\"}"
expect_status 201
dataloop_issuer

step token 'POST /token?default  Content-Type: application/json  { "username": ..., "password": ..., "type": "user_credentials"}'
# The body exactly as the seed writes it, on one line with its spacing.
dataloop_token_request "$USER_EMAIL" "$USER_PASSWORD" \
  "{ \"username\": $(jstr "$USER_EMAIL"), \"password\": $(jstr "$USER_PASSWORD"), \"type\": \"user_credentials\"}"
FIRST_ID_TOKEN="$ID_TOKEN"

step jwt 'decode the JWT: "Expiration period is 24 hours"'
dataloop_check_jwt "$USER_EMAIL"

step exp '"extract the exp field to get your JWT lifetime" and refresh before it'
EXP="$(jwt_claim "$ID_TOKEN" exp)"
LEFT=$((EXP - $(date +%s)))
[ "$LEFT" -gt 86000 ] && [ "$LEFT" -le 86400 ] || differs "the JWT expires in $LEFT s, expected about 86400 s"
ok "the JWT expires in $LEFT s; refresh it before then:"
dataloop_renew "$REFRESH_TOKEN"
get .access_token ACCESS_TOKEN
ok 'and again with the same (original) refresh token, as dtlpy does at every renewal:'
dataloop_renew "$REFRESH_TOKEN"
get .access_token ACCESS_TOKEN

step bearer '"Continue to use the JWT for HTTP request to the platform (with bearer authentication)"'
call GET "$GATEHOUSE_URL/api/v1/users/me" -H "Authorization: Bearer $ACCESS_TOKEN"
expect_status 200
expect_json 'eq(".email"; $email)' --arg email "$USER_EMAIL"
dataloop_id_token_as_bearer "$FIRST_ID_TOKEN" "$GATEHOUSE_URL/api/v1/users/me"

finish Dataloop
