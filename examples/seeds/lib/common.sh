# Helpers shared by the curl seed scripts (sourced, not run): numbered steps, checks that stop the script with
# what differed from the seed document, and an optional transcript of every HTTP exchange for the tests.
#
# Environment: GATEHOUSE_URL (or the first argument; default http://127.0.0.1:8080), GATEHOUSE_ADMIN_EMAIL and
# GATEHOUSE_ADMIN_PASSWORD (the admin creates what the seed assumes exists: projects, bots, users, APIs),
# SEEDS_TRANSCRIPT (a file to append one JSON line per exchange to; bodies and headers go beside it),
# SEEDS_KNOWN_DIFFERENCES (comma-separated ids of differences to report without failing; see docs/seeds.md).
#
# Every check of a response is one jq program (one process per response, not per field): the scripts run in CI
# next to everything else.
set -euo pipefail

for tool in curl jq; do
  command -v "$tool" >/dev/null 2>&1 || { echo "seed $SEED: '$tool' is required and was not found on PATH" >&2; exit 2; }
done

GATEHOUSE_URL="${1:-${GATEHOUSE_URL:-http://127.0.0.1:8080}}"
GATEHOUSE_URL="${GATEHOUSE_URL%/}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
STEP_ID=setup
STATUS=0
BODY=''
BODY_FILE="$WORK/body"
HEADERS_FILE="$WORK/headers"
EXCHANGES=0
KNOWN_SEEN=''
# A suffix that keeps reruns against the same Gatehouse apart (emails and bot names are unique).
RUN="$(date +%s)$RANDOM"

# jq definitions for the checks: check(description; condition[; what to show when it fails]), jwt(0|1) decodes
# a JWT's header or claims (not verified), fields("a b c") is "exactly these fields" (JSON objects are
# unordered: order aside), has_fields("a b") is "at least these".
JQ_DEFS='
def check(d; c): if c then "ok    \(d)" else "FAIL  \(d)" end;
def check(d; c; got): if c then "ok    \(d)" else "FAIL  \(d), got \(got | tojson | .[0:400])" end;
def jwt(n): split(".") | .[n] | gsub("-"; "+") | gsub("_"; "/") | (. + ("=" * ((4 - length % 4) % 4))) | @base64d | fromjson;
def fields($k): check("exactly the fields \($k)"; (keys_unsorted | sort) == ($k | split(" ") | sort); keys_unsorted);
def has_fields($k): check("has the fields \($k)"; (($k | split(" ")) - keys_unsorted) == []; keys_unsorted);
def eq($path; $v): check("\($path) = \($v | tojson)"; getpath($path | ltrimstr(".") | split(".")) == $v; getpath($path | ltrimstr(".") | split(".")));
def seconds_date: test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$");
'

step() {
  STEP_ID="$1"
  shift
  printf '\n[%s %s] %s\n' "$SEED" "$STEP_ID" "$*"
}

ok() { printf '  ok    %s\n' "$*"; }

differs() {
  printf '\nSEED %s DIFFERS at step %s: %s\n' "$SEED" "$STEP_ID" "$*" >&2
  if [ -n "$BODY" ]; then printf '  last response (HTTP %s): %.600s\n' "$STATUS" "$BODY" >&2; fi
  exit 1
}

# known_difference ID TEXT: listed in SEEDS_KNOWN_DIFFERENCES → reported loudly, the flow goes on; otherwise → fail.
known_difference() {
  local id="$1" text="$2"
  case ",${SEEDS_KNOWN_DIFFERENCES:-}," in
    *",$id,"*)
      printf '  KNOWN DIFFERENCE %s: %s\n' "$id" "$text"
      KNOWN_SEEN="${KNOWN_SEEN:+$KNOWN_SEEN, }$id"
      if [ -n "${SEEDS_TRANSCRIPT:-}" ]; then
        printf '{"seed":"%s","step":"%s","kind":"known_difference","id":"%s"}\n' "$SEED" "$STEP_ID" "$id" >>"$SEEDS_TRANSCRIPT"
      fi ;;
    *) differs "$text (difference id: $id)" ;;
  esac
}

# finish NAME: the last line of a script that got to its end.
finish() {
  if [ -n "$KNOWN_SEEN" ]; then
    printf '\nseed %s (%s): every step as the document shows, except the known differences: %s (docs/seeds.md)\n' "$SEED" "$1" "$KNOWN_SEEN"
  else
    printf '\nseed %s (%s): every step as the document shows\n' "$SEED" "$1"
  fi
}

# jstr VALUE: VALUE as a JSON string (for the request bodies the seeds show, built without a process).
jstr() {
  local s="${1//\\/\\\\}"
  s="${s//\"/\\\"}"
  printf '"%s"' "$s"
}

# call METHOD URL [curl options...]: one HTTP exchange with curl; sets STATUS and BODY. With SEEDS_TRANSCRIPT, the
# body and headers are kept beside the transcript and a line names them.
call() {
  local method="$1" url="$2"
  shift 2
  EXCHANGES=$((EXCHANGES + 1))
  if [ -n "${SEEDS_TRANSCRIPT:-}" ]; then
    BODY_FILE="$SEEDS_TRANSCRIPT.$EXCHANGES.body"
    HEADERS_FILE="$SEEDS_TRANSCRIPT.$EXCHANGES.headers"
  fi
  printf '  →     curl -X %s %s\n' "$method" "$url"
  STATUS="$(curl -sS -X "$method" -o "$BODY_FILE" -D "$HEADERS_FILE" -w '%{http_code}' "$url" "$@")" ||
    differs "curl could not complete $method $url"
  BODY="$(<"$BODY_FILE")"
  local preview="${BODY//$'\n'/ }"
  printf '  ←     HTTP %s %.160s%s\n' "$STATUS" "$preview" "$([ ${#preview} -gt 160 ] && echo ' ...')"
  if [ -n "${SEEDS_TRANSCRIPT:-}" ]; then
    case "$url" in *'"'* | *'\'*) differs "cannot record the URL $url" ;; esac
    printf '{"seed":"%s","step":"%s","kind":"http","method":"%s","url":"%s","status":%s,"bodyFile":"%s","headersFile":"%s"}\n' \
      "$SEED" "$STEP_ID" "$method" "$url" "$STATUS" "$BODY_FILE" "$HEADERS_FILE" >>"$SEEDS_TRANSCRIPT"
  fi
}

# header NAME: the value of a response header of the last call (NAME in lower case), empty when absent.
header() {
  local line name value=''
  while IFS= read -r line; do
    line="${line%$'\r'}"
    name="${line%%:*}"
    if [ "${name,,}" = "$1" ]; then value="${line#*: }"; fi
  done <"$HEADERS_FILE"
  printf '%s' "$value"
}

expect_status() {
  [ "$STATUS" = "$1" ] || differs "expected HTTP $1, got HTTP $STATUS"
  ok "HTTP $1"
}

# expect_json PROGRAM [jq options...]: runs the checks PROGRAM emits (check(...), fields(...), ...) on the last
# body, prints them, and stops at the first that failed.
expect_json() {
  local program="$1" out line failed=''
  shift
  out="$(jq -r "$@" "$JQ_DEFS $program" <<<"$BODY" 2>&1)" || differs "the checks could not run on the response: $out"
  while IFS= read -r line; do
    printf '  %s\n' "$line"
    case "$line" in FAIL*) [ -n "$failed" ] || failed="${line#FAIL  }" ;; esac
  done <<<"$out"
  [ -z "$failed" ] || differs "$failed"
}

# get 'FILTER, FILTER, ...' VAR VAR ...: string fields of the last body into shell variables, in one jq run.
get() {
  local filter="$1" values
  shift
  values="$(jq -r "[$filter | if . == null then \"null\" else tostring end] | join(\"\\u001f\")" <<<"$BODY" 2>/dev/null)" ||
    differs "the response is not JSON"
  IFS=$'\x1f' read -r "$@" <<<"$values"
}

# jwt_claim TOKEN CLAIM: one claim of a JWT, not verified.
jwt_claim() { jq -rn --arg t "$1" "$JQ_DEFS"' $t | jwt(1) | .'"$2" || differs "not a JWT: ${1:0:20}..."; }

# The admin's token for the management API (the seeds' "log in first" step, done with the password grant).
admin_login() {
  : "${GATEHOUSE_ADMIN_EMAIL:?set GATEHOUSE_ADMIN_EMAIL (and GATEHOUSE_ADMIN_PASSWORD) to the Gatehouse admin}"
  : "${GATEHOUSE_ADMIN_PASSWORD:?set GATEHOUSE_ADMIN_PASSWORD}"
  call POST "$GATEHOUSE_URL/oauth/token" --data-urlencode grant_type=password \
    --data-urlencode "username=$GATEHOUSE_ADMIN_EMAIL" --data-urlencode "password=$GATEHOUSE_ADMIN_PASSWORD"
  expect_status 200
  get .access_token ADMIN_TOKEN
}

# admin_api METHOD PATH [JSON]: the management API as the admin.
admin_api() {
  if [ $# -ge 3 ]; then
    call "$1" "$GATEHOUSE_URL$2" -H "Authorization: Bearer $ADMIN_TOKEN" -H 'Content-Type: application/json' -d "$3"
  else
    call "$1" "$GATEHOUSE_URL$2" -H "Authorization: Bearer $ADMIN_TOKEN"
  fi
}

# expect_error_shape STATUS METHOD URI [EXTRA_CHECKS]: the error shape of the Dataloy seed (every non-OAuth error
# of Gatehouse and of the APIs that use @gatehouse/verify), field by field.
expect_error_shape() {
  expect_status "$1"
  expect_json 'fields("statusCode statusText message date statusFamily method uri"),
    eq(".statusCode"; $status), eq(".statusFamily"; "CLIENT_ERROR"), eq(".method"; $method), eq(".uri"; $uri),
    check("date is like \"2019-11-13T06:26:01\""; .date | seconds_date; .date)'"${4:+, $4}" \
    --argjson status "$1" --arg method "$2" --arg uri "$3"
}
