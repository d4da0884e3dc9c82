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
expect_json 'eq(".name"; "myProject")'
get .id PROJECT_ID

step bots.create "project.bots.create(name='my-unique-name', return_credentials=True)  →  POST /api/v1/projects/{id}/bots"
admin_api POST "/api/v1/projects/$PROJECT_ID/bots" '{"name":"my-unique-name"}'
expect_status 201
expect_json 'eq(".name"; "my-unique-name"), eq(".role"; "developer"), eq(".project_id"; $project),
  check("the bot has an email (myBot.email)"; .email | test("^[^@ ]+@[^@ ]+$"); .email),
  check("the bot has a password (myBot.password), shown now"; .password | test("^ghb_[A-Za-z0-9_-]{20,}$")),
  check("the same credential is the client_id and client_secret"; .client_id == .email and .client_secret == .password)' \
  --arg project "$PROJECT_ID"
get '.id, .email, .password' BOT_ID BOT_EMAIL BOT_PASSWORD
echo "  the bot email is $BOT_EMAIL"
# Bots act on the management API only with the scopes granted to them there: this one may read its project.
admin_api PUT "/api/v1/apis/management/grants/$BOT_ID" '{"scopes":["projects:read"]}'
expect_status 200
echo "  the bot password is ${BOT_PASSWORD:0:8}... (printed in full by the seed; shortened here)"

step bots.once 'the credentials are returned once: reading the bot again never shows them'
admin_api GET "/api/v1/projects/$PROJECT_ID/bots/$BOT_ID"
expect_status 200
expect_json 'check("no password or client_secret in GET /bots/{id}"; has("password") or has("client_secret") | not; keys_unsorted)'
admin_api GET "/api/v1/projects/$PROJECT_ID/bots"
expect_status 200
expect_json 'check("the bot is listed"; map(select(.id == $bot)) | length == 1),
  check("no secrets in the list"; all(.[]; (has("password") or has("client_secret")) | not))' --arg bot "$BOT_ID"

step contributors 'the bot is visible under Contributors of the project, with Developer privileges'
admin_api GET "/api/v1/projects/$PROJECT_ID/members"
expect_status 200
expect_json 'check("the bot is a contributor: type bot, its email, role developer";
  map(select(.type == "bot" and .id == $bot and .email == $email and .role == "developer")) | length == 1; map(select(.type == "bot")))' \
  --arg bot "$BOT_ID" --arg email "$BOT_EMAIL"

step swagger 'the Swagger UI at /api/v1/docs, generated from the OpenAPI document'
call GET "$GATEHOUSE_URL/api/v1/docs/"
expect_status 200
case "$(header content-type)" in text/html*) ok 'text/html' ;; *) differs "content-type $(header content-type), expected text/html" ;; esac
case "$BODY" in *swagger-ui*) ok 'the page is the Swagger UI' ;; *) differs 'the page does not load swagger-ui' ;; esac
call GET "$GATEHOUSE_URL/api/v1/openapi.json"
expect_status 200
expect_json 'check("an OpenAPI 3 document"; .openapi | startswith("3."); .openapi),
  check("it documents GET /api/v1/projects/{id}"; .paths["/api/v1/projects/{projectId}"].get != null),
  check("its Authorize button takes a bearer token"; .components.securitySchemes | to_entries | map(.value) | any(.scheme == "bearer"))'

step register '1. "register with Dataloop using an e-mail and password"  →  a Gatehouse user, invited to the project (a member from their first sign-in)'
USER_EMAIL="zaphod.$RUN@example.com"
USER_PASSWORD="dont-panic-$RUN"
admin_api POST /api/v1/users "{\"email\":$(jstr "$USER_EMAIL"),\"password\":$(jstr "$USER_PASSWORD"),\"name\":\"Zaphod Beeblebrox\"}"
expect_status 201
admin_api POST "/api/v1/projects/$PROJECT_ID/members" "{\"email\":$(jstr "$USER_EMAIL"),\"role\":\"developer\"}"
expect_status 201

step token.user '2. POST /token?default {"username","password","type":"user_credentials"}  (the registered user)'
dataloop_token_request "$USER_EMAIL" "$USER_PASSWORD"
USER_ACCESS="$ACCESS_TOKEN"
USER_ID_TOKEN="$ID_TOKEN"
USER_REFRESH="$REFRESH_TOKEN"
step jwt.user 'decode the JWT: the claims the seed shows'
dataloop_check_jwt "$USER_EMAIL"

step project.user '3. GET /api/v1/projects/{id} with "Bearer Token"'
call GET "$GATEHOUSE_URL/api/v1/projects/$PROJECT_ID" -H "Authorization: Bearer $USER_ACCESS"
expect_status 200
expect_json 'eq(".id"; $project), eq(".name"; "myProject")' --arg project "$PROJECT_ID"

step project.id_token 'the seed: "use the id_token (the JWT) from the response as your authorization JWT"'
dataloop_id_token_as_bearer "$USER_ID_TOKEN" "$GATEHOUSE_URL/api/v1/projects/$PROJECT_ID"

step token.bot 'the same request with the bot email and password'
dataloop_token_request "$BOT_EMAIL" "$BOT_PASSWORD"
BOT_ACCESS="$ACCESS_TOKEN"
step jwt.bot 'decode the bot JWT'
dataloop_check_jwt "$BOT_EMAIL"

step project.bot 'GET /api/v1/projects/{id} as the bot'
call GET "$GATEHOUSE_URL/api/v1/projects/$PROJECT_ID" -H "Authorization: Bearer $BOT_ACCESS"
expect_status 200
expect_json 'eq(".id"; $project), eq(".role"; "developer")' --arg project "$PROJECT_ID"

step refresh '"refresh your JWT before its expiration date": as dtlpy renews, POST /token?default {"type":"refresh_token"}'
dataloop_renew "$USER_REFRESH"
get .access_token USER_ACCESS
call GET "$GATEHOUSE_URL/api/v1/projects/$PROJECT_ID" -H "Authorization: Bearer $USER_ACCESS"
expect_status 200

step no_token 'without a token: 401 in the one error shape'
call GET "$GATEHOUSE_URL/api/v1/projects/$PROJECT_ID"
expect_error_shape 401 GET "$GATEHOUSE_URL/api/v1/projects/$PROJECT_ID"

finish Dataloop
