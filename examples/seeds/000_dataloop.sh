#!/usr/bin/env bash
# Seed 000 (Dataloop, "How to Authenticate"), step by step against Gatehouse: a bot created in a project with its
# credentials returned once and listed among the contributors; the Swagger UI; POST /token?default with
# {"username","password","type":"user_credentials"} for a registered user and for the bot; the decoded JWT with
# exactly the claims the seed shows and a 24 h lifetime; GET /api/v1/projects/{id} with the bearer token.
# The SDK half of the seed (dl.login_m2m) is m2m.ts.
#
#   GATEHOUSE_ADMIN_EMAIL=... GATEHOUSE_ADMIN_PASSWORD=... examples/seeds/000_dataloop.sh http://127.0.0.1:8080
SEED=000
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/dataloop.sh"

step login 'dl.login()  →  the admin logs in (password grant) to create what the seed starts from'
admin_login

step discovery 'the issuer every token names (iss)'
dataloop_issuer

step project "dl.projects.get(project_name='myProject')  →  POST /api/v1/projects"
admin_api POST /api/v1/projects '{"name":"myProject"}'
expect_status 201
expect_eq .name '"myProject"'
PROJECT_ID="$(str .id)"

step bots.create "project.bots.create(name='my-unique-name', return_credentials=True)  →  POST /api/v1/projects/{id}/bots"
admin_api POST "/api/v1/projects/$PROJECT_ID/bots" '{"name":"my-unique-name"}'
expect_status 201
expect_eq .name '"my-unique-name"'
expect_eq .role '"developer"'
expect_eq .project_id "\"$PROJECT_ID\""
expect_true '.email | test("^[^@ ]+@[^@ ]+$")' 'the bot has an email (myBot.email)'
expect_true '.password | test("^ghb_[A-Za-z0-9_-]{20,}$")' 'the bot has a password (myBot.password), shown now'
expect_true '.client_id == .email and .client_secret == .password' 'the same credential is the client_id/client_secret'
BOT_ID="$(str .id)"
BOT_EMAIL="$(str .email)"
BOT_PASSWORD="$(str .password)"
echo "  the bot email is $BOT_EMAIL"
echo "  the bot password is ${BOT_PASSWORD:0:8}... (printed once by the seed; shortened here)"

step bots.once 'the credentials are returned once: reading the bot again never shows them'
admin_api GET "/api/v1/projects/$PROJECT_ID/bots/$BOT_ID"
expect_status 200
expect_true 'has("password") or has("client_secret") | not' 'no password or client_secret in GET /bots/{id}'
admin_api GET "/api/v1/projects/$PROJECT_ID/bots"
expect_status 200
expect_true "map(select(.id == \"$BOT_ID\")) | length == 1" 'the bot is listed'
expect_true 'all(.[]; (has("password") or has("client_secret")) | not)' 'no secrets in the list'

step contributors 'the bot is visible under Contributors of the project, with Developer privileges'
admin_api GET "/api/v1/projects/$PROJECT_ID/members"
expect_status 200
expect_true "map(select(.type == \"bot\" and .id == \"$BOT_ID\" and .email == \"$BOT_EMAIL\" and .role == \"developer\")) | length == 1" \
  'the bot is a contributor: type bot, its email, role developer'

step swagger 'the Swagger UI at /api/v1/docs, generated from the OpenAPI document'
call GET "$GATEHOUSE_URL/api/v1/docs/"
expect_status 200
case "$(header content-type)" in text/html*) ok 'text/html' ;; *) differs "content-type $(header content-type), expected text/html" ;; esac
case "$BODY" in *swagger-ui*) ok 'the page is the Swagger UI' ;; *) differs 'the page does not load swagger-ui' ;; esac
call GET "$GATEHOUSE_URL/api/v1/openapi.json"
expect_status 200
expect_true '.openapi | startswith("3.")' 'an OpenAPI 3 document'
expect_true '.paths["/api/v1/projects/{projectId}"].get != null' 'it documents GET /api/v1/projects/{id}'
expect_true '.components.securitySchemes | to_entries | map(.value) | any(.scheme == "bearer")' 'the Authorize button takes a bearer token'

step register '1. "register with Dataloop using an e-mail and password"  →  a Gatehouse user, added to the project'
USER_EMAIL="zaphod.$RUN@example.com"
USER_PASSWORD="dont-panic-$RUN"
admin_api POST /api/v1/users "$(jq -cn --arg e "$USER_EMAIL" --arg p "$USER_PASSWORD" '{email:$e, password:$p, name:"Zaphod Beeblebrox"}')"
expect_status 201
admin_api POST "/api/v1/projects/$PROJECT_ID/members" "$(jq -cn --arg e "$USER_EMAIL" '{email:$e, role:"developer"}')"
expect_status 201

step token.user '2. POST /token?default {"username","password","type":"user_credentials"}  (the registered user)'
dataloop_token_request "$USER_EMAIL" "$USER_PASSWORD"
USER_ACCESS="$(str .access_token)"
USER_ID_TOKEN="$(str .id_token)"
USER_REFRESH="$(str .refresh_token)"
step jwt.user 'decode the JWT: the claims the seed shows'
dataloop_check_jwt "$USER_EMAIL"

step project.user '3. GET /api/v1/projects/{id} with "Bearer Token"'
call GET "$GATEHOUSE_URL/api/v1/projects/$PROJECT_ID" -H "Authorization: Bearer $USER_ACCESS"
expect_status 200
expect_eq .id "\"$PROJECT_ID\""
expect_eq .name '"myProject"'

step project.id_token 'the seed: "use the id_token (the JWT) from the response as your authorization JWT"'
dataloop_id_token_as_bearer "$USER_ID_TOKEN" "$GATEHOUSE_URL/api/v1/projects/$PROJECT_ID"

step token.bot 'the same request with the bot email and password'
dataloop_token_request "$BOT_EMAIL" "$BOT_PASSWORD"
BOT_ACCESS="$(str .access_token)"
step jwt.bot 'decode the bot JWT'
dataloop_check_jwt "$BOT_EMAIL"

step project.bot 'GET /api/v1/projects/{id} as the bot'
call GET "$GATEHOUSE_URL/api/v1/projects/$PROJECT_ID" -H "Authorization: Bearer $BOT_ACCESS"
expect_status 200
expect_eq .id "\"$PROJECT_ID\""
expect_eq .role '"developer"'

step refresh '"refresh your JWT before its expiration date": the refresh_token grant'
call POST "$GATEHOUSE_URL/oauth/token" --data-urlencode grant_type=refresh_token --data-urlencode "refresh_token=$USER_REFRESH"
expect_status 200
expect_has_keys 'access_token id_token refresh_token'
expect_true ".refresh_token != \"$USER_REFRESH\"" 'a new refresh token (the old one is spent)'
call GET "$GATEHOUSE_URL/api/v1/projects/$PROJECT_ID" -H "Authorization: Bearer $(jq -r .access_token "$WORK/body")"
expect_status 200

step no_token 'without a token: 401 in the one error shape'
call GET "$GATEHOUSE_URL/api/v1/projects/$PROJECT_ID"
expect_error_shape 401 GET "$GATEHOUSE_URL/api/v1/projects/$PROJECT_ID"

finish Dataloop
